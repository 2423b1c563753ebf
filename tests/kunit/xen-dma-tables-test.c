// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the xen-dma translation tables: the phys->bus array
 * indexed by pool address, the bus->phys latch tree, and the filter that
 * spares unmap and sync the tree for addresses no segment holds.
 *
 * Layouts are built like a scrambled p2m: segment i sits at bus slot perm[i],
 * slots two segment sizes apart, so the bus order differs from the index
 * order and every segment has a gap after it.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include <xen/xen-dma-tables.h>

#define TEST_BUS_BASE	0x4000000000ULL
#define TEST_PHYS_BASE	0x100000000ULL
#define TEST_SEG_SHIFT	18	/* 256 KiB segments, the default */

struct tables_layout {
	struct xen_dma_tables tables;
	unsigned int nr;
	unsigned int shift;
	size_t last_size;
	unsigned int *perm;
};

static dma_addr_t layout_bus(const struct tables_layout *l, unsigned int i)
{
	return TEST_BUS_BASE + ((dma_addr_t)l->perm[i] << (l->shift + 1));
}

static phys_addr_t layout_phys(const struct tables_layout *l, unsigned int i)
{
	return TEST_PHYS_BASE + ((phys_addr_t)i * 3 << l->shift);
}

static size_t layout_size(const struct tables_layout *l, unsigned int i)
{
	return i == l->nr - 1 ? l->last_size : BIT(l->shift);
}

/*
 * Plans @nr segments of 1 << @shift bytes, the last one @last_size long, and
 * adds them all when @fill.
 */
static struct tables_layout *layout_build(struct kunit *test, unsigned int nr,
					  unsigned int shift, size_t last_size,
					  bool fill)
{
	struct tables_layout *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct rnd_state rnd;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, l);
	l->nr = nr;
	l->shift = shift;
	l->last_size = last_size;
	l->perm = kunit_kmalloc_array(test, nr, sizeof(*l->perm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, l->perm);

	prandom_seed_state(&rnd, 0x5eed0002);
	for (i = 0; i < nr; i++)
		l->perm[i] = i;
	for (i = nr - 1; i > 0; i--) {
		/* swap() evaluates its arguments twice: draw the index once. */
		unsigned int j = prandom_u32_state(&rnd) % (i + 1);

		swap(l->perm[i], l->perm[j]);
	}

	KUNIT_ASSERT_EQ(test, xen_dma_tables_init(&l->tables, nr, shift), 0);
	for (i = 0; fill && i < nr; i++)
		KUNIT_ASSERT_EQ(test, xen_dma_tables_add(&l->tables,
							 layout_phys(l, i),
							 layout_bus(l, i),
							 layout_size(l, i)),
				(int)i);
	return l;
}

static void layout_destroy(struct tables_layout *l)
{
	xen_dma_tables_destroy(&l->tables);
}

/* Pool address @pool_addr must translate to @bus, and back. */
static bool translates(struct tables_layout *l, unsigned long pool_addr,
		       dma_addr_t bus)
{
	return xen_dma_tables_pool_to_bus(&l->tables, pool_addr) == bus &&
	       xen_dma_tables_bus_to_pool(&l->tables, bus) == pool_addr;
}

/*
 * Checks the first, a middle and the last byte of every segment, the byte
 * one past its end on both sides, and phys of the first byte. Returns how
 * many checks failed and reports the first.
 */
static unsigned int layout_check(struct kunit *test, struct tables_layout *l)
{
	unsigned int i, bad = 0;

	for (i = 0; i < l->nr; i++) {
		unsigned long pool = (unsigned long)i << l->shift;
		dma_addr_t bus = layout_bus(l, i);
		size_t size = layout_size(l, i);
		struct xen_dma_segment *seg;
		bool ok;

		seg = xen_dma_tables_find_pool(&l->tables, pool + size / 2);
		ok = translates(l, pool, bus) &&
		     translates(l, pool + size / 2, bus + size / 2) &&
		     translates(l, pool + size - 1, bus + size - 1) &&
		     seg && seg->phys == layout_phys(l, i) &&
		     xen_dma_tables_bus_to_pool(&l->tables, bus + size) ==
			     XEN_DMA_POOL_ADDR_NONE &&
		     xen_dma_tables_bus_to_pool(&l->tables, bus - 1) ==
			     XEN_DMA_POOL_ADDR_NONE;
		if (size < BIT(l->shift))
			ok = ok && xen_dma_tables_pool_to_bus(&l->tables,
							      pool + size) ==
				DMA_MAPPING_ERROR;
		if (!ok && !bad++)
			KUNIT_FAIL(test, "segment %u (bus %pad, %zu bytes) mistranslated",
				   i, &bus, size);
	}
	return bad;
}

