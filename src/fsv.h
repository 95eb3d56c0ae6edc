/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fake-sriov-vgpu: a virtual PCI domain of fake NVIDIA vGPU functions.
 *
 * Private header shared by every file of the module. One prefix (fsv_) on
 * every symbol; one file per concern, each calling only files below it in
 * this list (no two files call each other):
 *   main.c      load and unload: the plan becomes buses, driver, functions
 *   configfs.c  run-time control under /sys/kernel/config/fake-sriov-vgpu/
 *   driver.c    the stub "nvidia" PCI driver and its nvidia/ attributes
 *   sriov.c     a PF's SR-IOV: sriov_numvfs, enable at load, shutdown
 *   mdev.c      mode=mdev: a GPU function as mdev parent, its instances
 *   mdev_none.c mode=mdev refused (a kernel without the 6.1+ mdev API)
 *   vfio_vdev.c VFIO registration through struct vfio_device (5.13+)
 *   vfio_add.c  VFIO registration through vfio_add_group_dev() (5.10-5.12)
 *   vfio_none.c no VFIO registration (a kernel without CONFIG_VFIO)
 *   vfio.c      VFIO device operations (one set for every kernel)
 *   vgpu.c      vGPU type policy: current/creatable types, a GPU's capacity
 *   dev.c       one function's life, for every kind: create, publish, destroy
 *   iommu.c     IOMMU groups and the bus notifier that readies a new pci_dev
 *   bus.c       the virtual root bus, its MMIO window and config accessors
 *   params.c    module parameters, each checked once, into the load's plan
 *   config.c    config space: each kind's registers, write masks, accesses
 *   profiles.c  the table of GPU profiles and their vGPU type catalogues
 *   compat.h    every difference between kernels, from conftest.sh's probes
 */
#ifndef FSV_H
#define FSV_H

#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "compat.h"

#define FSV_NAME		"fake-sriov-vgpu"
#define FSV_MAX_FUNCS		256	/* 32 slots x 8 functions: one whole bus */
#define FSV_MAX_DOMAINS		16	/* num_domains=: buses of one load */
#define FSV_NUM_BARS		3	/* BAR0, BAR2, BAR4, each 64-bit */
/* Each devfn owns a fixed slice of the MMIO window; its BARs sit inside it. */
#define FSV_FUNC_MMIO_SIZE	SZ_512M
#define FSV_MMIO_WINDOW_SIZE	((u64)FSV_MAX_FUNCS * FSV_FUNC_MMIO_SIZE)

/* Capabilities in every function's config space. */
#define FSV_CAP_PM		0x60
#define FSV_CAP_MSI		0x68	/* 64-bit, one vector, no masking */
#define FSV_CAP_EXP		0x78
#define FSV_CAP_SRIOV		0x100	/* extended: PFs only */
/*
 * Bytes of config space a function stores: the header, the capabilities and
 * a PF's SR-IOV capability (0x100-0x13f). The rest of the 4 KiB reads as 0
 * and ignores writes, so each function carries 320 bytes, not 4 KiB.
 */
#define FSV_CFG_IMAGE		(FSV_CAP_SRIOV + PCI_SRIOV_VFM + 4)

/* The bits software may write, and write-1-to-clear: one set per profile and kind. */
struct fsv_cfg_masks {
	u8 w[FSV_CFG_IMAGE];
	u8 w1c[FSV_CFG_IMAGE];
};

/* PFs take whole slots: at most one per slot. */
#define FSV_MAX_PFS		(FSV_MAX_FUNCS / 8)

/* The address a VF numbered i gets when created at load time (the seed's). */
static inline unsigned int fsv_seed_devfn(unsigned int i)
{
	return PCI_DEVFN(i % 32, i / 32);
}

/*
 * A vGPU type: time-sliced (slices == 0) with fb_mb of framebuffer, or
 * MIG-backed, taking slices of the GPU's compute slices (and fb_mb).
 */
struct fsv_vgpu_type {
	u32 id;
	const char *name;
	u32 fb_mb;
	u8 slices;
};

/*
 * A mediated-device vGPU type (vGPU 16 and earlier): the directory
 * nvidia-<id>, its name, and the figures of its description; max_instance
 * is per GPU.
 */
struct fsv_mdev_type {
	u16 id;
	const char *name;
	u32 fb_mb;
	u8 heads;
	u8 frl;			/* frame rate limit */
	u16 xres, yres;		/* max_resolution */
	u8 max_instance;
};

struct fsv_profile {
	const char *name;		/* profile= value, e.g. "t4" */
	const char *model;		/* marketing name, for logs and docs */
	u16 device;
	u16 subsys_vendor;
	u16 subsys_device;
	u32 class;			/* 24-bit class code */
	u8 revision;
	u64 bar_size[FSV_NUM_BARS];	/* BAR0 (regs), BAR2 (FB), BAR4 (io) */
	bool bar_prefetch[FSV_NUM_BARS];
	const struct fsv_vgpu_type *types;
	unsigned int num_types;
	const struct fsv_mdev_type *mdev_types;	/* mode=mdev */
	unsigned int num_mdev_types;
	/* One physical GPU: what its vGPUs share. */
	u32 fb_mb;
	u8 mig_slices;			/* 0: no MIG */
	/* SR-IOV (0 VFs: the board has none, as the mdev-only T4). */
	u16 total_vfs;
	u8 vf_offset, vf_stride;
};

