/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-dma bounce pool: machine-contiguous segments cut into slots, handed
 * out from per-CPU areas, grown by whole segments from a work item.
 */
#ifndef _XEN_DMA_POOL_H
#define _XEN_DMA_POOL_H

#include <linux/dma-direction.h>
#include <linux/dma-mapping.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <xen/xen-dma-mem.h>
#include <xen/xen-dma-tables.h>

struct device;

/* Slots are 2 KiB, as in swiotlb: small mappings waste little. */
#define XEN_DMA_SLOT_SHIFT	11
#define XEN_DMA_SLOT_SIZE	BIT(XEN_DMA_SLOT_SHIFT)

/*
 * Segment sizes: 1 MiB by default, 4 MiB at most (2 MiB mappings). 1 MiB
 * lets an NVMe make the 512 KiB to 1 MiB requests most controllers take
 * (swiotlb's 256 KiB caps them at 252 KiB); beyond that the devices
 * measured gained nothing (Documentation/performance.rst, "Segment size").
 * Where Xen has no extent that large, the pool falls back to smaller
 * segments, down to one page: an Arm dom0 under cache colouring has
 * machine-contiguous runs only as long as its adjacent colours.
 */
#define XEN_DMA_SEGMENT_SHIFT_MIN	12
#define XEN_DMA_SEGMENT_SHIFT_DEFAULT	20
#define XEN_DMA_SEGMENT_SHIFT_MAX	22

/**
 * struct xen_dma_pool_config - the shape of a pool
 * @segment_shift: log2 of the segment size, XEN_DMA_SEGMENT_SHIFT_MIN..MAX
 * @initial_segments: segments made at creation, at least 1
 * @max_segments: the most segments growth may reach
 * @grow_percent: high-water mark: growth starts when an area has this
 *	percentage of its slots in use
 * @address_bits: segments' bus addresses lie below 2^@address_bits where
 *	the memory can be had (see pool_new_segment())
 * @space: the bus space of the segments, from xen_dma_policy_bus_space()
 */
struct xen_dma_pool_config {
	unsigned int segment_shift;
	unsigned int initial_segments;
	unsigned int max_segments;
	unsigned int grow_percent;
	unsigned int address_bits;
	enum xen_dma_bus_space space;
};

/**
 * struct xen_dma_slot - bookkeeping of one slot
 * @orig_phys: first slot of a mapping: the caller's buffer
 * @mapping_size: first slot of a mapping: bytes mapped
 * @offset: first slot of a mapping: where the mapping starts in the slot
 * @nr_slots: first slot of a mapping: slots taken
 * @first: every slot of a mapping: index of the mapping's first slot, so a
 *	partial sync that starts mid-mapping finds the mapping
 */
struct xen_dma_slot {
	phys_addr_t orig_phys;
	unsigned int mapping_size;
	unsigned short offset;
	unsigned short nr_slots;
	unsigned short first;
};

struct xen_dma_pool_area;

/**
 * struct xen_dma_pool_segment - the pool's side of one segment
 * @seg: the segment's addresses, in &xen_dma_pool.tables
 * @pages: the pages backing it
 * @vaddr: their kernel mapping
 * @nr_slots: slots in the segment
 * @slot_map: a set bit is a slot in use; under @area's lock
 * @slots: per-slot bookkeeping; a mapping's entries are written by its owner
 *	between allocation and release
 * @area: the area that hands out this segment's slots
 * @area_node: entry in the area's segment list
 */
struct xen_dma_pool_segment {
	struct xen_dma_segment *seg;
	struct page *pages;
	void *vaddr;
	unsigned int nr_slots;
	unsigned long *slot_map;
	struct xen_dma_slot *slots;
	struct xen_dma_pool_area *area;
	struct list_head area_node;
};

/**
 * struct xen_dma_pool_area - segments one CPU allocates from first
 * @lock: protects everything below and the slot maps of @segments
 * @segments: list of &xen_dma_pool_segment.area_node
 * @total_slots: slots in @segments
 * @used_slots: slots in use
 * @peak_slots: the most slots ever in use at once
 * @wants_segment: crossed the high-water mark or had to borrow from another
 *	area; the grow work gives it the next segment
 */
struct xen_dma_pool_area {
	spinlock_t lock;	/* the area's slots and counters */
	struct list_head segments;
	unsigned int total_slots;
	unsigned int used_slots;
	unsigned int peak_slots;
	bool wants_segment;
} ____cacheline_aligned_in_smp;

