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

#include <xen/xen-dma-compat.h>
#include <xen/xen-dma-device.h>
#include <xen/xen-dma-ops.h>
#include <xen/xen-dma-xen.h>

/*
 * Whether @dev reaches [@bus, @bus + @size). Not dma_capable(): from 7.3
 * that also asks whether the memory must be unencrypted, through a symbol
 * x86 does not export, and no Xen domain that runs xen-dma is a
 * confidential guest.
 */
static __always_inline bool reaches(struct device *dev, dma_addr_t bus,
				    size_t size)
{
	return bus + size - 1 >= bus &&
	       bus + size - 1 <= xen_dma_streaming_limit(dev);
}

/*
 * Direct mode: devices see guest-physical addresses. Counting mappings of
 * another domain's pages is for debugfs only: Linux maps grants into
 * ZONE_DEVICE pages in an auto-translated domain when it has unpopulated
 * address space (xen_alloc_unpopulated_pages()), and into ballooned RAM
 * pages when not (seen on a 6.12 PVH dom0), which this does not count. The
 * first page of a mapping is all that is looked at, so this stays a flag
 * test; it is never used to decide anything.
 */
static __always_inline bool map_direct(struct xen_dma_device *xdev,
				       phys_addr_t phys, size_t size,
				       dma_addr_t *bus)
{
	if (unlikely(is_zone_device_page(pfn_to_page(PHYS_PFN(phys)))))
		this_cpu_inc(xdev->stats->foreign);
	*bus = phys;
	return reaches(xdev->dev, phys, size);
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
	return reaches(xdev->dev, range.bus, size) &&
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
	case -EOPNOTSUPP:
		dev_warn_ratelimited(dev,
				     "xen_dma: %zu-byte mapping must bounce, but its caller requires coherent DMA (DMA_ATTR_REQUIRE_COHERENT)\n",
				     size);
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
 * -EOPNOTSUPP (must bounce, and the caller never syncs), -E2BIG (must
 * bounce, too large), -ERANGE (must bounce, nothing below the mask) or
 * -ENOSPC (must bounce, pool full).
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
		/* The device would work on a copy its user never syncs. */
		if (attrs & XEN_DMA_ATTR_REQUIRE_COHERENT) {
			ret = -EOPNOTSUPP;
			goto fail;
		}
		ret = xen_dma_pool_map(xdev->pool, xdev->dev, phys, size, bus);
		if (ret == -ENOSPC &&
		    !xen_dma_pool_serves_mask(xdev->pool,
					      xen_dma_streaming_limit(xdev->dev)))
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

/* MMIO is never bounced: it must be reachable as it is, or not at all. */
static dma_addr_t map_mmio(struct xen_dma_device *xdev, phys_addr_t phys,
			   size_t size, unsigned long attrs)
{
	struct device *dev = xdev->dev;
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
	if (!reaches(dev, bus, size))
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

/**
 * xen_dma_op_map() - the map_page, map_resource or map_phys operation
 * @dev: the device
 * @phys: the buffer's physical address
 * @size: its length
 * @dir: the direction (bounced buffers are copied in whatever it is)
 * @attrs: DMA attributes
 * @mmio: @phys is MMIO (map_resource, or %DMA_ATTR_MMIO): translated but
 *	never bounced, and no struct page is looked at
 *
 * Return: the bus address, or %DMA_MAPPING_ERROR.
 */
dma_addr_t xen_dma_op_map(struct device *dev, phys_addr_t phys, size_t size,
			  enum dma_data_direction dir, unsigned long attrs,
			  bool mmio)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	dma_addr_t bus;

	if (unlikely(mmio))
		return map_mmio(xdev, phys, size, attrs);
	if (map_one(xdev, phys, size, attrs, &bus))
		return DMA_MAPPING_ERROR;
	return bus;
}

/**
 * xen_dma_op_unmap() - the unmap_page, unmap_resource or unmap_phys operation
 * @dev: the device
 * @bus: what xen_dma_op_map() returned
 * @size: the size mapped
 * @dir: the direction mapped
 * @attrs: %DMA_ATTR_SKIP_CPU_SYNC skips the copy back of a bounced mapping
 * @mmio: the mapping was of MMIO: nothing to undo
 */
void xen_dma_op_unmap(struct device *dev, dma_addr_t bus, size_t size,
		      enum dma_data_direction dir, unsigned long attrs,
		      bool mmio)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);

	if (unlikely(mmio))
		this_cpu_inc(xdev->stats->unmaps);
	else
		unmap_one(xdev, bus, size, dir, attrs);
}

