// SPDX-License-Identifier: GPL-2.0-only
/*
 * SR-IOV physical functions: what the stub driver does with a PF's
 * sriov_numvfs (the PCI core's sriov_configure callback), the VFs enabled at
 * load (sriov_numvfs=), and SR-IOV shutdown before a PF goes away.
 *
 * The PCI core's own SR-IOV code creates and removes the VFs
 * (pci_enable_sriov(), pci_disable_sriov()); the module only makes their
 * config space answer (config.c: VF Enable in the PF's capability) and resets
 * each VF as it is enabled. Locking: the PF's device lock (held by the PCI
 * core around sriov_configure, taken here for load and shutdown), then
 * fbus->type_lock for the VFs' types; never pci_lock_rescan_remove(): some
 * kernels take it inside pci_enable_sriov()/pci_disable_sriov().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/pci.h>

#include "fsv.h"

static void fsv_sriov_clear_locked(struct fsv_func *pf)
{
	unsigned int i;

	for (i = 0; i < pf->sriov->num_vfs; i++)
		pf->sriov->vfs[i]->vgpu_type = 0;
	pf->sriov->num_vfs = 0;
}

/*
 * Gives VFs 0..n-1 a fresh config space and the given type (0: none, as
 * NVIDIA's driver enables them); strict mode counts those types against the
 * GPU's capacity first.
 */
static int fsv_sriov_prepare(struct fsv_func *pf, struct pci_dev *pdev,
			     unsigned int n, u32 type)
{
	struct fsv_sriov *sr = pf->sriov;
	unsigned int i;
	int ret = 0;

	mutex_lock(&pf->fbus->type_lock);
	if (sr->dying) {
		ret = -ENODEV;
		goto out;
	}
	sr->num_vfs = n;
	for (i = 0; i < n; i++)
		fsv_vgpu_reset_locked(sr->vfs[i], 0);
	for (i = 0; i < n && type; i++) {
		if (fsv_opts.strict &&
		    !fsv_vgpu_creatable_locked(sr->vfs[i], type)) {
			pci_err(pdev, "sriov_numvfs=%u: only %u vGPUs of type %u fit on one %s (strict=1); enable fewer VFs at load or load with another vgpu_type=\n",
				n, i, type, pf->profile->model);
			ret = -ENOSPC;
			break;
		}
		sr->vfs[i]->vgpu_type = type;
	}
	if (ret)
		fsv_sriov_clear_locked(pf);
out:
	mutex_unlock(&pf->fbus->type_lock);
	return ret;
}

static int fsv_sriov_enable(struct fsv_func *pf, struct pci_dev *pdev,
			    unsigned int n, u32 type)
{
	int ret = fsv_sriov_prepare(pf, pdev, n, type);

	if (ret)
		return ret;
	ret = pci_enable_sriov(pdev, n);
	if (ret) {
		pci_err(pdev, "cannot enable %u VFs: %d\n", n, ret);
		mutex_lock(&pf->fbus->type_lock);
		fsv_sriov_clear_locked(pf);
		mutex_unlock(&pf->fbus->type_lock);
		return ret;
	}
	return n;
}

static void fsv_sriov_disable(struct fsv_func *pf, struct pci_dev *pdev)
{
	unsigned int i, n = min_t(unsigned int, pci_num_vf(pdev),
				  pf->profile->total_vfs);

	/* The VFs' pci_devs go: their unbinds need not give them a group. */
	for (i = 0; i < n; i++)
		pf->sriov->vfs[i]->removing = true;
	pci_disable_sriov(pdev);
	for (i = 0; i < n; i++)
		pf->sriov->vfs[i]->removing = false;
	mutex_lock(&pf->fbus->type_lock);
	fsv_sriov_clear_locked(pf);
	mutex_unlock(&pf->fbus->type_lock);
}

static int fsv_sriov_set(struct pci_dev *pdev, int num_vfs, u32 type)
{
	struct fsv_func *pf = fsv_func_of(pdev);

	if (!pf || pf->kind != FSV_PF)
		return -ENODEV;
	if (!num_vfs) {
		fsv_sriov_disable(pf, pdev);
		return 0;
	}
	return fsv_sriov_enable(pf, pdev, num_vfs, type);
}

/*
 * Whether the stub driver (the one whose sriov_configure is ours) is bound
 * to pdev; called with its device lock.
 */
static bool fsv_sriov_owned(struct pci_dev *pdev)
{
	return pdev->dev.driver &&
	       to_pci_driver(pdev->dev.driver)->sriov_configure ==
	       fsv_sriov_configure;
}

/*
 * sriov_numvfs: the PCI core has checked 0 <= n <= sriov_totalvfs and that
 * changing a non-zero count goes through 0 (EBUSY otherwise), and holds the
 * PF's device lock. VFs start with no vGPU type. Returns the VFs enabled,
 * or an errno.
 */
int fsv_sriov_configure(struct pci_dev *pdev, int num_vfs)
{
	return fsv_sriov_set(pdev, num_vfs, 0);
}

/*
 * sriov_numvfs= at load: as a write to the PF's sriov_numvfs, the VFs with
 * the module's vgpu_type=.
 */
int fsv_sriov_enable_at_load(struct fsv_func *pf, int num_vfs, u32 type)
{
	struct pci_dev *pdev;
	int ret;

	pdev = pci_get_slot(pf->fbus->bus, pf->devfn);
	if (!pdev)
		return -ENODEV;
	device_lock(&pdev->dev);
	if (!fsv_sriov_owned(pdev))
		ret = -ENODEV;	/* someone else's driver_override */
	else
		ret = fsv_sriov_set(pdev, num_vfs, type);
	device_unlock(&pdev->dev);
	if (ret > 0)
		kobject_uevent(&pdev->dev.kobj, KOBJ_CHANGE);
	pci_dev_put(pdev);
	return ret < 0 ? ret : 0;
}

/*
 * Before the PF is removed: no more enables, and its VFs go now, whichever
 * driver enabled them, with the rescan lock not held.
 */
void fsv_sriov_shutdown(struct fsv_func *pf)
{
	struct pci_dev *pdev;

	mutex_lock(&pf->fbus->type_lock);
	pf->sriov->dying = true;
	mutex_unlock(&pf->fbus->type_lock);

	pdev = pci_get_slot(pf->fbus->bus, pf->devfn);
	if (!pdev)
		return;
	device_lock(&pdev->dev);
	if (pci_num_vf(pdev))
		fsv_sriov_disable(pf, pdev);
	device_unlock(&pdev->dev);
	pci_dev_put(pdev);
}
