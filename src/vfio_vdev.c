// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO registration through struct vfio_device (FSV_VFIO_ALLOC, 6.1+, and
 * FSV_VFIO_INIT, 5.13 to 6.0): the operations of vfio.c behind the
 * vfio_device_ops the core calls. compat.h hides how the device is
 * allocated and freed and which registration call this kernel has.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>

#include "vfio.h"

#if FSV_VFIO_API == FSV_VFIO_ALLOC || FSV_VFIO_API == FSV_VFIO_INIT

/* fsv_vfio_alloc_device() makes a structure that starts with its vfio_device. */
static_assert(offsetof(struct fsv_vfio, vdev) == 0);

static struct fsv_vfio *to_fsv_vfio(struct vfio_device *vdev)
{
	return container_of(vdev, struct fsv_vfio, vdev);
}

static long fsv_vfio_vdev_ioctl(struct vfio_device *vdev, unsigned int cmd,
				unsigned long arg)
{
	return fsv_vfio_ioctl(to_fsv_vfio(vdev), cmd, arg);
}

static ssize_t fsv_vfio_vdev_read(struct vfio_device *vdev, char __user *buf,
				  size_t count, loff_t *ppos)
{
	return fsv_vfio_read(to_fsv_vfio(vdev), buf, count, ppos);
}

static ssize_t fsv_vfio_vdev_write(struct vfio_device *vdev,
				   const char __user *buf, size_t count,
				   loff_t *ppos)
{
	return fsv_vfio_write(to_fsv_vfio(vdev), buf, count, ppos);
}

static int fsv_vfio_vdev_mmap(struct vfio_device *vdev,
			      struct vm_area_struct *vma)
{
	return fsv_vfio_mmap(to_fsv_vfio(vdev), vma);
}

static void fsv_vfio_vdev_request(struct vfio_device *vdev, unsigned int count)
{
	fsv_vfio_request(to_fsv_vfio(vdev), count);
}

static int __maybe_unused
fsv_vfio_vdev_region_info_caps(struct vfio_device *vdev,
			       struct vfio_region_info *info,
			       struct vfio_info_cap *caps)
{
	return fsv_vfio_region_info(to_fsv_vfio(vdev), info, caps);
}

/* Where the core frees the device: after this (FSV_VFIO_CORE_RELEASES). */
static void __maybe_unused fsv_vfio_vdev_release(struct vfio_device *vdev)
{
	fsv_vfio_device_released(vdev);
	fsv_vfio_gone();
}

/*
 * Around the first device fd and after the last one (5.15+), or around
 * every fd (5.13, 5.14), where the module reference is ours to take.
 */
static int fsv_vfio_vdev_open(struct vfio_device *vdev)
{
	int ret;

	if (!fsv_vfio_open_module_get())
		return -ENODEV;
	ret = fsv_vfio_open(to_fsv_vfio(vdev));
	if (ret)
		fsv_vfio_close_module_put();
	return ret;
}

static void fsv_vfio_vdev_close(struct vfio_device *vdev)
{
	fsv_vfio_close(to_fsv_vfio(vdev));
	fsv_vfio_close_module_put();
}

static const struct vfio_device_ops fsv_vfio_ops = {
	.name = "fake-sriov-vgpu",
	FSV_VFIO_OPEN_OPS(fsv_vfio_vdev_open, fsv_vfio_vdev_close)
	FSV_VFIO_RELEASE_OP(fsv_vfio_vdev_release)
	.read = fsv_vfio_vdev_read,
	.write = fsv_vfio_vdev_write,
	.ioctl = fsv_vfio_vdev_ioctl,
	.mmap = fsv_vfio_vdev_mmap,
	.request = fsv_vfio_vdev_request,
	FSV_VFIO_REGION_INFO_CAPS_OP(fsv_vfio_vdev_region_info_caps)
	FSV_VFIO_IOMMUFD_OPS
};

/* Drops the device; with FSV_VFIO_CORE_RELEASES the core's .release ends it. */
static void fsv_vfio_put(struct fsv_vfio *fv)
{
	fsv_vfio_put_device(&fv->vdev);
	if (!FSV_VFIO_CORE_RELEASES)
		fsv_vfio_gone();
}

/*
 * A VFIO device for func on dev: a PCI function (pdev) or an mdev instance
 * (no pdev, always on the emulated IOMMU: fsv_vfio_register_mdev()).
 */
static int fsv_vfio_add(struct fsv_func *func, struct pci_dev *pdev,
			struct device *dev)
{
	struct fsv_vfio *fv;
	int ret;

	fv = fsv_vfio_alloc_device(sizeof(*fv), dev, &fsv_vfio_ops);
	if (IS_ERR(fv))
		return PTR_ERR(fv);
	fsv_vfio_born();
	fsv_vfio_init(fv, func, pdev, dev);

	/*
	 * With an emulated IOMMU, VFIO gives the function a group of its own;
	 * otherwise it registers the function in the group it has.
	 */
	if (FSV_VFIO_EMULATED_IOMMU && pdev)
		fsv_func_group_detach(func, pdev);
	ret = fsv_vfio_register_dev(&fv->vdev);
	if (ret) {
		dev_err(dev, "cannot register with VFIO: %d\n", ret);
		fsv_vfio_put(fv);
		return ret;
	}
	func->vfio = fv;
	return 0;
}

int fsv_vfio_register(struct fsv_func *func, struct pci_dev *pdev)
{
	if (fsv_opts.vfio_mode == FSV_VFIO_OFF)
		return 0;
	return fsv_vfio_add(func, pdev, &pdev->dev);
}

/* An mdev instance is a VFIO device whatever vfio= says: that is all it is. */
int fsv_vfio_register_mdev(struct fsv_func *inst, struct device *dev)
{
	return fsv_vfio_add(inst, NULL, dev);
}

void fsv_vfio_unregister(struct fsv_func *func)
{
	struct fsv_vfio *fv = func->vfio;

	if (!fv)
		return;
	/* Waits until user space has closed the device. */
	vfio_unregister_group_dev(&fv->vdev);
	func->vfio = NULL;
	/* Unbound but staying: the module's own group, as a GPU keeps one. */
	if (FSV_VFIO_EMULATED_IOMMU && fv->pdev && !func->removing)
		fsv_func_group_ensure(func, fv->pdev);
	fsv_vfio_put(fv);
}
#endif
