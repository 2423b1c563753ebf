// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma's dma_map_ops.
 *
 * A streaming mapping either goes straight to the device or through the
 * bounce pool. The decision is made per mapping from the device's mode:
 *
 *  - bounce: always through the pool;
 *  - direct: the bus address is the guest frame, an IOMMU translates it.
 *    Bounce what lies above the device's mask, and another domain's page:
 *    the IOMMU maps the domain's own RAM only (seed 001);
 *  - translate: the bus address comes from "map addresses", frame by frame.
 *    Bounce when the frames are not bus-contiguous, not translatable, or
 *    above the device's mask.
 *
 * Coherent memory is made machine-contiguous below the coherent mask by
 * "ready buffers for DMA" (translate, bounce), or comes from the page
 * allocator in a zone below the mask (direct).
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

#include <xen/xen-dma-device.h>

/**
 * struct frame_walk - what "map addresses" says about a buffer
 * @bus: bus address of the first byte, when @contiguous
 * @contiguous: every frame translated, each one following the previous
 * @foreign: at least one frame belongs to another domain
 */
struct frame_walk {
	dma_addr_t bus;
	bool contiguous;
	bool foreign;
};

/* Asks "map addresses" for every 4 KiB frame of [@phys, @phys + @size). */
static void walk_frames(const struct xen_dma_hooks *hooks, phys_addr_t phys,
			size_t size, struct frame_walk *walk)
{
	unsigned long pfn = phys >> XEN_DMA_FRAME_SHIFT;
	unsigned long last = (phys + size - 1) >> XEN_DMA_FRAME_SHIFT;
	unsigned long first_bfn = 0, i;

	walk->contiguous = true;
	walk->foreign = false;
	for (i = 0; pfn + i <= last; i++) {
		unsigned long bfn = hooks->pfn_to_bfn(pfn + i);

		if (bfn == XEN_DMA_BFN_INVALID) {
			walk->contiguous = false;
			continue;
		}
		walk->foreign |= !!(bfn & XEN_DMA_BFN_FOREIGN);
		bfn &= ~XEN_DMA_BFN_FOREIGN;
		if (!i)
			first_bfn = bfn;
		else if (bfn != first_bfn + i)
			walk->contiguous = false;
	}
	walk->bus = ((dma_addr_t)first_bfn << XEN_DMA_FRAME_SHIFT) |
		    (phys & (XEN_DMA_FRAME_SIZE - 1));
}

/*
 * Where the device can reach @phys without a bounce, in *@bus; false when
 * the mapping must bounce.
 */
static bool map_without_bounce(struct xen_dma_device *xdev, phys_addr_t phys,
			       size_t size, dma_addr_t *bus)
{
	struct frame_walk walk;

	walk_frames(xdev->backend->hooks, phys, size, &walk);
	if (walk.foreign)
		this_cpu_inc(xdev->stats->foreign);

	switch (xdev->policy.mode) {
	case XEN_DMA_MODE_DIRECT:
		if (walk.foreign)
			return false;
		*bus = phys;
		break;
	case XEN_DMA_MODE_TRANSLATE:
		if (!walk.contiguous)
			return false;
		*bus = walk.bus;
		break;
	default:
		return false;
	}
	return dma_capable(xdev->dev, *bus, size, true);
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
				     "xen_dma: %zu-byte mapping must bounce but exceeds max_mapping_size %zu\n",
				     size, xen_dma_pool_max_mapping_size(xdev->pool, dev));
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
	xen_dma_pool_unmap(xdev->pool, xdev->dev, bus, size, dir, attrs);
	this_cpu_inc(xdev->stats->unmaps);
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
	xen_dma_pool_sync(to_xen_dma_device(dev)->pool, dev, bus, size, dir,
			  true);
}

static void xen_dma_sync_single_for_device(struct device *dev, dma_addr_t bus,
					   size_t size,
					   enum dma_data_direction dir)
{
	xen_dma_pool_sync(to_xen_dma_device(dev)->pool, dev, bus, size, dir,
			  false);
}

