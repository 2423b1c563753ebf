#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# For the foreign-pages cases (*-foreign*): unpacks Debian's Xen toolstack
# (xl, xenstored, xenconsoled, xen-init-dom0, the hotplug scripts) with the
# libraries it needs, bash and flock (the block hotplug script wants both),
# into a tree that initramfs.sh copies into dom0's initramfs; and builds the
# domU's own initramfs (busybox, xen-blkfront, tests/dom0/domu-init.sh).
# Everything comes from Debian's archive via `apt-get download` + `dpkg -x`:
# no maintainer script runs, nothing is taken from the host.
# Idempotent. Prints shell assignments:
#
#   eval "$(scripts/dom0/toolstack.sh x86_64)"
#   TOOLROOT=...   the unpacked tree (copy lib*, usr/lib*, etc/xen, ...)
#   DOMU_INITRD=... the domU's initramfs (cpio.gz)
#
# usage: toolstack.sh [x86_64|arm64 [STACK]]   (default x86_64 deb12)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"
# shellcheck source=SCRIPTDIR/debs.sh
. "$(dirname "$0")/debs.sh"

arch=${1:-x86_64}
case "$arch" in
x86_64)	dpkg_arch=amd64 objdump=objdump extra= ;;
# Arm's libxenguest reads device trees.
arm64)	dpkg_arch=arm64 objdump=aarch64-linux-gnu-objdump extra=libfdt1 ;;
*)	die "usage: $0 [x86_64|arm64 [deb12|deb13|newest]]" ;;
esac
stack=${2:-deb12}
XEN_DMA_DEB_STACK=$stack
eval "$("$XEN_DMA_TOP/scripts/dom0/fetch.sh" "$arch" "$stack")"
top=$WORK/toolstack
root=$top/root
# The toolstack and every library its binaries need (objdump -p NEEDED,
# closed over), plus bash and util-linux (flock) for the hotplug scripts.
# Debian 13 renamed libext2fs2 in the 64-bit time_t transition.
ext2fs=libext2fs2
[ "$stack" = deb12 ] || ext2fs=libext2fs2t64
pkgs="xen-utils-$XENVER xen-utils-common xenstore-utils libxencall1 libxenevtchn1
libxenforeignmemory1 libxengnttab1 libxenmisc$XENVER libxenstore4 libxentoollog1
libxenhypfs1 libxendevicemodel1 libxentoolcore1 libyajl2 libc6 libgcc-s1 bash
util-linux libtinfo6 libncurses6 $ext2fs liblzma5 libuuid1 libzstd1 zlib1g
$extra"
stamp=$top/.unpacked-$(echo "$pkgs" | md5sum | cut -c1-8)


if [ ! -e "$stamp" ]; then
	rm -rf "$root"
	mkdir -p "$root"
	for p in $pkgs; do
		deb_unpack "$p" "$dpkg_arch" "$root"
	done
	# Debian 13 ships bash in /usr/bin only (usrmerge): the hotplug
	# scripts want /bin/bash.
	if [ ! -e "$root/bin/bash" ]; then
		mkdir -p "$root/bin"
		cp "$root/usr/bin/bash" "$root/bin/bash"
	fi
	# Every NEEDED library of the binaries used must be in the tree.
	missing=$(for b in usr/lib/xen-"$XENVER"/bin/{xl,xenstored,xenconsoled,xen-init-dom0} \
		bin/bash usr/bin/flock usr/bin/xenstore; do
			echo "$b"
		done | cat - <(cd "$root" && find usr/lib -name 'libxen*.so*' -type f) |
		while read -r b; do
			"$objdump" -p "$root/$b" | awk '/NEEDED/ { print $2 }'
		done | sort -u | while read -r lib; do
			[ -n "$(find "$root" -name "$lib" -print -quit)" ] || echo "$lib"
		done)
	[ -z "$missing" ] || die "libraries missing from the toolstack tree: $missing"
	touch "$stamp"
fi

# The domU: busybox, xen-blkfront and its dependencies, domu-init.sh as /init.
stage=$top/domu.d
out=$top/domu-initramfs.cpio.gz
src=$MODROOT/lib/modules/$KVER
dst=$stage/lib/modules/$KVER
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp} "$dst"
install -m 0755 "$BUSYBOX" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 0755 "$XEN_DMA_TOP/tests/dom0/domu-init.sh" "$stage/init"
line=$(grep -E '/xen-blkfront\.ko(\.[a-z]+)?:' "$src/modules.dep") ||
	die "xen-blkfront not in $KVER"
for f in ${line/:/}; do
	mkdir -p "$(dirname "$dst/$f")"
	cp "$src/$f" "$dst/$f"
done
cp "$src"/modules.{builtin,builtin.modinfo,order} "$dst/" 2>/dev/null || true
# Debian 13 compresses its modules (.ko.xz); busybox's modprobe may not
# read that: store them plain, and let depmod name them so.
find "$dst" -name '*.ko.xz' -exec xz -d {} +
depmod -b "$stage" "$KVER"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"

echo "TOOLROOT=$root"
echo "DOMU_INITRD=$out"
