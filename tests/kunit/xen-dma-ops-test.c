// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for xen-dma's dma_map_ops, through the real DMA API
 * (dma_map_single(), dma_map_sg(), dma_alloc_coherent()...), on top of the
 * simulated hypervisor, in each of the three modes.
 *
 * A simulated device reads and writes memory at the bus addresses it was
 * given, through the simulated m2p, so a wrong bus address or a missing copy
 * shows up as wrong data.
 */

#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <xen/xen-dma-compat.h>

#include "xen-dma-test-env.h"

static const enum xen_dma_mode ops_modes[] = {
	XEN_DMA_MODE_DIRECT, XEN_DMA_MODE_TRANSLATE, XEN_DMA_MODE_BOUNCE,
};

static void ops_mode_desc(const enum xen_dma_mode *mode, char *desc)
{
	strscpy(desc, xen_dma_mode_name(*mode), KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ops_mode, ops_modes, ops_mode_desc);

static struct xen_dma_test_env *start_param(struct kunit *test)
{
	const enum xen_dma_mode *mode = test->param_value;

	return xen_dma_test_env_start(test, *mode, XEN_DMA_MODE_AUTO, NULL);
}

static unsigned long frames_spanned(phys_addr_t phys, size_t size)
{
	return ((phys + size - 1) >> XEN_DMA_FRAME_SHIFT) -
	       (phys >> XEN_DMA_FRAME_SHIFT) + 1;
}

/* A buffer of our own memory in one of the modes, 64-bit masks. */
static bool must_bounce(struct xen_dma_test_env *env, phys_addr_t phys,
			size_t size)
{
	switch (env->mode) {
	case XEN_DMA_MODE_DIRECT:
		return false;
	case XEN_DMA_MODE_TRANSLATE:
		/* Guest frames are contiguous as they are (PVH, mode=translate). */
		if (env->backend.features.auto_translated)
			return false;
		/* The simulated p2m makes no two neighbouring frames adjacent. */
		return frames_spanned(phys, size) > 1;
	default:
		return true;
	}
}

/*
 * The bus address of an unbounced mapping of our own memory: the guest
 * frame in an auto-translated domain, the machine frame in a PV one.
 */
static dma_addr_t expected_bus(struct xen_dma_test_env *env, phys_addr_t phys)
{
	if (env->backend.features.auto_translated)
		return phys;
	return ((dma_addr_t)xen_dma_sim_pfn_to_bfn(phys >> XEN_DMA_FRAME_SHIFT)
		<< XEN_DMA_FRAME_SHIFT) | (phys & (XEN_DMA_FRAME_SIZE - 1));
}

static u64 stat_bounces(struct xen_dma_test_env *env)
{
	struct xen_dma_device_stats stats;

	xen_dma_device_read_stats(env->xdev, &stats);
	return stats.bounces;
}

static u64 stat_failures(struct xen_dma_test_env *env)
{
	struct xen_dma_device_stats stats;

	xen_dma_device_read_stats(env->xdev, &stats);
	return stats.failures;
}

static const struct {
	unsigned int offset;
	size_t size;
} ops_ranges[] = {
	{ 0, 1 }, { 5, 64 }, { 100, 4096 }, { 4000, 200 }, { 10, 9000 },
	{ 0, 16384 },
};

static const enum dma_data_direction ops_dirs[] = {
	DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL,
};

/* The simulated device reads the mapping: it must hold pattern @seed. */
static void device_sees(struct kunit *test, struct xen_dma_test_env *env,
			dma_addr_t bus, u8 *seen, size_t size, u32 seed)
{
	KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus, seen, size,
							 false));
	KUNIT_EXPECT_TRUE(test, xen_dma_test_check(seen, size, seed));
}

/* The simulated device writes pattern @seed over the whole mapping. */
static void device_writes(struct kunit *test, struct xen_dma_test_env *env,
			  dma_addr_t bus, u8 *scratch, size_t size, u32 seed)
{
	xen_dma_test_fill(scratch, size, seed);
	KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus, scratch,
							 size, true));
}

/*
 * One mapping through its whole life in direction @dir, checking what the
 * device and the CPU see after each step.
 */
static void check_one_mapping(struct kunit *test, struct xen_dma_test_env *env,
			      void *cpu, size_t size,
			      enum dma_data_direction dir)
{
	struct device *dev = env->dev;
	phys_addr_t phys = virt_to_phys(cpu);
	bool bounce = must_bounce(env, phys, size);
	u8 *seen = kunit_kmalloc(test, size, GFP_KERNEL);
	u64 bounces = stat_bounces(env);
	dma_addr_t bus;

	KUNIT_ASSERT_NOT_NULL(test, seen);
	xen_dma_test_fill(cpu, size, 1);
	bus = dma_map_single(dev, cpu, size, dir);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, bus));

	KUNIT_EXPECT_EQ(test, xen_dma_test_in_pool(env, bus), bounce);
	KUNIT_EXPECT_EQ(test, stat_bounces(env) - bounces, (u64)bounce);
	if (!bounce)
		KUNIT_EXPECT_EQ(test, bus, expected_bus(env, phys));

	/* The device sees the buffer, whatever the direction (CVE-2022-0854). */
	device_sees(test, env, bus, seen, size, 1);

	if (dir == DMA_TO_DEVICE) {
		/* A CPU update reaches the device after sync_for_device. */
		xen_dma_test_fill(cpu, size, 2);
		dma_sync_single_for_device(dev, bus, size, dir);
		device_sees(test, env, bus, seen, size, 2);
		/* A device write to a TO_DEVICE mapping is never copied back. */
		device_writes(test, env, bus, seen, size, 3);
		dma_unmap_single(dev, bus, size, dir);
		if (bounce)
			KUNIT_EXPECT_TRUE(test, xen_dma_test_check(cpu, size, 2));
		return;
	}

	/* The device writes; the CPU sees it after sync_for_cpu and unmap. */
	device_writes(test, env, bus, seen, size, 4);
	dma_sync_single_for_cpu(dev, bus, size, dir);
	KUNIT_EXPECT_TRUE(test, xen_dma_test_check(cpu, size, 4));
	if (dir == DMA_BIDIRECTIONAL) {
		/* And a CPU write goes back to the device. */
		xen_dma_test_fill(cpu, size, 5);
		dma_sync_single_for_device(dev, bus, size, dir);
		device_sees(test, env, bus, seen, size, 5);
		device_writes(test, env, bus, seen, size, 4);
	}
	xen_dma_test_fill(cpu, size, 6);
	dma_unmap_single(dev, bus, size, dir);
	/* Unmap copies the device's data back over the CPU's scribble. */
	KUNIT_EXPECT_TRUE(test, xen_dma_test_check(cpu, size, bounce ? 4 : 6));
}

static void ops_map_single_every_direction(struct kunit *test)
{
	struct xen_dma_test_env *env = start_param(test);
	struct page *pages = alloc_pages(GFP_KERNEL, 3);
	unsigned int r, d;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (r = 0; r < ARRAY_SIZE(ops_ranges); r++)
		for (d = 0; d < ARRAY_SIZE(ops_dirs); d++)
			check_one_mapping(test, env,
					  page_address(pages) + ops_ranges[r].offset,
					  ops_ranges[r].size, ops_dirs[d]);
	__free_pages(pages, 3);
}

