#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boots Debian's Xen with Debian's kernel as its dom0 under QEMU (TCG), on
# one stack (XEN_DMA_STACK: deb12 = Xen 4.17 + Linux 6.1, the default; deb13
# = Xen 4.20 + Linux 6.12; newest = Xen 4.20 + the newest Linux): an x86 PV
# dom0, an x86 PVH dom0 behind an emulated VT-d IOMMU, or an Arm64 dom0, as
# the case's line in tests/dom0/cases says. Loads xen_dma in dom0 and runs
# the cases (tests/dom0/init.sh): those of one machine, disk and kernel
# command line share a boot, one after the other (the table's boot column);
# a boot that ends inside a case boots again for the cases after it.
# Writes one line per case, "dom0-<arch>:<case> <passed> <failed> 0", to
# $RESULTS (default: stdout). A boot that hangs, crashes, or never prints its
# results counts as failed. Every case always gets its line, even when the
# setup (fetch, module build, initramfs) fails, so callers need not add one.
# Exit status: 0 when every case got its line (pass or fail is in the lines),
# non-zero only when the script itself broke before reporting.
# Console logs: $XEN_DMA_CACHE/logs/dom0-[<stack>-]<case>.log (the boot's
# start and the case's part), dom0-[<stack>-]boot-<first case>.log (the
# whole boot); result
# lines are named dom0-[<stack>-]<arch>:<case> (no stack for deb12).
#
# usage: run.sh [CASE...]      (default: pv-translate pv-bounce pv-e1000e)
#   CASE: a case of tests/dom0/cases, which says what each one checks, on
#   which QEMU machine, with which module parameters
# Result lines are prefixed dom0-x86_64: or dom0-arm64: by the case's arch.
# env:
#   XEN_DMA_STACK         deb12 (default), deb13 or newest
#   XEN_DMA_KO            x86_64 module to test (default: built by modules-debian.sh)
#   XEN_DMA_KO_ARM64      arm64 module to test (same default)
#   XEN_DMA_DOM0_TIMEOUT  seconds per case (default: the case's, in the table)
#   XEN_DMA_DOM0_ARGS     extra dom0 command-line words, after the case's
#                         (e.g. xen_dma.pool_mb=32, or xen_dma_reps=5: the
#                         last of a name wins)
#   RESULTS               file the result lines are appended to
#   FAILURES              file a failed case's failed checks and xen_dma's
#                         kernel messages are appended to (make test prints
#                         them last, where a CI log's tail shows them)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(pv-translate pv-bounce pv-e1000e)
stack=${XEN_DMA_STACK:-deb12}
xen_dma_stack_xen "$stack" >/dev/null
tag=
[ "$stack" = deb12 ] || tag=$stack-
case_log() { echo "$XEN_DMA_CACHE/logs/dom0-$tag$1.log"; }
# A boot's whole console, named after its first case.
boot_log() { echo "$XEN_DMA_CACHE/logs/dom0-${tag}boot-$1.log"; }
# The domU's test takes about 30 s; dom0 gives up on it well before QEMU's
# own timeout, so a stuck domU is reported with its console, not killed blind.
domu_tmo="xen_dma_domu_timeout=${XEN_DMA_DOMU_TIMEOUT:-240}"
lock=/tmp/xen-dma-heavy.lock
# Devices' PCI addresses are pinned (addr= below): x86 NVMe 0000:00:04.0,
# NIC 0000:00:05.0; arm64 virtio-blk 0000:00:01.0, NVMe 0000:00:02.0. Inside
# dom0, init.sh finds them by class for the cases' @DISK@ and the like.
# The coloured machines (armc, armcs): 32 colours of 4 KiB (a 2 MiB, 16-way
# LLC); Xen keeps 0-1, dom0 gets 16 adjacent ones, 16-31, so its
# machine-contiguous runs are 64 KiB long and 64 KiB-aligned.
# What Xen's SMMUv3 driver prints when a device's access fails or it breaks.
smmu_fault='SMMUv3:.*(event 0x|EVTQ overflow|CMDQ error|timeout)'
dom0_colours=16-31
xen_colours="llc-coloring=on llc-size=2M llc-nr-ways=16 xen-llc-colors=0-1 dom0-llc-colors=$dom0_colours"