static void sync_sg(struct device *dev, struct scatterlist *sgl, int nents,
		    enum dma_data_direction dir, bool for_cpu)
{
	struct xen_dma_pool *pool = to_xen_dma_device(dev)->pool;
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		xen_dma_pool_sync(pool, dev, sg->dma_address, sg_dma_len(sg),
				  dir, for_cpu);
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
 * Coherent memory: zeroed pages, machine-contiguous below the coherent mask.
 * After "ready buffers for DMA" the frames are new, so zero them only then.
 */
static struct page *alloc_coherent_pages(struct xen_dma_device *xdev,
					 size_t size, gfp_t gfp, dma_addr_t *bus)
{
	u64 mask = xdev->dev->coherent_dma_mask;
	unsigned int order = get_order(size);
	struct page *page;

	if (!size || order >= MAX_ORDER)
		return NULL;
	gfp &= ~(__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM | __GFP_ZERO);
	gfp |= __GFP_NOWARN;
	/* Where frames are not moved (direct, 1:1 domains), the zone counts. */
	if (mask <= DMA_BIT_MASK(32))
		gfp |= GFP_DMA32;

	if (xdev->policy.mode == XEN_DMA_MODE_DIRECT) {
		page = alloc_pages(gfp, order);
		if (!page)
			return NULL;
		*bus = page_to_phys(page);
		if (*bus + size - 1 > mask) {
			__free_pages(page, order);
			return NULL;
		}
	} else {
		page = alloc_pages(gfp, order);
		if (!page)
			return NULL;
		if (xdev->backend->hooks->make_contiguous(page_to_phys(page),
							  order, fls64(mask),
							  bus)) {
			__free_pages(page, order);
			return NULL;
		}
	}
	memset(page_address(page), 0, PAGE_SIZE << order);
	return page;
}

static void free_coherent_pages(struct xen_dma_device *xdev, size_t size,
				struct page *page)
{
	unsigned int order = get_order(size);

	if (xdev->policy.mode != XEN_DMA_MODE_DIRECT)
		xdev->backend->hooks->undo_contiguous(page_to_phys(page), order);
	__free_pages(page, order);
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
	struct frame_walk walk;
	dma_addr_t bus = phys;

	if (!size)
		goto fail;
	if (xdev->policy.mode != XEN_DMA_MODE_DIRECT) {
		walk_frames(xdev->backend->hooks, phys, size, &walk);
		if (!walk.contiguous)
			goto fail;
		bus = walk.bus;
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
 * The mask that avoids bounces: the top of RAM as devices see it, or, when
 * everything bounces, the top of the pool. Without it the DMA core answers
 * 32 bits, and drivers that trust it would bounce what needs no bounce.
 */
static u64 xen_dma_get_required_mask(struct device *dev)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	u64 top = xdev->backend->features.max_bus_address;

	if (xdev->policy.mode == XEN_DMA_MODE_BOUNCE || !top)
		return DMA_BIT_MASK(xdev->pool->config.address_bits);
	return DMA_BIT_MASK(fls64(top));
}

static size_t xen_dma_max_mapping_size(struct device *dev)
{
	return xen_dma_pool_max_mapping_size(to_xen_dma_device(dev)->pool, dev);
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
 * - alloc: zeroed coherent memory, bus-contiguous below the coherent mask
 * - free: give back what alloc gave
 * - alloc_pages: alloc, returning the pages
 * - free_pages: give back what alloc_pages gave
 * - mmap: map coherent memory into user space
 * - get_sgtable: describe coherent memory as a one-entry sg table
 * - map_resource: bus address of MMIO, never bounced
 * - unmap_resource: nothing to undo
 * - dma_supported: true when the device's pool has a segment below the mask
 * - get_required_mask: the mask with which nothing needs to bounce
 * - max_mapping_size: the largest mapping that can bounce
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
