// SPDX-License-Identifier: GPL-2.0-only
/*
 * mode=mdev: NVIDIA's mediated-device vGPUs (vGPU 16 and earlier), the path
 * of KubeVirt's mediatedDevicesConfiguration. A function bound to the stub
 * driver is an mdev parent: a GPU without SR-IOV (the T4) is one itself, an
 * SR-IOV GPU (Ampere and newer) makes each enabled VF one, holding one
 * instance, its PF none. The kernel's mdev core (Documentation/driver-api/
 * vfio-mediated-device.rst) makes mdev_supported_types/nvidia-<id>/ with
 * name, description, available_instances, device_api and create; this file
 * answers them from the profile's mdev types and vgpu.c's capacity rules,
 * and makes each instance a VFIO device on the emulated IOMMU (its own
 * group, /dev/vfio/<N>), as the kernel's samples/vfio-mdev/mdpy.c does.
 *
 * A parent's types are allocated per parent (their kobjects are never
 * static) and freed only after the core's last reference to each is gone:
 * the core's release of a type reads its parent, and its instances hold
 * references to it until their own (possibly deferred) release.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/mdev.h>	/* after device.h: 5.15's does not include it */
#include <linux/slab.h>
#include <linux/vfio.h>

#include "fsv.h"

#if FSV_MDEV_API
struct fsv_mdev_type_obj {
	struct mdev_type type;		/* the core's; its kobject is the dir */
	const struct fsv_mdev_type *t;
	struct fsv_mdev_parent *mp;
	char sysfs_name[12];		/* "<id>": the core adds "<driver>-" */
};

struct fsv_mdev_parent {
	struct mdev_parent parent;
	struct fsv_func *func;
	unsigned int num_types;
	struct mdev_type **type_ptrs;
	struct fsv_mdev_type_obj types[];
};

static struct fsv_mdev_type_obj *to_obj(struct mdev_type *type)
{
	return container_of(type, struct fsv_mdev_type_obj, type);
}

/* One instance per VF parent, so a VF's description says 1. */
static unsigned int fsv_mdev_max(struct fsv_mdev_type_obj *obj)
{
	return obj->mp->func->kind == FSV_VF ? 1 : obj->t->max_instance;
}

static unsigned int fsv_mdev_get_available(struct mdev_type *type)
{
	struct fsv_mdev_type_obj *obj = to_obj(type);

	return fsv_vgpu_mdev_available(obj->mp->func, obj->t);
}

/* NVIDIA's format, which KubeVirt's e2e test parses for max_instance=. */
static ssize_t fsv_mdev_show_description(struct mdev_type *type, char *buf)
{
	struct fsv_mdev_type_obj *obj = to_obj(type);
	const struct fsv_mdev_type *t = obj->t;
	int len;

	len = sysfs_emit(buf, "num_heads=%u, frl_config=%u, framebuffer=%uM, ",
			 t->heads, t->frl, t->fb_mb);
	return len + sysfs_emit_at(buf, len,
				   "max_resolution=%ux%u, max_instance=%u\n",
				   t->xres, t->yres, fsv_mdev_max(obj));
}

/*
 * A new instance (the core's create): a place on the parent's GPU, then a
 * function with the board's config space and BARs, registered with VFIO.
 */
static int fsv_mdev_probe(struct mdev_device *mdev)
{
	struct fsv_mdev_type_obj *obj = to_obj(mdev->type);
	struct fsv_func *parent = obj->mp->func, *inst;
	unsigned int used;
	u32 running;
	int ret;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst)
		return -ENOMEM;
	ret = fsv_vgpu_mdev_take(parent, obj->t);
	if (ret) {
		running = fsv_vgpu_mdev_gpu_type(parent, &used);
		if (running && running != obj->t->id)
			dev_info_ratelimited(obj->mp->parent.dev, "mdev: cannot create %s (nvidia-%u): the GPU runs nvidia-%u (%u instances), one type at a time; available_instances is 0\n",
					     obj->t->name, obj->t->id, running,
					     used);
		else
			dev_info_ratelimited(obj->mp->parent.dev, "mdev: cannot create %s (nvidia-%u): no instance left (%u of %u on the GPU%s); available_instances is 0\n",
					     obj->t->name, obj->t->id, used,
					     obj->t->max_instance,
					     parent->kind == FSV_VF ? ", one per VF" : "");
		kfree(inst);
		return ret;
	}
	inst->fbus = parent->fbus;
	inst->profile = parent->profile;
	inst->kind = FSV_MDEV;
	inst->devfn = parent->devfn;
	inst->pf = parent;
	inst->numa_node = parent->numa_node;
	inst->vgpu_type = obj->t->id;
	fsv_func_init_config(inst);
	ret = fsv_vfio_register_mdev(inst, &mdev->dev);
	if (ret) {
		fsv_vgpu_mdev_give(parent);
		kfree(inst);
		return ret;
	}
	dev_set_drvdata(&mdev->dev, inst);
	return 0;
}