for c in "${cases[@]}"; do
	[ -n "$(xen_dma_case "$c")" ] ||
		die "unknown case $c (tests/dom0/cases has: $(xen_dma_cases | tr '\n' ' '))"
done

# case_field CASE N: field N of the case's line after its name (1 test,
# 2 machine, 3 disk, 4 stacks, 5 boot, 6 timeout).
case_field() { xen_dma_case "$1" | cut -d' ' -f"$2"; }
case_arch() { case "$(case_field "$1" 2)" in arm*) echo arm64 ;; *) echo x86_64 ;; esac; }

mkdir -p "$XEN_DMA_CACHE/logs"
# setup ARCH [foreign]: fetch, module, initramfs for ARCH (built once per
# run; "foreign": the one with Xen's toolstack and a domU); sets XEN KERNEL
# initrd work. On failure returns 1 with the reason in $why.
declare -A setup_done=()
setup() {
	local a=$1 flavour=${2:-} qemu=qemu-system-x86_64 paths ko=${XEN_DMA_KO:-}
	[ "$a" = arm64 ] && qemu=qemu-system-aarch64 ko=${XEN_DMA_KO_ARM64:-}
	command -v $qemu >/dev/null ||
		{ why="$qemu missing (apt-get install qemu-system-x86 qemu-system-arm)"; return 1; }
	paths=$("$XEN_DMA_TOP/scripts/dom0/fetch.sh" "$a" "$stack") ||
		{ why="scripts/dom0/fetch.sh $a $stack failed"; return 1; }
	eval "$paths"
	work=${WORK:?fetch.sh printed no WORK}
	initrd=$work/initramfs${flavour:+-$flavour}.cpio.gz
	if [ -z "${setup_done[$a$flavour]:-}" ]; then
		local ts=0
		[ "$flavour" = foreign ] && ts=1
		XEN_DMA_TOOLSTACK=$ts XEN_DMA_STACK=$stack \
			"$XEN_DMA_TOP/scripts/dom0/initramfs.sh" "$a" ${ko:+"$ko"} >/dev/null ||
			{ why="building the $a module or initramfs${flavour:+ ($flavour)} failed"; return 1; }
		setup_done[$a$flavour]=1
	fi
}

http_pid=
cleanup() { if [ -n "$http_pid" ]; then kill "$http_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

# A host HTTP server the guest reaches as 10.0.2.2:PORT through QEMU's slirp.
start_http() {
	local dir=$work/http
	mkdir -p "$dir"
	if [ ! -s "$dir/sha256" ]; then
		head -c 16M /dev/urandom >"$dir/blob"
		sha256sum "$dir/blob" >"$dir/sha256"
	fi
	http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$http_port" \
		>"$XEN_DMA_CACHE/logs/dom0-http.log" 2>&1 &
	http_pid=$!
}

# kernel_words CASE: the case's parameters that go to dom0's kernel, not
# to the module or the test (e.g. swiotlb=force): cases that differ in them
# cannot share a boot.
kernel_words() {
	local w out=()
	for w in $(xen_dma_case "$1" | cut -d' ' -f7-); do
		case "$w" in xen_dma_*|xen_dma.*) ;; *) out+=("$w") ;; esac
	done
	echo "${out[*]}"
}

