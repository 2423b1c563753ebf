#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: installs what it needs, boots Debian's Xen with Debian's
# kernel as its x86 PV dom0 under QEMU, loads xen_dma on the (emulated) NVMe
# disk, writes and reads back 64 MiB through it, and explains what happened
# in plain words. Exits 0 when everything checked out; otherwise says why on
# the terminal.
#
# usage: demo.sh [x86_64|arm64]   (arm64: an Arm64 dom0 with a virtio-blk disk)
#   env XEN_DMA_STACK  deb13 (default: Debian 13, Xen 4.20, Linux 6.12) or
#                      deb12 (Debian 12, Xen 4.17, Linux 6.1)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../common.sh
. "$(dirname "$0")/../common.sh"

case "${1:-x86_64}" in
x86_64)	case=demo ;;
arm64)	case=arm-demo ;;
*)	die "usage: $0 [x86_64|arm64]" ;;
esac

export XEN_DMA_STACK=${XEN_DMA_STACK:-deb13}
xen_dma_stack_xen "$XEN_DMA_STACK" >/dev/null
tag=
[ "$XEN_DMA_STACK" = deb12 ] || tag=$XEN_DMA_STACK-
"$XEN_DMA_TOP/scripts/install-deps.sh" demo
results=$(mktemp)
trap 'rm -f "$results"' EXIT
log "booting Xen + dom0 ($XEN_DMA_STACK) under QEMU (software emulation: one to three minutes the first time)..."
runlog=$XEN_DMA_CACHE/logs/dom0-$tag$case.run.log
mkdir -p "$XEN_DMA_CACHE/logs"
RESULTS=$results "$XEN_DMA_TOP/scripts/dom0/run.sh" "$case" 2>"$runlog" || true
logf=$XEN_DMA_CACHE/logs/dom0-$tag$case.log
read -r _ passed failed _ <"$results" 2>/dev/null || true
# Anything that kept the demo from running or passing: its cause first,
# on the terminal, and no story around it.
if [ ! -s "$results" ] || [ "${failed:-1}" != 0 ] || [ "${passed:-0}" = 0 ]; then
	grep -E 'error|setup failed|FAIL' "$runlog" >&2 || tail -n 20 "$runlog" >&2
	die "the demo failed (${failed:-?} check(s)); console log: $logf, run log: $runlog"
fi
con=$(tr -d '\r' <"$logf")

# value KEY: from the NVMe's debugfs stats block in the log.
value() { sed -n "s/^  $1: //p" <<<"$con" | head -n 1; }
feat=$(grep -m 1 -o 'auto_translated=.*' <<<"$con" | sed 's/, mode=.*//' || true)
mode=$(value mode)
reason=$(value reason)

say() { printf '%s\n' "$*"; }
say ""
say "=== xen-dma demo: a real Xen hypervisor, its first guest (dom0), a disk ==="
say ""
say "Xen is a hypervisor: it owns the machine and runs Linux on top as a guest."
if [ "$case" = demo ]; then
say "The first guest, dom0, drives the real hardware. In a 'PV' (paravirtualised)"
say "dom0, the page numbers Linux believes its memory has ('pfn', pseudo-physical)"
say "are not the ones the hardware uses ('mfn', machine frames): Xen handed dom0"
say "scattered machine pages and keeps a pfn -> mfn table. A disk controller"
say "reads and writes memory by machine address (DMA), so every address Linux gives"
say "the disk must be translated, and buffers that span several pages must be"
say "contiguous in machine memory too. xen_dma does that for the devices it is"
say "attached to."
else
say "The first guest, dom0, drives the real hardware. On Arm, Xen translates the"
say "guest's memory itself ('auto-translated': second-stage page tables), and for"
say "dom0 it maps memory 1:1: the address Linux believes a page has is its real"
say "(machine) address. So a device doing DMA can be given dom0's own pages as they"
say "are; only pages of other guests mapped into dom0 ('foreign' pages, e.g. a"
say "guest's disk buffers served by dom0) sit at a different machine address and"
say "must be looked up. xen_dma decides this per device from what Xen reports, and"
say "can still copy everything through its own pool when told to ('bounce')."
fi
say ""
if grep -q '^xen-dma-test: hypervisor:' <<<"$con"; then
	say "What ran: $(sed -n 's/^xen-dma-test: hypervisor: /hypervisor /p' <<<"$con" | head -n 1),"
	say "  dom0 kernel $(sed -n 's/^xen-dma-test: case [^,]*, kernel \([^,]*\),.*/\1/p' <<<"$con" | head -n 1),"
	say "  disk: QEMU's $(sed -n 's/^xen-dma-test: \([a-z]*\) disk at \([^,]*\),.*/\1 disk at PCI \2/p' <<<"$con")."