/* The core's remove, or the parent's unbind: waits for user space to close. */
static void fsv_mdev_remove(struct mdev_device *mdev)
{
	struct fsv_func *inst = dev_get_drvdata(&mdev->dev);

	fsv_vfio_unregister(inst);
	fsv_vgpu_mdev_give(inst->pf);
	kfree(inst);
}

static struct mdev_driver fsv_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.driver = {
		.name = FSV_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = fsv_mdev_probe,
	.remove = fsv_mdev_remove,
	.get_available = fsv_mdev_get_available,
	.show_description = fsv_mdev_show_description,
};

static bool fsv_mdev_driver_up;

int fsv_mdev_init(void)
{
	int ret = mdev_register_driver(&fsv_mdev_driver);

	if (ret)
		pr_err("mode=mdev: cannot register the mdev driver '%s': %d\n",
		       FSV_NAME, ret);
	fsv_mdev_driver_up = !ret;
	return ret;
}

void fsv_mdev_exit(void)
{
	if (fsv_mdev_driver_up)
		mdev_unregister_driver(&fsv_mdev_driver);
	fsv_mdev_driver_up = false;
}

/* Called at probe: the function's types, from its profile, on pdev. */
int fsv_mdev_parent_add(struct fsv_func *func, struct pci_dev *pdev)
{
	const struct fsv_profile *p = func->profile;
	struct fsv_mdev_parent *mp;
	unsigned int i;
	int ret;

	mp = kzalloc(struct_size(mp, types, p->num_mdev_types), GFP_KERNEL);
	if (!mp)
		return -ENOMEM;
	mp->type_ptrs = kcalloc(p->num_mdev_types, sizeof(*mp->type_ptrs),
				GFP_KERNEL);
	if (!mp->type_ptrs) {
		kfree(mp);
		return -ENOMEM;
	}
	mp->func = func;
	mp->num_types = p->num_mdev_types;
	for (i = 0; i < mp->num_types; i++) {
		struct fsv_mdev_type_obj *obj = &mp->types[i];

		obj->t = &p->mdev_types[i];
		obj->mp = mp;
		snprintf(obj->sysfs_name, sizeof(obj->sysfs_name), "%u",
			 obj->t->id);
		obj->type.sysfs_name = obj->sysfs_name;
		obj->type.pretty_name = obj->t->name;
		mp->type_ptrs[i] = &obj->type;
	}
	ret = mdev_register_parent(&mp->parent, &pdev->dev, &fsv_mdev_driver,
				   mp->type_ptrs, mp->num_types);
	if (ret) {
		pci_err(pdev, "mode=mdev: cannot register as mdev parent: %d\n",
			ret);
		kfree(mp->type_ptrs);
		kfree(mp);
		return ret;
	}
	/* Ours is the types' last reference: fsv_mdev_parent_remove() drops it. */
	for (i = 0; i < mp->num_types; i++)
		kobject_get(&mp->types[i].type.kobj);
	func->mdev = mp;
	return 0;
}

/*
 * Called at unbind: the core removes the instances (each waits for user
 * space) and the types; the types' memory goes once every reference the
 * instances held is dropped and the core's release has run.
 */
void fsv_mdev_parent_remove(struct fsv_func *func)
{
	struct fsv_mdev_parent *mp = func->mdev;
	unsigned int i, waited;

	if (!mp)
		return;
	mdev_unregister_parent(&mp->parent);
	func->mdev = NULL;
	for (i = 0; i < mp->num_types; i++) {
		struct kobject *kobj = &mp->types[i].type.kobj;

		for (waited = 0; kref_read(&kobj->kref) > 1; waited += 20) {
			if (waited == 10000)
				dev_warn(mp->parent.dev, "mdev: type %s still referenced after 10 s; waiting\n",
					 kobject_name(kobj));
			msleep(20);
		}
		fsv_kobject_put_last(kobj);
	}
	kfree(mp->type_ptrs);
	kfree(mp);
}
#endif
