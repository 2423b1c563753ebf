// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma-bench: times the public DMA API on one PCI device, whatever ops the
 * device has (swiotlb-xen, dma-direct, xen-dma in any mode), so they can be
 * compared in one boot.
 *
 * Loading the module runs every case and prints one line per case:
 *
 *   XEN_DMA_BENCH <label> <op> <size> <dir> <threads> <ns/op> <ops> <failed>
 *
 * op is "map" (dma_map_single + dma_unmap_single), "sg" (dma_map_sg +
 * dma_unmap_sg of 8 page-sized entries, size being the whole list), "sync"
 * (dma_sync_single_for_cpu + _for_device on a live mapping), or "memcpy"
 * (the copy a bounce makes, the ceiling of any bounce buffer). threads is 1
 * or one per online CPU, each bound to its CPU; ns/op is per operation of
 * all threads together (see below). A case whose mapping fails (a
 * mapping larger than the ops can take) reports its failures and no time.
 *
 * The device is never told about the mappings: nothing reaches it, so any
 * bound driver goes on undisturbed. The module stays loaded, holding
 * nothing, until it is removed: a module that fails its init is loaded a
 * second time by busybox's insmod (init_module() after finit_module()),
 * which would run every case twice.
 *
 * The clock is read once per batch (a twentieth of the run), not per
 * operation: under a PVH dom0 a TSC read traps to Xen and costs tens of
 * microseconds. ns/op is each thread's median batch, so a batch during
 * which QEMU or the host took the vCPU away does not count; with several
 * threads, their rates add up: ns/op = 1 / sum(1 / median).
 */

#define pr_fmt(fmt) "xen_dma_bench: " fmt

#include <linux/completion.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "../include/xen-dma-test-pci.h"

static char *device;
module_param(device, charp, 0444);
MODULE_PARM_DESC(device, "PCI address (DDDD:BB:DD.F) of the device whose DMA ops are timed");

static char *label = "ops";
module_param(label, charp, 0444);
MODULE_PARM_DESC(label, "name of the ops under test, printed on every line (e.g. swiotlb-xen)");

static unsigned int ms = 150;
module_param(ms, uint, 0444);
MODULE_PARM_DESC(ms, "milliseconds each case runs for, at least (default 150)");

#define BENCH_BUF_ORDER	get_order(SZ_2M)
#define BENCH_SG_NENTS	8
/* Batches a thread times: about 20 fill the run; a slow start makes more. */
#define BENCH_MAX_BATCHES	128

enum bench_op { BENCH_MAP, BENCH_SG, BENCH_SYNC, BENCH_MEMCPY };

static const char * const bench_op_names[] = {
	[BENCH_MAP] = "map", [BENCH_SG] = "sg", [BENCH_SYNC] = "sync",
	[BENCH_MEMCPY] = "memcpy",
};

/**
 * struct bench_case - one thing to time
 * @op: what
 * @size: bytes per operation
 * @dir: the direction mapped
 */
struct bench_case {
	enum bench_op op;
	size_t size;
	enum dma_data_direction dir;
};

/**
 * struct bench_thread - one CPU's share of a case
 * @dev: the device
 * @c: the case
 * @cpu: the CPU it runs on
 * @buf: 2 MiB of its own memory
 * @dst: another 2 MiB, for memcpy
 * @batch: operations between two clock reads
 * @deadline: ktime (ns) after which it stops
 * @ops: operations made
 * @failed: operations refused
 * @batch_ns: how long each batch took
 * @nr_batches: batches timed
 * @start: completed to start all threads at once
 * @done: completed when it ends
 */
struct bench_thread {
	struct device *dev;
	const struct bench_case *c;
	unsigned int cpu;
	void *buf;
	void *dst;
	unsigned long batch;
	u64 deadline;
	unsigned long ops;
	unsigned long failed;
	u64 batch_ns[BENCH_MAX_BATCHES];
	unsigned int nr_batches;
	struct completion *start;
	struct completion done;
};

/* One operation; false when the mapping was refused. */
static bool bench_once(struct bench_thread *t, dma_addr_t live)
{
	const struct bench_case *c = t->c;
	struct scatterlist sgl[BENCH_SG_NENTS];
	dma_addr_t bus;
	int i, n;

	switch (c->op) {
	case BENCH_MAP:
		bus = dma_map_single_attrs(t->dev, t->buf, c->size, c->dir,
					   DMA_ATTR_NO_WARN);
		if (dma_mapping_error(t->dev, bus))
			return false;
		dma_unmap_single(t->dev, bus, c->size, c->dir);
		return true;
	case BENCH_SG:
		sg_init_table(sgl, BENCH_SG_NENTS);
		for (i = 0; i < BENCH_SG_NENTS; i++)
			sg_set_buf(&sgl[i], t->buf + i * 2 * PAGE_SIZE,
				   c->size / BENCH_SG_NENTS);
		n = dma_map_sg_attrs(t->dev, sgl, BENCH_SG_NENTS, c->dir,
				     DMA_ATTR_NO_WARN);
		if (!n)
			return false;
		dma_unmap_sg(t->dev, sgl, BENCH_SG_NENTS, c->dir);
		return true;
	case BENCH_SYNC:
		dma_sync_single_for_cpu(t->dev, live, c->size, c->dir);
		dma_sync_single_for_device(t->dev, live, c->size, c->dir);
		return true;
	default:
		memcpy(t->dst, t->buf, c->size);
		return true;
	}
}

