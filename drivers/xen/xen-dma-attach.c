// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma attach: which PCI devices get xen-dma's ops, and when.
 *
 * Ops must be in place before a driver maps anything, so a device with a
 * driver bound is unbound, given the ops, and bound again. A bus notifier
 * re-installs the ops at every later bind, after dma_configure() (which on
 * Arm64 installs swiotlb-xen's ops) and before the driver's probe.
 *
 * Devices are named by PCI address, DDDD:BB:DD.F or BB:DD.F, in the
 * devices= parameter and in /sys/kernel/xen_dma/{attach,detach}.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <xen/xen-dma-attach.h>
#include <xen/xen-dma-debugfs.h>

/* Serialises attach, detach and the notifier's look-ups against them. */
static DEFINE_MUTEX(xen_dma_attach_lock);
static struct xen_dma_backend *xen_dma_attach_backend;
static struct kobject *xen_dma_kobj;

/**
 * xen_dma_parse_pci_address() - parse "DDDD:BB:DD.F" or "BB:DD.F"
 * @text: the address; surrounding white space is ignored
 * @domain: where to store the PCI domain (0 when not given)
 * @bus: where to store the bus number
 * @devfn: where to store PCI_DEVFN(device, function)
 *
 * Return: 0, or -EINVAL when @text is not a PCI address in that form or a
 * field is out of range.
 */
int xen_dma_parse_pci_address(const char *text, unsigned int *domain,
			      unsigned int *bus, unsigned int *devfn)
{
	unsigned int d = 0, b, s, f;
	char addr[24], tail;
	int n;

	text = skip_spaces(text);
	n = strcspn(text, " \t\n");
	if (!n || n >= sizeof(addr) || *skip_spaces(text + n))
		return -EINVAL;
	memcpy(addr, text, n);
	addr[n] = '\0';
	/* sscanf's %x would also take a "0x" prefix: allow hex digits only. */
	if (addr[strspn(addr, "0123456789abcdefABCDEF:.")])
		return -EINVAL;

	if (sscanf(addr, "%x:%x:%x.%x%c", &d, &b, &s, &f, &tail) != 4) {
		d = 0;
		if (sscanf(addr, "%x:%x.%x%c", &b, &s, &f, &tail) != 3)
			return -EINVAL;
	}
	if (d > 0xffff || b > 0xff || s > 0x1f || f > 7)
		return -EINVAL;
	*domain = d;
	*bus = b;
	*devfn = PCI_DEVFN(s, f);
	return 0;
}

static struct pci_dev *find_pci_device(const char *text)
{
	unsigned int domain, bus, devfn;
	struct pci_dev *pdev;

	if (xen_dma_parse_pci_address(text, &domain, &bus, &devfn)) {
		pr_err("'%s' is not a PCI address (DDDD:BB:DD.F)\n", text);
		return ERR_PTR(-EINVAL);
	}
	pdev = pci_get_domain_bus_and_slot(domain, bus, devfn);
	if (!pdev) {
		pr_err("no PCI device %04x:%02x:%02x.%x\n", domain, bus,
		       PCI_SLOT(devfn), PCI_FUNC(devfn));
		return ERR_PTR(-ENODEV);
	}
	return pdev;
}

/*
 * Unbinds @dev's driver and returns with the device lock held and no driver
 * bound, so that no probe can run while the ops change; returns whether a
 * driver was bound. device_release_driver() takes the lock itself, hence the
 * loop for a driver that binds in between.
 */
static bool unbind_and_lock(struct device *dev)
{
	bool bound = false;

	for (;;) {
		device_lock(dev);
		if (!dev->driver)
			return bound;
		device_unlock(dev);
		device_release_driver(dev);
		bound = true;
	}
}

static void rebind_driver(struct device *dev)
{
	int ret = device_attach(dev);

	if (ret < 0)
		dev_warn(dev, "xen_dma: driver did not bind again: %d\n", ret);
}

static int attach_device(struct device *dev)
{
	struct xen_dma_device *xdev;
	bool bound;

	if (xen_dma_device_find(xen_dma_attach_backend, dev))
		return -EEXIST;
	bound = unbind_and_lock(dev);
	xdev = xen_dma_device_attach(xen_dma_attach_backend, dev);
	device_unlock(dev);
	if (!IS_ERR(xdev))
		xen_dma_debugfs_add_device(xdev);
	if (bound)
		rebind_driver(dev);
	return PTR_ERR_OR_ZERO(xdev);
}

/*
 * Takes xen-dma off @xdev's device: unbinds the driver so that it releases
 * its mappings, restores the old ops and binds the driver again. With
 * @force, a driver that keeps mappings live still loses xen-dma's ops (for
 * unload); without, the device stays attached and -EBUSY is returned.
 */
static int detach_device(struct xen_dma_device *xdev, bool force)
{
	struct device *dev = get_device(xdev->dev);
	bool bound;
	int ret;

	xen_dma_debugfs_remove_device(xdev);
	bound = unbind_and_lock(dev);
	ret = xen_dma_device_detach(xdev);
	if (ret == -EBUSY && force) {
		xen_dma_device_release_ops(xdev);
		ret = 0;
	}
	device_unlock(dev);
	if (ret)
		xen_dma_debugfs_add_device(xdev);
	if (bound)
		rebind_driver(dev);
	put_device(dev);
	return ret;
}

/**
 * xen_dma_attach_pci() - attach the PCI device at an address
 * @text: its address
 *
 * Context: process context; may sleep, unbinds and rebinds the driver.
 * Return: 0, -EINVAL for a malformed address, -ENODEV for no such device,
 * -EEXIST when already attached, or an error of xen_dma_device_attach().
 */
int xen_dma_attach_pci(const char *text)
{
	struct pci_dev *pdev = find_pci_device(text);
	int ret;

	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	mutex_lock(&xen_dma_attach_lock);
	ret = attach_device(&pdev->dev);
	mutex_unlock(&xen_dma_attach_lock);
	if (ret)
		pci_err(pdev, "xen_dma: not attached: %d\n", ret);
	pci_dev_put(pdev);
	return ret;
}

/**
 * xen_dma_detach_pci() - detach the PCI device at an address
 * @text: its address
 *
 * Context: process context; may sleep, unbinds and rebinds the driver.
 * Return: 0, -EINVAL for a malformed address, -ENODEV for no such device or
 * one not attached, -EBUSY while its driver keeps mappings live.
 */
int xen_dma_detach_pci(const char *text)
{
	struct pci_dev *pdev = find_pci_device(text);
	struct xen_dma_device *xdev;
	int ret = -ENODEV;

	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	mutex_lock(&xen_dma_attach_lock);
	xdev = xen_dma_device_find(xen_dma_attach_backend, &pdev->dev);
	if (xdev)
		ret = detach_device(xdev, false);
	else
		pci_err(pdev, "xen_dma: not attached\n");
	mutex_unlock(&xen_dma_attach_lock);
	pci_dev_put(pdev);
	return ret;
}

/**
 * xen_dma_attach_list() - attach every device of a comma-separated list
 * @list: PCI addresses, as the devices= parameter takes them
 *
 * Every address is tried even when an earlier one failed.
 *
 * Return: 0, or the first error.
 */
int xen_dma_attach_list(const char *list)
{
	char *copy = kstrdup(list, GFP_KERNEL), *cursor, *addr;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	cursor = copy;
	while ((addr = strsep(&cursor, ","))) {
		int err;

		if (!*skip_spaces(addr))
			continue;
		err = xen_dma_attach_pci(addr);
		if (!ret)
			ret = err;
	}
	kfree(copy);
	return ret;
}

/*
 * Runs with the device lock held, inside really_probe(), possibly under
 * attach_device() or detach_device(): it takes only the backend's lock.
 * A removed device is not detached here: taking xen_dma_attach_lock under
 * the bus notifier lock could deadlock against attach, which takes them the
 * other way round. Its context holds a reference to the device and is freed
 * at detach through sysfs or at unload.
 */
static int xen_dma_bus_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct device *dev = data;

	if (action != BUS_NOTIFY_BIND_DRIVER)
		return NOTIFY_DONE;
	if (xen_dma_device_claim_ops(xen_dma_attach_backend, dev))
		dev_dbg(dev, "xen_dma: ops installed again after dma_configure\n");
	return NOTIFY_OK;
}

