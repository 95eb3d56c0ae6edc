// SPDX-License-Identifier: GPL-2.0-only
/*
 * fake-sriov-vgpu: makes a host look as if it had NVIDIA vGPU SR-IOV virtual
 * functions, for testing KubeVirt's discovery and assignment path without
 * GPUs. Module parameters (what /etc/modprobe.d sets), load and unload.
 *
 * Every parameter is read-only at run time and shows the effective value in
 * /sys/module/fake_sriov_vgpu/parameters/, so what was loaded is visible.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "fsv.h"

/*
 * The kernel's own parameter parsers are lax where the ABI is strict: bool
 * takes "1abc" as true, int answers ERANGE and strings ENOSPC without a word
 * from the module. These answer EINVAL, with a message saying what is
 * allowed, and keep the kernel's getters.
 */
#define FSV_PARAM_STR_MAX	1023	/* the kernel's limit for a string */

/* "1", "y", "Y", "on" / "0", "n", "N", "off", nothing else (a trailing newline is fine). */
int fsv_parse_bool(const char *s, bool *out)
{
	static const char * const yes[] = { "1", "y", "Y", "on" };
	static const char * const no[] = { "0", "n", "N", "off" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (sysfs_streq(s, yes[i]) || sysfs_streq(s, no[i])) {
			*out = sysfs_streq(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

static int fsv_param_set_int(const char *val, const struct kernel_param *kp)
{
	int v;

	if (kstrtoint(val, 0, &v)) {
		pr_err("%s='%.32s': not an integer that fits in 32 bits; write it in decimal, 0x hex or 0 octal\n",
		       kp->name, val);
		return -EINVAL;
	}
	*(int *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops fsv_param_int_ops = {
	.set = fsv_param_set_int,
	.get = param_get_int,
};

static int fsv_param_set_str(const char *val, const struct kernel_param *kp)
{
	size_t len = strnlen(val, FSV_PARAM_STR_MAX + 1);

	if (len > FSV_PARAM_STR_MAX) {
		pr_err("%s: longer than %d characters; see modinfo -p fake_sriov_vgpu for what is allowed\n",
		       kp->name, FSV_PARAM_STR_MAX);
		return -EINVAL;
	}
	return param_set_charp(val, kp);
}

static const struct kernel_param_ops fsv_param_str_ops = {
	.set = fsv_param_set_str,
	.get = param_get_charp,
	.free = param_free_charp,
};

static int fsv_param_set_bool(const char *val, const struct kernel_param *kp)
{
	/* A bare "strict" means strict=1, as for the kernel's own bools. */
	if (!val)
		val = "1";
	if (fsv_parse_bool(val, kp->arg)) {
		pr_err("%s='%.32s': allowed: 1, y, Y, on or 0, n, N, off\n",
		       kp->name, val);
		return -EINVAL;
	}
	return 0;
}

static const struct kernel_param_ops fsv_param_bool_ops = {
	.flags = KERNEL_PARAM_OPS_FL_NOARG,
	.set = fsv_param_set_bool,
	.get = param_get_bool,
};

/* num_vfs: -1 inside means "not given" (4, or the length of vfs=). */
static int fsv_param_set_num_vfs(const char *val, const struct kernel_param *kp)
{
	int v, ret = fsv_param_set_int(val, kp);

	if (ret)
		return ret;
	v = *(int *)kp->arg;
	if (v < 0 || v > FSV_MAX_FUNCS) {
		pr_err("num_vfs=%d: out of range; allowed: 0..%d (one bus, 32 slots x 8 functions)\n",
		       v, FSV_MAX_FUNCS);
		*(int *)kp->arg = -1;
		return -EINVAL;
	}
	return 0;
}

static const struct kernel_param_ops fsv_param_num_vfs_ops = {
	.set = fsv_param_set_num_vfs,
	.get = param_get_int,
};

static int num_vfs = -1;
module_param_cb(num_vfs, &fsv_param_num_vfs_ops, &num_vfs, 0444);
MODULE_PARM_DESC(num_vfs, "VFs created at load, VF i at slot i%32 function i/32 (0-256, default 4; ignored when vfs= is set)");

static int vgpu_type = 256;
module_param_cb(vgpu_type, &fsv_param_int_ops, &vgpu_type, 0444);
MODULE_PARM_DESC(vgpu_type, "vGPU type of the VFs created by num_vfs= (0 = none, default 256)");

static char *profile = "t4";
module_param_cb(profile, &fsv_param_str_ops, &profile, 0444);
MODULE_PARM_DESC(profile, "GPU profile: t4 (default), a10, a16, a30, a100-40gb, a100-80gb, l4, l40s, rtx6000-ada, h100, h200");

static int domain = 1;
module_param_cb(domain, &fsv_param_int_ops, &domain, 0444);
MODULE_PARM_DESC(domain, "PCI domain of the virtual bus (0-0xffff, default 0x0001; must not exist on the host)");

static char *vfs = "";
module_param_cb(vfs, &fsv_param_str_ops, &vfs, 0444);
MODULE_PARM_DESC(vfs, "Per-VF list: TYPE puts entry i at the seed address, SS.F:TYPE at slot SS function F (hex), e.g. vfs=256,256,0,512 or vfs=00.0:256,1f.7:0");

static bool strict;
module_param_cb(strict, &fsv_param_bool_ops, &strict, 0444);
MODULE_PARM_DESC(strict, "NVIDIA's current_vgpu_type rules: EPERM/EIO, types from the profile's catalogue (default N: any type, overwriting allowed)");

static char *driver_name = "nvidia";
module_param_cb(driver_name, &fsv_param_str_ops, &driver_name, 0444);
MODULE_PARM_DESC(driver_name, "Name of the stub PCI driver the VFs bind to (default nvidia)");

static char *vfio = "auto";
module_param_cb(vfio, &fsv_param_str_ops, &vfio, 0444);
MODULE_PARM_DESC(vfio, "Register VFs with VFIO: auto (default, when the kernel can), on (fail the load if it cannot), off");

static const char * const fsv_vfio_modes[] = {
	[FSV_VFIO_AUTO] = "auto", [FSV_VFIO_ON] = "on", [FSV_VFIO_OFF] = "off",
};

struct fsv_options fsv_opts;
static struct fsv_bus fsv_bus;

struct fsv_plan {
	u8 devfn;
	u32 type;
};

/* What load-time parameters asked for, parsed and checked before anything is created. */
struct fsv_load_plan {
	const struct fsv_profile *profile;
	unsigned int count;
	struct fsv_plan vf[FSV_MAX_FUNCS];
	struct fsv_vf *created[FSV_MAX_FUNCS];
};

static int fsv_check_type(const struct fsv_profile *p, const char *param,
			  int type)
{
	if (type < 0) {
		pr_err("%s: vGPU type %d is negative; allowed: 0 (none) or a positive type ID\n",
		       param, type);
		return -EINVAL;
	}
	if (fsv_opts.strict && type && !fsv_vgpu_type_find(p, type)) {
		pr_err("%s: vGPU type %d is not in the %s profile's catalogue (strict=1); allowed: 0 or a type listed in nvidia/creatable_vgpu_types (e.g. %u)\n",
		       param, type, p->name, p->types[0].id);
		return -EINVAL;
	}
	return 0;
}

/* "SS.F" in the PCI address notation: hex slot 00-1f, function 0-7. */
static int fsv_parse_slot_fn(char *s, unsigned int *devfn)
{
	unsigned int slot, fn;
	char *dot = strchr(s, '.');

	if (!dot)
		return -EINVAL;
	*dot = '\0';
	if (kstrtouint(s, 16, &slot) || kstrtouint(dot + 1, 16, &fn) ||
	    slot > 0x1f || fn > 7)
		return -EINVAL;
	*devfn = PCI_DEVFN(slot, fn);
	return 0;
}

static int fsv_plan_add(struct fsv_load_plan *plan, unsigned int devfn,
			int type)
{
	unsigned int i;

	for (i = 0; i < plan->count; i++) {
		if (plan->vf[i].devfn == devfn) {
			pr_err("vfs: address %02x.%x is given twice; each VF needs its own address\n",
			       PCI_SLOT(devfn), PCI_FUNC(devfn));
			return -EINVAL;
		}
	}
	plan->vf[plan->count].devfn = devfn;
	plan->vf[plan->count].type = type;
	plan->count++;
	return 0;
}

static int fsv_parse_vfs(struct fsv_load_plan *plan)
{
	char *copy, *cur, *tok;
	int ret = 0;

	copy = kstrdup(vfs, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = strim(copy);
	while (!ret && (tok = strsep(&cur, ",")) != NULL) {
		char *colon = strchr(tok, ':');
		unsigned int devfn = FSV_SEED_DEVFN(plan->count);
		int type;

		tok = strim(tok);
		if (plan->count == FSV_MAX_FUNCS) {
			pr_err("vfs: more than %d entries; a bus holds %d functions\n",
			       FSV_MAX_FUNCS, FSV_MAX_FUNCS);
			ret = -EINVAL;
			break;
		}
		if (colon) {
			*colon = '\0';
			if (fsv_parse_slot_fn(strim(tok), &devfn)) {
				pr_err("vfs: '%s' is not an address; use SS.F with slot 00-1f and function 0-7 (hex), e.g. 03.1:256\n",
				       tok);
				ret = -EINVAL;
				break;
			}
			tok = strim(colon + 1);
		}
		if (kstrtoint(tok, 10, &type)) {
			pr_err("vfs: '%s' is not a vGPU type; entries are TYPE or SS.F:TYPE with a decimal TYPE, e.g. vfs=256,0,00.1:512\n",
			       tok);
			ret = -EINVAL;
			break;
		}
		ret = fsv_check_type(plan->profile, "vfs", type);
		if (!ret)
			ret = fsv_plan_add(plan, devfn, type);
	}
	kfree(copy);
	return ret;
}

static int fsv_parse_params(struct fsv_load_plan *plan)
{
	char names[160];
	unsigned int i;
	int ret;

	fsv_opts.strict = strict;
	ret = sysfs_match_string(fsv_vfio_modes, vfio);
	if (ret < 0) {
		pr_err("vfio=%s: allowed values are auto, on, off\n", vfio);
		return -EINVAL;
	}
	fsv_opts.vfio_mode = ret;

	plan->profile = fsv_profile_find(profile);
	if (!plan->profile) {
		fsv_profile_names(names, sizeof(names));
		pr_err("profile=%s: unknown profile; allowed: %s\n", profile,
		       names);
		return -EINVAL;
	}
	fsv_opts.profile = plan->profile;
	fsv_opts.vgpu_type = max(vgpu_type, 0);	/* checked at enable when strict */
	if (domain < 0 || domain > 0xffff) {
		pr_err("domain=%d: out of range; allowed: 0..0xffff, a domain the host does not have\n",
		       domain);
		return -EINVAL;
	}
	if (!driver_name[0] || strlen(driver_name) > 32 ||
	    strcspn(driver_name, "/ \t\n") != strlen(driver_name)) {
		pr_err("driver_name='%s': must be 1-32 characters without '/' or blanks\n",
		       driver_name);
		return -EINVAL;
	}

	if (vfs[0] && strim(vfs)[0]) {
		ret = fsv_parse_vfs(plan);
		if (ret)
			return ret;
		if (num_vfs != -1 && num_vfs != plan->count) {
			pr_err("num_vfs=%d conflicts with vfs= (%u entries); set one of them\n",
			       num_vfs, plan->count);
			return -EINVAL;
		}
		num_vfs = plan->count;
		return 0;
	}

	if (num_vfs == -1)
		num_vfs = 4;
	if (num_vfs < 0 || num_vfs > FSV_MAX_FUNCS) {
		pr_err("num_vfs=%d: out of range; allowed: 0..%d (one bus, 32 slots x 8 functions)\n",
		       num_vfs, FSV_MAX_FUNCS);
		return -EINVAL;
	}
	ret = fsv_check_type(plan->profile, "vgpu_type", vgpu_type);
	if (ret)
		return ret;
	for (i = 0; i < num_vfs; i++)
		fsv_plan_add(plan, FSV_SEED_DEVFN(i), vgpu_type);
	return 0;
}

static int __init fsv_init(void)
{
	struct fsv_load_plan *plan;
	unsigned int i;
	int ret;

	plan = kzalloc(sizeof(*plan), GFP_KERNEL);
	if (!plan)
		return -ENOMEM;

	ret = fsv_parse_params(plan);
	if (ret)
		goto err_free_plan;
	ret = fsv_vfio_check(fsv_opts.vfio_mode);
	if (ret)
		goto err_free_plan;

	ret = fsv_bus_create(&fsv_bus, domain);
	if (ret)
		goto err_free_plan;
	ret = fsv_dev_notifier_register(&fsv_bus);
	if (ret)
		goto err_destroy_bus;
	ret = fsv_driver_register(driver_name);
	if (ret)
		goto err_unregister_notifier;

	for (i = 0; i < plan->count; i++) {
		ret = fsv_vf_create(&fsv_bus, plan->vf[i].devfn, plan->profile,
				    plan->vf[i].type, &plan->created[i]);
		if (ret) {
			pr_err("cannot create VF %04x:00:%02x.%x: %d\n", domain,
			       PCI_SLOT(plan->vf[i].devfn),
			       PCI_FUNC(plan->vf[i].devfn), ret);
			goto err_destroy_vfs;
		}
	}

	/* configfs owns the load-time VFs from here on, even on failure. */
	ret = fsv_configfs_init(&fsv_bus, plan->created, plan->count);
	if (ret)
		goto err_unregister_driver;

	pr_info("domain %04x: %u VFs, profile %s, driver %s, %s, vfio=%s (%s)\n",
		domain, plan->count, plan->profile->name, driver_name,
		strict ? "strict" : "lenient", vfio,
		fsv_opts.vfio_mode == FSV_VFIO_OFF ? "off" :
		fsv_vfio_registration());
	kfree(plan);
	return 0;

err_destroy_vfs:
	while (i--)
		fsv_vf_destroy(plan->created[i]);
err_unregister_driver:
	fsv_driver_unregister();
	fsv_vfio_exit();
err_unregister_notifier:
	fsv_dev_notifier_unregister(&fsv_bus);
err_destroy_bus:
	fsv_bus_destroy(&fsv_bus);
err_free_plan:
	kfree(plan);
	return ret;
}

static void __exit fsv_exit(void)
{
	/* Also destroys the load-time VFs: configfs owns them after load. */
	fsv_configfs_exit();
	fsv_driver_unregister();
	fsv_vfio_exit();
	fsv_dev_notifier_unregister(&fsv_bus);
	fsv_bus_destroy(&fsv_bus);
}

module_init(fsv_init);
module_exit(fsv_exit);

MODULE_DESCRIPTION("Fake NVIDIA vGPU SR-IOV virtual functions on a virtual PCI bus");
MODULE_AUTHOR("fake-sriov-vgpu developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(FSV_VERSION);
