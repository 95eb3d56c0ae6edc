// SPDX-License-Identifier: GPL-2.0-only
/*
 * Run-time control: /sys/kernel/config/fake-sriov-vgpu/<name>/ is one VF.
 *
 *   mkdir <name>                    a new, disabled VF item
 *   slot, function                  address (-1 = first free seed address)
 *   domain                          PCI domain of the load (-1 = the first
 *                                   one with a free address for slot/function)
 *   profile, vgpu_type              what the function looks like
 *   enable                          1 creates the PCI function, 0 removes it
 *   address                         DDDD:BB:SS.F while enabled
 *   rmdir <name>                    removes it (and its function)
 *
 * VFs created at load time appear as items named load-SS.F (in the first
 * domain; load-DDDD:SS.F in the others of num_domains=) that cannot be
 * removed with rmdir but can be disabled and re-enabled. User items pin the
 * module (configfs holds a reference), so rmmod fails while any exists.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "fsv.h"

struct fsv_item {
	struct config_group group;
	int slot;			/* -1: first free seed address */
	int function;
	int domain;			/* -1: first with a free address */
	u32 vgpu_type;
	const struct fsv_profile *profile;
	struct fsv_func *func;		/* non-NULL while enabled */
};

/* Serialises every item operation: creating, removing, reconfiguring. */
static DEFINE_MUTEX(fsv_cfs_lock);
/* The load's domains, in order (fixed from init to exit). */
static struct fsv_bus *fsv_cfs_buses;
static unsigned int fsv_cfs_num_buses;

static int fsv_cfs_first_domain(void)
{
	return fsv_cfs_buses[0].domain;
}

static int fsv_cfs_last_domain(void)
{
	return fsv_cfs_buses[fsv_cfs_num_buses - 1].domain;
}

static struct fsv_item *to_fsv_item(struct config_item *item)
{
	return container_of(to_config_group(item), struct fsv_item, group);
}

