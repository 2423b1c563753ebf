#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the domU in the foreign-pages cases (pv-foreign*): a PV guest
# whose disk /dev/xvda is served by dom0's xen-blkback from dom0's NVMe, so
# dom0's NVMe driver DMAs straight to this guest's (grant-mapped) pages.
# Writes xen_dma_mb MiB (default 64) of random data with O_DIRECT, reads it
# back with O_DIRECT, and prints one line per check on its console:
#
#   XEN_DMA_DOMU PASS|FAIL <check>: <detail>
#
# then XEN_DMA_DOMU_DONE, and powers off. xvda takes 512-byte-aligned
# buffers and requests of 128 KiB at most.

/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o size=160m tmpfs /tmp
dmesg -n 1

mb=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^xen_dma_mb=//p' | tail -n 1)
mb=${mb:-64}
say() { echo "XEN_DMA_DOMU $*"; }

modprobe xen-blkfront || say "FAIL driver: modprobe xen-blkfront failed"
i=0
while [ ! -b /dev/xvda ] && [ $i -lt 300 ]; do
	usleep 100000
	i=$((i + 1))
done
if [ ! -b /dev/xvda ]; then
	say "FAIL disk: /dev/xvda never appeared"
else
	dd if=/dev/urandom of=/tmp/pattern bs=1M count="$mb" 2>/dev/null
	want=$(sha256sum </tmp/pattern | cut -d' ' -f1)
	if dd if=/tmp/pattern of=/dev/xvda bs=128k oflag=direct conv=fsync 2>/tmp/dd.err; then
		say "PASS write: $mb MiB written to /dev/xvda with O_DIRECT in 128 KiB requests"
	else
		say "FAIL write: O_DIRECT write to /dev/xvda: $(tail -n 1 /tmp/dd.err)"
	fi
	rm -f /tmp/pattern
	for kb in 128 4; do
		n=$mb
		[ "$kb" = 4 ] && n=$((mb < 8 ? mb : 8))
		t0=$(cut -d' ' -f1 /proc/uptime)
		got=$(dd if=/dev/xvda bs=${kb}k count=$((n * 1024 / kb)) iflag=direct 2>/tmp/dd.err |
			sha256sum | cut -d' ' -f1)
		t1=$(cut -d' ' -f1 /proc/uptime)
		rate=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f", n / (b - a) }')
		# dom0 compares the 128 KiB rate of two domUs (xen_dma_domu_compare).
		[ "$kb" = 128 ] && echo "XEN_DMA_DOMU_RATE $rate"
		if [ "$kb" = 4 ]; then
			# The first n MiB of the pattern: read them back in 128 KiB
			# requests to compare with the 4 KiB ones.
			want_n=$(dd if=/dev/xvda bs=128k count=$((n * 8)) iflag=direct 2>/dev/null |
				sha256sum | cut -d' ' -f1)
		else
			want_n=$want
		fi
		if [ "$got" = "$want_n" ]; then
			say "PASS data: $n MiB read back from /dev/xvda with O_DIRECT in $kb KiB requests ($rate MiB/s), sha256 matches"
		else
			say "FAIL data: $n MiB read back in $kb KiB requests: sha256 $got, want $want_n ($(tail -n 1 /tmp/dd.err))"
		fi
	done
fi
say "DONE"
echo XEN_DMA_DOMU_DONE
sync
poweroff -f
