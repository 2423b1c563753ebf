// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma attach: which PCI devices get xen-dma's ops, and when.
 *
 * Ops must be in place before a driver maps anything, so a device with a
 * driver bound is unbound, given the ops, and bound again. A bus notifier
 * re-installs the ops at every later bind, after dma_configure() (which on
 * Arm64 installs swiotlb-xen's) and before the driver's probe, and attaches
 * devices named at load that appear only later (hot-plug, a PCI host bridge
 * that probes late).
 *
 * Users put this under the disk their dom0 runs from, so nothing here pulls
 * a driver from under its users: a device whose driver is in use (a block
 * device open or mounted, a network interface up, a device xen-pciback
 * holds for a guest) is neither attached nor detached unless the request
 * says "force", and while an attached device has a driver bound the module
 * holds a reference to itself, so that it cannot be unloaded.
 *
 * Devices are named by PCI address, DDDD:BB:DD.F or BB:DD.F, in the
 * devices= parameter (or "all") and in /sys/kernel/xen_dma/{attach,detach}.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/blkdev.h>
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <net/net_namespace.h>

#include <xen/xen-dma-attach.h>
#include <xen/xen-dma-compat.h>
#include <xen/xen-dma-debugfs.h>

/*
 * Serialises attach and detach through sysfs, at load and at unload. The
 * bus notifier never takes it (see xen_dma_bus_notify()).
 */
static DEFINE_MUTEX(xen_dma_attach_lock);
static struct xen_dma_backend *xen_dma_attach_backend;
static struct kobject *xen_dma_kobj;

/*
 * devices= named these, and they were not there at load: attached when they
 * appear. With devices=all every new device is.
 */
struct pending_device {
	struct list_head node;
	unsigned int domain, bus, devfn;
};

static DEFINE_SPINLOCK(xen_dma_pending_lock);
static LIST_HEAD(xen_dma_pending);	/* of &pending_device.node */
static bool xen_dma_attach_every_device;

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

/**
 * xen_dma_parse_request() - parse what /sys/kernel/xen_dma/attach takes
 * @text: "ADDRESS" or "ADDRESS force"; surrounding white space is ignored
 * @addr: where to store the address part, NUL-terminated
 * @size: the size of @addr
 * @force: set when the request ends with the word "force"
 *
 * Return: 0, or -EINVAL for a malformed address or another last word.
 */
int xen_dma_parse_request(const char *text, char *addr, size_t size,
			  bool *force)
{
	unsigned int domain, bus, devfn;
	const char *end, *word;
	size_t n;

	text = skip_spaces(text);
	end = text + strlen(text);
	while (end > text && isspace(end[-1]))
		end--;
	for (word = end; word > text && !isspace(word[-1]); word--)
		;
	*force = word > text && end - word == 5 && !strncmp(word, "force", 5);
	if (*force)
		for (end = word; isspace(end[-1]); end--)
			;
	n = end - text;
	if (n >= size)
		return -EINVAL;
	memcpy(addr, text, n);
	addr[n] = '\0';
	return xen_dma_parse_pci_address(addr, &domain, &bus, &devfn);
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
	if (!pdev)
		return ERR_PTR(-ENODEV);
	return pdev;
}

/* Finds an open disk below a device (NVMe: PCI device, controller, disk). */
static int find_open_disk(struct device *dev, void *data)
{
	/*
	 * block_class and disk_type are not exported; a whole disk is the
	 * block class's device of type "disk" (block/genhd.c). Opening a
	 * partition opens its disk too, so the disk's openers count every
	 * mount, holder (dm, md) and open file of the disk or its partitions.
	 */
	if (dev->class && !strcmp(dev->class->name, "block") && dev->type &&
	    !strcmp(dev->type->name, "disk") && disk_openers(dev_to_disk(dev))) {
		snprintf(data, XEN_DMA_HOLDER_LEN,
			 "block device %s is open or mounted", dev_name(dev));
		return 1;
	}
	return device_for_each_child(dev, data, find_open_disk);
}

#if IS_ENABLED(CONFIG_NET)
/* Whether @ancestor is @dev or above it. */
static bool device_below(struct device *dev, struct device *ancestor)
{
	for (; dev; dev = dev->parent)
		if (dev == ancestor)
			return true;
	return false;
}

/* Finds a network interface below @dev that is up, in any namespace. */
static bool find_up_interface(struct device *dev, char *holder)
{
	bool found = false;
	struct net_device *ndev;
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net) {
		rcu_read_lock();
		for_each_netdev_rcu(net, ndev) {
			if (netif_running(ndev) && device_below(ndev->dev.parent, dev)) {
				snprintf(holder, XEN_DMA_HOLDER_LEN,
					 "network interface %s is up", ndev->name);
				found = true;
				break;
			}
		}
		rcu_read_unlock();
		if (found)
			break;
	}
	up_read(&net_rwsem);
	return found;
}
#else
static bool find_up_interface(struct device *dev, char *holder)
{
	return false;
}
#endif