static void ops_partial_sync(struct kunit *test)
{
	struct xen_dma_test_env *env = start_param(test);
	size_t size = 3 * XEN_DMA_FRAME_SIZE, from = 5000, len = 700;
	u8 *cpu = kunit_kmalloc(test, size, GFP_KERNEL);
	u8 *seen = kunit_kmalloc(test, size, GFP_KERNEL);
	bool bounce;
	dma_addr_t bus;

	KUNIT_ASSERT_NOT_NULL(test, cpu);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	xen_dma_test_fill(cpu, size, 1);
	bus = dma_map_single(env->dev, cpu, size, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(env->dev, bus));
	bounce = xen_dma_test_in_pool(env, bus);

	xen_dma_test_fill(seen, size, 2);
	KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus, seen, size,
							 true));
	/* A sync that starts inside the mapping, as drivers do for headers. */
	dma_sync_single_range_for_cpu(env->dev, bus, from, len, DMA_FROM_DEVICE);
	xen_dma_test_fill(seen, size, 2);
	KUNIT_EXPECT_EQ(test, memcmp(cpu + from, seen + from, len), 0);
	if (bounce) {
		xen_dma_test_fill(seen, size, 1);
		KUNIT_EXPECT_EQ(test, memcmp(cpu, seen, from), 0);
		KUNIT_EXPECT_EQ(test, memcmp(cpu + from + len, seen + from + len,
					     size - from - len), 0);
	}
	dma_unmap_single(env->dev, bus, size, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE(test, xen_dma_test_check(cpu, size, 2));
}

static void ops_skip_cpu_sync(struct kunit *test)
{
	struct xen_dma_test_env *env = start_param(test);
	size_t size = 2 * XEN_DMA_FRAME_SIZE;
	u8 *cpu = kunit_kmalloc(test, size, GFP_KERNEL);
	u8 *seen = kunit_kmalloc(test, size, GFP_KERNEL);
	bool bounce;
	dma_addr_t bus;

	KUNIT_ASSERT_NOT_NULL(test, cpu);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	xen_dma_test_fill(cpu, size, 1);
	bus = dma_map_single_attrs(env->dev, cpu, size, DMA_FROM_DEVICE,
				   DMA_ATTR_SKIP_CPU_SYNC);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(env->dev, bus));
	bounce = xen_dma_test_in_pool(env, bus);
	xen_dma_test_fill(seen, size, 2);
	KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus, seen, size,
							 true));
	dma_unmap_single_attrs(env->dev, bus, size, DMA_FROM_DEVICE,
			       DMA_ATTR_SKIP_CPU_SYNC);
	/* Skipped: a bounced mapping's data stays in the slot. */
	KUNIT_EXPECT_TRUE(test, xen_dma_test_check(cpu, size, bounce ? 1 : 2));
}

/* A page whose only frame is made foreign, at bus frame @bfn. */
static struct page *foreign_page(struct kunit *test, unsigned long bfn)
{
	struct page *page = alloc_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, PAGE_SIZE, XEN_DMA_FRAME_SIZE);
	KUNIT_ASSERT_EQ(test, xen_dma_sim_set_frame(page_to_pfn(page),
						    bfn | XEN_DMA_BFN_FOREIGN), 0);
	return page;
}

static void put_foreign_page(struct page *page)
{
	xen_dma_sim_clear_frame(page_to_pfn(page));
	__free_page(page);
}

/*
 * Translate mode: a bounce exactly when the frames are not bus-contiguous,
 * not translatable or above the mask; foreign frames go by their MFN.
 */
static void ops_translate_bounces_exactly_when_needed(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_AUTO, NULL);
	struct device *dev = env->dev;
	struct page *pages = alloc_pages(GFP_KERNEL, 1);
	struct page *foreign = foreign_page(test, 0x50000);
	void *cpu = page_address(pages);
	phys_addr_t phys = page_to_phys(pages);
	dma_addr_t bus, region_bus;
	u64 bounces;

	KUNIT_ASSERT_NOT_NULL(test, pages);

	/* One frame, 64-bit mask: the MFN, no bounce. */
	bounces = stat_bounces(env);
	bus = dma_map_single(dev, cpu + 8, 100, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, bus, expected_bus(env, phys + 8));
	KUNIT_EXPECT_EQ(test, bus >> XEN_DMA_FRAME_SHIFT,
			((phys >> XEN_DMA_FRAME_SHIFT) ^ 1) + XEN_DMA_SIM_BFN_OFFSET);
	dma_unmap_single(dev, bus, 100, DMA_TO_DEVICE);

	/* Two scrambled frames: bounce. */
	bus = dma_map_single(dev, cpu + 4000, 200, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, xen_dma_test_in_pool(env, bus));
	dma_unmap_single(dev, bus, 200, DMA_TO_DEVICE);

	/* The same frames made contiguous: no bounce, the region's address. */
	KUNIT_ASSERT_EQ(test, xen_dma_sim_hooks.make_contiguous(phys, 1, 64,
								true, &region_bus),
			XEN_DMA_FRAMES_MOVED);
	bus = dma_map_single(dev, cpu + 4000, 200, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, bus, region_bus + 4000);
	dma_unmap_single(dev, bus, 200, DMA_TO_DEVICE);
	xen_dma_sim_hooks.undo_contiguous(phys, 1);

	/* A foreign frame: its MFN, no bounce. */
	bus = dma_map_page(dev, foreign, 16, 512, DMA_FROM_DEVICE);
	KUNIT_EXPECT_EQ(test, bus, ((dma_addr_t)0x50000 << XEN_DMA_FRAME_SHIFT) + 16);
	dma_unmap_page(dev, bus, 512, DMA_FROM_DEVICE);

	/* A frame "map addresses" cannot translate: bounce. */
	KUNIT_ASSERT_EQ(test, xen_dma_sim_set_frame(phys >> XEN_DMA_FRAME_SHIFT,
						    XEN_DMA_BFN_INVALID), 0);
	bus = dma_map_single(dev, cpu, 64, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, xen_dma_test_in_pool(env, bus));
	dma_unmap_single(dev, bus, 64, DMA_TO_DEVICE);
	xen_dma_sim_clear_frame(phys >> XEN_DMA_FRAME_SHIFT);

	/* Above a 32-bit mask (the MFNs are above 4 GiB): bounce. */
	KUNIT_ASSERT_EQ(test, dma_set_mask(dev, DMA_BIT_MASK(32)), 0);
	bus = dma_map_single(dev, cpu, 64, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, xen_dma_test_in_pool(env, bus));
	KUNIT_EXPECT_LE(test, bus + 63, DMA_BIT_MASK(32));
	dma_unmap_single(dev, bus, 64, DMA_TO_DEVICE);

	/* Bounced: the scrambled pair, the untranslatable frame, the mask. */
	KUNIT_EXPECT_EQ(test, stat_bounces(env) - bounces, 3ULL);
	put_foreign_page(foreign);
	__free_pages(pages, 1);
}

/*
 * Direct mode: guest frames, another domain's page included (the IOMMU maps
 * grants at their guest frame); bounce only what lies above the limit.
 */