/* The kinds of function: each a struct fsv_func. */
enum fsv_kind {
	FSV_STANDALONE,		/* a VF of its own: no PF, its own capacity */
	FSV_PF,			/* an SR-IOV physical function: one GPU */
	FSV_VF,			/* a VF of a PF, sharing the PF's GPU */
	FSV_MDEV,		/* a mediated device on a parent (mode=mdev) */
};

/* Load-time and run-time options shared by the whole module. */
struct fsv_options {
	bool strict;		/* NVIDIA's errnos and catalogue checks */
	const char *driver_name;	/* the stub driver's (driver_name=) */
	bool sriov;		/* mode=sriov or mdev: GPUs from num_pfs=/profiles= */
	bool mdev;		/* mode=mdev: the GPUs (or their VFs) are mdev parents */
	int vfio_mode;		/* FSV_VFIO_* */
	/* What a new configfs item starts with: the load-time profile= and vgpu_type=. */
	const struct fsv_profile *profile;
	u32 vgpu_type;
};

enum { FSV_VFIO_AUTO, FSV_VFIO_ON, FSV_VFIO_OFF };

struct fsv_func;

/* One virtual PCI domain: the root bus and the table of its functions. */
struct fsv_bus {
	/* x86 reads bus->sysdata as struct pci_sysdata: it must come first. */
	struct fsv_sysdata sysdata;
	int domain;
	u8 busnr;			/* its root bus's number (bus=) */
	struct pci_bus *bus;
	struct resource mmio;		/* reserved in /proc/iomem */
	struct resource busn;		/* its bus number */
	char mmio_name[32];
	/* Protects funcs[]; taken inside the PCI core's pci_lock: never sleep. */
	raw_spinlock_t table_lock;
	struct fsv_func *funcs[FSV_MAX_FUNCS];
	/* Addresses a function holds: its own, a PF its VF range (table_lock). */
	DECLARE_BITMAP(reserved, FSV_MAX_FUNCS);
	/* Serialises vGPU type changes; never held while removing devices. */
	struct mutex type_lock;
	struct notifier_block nb;	/* pci_bus_type: add/remove events */
};

struct fsv_sriov;
struct fsv_mdev_parent;

/*
 * One function of any kind: the "hardware". It exists from
 * fsv_func_create() (an SR-IOV VF: its PF's) until fsv_func_destroy() (its
 * PF's); its pci_dev may come and go in between (the PCI core's remove and
 * rescan files, or VF Enable), as a real function's would.
 */
struct fsv_func {
	struct fsv_bus *fbus;
	const struct fsv_profile *profile;
	enum fsv_kind kind;
	u8 devfn;
	struct fsv_func *pf;		/* FSV_VF: its PF; FSV_MDEV: its parent */
	struct fsv_sriov *sriov;	/* FSV_PF: its SR-IOV state and VFs */
	u16 vf_index;			/* FSV_VF: 0-based */
	int numa_node;			/* NUMA_NO_NODE, or the PF's node= */
	u32 vgpu_type;			/* under fbus->type_lock */
	unsigned int vfio_users;	/* open VFIO devices; under type_lock */
	struct iommu_group *group;	/* own group while not VFIO-registered */
	bool overridden;		/* driver_override names the stub driver */
	bool removing;			/* its pci_dev goes: no own group again */
	struct fsv_vfio *vfio;		/* set while registered with VFIO */
	/*
	 * mode=mdev, under fbus->type_lock: a parent's instances; a GPU's (a
	 * standalone parent, or the PF of VF parents) type and instances.
	 */
	u16 mdev_count;
	u16 gpu_mdev_count;
	u32 gpu_mdev_type;
	struct fsv_mdev_parent *mdev;	/* set while an mdev parent */
	/* Config space image, and which bits software may write (shared). */
	const struct fsv_cfg_masks *masks;
	u8 cfg[FSV_CFG_IMAGE];
};

/* What fsv_func_create() makes: a standalone VF or a PF (with its VFs). */
struct fsv_func_spec {
	enum fsv_kind kind;		/* FSV_STANDALONE or FSV_PF */
	u8 devfn;
	const struct fsv_profile *profile;
	u32 vgpu_type;			/* FSV_STANDALONE: its type (0: none) */
	int numa_node;			/* FSV_PF: its and its VFs' node */
};

/*
 * What the load-time parameters ask for, parsed and checked before anything
 * is created (params.c): the functions of one domain, in order of creation,
 * which every domain of the load gets.
 */
struct fsv_load_plan {
	int domain;
	int busnr;			/* bus=, or -1: fsv_bus_create() picks */
	unsigned int num_domains;
	unsigned int count;
	struct fsv_func_spec func[FSV_MAX_FUNCS];
	int sriov_numvfs[FSV_MAX_FUNCS];	/* a PF's VFs enabled at load */
	/* The load-time standalone VFs of every domain, until configfs takes them. */
	struct fsv_func **created;
	unsigned int num_created;
};

