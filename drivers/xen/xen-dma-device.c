// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma devices: installs xen-dma's ops on a device with the mode the
 * policy gives it, and takes them off again.
 *
 * Each device gets its own copy of the ops inside its context, so the ops
 * reach the context from dev->dma_ops with container_of(): no table to look
 * up, no lock on the mapping path.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/err.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include <xen/xen-dma-compat.h>
#include <xen/xen-dma-device.h>

/**
 * xen_dma_backend_init() - set up a backend over a hypervisor
 * @backend: the backend
 * @hooks: the hypervisor; its features are read here, once
 * @forced_mode: %XEN_DMA_MODE_AUTO, or the mode every device gets
 * @iommu: the iommu= parameter
 * @pool_config: the shape of the pools, copied; made when first needed
 *
 * Decides whether an IOMMU translates for us and logs what was learnt or
 * assumed, since a wrong answer hands devices wrong addresses.
 *
 * Return: 0, -ERANGE for a forced mode or iommu= out of range, or
 * -EOPNOTSUPP for a mode that would hand this domain's devices wrong
 * addresses.
 */
int xen_dma_backend_init(struct xen_dma_backend *backend,
			 const struct xen_dma_hooks *hooks,
			 enum xen_dma_mode forced_mode,
			 enum xen_dma_iommu_param iommu,
			 const struct xen_dma_pool_config *pool_config)
{
	struct xen_dma_features *f = &backend->features;
	const char *unsafe;

	if (forced_mode >= XEN_DMA_NR_MODES || iommu >= XEN_DMA_NR_IOMMU_PARAMS)
		return -ERANGE;
	memset(backend, 0, sizeof(*backend));
	backend->hooks = hooks;
	hooks->read_features(f);
	f->iommu = xen_dma_policy_iommu(f, iommu, &backend->iommu_reason);
	pr_info("IOMMU for guest frames: %s: %s (iommu=%s; Xen: %s)\n",
		f->iommu ? "yes" : "no", backend->iommu_reason,
		xen_dma_iommu_param_name(iommu), f->iommu_how ?: "not asked");
	unsafe = xen_dma_mode_unsafe(f, forced_mode);
	if (unsafe) {
		pr_err("mode=%s refused: %s\n", xen_dma_mode_name(forced_mode),
		       unsafe);
		if (hooks->release)
			hooks->release();
		return -EOPNOTSUPP;
	}
	backend->forced_mode = forced_mode;
	backend->pool_config = *pool_config;
	xen_dma_mem_init(&backend->mem, hooks);
	mutex_init(&backend->lock);
	INIT_LIST_HEAD(&backend->devices);
	return 0;
}

static void free_device_context(struct xen_dma_device *xdev)
{
	put_device(xdev->dev);
	free_percpu(xdev->stats);
	kfree(xdev);
}

/**
 * xen_dma_backend_exit() - free the pools of a backend
 * @backend: the backend; every device must have been detached, or given its
 *	old ops back with xen_dma_device_release_ops()
 *
 * Pools that mappings leaked by a driver may still use are kept, not freed:
 * a device may still write there.
 */
void xen_dma_backend_exit(struct xen_dma_backend *backend)
{
	struct xen_dma_device *xdev, *next;
	unsigned int i;

	list_for_each_entry_safe(xdev, next, &backend->devices, node) {
		WARN_ON(xdev->dev->dma_ops == &xdev->ops);
		list_del(&xdev->node);
		free_device_context(xdev);
	}
	if (backend->abandoned)
		pr_err("drivers leaked DMA mappings: keeping the bounce pools' memory\n");
	for (i = 0; i < XEN_DMA_NR_SPACES; i++) {
		if (!backend->pools[i])
			continue;
		if (backend->abandoned)
			xen_dma_pool_abandon(backend->pools[i]);
		else
			xen_dma_pool_destroy(backend->pools[i]);
		backend->pools[i] = NULL;
	}
	/* Leaked coherent buffers keep their exchanged frames, unrecorded. */
	xen_dma_mem_destroy(&backend->mem);
	if (backend->hooks->release)
		backend->hooks->release();
	mutex_destroy(&backend->lock);
}

