#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the Arm64 Xen of the coloured cases (tests/dom0/cases, machines
# armc and armcs) from a hypervisor source tarball, once, into the cache,
# and prints its path. Debian builds Xen without cache colouring and without
# SMMUv3, and Xen 4.20 has no PCI support on Arm, so this is Xen 4.21 with:
#   CONFIG_EXPERT           the three below are "if EXPERT"
#   CONFIG_LLC_COLORING     llc-coloring=on: dom0 is not 1:1
#   CONFIG_ARM_SMMU_V3      QEMU virt's only IOMMU
#   CONFIG_PCI_PASSTHROUGH  Xen learns of dom0's PCI devices and puts them
#                           behind the SMMU
#   CONFIG_HAS_ITS          (UNSUPPORTED) the GICv3 ITS, so dom0's PCI
#                           devices get MSIs: an NVMe on a legacy interrupt
#                           under QEMU stalls dom0 for tens of seconds
# and the changes in scripts/dom0/xen-patches/, each explained in its
# header. Both let Debian 13's 4.20 toolstack (no Debian suite ships a
# 4.21 one) run domUs on it: the coloured foreign case needs that.
#
# usage: xen-colour.sh              prints the path of the xen binary
# env:
#   XEN_DMA_XEN_TARBALL  the source (default: xen-4.21.2-hv.tar.xz from the
#                        project's ../shared/xen/ or /work/shared/xen/)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"

tarball=${XEN_DMA_XEN_TARBALL:-}
if [ -z "$tarball" ]; then
	for d in "$XEN_DMA_TOP/../shared/xen" /work/shared/xen; do
		if [ -e "$d/xen-4.21.2-hv.tar.xz" ]; then
			tarball=$d/xen-4.21.2-hv.tar.xz
			break
		fi
	done
fi
if [ -z "$tarball" ] || [ ! -e "$tarball" ]; then
	die "no Xen 4.21 source: set XEN_DMA_XEN_TARBALL to a xen-4.21.*.tar.xz (git archive of xen/ config/ Config.mk scripts/)"
fi
name=$(basename "$tarball" .tar.xz)
name=${name%-hv}
# The build depends on this script (its configuration) and the patches: a
# new version of either builds anew.
patches=("$(dirname "$0")"/xen-patches/*.patch)
out=$XEN_DMA_CACHE/xen-colour/$name-$(cat "$0" "${patches[@]}" | sha256sum | cut -c1-12)
bin=$out/xen
if [ -e "$bin" ]; then
	echo "$bin"
	exit 0
fi
command -v aarch64-linux-gnu-gcc >/dev/null ||
	die "aarch64-linux-gnu-gcc missing (apt-get install gcc-aarch64-linux-gnu)"

src=$XEN_DMA_CACHE/xen-colour/src
rm -rf "$src" "$out"
mkdir -p "$src" "$out"
log "building $name for arm64 with cache colouring, SMMUv3, PCI passthrough"
tar -xJf "$tarball" -C "$src" --strip-components=1
for p in "${patches[@]}"; do
	patch -d "$src" -p1 -s --forward <"$p" ||
		die "$(basename "$p") does not apply to $name"
done

mk=(make -C "$src/xen" XEN_TARGET_ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
blog=$XEN_DMA_CACHE/logs/xen-colour-build.log
mkdir -p "$XEN_DMA_CACHE/logs"
{
	"${mk[@]}" defconfig
	cat >>"$src/xen/.config" <<-EOF
	CONFIG_EXPERT=y
	CONFIG_LLC_COLORING=y
	CONFIG_ARM_SMMU_V3=y
	CONFIG_PCI_PASSTHROUGH=y
	CONFIG_UNSUPPORTED=y
	CONFIG_HAS_ITS=y
	EOF
	"${mk[@]}" olddefconfig
	"${mk[@]}" -j"$(nproc)"
} >"$blog" 2>&1 || { tail -n 20 "$blog" >&2; die "Xen build failed (log: $blog)"; }
for opt in EXPERT LLC_COLORING ARM_SMMU_V3 PCI_PASSTHROUGH HAS_ITS; do
	grep -q "^CONFIG_$opt=y" "$src/xen/.config" ||
		die "CONFIG_$opt did not stay set in $src/xen/.config"
done
cp "$src/xen/xen" "$bin.tmp"
cp "$src/xen/.config" "$out/config"
mv "$bin.tmp" "$bin"
rm -rf "$src"
echo "$bin"
