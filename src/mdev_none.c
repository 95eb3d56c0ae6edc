// SPDX-License-Identifier: GPL-2.0-only
/*
 * mode=mdev on a kernel without the mdev API of 6.1 and later (compat.h's
 * FSV_MDEV_API): params.c refuses the mode, naming FSV_MDEV_MISSING, so these
 * are never reached with a parent to make; the other modes do not need them.
 */
#include <linux/pci.h>

#include "fsv.h"

#if !FSV_MDEV_API
int fsv_mdev_init(void)
{
	return -EOPNOTSUPP;
}

void fsv_mdev_exit(void)
{
}

int fsv_mdev_parent_add(struct fsv_func *func, struct pci_dev *pdev)
{
	return -EOPNOTSUPP;
}

void fsv_mdev_parent_remove(struct fsv_func *func)
{
}
#endif