static void ops_direct_bounces_exactly_when_needed(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_DIRECT,
				       XEN_DMA_MODE_AUTO, NULL);
	struct device *dev = env->dev;
	struct page *pages = alloc_pages(GFP_KERNEL, 2), *high = NULL;
	struct page *foreign = foreign_page(test, 0x50000);
	dma_addr_t bus, lowest_end = DMA_BIT_MASK(64), highest_end = 0;
	unsigned int i;
	u64 bounces = stat_bounces(env);

	KUNIT_ASSERT_NOT_NULL(test, pages);
	bus = dma_map_single(dev, page_address(pages) + 3, 3 * PAGE_SIZE,
			     DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, bus, page_to_phys(pages) + 3);
	dma_unmap_single(dev, bus, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, stat_bounces(env), bounces);

	/* Another domain's page: its guest frame, as it is. */
	bus = dma_map_page(dev, foreign, 0, 128, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, bus, page_to_phys(foreign));
	KUNIT_EXPECT_FALSE(test, xen_dma_test_in_pool(env, bus));
	dma_unmap_page(dev, bus, 128, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, stat_bounces(env), bounces);

	/*
	 * A limit at the end of the lowest segment, and a page beyond it: the
	 * last page of the highest segment (pool memory as any other, here
	 * only read), since where the page allocator puts a page is anyone's
	 * guess and segments never overlap.
	 */
	for (i = 0; i < env->xdev->pool->tables.nr_segments; i++) {
		struct xen_dma_segment *seg = &env->xdev->pool->tables.segments[i];

		lowest_end = min(lowest_end, seg->bus + seg->size - 1);
		if (seg->bus + seg->size - 1 > highest_end) {
			highest_end = seg->bus + seg->size - 1;
			high = pfn_to_page(PHYS_PFN(seg->phys + seg->size - PAGE_SIZE));
		}
	}
	KUNIT_ASSERT_NOT_NULL(test, high);
	KUNIT_ASSERT_GT(test, page_to_phys(high), lowest_end);
	dev->bus_dma_limit = lowest_end;
	bus = dma_map_page(dev, high, 0, 256, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, bus));
	KUNIT_EXPECT_TRUE(test, xen_dma_test_in_pool(env, bus));
	KUNIT_EXPECT_LE(test, bus + 255, lowest_end);
	dma_unmap_page(dev, bus, 256, DMA_TO_DEVICE);
	dev->bus_dma_limit = 0;
	KUNIT_EXPECT_EQ(test, stat_bounces(env) - bounces, 1ULL);

	put_foreign_page(foreign);
	__free_pages(pages, 2);
}

/* A device reaching the top of RAM never bounces but for the mode. */
static void ops_required_mask(struct kunit *test)
{
	struct xen_dma_test_env *env = start_param(test);
	u64 want = env->mode == XEN_DMA_MODE_BOUNCE ? DMA_BIT_MASK(32) :
		   DMA_BIT_MASK(36);

	KUNIT_EXPECT_EQ(test, dma_get_required_mask(env->dev), want);
}

/* mode=bounce on a PV dom0: even a single frame bounces. */
static void ops_forced_bounce(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_BOUNCE, NULL);
	u8 *cpu = kunit_kzalloc(test, 64, GFP_KERNEL);
	dma_addr_t bus;

	KUNIT_ASSERT_NOT_NULL(test, cpu);
	KUNIT_EXPECT_EQ(test, env->mode, XEN_DMA_MODE_BOUNCE);
	bus = dma_map_single(env->dev, cpu, 64, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(env->dev, bus));
	KUNIT_EXPECT_TRUE(test, xen_dma_test_in_pool(env, bus));
	dma_unmap_single(env->dev, bus, 64, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, stat_bounces(env), 1ULL);
}

/*
 * DMA_ATTR_REQUIRE_COHERENT: its caller never syncs, so what would bounce
 * fails (single and sg, nothing left mapped) and what would not maps as
 * always: a copy in the pool would go stale under an RDMA region or HMM.
 */
static void ops_require_coherent_never_bounces(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_AUTO, NULL);
	const unsigned long attrs = XEN_DMA_ATTR_REQUIRE_COHERENT;
	struct page *pages = alloc_pages(GFP_KERNEL, 1);
	struct device *dev = env->dev;
	u64 bounces, failures;
	struct sg_table sgt;
	dma_addr_t bus;

	if (!attrs)
		kunit_skip(test, "this kernel has no DMA_ATTR_REQUIRE_COHERENT");
	KUNIT_ASSERT_NOT_NULL(test, pages);
	bounces = stat_bounces(env);
	failures = stat_failures(env);

	/* One frame: machine-contiguous, mapped in place. */
	bus = dma_map_page_attrs(dev, pages, 0, PAGE_SIZE, DMA_BIDIRECTIONAL,
				 attrs);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, bus));
	KUNIT_EXPECT_FALSE(test, xen_dma_test_in_pool(env, bus));
	dma_unmap_page_attrs(dev, bus, PAGE_SIZE, DMA_BIDIRECTIONAL, attrs);

	/* Two frames, not machine-contiguous: that would bounce, so it fails. */
	bus = dma_map_page_attrs(dev, pages, 0, 2 * PAGE_SIZE,
				 DMA_BIDIRECTIONAL, attrs | DMA_ATTR_NO_WARN);
	KUNIT_EXPECT_TRUE(test, dma_mapping_error(dev, bus));

	KUNIT_ASSERT_EQ(test, sg_alloc_table(&sgt, 2, GFP_KERNEL), 0);
	sg_set_page(sgt.sgl, pages, 100, 0);
	sg_set_page(sg_next(sgt.sgl), pages, 2 * PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, dma_map_sgtable(dev, &sgt, DMA_TO_DEVICE,
					      attrs | DMA_ATTR_NO_WARN), -EIO);
	sg_free_table(&sgt);

	KUNIT_EXPECT_EQ(test, stat_bounces(env), bounces);
	KUNIT_EXPECT_EQ(test, stat_failures(env) - failures, 2ULL);
	KUNIT_EXPECT_EQ(test, xen_dma_test_used_slots(env), 0UL);

	/* Without the attribute the same buffer bounces as ever. */
	bus = dma_map_page(dev, pages, 0, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, bus));
	KUNIT_EXPECT_TRUE(test, xen_dma_test_in_pool(env, bus));
	dma_unmap_page(dev, bus, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	__free_pages(pages, 1);
}

/*
 * An sg list mixing entries that bounce and entries that do not, in
 * translate mode: one frame, two scrambled frames, a foreign frame, a
 * contiguous region and an untranslatable frame.
 */
static void ops_sg_mixed(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_AUTO, NULL);
	struct page *pages = alloc_pages(GFP_KERNEL, 3);
	struct page *region = alloc_pages(GFP_KERNEL, 1);
	struct page *foreign = foreign_page(test, 0x50123);
	static const bool bounced[] = { false, true, false, false, true };
	unsigned int len[] = { 300, 5000, 2048, 8192, 100 };
	struct scatterlist sgl[5], *sg;
	dma_addr_t region_bus;
	u8 *seen;
	int i, n;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, region);
	seen = kunit_kmalloc(test, 8192, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_EQ(test, xen_dma_sim_hooks.make_contiguous(page_to_phys(region),
								1, 64, true,
								&region_bus),
			XEN_DMA_FRAMES_MOVED);
	KUNIT_ASSERT_EQ(test, xen_dma_sim_set_frame(page_to_pfn(pages + 4),
						    XEN_DMA_BFN_INVALID), 0);

	sg_init_table(sgl, 5);
	sg_set_page(&sgl[0], pages, len[0], 100);
	sg_set_page(&sgl[1], pages + 1, len[1], 2000);
	sg_set_page(&sgl[2], foreign, len[2], 1024);
	sg_set_page(&sgl[3], region, len[3], 0);
	sg_set_page(&sgl[4], pages + 4, len[4], 0);
	for_each_sg(sgl, sg, 5, i)
		xen_dma_test_fill(sg_virt(sg), sg->length, 1 + i);

	n = dma_map_sg(env->dev, sgl, 5, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_EQ(test, n, 5);
	KUNIT_EXPECT_EQ(test, stat_bounces(env), 2ULL);
	for_each_sg(sgl, sg, 5, i) {
		dma_addr_t bus = sg_dma_address(sg);

		KUNIT_EXPECT_EQ(test, xen_dma_test_in_pool(env, bus), bounced[i]);
		KUNIT_EXPECT_EQ(test, sg_dma_len(sg), len[i]);
		KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus, seen,
								 len[i], false));
		KUNIT_EXPECT_TRUE(test, xen_dma_test_check(seen, len[i], 1 + i));
		xen_dma_test_fill(seen, len[i], 10 + i);
		KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus, seen,
								 len[i], true));
	}
	KUNIT_EXPECT_EQ(test, sg_dma_address(&sgl[3]), region_bus);
	KUNIT_EXPECT_EQ(test, sg_dma_address(&sgl[2]),
			((dma_addr_t)0x50123 << XEN_DMA_FRAME_SHIFT) + 1024);

	dma_sync_sg_for_cpu(env->dev, sgl, 5, DMA_BIDIRECTIONAL);
	for_each_sg(sgl, sg, 5, i)
		KUNIT_EXPECT_TRUE(test, xen_dma_test_check(sg_virt(sg), len[i],
							   10 + i));
	for_each_sg(sgl, sg, 5, i)
		xen_dma_test_fill(sg_virt(sg), len[i], 20 + i);
	dma_sync_sg_for_device(env->dev, sgl, 5, DMA_BIDIRECTIONAL);
	for_each_sg(sgl, sg, 5, i) {
		KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env,
								 sg_dma_address(sg),
								 seen, len[i],
								 false));
		KUNIT_EXPECT_TRUE(test, xen_dma_test_check(seen, len[i], 20 + i));
	}
	dma_unmap_sg(env->dev, sgl, 5, DMA_BIDIRECTIONAL);

	xen_dma_sim_clear_frame(page_to_pfn(pages + 4));
	xen_dma_sim_hooks.undo_contiguous(page_to_phys(region), 1);
	put_foreign_page(foreign);
	__free_pages(region, 1);
	__free_pages(pages, 3);
}

