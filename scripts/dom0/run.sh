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
# The QEMU command line of each machine: machine.sh; judging a case from its
# log and the known flakes: judge.sh.
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
#   RETRIES               file a line is appended to for each boot retried
#                         after a flake: "<result name> try N: <reason>"
#                         (make test counts them in its summary)
#   FAILURES              file a failed case's failed checks and xen_dma's
#                         kernel messages are appended to (make test prints
#                         them last, where a CI log's tail shows them)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"
# shellcheck source=SCRIPTDIR/machine.sh
. "$(dirname "$0")/machine.sh"
# shellcheck source=SCRIPTDIR/judge.sh
. "$(dirname "$0")/judge.sh"

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

for c in "${cases[@]}"; do
	[ -n "$(case_get "$c" case)" ] ||
		die "unknown case $c (tests/dom0/cases has: $(xen_dma_cases - | tr '\n' ' '))"
done

mkdir -p "$XEN_DMA_CACHE/logs"
# setup ARCH [foreign]: fetch, module, initramfs for ARCH (built once per
# run; "foreign": the one with Xen's toolstack and a domU); sets XEN KERNEL
# initrd work. On failure returns 1 with the reason in $why.
declare -A setup_done=()
setup() {
	local a=$1 flavour=${2:-} qbin=qemu-system-x86_64 paths ko=${XEN_DMA_KO:-} root=
	[ "$a" = arm64 ] && qbin=qemu-system-aarch64 ko=${XEN_DMA_KO_ARM64:-}
	command -v $qbin >/dev/null ||
		{ why="$qbin missing (apt-get install qemu-system-x86 qemu-system-arm)"; return 1; }
	paths=$("$XEN_DMA_TOP/scripts/dom0/fetch.sh" "$a" "$stack") ||
		{ why="scripts/dom0/fetch.sh $a $stack failed"; return 1; }
	eval "$paths"
	work=${WORK:?fetch.sh printed no WORK}
	initrd=$work/initramfs${flavour:+-$flavour}.cpio.gz
	rootfs=$work/rootfs.img
	if [ "$flavour" = builtin ]; then
		# The newest series with xen-dma built in (scripts/dom0/kernel.sh).
		KERNEL=$("$XEN_DMA_TOP/scripts/dom0/kernel.sh" "$a") || {
			why="building the $a dom0 kernel with xen-dma built in failed"; return 1; }
		root=$rootfs
	fi
	if [ -z "${setup_done[$a$flavour]:-}" ]; then
		local ts=0
		[ "$flavour" = foreign ] && ts=1
		XEN_DMA_TOOLSTACK=$ts XEN_DMA_STACK=$stack XEN_DMA_ROOTFS=$root \
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
# cannot share a boot. A built-in xen-dma takes its parameters there too,
# the disk's PCI address put in for @DISK@.
kernel_words() {
	local w out=() builtin=
	[ "$(case_get "$1" kernel)" = builtin ] && builtin=1
	for w in $(case_get "$1" parameters); do
		case "$w" in
		xen_dma_*) ;;
		xen_dma.*)
			[ -z "$builtin" ] ||
				out+=("${w//@DISK@/$(machine_disk_pci "$(case_get "$1" machine)" "$(case_get "$1" disk)")}") ;;
		*) out+=("$w") ;;
		esac
	done
	echo "${out[*]}"
}

