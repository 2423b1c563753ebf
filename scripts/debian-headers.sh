#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetches a Debian dom0 kernel's headers with apt and unpacks them, without
# running any maintainer script. Prints two words: the root the module must
# be built in ("/" for the host) and the KDIR inside it.
#
#   deb12   Debian 12's 6.1, newest ABI; built on the host
#   deb13   Debian 13's 6.12, newest upload; built in debian13-root.sh's root
#   newest  the newest Linux Debian 13 users can install (trixie-backports),
#           resolved now; built there too
#
# usage: debian-headers.sh deb12|deb13|newest x86_64|arm64
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"

stack=${1:-}
case "${2:-}" in
x86_64)	flavour=amd64 ;;
arm64)	flavour=arm64 ;;
*)	die "usage: $0 deb12|deb13|newest x86_64|arm64" ;;
esac
[ "$(id -u)" = 0 ] || die "needs root for apt-get (or a filled cache in $XEN_DMA_CACHE)"

# newest_version APT_CACHE_CMD REGEX: the newest version whose amd64 headers match.
newest_version() {
	"${@:1:$#-1}" search --names-only "${!#}" | awk '{ print $1 }' |
		sed 's/^linux-headers-//; s/-amd64$//' | sort -V | tail -n 1
}

# unpack ROOT PKG...: download each package (cached) and unpack it into ROOT.
unpack() {
	local root=$1 pkg name
	shift
	mkdir -p "$XEN_DMA_CACHE/debs"
	for pkg in "$@"; do
		name=${pkg%%:*}
		ls "$XEN_DMA_CACHE/debs/${name}"_*.deb >/dev/null 2>&1 ||
			(cd "$XEN_DMA_CACHE/debs" && "${apt[@]}" -o APT::Sandbox::User=root download -qq "$pkg")
		dpkg -x "$(printf '%s\n' "$XEN_DMA_CACHE/debs/${name}"_*.deb | sort -V | tail -n 1)" "$root"
	done
}

case "$stack" in
deb12)
	if [ "$flavour" = arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
		log "enabling the arm64 package architecture"
		dpkg --add-architecture arm64
		rm -f "$XEN_DMA_CACHE/.apt-updated"
	fi
	stamp=$XEN_DMA_CACHE/.apt-updated
	mkdir -p "$XEN_DMA_CACHE"
	if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +720)" ]; then
		apt-get update -qq && touch "$stamp"
	fi
	apt=(apt-get)
	# The ABI number moves with point releases: take the newest one.
	abi=${XEN_DMA_DEBIAN_ABI:-$(newest_version apt-cache '^linux-headers-6\.1\.0-[0-9]+-amd64$')}
	[ -n "$abi" ] || die "no linux-headers-6.1.0-*-amd64 in the apt lists"
	root=$XEN_DMA_CACHE/debian-$abi
	kdir=$root/usr/src/linux-headers-$abi-$flavour
	if [ ! -e "$kdir/.xen-dma-ready" ]; then
		unpack "$root" "linux-headers-$abi-$flavour:$flavour" \
			"linux-headers-$abi-common" linux-kbuild-6.1
		# The flavour's Makefile includes the common one by an absolute path.
		sed -i "s|/usr/src/linux-headers-$abi-common|$root/usr/src/linux-headers-$abi-common|g" \
			"$kdir/Makefile"
		touch "$kdir/.xen-dma-ready"
	fi
	echo "/ $kdir" ;;
deb13|newest)
	root=$("$XEN_DMA_TOP/scripts/debian13-root.sh")
	stamp=$root/.apt-updated
	if [ -n "$(find "$stamp" -mmin -720 2>/dev/null)" ] || in_root "$root" apt-get update -qq; then
		touch "$stamp"
	fi
	if [ "$stack" = deb13 ]; then
		re='^linux-headers-6\.12\.[0-9]+\+deb13-amd64$'
	else
		re='^linux-headers-[0-9]+\.[0-9]+\.[0-9]+\+deb13-amd64$'
	fi
	ver=$(newest_version in_root "$root" apt-cache "$re")
	[ -n "$ver" ] || die "no headers matching $re in Debian 13's apt lists"
	kdir=/usr/src/linux-headers-$ver-$flavour
	if [ ! -e "$root$kdir/.xen-dma-ready" ]; then
		log "fetching Linux $ver headers ($flavour)"
		# The flavour's own package depends on its image: unpack it, and
		# install what it needs to run (kbuild, common) the usual way.
		in_root "$root" sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends linux-headers-$ver-common linux-kbuild-$ver" >>"$root.log" 2>&1 ||
			die "installing linux-kbuild-$ver in $root failed"
		mkdir -p "$root/tmp/debs"
		in_root "$root" sh -c "cd /tmp/debs && apt-get -o APT::Sandbox::User=root \
			download -qq linux-headers-$ver-$flavour:$flavour" ||
			die "downloading linux-headers-$ver-$flavour failed"
		dpkg -x "$root/tmp/debs/linux-headers-${ver}-${flavour}_"*"_$flavour.deb" "$root"
		touch "$root$kdir/.xen-dma-ready"
	fi
	echo "$root $kdir" ;;
*)	die "usage: $0 deb12|deb13|newest x86_64|arm64" ;;
esac
