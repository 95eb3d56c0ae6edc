// SPDX-License-Identifier: GPL-2.0-only
/*
 * One function's life: its config space, creation and removal on the bus,
 * its IOMMU group and its vGPU type.
 *
 * A struct fsv_vf is the "hardware" and lives from fsv_vf_create() to
 * fsv_vf_destroy(). The PCI core's pci_dev for it may be removed and found
 * again in between (sysfs remove/rescan); the bus notifier gives every such
 * pci_dev its BARs in the module's window and an IOMMU group before the
 * KOBJ_ADD uevent, so udev and KubeVirt always see both.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "fsv.h"

/* Little-endian helpers on the config image. */
static void cfg_put(u8 *cfg, int where, int size, u32 val)
{
	int i;

	for (i = 0; i < size; i++)
		cfg[where + i] = val >> (8 * i);
}

static u32 cfg_get(const u8 *cfg, int where, int size)
{
	u32 val = 0;
	int i;

	for (i = 0; i < size; i++)
		val |= (u32)cfg[where + i] << (8 * i);
	return val;
}

/*
 * The write masks of every profile, for PFs and for the other functions
 * (fsv_masks_init()); while they are built, fsv_building is the set that
 * cfg_reg() fills. Both only at module load, before any function exists.
 */
static struct fsv_cfg_masks *fsv_masks;
static struct fsv_cfg_masks *fsv_building;

static const struct fsv_cfg_masks *fsv_masks_of(const struct fsv_profile *p,
						enum fsv_kind kind)
{
	return &fsv_masks[2 * (p - fsv_profiles) + (kind == FSV_PF)];
}

/* Sets a register's reset value (and, building, which bits software may write). */
static void cfg_reg(struct fsv_vf *vf, int where, int size, u32 val,
		    u32 wmask, u32 w1cmask)
{
	cfg_put(vf->cfg, where, size, val);
	if (fsv_building) {
		cfg_put(fsv_building->w, where, size, wmask);
		cfg_put(fsv_building->w1c, where, size, w1cmask);
	}
}

static int cmp_bar_size_desc(const void *a, const void *b)
{
	const u64 *x = a, *y = b;

	return *x < *y ? 1 : *x > *y ? -1 : 0;
}

/*
 * Where each BAR starts: largest first from base, so each is naturally
 * aligned (base is aligned to the largest). With count > 1, the same layout
 * for arrays of count BARs each: a PF's VF BARs, VF i's at addr + i * size.
 */
static void fsv_bar_layout(const struct fsv_profile *p, u64 base,
			   unsigned int count, u64 addr[FSV_NUM_BARS])
{
	u64 order[FSV_NUM_BARS][2];	/* size, index */
	int i;

	for (i = 0; i < FSV_NUM_BARS; i++) {
		order[i][0] = p->bar_size[i];
		order[i][1] = i;
	}
	sort(order, FSV_NUM_BARS, sizeof(order[0]), cmp_bar_size_desc, NULL);
	for (i = 0; i < FSV_NUM_BARS; i++) {
		addr[order[i][1]] = base;
		base += order[i][0] * count;
	}
}

/*
 * 64-bit memory BARs at reg (the header's, or a PF's VF BARs in its SR-IOV
 * capability). Writable bits are the address bits above the size, so
 * writing all-ones reads back the size mask.
 */
static void fsv_vf_init_bars(struct fsv_vf *vf, int reg0,
			     const u64 addr[FSV_NUM_BARS])
{
	const struct fsv_profile *p = vf->profile;
	int i;

	for (i = 0; i < FSV_NUM_BARS; i++) {
		int reg = reg0 + 8 * i;
		u64 mask = ~(p->bar_size[i] - 1);
		u32 flags = PCI_BASE_ADDRESS_SPACE_MEMORY |
			    PCI_BASE_ADDRESS_MEM_TYPE_64;

		if (p->bar_prefetch[i])
			flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
		cfg_reg(vf, reg, 4, lower_32_bits(addr[i]) | flags,
			lower_32_bits(mask) & PCI_BASE_ADDRESS_MEM_MASK, 0);
		cfg_reg(vf, reg + 4, 4, upper_32_bits(addr[i]),
			upper_32_bits(mask), 0);
	}
}

/* A function's own slice of the window: [devfn * 512M, +512M). */
static u64 fsv_slice_base(struct fsv_bus *fbus, unsigned int devfn)
{
	return fbus->mmio.start + (u64)devfn * FSV_FUNC_MMIO_SIZE;
}

