#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
# (busybox ash: POSIX sh plus local)
#
# /init of the dom0 test initramfs (busybox sh). Loads xen_dma before the
# device drivers, so their DMA goes through it, runs the case named by
# xen_dma_case= on the kernel command line, and reports one line per check:
#
#   XEN_DMA_RESULT <case> PASS|FAIL <check>: <detail>
#
# then XEN_DMA_DONE <case>, and powers the machine off.
#
# Command line (after the kernel's own options):
#   xen_dma_case=NAME        pv-*, pvh-*, arm-*, demo, shell (scripts/dom0/run.sh
#                            lists them)
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

/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mkdir -p /proc /sys /dev /tmp /sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs -o size=512m tmpfs /tmp
ln -sf /bin/busybox /sbin/modprobe	# for the kernel's request_module()

# Kernel messages from here on go to the end of the log, not between our lines.
dmesg_start=$(dmesg | wc -l)
dmesg -n 1

arg() {	# arg NAME DEFAULT: the value of NAME= on the kernel command line
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -n 1)
	echo "${v:-$2}"
}

CASE=$(arg xen_dma_case shell)
MB=$(arg xen_dma_mb 64)
FORCED=$(arg xen_dma.mode auto)
if [ "$FORCED" = auto ]; then EXPECT=$(arg xen_dma_expect translate)
else EXPECT=$(arg xen_dma_expect "$FORCED"); fi
DBG=/sys/kernel/debug/xen_dma
SYS=/sys/kernel/xen_dma
npass=0
nfail=0

say() { echo "xen-dma-test: $*"; }
result() {	# result PASS|FAIL CHECK DETAIL...
	local r="$1" c="$2"
	shift 2
	[ "$r" = PASS ] && npass=$((npass + 1)) || nfail=$((nfail + 1))
	echo "XEN_DMA_RESULT $CASE $r $c: $*"
}

# The first PCI device of a class (e.g. 0x010802, NVMe), as DDDD:BB:DD.F.
pci_by_class() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/class")" = "$1" ] && { basename "$d"; return 0; }
	done
	return 1
}

# stat DEVICE KEY: one number or word from the device's debugfs stats.
stat() {
	sed -n "s/^$2:[[:space:]]*//p" "$DBG/devices/$1/stats" 2>/dev/null | head -n 1
}

load_module() {
	args=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^xen_dma\.//p' | tr '\n' ' ')
	args=${args% }
	say "insmod xen_dma.ko $args"
	# shellcheck disable=SC2086
	if insmod /lib/modules/xen_dma.ko $args; then
		result PASS load "xen_dma loaded with: ${args:-no parameters}"
	else
		result FAIL load "insmod xen_dma.ko $args failed"
		return 1
	fi
	dmesg | grep 'xen_dma:' | sed 's/^/  /'
}

# attach DEVICE: make sure xen_dma manages DEVICE before its driver binds.
attach() {
	if [ -r "$SYS/devices" ] && grep -q "$1" "$SYS/devices"; then
		result PASS attach "$1 attached at load (devices=)"
	elif [ -w "$SYS/attach" ]; then
		if echo "$1" >"$SYS/attach"; then
			result PASS attach "$1 attached through $SYS/attach"
		else
			result FAIL attach "writing $1 to $SYS/attach failed"
		fi
	else
		result FAIL attach "$1: module has neither devices= nor $SYS/attach"
	fi
}

