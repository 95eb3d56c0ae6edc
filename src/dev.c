// SPDX-License-Identifier: GPL-2.0-only
/*
 * One function's life on a bus, for every kind (enum fsv_kind): created
 * with its config space, published in the bus's table, scanned by the PCI
 * core (the notifier readies the pci_dev, the stub driver binds), and
 * destroyed. A PF is created with its VFs, which the PCI core adds and
 * removes as VF Enable changes (sriov.c); they go with their PF.
 *
 * A struct fsv_func is the "hardware" and lives from fsv_func_create() to
 * fsv_func_destroy(). The PCI core's pci_dev for it may be removed and
 * found again in between (sysfs remove/rescan), as a real function's would.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>
#include <linux/slab.h>

#include "fsv.h"

struct fsv_func *fsv_func_of(struct pci_dev *pdev)
{
	struct fsv_bus *fbus = fsv_bus_of(pdev);

	return fbus ? fsv_bus_lookup(fbus, pdev->devfn) : NULL;
}

static struct fsv_func *fsv_func_alloc(struct fsv_bus *fbus,
				       enum fsv_kind kind, unsigned int devfn,
				       const struct fsv_profile *profile,
				       int numa_node)
{
	struct fsv_func *func = kzalloc(sizeof(*func), GFP_KERNEL);

	if (!func)
		return NULL;
	func->fbus = fbus;
	func->kind = kind;
	func->profile = profile;
	func->devfn = devfn;
	func->numa_node = numa_node;
	return func;
}

static void fsv_func_free(struct fsv_func *func)
{
	unsigned int i;

	if (func->sriov) {
		for (i = 0; i < func->profile->total_vfs; i++)
			kfree(func->sriov->vfs[i]);
		kfree(func->sriov);
	}
	kfree(func);
}

/* A PF's SR-IOV state and its VFs, each with its config space. */
static int fsv_pf_alloc_vfs(struct fsv_func *pf)
{
	const struct fsv_profile *p = pf->profile;
	unsigned int i;

	pf->sriov = kzalloc(struct_size(pf->sriov, vfs, p->total_vfs),
			    GFP_KERNEL);
	if (!pf->sriov)
		return -ENOMEM;
	for (i = 0; i < p->total_vfs; i++) {
		struct fsv_func *vf = fsv_func_alloc(pf->fbus, FSV_VF,
			pf->devfn + p->vf_offset + i * p->vf_stride, p,
			pf->numa_node);

		if (!vf)
			return -ENOMEM;
		vf->pf = pf;
		vf->vf_index = i;
		fsv_func_init_config(vf);
		pf->sriov->vfs[i] = vf;
	}
	return 0;
}

/* The addresses a function of kind takes: its own, and a PF's VF range. */
static unsigned int fsv_span(enum fsv_kind kind, const struct fsv_profile *p)
{
	return kind == FSV_PF ? fsv_pf_span(p) : 1;
}

/* Takes the function's addresses in the table, or -EEXIST; under table_lock. */
static int fsv_func_publish(struct fsv_func *func)
{
	struct fsv_bus *fbus = func->fbus;
	unsigned int i, end = func->devfn + fsv_span(func->kind, func->profile);

	for (i = func->devfn; i < end; i++)
		if (fbus->funcs[i] || test_bit(i, fbus->reserved))
			return -EEXIST;
	for (i = func->devfn; i < end; i++)
		set_bit(i, fbus->reserved);
	fbus->funcs[func->devfn] = func;
	for (i = 0; func->sriov && i < func->profile->total_vfs; i++)
		fbus->funcs[func->sriov->vfs[i]->devfn] = func->sriov->vfs[i];
	return 0;
}

/* Gives the function's addresses back; under table_lock. */
static void fsv_func_unpublish(struct fsv_func *func)
{
	struct fsv_bus *fbus = func->fbus;
	unsigned int i, end = func->devfn + fsv_span(func->kind, func->profile);

	for (i = func->devfn; i < end; i++) {
		clear_bit(i, fbus->reserved);
		fbus->funcs[i] = NULL;
	}
}

