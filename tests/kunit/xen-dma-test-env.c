// SPDX-License-Identifier: GPL-2.0
/*
 * The xen-dma KUnit environment; see xen-dma-test-env.h.
 */

#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/mm.h>

#include <xen/xen-dma-compat.h>

#include "xen-dma-test-env.h"

/* Small segments and room to grow, so tests reach every pool state fast. */
const struct xen_dma_pool_config xen_dma_test_pool_config = {
	.segment_shift = XEN_DMA_TEST_SEGMENT_SHIFT,
	.initial_segments = 4,
	.max_segments = 64,
	.grow_percent = 75,
	.address_bits = 32,
};

/* One segment that never grows: tests that fill the pool or pin slots. */
const struct xen_dma_pool_config xen_dma_test_one_segment_config = {
	.segment_shift = XEN_DMA_TEST_SEGMENT_SHIFT,
	.initial_segments = 1,
	.max_segments = 1,
	.grow_percent = 100,
	.address_bits = 32,
};

/**
 * xen_dma_test_features() - the features of a dom0 whose flags give @mode
 * @mode: direct (PVH dom0, Xen reports an IOMMU), translate (x86 PV dom0)
 *	or bounce (auto-translated, not direct-mapped, Xen reports no IOMMU)
 * @features: where to write them
 */
void xen_dma_test_features(enum xen_dma_mode mode,
			   struct xen_dma_features *features)
{
	memset(features, 0, sizeof(*features));
	features->initial_domain = true;
	/* 64 GiB of host RAM: the simulated p2m puts frames above 4 GiB. */
	features->max_bus_address = 16 * SZ_4G - 1;
	/* And as much guest-physical space: every test page lies below. */
	features->max_gfn_address = 16 * SZ_4G - 1;
	switch (mode) {
	case XEN_DMA_MODE_DIRECT:
		features->x86 = true;
		features->auto_translated = true;
		features->not_direct_mapped = true;
		features->iommu_report = XEN_DMA_IOMMU_PRESENT;
		break;
	case XEN_DMA_MODE_TRANSLATE:
		features->x86 = true;
		features->direct_mapped = true;
		break;
	default:
		features->auto_translated = true;
		features->not_direct_mapped = true;
		features->iommu_report = XEN_DMA_IOMMU_ABSENT;
		break;
	}
}

/**
 * xen_dma_test_env_start_coloured() - xen_dma_test_env_start() on a
 *	coloured domain
 * @test: the test
 * @mode: the mode the simulated flags give
 * @forced: %XEN_DMA_MODE_AUTO or the mode= override
 * @config: the pool shape, or NULL for xen_dma_test_pool_config
 * @colour_run: 0, or the simulated hypervisor's &xen_dma_sim.colour_run
 *
 * Return: the environment, attached, with 64-bit masks.
 */
struct xen_dma_test_env *
xen_dma_test_env_start_coloured(struct kunit *test, enum xen_dma_mode mode,
				enum xen_dma_mode forced,
				const struct xen_dma_pool_config *config,
				unsigned long colour_run)
{
	struct xen_dma_test_env *env;
	struct xen_dma_features features;

	env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, env);
	xen_dma_test_features(mode, &features);
	xen_dma_sim_reset(&features);
	xen_dma_sim.colour_run = colour_run;
	KUNIT_ASSERT_EQ(test, xen_dma_backend_init(&env->backend,
						   colour_run ?
						   &xen_dma_sim_coloured_hooks :
						   &xen_dma_sim_hooks, forced,
						   XEN_DMA_IOMMU_AUTO,
						   config ?: &xen_dma_test_pool_config),
			0);
	test->priv = env;

	env->dev = root_device_register("xen-dma-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(env->dev));
	env->dma_mask = DMA_BIT_MASK(64);
	env->dev->dma_mask = &env->dma_mask;
	env->dev->coherent_dma_mask = DMA_BIT_MASK(64);
	env->dev->dma_parms = &env->parms;
	xen_dma_compat_test_set_coherent(env->dev, true);
	env->xdev = xen_dma_device_attach(&env->backend, env->dev);
	KUNIT_ASSERT_FALSE(test, IS_ERR(env->xdev));
	env->mode = env->xdev->policy.mode;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(env->dev,
							DMA_BIT_MASK(64)), 0);
	return env;
}

/**
 * xen_dma_test_env_start() - build a test's world; the suite's exit frees it
 * @test: the test
 * @mode: the mode the simulated flags give
 * @forced: %XEN_DMA_MODE_AUTO or the mode= override
 * @config: the pool shape, or NULL for xen_dma_test_pool_config
 *
 * Return: the environment, attached, with 64-bit masks.
 */
