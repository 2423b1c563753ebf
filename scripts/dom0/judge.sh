# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154  # tag, state, boot_rc: run.sh's
#
# Judging a dom0 boot's cases from their console logs, and the flakes of
# this QEMU TCG setup that earn a case another boot. Sourced by
# scripts/dom0/run.sh; uses its tag, state and boot_rc, and case_log().

# split_log LOG CASE...: each case's log is the boot's start (Xen and dom0
# up to the first case) and the boot's part from its "xen-dma-test: case"
# line to the next case's; a case that never started gets the whole log
# when it came first (the boot died before /init), none otherwise.
split_log() {
	local bootf=$1 c
	shift
	for c in "$@"; do
		rm -f "$(case_log "$c").part"
	done
	tr -d '\r' <"$bootf" | awk -v dir="$XEN_DMA_CACHE/logs" -v tag="dom0-$tag" '
		/^xen-dma-test: case / {
			c = $3; sub(/,$/, "", c)
			cur = dir "/" tag c ".log.part"
			printf "%s", pre > cur
		}
		cur == "" { pre = pre $0 "\n"; next }
		{ print > cur }
		END { if (cur == "") printf "%s", pre > (dir "/" tag "boot-prelude.part") }'
	for c in "$@"; do
		if [ -e "$(case_log "$c").part" ]; then
			mv "$(case_log "$c").part" "$(case_log "$c")"
		elif [ "$c" = "$1" ]; then
			cp "$bootf" "$(case_log "$c")"
		fi
	done
	rm -f "$XEN_DMA_CACHE/logs/dom0-${tag}boot-prelude.part"
}

# judge_case CASE: its result line (in $state/result.CASE) from its log: the
# test's own checks, a boot that ended before the case did, and the faults
# Xen logged during it.
judge_case() {
	local c=$1 logf pass fail faults clean mtype
	logf=$(case_log "$c")
	mtype=$(case_get "$c" machine)
	clean=$(tr -d '\r' <"$logf")
	pass=$(grep -c "^XEN_DMA_RESULT $c PASS" <<<"$clean" || true)
	fail=$(grep -c "^XEN_DMA_RESULT $c FAIL" <<<"$clean" || true)
	grep "^XEN_DMA_RESULT $c " <<<"$clean" | sed 's/^XEN_DMA_RESULT /  /' >&2 || true
	if ! grep -q "^XEN_DMA_DONE $c " <<<"$clean"; then
		fail=$((fail + 1))
		if [ "$boot_rc" = 124 ]; then
			fail_log "$c" "$c: FAIL: no result within its $(case_get "$c" timeout) s (hang), boot killed"
		elif grep -qE 'Kernel panic|Panic on CPU|FATAL PAGE FAULT' <<<"$clean"; then
			fail_log "$c" "$c: FAIL: crash: $(grep -m 1 -E 'Kernel panic|Panic on CPU|FATAL PAGE FAULT' <<<"$clean")"
		else
			fail_log "$c" "$c: FAIL: the boot ended (qemu exit $boot_rc) before the case finished"
		fi
	fi
	# Xen's own console is in the log too: an IOMMU fault is a failure
	# even when the data came back right.
	local iommu='' fault_re=''
	read -r iommu fault_re <<<"$(machine_fault_re "$mtype")"
	if [ -n "$iommu" ]; then
		faults=$(grep -cE "$fault_re" <<<"$clean" || true)
		if [ "$faults" = 0 ]; then
			pass=$((pass + 1))
			log "$c: PASS iommu: no $iommu fault in Xen's log"
		else
			fail=$((fail + 1))
			fail_log "$c" "$c: FAIL iommu: $faults $iommu fault lines in Xen's log, first: $(grep -m 1 -E "$fault_re" <<<"$clean")"
		fi
	fi
	case "$mtype" in armc*)
		# Xen's colour set-up, from its own console, for the record.
		grep -iE 'LLC|colou?r' <<<"$clean" | head -n 12 | sed 's/^/  xen: /' >&2 || true ;;
	esac
	[ $((pass + fail)) -gt 0 ] || fail=1
	log "$c: $pass passed, $fail failed$(sed -n "s/^XEN_DMA_DONE $c .* in \([0-9.]*\) s$/ in \1 s/p" <<<"$clean"); log $logf"
	echo "dom0-$tag$(xen_dma_case_arch "$c"):$c $pass $fail 0" >"$state/result.$c"
}

