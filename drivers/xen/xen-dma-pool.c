// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma bounce pool.
 *
 * The pool is a set of segments, each one bus-contiguous run of memory
 * below the pool's address limit, from xen-dma-mem.c (machine-contiguous
 * through "ready buffers for DMA", or plain pages where devices are given
 * guest frames). A segment is cut into 2 KiB slots; a
 * mapping takes consecutive slots of one segment, so a mapping can be as
 * large as a segment: 1 MiB by default, up to 4 MiB.
 *
 * Each possible CPU owns an area: a list of segments under one spinlock. A
 * CPU allocates from its own area and borrows from the others only when its
 * own is full, so CPUs do not contend in the common case. Releasing takes the
 * lock of the area that owns the segment.
 *
 * Growth: the map path never allocates memory and never calls the hypervisor.
 * When an area crosses the high-water mark, or had to borrow, it is marked
 * and a work item adds one segment to each marked area, in process context.
 *
 * Lookups of a bus address (unmap, sync) go through the lock-free tables
 * (xen-dma-tables.c), so they never wait for growth.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include <xen/xen-dma-compat.h>
#include <xen/xen-dma-pool.h>

static size_t pool_segment_size(const struct xen_dma_pool *pool)
{
	return BIT(pool->config.segment_shift);
}

static unsigned int pool_segment_order(const struct xen_dma_pool *pool)
{
	return pool->config.segment_shift - PAGE_SHIFT;
}

static dma_addr_t pool_address_limit(const struct xen_dma_pool *pool)
{
	if (pool->config.address_bits >= 64)
		return DMA_BIT_MASK(64);
	return DMA_BIT_MASK(pool->config.address_bits);
}

static unsigned int pool_nr_segments(struct xen_dma_pool *pool)
{
	/* Pairs with smp_store_release() in xen_dma_tables_add(). */
	return smp_load_acquire(&pool->tables.nr_segments);
}

/*
 * Copies between the caller's buffer, which may cross pages and need not be
 * in the kernel's linear map, and a slot, which is. Page by page: one
 * memcpy() through phys_to_virt() for the whole buffer measured three times
 * slower in a 6.1 PV dom0 under TCG (NVMe bounce reads 84 against 262 MiB/s,
 * Documentation/performance.rst), for no reason found yet.
 */
static void pool_copy(phys_addr_t orig, void *slot, size_t size, bool to_slot)
{
	while (size) {
		size_t chunk = min_t(size_t, size, PAGE_SIZE - offset_in_page(orig));
		void *vaddr = kmap_local_page(pfn_to_page(PHYS_PFN(orig)));

		if (to_slot)
			memcpy(slot, vaddr + offset_in_page(orig), chunk);
		else
			memcpy(vaddr + offset_in_page(orig), slot, chunk);
		kunmap_local(vaddr);
		orig += chunk;
		slot += chunk;
		size -= chunk;
	}
}

static void pool_free_segment_memory(struct xen_dma_pool *pool,
				     struct xen_dma_pool_segment *pseg)
{
	xen_dma_mem_free(pool->mem, pseg->pages, pool_segment_order(pool));
	bitmap_free(pseg->slot_map);
	kvfree(pseg->slots);
}

/*
 * Obtains one segment's memory and indexes it; the caller puts it in an area.
 * On failure nothing is left allocated or exchanged.
 */
static struct xen_dma_pool_segment *pool_new_segment(struct xen_dma_pool *pool)
{
	unsigned int order = pool_segment_order(pool);
	unsigned int nr_slots = pool_segment_size(pool) >> XEN_DMA_SLOT_SHIFT;
	struct xen_dma_pool_segment *pseg;
	struct xen_dma_slot *slots;
	unsigned long *slot_map;
	struct page *pages;
	dma_addr_t bus;
	int index, ret;

	lockdep_assert_held(&pool->grow_lock);
	if (pool_nr_segments(pool) >= pool->config.max_segments)
		return ERR_PTR(-ENOSPC);

