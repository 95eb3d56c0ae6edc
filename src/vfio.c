// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO for the fake functions, the way NVIDIA's vendor-specific VFIO does
 * it: the function stays bound to "nvidia", which registers it with VFIO, so
 * it gets /dev/vfio/<group> (and vfio-dev/vfioN with /dev/vfio/devices/vfioN
 * where the kernel has the device cdev).
 *
 * This file: the device operations, one set for every kernel, enough for
 * QEMU's vfio-pci to start a VM with the function and for the guest to use
 * it as a PCI device:
 *  - the config space region: the function's own config space through its
 *    write masks, except the BAR registers, which each opener gets a copy
 *    of (sizing works; the host's BAR addresses never move);
 *  - each BAR a region with FSV_BAR_BACKED bytes of RAM at its start
 *    (mmap-able, a sparse-mmap capability says where), the rest reading as
 *    zeroes and ignoring writes; allocated at the first open, freed at the
 *    last close: memory is bounded per open function;
 *  - no INTx; one MSI vector and the error and request notifiers, whose
 *    eventfd triggers are accepted, signalled on request and released (the
 *    request notifier also when the function is unbound while open);
 *    VFIO_DEVICE_RESET;
 *  - a display, as the kernel's mdpy sample has one: VFIO_DEVICE_QUERY_GFX_PLANE
 *    answers a region plane (FSV_PLANE_*) in BAR0's RAM, so QEMU's
 *    display=on and ramfb=on (what KubeVirt asks for its first vGPU) work.
 * The same operations serve a PCI function (pdev: config accesses through
 * the PCI core) and an mdev instance (no pdev: straight to its config
 * image), both with the function's profile's BARs.
 * DMA needs nothing here: the function never pins user memory, so the
 * type1 container accepts and drops the user's maps on its own.
 * Registration is per VFIO API (vfio.h): vfio_vdev.c, vfio_add.c,
 * vfio_none.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
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

/* The display plane: XRGB8888 at BAR0 offset 0, within its RAM. */
#define FSV_PLANE_WIDTH		128
#define FSV_PLANE_HEIGHT	128
#define FSV_PLANE_STRIDE	(FSV_PLANE_WIDTH * 4)
#define FSV_PLANE_SIZE		(FSV_PLANE_STRIDE * FSV_PLANE_HEIGHT)
static_assert(FSV_PLANE_SIZE <= FSV_BAR_BACKED);
#define FSV_DRM_FORMAT_XRGB8888	0x34325258	/* fourcc 'XR24' */

/* Region index <-> the profile's BARs (BAR0, BAR2, BAR4; each 64-bit). */
static u64 fsv_vfio_bar_len(struct fsv_vfio *fv, unsigned int index)
{
	if (index > VFIO_PCI_BAR5_REGION_INDEX || (index & 1))
		return 0;
	return fv->func->profile->bar_size[index / 2];
}

static bool fsv_vfio_is_bar(struct fsv_vfio *fv, unsigned int index)
{
	return fsv_vfio_bar_len(fv, index);
}

static u64 fsv_vfio_backed(struct fsv_vfio *fv, unsigned int index)
{
	return min_t(u64, fsv_vfio_bar_len(fv, index), FSV_BAR_BACKED);
}

/* Fresh contents: zeroes, and the function's ID at BAR0 offset 0. */
static void fsv_vfio_reset_bars(struct fsv_vfio *fv)
{
	struct fsv_vfio_state *st = fv->st;
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < FSV_NUM_BARS; i++)
		if (st->bar_mem[i])
			memset(st->bar_mem[i], 0, fsv_vfio_backed(fv, 2 * i));
	if (st->bar_mem[0])
		*(__le32 *)st->bar_mem[0] = cpu_to_le32(PCI_VENDOR_ID_NVIDIA |
			(u32)fv->func->profile->device << 16);
	/* The BAR registers the user sees start as the function's own. */
	raw_spin_lock_irqsave(&fv->func->fbus->table_lock, flags);
	memcpy(st->vbar, &fv->func->cfg[PCI_BASE_ADDRESS_0], sizeof(st->vbar));
	raw_spin_unlock_irqrestore(&fv->func->fbus->table_lock, flags);
}

/* The open state with its BAR memory and triggers released. */
static void fsv_vfio_state_free(struct fsv_vfio_state *st)
{
	unsigned int i;

	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++)
		if (st->trigger[i])
			eventfd_ctx_put(st->trigger[i]);
	for (i = 0; i < FSV_NUM_BARS; i++)
		vfree(st->bar_mem[i]);
	kfree(st);
}

