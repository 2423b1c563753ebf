// SPDX-License-Identifier: GPL-2.0
/*
 * xen-dma hooks for the real hypervisor: the only file that talks to Xen.
 *
 * "Map addresses" reads the p2m (x86 PV), or Linux's record of foreign
 * mappings (Arm); "ready buffers for DMA" exchanges frames for a contiguous
 * extent with XENMEM_exchange (x86 PV) unless the memory already is one,
 * or, in a dom0 that is not 1:1 and has no IOMMU, learns through grants of
 * its own pages whether they are.
 * xen_create_contiguous_region() is not exported to modules, so the
 * exchange is done here with the exported reservation helpers and the
 * hypercall interface. The features include what XEN_SYSCTL_physinfo says
 * of Xen's IOMMU, asked here with privcmd_call(), which both arches have.
 */

#define pr_fmt(fmt) "xen_dma: " fmt

#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>
#include <xen/mem-reservation.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <asm/xen/hypercall.h>

#include <xen/xen-dma-compat.h>
#include <xen/xen-dma-policy.h>
#include <xen/xen-dma-xen.h>

/*
 * XEN_SYSCTL_physinfo, as xen/include/public/sysctl.h lays it out (the same
 * in Xen 4.17 to 4.21, on x86 and Arm). Linux carries no sysctl.h: only the
 * part read here is spelt out; Xen copies the whole 136 bytes in and out.
 */
#define XEN_DMA_SYSCTL_physinfo			3
#define XEN_DMA_SYSCTL_PHYSCAP_directio		BIT(2)

struct xen_dma_sysctl {
	u32 cmd;
	u32 interface_version;
	union {
		struct {
			u32 threads_per_core;
			u32 cores_per_socket;
			u32 nr_cpus;
			u32 max_cpu_id;
			u32 nr_nodes;
			u32 max_node_id;
			u32 cpu_khz;
			u32 capabilities;
		} physinfo;
		u64 align;
		u8 pad[128];
	} u;
};

/*
 * Xen refuses a sysctl of another interface version with -EACCES, before
 * any permission check: 0x16 is Xen 4.21's, 0x15 that of 4.17 to 4.20.
 */
static const u32 xen_sysctl_versions[] = { 0x16, 0x15 };

/* What Xen says of its IOMMU: XEN_SYSCTL_PHYSCAP_directio is iommu_enabled. */
static void xen_read_iommu(struct xen_dma_features *f)
{
	struct xen_dma_sysctl *op;
	unsigned int i;
	long rc = -EACCES;

	BUILD_BUG_ON(sizeof(*op) != 136);
	BUILD_BUG_ON(offsetof(struct xen_dma_sysctl, u.physinfo.capabilities) != 36);
	f->iommu_report = XEN_DMA_IOMMU_UNKNOWN;
	op = kzalloc_obj(*op, GFP_KERNEL);
	if (!op) {
		f->iommu_how = "XEN_SYSCTL_physinfo not asked: out of memory";
		return;
	}
	for (i = 0; i < ARRAY_SIZE(xen_sysctl_versions) && rc == -EACCES; i++) {
		memset(op, 0, sizeof(*op));
		op->cmd = XEN_DMA_SYSCTL_physinfo;
		op->interface_version = xen_sysctl_versions[i];
		rc = privcmd_call(__HYPERVISOR_sysctl, (unsigned long)op, 0, 0, 0, 0);
	}
	if (!rc) {
		f->iommu_report = op->u.physinfo.capabilities &
				  XEN_DMA_SYSCTL_PHYSCAP_directio ?
				  XEN_DMA_IOMMU_PRESENT : XEN_DMA_IOMMU_ABSENT;
		f->iommu_how = f->iommu_report == XEN_DMA_IOMMU_PRESENT ?
			"XEN_SYSCTL_physinfo: directio (IOMMU enabled)" :
			"XEN_SYSCTL_physinfo: no directio (IOMMU off)";
	} else if (rc == -EPERM) {
		f->iommu_how = "XEN_SYSCTL_physinfo refused (-EPERM): not the control domain";
	} else if (rc == -EACCES) {
		f->iommu_how = "XEN_SYSCTL_physinfo: no known interface version (-EACCES)";
	} else {
		f->iommu_how = "XEN_SYSCTL_physinfo failed";
		pr_info("XEN_SYSCTL_physinfo: %ld\n", rc);
	}
	kfree(op);
}