/* Devfns a PF takes: itself, the gap to its first VF, its VFs; whole slots. */
unsigned int fsv_pf_span(const struct fsv_profile *p)
{
	return round_up(p->vf_offset + p->total_vfs * p->vf_stride, 8);
}

/* Where a PF's VF BAR arrays start: in the slices of its VFs' addresses. */
static void fsv_pf_vf_bars(struct fsv_vf *pf, u64 addr[FSV_NUM_BARS])
{
	const struct fsv_profile *p = pf->profile;

	fsv_bar_layout(p, fsv_slice_base(pf->fbus, pf->devfn + p->vf_offset),
		       p->total_vfs, addr);
}

/*
 * SR-IOV capability (PCIe r5.0 9.3.3): VFs as many as the board has,
 * InitialVFs = TotalVFs (no VF migration), first VF offset and stride of
 * the real boards, VF device ID = the PF's, 4 KiB pages supported, and VF
 * BARs that size like the header's. The PCI core writes NumVFs, the system
 * page size and VF Enable/VF MSE; everything else is read-only.
 */
static void fsv_pf_init_sriov_cap(struct fsv_vf *pf)
{
	const struct fsv_profile *p = pf->profile;
	int pos = FSV_CAP_SRIOV;
	u64 addr[FSV_NUM_BARS];

	cfg_reg(pf, pos, 4, PCI_EXT_CAP_ID_SRIOV | (1 << 16), 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_CAP, 4, 0, 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_CTRL, 2, 0,
		PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI, 0);
	cfg_reg(pf, pos + PCI_SRIOV_STATUS, 2, 0, 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_INITIAL_VF, 2, p->total_vfs, 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_TOTAL_VF, 2, p->total_vfs, 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_NUM_VF, 2, 0, 0xffff, 0);
	cfg_reg(pf, pos + PCI_SRIOV_FUNC_LINK, 1, pf->devfn, 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_VF_OFFSET, 2, p->vf_offset, 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_VF_STRIDE, 2, p->vf_stride, 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_VF_DID, 2, p->device, 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_SUP_PGSIZE, 4, 0x553, 0, 0);
	cfg_reg(pf, pos + PCI_SRIOV_SYS_PGSIZE, 4, 1, 0x553, 0);
	fsv_pf_vf_bars(pf, addr);
	fsv_vf_init_bars(pf, pos + PCI_SRIOV_BAR, addr);
}

/*
 * A PCI Express endpoint with power management, as lspci -vvv decodes on
 * the real boards: PM at 0x60, PCIe v2 at 0x78, 4 KiB config space.
 */