/**
 * struct xen_dma_pool_stats - a snapshot of a pool, for debugfs and tests
 * @segments: segments in the pool
 * @total_slots: slots in the pool
 * @used_slots: slots in use
 * @high_water_slots: the most slots in use, summed over the CPU areas'
 *	peaks (an upper bound of the pool's own peak)
 * @grow_slots: usage that makes the pool grow (grow_percent of the total)
 * @grows: segments added after creation
 * @grow_failures: growth attempts that failed
 * @exhausted: mappings refused because no slot fitted
 */
struct xen_dma_pool_stats {
	unsigned int segments;
	unsigned long total_slots;
	unsigned long used_slots;
	unsigned long high_water_slots;
	unsigned long grow_slots;
	unsigned long grows;
	unsigned long grow_failures;
	unsigned long exhausted;
};

/**
 * struct xen_dma_pool - a bounce pool
 * @mem: where segments' memory comes from
 * @config: the shape, fixed at creation
 * @tables: phys->bus array and bus->phys tree of the segments
 * @segments: pool side of each segment, same index as in @tables
 * @areas: one per possible CPU, up to @nr_areas
 * @nr_areas: number of @areas
 * @grow_lock: serialises adding segments
 * @above_limit: no memory was to be had below the pool's address limit, so
 *	segments come from higher memory without asking again; under
 *	@grow_lock
 * @grow_work: adds segments after an area crossed the high-water mark
 * @grow_retry: jiffies before which a failed growth is not retried
 * @grows: see &xen_dma_pool_stats
 * @grow_failures: see &xen_dma_pool_stats
 * @exhausted: see &xen_dma_pool_stats
 */
struct xen_dma_pool {
	struct xen_dma_mem *mem;
	struct xen_dma_pool_config config;
	struct xen_dma_tables tables;
	struct xen_dma_pool_segment *segments;
	struct xen_dma_pool_area *areas;
	unsigned int nr_areas;
	struct mutex grow_lock;	/* one segment added at a time */
	bool above_limit;
	struct work_struct grow_work;
	unsigned long grow_retry;
	atomic_long_t grows;
	atomic_long_t grow_failures;
	atomic_long_t exhausted;
};

struct xen_dma_pool *xen_dma_pool_create(struct xen_dma_mem *mem,
					 const struct xen_dma_pool_config *config);
void xen_dma_pool_destroy(struct xen_dma_pool *pool);
void xen_dma_pool_abandon(struct xen_dma_pool *pool);
int xen_dma_pool_grow(struct xen_dma_pool *pool);
void xen_dma_pool_read_stats(struct xen_dma_pool *pool,
			     struct xen_dma_pool_stats *stats);

int xen_dma_pool_map(struct xen_dma_pool *pool, struct device *dev,
		     phys_addr_t orig_phys, size_t size, dma_addr_t *bus);
bool xen_dma_pool_unmap(struct xen_dma_pool *pool, struct device *dev,
			dma_addr_t bus, size_t size,
			enum dma_data_direction dir, unsigned long attrs);
bool xen_dma_pool_sync(struct xen_dma_pool *pool, struct device *dev,
		       dma_addr_t bus, size_t size,
		       enum dma_data_direction dir, bool for_cpu);
size_t xen_dma_pool_max_mapping_size(struct xen_dma_pool *pool,
				     struct device *dev);
bool xen_dma_pool_serves_mask(struct xen_dma_pool *pool, u64 mask);

/**
 * xen_dma_streaming_limit() - the highest bus address a device's streaming
 *	mappings may use
 * @dev: the device
 *
 * The one rule for "can the device reach it", as dma-direct's
 * dma_capable() states it for 64-bit bus addresses: its DMA mask, further
 * limited by the bus (bus_dma_limit), if either is set.
 *
 * Return: the limit, inclusive.
 */
static inline u64 xen_dma_streaming_limit(struct device *dev)
{
	return min_not_zero(dma_get_mask(dev), dev->bus_dma_limit);
}

/**
 * xen_dma_pool_may_own() - could @bus be a bounced mapping of @pool?
 * @pool: the pool
 * @bus: a bus address from map_page or map_sg
 *
 * A bound check on the pool's bus range, so unmap and sync of mappings that
 * never bounced (most of them, in direct and translate modes) skip the
 * tree lookup.
 *
 * Return: false when @bus is certainly not in the pool.
 */
static inline bool xen_dma_pool_may_own(struct xen_dma_pool *pool,
					dma_addr_t bus)
{
	return xen_dma_tables_may_hold(&pool->tables, bus);
}

#endif /* _XEN_DMA_POOL_H */
