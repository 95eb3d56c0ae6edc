// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vGPU type policy of a VF (standalone or of a PF): what
 * nvidia/current_vgpu_type and nvidia/creatable_vgpu_types answer, as
 * NVIDIA's vGPU 17+ host driver does (docs.nvidia.com/vgpu, "Creating an
 * NVIDIA vGPU on a Linux with KVM Hypervisor"). Lenient mode (default)
 * takes any type; strict mode has NVIDIA's errnos, the profile's catalogue
 * and, for the VFs of a PF, the capacity of their one GPU. And the mdev
 * path's (mode=mdev, vGPU 16 and earlier): one type per GPU, at most its
 * max_instance. Every type lives under fsv_bus.type_lock.
 */
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "fsv.h"

u32 fsv_vgpu_get_type(struct fsv_func *func)
{
	u32 type;

	mutex_lock(&func->fbus->type_lock);
	type = func->vgpu_type;
	mutex_unlock(&func->fbus->type_lock);
	return type;
}

/*
 * Whether one more vGPU of type t fits on the GPU of the VF's PF, beside the
 * types its enabled siblings (not the VF itself) hold: time-sliced vGPUs of
 * one framebuffer size, at most as many as the framebuffer and the VFs
 * allow; or MIG-backed vGPUs within the GPU's compute slices; never both.
 */
static bool fsv_gpu_fits_locked(struct fsv_func *func,
				const struct fsv_vgpu_type *t)
{
	struct fsv_func *pf = func->pf;
	const struct fsv_profile *p = pf->profile;
	unsigned int i, ts = 0, slices = 0, max;
	u32 ts_fb = 0;

	for (i = 0; i < pf->sriov->num_vfs; i++) {
		struct fsv_func *sib = pf->sriov->vfs[i];
		const struct fsv_vgpu_type *st;

		if (sib == func || !sib->vgpu_type)
			continue;
		st = fsv_vgpu_type_find(p, sib->vgpu_type);
		if (!st)
			continue;	/* lenient mode's free-form types */
		if (st->slices) {
			slices += st->slices;
		} else {
			ts++;
			ts_fb = st->fb_mb;
		}
	}
	if (t->slices)
		return !ts && slices + t->slices <= p->mig_slices;
	max = min_t(unsigned int, p->fb_mb / t->fb_mb, p->total_vfs);
	return !slices && (!ts || ts_fb == t->fb_mb) && ts < max;
}

/*
 * Types this function could take now: none once it has one; for a VF of a
 * PF, those its GPU still has room for; else the whole catalogue.
 * Called under fbus->type_lock.
 */
bool fsv_vgpu_creatable_locked(struct fsv_func *func, u32 type)
{
	const struct fsv_vgpu_type *t = fsv_vgpu_type_find(func->profile, type);

	if (!t || func->vgpu_type)
		return false;
	return func->kind != FSV_VF || fsv_gpu_fits_locked(func, t);
}

/* A VF as its PF's VF Enable leaves it: reset config, the given type. */
void fsv_vgpu_reset_locked(struct fsv_func *func, u32 type)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&func->fbus->table_lock, flags);
	fsv_func_init_config(func);
	raw_spin_unlock_irqrestore(&func->fbus->table_lock, flags);
	func->vgpu_type = type;
}

/*
 * Lenient (default): any type, 0 clears, overwriting allowed.
 * Strict (NVIDIA's driver): while a VFIO device (a VM) has the function open,
 * -EBUSY; clearing an unset type or replacing a set one is -EPERM; a type
 * this function cannot create now is -EIO.
 */
int fsv_vgpu_set_type(struct fsv_func *func, u32 type, bool strict)
{
	int ret = 0;

	mutex_lock(&func->fbus->type_lock);
	if (strict) {
		if (func->vfio_users)
			ret = -EBUSY;	/* a VM has it: the type is fixed */
		else if (!type && !func->vgpu_type)
			ret = -EPERM;
		else if (type && func->vgpu_type)
			ret = -EPERM;
		else if (type && !fsv_vgpu_creatable_locked(func, type))
			ret = -EIO;
	}
	if (!ret)
		func->vgpu_type = type;
	mutex_unlock(&func->fbus->type_lock);
	return ret;
}

