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

/* Sets a register's reset value and which of its bits software may write. */
static void cfg_reg(struct fsv_vf *vf, int where, int size, u32 val,
		    u32 wmask, u32 w1cmask)
{
	cfg_put(vf->cfg, where, size, val);
	cfg_put(vf->wmask, where, size, wmask);
	cfg_put(vf->w1cmask, where, size, w1cmask);
}

static const int fsv_bar_reg[FSV_NUM_BARS] = {
	PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_2, PCI_BASE_ADDRESS_4,
};

static int cmp_bar_size_desc(const void *a, const void *b)
{
	const u64 *x = a, *y = b;

	return *x < *y ? 1 : *x > *y ? -1 : 0;
}

/*
 * 64-bit memory BARs, placed largest first in the function's slice of the
 * window so each is naturally aligned. Writable bits are the address bits
 * above the size, so writing all-ones reads back the size mask.
 */
static void fsv_vf_init_bars(struct fsv_vf *vf, u64 base)
{
	const struct fsv_profile *p = vf->profile;
	u64 order[FSV_NUM_BARS][2];	/* size, index */
	int i;

	for (i = 0; i < FSV_NUM_BARS; i++) {
		order[i][0] = p->bar_size[i];
		order[i][1] = i;
	}
	sort(order, FSV_NUM_BARS, sizeof(order[0]), cmp_bar_size_desc, NULL);

	for (i = 0; i < FSV_NUM_BARS; i++) {
		int bar = order[i][1], reg = fsv_bar_reg[bar];
		u64 size = order[i][0];
		u64 mask = ~(size - 1);
		u32 flags = PCI_BASE_ADDRESS_SPACE_MEMORY |
			    PCI_BASE_ADDRESS_MEM_TYPE_64;

		if (p->bar_prefetch[bar])
			flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
		cfg_reg(vf, reg, 4, lower_32_bits(base) | flags,
			lower_32_bits(mask) & PCI_BASE_ADDRESS_MEM_MASK, 0);
		cfg_reg(vf, reg + 4, 4, upper_32_bits(base), upper_32_bits(mask),
			0);
		base += size;
	}
}

/*
 * A PCI Express endpoint with power management, as lspci -vvv decodes on
 * the real boards: PM at 0x60, PCIe v2 at 0x78, 4 KiB config space.
 */
static void fsv_vf_init_config(struct fsv_vf *vf, u64 mmio_base)
{
	const struct fsv_profile *p = vf->profile;
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
	fsv_vf_init_bars(vf, mmio_base);
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
}

/* Called under fbus->table_lock (config accessors). */
void fsv_vf_cfg_read(struct fsv_vf *vf, int where, int size, u32 *val)
{
	*val = cfg_get(vf->cfg, where, size);

	/* Multi-function bit: set while another function shares the slot. */
	if (where <= PCI_HEADER_TYPE && where + size > PCI_HEADER_TYPE) {
		unsigned int slot = PCI_SLOT(vf->devfn), fn;

		for (fn = 0; fn < 8; fn++) {
			if (fn != PCI_FUNC(vf->devfn) &&
			    vf->fbus->vfs[PCI_DEVFN(slot, fn)]) {
				*val |= 0x80 << (8 * (PCI_HEADER_TYPE - where));
				break;
			}
		}
	}
}

void fsv_vf_cfg_write(struct fsv_vf *vf, int where, int size, u32 val)
{
	int i;

	for (i = 0; i < size; i++) {
		u8 b = val >> (8 * i), *reg = &vf->cfg[where + i];
		u8 wmask = vf->wmask[where + i], w1c = vf->w1cmask[where + i];

		*reg = (*reg & ~wmask) | (b & wmask);
		*reg &= ~(b & w1c);
	}
}

struct fsv_vf *fsv_vf_from_pdev(struct pci_dev *pdev)
{
	struct fsv_bus *fbus = fsv_bus_of(pdev);

	return fbus ? fsv_bus_lookup(fbus, pdev->devfn) : NULL;
}