static struct xen_dma_pool *backend_get_pool(struct xen_dma_backend *backend,
					     enum xen_dma_bus_space space)
{
	struct xen_dma_pool_config config = backend->pool_config;
	struct xen_dma_pool *pool;

	lockdep_assert_held(&backend->lock);
	if (backend->pools[space])
		return backend->pools[space];
	config.space = space;
	pool = xen_dma_pool_create(&backend->mem, &config);
	if (IS_ERR(pool)) {
		pr_err("cannot make the %s bounce pool of %u x %lu KiB: %pe\n",
		       space == XEN_DMA_SPACE_GFN ? "guest-frame" : "machine",
		       config.initial_segments,
		       BIT(config.segment_shift) / SZ_1K, pool);
		if (PTR_ERR(pool) == -EOPNOTSUPP)
			pr_err("Xen tells this domain no machine addresses: it is not 1:1 and no IOMMU translates for it; iommu=yes or mode=direct if one does\n");
		return pool;
	}
	backend->pools[space] = pool;
	return pool;
}

/*
 * Addresses here are machine or guest frames as they are: a bus offset
 * (dma-ranges) or a per-device coherent area would need translating, which
 * xen-dma does not do yet. Arm64 sets both up in dma_configure(), so this is
 * checked at attach and again when a driver binds.
 */
static bool dma_layout_supported(struct device *dev)
{
	if (dev->dma_range_map) {
		dev_err(dev, "xen_dma: device has DMA address offsets (dma-ranges); not supported\n");
		return false;
	}
#ifdef CONFIG_DMA_DECLARE_COHERENT
	if (dev->dma_mem) {
		dev_err(dev, "xen_dma: device has its own coherent memory area; not supported\n");
		return false;
	}
#endif
	if (xen_dma_compat_ops_bypassed(dev)) {
		dev_err(dev, "xen_dma: device uses Linux's IOMMU DMA code, which the DMA core calls instead of any ops; not supported\n");
		return false;
	}
	return true;
}

/* Our ops on @dev, and the DMA core told so. */
static void install_our_ops(struct xen_dma_device *xdev)
{
	set_dma_ops(xdev->dev, &xdev->ops);
	xen_dma_compat_ops_installed(xdev->dev);
}

static struct xen_dma_device *backend_find_locked(struct xen_dma_backend *backend,
						  struct device *dev)
{
	struct xen_dma_device *xdev;

	list_for_each_entry(xdev, &backend->devices, node)
		if (xdev->dev == dev)
			return xdev;
	return NULL;
}

/**
 * xen_dma_device_attach() - give a device xen-dma's ops
 * @backend: the backend
 * @dev: the device; no driver may be mapping through it while this runs
 *
 * Chooses the device's mode, logs it with the reason once, and installs the
 * ops, keeping the old ones for xen_dma_device_detach().
 *
 * Whether the device is cache-coherent is known only once a driver binds
 * (Arm64 reads it in dma_configure()); xen_dma_device_claim_ops() checks it
 * then.
 *
 * Context: process context; may sleep.
 * Return: the device's context, or an ERR_PTR(): -EOPNOTSUPP for a device
 * that cannot DMA, -EEXIST when already attached, -ENOMEM, or the error that
 * kept the pool from being made.
 */
struct xen_dma_device *xen_dma_device_attach(struct xen_dma_backend *backend,
					     struct device *dev)
{
	enum xen_dma_bus_space space;
	struct xen_dma_policy policy;
	struct xen_dma_device *xdev;
	struct xen_dma_pool *pool;
	int ret;

	if (!dev->dma_mask) {
		dev_err(dev, "xen_dma: device has no DMA mask, nothing to attach\n");
		return ERR_PTR(-EOPNOTSUPP);
	}
	if (!dma_layout_supported(dev))
		return ERR_PTR(-EOPNOTSUPP);

