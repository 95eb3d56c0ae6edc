// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one table of GPU profiles. Device and subsystem IDs and classes are the
 * real boards' (the supported-GPU list of NVIDIA's open-gpu-kernel-modules
 * README); BAR sizes are those of one vGPU function, for PFs and VFs alike.
 * vGPU type IDs: the L40S range is NVIDIA's; the T4 list keeps the numbering
 * of the earlier tool this module replaces (256, 512, ...) so existing test
 * tables keep working; the others are illustrative.
 * docs/profiles.md says where each figure (framebuffer, MIG slices, VFs, first
 * VF offset, type sizes) comes from and how sure it is.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "fsv.h"

#define FSV_TYPES(arr)	.types = arr, .num_types = sizeof(arr) / sizeof((arr)[0])
#define FSV_MDEV_TYPES(arr)						\
	.mdev_types = arr, .num_mdev_types = sizeof(arr) / sizeof((arr)[0])
#define FSV_BARS(b0, b2, b4)						\
	.bar_size = { b0, b2, b4 }, .bar_prefetch = { false, true, true }
/* A GPU: framebuffer (GB), MIG compute slices, SR-IOV VFs, first VF offset. */
#define FSV_GPU(gb, mig, vfs, off)					\
	.fb_mb = (gb) * 1024, .mig_slices = mig, .total_vfs = vfs,	\
	.vf_offset = off, .vf_stride = 1
/* Time-sliced type of gb GB; MIG-backed type of s slices and gb GB. */
#define TS(i, n, gb)		{ .id = i, .name = n, .fb_mb = (gb) * 1024 }
#define MIG(i, n, s, gb)	{ .id = i, .name = n, .fb_mb = (gb) * 1024, .slices = s }
/* An mdev type: framebuffer in MiB, heads, frame rate limit, resolution, max per GPU. */
#define MDEV(i, n, mb, h, f, x, y, max)				\
	{ .id = i, .name = n, .fb_mb = mb, .heads = h, .frl = f,	\
	  .xres = x, .yres = y, .max_instance = max }

#include "mdev_types.h"

static const struct fsv_vgpu_type t4_types[] = {
	TS(256, "GRID T4-1B", 1),  TS(257, "GRID T4-2B", 2),
	TS(258, "GRID T4-2B4", 2), TS(259, "GRID T4-1Q", 1),
	TS(260, "GRID T4-2Q", 2),  TS(261, "GRID T4-4Q", 4),
	TS(262, "GRID T4-8Q", 8),  TS(263, "GRID T4-16Q", 16),
	TS(512, "GRID T4-4C", 4),  TS(513, "GRID T4-8C", 8),
	TS(514, "GRID T4-16C", 16),
};

static const struct fsv_vgpu_type a10_types[] = {
	TS(674, "NVIDIA A10-1B", 1), TS(675, "NVIDIA A10-2B", 2),
	TS(676, "NVIDIA A10-1Q", 1), TS(677, "NVIDIA A10-2Q", 2),
	TS(678, "NVIDIA A10-4Q", 4), TS(679, "NVIDIA A10-6Q", 6),
	TS(680, "NVIDIA A10-8Q", 8), TS(681, "NVIDIA A10-12Q", 12),
	TS(682, "NVIDIA A10-24Q", 24),
};

static const struct fsv_vgpu_type a16_types[] = {
	TS(700, "NVIDIA A16-1B", 1), TS(701, "NVIDIA A16-2B", 2),
	TS(702, "NVIDIA A16-1Q", 1), TS(703, "NVIDIA A16-2Q", 2),
	TS(704, "NVIDIA A16-4Q", 4), TS(705, "NVIDIA A16-8Q", 8),
	TS(706, "NVIDIA A16-16Q", 16),
};

static const struct fsv_vgpu_type a30_types[] = {
	MIG(689, "NVIDIA A30-1-6C", 1, 6), MIG(690, "NVIDIA A30-2-12C", 2, 12),
	MIG(691, "NVIDIA A30-4-24C", 4, 24), TS(692, "NVIDIA A30-24C", 24),
};

static const struct fsv_vgpu_type a100_40_types[] = {
	MIG(468, "GRID A100-1-5C", 1, 5), MIG(469, "GRID A100-2-10C", 2, 10),
	MIG(470, "GRID A100-3-20C", 3, 20), MIG(471, "GRID A100-4-20C", 4, 20),
	MIG(472, "GRID A100-7-40C", 7, 40), TS(473, "GRID A100-40C", 40),
};

