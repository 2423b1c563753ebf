# SPDX-License-Identifier: GPL-2.0
# Shared settings for the xen-dma scripts. Source it; do not run it.
# shellcheck shell=bash disable=SC2034  # the variables are for the sourcer

XEN_DMA_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XEN_DMA_CACHE=${XEN_DMA_CACHE:-$HOME/.cache/xen-dma}
# The kernel trees the KUnit builds use (prepare-ksrc.sh), one per kernel
# series; the repository's sources are copied into each.
xen_dma_ksrc() { echo "$XEN_DMA_CACHE/linux-source-$1"; }
# The stacks dom0s are tested on, one line each: name, Xen, what it is. The
# kernel of each is resolved by debian-headers.sh.
#   deb12   Xen 4.17, Linux 6.1   Debian 12 (bookworm)
#   deb13   Xen 4.20, Linux 6.12  Debian 13 (trixie)
#   newest  Xen 4.20, the newest Linux for Debian 13 (trixie-backports)
xen_dma_stack_xen() {
	case "$1" in
	deb12)		echo 4.17 ;;
	deb13|newest)	echo 4.20 ;;
	*)		die "unknown stack '$1' (deb12, deb13, newest)" ;;
	esac
}
# xen_dma_stack_dir STACK NAME: a cache directory of that stack (Debian 12's
# keep their historical names).
xen_dma_stack_dir() {
	if [ "$1" = deb12 ]; then
		echo "$XEN_DMA_CACHE/$2"
	else
		echo "$XEN_DMA_CACHE/$2-$1"
	fi
}
# Held around every kernel build and QEMU boot: two at once starve 2 cores.
XEN_DMA_LOCK=${XEN_DMA_LOCK:-/tmp/xen-dma-heavy.lock}
# in_root ROOT CMD...: CMD chrooted into ROOT with /proc mounted for it, and
# unmounted again however CMD ends, so that nothing stays mounted inside
# the cache.
in_root() {
	local root=$1 rc=0 mounted=
	shift
	if ! mountpoint -q "$root/proc"; then
		mount --bind /proc "$root/proc" || return 1
		mounted=1
	fi
	chroot "$root" "$@" || rc=$?
	[ -z "$mounted" ] || umount "$root/proc" || umount -l "$root/proc"
	return $rc
}

log() { printf '[xen-dma] %s\n' "$*" >&2; }
die() { printf '[xen-dma] error: %s\n' "$*" >&2; exit 1; }

# The real-dom0 cases, one line each (tests/dom0/cases): the only list of
# them, read only through case_get CASE COLUMN (tests/dom0/case-table.sh).
XEN_DMA_CASES=$XEN_DMA_TOP/tests/dom0/cases
# shellcheck source=SCRIPTDIR/../tests/dom0/case-table.sh
. "$XEN_DMA_TOP/tests/dom0/case-table.sh"
# xen_dma_case_arch CASE: x86_64 or arm64, from its machine.
xen_dma_case_arch() {
	case "$(case_get "$1" machine)" in
	arm*)	echo arm64 ;;
	*)	echo x86_64 ;;
	esac
}
# xen_dma_cases [TIER|- [STACK|- [ARCH|- [TEST]]]]: the cases' names in the
# table's order; with TIER (default: make test, all: make test-all) and
# STACK, those that tier boots on that stack; with ARCH (x86_64, arm64),
# those of that arch; with TEST, those that run tests/dom0/test-TEST.sh.
xen_dma_cases() {
	local tier=${1:--} stack=${2:--} arch=${3:--} test=${4:--} c
	for c in $(case_get '*' case); do
		if [ "$tier" != - ] && [ "$stack" != - ]; then
			[[ ",$(case_get "$c" "$tier")," == *",$stack,"* ]] || continue
		fi
		[ "$arch" = - ] || [ "$(xen_dma_case_arch "$c")" = "$arch" ] || continue
		[ "$test" = - ] || [ "$(case_get "$c" test)" = "$test" ] || continue
		echo "$c"
	done
}