# boot_cases CASE...: one boot that runs the cases in turn (all of one
# machine, disk and kernel words: see plan_boots); its console goes to
# boot_log, each case's part of it to the case's log (split_log). A case
# that runs past its timeout ends the boot. On a setup failure returns 1
# with the reason in $why.
boot_cases() {
	local c first=$1 arch params='' flavour='' net qemu bootf
	local mtype disk words has_net=''
	arch=$(case_arch "$first")
	read -r _ mtype disk _ <<<"$(xen_dma_case "$first")"
	words=$(kernel_words "$first")
	for c in "$@"; do
		case "$(case_field "$c" 1)" in
		foreign) flavour=foreign ;;
		net) has_net=1 ;;
		esac
	done
	setup "$arch" $flavour || return 1
	# Read by the foreign test only; dom0 gives up on a stuck domU well
	# before the case's timeout, so it is reported with its console.
	params="$domu_tmo"
	net=(-nic none)
	if [ -n "$has_net" ]; then
		[ -n "$http_pid" ] || start_http
		params="$params xen_dma_http=$http_port"
		net=(-netdev "user,id=n0" -device "e1000e,netdev=n0,addr=0x5")
	fi
	local list
	list=$(IFS=,; echo "$*")
	# A fresh, zeroed disk each boot (made once the lock is held, one per
	# boot: concurrent runs must not share it): stale data cannot pass.
	local img=$work/disk-$first.img img2=$work/disk2-$first.img xen_desc="Xen $XENVER"
	local dom0_args="xen_dma_cases=$list $words $params ${XEN_DMA_DOM0_ARGS:-}"

	if [ "$arch" = x86_64 ]; then
		local dom0_cmdline="console=hvc0 earlyprintk=xen $dom0_args"
		local machine=(-machine pc -cpu "max,-smap")
		local xen_cmdline='console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M'
		if [ "$mtype" = pvh ]; then
			# PVH dom0 behind an emulated VT-d: the IOMMU must exist
			# before the PCI devices it translates for.
			# No XSAVE: with it, Linux 7.3 finds TCG's xstate sizes
			# inconsistent under Xen and dies at boot (fpstate_reset).
			machine=(-machine "q35,kernel-irqchip=split" -cpu "max,-smap,-rdtscp,-xsave"
				-device "intel-iommu,intremap=on")
			xen_cmdline="$xen_cmdline dom0=pvh iommu=1,verbose,no-sharept"
		fi
		# Xen's multiboot modules are comma-separated: commas inside are doubled.
		dom0_cmdline=${dom0_cmdline//,/,,}
		qemu=(qemu-system-x86_64 "${machine[@]}" -accel "tcg,thread=multi"
			-m 2048 -smp 2 -nographic -no-reboot -vga none
			-kernel "$XEN" -append "$xen_cmdline"
			-initrd "$KERNEL $dom0_cmdline,$initrd"
			-drive "file=$img,if=none,id=d0,format=raw"
			-device "nvme,serial=xendma0,drive=d0,addr=0x4"
			"${net[@]}")
	else
		# No ITS under Xen: legacy interrupts (pci=nomsi). QEMU's guest-loader
		# adds the multiboot,module nodes Xen looks for to QEMU's own dtb.
		local dom0_cmdline="console=hvc0 earlycon=xen pci=nomsi $dom0_args"
		local dev=(-device "virtio-blk-pci,drive=d0,addr=0x1")
		local vmachine=virt,virtualization=on,gic-version=3 mem=2048 qbin=qemu-system-aarch64
		local xen=$XEN xen_cmdline='console=dtuart dom0_mem=1024M,max:1024M'
		[ "$disk" = nvme ] && dev=(-device "nvme,serial=xendma0,drive=d0,addr=0x2")
		if [ "$mtype" = armc ] || [ "$mtype" = armcs ]; then
			# The coloured machine: both disks, Xen 4.21 with cache
			# colouring (scripts/dom0/xen-colour.sh). armcs adds an
			# SMMUv3 doing stage 2, which only QEMU >= 8.1 has, and
			# puts the virtio disk behind it too (QEMU's virtio
			# devices bypass a vIOMMU unless told otherwise).
			xen=$("$XEN_DMA_TOP/scripts/dom0/xen-colour.sh") || {
				why="building the coloured Xen failed"; return 1; }
			mem=4096
			xen_desc="$(basename "$(dirname "$xen")") (coloured)"
			xen_cmdline="$xen_cmdline $xen_colours"
			# The test checks the pool's frames against them.
			dom0_cmdline="$dom0_cmdline xen_dma_colours=$dom0_colours/32"
			# Xen has the ITS here (xen-colour.sh): MSIs.
			dom0_cmdline=${dom0_cmdline/ pci=nomsi/}
			dev=(-device "virtio-blk-pci,drive=d0,addr=0x1"
				-drive "file=$img2,if=none,id=d1,format=raw"
				-device "nvme,serial=xendma1,drive=d1,addr=0x2")
			qbin=$("$XEN_DMA_TOP/scripts/dom0/qemu-smmu.sh") || {
				why="no QEMU >= 8.1 for a stage-2 SMMUv3"; return 1; }
			dev=(-L "$(dirname "$qbin")/../share/qemu" "${dev[@]}")
			if [ "$mtype" = armcs ]; then
				vmachine=$vmachine,iommu=smmuv3
				xen_cmdline="$xen_cmdline pci-passthrough=on iommu=on"
				dev=(-global arm-smmuv3.stage=2
					-global virtio-blk-pci.iommu_platform=on
					-global virtio-blk-pci.disable-legacy=on
					"${dev[@]}")
			fi
		fi
		dom0_cmdline=${dom0_cmdline//,/,,}
		qemu=("$qbin" -machine "$vmachine"
			-accel "tcg,thread=multi" -cpu cortex-a57 -smp 2 -m "$mem"
			-nographic -no-reboot -nic none
			-kernel "$xen" -append "$xen_cmdline"
			-device "guest-loader,addr=0x50000000,kernel=$KERNEL,bootargs=$dom0_cmdline"
			-device "guest-loader,addr=0x58000000,initrd=$initrd"
			-drive "file=$img,if=none,id=d0,format=raw"
			"${dev[@]}")
	fi
	bootf=$(boot_log "$first")
	log "booting $xen_desc + $arch dom0 ($stack) for $*; waiting for $lock first"
	(
		tw=$(date +%s.%N)
		flock 9
		rm -f "$img" "$img2"
		truncate -s 256M "$img"
		case "$mtype" in armc*) truncate -s 256M "$img2" ;; esac
		t0=$(date +%s.%N)
		rc=0
		# In our process group, so killing the caller's group
		# (kill -- -PGID) ends it too.
		"${qemu[@]}" </dev/null >"$bootf" 2>&1 9>&- &
		watch_boot $! "$bootf" "$@" || rc=$?
		t1=$(date +%s.%N)
		rm -f "$img" "$img2"
		echo "$rc $t0 $t1 $tw" | awk '{ printf "%s %.1f %.1f\n", $1, $3 - $2, $2 - $4 }' \
			>"$bootf.status"
	) 9>"$lock"
	read -r boot_rc secs waited <"$bootf.status"
	rm -f "$bootf.status"
	log "boot of $*: wall time $secs s (+$waited s waiting for the lock); log $bootf"
	split_log "$bootf" "$@"
}

