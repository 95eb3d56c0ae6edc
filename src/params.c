// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module parameters: what /etc/modprobe.d sets, each checked once, turned
 * into the load's plan (struct fsv_load_plan: one domain's functions, in
 * order of creation) and fsv_opts before anything is created.
 *
 * Every parameter is read-only at run time and shows the effective value in
 * /sys/module/fake_sriov_vgpu/parameters/, so what was loaded is visible.
 * docs/ABI/testing/sysfs-module-fake_sriov_vgpu describes each.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "fsv.h"
#include "profile_names.h"

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

/* vgpu_type: whether it was given (mode=sriov's VFs start with none if not). */
static bool vgpu_type_given;

static int fsv_param_set_vgpu_type(const char *val,
				   const struct kernel_param *kp)
{
	int ret = fsv_param_set_int(val, kp);

	if (!ret)
		vgpu_type_given = true;
	return ret;
}

static const struct kernel_param_ops fsv_param_vgpu_type_ops = {
	.set = fsv_param_set_vgpu_type,
	.get = param_get_int,
};

static int vgpu_type = 256;
module_param_cb(vgpu_type, &fsv_param_vgpu_type_ops, &vgpu_type, 0444);
MODULE_PARM_DESC(vgpu_type, "vGPU type of the VFs created by num_vfs=, or in mode=sriov of the VFs sriov_numvfs= enables at load (0 = none; default 256, in mode=sriov 0)");

static char *profile = "t4";
module_param_cb(profile, &fsv_param_str_ops, &profile, 0444);
MODULE_PARM_DESC(profile, "GPU profile, one of: " FSV_PROFILE_NAMES " (default t4)");

static int domain = 1;
module_param_cb(domain, &fsv_param_int_ops, &domain, 0444);
MODULE_PARM_DESC(domain, "PCI domain of the virtual bus (0-0xffff, default 0x0001; must not exist on the host, except 0000, where the bus takes a free bus number)");

static int busnr = -1;	/* bus is a kernel type name */
module_param_cb(bus, &fsv_param_int_ops, &busnr, 0444);
MODULE_PARM_DESC(bus, "Bus number of the virtual root bus in its domain (0-255; default 0, in domain 0000 the highest bus number the host does not use; reads back the first domain's)");

static int num_domains = 1;
module_param_cb(num_domains, &fsv_param_int_ops, &num_domains, 0444);
MODULE_PARM_DESC(num_domains, "PCI domains, domain= to domain+num_domains-1, each a bus with the same VFs or PFs (1-16, default 1; none may exist on the host)");

static char *vfs = "";
module_param_cb(vfs, &fsv_param_str_ops, &vfs, 0444);
MODULE_PARM_DESC(vfs, "Per-VF list: TYPE puts entry i at slot i%32 function i/32, SS.F:TYPE at slot SS function F (hex), e.g. vfs=256,256,0,512 or vfs=00.0:256,1f.7:0");

static bool strict;
module_param_cb(strict, &fsv_param_bool_ops, &strict, 0444);
MODULE_PARM_DESC(strict, "NVIDIA's current_vgpu_type rules: EPERM/EIO, types from the profile's catalogue (default N: any type, overwriting allowed)");

static char *driver_name = "nvidia";
module_param_cb(driver_name, &fsv_param_str_ops, &driver_name, 0444);
MODULE_PARM_DESC(driver_name, "Name of the stub PCI driver the VFs bind to (default nvidia)");

static char *vfio = "auto";
module_param_cb(vfio, &fsv_param_str_ops, &vfio, 0444);
MODULE_PARM_DESC(vfio, "Register VFs with VFIO: auto (default, when the kernel can), on (fail the load if it cannot), off");

static char *mode = "standalone";
module_param_cb(mode, &fsv_param_str_ops, &mode, 0444);
MODULE_PARM_DESC(mode, "standalone (default: VFs of their own, num_vfs=/vfs=), sriov (SR-IOV PFs whose sriov_numvfs creates VFs sharing one GPU) or mdev (mediated devices, vGPU 16 and earlier: each GPU of num_pfs=/profiles=, or each of its VFs on an SR-IOV board, is an mdev parent; Linux 6.1+)");

static int num_pfs = -1;
module_param_cb(num_pfs, &fsv_param_int_ops, &num_pfs, 0444);
MODULE_PARM_DESC(num_pfs, "mode=sriov or mdev: GPUs (PFs), each of profile= (default 1, or the length of profiles=)");

