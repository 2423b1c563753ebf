// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for xen-dma attach: PCI addresses as devices= and
 * /sys/kernel/xen_dma/attach take them, and the errors for bad ones.
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

/* A bad address is refused before any device or backend is touched. */
static void attach_refuses_bad_addresses(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, xen_dma_attach_pci("nvme0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_detach_pci("0000:00:04"), -EINVAL);
	/* No PCI device sits in domain 0xfffe. */
	KUNIT_EXPECT_EQ(test, xen_dma_attach_pci("fffe:00:00.0"), -ENODEV);
	KUNIT_EXPECT_EQ(test, xen_dma_detach_pci("fffe:00:00.0"), -ENODEV);
	KUNIT_EXPECT_EQ(test, xen_dma_attach_list("fffe:00:00.0,bogus"), -ENODEV);
	KUNIT_EXPECT_EQ(test, xen_dma_attach_list("bogus, fffe:00:00.0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xen_dma_attach_list(" , "), 0);
}

static struct kunit_case xen_dma_attach_cases[] = {
	KUNIT_CASE_PARAM(attach_parses_pci_address, address_gen_params),
	KUNIT_CASE(attach_refuses_bad_addresses),
	{}
};

static struct kunit_suite xen_dma_attach_suite = {
	.name = "xen-dma-attach",
	.test_cases = xen_dma_attach_cases,
};

kunit_test_suites(&xen_dma_attach_suite);
