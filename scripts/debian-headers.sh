#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetches Debian 12's own dom0 kernel headers (the newest 6.1 ABI in the
# archive) with apt and unpacks them into the cache, without running any
# maintainer script. Prints the ready KDIR for ARCH.
#
# usage: debian-headers.sh x86_64|arm64
set -euo pipefail
. "$(dirname "$0")/common.sh"

case "${1:-}" in
x86_64)	flavour=amd64 ; dpkg_arch=amd64 ;;
arm64)	flavour=arm64 ; dpkg_arch=arm64 ;;
*)	die "usage: $0 x86_64|arm64" ;;
esac

[ "$(id -u)" = 0 ] || die "needs root for apt-get (or a filled cache in $XEN_DMA_CACHE)"
if [ "$dpkg_arch" = arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	log "enabling the arm64 package architecture"
	dpkg --add-architecture arm64
	rm -f "$XEN_DMA_CACHE/.apt-updated"
fi
stamp=$XEN_DMA_CACHE/.apt-updated
mkdir -p "$XEN_DMA_CACHE"
if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +720)" ]; then
	apt-get update -qq && touch "$stamp"
fi

# The ABI number moves with point releases: take the newest one.
abi=${XEN_DMA_DEBIAN_ABI:-$(apt-cache search --names-only \
	'^linux-headers-6\.1\.0-[0-9]+-amd64$' | awk '{ print $1 }' |
	sed 's/^linux-headers-//; s/-amd64$//' | sort -V | tail -n 1)}
[ -n "$abi" ] || die "no linux-headers-6.1.0-*-amd64 in the apt lists"

root=$XEN_DMA_CACHE/debian-$abi
kdir=$root/usr/src/linux-headers-$abi-$flavour
if [ ! -e "$kdir/.xen-dma-ready" ]; then
	debs=$XEN_DMA_CACHE/debs
	mkdir -p "$debs" "$root"
	for pkg in "linux-headers-$abi-$flavour:$dpkg_arch" \
		   "linux-headers-$abi-common" linux-kbuild-6.1; do
		name=${pkg%%:*}
		ls "$debs/${name}"_*.deb >/dev/null 2>&1 ||
			(cd "$debs" && apt-get -o APT::Sandbox::User=root download -qq "$pkg")
		dpkg -x "$(ls "$debs/${name}"_*.deb | sort -V | tail -n 1)" "$root"
	done
	# The flavour's Makefile includes the common one by an absolute path.
	sed -i "s|/usr/src/linux-headers-$abi-common|$root/usr/src/linux-headers-$abi-common|g" \
		"$kdir/Makefile"
	touch "$kdir/.xen-dma-ready"
fi
echo "$kdir"
