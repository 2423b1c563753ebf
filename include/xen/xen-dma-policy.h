/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma policy: which mode a device gets, and why.
 */
#ifndef _XEN_DMA_POLICY_H
#define _XEN_DMA_POLICY_H

#include <xen/xen-dma-hooks.h>

/**
 * enum xen_dma_mode - how a device's DMA addresses are made
 * @XEN_DMA_MODE_AUTO: let xen_dma_policy_choose() decide
 * @XEN_DMA_MODE_DIRECT: an IOMMU translates: the bus address is the guest
 *	frame; bounce only what lies above the device's mask
 * @XEN_DMA_MODE_TRANSLATE: the bus address is the frame "map addresses"
 *	gives; bounce what is not bus-contiguous or above the mask
 * @XEN_DMA_MODE_BOUNCE: every streaming mapping goes through the pool
 * @XEN_DMA_NR_MODES: number of modes
 */
enum xen_dma_mode {
	XEN_DMA_MODE_AUTO,
	XEN_DMA_MODE_DIRECT,
	XEN_DMA_MODE_TRANSLATE,
	XEN_DMA_MODE_BOUNCE,
	XEN_DMA_NR_MODES,
};

/**
 * struct xen_dma_policy - a mode and the reason it was chosen
 * @mode: the mode, never %XEN_DMA_MODE_AUTO
 * @reason: one human-readable sentence for logs and debugfs
 */
struct xen_dma_policy {
	enum xen_dma_mode mode;
	const char *reason;
};

const char *xen_dma_mode_name(enum xen_dma_mode mode);
int xen_dma_mode_parse(const char *name, enum xen_dma_mode *mode);
const char *xen_dma_mode_unsafe(const struct xen_dma_features *f,
				enum xen_dma_mode mode);
struct xen_dma_policy xen_dma_policy_choose(const struct xen_dma_features *f,
					    enum xen_dma_mode forced);

#endif /* _XEN_DMA_POLICY_H */