static void tables_one_segment(struct kunit *test)
{
	struct tables_layout *l = layout_build(test, 1, TEST_SEG_SHIFT, SZ_256K, true);
	dma_addr_t bus = layout_bus(l, 0);

	KUNIT_EXPECT_EQ(test, xen_dma_tables_pool_to_bus(&l->tables, 0), bus);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_pool_to_bus(&l->tables, SZ_256K - 1),
			bus + SZ_256K - 1);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_pool_to_bus(&l->tables, SZ_256K),
			DMA_MAPPING_ERROR);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&l->tables, bus), 0UL);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&l->tables,
							 bus + SZ_256K - 1),
			(unsigned long)SZ_256K - 1);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&l->tables, bus + SZ_256K),
			XEN_DMA_POOL_ADDR_NONE);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&l->tables, bus - 1),
			XEN_DMA_POOL_ADDR_NONE);
	KUNIT_EXPECT_EQ(test, layout_check(test, l), 0U);
	layout_destroy(l);
}

static void tables_scrambled_with_gaps(struct kunit *test)
{
	struct tables_layout *l = layout_build(test, 64, TEST_SEG_SHIFT, SZ_256K, true);
	dma_addr_t top = TEST_BUS_BASE + ((dma_addr_t)64 << (l->shift + 1));
	unsigned int i, in_order = 0;

	for (i = 1; i < l->nr; i++)
		in_order += l->perm[i] == l->perm[i - 1] + 1;
	KUNIT_ASSERT_LT_MSG(test, in_order, l->nr / 2, "layout is not scrambled");

	KUNIT_EXPECT_EQ(test, layout_check(test, l), 0U);
	/* The middle of every gap, below the lowest and above the highest. */
	for (i = 0; i < l->nr; i++) {
		dma_addr_t gap = layout_bus(l, i) + SZ_256K + SZ_128K;

		KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&l->tables, gap),
				XEN_DMA_POOL_ADDR_NONE);
	}
	KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&l->tables, 0),
			XEN_DMA_POOL_ADDR_NONE);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&l->tables, top),
			XEN_DMA_POOL_ADDR_NONE);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_pool_to_bus(&l->tables,
							 64UL << l->shift),
			DMA_MAPPING_ERROR);
	layout_destroy(l);
}

static void tables_short_last_segment(struct kunit *test)
{
	size_t last = SZ_64K + PAGE_SIZE;
	struct tables_layout *l = layout_build(test, 8, TEST_SEG_SHIFT, last, true);
	unsigned long pool = 7UL << l->shift;
	dma_addr_t bus = layout_bus(l, 7);

	KUNIT_EXPECT_EQ(test, layout_check(test, l), 0U);
	KUNIT_EXPECT_TRUE(test, translates(l, pool + last - 1, bus + last - 1));
	KUNIT_EXPECT_EQ(test, xen_dma_tables_pool_to_bus(&l->tables, pool + last),
			DMA_MAPPING_ERROR);
	KUNIT_EXPECT_NULL(test, xen_dma_tables_find_pool(&l->tables, pool + last));
	KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&l->tables, bus + last),
			XEN_DMA_POOL_ADDR_NONE);
	layout_destroy(l);
}