# boot_cases CASE...: one boot that runs the cases in turn (all of one
# machine, disk and kernel words: see plan_boots); its console goes to
# boot_log, each case's part of it to the case's log (split_log). A case
# that runs past its timeout ends the boot. On a setup failure returns 1
# with the reason in $why.
boot_cases() {
	local c first=$1 arch params flavour='' has_net=0 mtype disk
	arch=$(xen_dma_case_arch "$first")
	mtype=$(case_get "$first" machine)
	disk=$(case_get "$first" disk)
	for c in "$@"; do
		case "$(case_get "$c" test)" in
		foreign) flavour=foreign ;;
		net) has_net=1 ;;
		esac
	done
	# plan_boots keeps cases of the two kernels apart.
	[ "$(case_get "$first" kernel)" = builtin ] && flavour=builtin
	setup "$arch" $flavour || return 1
	# Read by the foreign test only; dom0 gives up on a stuck domU well
	# before the case's timeout, so it is reported with its console.
	params="$domu_tmo"
	if [ "$has_net" = 1 ]; then
		[ -n "$http_pid" ] || start_http
		params="$params xen_dma_http=$http_port"
	fi
	local list
	list=$(IFS=,; echo "$*")
	# A fresh, zeroed disk each boot (made once the lock is held, one per
	# boot: concurrent runs must not share it): stale data cannot pass.
	local img=$work/disk-$first.img img2=$work/disk2-$first.img
	local images=() qemu=() xen_desc
	machine_qemu "$mtype" "$disk" "$has_net" "$flavour" "$img" "$img2" \
		"xen_dma_cases=$list $(kernel_words "$first") $params ${XEN_DMA_DOM0_ARGS:-}" ||
		return 1
	local bootf
	bootf=$(boot_log "$first")
	log "booting $xen_desc + $arch dom0 ($stack) for $*; waiting for $XEN_DMA_LOCK first"
	(
		tw=$(date +%s.%N)
		flock 9
		rm -f "${images[@]}"
		for i in "${images[@]}"; do truncate -s 256M "$i"; done
		# The built-in kernel's root file system is the first disk.
		[ "$flavour" != builtin ] || cp "$rootfs" "$img"
		t0=$(date +%s.%N)
		rc=0
		# In our process group, so killing the caller's group
		# (kill -- -PGID) ends it too.
		"${qemu[@]}" </dev/null >"$bootf" 2>&1 9>&- &
		watch_boot $! "$bootf" "$@" || rc=$?
		t1=$(date +%s.%N)
		rm -f "${images[@]}"
		echo "$rc $t0 $t1 $tw" | awk '{ printf "%s %.1f %.1f\n", $1, $3 - $2, $2 - $4 }' \
			>"$bootf.status"
	) 9>"$XEN_DMA_LOCK"
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
	deadline=$((SECONDS + ${XEN_DMA_DOM0_TIMEOUT:-$(case_get "$1" timeout)}))
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		c=$(grep -a '^xen-dma-test: case ' "$logf" | tail -n 1 | sed 's/^xen-dma-test: case \([^ ,]*\).*/\1/')
		if [ -n "$c" ] && [ "$c" != "$cur" ]; then
			cur=$c
			deadline=$((SECONDS + ${XEN_DMA_DOM0_TIMEOUT:-$(case_get "$c" timeout)}))
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

# plan_boots CASE...: the boots, one line of cases each, in the order given.
# Cases of one machine, disk and kernel words share a boot (the boot
# column); a "last" case ends its boot, so a second one gets another boot;
# an "alone" case gets its own.
plan_boots() {
	local c key keys=() last
	declare -A shared=() lasts=()
	for c in "$@"; do
		if [ "$(case_get "$c" boot)" = alone ]; then
			key="alone $c"
		else
			key="$(case_get "$c" machine) $(case_get "$c" disk) $(case_get "$c" kernel) $(kernel_words "$c")"
		fi
		[ -n "${shared[$key]+x}${lasts[$key]+x}" ] || keys+=("$key")
		if [ "$(case_get "$c" boot)" = last ]; then
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

# retry CASE WHY: its log kept as dom0-<case>.tryN.log, one try counted
# (and written to $RETRIES for make test's summary).
retry() {
	local try=${tries[$1]:-1}
	mv "$(case_log "$1")" "$XEN_DMA_CACHE/logs/dom0-$tag$1.try$try.log"
	log "$1: $2; booting once more (earlier log: dom0-$tag$1.try$try.log)"
	[ -z "${RETRIES:-}" ] ||
		echo "dom0-$tag$(xen_dma_case_arch "$1"):$1 try $try: $2 (log dom0-$tag$1.try$try.log)" >>"$RETRIES"
	tries[$1]=$((try + 1))
}

# settle CASE: judges it from its log; a flake (retry_reason) with boots
# left is kept for another boot (returns 1), anything else is finished.
settle() {
	local why
	judge_case "$1"
	# Up to two more boots: the PVH flakes hit about one boot in five.
	if why=$(retry_reason "$1") && [ -n "$why" ] && [ "${tries[$1]:-1}" -le 2 ]; then
		retry "$1" "$why"
		return 1
	fi
	finish "$1"
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
				echo "dom0-$tag$(xen_dma_case_arch "$c"):$c 0 1 0" >"$state/result.$c"
				finish "$c"
			done
			break
		fi
		# The cases this boot started; those after the one it ended in
		# never ran and go to the next boot as they are. A boot that
		# died before /init started none: each case is judged on the
		# whole boot's log (a flake boots them all again, anything else
		# fails them all).
		started=$(tr -d '\r' <"$(boot_log "${queue[0]}")" |
			sed -n 's/^xen-dma-test: case \([^ ,]*\),.*/\1/p')
		next=()
		for c in "${queue[@]}"; do
			if [ -z "$started" ]; then
				cp "$(boot_log "${queue[0]}")" "$(case_log "$c")"
			elif ! grep -qxF "$c" <<<"$started"; then
				next+=("$c")
				continue
			fi
			settle "$c" || next+=("$c")
		done
		queue=("${next[@]}")
	done
done
