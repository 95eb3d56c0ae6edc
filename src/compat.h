/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the supported kernels (5.10 to the newest) lives
 * here, driven by the feature probes of conftest.sh (conftest.h), never by
 * version numbers: a distribution kernel that backports an API just works.
 */
#ifndef FSV_COMPAT_H
#define FSV_COMPAT_H

#include <linux/numa.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "conftest.h"

/*
 * The root bus's sysdata. x86 reads it as a whole struct pci_sysdata
 * (domain, NUMA node, ACPI companion, ...): give it exactly that, zeroed.
 */
#ifdef CONFIG_X86
#define fsv_sysdata pci_sysdata
static inline void fsv_sysdata_init(struct pci_sysdata *sd, int domain)
{
	memset(sd, 0, sizeof(*sd));
	sd->domain = domain;
	sd->node = NUMA_NO_NODE;
}
#else
#error "fake-sriov-vgpu supports x86_64 hosts only (it builds struct pci_sysdata)"
#endif

/*
 * Removes a root bus made by pci_create_root_bus() and frees its host bridge.
 * Up to 5.12 pci_remove_root_bus() ended with device_unregister(); since then
 * it ends with device_del() and leaves the reference pci_alloc_host_bridge()
 * took to the bridge's creator, which pci_create_root_bus() never hands back:
 * the bridge leaks. The body of a function cannot be probed at build time, so
 * count instead. With our own reference keeping the bus (and so its reference
 * on the bridge) alive, the removed bridge holds exactly 2 references when
 * the core left the initial one to us, 1 when it dropped it itself. Anything
 * else is left alone: a leak is better than a use after free.
 */
static inline void fsv_pci_remove_root_bus(struct pci_bus *bus)
{
	struct device *bridge = bus->bridge;

	get_device(&bus->dev);
	pci_remove_root_bus(bus);
	if (kref_read(&bridge->kobj.kref) == 2)
		put_device(bridge);
	put_device(&bus->dev);
}

/*
 * The stub driver manages DMA ownership itself (it moves the function into
 * a VFIO group at probe): the driver core must not take the IOMMU group's
 * default-domain reference around probe and remove (5.19+).
 */
static inline void fsv_pci_driver_set_managed_dma(struct pci_driver *drv)
{
#ifdef FSV_HAVE_PCI_DRIVER_MANAGED_DMA
	drv->driver_managed_dma = true;
#endif
}

/*
 * VFIO registration, by what the kernel offers (conftest.sh probes):
 *  FSV_VFIO_ALLOC  vfio_alloc_device(), the core frees through .release (6.1+)
 *  FSV_VFIO_INIT   vfio_init_group_dev() on memory of ours (5.13 to 6.0, and
 *                  distribution kernels that backported it)
 *  FSV_VFIO_ADD    vfio_add_group_dev() with void * operations (5.10 to 5.12)
 *  FSV_VFIO_NONE   nothing usable (no CONFIG_VFIO)
 * The first two register with VFIO's emulated IOMMU (the mdev samples' and
 * NVIDIA's vendor-VFIO path: a group of its own that a type1 container
 * accepts) where vfio_register_emulated_iommu_dev() exists (5.16+), else on
 * the function's own IOMMU group with vfio_register_group_dev(), as
 * FSV_VFIO_ADD does: /dev/vfio/<group> exists, a type1 container cannot
 * attach it (no IOMMU domain for the fake bus).
 */
#define FSV_VFIO_NONE	0
#define FSV_VFIO_ADD	1
#define FSV_VFIO_ALLOC	2
#define FSV_VFIO_INIT	3

#if defined(FSV_HAVE_VFIO_ALLOC_DEVICE) && \
	defined(FSV_HAVE_VFIO_REGISTER_EMULATED_IOMMU_DEV)
#define FSV_VFIO_API FSV_VFIO_ALLOC
#elif defined(FSV_HAVE_VFIO_INIT_GROUP_DEV) && \
	(defined(FSV_HAVE_VFIO_REGISTER_EMULATED_IOMMU_DEV) || \
	 defined(FSV_HAVE_VFIO_REGISTER_GROUP_DEV))
