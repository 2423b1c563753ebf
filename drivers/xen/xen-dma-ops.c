// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma's dma_map_ops.
 *
 * A streaming mapping either goes straight to the device or through the
 * bounce pool. The decision is made per mapping from the device's mode:
 *
 *  - bounce: always through the pool;
 *  - direct: the bus address is the guest-physical address, whoever owns the
 *    page: an IOMMU translates our frames and the frames where other
 *    domains' grants are mapped alike (Xen's p2m_get_iommu_flags() gives
 *    grant and foreign p2m entries IOMMU permissions). Bounce only what the
 *    device cannot reach. No frame is looked at, so the cost does not grow
 *    with the size, as in kernel/dma/direct.c;
 *  - translate: the bus address comes from "map addresses", one call per
 *    mapping. Bounce when the frames are not bus-contiguous, not
 *    translatable, beyond the device's reach, or when translating made the
 *    mapping cross the device's segment boundary.
 *
 * Coherent memory comes from xen-dma-mem.c, in the bus space
 * xen_dma_policy_bus_space() gives the device.
 *
 * Only cache-coherent devices are attached (xen-dma-device.c), so no cache
 * maintenance is needed: a sync is a copy for a bounced mapping and nothing
 * for any other.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/device.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>

#include <xen/xen-dma-device.h>
#include <xen/xen-dma-xen.h>

/*
 * Direct mode: devices see guest-physical addresses. Counting mappings of
 * another domain's pages is for debugfs only: Linux maps grants into
 * ZONE_DEVICE pages in an auto-translated domain (xen_alloc_unpopulated_pages()),
 * and the first page of a mapping is all that is looked at, so this stays a
 * flag test; it is never used to decide anything.
 */
static __always_inline bool map_direct(struct xen_dma_device *xdev,
				       phys_addr_t phys, size_t size,
				       dma_addr_t *bus)
{
	if (unlikely(is_zone_device_page(pfn_to_page(PHYS_PFN(phys)))))
		this_cpu_inc(xdev->stats->foreign);
	*bus = phys;
	return dma_capable(xdev->dev, phys, size, true);
}

/*
 * Did translating move the mapping across the device's segment boundary?
 * The block layer split the request on guest-physical addresses; a
 * mapping that crosses on the bus only (two contiguous machine runs that
 * happen to straddle it) must bounce. One that crosses in guest-physical
 * space too was the caller's choice and is left alone, as dma-direct does.
 */
static bool crosses_boundary_on_bus(struct device *dev, phys_addr_t phys,
				    dma_addr_t bus, size_t size)
{
	unsigned long boundary = dma_get_seg_boundary(dev);

	return ((bus ^ (bus + size - 1)) & ~(dma_addr_t)boundary) &&
	       !((phys ^ (phys + size - 1)) & ~(phys_addr_t)boundary);
}

static bool map_translated(struct xen_dma_device *xdev, phys_addr_t phys,
			   size_t size, dma_addr_t *bus)
{
	struct xen_dma_bus_range range;

	xen_dma_map_range(xdev->backend->hooks, phys, size, &range);
	if (range.foreign)
		this_cpu_inc(xdev->stats->foreign);
	if (!range.contiguous)
		return false;
	*bus = range.bus;
	return dma_capable(xdev->dev, range.bus, size, true) &&
	       !crosses_boundary_on_bus(xdev->dev, phys, range.bus, size);
}

/*
 * Where the device can reach @phys without a bounce, in *@bus; false when
 * the mapping must bounce.
 */
static __always_inline bool map_without_bounce(struct xen_dma_device *xdev,
					       phys_addr_t phys, size_t size,
					       dma_addr_t *bus)
{
	struct xen_dma_bus_range range;

	if (likely(xdev->policy.mode == XEN_DMA_MODE_DIRECT))
		return map_direct(xdev, phys, size, bus);
	if (xdev->policy.mode == XEN_DMA_MODE_TRANSLATE)
		return map_translated(xdev, phys, size, bus);
	/* Bounce: asked only for the foreign count, which the copy dwarfs. */
	xen_dma_map_range(xdev->backend->hooks, phys, size, &range);
	if (range.foreign)
		this_cpu_inc(xdev->stats->foreign);
	return false;
}

