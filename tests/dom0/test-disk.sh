# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "disk" (tests/dom0/cases): xen_dma attached to the disk at load
# (devices=) or through sysfs, before its driver binds; then the data check
# and the debugfs numbers. Sourced by tests/dom0/init.sh.

# With devices=all: every PCI device but bridges (class 0x06) is attached.
all_check() {
	local d class name listed=0 bad=
	for d in /sys/bus/pci/devices/*; do
		name=${d##*/}
		class=$(cat "$d/class")
		if attached "$name"; then
			listed=$((listed + 1))
			case "$class" in 0x06*) bad="$bad $name(bridge)" ;; esac
		else
			case "$class" in 0x06*) ;; *) bad="$bad $name(not attached)" ;; esac
		fi
	done
	if [ -z "$bad" ] && [ $listed -gt 0 ]; then
		result PASS all "devices=all attached the $listed PCI devices that are not bridges"
	else
		result FAIL all "devices=all:$bad"
	fi
}

run_test() {
	[ "$(arg xen_dma.devices "")" = all ] && load_module && all_check
	if disk_up attach; then
		disk_check
		check_stats "$DISK_PCI"
	fi
	show_debugfs
}
