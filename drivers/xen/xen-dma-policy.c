// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma policy: Xen's feature flags -> a mode per device, with the reason.
 *
 * The rules are Xen's own (xen/include/public/features.h): a domain is
 * direct-mapped (guest frame == machine frame for its own memory) when
 * XENFEAT_direct_mapped is set and not when XENFEAT_not_direct_mapped is.
 * With neither, the legacy rule holds: x86 guests are direct-mapped unless
 * auto-translated; on Arm only dom0 is.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/errno.h>
#include <linux/string.h>

#include <xen/xen-dma-policy.h>

static const char * const xen_dma_mode_names[XEN_DMA_NR_MODES] = {
	[XEN_DMA_MODE_AUTO] = "auto",
	[XEN_DMA_MODE_DIRECT] = "direct",
	[XEN_DMA_MODE_TRANSLATE] = "translate",
	[XEN_DMA_MODE_BOUNCE] = "bounce",
};

/**
 * xen_dma_mode_name() - the name of a mode, as the mode= parameter spells it
 * @mode: the mode
 *
 * Return: a static string; "invalid" for an out-of-range value.
 */
const char *xen_dma_mode_name(enum xen_dma_mode mode)
{
	return mode < XEN_DMA_NR_MODES ? xen_dma_mode_names[mode] : "invalid";
}

/**
 * xen_dma_mode_parse() - parse a mode name
 * @name: "auto", "direct", "translate" or "bounce"; one trailing newline is
 *	accepted, as sysfs writes carry one
 * @mode: where to store the mode
 *
 * Return: 0, or -EINVAL when @name is none of the modes.
 */
int xen_dma_mode_parse(const char *name, enum xen_dma_mode *mode)
{
	int i = sysfs_match_string(xen_dma_mode_names, name);

	if (i < 0)
		return -EINVAL;
	*mode = i;
	return 0;
}

static const char * const xen_dma_iommu_names[XEN_DMA_NR_IOMMU_PARAMS] = {
	[XEN_DMA_IOMMU_AUTO] = "auto",
	[XEN_DMA_IOMMU_YES] = "yes",
	[XEN_DMA_IOMMU_NO] = "no",
};

/**
 * xen_dma_iommu_param_name() - the name of an iommu= value
 * @param: the value
 *
 * Return: a static string; "invalid" for an out-of-range value.
 */
const char *xen_dma_iommu_param_name(enum xen_dma_iommu_param param)
{
	return param < XEN_DMA_NR_IOMMU_PARAMS ? xen_dma_iommu_names[param] :
						 "invalid";
}

/**
 * xen_dma_iommu_param_parse() - parse an iommu= value
 * @name: "auto", "yes" or "no"; one trailing newline is accepted
 * @param: where to store the value
 *
 * Return: 0, or -EINVAL when @name is none of them.
 */
int xen_dma_iommu_param_parse(const char *name,
			      enum xen_dma_iommu_param *param)
{
	int i = sysfs_match_string(xen_dma_iommu_names, name);

	if (i < 0)
		return -EINVAL;
	*param = i;
	return 0;
}

/**
 * xen_dma_policy_direct_mapped() - is guest frame == machine frame here?
 * @f: the domain's features
 *
 * Return: true for a 1:1 domain (and an x86 PV one, whose own frames Xen
 * calls direct-mapped too).
 */
bool xen_dma_policy_direct_mapped(const struct xen_dma_features *f)
{
	if (f->direct_mapped)
		return true;
	if (f->not_direct_mapped)
		return false;
	return f->x86 ? !f->auto_translated : f->initial_domain;
}

/**
 * xen_dma_policy_iommu() - does an IOMMU translate guest frames for us?
 * @f: the domain's features, as the hooks read them
 * @param: the iommu= parameter
 * @reason: set to one sentence saying what was learnt or assumed, and why
 *
 * A wrong answer hands devices wrong addresses either way: guest frames
 * where nothing translates them, or machine frames an IOMMU then remaps.
 * So the hypervisor's word wins over any guess, and the guess is upstream
 * Linux's own (arch/arm/xen/mm.c, arch/x86/xen/enlighten_pvh.c): an
 * auto-translated domain that is not 1:1 DMAs with guest frames.
 *
 * Return: the answer.
 */
bool xen_dma_policy_iommu(const struct xen_dma_features *f,
			  enum xen_dma_iommu_param param, const char **reason)
{
	if (param == XEN_DMA_IOMMU_YES) {
		*reason = "iommu=yes";
		return true;
	}
	if (param == XEN_DMA_IOMMU_NO) {
		*reason = "iommu=no";
		return false;
	}
	if (!f->auto_translated) {
		*reason = "x86 PV: devices take machine addresses, IOMMU or not";
		return false;
	}
	if (f->iommu_report == XEN_DMA_IOMMU_PRESENT) {
		*reason = "Xen reports its IOMMU enabled";
		return true;
	}
	if (f->iommu_report == XEN_DMA_IOMMU_ABSENT) {
		*reason = "Xen reports no IOMMU";
		return false;
	}
	if (f->x86 && f->initial_domain) {
		*reason = "assumed: Xen builds an x86 PVH dom0 only with an IOMMU";
		return true;
	}
	if (!xen_dma_policy_direct_mapped(f)) {
		*reason = "assumed, as Linux does: Xen did not say; not 1:1: DMA by GFN";
		return true;
	}
	*reason = "Xen did not say, and a 1:1 domain needs none";
	return false;
}