static void fsv_vf_init_config(struct fsv_vf *vf)
{
	const struct fsv_profile *p = vf->profile;
	u64 addr[FSV_NUM_BARS];
	u16 lnk = PCI_EXP_LNKSTA_CLS_8_0GB | (16 << PCI_EXP_LNKSTA_NLW_SHIFT);

	cfg_reg(vf, PCI_VENDOR_ID, 2, PCI_VENDOR_ID_NVIDIA, 0, 0);
	cfg_reg(vf, PCI_DEVICE_ID, 2, p->device, 0, 0);
	cfg_reg(vf, PCI_COMMAND, 2, 0,
		PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
		PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE, 0);
	cfg_reg(vf, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0,
		PCI_STATUS_DETECTED_PARITY | PCI_STATUS_SIG_SYSTEM_ERROR |
		PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_REC_TARGET_ABORT |
		PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_PARITY);
	cfg_reg(vf, PCI_CLASS_REVISION, 4, (p->class << 8) | p->revision, 0, 0);
	cfg_reg(vf, PCI_CACHE_LINE_SIZE, 1, 0, 0xff, 0);
	cfg_reg(vf, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_NORMAL, 0, 0);
	if (vf->kind == FSV_VF) {
		/* VF i's part of its PF's VF BAR arrays (what VFIO shows). */
		int i;

		fsv_pf_vf_bars(vf->pf, addr);
		for (i = 0; i < FSV_NUM_BARS; i++)
			addr[i] += (u64)vf->vf_index * p->bar_size[i];
	} else {
		fsv_bar_layout(p, fsv_slice_base(vf->fbus, vf->devfn), 1, addr);
	}
	fsv_vf_init_bars(vf, PCI_BASE_ADDRESS_0, addr);
	cfg_reg(vf, PCI_SUBSYSTEM_VENDOR_ID, 2, p->subsys_vendor, 0, 0);
	cfg_reg(vf, PCI_SUBSYSTEM_ID, 2, p->subsys_device, 0, 0);
	cfg_reg(vf, PCI_CAPABILITY_LIST, 1, FSV_CAP_PM, 0, 0);
	cfg_reg(vf, PCI_INTERRUPT_LINE, 1, 0, 0xff, 0);
	/* No INTx pin: nothing could ever raise it. */

	/* Power management: D0/D3hot, no soft reset on D3hot->D0. */
	cfg_reg(vf, FSV_CAP_PM + PCI_CAP_LIST_ID, 1, PCI_CAP_ID_PM, 0, 0);
	cfg_reg(vf, FSV_CAP_PM + PCI_CAP_LIST_NEXT, 1, FSV_CAP_MSI, 0, 0);
	cfg_reg(vf, FSV_CAP_PM + PCI_PM_PMC, 2, 3, 0, 0);
	cfg_reg(vf, FSV_CAP_PM + PCI_PM_CTRL, 2, PCI_PM_CTRL_NO_SOFT_RESET,
		PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE,
		PCI_PM_CTRL_PME_STATUS);

	/* MSI: one vector, 64-bit address, no per-vector masking. */
	cfg_reg(vf, FSV_CAP_MSI + PCI_CAP_LIST_ID, 1, PCI_CAP_ID_MSI, 0, 0);
	cfg_reg(vf, FSV_CAP_MSI + PCI_CAP_LIST_NEXT, 1, FSV_CAP_EXP, 0, 0);
	cfg_reg(vf, FSV_CAP_MSI + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_64BIT,
		PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 0);
	cfg_reg(vf, FSV_CAP_MSI + PCI_MSI_ADDRESS_LO, 4, 0, 0xfffffffc, 0);
	cfg_reg(vf, FSV_CAP_MSI + PCI_MSI_ADDRESS_HI, 4, 0, 0xffffffff, 0);
	cfg_reg(vf, FSV_CAP_MSI + PCI_MSI_DATA_64, 2, 0, 0xffff, 0);

	/* PCI Express v2 endpoint, Gen3 x16 link. */
	cfg_reg(vf, FSV_CAP_EXP + PCI_CAP_LIST_ID, 1, PCI_CAP_ID_EXP, 0, 0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_CAP_LIST_NEXT, 1, 0, 0, 0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_FLAGS, 2,
		2 | (PCI_EXP_TYPE_ENDPOINT << 4), 0, 0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_DEVCAP, 4,
		1 /* 256B payload */ | PCI_EXP_DEVCAP_EXT_TAG |
		PCI_EXP_DEVCAP_RBER, 0, 0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_DEVCTL, 2,
		PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN |
		PCI_EXP_DEVCTL_READRQ_512B,
		0x7fff & ~PCI_EXP_DEVCTL_BCR_FLR, 0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_DEVSTA, 2, 0, 0, 0x000f);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_LNKCAP, 4,
		PCI_EXP_LNKCAP_SLS_8_0GB | (16 << 4), 0, 0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_CCC,
		PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_RCB | PCI_EXP_LNKCTL_CCC |
		PCI_EXP_LNKCTL_ES | PCI_EXP_LNKCTL_CLKREQ_EN, 0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_LNKSTA, 2, lnk | PCI_EXP_LNKSTA_SLC,
		0, 0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_DEVCTL2, 2, 0,
		PCI_EXP_DEVCTL2_COMP_TIMEOUT | PCI_EXP_DEVCTL2_COMP_TMOUT_DIS,
		0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_LNKCAP2, 4,
		PCI_EXP_LNKCAP2_SLS_2_5GB | PCI_EXP_LNKCAP2_SLS_5_0GB |
		PCI_EXP_LNKCAP2_SLS_8_0GB, 0, 0);
	cfg_reg(vf, FSV_CAP_EXP + PCI_EXP_LNKCTL2, 2, PCI_EXP_LNKCTL2_TLS_8_0GT,
		PCI_EXP_LNKCTL2_TLS, 0);

	if (vf->kind == FSV_PF)
		fsv_pf_init_sriov_cap(vf);
}

/*
 * Whether the function answers config cycles: always, except a VF, which
 * exists while its PF's VF Enable is set and its index is below NumVFs.
 * Called under fbus->table_lock.
 */
