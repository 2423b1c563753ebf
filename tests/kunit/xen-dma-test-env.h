/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The xen-dma KUnit environment: a simulated hypervisor, a backend over it
 * and a device with xen-dma's ops attached, plus a simulated device that
 * reads and writes memory at the bus addresses it is given.
 */
#ifndef _XEN_DMA_TEST_ENV_H
#define _XEN_DMA_TEST_ENV_H

#include <kunit/test.h>
#include <linux/device.h>

#include <xen/xen-dma-device.h>

#include "xen-dma-sim.h"

/*
 * The tests' segments: 256 KiB whatever the module's default, so their
 * sizes (a 256 KiB segment, 252 KiB with a 4 KiB min_align_mask) stay put.
 */
#define XEN_DMA_TEST_SEGMENT_SHIFT	18

/**
 * struct xen_dma_test_env - one test's world
 * @backend: the backend over the simulated hypervisor
 * @dev: a device registered for the test
 * @dma_mask: storage for *dev->dma_mask
 * @parms: storage for dev->dma_parms (min_align_mask, boundary)
 * @xdev: @dev's xen-dma context
 * @mode: the mode @dev got
 */
struct xen_dma_test_env {
	struct xen_dma_backend backend;
	struct device *dev;
	u64 dma_mask;
	struct device_dma_parameters parms;
	struct xen_dma_device *xdev;
	enum xen_dma_mode mode;
};

extern const struct xen_dma_pool_config xen_dma_test_pool_config;
extern const struct xen_dma_pool_config xen_dma_test_one_segment_config;

void xen_dma_test_features(enum xen_dma_mode mode,
			   struct xen_dma_features *features);
struct xen_dma_test_env *
xen_dma_test_env_start(struct kunit *test, enum xen_dma_mode mode,
		       enum xen_dma_mode forced,
		       const struct xen_dma_pool_config *config);
struct xen_dma_test_env *
xen_dma_test_env_start_coloured(struct kunit *test, enum xen_dma_mode mode,
				enum xen_dma_mode forced,
				const struct xen_dma_pool_config *config,
				unsigned long colour_run);
void xen_dma_test_env_exit(struct kunit *test);
bool xen_dma_test_device_copy(struct xen_dma_test_env *env, dma_addr_t bus,
			      void *buf, size_t size, bool write);
bool xen_dma_test_in_pool(struct xen_dma_test_env *env, dma_addr_t bus);
unsigned long xen_dma_test_used_slots(struct xen_dma_test_env *env);
void xen_dma_test_fill(void *buf, size_t size, u32 seed);
bool xen_dma_test_check(const void *buf, size_t size, u32 seed);

#endif /* _XEN_DMA_TEST_ENV_H */