/*
 * First open: the open state, the BARs' RAM and the user's private view of
 * the BAR registers. Counted, because 5.10 to 5.14 call it for every device
 * fd.
 */
int fsv_vfio_open(struct fsv_vfio *fv)
{
	struct fsv_vfio_state *st;
	unsigned int i;
	int ret = 0;

	mutex_lock(&fv->lock);
	if (fv->users)
		goto out_count;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < FSV_NUM_BARS; i++) {
		if (!fsv_vfio_is_bar(fv, 2 * i))
			continue;
		st->bar_mem[i] = vmalloc_user(fsv_vfio_backed(fv, 2 * i));
		if (!st->bar_mem[i]) {
			fsv_vfio_state_free(st);
			ret = -ENOMEM;
			goto out;
		}
	}
	fv->st = st;
	fsv_vfio_reset_bars(fv);
	fsv_vgpu_opened(fv->func);
out_count:
	fv->users++;
out:
	mutex_unlock(&fv->lock);
	return ret;
}

/* Last close: interrupts released, BAR memory freed. */
void fsv_vfio_close(struct fsv_vfio *fv)
{
	mutex_lock(&fv->lock);
	if (WARN_ON(!fv->users) || --fv->users)
		goto out;
	fsv_vfio_state_free(fv->st);
	fv->st = NULL;
	fsv_vgpu_closed(fv->func);
out:
	mutex_unlock(&fv->lock);
}

void fsv_vfio_init(struct fsv_vfio *fv, struct fsv_func *func,
		   struct pci_dev *pdev, struct device *dev)
{
	fv->func = func;
	fv->pdev = pdev;
	fv->dev = dev;
	mutex_init(&fv->lock);
}

/* The BARs' RAM as one mmap-able area each (the rest is trapped). */
static int fsv_vfio_add_sparse_cap(struct fsv_vfio *fv,
				   struct vfio_region_info *info,
				   struct vfio_info_cap *caps)
{
	struct vfio_region_info_cap_sparse_mmap *sparse;
	struct vfio_info_cap_header *header;
	size_t size = struct_size(sparse, areas, 1);

	header = vfio_info_cap_add(caps, size, VFIO_REGION_INFO_CAP_SPARSE_MMAP,
				   1);
	if (IS_ERR(header))
		return PTR_ERR(header);
	sparse = container_of(header, struct vfio_region_info_cap_sparse_mmap,
			      header);
	sparse->nr_areas = 1;
	sparse->areas[0].offset = 0;
	sparse->areas[0].size = fsv_vfio_backed(fv, info->index);
	info->flags |= VFIO_REGION_INFO_FLAG_CAPS;
	return 0;
}

int fsv_vfio_region_info(struct fsv_vfio *fv, struct vfio_region_info *info,
			 struct vfio_info_cap *caps)
{
	info->offset = (u64)info->index << FSV_VFIO_OFFSET_SHIFT;
	info->flags = 0;
	info->size = 0;
	switch (info->index) {
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info->size = fsv_vfio_bar_len(fv, info->index);
		if (!fsv_vfio_is_bar(fv, info->index))
			break;	/* the upper halves of the 64-bit BARs */
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE |
			      VFIO_REGION_INFO_FLAG_MMAP;
		return fsv_vfio_add_sparse_cap(fv, info, caps);
	case VFIO_PCI_ROM_REGION_INDEX:
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info->size = PCI_CFG_SPACE_EXP_SIZE;
		info->flags = VFIO_REGION_INFO_FLAG_READ |
			      VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		return -EINVAL;	/* no VGA region, no device-specific ones */
	}
	return 0;
}

static int fsv_vfio_get_region_info(struct fsv_vfio *fv, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	ret = fsv_vfio_region_info(fv, &info, &caps);
	if (ret)
		goto out;
	info.cap_offset = 0;
	if (caps.size) {
		if (info.argsz < sizeof(info) + caps.size) {
			/* Too small: say how much is needed, as vfio-pci does. */
			info.argsz = sizeof(info) + caps.size;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user(uarg + sizeof(info), caps.buf,
					 caps.size)) {
				ret = -EFAULT;
				goto out;
			}
			info.cap_offset = sizeof(info);
		}
	}
	ret = copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
out:
	kfree(caps.buf);
	return ret;
}

/*
 * Interrupts: no INTx pin (nothing could raise it), one MSI vector, and the
 * error and request notifiers a PCI Express function has under vfio-pci.
 */
