/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the VFIO files: vfio.c (the device operations, one set for
 * every kernel) and the registration glue of each VFIO API (compat.h says
 * which one this kernel has):
 *   vfio_vdev.c  struct vfio_device based: FSV_VFIO_ALLOC, FSV_VFIO_INIT
 *   vfio_add.c   vfio_add_group_dev(): FSV_VFIO_ADD
 *   vfio_none.c  no registration: FSV_VFIO_NONE
 */
#ifndef FSV_VFIO_H
#define FSV_VFIO_H

#include "fsv.h"

#if FSV_VFIO_API != FSV_VFIO_NONE
#include <linux/vfio.h>

/* RAM behind the start of each BAR while the device is open. */
#define FSV_BAR_BACKED		SZ_64K

struct eventfd_ctx;

/*
 * What an open function has, allocated at the first open and freed at the
 * last close: an idle function carries only the pointer (with the VFIO
 * device in front, struct fsv_vfio then fits a 1 KiB allocation on 6.1).
 */
struct fsv_vfio_state {
	void *bar_mem[FSV_NUM_BARS];	/* vmalloc_user(), FSV_BAR_BACKED */
	u8 vbar[24];			/* the user's BAR0-5 registers */
	struct eventfd_ctx *trigger[VFIO_PCI_NUM_IRQS];	/* MSI, ERR, REQ */
};

struct fsv_vfio {
#if FSV_VFIO_API != FSV_VFIO_ADD
	struct vfio_device vdev;	/* first: the allocators want it there */
#endif
	struct fsv_func *func;
	struct pci_dev *pdev;		/* NULL for an mdev instance */
	struct device *dev;		/* pdev's, or the mdev's: for messages */
	/*
	 * Protects users and st's contents; st is set at the first open and
	 * cleared at the last close (fsv_vfio_open/close), so it is there for
	 * every operation on an open device. Never held across user copies of
	 * BAR memory (RAM needs no lock).
	 */
	struct mutex lock;
	unsigned int users;
	struct fsv_vfio_state *st;
};

/* vfio.c: what user space can do with the device, for every VFIO API. */
void fsv_vfio_init(struct fsv_vfio *fv, struct fsv_func *func,
		   struct pci_dev *pdev, struct device *dev);
int fsv_vfio_open(struct fsv_vfio *fv);
void fsv_vfio_close(struct fsv_vfio *fv);
long fsv_vfio_ioctl(struct fsv_vfio *fv, unsigned int cmd, unsigned long arg);
ssize_t fsv_vfio_read(struct fsv_vfio *fv, char __user *buf, size_t count,
		      loff_t *ppos);
ssize_t fsv_vfio_write(struct fsv_vfio *fv, const char __user *buf,
		       size_t count, loff_t *ppos);
int fsv_vfio_mmap(struct fsv_vfio *fv, struct vm_area_struct *vma);
void fsv_vfio_request(struct fsv_vfio *fv, unsigned int count);
int fsv_vfio_region_info(struct fsv_vfio *fv, struct vfio_region_info *info,
			 struct vfio_info_cap *caps);

/* vfio.c: VFIO devices not yet released; unload waits for them. */
void fsv_vfio_born(void);
void fsv_vfio_gone(void);
#endif

#endif /* FSV_VFIO_H */