/* BARs go into the module's window, so they show under it in /proc/iomem. */
static void fsv_vf_claim_bars(struct pci_dev *pdev)
{
	int i;

	for (i = 0; i < FSV_NUM_BARS; i++) {
		int bar = fsv_bar_reg[i] - PCI_BASE_ADDRESS_0;

		bar /= 4;
		if (pci_resource_len(pdev, bar) && pci_claim_resource(pdev, bar))
			pci_warn(pdev, "BAR %d not claimed in the module's window\n",
				 bar);
	}
}

int fsv_vf_group_attach(struct fsv_vf *vf, struct pci_dev *pdev)
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

/* Runs under pci_lock_rescan_remove(), held by whoever adds or removes. */
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
		if (ret)
			pci_warn(pdev, "driver_override not set (%d): another NVIDIA driver could probe it\n",
				 ret);
		fsv_vf_claim_bars(pdev);
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

/*
 * Creates the function at devfn and adds it to the bus, where the stub
 * driver binds. -EEXIST if the address is taken.
 */
int fsv_vf_create(struct fsv_bus *fbus, unsigned int devfn,
		  const struct fsv_profile *profile, u32 vgpu_type,
		  struct fsv_vf **out)
{
	struct iommu_group *group;
	struct pci_dev *pdev;
	struct fsv_vf *vf;
	unsigned long flags;
	int ret = 0;

	if (devfn >= FSV_MAX_FUNCS)
		return -EINVAL;

	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	vf->fbus = fbus;
	vf->profile = profile;
	vf->devfn = devfn;
	vf->vgpu_type = vgpu_type;
	fsv_vf_init_config(vf, fbus->mmio.start +
			       (u64)devfn * FSV_FUNC_MMIO_SIZE);

	pci_lock_rescan_remove();
	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	if (fbus->vfs[devfn])
		ret = -EEXIST;
	else
		fbus->vfs[devfn] = vf;
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	if (ret)
		goto err_unlock;

	pdev = pci_scan_single_device(fbus->bus, devfn);
	if (!pdev) {
		ret = -ENODEV;
		goto err_unpublish;
	}
	/* The notifier gave it a group; without one KubeVirt would drop it. */
	group = iommu_group_get(&pdev->dev);
	if (!group) {
		ret = -ENODEV;
		goto err_remove_pdev;
	}
	iommu_group_put(group);
	pci_bus_add_device(pdev);
	pci_unlock_rescan_remove();

	*out = vf;
	return 0;

err_remove_pdev:
	pci_stop_and_remove_bus_device(pdev);
err_unpublish:
	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	fbus->vfs[devfn] = NULL;
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
err_unlock:
	pci_unlock_rescan_remove();
	kfree(vf);
	return ret;
}

/* Removes the function's pci_dev (if the PCI core still has it), then it. */
void fsv_vf_destroy(struct fsv_vf *vf)
{
	struct fsv_bus *fbus = vf->fbus;
	struct pci_dev *pdev;
	unsigned long flags;

	pci_lock_rescan_remove();
	pdev = pci_get_slot(fbus->bus, vf->devfn);
	if (pdev) {
		pci_stop_and_remove_bus_device(pdev);
		pci_dev_put(pdev);
	}
	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	fbus->vfs[vf->devfn] = NULL;
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	pci_unlock_rescan_remove();
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

/* Types this function could take now: the catalogue, until it has one. */
static bool fsv_vf_type_creatable_locked(struct fsv_vf *vf, u32 type)
{
	return !vf->vgpu_type && fsv_vgpu_type_find(vf->profile, type);
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

/* NVIDIA's creatable_vgpu_types format: a header, then "%-5d : %s" lines. */
int fsv_vf_format_creatable(struct fsv_vf *vf, char *buf)
{
	const struct fsv_profile *p = vf->profile;
	unsigned int i;
	int len;

	len = sysfs_emit(buf, "ID    : vGPU Name\n");
	mutex_lock(&vf->fbus->type_lock);
	for (i = 0; i < p->num_types && !vf->vgpu_type; i++)
		len += sysfs_emit_at(buf, len, "%-5u : %s\n", p->types[i].id,
				     p->types[i].name);
	mutex_unlock(&vf->fbus->type_lock);
	return len;
}
