#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds xen_dma.ko against Debian 12's dom0 kernel headers. The objects go to
# a copy of the sources in the cache, so the repository stays clean. Prints
# the path of each xen_dma.ko built; the benchmark module, xen_dma_bench.ko,
# lies next to it.
#
# usage: modules-debian.sh ARCH...   (x86_64, arm64)
set -euo pipefail
. "$(dirname "$0")/common.sh"

for arch in "$@"; do
	kdir=$("$XEN_DMA_TOP/scripts/debian-headers.sh" "$arch")
	out=$XEN_DMA_CACHE/module-$arch
	mkdir -p "$out"
	case "$arch" in
	arm64)	cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
	*)	cross=() ;;
	esac
	# One build per arch at a time; the finished module is then copied
	# whole, so a reader never sees one half-written or from another tree.
	(
		flock 9
		rsync -a --delete --exclude .git --exclude '*.o' --exclude '*.ko' \
			--exclude '*.cmd' --exclude '*.mod*' --exclude Module.symvers \
			--exclude modules.order \
			"$XEN_DMA_TOP/" "$out/src/"
		make -s -C "$kdir" M="$out/src" CONFIG_XEN_DMA=m \
			CONFIG_XEN_DMA_BENCH=m "${cross[@]}" modules >&2
		for ko in xen_dma xen_dma_bench; do
			cp "$out/src/$ko.ko" "$out/$ko.ko.tmp"
			mv "$out/$ko.ko.tmp" "$out/$ko.ko"
		done
	) 9>"$out/.lock"
	echo "$out/xen_dma.ko"
done
