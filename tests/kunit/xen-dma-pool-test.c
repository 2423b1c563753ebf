// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the xen-dma bounce pool: shape checks, growth at the
 * high-water mark from the work item, growth failures, and a stress run with
 * one kthread per CPU mapping, syncing and unmapping at random while the
 * pool grows under them.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "xen-dma-test-env.h"

static void pool_create_rejects(struct kunit *test)
{
	static const struct xen_dma_pool_config bad[] = {
		{ 11, 1, 1, 50, 32 },	/* segment below a page */
		{ 23, 1, 1, 50, 32 },	/* segment above 4 MiB */
		{ 18, 0, 1, 50, 32 },	/* no initial segment */
		{ 18, 2, 1, 50, 32 },	/* more initial than maximum */
		{ 18, 1, 1, 0, 32 },	/* no high-water mark */
		{ 18, 1, 1, 101, 32 },	/* high-water mark above 100 % */
		{ 18, 1, 1, 50, 20 },	/* fewer than 24 address bits */
	};
	struct xen_dma_features features;
	struct xen_dma_mem mem;
	unsigned int i;

	xen_dma_test_features(XEN_DMA_MODE_TRANSLATE, &features);
	xen_dma_sim_reset(&features);
	xen_dma_mem_init(&mem, &xen_dma_sim_hooks);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(xen_dma_pool_create(&mem, &bad[i])),
				    -ERANGE, "config %u", i);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.make_calls, 0UL);
	xen_dma_mem_destroy(&mem);
	xen_dma_sim_destroy();
}

/*
 * Xen without extents as large as the segments asked for: the pool halves
 * them, keeping its size, down to a page, and fails when nothing at all
 * can be had.
 */
/* Two 1 MiB segments of machine memory asked for, up to eight. */
static const struct xen_dma_pool_config pool_two_mib = {
	.segment_shift = 20,
	.initial_segments = 2,
	.max_segments = 8,
	.grow_percent = 75,
	.address_bits = 32,
	.space = XEN_DMA_SPACE_MACHINE,
};

static void pool_create_falls_back(struct kunit *test)
{
	const struct xen_dma_pool_config config = pool_two_mib;
	struct xen_dma_features features;
	struct xen_dma_pool_stats stats;
	struct xen_dma_pool *pool;
	struct xen_dma_mem mem;

	xen_dma_test_features(XEN_DMA_MODE_TRANSLATE, &features);
	xen_dma_sim_reset(&features);
	xen_dma_sim.scramble = true;
	xen_dma_mem_init(&mem, &xen_dma_sim_hooks);

	/* 512 KiB extents at most: 4 segments of 512 KiB. */
	xen_dma_sim.max_order = 19 - PAGE_SHIFT;
	pool = xen_dma_pool_create(&mem, &config);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	xen_dma_pool_read_stats(pool, &stats);
	KUNIT_EXPECT_EQ(test, pool->config.segment_shift, 19U);
	KUNIT_EXPECT_EQ(test, stats.segments, 4U);
	KUNIT_EXPECT_EQ(test, pool->config.max_segments, 16U);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 4UL);
	xen_dma_pool_destroy(pool);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 0UL);

	/* Nothing at all: no pool, and nothing left exchanged. */
	xen_dma_sim.max_order = 0;
	xen_dma_sim.fail_make_contiguous = UINT_MAX;
	KUNIT_EXPECT_EQ(test, PTR_ERR(xen_dma_pool_create(&mem, &config)),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 0UL);
	xen_dma_sim.fail_make_contiguous = 0;

	/* Other errors are not a reason to shrink the segments. */
	xen_dma_sim.max_order = 0;
	xen_dma_sim.no_machine_addresses = true;
	KUNIT_EXPECT_EQ(test, PTR_ERR(xen_dma_pool_create(&mem, &config)),
			-EOPNOTSUPP);
	xen_dma_mem_destroy(&mem);
	xen_dma_sim_destroy();
}

