/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma hooks: everything xen-dma asks of the hypervisor.
 *
 * The cross-section is kept as small as LKML asked of Xen in 2009 ("where
 * do we stand with the Xen patches", 2009-05-19): "map addresses" (a non-linear
 * phys -> bus translation) and "ready buffers for DMA" (a special
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

/* A frame's bus frame: none is known for this pfn. */
#define XEN_DMA_BFN_INVALID	(~0UL)
/* A frame's bus frame, flag: the frame belongs to another domain. */
#define XEN_DMA_BFN_FOREIGN	BIT(BITS_PER_LONG - 2)

/**
 * enum xen_dma_iommu_report - what the hypervisor said about its IOMMU
 * @XEN_DMA_IOMMU_UNKNOWN: it could not be asked, or did not answer
 * @XEN_DMA_IOMMU_ABSENT: it says no IOMMU is enabled
 * @XEN_DMA_IOMMU_PRESENT: it says its IOMMU is enabled
 */
enum xen_dma_iommu_report {
	XEN_DMA_IOMMU_UNKNOWN,
	XEN_DMA_IOMMU_ABSENT,
	XEN_DMA_IOMMU_PRESENT,
};

/**
 * struct xen_dma_features - what the hypervisor tells about this domain
 * @auto_translated: XENFEAT_auto_translated_physmap: the hypervisor
 *	translates guest frames (HVM, PVH, Arm); otherwise x86 PV
 * @direct_mapped: XENFEAT_direct_mapped (17)
 * @not_direct_mapped: XENFEAT_not_direct_mapped (16)
 * @initial_domain: this is dom0
 * @x86: the legacy rule for neither flag differs between x86 and Arm
 * @iommu_report: what the hypervisor said about its IOMMU
 * @iommu_how: how @iommu_report was learnt (or why it could not be), for
 *	the log
 * @iommu: an IOMMU translates guest frames for our devices. The hooks leave
 *	it false; xen_dma_policy_iommu() decides it from @iommu_report and
 *	the iommu= parameter
 * @max_bus_address: the highest machine address of RAM; 0 when unknown
 * @max_gfn_address: the highest guest-physical address of the domain,
 *	grant mappings included; 0 when unknown
 */
struct xen_dma_features {
	bool auto_translated;
	bool direct_mapped;
	bool not_direct_mapped;
	bool initial_domain;
	bool x86;
	enum xen_dma_iommu_report iommu_report;
	const char *iommu_how;
	bool iommu;
	u64 max_bus_address;
	u64 max_gfn_address;
};

/**
 * struct xen_dma_bus_range - what "map addresses" says of a buffer
 * @bus: the bus address of the buffer's first byte
 * @contiguous: every frame has a bus frame, each one following the previous
 * @foreign: at least one frame belongs to another domain; when not
 *	@contiguous, only the frames up to the first out of line were looked
 *	at (the mapping bounces then, wherever the rest lies)
 */
struct xen_dma_bus_range {
	dma_addr_t bus;
	bool contiguous;
	bool foreign;
};

/**
 * xen_dma_walk_frames() - fill a &xen_dma_bus_range frame by frame
 * @phys: the buffer
 * @size: its length, at least 1
 * @bus_frame_of: the bus frame of a 4 KiB guest frame, possibly with
 *	%XEN_DMA_BFN_FOREIGN, or %XEN_DMA_BFN_INVALID
 * @r: the answer
 *
 * For the hooks' map_range(). Always inlined, so that @bus_frame_of is a
 * direct (usually inlined) call: one indirect call per mapping, not one
 * per frame, which is what a retpoline makes expensive. (Not called
 * pfn_to_bfn: Xen's asm/xen/page.h defines a macro of that name, which
 * would silently replace the call.)
 *
 * The walk stops at the first frame out of line: such a mapping bounces,
 * and where its other frames lie changes nothing. Per frame it is one
 * lookup, one mask and one compare, so a 2 MiB buffer's 512 frames cost
 * about what swiotlb-xen's range_straddles_page_boundary() does.
 * %XEN_DMA_BFN_INVALID masked is never the frame expected next, so a frame
 * without a bus frame ends the walk too.
 */
static __always_inline void
xen_dma_walk_frames(phys_addr_t phys, size_t size,
		    unsigned long (*bus_frame_of)(unsigned long pfn),
		    struct xen_dma_bus_range *r)
{
	unsigned long pfn = phys >> XEN_DMA_FRAME_SHIFT;
	unsigned long nr = ((phys + size - 1) >> XEN_DMA_FRAME_SHIFT) - pfn;
	unsigned long first = bus_frame_of(pfn), seen = 0, next, i;
	bool contiguous = first != XEN_DMA_BFN_INVALID;

	if (contiguous)
		seen = first;
	next = (first & ~XEN_DMA_BFN_FOREIGN) + 1;
	for (i = 1; contiguous && i <= nr; i++, next++) {
		unsigned long bfn = bus_frame_of(pfn + i);

		contiguous = (bfn & ~XEN_DMA_BFN_FOREIGN) == next;
		if (contiguous)
			seen |= bfn;
	}
	r->contiguous = contiguous;
	r->foreign = !!(seen & XEN_DMA_BFN_FOREIGN);
	r->bus = ((dma_addr_t)(first & ~XEN_DMA_BFN_FOREIGN) <<
		  XEN_DMA_FRAME_SHIFT) | (phys & (XEN_DMA_FRAME_SIZE - 1));
}

/* make_contiguous() result: the frames were exchanged; undo before freeing. */
#define XEN_DMA_FRAMES_MOVED	1

/**
 * struct xen_dma_hooks - the hypervisor, as xen-dma sees it
 * @name: shown in logs and debugfs
 * @read_features: fill in the domain's features, and take what the other
 *	hooks need; called once, at init, never from a mapping path
 * @map_range: "map addresses": where a device finds the buffer at @phys,
 *	@size bytes (at least 1), in the bus space of the domain's own
 *	frames: machine frames in a PV domain, guest frames in an
 *	auto-translated one. One call covers the whole buffer. Called from
 *	mapping paths: must not sleep.
 * @make_contiguous: "ready buffers for DMA": make the 2^@order pages at
 *	@phys machine-contiguous below @address_bits, when @aligned aligned
 *	to their size on the bus (as dma_alloc_coherent() promises; a bounce
 *	segment needs no more than page alignment), and return the bus
 *	address of the first byte in @bus. Memory that already is keeps its
 *	frames and its contents (return 0); otherwise the frames are exchanged,
 *	the contents lost, and %XEN_DMA_FRAMES_MOVED returned. On failure the
 *	memory is exactly as it was. Must not sleep: coherent allocations may
 *	be made in atomic context. NULL where @find_contiguous is given.
 * @find_contiguous: "ready buffers for DMA" where the hypervisor cannot
 *	exchange frames for this domain, only say where they are (an Arm dom0
 *	under cache colouring): find, in the 2^@chunk_order pages at @phys,
 *	2^@order pages in a row that are machine-contiguous below
 *	@address_bits (aligned to their size on the bus when @aligned), and
 *	set @first to the index of the first and @bus to its bus address.
 *	Return 0, -EAGAIN when there are none, -ERANGE when there are only
 *	above the limit, or another error when machine addresses cannot be
 *	learnt at all. Nothing is changed. Must not sleep. Optional.
 * @undo_contiguous: give back what a %XEN_DMA_FRAMES_MOVED call of
 *	@make_contiguous obtained for the same range, so the pages can return
 *	to the page allocator. Must not sleep.
 * @release: optional; give back what @read_features took, once no call of
 *	@make_contiguous can come any more
 */
struct xen_dma_hooks {
	const char *name;
	void (*read_features)(struct xen_dma_features *features);
	void (*map_range)(phys_addr_t phys, size_t size,
			  struct xen_dma_bus_range *range);
	int (*make_contiguous)(phys_addr_t phys, unsigned int order,
			       unsigned int address_bits, bool aligned,
			       dma_addr_t *bus);
	void (*undo_contiguous)(phys_addr_t phys, unsigned int order);
	int (*find_contiguous)(phys_addr_t phys, unsigned int chunk_order,
			       unsigned int order, unsigned int address_bits,
			       bool aligned, unsigned long *first,
			       dma_addr_t *bus);
	void (*release)(void);
};

#endif /* _XEN_DMA_HOOKS_H */