static unsigned int fsv_vfio_irq_count(unsigned int index)
{
	switch (index) {
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	}
	return 0;
}

/*
 * A trigger: an eventfd (fd -1 releases it), or a test interrupt (DATA_NONE,
 * DATA_BOOL true) signalled on it. Count 0 releases it. No masking: MSI has
 * no per-vector masks, the notifiers none at all.
 */
static int fsv_vfio_set_trigger(struct fsv_vfio *fv, struct vfio_irq_set *hdr,
				const u8 *data)
{
	struct eventfd_ctx **trigger = &fv->st->trigger[hdr->index];
	struct eventfd_ctx *ctx = NULL;
	int ret = 0;

	if ((hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) !=
	    VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;

	mutex_lock(&fv->lock);
	if (!hdr->count) {
		if (*trigger)
			eventfd_ctx_put(*trigger);
		*trigger = NULL;
		goto out;
	}
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_EVENTFD: {
		s32 fd = *(const s32 *)data;

		if (fd >= 0) {
			ctx = eventfd_ctx_fdget(fd);
			if (IS_ERR(ctx)) {
				ret = PTR_ERR(ctx);
				goto out;
			}
		}
		if (*trigger)
			eventfd_ctx_put(*trigger);
		*trigger = ctx;
		break;
	}
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!*data)
			break;
		fallthrough;
	case VFIO_IRQ_SET_DATA_NONE:
		if (*trigger)
			fsv_eventfd_signal(*trigger);
		break;
	}
out:
	mutex_unlock(&fv->lock);
	return ret;
}

/*
 * The function is being unbound (or its module unloaded) while user space
 * has it: ask through the request notifier, as vfio-pci does; the core
 * repeats the request until the device is closed.
 */
void fsv_vfio_request(struct fsv_vfio *fv, unsigned int count)
{
	mutex_lock(&fv->lock);
	if (fv->st && fv->st->trigger[VFIO_PCI_REQ_IRQ_INDEX]) {
		if (!(count % 10))
			dev_notice_ratelimited(fv->dev, "VFIO: asking user space to release the device (#%u)\n",
					       count);
		fsv_eventfd_signal(fv->st->trigger[VFIO_PCI_REQ_IRQ_INDEX]);
	} else if (!count) {
		dev_notice(fv->dev, "VFIO: no request notifier: waiting for user space to close the device\n");
	}
	mutex_unlock(&fv->lock);
}