# Flakes of this QEMU TCG setup, none a check that failed, get up to two
# more boots, each earlier log kept as dom0-<case>.tryN.log (prints why, or
# nothing). Each was also seen with xen_dma out of the way (a module that only
# takes its parameters: Documentation/testing.rst, "Flakes"):
#  - a domU that never starts or never finishes its test;
#  - a PVH dom0 that triple-faults, on any vCPU, at random kernel addresses
#    (3 of 5 pvh-foreign boots with the kernel's own DMA ops);
#  - a dom0 kernel that panics before /init ran (so before xen_dma was
#    loaded);
#  - a dom0 process whose malloc heap is found corrupted right after Xen's
#    toolstack started, before the domU did any I/O (xl create aborts, or
#    /init dies and dom0 panics);
#  - a process in a PV domU's check pipeline that segfaults, so that a check
#    gets no checksum at all.
# A check that failed any other way, a wrong checksum above all, is never
# retried.
retry_reason() {
	local logf clean
	logf=$(case_log "$1")
	clean=$(tr -d '\r' <"$logf")
	case "$(case_get "$1" test)" in
	foreign)
		if grep -q -e 'the domU did not finish' -e 'the domU still runs' <<<"$clean"; then
			echo "the domU never finished"
			return
		fi
		if grep -q 'xl create failed:.*\(corrupted\|malloc\)' <<<"$clean"; then
			echo "xl aborted on a corrupted malloc heap"
			return
		fi
		# A process in the domU's check pipeline died, so a check got no
		# checksum at all. A wrong checksum (data the device corrupted)
		# is never retried.
		if grep -q '^ *domU: Segmentation fault' <<<"$clean" &&
		   grep -q 'XEN_DMA_DOMU FAIL' <<<"$clean" &&
		   ! grep 'XEN_DMA_DOMU FAIL' <<<"$clean" | grep -qv 'sha256 , want'; then
			echo "a process in the domU segfaulted, and no checksum was wrong"
			return
		fi ;;
	esac
	if ! grep -q "^XEN_DMA_DONE $1 " <<<"$clean" &&
	   grep -q 'Attempted to kill init' <<<"$clean" &&
	   grep -q -e 'corrupted' -e 'malloc()' <<<"$clean"; then
		echo "dom0's /init died on a corrupted malloc heap"
		return
	fi
	# /init loads xen_dma, so a dom0 kernel that died before /init ran
	# died without it (seen: Debian 13's PV dom0 hitting an int3 oops in
	# sched_clock_cpu() while its static keys were patched, 4 s in).
	if ! grep -q '^xen-dma-test: case ' <<<"$clean" &&
	   grep -q 'Kernel panic' <<<"$clean"; then
		echo "dom0's kernel panicked before /init ran ($(grep -m 1 -E 'RIP: |Oops:|BUG:' <<<"$clean"))"
		return
	fi
	case "$(case_get "$1" machine)" in
	pvh)
		if grep -q 'd0v[0-9]* Triple fault' <<<"$clean" &&
		   ! grep -q "^XEN_DMA_DONE $1 " <<<"$clean"; then
			echo "the PVH dom0 triple-faulted ($(grep -m 1 -A 3 'Dumping Dom0' <<<"$clean" | sed -n 's/.*RIP: *//p'))"
		fi ;;
	esac
}

# fail_log CASE MESSAGE: log() a failure found outside the test's own
# checks, and keep it for case_failures.
fail_log() {
	local c=$1
	shift
	log "$*"
	echo "  $*" >>"$state/notes.$c"
}

# case_failures CASE: the last boot's failed checks, failures found outside
# them, and the kernel's messages from xen_dma (what it chose, what it fell
# back to) and of I/O errors, timeouts and warnings.
case_failures() {
	local clean
	clean=$(tr -d '\r' <"$(case_log "$1")")
	grep "^XEN_DMA_RESULT $1 FAIL" <<<"$clean" | head -n 8 |
		sed 's/^XEN_DMA_RESULT /  /' || true
	cat "$state/notes.$1" 2>/dev/null || true
	grep -E '^ *\[ *[0-9]+\.[0-9]+\] .*(xen_dma: |I/O error|timeout|WARNING:|BUG:)' <<<"$clean" |
		grep -v -e 'taints kernel' -e 'verification failed' -e 'ommand line' |
		sed 's/^ *\[[^]]*\] /    dmesg: /' | sort -u | head -n 12 || true
}
