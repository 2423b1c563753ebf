#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds (cached, incrementally) the dom0 kernel the "builtin" cases boot:
# the newest kernel series' tree that KUnit uses (scripts/prepare-ksrc.sh),
# configured as the KUnit kernel is (tests/kunit/ARCH.kunitconfig: xen-dma
# built in, lockdep, DMA_API_DEBUG, the NVMe driver, ext4) but without
# KASAN and KUnit: Linux 7.3 built with KASAN writes the KASAN shadow in
# Xen's PV and PVH entry code before the shadow is mapped, and dies there
# (Documentation/testing.rst, "Real dom0s"). Prints the kernel image's path.
#
# usage: kernel.sh x86_64
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"

arch=${1:-}
case "$arch" in
x86_64)	image=arch/x86/boot/bzImage ;;
*)	die "usage: $0 x86_64" ;;
esac
ksrc=$("$XEN_DMA_TOP/scripts/prepare-ksrc.sh" newest)
build=$XEN_DMA_CACHE/dom0-kernel-$arch
logf=$XEN_DMA_CACHE/logs/dom0-kernel-$arch.log
mkdir -p "$build" "$XEN_DMA_CACHE/logs"

# One kernel build or QEMU boot at a time on this machine, and one run of
# this script at a time: the configuration step is under the lock too.
exec 9>"$XEN_DMA_LOCK"
flock 9

# The KUnit configuration, its KASAN and KUnit lines left out, and the CPU
# mitigations left on, as in the kernels distributions ship.
fragment=$build/xen-dma.config
grep -v -e '^CONFIG_KASAN' -e '^CONFIG_KUNIT' -e '^CONFIG_XEN_DMA_KUNIT_TEST' \
	-e '^# CONFIG_CPU_MITIGATIONS is not set' \
	"$XEN_DMA_TOP/tests/kunit/$arch.kunitconfig" >"$fragment.new"
printf '%s\n' '# CONFIG_KASAN is not set' '# CONFIG_KUNIT is not set' >>"$fragment.new"
if ! cmp -s "$fragment.new" "$fragment" || [ ! -e "$build/.config" ]; then
	mv "$fragment.new" "$fragment"
	cp "$fragment" "$build/.config"
	make -s -C "$ksrc" O="$build" ARCH="$arch" olddefconfig >"$logf" 2>&1 ||
		{ tail -n 20 "$logf" >&2; die "configuring the dom0 kernel failed (log: $logf)"; }
	# Every option the fragment asks for must have survived.
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)	grep -qxF "$line" "$build/.config" ||
				die "the dom0 kernel's configuration dropped $line (log: $logf)" ;;
		esac
	done <"$fragment"
else
	rm -f "$fragment.new"
fi

export CCACHE_DIR=${CCACHE_DIR:-$XEN_DMA_CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_BASEDIR=$ksrc
log "dom0 kernel ($arch, xen-dma built in, no KASAN): building in $build, log in $logf"
start=$SECONDS
env -u JOBS make -C "$ksrc" O="$build" ARCH="$arch" \
	CC="ccache gcc" -j"$(nproc)" "$(basename "$image")" >>"$logf" 2>&1 ||
	{ grep -E 'error:|Error [0-9]' "$logf" | head -n 20 >&2; die "building the dom0 kernel failed (log: $logf)"; }
log "dom0 kernel ($arch): built in $((SECONDS - start)) s"
echo "$build/$image"