struct xen_dma_test_env *
xen_dma_test_env_start(struct kunit *test, enum xen_dma_mode mode,
		       enum xen_dma_mode forced,
		       const struct xen_dma_pool_config *config)
{
	return xen_dma_test_env_start_coloured(test, mode, forced, config, 0);
}

/**
 * xen_dma_test_env_exit() - the suites' exit: detach, check for leaks, free
 * @test: the test
 *
 * Every test must leave the pool empty and every contiguous region given
 * back; a leak fails the test here.
 */
void xen_dma_test_env_exit(struct kunit *test)
{
	struct xen_dma_test_env *env = test->priv;

	if (!env)
		return;
	if (env->xdev && !IS_ERR(env->xdev)) {
		KUNIT_EXPECT_EQ(test, xen_dma_test_used_slots(env), 0UL);
		KUNIT_EXPECT_EQ(test, xen_dma_device_detach(env->xdev), 0);
	}
	xen_dma_backend_exit(&env->backend);
	KUNIT_EXPECT_EQ_MSG(test, xen_dma_sim.regions, 0UL,
			    "contiguous regions leaked");
	if (env->dev && !IS_ERR(env->dev))
		root_device_unregister(env->dev);
	xen_dma_sim_destroy();
	test->priv = NULL;
}

/*
 * What the device reaches at @bus: the guest frame itself where an IOMMU
 * translates guest frames (the device's bus space is guest frames and the
 * domain is not 1:1), machine memory through the m2p otherwise.
 */
static phys_addr_t env_bus_to_phys(struct xen_dma_test_env *env, dma_addr_t bus)
{
	if (env->xdev->space == XEN_DMA_SPACE_GFN && !xen_dma_sim.identity)
		return bus;
	return xen_dma_sim_bus_to_phys(bus);
}

/**
 * xen_dma_test_device_copy() - the simulated device reads or writes
 * @env: the environment
 * @bus: the bus address the device was given
 * @buf: what it writes, or where what it reads goes
 * @size: bytes
 * @write: true for a device write (DMA to memory)
 *
 * Return: false when part of the range reaches no guest memory.
 */
bool xen_dma_test_device_copy(struct xen_dma_test_env *env, dma_addr_t bus,
			      void *buf, size_t size, bool write)
{
	while (size) {
		size_t chunk = min_t(size_t, size, XEN_DMA_FRAME_SIZE -
				     (bus & (XEN_DMA_FRAME_SIZE - 1)));
		phys_addr_t phys = env_bus_to_phys(env, bus);
		void *vaddr;

		if (phys == ~(phys_addr_t)0 || !pfn_valid(PHYS_PFN(phys)))
			return false;
		vaddr = phys_to_virt(phys);
		if (write)
			memcpy(vaddr, buf, chunk);
		else
			memcpy(buf, vaddr, chunk);
		bus += chunk;
		buf += chunk;
		size -= chunk;
	}
	return true;
}

/**
 * xen_dma_test_in_pool() - is @bus a bounce slot of the device's pool?
 * @env: the environment
 * @bus: a bus address a mapping returned
 *
 * Return: true when @bus lies in a segment of the pool.
 */
bool xen_dma_test_in_pool(struct xen_dma_test_env *env, dma_addr_t bus)
{
	return xen_dma_tables_find_bus(&env->xdev->pool->tables, bus);
}

/**
 * xen_dma_test_used_slots() - slots in use in the device's pool
 * @env: the environment
 *
 * Return: the count; 0 when every mapping was released.
 */
unsigned long xen_dma_test_used_slots(struct xen_dma_test_env *env)
{
	struct xen_dma_pool_stats stats;

	xen_dma_pool_read_stats(env->xdev->pool, &stats);
	return stats.used_slots;
}

/* A byte pattern that differs per seed and per position. */
static u8 pattern_byte(size_t i, u32 seed)
{
	u32 x = (u32)i * 2654435761U + seed * 40503U;

	return (x >> 13) ^ (x >> 24) ^ seed;
}

/**
 * xen_dma_test_fill() - write a pattern
 * @buf: the buffer
 * @size: bytes
 * @seed: which pattern
 */
void xen_dma_test_fill(void *buf, size_t size, u32 seed)
{
	u8 *p = buf;
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = pattern_byte(i, seed);
}

/**
 * xen_dma_test_check() - does @buf hold the pattern of @seed?
 * @buf: the buffer
 * @size: bytes
 * @seed: which pattern
 *
 * Return: true when every byte matches.
 */
bool xen_dma_test_check(const void *buf, size_t size, u32 seed)
{
	const u8 *p = buf;
	size_t i;

	for (i = 0; i < size; i++)
		if (p[i] != pattern_byte(i, seed))
			return false;
	return true;
}