	slot_map = bitmap_zalloc(nr_slots, GFP_KERNEL);
	slots = kvcalloc(nr_slots, sizeof(*slots), GFP_KERNEL);
	if (!slot_map || !slots) {
		ret = -ENOMEM;
		goto free;
	}
	pages = NULL;
	ret = -ERANGE;
	if (!pool->above_limit)
		pages = xen_dma_mem_alloc(pool->mem, pool->config.space, order,
					  pool_address_limit(pool), false,
					  GFP_KERNEL, &bus, &ret);
	/*
	 * Memory above the limit still serves devices that reach it: guest
	 * frames on an Arm board whose RAM starts above 4 GiB, or machine
	 * frames where Xen cannot exchange any for lower ones (an Arm dom0
	 * under cache colouring, whose frames are where Xen put them). Once
	 * none was to be had below, no later segment asks again.
	 */
	if (!pages && ret == -ERANGE) {
		if (!pool->above_limit)
			pr_warn("no memory below 2^%u for the bounce pool: using higher memory; devices with narrower masks cannot bounce\n",
				pool->config.address_bits);
		pool->above_limit = true;
		pages = xen_dma_mem_alloc(pool->mem, pool->config.space, order,
					  DMA_BIT_MASK(64), false, GFP_KERNEL,
					  &bus, &ret);
	}
	if (!pages)
		goto free;

	index = xen_dma_tables_add(&pool->tables, page_to_phys(pages), bus,
				   pool_segment_size(pool));
	if (index < 0) {
		ret = index;
		xen_dma_mem_free(pool->mem, pages, order);
		goto free;
	}
	pseg = &pool->segments[index];
	pseg->seg = &pool->tables.segments[index];
	pseg->pages = pages;
	pseg->vaddr = page_address(pages);
	pseg->nr_slots = nr_slots;
	pseg->slot_map = slot_map;
	pseg->slots = slots;
	INIT_LIST_HEAD(&pseg->area_node);
	return pseg;

free:
	kvfree(slots);
	bitmap_free(slot_map);
	return ERR_PTR(ret);
}

static void pool_area_add_segment(struct xen_dma_pool_area *area,
				  struct xen_dma_pool_segment *pseg)
{
	unsigned long flags;

	pseg->area = area;
	spin_lock_irqsave(&area->lock, flags);
	list_add_tail(&pseg->area_node, &area->segments);
	area->total_slots += pseg->nr_slots;
	area->wants_segment = false;
	spin_unlock_irqrestore(&area->lock, flags);
}

static int pool_grow_area(struct xen_dma_pool *pool,
			  struct xen_dma_pool_area *area)
{
	struct xen_dma_pool_segment *pseg;

	mutex_lock(&pool->grow_lock);
	pseg = pool_new_segment(pool);
	mutex_unlock(&pool->grow_lock);
	if (IS_ERR(pseg)) {
		if (PTR_ERR(pseg) != -ENOSPC)
			atomic_long_inc(&pool->grow_failures);
		return PTR_ERR(pseg);
	}
	pool_area_add_segment(area, pseg);
	return 0;
}

/* The area with the fewest free slots: where a new segment helps most. */
static struct xen_dma_pool_area *pool_neediest_area(struct xen_dma_pool *pool)
{
	struct xen_dma_pool_area *best = &pool->areas[0];
	unsigned int i, best_free = UINT_MAX;

	for (i = 0; i < pool->nr_areas; i++) {
		struct xen_dma_pool_area *area = &pool->areas[i];
		unsigned int free = READ_ONCE(area->total_slots) -
				    READ_ONCE(area->used_slots);

		if (free < best_free) {
			best = area;
			best_free = free;
		}
	}
	return best;
}

/**
 * xen_dma_pool_grow() - add one segment now
 * @pool: the pool
 *
 * The segment goes to the area with the fewest free slots.
 *
 * Context: process context; may sleep.
 * Return: 0, -ENOSPC when the pool already has its maximum of segments,
 * -ENOMEM, or the error of "ready buffers for DMA".
 */
