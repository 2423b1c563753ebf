/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A simulated hypervisor for the xen-dma KUnit suites: the production code
 * runs unchanged on top of these hooks.
 */
#ifndef _XEN_DMA_SIM_H
#define _XEN_DMA_SIM_H

#include <linux/spinlock.h>
#include <linux/xarray.h>

#include <xen/xen-dma-hooks.h>

/*
 * Default p2m: bfn = (pfn ^ 1) + XEN_DMA_SIM_BFN_OFFSET, above 4 GiB; the
 * identity for an auto-translated, 1:1 domain.
 */
#define XEN_DMA_SIM_BFN_OFFSET	0x100000UL
/* "Ready buffers for DMA" hands out bus frames from here up. */
#define XEN_DMA_SIM_REGION_BASE	0x10000UL

/* At most this many barren blocks (&xen_dma_sim.barren_blocks). */
#define XEN_DMA_SIM_MAX_BARREN	8

/**
 * struct xen_dma_sim - the simulated hypervisor's state
 * @features: what read_features reports; each test sets it
 * @scramble: the default p2m swaps neighbouring frames, so no two guest
 *	frames in a row are machine-contiguous
 * @fail_make_contiguous: the next this many "ready buffers" calls fail
 * @max_order: when non-zero, "ready buffers" fails with -ENOMEM for any
 *	extent above this order, as Xen does when its heap is fragmented
 * @no_machine_addresses: "ready buffers" always fails with -EOPNOTSUPP, as
 *	Xen's does for an auto-translated domain that is not 1:1
 * @colour_run: when non-zero, a domain under cache colouring: the default
 *	p2m puts runs of this many frames at the middle of blocks of twice as
 *	many, as half the colours, adjacent, would, and not at aligned guest
 *	frames; use it with
 *	xen_dma_sim_coloured_hooks, whose "ready buffers" finds runs, never
 *	makes them
 * @barren_blocks: with @colour_run, the first this many distinct blocks
 *	"ready buffers" is asked to search hold no run, then or later (a
 *	stretch where other colours' frames break every run)
 * @identity: the default p2m is the identity (auto-translated and 1:1)
 * @lock: protects everything below
 * @p2m: pfn -> bfn entries that override the default (made contiguous,
 *	foreign or untranslatable frames)
 * @m2p: the reverse of @p2m, for the simulated device
 * @next_region_bfn: where the next contiguous region goes
 * @regions: regions whose frames were exchanged and not given back
 * @make_calls: "ready buffers" calls, failed ones and ones that found the
 *	memory already fit included, and calls that looked for a run
 * @barren: the blocks found barren so far (@barren_blocks of them at most)
 * @nr_barren: how many
 */
struct xen_dma_sim {
	struct xen_dma_features features;
	bool scramble;
	unsigned int fail_make_contiguous;
	unsigned int max_order;
	bool no_machine_addresses;
	unsigned long colour_run;
	unsigned int barren_blocks;
	bool identity;
	spinlock_t lock;	/* the fields below */
	struct xarray p2m;
	struct xarray m2p;
	unsigned long next_region_bfn;
	unsigned long regions;
	unsigned long make_calls;
	phys_addr_t barren[XEN_DMA_SIM_MAX_BARREN];
	unsigned int nr_barren;
};

extern struct xen_dma_sim xen_dma_sim;
extern const struct xen_dma_hooks xen_dma_sim_hooks;
extern const struct xen_dma_hooks xen_dma_sim_coloured_hooks;

void xen_dma_sim_reset(const struct xen_dma_features *features);
void xen_dma_sim_destroy(void);
unsigned long xen_dma_sim_pfn_to_bfn(unsigned long pfn);
int xen_dma_sim_set_frame(unsigned long pfn, unsigned long bfn);
void xen_dma_sim_clear_frame(unsigned long pfn);
phys_addr_t xen_dma_sim_bus_to_phys(dma_addr_t bus);

#endif /* _XEN_DMA_SIM_H */
