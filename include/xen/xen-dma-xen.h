/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma hooks for the real hypervisor (drivers/xen/xen-dma-xen.c).
 */
#ifndef _XEN_DMA_XEN_H
#define _XEN_DMA_XEN_H

#include <xen/xen-dma-hooks.h>

const struct xen_dma_hooks *xen_dma_xen_hooks(void);

#endif /* _XEN_DMA_XEN_H */