/* XENMEM_maximum_gpfn: not in every kernel's interface/memory.h. */
#define XEN_DMA_XENMEM_maximum_gpfn	14

/* The top of the guest's frames, grant mappings included; 0 if unknown. */
static u64 xen_max_gfn_address(void)
{
	domid_t self = DOMID_SELF;
	long max_gfn = HYPERVISOR_memory_op(XEN_DMA_XENMEM_maximum_gpfn, &self);

	return max_gfn > 0 ? (((u64)max_gfn + 1) << XEN_PAGE_SHIFT) - 1 : 0;
}

/* The end of the host's RAM; a device that reaches it needs no bounce. */
static u64 xen_max_machine_address(void)
{
	long max_frame = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);

	/* Xen's max_page: one past the last frame. */
	return max_frame > 0 ? ((u64)max_frame << XEN_PAGE_SHIFT) - 1 : 0;
}

static void xen_read_features(struct xen_dma_features *f)
{
	f->auto_translated = xen_feature(XENFEAT_auto_translated_physmap);
	f->direct_mapped = xen_feature(XENFEAT_direct_mapped);
	f->not_direct_mapped = xen_feature(XENFEAT_not_direct_mapped);
	f->initial_domain = xen_initial_domain();
	f->x86 = IS_ENABLED(CONFIG_X86);
	f->max_bus_address = xen_max_machine_address();
	f->max_gfn_address = xen_max_gfn_address();
	if (f->auto_translated)
		xen_read_iommu(f);
	else
		f->iommu_how = "not asked: a PV domain's devices take machine addresses";
}

#ifdef CONFIG_XEN_PV
static __always_inline unsigned long xen_pv_pfn_to_bfn(unsigned long pfn)
{
	unsigned long mfn = __pfn_to_mfn(pfn);

	if (mfn == INVALID_P2M_ENTRY)
		return XEN_DMA_BFN_INVALID;
	if (mfn & FOREIGN_FRAME_BIT)
		return (mfn & ~FOREIGN_FRAME_BIT) | XEN_DMA_BFN_FOREIGN;
	return mfn & ~IDENTITY_FRAME_BIT;
}

/**
 * xen_dma_xen_pv_map_range() - "map addresses" in an x86 PV domain
 * @phys: the buffer
 * @size: its length, at least 1
 * @range: the answer: machine addresses from the p2m
 *
 * Not static only so that xen_dma_map_range() can call it directly.
 */
void xen_dma_xen_pv_map_range(phys_addr_t phys, size_t size,
			      struct xen_dma_bus_range *range)
{
	xen_dma_walk_frames(phys, size, xen_pv_pfn_to_bfn, range);
}

/*
 * One exchange at a time: the frame list is as large as the largest extent
 * (4 MiB), too large for the stack, and the exchange must not sleep.
 */
static DEFINE_SPINLOCK(xen_exchange_lock);
static xen_pfn_t xen_exchange_frames[1UL << XEN_DMA_MAX_PAGE_ORDER];
static struct page *xen_exchange_pages[1UL << XEN_DMA_MAX_PAGE_ORDER];

/*
 * Unmaps @nr pages from @first (and forgets their frames in the p2m), so
 * that Xen may take their frames. Caller holds xen_exchange_lock.
 */
static void xen_unmap_frames(struct page *first, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		xen_exchange_pages[i] = first + i;
	xenmem_reservation_va_mapping_reset(nr, xen_exchange_pages);
}

/* Maps @nr pages from @first to @frames and flushes stale translations. */
static void xen_map_frames(unsigned long nr, xen_pfn_t *frames)
{
	struct mmuext_op flush = { .cmd = MMUEXT_TLB_FLUSH_ALL };

	xenmem_reservation_va_mapping_update(nr, xen_exchange_pages, frames);
	WARN_ON(HYPERVISOR_mmuext_op(&flush, 1, NULL, DOMID_SELF));
}

