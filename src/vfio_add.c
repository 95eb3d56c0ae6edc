// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO registration through vfio_add_group_dev() (FSV_VFIO_ADD, 5.10 to
 * 5.12): void * operations around the ones of vfio.c; the function keeps
 * its own IOMMU group, and the driver takes the module reference per open.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "vfio.h"

#if FSV_VFIO_API == FSV_VFIO_ADD

/* Called for every device fd. */
static int fsv_vfio_add_open(void *data)
{
	int ret;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	ret = fsv_vfio_open(data);
	if (ret)
		module_put(THIS_MODULE);
	return ret;
}

static void fsv_vfio_add_close(void *data)
{
	fsv_vfio_close(data);
	module_put(THIS_MODULE);
}

static long fsv_vfio_add_ioctl(void *data, unsigned int cmd, unsigned long arg)
{
	return fsv_vfio_ioctl(data, cmd, arg);
}

static ssize_t fsv_vfio_add_read(void *data, char __user *buf, size_t count,
				 loff_t *ppos)
{
	return fsv_vfio_read(data, buf, count, ppos);
}

static ssize_t fsv_vfio_add_write(void *data, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	return fsv_vfio_write(data, buf, count, ppos);
}

static int fsv_vfio_add_mmap(void *data, struct vm_area_struct *vma)
{
	return fsv_vfio_mmap(data, vma);
}

static void fsv_vfio_add_request(void *data, unsigned int count)
{
	fsv_vfio_request(data, count);
}

static const struct vfio_device_ops fsv_vfio_ops = {
	.name = "fake-sriov-vgpu",
	.open = fsv_vfio_add_open,
	.release = fsv_vfio_add_close,
	.read = fsv_vfio_add_read,
	.write = fsv_vfio_add_write,
	.ioctl = fsv_vfio_add_ioctl,
	.mmap = fsv_vfio_add_mmap,
	.request = fsv_vfio_add_request,
};

/* The function keeps its own IOMMU group; VFIO opens /dev/vfio/<group> on it. */
int fsv_vfio_register(struct fsv_func *func, struct pci_dev *pdev)
{
	struct fsv_vfio *fv;
	int ret;

	if (fsv_opts.vfio_mode == FSV_VFIO_OFF)
		return 0;
	fv = kzalloc(sizeof(*fv), GFP_KERNEL);
	if (!fv)
		return -ENOMEM;
	fsv_vfio_init(fv, func, pdev, &pdev->dev);
	ret = vfio_add_group_dev(&pdev->dev, &fsv_vfio_ops, fv);
	if (ret) {
		pci_err(pdev, "cannot register with VFIO: %d\n", ret);
		kfree(fv);
		return ret;
	}
	func->vfio = fv;
	return 0;
}

void fsv_vfio_unregister(struct fsv_func *func)
{
	struct fsv_vfio *fv = func->vfio;

	if (!fv)
		return;
	/* Waits until user space has closed the device. */
	vfio_del_group_dev(&fv->pdev->dev);
	func->vfio = NULL;
	kfree(fv);
}
#endif