	policy = xen_dma_policy_choose(&backend->features, backend->forced_mode);
	/* The ops are const once made: give them their value at allocation. */
	xdev = kmemdup(&(struct xen_dma_device){ .ops = *xen_dma_ops_template() },
		       sizeof(*xdev), GFP_KERNEL);
	if (!xdev)
		return ERR_PTR(-ENOMEM);
	xdev->stats = alloc_percpu(struct xen_dma_device_stats);
	if (!xdev->stats) {
		ret = -ENOMEM;
		goto free;
	}

	mutex_lock(&backend->lock);
	if (backend_find_locked(backend, dev)) {
		ret = -EEXIST;
		goto unlock;
	}
	space = xen_dma_policy_bus_space(&backend->features, policy.mode);
	pool = backend_get_pool(backend, space);
	if (IS_ERR(pool)) {
		ret = PTR_ERR(pool);
		goto unlock;
	}
	xdev->dev = get_device(dev);
	xdev->backend = backend;
	xdev->policy = policy;
	xdev->space = space;
	xdev->pool = pool;
	xdev->saved_ops = dev->dma_ops;
	install_our_ops(xdev);
	list_add_tail(&xdev->node, &backend->devices);
	mutex_unlock(&backend->lock);

	dev_info(dev, "xen_dma: mode %s: %s\n", xen_dma_mode_name(policy.mode),
		 policy.reason);
	return xdev;

unlock:
	mutex_unlock(&backend->lock);
free:
	free_percpu(xdev->stats);
	kfree(xdev);
	return ERR_PTR(ret);
}

/**
 * xen_dma_device_find() - the context of an attached device
 * @backend: the backend
 * @dev: the device
 *
 * Context: process context; the caller keeps @dev from being detached.
 * Return: the context, or NULL when @dev is not attached.
 */
struct xen_dma_device *xen_dma_device_find(struct xen_dma_backend *backend,
					   struct device *dev)
{
	struct xen_dma_device *xdev;

	mutex_lock(&backend->lock);
	xdev = backend_find_locked(backend, dev);
	mutex_unlock(&backend->lock);
	return xdev;
}

/**
 * xen_dma_device_claim_ops() - put xen-dma's ops back on a device
 * @backend: the backend
 * @dev: any device; nothing happens unless it is attached
 *
 * A driver bind can replace a device's ops (Arm64: dma_configure() installs
 * swiotlb-xen's). Called after that and before the driver probes, this keeps
 * the newly installed ops for detach and installs ours again, unless the
 * device turns out not to be cache-coherent (bounce copies and unbounced
 * mappings here do no cache maintenance) or to have a layout xen-dma does
 * not translate: such a device keeps, or gets back, the ops it had.
 *
 * Context: process context, no driver probing @dev yet.
 * Return: true when the ops had to be replaced.
 */
bool xen_dma_device_claim_ops(struct xen_dma_backend *backend,
			      struct device *dev)
{
	struct xen_dma_device *xdev;
	bool replaced = false;

	mutex_lock(&backend->lock);
	xdev = backend_find_locked(backend, dev);
	if (xdev && (!dev_is_dma_coherent(dev) || !dma_layout_supported(dev))) {
		/* dma_configure() may have left ours in place: undo that. */
		if (dev->dma_ops == &xdev->ops)
			set_dma_ops(dev, xdev->saved_ops);
		else
			xdev->saved_ops = dev->dma_ops;
		if (!dev_is_dma_coherent(dev))
			dev_err(dev, "xen_dma: device is not DMA-coherent: left with its own DMA ops\n");
	} else if (xdev && dev->dma_ops != &xdev->ops) {
		xdev->saved_ops = dev->dma_ops;
		install_our_ops(xdev);
		replaced = true;
	}
	mutex_unlock(&backend->lock);
	return replaced;
}

/**
 * xen_dma_device_mark_bound() - note that a driver bound or went
 * @backend: the backend
 * @dev: any device; nothing happens unless it is attached
 * @bound: whether a driver is bound to it now
 *
 * While a driver works through xen-dma's ops, unloading the module would
 * pull them from under it: the caller holds a reference to the module for
 * each attached device with a driver, and this says when to take or drop
 * it.
 *
 * Context: process context, from the driver core's bus notifier.
 * Return: true when @dev is attached and its state changed.
 */
