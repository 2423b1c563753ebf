/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma compat: every difference between the kernels xen-dma supports
 * (Linux 6.1, 6.12 and 7.x) that the code meets, in one place. The ops
 * table, whose members were renamed, lives in xen-dma-compat.c; everything
 * else is here. Nothing outside these two files tests a kernel version.
 *
 * Each entry says what changed and from which release, as read in that
 * release's include/linux/ and kernel/dma/mapping.c.
 */
#ifndef _XEN_DMA_COMPAT_H
#define _XEN_DMA_COMPAT_H

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/mmzone.h>
#include <linux/slab.h>
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/iommu-dma.h>
#endif

/*
 * The largest order the buddy allocator hands out. 6.1: MAX_ORDER is one
 * past it; 6.4 made MAX_ORDER the largest order itself; 6.8 renamed that
 * MAX_PAGE_ORDER.
 */
#if defined(MAX_PAGE_ORDER)
#define XEN_DMA_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define XEN_DMA_MAX_PAGE_ORDER	MAX_ORDER
#else
#define XEN_DMA_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif

/*
 * 7.x (not 6.12) allocates by type: kzalloc_obj(*p, gfp) is kzalloc(sizeof(*p), gfp)
 * returning typeof(*p) * (include/linux/slab.h), and its checkpatch asks
 * for it.
 */
#ifndef kzalloc_obj
#define kzalloc_obj(P, GFP)	kzalloc(sizeof(P), GFP)
#endif

/*
 * 6.19 replaced the ops' map_page/unmap_page and map_resource/
 * unmap_resource by map_phys/unmap_phys, MMIO being told apart by
 * DMA_ATTR_MMIO (new in 6.18).
 */
#define XEN_DMA_HAVE_MAP_PHYS	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0))

/*
 * DMA_ATTR_REQUIRE_COHERENT (in 7.3's include/linux/dma-mapping.h, not in
 * 6.12's): the caller never syncs (RDMA memory regions, HMM), so a mapping
 * that would bounce must fail, as dma-direct and iommu-dma make it. Where
 * the attribute does not exist, no caller can ask for it: 0 matches nothing.
 */
#ifdef DMA_ATTR_REQUIRE_COHERENT
#define XEN_DMA_ATTR_REQUIRE_COHERENT	DMA_ATTR_REQUIRE_COHERENT
#else
#define XEN_DMA_ATTR_REQUIRE_COHERENT	0
#endif

/*
 * 6.10 renamed the ops' alloc_pages to alloc_pages_op, alloc_pages()
 * having become a macro (memory allocation profiling).
 */
#define XEN_DMA_HAVE_ALLOC_PAGES_OP (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0))

/**
 * xen_dma_compat_ops_bypassed() - would the DMA core skip a device's ops?
 * @dev: the device
 *
 * Since 6.12 the core calls Linux's own IOMMU DMA code directly for a
 * device flagged dma_iommu (use_dma_iommu()), whatever its ops say; on
 * 6.1 iommu-dma was itself a set of ops, which attaching replaces. (The
 * other flag that bypasses ops, dma_ops_bypass, exists only on powerpc.)
 *
 * Return: true when installing ops on @dev would have no effect.
 */
static inline bool xen_dma_compat_ops_bypassed(struct device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	return use_dma_iommu(dev);
#else
	return false;
#endif
}

/**
 * xen_dma_compat_ops_installed() - tell the DMA core a device's ops changed
 * @dev: the device, its new ops just installed
 *
 * Since 6.11 the core skips sync calls for a device it found needs none
 * (dma_skip_sync, computed by dma_set_mask() and at driver bind for the ops
 * of that time). A device that had dma-direct on coherent memory is such a
 * device; with ops that bounce, its syncs are copies that must happen.
 * Clearing the flag is always safe: it only costs a call.
 */
static inline void xen_dma_compat_ops_installed(struct device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	dma_reset_need_sync(dev);
#endif
}

/*
 * For the KUnit environment, which plays the part of the driver core and of
 * dma-direct: a device that is cache-coherent or not (only where the
 * architecture can tell: elsewhere every device is), and one the DMA core
 * has found needs no sync calls (what dma_setup_need_sync() concludes for
 * a coherent device on dma-direct since 6.11). 7.x keeps these bits in
 * dev->flags.
 */
static inline void xen_dma_compat_test_set_coherent(struct device *dev,
						    bool coherent)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)
	dev_assign_dma_coherent(dev, coherent);
#elif defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
	dev->dma_coherent = coherent;
#endif
}

static inline void xen_dma_compat_test_skip_sync(struct device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0) && defined(CONFIG_DMA_NEED_SYNC)
	dev_set_dma_skip_sync(dev);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0) && defined(CONFIG_DMA_NEED_SYNC)
	dev->dma_skip_sync = true;
#endif
}

/*
 * Whether the DMA core would skip the device's sync calls. With
 * CONFIG_DMA_API_DEBUG (as in the KUnit kernels) it calls them anyway, so
 * a test must look at the flag itself.
 */
static inline bool xen_dma_compat_test_skips_sync(struct device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0) && defined(CONFIG_DMA_NEED_SYNC)
	return dev_dma_skip_sync(dev);
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0) && defined(CONFIG_DMA_NEED_SYNC)
	return dev->dma_skip_sync;
#else
	return false;
#endif
}

/* The dma_map_ops each attached device copies (xen-dma-compat.c). */
const struct dma_map_ops *xen_dma_ops_template(void);

#endif /* _XEN_DMA_COMPAT_H */
