// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma-fragment: streaming DMA on fragmented memory in an x86 PV dom0,
 * checked from the device's side.
 *
 * Xen hands a PV dom0 its memory as long machine-contiguous runs, so on a
 * fresh boot almost nothing needs to bounce in translate mode. A host that
 * has ballooned for a while has pseudo-physical pages scattered over machine
 * memory instead. On load this module makes that state: it takes @mb MiB
 * in 2 MiB blocks and trades every odd page of each block for another
 * machine frame (XENMEM_exchange), so no two neighbouring pages of a block
 * are machine-contiguous any more.
 *
 * It then maps buffers in those blocks through the public DMA API on one
 * PCI device, whatever its ops (swiotlb-xen or xen-dma), and reads the
 * machine frames the device was given, found back through Xen's m2p table:
 * for DMA_TO_DEVICE they must hold the buffer's bytes; for DMA_FROM_DEVICE
 * it writes there as the device would and the buffer must hold those bytes
 * after the unmap. One line per check:
 *
 *   XEN_DMA_FRAGMENT <label> map|sg <size> <offset> <dir> <result> <detail>
 *
 * result is "ok", "refused" (the ops would not map it, allowed only where
 * the size cannot fit, see must_map()) or "bad"; then
 * "XEN_DMA_FRAGMENT-END <label> checks=N bad=N refused=N". The device is
 * never told about the mappings. The blocks go back to the page allocator,
 * still scrambled; the module stays loaded, holding nothing, until it is
 * removed (as xen_dma_bench does, for the same reason).
 *
 * A test tool: it talks to Xen itself, and only in x86 PV dom0s.
 */

#define pr_fmt(fmt) "xen_dma_fragment: " fmt

#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <xen/interface/xen.h>
#include <xen/interface/memory.h>
#include <xen/mem-reservation.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>

#include "../include/xen-dma-test-pci.h"

static char *device;
module_param(device, charp, 0444);
MODULE_PARM_DESC(device, "PCI address (DDDD:BB:DD.F) of the device whose DMA ops are checked");

static char *label = "ops";
module_param(label, charp, 0444);
MODULE_PARM_DESC(label, "name of the ops under test, printed on every line");

static unsigned int mb = 128;
module_param(mb, uint, 0444);
MODULE_PARM_DESC(mb, "MiB of dom0's memory to scramble, in 2 MiB blocks (default 128)");

#define FRAG_BLOCK_ORDER	(21 - PAGE_SHIFT)
#define FRAG_BLOCK_PAGES	BIT(FRAG_BLOCK_ORDER)
#define FRAG_SG_NENTS		8

/*
 * One check: @size bytes from @offset into the first blocks (which are
 * pfn-contiguous: allocated as one order-10 run, see frag_alloc()).
 */
struct frag_check {
	size_t size;
	size_t offset;
};

static const struct frag_check frag_checks[] = {
	{ 64, 0xff0 },			/* two pages for 64 bytes */
	{ SZ_4K, 0x800 },
	{ SZ_8K, 0 },
	{ SZ_64K, 0x200 },
	{ SZ_256K - SZ_4K, 0 },		/* max_mapping_size with NVMe's mask */
	{ SZ_256K, 0 },			/* a whole segment, page-aligned */
	{ SZ_256K, 0x200 },		/* cannot fit once its offset is kept */
	{ SZ_1M, 0 },
	{ SZ_2M, 0 },
};

static const enum dma_data_direction frag_dirs[] = {
	DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL,
};

static const char *const frag_dir_names[] = {
	[DMA_BIDIRECTIONAL] = "bidi", [DMA_TO_DEVICE] = "to",
	[DMA_FROM_DEVICE] = "from",
};

struct frag_state {
	struct device *dev;
	struct page **blocks;
	unsigned int nr_blocks;
	struct page *run;	/* 4 MiB, pfn-contiguous: the checks' buffers */
	unsigned int checks, bad, refused;
};

static u8 frag_byte(unsigned int seed, size_t i)
{
	return (u8)(seed * 131 + i * 7 + (i >> 9));
}

/*
 * Trades the odd pages of @nr pages from @first for other machine frames.
 * Returns how many pages moved. The m2p of each new frame names its page:
 * Xen writes it from the out list, which holds our pfns on the way in.
 */
