#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetches what a real Xen dom0 boot under QEMU needs, from Debian's archive,
# and unpacks it into the cache without running any maintainer script:
# the Xen 4.17 hypervisor, Debian's dom0 kernel (the same ABI the module is
# built against, see scripts/debian-headers.sh) with its modules (depmod'ed),
# and busybox-static. Idempotent. Prints shell assignments of the paths:
#
#   eval "$(scripts/dom0/fetch.sh x86_64)"
#   XEN=... KERNEL=... KVER=... MODROOT=... BUSYBOX=...
#
# usage: fetch.sh x86_64|arm64
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"
# shellcheck source=SCRIPTDIR/debs.sh
. "$(dirname "$0")/debs.sh"

arch=${1:-}
case "$arch" in
x86_64)	flavour=amd64 ; dpkg_arch=amd64 ;;
arm64)	flavour=arm64 ; dpkg_arch=arm64 ;;
*)	die "usage: $0 x86_64|arm64" ;;
esac

# Same ABI as the headers the module is built against: ask that script.
kdir=$("$XEN_DMA_TOP/scripts/debian-headers.sh" "$arch")
abi=$(basename "$kdir")
abi=${abi#linux-headers-}
abi=${abi%-"$flavour"}
kver=$abi-$flavour

root=$XEN_DMA_CACHE/dom0-$arch
stamp=$root/.fetched-$kver
mkdir -p "$root" "$XEN_DMA_CACHE/logs"

if [ ! -e "$stamp" ]; then
	[ "$(id -u)" = 0 ] || die "needs root for apt-get (or a filled cache in $root)"
	for tool in depmod cpio gzip; do
		command -v "$tool" >/dev/null || die "$tool missing (apt-get install kmod cpio gzip)"
	done
	rm -rf "$root/kernel" "$root/xen" "$root/busybox"
	deb_unpack "linux-image-$kver-unsigned" "$dpkg_arch" "$root/kernel"
	deb_unpack "xen-hypervisor-4.17-$flavour" "$dpkg_arch" "$root/xen"
	deb_unpack busybox-static "$dpkg_arch" "$root/busybox"
	if [ "$arch" = x86_64 ]; then
		# An ELF32 multiboot image that QEMU's -kernel loads directly.
		gunzip -c "$root/xen/boot/xen-4.17-amd64.gz" >"$root/xen.bin"
	else
		cp "$root/xen/boot/xen-4.17-arm64" "$root/xen.bin"
	fi
	# usrmerge: Debian 12 ships modules under /lib or /usr/lib; depmod -b wants /lib.
	mods=$root/kernel/lib/modules/$kver
	[ -d "$mods" ] || die "no modules tree for $kver in the package"
	depmod -b "$root/kernel" "$kver"
	touch "$stamp"
fi

case "$arch" in
x86_64)	kernel=$root/kernel/boot/vmlinuz-$kver ;;
arm64)	kernel=$root/kernel/boot/vmlinuz-$kver ;;
esac
for f in "$root/xen.bin" "$kernel" "$root/busybox/bin/busybox"; do
	[ -e "$f" ] || die "missing $f (remove $stamp and rerun)"
done
echo "XEN=$root/xen.bin"
echo "KERNEL=$kernel"
echo "KVER=$kver"
echo "MODROOT=$root/kernel"
echo "BUSYBOX=$root/busybox/bin/busybox"