/* Counts a refused mapping and says why, unless the caller asked not to. */
static void map_failed(struct xen_dma_device *xdev, size_t size, int err,
		       unsigned long attrs)
{
	struct device *dev = xdev->dev;

	this_cpu_inc(xdev->stats->failures);
	if (attrs & DMA_ATTR_NO_WARN)
		return;
	switch (err) {
	case -EINVAL:
		dev_warn_ratelimited(dev, "xen_dma: zero-length mapping refused\n");
		break;
	case -E2BIG:
		dev_warn_ratelimited(dev,
				     "xen_dma: %zu-byte mapping must bounce but does not fit a %lu KiB bounce segment\n",
				     size, BIT(xdev->pool->config.segment_shift) / SZ_1K);
		break;
	case -ERANGE:
		dev_warn_ratelimited(dev,
				     "xen_dma: no bounce segment lies below the DMA mask %#llx\n",
				     dma_get_mask(dev));
		break;
	default:
		dev_warn_ratelimited(dev,
				     "xen_dma: bounce pool exhausted, %zu-byte mapping refused\n",
				     size);
		break;
	}
}

/*
 * Maps one physically contiguous buffer. Return: 0, -EINVAL (zero length),
 * -E2BIG (must bounce, too large), -ERANGE (must bounce, nothing below the
 * mask) or -ENOSPC (must bounce, pool full).
 */
static int map_one(struct xen_dma_device *xdev, phys_addr_t phys, size_t size,
		   unsigned long attrs, dma_addr_t *bus)
{
	int ret;

	if (!size) {
		ret = -EINVAL;
		goto fail;
	}
	if (!map_without_bounce(xdev, phys, size, bus)) {
		ret = xen_dma_pool_map(xdev->pool, xdev->dev, phys, size, bus);
		if (ret == -ENOSPC &&
		    !xen_dma_pool_serves_mask(xdev->pool,
					      min_not_zero(dma_get_mask(xdev->dev),
							   xdev->dev->bus_dma_limit)))
			ret = -ERANGE;
		if (ret)
			goto fail;
		this_cpu_inc(xdev->stats->bounces);
		this_cpu_add(xdev->stats->bytes_bounced, size);
	}
	this_cpu_inc(xdev->stats->maps);
	return 0;

fail:
	map_failed(xdev, size, ret, attrs);
	return ret;
}

static void unmap_one(struct xen_dma_device *xdev, dma_addr_t bus, size_t size,
		      enum dma_data_direction dir, unsigned long attrs)
{
	if (xen_dma_pool_may_own(xdev->pool, bus))
		xen_dma_pool_unmap(xdev->pool, xdev->dev, bus, size, dir, attrs);
	this_cpu_inc(xdev->stats->unmaps);
}

static void sync_one(struct device *dev, dma_addr_t bus, size_t size,
		     enum dma_data_direction dir, bool for_cpu)
{
	struct xen_dma_pool *pool = to_xen_dma_device(dev)->pool;

	if (xen_dma_pool_may_own(pool, bus))
		xen_dma_pool_sync(pool, dev, bus, size, dir, for_cpu);
}

static dma_addr_t xen_dma_map_page(struct device *dev, struct page *page,
				   unsigned long offset, size_t size,
				   enum dma_data_direction dir,
				   unsigned long attrs)
{
	dma_addr_t bus;

	if (map_one(to_xen_dma_device(dev), page_to_phys(page) + offset, size,
		    attrs, &bus))
		return DMA_MAPPING_ERROR;
	return bus;
}

static void xen_dma_unmap_page(struct device *dev, dma_addr_t bus, size_t size,
			       enum dma_data_direction dir, unsigned long attrs)
{
	unmap_one(to_xen_dma_device(dev), bus, size, dir, attrs);
}