int xen_dma_pool_grow(struct xen_dma_pool *pool)
{
	int ret = pool_grow_area(pool, pool_neediest_area(pool));

	if (!ret)
		atomic_long_inc(&pool->grows);
	return ret;
}

static void pool_grow_work(struct work_struct *work)
{
	struct xen_dma_pool *pool = container_of(work, struct xen_dma_pool,
						 grow_work);
	unsigned int i;

	for (i = 0; i < pool->nr_areas; i++) {
		struct xen_dma_pool_area *area = &pool->areas[i];

		if (!READ_ONCE(area->wants_segment))
			continue;
		if (pool_grow_area(pool, area)) {
			/*
			 * Failing (the hypervisor may be short of low memory):
			 * wait a second before the next crossing asks again.
			 */
			WRITE_ONCE(pool->grow_retry, jiffies + HZ);
			WRITE_ONCE(area->wants_segment, false);
			continue;
		}
		atomic_long_inc(&pool->grows);
	}
}

/* Called with @area->lock held, after its usage changed upwards. */
static void pool_area_check_high_water(struct xen_dma_pool *pool,
				       struct xen_dma_pool_area *area,
				       bool borrowed)
{
	if (area->wants_segment ||
	    pool_nr_segments(pool) >= pool->config.max_segments ||
	    time_before(jiffies, READ_ONCE(pool->grow_retry)))
		return;
	if (borrowed || (u64)area->used_slots * 100 >=
			(u64)area->total_slots * pool->config.grow_percent) {
		area->wants_segment = true;
		queue_work(system_unbound_wq, &pool->grow_work);
	}
}