#define FSV_ITEM_ERR(item, fmt, ...)					\
	pr_info_ratelimited("configfs %s: " fmt,			\
			    config_item_name(&(item)->group.cg_item),	\
			    ##__VA_ARGS__)

/*
 * Creates the function in the item's domain, or (domain -1) in the first
 * domain, in order, with a free address for its slot/function request;
 * called with fsv_cfs_lock held, which every configfs change takes, so a
 * free address found here stays free until fsv_func_create() takes it.
 */
static int fsv_item_enable(struct fsv_item *it)
{
	bool any_slot = it->slot < 0, any_function = it->function < 0;
	unsigned int k, first = 0, last = fsv_cfs_num_buses - 1;
	struct fsv_func_spec spec = {
		.kind = FSV_STANDALONE,
		.profile = it->profile,
		.vgpu_type = it->vgpu_type,
		.numa_node = NUMA_NO_NODE,
	};
	struct fsv_bus *fbus = NULL;
	int devfn = 0, ret = -ENOSPC;

	if (any_slot != any_function) {
		FSV_ITEM_ERR(it, "set both slot and function, or neither (first free address)\n");
		return -EINVAL;
	}
	if (fsv_opts.strict && it->vgpu_type &&
	    !fsv_vgpu_type_find(it->profile, it->vgpu_type)) {
		FSV_ITEM_ERR(it, "vgpu_type %u is not in the %s catalogue (strict=1)\n",
			     it->vgpu_type, it->profile->name);
		return -EINVAL;
	}
	if (it->domain >= 0) {
		first = it->domain - fsv_cfs_first_domain();
		last = first;
	}

	for (k = first; k <= last; k++) {
		fbus = &fsv_cfs_buses[k];
		if (it->slot < 0) {
			devfn = fsv_bus_first_free_devfn(fbus);
			if (devfn < 0) {
				ret = -ENOSPC;
				continue;
			}
		} else {
			devfn = PCI_DEVFN(it->slot, it->function);
		}
		spec.devfn = devfn;
		ret = fsv_func_create(fbus, &spec, &it->func);
		if (ret != -EEXIST)
			break;
	}

	if (!ret)
		return 0;
	if (ret == -ENOSPC && first == last)
		FSV_ITEM_ERR(it, "the bus of domain %04x is full (%d functions)\n",
			     fbus->domain, FSV_MAX_FUNCS);
	else if (ret == -ENOSPC)
		FSV_ITEM_ERR(it, "every domain, %04x..%04x, is full (%d functions each)\n",
			     fsv_cfs_first_domain(), fsv_cfs_last_domain(),
			     FSV_MAX_FUNCS);
	else if (ret == -EEXIST && first == last)
		FSV_ITEM_ERR(it, "address %04x:%02x:%02x.%x is taken by another VF\n",
			     fbus->domain, fbus->busnr, PCI_SLOT(devfn),
			     PCI_FUNC(devfn));
	else if (ret == -EEXIST)
		FSV_ITEM_ERR(it, "address %02x.%x is taken in every domain, %04x..%04x\n",
			     PCI_SLOT(devfn), PCI_FUNC(devfn),
			     fsv_cfs_first_domain(), fsv_cfs_last_domain());
	else
		FSV_ITEM_ERR(it, "cannot create the function: %d\n", ret);
	return ret;
}

static void fsv_item_disable(struct fsv_item *it)
{
	if (!it->func)
		return;
	fsv_func_destroy(it->func);
	it->func = NULL;
}

/* -EBUSY (logged) while the item's function exists: disable it first. */
static int fsv_item_settable(struct fsv_item *it, const char *attr)
{
	if (!it->func)
		return 0;
	FSV_ITEM_ERR(it, "%s cannot change while enabled; write 0 to enable first\n",
		     attr);
	return -EBUSY;
}

/* Parses a decimal int in [min, max] into *out, while not enabled. */
static int fsv_item_store_int(struct fsv_item *it, const char *attr,
			      const char *page, int min, int max, int *out)
{
	int val, ret;

	if (kstrtoint(page, 10, &val) || val < min || val > max) {
		FSV_ITEM_ERR(it, "%s: '%.*s' is not allowed; write a decimal number %d..%d\n",
			     attr, (int)strcspn(page, "\n"), page, min, max);
		return -EINVAL;
	}
	ret = fsv_item_settable(it, attr);
	if (!ret)
		*out = val;
	return ret;
}

/*
 * Every attribute NAME is a pair of functions called with fsv_cfs_lock held,
 * which serialises them with enable, rmdir and each other:
 *   ssize_t fsv_item_NAME_get(struct fsv_item *it, char *page)
 *   int fsv_item_NAME_set(struct fsv_item *it, const char *page)  0 or errno
 * FSV_ITEM_ATTR(NAME) makes the configfs attribute of the pair (0644),
 * FSV_ITEM_ATTR_RO(NAME) of a get alone (0444).
 */
static ssize_t fsv_item_show(struct config_item *item, char *page,
			     ssize_t (*get)(struct fsv_item *, char *))
{
	ssize_t ret;

	mutex_lock(&fsv_cfs_lock);
	ret = get(to_fsv_item(item), page);
	mutex_unlock(&fsv_cfs_lock);
	return ret;
}

static ssize_t fsv_item_store(struct config_item *item, const char *page,
			      size_t count,
			      int (*set)(struct fsv_item *, const char *))
{
	int ret;

	mutex_lock(&fsv_cfs_lock);
	ret = set(to_fsv_item(item), page);
	mutex_unlock(&fsv_cfs_lock);
	return ret ? ret : count;
}

#define FSV_ITEM_ATTR(_name)						\
static ssize_t fsv_item_##_name##_show(struct config_item *item,	\
				       char *page)			\
{									\
	return fsv_item_show(item, page, fsv_item_##_name##_get);	\
}									\
static ssize_t fsv_item_##_name##_store(struct config_item *item,	\
					const char *page, size_t count)	\
{									\
	return fsv_item_store(item, page, count,			\
			      fsv_item_##_name##_set);			\
}									\
static struct configfs_attribute fsv_item_attr_##_name = {		\
	.ca_owner = THIS_MODULE,					\
	.ca_name = __stringify(_name),					\
	.ca_mode = 0644,						\
	.show = fsv_item_##_name##_show,				\
	.store = fsv_item_##_name##_store,				\
}

#define FSV_ITEM_ATTR_RO(_name)						\
static ssize_t fsv_item_##_name##_show(struct config_item *item,	\
				       char *page)			\
{									\
	return fsv_item_show(item, page, fsv_item_##_name##_get);	\
}									\
static struct configfs_attribute fsv_item_attr_##_name = {		\
	.ca_owner = THIS_MODULE,					\
	.ca_name = __stringify(_name),					\
	.ca_mode = 0444,						\
	.show = fsv_item_##_name##_show,				\
}