static int bench_thread_fn(void *data)
{
	struct bench_thread *t = data;
	dma_addr_t live = DMA_MAPPING_ERROR;
	unsigned long i;

	if (t->c->op == BENCH_SYNC) {
		live = dma_map_single_attrs(t->dev, t->buf, t->c->size,
					    t->c->dir, DMA_ATTR_NO_WARN);
		if (dma_mapping_error(t->dev, live)) {
			t->failed++;
			goto out;
		}
	}
	wait_for_completion(t->start);
	do {
		u64 t0 = ktime_get_ns();

		for (i = 0; i < t->batch; i++) {
			if (!bench_once(t, live)) {
				t->failed++;
				goto unmap;
			}
			/* A batch estimated too long must not starve the CPU. */
			if (!(i & 255))
				cond_resched();
		}
		t->ops += t->batch;
		t->batch_ns[t->nr_batches++] = ktime_get_ns() - t0;
		cond_resched();
	} while (ktime_get_ns() < t->deadline &&
		 t->nr_batches < BENCH_MAX_BATCHES);
unmap:
	if (live != DMA_MAPPING_ERROR)
		dma_unmap_single(t->dev, live, t->c->size, t->c->dir);
out:
	/* The module is freed once init returns: never run its code after. */
	kthread_complete_and_exit(&t->done, 0);
}

/*
 * How many operations take about a twentieth of the run: batches of
 * doubling size are timed until one takes a millisecond, reading the clock
 * only around each batch (under PVH a read costs tens of microseconds, so
 * a read per operation would measure the clock, not the DMA API). That
 * batch is timed twice more and the fastest of the three counts: a probe
 * the host stalled would make every batch of the case too short.
 */
static unsigned long bench_batch(struct device *dev, const struct bench_case *c,
				 void *buf, void *dst)
{
	struct bench_thread probe = { .dev = dev, .c = c, .buf = buf, .dst = dst };
	dma_addr_t live = DMA_MAPPING_ERROR;
	unsigned long n = 1, i;
	unsigned int again = 0;
	u64 t0, spent = 0, fastest = U64_MAX;

	if (c->op == BENCH_SYNC) {
		live = dma_map_single_attrs(dev, buf, c->size, c->dir,
					    DMA_ATTR_NO_WARN);
		if (dma_mapping_error(dev, live))
			return 0;
	}
	for (;;) {
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++) {
			if (!bench_once(&probe, live)) {
				n = 0;
				goto out;
			}
		}
		spent = ktime_get_ns() - t0;
		if (!again && spent < NSEC_PER_MSEC && n < (1UL << 20)) {
			n *= 2;
			continue;
		}
		fastest = min(fastest, spent);
		if (++again == 3)
			break;
	}
	spent = fastest;
out:
	if (live != DMA_MAPPING_ERROR)
		dma_unmap_single(dev, live, c->size, c->dir);
	if (!n)
		return 0;
	return max_t(u64, 1, div64_u64((u64)n * ms * NSEC_PER_MSEC / 20,
				       max_t(u64, spent, 1)));
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * ns per operation of @threads together: each thread's median batch, the
 * threads' rates added up. 0 when no batch was timed.
 */
static u64 bench_ns_per_op(struct bench_thread *threads, unsigned int nr)
{
	u64 rate = 0;	/* operations per 2^32 ns, all threads */
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct bench_thread *t = &threads[i];
		u64 median;

		if (!t->nr_batches)
			continue;
		sort(t->batch_ns, t->nr_batches, sizeof(u64), cmp_u64, NULL);
		median = max_t(u64, t->batch_ns[t->nr_batches / 2], 1);
		rate += div64_u64((u64)t->batch << 32, median);
	}
	return rate ? div64_u64(1ULL << 32, rate) : 0;
}

static const char *dir_name(enum dma_data_direction dir)
{
	return dir == DMA_TO_DEVICE ? "to" : dir == DMA_FROM_DEVICE ? "from" :
									"bidi";
}