static unsigned long frag_scramble(struct page *first, unsigned long nr)
{
	unsigned long half = nr / 2, i, moved;
	struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_ALL };
	struct xen_memory_exchange exchange = {
		.in = { .nr_extents = half, .domid = DOMID_SELF },
		.out = { .nr_extents = half, .domid = DOMID_SELF },
	};
	struct page **pages;
	xen_pfn_t *in, *out;
	long rc;

	pages = kcalloc(half, sizeof(*pages), GFP_KERNEL);
	in = kcalloc(half, sizeof(*in), GFP_KERNEL);
	out = kcalloc(half, sizeof(*out), GFP_KERNEL);
	if (!pages || !in || !out) {
		moved = 0;
		goto free;
	}
	/* The old frames go back to Xen: leave nothing of ours in them. */
	memset(page_address(first), 0, nr * PAGE_SIZE);
	for (i = 0; i < half; i++) {
		pages[i] = first + 2 * i + 1;
		in[i] = pfn_to_mfn(page_to_pfn(pages[i]));
		out[i] = page_to_pfn(pages[i]);
	}
	xenmem_reservation_va_mapping_reset(half, pages);
	set_xen_guest_handle(exchange.in.extent_start, in);
	set_xen_guest_handle(exchange.out.extent_start, out);
	rc = HYPERVISOR_memory_op(XENMEM_exchange, &exchange);
	moved = rc ? 0 : exchange.nr_exchanged;
	/* Pages Xen did not exchange keep their old frames. */
	for (i = moved; i < half; i++)
		out[i] = in[i];
	xenmem_reservation_va_mapping_update(half, pages, out);
	WARN_ON(HYPERVISOR_mmuext_op(&flush, 1, NULL, DOMID_SELF));
free:
	kfree(out);
	kfree(in);
	kfree(pages);
	return moved;
}

/* Neighbouring pages of @first..+@nr that are machine-contiguous. */
static unsigned long frag_adjacent(struct page *first, unsigned long nr)
{
	unsigned long i, n = 0, pfn = page_to_pfn(first);

	for (i = 0; i + 1 < nr; i++)
		n += pfn_to_mfn(pfn + i) + 1 == pfn_to_mfn(pfn + i + 1);
	return n;
}

static int frag_alloc(struct frag_state *st)
{
	unsigned int i, want = max(mb / 2, 2U);
	unsigned long moved = 0, adjacent = 0;

	st->blocks = kcalloc(want, sizeof(*st->blocks), GFP_KERNEL);
	/* Two blocks as one pfn-contiguous run: a 2 MiB check at an offset. */
	st->run = alloc_pages(GFP_KERNEL | __GFP_NOWARN, FRAG_BLOCK_ORDER + 1);
	if (!st->blocks || !st->run)
		return -ENOMEM;
	st->blocks[0] = st->run;
	st->blocks[1] = st->run + FRAG_BLOCK_PAGES;
	for (st->nr_blocks = 2; st->nr_blocks < want; st->nr_blocks++) {
		st->blocks[st->nr_blocks] =
			alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY,
				    FRAG_BLOCK_ORDER);
		if (!st->blocks[st->nr_blocks])
			break;
	}
	for (i = 0; i < st->nr_blocks; i++) {
		moved += frag_scramble(st->blocks[i], FRAG_BLOCK_PAGES);
		adjacent += frag_adjacent(st->blocks[i], FRAG_BLOCK_PAGES);
		cond_resched();
	}
	pr_info("XEN_DMA_FRAGMENT %s scramble blocks=%u pages=%lu moved=%lu adjacent=%lu\n",
		label, st->nr_blocks, st->nr_blocks * FRAG_BLOCK_PAGES, moved,
		adjacent);
	/* Nothing scrambled would make every later check meaningless. */
	return moved ? 0 : -EIO;
}

static void frag_free(struct frag_state *st)
{
	unsigned int i;

	if (st->run)
		__free_pages(st->run, FRAG_BLOCK_ORDER + 1);
	for (i = 2; st->blocks && i < st->nr_blocks; i++)
		__free_pages(st->blocks[i], FRAG_BLOCK_ORDER);
	kfree(st->blocks);
}

/*
 * The device's view of @len bytes at bus address @bus: @buf is compared
 * with them (@write false) or written into them (@write true). Returns 0,
 * -ENXIO for a machine frame that is not one of this domain's pages, or
 * -EBADMSG for bytes that differ.
 */