/* XENMEM_exchange: all or nothing, since one side is a single extent. */
static bool xen_exchange(unsigned long in_nr, unsigned int in_order,
			 xen_pfn_t *in, unsigned long out_nr,
			 unsigned int out_order, xen_pfn_t *out,
			 unsigned int address_bits)
{
	struct xen_memory_exchange exchange = {
		.in = {
			.nr_extents = in_nr,
			.extent_order = in_order,
			.domid = DOMID_SELF,
		},
		.out = {
			.nr_extents = out_nr,
			.extent_order = out_order,
			.address_bits = address_bits,
			.domid = DOMID_SELF,
		},
	};
	long rc;

	set_xen_guest_handle(exchange.in.extent_start, in);
	set_xen_guest_handle(exchange.out.extent_start, out);
	rc = HYPERVISOR_memory_op(XENMEM_exchange, &exchange);
	return !rc && exchange.nr_exchanged == in_nr;
}

static int xen_pv_make_contiguous(phys_addr_t phys, unsigned int order,
				  unsigned int address_bits, bool aligned,
				  dma_addr_t *bus)
{
	struct page *first = pfn_to_page(PHYS_PFN(phys));
	unsigned long nr = 1UL << order, i, flags;
	xen_pfn_t extent;
	bool done;

	struct xen_dma_bus_range range;

	if (order > XEN_DMA_MAX_PAGE_ORDER)
		return -E2BIG;
	/*
	 * Already machine-contiguous, aligned to its size as an exchanged
	 * extent would be (dma_alloc_coherent() promises that alignment; see
	 * range_requires_alignment() in drivers/xen/swiotlb-xen.c), and low
	 * enough: nothing to exchange.
	 */
	xen_dma_xen_pv_map_range(phys, PAGE_SIZE << order, &range);
	if (range.contiguous && !range.foreign &&
	    (!aligned || IS_ALIGNED(range.bus, PAGE_SIZE << order)) &&
	    (address_bits >= 64 ||
	     range.bus + (PAGE_SIZE << order) - 1 <= DMA_BIT_MASK(address_bits))) {
		*bus = range.bus;
		return 0;
	}
	/* The old frames go back to Xen: leave nothing of ours in them. */
	memset(phys_to_virt(phys), 0, PAGE_SIZE << order);
	spin_lock_irqsave(&xen_exchange_lock, flags);
	for (i = 0; i < nr; i++)
		xen_exchange_frames[i] = pfn_to_mfn(PHYS_PFN(phys) + i);
	xen_unmap_frames(first, nr);
	extent = PHYS_PFN(phys);
	done = xen_exchange(nr, 0, xen_exchange_frames, 1, order, &extent,
			    address_bits);
	/* On failure Xen kept our frames: map them back as they were. */
	for (i = 0; done && i < nr; i++)
		xen_exchange_frames[i] = extent + i;
	xen_map_frames(nr, xen_exchange_frames);
	spin_unlock_irqrestore(&xen_exchange_lock, flags);
	if (!done)
		return -ENOMEM;
	*bus = PFN_PHYS(extent);
	return XEN_DMA_FRAMES_MOVED;
}

static void xen_pv_undo_contiguous(phys_addr_t phys, unsigned int order)
{
	struct page *first = pfn_to_page(PHYS_PFN(phys));
	unsigned long nr = 1UL << order, i, flags;
	xen_pfn_t extent = pfn_to_mfn(PHYS_PFN(phys));

	/* Bounced data and device rings must not leave with the extent. */
	memset(phys_to_virt(phys), 0, PAGE_SIZE << order);
	spin_lock_irqsave(&xen_exchange_lock, flags);
	xen_unmap_frames(first, nr);
	for (i = 0; i < nr; i++)
		xen_exchange_frames[i] = PHYS_PFN(phys) + i;
	if (!xen_exchange(1, order, &extent, nr, 0, xen_exchange_frames, 0)) {
		/* Keep the contiguous extent; it still is our memory. */
		pr_warn_ratelimited("giving back a %lu-page extent failed, kept\n", nr);
		for (i = 0; i < nr; i++)
			xen_exchange_frames[i] = extent + i;
	}
	xen_map_frames(nr, xen_exchange_frames);
	spin_unlock_irqrestore(&xen_exchange_lock, flags);
}
#endif /* CONFIG_XEN_PV */

