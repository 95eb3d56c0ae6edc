// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtual root bus: a PCI domain of its own, an MMIO window reserved in
 * /proc/iomem for the functions' BARs, and config space accessors.
 *
 * The PCI core calls the accessors under raw_spin_lock_irqsave(&pci_lock):
 * they must not sleep, so the function table is guarded by a raw spinlock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "fsv.h"

static struct fsv_bus *to_fsv_bus(struct pci_bus *bus)
{
	return container_of(bus->sysdata, struct fsv_bus, sysdata);
}

struct fsv_func *fsv_bus_lookup(struct fsv_bus *fbus, unsigned int devfn)
{
	struct fsv_func *func;
	unsigned long flags;

	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	func = fbus->funcs[devfn];
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	return func;
}

static struct pci_ops fsv_pci_ops;

/* The fsv_bus a device sits on, or NULL for every other device. */
struct fsv_bus *fsv_bus_of(struct pci_dev *pdev)
{
	if (pdev->bus->ops != &fsv_pci_ops)
		return NULL;
	return to_fsv_bus(pdev->bus);
}

/* First free address in the seed's order (slot-major, then function). */
int fsv_bus_first_free_devfn(struct fsv_bus *fbus)
{
	unsigned long flags;
	int i, devfn = -ENOSPC;

	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	for (i = 0; i < FSV_MAX_FUNCS; i++) {
		if (!fbus->funcs[fsv_seed_devfn(i)] &&
		    !test_bit(fsv_seed_devfn(i), fbus->reserved)) {
			devfn = fsv_seed_devfn(i);
			break;
		}
	}
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	return devfn;
}

/* The function answering at devfn, if any; called under table_lock. */
static struct fsv_func *fsv_bus_answering(struct fsv_bus *fbus,
					  struct pci_bus *bus,
					  unsigned int devfn)
{
	struct fsv_func *func;

	if (bus->number != fbus->busnr || devfn >= FSV_MAX_FUNCS)
		return NULL;
	func = fbus->funcs[devfn];
	return func && fsv_func_present(func) ? func : NULL;
}

static bool fsv_cfg_access_ok(int where, int size)
{
	if (where < 0 || where + size > PCI_CFG_SPACE_EXP_SIZE)
		return false;
	return (size == 1 || size == 2 || size == 4) && !(where & (size - 1));
}

static int fsv_cfg_read(struct pci_bus *bus, unsigned int devfn, int where,
			int size, u32 *val)
{
	struct fsv_bus *fbus = to_fsv_bus(bus);
	struct fsv_func *func;
	unsigned long flags;
	int ret = PCIBIOS_SUCCESSFUL;

	if (!fsv_cfg_access_ok(where, size)) {
		*val = ~0U;
		return PCIBIOS_BAD_REGISTER_NUMBER;
	}

	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	func = fsv_bus_answering(fbus, bus, devfn);
	if (func) {
		fsv_func_cfg_read(func, where, size, val);
	} else {
		*val = ~0U;
		ret = PCIBIOS_DEVICE_NOT_FOUND;
	}
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	return ret;
}

static int fsv_cfg_write(struct pci_bus *bus, unsigned int devfn, int where,
			 int size, u32 val)
{
	struct fsv_bus *fbus = to_fsv_bus(bus);
	struct fsv_func *func;
	unsigned long flags;
	int ret = PCIBIOS_SUCCESSFUL;

	if (!fsv_cfg_access_ok(where, size))
		return PCIBIOS_BAD_REGISTER_NUMBER;

	raw_spin_lock_irqsave(&fbus->table_lock, flags);
	func = fsv_bus_answering(fbus, bus, devfn);
	if (func)
		fsv_func_cfg_write(func, where, size, val);
	else
		ret = PCIBIOS_DEVICE_NOT_FOUND;
	raw_spin_unlock_irqrestore(&fbus->table_lock, flags);
	return ret;
}