static char *profiles = "";
module_param_cb(profiles, &fsv_param_str_ops, &profiles, 0444);
MODULE_PARM_DESC(profiles, "mode=sriov or mdev: a profile per GPU, e.g. profiles=l40s,l40s,a10 (default: num_pfs= GPUs of profile=)");

static char *sriov_numvfs = "";
module_param_cb(sriov_numvfs, &fsv_param_str_ops, &sriov_numvfs, 0444);
MODULE_PARM_DESC(sriov_numvfs, "mode=sriov or mdev: VFs each PF enables at load, one value for all or one per PF (default 0)");

static char *numa_nodes = "";	/* numa_node is the kernel's per-CPU variable */
module_param_cb(numa_node, &fsv_param_str_ops, &numa_nodes, 0444);
MODULE_PARM_DESC(numa_node, "mode=sriov or mdev: NUMA node of each PF and its VFs, one value for all or one per PF: an online node or -1 (default -1)");

static const char * const fsv_vfio_modes[] = {
	[FSV_VFIO_AUTO] = "auto", [FSV_VFIO_ON] = "on", [FSV_VFIO_OFF] = "off",
};

struct fsv_options fsv_opts;

const char *fsv_vfio_mode_name(int mode)
{
	return fsv_vfio_modes[mode];
}

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

/* A standalone VF of the load-time profile at devfn. */
static int fsv_plan_add(struct fsv_load_plan *plan, unsigned int devfn,
			int type)
{
	struct fsv_func_spec *spec = &plan->func[plan->count];
	unsigned int i;

	for (i = 0; i < plan->count; i++) {
		if (plan->func[i].devfn == devfn) {
			pr_err("vfs: address %02x.%x is given twice; each VF needs its own address\n",
			       PCI_SLOT(devfn), PCI_FUNC(devfn));
			return -EINVAL;
		}
	}
	spec->kind = FSV_STANDALONE;
	spec->devfn = devfn;
	spec->profile = fsv_opts.profile;
	spec->vgpu_type = type;
	spec->numa_node = NUMA_NO_NODE;
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
		unsigned int devfn = fsv_seed_devfn(plan->count);
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
		ret = fsv_check_type(fsv_opts.profile, "vfs", type);
		if (!ret)
			ret = fsv_plan_add(plan, devfn, type);
	}
	kfree(copy);
	return ret;
}

/*
 * "V" or "V1,V2,..." for n PFs: one value for all, or exactly n. Each in
 * [min, max[i]] (max NULL: INT_MAX). Empty: every entry is def.
 */