static void check_coherent(struct kunit *test, struct xen_dma_test_env *env,
			   void *cpu, dma_addr_t bus, size_t size, u64 mask)
{
	unsigned long i, pfn = virt_to_phys(cpu) >> XEN_DMA_FRAME_SHIFT;
	u8 *seen = kunit_kmalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_EXPECT_NULL(test, memchr_inv(cpu, 0, size));
	KUNIT_EXPECT_LE(test, bus + size - 1, mask);
	/* Machine-contiguous: every frame sits right after the previous. */
	for (i = 0; env->xdev->space == XEN_DMA_SPACE_MACHINE &&
	     i < DIV_ROUND_UP(size, XEN_DMA_FRAME_SIZE); i++)
		KUNIT_EXPECT_EQ(test, xen_dma_sim_pfn_to_bfn(pfn + i),
				(unsigned long)(bus >> XEN_DMA_FRAME_SHIFT) + i);
	if (env->xdev->space == XEN_DMA_SPACE_GFN)
		KUNIT_EXPECT_EQ(test, bus, virt_to_phys(cpu));
	/* What the device writes, the CPU reads, with no sync. */
	xen_dma_test_fill(seen, size, 7);
	KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus, seen, size,
							 true));
	KUNIT_EXPECT_TRUE(test, xen_dma_test_check(cpu, size, 7));
}

static void ops_coherent(struct kunit *test)
{
	struct xen_dma_test_env *env = start_param(test);
	static const size_t sizes[] = { 1, PAGE_SIZE, 3 * PAGE_SIZE, SZ_64K };
	struct device *dev = env->dev;
	struct sg_table sgt;
	struct page *page;
	dma_addr_t bus;
	unsigned int i;
	void *cpu;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		cpu = dma_alloc_coherent(dev, sizes[i], &bus, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, cpu);
		check_coherent(test, env, cpu, bus, sizes[i], DMA_BIT_MASK(64));
		KUNIT_ASSERT_EQ(test, dma_get_sgtable(dev, &sgt, cpu, bus,
						      sizes[i]), 0);
		KUNIT_EXPECT_EQ(test, sgt.orig_nents, 1U);
		KUNIT_EXPECT_PTR_EQ(test, sg_virt(sgt.sgl), cpu);
		KUNIT_EXPECT_EQ(test, sgt.sgl->length, PAGE_ALIGN(sizes[i]));
		sg_free_table(&sgt);
		dma_free_coherent(dev, sizes[i], cpu, bus);
	}

	/* Below a 32-bit coherent mask, from an atomic caller. */
	KUNIT_ASSERT_EQ(test, dma_set_coherent_mask(dev, DMA_BIT_MASK(32)), 0);
	cpu = dma_alloc_coherent(dev, SZ_16K, &bus, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	check_coherent(test, env, cpu, bus, SZ_16K, DMA_BIT_MASK(32));
	dma_free_coherent(dev, SZ_16K, cpu, bus);

	page = dma_alloc_pages(dev, SZ_8K, &bus, DMA_BIDIRECTIONAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	check_coherent(test, env, page_address(page), bus, SZ_8K,
		       DMA_BIT_MASK(32));
	dma_free_pages(dev, SZ_8K, page, bus, DMA_BIDIRECTIONAL);
}

/* mmap refuses a range the buffer does not cover. */
static void ops_mmap_bounds(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_AUTO, NULL);
	struct vm_area_struct vma = {
		.vm_start = 0x10000000,
		.vm_end = 0x10000000 + 2 * PAGE_SIZE,
	};
	dma_addr_t bus;
	void *cpu = dma_alloc_coherent(env->dev, PAGE_SIZE, &bus, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cpu);
	KUNIT_EXPECT_EQ(test, dma_mmap_coherent(env->dev, &vma, cpu, bus,
						PAGE_SIZE), -ENXIO);
	vma.vm_end = vma.vm_start + PAGE_SIZE;
	vma.vm_pgoff = 1;
	KUNIT_EXPECT_EQ(test, dma_mmap_coherent(env->dev, &vma, cpu, bus,
						PAGE_SIZE), -ENXIO);
	dma_free_coherent(env->dev, PAGE_SIZE, cpu, bus);
}

/*
 * A device the DMA core found needs no syncs (a coherent one on dma-direct,
 * since 6.11) still gets its bounced data on a sync once our ops are on it:
 * attach tells the core. Without that, dma_sync_single_for_cpu() would
 * never reach us and the CPU would read stale memory (on a kernel without
 * CONFIG_DMA_API_DEBUG, which calls syncs regardless: hence the flag check).
 */
static void ops_sync_after_skip_sync_device(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_BOUNCE, NULL);
	struct device *dev = env->dev;
	u8 *cpu = kunit_kzalloc(test, 512, GFP_KERNEL);
	u8 *seen = kunit_kzalloc(test, 512, GFP_KERNEL);
	dma_addr_t bus;

	KUNIT_ASSERT_NOT_NULL(test, cpu);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_EQ(test, xen_dma_device_detach(env->xdev), 0);
	xen_dma_compat_test_skip_sync(dev);
	env->xdev = xen_dma_device_attach(&env->backend, dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(env->xdev));
	KUNIT_EXPECT_FALSE(test, xen_dma_compat_test_skips_sync(dev));

	bus = dma_map_single(dev, cpu, 512, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, bus));
	KUNIT_EXPECT_TRUE(test, xen_dma_test_in_pool(env, bus));
	device_writes(test, env, bus, seen, 512, 7);
	dma_sync_single_for_cpu(dev, bus, 512, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE(test, xen_dma_test_check(cpu, 512, 7));
	dma_unmap_single(dev, bus, 512, DMA_FROM_DEVICE);
}

static void ops_map_resource(struct kunit *test)
{
	struct xen_dma_test_env *env = start_param(test);
	phys_addr_t mmio = 0xfe000000;
	dma_addr_t bus;

	bus = dma_map_resource(env->dev, mmio + 0x10, 0x100, DMA_TO_DEVICE, 0);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(env->dev, bus));
	KUNIT_EXPECT_EQ(test, bus, expected_bus(env, mmio + 0x10));
	KUNIT_EXPECT_FALSE(test, xen_dma_test_in_pool(env, bus));
	dma_unmap_resource(env->dev, bus, 0x100, DMA_TO_DEVICE, 0);

	/*
	 * MMIO never bounces: scrambled frames cannot be mapped at all. An
	 * auto-translated domain's are guest frames, contiguous as they are.
	 */
	bus = dma_map_resource(env->dev, mmio, 2 * XEN_DMA_FRAME_SIZE,
			       DMA_TO_DEVICE, DMA_ATTR_NO_WARN);
	if (env->backend.features.auto_translated) {
		KUNIT_EXPECT_EQ(test, bus, mmio);
		dma_unmap_resource(env->dev, bus, 2 * XEN_DMA_FRAME_SIZE,
				   DMA_TO_DEVICE, 0);
	} else {
		KUNIT_EXPECT_TRUE(test, dma_mapping_error(env->dev, bus));
	}
}