bool xen_dma_device_mark_bound(struct xen_dma_backend *backend,
			       struct device *dev, bool bound)
{
	struct xen_dma_device *xdev;
	bool changed = false;

	mutex_lock(&backend->lock);
	xdev = backend_find_locked(backend, dev);
	if (xdev && xdev->driver_bound != bound) {
		xdev->driver_bound = bound;
		changed = true;
	}
	mutex_unlock(&backend->lock);
	return changed;
}

/**
 * xen_dma_device_release_ops() - give a device its old ops, keep the rest
 * @xdev: the device's context
 *
 * For a device whose driver is gone but left mappings behind: it must not
 * keep ops that are about to be unloaded, and the pool those mappings use
 * must not be freed. xen_dma_backend_exit() frees the context and keeps the
 * pools.
 */
void xen_dma_device_release_ops(struct xen_dma_device *xdev)
{
	struct xen_dma_backend *backend = xdev->backend;

	mutex_lock(&backend->lock);
	set_dma_ops(xdev->dev, xdev->saved_ops);
	backend->abandoned = true;
	mutex_unlock(&backend->lock);
	dev_err(xdev->dev, "xen_dma: driver left DMA mappings live; old ops restored, bounce pool kept\n");
}

/**
 * xen_dma_device_busy() - does a device still use xen-dma's memory?
 * @xdev: the device's context
 *
 * Return: true while streaming mappings or coherent buffers are live.
 */
bool xen_dma_device_busy(struct xen_dma_device *xdev)
{
	struct xen_dma_device_stats stats;

	xen_dma_device_read_stats(xdev, &stats);
	return stats.maps != stats.unmaps || stats.coherent;
}

/**
 * xen_dma_device_read_stats() - a device's numbers, summed over CPUs
 * @xdev: the device
 * @stats: where to write them
 */
void xen_dma_device_read_stats(struct xen_dma_device *xdev,
			       struct xen_dma_device_stats *stats)
{
	int cpu;

	memset(stats, 0, sizeof(*stats));
	for_each_possible_cpu(cpu) {
		const struct xen_dma_device_stats *s = per_cpu_ptr(xdev->stats, cpu);

		stats->maps += READ_ONCE(s->maps);
		stats->unmaps += READ_ONCE(s->unmaps);
		stats->bounces += READ_ONCE(s->bounces);
		stats->bytes_bounced += READ_ONCE(s->bytes_bounced);
		stats->foreign += READ_ONCE(s->foreign);
		stats->failures += READ_ONCE(s->failures);
		stats->coherent += READ_ONCE(s->coherent);
	}
}

/**
 * xen_dma_device_detach() - give a device its old ops back
 * @xdev: the device's context; freed on success
 *
 * Context: process context; may sleep.
 * Return: 0, or -EBUSY while streaming mappings or coherent allocations made
 * through xen-dma are still live: the device keeps xen-dma's ops then.
 */
int xen_dma_device_detach(struct xen_dma_device *xdev)
{
	struct xen_dma_backend *backend = xdev->backend;
	struct xen_dma_device_stats stats;

	mutex_lock(&backend->lock);
	xen_dma_device_read_stats(xdev, &stats);
	if (stats.maps != stats.unmaps || stats.coherent) {
		mutex_unlock(&backend->lock);
		dev_warn(xdev->dev,
			 "xen_dma: %lld mappings and %lld coherent buffers still live, not detaching\n",
			 stats.maps - stats.unmaps, stats.coherent);
		return -EBUSY;
	}
	set_dma_ops(xdev->dev, xdev->saved_ops);
	list_del(&xdev->node);
	mutex_unlock(&backend->lock);

	dev_info(xdev->dev, "xen_dma: detached after %llu mappings, %llu bounced; DMA ops restored\n",
		 stats.maps, stats.bounces);
	free_device_context(xdev);
	return 0;
}