static const struct fsv_vgpu_type a100_80_types[] = {
	MIG(699, "GRID A100D-1-10C", 1, 10), MIG(698, "GRID A100D-2-20C", 2, 20),
	MIG(697, "GRID A100D-3-40C", 3, 40), MIG(696, "GRID A100D-4-40C", 4, 40),
	MIG(695, "GRID A100D-7-80C", 7, 80), TS(694, "GRID A100D-80C", 80),
};

static const struct fsv_vgpu_type l4_types[] = {
	TS(1090, "NVIDIA L4-1B", 1), TS(1091, "NVIDIA L4-2B", 2),
	TS(1092, "NVIDIA L4-1Q", 1), TS(1093, "NVIDIA L4-2Q", 2),
	TS(1094, "NVIDIA L4-4Q", 4), TS(1095, "NVIDIA L4-6Q", 6),
	TS(1096, "NVIDIA L4-8Q", 8), TS(1097, "NVIDIA L4-12Q", 12),
	TS(1098, "NVIDIA L4-24Q", 24),
};

static const struct fsv_vgpu_type l40s_types[] = {
	TS(1145, "NVIDIA L40S-1B", 1),   TS(1146, "NVIDIA L40S-2B", 2),
	TS(1147, "NVIDIA L40S-1Q", 1),   TS(1148, "NVIDIA L40S-2Q", 2),
	TS(1149, "NVIDIA L40S-3Q", 3),   TS(1150, "NVIDIA L40S-4Q", 4),
	TS(1151, "NVIDIA L40S-6Q", 6),   TS(1152, "NVIDIA L40S-8Q", 8),
	TS(1153, "NVIDIA L40S-12Q", 12), TS(1154, "NVIDIA L40S-16Q", 16),
	TS(1155, "NVIDIA L40S-24Q", 24), TS(1156, "NVIDIA L40S-48Q", 48),
	TS(1157, "NVIDIA L40S-1A", 1),   TS(1158, "NVIDIA L40S-2A", 2),
	TS(1159, "NVIDIA L40S-3A", 3),   TS(1160, "NVIDIA L40S-4A", 4),
	TS(1161, "NVIDIA L40S-6A", 6),   TS(1162, "NVIDIA L40S-8A", 8),
	TS(1163, "NVIDIA L40S-12A", 12), TS(1164, "NVIDIA L40S-16A", 16),
	TS(1165, "NVIDIA L40S-24A", 24), TS(1166, "NVIDIA L40S-48A", 48),
};

static const struct fsv_vgpu_type rtx6000ada_types[] = {
	TS(941, "NVIDIA RTX6000-Ada-1B", 1),   TS(942, "NVIDIA RTX6000-Ada-2B", 2),
	TS(943, "NVIDIA RTX6000-Ada-1Q", 1),   TS(944, "NVIDIA RTX6000-Ada-2Q", 2),
	TS(945, "NVIDIA RTX6000-Ada-4Q", 4),   TS(946, "NVIDIA RTX6000-Ada-6Q", 6),
	TS(947, "NVIDIA RTX6000-Ada-8Q", 8),   TS(948, "NVIDIA RTX6000-Ada-12Q", 12),
	TS(949, "NVIDIA RTX6000-Ada-24Q", 24), TS(950, "NVIDIA RTX6000-Ada-48Q", 48),
};

static const struct fsv_vgpu_type h100_types[] = {
	MIG(1043, "NVIDIA H100-1-10C", 1, 10), MIG(1044, "NVIDIA H100-2-20C", 2, 20),
	MIG(1045, "NVIDIA H100-3-40C", 3, 40), MIG(1046, "NVIDIA H100-4-40C", 4, 40),
	MIG(1047, "NVIDIA H100-7-80C", 7, 80), TS(1048, "NVIDIA H100-80C", 80),
};

/*
 * H200 SXM 141GB: 1414 and 1428 are the IDs NVIDIA's own tools use
 * (docs/profiles.md); 1415-1418 fill the MIG sizes in between, illustrative.
 */
static const struct fsv_vgpu_type h200_types[] = {
	MIG(1414, "NVIDIA H200X-1-18C", 1, 18), MIG(1415, "NVIDIA H200X-2-35C", 2, 35),
	MIG(1416, "NVIDIA H200X-3-71C", 3, 71), MIG(1417, "NVIDIA H200X-4-71C", 4, 71),
	MIG(1418, "NVIDIA H200X-7-141C", 7, 141), TS(1428, "NVIDIA H200X-141C", 141),
};

