/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma debugfs: /sys/kernel/debug/xen_dma/.
 */
#ifndef _XEN_DMA_DEBUGFS_H
#define _XEN_DMA_DEBUGFS_H

#include <xen/xen-dma-device.h>

void xen_dma_debugfs_init(struct xen_dma_backend *backend);
void xen_dma_debugfs_exit(void);
void xen_dma_debugfs_add_device(struct xen_dma_device *xdev);
void xen_dma_debugfs_remove_device(struct xen_dma_device *xdev);

#endif /* _XEN_DMA_DEBUGFS_H */