# check_stats DEVICE: the mode it runs in and that DMA went through xen_dma.
check_stats() {
	dev=$1
	if [ ! -r "$DBG/devices/$dev/stats" ]; then
		result FAIL stats "no $DBG/devices/$dev/stats"
		return
	fi
	say "debugfs $DBG/devices/$dev/stats:"
	sed 's/^/  /' "$DBG/devices/$dev/stats"
	mode=$(stat "$dev" mode)
	maps=$(stat "$dev" maps)
	if [ "$mode" = "$EXPECT" ]; then
		result PASS mode "$dev runs in mode $mode ($(stat "$dev" reason))"
	else
		result FAIL mode "$dev runs in mode '$mode', expected $EXPECT"
	fi
	if [ "${maps:-0}" -gt 0 ] 2>/dev/null; then
		result PASS maps "$maps mappings of $dev went through xen_dma"
	else
		result FAIL maps "no mapping of $dev went through xen_dma (maps=${maps:-?})"
	fi
	b=$(stat "$dev" bounces)
	if [ "$EXPECT" = bounce ]; then
		if [ "${b:-0}" -gt 0 ] 2>/dev/null; then
			result PASS bounces "$b bounces, $(stat "$dev" bytes_bounced) bytes bounced"
		else
			result FAIL bounces "mode bounce but bounces=${b:-?}"
		fi
	elif [ "$EXPECT" = direct ]; then
		if [ "${b:-x}" = 0 ]; then
			result PASS bounces "mode direct and no bounce: the device got guest addresses as they are"
		else
			result FAIL bounces "mode direct but bounces=${b:-?}"
		fi
	fi
	# The pools' peak use must agree with the bounce count: coherent
	# buffers do not come from the pools, so no bounce means no slot used.
	hw=$(sed -n 's/^high_water_slots:[[:space:]]*//p' "$DBG/pools" 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }')
	if [ "${b:-0}" = 0 ] && [ "$hw" = 0 ]; then
		result PASS pool "no bounce and no pool slot ever used (high_water_slots 0)"
	elif [ "${b:-0}" -gt 0 ] 2>/dev/null && [ "$hw" -gt 0 ]; then
		result PASS pool "$b bounces used at most $hw pool slots at once"
	else
		result FAIL pool "bounces=${b:-?} but high_water_slots=$hw"
	fi
	f=$(stat "$dev" failures)
	if [ "${f:-0}" = 0 ]; then
		result PASS failures "no mapping failures"
	else
		result FAIL failures "$f mapping failures"
	fi
}

show_debugfs() {
	for f in "$DBG/pools" "$DBG/translations"; do
		[ -r "$f" ] || continue
		say "debugfs $f (first 20 lines):"
		head -n 20 "$f" | sed 's/^/  /'
	done
	show_lookups
}