/*
 * Puts the function on the bus (the PCI core scans it, the notifier gives it
 * its BARs and group, the stub driver binds); called with the rescan lock
 * held and the function published in the table.
 */
static int fsv_func_scan(struct fsv_func *func)
{
	struct pci_dev *pdev;
	int ret;

	pdev = pci_scan_single_device(func->fbus->bus, func->devfn);
	if (!pdev)
		return -ENODEV;
	pci_bus_add_device(pdev);
	/*
	 * The notifier or VFIO (at the bind) gave it a group, or, if the stub
	 * driver did not bind, the module's own now; without one KubeVirt
	 * would drop the function.
	 */
	device_lock(&pdev->dev);
	ret = fsv_func_group_ensure(func, pdev);
	device_unlock(&pdev->dev);
	if (ret) {
		func->removing = true;
		pci_stop_and_remove_bus_device(pdev);
		return -ENODEV;
	}
	return 0;
}

/*
 * Creates the function spec describes and puts it on the bus, where the
 * stub driver binds: a standalone VF with its vGPU type, or an SR-IOV PF
 * (function 0 of a slot) with its VFs, which answer config cycles once the
 * PCI core sets VF Enable; the PF takes fsv_pf_span() addresses. -EEXIST if
 * an address is taken (by a function, or by a PF's VF range); -EINVAL if
 * the function does not fit the bus or (a PF) its board has no SR-IOV.
 */
int fsv_func_create(struct fsv_bus *fbus, const struct fsv_func_spec *spec,
		    struct fsv_func **out)
{
	const struct fsv_profile *p = spec->profile;
	struct fsv_func *func;
	unsigned long flags;
	int ret;

	if (spec->kind != FSV_STANDALONE && spec->kind != FSV_PF)
		return -EINVAL;	/* a PF's VFs come with their PF */
	if (spec->kind == FSV_PF &&
	    (!p->total_vfs || PCI_FUNC(spec->devfn)))
		return -EINVAL;
	if (spec->devfn + fsv_span(spec->kind, p) > FSV_MAX_FUNCS)
		return -EINVAL;

	func = fsv_func_alloc(fbus, spec->kind, spec->devfn, p,
			      spec->numa_node);
	if (!func)
		return -ENOMEM;
	func->vgpu_type = spec->vgpu_type;
	if (spec->kind == FSV_PF) {
		ret = fsv_pf_alloc_vfs(func);
		if (ret)
			goto out_free;
	}
	fsv_func_init_config(func);

	pci_lock_rescan_remove();
	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	ret = fsv_func_publish(func);
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	if (!ret) {
		ret = fsv_func_scan(func);
		if (ret) {
			raw_spin_lock_irqsave(&fbus->table_lock, flags);
			fsv_func_unpublish(func);
			raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
		}
	}
	pci_unlock_rescan_remove();
	if (ret)
		goto out_free;
	*out = func;
	return 0;

out_free:
	fsv_func_free(func);
	return ret;
}

/*
 * Removes the function's pci_dev (if the PCI core still has it), then it.
 * A PF's SR-IOV must be shut down first (fsv_sriov_shutdown()), outside the
 * rescan lock: the PCI core's VF removal takes that lock itself on some
 * kernels.
 */
void fsv_func_destroy(struct fsv_func *func)
{
	struct fsv_bus *fbus = func->fbus;
	struct pci_dev *pdev;
	unsigned long flags;

	WARN_ON(func->sriov && !func->sriov->dying);
	pci_lock_rescan_remove();
	pdev = pci_get_slot(fbus->bus, func->devfn);
	if (pdev) {
		func->removing = true;
		pci_stop_and_remove_bus_device(pdev);
		pci_dev_put(pdev);
	}
	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	fsv_func_unpublish(func);
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	pci_unlock_rescan_remove();
	fsv_func_free(func);
}
