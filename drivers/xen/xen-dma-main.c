// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma module: parameters, and the backend over the real hypervisor.
 *
 * Every parameter is checked when it is set: a bad value is refused with a
 * message that says what is allowed, and the module does not load with it.
 * Built in, the kernel only logs a refused value and boots on, so init
 * then attaches nothing: every device keeps the kernel's own DMA ops.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include <xen/xen-dma-attach.h>
#include <xen/xen-dma-debugfs.h>
#include <xen/xen-dma-device.h>
#include <xen/xen-dma-xen.h>

static enum xen_dma_mode xen_dma_forced_mode = XEN_DMA_MODE_AUTO;

/* The first parameter whose value was refused (built in: boot went on). */
static const char *xen_dma_param_refused;

static int refuse_param(const struct kernel_param *kp, int err)
{
	if (!xen_dma_param_refused)
		xen_dma_param_refused = kp->name;
	return err;
}

static int mode_param_set(const char *val, const struct kernel_param *kp)
{
	enum xen_dma_mode mode;

	if (xen_dma_mode_parse(val, &mode)) {
		pr_err("mode=%s: not a mode; use auto, direct, translate or bounce\n",
		       val);
		return refuse_param(kp, -EINVAL);
	}
	xen_dma_forced_mode = mode;
	return 0;
}

static int mode_param_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%s\n",
			 xen_dma_mode_name(xen_dma_forced_mode));
}

static const struct kernel_param_ops mode_param_ops = {
	.set = mode_param_set,
	.get = mode_param_get,
};

module_param_cb(mode, &mode_param_ops, NULL, 0444);
MODULE_PARM_DESC(mode,
		 "auto|direct|translate|bounce: the mode of every device; auto (default) follows Xen's feature flags");

static enum xen_dma_iommu_param xen_dma_iommu = XEN_DMA_IOMMU_AUTO;

static int iommu_param_set(const char *val, const struct kernel_param *kp)
{
	enum xen_dma_iommu_param param;

	if (xen_dma_iommu_param_parse(val, &param)) {
		pr_err("iommu=%s: use auto, yes or no\n", val);
		return refuse_param(kp, -EINVAL);
	}
	xen_dma_iommu = param;
	return 0;
}

static int iommu_param_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%s\n",
			 xen_dma_iommu_param_name(xen_dma_iommu));
}

static const struct kernel_param_ops iommu_param_ops = {
	.set = iommu_param_set,
	.get = iommu_param_get,
};

module_param_cb(iommu, &iommu_param_ops, NULL, 0444);
MODULE_PARM_DESC(iommu,
		 "auto|yes|no: does an IOMMU translate guest frames for our devices? auto (default) asks Xen (XEN_SYSCTL_physinfo); where Xen cannot say, a domain that is not 1:1 is assumed to have one, as Linux assumes. yes gives such a domain direct mode, no gives it bounce");

/**
 * struct uint_param - an unsigned parameter with its allowed range
 * @value: the value
 * @min: smallest allowed
 * @max: largest allowed
 * @power_of_2: must also be a power of two
 */
struct uint_param {
	unsigned int value;
	unsigned int min;
	unsigned int max;
	bool power_of_2;
};

static int uint_param_set(const char *val, const struct kernel_param *kp)
{
	struct uint_param *p = kp->arg;
	unsigned int value;
	int ret;

	ret = kstrtouint(val, 0, &value);
	if (ret) {
		pr_err("%s=%s: not a number\n", kp->name, val);
		return refuse_param(kp, ret);
	}
	if (value < p->min || value > p->max) {
		pr_err("%s=%u: out of range, use %u to %u\n", kp->name, value,
		       p->min, p->max);
		return refuse_param(kp, -ERANGE);
	}
	if (p->power_of_2 && !is_power_of_2(value)) {
		pr_err("%s=%u: not a power of two\n", kp->name, value);
		return refuse_param(kp, -EINVAL);
	}
	p->value = value;
	return 0;
}

static int uint_param_get(char *buffer, const struct kernel_param *kp)
{
	const struct uint_param *p = kp->arg;

	return scnprintf(buffer, PAGE_SIZE, "%u\n", p->value);
}

static const struct kernel_param_ops uint_param_ops = {
	.set = uint_param_set,
	.get = uint_param_get,
};

static struct uint_param segment_kb = {
	.value = 1U << (XEN_DMA_SEGMENT_SHIFT_DEFAULT - 10), .power_of_2 = true,
	.min = 1U << (XEN_DMA_SEGMENT_SHIFT_MIN - 10),
	.max = 1U << (XEN_DMA_SEGMENT_SHIFT_MAX - 10),
};
module_param_cb(segment_kb, &uint_param_ops, &segment_kb, 0444);
MODULE_PARM_DESC(segment_kb,
		 "bounce pool segment size in KiB, a power of two from 4 to 4096 (default 1024); the largest mapping that can bounce. Where Xen has no machine extent that large, smaller segments are used, down to one page, and the log says so");