bool fsv_vf_present(struct fsv_vf *vf)
{
	const u8 *pf;

	if (vf->kind != FSV_VF)
		return true;
	pf = vf->pf->cfg + FSV_CAP_SRIOV;
	return (cfg_get(pf, PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_VFE) &&
	       vf->vf_index < cfg_get(pf, PCI_SRIOV_NUM_VF, 2);
}

/* A VF's vendor/device IDs read as all-ones, its BARs as zero (PCIe r5.0 9.3.4.1). */
static bool fsv_vf_reads_ones(struct fsv_vf *vf, int off)
{
	return vf->kind == FSV_VF && off < PCI_COMMAND;
}

static bool fsv_vf_reads_zero(struct fsv_vf *vf, int off)
{
	return vf->kind == FSV_VF && off >= PCI_BASE_ADDRESS_0 &&
	       off <= PCI_BASE_ADDRESS_5 + 3;
}

/* Called under fbus->table_lock (config accessors). */
void fsv_vf_cfg_read(struct fsv_vf *vf, int where, int size, u32 *val)
{
	int i;

	if (where >= FSV_CFG_IMAGE) {
		*val = 0;	/* extended space past the capabilities */
		return;
	}
	*val = cfg_get(vf->cfg, where, size);
	for (i = 0; i < size; i++) {
		if (fsv_vf_reads_ones(vf, where + i))
			*val |= 0xffU << (8 * i);
		else if (fsv_vf_reads_zero(vf, where + i))
			*val &= ~(0xffU << (8 * i));
	}

	/*
	 * Multi-function bit: set while another function of the slot is on the
	 * bus as a function of its own (VFs are not: the PCI core finds them
	 * through their PF, never by scanning).
	 */
	if (vf->kind != FSV_VF && where <= PCI_HEADER_TYPE &&
	    where + size > PCI_HEADER_TYPE) {
		unsigned int slot = PCI_SLOT(vf->devfn), fn;

		for (fn = 0; fn < 8; fn++) {
			struct fsv_vf *other = vf->fbus->vfs[PCI_DEVFN(slot, fn)];

			if (fn != PCI_FUNC(vf->devfn) && other &&
			    other->kind != FSV_VF) {
				*val |= 0x80 << (8 * (PCI_HEADER_TYPE - where));
				break;
			}
		}
	}
}

/* The function's own view, as VFIO virtualizes it (IDs of a VF included). */
u32 fsv_vf_cfg_read_raw(struct fsv_vf *vf, int where, int size)
{
	return where < FSV_CFG_IMAGE ? cfg_get(vf->cfg, where, size) : 0;
}

void fsv_vf_cfg_write(struct fsv_vf *vf, int where, int size, u32 val)
{
	int i;

	if (where >= FSV_CFG_IMAGE)
		return;
	for (i = 0; i < size; i++) {
		u8 b = val >> (8 * i), *reg = &vf->cfg[where + i];
		u8 wmask = vf->masks->w[where + i], w1c = vf->masks->w1c[where + i];

		if (fsv_vf_reads_zero(vf, where + i))
			continue;	/* read-only; VFIO keeps the user's copy */
		*reg = (*reg & ~wmask) | (b & wmask);
		*reg &= ~(b & w1c);
	}
}

struct fsv_vf *fsv_vf_from_pdev(struct pci_dev *pdev)
{
	struct fsv_bus *fbus = fsv_bus_of(pdev);

	return fbus ? fsv_bus_lookup(fbus, pdev->devfn) : NULL;
}

/*
 * BARs go into the module's window, so they show under it in /proc/iomem;
 * a PF's VF BARs too (pci_enable_sriov() needs them claimed and carves each
 * VF's out of them itself).
 */
static void fsv_vf_claim_bars(struct fsv_vf *vf, struct pci_dev *pdev)
{
	int i, bar;

	if (vf->kind == FSV_VF)
		return;
	for (i = 0; i < FSV_NUM_BARS; i++) {
		bar = 2 * i;
		if (pci_resource_len(pdev, bar) && pci_claim_resource(pdev, bar))
			pci_warn(pdev, "BAR %d not claimed in the module's window\n",
				 bar);
#ifdef CONFIG_PCI_IOV
		bar += PCI_IOV_RESOURCES;
		if (vf->kind == FSV_PF && pci_resource_len(pdev, bar) &&
		    pci_claim_resource(pdev, bar))
			pci_warn(pdev, "VF BAR %d not claimed in the module's window\n",
				 2 * i);
#endif
	}
}

/*
 * Whether VFIO gives the function its IOMMU group when the stub driver
 * binds: with an emulated IOMMU, VFIO registration makes a group of its own
 * for the device, so a group the module gave the function first would only
 * be made and dropped again in probe. PFs, vfio=off, the older VFIO APIs
 * (which register a device in the group it has) and a function whose
 * driver_override could not be set get the module's own group as they
 * appear on the bus; a function the stub driver does not bind gets it then.
 */
static bool fsv_vf_group_from_vfio(const struct fsv_vf *vf)
{
	return FSV_VFIO_EMULATED_IOMMU && fsv_opts.vfio_mode != FSV_VFIO_OFF &&
	       vf->kind != FSV_PF && vf->overridden;
}

/* Gives the function the module's own IOMMU group, unless it has one. */
static int fsv_vf_group_attach(struct fsv_vf *vf, struct pci_dev *pdev)
{
	struct iommu_group *group;
	int ret;

	/* A real IOMMU claimed it (it never does for this bus): keep that. */
	group = iommu_group_get(&pdev->dev);
	if (group) {
		iommu_group_put(group);
		return 0;
	}

	group = iommu_group_alloc();
	if (IS_ERR(group))
		return PTR_ERR(group);
	ret = iommu_group_add_device(group, &pdev->dev);
	if (ret) {
		iommu_group_put(group);
		return ret;
	}
	vf->group = group;
	return 0;
}

void fsv_vf_group_detach(struct fsv_vf *vf, struct pci_dev *pdev)
{
	if (!vf->group)
		return;
	iommu_group_remove_device(&pdev->dev);
	iommu_group_put(vf->group);
	vf->group = NULL;
}

/*
 * After the bind (or none): whichever group it has, else the module's own,
 * as a GPU without a driver keeps its group. 0, or an errno (logged).
 */
int fsv_vf_group_ensure(struct fsv_vf *vf, struct pci_dev *pdev)
{
	struct iommu_group *group = iommu_group_get(&pdev->dev);
	int ret;

	if (group) {
		iommu_group_put(group);
		return 0;
	}
	ret = fsv_vf_group_attach(vf, pdev);
	if (ret)
		pci_err(pdev, "has no IOMMU group and cannot get one: %d\n", ret);
	return ret;
}

/*
 * Runs under pci_lock_rescan_remove() for functions the module adds or
 * removes; for SR-IOV VFs, under their PF's device lock (sriov_numvfs).
 */
static int fsv_bus_notify(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct fsv_bus *fbus = container_of(nb, struct fsv_bus, nb);
	struct pci_dev *pdev = to_pci_dev(data);
	struct fsv_vf *vf;
	int ret;

	if (fsv_bus_of(pdev) != fbus)
		return NOTIFY_DONE;
	vf = fsv_bus_lookup(fbus, pdev->devfn);
	if (!vf)
		return NOTIFY_DONE;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		/*
		 * Only the stub driver may bind it: a GPU driver loaded first
		 * (nouveau matches any NVIDIA display function) would probe it
		 * and touch BARs nothing backs. Users may still override it.
		 */
		ret = fsv_pci_set_driver_override(pdev, fsv_driver_name());
		vf->overridden = !ret;
		if (ret)
			pci_warn(pdev, "driver_override not set (%d): another NVIDIA driver could probe it\n",
				 ret);
		fsv_vf_claim_bars(vf, pdev);
		/* numa_node= of a PF, for it and its VFs (topology hints). */
		if (vf->numa_node != NUMA_NO_NODE)
			set_dev_node(&pdev->dev, vf->numa_node);
		/* Else VFIO gives it one as the stub driver binds. */
		if (fsv_vf_group_from_vfio(vf))
			break;
		ret = fsv_vf_group_attach(vf, pdev);
		if (ret)
			pci_err(pdev, "cannot give the function an IOMMU group: %d\n",
				ret);
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		fsv_vf_group_detach(vf, pdev);
		break;
	}
	return NOTIFY_OK;
}

