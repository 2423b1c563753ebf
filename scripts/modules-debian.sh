#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds xen_dma.ko (W=1) against a Debian dom0 kernel's own headers. The
# objects go to a copy of the sources in the cache, so the repository stays
# clean. Prints the path of each xen_dma.ko built; the test modules lie next
# to it (xen_dma_bench.ko; on x86_64 also xen_dma_fragment.ko), and a file
# "kernel" names the kernel.
#
# usage: modules-debian.sh [STACK:]ARCH...
#   STACK: deb12 (default: Debian 12's 6.1), deb13 (Debian 13's 6.12) or
#   newest (the newest Linux for Debian 13); see debian-headers.sh
#   ARCH: x86_64 or arm64 (cross-built)
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"

for target in "$@"; do
	arch=${target#*:}
	stack=deb12
	[ "$target" = "$arch" ] || stack=${target%%:*}
	read -r root kdir < <("$XEN_DMA_TOP/scripts/debian-headers.sh" "$stack" "$arch")
	[ -n "${kdir:-}" ] || die "no headers for $target"
	if [ "$stack" = deb12 ]; then
		out=$XEN_DMA_CACHE/module-$arch
	else
		out=$XEN_DMA_CACHE/module-$stack-$arch
	fi
	case "$arch" in
	arm64)	cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
		kos=(xen_dma xen_dma_bench) ;;
	*)	cross=(CONFIG_XEN_DMA_FRAGMENT=m)
		kos=(xen_dma xen_dma_bench xen_dma_fragment) ;;
	esac
	# The build sees the sources at $src; outside the host, inside the root.
	if [ "$root" = / ]; then
		src=$out/src
		run=()
	else
		src=/build/xen-dma-$stack-$arch
		run=(in_root "$root")
	fi
	mkdir -p "$out" "${root%/}$src"
	# One build per target at a time; the finished module is then copied
	# whole, so a reader never sees one half-written or from another tree.
	(
		flock 9
		# By content, not times (-c, no -t): a file that changed gets a
		# new mtime, so an object built from another tree's older copy
		# is never taken as up to date; unchanged files are not rebuilt.
		rsync -rlc --delete --exclude .git --exclude '*.o' --exclude '*.ko' \
			--exclude '*.cmd' --exclude '*.mod*' --exclude Module.symvers \
			--exclude modules.order \
			"$XEN_DMA_TOP/" "${root%/}$src/"
		# Not our JOBS (make test JOBS="..."): the kernel's BTF step
		# passes $(JOBS) to pahole as -j, which then fails.
		"${run[@]}" env -u JOBS make -s -C "$kdir" M="$src" CONFIG_XEN_DMA=m \
			CONFIG_XEN_DMA_BENCH=m W=1 "${cross[@]}" modules >&2
		for ko in "${kos[@]}"; do
			cp "${root%/}$src/$ko.ko" "$out/$ko.ko.tmp"
			mv "$out/$ko.ko.tmp" "$out/$ko.ko"
		done
		basename "$kdir" | sed 's/^linux-headers-//' >"$out/kernel"
	) 9>"$out/.lock"
	log "built against Linux $(cat "$out/kernel") ($stack)"
	echo "$out/xen_dma.ko"
done
