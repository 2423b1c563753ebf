#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make test`: everything the project checks, on a fresh Debian 12 machine.
# Installs what it needs, runs each job, prints one line per suite and ends
# with "N passed, N failed" summed over all of them. Exits non-zero when
# anything failed, never reported, or when nothing ran at all.
#
# usage: test.sh [JOB...]
#   jobs: kunit-x86_64 kunit-6.12-x86_64 kunit-newest-x86_64
#         kunit-newest-arm64 kunit-arm64 check module-x86_64
#         module-arm64 module-deb13-x86_64 module-deb13-arm64 module-newest-x86_64
#         module-newest-arm64 dom0-x86_64 dom0-arm64 dom0-deb13-x86_64
#         dom0-deb13-arm64 dom0-newest-x86_64 dom0-newest-arm64
#         dom0-colour-arm64 (default: all
#         but kunit-arm64: KUnit runs on every kernel on x86_64 and on the
#         newest on arm64)
#   module-<arch> builds against Debian 12's 6.1, module-deb13-<arch> against
#   Debian 13's 6.12, module-newest-<arch> against the newest Linux for
#   Debian 13 (scripts/debian-headers.sh); each line names the kernel.
set -euo pipefail
. "$(dirname "$0")/common.sh"

jobs=("$@")
[ ${#jobs[@]} -gt 0 ] ||
	jobs=(kunit-x86_64 kunit-6.12-x86_64 kunit-newest-x86_64 kunit-newest-arm64
	      check module-x86_64
	      module-arm64 module-deb13-x86_64 module-deb13-arm64 module-newest-x86_64
	      module-newest-arm64 dom0-x86_64 dom0-arm64 dom0-deb13-x86_64
	      dom0-deb13-arm64 dom0-newest-x86_64 dom0-newest-arm64
	      dom0-colour-arm64)

"$XEN_DMA_TOP/scripts/install-deps.sh" kunit
"$XEN_DMA_TOP/scripts/prepare-ksrc.sh" >/dev/null

results=$(mktemp)
# The dom0 cases' failed checks, printed last, where a CI log's tail shows
# them (scripts/dom0/run.sh).
export FAILURES
FAILURES=$(mktemp)
trap 'rm -f "$results" "$FAILURES"' EXIT
start=$SECONDS
for job in "${jobs[@]}"; do
	job_start=$SECONDS
	case "$job" in
	kunit-*)
		# kunit-ARCH on Linux 6.1, kunit-SERIES-ARCH on another kernel.
		"$XEN_DMA_TOP/scripts/kunit.sh" "${job#kunit-}" "$results" ||
			echo "$job 0 1 0" >>"$results" ;;
	module-*)
		# The module as users build it, W=1: a Debian kernel's headers.
		target=${job#module-}
		case "$target" in *-*) target=${target%-*}:${target##*-} ;; esac
		out=$XEN_DMA_CACHE/${job}
		if "$XEN_DMA_TOP/scripts/modules-debian.sh" "$target" \
			>"$XEN_DMA_CACHE/logs/$job.log" 2>&1; then
			echo "$job:linux-$(cat "$out/kernel") 1 0 0" >>"$results"
		else
			tail -n 20 "$XEN_DMA_CACHE/logs/$job.log" >&2
			echo "$job 0 1 0" >>"$results"
		fi ;;
	dom0-*)
		# Real Xen dom0s under QEMU; each case adds its own line.
		# dom0-ARCH: Debian 12's stack; dom0-STACK-ARCH: another one.
		arch=${job##*-}
		stack=${job#dom0-}
		stack=${stack%"$arch"}
		stack=${stack%-}
		stack=${stack:-deb12}
		# The cases whose stacks column names this stack (tests/dom0/cases).
		mapfile -t cases < <(xen_dma_cases "$stack" "$arch")
		# The coloured machine runs Debian 13's kernel and toolstack;
		# run.sh puts the coloured Xen in for its machines.
		[ "$stack" = colour ] && stack=deb13
		RESULTS=$results XEN_DMA_STACK=$stack \
			"$XEN_DMA_TOP/scripts/dom0/run.sh" "${cases[@]}" ||
			echo "$job 0 1 0" >>"$results" ;;
	check)
		"$XEN_DMA_TOP/scripts/check.sh" "$results" ||
			echo "check 0 1 0" >>"$results" ;;
	*)	die "unknown job $job" ;;
	esac
	log "job $job: $((SECONDS - job_start)) s"
done

echo
echo "results (logs in $XEN_DMA_CACHE/logs):"
awk '{ printf "  %-46s %4d passed, %d failed, %d skipped\n", $1, $2, $3, $4 }' "$results"
if [ -s "$FAILURES" ]; then
	echo "failed dom0 checks (the first 60 lines; full logs in $XEN_DMA_CACHE/logs):"
	head -n 60 "$FAILURES"
fi
read -r passed failed skipped < <(awk '{ p += $2; f += $3; s += $4 }
	END { print p + 0, f + 0, s + 0 }' "$results")
log "wall time $((SECONDS - start)) s"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
