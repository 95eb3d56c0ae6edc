/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the VFIO files: vfio.c (the device operations, one set for
 * every kernel) and the registration glue of each VFIO API (compat.h says
 * which one this kernel has):
 *   vfio_vdev.c  struct vfio_device based: FSV_VFIO_ALLOC, FSV_VFIO_INIT
 *   vfio_add.c   vfio_add_group_dev(): FSV_VFIO_ADD
 */
#ifndef FSV_VFIO_H
#define FSV_VFIO_H

#include "fsv.h"

#if FSV_VFIO_API != FSV_VFIO_NONE
#include <linux/vfio.h>

struct fsv_vfio {
#if FSV_VFIO_API != FSV_VFIO_ADD
	struct vfio_device vdev;	/* first: the allocators want it there */
#endif
	struct fsv_vf *vf;
	struct pci_dev *pdev;
};

/* vfio.c: what user space can do with an open device. */
long fsv_vfio_ioctl(struct fsv_vfio *fv, unsigned int cmd, unsigned long arg);
ssize_t fsv_vfio_read(struct fsv_vfio *fv, char __user *buf, size_t count,
		      loff_t *ppos);
ssize_t fsv_vfio_write(struct fsv_vfio *fv);
int fsv_vfio_mmap(struct fsv_vfio *fv);
int fsv_vfio_region_info(struct fsv_vfio *fv, struct vfio_region_info *info);

/* vfio.c: VFIO devices not yet released; unload waits for them. */
void fsv_vfio_born(void);
void fsv_vfio_gone(void);
#endif

#endif /* FSV_VFIO_H */
