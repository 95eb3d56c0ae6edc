// SPDX-License-Identifier: GPL-2.0-only
/*
 * Config space: what each kind of function answers to config cycles.
 *
 * A function stores FSV_CFG_IMAGE bytes (the header, PM, MSI and PCIe
 * capabilities, a PF's SR-IOV capability); its write masks are built once
 * per profile and kind at load (fsv_masks_init()) from the same code that
 * sets the reset values, so a register's value and its writable bits are
 * written in one place. A VF of a PF answers only while its PF's VF Enable
 * is set and its index is below NumVFs, with the IDs and BARs a VF reads
 * as (PCIe r5.0 9.3.4.1).
 */
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
static void cfg_reg(struct fsv_func *func, int where, int size, u32 val,
		    u32 wmask, u32 w1cmask)
{
	cfg_put(func->cfg, where, size, val);
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
static void fsv_cfg_init_bars(struct fsv_func *func, int reg0,
			      const u64 addr[FSV_NUM_BARS])
{
	const struct fsv_profile *p = func->profile;
	int i;

	for (i = 0; i < FSV_NUM_BARS; i++) {
		int reg = reg0 + 8 * i;
		u64 mask = ~(p->bar_size[i] - 1);
		u32 flags = PCI_BASE_ADDRESS_SPACE_MEMORY |
			    PCI_BASE_ADDRESS_MEM_TYPE_64;

		if (p->bar_prefetch[i])
			flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
		cfg_reg(func, reg, 4, lower_32_bits(addr[i]) | flags,
			lower_32_bits(mask) & PCI_BASE_ADDRESS_MEM_MASK, 0);
		cfg_reg(func, reg + 4, 4, upper_32_bits(addr[i]),
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
static void fsv_pf_vf_bars(struct fsv_func *pf, u64 addr[FSV_NUM_BARS])
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
static void fsv_pf_init_sriov_cap(struct fsv_func *pf)
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
	fsv_cfg_init_bars(pf, pos + PCI_SRIOV_BAR, addr);
}

/*
 * A PCI Express endpoint with power management, as lspci -vvv decodes on
 * the real boards: PM at 0x60, PCIe v2 at 0x78, 4 KiB config space. Sets
 * the function's reset values and its write masks; the caller excludes
 * config cycles (fsv_bus.table_lock) once the function is on the bus.
 */
void fsv_func_init_config(struct fsv_func *func)
{
	const struct fsv_profile *p = func->profile;
	u64 addr[FSV_NUM_BARS];
	u16 lnk = PCI_EXP_LNKSTA_CLS_8_0GB | (16 << PCI_EXP_LNKSTA_NLW_SHIFT);

	func->masks = fsv_masks_of(p, func->kind);

	cfg_reg(func, PCI_VENDOR_ID, 2, PCI_VENDOR_ID_NVIDIA, 0, 0);
	cfg_reg(func, PCI_DEVICE_ID, 2, p->device, 0, 0);
	cfg_reg(func, PCI_COMMAND, 2, 0,
		PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
		PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE, 0);
	cfg_reg(func, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0,
		PCI_STATUS_DETECTED_PARITY | PCI_STATUS_SIG_SYSTEM_ERROR |
		PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_REC_TARGET_ABORT |
		PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_PARITY);
	cfg_reg(func, PCI_CLASS_REVISION, 4, (p->class << 8) | p->revision, 0, 0);
	cfg_reg(func, PCI_CACHE_LINE_SIZE, 1, 0, 0xff, 0);
	cfg_reg(func, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_NORMAL, 0, 0);
	if (func->kind == FSV_VF) {
		/* VF i's part of its PF's VF BAR arrays (what VFIO shows). */
		int i;

		fsv_pf_vf_bars(func->pf, addr);
		for (i = 0; i < FSV_NUM_BARS; i++)
			addr[i] += (u64)func->vf_index * p->bar_size[i];
	} else {
		fsv_bar_layout(p, fsv_slice_base(func->fbus, func->devfn), 1, addr);
	}
	fsv_cfg_init_bars(func, PCI_BASE_ADDRESS_0, addr);
	cfg_reg(func, PCI_SUBSYSTEM_VENDOR_ID, 2, p->subsys_vendor, 0, 0);
	cfg_reg(func, PCI_SUBSYSTEM_ID, 2, p->subsys_device, 0, 0);
	cfg_reg(func, PCI_CAPABILITY_LIST, 1, FSV_CAP_PM, 0, 0);
	cfg_reg(func, PCI_INTERRUPT_LINE, 1, 0, 0xff, 0);
	/* No INTx pin: nothing could ever raise it. */

	/* Power management: D0/D3hot, no soft reset on D3hot->D0. */
	cfg_reg(func, FSV_CAP_PM + PCI_CAP_LIST_ID, 1, PCI_CAP_ID_PM, 0, 0);
	cfg_reg(func, FSV_CAP_PM + PCI_CAP_LIST_NEXT, 1, FSV_CAP_MSI, 0, 0);
	cfg_reg(func, FSV_CAP_PM + PCI_PM_PMC, 2, 3, 0, 0);
	cfg_reg(func, FSV_CAP_PM + PCI_PM_CTRL, 2, PCI_PM_CTRL_NO_SOFT_RESET,
		PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE,
		PCI_PM_CTRL_PME_STATUS);

	/* MSI: one vector, 64-bit address, no per-vector masking. */
	cfg_reg(func, FSV_CAP_MSI + PCI_CAP_LIST_ID, 1, PCI_CAP_ID_MSI, 0, 0);
	cfg_reg(func, FSV_CAP_MSI + PCI_CAP_LIST_NEXT, 1, FSV_CAP_EXP, 0, 0);
	cfg_reg(func, FSV_CAP_MSI + PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_64BIT,
		PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 0);
	cfg_reg(func, FSV_CAP_MSI + PCI_MSI_ADDRESS_LO, 4, 0, 0xfffffffc, 0);
	cfg_reg(func, FSV_CAP_MSI + PCI_MSI_ADDRESS_HI, 4, 0, 0xffffffff, 0);
	cfg_reg(func, FSV_CAP_MSI + PCI_MSI_DATA_64, 2, 0, 0xffff, 0);

	/* PCI Express v2 endpoint, Gen3 x16 link. */
	cfg_reg(func, FSV_CAP_EXP + PCI_CAP_LIST_ID, 1, PCI_CAP_ID_EXP, 0, 0);
	cfg_reg(func, FSV_CAP_EXP + PCI_CAP_LIST_NEXT, 1, 0, 0, 0);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_FLAGS, 2,
		2 | (PCI_EXP_TYPE_ENDPOINT << 4), 0, 0);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_DEVCAP, 4,
		1 /* 256B payload */ | PCI_EXP_DEVCAP_EXT_TAG |
		PCI_EXP_DEVCAP_RBER, 0, 0);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_DEVCTL, 2,
		PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN |
		PCI_EXP_DEVCTL_READRQ_512B,
		0x7fff & ~PCI_EXP_DEVCTL_BCR_FLR, 0);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_DEVSTA, 2, 0, 0, 0x000f);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_LNKCAP, 4,
		PCI_EXP_LNKCAP_SLS_8_0GB | (16 << 4), 0, 0);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_CCC,
		PCI_EXP_LNKCTL_ASPMC | PCI_EXP_LNKCTL_RCB | PCI_EXP_LNKCTL_CCC |
		PCI_EXP_LNKCTL_ES | PCI_EXP_LNKCTL_CLKREQ_EN, 0);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_LNKSTA, 2, lnk | PCI_EXP_LNKSTA_SLC,
		0, 0);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_DEVCTL2, 2, 0,
		PCI_EXP_DEVCTL2_COMP_TIMEOUT | PCI_EXP_DEVCTL2_COMP_TMOUT_DIS,
		0);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_LNKCAP2, 4,
		PCI_EXP_LNKCAP2_SLS_2_5GB | PCI_EXP_LNKCAP2_SLS_5_0GB |
		PCI_EXP_LNKCAP2_SLS_8_0GB, 0, 0);
	cfg_reg(func, FSV_CAP_EXP + PCI_EXP_LNKCTL2, 2, PCI_EXP_LNKCTL2_TLS_8_0GT,
		PCI_EXP_LNKCTL2_TLS, 0);

	if (func->kind == FSV_PF)
		fsv_pf_init_sriov_cap(func);
}

