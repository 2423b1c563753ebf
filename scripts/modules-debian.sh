#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds xen_dma.ko against Debian 12's dom0 kernel headers. The objects go to
# a copy of the sources in the cache, so the repository stays clean. Prints
# the path of each module built.
#
# usage: modules-debian.sh ARCH...   (x86_64, arm64)
set -euo pipefail
. "$(dirname "$0")/common.sh"

for arch in "$@"; do
	kdir=$("$XEN_DMA_TOP/scripts/debian-headers.sh" "$arch")
	out=$XEN_DMA_CACHE/module-$arch
	mkdir -p "$out"
	rsync -a --delete --exclude .git --exclude '*.o' --exclude '*.ko' \
		--exclude '*.cmd' --exclude '*.mod*' --exclude Module.symvers \
		--exclude modules.order \
		"$XEN_DMA_TOP/" "$out/src/"
	# The sources are copied fresh, so keep the old objects by timestamp.
	case "$arch" in
	arm64)	cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
	*)	cross=() ;;
	esac
	make -s -C "$kdir" M="$out/src" CONFIG_XEN_DMA=m "${cross[@]}" modules >&2
	echo "$out/src/xen_dma.ko"
done
