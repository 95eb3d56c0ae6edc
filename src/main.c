// SPDX-License-Identifier: GPL-2.0-only
/*
 * fake-sriov-vgpu: makes a host look as if it had NVIDIA vGPU SR-IOV virtual
 * functions, for testing KubeVirt's discovery and assignment path without
 * GPUs. Load and unload: the parameters' plan (params.c) becomes the
 * domains' buses, the stub driver, the functions and the configfs tree;
 * unload, or a load that fails part-way, undoes it in reverse order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>

#include "fsv.h"

/*
 * The load's domains, domain= onwards (kcalloc'd: each holds a whole bus's
 * table); the first fsv_num_buses are created, with their notifiers.
 */
static struct fsv_bus *fsv_buses;
static unsigned int fsv_num_buses;
static bool fsv_driver_up;

/*
 * The GPUs of mode=sriov and mode=mdev (PFs, and in mode=mdev the
 * standalone GPUs of boards without SR-IOV) of every domain in order of
 * creation, created at load and destroyed at unload (configfs has the
 * standalone VFs of mode=standalone).
 */
static struct fsv_func **fsv_pfs;
static unsigned int fsv_num_pfs;

/* PFs in reverse order of creation; each disables its VFs first. */
static void fsv_destroy_pfs(void)
{
	while (fsv_num_pfs) {
		struct fsv_func *pf = fsv_pfs[--fsv_num_pfs];

		if (pf->kind == FSV_PF)
			fsv_sriov_shutdown(pf);
		fsv_func_destroy(pf);
	}
}

/* Domain number k of the load: its root bus, its window, its notifier. */
static int fsv_domain_create(const struct fsv_load_plan *plan, unsigned int k)
{
	struct fsv_bus *fbus = &fsv_buses[k];
	int domain = plan->domain, ret;

	ret = fsv_bus_create(fbus, domain + k, plan->busnr);
	if (ret == -EEXIST && plan->busnr >= 0) {
		pr_err("bus=%d: bus %04x:%02x already exists on this host; choose a bus number (0..255) the domain does not use, or leave bus= out\n",
		       plan->busnr, domain + k, plan->busnr);
	} else if (ret == -ENOSPC) {
		pr_err("domain=0000: every bus number (00..ff) of domain 0000 is in use; choose another domain with domain=\n");
	} else if (ret == -EEXIST && plan->num_domains == 1) {
		pr_err("domain=%04x: PCI domain %04x already exists on this host; choose a free domain (0..ffff) with domain=\n",
		       domain, domain);
	} else if (ret == -EEXIST) {
		pr_err("domain=%04x num_domains=%u: PCI domain %04x already exists on this host; choose a range of free domains (0..ffff) with domain= and num_domains=\n",
		       domain, plan->num_domains, domain + k);
	} else if (ret == -EBUSY && k) {
		/* allocate_resource(): no room left for this window. */
		pr_err("num_domains=%u: only %u of the domains' %llu GiB MMIO windows fit this host's physical address space; load fewer domains (num_domains=%u or less)\n",
		       plan->num_domains, k, FSV_MMIO_WINDOW_SIZE >> 30, k);
	}
	if (ret)
		return ret;
	ret = fsv_notifier_register(fbus);
	if (ret) {
		fsv_bus_destroy(fbus);
		return ret;
	}
	fsv_num_buses++;
	return 0;
}

/* One domain's functions, as the plan lists them; a PF's load-time VFs too. */
static int fsv_domain_populate(struct fsv_load_plan *plan, struct fsv_bus *fbus)
{
	unsigned int i;
	int ret;

	for (i = 0; i < plan->count; i++) {
		const struct fsv_func_spec *spec = &plan->func[i];
		unsigned int slot = PCI_SLOT(spec->devfn);
		struct fsv_func *func;

		ret = fsv_func_create(fbus, spec, &func);
		if (ret && spec->kind == FSV_PF)
			pr_err("cannot create PF %04x:%02x:%02x.0 (%s): %d\n",
			       fbus->domain, fbus->busnr, slot,
			       spec->profile->name, ret);
		else if (ret)
			pr_err("cannot create VF %04x:%02x:%02x.%x: %d\n",
			       fbus->domain, fbus->busnr, slot,
			       PCI_FUNC(spec->devfn), ret);
		if (ret)
			return ret;
		if (!fsv_opts.sriov) {
			plan->created[plan->num_created++] = func;
			continue;
		}
		fsv_pfs[fsv_num_pfs++] = func;
		if (!plan->sriov_numvfs[i])
			continue;
		ret = fsv_sriov_enable_at_load(func, plan->sriov_numvfs[i],
					       fsv_opts.vgpu_type);
		if (ret) {
			pr_err("sriov_numvfs=%d: cannot enable the VFs of PF %04x:%02x:%02x.0: %d\n",
			       plan->sriov_numvfs[i], fbus->domain, fbus->busnr,
			       slot, ret);
			return ret;
		}
	}
	return 0;
}