# watch_boot PID LOG CASE...: waits for QEMU (PID); kills it when the case
# running (the last "xen-dma-test: case" line in LOG) has run longer than
# its timeout (the first from power-on). Returns QEMU's exit status, or 124
# when it was killed.
watch_boot() {
	local pid=$1 logf=$2 cur='' now deadline c rc=0
	shift 2
	deadline=$((SECONDS + ${XEN_DMA_DOM0_TIMEOUT:-$(case_field "$1" 6)}))
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		c=$(grep -a '^xen-dma-test: case ' "$logf" | tail -n 1 | sed 's/^xen-dma-test: case \([^ ,]*\).*/\1/')
		if [ -n "$c" ] && [ "$c" != "$cur" ]; then
			cur=$c
			deadline=$((SECONDS + ${XEN_DMA_DOM0_TIMEOUT:-$(case_field "$c" 6)}))
		fi
		now=$SECONDS
		if [ "$now" -gt "$deadline" ]; then
			kill "$pid" 2>/dev/null
			sleep 10
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			return 124
		fi
	done
	wait "$pid" || rc=$?
	return $rc
}

# split_log LOG CASE...: each case's log is the boot's start (Xen and dom0
# up to the first case) and the boot's part from its "xen-dma-test: case"
# line to the next case's; a case that never started gets the whole log
# when it came first (the boot died before /init), none otherwise.
split_log() {
	local bootf=$1 c
	shift
	for c in "$@"; do
		rm -f "$(case_log "$c").part"
	done
	tr -d '\r' <"$bootf" | awk -v dir="$XEN_DMA_CACHE/logs" -v tag="dom0-$tag" '
		/^xen-dma-test: case / {
			c = $3; sub(/,$/, "", c)
			cur = dir "/" tag c ".log.part"
			printf "%s", pre > cur
		}
		cur == "" { pre = pre $0 "\n"; next }
		{ print > cur }
		END { if (cur == "") printf "%s", pre > (dir "/" tag "boot-prelude.part") }'
	for c in "$@"; do
		if [ -e "$(case_log "$c").part" ]; then
			mv "$(case_log "$c").part" "$(case_log "$c")"
		elif [ "$c" = "$1" ]; then
			cp "$bootf" "$(case_log "$c")"
		fi
	done
	rm -f "$XEN_DMA_CACHE/logs/dom0-${tag}boot-prelude.part"
}