static void tables_ten_thousand_segments(struct kunit *test)
{
	struct tables_layout *l = layout_build(test, 10000, PAGE_SHIFT,
					       PAGE_SIZE / 2, true);

	KUNIT_EXPECT_EQ(test, layout_check(test, l), 0U);
	KUNIT_EXPECT_EQ(test, l->tables.nr_segments, 10000U);
	layout_destroy(l);
}

static void tables_add_rejects(struct kunit *test)
{
	struct tables_layout *l = layout_build(test, 2, TEST_SEG_SHIFT, SZ_256K, true);
	struct xen_dma_tables *t = &l->tables;
	dma_addr_t bus = layout_bus(l, 0);
	struct xen_dma_tables small;

	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(t, 0x1000, 0x1000, 0), -ERANGE);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(t, 0x1000, 0x1000,
						 SZ_256K + 1), -ERANGE);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(t, 0x1000, ~0ULL - 0xfff,
						 SZ_8K), -ERANGE);
	/* Same start, start inside, end inside, and covering a segment. */
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(t, 0x1000, bus, PAGE_SIZE),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(t, 0x1000, bus + SZ_256K - 1,
						 PAGE_SIZE), -EEXIST);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(t, 0x1000, bus - PAGE_SIZE,
						 PAGE_SIZE + 1), -EEXIST);
	/* Nothing of the rejected adds is left behind. */
	KUNIT_EXPECT_EQ(test, t->nr_segments, 2U);
	KUNIT_EXPECT_EQ(test, layout_check(test, l), 0U);
	layout_destroy(l);

	/* A segment touching another is fine; a full array is -ENOSPC. */
	KUNIT_ASSERT_EQ(test, xen_dma_tables_init(&small, 2, PAGE_SHIFT + 1), 0);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(&small, 0x1000, 0x10000,
						 SZ_8K), 0);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(&small, 0x1000, 0x8000,
						 SZ_16K), -ERANGE);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(&small, 0x1000, 0x11000,
						 SZ_8K), -EEXIST);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(&small, 0x1000, 0xe000,
						 SZ_8K), 1);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_add(&small, 0x1000, 0x20000,
						 SZ_8K), -ENOSPC);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&small, 0xffff),
			(unsigned long)SZ_8K + 0x1fff);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_bus_to_pool(&small, 0x10000), 0UL);
	xen_dma_tables_destroy(&small);
}

static void tables_init_rejects(struct kunit *test)
{
	struct xen_dma_tables t;

	KUNIT_EXPECT_EQ(test, xen_dma_tables_init(&t, 0, PAGE_SHIFT), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_init(&t, 1, PAGE_SHIFT - 1), -ERANGE);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_init(&t, 1, BITS_PER_LONG), -ERANGE);
	KUNIT_EXPECT_EQ(test, xen_dma_tables_init(&t, UINT_MAX, BITS_PER_LONG - 8),
			-ERANGE);
}

struct tables_reader {
	struct tables_layout *layout;
	unsigned long lookups;
	unsigned long misses;
};

/*
 * Looks up random bytes of the segments published so far, as unmap does,
 * while the test adds more: every lookup must succeed.
 */
static int tables_reader_fn(void *data)
{
	struct tables_reader *r = data;
	struct tables_layout *l = r->layout;
	struct rnd_state rnd;

	prandom_seed_state(&rnd, 0x5eed0003);
	while (!kthread_should_stop()) {
		/* Only published segments: pairs with xen_dma_tables_add(). */
		unsigned int nr = smp_load_acquire(&l->tables.nr_segments);
		unsigned int i;
		u32 off;

		if (!nr) {
			cond_resched();
			continue;
		}
		i = prandom_u32_state(&rnd) % nr;
		off = prandom_u32_state(&rnd) % BIT(l->shift);
		if (xen_dma_tables_bus_to_pool(&l->tables, layout_bus(l, i) + off) !=
		    ((unsigned long)i << l->shift) + off)
			r->misses++;
		if (!(++r->lookups % 256))
			cond_resched();
	}
	return 0;
}