/* The get and set of a decimal field of struct fsv_item in [_min, _max]. */
#define FSV_ITEM_INT(_field, _min, _max)				\
static int *fsv_item_##_field##_ptr(struct fsv_item *it)		\
{									\
	return (int *)((char *)it + offsetof(struct fsv_item, _field));	\
}									\
static ssize_t fsv_item_##_field##_get(struct fsv_item *it, char *page)	\
{									\
	return sprintf(page, "%d\n", *fsv_item_##_field##_ptr(it));	\
}									\
static int fsv_item_##_field##_set(struct fsv_item *it,		\
				   const char *page)			\
{									\
	return fsv_item_store_int(it, #_field, page, _min, _max,	\
				  fsv_item_##_field##_ptr(it));		\
}

FSV_ITEM_INT(slot, -1, 31)
FSV_ITEM_ATTR(slot);
FSV_ITEM_INT(function, -1, 7)
FSV_ITEM_ATTR(function);

/* In hex like the address: 2, 0002 and 0x2 are domain 0002; -1 is any. */
static ssize_t fsv_item_domain_get(struct fsv_item *it, char *page)
{
	if (it->domain < 0)
		return sprintf(page, "-1\n");
	return sprintf(page, "%04x\n", it->domain);
}

static int fsv_item_domain_set(struct fsv_item *it, const char *page)
{
	int first = fsv_cfs_first_domain(), last = fsv_cfs_last_domain();
	int ret, val;

	if (kstrtoint(page, 16, &val) ||
	    (val != -1 && (val < first || val > last))) {
		FSV_ITEM_ERR(it,
			     "domain: '%.*s' is not allowed; write -1 (the first domain with a free address) or a domain of this load in hex, %04x..%04x\n",
			     (int)strcspn(page, "\n"), page, first, last);
		return -EINVAL;
	}
	ret = fsv_item_settable(it, "domain");
	if (!ret)
		it->domain = val;
	return ret;
}
FSV_ITEM_ATTR(domain);

/* The function's type while enabled (nvidia/current_vgpu_type's). */
static ssize_t fsv_item_vgpu_type_get(struct fsv_item *it, char *page)
{
	return sprintf(page, "%u\n",
		       it->func ? fsv_vgpu_get_type(it->func) : it->vgpu_type);
}

static int fsv_item_vgpu_type_set(struct fsv_item *it, const char *page)
{
	int ret, type;

	ret = fsv_item_store_int(it, "vgpu_type", page, 0, INT_MAX, &type);
	if (!ret)
		it->vgpu_type = type;
	return ret;
}
FSV_ITEM_ATTR(vgpu_type);

static ssize_t fsv_item_profile_get(struct fsv_item *it, char *page)
{
	return sprintf(page, "%s\n", it->profile->name);
}

static int fsv_item_profile_set(struct fsv_item *it, const char *page)
{
	const struct fsv_profile *p = fsv_profile_find(page);
	char names[160];
	int ret;

	if (!p) {
		fsv_profile_names(names, sizeof(names), false);
		FSV_ITEM_ERR(it, "profile: '%.*s' is unknown; allowed: %s\n",
			     (int)strcspn(page, "\n"), page, names);
		return -EINVAL;
	}
	ret = fsv_item_settable(it, "profile");
	if (!ret)
		it->profile = p;
	return ret;
}
FSV_ITEM_ATTR(profile);

static ssize_t fsv_item_enable_get(struct fsv_item *it, char *page)
{
	return sprintf(page, "%d\n", !!it->func);
}

static int fsv_item_enable_set(struct fsv_item *it, const char *page)
{
	bool on;

	if (fsv_parse_bool(page, &on)) {
		FSV_ITEM_ERR(it,
			     "enable: '%.*s' is not allowed; write 1, y, Y, on or 0, n, N, off\n",
			     (int)strcspn(page, "\n"), page);
		return -EINVAL;
	}
	if (on && !it->func)
		return fsv_item_enable(it);
	if (!on)
		fsv_item_disable(it);
	return 0;
}
FSV_ITEM_ATTR(enable);

/* DDDD:BB:SS.F while enabled, empty while not. */
static ssize_t fsv_item_address_get(struct fsv_item *it, char *page)
{
	if (!it->func)
		return 0;
	return sprintf(page, "%04x:%02x:%02x.%x\n", it->func->fbus->domain,
		       it->func->fbus->busnr, PCI_SLOT(it->func->devfn),
		       PCI_FUNC(it->func->devfn));
}
FSV_ITEM_ATTR_RO(address);

static struct configfs_attribute *fsv_item_attrs[] = {
	&fsv_item_attr_slot,
	&fsv_item_attr_function,
	&fsv_item_attr_domain,
	&fsv_item_attr_vgpu_type,
	&fsv_item_attr_profile,
	&fsv_item_attr_enable,
	&fsv_item_attr_address,
	NULL,
};

static void fsv_item_release(struct config_item *item)
{
	kfree(to_fsv_item(item));
}

static struct configfs_item_operations fsv_item_ops = {
	.release = fsv_item_release,
};

static const struct config_item_type fsv_item_type = {
	.ct_item_ops = &fsv_item_ops,
	.ct_attrs = fsv_item_attrs,
	.ct_owner = THIS_MODULE,
};

static struct fsv_item *fsv_item_alloc(const char *name)
{
	struct fsv_item *it = kzalloc(sizeof(*it), GFP_KERNEL);

	if (!it)
		return NULL;
	it->slot = -1;
	it->function = -1;
	it->domain = -1;
	it->vgpu_type = fsv_opts.vgpu_type;
	it->profile = fsv_opts.profile;
	config_group_init_type_name(&it->group, name, &fsv_item_type);
	return it;
}

static struct config_group *fsv_make_group(struct config_group *group,
					   const char *name)
{
	struct fsv_item *it = fsv_item_alloc(name);

	return it ? &it->group : ERR_PTR(-ENOMEM);
}

/* rmdir: the function goes with its item. */
static void fsv_drop_item(struct config_group *group, struct config_item *item)
{
	mutex_lock(&fsv_cfs_lock);
	fsv_item_disable(to_fsv_item(item));
	mutex_unlock(&fsv_cfs_lock);
	config_item_put(item);
}

static struct configfs_group_operations fsv_subsys_ops = {
	.make_group = fsv_make_group,
	.drop_item = fsv_drop_item,
};

static const struct config_item_type fsv_subsys_type = {
	.ct_group_ops = &fsv_subsys_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem fsv_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = FSV_NAME,
			.ci_type = &fsv_subsys_type,
		},
	},
};