/**
 * xen_dma_op_unmap_sg() - the unmap_sg operation
 * @dev: the device
 * @sgl: the list map_sg mapped
 * @nents: the number of entries passed to map_sg
 * @dir: the direction mapped
 * @attrs: %DMA_ATTR_SKIP_CPU_SYNC skips copying bounced entries back
 */
void xen_dma_op_unmap_sg(struct device *dev, struct scatterlist *sgl,
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
	case -EOPNOTSUPP:
		return -EIO;
	default:
		return -EINVAL;
	}
}

/**
 * xen_dma_op_map_sg() - the map_sg operation: each entry mapped alone
 * @dev: the device
 * @sgl: the list
 * @nents: its entries
 * @dir: the direction
 * @attrs: DMA attributes
 *
 * Return: @nents, or -ENOMEM (pool full), -EIO (nothing below the mask, or
 *	a bounce refused to a caller that requires coherent DMA) or -EINVAL,
 *	as dma_map_sgtable() documents; nothing stays mapped on failure.
 */
int xen_dma_op_map_sg(struct device *dev, struct scatterlist *sgl,
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
	xen_dma_op_unmap_sg(dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
	return sg_error(ret);
}

/**
 * xen_dma_op_sync_single_for_cpu() - copy a bounced range out, if bounced
 * @dev: the device
 * @bus: any address inside a mapping
 * @size: bytes from @bus on
 * @dir: the direction mapped
 */
void xen_dma_op_sync_single_for_cpu(struct device *dev, dma_addr_t bus,
				    size_t size,
				    enum dma_data_direction dir)
{
	sync_one(dev, bus, size, dir, true);
}

/**
 * xen_dma_op_sync_single_for_device() - copy a bounced range in, if bounced
 * @dev: the device
 * @bus: any address inside a mapping
 * @size: bytes from @bus on
 * @dir: the direction mapped
 */
void xen_dma_op_sync_single_for_device(struct device *dev, dma_addr_t bus,
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

/**
 * xen_dma_op_sync_sg_for_cpu() - xen_dma_op_sync_single_for_cpu() for each entry
 * @dev: the device
 * @sgl: the list
 * @nents: its mapped entries
 * @dir: the direction mapped
 */
void xen_dma_op_sync_sg_for_cpu(struct device *dev,
				struct scatterlist *sgl, int nents,
				enum dma_data_direction dir)
{
	sync_sg(dev, sgl, nents, dir, true);
}

/**
 * xen_dma_op_sync_sg_for_device() - xen_dma_op_sync_single_for_device() for each entry
 * @dev: the device
 * @sgl: the list
 * @nents: its mapped entries
 * @dir: the direction mapped
 */
void xen_dma_op_sync_sg_for_device(struct device *dev,
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
				 get_order(size), limit, true, gfp, bus, &err);
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

/**
 * xen_dma_op_alloc() - the alloc operation: zeroed coherent memory
 * @dev: the device
 * @size: bytes
 * @dma_handle: set to the bus address
 * @gfp: allocation flags; zone modifiers are ignored
 * @attrs: DMA attributes
 *
 * Return: the kernel address, or NULL.
 */
void *xen_dma_op_alloc(struct device *dev, size_t size,
		       dma_addr_t *dma_handle, gfp_t gfp,
		       unsigned long attrs)
{
	struct page *page = alloc_coherent_counted(dev, size, gfp, dma_handle);

	return page ? page_address(page) : NULL;
}

/**
 * xen_dma_op_free() - give back what xen_dma_op_alloc() gave
 * @dev: the device
 * @size: the size allocated
 * @vaddr: the kernel address
 * @dma_handle: the bus address
 * @attrs: DMA attributes
 */
void xen_dma_op_free(struct device *dev, size_t size, void *vaddr,
		     dma_addr_t dma_handle, unsigned long attrs)
{
	free_coherent_counted(dev, size, virt_to_page(vaddr));
}

/**
 * xen_dma_op_alloc_pages() - the alloc_pages operation: xen_dma_op_alloc() as pages
 * @dev: the device
 * @size: bytes
 * @dma_handle: set to the bus address
 * @dir: the direction it will be used in (no effect: memory is coherent)
 * @gfp: allocation flags
 *
 * Return: the first page, or NULL.
 */
struct page *xen_dma_op_alloc_pages(struct device *dev, size_t size,
				    dma_addr_t *dma_handle,
				    enum dma_data_direction dir, gfp_t gfp)
{
	return alloc_coherent_counted(dev, size, gfp, dma_handle);
}

/**
 * xen_dma_op_free_pages() - give back what xen_dma_op_alloc_pages() gave
 * @dev: the device
 * @size: the size allocated
 * @page: the first page
 * @dma_handle: the bus address
 * @dir: the direction given at allocation
 */
void xen_dma_op_free_pages(struct device *dev, size_t size,
			   struct page *page, dma_addr_t dma_handle,
			   enum dma_data_direction dir)
{
	free_coherent_counted(dev, size, page);
}

/**
 * xen_dma_op_mmap() - map coherent memory into user space
 * @dev: the device
 * @vma: the user mapping
 * @cpu_addr: the kernel address xen_dma_op_alloc() gave
 * @dma_addr: its bus address
 * @size: the size allocated
 * @attrs: DMA attributes
 *
 * Return: 0, -ENXIO when @vma reaches past the buffer, or remap_pfn_range()'s
 *	error.
 */
int xen_dma_op_mmap(struct device *dev, struct vm_area_struct *vma,
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

/**
 * xen_dma_op_get_sgtable() - describe coherent memory as a one-entry sg table
 * @dev: the device
 * @sgt: the table to fill
 * @cpu_addr: the kernel address xen_dma_op_alloc() gave
 * @dma_addr: its bus address
 * @size: the size allocated
 * @attrs: DMA attributes
 *
 * Return: 0 or -ENOMEM.
 */
int xen_dma_op_get_sgtable(struct device *dev, struct sg_table *sgt,
			   void *cpu_addr, dma_addr_t dma_addr, size_t size,
			   unsigned long attrs)
{
	int ret = sg_alloc_table(sgt, 1, GFP_KERNEL);

	if (!ret)
		sg_set_page(sgt->sgl, virt_to_page(cpu_addr), PAGE_ALIGN(size), 0);
	return ret;
}

/**
 * xen_dma_op_supported() - the dma_supported operation
 * @dev: the device
 * @mask: the mask a driver asks for
 *
 * Return: 1 when the device's pool has a segment below @mask, so that
 *	whatever must bounce can; else 0.
 */
int xen_dma_op_supported(struct device *dev, u64 mask)
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

/**
 * xen_dma_op_get_required_mask() - the mask with which nothing needs to bounce
 * @dev: the device
 *
 * The mask that avoids bounces. Without it the DMA core answers 32 bits,
 * and drivers that trust it would bounce what needs no bounce.
 *
 * Return: the top guest frame (direct), the top machine frame (translate),
 *	the pool's limit (bounce).
 */
u64 xen_dma_op_get_required_mask(struct device *dev)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	u64 top = unbounced_top(xdev);

	if (!top)
		return DMA_BIT_MASK(xdev->pool->config.address_bits);
	return DMA_BIT_MASK(fls64(top));
}

/**
 * xen_dma_op_max_mapping_size() - the largest mapping that is sure to succeed
 * @dev: the device
 *
 * Only a mapping that may bounce is bounded by the pool's segment. In
 * direct mode that is one the device cannot reach, which cannot happen
 * when its limit covers every guest frame there is and ever will be:
 * grants are mapped after load, above RAM (unpopulated memory), so the top
 * read at load is not enough; the whole physical address space is.
 *
 * Return: what fits one bounce segment; unlimited in direct mode for a
 *	device that reaches every guest frame.
 */
size_t xen_dma_op_max_mapping_size(struct device *dev)
{
	struct xen_dma_device *xdev = to_xen_dma_device(dev);
	u64 limit = xen_dma_streaming_limit(dev);
	u64 space = DMA_BIT_MASK(MAX_PHYSMEM_BITS);

	if (xdev->policy.mode == XEN_DMA_MODE_DIRECT && limit >= space &&
	    limit >= unbounced_top(xdev))
		return SIZE_MAX;
	return xen_dma_pool_max_mapping_size(xdev->pool, dev);
}