/*
 * Whether the function answers config cycles: always, except a VF, which
 * exists while its PF's VF Enable is set and its index is below NumVFs.
 * Called under fbus->table_lock.
 */
bool fsv_func_present(struct fsv_func *func)
{
	const u8 *pf;

	if (func->kind != FSV_VF)
		return true;
	pf = func->pf->cfg + FSV_CAP_SRIOV;
	return (cfg_get(pf, PCI_SRIOV_CTRL, 2) & PCI_SRIOV_CTRL_VFE) &&
	       func->vf_index < cfg_get(pf, PCI_SRIOV_NUM_VF, 2);
}

/* A VF's vendor/device IDs read as all-ones, its BARs as zero (PCIe r5.0 9.3.4.1). */
static bool fsv_func_reads_ones(struct fsv_func *func, int off)
{
	return func->kind == FSV_VF && off < PCI_COMMAND;
}

static bool fsv_func_reads_zero(struct fsv_func *func, int off)
{
	return func->kind == FSV_VF && off >= PCI_BASE_ADDRESS_0 &&
	       off <= PCI_BASE_ADDRESS_5 + 3;
}

/* Called under fbus->table_lock (config accessors). */
void fsv_func_cfg_read(struct fsv_func *func, int where, int size, u32 *val)
{
	int i;

	if (where >= FSV_CFG_IMAGE) {
		*val = 0;	/* extended space past the capabilities */
		return;
	}
	*val = cfg_get(func->cfg, where, size);
	for (i = 0; i < size; i++) {
		if (fsv_func_reads_ones(func, where + i))
			*val |= 0xffU << (8 * i);
		else if (fsv_func_reads_zero(func, where + i))
			*val &= ~(0xffU << (8 * i));
	}

	/*
	 * Multi-function bit: set while another function of the slot is on the
	 * bus as a function of its own (VFs are not: the PCI core finds them
	 * through their PF, never by scanning).
	 */
	if ((func->kind == FSV_STANDALONE || func->kind == FSV_PF) &&
	    where <= PCI_HEADER_TYPE && where + size > PCI_HEADER_TYPE) {
		unsigned int slot = PCI_SLOT(func->devfn), fn;

		for (fn = 0; fn < 8; fn++) {
			struct fsv_func *other = func->fbus->funcs[PCI_DEVFN(slot, fn)];

			if (fn != PCI_FUNC(func->devfn) && other &&
			    other->kind != FSV_VF) {
				*val |= 0x80 << (8 * (PCI_HEADER_TYPE - where));
				break;
			}
		}
	}
}