static void xen_dma_unmap_sg(struct device *dev, struct scatterlist *sgl,
			     int nents, enum dma_data_direction dir,
			     unsigned long attrs)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		unmap_one(xdev, sg->dma_address, sg_dma_len(sg), dir, attrs);
}

/* map_sg may only return the errors dma_map_sgtable() documents. */
static int sg_error(int err)
{
	switch (err) {
	case -ENOSPC:
		return -ENOMEM;
	case -ERANGE:
		return -EIO;
	default:
		return -EINVAL;
	}
}

static int xen_dma_map_sg(struct device *dev, struct scatterlist *sgl,
			  int nents, enum dma_data_direction dir,
			  unsigned long attrs)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	struct scatterlist *sg;
	int i, ret;

	for_each_sg(sgl, sg, nents, i) {
		ret = map_one(xdev, sg_phys(sg), sg->length, attrs,
			      &sg->dma_address);
		if (ret)
			goto unwind;
		sg_dma_len(sg) = sg->length;
	}
	return nents;

unwind:
	xen_dma_unmap_sg(dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
	return sg_error(ret);
}

static void xen_dma_sync_single_for_cpu(struct device *dev, dma_addr_t bus,
					size_t size,
					enum dma_data_direction dir)
{
	sync_one(dev, bus, size, dir, true);
}

static void xen_dma_sync_single_for_device(struct device *dev, dma_addr_t bus,
					   size_t size,
					   enum dma_data_direction dir)
{
	sync_one(dev, bus, size, dir, false);
}

static void sync_sg(struct device *dev, struct scatterlist *sgl, int nents,
		    enum dma_data_direction dir, bool for_cpu)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		sync_one(dev, sg->dma_address, sg_dma_len(sg), dir, for_cpu);
}

static void xen_dma_sync_sg_for_cpu(struct device *dev,
				    struct scatterlist *sgl, int nents,
				    enum dma_data_direction dir)
{
	sync_sg(dev, sgl, nents, dir, true);
}

static void xen_dma_sync_sg_for_device(struct device *dev,
				       struct scatterlist *sgl, int nents,
				       enum dma_data_direction dir)
{
	sync_sg(dev, sgl, nents, dir, false);
}

/*
 * Coherent memory: zeroed pages, bus-contiguous below the coherent mask, in
 * the device's bus space. Zeroed here, once: exchanged frames come back
 * with whatever Xen left, and reused pages with whatever we left.
 */
static struct page *alloc_coherent_pages(struct xen_dma_device *xdev,
					 size_t size, gfp_t gfp, dma_addr_t *bus)
{
	u64 limit = min_not_zero(xdev->dev->coherent_dma_mask,
				 xdev->dev->bus_dma_limit);
	struct page *page;
	int err;

	if (!size)
		return NULL;
	page = xen_dma_mem_alloc(&xdev->backend->mem, xdev->space,
				 get_order(size), limit, gfp, bus, &err);
	if (!page)
		return NULL;
	memset(page_address(page), 0, PAGE_SIZE << get_order(size));
	return page;
}

static void free_coherent_pages(struct xen_dma_device *xdev, size_t size,
				struct page *page)
{
	xen_dma_mem_free(&xdev->backend->mem, page, get_order(size));
}

static struct page *alloc_coherent_counted(struct device *dev, size_t size,
					   gfp_t gfp, dma_addr_t *bus)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	struct page *page = alloc_coherent_pages(xdev, size, gfp, bus);

	if (!page) {
		this_cpu_inc(xdev->stats->failures);
		dev_warn_ratelimited(dev,
				     "xen_dma: cannot allocate %zu coherent bytes below %#llx\n",
				     size, dev->coherent_dma_mask);
		return NULL;
	}
	this_cpu_inc(xdev->stats->coherent);
	return page;
}

static void free_coherent_counted(struct device *dev, size_t size,
				  struct page *page)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);

	free_coherent_pages(xdev, size, page);
	this_cpu_dec(xdev->stats->coherent);
}

