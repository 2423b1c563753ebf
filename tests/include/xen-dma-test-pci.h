/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test modules' (xen_dma_bench, xen_dma_fragment) device= parameter:
 * a PCI address, DDDD:BB:DD.F, looked up once at load.
 */
#ifndef _XEN_DMA_TEST_PCI_H
#define _XEN_DMA_TEST_PCI_H

#include <linux/err.h>
#include <linux/pci.h>
#include <linux/printk.h>

/*
 * The PCI device at @addr, with a reference the caller drops with
 * pci_dev_put(); ERR_PTR(-EINVAL) for a malformed address, -ENODEV for
 * none there. Says which on the log (through the caller's pr_fmt).
 */
static inline struct pci_dev *xen_dma_test_pci_get(const char *addr)
{
	unsigned int domain, bus, slot, fn;
	struct pci_dev *pdev;

	if (!addr || sscanf(addr, "%x:%x:%x.%x", &domain, &bus, &slot,
			    &fn) != 4 || slot > 31 || fn > 7) {
		pr_err("device=%s: give a PCI address, DDDD:BB:DD.F\n",
		       addr ?: "(none)");
		return ERR_PTR(-EINVAL);
	}
	pdev = pci_get_domain_bus_and_slot(domain, bus, PCI_DEVFN(slot, fn));
	if (!pdev) {
		pr_err("device=%s: no such PCI device\n", addr);
		return ERR_PTR(-ENODEV);
	}
	return pdev;
}

#endif /* _XEN_DMA_TEST_PCI_H */