static struct notifier_block xen_dma_bus_nb = {
	.notifier_call = xen_dma_bus_notify,
};

static ssize_t attach_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	int ret = xen_dma_attach_pci(buf);

	return ret ? ret : count;
}

static ssize_t detach_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	int ret = xen_dma_detach_pci(buf);

	return ret ? ret : count;
}

static ssize_t devices_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct xen_dma_backend *backend = xen_dma_attach_backend;
	struct xen_dma_device *xdev;
	int len = 0;

	mutex_lock(&backend->lock);
	list_for_each_entry(xdev, &backend->devices, node)
		len += sysfs_emit_at(buf, len, "%s %s\n", dev_name(xdev->dev),
				     xen_dma_mode_name(xdev->policy.mode));
	mutex_unlock(&backend->lock);
	return len;
}

static struct kobj_attribute attach_attr = __ATTR_WO(attach);
static struct kobj_attribute detach_attr = __ATTR_WO(detach);
static struct kobj_attribute devices_attr = __ATTR_RO(devices);

static struct attribute *xen_dma_attrs[] = {
	&attach_attr.attr,
	&detach_attr.attr,
	&devices_attr.attr,
	NULL,
};

static const struct attribute_group xen_dma_attr_group = {
	.attrs = xen_dma_attrs,
};