/*
 * An Arm dom0 under cache colouring: Xen moves no frame, and its runs of
 * contiguous frames are as long as its adjacent colours, at any guest
 * frame: 16 frames halfway into blocks of 32 (16 colours of 32), or single
 * frames. The pool finds runs (a segment needs no alignment beyond a page)
 * and never exchanges; where they all lie above its limit, it takes them
 * from higher memory. Blocks that hold no run cost a segment a few more
 * tries, not its size: each try searches another block.
 */
static void pool_create_coloured(struct kunit *test)
{
	/*
	 * Run length, address bits (24 bits lie below every run found),
	 * barren blocks.
	 */
	static const struct {
		unsigned long run;
		unsigned int bits, barren;
	} cases[] = {
		{ 16, 64, 0 }, { 1, 64, 0 }, { 16, 24, 0 }, { 16, 64, 7 },
	};
	struct xen_dma_pool_config config = pool_two_mib;
	struct xen_dma_features features;
	struct xen_dma_pool_stats stats;
	struct xen_dma_pool *pool;
	struct xen_dma_mem mem;
	unsigned int c, i, shift;

	if (PAGE_SIZE != SZ_4K)
		kunit_skip(test, "written for 4 KiB pages");
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		shift = XEN_DMA_FRAME_SHIFT + ilog2(cases[c].run);
		config.address_bits = cases[c].bits;
		xen_dma_test_features(XEN_DMA_MODE_BOUNCE, &features);
		xen_dma_sim_reset(&features);
		xen_dma_sim.colour_run = cases[c].run;
		xen_dma_sim.barren_blocks = cases[c].barren;
		xen_dma_mem_init(&mem, &xen_dma_sim_coloured_hooks);

		pool = xen_dma_pool_create(&mem, &config);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
		xen_dma_pool_read_stats(pool, &stats);
		KUNIT_EXPECT_EQ(test, pool->config.segment_shift, shift);
		KUNIT_EXPECT_EQ(test, stats.segments, 2U << (20 - shift));
		KUNIT_EXPECT_EQ(test, pool->above_limit, cases[c].bits < 64);
		KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 0UL);
		KUNIT_EXPECT_EQ(test, xen_dma_sim.nr_barren, cases[c].barren);
		for (i = 0; i < stats.segments; i++) {
			const struct xen_dma_segment *seg =
				&pool->tables.segments[i];

			KUNIT_EXPECT_EQ(test, xen_dma_sim_bus_to_phys(seg->bus),
					seg->phys);
			KUNIT_EXPECT_EQ(test,
					xen_dma_sim_bus_to_phys(seg->bus + BIT(shift) - 1),
					seg->phys + BIT(shift) - 1);
		}
		xen_dma_pool_destroy(pool);
		xen_dma_mem_destroy(&mem);
		xen_dma_sim_destroy();
	}
}

static struct xen_dma_pool_stats pool_stats(struct xen_dma_test_env *env)
{
	struct xen_dma_pool_stats stats;

	xen_dma_pool_read_stats(env->xdev->pool, &stats);
	return stats;
}

/*
 * The map path never grows the pool itself: it marks the area and the work
 * item adds a segment. Growth stops at max_segments.
 */
