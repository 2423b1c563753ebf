/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma hooks: everything xen-dma asks of the hypervisor.
 *
 * Seed 004 keeps the cross-section small: "map addresses" (a non-linear
 * pfn -> bus frame translation) and "ready buffers for DMA" (a special
 * allocation: machine-contiguous below N address bits), plus the feature
 * bits read once. One table of these is chosen at init: the real one
 * (drivers/xen/xen-dma-xen.c) or, in KUnit, a simulated hypervisor.
 */
#ifndef _XEN_DMA_HOOKS_H
#define _XEN_DMA_HOOKS_H

#include <linux/bits.h>
#include <linux/types.h>

/* Frames are Xen's 4 KiB pages, whatever the kernel's page size. */
#define XEN_DMA_FRAME_SHIFT	12
#define XEN_DMA_FRAME_SIZE	BIT(XEN_DMA_FRAME_SHIFT)

/* pfn_to_bfn() result: no bus frame is known for this pfn. */
#define XEN_DMA_BFN_INVALID	(~0UL)
/* pfn_to_bfn() flag: the frame belongs to another domain (grant-mapped). */
#define XEN_DMA_BFN_FOREIGN	BIT(BITS_PER_LONG - 2)

/**
 * struct xen_dma_features - what the hypervisor tells about this domain
 * @auto_translated: XENFEAT_auto_translated_physmap: the hypervisor
 *	translates guest frames (HVM, PVH, Arm); otherwise x86 PV
 * @direct_mapped: XENFEAT_direct_mapped (17)
 * @not_direct_mapped: XENFEAT_not_direct_mapped (16)
 * @initial_domain: this is dom0
 * @x86: the legacy rule for neither flag differs between x86 and Arm
 * @iommu: an IOMMU translates guest frame numbers for our devices
 * @max_bus_address: the highest bus address of RAM (machine memory, or the
 *	guest's own with an IOMMU); 0 when unknown
 */
struct xen_dma_features {
	bool auto_translated;
	bool direct_mapped;
	bool not_direct_mapped;
	bool initial_domain;
	bool x86;
	bool iommu;
	u64 max_bus_address;
};

/**
 * struct xen_dma_hooks - the hypervisor, as xen-dma sees it
 * @name: shown in logs and debugfs
 * @read_features: fill in the domain's features; called once per policy
 *	decision, never from a mapping path
 * @pfn_to_bfn: "map addresses": the bus frame a device must use for the
 *	4 KiB guest frame @pfn, possibly with %XEN_DMA_BFN_FOREIGN set, or
 *	%XEN_DMA_BFN_INVALID. Called from mapping paths: must not sleep.
 * @make_contiguous: "ready buffers for DMA": make the 2^@order pages at
 *	@phys machine-contiguous below @address_bits and return the bus
 *	address of the first byte in @bus. The contents are lost. On failure
 *	the memory must be exactly as it was. Must not sleep: coherent
 *	allocations may be made in atomic context.
 * @undo_contiguous: give back what @make_contiguous obtained for the same
 *	range, so the pages can return to the page allocator. Must not sleep.
 */
struct xen_dma_hooks {
	const char *name;
	void (*read_features)(struct xen_dma_features *features);
	unsigned long (*pfn_to_bfn)(unsigned long pfn);
	int (*make_contiguous)(phys_addr_t phys, unsigned int order,
			       unsigned int address_bits, dma_addr_t *bus);
	void (*undo_contiguous)(phys_addr_t phys, unsigned int order);
};

#endif /* _XEN_DMA_HOOKS_H */
