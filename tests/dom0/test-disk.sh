# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "disk" (tests/dom0/cases): xen_dma attached to the disk at load
# (devices=) or through sysfs, before its driver binds; then the data check
# and the debugfs numbers. Sourced by tests/dom0/init.sh.

run_test() {
	if disk_up attach; then
		disk_check
		check_stats "$DISK_PCI"
	fi
	show_debugfs
}