#define FSV_VFIO_API FSV_VFIO_INIT
#elif defined(FSV_HAVE_VFIO_ADD_GROUP_DEV)
#define FSV_VFIO_API FSV_VFIO_ADD
#else
#define FSV_VFIO_API FSV_VFIO_NONE
#endif

#if FSV_VFIO_API == FSV_VFIO_ALLOC || FSV_VFIO_API == FSV_VFIO_INIT
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#ifdef FSV_HAVE_VFIO_REGISTER_EMULATED_IOMMU_DEV
#define FSV_VFIO_EMULATED_IOMMU 1
#define fsv_vfio_register_dev vfio_register_emulated_iommu_dev
#else
#define FSV_VFIO_EMULATED_IOMMU 0
#define fsv_vfio_register_dev vfio_register_group_dev
#endif

#if FSV_VFIO_API == FSV_VFIO_ALLOC
/* The core frees the device after the driver's .release (fsv_vfio_gone()). */
#define FSV_VFIO_CORE_RELEASES 1
/*
 * A zeroed allocation of size bytes that starts with an initialised
 * vfio_device (the driver's structure, its vfio_device first), or an
 * ERR_PTR.
 */
static inline void *fsv_vfio_alloc_device(size_t size, struct device *dev,
					  const struct vfio_device_ops *ops)
{
	return _vfio_alloc_device(size, dev, ops);
}

static inline void fsv_vfio_put_device(struct vfio_device *vdev)
{
	vfio_put_device(vdev);
}

/*
 * 6.1's VFIO core leaves freeing the device to the driver's release(); later
 * kernels free it themselves after release() returns.
 */
static inline void fsv_vfio_device_released(struct vfio_device *vdev)
{
#ifdef FSV_HAVE_VFIO_FREE_DEVICE
	vfio_free_device(vdev);
#endif
}
#else
/* The driver owns the memory: the put frees it at once. */
#define FSV_VFIO_CORE_RELEASES 0
static inline void *fsv_vfio_alloc_device(size_t size, struct device *dev,
					  const struct vfio_device_ops *ops)
{
	struct vfio_device *vdev = kzalloc(size, GFP_KERNEL);

	if (!vdev)
		return ERR_PTR(-ENOMEM);
	vfio_init_group_dev(vdev, dev, ops);
	return vdev;
}

/* Nothing to do: the driver frees the device in fsv_vfio_put_device(). */
static inline void fsv_vfio_device_released(struct vfio_device *vdev)
{
}

/* The vfio_device is the first member of the driver's structure. */
static inline void fsv_vfio_put_device(struct vfio_device *vdev)
{
#ifdef FSV_HAVE_VFIO_UNINIT_GROUP_DEV
	vfio_uninit_group_dev(vdev);
#endif
	kfree(vdev);
}
#endif

/*
 * 5.13 and 5.14 call .open/.release around every device fd and leave the
 * module reference to the driver; 5.15+ call .open_device/.close_device
 * around the first and last, and hold the reference themselves.
 */
#ifdef FSV_HAVE_VFIO_OPEN_DEVICE_OPS
#define FSV_VFIO_OPEN_OPS(_open, _close) .open_device = _open, .close_device = _close,
#define fsv_vfio_open_module_get()	true
#define fsv_vfio_close_module_put()	do { } while (0)
#else
#define FSV_VFIO_OPEN_OPS(_open, _close) .open = _open, .release = _close,
/* Called for every device fd: the module reference is the driver's. */
#define fsv_vfio_open_module_get()	try_module_get(THIS_MODULE)
#define fsv_vfio_close_module_put()	module_put(THIS_MODULE)
#endif

/* The core's .release, where it frees the device (FSV_VFIO_CORE_RELEASES). */
#if FSV_VFIO_CORE_RELEASES
#define FSV_VFIO_RELEASE_OP(fn)		.release = fn,
#else
#define FSV_VFIO_RELEASE_OP(fn)
#endif

/* Region capabilities through their own op (newer kernels), else in ioctl. */
#ifdef FSV_HAVE_VFIO_GET_REGION_INFO_CAPS
#define FSV_VFIO_REGION_INFO_CAPS_OP(fn) .get_region_info_caps = fn,
#else
#define FSV_VFIO_REGION_INFO_CAPS_OP(fn)
#endif