/**
 * xen_dma_device_holder() - is a device's driver in use?
 * @dev: the device
 * @holder: where to describe the user, %XEN_DMA_HOLDER_LEN bytes
 *
 * Unbinding the driver of a device in use pulls it from under its users: a
 * mounted file system loses its disk, a guest its passed-through device.
 * Looked for: an open or mounted block device below @dev, a network
 * interface below it that is up, and xen-pciback's driver ("pciback")
 * holding it for a guest.
 *
 * Context: process context; may sleep.
 * Return: true, with @holder filled in, when @dev has a driver in use.
 */
bool xen_dma_device_holder(struct device *dev, char *holder)
{
	bool bound, pciback;

	device_lock(dev);
	bound = dev->driver;
	pciback = bound && !strcmp(dev->driver->name, "pciback");
	device_unlock(dev);
	if (pciback) {
		snprintf(holder, XEN_DMA_HOLDER_LEN,
			 "xen-pciback holds it for a guest");
		return true;
	}
	/* The children walk and look-ups take their own references. */
	return bound && (device_for_each_child(dev, holder, find_open_disk) ||
			 find_up_interface(dev, holder));
}

/*
 * Unbinds @dev's driver and returns with the device lock held and no driver
 * bound, so that no probe can run while the ops change. The driver that was
 * bound is returned with a reference to its module, for rebind(); NULL when
 * none was. device_release_driver() takes the lock itself, hence the loop
 * for a driver that binds in between.
 */
static struct device_driver *unbind_and_lock(struct device *dev)
{
	struct device_driver *drv = NULL;

	for (;;) {
		device_lock(dev);
		if (!dev->driver)
			return drv;
		if (!drv) {
			drv = dev->driver;
			/* A driver being unloaded is not bound again. */
			if (!try_module_get(drv->owner))
				drv = NULL;
		}
		device_unlock(dev);
		device_release_driver(dev);
	}
}

/*
 * Binds @drv to @dev again, drops the module reference unbind_and_lock()
 * took, and returns what the driver's probe returned (0 for no @drv),
 * having logged a failure as happening on @ops.
 */
static int rebind(struct device *dev, struct device_driver *drv,
		  const char *ops)
{
	int ret;

	if (!drv)
		return 0;
	ret = device_driver_attach(drv, dev);
	if (ret)
		dev_err(dev, "xen_dma: %s failed to probe on %s (%d)\n",
			drv->name, ops, ret);
	module_put(drv->owner);
	return ret;
}

static bool refuse_in_use(struct device *dev, const char *what, bool force)
{
	char holder[XEN_DMA_HOLDER_LEN];

	if (!xen_dma_device_holder(dev, holder))
		return false;
	if (force) {
		dev_warn(dev, "xen_dma: %s with force although %s\n", what, holder);
		return false;
	}
	dev_err(dev, "xen_dma: not %s: %s (write \"%s force\" to do it anyway)\n",
		what, holder, dev_name(dev));
	return true;
}

/* Gives @xdev's device its old ops back, the driver unbound and locked. */
static void restore_ops_locked(struct xen_dma_device *xdev)
{
	xen_dma_debugfs_remove_device(xdev);
	if (xen_dma_device_detach(xdev) == -EBUSY)
		xen_dma_device_release_ops(xdev);
}

