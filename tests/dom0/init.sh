#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
# (busybox ash: POSIX sh plus local)
#
# /init of the dom0 test initramfs (busybox sh). Runs the cases named on
# the kernel command line, one after the other, and reports one line per
# check:
#
#   XEN_DMA_RESULT <case> PASS|FAIL <check>: <detail>
#
# then XEN_DMA_DONE <case>; after the last one it powers the machine off.
# Each case loads xen_dma before the device drivers, so their DMA goes
# through it, and leaves nothing loaded that it loaded (case_reset in
# lib.sh), so the next case starts as on a fresh boot.
#
# Command line (after the kernel's own options):
#   xen_dma_cases=NAME,...   cases of tests/dom0/cases (installed as
#                            /etc/xen-dma/cases), whose test column names the
#                            file run: /lib/xen-dma/test-<test>.sh; a case's
#                            parameters are the rest of its line there;
#                            xen_dma_case=NAME is one case, "shell" a shell
# Parameters (a case's, then the command line's: the last of a name wins):
#   xen_dma.PARAM=VALUE      passed to the module (busybox insmod does not
#                            read /proc/cmdline, so this script does)
#   xen_dma_mb=N             MiB written and read back (default 64)
#   xen_dma_disk=nvme|virtio the disk to test (default nvme)
#   xen_dma_expect=MODE      the mode the attached devices must report
#                            (default: mode= if forced, else translate: PV)
#   xen_dma_reps=N           *-compare: runs per setting (default 3)
#   xen_dma_passes=N         *-compare: reads of the MB MiB per timed run
#                            (default 4)
#   xen_dma_compare=M,M      *-compare: xen_dma modes compared with the
#                            kernel's own ops (default auto,bounce; auto = the
#                            flags' choice, others reload the module)
#   xen_dma_base=NAME        *-compare: what the kernel's own ops are called
#                            (default swiotlb-xen; dma-direct on PVH)
#   xen_dma_fragment_mb=N    pv-fragment: MiB scrambled per check run
#                            (default 128)
#   xen_dma_segments=K,K     pv-segments: segment sizes in KiB (default
#                            256,1024,4096)
#   xen_dma_pool_mb=N        pv-segments: the pool at each load (default 64)
#   xen_dma_bench_ms=N       *-bench: milliseconds per timed case
#
# The helpers are in /lib/xen-dma/lib.sh (tests/dom0/lib.sh).

/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mkdir -p /proc /sys /dev /tmp /sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs -o size=512m tmpfs /tmp
ln -sf /bin/busybox /sbin/modprobe	# for the kernel's request_module()

# Kernel messages go to the end of each case's log, not between our lines.
dmesg -n 1

# shellcheck source=tests/dom0/case-table.sh
XEN_DMA_CASES=/etc/xen-dma/cases . /lib/xen-dma/case-table.sh
# shellcheck source=tests/dom0/lib.sh
. /lib/xen-dma/lib.sh

DBG=/sys/kernel/debug/xen_dma
SYS=/sys/kernel/xen_dma
if [ -r /sys/hypervisor/type ]; then
	say "hypervisor: $(cat /sys/hypervisor/type) $(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)"
fi
# What a case may leave loaded is removed before the next one starts.
BOOT_MODULES=$(cut -d' ' -f1 /proc/modules | tr '\n' ' ')

# run_case: the case $CASE, from its parameters to XEN_DMA_DONE.
run_case() {
	local test bad case_t0
	# (Not t0: the tests' helpers use that name; ash's local is dynamic.)
	case_t0=$(cut -d' ' -f1 /proc/uptime)
	npass=0
	nfail=0
	# Kernel messages from here on belong to this case.
	dmesg_start=$(dmesg | wc -l)
	CASE_ARGS=$(case_args "$CASE")
	say "case $CASE, kernel $(uname -r), parameters: $CASE_ARGS"
	MB=$(arg xen_dma_mb 64)
	FORCED=$(arg xen_dma.mode auto)
	if [ "$FORCED" = auto ]; then EXPECT=$(arg xen_dma_expect translate)
	else EXPECT=$(arg xen_dma_expect "$FORCED"); fi
	use_disk "$(arg xen_dma_disk nvme)"
	NIC=$(pci_by_class 0x020000)
	say "$DISK_KIND disk at ${DISK_PCI:-none}, NIC at ${NIC:-none}"

	test=$(case_get "$CASE" test)
	if [ -n "$test" ] && [ -r "/lib/xen-dma/test-$test.sh" ]; then
		# shellcheck source=tests/dom0/test-disk.sh
		. "/lib/xen-dma/test-$test.sh"
		run_test
	else
		result FAIL case "unknown case '$CASE' (tests/dom0/cases)"
	fi
	[ "$LAST" = 1 ] || case_reset

	# Anything the kernel complained about during the case is a failure.
	# (An unsigned out-of-tree module taints the kernel: expected.)
	dmesg | tail -n +"$((dmesg_start + 1))" >/tmp/dmesg
	bad='WARNING:|BUG:|Oops|general protection|Call Trace|xen_dma:.*(error|fail)'
	grep -E "$bad" /tmp/dmesg | grep -v 'module verification failed' >/tmp/bad
	if [ -s /tmp/bad ]; then
		result FAIL kernel "$(wc -l </tmp/bad) suspicious kernel messages, first: $(head -n 1 /tmp/bad)"
	else
		result PASS kernel "no warning, oops or xen_dma error in dmesg"
	fi
	say "kernel messages during $CASE:"
	sed 's/^/  dmesg: /' /tmp/dmesg
	echo "XEN_DMA_DONE $CASE $npass passed $nfail failed in $(secs "$case_t0" "$(cut -d' ' -f1 /proc/uptime)") s"
}

# The boot's cases, in order (scripts/dom0/run.sh groups them); one case
# alone (xen_dma_case=) or a shell with xen_dma loaded.
CASES=$(arg xen_dma_cases "$(arg xen_dma_case shell)" | tr ',' ' ')
if [ "$CASES" = shell ]; then
	CASE=shell CASE_ARGS=
	load_module
	exec setsid cttyhack sh
fi
LAST=0
for CASE in $CASES; do
	[ "$CASE" = "${CASES##* }" ] && LAST=1
	run_case
	if [ "$LAST" = 0 ] && [ -e /tmp/reset.failed ]; then
		# The next case would not start clean: scripts/dom0/run.sh
		# boots the cases not done again.
		say "case $CASE did not leave the machine clean ($(cat /tmp/reset.failed)): no more cases in this boot"
		break
	fi
done

# In the background, for at most 5 s: a disk whose I/O hung (the kernel's
# own DMA ops on a machine they cannot serve) would block sync for ever,
# and a power-off too, which shuts the disk's driver down. Then only an
# emergency restart ends the boot (QEMU runs with -no-reboot).
sync &
i=0
while [ $i -lt 50 ] && kill -0 $! 2>/dev/null; do
	usleep 100000
	i=$((i + 1))
done
if kill -0 $! 2>/dev/null; then
	echo "xen-dma-test: I/O still hangs: emergency restart"
	echo b >/proc/sysrq-trigger
fi
poweroff -f
