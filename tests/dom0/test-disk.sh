# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "disk" (tests/dom0/cases): xen_dma attached to the disk at load
# (devices=) or through sysfs, before its driver binds; then the data check
# and the debugfs numbers. Sourced by tests/dom0/init.sh.

run_test() {
	if load_module; then
		[ -n "$NVME" ] && attach "$NVME"
	fi
	for m in $DISK_MODS; do
		modprobe "$m" || result FAIL driver "modprobe $m failed"
	done
	if [ -z "$NVME" ]; then
		result FAIL disk "no $DISK_KIND disk (class $DISK_CLASS) on the PCI bus"
	else
		disk_check
		check_stats "$NVME"
	fi
	show_debugfs
}