# judge_case CASE: its result line (in $state/result.CASE) from its log: the
# test's own checks, a boot that ended before the case did, and the faults
# Xen logged during it.
judge_case() {
	local c=$1 logf pass fail faults clean mtype
	logf=$(case_log "$c")
	mtype=$(case_field "$c" 2)
	clean=$(tr -d '\r' <"$logf")
	pass=$(grep -c "^XEN_DMA_RESULT $c PASS" <<<"$clean" || true)
	fail=$(grep -c "^XEN_DMA_RESULT $c FAIL" <<<"$clean" || true)
	grep "^XEN_DMA_RESULT $c " <<<"$clean" | sed 's/^XEN_DMA_RESULT /  /' >&2 || true
	if ! grep -q "^XEN_DMA_DONE $c " <<<"$clean"; then
		fail=$((fail + 1))
		if [ "$boot_rc" = 124 ]; then
			fail_log "$c" "$c: FAIL: no result within its $(case_field "$c" 6) s (hang), boot killed"
		elif grep -qE 'Kernel panic|Panic on CPU|FATAL PAGE FAULT' <<<"$clean"; then
			fail_log "$c" "$c: FAIL: crash: $(grep -m 1 -E 'Kernel panic|Panic on CPU|FATAL PAGE FAULT' <<<"$clean")"
		else
			fail_log "$c" "$c: FAIL: the boot ended (qemu exit $boot_rc) before the case finished"
		fi
	fi
	# Xen's own console is in the log too: an IOMMU fault is a failure
	# even when the data came back right.
	local iommu='' fault_re=''
	case "$mtype" in
	pvh)	iommu=VT-d fault_re='\[VT-D\].*[Ff]ault|DMAR:\[DMA' ;;
	armcs)	iommu=SMMU fault_re=$smmu_fault ;;
	esac
	if [ -n "$iommu" ]; then
		faults=$(grep -cE "$fault_re" <<<"$clean" || true)
		if [ "$faults" = 0 ]; then
			pass=$((pass + 1))
			log "$c: PASS iommu: no $iommu fault in Xen's log"
		else
			fail=$((fail + 1))
			fail_log "$c" "$c: FAIL iommu: $faults $iommu fault lines in Xen's log, first: $(grep -m 1 -E "$fault_re" <<<"$clean")"
		fi
	fi
	case "$mtype" in armc*)
		# Xen's colour set-up, from its own console, for the record.
		grep -iE 'LLC|colou?r' <<<"$clean" | head -n 12 | sed 's/^/  xen: /' >&2 || true ;;
	esac
	[ $((pass + fail)) -gt 0 ] || fail=1
	log "$c: $pass passed, $fail failed$(sed -n "s/^XEN_DMA_DONE $c .* in \([0-9.]*\) s$/ in \1 s/p" <<<"$clean"); log $logf"
	echo "dom0-$tag$(case_arch "$c"):$c $pass $fail 0" >"$state/result.$c"
}