static void tables_lockless_readers_while_adding(struct kunit *test)
{
	struct tables_layout *l = layout_build(test, 4096, PAGE_SHIFT, PAGE_SIZE,
					       false);
	struct tables_reader r = { .layout = l };
	struct task_struct *reader;
	unsigned int i;

	reader = kthread_run(tables_reader_fn, &r, "xen-dma-reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(reader));
	for (i = 0; i < l->nr; i++) {
		KUNIT_EXPECT_EQ(test, xen_dma_tables_add(&l->tables,
							 layout_phys(l, i),
							 layout_bus(l, i),
							 PAGE_SIZE), (int)i);
		if (!(i % 64))
			cond_resched();
	}
	kthread_stop(reader);
	kunit_info(test, "%lu lock-free lookups during %u adds\n", r.lookups, l->nr);
	KUNIT_EXPECT_EQ(test, r.misses, 0UL);
	KUNIT_EXPECT_GT(test, r.lookups, 0UL);
	KUNIT_EXPECT_EQ(test, layout_check(test, l), 0U);
	layout_destroy(l);
}

/*
 * The filter never says no to a byte a segment holds, wherever the segment
 * sits (aligned or not), and says no to nearly all of the gaps between.
 */
static void tables_filter(struct kunit *test)
{
	struct tables_layout *l = layout_build(test, 64, TEST_SEG_SHIFT,
					       BIT(TEST_SEG_SHIFT), true);
	unsigned int i, gaps = 0, false_hits = 0;
	dma_addr_t unaligned = TEST_BUS_BASE - BIT(TEST_SEG_SHIFT) / 2 - 4096;
	struct xen_dma_tables t;

	for (i = 0; i < l->nr; i++) {
		dma_addr_t bus = layout_bus(l, i);
		size_t size = layout_size(l, i);

		KUNIT_EXPECT_TRUE(test, xen_dma_tables_may_hold(&l->tables, bus));
		KUNIT_EXPECT_TRUE(test, xen_dma_tables_may_hold(&l->tables,
								bus + size / 2));
		KUNIT_EXPECT_TRUE(test, xen_dma_tables_may_hold(&l->tables,
								bus + size - 1));
		/* The gap after each segment is one segment long. */
		gaps++;
		false_hits += xen_dma_tables_may_hold(&l->tables, bus + size);
	}
	KUNIT_EXPECT_LT(test, false_hits, gaps / 4);
	/* Below and above the whole pool: the range alone says no. */
	KUNIT_EXPECT_FALSE(test, xen_dma_tables_may_hold(&l->tables,
							 TEST_BUS_BASE - 1));
	KUNIT_EXPECT_FALSE(test, xen_dma_tables_may_hold(&l->tables, 0));
	/* A segment straddling two windows: every byte still found. */
	KUNIT_ASSERT_EQ(test, xen_dma_tables_init(&t, 1, TEST_SEG_SHIFT), 0);
	KUNIT_ASSERT_EQ(test, xen_dma_tables_add(&t, TEST_PHYS_BASE, unaligned,
						 BIT(TEST_SEG_SHIFT)), 0);
	for (i = 0; i < BIT(TEST_SEG_SHIFT); i += 4096)
		KUNIT_EXPECT_TRUE(test, xen_dma_tables_may_hold(&t, unaligned + i));
	KUNIT_EXPECT_TRUE(test, xen_dma_tables_may_hold(&t, unaligned +
							BIT(TEST_SEG_SHIFT) - 1));
	xen_dma_tables_destroy(&t);
}

static struct kunit_case xen_dma_tables_cases[] = {
	KUNIT_CASE(tables_one_segment),
	KUNIT_CASE(tables_scrambled_with_gaps),
	KUNIT_CASE(tables_short_last_segment),
	KUNIT_CASE(tables_ten_thousand_segments),
	KUNIT_CASE(tables_add_rejects),
	KUNIT_CASE(tables_init_rejects),
	KUNIT_CASE(tables_lockless_readers_while_adding),
	KUNIT_CASE(tables_filter),
	{}
};

static struct kunit_suite xen_dma_tables_suite = {
	.name = "xen-dma-tables",
	.test_cases = xen_dma_tables_cases,
};

kunit_test_suites(&xen_dma_tables_suite);
