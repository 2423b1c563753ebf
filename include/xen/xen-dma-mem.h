/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma memory: pages a device can reach below a limit, in a bus space.
 * Bounce pool segments and coherent buffers both come from here.
 */
#ifndef _XEN_DMA_MEM_H
#define _XEN_DMA_MEM_H

#include <linux/gfp.h>
#include <linux/xarray.h>

#include <xen/xen-dma-hooks.h>
#include <xen/xen-dma-policy.h>

/**
 * struct xen_dma_mem - where DMA-able memory comes from
 * @hooks: the hypervisor: "ready buffers for DMA" for machine addresses
 * @moved: allocations that need more than __free_pages() on free, keyed by
 *	the first pfn, value the order and what to undo: frames that "ready
 *	buffers for DMA" exchanged (only those are exchanged back), or a run
 *	found in a larger block (given back page by page)
 */
struct xen_dma_mem {
	const struct xen_dma_hooks *hooks;
	struct xarray moved;
};

void xen_dma_mem_init(struct xen_dma_mem *mem, const struct xen_dma_hooks *hooks);
void xen_dma_mem_destroy(struct xen_dma_mem *mem);
struct page *xen_dma_mem_alloc(struct xen_dma_mem *mem,
			       enum xen_dma_bus_space space, unsigned int order,
			       u64 limit, bool aligned, gfp_t gfp,
			       dma_addr_t *bus, int *err);
void xen_dma_mem_free(struct xen_dma_mem *mem, struct page *page,
		      unsigned int order);
unsigned long xen_dma_mem_nr_moved(struct xen_dma_mem *mem);

#endif /* _XEN_DMA_MEM_H */