# A few pfn -> bus frame translations through debugfs's lookup file: four
# consecutive RAM pages (from the first System RAM range of 64 MiB or more,
# at a 16 MiB-aligned pfn) and the first page of the first pool segment.
show_lookups() {
	[ -w "$DBG/lookup" ] || return 0
	base=$(sed -n 's/^\([0-9a-f]*\)-\([0-9a-f]*\) : System RAM$/\1 \2/p' /proc/iomem |
		while read -r a b; do
			if [ $((0x$b - 0x$a)) -ge $((64 << 20)) ]; then
				echo $((((0x$a >> 12) + 0xfff) & ~0xfff))
				break
			fi
		done)
	pfns=
	[ -n "$base" ] && pfns="$base $((base + 1)) $((base + 2)) $((base + 3))"
	seg=$(sed -n 's/^.* segment 0: pfn \(0x[0-9a-f]*\) .*/\1/p' "$DBG/translations" 2>/dev/null | head -n 1)
	[ -n "$seg" ] && pfns="$pfns $((seg))"
	say "debugfs $DBG/lookup (pfn -> bus frame the device is given):"
	for p in $pfns; do
		printf '%#x\n' "$p" >"$DBG/lookup" && echo "  lookup: $(cat "$DBG/lookup")"
	done
}

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# wait_for PATH SECONDS
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ "$i" -lt "$(($2 * 10))" ]; do
		usleep 100000
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# Writes MB MiB of random data with O_DIRECT, reads them back with O_DIRECT
# (in other request sizes), and compares checksums.
disk_check() {
	disk=$DISK
	if ! wait_for $disk 30; then
		result FAIL disk "$disk never appeared"
		return
	fi
	dd if=/dev/urandom of=/tmp/pattern bs=1M count="$MB" 2>/dev/null
	t0=$(cut -d' ' -f1 /proc/uptime)
	if ! dd if=/tmp/pattern of=$disk bs=1M oflag=direct conv=fsync 2>/tmp/dd.err; then
		result FAIL data "O_DIRECT write to $disk failed: $(tail -n 1 /tmp/dd.err)"
		return
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	# Request size in KiB : MiB read (4 KiB requests are slow under TCG).
	for spec in 128:$MB 1024:$MB 4:$((MB < 8 ? MB : 8)); do
		kb=${spec%:*} n=${spec#*:}
		ta=$(cut -d' ' -f1 /proc/uptime)
		got=$(dd if="$disk" bs="${kb}k" count=$((n * 1024 / kb)) iflag=direct \
			2>/tmp/dd.err | sha256sum | cut -d' ' -f1)
		want_n=$(head -c $((n * 1048576)) /tmp/pattern | sha256sum | cut -d' ' -f1)
		tb=$(cut -d' ' -f1 /proc/uptime)
		if [ "$got" = "$want_n" ]; then
			result PASS data "$n MiB read back with O_DIRECT in ${kb} KiB requests in $(secs "$ta" "$tb") s, sha256 matches (${got%"${got#????????????????}"})"
		else
			result FAIL data "$n MiB read back in ${kb} KiB requests: sha256 $got, wrote $want_n ($(tail -n 1 /tmp/dd.err))"
		fi
	done
	t2=$(cut -d' ' -f1 /proc/uptime)
	say "wrote $MB MiB in $(secs "$t0" "$t1") s, read everything back in $(secs "$t1" "$t2") s"
}

net_check() {
	nic=$1
	i=0
	while [ -z "$(ls "/sys/bus/pci/devices/$nic/net" 2>/dev/null)" ] && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	# shellcheck disable=SC2012
	ifc=$(ls "/sys/bus/pci/devices/$nic/net" 2>/dev/null | head -n 1)
	if [ -z "$ifc" ]; then
		result FAIL net "no network interface on $nic"
		return
	fi
	ip link set lo up
	ip link set "$ifc" up
	ip addr add 10.0.2.15/24 dev "$ifc"
	ip route add default via 10.0.2.2
	# e1000e needs a moment for the link to come up.
	i=0
	while [ "$(cat "/sys/class/net/$ifc/"operstate)" != up ] && [ $i -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	rx0=$(cat "/sys/class/net/$ifc/"statistics/rx_packets)
	if out=$(ping -c 5 -W 3 10.0.2.2 2>&1); then
		result PASS ping "$ifc: $(echo "$out" | grep 'packets transmitted')"
	else
		result FAIL ping "$ifc: ping 10.0.2.2 failed: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	fi
	rx1=$(cat "/sys/class/net/$ifc/"statistics/rx_packets)
	tx1=$(cat "/sys/class/net/$ifc/"statistics/tx_packets)
	say "$ifc: rx_packets $rx0 -> $rx1, tx_packets $tx1"
	# A bulk transfer when the host serves one (run.sh: xen_dma_http=PORT).
	port=$(arg xen_dma_http "")
	if [ -n "$port" ]; then
		want=$(wget -q -O - "http://10.0.2.2:$port/sha256" 2>/dev/null | cut -d' ' -f1)
		got=$(wget -q -O - "http://10.0.2.2:$port/blob" 2>/tmp/wget.err |
			sha256sum | cut -d' ' -f1)
		if [ -n "$want" ] && [ "$got" = "$want" ]; then
			result PASS download "blob fetched over $ifc, sha256 matches"
		else
			result FAIL download "blob over $ifc: sha256 $got, want ${want:-?} ($(tail -n 1 /tmp/wget.err))"
		fi
	fi
}

# Wall-clock seconds with microseconds (busybox date has no %N).
now() { adjtimex | awk '/time.tv_sec:/ { s = $2 } /time.tv_usec:/ { u = $2 } END { printf "%d.%06d", s, u }'; }

# attached DEVICE: whether /sys/kernel/xen_dma/devices lists DEVICE.
attached() { grep -q "^$1 " "$SYS/devices" 2>/dev/null; }

# disk_ready: waits (30 s at most) until $DISK is there and readable.
disk_ready() {
	i=0
	while [ $i -lt 300 ]; do
		dd if=$DISK of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null && return 0
		usleep 100000
		i=$((i + 1))
	done
	return 1
}

# timed_read LABEL KB: reads the first $MB MiB of $DISK with O_DIRECT in KB
# KiB requests into /dev/null, $PASSES times in a row, timed; appends
# "LABEL KB MiB/s" to /tmp/perf.
timed_read() {
	local ta tb rate n=0
	ta=$(now)
	while [ $n -lt "$PASSES" ]; do
		if ! dd if="$DISK" of=/dev/null bs="${2}k" count=$((MB * 1024 / $2)) iflag=direct 2>/tmp/dd.err; then
			result FAIL read "$1: O_DIRECT read of $DISK in $2 KiB requests failed: $(tail -n 1 /tmp/dd.err)"
			return
		fi
		n=$((n + 1))
	done
	tb=$(now)
	rate=$(awk -v a="$ta" -v b="$tb" -v mb="$((MB * PASSES))" 'BEGIN { printf "%.1f", mb / (b - a) }')
	say "  $1, $2 KiB requests: $((MB * PASSES)) MiB in $(secs "$ta" "$tb") s = $rate MiB/s"
	echo "$1 $2 $rate" >>/tmp/perf
}

# verify LABEL: untimed, checks the disk still holds the pattern ($WANT).
verify() {
	got=$(dd if=$DISK bs=128k count=$((MB * 8)) iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
	if [ "$got" = "$WANT" ]; then
		say "  $1: data read back matches"
	else
		result FAIL data "$1: $MB MiB read back: sha256 $got, wrote $WANT"
		echo "$1" >>/tmp/perf.bad
	fi
}

# measure LABEL: the timed reads (128 KiB then 1 MiB requests), then verify.
measure() {
	timed_read "$1" 128
	timed_read "$1" 1024
	verify "$1"
}

# compare_attach LABEL / compare_detach LABEL: sysfs attach/detach of $NVME
# at run time (the NVMe driver is unbound and bound again each time).
compare_attach() {
	if ! echo "$NVME" >"$SYS/attach"; then
		result FAIL attach "$1: writing $NVME to $SYS/attach failed"
		return 1
	fi
	if ! attached "$NVME"; then
		result FAIL attach "$1: $SYS/attach accepted $NVME but $SYS/devices does not list it"
		return 1
	fi
	if ! disk_ready; then
		result FAIL attach "$1: $DISK did not come back after attaching $NVME"
		return 1
	fi
	result PASS attach "$1: $NVME attached at run time ($(grep "^$NVME " "$SYS/devices")), $DISK back"
}
compare_detach() {
	if ! echo "$NVME" >"$SYS/detach"; then
		result FAIL detach "$1: writing $NVME to $SYS/detach failed"
		return 1
	fi
	if attached "$NVME"; then
		result FAIL detach "$1: $SYS/devices still lists $NVME after detach"
		return 1
	fi
	if ! disk_ready; then
		result FAIL detach "$1: $DISK did not come back after detaching $NVME"
		return 1
	fi
	result PASS detach "$1: $NVME detached, back on the kernel's own DMA ops ($BASE)"
}

# report KB MODE: MiB/s of xen_dma in MODE against the kernel's own ops
# ($BASE), mean of runs.
report() {
	awk -v kb="$1" -v m="$2" -v base="$BASE" '
		$2 == kb && $1 == base { s += $3; ns++; sl = sl " " $3 }
		$2 == kb && $1 == "xen_dma-" m { x += $3; nx++; xl = xl " " $3 }
		END {
			if (!ns || !nx) { print "FAIL missing runs"; exit }
			printf "PASS %s KiB requests: %s %.1f MiB/s (runs:%s), xen_dma %s %.1f MiB/s (runs:%s), ratio xen_dma/%s %.2f\n",
				kb, base, s / ns, sl, m, x / nx, xl, base, (x / nx) / (s / ns)
		}' /tmp/perf
}

# pv-compare, pvh-compare: NVMe O_DIRECT read throughput in one boot,
# alternating the kernel's own ops ($BASE: swiotlb-xen on PV, dma-direct on
# PVH) with xen_dma attached at run time through sysfs, in the mode from the
# flags and then (module reloaded) in the other modes of xen_dma_compare=.
compare_case() {
	local reps modes m run maps mode b kb line verdict
	reps=$(arg xen_dma_reps 3)
	BASE=$(arg xen_dma_base swiotlb-xen)
	PASSES=$(arg xen_dma_passes 4)
	modes=$(arg xen_dma_compare "auto bounce" | tr ',' ' ')
	: >/tmp/perf
	rm -f /tmp/perf.bad
	load_module || return
	modprobe nvme || result FAIL driver "modprobe nvme failed"
	if [ -z "$NVME" ] || ! wait_for $DISK 30 || ! disk_ready; then
		result FAIL disk "no NVMe disk ($DISK)"
		return
	fi
	if attached "$NVME"; then
		result FAIL attach "$NVME attached before the test attached it (devices= given?)"
		return
	fi
	dd if=/dev/urandom of=/tmp/pattern bs=1M count="$MB" 2>/dev/null
	WANT=$(sha256sum </tmp/pattern | cut -d' ' -f1)
	if ! dd if=/tmp/pattern of=$DISK bs=1M oflag=direct conv=fsync 2>/tmp/dd.err; then
		result FAIL data "O_DIRECT write to $DISK failed: $(tail -n 1 /tmp/dd.err)"
		return
	fi
	rm -f /tmp/pattern
	say "wrote $MB MiB of random data to $DISK through $BASE; $reps runs per setting"
	say "run: $BASE (xen_dma loaded, $NVME not attached)"
	measure "$BASE"
	for m in $modes; do
		if [ "$m" != auto ]; then
			if ! rmmod xen_dma; then
				result FAIL reload "rmmod xen_dma failed"
				break
			fi
			if insmod /lib/modules/xen_dma.ko mode="$m"; then
				result PASS reload "xen_dma unloaded and loaded again with mode=$m"
			else
				result FAIL reload "insmod xen_dma.ko mode=$m failed"
				break
			fi
		fi
		run=1
		while [ $run -le "$reps" ]; do
			compare_attach "$m run $run" || break
			mode=$(stat "$NVME" mode)
			say "run $run: xen_dma mode $mode"
			measure "xen_dma-$m"
			maps=$(stat "$NVME" maps)
			b=$(stat "$NVME" bounces)
			say "  xen_dma stats: maps $maps, bounces $b, failures $(stat "$NVME" failures)"
			if [ "$run" = 1 ]; then
				if [ "${maps:-0}" -gt 0 ] 2>/dev/null; then
					result PASS maps "$m: $maps mappings went through xen_dma (mode $mode, bounces $b)"
				else
					result FAIL maps "$m: no mapping went through xen_dma (maps=${maps:-?})"
				fi
			fi
			compare_detach "$m run $run" || break
			say "run $run: $BASE"
			measure "$BASE"
			run=$((run + 1))
		done
		# Attach once more after the detaches: re-attach must work.
		if [ "$m" = auto ] && compare_attach "re-attach"; then
			verify "xen_dma-re-attach"
			compare_detach "final"
		fi
	done
	for m in $modes; do
		for kb in 128 1024; do
			line=$(report $kb "$m")
			verdict=${line%% *}
			[ -f /tmp/perf.bad ] && verdict=FAIL
			result "$verdict" "perf-$m-${kb}k" "${line#* }"
		done
	done
	if [ -f /tmp/perf.bad ]; then
		result FAIL data "data mismatch in: $(tr '\n' ' ' </tmp/perf.bad)"
	else
		result PASS data "$MB MiB read back intact after every run ($(grep -c . /tmp/perf) timed reads)"
	fi
	show_debugfs
}

# run_bench LABEL: xen_dma_bench.ko times the DMA API on $NVME under
# whatever ops it has now; its lines go to the console for scripts/bench.sh.
run_bench() {
	local before
	before=$(dmesg | wc -l)
	say "bench: $1 on $NVME"
	# It prints, then stays loaded holding nothing.
	insmod /lib/modules/xen_dma_bench.ko device="$NVME" label="$1" \
		ms="$(arg xen_dma_bench_ms 150)" 2>/dev/null && rmmod xen_dma_bench
	dmesg | tail -n +"$((before + 1))" | sed -n 's/^.*xen_dma_bench: //p' >/tmp/bench
	cat /tmp/bench
	if attached "$NVME"; then
		say "bench: $1: xen_dma bounced $(stat "$NVME" bounces) of $(stat "$NVME" maps) mappings"
	fi
	if grep -q "^XEN_DMA_BENCH-END $1\$" /tmp/bench; then
		result PASS bench "$1: $(grep -c '^XEN_DMA_BENCH ' /tmp/bench) cases timed"
	else
		result FAIL bench "$1: the benchmark did not finish: $(tail -n 1 /tmp/bench)"
	fi
}

# *-bench: the benchmark under the kernel's own ops ($BASE), then under
# xen_dma attached at run time in each mode of xen_dma_compare= (auto = the
# flags' choice; the others reload the module), in one boot.
bench_case() {
	local modes m
	BASE=$(arg xen_dma_base swiotlb-xen)
	modes=$(arg xen_dma_compare "auto bounce" | tr ',' ' ')
	load_module || return
	for m in $DISK_MODS; do
		modprobe "$m" || result FAIL driver "modprobe $m failed"
	done
	if [ -z "$NVME" ] || ! wait_for $DISK 30 || ! disk_ready; then
		result FAIL disk "no disk ($DISK)"
		return
	fi
	run_bench "$BASE"
	for m in $modes; do
		if [ "$m" != auto ]; then
			rmmod xen_dma && insmod /lib/modules/xen_dma.ko mode="$m" ||
				{ result FAIL reload "xen_dma with mode=$m"; break; }
		fi
		compare_attach "$m" || break
		run_bench "xen_dma-$(stat "$NVME" mode)"
		compare_detach "$m" || break
	done
}

# run_fragment LABEL [MODULE-ARGS...]: xen_dma_fragment.ko scrambles
# $FRAG_MB MiB of dom0's memory and checks mappings there on $NVME from the
# device's side, under whatever ops it has now; its lines land in
# /tmp/frag-LABEL. Returns 1 when it did not finish.
run_fragment() {
	local before f=/tmp/frag-$1
	before=$(dmesg | wc -l)
	insmod /lib/modules/xen_dma_fragment.ko device="$NVME" label="$1" \
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
fragment_case() {
	local f
	FRAG_MB=$(arg xen_dma_fragment_mb 128)
	BASE=swiotlb-xen
	load_module || return
	modprobe nvme || result FAIL driver "modprobe nvme failed"
	if [ -z "$NVME" ] || ! wait_for $DISK 30 || ! disk_ready; then
		result FAIL disk "no NVMe disk ($DISK)"
		return
	fi
	if run_fragment "$BASE"; then
		say "$BASE on the scrambled memory: $(frag_count "$BASE" checks) checks, $(frag_count "$BASE" bad) wrong, $(frag_count "$BASE" refused) refused (recorded, not judged)"
	else
		say "$BASE: xen_dma_fragment did not finish"
	fi
	compare_attach "translate" || return
	disk_check
	check_stats "$NVME"
	f=$(stat "$NVME" failures)
	fragment_check xen_dma-translate
	# The refused mappings are its only failures.
	if [ "$(stat "$NVME" failures)" = "$((f + $(frag_count xen_dma-translate refused)))" ]; then
		result PASS failures "debugfs counts exactly the mappings xen_dma_fragment saw refused"
	else
		result FAIL failures "debugfs failures $(stat "$NVME" failures), expected $f + $(frag_count xen_dma-translate refused)"
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

# pv-segments (make bench, by hand): for each bounce segment size of
# xen_dma_segments= (KiB), in each mode of xen_dma_compare=, xen_dma is
# loaded with a pool of xen_dma_pool_mb= MiB, the NVMe attached, and
# reported: the NVMe's largest request, how many segments (machine extents
# below 4 GiB on PV) Xen gave and how long that took, and O_DIRECT read
# rates in 128 KiB, 1 MiB and 4 MiB requests, data checked each time.
segments_case() {
	local seg m ta tb made line
	MB=$(arg xen_dma_mb 64)
	PASSES=$(arg xen_dma_passes 2)
	BASE=swiotlb-xen
	load_module || return
	modprobe nvme || result FAIL driver "modprobe nvme failed"
	if [ -z "$NVME" ] || ! wait_for $DISK 30 || ! disk_ready; then
		result FAIL disk "no NVMe disk ($DISK)"
		return
	fi
	dd if=/dev/urandom of=/tmp/pattern bs=1M count="$MB" 2>/dev/null
	WANT=$(sha256sum </tmp/pattern | cut -d' ' -f1)
	dd if=/tmp/pattern of=$DISK bs=1M oflag=direct conv=fsync 2>/dev/null
	rm -f /tmp/pattern /tmp/perf.bad
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
			line="$(stat "$NVME" mode), $seg KiB segments: max_sectors_kb $(cat /sys/block/nvme0n1/queue/max_sectors_kb), $made segments from Xen (attach with the pool in $(secs "$ta" "$tb") s)"
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
# run_domu LABEL: one PV domU on $DISK; its checks become ours, prefixed
# domu-, and its 128 KiB read rate (MiB/s) lands in /tmp/domu-LABEL.rate.
run_domu() {
	local t0 t1 tmo i con
	t0=$(cut -d' ' -f1 /proc/uptime)
	if xl create /etc/xen/domu.cfg >/tmp/xl.log 2>&1; then
		result PASS domu "$1: xl create: PV domU with disk phy:$DISK (xen-blkback, no persistent grants)"
	else
		result FAIL domu "$1: xl create failed: $(tail -n 3 /tmp/xl.log | tr '\n' ' ')"
		sed 's/^/  xl: /' /tmp/xl.log
		return 1
	fi
	# Until the domU powers itself off (on_poweroff=destroy).
	tmo=$(arg xen_dma_domu_timeout 600)
	i=0
	while xl list domu >/dev/null 2>&1 && [ $i -lt $((tmo * 2)) ]; do
		usleep 500000
		i=$((i + 1))
	done
	t1=$(cut -d' ' -f1 /proc/uptime)
	con=/var/log/xen/console/guest-domu.log
	if xl list domu >/dev/null 2>&1; then
		result FAIL domu "$1: the domU still runs after $tmo s; destroyed"
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
foreign_case() {
	local fo x b mode
	BASE=$(arg xen_dma_base swiotlb-xen)
	load_module || return
	[ -n "$NVME" ] && attach "$NVME"
	for m in $DISK_MODS; do
		modprobe "$m" || result FAIL driver "modprobe $m failed"
	done
	if [ -z "$NVME" ] || ! wait_for $DISK 30; then
		result FAIL disk "no $DISK_KIND disk ($DISK)"
		return
	fi
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
	check_stats "$NVME"
	mode=$(stat "$NVME" mode)
	fo=$(stat "$NVME" foreign)
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

say "case $CASE, kernel $(uname -r), cmdline: $(cat /proc/cmdline)"
if [ -r /sys/hypervisor/type ]; then
	say "hypervisor: $(cat /sys/hypervisor/type) $(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)"
fi

DISK_KIND=$(arg xen_dma_disk nvme)
case "$DISK_KIND" in
virtio)	DISK_CLASS=0x010000 DISK=/dev/vda DISK_MODS="virtio_pci virtio_blk" ;;
*)	DISK_CLASS=0x010802 DISK=/dev/nvme0n1 DISK_MODS=nvme ;;
esac
NVME=$(pci_by_class $DISK_CLASS)
NIC=$(pci_by_class 0x020000)
say "$DISK_KIND disk at ${NVME:-none}, NIC at ${NIC:-none}"

case "$CASE" in
*-e1000e)
	if load_module; then
		[ -n "$NIC" ] && attach "$NIC"
	fi
	modprobe e1000e || result FAIL driver "modprobe e1000e failed"
	if [ -z "$NIC" ]; then
		result FAIL net "no network controller (class 0x020000) on the PCI bus"
	else
		net_check "$NIC"
		check_stats "$NIC"
	fi
	show_debugfs
	;;
pv-compare|pvh-compare)
	compare_case
	;;
*-bench*)
	bench_case
	;;
pv-fragment)
	fragment_case
	;;
pv-segments)
	segments_case
	;;
*-foreign*)
	foreign_case
	;;
pv-*|pvh-*|arm-*|demo)
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
	;;
shell)
	load_module
	exec setsid cttyhack sh
	;;
*)
	result FAIL case "unknown case '$CASE'"
	;;
esac

# Anything the kernel complained about during the test is a failure.
# (An unsigned out-of-tree module taints the kernel: expected, not a failure.)
dmesg | tail -n +"$((dmesg_start + 1))" >/tmp/dmesg
bad='WARNING:|BUG:|Oops|general protection|Call Trace|xen_dma:.*(error|fail)'
grep -E "$bad" /tmp/dmesg | grep -v 'module verification failed' >/tmp/bad
if [ -s /tmp/bad ]; then
	result FAIL kernel "$(wc -l </tmp/bad) suspicious kernel messages, first: $(head -n 1 /tmp/bad)"
else
	result PASS kernel "no warning, oops or xen_dma error in dmesg"
fi
say "kernel messages since /init started:"
sed 's/^/  dmesg: /' /tmp/dmesg
echo "XEN_DMA_DONE $CASE $npass passed $nfail failed"
sync
poweroff -f
