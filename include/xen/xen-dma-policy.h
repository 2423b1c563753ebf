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
 * enum xen_dma_iommu_param - the iommu= parameter
 * @XEN_DMA_IOMMU_AUTO: believe the hypervisor; where it cannot say, assume
 *	what upstream Linux assumes
 * @XEN_DMA_IOMMU_YES: an IOMMU translates guest frames for our devices
 * @XEN_DMA_IOMMU_NO: none does
 * @XEN_DMA_NR_IOMMU_PARAMS: number of values
 */
enum xen_dma_iommu_param {
	XEN_DMA_IOMMU_AUTO,
	XEN_DMA_IOMMU_YES,
	XEN_DMA_IOMMU_NO,
	XEN_DMA_NR_IOMMU_PARAMS,
};

/**
 * enum xen_dma_bus_space - which addresses a device is given for our memory
 * @XEN_DMA_SPACE_MACHINE: machine addresses, which only "ready buffers for
 *	DMA" can promise (x86 PV; auto-translated, not 1:1, no IOMMU)
 * @XEN_DMA_SPACE_GFN: guest-physical addresses, because the domain is 1:1
 *	or an IOMMU translates them: any page below the limit will do
 * @XEN_DMA_NR_SPACES: number of spaces
 */
enum xen_dma_bus_space {
	XEN_DMA_SPACE_MACHINE,
	XEN_DMA_SPACE_GFN,
	XEN_DMA_NR_SPACES,
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
const char *xen_dma_iommu_param_name(enum xen_dma_iommu_param param);
int xen_dma_iommu_param_parse(const char *name,
			      enum xen_dma_iommu_param *param);
bool xen_dma_policy_iommu(const struct xen_dma_features *f,
			  enum xen_dma_iommu_param param, const char **reason);
bool xen_dma_policy_direct_mapped(const struct xen_dma_features *f);
enum xen_dma_bus_space xen_dma_policy_bus_space(const struct xen_dma_features *f,
						enum xen_dma_mode mode);
int xen_dma_mode_parse(const char *name, enum xen_dma_mode *mode);
const char *xen_dma_mode_unsafe(const struct xen_dma_features *f,
				enum xen_dma_mode mode);
struct xen_dma_policy xen_dma_policy_choose(const struct xen_dma_features *f,
					    enum xen_dma_mode forced);

#endif /* _XEN_DMA_POLICY_H */
