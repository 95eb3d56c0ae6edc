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

/* pci_driver.dev_groups (5.15+) replaces the driver core's field. */
static inline void
fsv_pci_driver_set_groups(struct pci_driver *drv,
			  const struct attribute_group **groups)
{
#ifdef FSV_HAVE_PCI_DRIVER_DEV_GROUPS
	drv->dev_groups = groups;
#else
	drv->driver.dev_groups = groups;
#endif
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
 * VFIO registration API:
 *  2: vfio_alloc_device() + vfio_register_emulated_iommu_dev() (6.1+), the
 *     path NVIDIA's vendor VFIO and the mdev samples use;
 *  1: vfio_add_group_dev() on the function's own IOMMU group (5.10);
 *  0: none usable (no CONFIG_VFIO, or 5.11-6.0's interim API).
 */
#if defined(FSV_HAVE_VFIO_ALLOC_DEVICE) && \
	defined(FSV_HAVE_VFIO_REGISTER_EMULATED_IOMMU_DEV)
#define FSV_VFIO_API 2
#elif defined(FSV_HAVE_VFIO_ADD_GROUP_DEV)
#define FSV_VFIO_API 1
#else
#define FSV_VFIO_API 0
#endif

#if FSV_VFIO_API == 2
#include <linux/vfio.h>
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
#endif

#endif /* FSV_COMPAT_H */
