// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for xen-dma's DMA-able memory: the bus space decides, never
 * the mode. Guest frames come from the zone ladder below the limit; machine
 * frames from "ready buffers for DMA", which exchanges only what does not
 * already fit, and only what it exchanged is exchanged back.
 */

#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>

#include <xen/xen-dma-compat.h>
#include <xen/xen-dma-mem.h>

#include "xen-dma-test-env.h"

struct mem_test {
	struct xen_dma_mem mem;
};

static struct xen_dma_mem *mem_start(struct kunit *test, enum xen_dma_mode mode)
{
	struct mem_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct xen_dma_features features;

	KUNIT_ASSERT_NOT_NULL(test, t);
	xen_dma_test_features(mode, &features);
	xen_dma_sim_reset(&features);
	xen_dma_mem_init(&t->mem, &xen_dma_sim_hooks);
	test->priv = t;
	return &t->mem;
}

static void mem_exit(struct kunit *test)
{
	struct mem_test *t = test->priv;

	if (!t)
		return;
	KUNIT_EXPECT_EQ(test, xen_dma_mem_nr_moved(&t->mem), 0UL);
	xen_dma_mem_destroy(&t->mem);
	KUNIT_EXPECT_EQ_MSG(test, xen_dma_sim.regions, 0UL,
			    "exchanged frames not given back");
	xen_dma_sim_destroy();
}

/* Guest frames: below the limit, from the zone ladder, and no hypercall. */
static void mem_gfn_below_limit(struct kunit *test)
{
	struct xen_dma_mem *mem = mem_start(test, XEN_DMA_MODE_DIRECT);
	/* Every arch's KUnit machine has RAM below 4 GiB, none below 1 MiB. */
	static const u64 limits[] = {
		DMA_BIT_MASK(64), DMA_BIT_MASK(32), 0xfffeffffULL,
	};
	unsigned int i, order;
	struct page *page;
	dma_addr_t bus;
	int err;

	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		for (order = 0; order <= 6; order += 3) {
			page = xen_dma_mem_alloc(mem, XEN_DMA_SPACE_GFN, order,
						 limits[i], true, GFP_KERNEL, &bus,
						 &err);
			KUNIT_ASSERT_NOT_NULL_MSG(test, page, "limit %#llx order %u: %d",
						  limits[i], order, err);
			KUNIT_EXPECT_EQ(test, bus, page_to_phys(page));
			KUNIT_EXPECT_LE(test, bus + (PAGE_SIZE << order) - 1,
					limits[i]);
			xen_dma_mem_free(mem, page, order);
		}
	}
	KUNIT_EXPECT_EQ(test, xen_dma_sim.make_calls, 0UL);
	/* Below all RAM: every zone was tried, and the error says why. */
	KUNIT_EXPECT_NULL(test, xen_dma_mem_alloc(mem, XEN_DMA_SPACE_GFN, 0,
						  SZ_1M - 1, true, GFP_KERNEL, &bus,
						  &err));
	KUNIT_EXPECT_EQ(test, err, -ERANGE);
	KUNIT_EXPECT_NULL(test, xen_dma_mem_alloc(mem, XEN_DMA_SPACE_GFN,
						  XEN_DMA_MAX_PAGE_ORDER + 1,
						  DMA_BIT_MASK(64), true, GFP_KERNEL,
						  &bus, &err));
	KUNIT_EXPECT_EQ(test, err, -E2BIG);
}

/*
 * Machine frames on x86 PV: a page that already lies below the limit keeps
 * its frame; an exchange happens only when needed, and is undone on free.
 */
