# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash disable=SC2034  # globals lib.sh reads (BASE, PASSES)
#
# Test "segments" (tests/dom0/cases): bounce segment sizes measured.
# Sourced by tests/dom0/init.sh.

# pv-segments (make bench, by hand): for each bounce segment size of
# xen_dma_segments= (KiB), in each mode of xen_dma_compare=, xen_dma is
# loaded with a pool of xen_dma_pool_mb= MiB, the NVMe attached, and
# reported: the NVMe's largest request, how many segments (machine extents
# below 4 GiB on PV) Xen gave and how long that took, and O_DIRECT read
# rates in 128 KiB, 1 MiB and 4 MiB requests, data checked each time.
run_test() {
	local seg m ta tb made line
	MB=$(arg xen_dma_mb 64)
	PASSES=$(arg xen_dma_passes 2)
	BASE=swiotlb-xen
	disk_up || return
	if ! pattern_write "$MB"; then
		result FAIL data "O_DIRECT write to $DISK failed: $(tail -n 1 /tmp/dd.err)"
		return
	fi
	rm -f /tmp/perf.bad
	: >/tmp/perf
	for m in $(arg xen_dma_compare "auto bounce" | tr ',' ' '); do
		for seg in $(arg xen_dma_segments "256 1024 4096" | tr ',' ' '); do
			rmmod xen_dma
			if ! insmod /lib/modules/xen_dma.ko mode="$m" segment_kb="$seg" \
				pool_mb="$(arg xen_dma_pool_mb 64)"; then
				result FAIL reload "xen_dma mode=$m segment_kb=$seg"
				continue
			fi
			ta=$(now)
			compare_attach "$m, $seg KiB segments" || continue
			tb=$(now)
			made=$(sed -n 's/^segments:[[:space:]]*//p' "$DBG/pools" | head -n 1)
			line="$(stat "$DISK_PCI" mode), $seg KiB segments: max_sectors_kb $(cat /sys/block/nvme0n1/queue/max_sectors_kb), $made segments from Xen (attach with the pool in $(secs "$ta" "$tb") s)"
			say "$line"
			timed_read "$m-$seg" 128
			timed_read "$m-$seg" 1024
			timed_read "$m-$seg" 4096
			verify "$m-$seg"
			result PASS segments "$line; MiB/s in 128 KiB, 1 MiB, 4 MiB requests: $(awk -v l="$m-$seg" '$1 == l { printf "%s ", $3 }' /tmp/perf)"
			compare_detach "$m, $seg KiB segments"
		done
	done
	[ -f /tmp/perf.bad ] || result PASS data "$MB MiB read back intact after every run"
}
