// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the xen-dma policy: Xen's feature flags -> a mode, by the
 * rules of Xen's public features.h, and the mode= names.
 */

#include <kunit/test.h>

#include <xen/xen-dma-policy.h>

struct policy_case {
	const char *what;
	struct xen_dma_features f;
	enum xen_dma_mode forced;
	enum xen_dma_mode want;
};

static const struct policy_case policy_cases[] = {
	{ "x86 PV dom0, Xen 4.17 flags",
	  { .x86 = true, .initial_domain = true, .direct_mapped = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_TRANSLATE },
	{ "x86 PV dom0, legacy flags",
	  { .x86 = true, .initial_domain = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_TRANSLATE },
	{ "x86 PV driver domain with an IOMMU: still machine addresses",
	  { .x86 = true, .iommu = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_TRANSLATE },
	{ "x86 PVH dom0 with VT-d",
	  { .x86 = true, .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true, .iommu = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_DIRECT },
	{ "x86 PVH dom0, no IOMMU",
	  { .x86 = true, .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_BOUNCE },
	{ "x86 HVM, legacy flags, no IOMMU: not direct-mapped",
	  { .x86 = true, .auto_translated = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_BOUNCE },
	{ "Arm64 dom0, Xen 4.17 flags",
	  { .initial_domain = true, .auto_translated = true,
	    .direct_mapped = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_TRANSLATE },
	{ "Arm64 dom0, legacy flags: dom0 is 1:1",
	  { .initial_domain = true, .auto_translated = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_TRANSLATE },
	{ "Arm64 domU, legacy flags: not 1:1",
	  { .auto_translated = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_BOUNCE },
	{ "Arm64 dom0 with cache colouring, no IOMMU",
	  { .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_BOUNCE },
	{ "Arm64 dom0 with cache colouring and an SMMU (seed 000)",
	  { .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true, .iommu = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_DIRECT },
	{ "Arm64 1:1 dom0 with an SMMU",
	  { .initial_domain = true, .auto_translated = true,
	    .direct_mapped = true, .iommu = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_DIRECT },
	{ "mode=bounce on x86 PV",
	  { .x86 = true, .initial_domain = true, .direct_mapped = true },
	  XEN_DMA_MODE_BOUNCE, XEN_DMA_MODE_BOUNCE },
	{ "mode=translate on PVH with VT-d",
	  { .x86 = true, .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true, .iommu = true },
	  XEN_DMA_MODE_TRANSLATE, XEN_DMA_MODE_TRANSLATE },
	{ "mode=direct on x86 PV",
	  { .x86 = true, .initial_domain = true },
	  XEN_DMA_MODE_DIRECT, XEN_DMA_MODE_DIRECT },
};

static void policy_case_desc(const struct policy_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(policy, policy_cases, policy_case_desc);

static void policy_chooses_mode(struct kunit *test)
{
	const struct policy_case *c = test->param_value;
	struct xen_dma_policy p = xen_dma_policy_choose(&c->f, c->forced);

	KUNIT_EXPECT_EQ_MSG(test, p.mode, c->want, "%s: got %s", c->what,
			    xen_dma_mode_name(p.mode));
	KUNIT_EXPECT_NOT_NULL(test, p.reason);
	KUNIT_EXPECT_GT(test, strlen(p.reason), 0UL);
}

static void policy_mode_names(struct kunit *test)
{
	enum xen_dma_mode m = XEN_DMA_NR_MODES;

	KUNIT_EXPECT_EQ(test, xen_dma_mode_parse("auto", &m), 0);
	KUNIT_EXPECT_EQ(test, m, XEN_DMA_MODE_AUTO);
	KUNIT_EXPECT_EQ(test, xen_dma_mode_parse("direct", &m), 0);
	KUNIT_EXPECT_EQ(test, m, XEN_DMA_MODE_DIRECT);
	KUNIT_EXPECT_EQ(test, xen_dma_mode_parse("translate\n", &m), 0);
	KUNIT_EXPECT_EQ(test, m, XEN_DMA_MODE_TRANSLATE);
	KUNIT_EXPECT_EQ(test, xen_dma_mode_parse("bounce", &m), 0);
	KUNIT_EXPECT_EQ(test, m, XEN_DMA_MODE_BOUNCE);

	/* Refused values leave the mode alone. */
	KUNIT_EXPECT_EQ(test, xen_dma_mode_parse("bounce-always", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_mode_parse("", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_mode_parse("Direct", &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, m, XEN_DMA_MODE_BOUNCE);

	KUNIT_EXPECT_STREQ(test, xen_dma_mode_name(XEN_DMA_MODE_TRANSLATE),
			   "translate");
	KUNIT_EXPECT_STREQ(test, xen_dma_mode_name(XEN_DMA_NR_MODES), "invalid");
}

/* mode= must not hand a device addresses it cannot use. */
static void policy_refuses_unsafe_modes(struct kunit *test)
{
	const struct xen_dma_features pv = { .x86 = true, .initial_domain = true,
					     .direct_mapped = true };
	const struct xen_dma_features pvh_iommu = {
		.x86 = true, .initial_domain = true, .auto_translated = true,
		.not_direct_mapped = true, .iommu = true };
	const struct xen_dma_features arm_coloured = {
		.initial_domain = true, .auto_translated = true,
		.not_direct_mapped = true };
	const struct xen_dma_features arm_dom0 = {
		.initial_domain = true, .auto_translated = true };
	enum xen_dma_mode m;

	KUNIT_EXPECT_NOT_NULL(test, xen_dma_mode_unsafe(&pv, XEN_DMA_MODE_DIRECT));
	KUNIT_EXPECT_NOT_NULL(test, xen_dma_mode_unsafe(&arm_coloured,
							XEN_DMA_MODE_DIRECT));
	KUNIT_EXPECT_NOT_NULL(test, xen_dma_mode_unsafe(&arm_coloured,
							XEN_DMA_MODE_TRANSLATE));
	for (m = XEN_DMA_MODE_AUTO; m < XEN_DMA_NR_MODES; m++) {
		KUNIT_EXPECT_NULL(test, xen_dma_mode_unsafe(&pvh_iommu, m));
		KUNIT_EXPECT_NULL(test, xen_dma_mode_unsafe(&arm_dom0, m));
	}
	KUNIT_EXPECT_NULL(test, xen_dma_mode_unsafe(&pv, XEN_DMA_MODE_TRANSLATE));
	KUNIT_EXPECT_NULL(test, xen_dma_mode_unsafe(&pv, XEN_DMA_MODE_BOUNCE));
	KUNIT_EXPECT_NULL(test, xen_dma_mode_unsafe(&arm_coloured,
						    XEN_DMA_MODE_BOUNCE));
	KUNIT_EXPECT_NULL(test, xen_dma_mode_unsafe(&arm_coloured,
						    XEN_DMA_MODE_AUTO));
}

static struct kunit_case xen_dma_policy_cases[] = {
	KUNIT_CASE_PARAM(policy_chooses_mode, policy_gen_params),
	KUNIT_CASE(policy_refuses_unsafe_modes),
	KUNIT_CASE(policy_mode_names),
	{}
};

static struct kunit_suite xen_dma_policy_suite = {
	.name = "xen-dma-policy",
	.test_cases = xen_dma_policy_cases,
};

kunit_test_suites(&xen_dma_policy_suite);
