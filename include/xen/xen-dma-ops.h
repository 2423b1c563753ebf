/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma's DMA operations (xen-dma-ops.c), by what they do. Which
 * dma_map_ops member each one fills depends on the kernel, and is decided
 * in xen-dma-compat.c only.
 */
#ifndef _XEN_DMA_OPS_H
#define _XEN_DMA_OPS_H

#include <linux/dma-mapping.h>
#include <linux/mm_types.h>
#include <linux/scatterlist.h>

dma_addr_t xen_dma_op_map(struct device *dev, phys_addr_t phys, size_t size,
			  enum dma_data_direction dir, unsigned long attrs,
			  bool mmio);
void xen_dma_op_unmap(struct device *dev, dma_addr_t bus, size_t size,
		      enum dma_data_direction dir, unsigned long attrs,
		      bool mmio);
int xen_dma_op_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		      enum dma_data_direction dir, unsigned long attrs);
void xen_dma_op_unmap_sg(struct device *dev, struct scatterlist *sgl,
			 int nents, enum dma_data_direction dir,
			 unsigned long attrs);
void xen_dma_op_sync_single_for_cpu(struct device *dev, dma_addr_t bus,
				    size_t size, enum dma_data_direction dir);
void xen_dma_op_sync_single_for_device(struct device *dev, dma_addr_t bus,
				       size_t size,
				       enum dma_data_direction dir);
void xen_dma_op_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl,
				int nents, enum dma_data_direction dir);
void xen_dma_op_sync_sg_for_device(struct device *dev,
				   struct scatterlist *sgl, int nents,
				   enum dma_data_direction dir);
void *xen_dma_op_alloc(struct device *dev, size_t size,
		       dma_addr_t *dma_handle, gfp_t gfp, unsigned long attrs);
void xen_dma_op_free(struct device *dev, size_t size, void *vaddr,
		     dma_addr_t dma_handle, unsigned long attrs);
struct page *xen_dma_op_alloc_pages(struct device *dev, size_t size,
				    dma_addr_t *dma_handle,
				    enum dma_data_direction dir, gfp_t gfp);
void xen_dma_op_free_pages(struct device *dev, size_t size, struct page *page,
			   dma_addr_t dma_handle, enum dma_data_direction dir);
int xen_dma_op_mmap(struct device *dev, struct vm_area_struct *vma,
		    void *cpu_addr, dma_addr_t dma_addr, size_t size,
		    unsigned long attrs);
int xen_dma_op_get_sgtable(struct device *dev, struct sg_table *sgt,
			   void *cpu_addr, dma_addr_t dma_addr, size_t size,
			   unsigned long attrs);
int xen_dma_op_supported(struct device *dev, u64 mask);
u64 xen_dma_op_get_required_mask(struct device *dev);
size_t xen_dma_op_max_mapping_size(struct device *dev);

#endif /* _XEN_DMA_OPS_H */