static void *xen_dma_alloc(struct device *dev, size_t size,
			   dma_addr_t *dma_handle, gfp_t gfp,
			   unsigned long attrs)
{
	struct page *page = alloc_coherent_counted(dev, size, gfp, dma_handle);

	return page ? page_address(page) : NULL;
}

static void xen_dma_free(struct device *dev, size_t size, void *vaddr,
			 dma_addr_t dma_handle, unsigned long attrs)
{
	free_coherent_counted(dev, size, virt_to_page(vaddr));
}

static struct page *xen_dma_alloc_pages(struct device *dev, size_t size,
					dma_addr_t *dma_handle,
					enum dma_data_direction dir, gfp_t gfp)
{
	return alloc_coherent_counted(dev, size, gfp, dma_handle);
}

static void xen_dma_free_pages(struct device *dev, size_t size,
			       struct page *page, dma_addr_t dma_handle,
			       enum dma_data_direction dir)
{
	free_coherent_counted(dev, size, page);
}

static int xen_dma_mmap(struct device *dev, struct vm_area_struct *vma,
			void *cpu_addr, dma_addr_t dma_addr, size_t size,
			unsigned long attrs)
{
	unsigned long nr_pages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	unsigned long user_pages = vma_pages(vma);

	if (vma->vm_pgoff >= nr_pages || user_pages > nr_pages - vma->vm_pgoff)
		return -ENXIO;
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(virt_to_page(cpu_addr)) + vma->vm_pgoff,
			       user_pages << PAGE_SHIFT, vma->vm_page_prot);
}

static int xen_dma_get_sgtable(struct device *dev, struct sg_table *sgt,
			       void *cpu_addr, dma_addr_t dma_addr, size_t size,
			       unsigned long attrs)
{
	int ret = sg_alloc_table(sgt, 1, GFP_KERNEL);

	if (!ret)
		sg_set_page(sgt->sgl, virt_to_page(cpu_addr), PAGE_ALIGN(size), 0);
	return ret;
}

/* MMIO is never bounced: it must be reachable as it is, or not at all. */
static dma_addr_t xen_dma_map_resource(struct device *dev, phys_addr_t phys,
				       size_t size, enum dma_data_direction dir,
				       unsigned long attrs)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	struct xen_dma_bus_range range;
	dma_addr_t bus = phys;

	if (!size)
		goto fail;
	if (xdev->policy.mode != XEN_DMA_MODE_DIRECT) {
		xen_dma_map_range(xdev->backend->hooks, phys, size, &range);
		if (!range.contiguous)
			goto fail;
		bus = range.bus;
	}
	if (!dma_capable(dev, bus, size, false))
		goto fail;
	this_cpu_inc(xdev->stats->maps);
	return bus;

fail:
	this_cpu_inc(xdev->stats->failures);
	if (!(attrs & DMA_ATTR_NO_WARN))
		dev_warn_ratelimited(dev,
				     "xen_dma: cannot map %zu bytes of MMIO at %pa for DMA\n",
				     size, &phys);
	return DMA_MAPPING_ERROR;
}

static void xen_dma_unmap_resource(struct device *dev, dma_addr_t bus,
				   size_t size, enum dma_data_direction dir,
				   unsigned long attrs)
{
	this_cpu_inc(to_xen_dma_device(dev)->stats->unmaps);
}

static int xen_dma_supported(struct device *dev, u64 mask)
{
	return xen_dma_pool_serves_mask(to_xen_dma_device(dev)->pool, mask);
}

/*
 * The top of what devices are given, when nothing bounces: guest frames in
 * direct mode (grant mappings included), machine addresses otherwise, the
 * pool itself when everything bounces. 0 when unknown.
 */
static u64 unbounced_top(struct xen_dma_device *xdev)
{
	const struct xen_dma_features *f = &xdev->backend->features;

	switch (xdev->policy.mode) {
	case XEN_DMA_MODE_DIRECT:
		return f->max_gfn_address;
	case XEN_DMA_MODE_TRANSLATE:
		return f->max_bus_address;
	default:
		return 0;
	}
}

