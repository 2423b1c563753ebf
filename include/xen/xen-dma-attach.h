/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma attach: PCI devices by address, at load and through sysfs.
 */
#ifndef _XEN_DMA_ATTACH_H
#define _XEN_DMA_ATTACH_H

#include <xen/xen-dma-device.h>

/* Room for what xen_dma_device_holder() says holds a device. */
#define XEN_DMA_HOLDER_LEN	96

int xen_dma_parse_pci_address(const char *text, unsigned int *domain,
			      unsigned int *bus, unsigned int *devfn);
int xen_dma_parse_request(const char *text, char *addr, size_t size,
			  bool *force);
bool xen_dma_device_holder(struct device *dev, char *holder);
int xen_dma_attach_pci(const char *text);
int xen_dma_detach_pci(const char *text);
int xen_dma_attach_list(const char *list);
void xen_dma_attach_forget_pending(void);
int xen_dma_attach_init(struct xen_dma_backend *backend);
void xen_dma_attach_exit(void);

#endif /* _XEN_DMA_ATTACH_H */
