# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Debian packages for the dom0 images: downloaded once into the cache with
# apt-get download, unpacked with dpkg -x, so no maintainer script runs.
# Debian 12's come from the host's apt; Debian 13's (stacks deb13 and newest)
# from the Debian 13 build root's own apt (scripts/debian13-root.sh), into a
# cache directory of their own so versions of two releases never mix.
# Source it after common.sh and set XEN_DMA_DEB_STACK; do not run it.

XEN_DMA_DEB_STACK=${XEN_DMA_DEB_STACK:-deb12}

# deb_dir: where this stack's .debs are cached.
deb_dir() {
	if [ "$XEN_DMA_DEB_STACK" = deb12 ]; then
		echo "$XEN_DMA_CACHE/debs"
	else
		echo "$XEN_DMA_CACHE/debs-deb13"
	fi
}

# deb_newest NAME DPKG_ARCH: the newest cached .deb of package NAME, if any.
deb_newest() {
	local f dir
	dir=$(deb_dir)
	for f in "$dir/$1"_*"_$2.deb" "$dir/$1"_*_all.deb; do
		if [ -e "$f" ]; then echo "$f"; fi
	done | sort -V | tail -n 1
}

# deb_known NAME:DPKG_ARCH: does this stack's archive have the package?
deb_known() {
	if [ "$XEN_DMA_DEB_STACK" = deb12 ]; then
		apt-cache show "$1" >/dev/null 2>&1
	else
		in_root "$("$XEN_DMA_TOP/scripts/debian13-root.sh")" apt-cache show "$1" >/dev/null 2>&1
	fi
}

# deb_download NAME:DPKG_ARCH: fetch one package into deb_dir.
deb_download() {
	local dir root
	dir=$(deb_dir)
	if [ "$XEN_DMA_DEB_STACK" = deb12 ]; then
		(cd "$dir" && apt-get -o APT::Sandbox::User=root download -qq "$1")
	else
		root=$("$XEN_DMA_TOP/scripts/debian13-root.sh") || return 1
		rm -rf "$root/tmp/dl"
		mkdir -p "$root/tmp/dl"
		in_root "$root" sh -c "cd /tmp/dl && apt-get -o APT::Sandbox::User=root download -qq '$1'" &&
			mv "$root"/tmp/dl/*.deb "$dir/"
	fi
}

# deb_unpack NAME DPKG_ARCH DEST: download NAME:DPKG_ARCH once, dpkg -x it.
deb_unpack() {
	local name=$1 arch=$2 dest=$3 deb
	mkdir -p "$(deb_dir)"
	deb=$(deb_newest "$name" "$arch")
	if [ -z "$deb" ]; then
		log "downloading $name:$arch ($XEN_DMA_DEB_STACK)"
		deb_download "$name:$arch" || die "apt-get download $name:$arch failed"
		deb=$(deb_newest "$name" "$arch")
		[ -n "$deb" ] || die "apt-get download $name:$arch left no .deb"
	fi
	mkdir -p "$dest"
	dpkg -x "$deb" "$dest"
}