# Flakes of this QEMU TCG setup, none a check that failed, get up to two
# more boots, each earlier log kept as dom0-<case>.tryN.log (prints why, or
# nothing). Each was also seen with xen_dma out of the way (a module that only
# takes its parameters: Documentation/testing.rst, "Flakes"):
#  - a domU that never starts or never finishes its test;
#  - a PVH dom0 that triple-faults, on any vCPU, at random kernel addresses
#    (3 of 5 pvh-foreign boots with the kernel's own DMA ops);
#  - a dom0 kernel that panics before /init ran (so before xen_dma was
#    loaded);
#  - a dom0 process whose malloc heap is found corrupted right after Xen's
#    toolstack started, before the domU did any I/O (xl create aborts, or
#    /init dies and dom0 panics);
#  - a process in a PV domU's check pipeline that segfaults, so that a check
#    gets no checksum at all.
# A check that failed any other way, a wrong checksum above all, is never
# retried.
retry_reason() {
	local logf clean
	logf=$(case_log "$1")
	clean=$(tr -d '\r' <"$logf")
	case "$(case_field "$1" 1)" in
	foreign)
		if grep -q -e 'the domU did not finish' -e 'the domU still runs' <<<"$clean"; then
			echo "the domU never finished"
			return
		fi
		if grep -q 'xl create failed:.*\(corrupted\|malloc\)' <<<"$clean"; then
			echo "xl aborted on a corrupted malloc heap"
			return
		fi
		# A process in the domU's check pipeline died, so a check got no
		# checksum at all. A wrong checksum (data the device corrupted)
		# is never retried.
		if grep -q '^ *domU: Segmentation fault' <<<"$clean" &&
		   grep -q 'XEN_DMA_DOMU FAIL' <<<"$clean" &&
		   ! grep 'XEN_DMA_DOMU FAIL' <<<"$clean" | grep -qv 'sha256 , want'; then
			echo "a process in the domU segfaulted, and no checksum was wrong"
			return
		fi ;;
	esac
	if ! grep -q "^XEN_DMA_DONE $1 " <<<"$clean" &&
	   grep -q 'Attempted to kill init' <<<"$clean" &&
	   grep -q -e 'corrupted' -e 'malloc()' <<<"$clean"; then
		echo "dom0's /init died on a corrupted malloc heap"
		return
	fi
	# /init loads xen_dma, so a dom0 kernel that died before /init ran
	# died without it (seen: Debian 13's PV dom0 hitting an int3 oops in
	# sched_clock_cpu() while its static keys were patched, 4 s in).
	if ! grep -q '^xen-dma-test: case ' <<<"$clean" &&
	   grep -q 'Kernel panic' <<<"$clean"; then
		echo "dom0's kernel panicked before /init ran ($(grep -m 1 -E 'RIP: |Oops:|BUG:' <<<"$clean"))"
		return
	fi
	case "$(case_field "$1" 2)" in
	pvh)
		if grep -q 'd0v[0-9]* Triple fault' <<<"$clean" &&
		   ! grep -q "^XEN_DMA_DONE $1 " <<<"$clean"; then
			echo "the PVH dom0 triple-faulted ($(grep -m 1 -A 3 'Dumping Dom0' <<<"$clean" | sed -n 's/.*RIP: *//p'))"
		fi ;;
	esac
}

# fail_log CASE MESSAGE: log() a failure found outside the test's own
# checks, and keep it for case_failures.
fail_log() {
	local c=$1
	shift
	log "$*"
	echo "  $*" >>"$state/notes.$c"
}

# case_failures CASE: the last boot's failed checks, failures found outside
# them, and the kernel's messages from xen_dma (what it chose, what it fell
# back to) and of I/O errors, timeouts and warnings.
case_failures() {
	local clean
	clean=$(tr -d '\r' <"$(case_log "$1")")
	grep "^XEN_DMA_RESULT $1 FAIL" <<<"$clean" | head -n 8 |
		sed 's/^XEN_DMA_RESULT /  /' || true
	cat "$state/notes.$1" 2>/dev/null || true
	grep -E '^ *\[ *[0-9]+\.[0-9]+\] .*(xen_dma: |I/O error|timeout|WARNING:|BUG:)' <<<"$clean" |
		grep -v -e 'taints kernel' -e 'verification failed' -e 'ommand line' |
		sed 's/^ *\[[^]]*\] /    dmesg: /' | sort -u | head -n 12 || true
}

