# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash
#
# Test "net" (tests/dom0/cases): xen_dma on the NIC, then ping and, when
# the host serves one (xen_dma_http=PORT), a download with its checksum.
# Sourced by tests/dom0/init.sh.

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

run_test() {
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
}