static int fsv_vfio_set_irqs(struct fsv_vfio *fv, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	u8 *data = NULL;
	int ret;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	if (hdr.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	ret = vfio_set_irqs_validate_and_prepare(&hdr,
						 fsv_vfio_irq_count(hdr.index),
						 VFIO_PCI_NUM_IRQS, &data_size);
	if (ret)
		return ret;
	if (!fsv_vfio_irq_count(hdr.index))
		return -EINVAL;	/* INTx, MSI-X: nothing to set */
	if (data_size) {
		data = memdup_user(uarg + minsz, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}
	ret = fsv_vfio_set_trigger(fv, &hdr, data);
	kfree(data);
	return ret;
}

/*
 * Reset: BAR contents and the user's BAR registers as at open; memory
 * decoding, bus mastering and MSI off. The eventfds stay (as vfio-pci's).
 */
static int fsv_vfio_cfg_access(struct fsv_vfio *fv, u64 pos, int n, u32 *val,
			       bool write);

static int fsv_vfio_reset(struct fsv_vfio *fv)
{
	u32 cmd, off = 0;
	int ret;

	mutex_lock(&fv->lock);
	fsv_vfio_reset_bars(fv);
	mutex_unlock(&fv->lock);
	ret = fsv_vfio_cfg_access(fv, PCI_COMMAND, 2, &cmd, false);
	if (!ret) {
		cmd &= ~(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		ret = fsv_vfio_cfg_access(fv, PCI_COMMAND, 2, &cmd, true);
	}
	if (!ret)
		ret = fsv_vfio_cfg_access(fv, FSV_CAP_MSI + PCI_MSI_FLAGS, 2,
					  &off, true);
	return ret;
}

/*
 * The display, as the kernel's mdpy sample answers it: a probe for a region
 * plane succeeds (dma-buf planes do not exist here), and the plane is
 * FSV_PLANE_* in BAR0's RAM.
 */
static int fsv_vfio_query_gfx_plane(struct fsv_vfio *fv, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct vfio_device_gfx_plane_info,
					  region_index);
	struct vfio_device_gfx_plane_info plane;

	if (copy_from_user(&plane, uarg, minsz))
		return -EFAULT;
	if (plane.argsz < minsz)
		return -EINVAL;
	if (plane.flags & VFIO_GFX_PLANE_TYPE_PROBE)
		return plane.flags == (VFIO_GFX_PLANE_TYPE_PROBE |
				       VFIO_GFX_PLANE_TYPE_REGION) ? 0 : -EINVAL;
	if (plane.flags != VFIO_GFX_PLANE_TYPE_REGION)
		return -EINVAL;
	plane.drm_format = FSV_DRM_FORMAT_XRGB8888;
	plane.drm_format_mod = 0;
	plane.width = FSV_PLANE_WIDTH;
	plane.height = FSV_PLANE_HEIGHT;
	plane.stride = FSV_PLANE_STRIDE;
	plane.size = FSV_PLANE_SIZE;
	plane.x_pos = 0;
	plane.y_pos = 0;
	plane.x_hot = 0;
	plane.y_hot = 0;
	plane.region_index = VFIO_PCI_BAR0_REGION_INDEX;
	return copy_to_user(uarg, &plane, minsz) ? -EFAULT : 0;
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
		info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		info.num_regions = VFIO_PCI_NUM_REGIONS;
		info.num_irqs = VFIO_PCI_NUM_IRQS;
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_GET_REGION_INFO:
		return fsv_vfio_get_region_info(fv, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info info;
		unsigned long minsz = offsetofend(struct vfio_irq_info, count);

		if (copy_from_user(&info, uarg, minsz))
			return -EFAULT;
		if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
			return -EINVAL;
		info.flags = VFIO_IRQ_INFO_EVENTFD;
		if (info.index == VFIO_PCI_MSI_IRQ_INDEX)
			info.flags |= VFIO_IRQ_INFO_NORESIZE;
		info.count = fsv_vfio_irq_count(info.index);
		return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
	}
	case VFIO_DEVICE_SET_IRQS:
		return fsv_vfio_set_irqs(fv, uarg);
	case VFIO_DEVICE_RESET:
		return fsv_vfio_reset(fv);
	case VFIO_DEVICE_QUERY_GFX_PLANE:
		return fsv_vfio_query_gfx_plane(fv, uarg);
	}
	return -ENOTTY;
}

/*
 * One aligned access to the config space region. The BAR registers are the
 * user's own copy, written through the function's write masks (so sizing
 * works and the host's BAR addresses never move, as vfio-pci virtualizes
 * them); everything else goes to the function through the PCI core.
 */
static int fsv_vfio_cfg_access(struct fsv_vfio *fv, u64 pos, int n, u32 *val,
			       bool write)
{
	struct pci_dev *pdev = fv->pdev;
	int i, ret;

	if (pos >= PCI_BASE_ADDRESS_0 && pos < PCI_BASE_ADDRESS_0 + sizeof(fv->st->vbar)) {
		u8 *v = fv->st->vbar + (pos - PCI_BASE_ADDRESS_0);
		const u8 *wmask = fv->func->masks->w + pos;

		mutex_lock(&fv->lock);
		for (i = 0; i < n; i++) {
			u8 b = *val >> (8 * i);

			if (write)
				v[i] = (v[i] & ~wmask[i]) | (b & wmask[i]);
		}
		if (!write)
			for (*val = 0, i = 0; i < n; i++)
				*val |= (u32)v[i] << (8 * i);
		mutex_unlock(&fv->lock);
		return 0;
	}
	/* IDs as the function has them: a VF's read all-ones on the bus. */
	if (pos < PCI_COMMAND) {
		unsigned long flags;

		if (!write) {
			raw_spin_lock_irqsave(&fv->func->fbus->table_lock, flags);
			*val = fsv_func_cfg_read_raw(fv->func, pos, n);
			raw_spin_unlock_irqrestore(&fv->func->fbus->table_lock,
						   flags);
		}
		return 0;
	}
	if (!pdev) {
		unsigned long flags;

		/* An mdev instance: its config image is all there is. */
		raw_spin_lock_irqsave(&fv->func->fbus->table_lock, flags);
		if (write)
			fsv_func_cfg_write(fv->func, pos, n, *val);
		else
			fsv_func_cfg_read(fv->func, pos, n, val);
		raw_spin_unlock_irqrestore(&fv->func->fbus->table_lock, flags);
		return 0;
	}
	if (n == 4)
		ret = write ? pci_user_write_config_dword(pdev, pos, *val) :
			      pci_user_read_config_dword(pdev, pos, val);
	else if (n == 2) {
		u16 w = *val;

		ret = write ? pci_user_write_config_word(pdev, pos, w) :
			      pci_user_read_config_word(pdev, pos, &w);
		*val = w;
	} else {
		u8 b = *val;

		ret = write ? pci_user_write_config_byte(pdev, pos, b) :
			      pci_user_read_config_byte(pdev, pos, &b);
		*val = b;
	}
	return ret ? -EIO : 0;
}

static ssize_t fsv_vfio_cfg_rw(struct fsv_vfio *fv, char __user *buf,
			       size_t count, u64 pos, bool write)
{
	size_t done = 0;

	if (pos >= PCI_CFG_SPACE_EXP_SIZE)
		return -EINVAL;
	count = min_t(size_t, count, PCI_CFG_SPACE_EXP_SIZE - pos);
	while (done < count) {
		size_t left = count - done;
		int n = !(pos & 3) && left >= 4 ? 4 : !(pos & 1) && left >= 2 ? 2 : 1;
		__le32 le = 0;
		u32 val;
		int ret;

		if (write) {
			if (copy_from_user(&le, buf + done, n))
				return done ? done : -EFAULT;
			val = le32_to_cpu(le);
		}
		ret = fsv_vfio_cfg_access(fv, pos, n, &val, write);
		if (ret)
			return done ? done : ret;
		if (!write) {
			le = cpu_to_le32(val);
			if (copy_to_user(buf + done, &le, n))
				return done ? done : -EFAULT;
		}
		done += n;
		pos += n;
	}
	return done;
}

/* The RAM part of a BAR, then zeroes (reads) or nothing (writes). */
static ssize_t fsv_vfio_bar_rw(struct fsv_vfio *fv, unsigned int index,
			       char __user *buf, size_t count, u64 pos,
			       bool write)
{
	u64 size = fsv_vfio_bar_len(fv, index);
	u64 backed = fsv_vfio_backed(fv, index);
	u8 *mem = fv->st->bar_mem[index / 2];
	size_t n = 0;

	if (!fsv_vfio_is_bar(fv, index) || pos >= size)
		return -EINVAL;
	count = min_t(u64, count, size - pos);
	if (pos < backed) {
		n = min_t(u64, count, backed - pos);
		if (write ? copy_from_user(mem + pos, buf, n) :
			    copy_to_user(buf, mem + pos, n))
			return -EFAULT;
	}
	if (n < count && !write && clear_user(buf + n, count - n))
		return n ? n : -EFAULT;
	return count;
}

static ssize_t fsv_vfio_rw(struct fsv_vfio *fv, char __user *buf,
			   size_t count, loff_t *ppos, bool write)
{
	unsigned int index = FSV_VFIO_INDEX((u64)*ppos);
	u64 pos = FSV_VFIO_OFFSET((u64)*ppos);
	ssize_t ret;

	if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		ret = fsv_vfio_cfg_rw(fv, buf, count, pos, write);
	else if (index <= VFIO_PCI_BAR5_REGION_INDEX)
		ret = fsv_vfio_bar_rw(fv, index, buf, count, pos, write);
	else
		ret = -EINVAL;	/* no ROM, no VGA */
	if (ret > 0)
		*ppos += ret;
	return ret;
}

ssize_t fsv_vfio_read(struct fsv_vfio *fv, char __user *buf, size_t count,
		      loff_t *ppos)
{
	return fsv_vfio_rw(fv, buf, count, ppos, false);
}

ssize_t fsv_vfio_write(struct fsv_vfio *fv, const char __user *buf,
		       size_t count, loff_t *ppos)
{
	return fsv_vfio_rw(fv, (char __user *)buf, count, ppos, true);
}

/* Only the RAM part of a BAR (the sparse area region info offers). */
int fsv_vfio_mmap(struct fsv_vfio *fv, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	unsigned int index = FSV_VFIO_INDEX(off);
	u64 start = FSV_VFIO_OFFSET(off);
	u64 len = vma->vm_end - vma->vm_start;

	if (!fsv_vfio_is_bar(fv, index) || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (start >= fsv_vfio_backed(fv, index) ||
	    len > fsv_vfio_backed(fv, index) - start)
		return -EINVAL;
	return remap_vmalloc_range(vma, fv->st->bar_mem[index / 2],
				   start >> PAGE_SHIFT);
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

#endif