/**
 * xen_dma_policy_bus_space() - which addresses devices get for our memory
 * @f: the domain's features, @f->iommu decided
 * @mode: the device's mode
 *
 * The one rule for where DMA-able memory comes from (bounce pools and
 * coherent buffers alike): guest frames do where the domain is 1:1, where an
 * IOMMU translates them, and where mode=direct says devices take them;
 * otherwise only "ready buffers for DMA" can give machine addresses.
 *
 * Return: the bus space.
 */
enum xen_dma_bus_space xen_dma_policy_bus_space(const struct xen_dma_features *f,
						enum xen_dma_mode mode)
{
	if (!f->auto_translated)
		return XEN_DMA_SPACE_MACHINE;
	if (mode == XEN_DMA_MODE_DIRECT || f->iommu ||
	    xen_dma_policy_direct_mapped(f))
		return XEN_DMA_SPACE_GFN;
	return XEN_DMA_SPACE_MACHINE;
}

/**
 * xen_dma_mode_unsafe() - would a forced mode hand devices wrong addresses?
 * @f: the domain's features, @f->iommu decided
 * @mode: the mode asked for with mode=
 *
 * Direct mode gives devices guest frames: wrong for a PV domain, whose
 * devices see machine frames. Translate mode gives them what "map
 * addresses" says, which in an auto-translated domain is the guest frame:
 * wrong unless the domain is 1:1 or an IOMMU translates. Direct mode on any
 * auto-translated domain is the user's call (a passed-through device behind
 * an IOMMU Xen cannot report); bounce is always safe.
 *
 * Return: NULL when @mode is safe here, or one sentence saying why not.
 */
const char *xen_dma_mode_unsafe(const struct xen_dma_features *f,
				enum xen_dma_mode mode)
{
	if (mode == XEN_DMA_MODE_DIRECT && !f->auto_translated)
		return "a PV domain's devices need machine addresses, not guest frames";
	if (mode == XEN_DMA_MODE_TRANSLATE && f->auto_translated &&
	    !f->iommu && !xen_dma_policy_direct_mapped(f))
		return "not 1:1 and no IOMMU: guest frames would reach devices untranslated";
	return NULL;
}

/**
 * xen_dma_policy_choose() - the mode for a device
 * @f: the domain's features, @f->iommu decided
 * @forced: %XEN_DMA_MODE_AUTO, or the mode= override
 *
 * Return: the mode and the reason for it.
 */
struct xen_dma_policy xen_dma_policy_choose(const struct xen_dma_features *f,
					    enum xen_dma_mode forced)
{
	if (forced != XEN_DMA_MODE_AUTO)
		return (struct xen_dma_policy){ forced, "forced by mode=" };
	/*
	 * A PV domain's IOMMU context, if any, maps machine frames (xl.cfg's
	 * passthrough=sync_pt, xen-devel 2019-07, "introduce a 'passthrough'
	 * configuration option"), so machine addresses it is, IOMMU or not.
	 */
	if (!f->auto_translated)
		return (struct xen_dma_policy){ XEN_DMA_MODE_TRANSLATE,
			"PV guest: pfn != mfn, devices get machine addresses" };
	/*
	 * 1:1: a device reaches our own pages at their guest frames with or
	 * without an IOMMU, and another domain's at the machine frame Linux
	 * recorded when it mapped the grant, which Xen also maps 1:1 into an
	 * IOMMU (gnttab_need_iommu_mapping()). Translate is right either way;
	 * guest frames for grants would be right only behind an IOMMU.
	 */
	if (xen_dma_policy_direct_mapped(f))
		return (struct xen_dma_policy){ XEN_DMA_MODE_TRANSLATE,
			"auto-translated and 1:1: own pages as they are, foreign ones translated" };
	if (f->iommu)
		return (struct xen_dma_policy){ XEN_DMA_MODE_DIRECT,
			"an IOMMU translates guest frames, foreign ones too: devices get GFNs" };
	/*
	 * The p2m entry of a random page is unknown to us and may be transient
	 * (linux-arm-kernel, 2013-08, "swiotlb-xen: support autotranslate
	 * guests"), so nothing but the pool is safe to hand to a device.
	 */
	return (struct xen_dma_policy){ XEN_DMA_MODE_BOUNCE,
		"auto-translated, not direct-mapped, no IOMMU: every mapping bounces" };
}
