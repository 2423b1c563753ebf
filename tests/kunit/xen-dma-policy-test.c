// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the xen-dma policy: Xen's feature flags -> a mode, by the
 * rules of Xen's public features.h; whether an IOMMU translates (iommu=);
 * the bus space DMA-able memory comes from; and the parameter names.
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
	{ "Arm64 dom0 with cache colouring and an SMMU",
	  { .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true, .iommu = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_DIRECT },
	{ "Arm64 1:1 dom0 with an SMMU: translate, right behind the SMMU or not",
	  { .initial_domain = true, .auto_translated = true,
	    .direct_mapped = true, .iommu = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_TRANSLATE },
	{ "x86 HVM driver domain with a passed-through device (IOMMU)",
	  { .x86 = true, .auto_translated = true, .not_direct_mapped = true,
	    .iommu = true },
	  XEN_DMA_MODE_AUTO, XEN_DMA_MODE_DIRECT },
	{ "mode=direct on a coloured Arm dom0 Xen says has no IOMMU",
	  { .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true },
	  XEN_DMA_MODE_DIRECT, XEN_DMA_MODE_DIRECT },
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
							XEN_DMA_MODE_TRANSLATE));
	/* Direct is the user's call on any auto-translated domain. */
	KUNIT_EXPECT_NULL(test, xen_dma_mode_unsafe(&arm_coloured,
						    XEN_DMA_MODE_DIRECT));
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

struct iommu_case {
	const char *what;
	struct xen_dma_features f;
	enum xen_dma_iommu_param param;
	bool want;
};

static const struct iommu_case iommu_cases[] = {
	{ "PVH dom0, Xen says directio",
	  { .x86 = true, .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true, .iommu_report = XEN_DMA_IOMMU_PRESENT },
	  XEN_DMA_IOMMU_AUTO, true },
	{ "PVH dom0, Xen cannot be asked: it builds PVH dom0 only with one",
	  { .x86 = true, .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true },
	  XEN_DMA_IOMMU_AUTO, true },
	{ "coloured Arm dom0, Xen says no IOMMU",
	  { .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true, .iommu_report = XEN_DMA_IOMMU_ABSENT },
	  XEN_DMA_IOMMU_AUTO, false },
	{ "coloured Arm dom0 with an SMMU, Xen says directio",
	  { .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true, .iommu_report = XEN_DMA_IOMMU_PRESENT },
	  XEN_DMA_IOMMU_AUTO, true },
	{ "HVM driver domain, sysctl refused: assumed, as Linux assumes",
	  { .x86 = true, .auto_translated = true, .not_direct_mapped = true },
	  XEN_DMA_IOMMU_AUTO, true },
	{ "Arm 1:1 dom0, nothing said: none needed",
	  { .initial_domain = true, .auto_translated = true,
	    .direct_mapped = true },
	  XEN_DMA_IOMMU_AUTO, false },
	{ "x86 PV dom0, Xen says directio: PV devices take machine frames",
	  { .x86 = true, .initial_domain = true, .direct_mapped = true,
	    .iommu_report = XEN_DMA_IOMMU_PRESENT },
	  XEN_DMA_IOMMU_AUTO, false },
	{ "iommu=no beats Xen's directio",
	  { .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true, .iommu_report = XEN_DMA_IOMMU_PRESENT },
	  XEN_DMA_IOMMU_NO, false },
	{ "iommu=yes beats Xen's no",
	  { .initial_domain = true, .auto_translated = true,
	    .not_direct_mapped = true, .iommu_report = XEN_DMA_IOMMU_ABSENT },
	  XEN_DMA_IOMMU_YES, true },
};