/*
 * @pfn is a 4 KiB Xen frame, not a Linux page, when pages are 64 KiB. In a
 * 1:1 domain only another domain's page, grant-mapped here, has a bus frame
 * other than its own (Arm's phys_to_mach records those). Elsewhere (x86
 * PVH, where grants land in ZONE_DEVICE pages) nothing here tells them
 * apart, and nothing needs to: their guest frame is what devices get.
 * Looking at struct pages per frame would cost more than the whole
 * translation (pfn_valid() is a memblock walk on arm64).
 */
/*
 * No frame of ours has a bus frame other than itself: on Arm, Linux has
 * recorded no other domain's page (phys_to_mach, which pfn_to_bfn() reads
 * unlocked in the same way, is empty); on x86 an auto-translated domain's
 * devices take guest frames for every page. Then no buffer needs a walk.
 * A grant is mapped before its page is handed to a driver, so a buffer
 * being mapped cannot hold a page recorded after this read.
 */
static __always_inline bool xen_translated_no_foreign_frames(void)
{
#ifdef CONFIG_ARM64
	return !READ_ONCE(phys_to_mach.rb_node);
#else
	return true;
#endif
}

static __always_inline unsigned long xen_translated_pfn_to_bfn(unsigned long pfn)
{
	unsigned long bfn = pfn_to_bfn(pfn);

	return bfn != pfn ? bfn | XEN_DMA_BFN_FOREIGN : bfn;
}

/**
 * xen_dma_xen_translated_map_range() - "map addresses", auto-translated
 * @phys: the buffer
 * @size: its length, at least 1
 * @range: the answer: guest frames, or the machine frames Linux recorded
 *	for other domains' pages in a 1:1 domain
 *
 * Not static only so that xen_dma_map_range() can call it directly.
 */
void xen_dma_xen_translated_map_range(phys_addr_t phys, size_t size,
				      struct xen_dma_bus_range *range)
{
	if (xen_translated_no_foreign_frames()) {
		range->bus = phys;
		range->contiguous = true;
		range->foreign = false;
		return;
	}
	xen_dma_walk_frames(phys, size, xen_translated_pfn_to_bfn, range);
}

/*
 * Machine addresses in an auto-translated domain that is not 1:1 and has no
 * IOMMU: an Arm dom0 under Xen's cache colouring (Xen 4.20+, LLC_COLORING).
 * Xen can neither exchange its frames for a contiguous extent (it backs a
 * coloured domain with single pages of its colours only, and tells a
 * translated caller of XENMEM_exchange no frame numbers) nor name them,
 * except in one place: a grant mapping with GNTMAP_host_map reports the
 * machine address of the granted frame in dev_bus_addr (xen/common/
 * grant_table.c, map_grant_ref(): "op->dev_bus_addr = mfn_to_maddr(mfn)"),
 * which Linux's own arch/arm/xen/p2m.c relies on for other domains' pages.
 * So dom0 grants its own frames to itself, maps them at unpopulated guest
 * frames, reads their machine addresses, and unmaps them at once. The
 * frames stay where they are afterwards: Xen on Arm moves no page of a
 * domain by itself (no paging, sharing or log-dirty), and only the domain's
 * own hypercalls change its p2m. Xen maps a domain's own grant only when
 * asked by its real domid, not DOMID_SELF (rcu_lock_domain_by_id()), and
 * dom0's own domid is the only one Linux knows for sure, so this is dom0's.
 * Contiguous machine frames are what the colours make them: runs as long as
 * dom0's adjacent colours (64 KiB for 16 of 32), found, never made.
 */
#define XEN_SELF_GRANT_BATCH	16
#define XEN_SELF_GRANT_PAGES	DIV_ROUND_UP(XEN_SELF_GRANT_BATCH * XEN_PAGE_SIZE, \
					     PAGE_SIZE)

