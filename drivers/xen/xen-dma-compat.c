// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma compat: the dma_map_ops table, in this kernel's member names.
 *
 * The operations are the same on every kernel (xen-dma-ops.c); only the
 * names and argument lists the DMA core calls them by differ, as
 * include/xen/xen-dma-compat.h records.
 */

#include <linux/dma-map-ops.h>

#include <xen/xen-dma-compat.h>
#include <xen/xen-dma-ops.h>

#if XEN_DMA_HAVE_MAP_PHYS
static dma_addr_t xen_dma_map_phys(struct device *dev, phys_addr_t phys,
				   size_t size, enum dma_data_direction dir,
				   unsigned long attrs)
{
	return xen_dma_op_map(dev, phys, size, dir, attrs,
			      attrs & DMA_ATTR_MMIO);
}

static void xen_dma_unmap_phys(struct device *dev, dma_addr_t bus,
			       size_t size, enum dma_data_direction dir,
			       unsigned long attrs)
{
	xen_dma_op_unmap(dev, bus, size, dir, attrs, attrs & DMA_ATTR_MMIO);
}
#else
static dma_addr_t xen_dma_map_page(struct device *dev, struct page *page,
				   unsigned long offset, size_t size,
				   enum dma_data_direction dir,
				   unsigned long attrs)
{
	return xen_dma_op_map(dev, page_to_phys(page) + offset, size, dir,
			      attrs, false);
}

static void xen_dma_unmap_page(struct device *dev, dma_addr_t bus,
			       size_t size, enum dma_data_direction dir,
			       unsigned long attrs)
{
	xen_dma_op_unmap(dev, bus, size, dir, attrs, false);
}

static dma_addr_t xen_dma_map_resource(struct device *dev, phys_addr_t phys,
				       size_t size,
				       enum dma_data_direction dir,
				       unsigned long attrs)
{
	return xen_dma_op_map(dev, phys, size, dir, attrs, true);
}

static void xen_dma_unmap_resource(struct device *dev, dma_addr_t bus,
				   size_t size, enum dma_data_direction dir,
				   unsigned long attrs)
{
	xen_dma_op_unmap(dev, bus, size, dir, attrs, true);
}
#endif

/**
 * DOC: xen_dma_map_ops
 *
 * The template each attached device gets a copy of. Its members:
 *
 * - map_page (up to 6.18): xen_dma_op_map() of the page range
 * - map_resource (up to 6.18): xen_dma_op_map() of MMIO, never bounced
 * - map_phys (6.19 on): xen_dma_op_map(), MMIO when %DMA_ATTR_MMIO
 * - unmap_page, unmap_resource, unmap_phys: xen_dma_op_unmap() likewise
 * - map_sg: map each entry; on failure nothing stays mapped
 * - unmap_sg: unmap each entry
 * - sync_single_for_cpu: copy a bounced range out (FROM_DEVICE, BIDIRECTIONAL)
 * - sync_single_for_device: copy a bounced range in (TO_DEVICE, BIDIRECTIONAL)
 * - sync_sg_for_cpu: sync_single_for_cpu for each entry
 * - sync_sg_for_device: sync_single_for_device for each entry
 * - alloc: zeroed coherent memory, bus-contiguous below the coherent mask,
 *   from xen-dma-mem.c in the device's bus space
 * - free: give back what alloc gave
 * - alloc_pages (alloc_pages_op from 6.10): alloc, returning the pages
 * - free_pages: give back what alloc_pages gave
 * - mmap: map coherent memory into user space
 * - get_sgtable: describe coherent memory as a one-entry sg table
 * - dma_supported: true when the device's pool has a segment below the mask
 * - get_required_mask: the mask with which nothing needs to bounce
 * - max_mapping_size: the largest mapping that can bounce; unlimited in
 *   direct mode for a device that reaches every guest frame
 */
static const struct dma_map_ops xen_dma_map_ops = {
#if XEN_DMA_HAVE_MAP_PHYS
	.map_phys = xen_dma_map_phys,
	.unmap_phys = xen_dma_unmap_phys,
#else
	.map_page = xen_dma_map_page,
	.unmap_page = xen_dma_unmap_page,
	.map_resource = xen_dma_map_resource,
	.unmap_resource = xen_dma_unmap_resource,
#endif
	.map_sg = xen_dma_op_map_sg,
	.unmap_sg = xen_dma_op_unmap_sg,
	.sync_single_for_cpu = xen_dma_op_sync_single_for_cpu,
	.sync_single_for_device = xen_dma_op_sync_single_for_device,
	.sync_sg_for_cpu = xen_dma_op_sync_sg_for_cpu,
	.sync_sg_for_device = xen_dma_op_sync_sg_for_device,
	.alloc = xen_dma_op_alloc,
	.free = xen_dma_op_free,
#if XEN_DMA_HAVE_ALLOC_PAGES_OP
	.alloc_pages_op = xen_dma_op_alloc_pages,
#else
	.alloc_pages = xen_dma_op_alloc_pages,
#endif
	.free_pages = xen_dma_op_free_pages,
	.mmap = xen_dma_op_mmap,
	.get_sgtable = xen_dma_op_get_sgtable,
	.dma_supported = xen_dma_op_supported,
	.get_required_mask = xen_dma_op_get_required_mask,
	.max_mapping_size = xen_dma_op_max_mapping_size,
};

/**
 * xen_dma_ops_template() - the dma_map_ops each attached device copies
 *
 * Return: the table, in this kernel's member names.
 */
const struct dma_map_ops *xen_dma_ops_template(void)
{
	return &xen_dma_map_ops;
}
