#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make test` and `make test-all`: what the project checks, on a fresh
# Debian 12 machine. Installs what it needs, runs each job, prints one line
# per suite and ends with "N passed, N failed" summed over all of them.
# Exits non-zero when anything failed, never reported, or when nothing ran
# at all. Boots retried after a known flake are counted and named before
# that line (scripts/dom0/judge.sh, retry_reason).
#
# usage: test.sh [--all] [JOB...]
#   the tier: make test (default) or, with --all, make test-all; it picks
#   the default jobs and, in a dom0 job, the cases (the default and all
#   columns of tests/dom0/cases). Documentation/testing.rst, "The two
#   tiers", says what each tier runs and why.
#   jobs: kunit-[SERIES-]ARCH  KUnit in a kernel of SERIES (6.1 when none;
#                              6.12, newest) for ARCH (x86_64, arm64)
#         check                checkpatch, ShellCheck, docutils, sparse
#         module-[STACK-]ARCH  xen_dma.ko, W=1, against the Debian headers
#                              of STACK (deb12 when none; deb13, newest)
#         dom0-[STACK-]ARCH    real Xen dom0s of STACK (and colour-arm64)
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
. "$(dirname "$0")/common.sh"

tier=default
if [ "${1:-}" = --all ]; then
	tier=all
	shift
fi
jobs=("$@")
# The modules and the dom0 stacks are in both tiers (the dom0 jobs boot the
# tier's cases); make test-all adds KUnit on every other kernel and arch,
# before check, which then also runs sparse on the 6.1 KUnit tree.
# The newest kernel's x86_64 KUnit build is also the built-in dom0 kernel
# of the *-root cases.
tier_jobs=(kunit-newest-x86_64)
[ "$tier" = all ] &&
	tier_jobs+=(kunit-newest-arm64 kunit-6.12-x86_64 kunit-x86_64 kunit-arm64)
tier_jobs+=(check
	module-x86_64 module-arm64 module-deb13-x86_64 module-deb13-arm64
	module-newest-x86_64 module-newest-arm64
	dom0-x86_64 dom0-arm64 dom0-deb13-x86_64 dom0-deb13-arm64
	dom0-newest-x86_64 dom0-newest-arm64 dom0-colour-arm64)
[ ${#jobs[@]} -gt 0 ] || jobs=("${tier_jobs[@]}")

"$XEN_DMA_TOP/scripts/install-deps.sh" test
mkdir -p "$XEN_DMA_CACHE/logs"

results=$(mktemp)
# The dom0 cases' failed checks, printed last, where a CI log's tail shows
# them (scripts/dom0/run.sh).
export FAILURES RETRIES
FAILURES=$(mktemp)
# One line per boot retried after a known flake (scripts/dom0/run.sh).
RETRIES=$(mktemp)
trap 'rm -f "$results" "$FAILURES" "$RETRIES"' EXIT
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
		# A W=1 or modpost warning fails the job, as an error would.
		if "$XEN_DMA_TOP/scripts/modules-debian.sh" "$target" \
			>"$XEN_DMA_CACHE/logs/$job.log" 2>&1 &&
		   ! grep -qiE ': warning:|WARNING: modpost' "$XEN_DMA_CACHE/logs/$job.log"; then
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
		# The cases whose column of this tier names this stack
		# (tests/dom0/cases).
		mapfile -t cases < <(xen_dma_cases "$tier" "$stack" "$arch")
		if [ ${#cases[@]} = 0 ]; then
			log "job $job: no case of tier $tier on this stack"
			continue
		fi
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
if [ -s "$RETRIES" ]; then
	echo "booted again after a known flake ($(grep -c . "$RETRIES") boots; testing.rst, \"Flakes\"):"
	sed 's/^/  /' "$RETRIES"
fi
read -r passed failed skipped < <(awk '{ p += $2; f += $3; s += $4 }
	END { print p + 0, f + 0, s + 0 }' "$results")
log "tier $tier: wall time $((SECONDS - start)) s, $(grep -c . "$RETRIES") boots retried"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