static int attach_device(struct device *dev, bool force)
{
	struct xen_dma_device *xdev;
	struct device_driver *drv;
	int ret;

	lockdep_assert_held(&xen_dma_attach_lock);
	if (xen_dma_device_find(xen_dma_attach_backend, dev)) {
		dev_err(dev, "xen_dma: already attached\n");
		return -EEXIST;
	}
	if (refuse_in_use(dev, "attached", force))
		return -EBUSY;
	drv = unbind_and_lock(dev);
	xdev = xen_dma_device_attach(xen_dma_attach_backend, dev);
	device_unlock(dev);
	if (IS_ERR(xdev)) {
		ret = PTR_ERR(xdev);
		dev_err(dev, "xen_dma: not attached: %d\n", ret);
		rebind(dev, drv, "its own DMA ops");
		return ret;
	}
	xen_dma_debugfs_add_device(xdev);
	ret = rebind(dev, drv, "xen_dma's ops");
	if (ret) {
		/*
		 * The driver does not work on our ops (its probe failed, so
		 * none is bound): the device gets its old ops back, and its
		 * driver is bound once more where it worked before.
		 */
		device_lock(dev);
		restore_ops_locked(xdev);
		device_unlock(dev);
		dev_err(dev, "xen_dma: not attached: old DMA ops restored\n");
		if (device_attach(dev) <= 0)
			dev_err(dev, "xen_dma: no driver bound again on the old ops\n");
		return ret;
	}
	return 0;
}

/*
 * Takes xen-dma off @xdev's device: unbinds the driver so that it releases
 * its mappings, restores the old ops and binds the driver again. With
 * @force, a driver in use is unbound anyway, and one that keeps mappings
 * live still loses xen-dma's ops (for unload); without, the device stays
 * attached and -EBUSY is returned.
 */
static int detach_device(struct xen_dma_device *xdev, bool force)
{
	struct device *dev = get_device(xdev->dev);
	struct device_driver *drv;
	int ret;

	lockdep_assert_held(&xen_dma_attach_lock);
	if (refuse_in_use(dev, "detached", force)) {
		put_device(dev);
		return -EBUSY;
	}
	xen_dma_debugfs_remove_device(xdev);
	drv = unbind_and_lock(dev);
	ret = xen_dma_device_detach(xdev);
	if (ret == -EBUSY && force) {
		xen_dma_device_release_ops(xdev);
		ret = 0;
	}
	device_unlock(dev);
	if (ret)
		xen_dma_debugfs_add_device(xdev);
	rebind(dev, drv, ret ? "xen_dma's ops" : "its own DMA ops");
	put_device(dev);
	return ret;
}

/*
 * The device a sysfs request names, with a reference, and whether it says
 * "force"; an ERR_PTR(), said in the log for @what, for a malformed request
 * or no such device.
 */
static struct pci_dev *request_device(const char *what, const char *text,
				      bool *force)
{
	struct pci_dev *pdev;
	char addr[24];

	if (xen_dma_parse_request(text, addr, sizeof(addr), force)) {
		pr_err("%s '%.*s': not a PCI address (DDDD:BB:DD.F), optionally followed by \"force\"\n",
		       what, (int)strcspn(text, "\n"), text);
		return ERR_PTR(-EINVAL);
	}
	pdev = find_pci_device(addr);
	if (IS_ERR(pdev))
		pr_err("%s %s: no such PCI device\n", what, addr);
	return pdev;
}

/**
 * xen_dma_attach_pci() - attach the PCI device at an address
 * @text: its address, as xen_dma_parse_request() takes it
 *
 * A driver bound to the device is unbound and bound again around the
 * change of ops, unless it is in use (xen_dma_device_holder()) and @text
 * does not end with "force".
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for a malformed request, -ENODEV for no such device,
 * -EEXIST when already attached, -EBUSY when its driver is in use, the
 * driver's probe error when it fails on xen-dma's ops (the device is given
 * its old ops back then), or an error of xen_dma_device_attach().
 */
int xen_dma_attach_pci(const char *text)
{
	struct pci_dev *pdev;
	bool force;
	int ret;

	pdev = request_device("attach", text, &force);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	mutex_lock(&xen_dma_attach_lock);
	ret = attach_device(&pdev->dev, force);
	mutex_unlock(&xen_dma_attach_lock);
	pci_dev_put(pdev);
	return ret;
}

/**
 * xen_dma_detach_pci() - detach the PCI device at an address
 * @text: its address, as xen_dma_parse_request() takes it
 *
 * Checks whether the driver is in use before it unbinds anything.
 *
 * Context: process context; may sleep, unbinds and rebinds the driver.
 * Return: 0, -EINVAL for a malformed request, -ENODEV for no such device,
 * -ENOENT for one not attached, -EBUSY when its driver is in use or keeps
 * mappings live once unbound.
 */
