/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma hooks for the real hypervisor (drivers/xen/xen-dma-xen.c).
 */
#ifndef _XEN_DMA_XEN_H
#define _XEN_DMA_XEN_H

#include <linux/indirect_call_wrapper.h>

#include <xen/xen-dma-hooks.h>

const struct xen_dma_hooks *xen_dma_xen_hooks(void);
void xen_dma_xen_pv_map_range(phys_addr_t phys, size_t size,
			      struct xen_dma_bus_range *range);
void xen_dma_xen_translated_map_range(phys_addr_t phys, size_t size,
				      struct xen_dma_bus_range *range);

/**
 * xen_dma_map_range() - call a hook table's "map addresses"
 * @hooks: the hooks
 * @phys: the buffer
 * @size: its length, at least 1
 * @range: the answer
 *
 * With retpolines an indirect call costs as much as the translation of a
 * small buffer, so the real hooks are called directly when they are the
 * ones installed (INDIRECT_CALL_2(), as the network stack does); any other
 * table, the simulated hypervisor's included, through the pointer.
 */
static __always_inline void xen_dma_map_range(const struct xen_dma_hooks *hooks,
					      phys_addr_t phys, size_t size,
					      struct xen_dma_bus_range *range)
{
#ifdef CONFIG_XEN_PV
	INDIRECT_CALL_2(hooks->map_range, xen_dma_xen_pv_map_range,
			xen_dma_xen_translated_map_range, phys, size, range);
#else
	INDIRECT_CALL_1(hooks->map_range, xen_dma_xen_translated_map_range,
			phys, size, range);
#endif
}

#endif /* _XEN_DMA_XEN_H */
