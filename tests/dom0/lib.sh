# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# The helpers every dom0 test uses, sourced by tests/dom0/init.sh (busybox
# ash: POSIX sh plus local): the command line, results, the module, debugfs,
# the disk and timing. They read the globals init.sh sets (CASE, MB, EXPECT,
# DBG, SYS, DISK, DISK_KIND, DISK_CLASS, DISK_MODS, NVME, NIC) and count
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
	disk=$(awk -v c="$1" '$1 == c { print $4 }' /etc/xen-dma/cases)
	dev=$nvme
	[ "$disk" = virtio ] && dev=$virtio
	awk -v c="$1" '$1 == c { for (i = 8; i <= NF; i++) printf "%s ", $i }' /etc/xen-dma/cases |
		sed -e "s/@DISK@/$dev/g" -e "s/@NVME@/$nvme/g" -e "s/@VIRTIO@/$virtio/g" \
		    -e "s/@NIC@/$nic/g" -e "s/\$/xen_dma_disk=${disk:-nvme}/"
}

# case_reset: what the case loaded is unloaded, so that the next case in
# this boot starts as on a fresh boot: every module not loaded at boot,
# dependents first, except those Xen's toolstack holds while it runs (a
# later foreign case finds it running). The disk's and NIC's drivers and
# xen_dma must go; /tmp/reset.failed says why when they do not.
case_reset() {
	local m n left
	rm -f /tmp/reset.failed /tmp/pattern
	n=0
	while [ $n -lt 5 ]; do
		for m in $(cut -d' ' -f1 /proc/modules); do
			case " $BOOT_MODULES " in
			*" $m "*) ;;
			*) rmmod "$m" 2>>/tmp/rmmod.err ;;
			esac
		done
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

load_module() {
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

# disk_up: loads xen_dma (no device attached yet), then the disk's drivers,
# and waits until $DISK reads. Returns 1, with the failure reported, when
# either never comes.
disk_up() {
	local m
	load_module || return 1
	for m in $DISK_MODS; do
		modprobe "$m" || result FAIL driver "modprobe $m failed"
	done
	if [ -z "$NVME" ] || ! wait_for $DISK 30 || ! disk_ready; then
		result FAIL disk "no $DISK_KIND disk ($DISK)"
		return 1
	fi
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
	# What each read must give, hashed once: under TCG hashing, not the
	# disk, is most of this check's time.
	n4=$((MB < 8 ? MB : 8))
	want_all=$(sha256sum </tmp/pattern | cut -d' ' -f1)
	want_4=$(head -c $((n4 * 1048576)) /tmp/pattern | sha256sum | cut -d' ' -f1)
	# Request size in KiB : MiB read (4 KiB requests are slow under TCG).
	for spec in 128:$MB 1024:$MB 4:$n4; do
		kb=${spec%:*} n=${spec#*:}
		want_n=$want_all
		[ "$kb" = 4 ] && want_n=$want_4
		ta=$(cut -d' ' -f1 /proc/uptime)
		got=$(dd if="$disk" bs="${kb}k" count=$((n * 1024 / kb)) iflag=direct \
			2>/tmp/dd.err | sha256sum | cut -d' ' -f1)
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
