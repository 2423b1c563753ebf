# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "builtin" (tests/dom0/cases): a dom0 kernel with xen-dma built in
# (CONFIG_XEN_DMA=y, with lockdep and DMA_API_DEBUG: scripts/dom0/kernel.sh),
# booted with xen_dma.devices= on its command line and its root file system
# on the disk, so that xen-dma owns the disk from its first I/O. Sourced by
# tests/dom0/init.sh.

# The whole boot's kernel log: what the checkers report, and when xen_dma
# took the disk, happened before /init ran.
boot_log_check() {
	local reports
	dmesg >/tmp/boot.dmesg
	# DMA-API's own start-up lines apart, every line of these is a report.
	reports=$(grep -E 'BUG: KASAN|WARNING: possible|possible circular locking|DEADLOCK|inconsistent lock state|DMA-API: |UBSAN:|BUG: sleeping function' /tmp/boot.dmesg |
		grep -v -e 'DMA-API: preallocated' -e 'DMA-API: debugging enabled')
	if [ -z "$reports" ]; then
		result PASS checkers "no lockdep or DMA-API debug report (nor any KASAN one, were it built in) in the whole boot's log"
	else
		result FAIL checkers "$(echo "$reports" | wc -l) reports, first: $(echo "$reports" | head -n 1)"
	fi
}

# The attach's dev_info() came before the driver's first line for the disk.
order_check() {
	local first_dma first_drv
	first_dma=$(grep -n "$DISK_PCI: xen_dma: mode" /tmp/boot.dmesg | head -n 1 | cut -d: -f1)
	first_drv=$(grep -n -E "(nvme|virtio_blk|virtio-pci) .*$DISK_PCI|^.*nvme nvme0: pci function" /tmp/boot.dmesg |
		grep -v 'xen_dma' | head -n 1 | cut -d: -f1)
	if [ -n "$first_dma" ] && [ -n "$first_drv" ] && [ "$first_dma" -lt "$first_drv" ]; then
		result PASS order "$DISK_PCI was attached (log line $first_dma) before its driver probed (line $first_drv)"
	else
		result FAIL order "attach at log line ${first_dma:-none}, driver at ${first_drv:-none}"
	fi
}

# xen_dma_expect_refused=PARAM: the command line gave PARAM a bad value;
# built in, xen-dma must then attach nothing and say why.
refused_check() {
	local param=$1
	# Built in, the kernel names the parameter xen_dma.PARAM.
	if grep -q "xen_dma: xen_dma\.$param= was refused (above): attaching nothing" /tmp/boot.dmesg &&
	   grep -q "xen_dma: $param=" /tmp/boot.dmesg; then
		result PASS refused "$param= refused: $(grep -m 1 "xen_dma: $param=" /tmp/boot.dmesg | sed 's/^\[[^]]*\] //')"
	else
		result FAIL refused "no message that $param= was refused and nothing attached"
	fi
	if [ ! -e "$SYS/devices" ]; then
		result PASS own-ops "nothing attached: the disk keeps the kernel's own DMA ops (no $SYS)"
	else
		result FAIL own-ops "$SYS exists: xen_dma started despite the refused $param="
	fi
}

run_test() {
	local root refused
	boot_log_check
	if [ -d /sys/module/xen_dma ] && ! grep -q '^xen_dma ' /proc/modules; then
		result PASS builtin "xen_dma is built in ($(uname -r))"
	else
		result FAIL builtin "xen_dma is not built into $(uname -r)"
	fi
	# The kernel names the root it mounted /dev/root: compare numbers
	# (mountinfo's third field; the last mount on / is the one in use).
	root=$(awk '$5 == "/" { print $3 }' /proc/self/mountinfo | tail -n 1)
	if [ -n "$root" ] && [ "$root" = "$(cat "/sys/class/block/${DISK##*/}/dev" 2>/dev/null)" ]; then
		result PASS root "/ is on $DISK ($root, $(awk '$2 == "/" { print $3 }' /proc/mounts | tail -n 1))"
	else
		result FAIL root "/ is on device ${root:-unknown}, not on $DISK"
	fi
	refused=$(arg xen_dma_expect_refused "")
	if [ -n "$refused" ]; then
		refused_check "$refused"
		# The disk works on the kernel's own ops all the same.
		DISK=/xen-dma-data
		: >"$DISK"
		disk_check
		return
	fi
	order_check
	if attached "$DISK_PCI"; then
		result PASS attach "$DISK_PCI attached from the command line ($(grep "^$DISK_PCI " "$SYS/devices"))"
	else
		result FAIL attach "$DISK_PCI not attached: $(cat "$SYS/devices" 2>/dev/null)"
	fi
	# The data check on a file of the root file system: the root disk's
	# I/O all goes through xen-dma.
	DISK=/xen-dma-data
	: >"$DISK"
	disk_check
	rm -f "$DISK"
	check_stats "$DISK_PCI"
}