/* A PF's SR-IOV state: its VFs exist from its creation, visible while enabled. */
struct fsv_sriov {
	u16 num_vfs;		/* VFs the PCI core enabled (under type_lock) */
	bool dying;		/* being destroyed: no more enables (type_lock) */
	struct fsv_func *vfs[];	/* profile->total_vfs of them */
};

/* params.c */
extern struct fsv_options fsv_opts;
int fsv_params_parse(struct fsv_load_plan *plan);
void fsv_params_set_bus(int nr);
int fsv_parse_bool(const char *s, bool *out);
const char *fsv_vfio_mode_name(int mode);

/* profiles.c */
extern const struct fsv_profile fsv_profiles[];
extern const unsigned int fsv_num_profiles;
const struct fsv_profile *fsv_profile_find(const char *name);
const struct fsv_vgpu_type *fsv_vgpu_type_find(const struct fsv_profile *p,
					       u32 id);
const struct fsv_mdev_type *fsv_mdev_type_find(const struct fsv_profile *p,
					       u32 id);
int fsv_profile_names(char *buf, size_t len, bool sriov_only);

/* bus.c */
int fsv_bus_create(struct fsv_bus *fbus, int domain, int busnr);
void fsv_bus_destroy(struct fsv_bus *fbus);
struct fsv_func *fsv_bus_lookup(struct fsv_bus *fbus, unsigned int devfn);
struct fsv_bus *fsv_bus_of(struct pci_dev *pdev);
int fsv_bus_first_free_devfn(struct fsv_bus *fbus);

/* config.c */
int fsv_masks_init(void);
void fsv_masks_exit(void);
void fsv_func_init_config(struct fsv_func *func);
unsigned int fsv_pf_span(const struct fsv_profile *profile);
bool fsv_func_present(struct fsv_func *func);
void fsv_func_cfg_read(struct fsv_func *func, int where, int size, u32 *val);
u32 fsv_func_cfg_read_raw(struct fsv_func *func, int where, int size);
void fsv_func_cfg_write(struct fsv_func *func, int where, int size, u32 val);

/* iommu.c */
int fsv_notifier_register(struct fsv_bus *fbus);
void fsv_notifier_unregister(struct fsv_bus *fbus);
void fsv_func_group_detach(struct fsv_func *func, struct pci_dev *pdev);
int fsv_func_group_ensure(struct fsv_func *func, struct pci_dev *pdev);

/* dev.c */
int fsv_func_create(struct fsv_bus *fbus, const struct fsv_func_spec *spec,
		    struct fsv_func **out);
void fsv_func_destroy(struct fsv_func *func);
struct fsv_func *fsv_func_of(struct pci_dev *pdev);

/* vgpu.c */
u32 fsv_vgpu_get_type(struct fsv_func *func);
int fsv_vgpu_set_type(struct fsv_func *func, u32 type, bool strict);
bool fsv_vgpu_creatable_locked(struct fsv_func *func, u32 type);
void fsv_vgpu_reset_locked(struct fsv_func *func, u32 type);
void fsv_vgpu_opened(struct fsv_func *func);
void fsv_vgpu_closed(struct fsv_func *func);
int fsv_vgpu_format_creatable(struct fsv_func *func, char *buf);
unsigned int fsv_vgpu_mdev_available(struct fsv_func *parent,
				     const struct fsv_mdev_type *t);
int fsv_vgpu_mdev_take(struct fsv_func *parent, const struct fsv_mdev_type *t);
void fsv_vgpu_mdev_give(struct fsv_func *parent);
u32 fsv_vgpu_mdev_gpu_type(struct fsv_func *parent, unsigned int *used);

/* sriov.c */
int fsv_sriov_configure(struct pci_dev *pdev, int num_vfs);
int fsv_sriov_enable_at_load(struct fsv_func *pf, int num_vfs, u32 type);
void fsv_sriov_shutdown(struct fsv_func *pf);

/* mdev.c, mdev_none.c */
int fsv_mdev_init(void);
void fsv_mdev_exit(void);
int fsv_mdev_parent_add(struct fsv_func *func, struct pci_dev *pdev);
void fsv_mdev_parent_remove(struct fsv_func *func);

/* driver.c */
int fsv_driver_register(const char *name);
void fsv_driver_unregister(void);

/* vfio.c, vfio_vdev.c, vfio_add.c, vfio_none.c */
int fsv_vfio_check(int mode);
const char *fsv_vfio_registration(void);
int fsv_vfio_register(struct fsv_func *func, struct pci_dev *pdev);
int fsv_vfio_register_mdev(struct fsv_func *inst, struct device *dev);
void fsv_vfio_unregister(struct fsv_func *func);
void fsv_vfio_exit(void);

/* configfs.c */
int fsv_configfs_init(struct fsv_bus *buses, unsigned int num_buses,
		      struct fsv_func **boot_vfs, unsigned int num_boot_vfs);
void fsv_configfs_exit(void);

#endif /* FSV_H */