int fsv_dev_notifier_register(struct fsv_bus *fbus)
{
	fbus->nb.notifier_call = fsv_bus_notify;
	return bus_register_notifier(&pci_bus_type, &fbus->nb);
}

void fsv_dev_notifier_unregister(struct fsv_bus *fbus)
{
	bus_unregister_notifier(&pci_bus_type, &fbus->nb);
}

static struct fsv_vf *fsv_vf_alloc(struct fsv_bus *fbus, enum fsv_kind kind,
				   unsigned int devfn,
				   const struct fsv_profile *profile)
{
	struct fsv_vf *vf = kzalloc(sizeof(*vf), GFP_KERNEL);

	if (!vf)
		return NULL;
	vf->fbus = fbus;
	vf->kind = kind;
	vf->profile = profile;
	vf->devfn = devfn;
	vf->numa_node = NUMA_NO_NODE;
	vf->masks = fsv_masks_of(profile, kind);
	return vf;
}

/* Builds every profile's write masks from the config space's definition. */
int fsv_masks_init(void)
{
	struct fsv_bus *fbus;
	struct fsv_vf *vf;
	unsigned int i, pf;
	int ret = -ENOMEM;

	fsv_masks = kcalloc(2 * fsv_num_profiles, sizeof(*fsv_masks),
			    GFP_KERNEL);
	fbus = kzalloc(sizeof(*fbus), GFP_KERNEL);
	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!fsv_masks || !fbus || !vf)
		goto out;
	for (i = 0; i < fsv_num_profiles; i++) {
		for (pf = 0; pf < 2; pf++) {
			vf->fbus = fbus;
			vf->profile = &fsv_profiles[i];
			vf->kind = pf ? FSV_PF : FSV_STANDALONE;
			if (pf && !vf->profile->total_vfs)
				continue;
			fsv_building = &fsv_masks[2 * i + pf];
			fsv_vf_init_config(vf);
		}
	}
	fsv_building = NULL;
	ret = 0;
