#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepares the kernel tree the KUnit builds use: Debian's linux-source-6.1,
# unpacked once into the cache, with this repository linked in as
# drivers/xen/xen-dma so that kbuild compiles the production files in place.
set -euo pipefail
. "$(dirname "$0")/common.sh"

tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] || die "$tarball missing: apt-get install linux-source-6.1"

if [ ! -e "$XEN_DMA_KSRC/.xen-dma-unpacked" ]; then
	log "unpacking $tarball into $XEN_DMA_KSRC"
	rm -rf "$XEN_DMA_KSRC.tmp"
	mkdir -p "$XEN_DMA_KSRC.tmp"
	tar -xJf "$tarball" -C "$XEN_DMA_KSRC.tmp" --strip-components=1
	rm -rf "$XEN_DMA_KSRC"
	mv "$XEN_DMA_KSRC.tmp" "$XEN_DMA_KSRC"
	touch "$XEN_DMA_KSRC/.xen-dma-unpacked"
fi

# Point the link at whichever clone runs now. Another clone's files may be
# older than objects built from the previous one, and make would keep those
# objects: drop them when the link moves (ccache makes the rebuild cheap).
link=$XEN_DMA_KSRC/drivers/xen/xen-dma
if [ "$(readlink "$link" 2>/dev/null)" != "$XEN_DMA_TOP" ]; then
	rm -rf "$XEN_DMA_CACHE"/kunit-*/drivers/xen/xen-dma
	ln -sfn "$XEN_DMA_TOP" "$link"
fi

kconfig=$XEN_DMA_KSRC/drivers/xen/Kconfig
grep -q 'drivers/xen/xen-dma/Kconfig' "$kconfig" ||
	sed -i '$i source "drivers/xen/xen-dma/Kconfig"\n' "$kconfig"
makefile=$XEN_DMA_KSRC/drivers/xen/Makefile
grep -q 'xen-dma/' "$makefile" ||
	echo 'obj-y += xen-dma/' >>"$makefile"