static void iommu_case_desc(const struct iommu_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(iommu, iommu_cases, iommu_case_desc);

static void policy_decides_iommu(struct kunit *test)
{
	const struct iommu_case *c = test->param_value;
	const char *reason = NULL;

	KUNIT_EXPECT_EQ_MSG(test, xen_dma_policy_iommu(&c->f, c->param, &reason),
			    c->want, "%s", c->what);
	KUNIT_ASSERT_NOT_NULL(test, reason);
	KUNIT_EXPECT_GT(test, strlen(reason), 0UL);
}

/* One rule says where DMA-able memory comes from, whatever the mode. */
static void policy_bus_space(struct kunit *test)
{
	const struct xen_dma_features pv = { .x86 = true, .initial_domain = true,
					     .direct_mapped = true };
	const struct xen_dma_features pvh = {
		.x86 = true, .initial_domain = true, .auto_translated = true,
		.not_direct_mapped = true, .iommu = true };
	const struct xen_dma_features arm_dom0 = {
		.initial_domain = true, .auto_translated = true,
		.direct_mapped = true };
	const struct xen_dma_features arm_coloured = {
		.initial_domain = true, .auto_translated = true,
		.not_direct_mapped = true };
	enum xen_dma_mode m;

	for (m = XEN_DMA_MODE_DIRECT; m < XEN_DMA_NR_MODES; m++) {
		if (m != XEN_DMA_MODE_DIRECT)
			KUNIT_EXPECT_EQ(test, xen_dma_policy_bus_space(&pv, m),
					XEN_DMA_SPACE_MACHINE);
		/* PVH with mode=translate or bounce: still guest frames. */
		KUNIT_EXPECT_EQ(test, xen_dma_policy_bus_space(&pvh, m),
				XEN_DMA_SPACE_GFN);
		KUNIT_EXPECT_EQ(test, xen_dma_policy_bus_space(&arm_dom0, m),
				XEN_DMA_SPACE_GFN);
	}
	KUNIT_EXPECT_EQ(test, xen_dma_policy_bus_space(&arm_coloured,
						       XEN_DMA_MODE_BOUNCE),
			XEN_DMA_SPACE_MACHINE);
	KUNIT_EXPECT_EQ(test, xen_dma_policy_bus_space(&arm_coloured,
						       XEN_DMA_MODE_DIRECT),
			XEN_DMA_SPACE_GFN);
}

static void policy_iommu_names(struct kunit *test)
{
	enum xen_dma_iommu_param p = XEN_DMA_NR_IOMMU_PARAMS;

	KUNIT_EXPECT_EQ(test, xen_dma_iommu_param_parse("yes\n", &p), 0);
	KUNIT_EXPECT_EQ(test, p, XEN_DMA_IOMMU_YES);
	KUNIT_EXPECT_EQ(test, xen_dma_iommu_param_parse("no", &p), 0);
	KUNIT_EXPECT_EQ(test, p, XEN_DMA_IOMMU_NO);
	KUNIT_EXPECT_EQ(test, xen_dma_iommu_param_parse("auto", &p), 0);
	KUNIT_EXPECT_EQ(test, p, XEN_DMA_IOMMU_AUTO);
	KUNIT_EXPECT_EQ(test, xen_dma_iommu_param_parse("1", &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, p, XEN_DMA_IOMMU_AUTO);
	KUNIT_EXPECT_STREQ(test, xen_dma_iommu_param_name(XEN_DMA_IOMMU_NO), "no");
}

static struct kunit_case xen_dma_policy_cases[] = {
	KUNIT_CASE_PARAM(policy_chooses_mode, policy_gen_params),
	KUNIT_CASE_PARAM(policy_decides_iommu, iommu_gen_params),
	KUNIT_CASE(policy_bus_space),
	KUNIT_CASE(policy_iommu_names),
	KUNIT_CASE(policy_refuses_unsafe_modes),
	KUNIT_CASE(policy_mode_names),
	{}
};

static struct kunit_suite xen_dma_policy_suite = {
	.name = "xen-dma-policy",
	.test_cases = xen_dma_policy_cases,
};

kunit_test_suites(&xen_dma_policy_suite);
