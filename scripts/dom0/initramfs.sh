#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the dom0 test initramfs (a gzip'ed newc cpio): busybox-static, the
# Debian kernel modules the tests need with their dependencies (nvme, e1000e
# and the crypto modules nvme-core asks for at run time), xen_dma.ko and the
# test modules, tests/dom0/init.sh as /init with its helpers and tests, and
# the case table. Prints the path of the cpio.gz.
#
# usage: initramfs.sh ARCH [XEN_DMA_KO]
#   ARCH        x86_64 or arm64
#   XEN_DMA_KO  the module to put in; default: what modules-debian.sh builds
#   env XEN_DMA_STACK      deb12 (default), deb13 or newest (common.sh)
#   env XEN_DMA_INITRAMFS  output path (default: initramfs.cpio.gz, or
#                          initramfs-foreign.cpio.gz with XEN_DMA_TOOLSTACK=1,
#                          in the stack's dom0-ARCH directory)
#   env XEN_DMA_ROOTFS     also write the same tree as an ext4 image there
#                          (256 MiB): the root file system of a kernel that
#                          has xen-dma and the disk drivers built in
#   env XEN_DMA_TOOLSTACK=1  add Xen's toolstack, the backend modules
#                          and a domU (kernel + initramfs in /domu) for the
#                          foreign-pages cases (scripts/dom0/toolstack.sh)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"

arch=${1:-}
case "$arch" in
x86_64)	want_mods="nvme e1000e crct10dif_generic crct10dif-pclmul crc64_rocksoft_generic" ;;
arm64)	want_mods="nvme virtio_pci virtio_blk crct10dif_generic crct10dif-ce crc64_rocksoft_generic" ;;
*)	die "usage: $0 x86_64|arm64 [xen_dma.ko]" ;;
esac
toolstack=${XEN_DMA_TOOLSTACK:-0}
if [ "$toolstack" = 1 ]; then
	want_mods="$want_mods xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback"
fi
stack=${XEN_DMA_STACK:-deb12}
ko=${2:-}
if [ -z "$ko" ]; then
	ko=$("$XEN_DMA_TOP/scripts/modules-debian.sh" "$stack:$arch" | tail -n 1)
fi
[ -f "$ko" ] || die "no module at '$ko'"

eval "$("$XEN_DMA_TOP/scripts/dom0/fetch.sh" "$arch" "$stack")"
suffix=
[ "$toolstack" = 1 ] && suffix=-foreign
out=${XEN_DMA_INITRAMFS:-$WORK/initramfs$suffix.cpio.gz}
stage=$WORK/initramfs$suffix.d
src=$MODROOT/lib/modules/$KVER
dst=$stage/lib/modules/$KVER
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,etc} "$dst"

install -m 0755 "$BUSYBOX" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$XEN_DMA_TOP/tests/dom0/init.sh" "$stage/init"
# Its helpers, one file per test, and the case table that names them.
mkdir -p "$stage/lib/xen-dma" "$stage/etc/xen-dma"
install -m 0644 "$XEN_DMA_TOP"/tests/dom0/{lib,case-table,test-*}.sh "$stage/lib/xen-dma/"
install -m 0644 "$XEN_DMA_CASES" "$stage/etc/xen-dma/cases"
install -m 0644 "$ko" "$stage/lib/modules/xen_dma.ko"
# The test modules built next to it (scripts/modules-debian.sh).
for t in xen_dma_bench xen_dma_fragment; do
	[ ! -f "$(dirname "$ko")/$t.ko" ] ||
		install -m 0644 "$(dirname "$ko")/$t.ko" "$stage/lib/modules/$t.ko"
done

# Each wanted module and everything modules.dep says it needs.
declare -A picked=()
for m in $want_mods; do
	line=$(grep -E "/(${m//[-_]/[-_]})\.ko(\.[a-z]+)?:" "$src/modules.dep" || true)
	[ -n "$line" ] || { log "module $m not in $KVER, skipped"; continue; }
	for f in ${line/:/}; do
		picked[$f]=1
	done
done
for f in "${!picked[@]}"; do
	mkdir -p "$(dirname "$dst/$f")"
	cp "$src/$f" "$dst/$f"
done
cp "$src"/modules.{builtin,builtin.modinfo,order} "$dst/" 2>/dev/null || true
# Debian 13 compresses its modules (.ko.xz); busybox's modprobe may not
# read that: store them plain, and let depmod name them so.
find "$dst" -name '*.ko.xz' -exec xz -d {} +
depmod -b "$stage" "$KVER"

if [ "$toolstack" = 1 ]; then
	eval "$("$XEN_DMA_TOP/scripts/dom0/toolstack.sh" "$arch" "$stack")"
	# Libraries, the toolstack's own tree, its configuration and hotplug
	# scripts; of bash and util-linux only bash and flock.
	for d in lib lib64 usr/lib64 usr/lib/x86_64-linux-gnu usr/lib/aarch64-linux-gnu \
		"usr/lib/xen-$XENVER" etc/xen; do
		[ -d "$TOOLROOT/$d" ] || continue
		mkdir -p "$stage/$d"
		cp -a "$TOOLROOT/$d/." "$stage/$d/"
	done
	# Debian 13's libc ships its dynamic loader under /usr only; binaries
	# ask for it at the old path (usrmerge made that a link).
	for ld in lib64/ld-linux-x86-64.so.2 lib/ld-linux-aarch64.so.1; do
		if [ ! -e "$stage/$ld" ] && [ -e "$TOOLROOT/usr/$ld" ]; then
			real=$(readlink -f "$TOOLROOT/usr/$ld")
			mkdir -p "$stage/$(dirname "$ld")"
			ln -s "${real#"$TOOLROOT"}" "$stage/$ld"
		fi
	done
	mkdir -p "$stage/usr/bin" "$stage/domu"
	cp -a "$TOOLROOT"/usr/bin/xenstore* "$stage/usr/bin/"
	cp -a "$TOOLROOT/bin/bash" "$stage/bin/bash"
	cp -a "$TOOLROOT/usr/bin/flock" "$stage/usr/bin/flock"
	cp "$KERNEL" "$stage/domu/vmlinuz"
	cp "$DOMU_INITRD" "$stage/domu/initrd.gz"
fi

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
log "initramfs: ${#picked[@]} kernel modules + $(basename "$ko") ($(du -h "$out" | cut -f1))"
if [ -n "${XEN_DMA_ROOTFS:-}" ]; then
	command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 missing (apt-get install e2fsprogs)"
	rm -f "$XEN_DMA_ROOTFS.tmp"
	mkfs.ext4 -q -F -L xen-dma-root -d "$stage" "$XEN_DMA_ROOTFS.tmp" 256M ||
		die "mkfs.ext4 -d $stage failed"
	mv "$XEN_DMA_ROOTFS.tmp" "$XEN_DMA_ROOTFS"
	log "root file system: $XEN_DMA_ROOTFS"
fi
echo "$out"