static int fsv_parse_pf_ints(const char *param, const char *val,
			     unsigned int n, int def, int min,
			     const int *max, int *out)
{
	char *copy, *cur, *tok;
	unsigned int count = 0, i;
	int ret = 0, v;

	for (i = 0; i < n; i++)
		out[i] = def;
	copy = kstrdup(val, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = strim(copy);
	if (!*cur)
		goto out;
	while ((tok = strsep(&cur, ",")) != NULL) {
		tok = strim(tok);
		if (count == n) {
			pr_err("%s=%s: more values than the %u PFs; give one value for all or one per PF\n",
			       param, val, n);
			ret = -EINVAL;
			goto out;
		}
		if (kstrtoint(tok, 10, &v) || v < min ||
		    v > (max ? max[count] : INT_MAX)) {
			pr_err("%s: '%s' for PF %u is not allowed; write a decimal number %d..%d\n",
			       param, tok, count, min, max ? max[count] : INT_MAX);
			ret = -EINVAL;
			goto out;
		}
		out[count++] = v;
	}
	if (count == 1) {
		for (i = 1; i < n; i++)
			out[i] = out[0];
	} else if (count != n) {
		pr_err("%s=%s: %u values for %u PFs; give one value for all or one per PF\n",
		       param, val, count, n);
		ret = -EINVAL;
	}
out:
	kfree(copy);
	return ret;
}

/* The PF list: profiles= or num_pfs= x profile=, laid out slot by slot. */
static int fsv_parse_pf_profiles(struct fsv_load_plan *plan)
{
	char *copy, *cur, *tok, names[160];
	unsigned int devfn = 0, i;
	int ret = 0;

	copy = kstrdup(profiles, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cur = strim(copy);
	if (!*cur)
		cur = NULL;	/* not given: num_pfs= x profile= */
	while ((tok = strsep(&cur, ",")) != NULL) {
		const struct fsv_profile *p = fsv_profile_find(strim(tok));

		if (!p) {
			fsv_profile_names(names, sizeof(names), false);
			pr_err("profiles: '%s' is not a profile; allowed: %s\n",
			       tok, names);
			ret = -EINVAL;
			goto out;
		}
		if (plan->count == FSV_MAX_PFS) {
			pr_err("profiles: more than %d PFs; a bus holds %d slots\n",
			       FSV_MAX_PFS, FSV_MAX_PFS);
			ret = -EINVAL;
			goto out;
		}
		plan->func[plan->count++].profile = p;
	}
	if (plan->count) {
		if (num_pfs != -1 && num_pfs != plan->count) {
			pr_err("num_pfs=%d conflicts with profiles= (%u entries); set one of them\n",
			       num_pfs, plan->count);
			ret = -EINVAL;
			goto out;
		}
	} else {
		if (num_pfs == -1)
			num_pfs = 1;
		if (num_pfs < 1 || num_pfs > FSV_MAX_PFS) {
			pr_err("num_pfs=%d: out of range; allowed: 1..%d\n",
			       num_pfs, FSV_MAX_PFS);
			ret = -EINVAL;
			goto out;
		}
		plan->count = num_pfs;
		for (i = 0; i < plan->count; i++)
			plan->func[i].profile = fsv_opts.profile;
	}
	num_pfs = plan->count;

	for (i = 0; i < plan->count; i++) {
		const struct fsv_profile *p = plan->func[i].profile;

		if (!p->total_vfs && fsv_opts.mdev) {
			/* A GPU without SR-IOV is the mdev parent itself. */
			plan->func[i].kind = FSV_STANDALONE;
			plan->func[i].devfn = devfn;
			devfn += 8;
			continue;
		}
		if (!p->total_vfs) {
			fsv_profile_names(names, sizeof(names), true);
			pr_err("mode=sriov: the %s (profile %s) has no SR-IOV (mdev-only on real hardware: load it with mode=mdev); SR-IOV profiles: %s\n",
			       p->model, p->name, names);
			ret = -EINVAL;
			goto out;
		}
		plan->func[i].kind = FSV_PF;
		plan->func[i].devfn = devfn;
		devfn += fsv_pf_span(p);
	}
	if (devfn > FSV_MAX_FUNCS) {
		pr_err("mode=%s: %u GPUs with their VFs need %u functions; a bus holds %d (fewer GPUs, or boards with fewer VFs)\n",
		       mode, plan->count, devfn, FSV_MAX_FUNCS);
		ret = -EINVAL;
	}
out:
	kfree(copy);
	return ret;
}

static int fsv_parse_sriov(struct fsv_load_plan *plan)
{
	int vals[FSV_MAX_PFS], max[FSV_MAX_PFS];
	unsigned int i;
	int ret;

	if (num_vfs != -1 || (vfs[0] && strim(vfs)[0])) {
		pr_err("mode=%s: num_vfs= and vfs= create standalone VFs; SR-IOV VFs come from each PF's sriov_numvfs (load with sriov_numvfs=)\n",
		       mode);
		return -EINVAL;
	}
	num_vfs = 0;
	ret = fsv_parse_pf_profiles(plan);
	if (ret)
		return ret;

	for (i = 0; i < plan->count; i++)
		max[i] = plan->func[i].profile->total_vfs;
	ret = fsv_parse_pf_ints("sriov_numvfs", sriov_numvfs, plan->count,
				0, 0, max, vals);
	if (ret)
		return ret;
	for (i = 0; i < plan->count; i++)
		plan->sriov_numvfs[i] = vals[i];

	ret = fsv_parse_pf_ints("numa_node", numa_nodes, plan->count,
				NUMA_NO_NODE, NUMA_NO_NODE, NULL, vals);
	if (ret)
		return ret;
	for (i = 0; i < plan->count; i++) {
		if (vals[i] != NUMA_NO_NODE &&
		    (vals[i] >= MAX_NUMNODES || !node_online(vals[i]))) {
			pr_err("numa_node: node %d (PF %u) is not online; allowed: -1 or an online node (%*pbl)\n",
			       vals[i], i, nodemask_pr_args(&node_states[N_ONLINE]));
			return -EINVAL;
		}
		plan->func[i].numa_node = vals[i];
	}

	if (!vgpu_type_given)
		vgpu_type = 0;
	fsv_opts.vgpu_type = max(vgpu_type, 0);
	for (i = 0; i < plan->count; i++) {
		ret = fsv_check_type(plan->func[i].profile, "vgpu_type", vgpu_type);
		if (ret)
			return ret;
	}
	return 0;
}

/* In standalone mode the SR-IOV parameters have nothing to apply to. */
static int fsv_check_no_sriov_params(void)
{
	if (num_pfs == -1 && !strim(profiles)[0] && !strim(sriov_numvfs)[0] &&
	    !strim(numa_nodes)[0])
		return 0;
	pr_err("num_pfs=, profiles=, sriov_numvfs= and numa_node= need mode=sriov or mode=mdev (mode=%s)\n",
	       mode);
	return -EINVAL;
}

/*
 * Checks every parameter and fills plan with one domain's functions, in
 * order of creation, and fsv_opts; nothing is created yet. 0 or -EINVAL
 * (logged: what was wrong and what is allowed) or -ENOMEM.
 */
/* The bus number the first domain's bus got: bus= reads it back (-1 picks one). */
void fsv_params_set_bus(int nr)
{
	busnr = nr;
}

int fsv_params_parse(struct fsv_load_plan *plan)
{
	char names[160];
	unsigned int i;
	int ret;

	fsv_opts.strict = strict;
	if (sysfs_streq(mode, "sriov")) {
		fsv_opts.sriov = true;
	} else if (sysfs_streq(mode, "mdev")) {
		if (!FSV_MDEV_API) {
			pr_err("mode=mdev: this kernel lacks %s; mode=standalone and mode=sriov work on it\n",
			       FSV_MDEV_MISSING);
			return -EOPNOTSUPP;
		}
		fsv_opts.sriov = true;
		fsv_opts.mdev = true;
	} else if (!sysfs_streq(mode, "standalone")) {
		pr_err("mode=%s: allowed values are standalone, sriov, mdev\n",
		       mode);
		return -EINVAL;
	}
	ret = sysfs_match_string(fsv_vfio_modes, vfio);
	if (ret < 0) {
		pr_err("vfio=%s: allowed values are auto, on, off\n", vfio);
		return -EINVAL;
	}
	fsv_opts.vfio_mode = ret;
	if (fsv_opts.mdev && ret == FSV_VFIO_OFF) {
		pr_err("mode=mdev vfio=off: an mdev instance is a VFIO device; leave vfio= at auto or on\n");
		return -EINVAL;
	}

	fsv_opts.profile = fsv_profile_find(profile);
	if (!fsv_opts.profile) {
		fsv_profile_names(names, sizeof(names), false);
		pr_err("profile=%s: unknown profile; allowed: %s\n", profile,
		       names);
		return -EINVAL;
	}
	fsv_opts.vgpu_type = max(vgpu_type, 0);	/* checked at enable when strict */
	if (domain < 0 || domain > 0xffff) {
		pr_err("domain=%d: out of range; allowed: 0..0xffff, a domain the host does not have\n",
		       domain);
		return -EINVAL;
	}
	if (num_domains < 1 || num_domains > FSV_MAX_DOMAINS) {
		pr_err("num_domains=%d: out of range; allowed: 1..%d (each a PCI domain of its own, from domain= up)\n",
		       num_domains, FSV_MAX_DOMAINS);
		return -EINVAL;
	}
	if (domain + num_domains - 1 > 0xffff) {
		pr_err("domain=%d num_domains=%d: the domains would run to %x; allowed: domain + num_domains - 1 <= 0xffff\n",
		       domain, num_domains, domain + num_domains - 1);
		return -EINVAL;
	}
	if (!driver_name[0] || strlen(driver_name) > 32 ||
	    strcspn(driver_name, "/ \t\n") != strlen(driver_name)) {
		pr_err("driver_name='%s': must be 1-32 characters without '/' or blanks\n",
		       driver_name);
		return -EINVAL;
	}
	if (busnr < -1 || busnr > 0xff) {
		pr_err("bus=%d: out of range; allowed: 0..255, a bus number the domain does not use\n",
		       busnr);
		return -EINVAL;
	}
	fsv_opts.driver_name = driver_name;
	plan->busnr = busnr;
	plan->domain = domain;
	plan->num_domains = num_domains;

	if (fsv_opts.sriov)
		return fsv_parse_sriov(plan);
	ret = fsv_check_no_sriov_params();
	if (ret)
		return ret;
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
		num_vfs = 4;	/* the setter allowed 0..FSV_MAX_FUNCS */
	ret = fsv_check_type(fsv_opts.profile, "vgpu_type", vgpu_type);
	if (ret)
		return ret;
	for (i = 0; i < num_vfs; i++)
		fsv_plan_add(plan, fsv_seed_devfn(i), vgpu_type);
	return 0;
}
