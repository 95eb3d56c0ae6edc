// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOMMU groups, and the bus notifier that readies every pci_dev of the
 * module's buses before its KOBJ_ADD uevent: driver_override naming the
 * stub driver, BARs claimed in the module's window, the PF's NUMA node and
 * an IOMMU group (the module's own, or VFIO's when the stub driver binds),
 * so udev and KubeVirt always see a function with a group.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/pci.h>

#include "fsv.h"

/*
 * BARs go into the module's window, so they show under it in /proc/iomem;
 * a PF's VF BARs too (pci_enable_sriov() needs them claimed and carves each
 * VF's out of them itself).
 */
static void fsv_func_claim_bars(struct fsv_func *func, struct pci_dev *pdev)
{
	int i, bar;

	if (func->kind == FSV_VF)
		return;
	for (i = 0; i < FSV_NUM_BARS; i++) {
		bar = 2 * i;
		if (pci_resource_len(pdev, bar) && pci_claim_resource(pdev, bar))
			pci_warn(pdev, "BAR %d not claimed in the module's window\n",
				 bar);
		bar = fsv_pci_iov_resource(bar);
		if (func->kind == FSV_PF && bar >= 0 &&
		    pci_resource_len(pdev, bar) && pci_claim_resource(pdev, bar))
			pci_warn(pdev, "VF BAR %d not claimed in the module's window\n",
				 2 * i);
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
static bool fsv_func_group_from_vfio(const struct fsv_func *func)
{
	return FSV_VFIO_EMULATED_IOMMU && fsv_opts.vfio_mode != FSV_VFIO_OFF &&
	       func->kind != FSV_PF && func->overridden;
}

/* Gives the function the module's own IOMMU group, unless it has one. */
static int fsv_func_group_attach(struct fsv_func *func, struct pci_dev *pdev)
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
	func->group = group;
	return 0;
}

void fsv_func_group_detach(struct fsv_func *func, struct pci_dev *pdev)
{
	if (!func->group)
		return;
	iommu_group_remove_device(&pdev->dev);
	iommu_group_put(func->group);
	func->group = NULL;
}

/*
 * After the bind (or none): whichever group it has, else the module's own,
 * as a GPU without a driver keeps its group. 0, or an errno (logged).
 */
int fsv_func_group_ensure(struct fsv_func *func, struct pci_dev *pdev)
{
	struct iommu_group *group = iommu_group_get(&pdev->dev);
	int ret;

	if (group) {
		iommu_group_put(group);
		return 0;
	}
	ret = fsv_func_group_attach(func, pdev);
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
	struct fsv_func *func;
	int ret;

	if (fsv_bus_of(pdev) != fbus)
		return NOTIFY_DONE;
	func = fsv_bus_lookup(fbus, pdev->devfn);
	if (!func)
		return NOTIFY_DONE;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		/*
		 * Only the stub driver may bind it: a GPU driver loaded first
		 * (nouveau matches any NVIDIA display function) would probe it
		 * and touch BARs nothing backs. Users may still override it.
		 */
		ret = fsv_pci_set_driver_override(pdev, fsv_opts.driver_name);
		func->overridden = !ret;
		if (ret)
			pci_warn(pdev, "driver_override not set (%d): another NVIDIA driver could probe it\n",
				 ret);
		fsv_func_claim_bars(func, pdev);
		/* numa_node= of a PF, for it and its VFs (topology hints). */
		if (func->numa_node != NUMA_NO_NODE)
			set_dev_node(&pdev->dev, func->numa_node);
		/* Else VFIO gives it one as the stub driver binds. */
		if (fsv_func_group_from_vfio(func))
			break;
		ret = fsv_func_group_attach(func, pdev);
		if (ret)
			pci_err(pdev, "cannot give the function an IOMMU group: %d\n",
				ret);
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		fsv_func_group_detach(func, pdev);
		break;
	}
	return NOTIFY_OK;
}

int fsv_notifier_register(struct fsv_bus *fbus)
{
	fbus->nb.notifier_call = fsv_bus_notify;
	return bus_register_notifier(&pci_bus_type, &fbus->nb);
}

void fsv_notifier_unregister(struct fsv_bus *fbus)
{
	bus_unregister_notifier(&pci_bus_type, &fbus->nb);
}
