// SPDX-License-Identifier: GPL-2.0-only
/*
 * No VFIO registration (FSV_VFIO_NONE: a kernel without CONFIG_VFIO, or
 * with none of the APIs compat.h knows): the functions have IOMMU groups
 * but no VFIO device; vfio=on refuses to load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>

#include "vfio.h"

#if FSV_VFIO_API == FSV_VFIO_NONE

const char *fsv_vfio_registration(void)
{
	return "none";
}

int fsv_vfio_check(int mode)
{
	if (mode != FSV_VFIO_ON)
		return 0;
	pr_err("vfio=on: this kernel offers no VFIO registration the module can use (needs CONFIG_VFIO with vfio_alloc_device, vfio_init_group_dev or vfio_add_group_dev); load with vfio=auto or vfio=off\n");
	return -EOPNOTSUPP;
}

int fsv_vfio_register(struct fsv_func *func, struct pci_dev *pdev)
{
	return 0;
}

void fsv_vfio_unregister(struct fsv_func *func)
{
}

void fsv_vfio_exit(void)
{
}
#endif