int xen_dma_detach_pci(const char *text)
{
	struct xen_dma_device *xdev;
	struct pci_dev *pdev;
	bool force;
	int ret = -ENOENT;

	pdev = request_device("detach", text, &force);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	mutex_lock(&xen_dma_attach_lock);
	xdev = xen_dma_attach_backend ?
		xen_dma_device_find(xen_dma_attach_backend, &pdev->dev) : NULL;
	if (xdev)
		ret = detach_device(xdev, force);
	else
		pci_err(pdev, "xen_dma: not detached: not attached\n");
	mutex_unlock(&xen_dma_attach_lock);
	pci_dev_put(pdev);
	return ret;
}

/*
 * Devices devices=all takes: every PCI function that can DMA, but bridges
 * of any kind (host, ISA, PCI): unbinding pcieport or an LPC driver takes
 * down more than one device, and they do no DMA of their own worth taking.
 */
static bool attach_candidate(struct pci_dev *pdev)
{
	return pdev->dev.dma_mask && pdev->class >> 16 != PCI_BASE_CLASS_BRIDGE;
}

/* devices=all at load: every candidate not in use; those in use are left. */
static void attach_every_device(void)
{
	struct pci_dev *pdev = NULL;
	int n = 0;

	mutex_lock(&xen_dma_attach_lock);
	for_each_pci_dev(pdev)
		if (attach_candidate(pdev) && !attach_device(&pdev->dev, false))
			n++;
	mutex_unlock(&xen_dma_attach_lock);
	pr_info("devices=all: %d devices attached, and every device that appears from now on\n",
		n);
}

