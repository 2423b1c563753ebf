# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "safety" (tests/dom0/cases): attach, detach and unload never pull a
# disk from under its users. Sourced by tests/dom0/init.sh.

# refused WHAT CHECK CMD...: runs CMD, which must fail with EBUSY ("busy")
# and leave the disk readable; the kernel's last xen_dma message must name
# what holds the disk.
refused() {
	local what=$1 check=$2 before msg
	shift 2
	before=$(dmesg | wc -l)
	if "$@" 2>/tmp/refused.err; then
		result FAIL "$check" "$what succeeded while $DISK was open"
		return 1
	fi
	msg=$(dmesg | tail -n +"$((before + 1))" | grep 'xen_dma' | tail -n 1 | sed 's/^\[[^]]*\] //')
	if ! grep -qi 'busy' /tmp/refused.err; then
		result FAIL "$check" "$what failed, but not with EBUSY: $(cat /tmp/refused.err)"
	elif [ -n "$msg" ] && ! echo "$msg" | grep -q 'is open or mounted'; then
		result FAIL "$check" "$what refused, but the log does not name the holder: $msg"
	elif ! disk_ready; then
		result FAIL "$check" "$what refused, but $DISK no longer reads"
	else
		result PASS "$check" "$what refused with EBUSY, $DISK still reads${msg:+; the log: $msg}"
	fi
}

# sysfs_write FILE VALUE: echo VALUE >FILE in a subshell, so that its error
# is on stderr and the test goes on.
sysfs_write() { (echo "$2" >"$1"); }

run_test() {
	# The disk on the kernel's own DMA ops, its driver bound, and held
	# open as a mounted file system or a guest's blkback would hold it.
	disk_up || return
	exec 3<"$DISK"
	refused "attaching $DISK_PCI" busy-attach sysfs_write "$SYS/attach" "$DISK_PCI"
	if attached "$DISK_PCI"; then
		result FAIL busy-attach "$SYS/devices lists $DISK_PCI after a refused attach"
	fi
	exec 3<&-
	compare_attach "$DISK closed" || return
	exec 3<"$DISK"
	refused "detaching $DISK_PCI" busy-detach sysfs_write "$SYS/detach" "$DISK_PCI"
	attached "$DISK_PCI" ||
		result FAIL busy-detach "$SYS/devices no longer lists $DISK_PCI after a refused detach"
	exec 3<&-
	# Unloading would take the ops from under the driver: refused while
	# a driver is bound to an attached device, open or not.
	if rmmod xen_dma 2>/tmp/rmmod.err; then
		result FAIL busy-unload "rmmod xen_dma succeeded with $DISK_PCI attached and its driver bound"
		return
	fi
	if grep -q '^xen_dma ' /proc/modules && disk_ready; then
		result PASS busy-unload "rmmod xen_dma refused while $DISK_PCI is attached and bound ($(cat /tmp/rmmod.err)), $DISK still reads"
	else
		result FAIL busy-unload "rmmod xen_dma failed, but xen_dma or $DISK is gone"
	fi
	disk_check
	check_stats "$DISK_PCI"
	compare_detach "idle" || return
	if rmmod xen_dma; then
		result PASS unload "xen_dma unloaded once nothing attached had a driver"
	else
		result FAIL unload "rmmod xen_dma failed with nothing attached"
	fi
}