/* iommufd (6.2+): the emulated-IOMMU helpers every mdev-like driver uses. */
#ifdef FSV_HAVE_VFIO_DETACH_IOAS
#define FSV_VFIO_DETACH_IOAS_OP .detach_ioas = vfio_iommufd_emulated_detach_ioas,
#else
#define FSV_VFIO_DETACH_IOAS_OP
#endif
#ifdef FSV_HAVE_VFIO_IOMMUFD_OPS
#define FSV_VFIO_IOMMUFD_OPS						\
	.bind_iommufd = vfio_iommufd_emulated_bind,			\
	.unbind_iommufd = vfio_iommufd_emulated_unbind,			\
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,		\
	FSV_VFIO_DETACH_IOAS_OP
#else
#define FSV_VFIO_IOMMUFD_OPS
#endif
#else
#define FSV_VFIO_EMULATED_IOMMU 0
#endif /* FSV_VFIO_ALLOC || FSV_VFIO_INIT */

/*
 * driver_override: where it lives and who may set it moved twice (a plain
 * pci_dev field; driver_set_override() in 5.19; struct device's own with
 * device_set_driver_override() later). Called on a new pci_dev, before the
 * driver core matches it: nobody else can touch the field yet.
 */
static inline int fsv_pci_set_driver_override(struct pci_dev *pdev,
					      const char *name)
{
#if defined(FSV_HAVE_DEVICE_SET_DRIVER_OVERRIDE)
	return device_set_driver_override(&pdev->dev, name);
#elif defined(FSV_HAVE_DRIVER_SET_OVERRIDE)
	return driver_set_override(&pdev->dev, &pdev->driver_override, name,
				   strlen(name));
#else
	char *s = kstrdup(name, GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	kfree(pdev->driver_override);
	pdev->driver_override = s;
	return 0;
#endif
}

/*
 * The resource index of a PF's VF BAR (the header's BAR number bar), or -1
 * on a kernel built without SR-IOV support.
 */
static inline int fsv_pci_iov_resource(int bar)
{
#ifdef CONFIG_PCI_IOV
	return bar + PCI_IOV_RESOURCES;
#else
	return -1;
#endif
}

/*
 * Mediated devices (mode=mdev): one API, 6.1 and later, with
 * mdev_register_parent(), struct mdev_type and the driver's get_available()
 * and show_description(); instances are struct vfio_device (FSV_VFIO_ALLOC)
 * on VFIO's emulated IOMMU. 5.10 and 5.15 have older mdev APIs: mode=mdev is
 * refused there, naming FSV_MDEV_MISSING.
 */
#if !defined(FSV_HAVE_MDEV_REGISTER_PARENT)
#define FSV_MDEV_API 0
#define FSV_MDEV_MISSING "mdev_register_parent() (the mdev API of Linux 6.1 and later)"
#elif !IS_ENABLED(CONFIG_VFIO_MDEV)
#define FSV_MDEV_API 0
#define FSV_MDEV_MISSING "CONFIG_VFIO_MDEV (the kernel was built without mediated devices)"
#elif FSV_VFIO_API != FSV_VFIO_ALLOC
#define FSV_MDEV_API 0
#define FSV_MDEV_MISSING "vfio_alloc_device() with VFIO's emulated IOMMU"
#else
#define FSV_MDEV_API 1
#define FSV_MDEV_MISSING ""
#endif

/*
 * Drops what should be the last reference to a kobject and returns once its
 * release has run: CONFIG_DEBUG_KOBJECT_RELEASE defers releases by seconds,
 * and a kobject whose release reads memory of ours (an mdev type's reads its
 * parent) must not outlive it.
 */
#include <linux/kobject.h>
#include <linux/workqueue.h>
static inline void fsv_kobject_put_last(struct kobject *kobj)
{
	kobject_put(kobj);
#ifdef CONFIG_DEBUG_KOBJECT_RELEASE
	flush_delayed_work(&kobj->release);
#endif
}

/* eventfd_signal() lost its count argument in 6.8. */
#include <linux/eventfd.h>
static inline void fsv_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef FSV_HAVE_EVENTFD_SIGNAL_ONE_ARG
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

#endif /* FSV_COMPAT_H */