/*
 * The mask that avoids bounces. Without it the DMA core answers 32 bits,
 * and drivers that trust it would bounce what needs no bounce.
 */
static u64 xen_dma_get_required_mask(struct device *dev)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	u64 top = unbounced_top(xdev);

	if (!top)
		return DMA_BIT_MASK(xdev->pool->config.address_bits);
	return DMA_BIT_MASK(fls64(top));
}

/*
 * Only a mapping that may bounce is bounded by the pool's segment. In
 * direct mode that is one the device cannot reach, which cannot happen
 * when its limit covers every guest frame there is and ever will be:
 * grants are mapped after load, above RAM (unpopulated memory), so the top
 * read at load is not enough; the whole physical address space is.
 */
static size_t xen_dma_max_mapping_size(struct device *dev)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	u64 limit = min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);
	u64 space = DMA_BIT_MASK(MAX_PHYSMEM_BITS);

	if (xdev->policy.mode == XEN_DMA_MODE_DIRECT && limit >= space &&
	    limit >= unbounced_top(xdev))
		return SIZE_MAX;
	return xen_dma_pool_max_mapping_size(xdev->pool, dev);
}

/**
 * DOC: xen_dma_map_ops
 *
 * The template each attached device gets a copy of. Its members:
 *
 * - map_page: bus address of a page range, bounced when the mode needs it
 * - unmap_page: copy a bounced FROM_DEVICE/BIDIRECTIONAL mapping back
 *   (unless %DMA_ATTR_SKIP_CPU_SYNC) and free its slots
 * - map_sg: map_page for each entry; on failure nothing stays mapped
 * - unmap_sg: unmap_page for each entry
 * - sync_single_for_cpu: copy a bounced range out (FROM_DEVICE, BIDIRECTIONAL)
 * - sync_single_for_device: copy a bounced range in (TO_DEVICE, BIDIRECTIONAL)
 * - sync_sg_for_cpu: sync_single_for_cpu for each entry
 * - sync_sg_for_device: sync_single_for_device for each entry
 * - alloc: zeroed coherent memory, bus-contiguous below the coherent mask,
 *   from xen-dma-mem.c in the device's bus space
 * - free: give back what alloc gave
 * - alloc_pages: alloc, returning the pages
 * - free_pages: give back what alloc_pages gave
 * - mmap: map coherent memory into user space
 * - get_sgtable: describe coherent memory as a one-entry sg table
 * - map_resource: bus address of MMIO, never bounced
 * - unmap_resource: nothing to undo
 * - dma_supported: true when the device's pool has a segment below the mask
 * - get_required_mask: the mask with which nothing needs to bounce: the
 *   top guest frame (direct), the top machine frame (translate), the pool
 * - max_mapping_size: the largest mapping that can bounce; unlimited in
 *   direct mode for a device that reaches every guest frame
 */
const struct dma_map_ops xen_dma_map_ops = {
	.map_page = xen_dma_map_page,
	.unmap_page = xen_dma_unmap_page,
	.map_sg = xen_dma_map_sg,
	.unmap_sg = xen_dma_unmap_sg,
	.sync_single_for_cpu = xen_dma_sync_single_for_cpu,
	.sync_single_for_device = xen_dma_sync_single_for_device,
	.sync_sg_for_cpu = xen_dma_sync_sg_for_cpu,
	.sync_sg_for_device = xen_dma_sync_sg_for_device,
	.alloc = xen_dma_alloc,
	.free = xen_dma_free,
	.alloc_pages = xen_dma_alloc_pages,
	.free_pages = xen_dma_free_pages,
	.mmap = xen_dma_mmap,
	.get_sgtable = xen_dma_get_sgtable,
	.map_resource = xen_dma_map_resource,
	.unmap_resource = xen_dma_unmap_resource,
	.dma_supported = xen_dma_supported,
	.get_required_mask = xen_dma_get_required_mask,
	.max_mapping_size = xen_dma_max_mapping_size,
};
