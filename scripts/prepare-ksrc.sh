#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepares a kernel tree the KUnit builds use: Debian's linux-source of a
# kernel series, unpacked once into the cache, with this repository's sources
# copied in as drivers/xen/xen-dma so that kbuild compiles the production
# files as they are. Prints the tree's path.
#
# usage: prepare-ksrc.sh [SERIES]   6.1 (Debian 12's, the default), 6.12
#                                   (Debian 13's, fetched in its build root)
#                                   or newest (the series of the newest Linux
#                                   for Debian 13, as debian-headers.sh
#                                   resolves it; its tree is
#                                   linux-source-newest, relinked when a
#                                   newer series appears)
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"

series=${1:-6.1}
XEN_DMA_KSRC=$(xen_dma_ksrc "$series")
case "$series" in
6.1)
	tarball=/usr/src/linux-source-6.1.tar.xz
	[ -e "$XEN_DMA_KSRC/.xen-dma-unpacked" ] ||
		"$XEN_DMA_TOP/scripts/install-deps.sh" ksrc-6.1 >&2
	[ -f "$tarball" ] || die "$tarball missing: apt-get install linux-source-6.1" ;;
6.12|newest)
	root=$("$XEN_DMA_TOP/scripts/debian13-root.sh")
	src=$series
	if [ "$series" = newest ]; then
		# The series of the newest kernel's headers, e.g. 7.3 for 7.3.4+deb13.
		read -r _ kdir < <("$XEN_DMA_TOP/scripts/debian-headers.sh" newest x86_64)
		src=$(basename "$kdir" | sed -n 's/^linux-headers-\([0-9]*\.[0-9]*\)\..*/\1/p')
		[ -n "$src" ] || die "cannot tell the newest kernel's series from $kdir"
		# A newer series than the one unpacked: start afresh.
		if [ -e "$XEN_DMA_KSRC/.xen-dma-unpacked" ] &&
		   [ "$(cat "$XEN_DMA_KSRC/.xen-dma-unpacked")" != "$src" ]; then
			rm -rf "$XEN_DMA_KSRC" "$XEN_DMA_CACHE"/kunit-newest-*
		fi
	fi
	tarball=$root/usr/src/linux-source-$src.tar.xz
	if [ ! -f "$tarball" ] && [ ! -e "$XEN_DMA_KSRC/.xen-dma-unpacked" ]; then
		log "fetching Debian 13's linux-source-$src"
		mkdir -p "$root/tmp/debs"
		in_root "$root" sh -c "cd /tmp/debs && apt-get -o APT::Sandbox::User=root \
			download -qq linux-source-$src" ||
			die "downloading linux-source-$src in $root failed"
		dpkg -x "$(printf '%s\n' "$root"/tmp/debs/linux-source-"$src"_*_all.deb | sort -V | tail -n 1)" "$root"
	fi ;;
*)	die "usage: $0 [6.1|6.12|newest]" ;;
esac

if [ ! -e "$XEN_DMA_KSRC/.xen-dma-unpacked" ]; then
	log "unpacking $tarball into $XEN_DMA_KSRC"
	rm -rf "$XEN_DMA_KSRC.tmp"
	mkdir -p "$XEN_DMA_KSRC.tmp"
	tar -xJf "$tarball" -C "$XEN_DMA_KSRC.tmp" --strip-components=1
	rm -rf "$XEN_DMA_KSRC"
	mv "$XEN_DMA_KSRC.tmp" "$XEN_DMA_KSRC"
	# The series unpacked (newest: which one it was).
	echo "${src:-$series}" >"$XEN_DMA_KSRC/.xen-dma-unpacked"
fi

# Copy the sources kbuild reads into the tree at one fixed path, whichever
# clone runs now. rsync --checksum without --times rewrites only files whose
# content changed (they get a new mtime and are rebuilt); the others keep
# theirs, so a fresh clone of the same commit rebuilds and relinks nothing.
# A link to the clone would move with every clone path and force both.
dest=$XEN_DMA_KSRC/drivers/xen/xen-dma
[ -L "$dest" ] && rm -f "$dest"
mkdir -p "$dest"
rsync -rc --delete --exclude '*.o' --exclude '*.cmd' --exclude '*.mod*' \
	--exclude '*.ko' --exclude modules.order --exclude Module.symvers \
	--include Kbuild --include Kconfig --include '/drivers/***' \
	--include '/include/***' --include '/tests/' --include '/tests/kunit/***' \
	--include '/tests/include/***' --exclude '*' \
	"$XEN_DMA_TOP/" "$dest/"

kconfig=$XEN_DMA_KSRC/drivers/xen/Kconfig
grep -q 'drivers/xen/xen-dma/Kconfig' "$kconfig" ||
	sed -i '$i source "drivers/xen/xen-dma/Kconfig"\n' "$kconfig"
makefile=$XEN_DMA_KSRC/drivers/xen/Makefile
grep -q 'xen-dma/' "$makefile" ||
	echo 'obj-y += xen-dma/' >>"$makefile"
echo "$XEN_DMA_KSRC"
