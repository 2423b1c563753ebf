// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma debugfs, under /sys/kernel/debug/xen_dma/:
 *
 *  pools                  per pool: segments, slots used, high-water mark,
 *                         growth and exhaustion counts
 *  translations           each pool segment's guest frame -> bus frame
 *  lookup                 write a guest frame number, read what "map
 *                         addresses" says its bus frame is, and, for a
 *                         frame of a pool segment, the pool's bus frame
 *  devices/<name>/stats   mode and reason, maps, unmaps, bounces, bytes
 *                         bounced, foreign pages, failures
 *
 * Every file is "key: value" lines, for people and for scripts alike.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>

#include <xen/xen-dma-debugfs.h>

static struct dentry *xen_dma_debugfs_root;
static struct dentry *xen_dma_debugfs_devices;
/* The frame the lookup file shows; a debugging aid, last writer wins. */
static unsigned long xen_dma_lookup_pfn;

static const char * const space_names[XEN_DMA_NR_SPACES] = {
	[XEN_DMA_SPACE_MACHINE] = "machine",
	[XEN_DMA_SPACE_GFN] = "guest-frame",
};

static int stats_show(struct seq_file *m, void *unused)
{
	struct xen_dma_device *xdev = m->private;
	struct xen_dma_device_stats s;

	xen_dma_device_read_stats(xdev, &s);
	seq_printf(m, "mode: %s\n", xen_dma_mode_name(xdev->policy.mode));
	seq_printf(m, "reason: %s\n", xdev->policy.reason);
	seq_printf(m, "bus_space: %s\n", xdev->space == XEN_DMA_SPACE_GFN ?
		   "guest frames" : "machine frames");
	seq_printf(m, "iommu: %s (%s)\n",
		   xdev->backend->features.iommu ? "yes" : "no",
		   xdev->backend->iommu_reason);
	seq_printf(m, "maps: %llu\n", s.maps);
	seq_printf(m, "unmaps: %llu\n", s.unmaps);
	seq_printf(m, "bounces: %llu\n", s.bounces);
	seq_printf(m, "bytes_bounced: %llu\n", s.bytes_bounced);
	seq_printf(m, "foreign: %llu\n", s.foreign);
	seq_printf(m, "failures: %llu\n", s.failures);
	seq_printf(m, "coherent: %lld\n", s.coherent);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/* Shows each pool the backend has made, under its lock: pools come lazily. */
static int show_each_pool(struct seq_file *m,
			  void (*show)(struct seq_file *m, const char *space,
				       struct xen_dma_pool *pool))
{
	struct xen_dma_backend *backend = m->private;
	unsigned int i;

	mutex_lock(&backend->lock);
	for (i = 0; i < XEN_DMA_NR_SPACES; i++)
		if (backend->pools[i])
			show(m, space_names[i], backend->pools[i]);
	mutex_unlock(&backend->lock);
	return 0;
}

static void show_pool_stats(struct seq_file *m, const char *space,
			    struct xen_dma_pool *pool)
{
	struct xen_dma_pool_stats s;

	xen_dma_pool_read_stats(pool, &s);
	seq_printf(m, "pool: %s\n", space);
	seq_printf(m, "segment_kb: %lu\n", BIT(pool->config.segment_shift) / SZ_1K);
	seq_printf(m, "segments: %u\n", s.segments);
	seq_printf(m, "max_segments: %u\n", pool->config.max_segments);
	seq_printf(m, "total_slots: %lu\n", s.total_slots);
	seq_printf(m, "used_slots: %lu\n", s.used_slots);
	seq_printf(m, "high_water_slots: %lu\n", s.high_water_slots);
	seq_printf(m, "grow_slots: %lu\n", s.grow_slots);
	seq_printf(m, "grows: %lu\n", s.grows);
	seq_printf(m, "grow_failures: %lu\n", s.grow_failures);
	seq_printf(m, "exhausted: %lu\n\n", s.exhausted);
}

static int pools_show(struct seq_file *m, void *unused)
{
	return show_each_pool(m, show_pool_stats);
}
DEFINE_SHOW_ATTRIBUTE(pools);

static void show_pool_segments(struct seq_file *m, const char *space,
			       struct xen_dma_pool *pool)
{
	/* Pairs with smp_store_release() in xen_dma_tables_add(). */
	unsigned int nr = smp_load_acquire(&pool->tables.nr_segments), i;

	for (i = 0; i < nr; i++) {
		const struct xen_dma_segment *seg = &pool->tables.segments[i];

		seq_printf(m, "%s pool segment %u: pfn %#llx -> bus frame %#llx, %zu KiB\n",
			   space, i, (u64)(seg->phys >> XEN_DMA_FRAME_SHIFT),
			   (u64)(seg->bus >> XEN_DMA_FRAME_SHIFT),
			   seg->size / SZ_1K);
	}
}

static int translations_show(struct seq_file *m, void *unused)
{
	return show_each_pool(m, show_pool_segments);
}
DEFINE_SHOW_ATTRIBUTE(translations);

/* A frame of a pool segment: its bus frame from the pool's own tables. */
static void lookup_in_pool(struct seq_file *m, const char *space,
			   struct xen_dma_pool *pool)
{
	/* Pairs with smp_store_release() in xen_dma_tables_add(). */
	unsigned int nr = smp_load_acquire(&pool->tables.nr_segments), i;
	phys_addr_t phys = (phys_addr_t)xen_dma_lookup_pfn << XEN_DMA_FRAME_SHIFT;

	for (i = 0; i < nr; i++) {
		const struct xen_dma_segment *seg = &pool->tables.segments[i];

		if (phys - seg->phys < seg->size)
			seq_printf(m, "  in %s pool segment %u: bus frame %#llx\n",
				   space, i,
				   (u64)((seg->bus + (phys - seg->phys)) >>
					 XEN_DMA_FRAME_SHIFT));
	}
}

static int lookup_show(struct seq_file *m, void *unused)
{
	struct xen_dma_backend *backend = m->private;
	unsigned long pfn = READ_ONCE(xen_dma_lookup_pfn);
	const struct xen_dma_features *f = &backend->features;
	struct xen_dma_bus_range range;
	/* Not 1:1, no IOMMU: "map addresses" answers guest frames there. */
	bool untranslated = f->auto_translated &&
		xen_dma_policy_bus_space(f, XEN_DMA_MODE_AUTO) ==
		XEN_DMA_SPACE_MACHINE;

	backend->hooks->map_range((phys_addr_t)pfn << XEN_DMA_FRAME_SHIFT, 1,
				  &range);
	if (!range.contiguous)
		seq_printf(m, "pfn %#lx -> no bus frame\n", pfn);
	else
		seq_printf(m, "pfn %#lx -> bus frame %#llx%s%s\n", pfn,
			   (u64)(range.bus >> XEN_DMA_FRAME_SHIFT),
			   range.foreign ? " (foreign)" : "",
			   untranslated ?
			   " (a guest frame: devices here need machine frames, so it bounces)" :
			   "");
	return show_each_pool(m, lookup_in_pool);
}

static int lookup_open(struct inode *inode, struct file *file)
{
	return single_open(file, lookup_show, inode->i_private);
}

static ssize_t lookup_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	unsigned long pfn;
	int ret = kstrtoul_from_user(buf, count, 0, &pfn);

	if (ret)
		return ret;
	/* Frame numbers fit in BITS_PER_LONG - XEN_DMA_FRAME_SHIFT bits. */
	if (pfn > (ULONG_MAX >> XEN_DMA_FRAME_SHIFT))
		return -ERANGE;
	WRITE_ONCE(xen_dma_lookup_pfn, pfn);
	return count;
}

