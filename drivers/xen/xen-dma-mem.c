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
 *    Where the hypervisor can only find contiguous frames, not make them,
 *    a run of them is looked for in a larger block.
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

/* What xen_dma_mem_free() must undo: frames exchanged, or a split block. */
#define XEN_DMA_MEM_MOVED	BIT(8)
#define XEN_DMA_MEM_SPLIT	BIT(9)

/*
 * Records what must be undone for @page. The lock is taken with interrupts
 * off and never dropped, so the node allocation must not sleep.
 */
static int remember(struct xen_dma_mem *mem, struct page *page,
		    unsigned int order, unsigned long how, gfp_t gfp)
{
	unsigned long flags;
	int ret;

	xa_lock_irqsave(&mem->moved, flags);
	ret = xa_err(__xa_store(&mem->moved, page_to_pfn(page),
				xa_mk_value(order | how),
				gfp & ~__GFP_DIRECT_RECLAIM));
	xa_unlock_irqrestore(&mem->moved, flags);
	return ret;
}

/* Machine frames: pages "ready buffers for DMA" makes contiguous. */
static struct page *alloc_machine(struct xen_dma_mem *mem, unsigned int order,
				  unsigned int bits, bool aligned, gfp_t gfp,
				  dma_addr_t *bus, int *err)
{
	struct page *page;
	int ret;

	/* Zones say nothing of machine addresses: any page will do. */
	page = alloc_pages(gfp, order);
	if (!page) {
		*err = -ENOMEM;
		return NULL;
	}
	ret = mem->hooks->make_contiguous(page_to_phys(page), order, bits,
					  aligned, bus);
	if (ret < 0) {
		__free_pages(page, order);
		*err = ret;
		return NULL;
	}
	if (ret == XEN_DMA_FRAMES_MOVED &&
	    remember(mem, page, order, XEN_DMA_MEM_MOVED, gfp)) {
		mem->hooks->undo_contiguous(page_to_phys(page), order);
		__free_pages(page, order);
		*err = -ENOMEM;
		return NULL;
	}
	return page;
}

/*
 * Machine frames where the hypervisor only finds them: under cache colouring
 * an Arm dom0's runs of machine-contiguous frames start anywhere in its
 * guest frames (measured: 12 frames of every 16, starting 10 frames into
 * an aligned block of 16), so a block of 2^order pages the page allocator
 * gives is almost never one. A block XEN_DMA_MEM_FIND_SPARE orders larger
 * is searched instead, the run kept and the rest given back, page by page
 * (split_page()). Blocks searched in vain are held until the search ends:
 * freed at once, the allocator would hand the same block back (it reuses
 * the block freed last), and every try would search it again.
 */
#define XEN_DMA_MEM_FIND_SPARE	2
#define XEN_DMA_MEM_FIND_TRIES	8

static struct page *alloc_found(struct xen_dma_mem *mem, unsigned int order,
				unsigned int bits, bool aligned, gfp_t gfp,
				dma_addr_t *bus, int *err)
{
	unsigned int chunk = min(order + XEN_DMA_MEM_FIND_SPARE,
				 (unsigned int)XEN_DMA_MAX_PAGE_ORDER);
	struct page *tried[XEN_DMA_MEM_FIND_TRIES];
	struct page *page = NULL;
	unsigned long first, i;
	int ret = -ENOMEM, nr_tried = 0;
	bool too_high = false;

	while (nr_tried < XEN_DMA_MEM_FIND_TRIES) {
		page = alloc_pages(gfp, chunk);
		if (!page) {
			ret = -ENOMEM;
			break;
		}
		ret = mem->hooks->find_contiguous(page_to_phys(page), chunk,
						  order, bits, aligned, &first,
						  bus);
		if (!ret)
			break;
		tried[nr_tried++] = page;
		page = NULL;
		if (ret != -EAGAIN && ret != -ERANGE)
			break;
		too_high |= ret == -ERANGE;
	}
	while (nr_tried--)
		__free_pages(tried[nr_tried], chunk);
	if (!page) {
		if (ret == -EAGAIN || ret == -ERANGE)
			ret = too_high ? -ERANGE : -ENOMEM;
		*err = ret;
		return NULL;
	}
	split_page(page, chunk);
	for (i = 0; i < BIT(chunk); i++)
		if (i < first || i >= first + BIT(order))
			__free_page(page + i);
	page += first;
	if (remember(mem, page, order, XEN_DMA_MEM_SPLIT, gfp)) {
		for (i = 0; i < BIT(order); i++)
			__free_page(page + i);
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
 * @aligned: the bus address must be aligned to the size, as
 *	dma_alloc_coherent() promises; a bounce segment needs no more than a
 *	page's alignment
 * @gfp: allocation flags; zone modifiers are ignored. Atomic allocations
 *	are fine: nothing here sleeps unless @gfp allows it
 * @bus: set to the bus address of the first byte
 * @err: set on failure: -ENOMEM (also when no page tried was already
 *	machine-contiguous where the hypervisor cannot make it so), -ERANGE
 *	when nothing below @limit could be had (also when pages were turned
 *	down for lying above it), or the error of "ready buffers for DMA"
 *	(-EOPNOTSUPP where the hypervisor gives no machine addresses)
 *
 * The contents are undefined.
 *
 * Return: the first page, or NULL.
 */
struct page *xen_dma_mem_alloc(struct xen_dma_mem *mem,
			       enum xen_dma_bus_space space, unsigned int order,
			       u64 limit, bool aligned, gfp_t gfp,
			       dma_addr_t *bus, int *err)
{
	unsigned int bits;

	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM | __GFP_ZERO);
	gfp |= __GFP_NOWARN;
	if (order > XEN_DMA_MAX_PAGE_ORDER) {
		*err = -E2BIG;
		return NULL;
	}
	if (space == XEN_DMA_SPACE_GFN)
		return alloc_gfn(order, limit, gfp, bus, err);
	bits = limit_bits(limit);
	if (bits < PAGE_SHIFT + order) {
		*err = -ERANGE;
		return NULL;
	}
	if (mem->hooks->find_contiguous)
		return alloc_found(mem, order, bits, aligned, gfp, bus, err);
	return alloc_machine(mem, order, bits, aligned, gfp, bus, err);
}

/**
 * xen_dma_mem_free() - give back what xen_dma_mem_alloc() gave
 * @mem: the source it came from
 * @page: the first page
 * @order: the order it was allocated with
 *
 * Exchanges the frames back first if, and only if, the allocation had them
 * exchanged; a run found in a larger block goes back page by page.
 */
void xen_dma_mem_free(struct xen_dma_mem *mem, struct page *page,
		      unsigned int order)
{
	unsigned long flags, how = 0, i;
	void *entry;

	xa_lock_irqsave(&mem->moved, flags);
	entry = __xa_erase(&mem->moved, page_to_pfn(page));
	xa_unlock_irqrestore(&mem->moved, flags);
	if (entry) {
		how = xa_to_value(entry) & ~(unsigned long)U8_MAX;
		WARN_ON((xa_to_value(entry) & U8_MAX) != order);
	}
	if (how & XEN_DMA_MEM_MOVED)
		mem->hooks->undo_contiguous(page_to_phys(page), order);
	if (how & XEN_DMA_MEM_SPLIT) {
		for (i = 0; i < BIT(order); i++)
			__free_page(page + i);
		return;
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
		n += !!(xa_to_value(entry) & XEN_DMA_MEM_MOVED);
	return n;
}
