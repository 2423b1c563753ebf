// SPDX-License-Identifier: GPL-2.0
/*
 * A simulated hypervisor for the xen-dma KUnit suites.
 *
 * Its p2m is not the identity, unless the simulated domain is auto-translated
 * and 1:1: by default guest frame pfn sits at machine frame
 * (pfn ^ 1) + XEN_DMA_SIM_BFN_OFFSET, above 4 GiB, so neighbouring guest
 * frames are never machine-contiguous and a 32-bit device reaches none of
 * them. "Ready buffers for DMA" moves a range to fresh, contiguous machine
 * frames below the asked address bits, as XENMEM_exchange does, leaves a
 * range that already fits alone, and can be told to fail. Frames can be
 * made foreign or untranslatable. A coloured domain (Xen's cache colouring
 * on Arm) has runs of contiguous frames that are found, never made.
 *
 * "Map addresses" answers what Linux knows, as Xen's hooks do: the p2m in
 * a PV domain; in an auto-translated one the guest frame, or the machine
 * frame Linux recorded for a grant mapping (a foreign override).
 *
 * The simulated device reaches machine memory through
 * xen_dma_sim_bus_to_phys(), the m2p, so a wrong bus address reads or writes
 * the wrong bytes (or nothing) and the data checks catch it.
 */

#include <linux/bits.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>

#include "xen-dma-sim.h"

/*
 * A coloured domain's runs start this many frames before the end of an
 * aligned block of guest frames (measured under Xen 4.21: 12 frames of a
 * run of 16 start 10 frames into an aligned block of 16).
 */
#define SIM_COLOUR_PHASE(run)	((run) * 3 / 8)

/* An override that says "no bus frame", as xarray values stop at LONG_MAX. */
#define SIM_BFN_NONE	LONG_MAX

struct xen_dma_sim xen_dma_sim;

static unsigned long sim_default_bfn(unsigned long pfn)
{
	unsigned long run = xen_dma_sim.colour_run;

	if (xen_dma_sim.identity)
		return pfn;
	if (run) {
		pfn += SIM_COLOUR_PHASE(run);
		return pfn / run * 2 * run + run / 2 + pfn % run;
	}
	return (xen_dma_sim.scramble ? pfn ^ 1 : pfn) + XEN_DMA_SIM_BFN_OFFSET;
}

static void sim_read_features(struct xen_dma_features *features)
{
	*features = xen_dma_sim.features;
}

/* The machine frame of @pfn, possibly flagged foreign. */
static __always_inline unsigned long sim_machine_bfn(unsigned long pfn)
{
	void *entry = xa_load(&xen_dma_sim.p2m, pfn);

	if (!entry)
		return sim_default_bfn(pfn);
	if (xa_to_value(entry) == SIM_BFN_NONE)
		return XEN_DMA_BFN_INVALID;
	return xa_to_value(entry);
}

/* "Map addresses": what Linux knows of @pfn. */
static __always_inline unsigned long sim_pfn_to_bfn(unsigned long pfn)
{
	unsigned long bfn = sim_machine_bfn(pfn);

	if (!xen_dma_sim.features.auto_translated || bfn == XEN_DMA_BFN_INVALID ||
	    (bfn & XEN_DMA_BFN_FOREIGN))
		return bfn;
	return pfn;
}

static void sim_map_range(phys_addr_t phys, size_t size,
			  struct xen_dma_bus_range *range)
{
	xen_dma_walk_frames(phys, size, sim_pfn_to_bfn, range);
}

/* Removes the overrides of @nr frames from @pfn; sim lock held. */
static void sim_erase(unsigned long pfn, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		void *entry = xa_erase(&xen_dma_sim.p2m, pfn + i);

		if (entry && xa_to_value(entry) != SIM_BFN_NONE)
			xa_erase(&xen_dma_sim.m2p,
				 xa_to_value(entry) & ~XEN_DMA_BFN_FOREIGN);
	}
}

/* Maps @nr frames from @pfn to bus frames from @bfn; sim lock held. */
static int sim_store(unsigned long pfn, unsigned long bfn, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		if (xa_err(xa_store(&xen_dma_sim.p2m, pfn + i,
				    xa_mk_value(bfn + i), GFP_ATOMIC)) ||
		    xa_err(xa_store(&xen_dma_sim.m2p,
				    (bfn + i) & ~XEN_DMA_BFN_FOREIGN,
				    xa_mk_value(pfn + i), GFP_ATOMIC))) {
			sim_erase(pfn, i + 1);
			return -ENOMEM;
		}
	}
	return 0;
}

