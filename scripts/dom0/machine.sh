# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154  # qemu, images, xen_desc, why: the caller's; XEN, XENVER, KERNEL, initrd: its setup()
#
# The QEMU machines the dom0 cases boot on (the machine column of
# tests/dom0/cases), one branch each: what QEMU emulates, Xen's and dom0's
# command lines, and the disks. Sourced by scripts/dom0/run.sh; reads what
# its setup() set (XEN, XENVER, KERNEL, initrd).
#
# Devices' PCI addresses are pinned (addr= below): x86 NVMe 0000:00:04.0,
# NIC 0000:00:05.0; arm64 virtio-blk 0000:00:01.0, NVMe 0000:00:02.0.
# Inside dom0, init.sh finds them by class for the cases' @DISK@ and the
# like.

# The coloured machines (armc, armcs): 32 colours of 4 KiB (a 2 MiB, 16-way
# LLC); Xen keeps 0-1, dom0 gets 16 adjacent ones, 16-31, so its
# machine-contiguous runs are 64 KiB long and 64 KiB-aligned.
machine_dom0_colours=16-31
machine_xen_colours="llc-coloring=on llc-size=2M llc-nr-ways=16 xen-llc-colors=0-1 dom0-llc-colors=$machine_dom0_colours"

# machine_disk_pci MACHINE DISK: the PCI address dom0 sees the disk at.
machine_disk_pci() {
	case "$1:$2" in
	pv*:*)		echo 0000:00:04.0 ;;
	arm*:nvme)	echo 0000:00:02.0 ;;
	arm*:*)		echo 0000:00:01.0 ;;
	esac
}

# machine_fault_re MACHINE: the lines Xen logs when the machine's IOMMU
# faults a device's access (none for a machine without one), and its name.
machine_fault_re() {
	case "$1" in
	pvh)	echo 'VT-d \[VT-D\].*[Ff]ault|DMAR:\[DMA' ;;
	armcs)	echo 'SMMU SMMUv3:.*(event 0x|EVTQ overflow|CMDQ error|timeout)' ;;
	esac
}

# machine_qemu MACHINE DISK NET KERNEL IMG IMG2 DOM0_ARGS: sets qemu (the
# command line, an array), images (the disk images it reads, to be made
# empty first) and xen_desc (which Xen, for the log). NET: 1 for an e1000e
# on QEMU's user network. KERNEL: builtin boots $KERNEL with no initramfs,
# its root file system on the disk (IMG). On failure returns 1 with the
# reason in $why.
machine_qemu() {
	local mtype=$1 disk=$2 net=$3 kernel=$4 img=$5 img2=$6 dom0_args=$7
	local nic=(-nic none) dom0_cmdline xen_cmdline initrd_arg=",$initrd"
	local guest_initrd=(-device "guest-loader,addr=0x58000000,initrd=$initrd")
	if [ "$kernel" = builtin ]; then
		local rootdev=/dev/nvme0n1
		[ "$disk" = virtio ] && rootdev=/dev/vda
		# The KUnit suites stay off: they would replace the hooks
		# under the real devices.
		dom0_args="root=$rootdev rootfstype=ext4 rw rootwait init=/init kunit.enable=0 $dom0_args"
		initrd_arg=
		guest_initrd=()
	fi
	[ "$net" = 1 ] && nic=(-netdev "user,id=n0" -device "e1000e,netdev=n0,addr=0x5")
	xen_desc="Xen $XENVER"
	images=("$img")
	case "$mtype" in
	pv|pvh)
		dom0_cmdline="console=hvc0 earlyprintk=xen $dom0_args"
		local machine=(-machine pc -cpu "max,-smap")
		xen_cmdline='console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M'
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
			-initrd "$KERNEL $dom0_cmdline$initrd_arg"
			-drive "file=$img,if=none,id=d0,format=raw"
			-device "nvme,serial=xendma0,drive=d0,addr=0x4"
			"${nic[@]}") ;;
	arm|armc|armcs)
		# No ITS under Xen: legacy interrupts (pci=nomsi). QEMU's guest-loader
		# adds the multiboot,module nodes Xen looks for to QEMU's own dtb.
		dom0_cmdline="console=hvc0 earlycon=xen pci=nomsi $dom0_args"
		local dev=(-device "virtio-blk-pci,drive=d0,addr=0x1")
		local vmachine=virt,virtualization=on,gic-version=3 mem=2048 qbin=qemu-system-aarch64
		local xen=$XEN
		xen_cmdline='console=dtuart dom0_mem=1024M,max:1024M'
		[ "$disk" = nvme ] && dev=(-device "nvme,serial=xendma0,drive=d0,addr=0x2")
		if [ "$mtype" != arm ]; then
			# The coloured machine: both disks, Xen 4.21 with cache
			# colouring (scripts/dom0/xen-colour.sh). armcs adds an
			# SMMUv3 doing stage 2, which only QEMU >= 8.1 has, and
			# puts the virtio disk behind it too (QEMU's virtio
			# devices bypass a vIOMMU unless told otherwise).
			xen=$("$XEN_DMA_TOP/scripts/dom0/xen-colour.sh") || {
				why="building the coloured Xen failed"; return 1; }
			mem=4096
			xen_desc="$(basename "$(dirname "$xen")") (coloured)"
			xen_cmdline="$xen_cmdline $machine_xen_colours"
			# The test checks the pool's frames against them.
			dom0_cmdline="$dom0_cmdline xen_dma_colours=$machine_dom0_colours/32"
			# Xen has the ITS here (xen-colour.sh): MSIs.
			dom0_cmdline=${dom0_cmdline/ pci=nomsi/}
			images+=("$img2")
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
			"${guest_initrd[@]}"
			-drive "file=$img,if=none,id=d0,format=raw"
			"${dev[@]}") ;;
	*)	why="unknown machine '$mtype' (tests/dom0/cases)"
		return 1 ;;
	esac
}