static struct uint_param pool_mb = { .value = 16, .min = 1, .max = 65536 };
module_param_cb(pool_mb, &uint_param_ops, &pool_mb, 0444);
MODULE_PARM_DESC(pool_mb, "bounce pool size at load, in MiB (default 16)");

static struct uint_param max_pool_mb = { .value = 512, .min = 1, .max = 65536 };
module_param_cb(max_pool_mb, &uint_param_ops, &max_pool_mb, 0444);
MODULE_PARM_DESC(max_pool_mb,
		 "largest size the bounce pool may grow to, in MiB (default 512)");

static struct uint_param grow_percent = { .value = 75, .min = 1, .max = 100 };
module_param_cb(grow_percent, &uint_param_ops, &grow_percent, 0444);
MODULE_PARM_DESC(grow_percent,
		 "a CPU's share of the pool this full, in percent, makes the pool grow (default 75)");

static struct uint_param address_bits = { .value = 32, .min = 24, .max = 64 };
module_param_cb(address_bits, &uint_param_ops, &address_bits, 0444);
MODULE_PARM_DESC(address_bits,
		 "the bounce pool lies below 2^address_bits, so devices with this DMA mask can use it (default 32)");

static char *devices;
module_param(devices, charp, 0444);
MODULE_PARM_DESC(devices,
		 "the devices to attach at load: comma-separated PCI addresses (DDDD:BB:DD.F), each attached now or when it appears, or \"all\" for every PCI device that can DMA (bridges apart), now and later; a device whose driver is in use (a disk mounted, an interface up, xen-pciback) is refused. More attach through /sys/kernel/xen_dma/attach");

static struct xen_dma_backend xen_dma_backend;

/* The pool shape the parameters ask for, or -ERANGE. */
static int pool_config_from_params(struct xen_dma_pool_config *config)
{
	unsigned long segment = (unsigned long)segment_kb.value * SZ_1K;

	config->segment_shift = ilog2(segment);
	config->initial_segments = DIV_ROUND_UP((unsigned long)pool_mb.value * SZ_1M,
						segment);
	config->max_segments = ((unsigned long)max_pool_mb.value * SZ_1M) / segment;
	config->grow_percent = grow_percent.value;
	config->address_bits = address_bits.value;
	if (config->max_segments < config->initial_segments) {
		pr_err("max_pool_mb=%u is below pool_mb=%u\n", max_pool_mb.value,
		       pool_mb.value);
		return -ERANGE;
	}
	return 0;
}

static int __init xen_dma_init(void)
{
	const struct xen_dma_hooks *hooks = xen_dma_xen_hooks();
	struct xen_dma_pool_config config;
	struct xen_dma_features *f;
	int ret;

	if (!hooks) {
		pr_info("not running on Xen, nothing to do\n");
		return -ENODEV;
	}
	if (xen_dma_param_refused) {
		pr_err("%s= was refused (above): attaching nothing, every device keeps the kernel's own DMA ops\n",
		       xen_dma_param_refused);
		return -EINVAL;
	}
	ret = pool_config_from_params(&config);
	if (ret)
		return ret;
	ret = xen_dma_backend_init(&xen_dma_backend, hooks, xen_dma_forced_mode,
				   xen_dma_iommu, &config);
	if (ret)
		return ret;

	f = &xen_dma_backend.features;
	pr_info("%s: auto_translated=%d direct_mapped=%d not_direct_mapped=%d iommu=%d, mode=%s\n",
		hooks->name, f->auto_translated, f->direct_mapped,
		f->not_direct_mapped, f->iommu,
		xen_dma_mode_name(xen_dma_forced_mode));

	xen_dma_debugfs_init(&xen_dma_backend);
	ret = xen_dma_attach_init(&xen_dma_backend);
	if (ret)
		goto debugfs;
	/* A device that cannot be attached fails the load: no half setup. */
	ret = devices ? xen_dma_attach_list(devices) : 0;
	if (ret)
		goto detach;
	return 0;

detach:
	xen_dma_attach_exit();
debugfs:
	xen_dma_debugfs_exit();
	xen_dma_backend_exit(&xen_dma_backend);
	return ret;
}

static void __exit xen_dma_exit(void)
{
	xen_dma_attach_exit();
	xen_dma_debugfs_exit();
	xen_dma_backend_exit(&xen_dma_backend);
}

module_init(xen_dma_init);
module_exit(xen_dma_exit);

MODULE_DESCRIPTION("DMA-mapping backend for Xen dom0 and driver domains");
MODULE_LICENSE("GPL");