/* A pool of exactly @config's shape; see xen_dma_pool_create(). */
static struct xen_dma_pool *pool_create(struct xen_dma_mem *mem,
					const struct xen_dma_pool_config *config)
{
	struct xen_dma_pool *pool;
	unsigned int i;
	int ret;

	if (config->segment_shift < max_t(unsigned int, XEN_DMA_SEGMENT_SHIFT_MIN,
					  PAGE_SHIFT) ||
	    config->segment_shift > XEN_DMA_SEGMENT_SHIFT_MAX ||
	    config->segment_shift - PAGE_SHIFT > XEN_DMA_MAX_PAGE_ORDER ||
	    !config->initial_segments ||
	    config->initial_segments > config->max_segments ||
	    !config->grow_percent || config->grow_percent > 100 ||
	    config->address_bits < 24 || config->address_bits > 64)
		return ERR_PTR(-ERANGE);

	pool = kzalloc_obj(*pool, GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	pool->mem = mem;
	pool->config = *config;
	mutex_init(&pool->grow_lock);
	INIT_WORK(&pool->grow_work, pool_grow_work);
	pool->grow_retry = jiffies;
	atomic_long_set(&pool->grows, 0);
	atomic_long_set(&pool->grow_failures, 0);
	atomic_long_set(&pool->exhausted, 0);

	pool->nr_areas = num_possible_cpus();
	pool->areas = kcalloc(pool->nr_areas, sizeof(*pool->areas), GFP_KERNEL);
	pool->segments = kvcalloc(config->max_segments, sizeof(*pool->segments),
				  GFP_KERNEL);
	if (!pool->areas || !pool->segments) {
		ret = -ENOMEM;
		goto free;
	}
	for (i = 0; i < pool->nr_areas; i++) {
		spin_lock_init(&pool->areas[i].lock);
		INIT_LIST_HEAD(&pool->areas[i].segments);
	}
	ret = xen_dma_tables_init(&pool->tables, config->max_segments,
				  config->segment_shift);
	if (ret)
		goto free;

	for (i = 0; i < config->initial_segments; i++) {
		ret = pool_grow_area(pool, &pool->areas[i % pool->nr_areas]);
		if (ret) {
			xen_dma_pool_destroy(pool);
			return ERR_PTR(ret);
		}
	}
	/* Creation is not growth. */
	atomic_long_set(&pool->grow_failures, 0);
	return pool;

free:
	kvfree(pool->segments);
	kfree(pool->areas);
	kfree(pool);
	return ERR_PTR(ret);
}

/**
 * xen_dma_pool_create() - make a bounce pool
 * @mem: where each segment's memory comes from
 * @config: the pool's shape, copied
 *
 * Makes @config->initial_segments segments and spreads them over one area per
 * possible CPU. Where a segment's memory cannot be had (-ENOMEM: Xen has no
 * machine extent that large left, as on a long-running host whose heap is
 * fragmented), the segments are halved, their number doubled so the pool
 * keeps its size, down to one page (an Arm dom0 under cache colouring has
 * machine-contiguous runs only as long as its adjacent colours): a pool
 * with smaller segments maps everything but the largest buffers, no pool
 * maps nothing.
 * The shape made is in the pool's config.
 *
 * Context: process context; may sleep.
 * Return: the pool, or an ERR_PTR(): -ERANGE for a shape out of bounds,
 * -ENOMEM, or the error of the first segment that failed.
 */
struct xen_dma_pool *xen_dma_pool_create(struct xen_dma_mem *mem,
					 const struct xen_dma_pool_config *config)
{
	struct xen_dma_pool_config shape = *config;
	struct xen_dma_pool *pool;

	for (;;) {
		pool = pool_create(mem, &shape);
		if (!IS_ERR(pool) || PTR_ERR(pool) != -ENOMEM ||
		    shape.segment_shift <= max_t(unsigned int,
						 XEN_DMA_SEGMENT_SHIFT_MIN,
						 PAGE_SHIFT) ||
		    shape.max_segments > UINT_MAX / 2)
			break;
		shape.segment_shift--;
		shape.initial_segments *= 2;
		shape.max_segments *= 2;
	}
	if (!IS_ERR(pool) && shape.segment_shift != config->segment_shift)
		pr_warn("no %lu KiB machine extents to be had: bounce segments of %lu KiB, so mappings that must bounce stop at %lu KiB\n",
			BIT(config->segment_shift) / SZ_1K,
			BIT(shape.segment_shift) / SZ_1K,
			BIT(shape.segment_shift) / SZ_1K);
	return pool;
}

/**
 * xen_dma_pool_destroy() - free a pool and give its memory back
 * @pool: the pool; no mapping may be live and no device may use it any more
 *
 * Context: process context; may sleep.
 */
void xen_dma_pool_destroy(struct xen_dma_pool *pool)
{
	unsigned int i, nr;

	cancel_work_sync(&pool->grow_work);
	nr = pool_nr_segments(pool);
	for (i = 0; i < pool->nr_areas; i++)
		WARN(pool->areas[i].used_slots,
		     "xen_dma: pool destroyed with %u slots in use\n",
		     pool->areas[i].used_slots);
	for (i = 0; i < nr; i++)
		pool_free_segment_memory(pool, &pool->segments[i]);
	xen_dma_tables_destroy(&pool->tables);
	mutex_destroy(&pool->grow_lock);
	kvfree(pool->segments);
	kfree(pool->areas);
	kfree(pool);
}

/**
 * xen_dma_pool_abandon() - stop a pool for good but keep its memory
 * @pool: the pool; leaked mappings may still use its slots
 *
 * For unload when a driver left mappings live: the grow work must not run
 * after the module is gone, and the memory must not be reused.
 *
 * Context: process context; may sleep.
 */
void xen_dma_pool_abandon(struct xen_dma_pool *pool)
{
	cancel_work_sync(&pool->grow_work);
}

/**
 * xen_dma_pool_read_stats() - a snapshot of the pool's numbers
 * @pool: the pool
 * @stats: where to write them
 *
 * Context: any; takes each area's lock in turn.
 */
void xen_dma_pool_read_stats(struct xen_dma_pool *pool,
			     struct xen_dma_pool_stats *stats)
{
	unsigned int i;

	memset(stats, 0, sizeof(*stats));
	for (i = 0; i < pool->nr_areas; i++) {
		struct xen_dma_pool_area *area = &pool->areas[i];
		unsigned long flags;

		spin_lock_irqsave(&area->lock, flags);
		stats->total_slots += area->total_slots;
		stats->used_slots += area->used_slots;
		stats->high_water_slots += area->peak_slots;
		spin_unlock_irqrestore(&area->lock, flags);
	}
	stats->segments = pool_nr_segments(pool);
	stats->grow_slots = DIV_ROUND_UP(stats->total_slots *
					 pool->config.grow_percent, 100);
	stats->grows = atomic_long_read(&pool->grows);
	stats->grow_failures = atomic_long_read(&pool->grow_failures);
	stats->exhausted = atomic_long_read(&pool->exhausted);
}

/**
 * struct pool_request - what a mapping needs from a slot range
 * @orig: the caller's buffer
 * @size: bytes to map
 * @offset: where the mapping starts in its first slot, so that the bits of
 *	@orig under the device's min_align_mask are kept (NVMe relies on it)
 * @nr_slots: slots the mapping spans
 * @align_mask: slot index bits the first slot's bus address must match
 * @align_bits: their wanted value, in slots
 * @limit: highest bus address the device can reach
 * @boundary: the device's segment boundary mask
 */
struct pool_request {
	phys_addr_t orig;
	size_t size;
	unsigned int offset;
	unsigned int nr_slots;
	unsigned long align_mask;
	unsigned long align_bits;
	dma_addr_t limit;
	unsigned long boundary;
};

static void pool_request_init(struct pool_request *req, struct device *dev,
			      phys_addr_t orig, size_t size)
{
	unsigned int min_align = dma_get_min_align_mask(dev);
	unsigned long align = min_align;

	/* Like swiotlb: mappings of a page or more start on a page. */
	if (size >= PAGE_SIZE)
		align |= PAGE_SIZE - 1;
	req->orig = orig;
	req->size = size;
	req->offset = orig & min_align & (XEN_DMA_SLOT_SIZE - 1);
	req->nr_slots = DIV_ROUND_UP(req->offset + size, XEN_DMA_SLOT_SIZE);
	req->align_mask = align >> XEN_DMA_SLOT_SHIFT;
	req->align_bits = (orig & min_align) >> XEN_DMA_SLOT_SHIFT;
	req->limit = xen_dma_streaming_limit(dev);
	req->boundary = dma_get_seg_boundary(dev);
}

/*
 * First fit of @req in @pseg, or -1. Called with the area's lock held.
 * Indexes that would cross the device's boundary are skipped; the first one
 * beyond the device's limit ends the search, as all later ones are higher.
 */
static long pool_segment_find(struct xen_dma_pool_segment *pseg,
			      const struct pool_request *req)
{
	dma_addr_t seg_bus = pseg->seg->bus;
	unsigned long align_offset =
		((seg_bus >> XEN_DMA_SLOT_SHIFT) - req->align_bits) &
		req->align_mask;
	unsigned long start = 0, index;

	if (seg_bus > req->limit)
		return -1;
	for (;;) {
		dma_addr_t first, last;

		index = bitmap_find_next_zero_area_off(pseg->slot_map,
						       pseg->nr_slots, start,
						       req->nr_slots,
						       req->align_mask,
						       align_offset);
		if (index + req->nr_slots > pseg->nr_slots)
			return -1;
		first = seg_bus + (index << XEN_DMA_SLOT_SHIFT) + req->offset;
		last = first + req->size - 1;
		if (last > req->limit)
			return -1;
		if (!((first ^ last) & ~(dma_addr_t)req->boundary))
			return index;
		/*
		 * Retry from the first slot past the boundary; with a boundary
		 * smaller than a slot that may be this slot, so move on anyway.
		 */
		start = max_t(unsigned long, index + 1,
			      (((first | req->boundary) + 1) - seg_bus) >>
			      XEN_DMA_SLOT_SHIFT);
	}
}

static void pool_fill_slots(struct xen_dma_pool_segment *pseg,
			    unsigned int index, const struct pool_request *req)
{
	struct xen_dma_slot *slot = &pseg->slots[index];
	unsigned int i;

	slot->orig_phys = req->orig;
	slot->mapping_size = req->size;
	slot->offset = req->offset;
	slot->nr_slots = req->nr_slots;
	for (i = 0; i < req->nr_slots; i++)
		pseg->slots[index + i].first = index;
}

/* Takes a slot range in @area; returns its segment and first slot, or NULL. */
static struct xen_dma_pool_segment *
pool_area_alloc(struct xen_dma_pool *pool, struct xen_dma_pool_area *area,
		const struct pool_request *req, bool borrowing,
		unsigned int *index)
{
	struct xen_dma_pool_segment *pseg, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&area->lock, flags);
	if (area->total_slots - area->used_slots >= req->nr_slots) {
		list_for_each_entry(pseg, &area->segments, area_node) {
			long i = pool_segment_find(pseg, req);

			if (i < 0)
				continue;
			bitmap_set(pseg->slot_map, i, req->nr_slots);
			area->used_slots += req->nr_slots;
			area->peak_slots = max(area->peak_slots,
					       area->used_slots);
			*index = i;
			found = pseg;
			break;
		}
	}
	if (found && !borrowing)
		pool_area_check_high_water(pool, area, false);
	spin_unlock_irqrestore(&area->lock, flags);
	return found;
}

