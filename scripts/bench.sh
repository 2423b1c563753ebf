#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the DMA-mapping benchmark in real dom0s under QEMU, one boot
# per dom0 type (scripts/dom0/run.sh *-bench cases): xen_dma_bench.ko times
# map/unmap, map_sg/unmap_sg and the syncs through the public DMA API under
# the kernel's own ops and under xen_dma in each mode the dom0 allows, in
# the same boot. scripts/bench-report.py turns the console logs into ratio
# tables and a plot in Documentation/. A benchmark, not a test: it fails only
# when a boot does not produce its numbers.
#
# usage: bench.sh [CASE...]   (default: the bench cases of tests/dom0/cases)
#   env XEN_DMA_BENCH_MS     milliseconds per timed case (default 150)
#   env XEN_DMA_BENCH_STACKS the stacks, in order (default "newest deb12":
#                            the newest Linux on Xen 4.20, then Debian 12's)
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"

cases=("$@")
[ ${#cases[@]} -gt 0 ] || mapfile -t cases < <(xen_dma_cases - - - bench)

"$XEN_DMA_TOP/scripts/install-deps.sh" bench
results=$(mktemp)
trap 'rm -f "$results"' EXIT
start=$SECONDS
logs=()
for stack in ${XEN_DMA_BENCH_STACKS:-newest deb12}; do
	XEN_DMA_STACK=$stack \
	XEN_DMA_DOM0_ARGS="${XEN_DMA_DOM0_ARGS:-} xen_dma_bench_ms=${XEN_DMA_BENCH_MS:-150}" \
	RESULTS=$results "$XEN_DMA_TOP/scripts/dom0/run.sh" "${cases[@]}"
	# run.sh's log names: no stack for Debian 12's.
	tag=$stack-
	[ "$stack" = deb12 ] && tag=
	for c in "${cases[@]}"; do
		logs+=("$XEN_DMA_CACHE/logs/dom0-$tag$c.log")
	done
done
python3 "$XEN_DMA_TOP/scripts/bench-report.py" \
	--rst "$XEN_DMA_TOP/Documentation/performance.rst" \
	--png "$XEN_DMA_TOP/Documentation/bench.png" \
	--command "make bench" "${logs[@]}"
log "bench: $((SECONDS - start)) s; tables in Documentation/performance.rst, plot in Documentation/bench.png"
awk '{ p += $2; f += $3 } END { printf "%d passed, %d failed\n", p, f; exit f > 0 }' "$results"
