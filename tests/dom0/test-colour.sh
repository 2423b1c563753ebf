# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "colour" (tests/dom0/cases): an Arm64 dom0 that is not 1:1 (Xen's
# cache colouring), with both an NVMe and a virtio-blk disk. Prints dom0's
# view (Xen's feature bits, what xen_dma chose and why, pool segments and a
# few pfn -> bus translations), then, as the case's command line says:
#   default                 xen_dma attached to both disks at load (devices=),
#                           the data check and the debugfs numbers on each;
#   xen_dma_own=after       then both disks detached, back on the kernel's
#                           own DMA ops, and the data check once more;
#   xen_dma_own=only        no xen_dma at all: the kernel's own DMA ops only.
# xen_dma_own_expect=works|fails says what the kernel's own ops must do on
# this machine: a case whose own-ops outcome differs is not the machine it
# claims to be. Sourced by tests/dom0/init.sh.

# Xen's feature bits as dom0 sees them (XENFEAT_not_direct_mapped is bit 16,
# XENFEAT_direct_mapped bit 17, xen/include/public/features.h).
colour_view() {
	local f
	f=$(cat /sys/hypervisor/properties/features 2>/dev/null)
	if [ -z "$f" ]; then
		result FAIL view "no /sys/hypervisor/properties/features"
		return
	fi
	if [ $(((0x$f >> 16) & 1)) = 1 ] && [ $(((0x$f >> 17) & 1)) = 0 ]; then
		result PASS view "Xen features 0x$f: not_direct_mapped=1 direct_mapped=0: dom0 is not 1:1"
	else
		result FAIL view "Xen features 0x$f: not_direct_mapped=$(((0x$f >> 16) & 1)) direct_mapped=$(((0x$f >> 17) & 1)), expected a dom0 that is not 1:1"
	fi
}

# own_io: 8 MiB of random data written to $DISK and read back with O_DIRECT;
# prints what happened, returns 0 only when the data came back intact.
own_io() {
	if ! pattern_write 8; then
		echo "the O_DIRECT write failed: $(tail -n 1 /tmp/dd.err)"
		return 1
	fi
	if ! pattern_matches 128 8; then
		echo "8 MiB read back wrong (sha256 ${GOT%"${GOT#????????????????}"}, wrote ${WANT%"${WANT#????????????????}"}) $(tail -n 1 /tmp/dd.err)"
		return 1
	fi
	echo "8 MiB written and read back intact"
}

# own_check: the data check under the kernel's own DMA ops, which may hang
# or corrupt memory on this machine: it runs in the background and is given
# 30 s (it takes 3-5 s where it works); the outcome is compared with
# xen_dma_own_expect.
own_check() {
	local own_want outcome worked=no i=0
	own_want=$(arg xen_dma_own_expect fails)
	if ! wait_for "$DISK" 20; then
		outcome="no $DISK: the driver gave up ($(dmesg | grep -iE 'nvme|virtio_blk' | grep -iE 'fail|error|remov|timeout' | tail -n 1 | sed 's/^\[[^]]*\] //'))"
	else
		rm -f /tmp/own.rc
		(own_io >/tmp/own.out 2>&1; echo $? >/tmp/own.rc) &
		while [ ! -e /tmp/own.rc ] && [ $i -lt 300 ]; do
			usleep 100000
			i=$((i + 1))
		done
		if [ ! -e /tmp/own.rc ]; then
			outcome="I/O on $DISK hung for 30 s"
		else
			outcome=$(cat /tmp/own.out)
			[ "$(cat /tmp/own.rc)" = 0 ] && worked=yes
		fi
	fi
	if [ "$own_want" = works ] && [ $worked = yes ]; then
		result PASS own-ops "$DISK_KIND under the kernel's own DMA ops: $outcome"
	elif [ "$own_want" = fails ] && [ $worked = no ]; then
		result PASS own-ops "$DISK_KIND under the kernel's own DMA ops fails, as expected on this machine: $outcome"
	else
		result FAIL own-ops "$DISK_KIND under the kernel's own DMA ops: $outcome (expected it $own_want)"
	fi
}

# own_after KIND: detach KIND's device from xen_dma (its driver is unbound
# and bound again), then the data check under the kernel's own ops.
own_after() {
	use_disk "$1"
	if ! echo "$DISK_PCI" >"$SYS/detach"; then
		result FAIL detach "writing $DISK_PCI to $SYS/detach failed"
		return
	fi
	say "$DISK_PCI detached from xen_dma: the kernel's own DMA ops from here on"
	own_check
}

# The pool's machine frames (debugfs translations) must be dom0's colours:
# xen_dma_colours=FIRST-LAST/NR (scripts/dom0/run.sh), colour = frame % NR.
check_colours() {
	local spec first last nr b k i c bad=0 frames=0
	spec=$(arg xen_dma_colours "")
	[ -n "$spec" ] || return 0
	nr=${spec#*/} first=${spec%%-*} last=${spec%/*}
	last=${last#*-}
	sed -n 's/^machine pool segment [0-9]*: pfn 0x[0-9a-f]* -> bus frame \(0x[0-9a-f]*\), \([0-9]*\) KiB$/\1 \2/p' \
		"$DBG/translations" >/tmp/pool.frames
	while read -r b k; do
		i=0
		while [ $i -lt $((k / 4)) ]; do
			c=$(((b + i) % nr))
			[ $c -lt "$first" ] || [ $c -gt "$last" ] && bad=$((bad + 1))
			i=$((i + 1))
		done
		frames=$((frames + k / 4))
	done </tmp/pool.frames
	if [ $bad = 0 ] && [ $frames -gt 0 ]; then
		result PASS colours "all $frames machine frames of the pool are dom0's colours ($first-$last of $nr)"
	else
		result FAIL colours "$bad of $frames machine frames of the pool are outside dom0's colours $first-$last of $nr"
	fi
}

# unload: unbind both disks' drivers (rebinding them under the kernel's own
# ops would hang them on this machine), then rmmod xen_dma: the pool and the
# frames it learnt machine addresses through go back, with nothing logged.
unload() {
	local kind before
	for kind in nvme virtio; do
		use_disk "$kind"
		[ -e "/sys/bus/pci/devices/$DISK_PCI/driver" ] &&
			echo "$DISK_PCI" >"/sys/bus/pci/devices/$DISK_PCI/driver/unbind"
	done
	before=$(dmesg | wc -l)
	if rmmod xen_dma; then
		result PASS unload "both drivers unbound, xen_dma unloaded: $(dmesg | tail -n +"$((before + 1))" | grep -c 'xen_dma') xen_dma messages"
	else
		result FAIL unload "rmmod xen_dma failed"
	fi
}

run_test() {
	local own kind
	own=$(arg xen_dma_own none)
	colour_view
	if [ "$own" = only ]; then
		for kind in nvme virtio; do
			use_disk "$kind"
			# Module probes may block for as long as the driver
			# waits for its device: in the background.
			for m in $DISK_MODS; do modprobe "$m" & done
		done
		for kind in nvme virtio; do
			use_disk "$kind"
			own_check
		done
		return
	fi
	for kind in nvme virtio; do
		use_disk "$kind"
		say "data check on the $kind disk ($DISK_PCI, $DISK)"
		disk_up attach || continue
		disk_check
		check_stats "$DISK_PCI"
	done
	show_debugfs
	if [ "$EXPECT" = bounce ]; then
		check_colours
		unload
	fi
	if [ "$own" = after ]; then
		for kind in nvme virtio; do
			own_after "$kind"
		done
	fi
}
