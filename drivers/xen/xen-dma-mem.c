// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma memory: pages a device can reach below a limit.
 *
 * One rule, in xen_dma_policy_bus_space(), says which addresses a device is
 * given for our memory; this file turns it into pages:
 *
 *  - guest frames (1:1 domains, or an IOMMU translates): the page allocator
 *    has the answer, and the zone ladder of kernel/dma/direct.c finds a page
 *    below the limit: the zone the limit suggests first, then ever lower
 *    zones while the page came back too high;
 *  - machine frames (x86 PV; auto-translated, not 1:1, no IOMMU): "ready
 *    buffers for DMA" makes the pages machine-contiguous below the limit.
 *    It leaves memory that already is so alone (as upstream's
 *    xen_swiotlb_alloc_coherent() does), which saves the exchange, its
 *    hypercalls and TLB flush, and Xen's scarce low memory. The ranges it
 *    did exchange are recorded here, and only those are exchanged back.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/dma-mapping.h>
#include <linux/mm.h>

#include <xen/xen-dma-compat.h>
#include <xen/xen-dma-mem.h>

/**
 * xen_dma_mem_init() - set up a memory source
 * @mem: the source
 * @hooks: the hypervisor
 */
void xen_dma_mem_init(struct xen_dma_mem *mem, const struct xen_dma_hooks *hooks)
{
	mem->hooks = hooks;
	/* Coherent allocations may come from interrupts: irq-safe lock. */
	xa_init_flags(&mem->moved, XA_FLAGS_LOCK_IRQ);
}

/**
 * xen_dma_mem_destroy() - forget a memory source
 * @mem: the source; everything it gave must have been freed or be kept for
 *	good (leaked by a driver)
 */
void xen_dma_mem_destroy(struct xen_dma_mem *mem)
{
	xa_destroy(&mem->moved);
}

/* Bus address bits that keep every address at or below @limit. */
static unsigned int limit_bits(u64 limit)
{
	unsigned int bits = fls64(limit);

	if (bits < 64 && DMA_BIT_MASK(bits) > limit)
		bits--;
	return bits;
}

/* The first zone dma-direct would try for @limit (dma_direct_optimal_gfp_mask()). */
static gfp_t ladder_first_zone(u64 limit)
{
	if (IS_ENABLED(CONFIG_ZONE_DMA32) && limit <= DMA_BIT_MASK(32))
		return GFP_DMA32;
	if (!IS_ENABLED(CONFIG_ZONE_DMA32) && IS_ENABLED(CONFIG_ZONE_DMA) &&
	    limit <= DMA_BIT_MASK(32))
		return GFP_DMA;
	return 0;
}

/*
 * The next zone down after @zone came back too high, or ~0 when there is
 * none (the retries of __dma_direct_alloc_pages()).
 */
static gfp_t ladder_next_zone(gfp_t zone, u64 limit)
{
	if (IS_ENABLED(CONFIG_ZONE_DMA32) && !zone && limit < DMA_BIT_MASK(64))
		return GFP_DMA32;
	if (IS_ENABLED(CONFIG_ZONE_DMA) && zone != GFP_DMA)
		return GFP_DMA;
	return ~(gfp_t)0;
}

/* Guest frames: a page below @limit from the zone ladder. */
static struct page *alloc_gfn(unsigned int order, u64 limit, gfp_t gfp,
			      dma_addr_t *bus, int *err)
{
	gfp_t zone = ladder_first_zone(limit);
	struct page *page;

	/*
	 * Only a page that came back too high sends us a zone lower; a zone
	 * that has nothing left does not, or atomic allocations would drain
	 * the small zones narrow devices need (as dma-direct does).
	 */
	while (zone != ~(gfp_t)0) {
		page = alloc_pages(gfp | zone, order);
		if (!page) {
			*err = -ENOMEM;
			return NULL;
		}
		*bus = page_to_phys(page);
		if (*bus + (PAGE_SIZE << order) - 1 <= limit)
			return page;
		__free_pages(page, order);
		zone = ladder_next_zone(zone, limit);
	}
	*err = -ERANGE;
	return NULL;
}

/*
 * Records that @page's frames were exchanged. The lock is taken with
 * interrupts off and never dropped, so the node allocation must not sleep.
 */
