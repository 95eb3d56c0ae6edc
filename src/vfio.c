// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO for the fake functions, the way NVIDIA's vendor-specific VFIO does
 * it: the function stays bound to "nvidia", which registers it with VFIO, so
 * it gets /dev/vfio/<group> (and vfio-dev/vfioN with /dev/vfio/devices/vfioN
 * where the kernel has the device cdev).
 *
 * This file: the device operations, one set for every kernel: device,
 * region and IRQ info, and reads of the config space region (the function's
 * own config space, as sysfs "config" shows). What a fake cannot do (BAR
 * access, mmap, interrupts, reset, config writes) fails with a clear errno.
 * Registration is per VFIO API (vfio.h): vfio_vdev.c, vfio_add.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "vfio.h"

#if FSV_VFIO_API != FSV_VFIO_NONE
#define FSV_VFIO_OFFSET_SHIFT	40
#define FSV_VFIO_INDEX(off)	((off) >> FSV_VFIO_OFFSET_SHIFT)
#define FSV_VFIO_OFFSET(off)	((off) & ((1ULL << FSV_VFIO_OFFSET_SHIFT) - 1))

static atomic_t fsv_vfio_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(fsv_vfio_wq);

void fsv_vfio_born(void)
{
	atomic_inc(&fsv_vfio_live);
}

void fsv_vfio_gone(void)
{
	if (atomic_dec_and_test(&fsv_vfio_live))
		wake_up(&fsv_vfio_wq);
}

int fsv_vfio_region_info(struct fsv_vfio *fv, struct vfio_region_info *info)
{
	struct pci_dev *pdev = fv->pdev;

	info->offset = (u64)info->index << FSV_VFIO_OFFSET_SHIFT;
	info->flags = 0;
	info->size = 0;
	switch (info->index) {
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		/* Sized like the BAR; no access: there is no memory behind it. */
		info->size = pci_resource_len(pdev, info->index);
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info->size = pdev->cfg_size;
		info->flags = VFIO_REGION_INFO_FLAG_READ;
		break;
	default:
		return -EINVAL;	/* no VGA region, no device-specific ones */
	}
	return 0;
}

long fsv_vfio_ioctl(struct fsv_vfio *fv, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO: {
		struct vfio_device_info info;
		unsigned long minsz = offsetofend(struct vfio_device_info,
						  num_irqs);

		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		info.flags = VFIO_DEVICE_FLAGS_PCI;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = VFIO_PCI_NUM_IRQS;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO: {
		struct vfio_region_info info;
		unsigned long minsz = offsetofend(struct vfio_region_info,
						  offset);
		int ret;

		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz)
			return -EINVAL;
		ret = fsv_vfio_region_info(fv, &info);
		if (ret)
			return ret;
		info.cap_offset = 0;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info;
		unsigned long minsz = offsetofend(struct vfio_irq_info, count);

		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		/* No INTx pin, no MSI/MSI-X capability: nothing to signal. */
		info.flags = VFIO_IRQ_INFO_EVENTFD;
		info.count = 0;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_SET_IRQS:
		return -EINVAL;	/* every IRQ index has count 0 */
	case VFIO_DEVICE_RESET:
		return -EINVAL;	/* VFIO_DEVICE_FLAGS_RESET is not offered */
	}
	return -ENOTTY;
}

/* Reads the config space region with the PCI core's user accessors. */
ssize_t fsv_vfio_read(struct fsv_vfio *fv, char __user *buf, size_t count,
		      loff_t *ppos)
{
	struct pci_dev *pdev = fv->pdev;
	u64 pos = FSV_VFIO_OFFSET((u64)*ppos);
	size_t done = 0;

	if (FSV_VFIO_INDEX((u64)*ppos) != VFIO_PCI_CONFIG_REGION_INDEX)
		return -EINVAL;	/* BARs and ROM have nothing behind them */
	if (pos >= pdev->cfg_size)
		return -EINVAL;
	count = min_t(size_t, count, pdev->cfg_size - pos);

	while (done < count) {
		size_t left = count - done;
		int ret, n;
		__le32 le;
		u32 val;

		if (!(pos & 3) && left >= 4) {
			ret = pci_user_read_config_dword(pdev, pos, &val);
			n = 4;
		} else if (!(pos & 1) && left >= 2) {
			u16 w;

			ret = pci_user_read_config_word(pdev, pos, &w);
			val = w;
			n = 2;
		} else {
			u8 b;

			ret = pci_user_read_config_byte(pdev, pos, &b);
			val = b;
			n = 1;
		}
		if (ret)
			return done ? done : -EIO;
		le = cpu_to_le32(val);
		if (copy_to_user(buf + done, &le, n))
			return done ? done : -EFAULT;
		done += n;
		pos += n;
	}
	*ppos += done;
	return done;
}

ssize_t fsv_vfio_write(struct fsv_vfio *fv)
{
	pci_info_ratelimited(fv->pdev, "VFIO: regions are read-only on a fake function\n");
	return -EINVAL;
}

int fsv_vfio_mmap(struct fsv_vfio *fv)
{
	return -EINVAL;	/* no region offers VFIO_REGION_INFO_FLAG_MMAP */
}

const char *fsv_vfio_registration(void)
{
	return FSV_VFIO_EMULATED_IOMMU ? "emulated IOMMU" : "own IOMMU group";
}

int fsv_vfio_check(int mode)
{
	return 0;
}

/* Delayed kobject releases may still hold VFIO devices: wait for them. */
void fsv_vfio_exit(void)
{
	wait_event(fsv_vfio_wq, !atomic_read(&fsv_vfio_live));
}

#else /* FSV_VFIO_NONE */

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

int fsv_vfio_register(struct fsv_vf *vf, struct pci_dev *pdev)
{
	return 0;
}

void fsv_vfio_unregister(struct fsv_vf *vf)
{
}

void fsv_vfio_exit(void)
{
}
#endif
