# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Debian packages for the dom0 images: downloaded once into $XEN_DMA_CACHE/debs
# with apt-get download, unpacked with dpkg -x, so no maintainer script runs.
# Source it after common.sh; do not run it.

XEN_DMA_DEBS=$XEN_DMA_CACHE/debs

# deb_newest NAME DPKG_ARCH: the newest cached .deb of package NAME, if any.
deb_newest() {
	local f
	for f in "$XEN_DMA_DEBS/$1"_*"_$2.deb" "$XEN_DMA_DEBS/$1"_*_all.deb; do
		if [ -e "$f" ]; then echo "$f"; fi
	done | sort -V | tail -n 1
}

# deb_unpack NAME DPKG_ARCH DEST: download NAME:DPKG_ARCH once, dpkg -x it.
deb_unpack() {
	local name=$1 arch=$2 dest=$3 deb
	mkdir -p "$XEN_DMA_DEBS"
	deb=$(deb_newest "$name" "$arch")
	if [ -z "$deb" ]; then
		log "downloading $name:$arch"
		(cd "$XEN_DMA_DEBS" &&
			apt-get -o APT::Sandbox::User=root download -qq "$name:$arch") ||
			die "apt-get download $name:$arch failed"
		deb=$(deb_newest "$name" "$arch")
		[ -n "$deb" ] || die "apt-get download $name:$arch left no .deb"
	fi
	mkdir -p "$dest"
	dpkg -x "$deb" "$dest"
}