/* Unpopulated guest frames the grants are mapped at, and the batch's ops. */
static DEFINE_SPINLOCK(xen_self_grant_lock);
static struct page *xen_self_grant_scratch[XEN_SELF_GRANT_PAGES];
static bool xen_self_grant_ready;
static struct gnttab_map_grant_ref xen_self_grant_map[XEN_SELF_GRANT_BATCH];
static struct gnttab_unmap_grant_ref xen_self_grant_unmap[XEN_SELF_GRANT_BATCH];
static grant_ref_t xen_self_grant_refs[XEN_SELF_GRANT_BATCH];

static void xen_self_grant_setup(const struct xen_dma_features *f)
{
	int ret;

	if (!f->auto_translated || xen_dma_policy_direct_mapped(f))
		return;
	if (!f->initial_domain) {
		pr_info("not 1:1: machine addresses of this domain's pages can be learnt in dom0 only\n");
		return;
	}
	ret = xen_alloc_unpopulated_pages(XEN_SELF_GRANT_PAGES,
					  xen_self_grant_scratch);
	if (ret) {
		pr_warn("not 1:1: no unpopulated guest frames to learn machine addresses through (%d)\n",
			ret);
		return;
	}
	xen_self_grant_ready = true;
}

static void xen_self_grant_release(void)
{
	if (!xen_self_grant_ready)
		return;
	xen_self_grant_ready = false;
	xen_free_unpopulated_pages(XEN_SELF_GRANT_PAGES, xen_self_grant_scratch);
}

/* The guest-physical address the @i-th grant of a batch is mapped at. */
static phys_addr_t xen_self_grant_slot(unsigned int i)
{
	unsigned int per_page = PAGE_SIZE / XEN_PAGE_SIZE;

	return page_to_phys(xen_self_grant_scratch[i / per_page]) +
	       (phys_addr_t)(i % per_page) * XEN_PAGE_SIZE;
}

/*
 * The machine frames of @nr frames from @gfn, @nr at most a batch, into
 * @mfns. Caller holds xen_self_grant_lock.
 */
static int xen_self_grant_batch(unsigned long gfn, unsigned int nr,
				unsigned long *mfns)
{
	unsigned int granted, mapped = 0, i;
	int ret = 0, refused = 0;

	lockdep_assert_held(&xen_self_grant_lock);
	for (granted = 0; granted < nr; granted++) {
		ret = gnttab_grant_foreign_access(0, gfn + granted, 0);
		if (ret < 0)
			goto end;
		xen_self_grant_refs[granted] = ret;
		gnttab_set_map_op(&xen_self_grant_map[granted],
				  xen_self_grant_slot(granted), GNTMAP_host_map,
				  xen_self_grant_refs[granted], 0);
	}
	ret = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref,
					xen_self_grant_map, nr);
	for (i = 0; i < nr; i++) {
		struct gnttab_map_grant_ref *op = &xen_self_grant_map[i];

		if (!ret && op->status != GNTST_okay && !refused)
			refused = op->status;
		if (ret || op->status != GNTST_okay)
			continue;
		mfns[i] = op->dev_bus_addr >> XEN_PAGE_SHIFT;
		gnttab_set_unmap_op(&xen_self_grant_unmap[mapped++], op->host_addr,
				    GNTMAP_host_map, op->handle);
	}
	if (mapped) {
		int err = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref,
						    xen_self_grant_unmap,
						    mapped);

		/* A grant still mapped stays granted too: end_access fails. */
		for (i = 0; i < mapped; i++) {
			if (!err && xen_self_grant_unmap[i].status == GNTST_okay)
				continue;
			pr_err_ratelimited("unmapping grants of our own frames from %#lx failed: %d\n",
					   gfn, err ?: xen_self_grant_unmap[i].status);
			break;
		}
	}
	if (!ret && mapped < nr) {
		pr_err_ratelimited("Xen refused to map grants of our own frames from %#lx: status %d\n",
				   gfn, refused);
		ret = -EIO;
	}
end:
	while (granted--) {
		/* Unmapped above, so the grant is no longer in use. */
		if (gnttab_end_foreign_access_ref(xen_self_grant_refs[granted]))
			gnttab_free_grant_reference(xen_self_grant_refs[granted]);
	}
	return ret < 0 ? ret : 0;
}

