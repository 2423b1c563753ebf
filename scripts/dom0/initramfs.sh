#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the dom0 test initramfs (a gzip'ed newc cpio): busybox-static, the
# Debian kernel modules the tests need with their dependencies (nvme, e1000e
# and the crypto modules nvme-core asks for at run time), xen_dma.ko, and
# tests/dom0/init.sh as /init. Prints the path of the cpio.gz.
#
# usage: initramfs.sh ARCH [XEN_DMA_KO]
#   ARCH        x86_64 or arm64
#   XEN_DMA_KO  the module to put in; default: what modules-debian.sh builds
#   env XEN_DMA_INITRAMFS  output path (default: $XEN_DMA_CACHE/dom0-ARCH/initramfs.cpio.gz)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"

arch=${1:-}
case "$arch" in
x86_64)	want_mods="nvme e1000e crct10dif_generic crct10dif-pclmul crc64_rocksoft_generic" ;;
arm64)	want_mods="nvme virtio_pci virtio_blk crct10dif_generic crct10dif-ce crc64_rocksoft_generic" ;;
*)	die "usage: $0 x86_64|arm64 [xen_dma.ko]" ;;
esac
ko=${2:-}
if [ -z "$ko" ]; then
	ko=$("$XEN_DMA_TOP/scripts/modules-debian.sh" "$arch" | tail -n 1)
fi
[ -f "$ko" ] || die "no module at '$ko'"

eval "$("$XEN_DMA_TOP/scripts/dom0/fetch.sh" "$arch")"
out=${XEN_DMA_INITRAMFS:-$XEN_DMA_CACHE/dom0-$arch/initramfs.cpio.gz}
stage=$XEN_DMA_CACHE/dom0-$arch/initramfs.d
src=$MODROOT/lib/modules/$KVER
dst=$stage/lib/modules/$KVER
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,etc} "$dst"

install -m 0755 "$BUSYBOX" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$XEN_DMA_TOP/tests/dom0/init.sh" "$stage/init"
install -m 0644 "$ko" "$stage/lib/modules/xen_dma.ko"

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
depmod -b "$stage" "$KVER"

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
log "initramfs: ${#picked[@]} kernel modules + $(basename "$ko") ($(du -h "$out" | cut -f1))"
echo "$out"