static void pool_grows_from_work(struct kunit *test)
{
	static const struct xen_dma_pool_config config = {
		.segment_shift = XEN_DMA_TEST_SEGMENT_SHIFT,
		.initial_segments = 1,
		.max_segments = 4,
		.grow_percent = 50,
		.address_bits = 32,
	};
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_AUTO, &config);
	struct xen_dma_pool *pool = env->xdev->pool;
	struct page *pages = alloc_pages(GFP_KERNEL, get_order(SZ_1M));
	dma_addr_t bus[16], full;
	struct xen_dma_pool_stats stats;
	unsigned int i, n = 0;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_EXPECT_EQ(test, pool_stats(env).segments, 1U);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 1UL);

	/* Fill until the pool is at its maximum and full. */
	for (i = 0; i < ARRAY_SIZE(bus); i++) {
		bus[n] = dma_map_single_attrs(env->dev, page_address(pages),
					      SZ_64K, DMA_TO_DEVICE,
					      DMA_ATTR_NO_WARN);
		flush_work(&pool->grow_work);
		if (!dma_mapping_error(env->dev, bus[n]))
			n++;
	}
	stats = pool_stats(env);
	KUNIT_EXPECT_EQ(test, stats.segments, 4U);
	KUNIT_EXPECT_EQ(test, stats.grows, 3UL);
	KUNIT_EXPECT_EQ(test, stats.grow_failures, 0UL);
	KUNIT_EXPECT_EQ(test, n, 16U);
	KUNIT_EXPECT_EQ(test, stats.used_slots, stats.total_slots);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, 4UL);
	KUNIT_EXPECT_EQ(test, xen_dma_pool_grow(pool), -ENOSPC);

	/* Full: the next mapping fails at once, and is counted. */
	full = dma_map_single_attrs(env->dev, page_address(pages), 1,
				    DMA_TO_DEVICE, DMA_ATTR_NO_WARN);
	KUNIT_EXPECT_TRUE(test, dma_mapping_error(env->dev, full));
	KUNIT_EXPECT_EQ(test, pool_stats(env).exhausted, 1UL);

	for (i = 0; i < n; i++)
		dma_unmap_single(env->dev, bus[i], SZ_64K, DMA_TO_DEVICE);
	stats = pool_stats(env);
	KUNIT_EXPECT_EQ(test, stats.used_slots, 0UL);
	/* Every slot was in use at once; growth starts at half of them. */
	KUNIT_EXPECT_EQ(test, stats.high_water_slots, stats.total_slots);
	KUNIT_EXPECT_EQ(test, stats.grow_slots, stats.total_slots / 2);
	__free_pages(pages, get_order(SZ_1M));
}

/* A failing "ready buffers for DMA" leaves the pool and the p2m as they were. */
static void pool_growth_failure(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_TRANSLATE,
				       XEN_DMA_MODE_AUTO, NULL);
	struct xen_dma_pool *pool = env->xdev->pool;
	struct xen_dma_pool_stats before = pool_stats(env), after;
	unsigned long regions = xen_dma_sim.regions;

	xen_dma_sim.fail_make_contiguous = 1;
	KUNIT_EXPECT_EQ(test, xen_dma_pool_grow(pool), -ENOMEM);
	after = pool_stats(env);
	KUNIT_EXPECT_EQ(test, after.segments, before.segments);
	KUNIT_EXPECT_EQ(test, after.total_slots, before.total_slots);
	KUNIT_EXPECT_EQ(test, after.grow_failures, 1UL);
	KUNIT_EXPECT_EQ(test, xen_dma_sim.regions, regions);

	/* Segments must lie below the pool's address bits. */
	KUNIT_EXPECT_EQ(test, xen_dma_pool_grow(pool), 0);
	KUNIT_EXPECT_EQ(test, pool_stats(env).segments, before.segments + 1);
	KUNIT_EXPECT_LE(test, pool->tables.segments[before.segments].bus +
			SZ_256K - 1, DMA_BIT_MASK(32));
}

#define STRESS_OPS	100000
#define STRESS_BUF	SZ_512K
/*
 * Under QEMU's TCG, 10^5 calls per CPU take minutes (3 on arm64): a worker
 * stops after STRESS_SECONDS once it has made a tenth of its calls.
 */
#define STRESS_SECONDS	20

/**
 * struct stress_worker - one CPU's share of the stress run
 * @env: the environment
 * @cpu: the CPU it is bound to
 * @contend: few, large mappings that fight over the same slots, all of
 *	which the device writes (so unmap copies back)
 * @target_ops: calls to make before stopping
 * @min_ops: calls to make before @deadline may stop it
 * @deadline: jiffies after which it stops once it made @min_ops
 * @source: random bytes the patterns are cut from
 * @cpu_buf: the buffers it maps
 * @seen: what the simulated device read
 * @ops: map, sync and unmap calls made
 * @bad: data mismatches
 * @refused: mappings refused (pool momentarily full)
 * @done: completed when the worker ends
 */
