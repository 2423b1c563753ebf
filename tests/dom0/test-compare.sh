# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2034  # globals lib.sh reads (BASE, PASSES)
#
# Test "compare" (tests/dom0/cases): the kernel's own ops against xen_dma
# attached at run time, NVMe O_DIRECT read rates in one boot. Sourced by
# tests/dom0/init.sh.

# report KB MODE: MiB/s of xen_dma in MODE against the kernel's own ops
# ($BASE), mean of runs.
report() {
	awk -v kb="$1" -v m="$2" -v base="$BASE" '
		$2 == kb && $1 == base { s += $3; ns++; sl = sl " " $3 }
		$2 == kb && $1 == "xen_dma-" m { x += $3; nx++; xl = xl " " $3 }
		END {
			if (!ns || !nx) { print "FAIL missing runs"; exit }
			printf "PASS %s KiB requests: %s %.1f MiB/s (runs:%s), xen_dma %s %.1f MiB/s (runs:%s), ratio xen_dma/%s %.2f\n",
				kb, base, s / ns, sl, m, x / nx, xl, base, (x / nx) / (s / ns)
		}' /tmp/perf
}

# pv-compare, pvh-compare: NVMe O_DIRECT read throughput in one boot,
# alternating the kernel's own ops ($BASE: swiotlb-xen on PV, dma-direct on
# PVH) with xen_dma attached at run time through sysfs, in the mode from the
# flags and then (module reloaded) in the other modes of xen_dma_compare=.
run_test() {
	local reps modes m run maps mode b kb line verdict
	reps=$(arg xen_dma_reps 3)
	BASE=$(arg xen_dma_base swiotlb-xen)
	PASSES=$(arg xen_dma_passes 4)
	modes=$(arg xen_dma_compare "auto bounce" | tr ',' ' ')
	: >/tmp/perf
	rm -f /tmp/perf.bad
	disk_up || return
	if attached "$DISK_PCI"; then
		result FAIL attach "$DISK_PCI attached before the test attached it (devices= given?)"
		return
	fi
	if ! pattern_write "$MB"; then
		result FAIL data "O_DIRECT write to $DISK failed: $(tail -n 1 /tmp/dd.err)"
		return
	fi
	say "wrote $MB MiB of random data to $DISK through $BASE; $reps runs per setting"
	say "run: $BASE (xen_dma loaded, $DISK_PCI not attached)"
	measure "$BASE"
	for m in $modes; do
		if [ "$m" != auto ]; then
			if ! rmmod xen_dma; then
				result FAIL reload "rmmod xen_dma failed"
				break
			fi
			if insmod /lib/modules/xen_dma.ko mode="$m"; then
				result PASS reload "xen_dma unloaded and loaded again with mode=$m"
			else
				result FAIL reload "insmod xen_dma.ko mode=$m failed"
				break
			fi
		fi
		run=1
		while [ $run -le "$reps" ]; do
			compare_attach "$m run $run" || break
			mode=$(stat "$DISK_PCI" mode)
			say "run $run: xen_dma mode $mode"
			measure "xen_dma-$m"
			maps=$(stat "$DISK_PCI" maps)
			b=$(stat "$DISK_PCI" bounces)
			say "  xen_dma stats: maps $maps, bounces $b, failures $(stat "$DISK_PCI" failures)"
			if [ "$run" = 1 ]; then
				if [ "${maps:-0}" -gt 0 ] 2>/dev/null; then
					result PASS maps "$m: $maps mappings went through xen_dma (mode $mode, bounces $b)"
				else
					result FAIL maps "$m: no mapping went through xen_dma (maps=${maps:-?})"
				fi
			fi
			compare_detach "$m run $run" || break
			say "run $run: $BASE"
			measure "$BASE"
			run=$((run + 1))
		done
		# Attach once more after the detaches: re-attach must work.
		if [ "$m" = auto ] && compare_attach "re-attach"; then
			verify "xen_dma-re-attach"
			compare_detach "final"
		fi
	done
	for m in $modes; do
		for kb in 128 1024; do
			line=$(report $kb "$m")
			verdict=${line%% *}
			[ -f /tmp/perf.bad ] && verdict=FAIL
			result "$verdict" "perf-$m-${kb}k" "${line#* }"
		done
	done
	if [ -f /tmp/perf.bad ]; then
		result FAIL data "data mismatch in: $(tr '\n' ' ' </tmp/perf.bad)"
	else
		result PASS data "$MB MiB read back intact after every run ($(grep -c . /tmp/perf) timed reads)"
	fi
	show_debugfs
}