static int add_pending(unsigned int domain, unsigned int bus,
		       unsigned int devfn)
{
	struct pending_device *p = kzalloc_obj(*p, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	p->domain = domain;
	p->bus = bus;
	p->devfn = devfn;
	spin_lock(&xen_dma_pending_lock);
	list_add_tail(&p->node, &xen_dma_pending);
	spin_unlock(&xen_dma_pending_lock);
	pr_info("%04x:%02x:%02x.%x is not there yet: attached when it appears\n",
		domain, bus, PCI_SLOT(devfn), PCI_FUNC(devfn));
	return 0;
}

/* Whether devices= waits for @pdev; if so, it is no longer waited for. */
static bool take_pending(struct pci_dev *pdev)
{
	struct pending_device *p, *found = NULL;

	spin_lock(&xen_dma_pending_lock);
	list_for_each_entry(p, &xen_dma_pending, node) {
		if (p->domain == pci_domain_nr(pdev->bus) &&
		    p->bus == pdev->bus->number && p->devfn == pdev->devfn) {
			list_del(&p->node);
			found = p;
			break;
		}
	}
	spin_unlock(&xen_dma_pending_lock);
	kfree(found);
	return found;
}

/**
 * xen_dma_attach_forget_pending() - stop waiting for devices named at load
 */
void xen_dma_attach_forget_pending(void)
{
	struct pending_device *p, *next;
	LIST_HEAD(list);

	spin_lock(&xen_dma_pending_lock);
	list_splice_init(&xen_dma_pending, &list);
	xen_dma_attach_every_device = false;
	spin_unlock(&xen_dma_pending_lock);
	list_for_each_entry_safe(p, next, &list, node) {
		pr_info("%04x:%02x:%02x.%x never appeared\n", p->domain, p->bus,
			PCI_SLOT(p->devfn), PCI_FUNC(p->devfn));
		kfree(p);
	}
}

/* Whether every word of devices= is a PCI address; says which is not. */
static bool list_valid(const char *list)
{
	unsigned int domain, bus, devfn;
	char *copy, *cursor, *addr;
	bool valid = true;

	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return false;
	cursor = copy;
	while (valid && (addr = strsep(&cursor, ","))) {
		addr = strim(addr);
		if (*addr && xen_dma_parse_pci_address(addr, &domain, &bus, &devfn)) {
			pr_err("devices=%s: '%s' is not a PCI address (DDDD:BB:DD.F), nor is the list \"all\": nothing attached\n",
			       list, addr);
			valid = false;
		}
	}
	kfree(copy);
	return valid;
}

/**
 * xen_dma_attach_list() - attach the devices devices= names
 * @list: comma-separated PCI addresses, or "all"
 *
 * Nothing is attached unless every address is well-formed. A device that
 * is not there yet is attached when it appears; with "all", every PCI
 * device that can DMA (bridges apart) whose driver is not in use, now and
 * as they appear. Every device is tried even when an earlier one failed.
 *
 * Context: process context, at load; may sleep.
 * Return: 0, or the first error: -EINVAL for a malformed address, -EBUSY
 * for a named device whose driver is in use, or as xen_dma_attach_pci().
 */
int xen_dma_attach_list(const char *list)
{
	char *copy, *cursor, *addr;
	int ret = 0;

	if (sysfs_streq(list, "all")) {
		spin_lock(&xen_dma_pending_lock);
		xen_dma_attach_every_device = true;
		spin_unlock(&xen_dma_pending_lock);
		attach_every_device();
		return 0;
	}
	if (!list_valid(list))
		return -EINVAL;
	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cursor = copy;
	while ((addr = strsep(&cursor, ","))) {
		unsigned int domain, bus, devfn;
		struct pci_dev *pdev;
		int err;

		addr = strim(addr);
		if (!*addr || xen_dma_parse_pci_address(addr, &domain, &bus, &devfn))
			continue;
		pdev = pci_get_domain_bus_and_slot(domain, bus, devfn);
		if (pdev) {
			mutex_lock(&xen_dma_attach_lock);
			err = attach_device(&pdev->dev, false);
			mutex_unlock(&xen_dma_attach_lock);
			pci_dev_put(pdev);
		} else {
			err = add_pending(domain, bus, devfn);
		}
		if (!ret)
			ret = err;
	}
	kfree(copy);
	return ret;
}

/* A device that just appeared, named at load or taken by devices=all. */
static void attach_new_device(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	struct xen_dma_device *xdev;
	bool every;

	spin_lock(&xen_dma_pending_lock);
	every = xen_dma_attach_every_device;
	spin_unlock(&xen_dma_pending_lock);
	if (!take_pending(pdev) && !(every && attach_candidate(pdev)))
		return;
	/* Just added: no driver is bound, none can probe before we return. */
	xdev = xen_dma_device_attach(xen_dma_attach_backend, dev);
	if (IS_ERR(xdev)) {
		dev_err(dev, "xen_dma: appeared, not attached: %ld\n", PTR_ERR(xdev));
		return;
	}
	xen_dma_debugfs_add_device(xdev);
	dev_info(dev, "xen_dma: attached as it appeared (devices=%s)\n",
		 every ? "all" : "named it");
}

/*
 * Runs inside the driver core: device_add() (ADD_DEVICE), really_probe()
 * with the device lock held (BIND_DRIVER, BOUND_DRIVER), or a driver's
 * release (UNBOUND_DRIVER), possibly under attach_device() or
 * detach_device(): it takes only the backend's lock, never
 * xen_dma_attach_lock, which attach and detach hold while the driver core
 * runs this chain.
 *
 * A removed device is not detached here; its context holds a reference to
 * the device and is freed at detach through sysfs or at unload.
 */
static int xen_dma_bus_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct xen_dma_backend *backend = xen_dma_attach_backend;
	struct device *dev = data;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		attach_new_device(dev);
		return NOTIFY_OK;
	case BUS_NOTIFY_BIND_DRIVER:
		if (xen_dma_device_claim_ops(backend, dev))
			dev_dbg(dev, "xen_dma: ops installed again after dma_configure\n");
		return NOTIFY_OK;
	case BUS_NOTIFY_BOUND_DRIVER:
		/* A driver works through our ops: the module must stay. */
		if (xen_dma_device_mark_bound(backend, dev, true))
			__module_get(THIS_MODULE);
		return NOTIFY_OK;
	case BUS_NOTIFY_UNBOUND_DRIVER:
		if (xen_dma_device_mark_bound(backend, dev, false))
			module_put(THIS_MODULE);
		return NOTIFY_OK;
	default:
		return NOTIFY_DONE;
	}
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
 * At unload no attached device has a driver bound (the module holds a
 * reference to itself while one has), so nothing is unbound here; on a
 * failed load the devices just attached are detached as sysfs would, their
 * drivers unbound and bound again.
 */
void xen_dma_attach_exit(void)
{
	struct xen_dma_backend *backend = xen_dma_attach_backend;
	struct xen_dma_device *xdev;

	sysfs_remove_group(xen_dma_kobj, &xen_dma_attr_group);
	kobject_put(xen_dma_kobj);
	bus_unregister_notifier(&pci_bus_type, &xen_dma_bus_nb);
	xen_dma_attach_forget_pending();

	mutex_lock(&xen_dma_attach_lock);
	while ((xdev = next_with_our_ops(backend)))
		detach_device(xdev, true);
	mutex_unlock(&xen_dma_attach_lock);
}