out:
	kfree(vf);
	kfree(fbus);
	if (ret)
		fsv_masks_exit();
	return ret;
}

void fsv_masks_exit(void)
{
	kfree(fsv_masks);
	fsv_masks = NULL;
}

/*
 * Puts the function on the bus (the PCI core scans it, the notifier gives it
 * its BARs and group, the stub driver binds); called with the rescan lock
 * held and the function published in the table.
 */
static int fsv_vf_scan(struct fsv_vf *vf)
{
	struct pci_dev *pdev;
	int ret;

	pdev = pci_scan_single_device(vf->fbus->bus, vf->devfn);
	if (!pdev)
		return -ENODEV;
	pci_bus_add_device(pdev);
	/*
	 * The notifier or VFIO (at the bind) gave it a group, or, if the stub
	 * driver did not bind, the module's own now; without one KubeVirt
	 * would drop the function.
	 */
	device_lock(&pdev->dev);
	ret = fsv_vf_group_ensure(vf, pdev);
	device_unlock(&pdev->dev);
	if (ret) {
		vf->removing = true;
		pci_stop_and_remove_bus_device(pdev);
		return -ENODEV;
	}
	return 0;
}

/*
 * Creates the function at devfn and adds it to the bus, where the stub
 * driver binds. -EEXIST if the address is taken (by a function, or by a
 * PF's VF range).
 */
int fsv_vf_create(struct fsv_bus *fbus, unsigned int devfn,
		  const struct fsv_profile *profile, u32 vgpu_type,
		  struct fsv_vf **out)
{
	struct fsv_vf *vf;
	unsigned long flags;
	int ret = 0;

	if (devfn >= FSV_MAX_FUNCS)
		return -EINVAL;

	vf = fsv_vf_alloc(fbus, FSV_STANDALONE, devfn, profile);
	if (!vf)
		return -ENOMEM;
	vf->vgpu_type = vgpu_type;
	fsv_vf_init_config(vf);

	pci_lock_rescan_remove();
	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	if (fbus->vfs[devfn] || test_bit(devfn, fbus->reserved))
		ret = -EEXIST;
	else
		fbus->vfs[devfn] = vf;
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	if (!ret) {
		ret = fsv_vf_scan(vf);
		if (ret) {
			raw_spin_lock_irqsave(&fbus->table_lock, flags);
			fbus->vfs[devfn] = NULL;
			raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
		}
	}
	pci_unlock_rescan_remove();
	if (ret) {
		kfree(vf);
		return ret;
	}
	*out = vf;
	return 0;
}

static void fsv_pf_free(struct fsv_vf *pf)
{
	unsigned int i;

	for (i = 0; i < pf->profile->total_vfs; i++)
		kfree(pf->sriov->vfs[i]);
	kfree(pf->sriov);
	kfree(pf);
}

/* Takes the PF's address range in the table, or -EEXIST; under table_lock. */
static int fsv_pf_publish(struct fsv_vf *pf)
{
	struct fsv_bus *fbus = pf->fbus;
	unsigned int i, span = fsv_pf_span(pf->profile);

	for (i = pf->devfn; i < pf->devfn + span; i++)
		if (fbus->vfs[i] || test_bit(i, fbus->reserved))
			return -EEXIST;
	for (i = pf->devfn; i < pf->devfn + span; i++)
		set_bit(i, fbus->reserved);
	fbus->vfs[pf->devfn] = pf;
	for (i = 0; i < pf->profile->total_vfs; i++)
		fbus->vfs[pf->sriov->vfs[i]->devfn] = pf->sriov->vfs[i];
	return 0;
}

