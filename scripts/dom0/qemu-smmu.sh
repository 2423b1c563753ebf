#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prints the path of a qemu-system-aarch64 whose SMMUv3 does stage 2
# (QEMU 8.1 and later, "-global arm-smmuv3.stage=2"), which Xen's SMMUv3
# driver needs: the coloured case with an IOMMU (machine armcs in
# tests/dom0/cases). Debian 12's QEMU 7.2 does stage 1 only, so unless the
# host's QEMU is new enough, bookworm-backports' qemu-system-arm is
# downloaded through a private apt state (the host's sources stay as they
# are) and unpacked into the cache; its libraries are Debian 12's own.
#
# usage: qemu-smmu.sh
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"

# qemu_ok BINARY: is it QEMU 8.1 or later?
qemu_ok() {
	local v
	v=$("$1" --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
	[ -n "$v" ] && awk -v v="$v" 'BEGIN { split(v, a, " "); exit !(a[1] > 8 || (a[1] == 8 && a[2] >= 1)) }'
}

if command -v qemu-system-aarch64 >/dev/null && qemu_ok qemu-system-aarch64; then
	command -v qemu-system-aarch64
	exit 0
fi
dir=$XEN_DMA_CACHE/qemu-backports
bin=$dir/root/usr/bin/qemu-system-aarch64
if [ -x "$bin" ] && qemu_ok "$bin"; then
	echo "$bin"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "needs root for apt-get (or QEMU >= 8.1 as qemu-system-aarch64)"
log "fetching qemu-system-arm from bookworm-backports (SMMUv3 stage 2 needs QEMU >= 8.1)"
rm -rf "$dir"
mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs" "$dir/root"
echo 'deb http://deb.debian.org/debian bookworm-backports main' >"$dir/sources.list"
apt=(-o "Dir::State::Lists=$dir/lists" -o "Dir::Etc::SourceList=$dir/sources.list"
	-o Dir::Etc::SourceParts=/dev/null -o "Dir::Cache=$dir/cache"
	-o APT::Sandbox::User=root)
apt-get "${apt[@]}" update -qq || die "apt-get update of bookworm-backports failed"
(cd "$dir/debs" &&
	apt-get "${apt[@]}" download -qq qemu-system-arm/bookworm-backports \
		qemu-system-common/bookworm-backports qemu-system-data/bookworm-backports) ||
	die "apt-get download of qemu-system-arm from bookworm-backports failed"
for deb in "$dir"/debs/*.deb; do
	dpkg -x "$deb" "$dir/root"
done
# Its other libraries are those of Debian 12's QEMU, installed with it.
command -v qemu-system-aarch64 >/dev/null ||
	die "qemu-system-arm missing (apt-get install qemu-system-arm): its libraries serve the backport too"
qemu_ok "$bin" || die "$bin is not QEMU >= 8.1"
echo "$bin"