/* Every failure returns an error, says so, and leaves the pool full. */
static void ops_failures_leak_nothing(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_AUTO,
				       &xen_dma_test_one_segment_config);
	struct device *dev = env->dev;
	size_t max = dma_max_mapping_size(dev);
	struct page *pages = alloc_pages(GFP_KERNEL, get_order(2 * max));
	void *cpu = page_address(pages);
	struct scatterlist sgl[6];
	dma_addr_t bus[4], one;
	u64 failures;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_EXPECT_EQ(test, max, (size_t)SZ_256K);
	failures = stat_failures(env);

	/* Zero length and above max_mapping_size. */
	one = dma_map_single(dev, cpu, 0, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, dma_mapping_error(dev, one));
	one = dma_map_single(dev, cpu, max + 1, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, dma_mapping_error(dev, one));

	/* A full pool: the fifth 64 KiB mapping fails, nothing else moves. */
	for (i = 0; i < 4; i++) {
		bus[i] = dma_map_single(dev, cpu + i * SZ_64K, SZ_64K,
					DMA_TO_DEVICE);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, bus[i]));
	}
	one = dma_map_single_attrs(dev, cpu, 1, DMA_TO_DEVICE, DMA_ATTR_NO_WARN);
	KUNIT_EXPECT_TRUE(test, dma_mapping_error(dev, one));
	for (i = 0; i < 4; i++)
		dma_unmap_single(dev, bus[i], SZ_64K, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, xen_dma_test_used_slots(env), 0UL);

	/* An sg list that runs the pool dry is unwound: -ENOMEM. */
	sg_init_table(sgl, 6);
	for (i = 0; i < 6; i++)
		sg_set_buf(&sgl[i], cpu + i * SZ_64K, SZ_64K);
	KUNIT_EXPECT_EQ(test, dma_map_sg_attrs(dev, sgl, 6, DMA_TO_DEVICE,
					       DMA_ATTR_NO_WARN), 0);
	KUNIT_EXPECT_EQ(test, xen_dma_test_used_slots(env), 0UL);
	/* An sg list with an oversize entry: -EINVAL, unwound. */
	sg_init_table(sgl, 2);
	sg_set_buf(&sgl[0], cpu, SZ_4K);
	sg_set_buf(&sgl[1], cpu, max + 1);
	KUNIT_EXPECT_EQ(test, dma_map_sgtable(dev, &(struct sg_table){
		.sgl = sgl, .orig_nents = 2, .nents = 2 }, DMA_TO_DEVICE,
		DMA_ATTR_NO_WARN), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_test_used_slots(env), 0UL);

	/* A mask below every segment: refused by dma_set_mask, and by map. */
	KUNIT_EXPECT_EQ(test, dma_set_mask(dev, DMA_BIT_MASK(24)), -EIO);
	dev->bus_dma_limit = DMA_BIT_MASK(24);
	one = dma_map_single(dev, cpu, 64, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, dma_mapping_error(dev, one));
	sg_init_table(sgl, 1);
	sg_set_buf(&sgl[0], cpu, SZ_4K);
	KUNIT_EXPECT_EQ(test, dma_map_sgtable(dev, &(struct sg_table){
		.sgl = sgl, .orig_nents = 1, .nents = 1 }, DMA_TO_DEVICE,
		DMA_ATTR_NO_WARN), -EIO);
	dev->bus_dma_limit = 0;

	/* "Ready buffers for DMA" fails: no coherent memory, nothing kept. */
	xen_dma_sim.fail_make_contiguous = 1;
	KUNIT_EXPECT_NULL(test, dma_alloc_coherent(dev, PAGE_SIZE, &one,
						   GFP_KERNEL));
	/* A coherent mask nothing can satisfy. */
	dev->coherent_dma_mask = DMA_BIT_MASK(20);
	KUNIT_EXPECT_NULL(test, dma_alloc_coherent(dev, PAGE_SIZE, &one,
						   GFP_KERNEL));
	dev->coherent_dma_mask = DMA_BIT_MASK(64);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 1UL);

	KUNIT_EXPECT_EQ(test, stat_failures(env) - failures, 9ULL);
	KUNIT_EXPECT_EQ(test, xen_dma_test_used_slots(env), 0UL);
	/* And the pool still works. */
	one = dma_map_single(dev, cpu, max, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, one));
	dma_unmap_single(dev, one, max, DMA_TO_DEVICE);
	__free_pages(pages, get_order(2 * max));
}

/* Attach refuses what it cannot serve and keeps the device's old ops. */
static void ops_attach_detach(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_AUTO, NULL);
	struct xen_dma_backend failing;
	struct xen_dma_device *xdev;
	u8 *cpu = kunit_kzalloc(test, 64, GFP_KERNEL);
	unsigned long regions;
	dma_addr_t bus;

	KUNIT_ASSERT_NOT_NULL(test, cpu);
	KUNIT_EXPECT_PTR_EQ(test, get_dma_ops(env->dev),
			    (const struct dma_map_ops *)&env->xdev->ops);
	KUNIT_EXPECT_EQ(test, PTR_ERR(xen_dma_device_attach(&env->backend,
							    env->dev)),
			-EEXIST);

	/* Live mappings keep the device attached. */
	bus = dma_map_single(env->dev, cpu, 64, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(env->dev, bus));
	KUNIT_EXPECT_EQ(test, xen_dma_device_detach(env->xdev), -EBUSY);
	dma_unmap_single(env->dev, bus, 64, DMA_TO_DEVICE);
	KUNIT_ASSERT_EQ(test, xen_dma_device_detach(env->xdev), 0);
	KUNIT_EXPECT_NULL(test, env->dev->dma_ops);

	/* mode=direct on a PV domain would give devices guest frames. */
	KUNIT_EXPECT_EQ(test, xen_dma_backend_init(&failing, &xen_dma_sim_hooks,
						   XEN_DMA_MODE_DIRECT,
						   XEN_DMA_IOMMU_AUTO,
						   &xen_dma_test_pool_config),
			-EOPNOTSUPP);

	/* A pool that cannot be made: the device keeps its ops. */
	regions = xen_dma_sim.regions;
	xen_dma_sim.fail_make_contiguous = UINT_MAX;
	KUNIT_ASSERT_EQ(test, xen_dma_backend_init(&failing, &xen_dma_sim_hooks,
						   XEN_DMA_MODE_BOUNCE,
						   XEN_DMA_IOMMU_AUTO,
						   &xen_dma_test_pool_config), 0);
	xdev = xen_dma_device_attach(&failing, env->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR(xdev), -ENOMEM);
	KUNIT_EXPECT_NULL(test, env->dev->dma_ops);
	xen_dma_backend_exit(&failing);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, regions);
	xen_dma_sim.fail_make_contiguous = 0;
	env->xdev = xen_dma_device_attach(&env->backend, env->dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(env->xdev));

	/* A driver bind replaced the ops (dma_configure): ours come back. */
	set_dma_ops(env->dev, NULL);
	KUNIT_EXPECT_TRUE(test, xen_dma_device_claim_ops(&env->backend,
							 env->dev));
	KUNIT_EXPECT_PTR_EQ(test, get_dma_ops(env->dev),
			    (const struct dma_map_ops *)&env->xdev->ops);
	KUNIT_EXPECT_FALSE(test, xen_dma_device_claim_ops(&env->backend,
							  env->dev));
	KUNIT_EXPECT_NULL(test, env->xdev->saved_ops);