static int frag_device_io(dma_addr_t bus, u8 *buf, size_t len, bool write)
{
	while (len) {
		unsigned long pfn = mfn_to_pfn(PHYS_PFN(bus));
		size_t chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(bus));
		bool same = true;
		u8 *vaddr;

		if (pfn == ~0UL || !pfn_valid(pfn))
			return -ENXIO;
		vaddr = kmap_local_page(pfn_to_page(pfn));
		if (write)
			memcpy(vaddr + offset_in_page(bus), buf, chunk);
		else
			same = !memcmp(vaddr + offset_in_page(bus), buf, chunk);
		kunmap_local(vaddr);
		if (!same)
			return -EBADMSG;
		bus += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * A mapping the ops must accept: one the device's limit allows, or a
 * page-aligned one of a bounce segment or less, which swiotlb always maps
 * and drivers that never read dma_max_mapping_size() rely on.
 */
static bool must_map(struct device *dev, size_t size, size_t offset)
{
	return size <= dma_max_mapping_size(dev) ||
	       (size <= SZ_256K && !offset_in_page(offset));
}

static void frag_report(struct frag_state *st, const char *op, size_t size,
			size_t offset, enum dma_data_direction dir,
			const char *result, const char *detail)
{
	st->checks++;
	if (!strcmp(result, "bad"))
		st->bad++;
	else if (!strcmp(result, "refused"))
		st->refused++;
	pr_info("XEN_DMA_FRAGMENT %s %s %zu %#zx %s %s %s\n", label, op, size,
		offset, frag_dir_names[dir], result, detail);
}

/*
 * Device side of one mapping in @n pieces: @bus[i], @len[i] hold what the
 * ops returned; @want is what the device must read (to/bidi). Fills @dev_data
 * with what the device writes (from/bidi). Returns a failure text or NULL.
 */
static const char *frag_device_side(enum dma_data_direction dir,
				    const dma_addr_t *bus, const size_t *len,
				    unsigned int n, u8 *want, u8 *dev_data)
{
	size_t done = 0;
	unsigned int i;

	int ret = 0;

	for (i = 0; i < n && !ret; i++) {
		if (dir != DMA_FROM_DEVICE)
			ret = frag_device_io(bus[i], want + done, len[i], false);
		if (dir != DMA_TO_DEVICE && !ret)
			ret = frag_device_io(bus[i], dev_data + done, len[i], true);
		done += len[i];
	}
	if (ret == -ENXIO)
		return "the device was given a machine frame that is not this domain's";
	if (ret)
		return "the device would read other bytes than the buffer's";
	return NULL;
}

static void frag_check_single(struct frag_state *st,
			      const struct frag_check *c,
			      enum dma_data_direction dir, unsigned int seed,
			      u8 *want, u8 *dev_data)
{
	u8 *buf = page_address(st->run) + c->offset;
	const char *why;
	dma_addr_t bus;
	bool in_place;
	size_t i;

	for (i = 0; i < c->size; i++) {
		buf[i] = frag_byte(seed, i);
		dev_data[i] = frag_byte(seed + 1, i);
	}
	memcpy(want, buf, c->size);
	bus = dma_map_single(st->dev, buf, c->size, dir);
	if (dma_mapping_error(st->dev, bus)) {
		frag_report(st, "map", c->size, c->offset, dir,
			    must_map(st->dev, c->size, c->offset) ? "bad" : "refused",
			    "dma_map_single() said no");
		return;
	}
	why = frag_device_side(dir, &bus, &c->size, 1, want, dev_data);
	dma_unmap_single(st->dev, bus, c->size, dir);
	if (!why && memcmp(buf, dir == DMA_TO_DEVICE ? want : dev_data, c->size))
		why = dir == DMA_TO_DEVICE ? "the buffer changed under DMA_TO_DEVICE" :
		      "the buffer does not hold what the device wrote";
	in_place = bus == PFN_PHYS(pfn_to_mfn(PHYS_PFN(virt_to_phys(buf)))) +
			   offset_in_page(buf);
	frag_report(st, "map", c->size, c->offset, dir, why ? "bad" : "ok",
		    why ?: in_place ? "in place" : "bounced");
}

/*
 * FRAG_SG_NENTS entries of 12 KiB - 512 bytes each, at 256 bytes into every
 * fourth page: each spans three pages that are not machine-contiguous.
 */
static void frag_check_sg(struct frag_state *st, enum dma_data_direction dir,
			  unsigned int seed, u8 *want, u8 *dev_data)
{
	const size_t ent = 3 * PAGE_SIZE - 512, total = FRAG_SG_NENTS * ent;
	dma_addr_t bus[FRAG_SG_NENTS];
	size_t len[FRAG_SG_NENTS], i, done = 0;
	struct scatterlist sgl[FRAG_SG_NENTS], *sg;
	const char *why = NULL;
	int n, j;

	sg_init_table(sgl, FRAG_SG_NENTS);
	for_each_sg(sgl, sg, FRAG_SG_NENTS, j) {
		u8 *p = page_address(st->run + 4 * j) + 256;

		for (i = 0; i < ent; i++) {
			p[i] = frag_byte(seed, done + i);
			want[done + i] = p[i];
			dev_data[done + i] = frag_byte(seed + 1, done + i);
		}
		sg_set_buf(sg, p, ent);
		done += ent;
	}
	n = dma_map_sg(st->dev, sgl, FRAG_SG_NENTS, dir);
	if (n <= 0) {
		frag_report(st, "sg", total, 256, dir, "bad", "dma_map_sg() said no");
		return;
	}
	for_each_sg(sgl, sg, n, j) {
		bus[j] = sg_dma_address(sg);
		len[j] = sg_dma_len(sg);
	}
	why = frag_device_side(dir, bus, len, n, want, dev_data);
	dma_unmap_sg(st->dev, sgl, FRAG_SG_NENTS, dir);
	done = 0;
	for_each_sg(sgl, sg, FRAG_SG_NENTS, j) {
		const u8 *expect = dir == DMA_TO_DEVICE ? want : dev_data;

		if (!why && memcmp(sg_virt(sg), expect + done, ent))
			why = "an entry does not hold what it should after the unmap";
		done += ent;
	}
	frag_report(st, "sg", total, 256, dir, why ? "bad" : "ok",
		    why ?: "every entry checked");
}

static int frag_device(struct device *dev)
{
	struct frag_state st = { .dev = dev };
	unsigned int c, d, seed = 1;
	u8 *want, *dev_data;
	int ret;

	want = kvmalloc(SZ_2M, GFP_KERNEL);
	dev_data = kvmalloc(SZ_2M, GFP_KERNEL);
	ret = want && dev_data ? frag_alloc(&st) : -ENOMEM;
	if (ret)
		goto free;
	pr_info("XEN_DMA_FRAGMENT %s device %s dma_ops=%ps max_mapping_size=%zu min_align_mask=%#x\n",
		label, dev_name(dev), get_dma_ops(dev), dma_max_mapping_size(dev),
		dma_get_min_align_mask(dev));
	for (c = 0; c < ARRAY_SIZE(frag_checks); c++)
		for (d = 0; d < ARRAY_SIZE(frag_dirs); d++)
			frag_check_single(&st, &frag_checks[c], frag_dirs[d],
					  seed++, want, dev_data);
	for (d = 0; d < ARRAY_SIZE(frag_dirs); d++)
		frag_check_sg(&st, frag_dirs[d], seed++, want, dev_data);
	pr_info("XEN_DMA_FRAGMENT-END %s checks=%u bad=%u refused=%u\n", label,
		st.checks, st.bad, st.refused);
free:
	frag_free(&st);
	kvfree(dev_data);
	kvfree(want);
	return ret;
}

static int __init xen_dma_fragment_init(void)
{
	struct pci_dev *pdev;
	int ret;

	if (!xen_pv_domain()) {
		pr_err("only an x86 PV domain's memory can be scrambled from inside\n");
		return -EOPNOTSUPP;
	}
	pdev = xen_dma_test_pci_get(device);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	ret = frag_device(&pdev->dev);
	pci_dev_put(pdev);
	if (ret) {
		pr_err("%s: %pe\n", device, ERR_PTR(ret));
		return ret;
	}
	return 0;
}

static void __exit xen_dma_fragment_exit(void)
{
}

module_init(xen_dma_fragment_init);
module_exit(xen_dma_fragment_exit);

MODULE_DESCRIPTION("Scrambles a PV dom0's memory and checks DMA mappings on it from the device's side");
MODULE_LICENSE("GPL");
