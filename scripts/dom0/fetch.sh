#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetches what a real Xen dom0 boot under QEMU needs, from Debian's archive,
# and unpacks it into the cache without running any maintainer script:
# the stack's Xen hypervisor, Debian's dom0 kernel (the same ABI the module
# is built against, see scripts/debian-headers.sh) with its modules
# (depmod'ed), and busybox-static. Idempotent. Prints shell assignments:
#
#   eval "$(scripts/dom0/fetch.sh x86_64)"
#   XEN=... XENVER=... KERNEL=... KVER=... MODROOT=... BUSYBOX=... WORK=...
#
# usage: fetch.sh x86_64|arm64 [STACK]   (deb12, deb13, newest; common.sh)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"
# shellcheck source=SCRIPTDIR/debs.sh
. "$(dirname "$0")/debs.sh"

arch=${1:-}
case "$arch" in
x86_64)	flavour=amd64 ; dpkg_arch=amd64 ;;
arm64)	flavour=arm64 ; dpkg_arch=arm64 ;;
*)	die "usage: $0 x86_64|arm64 [deb12|deb13|newest]" ;;
esac
stack=${2:-deb12}
xv=$(xen_dma_stack_xen "$stack")
XEN_DMA_DEB_STACK=$stack

# Same ABI as the headers the module is built against: ask that script.
read -r _ kdir < <("$XEN_DMA_TOP/scripts/debian-headers.sh" "$stack" "$arch")
abi=$(basename "$kdir")
abi=${abi#linux-headers-}
abi=${abi%-"$flavour"}
kver=$abi-$flavour

root=$(xen_dma_stack_dir "$stack" "dom0-$arch")
stamp=$root/.fetched-$kver
mkdir -p "$root" "$XEN_DMA_CACHE/logs"

if [ ! -e "$stamp" ]; then
	[ "$(id -u)" = 0 ] || die "needs root for apt-get (or a filled cache in $root)"
	for tool in depmod cpio gzip; do
		command -v "$tool" >/dev/null || die "$tool missing (apt-get install kmod cpio gzip)"
	done
	rm -rf "$root/kernel" "$root/xen" "$root/busybox"
	# 6.1 and 6.12 have one -unsigned image package; 7.x splits the
	# kernel into linux-binary (vmlinuz), linux-modules and linux-base.
	if deb_known "linux-image-$kver-unsigned:$dpkg_arch"; then
		deb_unpack "linux-image-$kver-unsigned" "$dpkg_arch" "$root/kernel"
	else
		for p in linux-binary linux-modules linux-base; do
			deb_unpack "$p-$kver" "$dpkg_arch" "$root/kernel"
		done
	fi
	deb_unpack "xen-hypervisor-$xv-$flavour" "$dpkg_arch" "$root/xen"
	deb_unpack busybox-static "$dpkg_arch" "$root/busybox"
	if [ ! -e "$root/busybox/bin/busybox" ]; then
		mkdir -p "$root/busybox/bin"
		cp "$root/busybox/usr/bin/busybox" "$root/busybox/bin/busybox"
	fi
	if [ "$arch" = x86_64 ]; then
		# An ELF32 multiboot image that QEMU's -kernel loads directly.
		gunzip -c "$root/xen/boot/xen-$xv-amd64.gz" >"$root/xen.bin"
	else
		cp "$root/xen/boot/xen-$xv-arm64" "$root/xen.bin"
	fi
	# usrmerge: Debian 12 ships modules under /lib, 13 under /usr/lib;
	# depmod -b wants /lib.
	if [ ! -d "$root/kernel/lib/modules/$kver" ] && [ -d "$root/kernel/usr/lib/modules/$kver" ]; then
		mkdir -p "$root/kernel/lib/modules"
		mv "$root/kernel/usr/lib/modules/$kver" "$root/kernel/lib/modules/"
	fi
	mods=$root/kernel/lib/modules/$kver
	[ -d "$mods" ] || die "no modules tree for $kver in the package"
	depmod -b "$root/kernel" "$kver"
	touch "$stamp"
fi

# 7.x keeps vmlinuz with its modules.
kernel=$root/kernel/boot/vmlinuz-$kver
[ -e "$kernel" ] || kernel=$root/kernel/lib/modules/$kver/vmlinuz
for f in "$root/xen.bin" "$kernel" "$root/busybox/bin/busybox"; do
	[ -e "$f" ] || die "missing $f (remove $stamp and rerun)"
done
echo "XEN=$root/xen.bin"
echo "XENVER=$xv"
echo "WORK=$root"
echo "KERNEL=$kernel"
echo "KVER=$kver"
echo "MODROOT=$root/kernel"
echo "BUSYBOX=$root/busybox/bin/busybox"
