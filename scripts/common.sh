# SPDX-License-Identifier: GPL-2.0
# Shared settings for the xen-dma scripts. Source it; do not run it.
# shellcheck shell=bash disable=SC2034  # the variables are for the sourcer

XEN_DMA_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XEN_DMA_CACHE=${XEN_DMA_CACHE:-$HOME/.cache/xen-dma}
# The kernel trees the KUnit builds use (prepare-ksrc.sh), one per kernel
# series; the repository is linked into each. 6.1's also serves check.sh.
xen_dma_ksrc() { echo "$XEN_DMA_CACHE/linux-source-$1"; }
XEN_DMA_KSRC=${XEN_DMA_KSRC:-$(xen_dma_ksrc 6.1)}
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

log() { printf '[xen-dma] %s\n' "$*" >&2; }
die() { printf '[xen-dma] error: %s\n' "$*" >&2; exit 1; }

# The real-dom0 cases, one line each (tests/dom0/cases): the only list of
# them. xen_dma_case CASE prints its fields after the name ("test machine
# disk stacks boot timeout parameters..."), or nothing for an unknown case.
XEN_DMA_CASES=$XEN_DMA_TOP/tests/dom0/cases
xen_dma_case() {
	awk -v c="$1" '!/^#/ && $1 == c { $1 = ""; sub(/^ +/, ""); print; exit }' \
		"$XEN_DMA_CASES"
}
# xen_dma_cases [STACK|- [ARCH|- [TEST]]]: the cases' names in the table's
# order; with STACK, those make test boots on it; with ARCH (x86_64, arm64),
# those of that arch; with TEST, those that run tests/dom0/test-TEST.sh.
xen_dma_cases() {
	awk -v s="${1:--}" -v a="${2:--}" -v t="${3:--}" '
		/^#/ || NF < 7 { next }
		s != "-" && ("," $5 ",") !~ ("," s ",") { next }
		a != "-" && a != ($3 ~ /^arm/ ? "arm64" : "x86_64") { next }
		t != "-" && t != $2 { next }
		{ print $1 }' "$XEN_DMA_CASES"
}