/*
 * Undoes a load in reverse order of creation, from wherever it got: the
 * load-time VFs (plan NULL: configfs owns them after a load; during one,
 * the plan has those made so far), the PFs, the driver, then the domains,
 * last first. fsv_exit and a failed fsv_init both end here.
 */
static void fsv_teardown(struct fsv_load_plan *plan)
{
	if (!plan)
		fsv_configfs_exit();
	else
		while (plan->num_created)
			fsv_func_destroy(plan->created[--plan->num_created]);
	fsv_destroy_pfs();
	if (fsv_driver_up) {
		fsv_driver_unregister();
		fsv_driver_up = false;
	}
	/* The parents are gone, and with them every instance. */
	fsv_mdev_exit();
	fsv_vfio_exit();
	while (fsv_num_buses) {
		struct fsv_bus *fbus = &fsv_buses[--fsv_num_buses];

		fsv_notifier_unregister(fbus);
		fsv_bus_destroy(fbus);
	}
	kfree(fsv_pfs);
	fsv_pfs = NULL;
	kfree(fsv_buses);
	fsv_buses = NULL;
	fsv_masks_exit();
}

/* The load's one line in the kernel log: what it made, and how. */
static void fsv_log_load(const struct fsv_load_plan *plan)
{
	char where[24];

	if (plan->num_domains == 1)
		snprintf(where, sizeof(where), "domain %04x", plan->domain);
	else
		snprintf(where, sizeof(where), "domains %04x..%04x",
			 plan->domain, plan->domain + plan->num_domains - 1);
	pr_info("%s: %u %s%s, profile %s%s, driver %s, %s, vfio=%s (%s)\n",
		where, plan->count,
		fsv_opts.mdev ? "GPUs (mdev parents)" :
		fsv_opts.sriov ? "SR-IOV PFs" : "VFs",
		plan->num_domains > 1 ? " in each" : "",
		fsv_opts.sriov ? plan->func[0].profile->name :
				 fsv_opts.profile->name,
		fsv_opts.sriov && plan->count > 1 ? ", ..." : "",
		fsv_opts.driver_name, fsv_opts.strict ? "strict" : "lenient",
		fsv_vfio_mode_name(fsv_opts.vfio_mode),
		fsv_opts.vfio_mode == FSV_VFIO_OFF ? "off" :
		fsv_vfio_registration());
}

static int __init fsv_init(void)
{
	struct fsv_load_plan *plan;
	unsigned int k, n;
	int ret;

	plan = kzalloc(sizeof(*plan), GFP_KERNEL);
	if (!plan)
		return -ENOMEM;

	ret = fsv_params_parse(plan);
	if (ret)
		goto out_free_plan;
	ret = fsv_vfio_check(fsv_opts.vfio_mode);
	if (ret)
		goto out_free_plan;

	ret = -ENOMEM;
	n = plan->num_domains;
	fsv_buses = kcalloc(n, sizeof(*fsv_buses), GFP_KERNEL);
	/* The plan's functions are all GPUs (mode=sriov, mdev) or all standalone VFs. */
	fsv_pfs = kcalloc(fsv_opts.sriov ? n * plan->count : 0,
			  sizeof(*fsv_pfs), GFP_KERNEL);
	plan->created = kcalloc(fsv_opts.sriov ? 0 : n * plan->count,
				sizeof(*plan->created), GFP_KERNEL);
	if (!fsv_buses || !fsv_pfs || !plan->created)
		goto err_teardown;
	ret = fsv_masks_init();
	if (ret)
		goto err_teardown;
	for (k = 0; k < n; k++) {
		ret = fsv_domain_create(plan, k);
		if (ret)
			goto err_teardown;
	}
	fsv_params_set_bus(fsv_buses[0].busnr);
	if (fsv_opts.mdev) {
		ret = fsv_mdev_init();
		if (ret)
			goto err_teardown;
	}
	ret = fsv_driver_register(fsv_opts.driver_name);
	if (ret)
		goto err_teardown;
	fsv_driver_up = true;
	for (k = 0; k < n; k++) {
		ret = fsv_domain_populate(plan, &fsv_buses[k]);
		if (ret)
			goto err_teardown;
	}

	/* configfs owns the load-time VFs from here on, even on failure. */
	ret = fsv_configfs_init(fsv_buses, n, plan->created,
				plan->num_created);
	plan->num_created = 0;
	if (ret)
		goto err_teardown;

	fsv_log_load(plan);
	kfree(plan->created);
	kfree(plan);
	return 0;

err_teardown:
	fsv_teardown(plan);
out_free_plan:
	kfree(plan->created);
	kfree(plan);
	return ret;
}

static void __exit fsv_exit(void)
{
	/* Also destroys the load-time VFs: configfs owns them after load. */
	fsv_teardown(NULL);
}

module_init(fsv_init);
module_exit(fsv_exit);

MODULE_DESCRIPTION("Fake NVIDIA vGPU SR-IOV virtual functions on a virtual PCI bus");
MODULE_AUTHOR("fake-sriov-vgpu developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(FSV_VERSION);