static int remember_moved(struct xen_dma_mem *mem, struct page *page,
			  unsigned int order, gfp_t gfp)
{
	unsigned long flags;
	int ret;

	xa_lock_irqsave(&mem->moved, flags);
	ret = xa_err(__xa_store(&mem->moved, page_to_pfn(page),
				xa_mk_value(order), gfp & ~__GFP_DIRECT_RECLAIM));
	xa_unlock_irqrestore(&mem->moved, flags);
	return ret;
}

/* Machine frames: pages "ready buffers for DMA" vouches for. */
static struct page *alloc_machine(struct xen_dma_mem *mem, unsigned int order,
				  u64 limit, gfp_t gfp, dma_addr_t *bus,
				  int *err)
{
	unsigned int bits = limit_bits(limit);
	struct page *page;
	int ret;

	if (bits < PAGE_SHIFT + order) {
		*err = -ERANGE;
		return NULL;
	}
	/* Zones say nothing of machine addresses: any page will do. */
	page = alloc_pages(gfp, order);
	if (!page) {
		*err = -ENOMEM;
		return NULL;
	}
	ret = mem->hooks->make_contiguous(page_to_phys(page), order, bits, bus);
	if (ret < 0) {
		__free_pages(page, order);
		*err = ret;
		return NULL;
	}
	if (ret == XEN_DMA_FRAMES_MOVED && remember_moved(mem, page, order, gfp)) {
		mem->hooks->undo_contiguous(page_to_phys(page), order);
		__free_pages(page, order);
		*err = -ENOMEM;
		return NULL;
	}
	return page;
}

/**
 * xen_dma_mem_alloc() - pages a device reaches below a limit
 * @mem: the source
 * @space: the bus space, from xen_dma_policy_bus_space()
 * @order: 2^@order pages, bus-contiguous
 * @limit: the highest bus address the device reaches
 * @gfp: allocation flags; zone modifiers are ignored. Atomic allocations
 *	are fine: nothing here sleeps unless @gfp allows it
 * @bus: set to the bus address of the first byte
 * @err: set on failure: -ENOMEM, -ERANGE when nothing below @limit could be
 *	had, or the error of "ready buffers for DMA" (-EOPNOTSUPP where the
 *	hypervisor gives no machine addresses)
 *
 * The contents are undefined.
 *
 * Return: the first page, or NULL.
 */
struct page *xen_dma_mem_alloc(struct xen_dma_mem *mem,
			       enum xen_dma_bus_space space, unsigned int order,
			       u64 limit, gfp_t gfp, dma_addr_t *bus, int *err)
{
	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM | __GFP_ZERO);
	gfp |= __GFP_NOWARN;
	if (order > XEN_DMA_MAX_PAGE_ORDER) {
		*err = -E2BIG;
		return NULL;
	}
	if (space == XEN_DMA_SPACE_GFN)
		return alloc_gfn(order, limit, gfp, bus, err);
	return alloc_machine(mem, order, limit, gfp, bus, err);
}

/**
 * xen_dma_mem_free() - give back what xen_dma_mem_alloc() gave
 * @mem: the source it came from
 * @page: the first page
 * @order: the order it was allocated with
 *
 * Exchanges the frames back first if, and only if, the allocation had them
 * exchanged.
 */
void xen_dma_mem_free(struct xen_dma_mem *mem, struct page *page,
		      unsigned int order)
{
	unsigned long flags;
	void *moved;

	xa_lock_irqsave(&mem->moved, flags);
	moved = __xa_erase(&mem->moved, page_to_pfn(page));
	xa_unlock_irqrestore(&mem->moved, flags);
	if (moved) {
		WARN_ON(xa_to_value(moved) != order);
		mem->hooks->undo_contiguous(page_to_phys(page), order);
	}
	__free_pages(page, order);
}

/**
 * xen_dma_mem_nr_moved() - how many live allocations had frames exchanged
 * @mem: the source
 *
 * Return: the count, for debugfs and tests.
 */
unsigned long xen_dma_mem_nr_moved(struct xen_dma_mem *mem)
{
	unsigned long index, n = 0;
	void *entry;

	xa_for_each(&mem->moved, index, entry)
		n++;
	return n;
}
