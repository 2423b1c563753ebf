# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# The helpers every dom0 test uses, sourced by tests/dom0/init.sh (busybox
# ash: POSIX sh plus local): the command line, results, the module, debugfs,
# the disk and timing. They read the globals init.sh sets (CASE, MB, EXPECT,
# DBG, SYS, NIC, and the disk's: use_disk) and count
# results in npass and nfail.

# The parameters of the running case, then the kernel command line's; the
# last of a name wins, so the command line's (run.sh's XEN_DMA_DOM0_ARGS)
# override the case's.
params() { echo "${CASE_ARGS:-} $(cat /proc/cmdline)" | tr ' ' '\n'; }

arg() {	# arg NAME DEFAULT: the value of NAME= in params
	v=$(params | sed -n "s/^$1=//p" | tail -n 1)
	echo "${v:-$2}"
}

# case_args CASE: the case's parameters from its line in the case table,
# the devices' addresses put in and its disk named (xen_dma_disk=).
case_args() {
	local disk dev nvme virtio nic
	nvme=$(pci_by_class 0x010802)
	virtio=$(pci_by_class 0x010000)
	nic=$(pci_by_class 0x020000)
	disk=$(case_get "$1" disk)
	dev=$nvme
	[ "$disk" = virtio ] && dev=$virtio
	echo "$(case_get "$1" parameters) xen_dma_disk=${disk:-nvme}" |
		sed -e "s/@DISK@/$dev/g" -e "s/@NVME@/$nvme/g" -e "s/@VIRTIO@/$virtio/g" \
		    -e "s/@NIC@/$nic/g"
}

# use_disk nvme|virtio: point the disk helpers at one of the disks: its
# block device (DISK), PCI class and address (DISK_CLASS, DISK_PCI) and
# drivers (DISK_MODS).
use_disk() {
	DISK_KIND=$1
	case "$1" in
	virtio)	DISK_CLASS=0x010000 DISK=/dev/vda DISK_MODS="virtio_pci virtio_blk" ;;
	*)	DISK_CLASS=0x010802 DISK=/dev/nvme0n1 DISK_MODS=nvme ;;
	esac
	DISK_PCI=$(pci_by_class $DISK_CLASS)
}

# case_reset: what the case loaded is unloaded, so that the next case in
# this boot starts as on a fresh boot: every attached device detached, then
# every module not loaded at boot,
# dependents first, except those Xen's toolstack holds while it runs (a
# later foreign case finds it running). The disk's and NIC's drivers and
# xen_dma must go; /tmp/reset.failed says why when they do not.
case_reset() {
	local m n left
	rm -f /tmp/reset.failed /tmp/pattern
	# Detached first: xen_dma cannot be unloaded while an attached
	# device's driver is bound, and a driver built into the kernel (Debian
	# 13's virtio_pci on arm64) cannot be unloaded at all.
	if [ -r "$SYS/devices" ]; then
		while read -r m _; do
			(echo "$m" >"$SYS/detach") 2>>/tmp/rmmod.err ||
				echo "xen_dma: detach $m failed" >>/tmp/rmmod.err
		done <"$SYS/devices"
	fi
	n=0
	while [ $n -lt 5 ]; do
		while read -r m _; do
			case " $BOOT_MODULES " in
			*" $m "*) ;;
			*) rmmod "$m" 2>>/tmp/rmmod.err ;;
			esac
		done </proc/modules
		n=$((n + 1))
	done
	left=$(cut -d' ' -f1 /proc/modules |
		grep -xE 'xen_dma|nvme|virtio_blk|virtio_pci|e1000e|xen_dma_fragment' | tr '\n' ' ')
	if [ -n "$left" ]; then
		echo "still loaded: $left($(grep -E "$(echo "$left" | sed 's/ *$//; s/ /|/g')" /tmp/rmmod.err | tail -n 2 | tr '\n' ' '))" >/tmp/reset.failed
		result FAIL reset "$(cat /tmp/reset.failed)"
	else
		result PASS reset "xen_dma and the drivers unloaded, the machine ready for the next case"
	fi
	rm -f /tmp/rmmod.err
}

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

