# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "foreign" (tests/dom0/cases): Xen's toolstack in dom0, a domU whose
# disk is dom0's disk through xen-blkback. Sourced by tests/dom0/init.sh.

# bg_log NAME CMD...: runs a daemon, its output in /tmp/NAME.log.
bg_log() {
	name=$1
	shift
	"$@" >"/tmp/$name.log" 2>&1 &
}

# start_toolstack: xenfs, the backend drivers' devices, xenstored,
# xen-init-dom0 and xenconsoled (guest consoles logged to files).
start_toolstack() {
	local xenbin
	# /usr/lib/xen-<version>/bin: whichever Xen the stack ships.
	for xenbin in /usr/lib/xen-*/bin; do :; done
	export PATH=/bin:/sbin:/usr/bin:/usr/sbin:$xenbin
	for m in xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd; do
		modprobe "$m" || { result FAIL toolstack "modprobe $m failed"; return 1; }
	done
	# An earlier case of this boot started it (init.sh's case_reset
	# leaves it running).
	if [ -s /var/run/xenstored.pid ] && kill -0 "$(cat /var/run/xenstored.pid)" 2>/dev/null &&
	   xenstore-exists /local 2>/dev/null; then
		result PASS toolstack "xenstored, xen-init-dom0 and xenconsoled running since an earlier case"
		return 0
	fi
	mkdir -p /proc/xen /dev/pts /var/run/xen /var/run/xenstored /var/lib/xen/dump \
		/var/lib/xenstored /var/log/xen/console /var/lock /run
	mount -t xenfs xenfs /proc/xen
	mount -t devpts devpts /dev/pts
	# devtmpfs lacks these; the hotplug scripts' locking loops without them.
	ln -sf /proc/self/fd /dev/fd
	ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout
	ln -sf /proc/self/fd/2 /dev/stderr
	bg_log xenstored xenstored --no-fork --pid-file /var/run/xenstored.pid
	i=0
	until xenstore-exists /local 2>/dev/null || [ $i -gt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	if ! xen-init-dom0 >/tmp/xen-init-dom0.log 2>&1; then
		result FAIL toolstack "xen-init-dom0 failed: $(tail -n 2 /tmp/xen-init-dom0.log | tr '\n' ' ')"
		return 1
	fi
	bg_log xenconsoled xenconsoled --interactive --log=guest --log-dir=/var/log/xen/console
	usleep 500000
	result PASS toolstack "xenstored, xen-init-dom0 and xenconsoled running"
}

# *-foreign*: a domU whose disk is dom0's disk through xen-blkback; the
# domU's I/O makes dom0's disk driver DMA to the domU's grant-mapped pages:
# foreign pages for xen_dma (by machine frame on PV and on a 1:1 Arm dom0,
# by guest frame through the IOMMU on PVH).
# domu_state: where a domU that never finished is: its vCPUs (state, CPU
# time) and vCPU 0's registers (xenctx), for a domU that never printed.
domu_state() {
	local id ctx
	say "the domain builder's layout (xl -vvv create):"
	grep -E 'xc_dom_alloc_segment|entry|bootlate|populate|memory' /tmp/xl.log |
		head -n 30 | sed 's/^/  xl: /'
	say "the domU's memory and vCPUs:"
	{ xl list domu; xl vcpu-list domu; } 2>&1 | sed 's/^/  xl: /'
	id=$(xl domid domu 2>/dev/null) || return 0
	for ctx in /usr/lib/xen-*/bin/xenctx; do :; done
	[ -x "$ctx" ] || return 0
	say "the domU's vCPU 0 (xenctx):"
	"$ctx" -a -S "$id" 0 2>&1 | head -n 60 | sed 's/^/  xenctx: /'
	# Xen's register dump of every physical CPU (debug key d) shows a
	# guest's exception state too (ESR_EL1, FAR_EL1 on Arm).
	xl debug-keys d
	say "Xen's register dump (xl debug-keys d):"
	xl dmesg | tail -n 120 | sed 's/^/  xen: /'
}

# run_domu LABEL: one PV domU on $DISK; its checks become ours, prefixed
# domu-, and its 128 KiB read rate (MiB/s) lands in /tmp/domu-LABEL.rate.
run_domu() {
	local t0 t1 tmo end con
	t0=$(cut -d' ' -f1 /proc/uptime)
	# Verbose: where the domain builder put what, for a domU that hangs.
	if xl -vvv create /etc/xen/domu.cfg >/tmp/xl.log 2>&1; then
		result PASS domu "$1: xl create: PV domU with disk phy:$DISK (xen-blkback, no persistent grants)"
	else
		result FAIL domu "$1: xl create failed: $(grep -iE 'error|fail' /tmp/xl.log | tail -n 3 | tr '\n' ' ')"
		sed 's/^/  xl: /' /tmp/xl.log
		return 1
	fi
	# Until the domU powers itself off (on_poweroff=destroy).
	tmo=$(arg xen_dma_domu_timeout 600)
	# By the clock: under TCG each xl call takes seconds of its own.
	end=$((${t0%.*} + tmo))
	while xl list domu >/dev/null 2>&1 && [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
		usleep 500000
	done
	t1=$(cut -d' ' -f1 /proc/uptime)
	con=/var/log/xen/console/guest-domu.log
	if xl list domu >/dev/null 2>&1; then
		result FAIL domu "$1: the domU still runs after $tmo s; destroyed"
		domu_state
		xl destroy domu
	fi
	say "$1: domU ran for $(secs "$t0" "$t1") s; its console:"
	tr -d '\r' <"$con" | sed 's/^/  domU: /'
	if ! grep -q '^XEN_DMA_DOMU_DONE' "$con" 2>/dev/null; then
		result FAIL domu "$1: the domU did not finish its test (console $con)"
	fi
	tr -d '\r' <"$con" | sed -nE 's/^XEN_DMA_DOMU (PASS|FAIL) ([^:]*): /\1 domu-\2 /p' >/tmp/domu.res
	while read -r v c d; do
		result "$v" "$c" "$1: $d"
	done </tmp/domu.res
	tr -d '\r' <"$con" | sed -n 's/^XEN_DMA_DOMU_RATE //p' >"/tmp/domu-$1.rate"
	# The next domU's console starts afresh.
	mv "$con" "$con.$1"
}

# pv-foreign*, pvh-foreign: see above. With xen_dma_domu_compare=1 a second
# domU then runs on the kernel's own ops ($BASE, the NVMe detached from
# xen_dma at run time) and the two read rates are compared.
run_test() {
	local fo x b mode
	BASE=$(arg xen_dma_base swiotlb-xen)
	disk_up attach || return
	# Every request maps fresh domU pages (no persistent grants).
	modprobe xen-blkback feature_persistent=0 ||
		{ result FAIL driver "modprobe xen-blkback failed"; return; }
	start_toolstack || return
	cat >/etc/xen/domu.cfg <<-EOF
	name = "domu"
	type = "$(arg xen_dma_domu_type pv)"
	kernel = "/domu/vmlinuz"
	ramdisk = "/domu/initrd.gz"
	extra = "console=hvc0 quiet xen_dma_mb=$MB"
	memory = 384
	vcpus = 1
	disk = [ 'phy:$DISK,xvda,w' ]
	on_poweroff = "destroy"
	on_crash = "destroy"
	EOF
	run_domu xen_dma || return
	check_stats "$DISK_PCI"
	mode=$(stat "$DISK_PCI" mode)
	fo=$(stat "$DISK_PCI" foreign)
	if [ "${fo:-0}" -gt 0 ] 2>/dev/null; then
		result PASS foreign "$fo mappings of the domU's (foreign) pages went through xen_dma"
	else
		result FAIL foreign "no foreign page went through xen_dma (foreign=${fo:-?})"
	fi
	if [ "$(arg xen_dma_domu_compare 0)" = 1 ] && compare_detach "domU compare"; then
		run_domu "$BASE"
		x=$(cat /tmp/domu-xen_dma.rate 2>/dev/null)
		b=$(cat "/tmp/domu-$BASE.rate" 2>/dev/null)
		if [ -n "$x" ] && [ -n "$b" ]; then
			result PASS perf-domu "the domU's O_DIRECT reads, 128 KiB: xen_dma $mode $x MiB/s, $BASE $b MiB/s, ratio xen_dma/$BASE $(awk -v x="$x" -v b="$b" 'BEGIN { printf "%.2f", x / b }')"
		else
			result FAIL perf-domu "no read rate from one of the domUs (xen_dma: ${x:-none}, $BASE: ${b:-none})"
		fi
	fi
	for f in xenstored xenconsoled; do
		[ -s /tmp/$f.log ] && sed "s/^/  $f: /" /tmp/$f.log
	done
	show_debugfs
}