struct stress_worker {
	struct xen_dma_test_env *env;
	unsigned int cpu;
	bool contend;
	unsigned long target_ops;
	unsigned long min_ops;
	unsigned long deadline;
	u8 *source;
	u8 *cpu_buf;
	u8 *seen;
	unsigned long ops;
	unsigned long bad;
	unsigned long refused;
	struct completion done;
};

static size_t stress_size(struct stress_worker *w, struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	/* 64 to 160 KiB: a 256 KiB segment often cannot hold two. */
	if (w->contend)
		return SZ_64K + (r >> 6) % (96 * SZ_1K);

	/* Mostly small, one in 64 up to 192 KiB. */
	if (!(r & 63))
		return 1 + (r >> 6) % (192 * SZ_1K);
	return 1 + (r >> 6) % SZ_16K;
}

static void stress_one(struct stress_worker *w, struct rnd_state *rnd)
{
	static const enum dma_data_direction dirs[] = {
		DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL,
	};
	struct xen_dma_test_env *env = w->env;
	enum dma_data_direction dir = dirs[w->contend ? 1 + prandom_u32_state(rnd) % 2 :
					   prandom_u32_state(rnd) % 3];
	size_t size = stress_size(w, rnd);
	size_t offset = prandom_u32_state(rnd) % (STRESS_BUF - size);
	u8 *in = w->source + prandom_u32_state(rnd) % (STRESS_BUF - size);
	u8 *out = w->source + prandom_u32_state(rnd) % (STRESS_BUF - size);
	u8 *cpu = w->cpu_buf + offset;
	dma_addr_t bus;

	memcpy(cpu, in, size);
	bus = dma_map_single_attrs(env->dev, cpu, size, dir, DMA_ATTR_NO_WARN);
	w->ops++;
	if (dma_mapping_error(env->dev, bus)) {
		w->refused++;
		return;
	}
	if (!xen_dma_test_device_copy(env, bus, w->seen, size, false) ||
	    memcmp(w->seen, in, size))
		w->bad++;
	if (dir != DMA_TO_DEVICE) {
		if (!xen_dma_test_device_copy(env, bus, out, size, true))
			w->bad++;
		if (prandom_u32_state(rnd) & 1) {
			dma_sync_single_for_cpu(env->dev, bus, size, dir);
			w->ops++;
			if (memcmp(cpu, out, size))
				w->bad++;
		}
	}
	dma_unmap_single(env->dev, bus, size, dir);
	w->ops++;
	if (memcmp(cpu, dir == DMA_TO_DEVICE ? in : out, size))
		w->bad++;
}

static int stress_fn(void *data)
{
	struct stress_worker *w = data;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 0x5eed0000 + w->cpu);
	while (w->ops < w->target_ops &&
	       (w->ops < w->min_ops || time_before(jiffies, w->deadline))) {
		stress_one(w, &rnd);
		cond_resched();
	}
	complete(&w->done);
	return 0;
}

/*
 * One kthread per online CPU, each bound to its CPU, running @target_ops
 * random map/sync/unmap calls against @env (or at least a tenth of them
 * for STRESS_SECONDS); returns the calls made and refused, and fails the
 * test on any data mismatch.
 */