/* Where each figure comes from: docs/profiles.md. */
const struct fsv_profile fsv_profiles[] = {
	{ .name = "t4", .model = "Tesla T4", .device = 0x1eb8,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x12a2,
	  .class = 0x030000, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(t4_types),
	  FSV_MDEV_TYPES(t4_mdev_types),
	  FSV_GPU(16, 0, 0, 0) },
	{ .name = "a10", .model = "A10", .device = 0x2236,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1482,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(a10_types),
	  FSV_MDEV_TYPES(a10_mdev_types),
	  FSV_GPU(24, 0, 24, 2) },
	{ .name = "a16", .model = "A16 (one of its four GPUs)", .device = 0x25b6,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x14a9,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_128M, SZ_32M), FSV_TYPES(a16_types),
	  FSV_MDEV_TYPES(a16_mdev_types),
	  FSV_GPU(16, 0, 16, 2) },
	{ .name = "a30", .model = "A30", .device = 0x20b7,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1532,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(a30_types),
	  FSV_MDEV_TYPES(a30_mdev_types),
	  FSV_GPU(24, 4, 16, 2) },
	{ .name = "a100-40gb", .model = "A100 PCIe 40GB", .device = 0x20f1,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x145f,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(a100_40_types),
	  FSV_MDEV_TYPES(a100_40_mdev_types),
	  FSV_GPU(40, 7, 20, 2) },
	{ .name = "a100-80gb", .model = "A100 PCIe 80GB", .device = 0x20b5,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1533,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(a100_80_types),
	  FSV_MDEV_TYPES(a100_80_mdev_types),
	  FSV_GPU(80, 7, 20, 2) },
	{ .name = "l4", .model = "L4", .device = 0x27b8,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x16ca,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(l4_types),
	  FSV_MDEV_TYPES(l4_mdev_types),
	  FSV_GPU(24, 0, 24, 2) },
	{ .name = "l40s", .model = "L40S", .device = 0x26b9,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1851,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(l40s_types),
	  FSV_MDEV_TYPES(l40s_mdev_types),
	  FSV_GPU(48, 0, 32, 2) },
	{ .name = "rtx6000-ada", .model = "RTX 6000 Ada Generation",
	  .device = 0x26b1,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x16a1,
	  .class = 0x030000, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(rtx6000ada_types),
	  FSV_MDEV_TYPES(rtx6000ada_mdev_types),
	  FSV_GPU(48, 0, 32, 2) },
	{ .name = "h100", .model = "H100 PCIe", .device = 0x2331,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1626,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(h100_types),
	  FSV_MDEV_TYPES(h100_mdev_types),
	  FSV_GPU(80, 7, 32, 4) },
	{ .name = "h200", .model = "H200 SXM 141GB", .device = 0x2335,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x18be,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(h200_types),
	  FSV_MDEV_TYPES(h200_mdev_types),
	  FSV_GPU(141, 7, 32, 4) },
};

const unsigned int fsv_num_profiles = ARRAY_SIZE(fsv_profiles);

/* Every function's BARs must fit its slice of the MMIO window. */
static_assert(SZ_16M + SZ_256M + SZ_32M <= FSV_FUNC_MMIO_SIZE);

const struct fsv_profile *fsv_profile_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < fsv_num_profiles; i++)
		if (sysfs_streq(name, fsv_profiles[i].name))
			return &fsv_profiles[i];
	return NULL;
}

const struct fsv_mdev_type *fsv_mdev_type_find(const struct fsv_profile *p,
					       u32 id)
{
	unsigned int i;

	for (i = 0; i < p->num_mdev_types; i++)
		if (p->mdev_types[i].id == id)
			return &p->mdev_types[i];
	return NULL;
}

const struct fsv_vgpu_type *fsv_vgpu_type_find(const struct fsv_profile *p,
					       u32 id)
{
	unsigned int i;

	for (i = 0; i < p->num_types; i++)
		if (p->types[i].id == id)
			return &p->types[i];
	return NULL;
}

/* "t4, a10, ..." for error messages; sriov_only: the boards with SR-IOV. */
int fsv_profile_names(char *buf, size_t len, bool sriov_only)
{
	unsigned int i;
	int n = 0;

	buf[0] = '\0';
	for (i = 0; i < fsv_num_profiles && n < len; i++)
		if (!sriov_only || fsv_profiles[i].total_vfs)
			n += scnprintf(buf + n, len - n, "%s%s", n ? ", " : "",
				       fsv_profiles[i].name);
	return n;
}
