/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma devices: the backend that owns the hooks and the pools, and the
 * per-device context that the dma_map_ops find from the device.
 */
#ifndef _XEN_DMA_DEVICE_H
#define _XEN_DMA_DEVICE_H

#include <linux/dma-map-ops.h>
#include <linux/list.h>
#include <linux/mutex.h>

#include <xen/xen-dma-hooks.h>
#include <xen/xen-dma-mem.h>
#include <xen/xen-dma-policy.h>
#include <xen/xen-dma-pool.h>

/**
 * struct xen_dma_backend - the hypervisor, the policy inputs and the pools
 * @hooks: the hypervisor hooks, fixed at init
 * @features: the domain's features, read once at init; @features.iommu is
 *	decided then too
 * @iommu_reason: why @features.iommu is what it is
 * @forced_mode: %XEN_DMA_MODE_AUTO, or the mode= override
 * @pool_config: the shape of every pool; the bus space is set per pool
 * @mem: where pool segments and coherent buffers come from
 * @lock: protects @pools and @devices
 * @pools: one per bus space, made when the first device needs it
 * @devices: attached devices, list of &xen_dma_device.node
 * @abandoned: devices whose drivers leaked mappings were given their old
 *	ops back without freeing the pools those mappings still use
 */
struct xen_dma_backend {
	const struct xen_dma_hooks *hooks;
	struct xen_dma_features features;
	const char *iommu_reason;
	enum xen_dma_mode forced_mode;
	struct xen_dma_pool_config pool_config;
	struct xen_dma_mem mem;
	struct mutex lock;	/* @pools and @devices */
	struct xen_dma_pool *pools[XEN_DMA_NR_SPACES];
	struct list_head devices;
	bool abandoned;
};

/**
 * struct xen_dma_device_stats - one CPU's share of a device's numbers
 * @maps: successful streaming mappings (each sg entry counts)
 * @unmaps: streaming unmappings (each sg entry counts)
 * @bounces: mappings that went through the pool
 * @bytes_bounced: bytes those mappings covered
 * @foreign: mappings that covered another domain's (grant-mapped) page
 * @failures: mappings and allocations refused
 * @coherent: coherent allocations minus frees
 */
struct xen_dma_device_stats {
	u64 maps;
	u64 unmaps;
	u64 bounces;
	u64 bytes_bounced;
	u64 foreign;
	u64 failures;
	s64 coherent;
};

/**
 * struct xen_dma_device - one attached device
 * @ops: this device's copy of xen_dma_ops_template(); dev->dma_ops points here, so
 *	the ops find the context with container_of() and no lookup
 * @dev: the device
 * @backend: the backend it is attached to
 * @saved_ops: the ops the device had before, restored on detach
 * @policy: its mode and the reason for it
 * @space: the bus space of its coherent memory and its pool
 * @pool: the pool its bounces go to
 * @stats: per-CPU numbers, summed by xen_dma_device_read_stats()
 * @node: entry in &xen_dma_backend.devices
 * @debugfs: the device's debugfs directory, or NULL
 * @driver_bound: a driver is bound and works through our ops, so the module
 *	holds a reference to itself for it (xen_dma_device_mark_bound())
 */
struct xen_dma_device {
	const struct dma_map_ops ops;
	struct device *dev;
	struct xen_dma_backend *backend;
	const struct dma_map_ops *saved_ops;
	struct xen_dma_policy policy;
	enum xen_dma_bus_space space;
	struct xen_dma_pool *pool;
	struct xen_dma_device_stats __percpu *stats;
	struct list_head node;
	struct dentry *debugfs;
	bool driver_bound;
};

int xen_dma_backend_init(struct xen_dma_backend *backend,
			 const struct xen_dma_hooks *hooks,
			 enum xen_dma_mode forced_mode,
			 enum xen_dma_iommu_param iommu,
			 const struct xen_dma_pool_config *pool_config);
void xen_dma_backend_exit(struct xen_dma_backend *backend);

struct xen_dma_device *xen_dma_device_attach(struct xen_dma_backend *backend,
					     struct device *dev);
int xen_dma_device_detach(struct xen_dma_device *xdev);
struct xen_dma_device *xen_dma_device_find(struct xen_dma_backend *backend,
					   struct device *dev);
bool xen_dma_device_claim_ops(struct xen_dma_backend *backend,
			      struct device *dev);
void xen_dma_device_release_ops(struct xen_dma_device *xdev);
bool xen_dma_device_mark_bound(struct xen_dma_backend *backend,
			       struct device *dev, bool bound);
bool xen_dma_device_busy(struct xen_dma_device *xdev);
void xen_dma_device_read_stats(struct xen_dma_device *xdev,
			       struct xen_dma_device_stats *stats);

/**
 * to_xen_dma_device() - the context of a device our ops are installed on
 * @dev: the device
 *
 * Return: the context; only valid inside xen-dma's ops.
 */
static inline struct xen_dma_device *to_xen_dma_device(struct device *dev)
{
	return container_of(get_dma_ops(dev), struct xen_dma_device, ops);
}

#endif /* _XEN_DMA_DEVICE_H */
