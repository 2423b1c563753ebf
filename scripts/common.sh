# SPDX-License-Identifier: GPL-2.0
# Shared settings for the xen-dma scripts. Source it; do not run it.
# shellcheck shell=bash disable=SC2034  # the variables are for the sourcer

XEN_DMA_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XEN_DMA_CACHE=${XEN_DMA_CACHE:-$HOME/.cache/xen-dma}
# The kernel tree every KUnit build uses; the repository is linked into it.
XEN_DMA_KSRC=${XEN_DMA_KSRC:-$XEN_DMA_CACHE/linux-source-6.1}
# Held around every kernel build and QEMU boot: two at once starve 2 cores.
XEN_DMA_LOCK=${XEN_DMA_LOCK:-/tmp/xen-dma-heavy.lock}

log() { printf '[xen-dma] %s\n' "$*" >&2; }
die() { printf '[xen-dma] error: %s\n' "$*" >&2; exit 1; }