/* Removes the load-SS.F items (default groups) and their functions. */
static void fsv_load_items_free(void)
{
	struct config_group *g;

	list_for_each_entry(g, &fsv_subsys.su_group.default_groups, group_entry)
		fsv_item_disable(container_of(g, struct fsv_item, group));
	configfs_remove_default_groups(&fsv_subsys.su_group);
}

/*
 * Takes ownership of the load-time VFs (of every domain, in buses[]), which
 * become load-SS.F items (load-DDDD:SS.F outside the first domain); on
 * failure it has destroyed them all.
 */
int fsv_configfs_init(struct fsv_bus *buses, unsigned int num_buses,
		      struct fsv_func **boot_vfs, unsigned int num_boot_vfs)
{
	char name[24];
	unsigned int i;
	int ret;

	fsv_cfs_buses = buses;
	fsv_cfs_num_buses = num_buses;
	config_group_init(&fsv_subsys.su_group);
	mutex_init(&fsv_subsys.su_mutex);

	for (i = 0; i < num_boot_vfs; i++) {
		struct fsv_func *func = boot_vfs[i];
		struct fsv_item *it;

		if (func->fbus == &buses[0])
			snprintf(name, sizeof(name), "load-%02x.%x",
				 PCI_SLOT(func->devfn), PCI_FUNC(func->devfn));
		else
			snprintf(name, sizeof(name), "load-%04x:%02x.%x",
				 func->fbus->domain, PCI_SLOT(func->devfn),
				 PCI_FUNC(func->devfn));
		it = fsv_item_alloc(name);
		if (!it) {
			ret = -ENOMEM;
			goto err_free_items;
		}
		it->slot = PCI_SLOT(func->devfn);
		it->function = PCI_FUNC(func->devfn);
		it->domain = func->fbus->domain;
		it->vgpu_type = func->vgpu_type;
		it->profile = func->profile;
		it->func = func;
		configfs_add_default_group(&it->group, &fsv_subsys.su_group);
	}

	ret = configfs_register_subsystem(&fsv_subsys);
	if (ret) {
		pr_err("cannot register configfs subsystem %s: %d\n", FSV_NAME,
		       ret);
		goto err_free_items;
	}
	return 0;

err_free_items:
	while (i < num_boot_vfs)
		fsv_func_destroy(boot_vfs[i++]);
	fsv_load_items_free();
	return ret;
}

void fsv_configfs_exit(void)
{
	configfs_unregister_subsystem(&fsv_subsys);
	fsv_load_items_free();
}