static int sim_make_contiguous(phys_addr_t phys, unsigned int order,
			       unsigned int address_bits, bool aligned,
			       dma_addr_t *bus)
{
	unsigned long nr = 1UL << (order + PAGE_SHIFT - XEN_DMA_FRAME_SHIFT);
	unsigned long pfn = phys >> XEN_DMA_FRAME_SHIFT, base, i;
	struct xen_dma_bus_range range;
	int ret = 0;

	spin_lock(&xen_dma_sim.lock);
	xen_dma_sim.make_calls++;
	if (xen_dma_sim.fail_make_contiguous) {
		xen_dma_sim.fail_make_contiguous--;
		ret = -ENOMEM;
		goto out;
	}
	if (xen_dma_sim.max_order && order > xen_dma_sim.max_order) {
		ret = -ENOMEM;
		goto out;
	}
	if (xen_dma_sim.no_machine_addresses) {
		ret = -EOPNOTSUPP;
		goto out;
	}
	/* Like Xen's PV hooks: memory that already fits keeps its frames. */
	xen_dma_walk_frames(phys, PAGE_SIZE << order, sim_machine_bfn, &range);
	if (range.contiguous && !range.foreign &&
	    (!aligned || IS_ALIGNED(range.bus, PAGE_SIZE << order)) &&
	    range.bus + (PAGE_SIZE << order) - 1 <=
	    DMA_BIT_MASK(min(address_bits, 64U))) {
		*bus = range.bus;
		goto out;
	}
	base = ALIGN(xen_dma_sim.next_region_bfn, nr);
	if (((u64)(base + nr) << XEN_DMA_FRAME_SHIFT) - 1 >
	    DMA_BIT_MASK(min(address_bits, 64U))) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (xa_load(&xen_dma_sim.p2m, pfn + i)) {
			ret = -EBUSY;
			goto out;
		}
	}
	ret = sim_store(pfn, base, nr);
	if (ret)
		goto out;
	xen_dma_sim.next_region_bfn = base + nr;
	xen_dma_sim.regions++;
	*bus = (dma_addr_t)base << XEN_DMA_FRAME_SHIFT;
	ret = XEN_DMA_FRAMES_MOVED;
out:
	spin_unlock(&xen_dma_sim.lock);
	return ret;
}

static void sim_undo_contiguous(phys_addr_t phys, unsigned int order)
{
	unsigned long nr = 1UL << (order + PAGE_SHIFT - XEN_DMA_FRAME_SHIFT);

	spin_lock(&xen_dma_sim.lock);
	if (!WARN_ON(!xen_dma_sim.regions)) {
		sim_erase(phys >> XEN_DMA_FRAME_SHIFT, nr);
		if (!--xen_dma_sim.regions)
			xen_dma_sim.next_region_bfn = XEN_DMA_SIM_REGION_BASE;
	}
	spin_unlock(&xen_dma_sim.lock);
}

/*
 * Whether the block at @phys is one of the barren ones, which it becomes
 * when it is among the first &xen_dma_sim.barren_blocks shown.
 */
static bool sim_block_barren(phys_addr_t phys)
{
	unsigned int i;

	lockdep_assert_held(&xen_dma_sim.lock);
	for (i = 0; i < xen_dma_sim.nr_barren; i++)
		if (xen_dma_sim.barren[i] == phys)
			return true;
	if (xen_dma_sim.nr_barren >= min_t(unsigned int,
					   xen_dma_sim.barren_blocks,
					   XEN_DMA_SIM_MAX_BARREN))
		return false;
	xen_dma_sim.barren[xen_dma_sim.nr_barren++] = phys;
	return true;
}

/*
 * A coloured domain's frames are found, never made: every window of the
 * block is tried, as Xen's hooks do in one pass.
 */
static int sim_find_contiguous(phys_addr_t phys, unsigned int chunk_order,
			       unsigned int order, unsigned int address_bits,
			       bool aligned, unsigned long *first,
			       dma_addr_t *bus)
{
	size_t size = PAGE_SIZE << order;
	struct xen_dma_bus_range range;
	bool too_high = false;
	unsigned long i;

	spin_lock(&xen_dma_sim.lock);
	xen_dma_sim.make_calls++;
	if (sim_block_barren(phys)) {
		spin_unlock(&xen_dma_sim.lock);
		return -EAGAIN;
	}
	for (i = 0; i + BIT(order) <= BIT(chunk_order); i++) {
		xen_dma_walk_frames(phys + i * PAGE_SIZE, size, sim_machine_bfn,
				    &range);
		if (!range.contiguous || range.foreign ||
		    (aligned && !IS_ALIGNED(range.bus, size)))
			continue;
		if (range.bus + size - 1 > DMA_BIT_MASK(min(address_bits, 64U))) {
			too_high = true;
			continue;
		}
		*first = i;
		*bus = range.bus;
		spin_unlock(&xen_dma_sim.lock);
		return 0;
	}
	spin_unlock(&xen_dma_sim.lock);
	return too_high ? -ERANGE : -EAGAIN;
}

const struct xen_dma_hooks xen_dma_sim_hooks = {
	.name = "simulated",
	.read_features = sim_read_features,
	.map_range = sim_map_range,
	.make_contiguous = sim_make_contiguous,
	.undo_contiguous = sim_undo_contiguous,
};