fi
if [ -n "$feat" ]; then
	say ""
	say "What Xen told the module about this guest: $feat"
	if [ "$case" = demo ]; then
	say "  auto_translated=0: Xen does not translate this guest's memory for it (a PV"
	say "    guest keeps its own pfn -> mfn table and must translate by itself);"
	else
	say "  auto_translated=1: Xen translates this guest's memory with its own page"
	say "    tables, so the guest sees 'guest frames' (gfn);"
	fi
	say "  direct_mapped / not_direct_mapped: whether the frame numbers the guest uses"
	say "    are machine frames (Arm dom0: yes, 1:1; PV: yes, once translated);"
	say "  iommu: whether an IOMMU translates for devices."
fi
if [ -n "$mode" ]; then
	say ""
	say "The mode xen_dma picked for the disk: $mode"
	say "  why: $reason"
	case "$mode" in
	translate) if [ "$case" = demo ]; then
		   say "  => each DMA address is the machine address of the page (pfn looked up in"
		   say "     Xen's table); buffers that are not machine-contiguous are copied through"
		   say "     a pool of machine-contiguous memory the module owns."
		   else
		   say "  => dom0's own pages go to the device as they are (1:1); a foreign page is"
		   say "     looked up in Xen's table first; nothing is copied unless needed."
		   fi ;;
	bounce)	   say "  => every buffer is copied through the module's own machine-contiguous pool." ;;
	direct)	   say "  => device addresses equal guest addresses: nothing to translate." ;;
	esac
fi
lookups=$(sed -n 's/^  lookup: //p' <<<"$con" | head -n 5)
if [ -n "$lookups" ]; then
	say ""
	say "A few translations asked of the module (debugfs xen_dma/lookup): the guest page"
	say "number (pfn) Linux uses -> the bus frame a device must be given for that page:"
	while read -r l; do say "    $l"; done <<<"$lookups"
	# The distance between pfn and bus frame, when it is the same for all.
	delta='' mixed=''
	while read -r _ p _ _ _ b _; do
		[[ $p == 0x* && $b == 0x* ]] || continue
		d=$((b - p))
		if [ -z "$delta" ]; then delta=$d; elif [ "$d" != "$delta" ]; then mixed=1; fi
	done < <(head -n 4 <<<"$lookups")
	[ -z "$mixed" ] || delta=''
	if [ "$delta" = 0 ]; then
		say "  Every page probed has bus frame = pfn: dom0's memory is mapped 1:1, so the"
		say "  device can use dom0's own addresses unchanged (foreign pages would differ)."
	elif [ -n "$delta" ]; then
		say "  Here every page probed is shifted by the same $(printf '%#x' "$delta") frames ($((delta * 4 / 1024)) MiB):"
		say "  Xen happened to hand dom0 one large run of machine memory, but nothing"
		say "  promises that; without the translation the disk would read and write"
		say "  someone else's memory."
	fi
	say "  The last line is the first page of the module's own bounce pool: the module"
	if [ -n "$delta" ] && [ "$delta" != 0 ]; then
	say "  traded those pages with Xen for machine-contiguous memory, so they sit"
	say "  somewhere else in machine memory than the other pages."
	else
	say "  keeps it machine-contiguous, so a buffer copied there needs one address only."
	fi
fi
hw=$(sed -n 's/^  high_water_slots: //p' <<<"$con" | head -n 1)
if [ -n "$(value maps)" ]; then
	say ""
	say "What went through the module while the disk was used (debugfs stats):"
	for k in maps unmaps bounces bytes_bounced coherent failures; do
		v=$(value "$k")
		[ -n "$v" ] && printf '    %-14s %s\n' "$k" "$v"
	done
	[ -n "$hw" ] && printf '    %-14s %s\n' "pool peak" "$hw slots in use at most (pool debugfs: high_water_slots)"
	say "  (maps: DMA mappings handed to the disk driver; bounces: those copied through"
	say "   the pool; coherent: long-lived buffers such as the disk's queues, which"
	say "   do not come from the pool)"
fi
say ""
say "The data check: 64 MiB of random data written to the disk, bypassing Linux's"
say "cache (O_DIRECT, so the bytes really travel by DMA), then read back:"
grep "^XEN_DMA_RESULT $case " <<<"$con" | sed "s/^XEN_DMA_RESULT $case /    /" || true
say ""
say "Full console log (Xen + dom0): $logf"
say "$(grep -o 'boot wall time.*s (' "$runlog" | sed 's/ (//')"
say "RESULT: all $passed checks passed."
