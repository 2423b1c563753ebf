# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "fragment" (tests/dom0/cases): mappings on scrambled memory checked
# from the device's side by xen_dma_fragment.ko. Sourced by
# tests/dom0/init.sh.

# run_fragment LABEL [MODULE-ARGS...]: xen_dma_fragment.ko scrambles
# $FRAG_MB MiB of dom0's memory and checks mappings there on $DISK_PCI from the
# device's side, under whatever ops it has now; its lines land in
# /tmp/frag-LABEL. Returns 1 when it did not finish.
run_fragment() {
	local before f=/tmp/frag-$1
	before=$(dmesg | wc -l)
	insmod /lib/modules/xen_dma_fragment.ko device="$DISK_PCI" label="$1" \
		mb="$FRAG_MB" 2>/dev/null && rmmod xen_dma_fragment
	dmesg | tail -n +"$((before + 1))" | sed -n 's/^.*xen_dma_fragment: //p' >"$f"
	sed 's/^/  /' "$f"
	grep -q "^XEN_DMA_FRAGMENT-END $1 " "$f"
}

# frag_count LABEL KEY: a number from the END line of run_fragment LABEL.
frag_count() {
	sed -n "s/^XEN_DMA_FRAGMENT-END $1 .*$2=\([0-9]*\).*/\1/p" "/tmp/frag-$1"
}

# fragment_check LABEL: the checks of run_fragment LABEL as results: none
# may be wrong, and memory that is scrambled must make some mappings bounce.
fragment_check() {
	local bad refused bounced scr
	if ! run_fragment "$1"; then
		result FAIL fragment "$1: xen_dma_fragment did not finish: $(tail -n 1 "/tmp/frag-$1")"
		return
	fi
	scr=$(sed -n "s/^XEN_DMA_FRAGMENT $1 scramble //p" "/tmp/frag-$1")
	bad=$(frag_count "$1" bad)
	refused=$(frag_count "$1" refused)
	bounced=$(grep -c "^XEN_DMA_FRAGMENT $1 map .* ok bounced" "/tmp/frag-$1")
	if [ "$bad" = 0 ] && [ "$bounced" -gt 0 ]; then
		result PASS fragment "$1: $(frag_count "$1" checks) mappings of scrambled memory ($scr) read and written right from the device's side, $bounced bounced, $refused refused as too large"
	else
		result FAIL fragment "$1: $bad wrong, $bounced bounced (scrambled: $scr): $(grep -m 1 ' bad ' "/tmp/frag-$1")"
	fi
}

# pv-fragment: dom0's memory scrambled as a long-running host's is. The
# kernel's own swiotlb-xen goes first (recorded, not judged); then xen_dma,
# translate, attached at run time: the same checks, the NVMe data check on
# the scrambled memory, and with segment_kb=4096 the same again, where 1 and
# 2 MiB must bounce too.
run_test() {
	local f
	FRAG_MB=$(arg xen_dma_fragment_mb 128)
	BASE=swiotlb-xen
	disk_up || return
	if run_fragment "$BASE"; then
		say "$BASE on the scrambled memory: $(frag_count "$BASE" checks) checks, $(frag_count "$BASE" bad) wrong, $(frag_count "$BASE" refused) refused (recorded, not judged)"
	else
		say "$BASE: xen_dma_fragment did not finish"
	fi
	compare_attach "translate" || return
	disk_check
	check_stats "$DISK_PCI"
	f=$(stat "$DISK_PCI" failures)
	fragment_check xen_dma-translate
	# The refused mappings are its only failures.
	if [ "$(stat "$DISK_PCI" failures)" = "$((f + $(frag_count xen_dma-translate refused)))" ]; then
		result PASS failures "debugfs counts exactly the mappings xen_dma_fragment saw refused"
	else
		result FAIL failures "debugfs failures $(stat "$DISK_PCI" failures), expected $f + $(frag_count xen_dma-translate refused)"
	fi
	compare_detach "translate" || return
	if rmmod xen_dma && insmod /lib/modules/xen_dma.ko segment_kb=4096; then
		result PASS reload "xen_dma loaded again with segment_kb=4096"
	else
		result FAIL reload "xen_dma with segment_kb=4096"
		return
	fi
	compare_attach "4 MiB segments" || return
	fragment_check xen_dma-4m
	if [ "$(frag_count xen_dma-4m refused)" = 0 ]; then
		result PASS large "with 4 MiB segments every mapping up to 2 MiB was taken"
	else
		result FAIL large "with 4 MiB segments $(frag_count xen_dma-4m refused) mappings were refused"
	fi
	show_debugfs
	compare_detach "4 MiB segments"
}