static void pool_mark_borrowed(struct xen_dma_pool *pool,
			       struct xen_dma_pool_area *area)
{
	unsigned long flags;

	spin_lock_irqsave(&area->lock, flags);
	pool_area_check_high_water(pool, area, true);
	spin_unlock_irqrestore(&area->lock, flags);
}

/**
 * xen_dma_pool_map() - bounce a buffer: take slots and copy the buffer in
 * @pool: the pool
 * @dev: the device; its DMA mask, min_align_mask and segment boundary hold
 * @orig_phys: the caller's buffer
 * @size: its length; with its offset under the device's min_align_mask it
 *	must fit one segment
 * @bus: where to store the bus address of the bounced copy
 *
 * The buffer is always copied in, whatever the direction: a device that
 * writes less than the whole mapping must not leave an earlier user's data
 * behind for the CPU to read back (CVE-2022-0854).
 *
 * Context: any; never sleeps, never allocates, never calls the hypervisor.
 * Return: 0, -E2BIG when the mapping cannot fit a segment, or -ENOSPC when no
 * slot range below the device's limit is free.
 */
int xen_dma_pool_map(struct xen_dma_pool *pool, struct device *dev,
		     phys_addr_t orig_phys, size_t size, dma_addr_t *bus)
{
	struct xen_dma_pool_segment *pseg = NULL;
	struct pool_request req;
	unsigned int home, i, index = 0;
	unsigned long pool_addr;

	/*
	 * Refuse only what cannot fit once its offset in the first slot is
	 * known: max_mapping_size() assumes the worst offset, and drivers that
	 * never read it rely on swiotlb taking whatever fits.
	 */
	if (!size || size > pool_segment_size(pool))
		return -E2BIG;
	pool_request_init(&req, dev, orig_phys, size);
	/*
	 * Segments are aligned to their size (the buddy allocator's blocks,
	 * Xen's extents), so the first slot a mapping can take is given by its
	 * min_align_mask bits above the slot size. A segment that is not
	 * aligned is only searched, never assumed to have more room.
	 */
	if (req.align_bits + req.nr_slots >
	    pool_segment_size(pool) >> XEN_DMA_SLOT_SHIFT)
		return -E2BIG;

	home = raw_smp_processor_id() % pool->nr_areas;
	for (i = 0; i < pool->nr_areas && !pseg; i++)
		pseg = pool_area_alloc(pool, &pool->areas[(home + i) % pool->nr_areas],
				       &req, i > 0, &index);
	/* Borrowed, or found nothing: either way the home area wants room. */
	if (i > 1 || !pseg)
		pool_mark_borrowed(pool, &pool->areas[home]);
	if (!pseg) {
		atomic_long_inc(&pool->exhausted);
		return -ENOSPC;
	}

	pool_fill_slots(pseg, index, &req);
	pool_copy(orig_phys, pseg->vaddr + (index << XEN_DMA_SLOT_SHIFT) +
		  req.offset, size, true);
	pool_addr = xen_dma_segment_pool_addr(&pool->tables, pseg->seg) +
		    (index << XEN_DMA_SLOT_SHIFT) + req.offset;
	*bus = xen_dma_tables_pool_to_bus(&pool->tables, pool_addr);
	return 0;
}