/**
 * xen_dma_attach_init() - start attaching devices to a backend
 * @backend: the backend devices attach to
 *
 * Registers the PCI bus notifier and /sys/kernel/xen_dma.
 *
 * Return: 0 or an error of the registrations.
 */
int xen_dma_attach_init(struct xen_dma_backend *backend)
{
	int ret;

	xen_dma_attach_backend = backend;
	ret = bus_register_notifier(&pci_bus_type, &xen_dma_bus_nb);
	if (ret)
		return ret;
	xen_dma_kobj = kobject_create_and_add("xen_dma", kernel_kobj);
	if (!xen_dma_kobj) {
		ret = -ENOMEM;
		goto unregister;
	}
	ret = sysfs_create_group(xen_dma_kobj, &xen_dma_attr_group);
	if (ret)
		goto put;
	return 0;

put:
	kobject_put(xen_dma_kobj);
unregister:
	bus_unregister_notifier(&pci_bus_type, &xen_dma_bus_nb);
	return ret;
}

/* An attached device still using our ops; those given back are skipped. */
static struct xen_dma_device *next_with_our_ops(struct xen_dma_backend *backend)
{
	struct xen_dma_device *xdev, *found = NULL;

	mutex_lock(&backend->lock);
	list_for_each_entry(xdev, &backend->devices, node) {
		if (xdev->dev->dma_ops == &xdev->ops) {
			found = xdev;
			break;
		}
	}
	mutex_unlock(&backend->lock);
	return found;
}

/**
 * xen_dma_attach_exit() - detach every device, stop attaching
 *
 * Each device's driver is unbound and bound again around the detach, so no
 * device is left with xen-dma's ops after the module is gone.
 */
void xen_dma_attach_exit(void)
{
	struct xen_dma_backend *backend = xen_dma_attach_backend;
	struct xen_dma_device *xdev;

	sysfs_remove_group(xen_dma_kobj, &xen_dma_attr_group);
	kobject_put(xen_dma_kobj);
	bus_unregister_notifier(&pci_bus_type, &xen_dma_bus_nb);

	mutex_lock(&xen_dma_attach_lock);
	while ((xdev = next_with_our_ops(backend)))
		detach_device(xdev, true);
	mutex_unlock(&xen_dma_attach_lock);
}