static void stress_run(struct kunit *test, struct xen_dma_test_env *env,
		       bool contend, unsigned long target_ops,
		       unsigned long *ops, unsigned long *refused)
{
	unsigned long deadline = jiffies + STRESS_SECONDS * HZ;
	unsigned int nr = num_online_cpus(), i = 0, cpu;
	struct stress_worker *workers;

	workers = kunit_kcalloc(test, nr, sizeof(*workers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, workers);
	for_each_online_cpu(cpu) {
		struct stress_worker *w = &workers[i++];
		struct task_struct *task;

		w->env = env;
		w->cpu = cpu;
		w->contend = contend;
		w->target_ops = target_ops;
		w->min_ops = target_ops / 10;
		w->deadline = deadline;
		init_completion(&w->done);
		w->source = kunit_kmalloc(test, STRESS_BUF, GFP_KERNEL);
		w->cpu_buf = kunit_kmalloc(test, STRESS_BUF, GFP_KERNEL);
		w->seen = kunit_kmalloc(test, STRESS_BUF, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, w->source);
		KUNIT_ASSERT_NOT_NULL(test, w->cpu_buf);
		KUNIT_ASSERT_NOT_NULL(test, w->seen);
		get_random_bytes(w->source, STRESS_BUF);
		task = kthread_create(stress_fn, w, "xen-dma-stress/%u", cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		kthread_bind(task, cpu);
		wake_up_process(task);
	}
	*ops = 0;
	*refused = 0;
	for (i = 0; i < nr; i++) {
		wait_for_completion(&workers[i].done);
		KUNIT_EXPECT_EQ_MSG(test, workers[i].bad, 0UL, "cpu %u",
				    workers[i].cpu);
		KUNIT_EXPECT_GE(test, workers[i].ops, target_ops / 10);
		*ops += workers[i].ops;
		*refused += workers[i].refused;
	}
	kunit_info(test, "%u CPUs, %lu ops, %lu refused\n", nr, *ops, *refused);
}

static void pool_stress_every_cpu(struct kunit *test)
{
	static const struct xen_dma_pool_config config = {
		.segment_shift = XEN_DMA_TEST_SEGMENT_SHIFT,
		.initial_segments = 1,
		.max_segments = 32,
		.grow_percent = 75,
		.address_bits = 32,
	};
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_AUTO, &config);
	struct xen_dma_pool_stats stats;
	unsigned long ops, refused;

	stress_run(test, env, false, STRESS_OPS, &ops, &refused);
	flush_work(&env->xdev->pool->grow_work);
	stats = pool_stats(env);
	kunit_info(test, "pool grew to %u segments\n", stats.segments);
	KUNIT_EXPECT_EQ(test, stats.used_slots, 0UL);
	/* A momentary refusal before growth is fine; many are not. */
	KUNIT_EXPECT_LT(test, refused, ops / 1000);
	KUNIT_EXPECT_GT(test, stats.segments, 1U);
}

/*
 * Every CPU fights over one segment's slots with large mappings the device
 * writes: a slot handed out again before the previous unmap finished its
 * copy back shows up as another CPU's data in a buffer.
 */
static void pool_stress_contended_slots(struct kunit *test)
{
	struct xen_dma_test_env *env =
		xen_dma_test_env_start(test, XEN_DMA_MODE_BOUNCE,
				       XEN_DMA_MODE_AUTO,
				       &xen_dma_test_one_segment_config);
	unsigned long ops, refused;

	stress_run(test, env, true, STRESS_OPS / 10, &ops, &refused);
	KUNIT_EXPECT_EQ(test, pool_stats(env).used_slots, 0UL);
	/* They did share: some mappings found the segment full. */
	KUNIT_EXPECT_GT(test, refused, 0UL);
}

static struct kunit_case xen_dma_pool_cases[] = {
	KUNIT_CASE(pool_create_rejects),
	KUNIT_CASE(pool_create_falls_back),
	KUNIT_CASE(pool_create_coloured),
	KUNIT_CASE(pool_grows_from_work),
	KUNIT_CASE(pool_growth_failure),
	KUNIT_CASE(pool_stress_every_cpu),
	KUNIT_CASE(pool_stress_contended_slots),
	{}
};

static struct kunit_suite xen_dma_pool_suite = {
	.name = "xen-dma-pool",
	.exit = xen_dma_test_env_exit,
	.test_cases = xen_dma_pool_cases,
};

kunit_test_suites(&xen_dma_pool_suite);