/*
 * The segment and the first slot of the mapping that holds @bus, found
 * without a lock; NULL when @bus is not in this pool.
 */
static struct xen_dma_pool_segment *
pool_lookup(struct xen_dma_pool *pool, dma_addr_t bus, unsigned int *first,
	    size_t *offset)
{
	unsigned long pool_addr = xen_dma_tables_bus_to_pool(&pool->tables, bus);
	unsigned long in_seg, slot;
	struct xen_dma_pool_segment *pseg;

	if (pool_addr == XEN_DMA_POOL_ADDR_NONE)
		return NULL;
	pseg = &pool->segments[pool_addr >> pool->config.segment_shift];
	in_seg = pool_addr & (pool_segment_size(pool) - 1);
	slot = in_seg >> XEN_DMA_SLOT_SHIFT;
	if (slot >= pseg->nr_slots || !test_bit(slot, pseg->slot_map))
		return NULL;
	*first = pseg->slots[slot].first;
	/* Byte offset of @bus inside the mapping. */
	*offset = in_seg - ((*first << XEN_DMA_SLOT_SHIFT) +
			    pseg->slots[*first].offset);
	return pseg;
}

static void pool_bounce(struct xen_dma_pool_segment *pseg, unsigned int first,
			size_t offset, size_t size, bool to_slot)
{
	struct xen_dma_slot *slot = &pseg->slots[first];

	pool_copy(slot->orig_phys + offset,
		  pseg->vaddr + (first << XEN_DMA_SLOT_SHIFT) + slot->offset +
		  offset, size, to_slot);
}