# load_module: insmod xen_dma with the case's xen_dma.* parameters, once
# per case (a second call finds it loaded and does nothing).
load_module() {
	grep -q '^xen_dma ' /proc/modules && return 0
	args=$(params | sed -n 's/^xen_dma\.//p' | tr '\n' ' ')
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

# disk_up [attach]: the one way a test brings its disk up: loads xen_dma
# (load_module), with "attach" attaches the disk ($DISK_PCI) to it before
# its driver binds, then loads the disk's drivers and waits until $DISK
# reads. Without "attach" the disk stays on the kernel's own DMA ops (the
# test attaches it at run time). Returns 1, the failure reported, when a
# step fails.
disk_up() {
	local m
	load_module || return 1
	if [ -z "$DISK_PCI" ]; then
		result FAIL disk "no $DISK_KIND disk (class $DISK_CLASS) on the PCI bus"
		return 1
	fi
	[ "${1:-}" = attach ] && attach "$DISK_PCI"
	for m in $DISK_MODS; do
		modprobe "$m" || result FAIL driver "modprobe $m failed"
	done
	if ! wait_for "$DISK" 30 || ! disk_ready; then
		result FAIL disk "no $DISK_KIND disk ($DISK)"
		return 1
	fi
}

# pattern_write MB: the one way a test puts data on its disk: MB MiB of
# random data, kept in /tmp/pattern, written to $DISK with O_DIRECT.
# Returns 1, the reason in /tmp/dd.err, when the write fails.
pattern_write() {
	PATTERN_MB=$1
	dd if=/dev/urandom of=/tmp/pattern bs=1M count="$1" 2>/dev/null
	# Hashed once: under TCG hashing, not the disk, is most of a check.
	PATTERN_SHA=$(sha256sum </tmp/pattern | cut -d' ' -f1)
	dd if=/tmp/pattern of="$DISK" bs=1M oflag=direct conv=fsync 2>/tmp/dd.err
}

# pattern_matches KB MIB: and the one way it checks them: the first MIB MiB
# of $DISK read back with O_DIRECT in KB KiB requests; true when they are
# the pattern's. Sets GOT and WANT (their sha256 and the pattern's).
pattern_matches() {
	if [ "$2" = "$PATTERN_MB" ]; then
		WANT=$PATTERN_SHA
	else
		WANT=$(head -c $(($2 * 1048576)) /tmp/pattern | sha256sum | cut -d' ' -f1)
	fi
	GOT=$(dd if="$DISK" bs="${1}k" count=$(($2 * 1024 / $1)) iflag=direct \
		2>/tmp/dd.err | sha256sum | cut -d' ' -f1)
	[ "$GOT" = "$WANT" ]
}

# disk_check: the data check: $MB MiB written, read back in 128 KiB, 1 MiB
# and (8 MiB of them: slow under TCG) 4 KiB requests, each compared.
disk_check() {
	local t0 t1 t2 ta tb n4 spec kb n
	if ! wait_for "$DISK" 30; then
		result FAIL disk "$DISK never appeared"
		return
	fi
	t0=$(cut -d' ' -f1 /proc/uptime)
	if ! pattern_write "$MB"; then
		result FAIL data "O_DIRECT write to $DISK failed: $(tail -n 1 /tmp/dd.err)"
		return
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	n4=$((MB < 8 ? MB : 8))
	for spec in 128:$MB 1024:$MB 4:$n4; do
		kb=${spec%:*} n=${spec#*:}
		ta=$(cut -d' ' -f1 /proc/uptime)
		if pattern_matches "$kb" "$n"; then
			tb=$(cut -d' ' -f1 /proc/uptime)
			result PASS data "$n MiB read back with O_DIRECT in ${kb} KiB requests in $(secs "$ta" "$tb") s, sha256 matches (${GOT%"${GOT#????????????????}"})"
		else
			result FAIL data "$n MiB read back in ${kb} KiB requests: sha256 $GOT, wrote $WANT ($(tail -n 1 /tmp/dd.err))"
		fi
	done
	t2=$(cut -d' ' -f1 /proc/uptime)
	say "wrote $MB MiB in $(secs "$t0" "$t1") s, read everything back in $(secs "$t1" "$t2") s"
}

# Wall-clock seconds with microseconds (busybox date has no %N).
now() { adjtimex | awk '/time.tv_sec:/ { s = $2 } /time.tv_usec:/ { u = $2 } END { printf "%d.%06d", s, u }'; }

# attached DEVICE: whether /sys/kernel/xen_dma/devices lists DEVICE.
attached() { grep -q "^$1 " "$SYS/devices" 2>/dev/null; }

# disk_ready: waits (30 s at most) until $DISK is there and readable.
disk_ready() {
	i=0
	while [ $i -lt 300 ]; do
		dd if="$DISK" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null && return 0
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

# verify LABEL: untimed, checks the disk still holds the pattern.
verify() {
	if pattern_matches 128 "$PATTERN_MB"; then
		say "  $1: data read back matches"
	else
		result FAIL data "$1: $PATTERN_MB MiB read back: sha256 $GOT, wrote $WANT"
		echo "$1" >>/tmp/perf.bad
	fi
}

# measure LABEL: the timed reads (128 KiB then 1 MiB requests), then verify.
measure() {
	timed_read "$1" 128
	timed_read "$1" 1024
	verify "$1"
}

# compare_attach LABEL / compare_detach LABEL: sysfs attach/detach of $DISK_PCI
# at run time (the NVMe driver is unbound and bound again each time).
compare_attach() {
	if ! echo "$DISK_PCI" >"$SYS/attach"; then
		result FAIL attach "$1: writing $DISK_PCI to $SYS/attach failed"
		return 1
	fi
	if ! attached "$DISK_PCI"; then
		result FAIL attach "$1: $SYS/attach accepted $DISK_PCI but $SYS/devices does not list it"
		return 1
	fi
	if ! disk_ready; then
		result FAIL attach "$1: $DISK did not come back after attaching $DISK_PCI"
		return 1
	fi
	result PASS attach "$1: $DISK_PCI attached at run time ($(grep "^$DISK_PCI " "$SYS/devices")), $DISK back"
}
compare_detach() {
	if ! echo "$DISK_PCI" >"$SYS/detach"; then
		result FAIL detach "$1: writing $DISK_PCI to $SYS/detach failed"
		return 1
	fi
	if attached "$DISK_PCI"; then
		result FAIL detach "$1: $SYS/devices still lists $DISK_PCI after detach"
		return 1
	fi
	if ! disk_ready; then
		result FAIL detach "$1: $DISK did not come back after detaching $DISK_PCI"
		return 1
	fi
	result PASS detach "$1: $DISK_PCI detached, back on the kernel's own DMA ops (${BASE:-as at boot})"
}