/*
 * Only called where devices need machine addresses in an auto-translated
 * domain: not 1:1 and no IOMMU (xen_dma_policy_bus_space()). Nothing here
 * can make frames contiguous, so the runs there are looked for: one pass
 * over the block's frames, tracking the run the current frame ends, until
 * it holds a window of the size asked for, at a page boundary, aligned
 * when asked and low enough.
 */
static int xen_translated_find_contiguous(phys_addr_t phys,
					  unsigned int chunk_order,
					  unsigned int order,
					  unsigned int address_bits,
					  bool aligned, unsigned long *first,
					  dma_addr_t *bus)
{
	unsigned long per_page = PAGE_SIZE / XEN_PAGE_SIZE;
	unsigned long gfn = XEN_PFN_DOWN(phys), nr = per_page << chunk_order;
	unsigned long want = per_page << order, run = 0, prev = 0, i, flags;
	unsigned long mfns[XEN_SELF_GRANT_BATCH];
	int ret = -EAGAIN;
	bool too_high = false;

	if (!xen_self_grant_ready) {
		pr_err_once("not 1:1 and no IOMMU: no way to learn machine addresses here (Xen names them only through a grant mapping, which only dom0 can make of its own pages), so no memory can be readied for DMA\n");
		return -EOPNOTSUPP;
	}
	spin_lock_irqsave(&xen_self_grant_lock, flags);
	for (i = 0; i < nr; i++) {
		unsigned long j = i % XEN_SELF_GRANT_BATCH, start, mfn;
		int err;

		if (!j) {
			err = xen_self_grant_batch(gfn + i,
						   min_t(unsigned long, nr - i,
							 XEN_SELF_GRANT_BATCH),
						   mfns);
			if (err) {
				ret = err;
				break;
			}
		}
		mfn = mfns[j];
		run = run && mfn == prev + 1 ? run + 1 : 1;
		prev = mfn;
		if (run < want)
			continue;
		/* The window of @want frames ending here. */
		start = i + 1 - want;
		mfn -= want - 1;
		if (start % per_page ||
		    (aligned && !IS_ALIGNED(mfn, want)))
			continue;
		if (address_bits < 64 &&
		    (((u64)mfn + want) << XEN_PAGE_SHIFT) - 1 >
		    DMA_BIT_MASK(address_bits)) {
			too_high = true;
			continue;
		}
		*first = start / per_page;
		*bus = (dma_addr_t)mfn << XEN_PAGE_SHIFT;
		ret = 0;
		break;
	}
	spin_unlock_irqrestore(&xen_self_grant_lock, flags);
	if (ret == -EAGAIN && too_high)
		ret = -ERANGE;
	return ret;
}

static void xen_translated_read_features(struct xen_dma_features *f)
{
	xen_read_features(f);
	xen_self_grant_setup(f);
}

static const struct xen_dma_hooks xen_translated_hooks = {
	.name = "xen (auto-translated)",
	.read_features = xen_translated_read_features,
	.map_range = xen_dma_xen_translated_map_range,
	.find_contiguous = xen_translated_find_contiguous,
	.release = xen_self_grant_release,
};

#ifdef CONFIG_XEN_PV
static const struct xen_dma_hooks xen_pv_hooks = {
	.name = "xen (PV)",
	.read_features = xen_read_features,
	.map_range = xen_dma_xen_pv_map_range,
	.make_contiguous = xen_pv_make_contiguous,
	.undo_contiguous = xen_pv_undo_contiguous,
};
#endif

/**
 * xen_dma_xen_hooks() - the hooks for the hypervisor this kernel runs on
 *
 * Return: the PV hooks in an x86 PV domain, the auto-translated ones
 * otherwise, or NULL when not running on Xen.
 */
const struct xen_dma_hooks *xen_dma_xen_hooks(void)
{
	if (!xen_domain())
		return NULL;
#ifdef CONFIG_XEN_PV
	if (xen_pv_domain())
		return &xen_pv_hooks;
#endif
	return &xen_translated_hooks;
}