static void bench_run(struct device *dev, const struct bench_case *c,
		      unsigned int nr_threads, struct bench_thread *threads)
{
	DECLARE_COMPLETION_ONSTACK(start);
	unsigned long ops = 0, failed = 0, batch;
	unsigned int i = 0, cpu;
	u64 t0, ns;

	batch = bench_batch(dev, c, threads[0].buf, threads[0].dst);
	if (!batch) {
		pr_info("XEN_DMA_BENCH %s %s %zu %s %u - 0 1\n", label,
			bench_op_names[c->op], c->size, dir_name(c->dir),
			nr_threads);
		return;
	}
	for_each_online_cpu(cpu) {
		struct bench_thread *t = &threads[i];
		struct task_struct *task;

		if (i == nr_threads)
			break;
		t->dev = dev;
		t->c = c;
		t->cpu = cpu;
		t->batch = batch;
		t->ops = 0;
		t->failed = 0;
		t->nr_batches = 0;
		t->start = &start;
		init_completion(&t->done);
		task = kthread_create(bench_thread_fn, t, "xen-dma-bench/%u", cpu);
		if (IS_ERR(task)) {
			nr_threads = i;
			break;
		}
		kthread_bind(task, cpu);
		wake_up_process(task);
		i++;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < nr_threads; i++)
		threads[i].deadline = t0 + (u64)ms * NSEC_PER_MSEC;
	complete_all(&start);
	for (i = 0; i < nr_threads; i++) {
		wait_for_completion(&threads[i].done);
		ops += threads[i].ops;
		failed += threads[i].failed;
	}
	ns = bench_ns_per_op(threads, nr_threads);
	if (!ops || !ns) {
		pr_info("XEN_DMA_BENCH %s %s %zu %s %u - 0 %lu\n", label,
			bench_op_names[c->op], c->size, dir_name(c->dir),
			nr_threads, failed);
		return;
	}
	pr_info("XEN_DMA_BENCH %s %s %zu %s %u %llu %lu %lu\n", label,
		bench_op_names[c->op], c->size, dir_name(c->dir), nr_threads,
		ns, ops, failed);
}

static const size_t bench_sizes[] = {
	64, SZ_4K, SZ_64K, SZ_256K, SZ_1M, SZ_2M,
};

static const enum dma_data_direction bench_dirs[] = {
	DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL,
};

static int bench_device(struct device *dev)
{
	unsigned int nr_cpus = num_online_cpus(), i, s, d, n;
	struct bench_thread *threads;
	struct bench_case c;
	int ret = 0;

	threads = kcalloc(nr_cpus, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;
	for (i = 0; i < nr_cpus; i++) {
		struct page *a = alloc_pages(GFP_KERNEL, BENCH_BUF_ORDER);
		struct page *b = alloc_pages(GFP_KERNEL, BENCH_BUF_ORDER);

		threads[i].buf = a ? page_address(a) : NULL;
		threads[i].dst = b ? page_address(b) : NULL;
		if (!a || !b) {
			ret = -ENOMEM;
			goto free;
		}
		memset(threads[i].buf, 0x5a, SZ_2M);
	}
	pr_info("XEN_DMA_BENCH-START %s %s dma_ops=%ps max_mapping_size=%zu cpus=%u ms=%u\n",
		label, dev_name(dev), (void *)get_dma_ops(dev),
		dma_max_mapping_size(dev),
		nr_cpus, ms);
	for (n = 1; n <= nr_cpus; n = n == 1 && nr_cpus > 1 ? nr_cpus : nr_cpus + 1) {
		for (s = 0; s < ARRAY_SIZE(bench_sizes); s++) {
			for (d = 0; d < ARRAY_SIZE(bench_dirs); d++) {
				c = (struct bench_case){ BENCH_MAP, bench_sizes[s],
							 bench_dirs[d] };
				bench_run(dev, &c, n, threads);
			}
			c = (struct bench_case){ BENCH_MEMCPY, bench_sizes[s],
						 DMA_TO_DEVICE };
			bench_run(dev, &c, n, threads);
		}
		c = (struct bench_case){ BENCH_SG, BENCH_SG_NENTS * SZ_4K,
					 DMA_TO_DEVICE };
		bench_run(dev, &c, n, threads);
		c = (struct bench_case){ BENCH_SG, BENCH_SG_NENTS * SZ_4K,
					 DMA_FROM_DEVICE };
		bench_run(dev, &c, n, threads);
		c = (struct bench_case){ BENCH_SYNC, SZ_4K, DMA_BIDIRECTIONAL };
		bench_run(dev, &c, n, threads);
		c = (struct bench_case){ BENCH_SYNC, SZ_64K, DMA_BIDIRECTIONAL };
		bench_run(dev, &c, n, threads);
	}
	pr_info("XEN_DMA_BENCH-END %s\n", label);
free:
	for (i = 0; i < nr_cpus; i++) {
		if (threads[i].buf)
			free_pages((unsigned long)threads[i].buf, BENCH_BUF_ORDER);
		if (threads[i].dst)
			free_pages((unsigned long)threads[i].dst, BENCH_BUF_ORDER);
	}
	kfree(threads);
	return ret;
}

static int __init xen_dma_bench_init(void)
{
	struct pci_dev *pdev;
	int ret;

	pdev = xen_dma_test_pci_get(device);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	ret = bench_device(&pdev->dev);
	pci_dev_put(pdev);
	if (ret) {
		pr_err("%s: %pe\n", device, ERR_PTR(ret));
		return ret;
	}
	return 0;
}

static void __exit xen_dma_bench_exit(void)
{
}

module_init(xen_dma_bench_init);
module_exit(xen_dma_bench_exit);

MODULE_DESCRIPTION("Times the DMA API on one device, for comparing DMA ops");
MODULE_LICENSE("GPL");
