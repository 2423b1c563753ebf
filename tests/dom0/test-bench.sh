# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "bench" (tests/dom0/cases): xen_dma_bench.ko under the kernel's own
# ops, then under xen_dma in each mode (make bench). Sourced by
# tests/dom0/init.sh.

# run_bench LABEL: xen_dma_bench.ko times the DMA API on $DISK_PCI under
# whatever ops it has now; its lines go to the console for scripts/bench.sh.
run_bench() {
	local before
	before=$(dmesg | wc -l)
	say "bench: $1 on $DISK_PCI"
	# It prints, then stays loaded holding nothing.
	insmod /lib/modules/xen_dma_bench.ko device="$DISK_PCI" label="$1" \
		ms="$(arg xen_dma_bench_ms 150)" 2>/dev/null && rmmod xen_dma_bench
	dmesg | tail -n +"$((before + 1))" | sed -n 's/^.*xen_dma_bench: //p' >/tmp/bench
	cat /tmp/bench
	if attached "$DISK_PCI"; then
		say "bench: $1: xen_dma bounced $(stat "$DISK_PCI" bounces) of $(stat "$DISK_PCI" maps) mappings"
	fi
	if grep -q "^XEN_DMA_BENCH-END $1\$" /tmp/bench; then
		result PASS bench "$1: $(grep -c '^XEN_DMA_BENCH ' /tmp/bench) cases timed"
	else
		result FAIL bench "$1: the benchmark did not finish: $(tail -n 1 /tmp/bench)"
	fi
}

# *-bench: the benchmark under the kernel's own ops ($BASE), then under
# xen_dma attached at run time in each mode of xen_dma_compare= (auto = the
# flags' choice; the others reload the module), in one boot.
run_test() {
	local modes m
	BASE=$(arg xen_dma_base swiotlb-xen)
	modes=$(arg xen_dma_compare "auto bounce" | tr ',' ' ')
	disk_up || return
	run_bench "$BASE"
	for m in $modes; do
		if [ "$m" != auto ]; then
			if ! rmmod xen_dma || ! insmod /lib/modules/xen_dma.ko mode="$m"; then
				result FAIL reload "xen_dma with mode=$m"
				break
			fi
		fi
		compare_attach "$m" || break
		run_bench "xen_dma-$(stat "$DISK_PCI" mode)"
		show_debugfs
		compare_detach "$m" || break
	done
}