#if defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_DEVICE) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU) || \
	defined(CONFIG_ARCH_HAS_SYNC_DMA_FOR_CPU_ALL)
	/* A device that is not cache-coherent keeps the ops it was given. */
	set_dma_ops(env->dev, NULL);
	xen_dma_compat_test_set_coherent(env->dev, false);
	KUNIT_EXPECT_FALSE(test, xen_dma_device_claim_ops(&env->backend,
							  env->dev));
	KUNIT_EXPECT_NULL(test, env->dev->dma_ops);
	xen_dma_compat_test_set_coherent(env->dev, true);
	KUNIT_EXPECT_TRUE(test, xen_dma_device_claim_ops(&env->backend,
							 env->dev));
#endif
}

static void ops_no_stale_data(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_AUTO, NULL);
	size_t size = SZ_16K;
	u8 *a = kunit_kmalloc(test, size, GFP_KERNEL);
	u8 *b = kunit_kmalloc(test, size, GFP_KERNEL);
	u8 *seen = kunit_kmalloc(test, size, GFP_KERNEL);
	dma_addr_t bus_a, bus_b;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	bus_a = dma_map_single(env->dev, a, size, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(env->dev, bus_a));
	xen_dma_test_fill(seen, size, 3);
	KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus_a, seen, size,
							 true));
	dma_unmap_single(env->dev, bus_a, size, DMA_FROM_DEVICE);

	/* The same slots again: the device must see b, not a's data. */
	xen_dma_test_fill(b, size, 8);
	bus_b = dma_map_single(env->dev, b, size, DMA_FROM_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(env->dev, bus_b));
	KUNIT_EXPECT_EQ(test, bus_b, bus_a);
	KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus_b, seen, size,
							 false));
	KUNIT_EXPECT_TRUE(test, xen_dma_test_check(seen, size, 8));
	/* A device that writes only half leaves b's other half intact. */
	xen_dma_test_fill(seen, size / 2, 2);
	KUNIT_ASSERT_TRUE(test, xen_dma_test_device_copy(env, bus_b, seen,
							 size / 2, true));
	dma_unmap_single(env->dev, bus_b, size, DMA_FROM_DEVICE);
	KUNIT_EXPECT_TRUE(test, xen_dma_test_check(b, size / 2, 2));
	xen_dma_test_fill(seen, size, 8);
	KUNIT_EXPECT_EQ(test, memcmp(b + size / 2, seen + size / 2, size / 2), 0);
}

/* Sizes from 1 B to 2 MiB through 4 MiB segments, with the alignments. */
static void ops_sizes_and_alignment(struct kunit *test)
{
	static const struct xen_dma_pool_config big_segments = {
		.segment_shift = XEN_DMA_SEGMENT_SHIFT_MAX,
		.initial_segments = 2,
		.max_segments = 4,
		.grow_percent = 100,
		.address_bits = 32,
	};
	static const size_t sizes[] = {
		1, 2, 63, 64, 2047, 2048, 2049, 4095, 4096, 4097, SZ_64K,
		SZ_256K, SZ_256K + 1, SZ_1M, SZ_2M,
	};
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_AUTO, &big_segments);
	struct device *dev = env->dev;
	unsigned int order = get_order(SZ_4M);
	struct page *pages = alloc_pages(GFP_KERNEL, order);
	dma_addr_t boundary_bus[8];
	void *buf;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	buf = page_address(pages);
	KUNIT_EXPECT_EQ(test, dma_max_mapping_size(dev), (size_t)SZ_4M);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		void *cpu = buf + (i * 777) % SZ_1M;
		dma_addr_t bus;

		check_one_mapping(test, env, cpu, size, DMA_BIDIRECTIONAL);
		/* Mappings of a page or more start on a page. */
		bus = dma_map_single(dev, cpu, size, DMA_TO_DEVICE);
		KUNIT_ASSERT_FALSE_MSG(test, dma_mapping_error(dev, bus),
				       "%zu bytes", size);
		if (size >= PAGE_SIZE)
			KUNIT_EXPECT_EQ(test, bus & (PAGE_SIZE - 1), 0ULL);
		dma_unmap_single(dev, bus, size, DMA_TO_DEVICE);
	}

	/* min_align_mask: the low bits of the buffer's address are kept. */
	dma_set_min_align_mask(dev, SZ_4K - 1);
	KUNIT_ASSERT_EQ(test, dma_get_min_align_mask(dev),
			(unsigned int)(SZ_4K - 1));
	KUNIT_EXPECT_EQ(test, dma_max_mapping_size(dev), (size_t)SZ_4M - SZ_4K);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *cpu = buf + 3 + i * 1111;
		dma_addr_t bus = dma_map_single(dev, cpu, sizes[i],
						DMA_TO_DEVICE);

		KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, bus));
		KUNIT_EXPECT_EQ(test, bus & (SZ_4K - 1),
				(dma_addr_t)virt_to_phys(cpu) & (SZ_4K - 1));
		dma_unmap_single(dev, bus, sizes[i], DMA_TO_DEVICE);
	}
	dma_set_min_align_mask(dev, 0);
	KUNIT_ASSERT_EQ(test, dma_get_min_align_mask(dev), 0U);

	/* A 64 KiB segment boundary is never crossed. */
	dma_set_seg_boundary(dev, SZ_64K - 1);
	KUNIT_ASSERT_EQ(test, dma_get_seg_boundary(dev),
			(unsigned long)(SZ_64K - 1));
	for (i = 0; i < ARRAY_SIZE(boundary_bus); i++) {
		boundary_bus[i] = dma_map_single(dev, buf + i * SZ_64K, 40000,
						 DMA_TO_DEVICE);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, boundary_bus[i]));
		KUNIT_EXPECT_EQ(test, boundary_bus[i] >> 16,
				(boundary_bus[i] + 40000 - 1) >> 16);
	}
	for (i = 0; i < ARRAY_SIZE(boundary_bus); i++)
		dma_unmap_single(dev, boundary_bus[i], 40000, DMA_TO_DEVICE);
	__free_pages(pages, order);
}

/*
 * Direct mode does not cap what it never bounces: a device that reaches
 * every guest frame may map 2 MiB as it is. Below that top, the pool's
 * segment is the cap again.
 */
static void ops_direct_limits(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_DIRECT,
				       XEN_DMA_MODE_AUTO, NULL);
	struct device *dev = env->dev;
	struct page *pages = alloc_pages(GFP_KERNEL, get_order(SZ_2M));
	dma_addr_t bus;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_EXPECT_EQ(test, dma_max_mapping_size(dev), SIZE_MAX);
	KUNIT_EXPECT_EQ(test, dma_get_required_mask(dev), DMA_BIT_MASK(36));
	bus = dma_map_page(dev, pages, 0, SZ_2M, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, bus, page_to_phys(pages));
	dma_unmap_page(dev, bus, SZ_2M, DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, stat_bounces(env), 0ULL);

	KUNIT_ASSERT_EQ(test, dma_set_mask(dev, DMA_BIT_MASK(32)), 0);
	KUNIT_EXPECT_EQ(test, dma_max_mapping_size(dev),
			(size_t)BIT(XEN_DMA_TEST_SEGMENT_SHIFT));
	__free_pages(pages, get_order(SZ_2M));
}

/*
 * mode=translate and mode=bounce on a PVH dom0 with an IOMMU: devices still
 * see guest frames, so coherent memory and the pool come from the page
 * allocator, never from "ready buffers for DMA" (which Xen refuses there).
 */