/* The function's own view, as VFIO virtualizes it (IDs of a VF included). */
u32 fsv_func_cfg_read_raw(struct fsv_func *func, int where, int size)
{
	return where < FSV_CFG_IMAGE ? cfg_get(func->cfg, where, size) : 0;
}

void fsv_func_cfg_write(struct fsv_func *func, int where, int size, u32 val)
{
	int i;

	if (where >= FSV_CFG_IMAGE)
		return;
	for (i = 0; i < size; i++) {
		u8 b = val >> (8 * i), *reg = &func->cfg[where + i];
		u8 wmask = func->masks->w[where + i], w1c = func->masks->w1c[where + i];

		if (fsv_func_reads_zero(func, where + i))
			continue;	/* read-only; VFIO keeps the user's copy */
		*reg = (*reg & ~wmask) | (b & wmask);
		*reg &= ~(b & w1c);
	}
}

int fsv_masks_init(void)
{
	struct fsv_bus *fbus;
	struct fsv_func *func;
	unsigned int i, pf;
	int ret = -ENOMEM;

	fsv_masks = kcalloc(2 * fsv_num_profiles, sizeof(*fsv_masks),
			    GFP_KERNEL);
	fbus = kzalloc(sizeof(*fbus), GFP_KERNEL);
	func = kzalloc(sizeof(*func), GFP_KERNEL);
	if (!fsv_masks || !fbus || !func)
		goto out;
	for (i = 0; i < fsv_num_profiles; i++) {
		for (pf = 0; pf < 2; pf++) {
			func->fbus = fbus;
			func->profile = &fsv_profiles[i];
			func->kind = pf ? FSV_PF : FSV_STANDALONE;
			if (pf && !func->profile->total_vfs)
				continue;
			fsv_building = &fsv_masks[2 * i + pf];
			fsv_func_init_config(func);
		}
	}
	fsv_building = NULL;
	ret = 0;
out:
	kfree(func);
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