# plan_boots CASE...: the boots, one line of cases each, in the order given.
# Cases of one machine, disk and kernel words share a boot (the boot
# column); a "last" case ends its boot, so a second one gets another boot;
# an "alone" case gets its own.
plan_boots() {
	local c key keys=() last
	declare -A shared=() lasts=()
	for c in "$@"; do
		if [ "$(case_field "$c" 5)" = alone ]; then
			key="alone $c"
		else
			key="$(case_field "$c" 2) $(case_field "$c" 3) $(kernel_words "$c")"
		fi
		[ -n "${shared[$key]+x}${lasts[$key]+x}" ] || keys+=("$key")
		if [ "$(case_field "$c" 5)" = last ]; then
			lasts[$key]="${lasts[$key]:-} $c"
		else
			shared[$key]="${shared[$key]:-} $c"
		fi
	done
	for key in "${keys[@]}"; do
		# shellcheck disable=SC2086 # word lists
		set -- ${lasts[$key]:-}
		last=${1:-}
		[ $# -gt 0 ] && shift
		# shellcheck disable=SC2086 # word lists
		echo ${shared[$key]:-} $last
		for c in "$@"; do echo "$c"; done
	done
}

# finish CASE: its result line out, and its failures for make test's tail.
finish() {
	local name nfail
	cat "$state/result.$1" >>"${RESULTS:-/dev/stdout}"
	read -r name _ nfail _ <"$state/result.$1"
	if [ "$nfail" != 0 ] && [ -n "${FAILURES:-}" ]; then
		echo "$name:" >>"$FAILURES"
		case_failures "$1" >>"$FAILURES"
	fi
}

# retry CASE WHY: its log kept as dom0-<case>.tryN.log, one try counted.
retry() {
	local try=${tries[$1]:-1}
	mv "$(case_log "$1")" "$XEN_DMA_CACHE/logs/dom0-$tag$1.try$try.log"
	log "$1: $2; booting once more (earlier log: dom0-$tag$1.try$try.log)"
	tries[$1]=$((try + 1))
}

state=$(mktemp -d)
trap 'cleanup; rm -rf "$state"' EXIT
declare -A tries=()
mapfile -t boots < <(plan_boots "${cases[@]}")
for b in "${boots[@]}"; do
	read -r -a queue <<<"$b"
	while [ ${#queue[@]} -gt 0 ]; do
		for c in "${queue[@]}"; do rm -f "$state/notes.$c"; done
		if ! boot_cases "${queue[@]}"; then
			for c in "${queue[@]}"; do
				fail_log "$c" "$c: setup failed: $why"
				echo "setup failed: $why" >"$(case_log "$c")"
				echo "dom0-$tag$(case_arch "$c"):$c 0 1 0" >"$state/result.$c"
				finish "$c"
			done
			break
		fi
		# The cases this boot started; those after the one it ended in
		# never ran and go to the next boot as they are.
		started=$(tr -d '\r' <"$(boot_log "${queue[0]}")" |
			sed -n 's/^xen-dma-test: case \([^ ,]*\),.*/\1/p')
		next=()
		if [ -z "$started" ]; then
			# It died before /init: the first case is judged on the
			# whole log, and the others follow it (a flake boots
			# them all again, anything else fails them all).
			for c in "${queue[@]}"; do
				cp "$(boot_log "${queue[0]}")" "$(case_log "$c")"
			done
			judge_case "${queue[0]}"
			if why=$(retry_reason "${queue[0]}") && [ -n "$why" ] &&
			   [ "${tries[${queue[0]}]:-1}" -le 2 ]; then
				retry "${queue[0]}" "$why"
				next=("${queue[@]}")
			else
				finish "${queue[0]}"
				for c in "${queue[@]:1}"; do
					judge_case "$c"
					finish "$c"
				done
			fi
			queue=("${next[@]}")
			continue
		fi
		for c in "${queue[@]}"; do
			if ! grep -qxF "$c" <<<"$started"; then
				next+=("$c")
				continue
			fi
			judge_case "$c"
			# Up to two more boots: the PVH flakes hit about one boot
			# in five.
			if why=$(retry_reason "$c") && [ -n "$why" ] && [ "${tries[$c]:-1}" -le 2 ]; then
				retry "$c" "$why"
				next+=("$c")
			else
				finish "$c"
			fi
		done
		queue=("${next[@]}")
	done
done