static struct pci_ops fsv_pci_ops = {
	.read = fsv_cfg_read,
	.write = fsv_cfg_write,
};

/*
 * Reserve the MMIO window above 4 GiB, where it cannot collide with RAM
 * (firmware already claimed that) or other devices (they claimed theirs).
 */
static int fsv_bus_reserve_mmio(struct fsv_bus *fbus)
{
	int ret;

	snprintf(fbus->mmio_name, sizeof(fbus->mmio_name), "%s %04x",
		 FSV_NAME, fbus->domain);
	fbus->mmio.name = fbus->mmio_name;
	/* Not prefetchable, so it can hold both kinds of BAR. */
	fbus->mmio.flags = IORESOURCE_MEM | IORESOURCE_MEM_64;
	ret = allocate_resource(&iomem_resource, &fbus->mmio,
				FSV_MMIO_WINDOW_SIZE, SZ_4G,
				iomem_resource.end, FSV_FUNC_MMIO_SIZE,
				NULL, NULL);
	if (ret)
		pr_err("domain %04x: cannot reserve a %llu GiB MMIO window above 4 GiB for the fake BARs: %d\n",
		       fbus->domain, FSV_MMIO_WINDOW_SIZE >> 30, ret);
	return ret;
}

/* The highest bus number domain does not use, or -ENOSPC. */
static int fsv_bus_free_number(int domain)
{
	int n;

	for (n = 0xff; n >= 0; n--)
		if (!pci_find_bus(domain, n))
			return n;
	return -ENOSPC;
}

/*
 * Creates a root bus in PCI domain "domain" with bus number busnr (-1: 0,
 * or in domain 0000, where the host's own buses are, the highest free one):
 * -EEXIST if the host has that bus already (without a message), -ENOSPC if
 * domain 0000 has no free bus number, -EBUSY if no room is left for the
 * MMIO window.
 */
int fsv_bus_create(struct fsv_bus *fbus, int domain, int busnr)
{
	LIST_HEAD(resources);
	int ret;

	fbus->domain = domain;
	raw_spin_lock_init(&fbus->table_lock);
	mutex_init(&fbus->type_lock);
	fsv_sysdata_init(&fbus->sysdata, domain);

	if (busnr < 0)
		busnr = domain ? 0 : fsv_bus_free_number(domain);
	if (busnr < 0)
		return busnr;
	/* The caller says which parameter chose it (main.c). */
	if (pci_find_bus(domain, busnr))
		return -EEXIST;
	fbus->busnr = busnr;

	ret = fsv_bus_reserve_mmio(fbus);
	if (ret)
		return ret;

	/* The one bus number it decodes, so it claims no range of the domain. */
	fbus->busn.name = fbus->mmio_name;
	fbus->busn.start = busnr;
	fbus->busn.end = busnr;
	fbus->busn.flags = IORESOURCE_BUS;
	pci_add_resource(&resources, &fbus->busn);
	pci_add_resource(&resources, &fbus->mmio);
	pci_lock_rescan_remove();
	fbus->bus = pci_create_root_bus(NULL, busnr, &fsv_pci_ops,
					&fbus->sysdata, &resources);
	if (fbus->bus)
		pci_bus_add_devices(fbus->bus);
	pci_unlock_rescan_remove();
	if (!fbus->bus) {
		pci_free_resource_list(&resources);
		pr_err("cannot create the root bus %04x:%02x\n", domain, busnr);
		ret = -ENOMEM;
		goto err_release_mmio;
	}
	return 0;

err_release_mmio:
	release_resource(&fbus->mmio);
	return ret;
}

/* Called with no functions left: removes the bus, then its window. */
void fsv_bus_destroy(struct fsv_bus *fbus)
{
	pci_lock_rescan_remove();
	pci_stop_root_bus(fbus->bus);
	fsv_pci_remove_root_bus(fbus->bus);
	pci_unlock_rescan_remove();
	fbus->bus = NULL;
	release_resource(&fbus->mmio);
}