/* Clamps a sync or unmap range to its mapping, complaining once if needed. */
static size_t pool_clamp(struct device *dev, struct xen_dma_slot *slot,
			 size_t offset, size_t size)
{
	if (offset > slot->mapping_size ||
	    size > slot->mapping_size - offset) {
		dev_WARN_ONCE(dev, 1,
			      "xen_dma: %zu bytes at offset %zu exceed the %u-byte bounced mapping\n",
			      size, offset, slot->mapping_size);
		return offset > slot->mapping_size ? 0 :
			slot->mapping_size - offset;
	}
	return size;
}

/**
 * xen_dma_pool_unmap() - copy a bounced mapping back if needed and free it
 * @pool: the pool
 * @dev: the device the mapping was made for
 * @bus: the bus address map returned
 * @size: the size mapped
 * @dir: the direction mapped
 * @attrs: %DMA_ATTR_SKIP_CPU_SYNC skips the copy back
 *
 * The slots are released only after the copy back completed, so a new
 * mapping can never be handed slots whose data is still being read: a
 * translation is not reused before its invalidation is complete (xen-devel,
 * 2016-10, "Xen virtual IOMMU high level design doc V2").
 *
 * Context: any; takes no lock to find the mapping.
 * Return: true when @bus was a mapping of this pool, false otherwise.
 */
