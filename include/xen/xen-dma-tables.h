/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma translation tables: where each byte of the bounce pool lives in
 * the guest's physical space and on the bus.
 *
 * The pool is a set of machine-contiguous segments. A byte of the pool is
 * named by its pool address: segment index << segment_shift | offset.
 * Two tables index the same segment descriptors, as reviewed on
 * linux-arm-kernel (2013-08, "swiotlb-xen: support autotranslate guests"):
 *
 *  - pool address -> phys/bus: an array pre-allocated for the largest pool,
 *    indexed by pool address >> segment_shift: O(1) arithmetic;
 *  - bus -> pool address: a latched red-black tree keyed by bus range, so a
 *    bus address anywhere inside a segment resolves, in O(log n), without a
 *    lock, even while a segment is being added.
 */
#ifndef _XEN_DMA_TABLES_H
#define _XEN_DMA_TABLES_H

#include <linux/bitops.h>
#include <linux/hash.h>
#include <linux/mutex.h>
#include <linux/rbtree_latch.h>
#include <linux/types.h>

/* The bus filter: 2^12 bits, one per hash of a segment-sized bus window. */
#define XEN_DMA_BUS_FILTER_BITS	12

/** XEN_DMA_POOL_ADDR_NONE - "no such pool address", returned by lookups. */
#define XEN_DMA_POOL_ADDR_NONE	(~0UL)

/**
 * struct xen_dma_segment - one machine-contiguous piece of the bounce pool
 * @phys: guest-physical address of the first byte
 * @bus: address of the first byte as a device sees it
 * @size: length in bytes; at most 1 << segment_shift
 * @index: position in &xen_dma_tables.segments
 * @bus_node: node in &xen_dma_tables.bus_tree
 */
struct xen_dma_segment {
	phys_addr_t phys;
	dma_addr_t bus;
	size_t size;
	unsigned int index;
	struct latch_tree_node bus_node;
};

/**
 * struct xen_dma_tables - phys->bus array and bus->phys tree of one pool
 * @segments: descriptors, pre-allocated for @max_segments entries
 * @max_segments: capacity of @segments
 * @nr_segments: entries published so far; written with release semantics
 *	after the entry is complete, so lock-free readers load it with acquire
 * @segment_shift: log2 of the largest segment size
 * @bus_first: the lowest bus address of any segment; DMA_MAPPING_ERROR when
 *	there is none
 * @bus_last: the highest bus address of any segment
 * @bus_filter: a bit per hashed segment-sized bus window that a segment
 *	touches; a clear bit means no segment is there (a Bloom filter of one
 *	hash: bits are only ever set)
 * @bus_tree: latched rb-tree of @segments keyed by bus range
 * @add_lock: serialises xen_dma_tables_add(); readers never take it
 */
struct xen_dma_tables {
	struct xen_dma_segment *segments;
	unsigned int max_segments;
	unsigned int nr_segments;
	unsigned int segment_shift;
	dma_addr_t bus_first;
	dma_addr_t bus_last;
	DECLARE_BITMAP(bus_filter, 1 << XEN_DMA_BUS_FILTER_BITS);
	struct latch_tree_root bus_tree;
	struct mutex add_lock;	/* serialises adders only */
};

int xen_dma_tables_init(struct xen_dma_tables *tables,
			unsigned int max_segments, unsigned int segment_shift);
void xen_dma_tables_destroy(struct xen_dma_tables *tables);
int xen_dma_tables_add(struct xen_dma_tables *tables, phys_addr_t phys,
		       dma_addr_t bus, size_t size);

struct xen_dma_segment *
xen_dma_tables_find_pool(struct xen_dma_tables *tables,
			 unsigned long pool_addr);
struct xen_dma_segment *
xen_dma_tables_find_bus(struct xen_dma_tables *tables, dma_addr_t bus);

dma_addr_t xen_dma_tables_pool_to_bus(struct xen_dma_tables *tables,
				      unsigned long pool_addr);
unsigned long xen_dma_tables_bus_to_pool(struct xen_dma_tables *tables,
					 dma_addr_t bus);

/**
 * xen_dma_segment_pool_addr() - pool address of the first byte of a segment
 * @tables: the tables holding @seg
 * @seg: the segment
 *
 * Return: @seg's index shifted into the pool address space.
 */
static inline unsigned long
xen_dma_segment_pool_addr(const struct xen_dma_tables *tables,
			  const struct xen_dma_segment *seg)
{
	return (unsigned long)seg->index << tables->segment_shift;
}

/**
 * xen_dma_tables_bus_window() - the filter bit of the bus window of @bus
 * @tables: the tables
 * @bus: any bus address
 *
 * Return: a bit index below 2^XEN_DMA_BUS_FILTER_BITS.
 */
static inline unsigned int
xen_dma_tables_bus_window(const struct xen_dma_tables *tables, dma_addr_t bus)
{
	return hash_64((u64)bus >> tables->segment_shift,
		       XEN_DMA_BUS_FILTER_BITS);
}

/**
 * xen_dma_tables_may_hold() - could a segment hold @bus?
 * @tables: the tables
 * @bus: any bus address
 *
 * O(1), no lock, no tree walk: the pool's bus range, then the filter. In a
 * PV dom0 the pool's segments sit among the domain's other machine frames,
 * so the range alone rules out little; the filter rules out all but the
 * windows a segment touches.
 *
 * Context: any; takes no lock.
 * Return: false when no segment holds @bus; true means "look it up".
 */
static inline bool xen_dma_tables_may_hold(const struct xen_dma_tables *tables,
					   dma_addr_t bus)
{
	return bus >= READ_ONCE(tables->bus_first) &&
	       bus <= READ_ONCE(tables->bus_last) &&
	       test_bit(xen_dma_tables_bus_window(tables, bus),
			tables->bus_filter);
}

#endif /* _XEN_DMA_TABLES_H */
