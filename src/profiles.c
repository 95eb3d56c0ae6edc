// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one table of GPU profiles. Device and subsystem IDs and classes are the
 * real boards' (REFERENCE: NVIDIA catalogue); BAR sizes are those of one vGPU
 * function. vGPU type IDs: the L40S and RTX 6000 Ada ranges are NVIDIA's; the
 * T4 list keeps the seed's numbering (256, 512, ...) so existing test tables
 * keep working; the others are illustrative and documented as such.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "fsv.h"

#define FSV_TYPES(arr)	.types = arr, .num_types = ARRAY_SIZE(arr)
#define FSV_BARS(b0, b2, b4)						\
	.bar_size = { b0, b2, b4 }, .bar_prefetch = { false, true, true }

static const struct fsv_vgpu_type t4_types[] = {
	{ 256, "GRID T4-1B" },  { 257, "GRID T4-2B" },  { 258, "GRID T4-2B4" },
	{ 259, "GRID T4-1Q" },  { 260, "GRID T4-2Q" },  { 261, "GRID T4-4Q" },
	{ 262, "GRID T4-8Q" },  { 263, "GRID T4-16Q" }, { 512, "GRID T4-4C" },
	{ 513, "GRID T4-8C" },  { 514, "GRID T4-16C" },
};

static const struct fsv_vgpu_type a10_types[] = {
	{ 674, "NVIDIA A10-1B" }, { 675, "NVIDIA A10-2B" },
	{ 676, "NVIDIA A10-1Q" }, { 677, "NVIDIA A10-2Q" },
	{ 678, "NVIDIA A10-4Q" }, { 679, "NVIDIA A10-6Q" },
	{ 680, "NVIDIA A10-8Q" }, { 681, "NVIDIA A10-12Q" },
	{ 682, "NVIDIA A10-24Q" },
};

static const struct fsv_vgpu_type a16_types[] = {
	{ 700, "NVIDIA A16-1B" }, { 701, "NVIDIA A16-2B" },
	{ 702, "NVIDIA A16-1Q" }, { 703, "NVIDIA A16-2Q" },
	{ 704, "NVIDIA A16-4Q" }, { 705, "NVIDIA A16-8Q" },
	{ 706, "NVIDIA A16-16Q" },
};

static const struct fsv_vgpu_type a30_types[] = {
	{ 689, "NVIDIA A30-1-6C" }, { 690, "NVIDIA A30-2-12C" },
	{ 691, "NVIDIA A30-4-24C" }, { 692, "NVIDIA A30-24C" },
};

static const struct fsv_vgpu_type a100_40_types[] = {
	{ 468, "GRID A100-1-5C" }, { 469, "GRID A100-2-10C" },
	{ 470, "GRID A100-3-20C" }, { 471, "GRID A100-4-20C" },
	{ 472, "GRID A100-7-40C" }, { 473, "GRID A100-40C" },
};

static const struct fsv_vgpu_type a100_80_types[] = {
	{ 699, "GRID A100D-1-10C" }, { 698, "GRID A100D-2-20C" },
	{ 697, "GRID A100D-3-40C" }, { 696, "GRID A100D-4-40C" },
	{ 695, "GRID A100D-7-80C" }, { 694, "GRID A100D-80C" },
};

static const struct fsv_vgpu_type l4_types[] = {
	{ 1090, "NVIDIA L4-1B" }, { 1091, "NVIDIA L4-2B" },
	{ 1092, "NVIDIA L4-1Q" }, { 1093, "NVIDIA L4-2Q" },
	{ 1094, "NVIDIA L4-4Q" }, { 1095, "NVIDIA L4-6Q" },
	{ 1096, "NVIDIA L4-8Q" }, { 1097, "NVIDIA L4-12Q" },
	{ 1098, "NVIDIA L4-24Q" },
};

static const struct fsv_vgpu_type l40s_types[] = {
	{ 1145, "NVIDIA L40S-1B" },  { 1146, "NVIDIA L40S-2B" },
	{ 1147, "NVIDIA L40S-1Q" },  { 1148, "NVIDIA L40S-2Q" },
	{ 1149, "NVIDIA L40S-3Q" },  { 1150, "NVIDIA L40S-4Q" },
	{ 1151, "NVIDIA L40S-6Q" },  { 1152, "NVIDIA L40S-8Q" },
	{ 1153, "NVIDIA L40S-12Q" }, { 1154, "NVIDIA L40S-16Q" },
	{ 1155, "NVIDIA L40S-24Q" }, { 1156, "NVIDIA L40S-48Q" },
	{ 1157, "NVIDIA L40S-1A" },  { 1158, "NVIDIA L40S-2A" },
	{ 1159, "NVIDIA L40S-3A" },  { 1160, "NVIDIA L40S-4A" },
	{ 1161, "NVIDIA L40S-6A" },  { 1162, "NVIDIA L40S-8A" },
	{ 1163, "NVIDIA L40S-12A" }, { 1164, "NVIDIA L40S-16A" },
	{ 1165, "NVIDIA L40S-24A" }, { 1166, "NVIDIA L40S-48A" },
};

