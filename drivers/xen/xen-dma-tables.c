// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma translation tables: the phys->bus array and the bus->phys tree of
 * the bounce pool, after the design reviewed on linux-arm-kernel (2013-08,
 * "swiotlb-xen: support autotranslate guests").
 *
 * The array answers "where does pool byte N go on the bus" with a shift and an
 * add. The tree answers the reverse question for unmap and sync, which only
 * get a bus address that may point anywhere inside a segment.
 *
 * Concurrency: segments are only ever added (the pool never gives a segment
 * back while it lives), adders hold @add_lock, and readers take no lock at
 * all. The tree is a latch tree (include/linux/rbtree_latch.h): it keeps two
 * copies and a sequence count, so a reader always walks a copy that is not
 * being rotated. The array needs no such care because an entry is complete
 * before @nr_segments is raised to cover it.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/bitops.h>
#include <linux/dma-mapping.h>
#include <linux/errno.h>
#include <linux/slab.h>

#include <xen/xen-dma-tables.h>

static struct xen_dma_segment *to_segment(struct latch_tree_node *node)
{
	return container_of(node, struct xen_dma_segment, bus_node);
}

static __always_inline bool segment_bus_less(struct latch_tree_node *a,
					     struct latch_tree_node *b)
{
	return to_segment(a)->bus < to_segment(b)->bus;
}

/* A key matches a segment when start <= key < start + size: inside, too. */
static __always_inline int segment_bus_comp(void *key,
					    struct latch_tree_node *node)
{
	dma_addr_t bus = *(dma_addr_t *)key;
	struct xen_dma_segment *seg = to_segment(node);

	if (bus < seg->bus)
		return -1;
	if (bus - seg->bus >= seg->size)
		return 1;
	return 0;
}

static const struct latch_tree_ops segment_bus_ops = {
	.less = segment_bus_less,
	.comp = segment_bus_comp,
};

/**
 * xen_dma_tables_init() - prepare empty tables
 * @tables: the tables to set up
 * @max_segments: the most segments the pool will ever hold
 * @segment_shift: log2 of the largest segment, in bytes
 *
 * The array is allocated here, once, for @max_segments entries, so that adding
 * a segment later never allocates and never moves an entry a reader holds.
 *
 * Return: 0, -EINVAL for no segments, -ERANGE when the pool address space
 * would not fit an unsigned long, or -ENOMEM.
 */
int xen_dma_tables_init(struct xen_dma_tables *tables,
			unsigned int max_segments, unsigned int segment_shift)
{
	if (!max_segments)
		return -EINVAL;
	if (segment_shift < PAGE_SHIFT || segment_shift >= BITS_PER_LONG ||
	    max_segments - 1 > (ULONG_MAX >> segment_shift))
		return -ERANGE;

	tables->segments = kvcalloc(max_segments, sizeof(*tables->segments),
				    GFP_KERNEL);
	if (!tables->segments)
		return -ENOMEM;
	tables->max_segments = max_segments;
	tables->nr_segments = 0;
	tables->segment_shift = segment_shift;
	tables->bus_first = DMA_MAPPING_ERROR;
	tables->bus_last = 0;
	bitmap_zero(tables->bus_filter, 1 << XEN_DMA_BUS_FILTER_BITS);
	seqcount_latch_init(&tables->bus_tree.seq);
	tables->bus_tree.tree[0] = RB_ROOT;
	tables->bus_tree.tree[1] = RB_ROOT;
	mutex_init(&tables->add_lock);
	return 0;
}

/**
 * xen_dma_tables_destroy() - free the tables
 * @tables: tables set up by xen_dma_tables_init()
 *
 * The caller guarantees that no reader can still look anything up.
 */
void xen_dma_tables_destroy(struct xen_dma_tables *tables)
{
	kvfree(tables->segments);
	tables->segments = NULL;
	tables->max_segments = 0;
	tables->nr_segments = 0;
	mutex_destroy(&tables->add_lock);
}

/*
 * The segment with the highest bus start at or below @last, or NULL. Walks copy 0 of
 * the latch tree directly: only adders change the tree and the caller is the
 * one adder, so that copy is stable here and needs no sequence count.
 */
static struct xen_dma_segment *
last_segment_from(struct xen_dma_tables *tables, dma_addr_t last)
{
	struct rb_node *node = tables->bus_tree.tree[0].rb_node;
	struct xen_dma_segment *best = NULL;

	while (node) {
		struct xen_dma_segment *seg =
			container_of(node, struct xen_dma_segment,
				     bus_node.node[0]);

		if (seg->bus <= last) {
			best = seg;
			node = node->rb_right;
		} else {
			node = node->rb_left;
		}
	}
	return best;
}

/**
 * xen_dma_tables_add() - index one more segment
 * @tables: the tables
 * @phys: guest-physical address of the segment
 * @bus: bus address of the segment
 * @size: length in bytes, at most 1 << segment_shift
 *
 * The new segment gets the next index, so its pool addresses follow the
 * previous segment's. Readers see it complete or not at all. On error the
 * tables are left exactly as they were.
 *
 * Context: process context; may sleep.
 * Return: the new segment's index, -ERANGE for a zero, too large or wrapping
 * range, -EEXIST when the bus range overlaps a segment already present, or
 * -ENOSPC when all @max_segments entries are used.
 */