static const struct file_operations lookup_fops = {
	.owner = THIS_MODULE,
	.open = lookup_open,
	.read = seq_read,
	.write = lookup_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * xen_dma_debugfs_init() - create /sys/kernel/debug/xen_dma
 * @backend: the backend whose pools are shown
 *
 * debugfs failures are not errors: the files are for people, not for the
 * module to work.
 */
void xen_dma_debugfs_init(struct xen_dma_backend *backend)
{
	xen_dma_debugfs_root = debugfs_create_dir("xen_dma", NULL);
	xen_dma_debugfs_devices = debugfs_create_dir("devices",
						     xen_dma_debugfs_root);
	debugfs_create_file("pools", 0444, xen_dma_debugfs_root, backend,
			    &pools_fops);
	debugfs_create_file("translations", 0444, xen_dma_debugfs_root,
			    backend, &translations_fops);
	debugfs_create_file("lookup", 0644, xen_dma_debugfs_root, backend,
			    &lookup_fops);
}

/**
 * xen_dma_debugfs_exit() - remove /sys/kernel/debug/xen_dma
 */
void xen_dma_debugfs_exit(void)
{
	debugfs_remove(xen_dma_debugfs_root);
	xen_dma_debugfs_root = NULL;
	xen_dma_debugfs_devices = NULL;
}

/**
 * xen_dma_debugfs_add_device() - create devices/<name>/stats
 * @xdev: the attached device
 */
void xen_dma_debugfs_add_device(struct xen_dma_device *xdev)
{
	if (!xen_dma_debugfs_devices)
		return;
	xdev->debugfs = debugfs_create_dir(dev_name(xdev->dev),
					   xen_dma_debugfs_devices);
	debugfs_create_file("stats", 0444, xdev->debugfs, xdev, &stats_fops);
}

/**
 * xen_dma_debugfs_remove_device() - remove devices/<name>
 * @xdev: the device; its files are gone, and no reader is left, on return
 */
void xen_dma_debugfs_remove_device(struct xen_dma_device *xdev)
{
	debugfs_remove(xdev->debugfs);
	xdev->debugfs = NULL;
}