const struct xen_dma_hooks xen_dma_sim_coloured_hooks = {
	.name = "simulated, coloured",
	.read_features = sim_read_features,
	.map_range = sim_map_range,
	.find_contiguous = sim_find_contiguous,
};

/**
 * xen_dma_sim_reset() - start a test on an empty, scrambled p2m
 * @features: what the hypervisor reports
 */
void xen_dma_sim_reset(const struct xen_dma_features *features)
{
	memset(&xen_dma_sim, 0, sizeof(xen_dma_sim));
	xen_dma_sim.features = *features;
	xen_dma_sim.scramble = true;
	xen_dma_sim.identity = features->auto_translated &&
			       features->direct_mapped;
	spin_lock_init(&xen_dma_sim.lock);
	xa_init(&xen_dma_sim.p2m);
	xa_init(&xen_dma_sim.m2p);
	xen_dma_sim.next_region_bfn = XEN_DMA_SIM_REGION_BASE;
}

/**
 * xen_dma_sim_destroy() - free the p2m overrides at the end of a test
 */
void xen_dma_sim_destroy(void)
{
	xa_destroy(&xen_dma_sim.p2m);
	xa_destroy(&xen_dma_sim.m2p);
}

/**
 * xen_dma_sim_pfn_to_bfn() - the simulated p2m, for tests to compare with
 * @pfn: a 4 KiB guest frame
 *
 * Return: the machine frame of @pfn, possibly with %XEN_DMA_BFN_FOREIGN,
 * or %XEN_DMA_BFN_INVALID.
 */
unsigned long xen_dma_sim_pfn_to_bfn(unsigned long pfn)
{
	return sim_machine_bfn(pfn);
}

/**
 * xen_dma_sim_set_frame() - override one frame's translation
 * @pfn: the guest frame
 * @bfn: its bus frame, with %XEN_DMA_BFN_FOREIGN for another domain's page,
 *	or %XEN_DMA_BFN_INVALID for a frame "map addresses" cannot translate
 *
 * Return: 0 or -ENOMEM.
 */
int xen_dma_sim_set_frame(unsigned long pfn, unsigned long bfn)
{
	int ret;

	spin_lock(&xen_dma_sim.lock);
	sim_erase(pfn, 1);
	if (bfn == XEN_DMA_BFN_INVALID)
		ret = xa_err(xa_store(&xen_dma_sim.p2m, pfn,
				      xa_mk_value(SIM_BFN_NONE), GFP_ATOMIC));
	else
		ret = sim_store(pfn, bfn, 1);
	spin_unlock(&xen_dma_sim.lock);
	return ret;
}

/**
 * xen_dma_sim_clear_frame() - give a frame its default translation back
 * @pfn: the guest frame
 */
void xen_dma_sim_clear_frame(unsigned long pfn)
{
	spin_lock(&xen_dma_sim.lock);
	sim_erase(pfn, 1);
	spin_unlock(&xen_dma_sim.lock);
}

/**
 * xen_dma_sim_bus_to_phys() - what a device reaches at a machine address
 * @bus: the bus address
 *
 * Return: the guest-physical address, or ~0 where no guest memory is: a
 * frame nobody owns, or the old machine frame of a range that "ready
 * buffers for DMA" moved.
 */
phys_addr_t xen_dma_sim_bus_to_phys(dma_addr_t bus)
{
	unsigned long bfn = bus >> XEN_DMA_FRAME_SHIFT, pfn;
	phys_addr_t offset = bus & (XEN_DMA_FRAME_SIZE - 1);
	void *entry = xa_load(&xen_dma_sim.m2p, bfn);

	if (entry)
		return ((phys_addr_t)xa_to_value(entry) << XEN_DMA_FRAME_SHIFT) |
		       offset;
	if (xen_dma_sim.identity) {
		pfn = bfn;
	} else if (xen_dma_sim.colour_run) {
		unsigned long run = xen_dma_sim.colour_run;
		unsigned long in_run = bfn % (2 * run);

		if (in_run < run / 2 || in_run >= run / 2 + run)
			return ~(phys_addr_t)0;
		pfn = bfn / (2 * run) * run + in_run - run / 2;
		if (pfn < SIM_COLOUR_PHASE(run))
			return ~(phys_addr_t)0;
		pfn -= SIM_COLOUR_PHASE(run);
	} else {
		if (bfn < XEN_DMA_SIM_BFN_OFFSET)
			return ~(phys_addr_t)0;
		bfn -= XEN_DMA_SIM_BFN_OFFSET;
		pfn = xen_dma_sim.scramble ? bfn ^ 1 : bfn;
	}
	if (xa_load(&xen_dma_sim.p2m, pfn))
		return ~(phys_addr_t)0;
	return ((phys_addr_t)pfn << XEN_DMA_FRAME_SHIFT) | offset;
}