/* VFIO opens and closes: strict mode fixes the type while a VM has it. */
void fsv_vgpu_opened(struct fsv_func *func)
{
	mutex_lock(&func->fbus->type_lock);
	func->vfio_users++;
	mutex_unlock(&func->fbus->type_lock);
}

void fsv_vgpu_closed(struct fsv_func *func)
{
	mutex_lock(&func->fbus->type_lock);
	func->vfio_users--;
	mutex_unlock(&func->fbus->type_lock);
}

/*
 * NVIDIA's creatable_vgpu_types format: a header, then "%-5d : %s" lines,
 * one per type the function can take now (strict mode: what its GPU has room
 * for; lenient: the catalogue until it has a type).
 */
int fsv_vgpu_format_creatable(struct fsv_func *func, char *buf)
{
	const struct fsv_profile *p = func->profile;
	unsigned int i;
	int len;

	len = sysfs_emit(buf, "ID    : vGPU Name\n");
	mutex_lock(&func->fbus->type_lock);
	for (i = 0; i < p->num_types && !func->vgpu_type; i++) {
		if (fsv_opts.strict &&
		    !fsv_vgpu_creatable_locked(func, p->types[i].id))
			continue;
		len += sysfs_emit_at(buf, len, "%-5u : %s\n", p->types[i].id,
				     p->types[i].name);
	}
	mutex_unlock(&func->fbus->type_lock);
	return len;
}

/*
 * mode=mdev (vGPU 16 and earlier): a GPU runs one type at a time, at most
 * max_instance of it. A standalone parent is a GPU of its own; a VF parent
 * (Ampere and newer) holds one instance and shares its PF's GPU.
 */
static struct fsv_func *fsv_gpu_of(struct fsv_func *parent)
{
	return parent->kind == FSV_VF ? parent->pf : parent;
}

static unsigned int fsv_mdev_available_locked(struct fsv_func *parent,
					      const struct fsv_mdev_type *t)
{
	struct fsv_func *gpu = fsv_gpu_of(parent);
	unsigned int used = gpu->gpu_mdev_count;

	if ((used && gpu->gpu_mdev_type != t->id) || used >= t->max_instance)
		return 0;
	if (parent->kind == FSV_VF)
		return parent->mdev_count ? 0 : 1;
	return t->max_instance - used;
}

/* What the type's available_instances shows: instances it can still make. */
unsigned int fsv_vgpu_mdev_available(struct fsv_func *parent,
				     const struct fsv_mdev_type *t)
{
	unsigned int n;

	mutex_lock(&parent->fbus->type_lock);
	n = fsv_mdev_available_locked(parent, t);
	mutex_unlock(&parent->fbus->type_lock);
	return n;
}

/* One more instance of t on parent, or -EUSERS when none is available. */
int fsv_vgpu_mdev_take(struct fsv_func *parent, const struct fsv_mdev_type *t)
{
	struct fsv_func *gpu = fsv_gpu_of(parent);
	int ret = -EUSERS;

	mutex_lock(&parent->fbus->type_lock);
	if (fsv_mdev_available_locked(parent, t)) {
		parent->mdev_count++;
		gpu->gpu_mdev_count++;
		gpu->gpu_mdev_type = t->id;
		ret = 0;
	}
	mutex_unlock(&parent->fbus->type_lock);
	return ret;
}

/* An instance gone; the GPU takes any type again once it has none. */
void fsv_vgpu_mdev_give(struct fsv_func *parent)
{
	struct fsv_func *gpu = fsv_gpu_of(parent);

	mutex_lock(&parent->fbus->type_lock);
	parent->mdev_count--;
	if (!--gpu->gpu_mdev_count)
		gpu->gpu_mdev_type = 0;
	mutex_unlock(&parent->fbus->type_lock);
}

/* The type the parent's GPU runs (0: none yet) and its instances (used). */
u32 fsv_vgpu_mdev_gpu_type(struct fsv_func *parent, unsigned int *used)
{
	struct fsv_func *gpu = fsv_gpu_of(parent);
	u32 type;

	mutex_lock(&parent->fbus->type_lock);
	type = gpu->gpu_mdev_type;
	*used = gpu->gpu_mdev_count;
	mutex_unlock(&parent->fbus->type_lock);
	return type;
}