int xen_dma_tables_add(struct xen_dma_tables *tables, phys_addr_t phys,
		       dma_addr_t bus, size_t size)
{
	struct xen_dma_segment *seg, *below;
	unsigned int index;
	int ret;

	if (!size || size > BIT(tables->segment_shift) ||
	    bus + size - 1 < bus || phys + size - 1 < phys)
		return -ERANGE;

	mutex_lock(&tables->add_lock);
	/*
	 * Present ranges do not overlap each other, so the new one overlaps
	 * one iff it overlaps the last one starting at or below its last byte.
	 */
	below = last_segment_from(tables, bus + size - 1);
	if (below && below->bus + (below->size - 1) >= bus) {
		ret = -EEXIST;
		goto out;
	}
	index = tables->nr_segments;
	if (index == tables->max_segments) {
		ret = -ENOSPC;
		goto out;
	}

	seg = &tables->segments[index];
	seg->phys = phys;
	seg->bus = bus;
	seg->size = size;
	seg->index = index;
	/*
	 * Bounds only widen. A mapping's bus address reaches an unmapping CPU
	 * through the driver's own synchronisation, which orders these stores
	 * before its xen_dma_tables_may_hold().
	 */
	WRITE_ONCE(tables->bus_first, min(tables->bus_first, bus));
	WRITE_ONCE(tables->bus_last, max(tables->bus_last, bus + size - 1));
	/* At most two windows: a segment is no larger than one. */
	set_bit(xen_dma_tables_bus_window(tables, bus), tables->bus_filter);
	set_bit(xen_dma_tables_bus_window(tables, bus + size - 1),
		tables->bus_filter);
	latch_tree_insert(&seg->bus_node, &tables->bus_tree, &segment_bus_ops);
	/* Pairs with smp_load_acquire() in xen_dma_tables_find_pool(). */
	smp_store_release(&tables->nr_segments, index + 1);
	ret = index;
out:
	mutex_unlock(&tables->add_lock);
	return ret;
}

/**
 * xen_dma_tables_find_pool() - the segment holding a pool address
 * @tables: the tables
 * @pool_addr: the pool address
 *
 * Context: any; takes no lock.
 * Return: the segment, or NULL when @pool_addr lies in no segment.
 */
struct xen_dma_segment *
xen_dma_tables_find_pool(struct xen_dma_tables *tables, unsigned long pool_addr)
{
	unsigned long index = pool_addr >> tables->segment_shift;
	struct xen_dma_segment *seg;

	/* Pairs with smp_store_release() in xen_dma_tables_add(). */
	if (index >= smp_load_acquire(&tables->nr_segments))
		return NULL;
	seg = &tables->segments[index];
	if ((pool_addr & (BIT(tables->segment_shift) - 1)) >= seg->size)
		return NULL;
	return seg;
}

/**
 * xen_dma_tables_find_bus() - the segment holding a bus address
 * @tables: the tables
 * @bus: any bus address, not only a segment's first
 *
 * Context: any, including while a segment is being added; takes no lock.
 * Return: the segment, or NULL when no segment holds @bus.
 */
struct xen_dma_segment *
xen_dma_tables_find_bus(struct xen_dma_tables *tables, dma_addr_t bus)
{
	struct latch_tree_node *node;

	node = latch_tree_find(&bus, &tables->bus_tree, &segment_bus_ops);
	return node ? to_segment(node) : NULL;
}

/**
 * xen_dma_tables_pool_to_bus() - phys->bus: bus address of a pool byte
 * @tables: the tables
 * @pool_addr: the pool address
 *
 * Return: the bus address, or DMA_MAPPING_ERROR outside every segment.
 */
dma_addr_t xen_dma_tables_pool_to_bus(struct xen_dma_tables *tables,
				      unsigned long pool_addr)
{
	struct xen_dma_segment *seg = xen_dma_tables_find_pool(tables, pool_addr);

	if (!seg)
		return DMA_MAPPING_ERROR;
	return seg->bus + (pool_addr - xen_dma_segment_pool_addr(tables, seg));
}

/**
 * xen_dma_tables_bus_to_pool() - bus->phys: pool address of a bus address
 * @tables: the tables
 * @bus: any bus address
 *
 * Return: the pool address, or XEN_DMA_POOL_ADDR_NONE when no segment holds
 * @bus.
 */
unsigned long xen_dma_tables_bus_to_pool(struct xen_dma_tables *tables,
					 dma_addr_t bus)
{
	struct xen_dma_segment *seg = xen_dma_tables_find_bus(tables, bus);

	if (!seg)
		return XEN_DMA_POOL_ADDR_NONE;
	return xen_dma_segment_pool_addr(tables, seg) + (bus - seg->bus);
}
