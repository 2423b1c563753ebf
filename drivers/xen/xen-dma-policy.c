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

static bool xen_dma_direct_mapped(const struct xen_dma_features *f)
{
	if (f->direct_mapped)
		return true;
	if (f->not_direct_mapped)
		return false;
	return f->x86 ? !f->auto_translated : f->initial_domain;
}

/**
 * xen_dma_mode_unsafe() - would a forced mode hand devices wrong addresses?
 * @f: the domain's features
 * @mode: the mode asked for with mode=
 *
 * Direct mode gives devices guest frames, translate mode gives them what
 * "map addresses" says; both are right only where a device can reach guest
 * frames that way. Bounce is always safe.
 *
 * Return: NULL when @mode is safe here, or one sentence saying why not.
 */
const char *xen_dma_mode_unsafe(const struct xen_dma_features *f,
				enum xen_dma_mode mode)
{
	if (mode == XEN_DMA_MODE_DIRECT && !f->auto_translated)
		return "a PV domain's devices need machine addresses, not guest frames";
	if ((mode == XEN_DMA_MODE_DIRECT || mode == XEN_DMA_MODE_TRANSLATE) &&
	    f->auto_translated && !f->iommu && !xen_dma_direct_mapped(f))
		return "not 1:1 and no IOMMU: only bounce gives devices real addresses";
	return NULL;
}

/**
 * xen_dma_policy_choose() - the mode for a device
 * @f: the domain's features
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
	 * A PV domain's IOMMU context, if any, maps machine frames (seed 001:
	 * sync_pt for PV), so machine addresses it is, IOMMU or not.
	 */
	if (!f->auto_translated)
		return (struct xen_dma_policy){ XEN_DMA_MODE_TRANSLATE,
			"PV guest: pfn != mfn, devices get machine addresses" };
	if (f->iommu)
		return (struct xen_dma_policy){ XEN_DMA_MODE_DIRECT,
			"an IOMMU translates guest frames, devices get GFNs" };
	if (xen_dma_direct_mapped(f))
		return (struct xen_dma_policy){ XEN_DMA_MODE_TRANSLATE,
			"auto-translated and 1:1: own pages as they are, foreign ones translated" };
	/*
	 * Seed 002: the p2m entry of a random page is unknown to us and may be
	 * transient, so nothing but the pool is safe to hand to a device.
	 */
	return (struct xen_dma_policy){ XEN_DMA_MODE_BOUNCE,
		"auto-translated, not direct-mapped, no IOMMU: every mapping bounces" };
}