static void ops_pvh_forced_modes(struct kunit *test)
{
	static const enum xen_dma_mode forced[] = {
		XEN_DMA_MODE_TRANSLATE, XEN_DMA_MODE_BOUNCE,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(forced); i++) {
		struct xen_dma_test_env *env =
			xen_dma_test_env_start(test, XEN_DMA_MODE_DIRECT,
					       forced[i], NULL);
		u8 *cpu = kunit_kmalloc(test, SZ_16K, GFP_KERNEL);
		dma_addr_t bus;
		void *coherent;

		KUNIT_ASSERT_NOT_NULL(test, cpu);
		xen_dma_sim.no_machine_addresses = true;
		KUNIT_EXPECT_EQ(test, env->mode, forced[i]);
		KUNIT_EXPECT_EQ(test, env->xdev->space, XEN_DMA_SPACE_GFN);
		coherent = dma_alloc_coherent(env->dev, SZ_16K, &bus, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, coherent);
		KUNIT_EXPECT_EQ(test, bus, virt_to_phys(coherent));
		dma_free_coherent(env->dev, SZ_16K, coherent, bus);

		check_one_mapping(test, env, cpu + 100, 9000, DMA_BIDIRECTIONAL);
		bus = dma_map_single(env->dev, cpu, 64, DMA_TO_DEVICE);
		KUNIT_ASSERT_FALSE(test, dma_mapping_error(env->dev, bus));
		if (forced[i] == XEN_DMA_MODE_TRANSLATE)
			KUNIT_EXPECT_EQ(test, bus, virt_to_phys(cpu));
		else
			KUNIT_EXPECT_TRUE(test, xen_dma_test_in_pool(env, bus));
		dma_unmap_single(env->dev, bus, 64, DMA_TO_DEVICE);
		KUNIT_EXPECT_EQ(test, xen_dma_sim.make_calls, 0UL);
		xen_dma_test_env_exit(test);
	}
}

/*
 * Translate mode: frames that are contiguous on the bus but straddle the
 * device's segment boundary there, while the guest-physical range does not,
 * bounce. The block layer only checked guest-physical addresses.
 */
static void ops_translate_boundary_on_bus(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_AUTO, NULL);
	struct device *dev = env->dev;
	struct page *pages = alloc_pages(GFP_KERNEL, 1);
	unsigned long pfn, bfn = 0x77770;	/* 64 KiB aligned */
	dma_addr_t bus;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	pfn = page_to_pfn(pages);
	KUNIT_ASSERT_EQ(test, xen_dma_sim_set_frame(pfn, bfn - 1), 0);
	KUNIT_ASSERT_EQ(test, xen_dma_sim_set_frame(pfn + 1, bfn), 0);

	bus = dma_map_page(dev, pages, 0, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, bus, (dma_addr_t)(bfn - 1) << XEN_DMA_FRAME_SHIFT);
	dma_unmap_page(dev, bus, 2 * PAGE_SIZE, DMA_TO_DEVICE);

	dma_set_seg_boundary(dev, SZ_64K - 1);
	KUNIT_ASSERT_EQ(test, dma_get_seg_boundary(dev),
			(unsigned long)(SZ_64K - 1));
	bus = dma_map_page(dev, pages, 0, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, bus));
	KUNIT_EXPECT_TRUE(test, xen_dma_test_in_pool(env, bus));
	KUNIT_EXPECT_EQ(test, bus >> 16, (bus + 2 * PAGE_SIZE - 1) >> 16);
	dma_unmap_page(dev, bus, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	/* One frame does not cross: as it is. */
	bus = dma_map_page(dev, pages, 0, PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, xen_dma_test_in_pool(env, bus));
	dma_unmap_page(dev, bus, PAGE_SIZE, DMA_TO_DEVICE);

	xen_dma_sim_clear_frame(pfn);
	xen_dma_sim_clear_frame(pfn + 1);
	__free_pages(pages, 1);
}

/*
 * A foreign frame anywhere in a buffer is seen: first, middle or last of
 * three bus-contiguous frames, and the buffer still maps as it is.
 */
static void ops_translate_foreign_anywhere(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_AUTO, NULL);
	struct page *pages = alloc_pages(GFP_KERNEL, 2);
	struct xen_dma_device_stats stats;
	unsigned long pfn, bfn = 0x66660;
	unsigned int which, i;
	dma_addr_t bus;
	u64 foreign;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	pfn = page_to_pfn(pages);
	for (which = 0; which < 3; which++) {
		for (i = 0; i < 3; i++) {
			unsigned long flag = i == which ? XEN_DMA_BFN_FOREIGN : 0;

			KUNIT_ASSERT_EQ(test, xen_dma_sim_set_frame(pfn + i,
								    (bfn + i) | flag), 0);
		}
		xen_dma_device_read_stats(env->xdev, &stats);
		foreign = stats.foreign;
		bus = dma_map_page(env->dev, pages, 0, 3 * PAGE_SIZE,
				   DMA_FROM_DEVICE);
		KUNIT_EXPECT_EQ(test, bus, (dma_addr_t)bfn << XEN_DMA_FRAME_SHIFT);
		dma_unmap_page(env->dev, bus, 3 * PAGE_SIZE, DMA_FROM_DEVICE);
		xen_dma_device_read_stats(env->xdev, &stats);
		KUNIT_EXPECT_EQ_MSG(test, stats.foreign - foreign, 1ULL,
				    "foreign frame %u of 3 not seen", which);
	}
	for (i = 0; i < 3; i++)
		xen_dma_sim_clear_frame(pfn + i);
	__free_pages(pages, 2);
}

/*
 * Bounce: a mapping is refused only when it cannot fit a segment with its
 * real offset, not whenever it exceeds max_mapping_size, which assumes the
 * worst offset: a page-aligned 256 KiB buffer with NVMe's 4 KiB
 * min_align_mask fits a 256 KiB segment exactly.
 */
static void ops_bounce_fits_with_offset(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_AUTO, NULL);
	struct device *dev = env->dev;
	struct page *pages = alloc_pages(GFP_KERNEL, get_order(2 * SZ_256K));
	void *cpu;
	dma_addr_t bus;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	cpu = page_address(pages);
	dma_set_min_align_mask(dev, SZ_4K - 1);
	KUNIT_ASSERT_EQ(test, dma_get_min_align_mask(dev),
			(unsigned int)(SZ_4K - 1));
	KUNIT_EXPECT_EQ(test, dma_max_mapping_size(dev), (size_t)SZ_256K - SZ_4K);
	check_one_mapping(test, env, cpu, SZ_256K, DMA_BIDIRECTIONAL);
	/* 2 KiB into the page: one slot more than a segment has. */
	bus = dma_map_single_attrs(dev, cpu + SZ_2K, SZ_256K, DMA_TO_DEVICE,
				   DMA_ATTR_NO_WARN);
	KUNIT_EXPECT_TRUE(test, dma_mapping_error(dev, bus));
	/* 256 bytes in: its offset fits in the slack of the last slot. */
	check_one_mapping(test, env, cpu + 256, SZ_256K - SZ_2K, DMA_TO_DEVICE);
	KUNIT_EXPECT_EQ(test, stat_failures(env), 1ULL);
	__free_pages(pages, get_order(2 * SZ_256K));
}

/*
 * The device's limit is checked on a bounced mapping's last byte: with a
 * limit inside the only segment, no mapping may run past it, whatever
 * slot its first byte gets.
 */
static void ops_bounce_limit_inside_segment(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_AUTO,
				       &xen_dma_test_one_segment_config);
	struct device *dev = env->dev;
	dma_addr_t seg = env->xdev->pool->tables.segments[0].bus, bus[8];
	u8 *cpu = kunit_kzalloc(test, SZ_16K, GFP_KERNEL);
	unsigned int i, n = 0;

	KUNIT_ASSERT_NOT_NULL(test, cpu);
	dev->bus_dma_limit = seg + 60 * SZ_1K - 1;
	for (i = 0; i < ARRAY_SIZE(bus); i++) {
		dma_addr_t b = dma_map_single_attrs(dev, cpu, SZ_16K,
						    DMA_TO_DEVICE,
						    DMA_ATTR_NO_WARN);

		if (dma_mapping_error(dev, b))
			continue;
		KUNIT_EXPECT_LE(test, b + SZ_16K - 1, dev->bus_dma_limit);
		bus[n++] = b;
	}
	/* 0, 16 and 32 KiB fit below 60 KiB; 48 KiB would end at 64 KiB. */
	KUNIT_EXPECT_EQ(test, n, 3U);
	while (n)
		dma_unmap_single(dev, bus[--n], SZ_16K, DMA_TO_DEVICE);
	dev->bus_dma_limit = 0;
}