/* Gives the PF's address range back; under table_lock. */
static void fsv_pf_unpublish(struct fsv_vf *pf)
{
	struct fsv_bus *fbus = pf->fbus;
	unsigned int i, span = fsv_pf_span(pf->profile);

	for (i = pf->devfn; i < pf->devfn + span; i++) {
		clear_bit(i, fbus->reserved);
		fbus->vfs[i] = NULL;
	}
}

/*
 * Creates an SR-IOV PF at devfn (function 0 of a slot) with its VFs, which
 * answer config cycles once the PCI core sets VF Enable: the PF takes
 * fsv_pf_span() addresses. The stub driver binds the PF; its sriov_numvfs
 * then enables VFs (sriov.c).
 */
int fsv_pf_create(struct fsv_bus *fbus, unsigned int devfn,
		  const struct fsv_profile *profile, int numa_node,
		  struct fsv_vf **out)
{
	unsigned int i, span = fsv_pf_span(profile);
	struct fsv_vf *pf;
	unsigned long flags;
	int ret;

	if (!profile->total_vfs || PCI_FUNC(devfn) ||
	    devfn + span > FSV_MAX_FUNCS)
		return -EINVAL;

	pf = fsv_vf_alloc(fbus, FSV_PF, devfn, profile);
	if (!pf)
		return -ENOMEM;
	pf->numa_node = numa_node;
	pf->sriov = kzalloc(struct_size(pf->sriov, vfs, profile->total_vfs),
			    GFP_KERNEL);
	if (!pf->sriov) {
		kfree(pf);
		return -ENOMEM;
	}
	for (i = 0; i < profile->total_vfs; i++) {
		struct fsv_vf *vf = fsv_vf_alloc(fbus, FSV_VF,
			devfn + profile->vf_offset + i * profile->vf_stride,
			profile);

		if (!vf) {
			fsv_pf_free(pf);
			return -ENOMEM;
		}
		vf->pf = pf;
		vf->vf_index = i;
		vf->numa_node = numa_node;
		fsv_vf_init_config(vf);
		pf->sriov->vfs[i] = vf;
	}
	fsv_vf_init_config(pf);

	pci_lock_rescan_remove();
	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	ret = fsv_pf_publish(pf);
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	if (!ret) {
		ret = fsv_vf_scan(pf);
		if (ret) {
			raw_spin_lock_irqsave(&fbus->table_lock, flags);
			fsv_pf_unpublish(pf);
			raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
		}
	}
	pci_unlock_rescan_remove();
	if (ret) {
		fsv_pf_free(pf);
		return ret;
	}
	*out = pf;
	return 0;
}

/*
 * Removes the function's pci_dev (if the PCI core still has it), then it.
 * A PF first disables SR-IOV outside the rescan lock: the PCI core's VF
 * removal takes that lock itself on some kernels.
 */
void fsv_vf_destroy(struct fsv_vf *vf)
{
	struct fsv_bus *fbus = vf->fbus;
	struct pci_dev *pdev;
	unsigned long flags;

	if (vf->kind == FSV_PF)
		fsv_sriov_shutdown(vf);

	pci_lock_rescan_remove();
	pdev = pci_get_slot(fbus->bus, vf->devfn);
	if (pdev) {
		vf->removing = true;
		pci_stop_and_remove_bus_device(pdev);
		pci_dev_put(pdev);
	}
	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	if (vf->kind == FSV_PF)
		fsv_pf_unpublish(vf);
	else
		fbus->vfs[vf->devfn] = NULL;
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	pci_unlock_rescan_remove();
	if (vf->kind == FSV_PF)
		fsv_pf_free(vf);
	else
		kfree(vf);
}

u32 fsv_vf_get_type(struct fsv_vf *vf)
{
	u32 type;

	mutex_lock(&vf->fbus->type_lock);
	type = vf->vgpu_type;
	mutex_unlock(&vf->fbus->type_lock);
	return type;
}

/*
 * Whether one more vGPU of type t fits on the GPU of the VF's PF, beside the
 * types its enabled siblings (not the VF itself) hold: time-sliced vGPUs of
 * one framebuffer size, at most as many as the framebuffer and the VFs
 * allow; or MIG-backed vGPUs within the GPU's compute slices; never both.
 */
