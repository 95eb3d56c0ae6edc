// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO for the fake functions, the way NVIDIA's vendor-specific VFIO does
 * it: the function stays bound to "nvidia", which registers it with VFIO, so
 * it gets /dev/vfio/<group> (and vfio-dev/vfioN with /dev/vfio/devices/vfioN
 * where the kernel has the device cdev).
 *
 * Device operations: device, region and IRQ info, and reads of the config
 * space region (the function's own config space, as sysfs "config" shows).
 * What a fake cannot do (BAR access, mmap, interrupts, reset, config
 * writes) fails with a clear errno. Kept in a file of its own: a later step
 * makes QEMU's vfio-pci realize the device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "fsv.h"

#if FSV_VFIO_API
#include <linux/vfio.h>

#define FSV_VFIO_OFFSET_SHIFT	40
#define FSV_VFIO_INDEX(off)	((off) >> FSV_VFIO_OFFSET_SHIFT)
#define FSV_VFIO_OFFSET(off)	((off) & ((1ULL << FSV_VFIO_OFFSET_SHIFT) - 1))

struct fsv_vfio {
#if FSV_VFIO_API == 2
	struct vfio_device vdev;	/* first: vfio_alloc_device() wants it */
#endif
	struct fsv_vf *vf;
	struct pci_dev *pdev;
};

/* VFIO devices not yet released; unload waits for them (delayed kobject releases). */
static atomic_t fsv_vfio_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(fsv_vfio_wq);

static int fsv_vfio_region_info(struct fsv_vfio *fv,
				struct vfio_region_info *info)
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

static long fsv_vfio_ioctl(struct fsv_vfio *fv, unsigned int cmd,
			   unsigned long arg)
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
static ssize_t fsv_vfio_read(struct fsv_vfio *fv, char __user *buf,
			     size_t count, loff_t *ppos)
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

static ssize_t fsv_vfio_write(struct fsv_vfio *fv)
{
	pci_info_ratelimited(fv->pdev, "VFIO: regions are read-only on a fake function\n");
	return -EINVAL;
}

static int fsv_vfio_mmap(struct fsv_vfio *fv)
{
	return -EINVAL;	/* no region offers VFIO_REGION_INFO_FLAG_MMAP */
}

#if FSV_VFIO_API == 2
static struct fsv_vfio *to_fsv_vfio(struct vfio_device *vdev)
{
	return container_of(vdev, struct fsv_vfio, vdev);
}

static void fsv_vfio_release_dev(struct vfio_device *vdev)
{
	fsv_vfio_device_released(vdev);
	if (atomic_dec_and_test(&fsv_vfio_live))
		wake_up(&fsv_vfio_wq);
}

static long fsv_vfio_ioctl2(struct vfio_device *vdev, unsigned int cmd,
			    unsigned long arg)
{
	return fsv_vfio_ioctl(to_fsv_vfio(vdev), cmd, arg);
}

static ssize_t fsv_vfio_read2(struct vfio_device *vdev, char __user *buf,
			      size_t count, loff_t *ppos)
{
	return fsv_vfio_read(to_fsv_vfio(vdev), buf, count, ppos);
}

static ssize_t fsv_vfio_write2(struct vfio_device *vdev,
			       const char __user *buf, size_t count,
			       loff_t *ppos)
{
	return fsv_vfio_write(to_fsv_vfio(vdev));
}

static int fsv_vfio_mmap2(struct vfio_device *vdev, struct vm_area_struct *vma)
{
	return fsv_vfio_mmap(to_fsv_vfio(vdev));
}

#ifdef FSV_HAVE_VFIO_GET_REGION_INFO_CAPS
static int fsv_vfio_region_info_caps(struct vfio_device *vdev,
				     struct vfio_region_info *info,
				     struct vfio_info_cap *caps)
{
	return fsv_vfio_region_info(to_fsv_vfio(vdev), info);
}
#endif

static const struct vfio_device_ops fsv_vfio_ops = {
	.name = "fake-sriov-vgpu",
	.release = fsv_vfio_release_dev,
	.read = fsv_vfio_read2,
	.write = fsv_vfio_write2,
	.ioctl = fsv_vfio_ioctl2,
	.mmap = fsv_vfio_mmap2,
#ifdef FSV_HAVE_VFIO_GET_REGION_INFO_CAPS
	.get_region_info_caps = fsv_vfio_region_info_caps,
#endif
#ifdef FSV_HAVE_VFIO_IOMMUFD_OPS
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
#endif
#ifdef FSV_HAVE_VFIO_DETACH_IOAS
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
#endif
};

int fsv_vfio_register(struct fsv_vf *vf, struct pci_dev *pdev)
{
	struct fsv_vfio *fv;
	int ret;

	if (fsv_opts.vfio_mode == FSV_VFIO_OFF)
		return 0;

	fv = vfio_alloc_device(fsv_vfio, vdev, &pdev->dev, &fsv_vfio_ops);
	if (IS_ERR(fv))
		return PTR_ERR(fv);
	atomic_inc(&fsv_vfio_live);
	fv->vf = vf;
	fv->pdev = pdev;

	/* VFIO gives the function an emulated-IOMMU group of its own. */
	fsv_vf_group_detach(vf, pdev);
	ret = vfio_register_emulated_iommu_dev(&fv->vdev);
	if (ret) {
		pci_err(pdev, "cannot register with VFIO: %d\n", ret);
		if (fsv_vf_group_attach(vf, pdev))
			pci_err(pdev, "lost its IOMMU group\n");
		vfio_put_device(&fv->vdev);
		return ret;
	}
	vf->vfio = fv;
	return 0;
}

void fsv_vfio_unregister(struct fsv_vf *vf)
{
	struct fsv_vfio *fv = vf->vfio;

	if (!fv)
		return;
	/* Waits until user space has closed the device. */
	vfio_unregister_group_dev(&fv->vdev);
	vf->vfio = NULL;
	if (fsv_vf_group_attach(vf, fv->pdev))
		pci_err(fv->pdev, "lost its IOMMU group\n");
	vfio_put_device(&fv->vdev);
}

#else /* FSV_VFIO_API == 1 */

static int fsv_vfio_open1(void *data)
{
	return try_module_get(THIS_MODULE) ? 0 : -ENODEV;
}

static void fsv_vfio_close1(void *data)
{
	module_put(THIS_MODULE);
}

static long fsv_vfio_ioctl1(void *data, unsigned int cmd, unsigned long arg)
{
	return fsv_vfio_ioctl(data, cmd, arg);
}

static ssize_t fsv_vfio_read1(void *data, char __user *buf, size_t count,
			      loff_t *ppos)
{
	return fsv_vfio_read(data, buf, count, ppos);
}

static ssize_t fsv_vfio_write1(void *data, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	return fsv_vfio_write(data);
}

static int fsv_vfio_mmap1(void *data, struct vm_area_struct *vma)
{
	return fsv_vfio_mmap(data);
}

static const struct vfio_device_ops fsv_vfio_ops = {
	.name = "fake-sriov-vgpu",
	.open = fsv_vfio_open1,
	.release = fsv_vfio_close1,
	.read = fsv_vfio_read1,
	.write = fsv_vfio_write1,
	.ioctl = fsv_vfio_ioctl1,
	.mmap = fsv_vfio_mmap1,
};

/* The function keeps its own IOMMU group; VFIO opens /dev/vfio/<group> on it. */
int fsv_vfio_register(struct fsv_vf *vf, struct pci_dev *pdev)
{
	struct fsv_vfio *fv;
	int ret;

	if (fsv_opts.vfio_mode == FSV_VFIO_OFF)
		return 0;
	fv = kzalloc(sizeof(*fv), GFP_KERNEL);
	if (!fv)
		return -ENOMEM;
	fv->vf = vf;
	fv->pdev = pdev;
	ret = vfio_add_group_dev(&pdev->dev, &fsv_vfio_ops, fv);
	if (ret) {
		pci_err(pdev, "cannot register with VFIO: %d\n", ret);
		kfree(fv);
		return ret;
	}
	vf->vfio = fv;
	return 0;
}

void fsv_vfio_unregister(struct fsv_vf *vf)
{
	struct fsv_vfio *fv = vf->vfio;

	if (!fv)
		return;
	/* Waits until user space has closed the device. */
	vfio_del_group_dev(&fv->pdev->dev);
	vf->vfio = NULL;
	kfree(fv);
}
#endif /* FSV_VFIO_API */

int fsv_vfio_check(int mode)
{
	return 0;
}

void fsv_vfio_exit(void)
{
	wait_event(fsv_vfio_wq, !atomic_read(&fsv_vfio_live));
}

#else /* !FSV_VFIO_API */

int fsv_vfio_check(int mode)
{
	if (mode != FSV_VFIO_ON)
		return 0;
	pr_err("vfio=on: this kernel offers no VFIO registration the module can use (needs CONFIG_VFIO with vfio_add_group_dev or vfio_register_emulated_iommu_dev); load with vfio=auto or vfio=off\n");
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
#endif /* FSV_VFIO_API */
