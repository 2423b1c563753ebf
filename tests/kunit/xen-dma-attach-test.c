// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for xen-dma attach: PCI addresses as devices= and
 * /sys/kernel/xen_dma/attach take them ("force" included), the errors for
 * bad ones, and devices= waiting for a device that is not there yet.
 */

#include <kunit/test.h>
#include <linux/pci.h>

#include <xen/xen-dma-attach.h>

struct address_case {
	const char *text;
	int ret;
	unsigned int domain, bus, slot, fn;
};

static const struct address_case address_cases[] = {
	{ "0000:00:04.0", 0, 0, 0, 4, 0 },
	{ "00:04.0", 0, 0, 0, 4, 0 },
	{ "0001:ff:1f.7\n", 0, 1, 0xff, 0x1f, 7 },
	{ "  ab:01.3  ", 0, 0, 0xab, 1, 3 },
	{ "ffff:00:00.0", 0, 0xffff, 0, 0, 0 },
	{ "", -EINVAL },
	{ "\n", -EINVAL },
	{ "00:04", -EINVAL },
	{ "00:20.0", -EINVAL },		/* slot above 0x1f */
	{ "00:04.8", -EINVAL },		/* function above 7 */
	{ "100:04.0", -EINVAL },	/* bus above 0xff */
	{ "10000:00:04.0", -EINVAL },	/* domain above 0xffff */
	{ "0000:00:04.0x", -EINVAL },
	{ "0000:00:04.0 0000:00:05.0", -EINVAL },
	{ "nvme0", -EINVAL },
};

static void address_case_desc(const struct address_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "'%s'", c->text);
	strreplace(desc, '\n', ' ');
}

KUNIT_ARRAY_PARAM(address, address_cases, address_case_desc);

static void attach_parses_pci_address(struct kunit *test)
{
	const struct address_case *c = test->param_value;
	unsigned int domain = ~0U, bus = ~0U, devfn = ~0U;

	KUNIT_ASSERT_EQ(test, xen_dma_parse_pci_address(c->text, &domain, &bus,
							&devfn), c->ret);
	if (c->ret) {
		/* Nothing is written on failure. */
		KUNIT_EXPECT_EQ(test, domain, ~0U);
		return;
	}
	KUNIT_EXPECT_EQ(test, domain, c->domain);
	KUNIT_EXPECT_EQ(test, bus, c->bus);
	KUNIT_EXPECT_EQ(test, devfn, PCI_DEVFN(c->slot, c->fn));
}

struct request_case {
	const char *text;
	int ret;
	const char *addr;
	bool force;
};

static const struct request_case request_cases[] = {
	{ "0000:00:04.0", 0, "0000:00:04.0", false },
	{ "0000:00:04.0\n", 0, "0000:00:04.0", false },
	{ "0000:00:04.0 force\n", 0, "0000:00:04.0", true },
	{ " 00:04.0\tforce  ", 0, "00:04.0", true },
	{ "0000:00:04.0 forced", -EINVAL },
	{ "0000:00:04.0 now", -EINVAL },
	{ "force", -EINVAL },
	{ " force ", -EINVAL },
	{ "0000:00:04.0 force force", -EINVAL },
	{ "", -EINVAL },
};

static void request_case_desc(const struct request_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "'%s'", c->text);
	strreplace(desc, '\n', ' ');
	strreplace(desc, '\t', ' ');
}

KUNIT_ARRAY_PARAM(request, request_cases, request_case_desc);

static void attach_parses_request(struct kunit *test)
{
	const struct request_case *c = test->param_value;
	char addr[24] = "";
	bool force = false;

	KUNIT_ASSERT_EQ(test, xen_dma_parse_request(c->text, addr, sizeof(addr),
						    &force), c->ret);
	if (c->ret)
		return;
	KUNIT_EXPECT_STREQ(test, addr, c->addr);
	KUNIT_EXPECT_EQ(test, force, c->force);
}

/* A bad address is refused before any device or backend is touched. */
static void attach_refuses_bad_addresses(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xen_dma_attach_pci("nvme0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_attach_pci("0000:00:04.0 now"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_detach_pci("0000:00:04"), -EINVAL);
	/* No PCI device sits in domain 0xfffe. */
	KUNIT_EXPECT_EQ(test, xen_dma_attach_pci("fffe:00:00.0"), -ENODEV);
	KUNIT_EXPECT_EQ(test, xen_dma_attach_pci("fffe:00:00.0 force"), -ENODEV);
	KUNIT_EXPECT_EQ(test, xen_dma_detach_pci("fffe:00:00.0"), -ENODEV);
	/* devices= with one bad word attaches nothing, waits for nothing. */
	KUNIT_EXPECT_EQ(test, xen_dma_attach_list("fffe:00:00.0,bogus"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_attach_list("bogus, fffe:00:00.0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_attach_list("al"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_attach_list(" , "), 0);
}

/* devices= naming a device that is not there yet waits for it. */
static void attach_waits_for_absent_devices(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xen_dma_attach_list("fffe:00:00.0, fffe:01:00.0"), 0);
	xen_dma_attach_forget_pending();
}

static struct kunit_case xen_dma_attach_cases[] = {
	KUNIT_CASE_PARAM(attach_parses_pci_address, address_gen_params),
	KUNIT_CASE_PARAM(attach_parses_request, request_gen_params),
	KUNIT_CASE(attach_refuses_bad_addresses),
	KUNIT_CASE(attach_waits_for_absent_devices),
	{}
};

static struct kunit_suite xen_dma_attach_suite = {
	.name = "xen-dma-attach",
	.test_cases = xen_dma_attach_cases,
};

kunit_test_suites(&xen_dma_attach_suite);