static const struct fsv_vgpu_type rtx6000ada_types[] = {
	{ 941, "NVIDIA RTX6000-Ada-1B" }, { 942, "NVIDIA RTX6000-Ada-2B" },
	{ 943, "NVIDIA RTX6000-Ada-1Q" }, { 944, "NVIDIA RTX6000-Ada-2Q" },
	{ 945, "NVIDIA RTX6000-Ada-4Q" }, { 946, "NVIDIA RTX6000-Ada-6Q" },
	{ 947, "NVIDIA RTX6000-Ada-8Q" }, { 948, "NVIDIA RTX6000-Ada-12Q" },
	{ 949, "NVIDIA RTX6000-Ada-24Q" }, { 950, "NVIDIA RTX6000-Ada-48Q" },
};

static const struct fsv_vgpu_type h100_types[] = {
	{ 1043, "NVIDIA H100-1-10C" }, { 1044, "NVIDIA H100-2-20C" },
	{ 1045, "NVIDIA H100-3-40C" }, { 1046, "NVIDIA H100-4-40C" },
	{ 1047, "NVIDIA H100-7-80C" }, { 1048, "NVIDIA H100-80C" },
};

static const struct fsv_vgpu_type h200_types[] = {
	{ 1311, "NVIDIA H200-1-18C" }, { 1312, "NVIDIA H200-2-35C" },
	{ 1313, "NVIDIA H200-3-71C" }, { 1314, "NVIDIA H200-4-71C" },
	{ 1315, "NVIDIA H200-7-141C" }, { 1316, "NVIDIA H200-141C" },
};

const struct fsv_profile fsv_profiles[] = {
	{ .name = "t4", .model = "Tesla T4", .device = 0x1eb8,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x12a2,
	  .class = 0x030000, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(t4_types) },
	{ .name = "a10", .model = "A10", .device = 0x2236,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1482,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(a10_types) },
	{ .name = "a16", .model = "A16", .device = 0x25b6,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x14a9,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_128M, SZ_32M), FSV_TYPES(a16_types) },
	{ .name = "a30", .model = "A30", .device = 0x20b7,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1532,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(a30_types) },
	{ .name = "a100-40gb", .model = "A100 PCIe 40GB", .device = 0x20f1,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x145f,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(a100_40_types) },
	{ .name = "a100-80gb", .model = "A100 PCIe 80GB", .device = 0x20b5,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1533,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(a100_80_types) },
	{ .name = "l4", .model = "L4", .device = 0x27b8,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x16ca,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(l4_types) },
	{ .name = "l40s", .model = "L40S", .device = 0x26b9,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1851,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(l40s_types) },
	{ .name = "rtx6000-ada", .model = "RTX 6000 Ada Generation",
	  .device = 0x26b1,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x16a1,
	  .class = 0x030000, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(rtx6000ada_types) },
	{ .name = "h100", .model = "H100 PCIe", .device = 0x2331,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x1626,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(h100_types) },
	{ .name = "h200", .model = "H200 NVL", .device = 0x2335,
	  .subsys_vendor = PCI_VENDOR_ID_NVIDIA, .subsys_device = 0x18be,
	  .class = 0x030200, .revision = 0xa1,
	  FSV_BARS(SZ_16M, SZ_256M, SZ_32M), FSV_TYPES(h200_types) },
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

const struct fsv_vgpu_type *fsv_vgpu_type_find(const struct fsv_profile *p,
					       u32 id)
{
	unsigned int i;

	for (i = 0; i < p->num_types; i++)
		if (p->types[i].id == id)
			return &p->types[i];
	return NULL;
}

/* "t4, a10, ..." for error messages. */
int fsv_profile_names(char *buf, size_t len)
{
	unsigned int i;
	int n = 0;

	buf[0] = '\0';
	for (i = 0; i < fsv_num_profiles && n < len; i++)
		n += scnprintf(buf + n, len - n, "%s%s", i ? ", " : "",
			       fsv_profiles[i].name);
	return n;
}