static bool fsv_gpu_fits_locked(struct fsv_vf *vf,
				const struct fsv_vgpu_type *t)
{
	struct fsv_vf *pf = vf->pf;
	const struct fsv_profile *p = pf->profile;
	unsigned int i, ts = 0, slices = 0, max;
	u32 ts_fb = 0;

	for (i = 0; i < pf->sriov->num_vfs; i++) {
		struct fsv_vf *sib = pf->sriov->vfs[i];
		const struct fsv_vgpu_type *st;

		if (sib == vf || !sib->vgpu_type)
			continue;
		st = fsv_vgpu_type_find(p, sib->vgpu_type);
		if (!st)
			continue;	/* lenient mode's free-form types */
		if (st->slices) {
			slices += st->slices;
		} else {
			ts++;
			ts_fb = st->fb_mb;
		}
	}
	if (t->slices)
		return !ts && slices + t->slices <= p->mig_slices;
	max = min_t(unsigned int, p->fb_mb / t->fb_mb, p->total_vfs);
	return !slices && (!ts || ts_fb == t->fb_mb) && ts < max;
}

/*
 * Types this function could take now: none once it has one; for a VF of a
 * PF, those its GPU still has room for; else the whole catalogue.
 * Called under fbus->type_lock.
 */
bool fsv_vf_type_creatable_locked(struct fsv_vf *vf, u32 type)
{
	const struct fsv_vgpu_type *t = fsv_vgpu_type_find(vf->profile, type);

	if (!t || vf->vgpu_type)
		return false;
	return vf->kind != FSV_VF || fsv_gpu_fits_locked(vf, t);
}

/* A VF as its PF's VF Enable leaves it: reset config, the given type. */
void fsv_vf_reset_locked(struct fsv_vf *vf, u32 type)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vf->fbus->table_lock, flags);
	fsv_vf_init_config(vf);
	raw_spin_unlock_irqrestore(&vf->fbus->table_lock, flags);
	vf->vgpu_type = type;
}

/*
 * Lenient (default): any type, 0 clears, overwriting allowed.
 * Strict (NVIDIA's driver): while a VFIO device (a VM) has the function open,
 * -EBUSY; clearing an unset type or replacing a set one is -EPERM; a type
 * this function cannot create now is -EIO.
 */
int fsv_vf_set_type(struct fsv_vf *vf, u32 type, bool strict)
{
	int ret = 0;

	mutex_lock(&vf->fbus->type_lock);
	if (strict) {
		if (vf->vfio_users)
			ret = -EBUSY;	/* a VM has it: the type is fixed */
		else if (!type && !vf->vgpu_type)
			ret = -EPERM;
		else if (type && vf->vgpu_type)
			ret = -EPERM;
		else if (type && !fsv_vf_type_creatable_locked(vf, type))
			ret = -EIO;
	}
	if (!ret)
		vf->vgpu_type = type;
	mutex_unlock(&vf->fbus->type_lock);
	return ret;
}

/* VFIO opens and closes: strict mode fixes the type while a VM has it. */
void fsv_vf_vfio_opened(struct fsv_vf *vf)
{
	mutex_lock(&vf->fbus->type_lock);
	vf->vfio_users++;
	mutex_unlock(&vf->fbus->type_lock);
}

void fsv_vf_vfio_closed(struct fsv_vf *vf)
{
	mutex_lock(&vf->fbus->type_lock);
	vf->vfio_users--;
	mutex_unlock(&vf->fbus->type_lock);
}

/*
 * NVIDIA's creatable_vgpu_types format: a header, then "%-5d : %s" lines,
 * one per type the function can take now (strict mode: what its GPU has room
 * for; lenient: the catalogue until it has a type).
 */
int fsv_vf_format_creatable(struct fsv_vf *vf, char *buf)
{
	const struct fsv_profile *p = vf->profile;
	unsigned int i;
	int len;

	len = sysfs_emit(buf, "ID    : vGPU Name\n");
	mutex_lock(&vf->fbus->type_lock);
	for (i = 0; i < p->num_types && !vf->vgpu_type; i++) {
		if (fsv_opts.strict &&
		    !fsv_vf_type_creatable_locked(vf, p->types[i].id))
			continue;
		len += sysfs_emit_at(buf, len, "%-5u : %s\n", p->types[i].id,
				     p->types[i].name);
	}
	mutex_unlock(&vf->fbus->type_lock);
	return len;
}
