// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stub PCI driver, named "nvidia" like NVIDIA's vGPU host driver, that
 * binds to the module's functions. VFs (standalone or of a PF) get the
 * nvidia/ attributes and a VFIO device; PFs get neither, as on NVIDIA's
 * driver, and enable their VFs through sriov_numvfs. probe() creates
 * nvidia/, so it exists before the driver core sends the bind uevent.
 * In mode=mdev the VFs and standalone GPUs are mdev parents instead
 * (mdev.c): bound, they have mdev_supported_types/; unbound, neither types
 * nor instances, as with NVIDIA's vGPU 16 driver.
 *
 * The ID table matches every NVIDIA function, but probe accepts only the
 * module's own; there is deliberately no MODULE_DEVICE_TABLE, so a real GPU
 * never makes udev load this module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/pci.h>

#include "fsv.h"

static ssize_t current_vgpu_type_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	struct fsv_func *func = fsv_func_of(to_pci_dev(dev));

	if (!func)
		return -ENODEV;
	return sysfs_emit(buf, "%u\n", fsv_vgpu_get_type(func));
}

static ssize_t current_vgpu_type_store(struct device *dev,
				       struct device_attribute *attr,
				       const char *buf, size_t count)
{
	struct fsv_func *func = fsv_func_of(to_pci_dev(dev));
	int type, ret;

	if (!func)
		return -ENODEV;
	ret = kstrtoint(buf, 10, &type);
	if (ret || type < 0) {
		dev_info_ratelimited(dev, "current_vgpu_type: '%.*s' is not a vGPU type; write a decimal number 0..%d (0 clears)\n",
				     (int)strcspn(buf, "\n"), buf, INT_MAX);
		return -EINVAL;
	}

	ret = fsv_vgpu_set_type(func, type, fsv_opts.strict);
	if (ret == -EPERM)
		dev_info_ratelimited(dev, "current_vgpu_type: %s (strict mode: write 0 to clear the type first; 0 only clears a set type)\n",
				     type ? "a vGPU type is already set" :
					    "no vGPU type is set");
	else if (ret == -EIO)
		dev_info_ratelimited(dev, "current_vgpu_type: type %d cannot be created on this function; see nvidia/creatable_vgpu_types\n",
				     type);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(current_vgpu_type);

static ssize_t creatable_vgpu_types_show(struct device *dev,
					 struct device_attribute *attr,
					 char *buf)
{
	struct fsv_func *func = fsv_func_of(to_pci_dev(dev));

	if (!func)
		return -ENODEV;
	return fsv_vgpu_format_creatable(func, buf);
}
static DEVICE_ATTR_RO(creatable_vgpu_types);

static struct attribute *fsv_nvidia_attrs[] = {
	&dev_attr_current_vgpu_type.attr,
	&dev_attr_creatable_vgpu_types.attr,
	NULL,
};

static const struct attribute_group fsv_nvidia_group = {
	.name = "nvidia",
	.attrs = fsv_nvidia_attrs,
};

static const struct pci_device_id fsv_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_NVIDIA, PCI_ANY_ID) },
	{ }
};

static int fsv_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct fsv_func *func = fsv_func_of(pdev);
	int ret;

	if (!func)
		return -ENODEV;	/* a real GPU: not ours */
	if (func->kind == FSV_PF)
		return 0;
	if (fsv_opts.mdev)
		return fsv_mdev_parent_add(func, pdev);
	ret = sysfs_create_group(&pdev->dev.kobj, &fsv_nvidia_group);
	if (!ret) {
		ret = fsv_vfio_register(func, pdev);
		if (ret)
			sysfs_remove_group(&pdev->dev.kobj, &fsv_nvidia_group);
	}
	/* Not bound: it keeps (or gets) a group of its own all the same. */
	if (ret)
		fsv_func_group_ensure(func, pdev);
	return ret;
}

static void fsv_remove(struct pci_dev *pdev)
{
	struct fsv_func *func = fsv_func_of(pdev);

	if (!func)
		return;
	if (func->kind == FSV_PF) {
		/* As a real PF driver: its VFs go with it. */
		if (pci_num_vf(pdev))
			fsv_sriov_configure(pdev, 0);
		return;
	}
	if (fsv_opts.mdev) {
		fsv_mdev_parent_remove(func);
		return;
	}
	fsv_vfio_unregister(func);
	sysfs_remove_group(&pdev->dev.kobj, &fsv_nvidia_group);
}

static struct pci_driver fsv_driver = {
	.id_table = fsv_ids,
	.probe = fsv_probe,
	.remove = fsv_remove,
	.sriov_configure = fsv_sriov_configure,
};

int fsv_driver_register(const char *name)
{
	int ret;

	if (driver_find(name, &pci_bus_type)) {
		pr_err("driver_name=%s: a PCI driver named '%s' is already registered (the real NVIDIA driver?); unload it or load with another driver_name=\n",
		       name, name);
		return -EBUSY;
	}
	fsv_driver.name = name;
	fsv_pci_driver_set_managed_dma(&fsv_driver);
	ret = pci_register_driver(&fsv_driver);
	if (ret)
		pr_err("cannot register the '%s' PCI driver: %d\n", name, ret);
	return ret;
}

void fsv_driver_unregister(void)
{
	pci_unregister_driver(&fsv_driver);
}