bool xen_dma_pool_unmap(struct xen_dma_pool *pool, struct device *dev,
			dma_addr_t bus, size_t size,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct xen_dma_pool_segment *pseg;
	struct xen_dma_pool_area *area;
	struct xen_dma_slot *slot;
	unsigned int first, nr;
	unsigned long flags;
	size_t offset;

	pseg = pool_lookup(pool, bus, &first, &offset);
	if (!pseg)
		return false;
	slot = &pseg->slots[first];
	if (offset || size != slot->mapping_size)
		dev_WARN_ONCE(dev, 1,
			      "xen_dma: unmap of %zu bytes at offset %zu of a %u-byte mapping\n",
			      size, offset, slot->mapping_size);
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) &&
	    (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL))
		pool_bounce(pseg, first, 0, slot->mapping_size, false);

	nr = slot->nr_slots;
	area = pseg->area;
	/*
	 * The copy back above is complete before the slots are free: the
	 * unlock below orders it before any later pool_area_alloc() that
	 * takes the same lock and hands these slots out again.
	 */
	spin_lock_irqsave(&area->lock, flags);
	bitmap_clear(pseg->slot_map, first, nr);
	area->used_slots -= nr;
	spin_unlock_irqrestore(&area->lock, flags);
	return true;
}

/**
 * xen_dma_pool_sync() - copy part of a bounced mapping one way
 * @pool: the pool
 * @dev: the device the mapping was made for
 * @bus: any bus address inside the mapping
 * @size: bytes to copy from @bus on
 * @dir: the direction mapped
 * @for_cpu: true: device to CPU (FROM_DEVICE, BIDIRECTIONAL copy out);
 *	false: CPU to device (TO_DEVICE, BIDIRECTIONAL copy in)
 *
 * Context: any; takes no lock.
 * Return: true when @bus was a mapping of this pool, false otherwise.
 */
bool xen_dma_pool_sync(struct xen_dma_pool *pool, struct device *dev,
		       dma_addr_t bus, size_t size,
		       enum dma_data_direction dir, bool for_cpu)
{
	struct xen_dma_pool_segment *pseg;
	unsigned int first;
	size_t offset;

	pseg = pool_lookup(pool, bus, &first, &offset);
	if (!pseg)
		return false;
	size = pool_clamp(dev, &pseg->slots[first], offset, size);
	if (for_cpu && (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL))
		pool_bounce(pseg, first, offset, size, false);
	else if (!for_cpu && (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL))
		pool_bounce(pseg, first, offset, size, true);
	return true;
}

/**
 * xen_dma_pool_max_mapping_size() - the largest mapping the pool takes
 * @pool: the pool
 * @dev: the device; its min_align_mask may cost up to one slot's worth
 *
 * Return: the segment size, less what keeping the min_align_mask bits can
 * waste, as swiotlb_max_mapping_size() counts it.
 */
size_t xen_dma_pool_max_mapping_size(struct xen_dma_pool *pool,
				     struct device *dev)
{
	unsigned int min_align = dma_get_min_align_mask(dev);

	return pool_segment_size(pool) -
	       (min_align ? round_up(min_align, XEN_DMA_SLOT_SIZE) : 0);
}

/**
 * xen_dma_pool_serves_mask() - can a device with this limit bounce here?
 * @pool: the pool
 * @mask: the highest bus address the device reaches (its mask or bus limit)
 *
 * Return: true when at least one segment lies entirely at or below @mask.
 */
bool xen_dma_pool_serves_mask(struct xen_dma_pool *pool, u64 mask)
{
	unsigned int i, nr = pool_nr_segments(pool);

	for (i = 0; i < nr; i++) {
		const struct xen_dma_segment *seg = &pool->tables.segments[i];

		if (seg->bus + seg->size - 1 <= mask)
			return true;
	}
	return false;
}