static void mem_machine_exchanges_only_when_needed(struct kunit *test)
{
	struct xen_dma_mem *mem = mem_start(test, XEN_DMA_MODE_TRANSLATE);
	struct page *one, *low, *pair;
	dma_addr_t bus;
	int err;

	/* One frame, any address: as it is (the simulated p2m is above 4 GiB). */
	one = xen_dma_mem_alloc(mem, XEN_DMA_SPACE_MACHINE, 0, DMA_BIT_MASK(64),
				true, GFP_KERNEL, &bus, &err);
	KUNIT_ASSERT_NOT_NULL(test, one);
	KUNIT_EXPECT_EQ(test, bus >> XEN_DMA_FRAME_SHIFT,
			xen_dma_sim_pfn_to_bfn(page_to_pfn(one)));
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 0UL);
	KUNIT_EXPECT_EQ(test, xen_dma_mem_nr_moved(mem), 0UL);

	/* Below 4 GiB: exchanged, and recorded. */
	low = xen_dma_mem_alloc(mem, XEN_DMA_SPACE_MACHINE, 0, DMA_BIT_MASK(32),
				true, GFP_ATOMIC, &bus, &err);
	KUNIT_ASSERT_NOT_NULL(test, low);
	KUNIT_EXPECT_LE(test, bus + PAGE_SIZE - 1, DMA_BIT_MASK(32));
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 1UL);
	KUNIT_EXPECT_EQ(test, xen_dma_mem_nr_moved(mem), 1UL);

	/* Two scrambled frames: exchanged to be contiguous. */
	pair = xen_dma_mem_alloc(mem, XEN_DMA_SPACE_MACHINE, 1, DMA_BIT_MASK(64),
				 true, GFP_KERNEL, &bus, &err);
	KUNIT_ASSERT_NOT_NULL(test, pair);
	KUNIT_EXPECT_EQ(test, xen_dma_sim_pfn_to_bfn(page_to_pfn(pair)) + 1,
			xen_dma_sim_pfn_to_bfn(page_to_pfn(pair) + 1));
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 2UL);

	/* Freeing the unexchanged page gives nothing back to "Xen". */
	xen_dma_mem_free(mem, one, 0);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 2UL);
	xen_dma_mem_free(mem, low, 0);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 1UL);
	xen_dma_mem_free(mem, pair, 1);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 0UL);
}

/* Failures leave nothing allocated or exchanged, and say why. */
static void mem_failures(struct kunit *test)
{
	struct xen_dma_mem *mem = mem_start(test, XEN_DMA_MODE_BOUNCE);
	dma_addr_t bus;
	int err = 0;

	xen_dma_sim.fail_make_contiguous = 1;
	KUNIT_EXPECT_NULL(test, xen_dma_mem_alloc(mem, XEN_DMA_SPACE_MACHINE, 2,
						  DMA_BIT_MASK(32), true, GFP_KERNEL,
						  &bus, &err));
	KUNIT_EXPECT_EQ(test, err, -ENOMEM);
	/* Fewer address bits than the allocation needs. */
	KUNIT_EXPECT_NULL(test, xen_dma_mem_alloc(mem, XEN_DMA_SPACE_MACHINE, 2,
						  DMA_BIT_MASK(13), true, GFP_KERNEL,
						  &bus, &err));
	KUNIT_EXPECT_EQ(test, err, -ERANGE);
	/* A domain Xen gives no machine addresses (not 1:1, no IOMMU). */
	xen_dma_sim.no_machine_addresses = true;
	KUNIT_EXPECT_NULL(test, xen_dma_mem_alloc(mem, XEN_DMA_SPACE_MACHINE, 0,
						  DMA_BIT_MASK(64), true, GFP_KERNEL,
						  &bus, &err));
	KUNIT_EXPECT_EQ(test, err, -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 0UL);
}

static struct kunit_case xen_dma_mem_cases[] = {
	KUNIT_CASE(mem_gfn_below_limit),
	KUNIT_CASE(mem_machine_exchanges_only_when_needed),
	KUNIT_CASE(mem_failures),
	{}
};

static struct kunit_suite xen_dma_mem_suite = {
	.name = "xen-dma-mem",
	.exit = mem_exit,
	.test_cases = xen_dma_mem_cases,
};

kunit_test_suites(&xen_dma_mem_suite);