/*
 * The boundary is checked where the mapping really starts: its offset in
 * the first slot (min_align_mask) can push the end across a boundary the
 * slots alone do not cross.
 */
static void ops_bounce_boundary_with_offset(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_AUTO,
				       &xen_dma_test_one_segment_config);
	struct device *dev = env->dev;
	struct page *pages = alloc_pages(GFP_KERNEL, 1);
	u8 *cpu, *tiny = kunit_kzalloc(test, 8, GFP_KERNEL);
	dma_addr_t first, bus;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, tiny);
	cpu = page_address(pages);
	dma_set_min_align_mask(dev, SZ_2K - 1);
	KUNIT_ASSERT_EQ(test, dma_get_min_align_mask(dev),
			(unsigned int)(SZ_2K - 1));
	dma_set_seg_boundary(dev, SZ_8K - 1);
	KUNIT_ASSERT_EQ(test, dma_get_seg_boundary(dev),
			(unsigned long)(SZ_8K - 1));
	/*
	 * Slot 0 taken: the first page-aligned candidate is 4 KiB in, where
	 * 4 KiB starting 256 bytes into the slot would end past 8 KiB.
	 */
	first = dma_map_single(dev, tiny, 8, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, first));
	bus = dma_map_single(dev, cpu + 256, SZ_4K, DMA_TO_DEVICE);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, bus));
	KUNIT_EXPECT_EQ(test, bus & (SZ_2K - 1), 256ULL);
	KUNIT_EXPECT_EQ(test, bus >> 13, (bus + SZ_4K - 1) >> 13);
	dma_unmap_single(dev, bus, SZ_4K, DMA_TO_DEVICE);
	dma_unmap_single(dev, first, 8, DMA_TO_DEVICE);
	__free_pages(pages, 1);
}

/*
 * Not 1:1 and no IOMMU, on a hypervisor that gives no machine addresses:
 * attach says so and fails with -EOPNOTSUPP, the device keeps its ops.
 */
static void ops_attach_without_machine_addresses(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_AUTO, NULL);
	struct xen_dma_features coloured;
	struct xen_dma_backend backend;

	KUNIT_ASSERT_EQ(test, xen_dma_device_detach(env->xdev), 0);
	env->xdev = NULL;
	xen_dma_test_features(XEN_DMA_MODE_BOUNCE, &coloured);
	xen_dma_sim.features = coloured;
	xen_dma_sim.no_machine_addresses = true;
	KUNIT_ASSERT_EQ(test, xen_dma_backend_init(&backend, &xen_dma_sim_hooks,
						   XEN_DMA_MODE_AUTO,
						   XEN_DMA_IOMMU_AUTO,
						   &xen_dma_test_pool_config), 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(xen_dma_device_attach(&backend, env->dev)),
			-EOPNOTSUPP);
	KUNIT_EXPECT_NULL(test, env->dev->dma_ops);
	xen_dma_backend_exit(&backend);
}

/*
 * An Arm dom0 under cache colouring, no IOMMU: the flags choose bounce, and
 * the pool is made of 64 KiB runs of machine frames the colours leave
 * (halfway into blocks of 128 KiB), found, never exchanged. Every mapping
 * that fits a segment reaches the device intact, a larger one fails as
 * max_mapping_size says; a coherent buffer gets an aligned run (32 KiB)
 * and a larger one fails cleanly, since no run is aligned to 64 KiB.
 */
static void ops_bounce_coloured(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start_coloured(test, XEN_DMA_MODE_BOUNCE,
						XEN_DMA_MODE_AUTO, NULL, 16);
	struct device *dev = env->dev;
	struct page *pages;
	unsigned int r, d;
	dma_addr_t bus;
	void *cpu;

	if (PAGE_SIZE != SZ_4K)
		kunit_skip(test, "written for 4 KiB pages");
	pages = alloc_pages(GFP_KERNEL, get_order(SZ_128K));
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_EXPECT_EQ(test, env->mode, XEN_DMA_MODE_BOUNCE);
	KUNIT_EXPECT_EQ(test, dma_max_mapping_size(dev), (size_t)SZ_64K);
	for (r = 0; r < ARRAY_SIZE(ops_ranges); r++)
		for (d = 0; d < ARRAY_SIZE(ops_dirs); d++)
			check_one_mapping(test, env,
					  page_address(pages) + ops_ranges[r].offset,
					  ops_ranges[r].size, ops_dirs[d]);
	check_one_mapping(test, env, page_address(pages), SZ_64K,
			  DMA_BIDIRECTIONAL);
	bus = dma_map_single(dev, page_address(pages), SZ_128K, DMA_TO_DEVICE);
	KUNIT_EXPECT_TRUE(test, dma_mapping_error(dev, bus));
	__free_pages(pages, get_order(SZ_128K));

	cpu = dma_alloc_coherent(dev, SZ_32K, &bus, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cpu);
	check_coherent(test, env, cpu, bus, SZ_32K, DMA_BIT_MASK(64));
	dma_free_coherent(dev, SZ_32K, cpu, bus);
	KUNIT_EXPECT_NULL(test, dma_alloc_coherent(dev, SZ_64K, &bus,
						   GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 0UL);
}

static struct kunit_case xen_dma_ops_cases[] = {
	KUNIT_CASE_PARAM(ops_map_single_every_direction, ops_mode_gen_params),
	KUNIT_CASE_PARAM(ops_partial_sync, ops_mode_gen_params),
	KUNIT_CASE_PARAM(ops_skip_cpu_sync, ops_mode_gen_params),
	KUNIT_CASE_PARAM(ops_coherent, ops_mode_gen_params),
	KUNIT_CASE_PARAM(ops_map_resource, ops_mode_gen_params),
	KUNIT_CASE(ops_sync_after_skip_sync_device),
	KUNIT_CASE_PARAM(ops_required_mask, ops_mode_gen_params),
	KUNIT_CASE(ops_translate_bounces_exactly_when_needed),
	KUNIT_CASE(ops_direct_bounces_exactly_when_needed),
	KUNIT_CASE(ops_forced_bounce),
	KUNIT_CASE(ops_sg_mixed),
	KUNIT_CASE(ops_require_coherent_never_bounces),
	KUNIT_CASE(ops_mmap_bounds),
	KUNIT_CASE(ops_failures_leak_nothing),
	KUNIT_CASE(ops_attach_detach),
	KUNIT_CASE(ops_no_stale_data),
	KUNIT_CASE(ops_sizes_and_alignment),
	KUNIT_CASE(ops_direct_limits),
	KUNIT_CASE(ops_pvh_forced_modes),
	KUNIT_CASE(ops_translate_boundary_on_bus),
	KUNIT_CASE(ops_translate_foreign_anywhere),
	KUNIT_CASE(ops_bounce_fits_with_offset),
	KUNIT_CASE(ops_bounce_limit_inside_segment),
	KUNIT_CASE(ops_bounce_boundary_with_offset),
	KUNIT_CASE(ops_attach_without_machine_addresses),
	KUNIT_CASE(ops_bounce_coloured),
	{}
};

static struct kunit_suite xen_dma_ops_suite = {
	.name = "xen-dma-ops",
	.exit = xen_dma_test_env_exit,
	.test_cases = xen_dma_ops_cases,
};

kunit_test_suites(&xen_dma_ops_suite);
