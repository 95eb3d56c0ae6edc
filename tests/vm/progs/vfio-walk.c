// SPDX-License-Identifier: Apache-2.0
/*
 * vfio-walk: opens a PCI function through VFIO the way QEMU's vfio-pci
 * starts one, and checks what the kernel answers.
 *
 *   group -> type1 container (a DMA map and unmap) -> device fd ->
 *   device/region/IRQ info -> config space region (compared with sysfs
 *   "config"; writes through the write masks, BAR sizing) -> BAR0 (its
 *   RAM by pread/pwrite and mmap, zeroes beyond) -> MSI eventfd -> reset
 *   -> close everything.
 *
 *   The display (VFIO_DEVICE_QUERY_GFX_PLANE) answers a region plane in BAR0.
 *
 * usage: vfio-walk DEV [ITERATIONS]
 *        vfio-walk DEV hold    open it, print "holding", wait for a signal
 * DEV: a PCI function, DDDD:BB:SS.F, or an mdev instance by its UUID (its
 * config space and BARs are compared with its parent function's).
 * exit:  0 all checks passed, 1 a check failed, 4 the kernel cannot attach
 *        the group to a type1 container (no emulated IOMMU: 5.10), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#define OFFSET(index) ((unsigned long long)(index) << 40)

static const char *bdf;
/* Where the device's iommu_group is, and the PCI function to compare with. */
static char dev_dir[256], pci_dir[256];
/* An mdev instance: its config space is its own, not its parent's. */
static int is_mdev;

/* What an instance shares with its parent: IDs, class, subsystem, capabilities. */
static int same_identity(const unsigned char *a, const unsigned char *b)
{
	return !memcmp(a, b, 4) && !memcmp(a + 8, b + 8, 4) &&
	       !memcmp(a + 0x2c, b + 0x2c, 4) && a[0x34] == b[0x34];
}
static int failures;
static int hold;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL %s: ", bdf);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
}

static int group_number(void)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	char *slash;

	snprintf(path, sizeof(path), "%s/iommu_group", dev_dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	slash = strrchr(link, '/');
	return atoi(slash ? slash + 1 : link);
}

static ssize_t read_sysfs_config(unsigned char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/config", pci_dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = pread(fd, buf + total, len - total, total)) > 0)
		total += n;
	close(fd);
	return total;
}

static unsigned long long sysfs_bar_size(int bar)
{
	char path[PATH_MAX];
	unsigned long long start, end, flags;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/resource", pci_dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	for (i = 0; i <= bar; i++) {
		if (fscanf(f, "%llx %llx %llx", &start, &end, &flags) != 3) {
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return end ? end - start + 1 : 0;
}

/* n bytes of the device file at off, or the test fails. */
static void xpread(int device, void *v, size_t n, off_t off)
{
	if (pread(device, v, n, off) != (ssize_t)n)
		fail("pread 0x%llx: %s", (unsigned long long)off, strerror(errno));
}

static void xpwrite(int device, const void *v, size_t n, off_t off)
{
	if (pwrite(device, v, n, off) != (ssize_t)n)
		fail("pwrite 0x%llx: %s", (unsigned long long)off, strerror(errno));
}

static uint32_t rd32(int device, off_t off)
{
	uint32_t v = 0xdeadbeef;

	xpread(device, &v, sizeof(v), off);
	return v;
}

static void wr32(int device, off_t off, uint32_t v)
{
	xpwrite(device, &v, sizeof(v), off);
}

static uint16_t rd16(int device, off_t off)
{
	uint16_t v = 0xdead;

	xpread(device, &v, sizeof(v), off);
	return v;
}

static void wr16(int device, off_t off, uint16_t v)
{
	xpwrite(device, &v, sizeof(v), off);
}

/*
 * BAR0: region info with a sparse-mmap capability over its RAM; the ID at
 * offset 0; RAM that keeps what is written, by pwrite and through mmap;
 * beyond the RAM, zeroes that ignore writes.
 */
static void check_bar0(int device, const unsigned char *cfg)
{
	const off_t bar0 = OFFSET(VFIO_PCI_BAR0_REGION_INDEX);
	unsigned char buf[512] = { 0 };
	struct vfio_region_info *r = (void *)buf;
	struct vfio_region_info_cap_sparse_mmap *sp;
	unsigned long long ram = 0;
	uint32_t id, want_id;
	volatile uint32_t *map;

	r->argsz = sizeof(*r);
	r->index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, r)) {
		fail("BAR0 region info: %s", strerror(errno));
		return;
	}
	if ((r->flags & 0xf) != (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
				 VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS))
		fail("BAR0 region flags 0x%x: want read, write, mmap, caps", r->flags);
	if (r->argsz <= sizeof(*r) || r->argsz > sizeof(buf)) {
		fail("BAR0 region info asks for argsz %u", r->argsz);
		return;
	}
	r->argsz = sizeof(buf);
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, r) || !r->cap_offset) {
		fail("BAR0 region info with caps: %s, cap_offset %u", strerror(errno), r->cap_offset);
		return;
	}
	sp = (void *)(buf + r->cap_offset);
	if (sp->header.id != VFIO_REGION_INFO_CAP_SPARSE_MMAP || sp->nr_areas != 1 ||
	    sp->areas[0].offset != 0 || !sp->areas[0].size)
		fail("BAR0 sparse mmap cap: id %u, %u areas", sp->header.id, sp->nr_areas);
	else
		ram = sp->areas[0].size;

	want_id = cfg[0] | cfg[1] << 8 | (uint32_t)(cfg[2] | cfg[3] << 8) << 16;
	id = rd32(device, bar0);
	if (id != want_id)
		fail("BAR0[0] 0x%08x, want the function's ID 0x%08x", id, want_id);
	wr32(device, bar0 + 0x100, 0x12345678);
	if (rd32(device, bar0 + 0x100) != 0x12345678)
		fail("BAR0 RAM does not keep a write");
	if (ram) {
		wr32(device, bar0 + ram + 0x100, 0xffffffff);
		if (rd32(device, bar0 + ram + 0x100) != 0)
			fail("BAR0 beyond its RAM does not read 0 after a write");
		map = mmap(NULL, ram, PROT_READ | PROT_WRITE, MAP_SHARED, device, bar0);
		if (map == MAP_FAILED) {
			fail("mmap of BAR0's RAM: %s", strerror(errno));
		} else {
			if (map[0x100 / 4] != 0x12345678)
				fail("mmap does not show what pwrite wrote");
			map[0x200 / 4] = 0xcafef00d;
			if (rd32(device, bar0 + 0x200) != 0xcafef00d)
				fail("pread does not show what was written through mmap");
			munmap((void *)map, ram);
		}
		if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, device, bar0 + ram) != MAP_FAILED)
			fail("mmap beyond BAR0's RAM succeeded");
	}
	if (pread(device, buf, 4, OFFSET(VFIO_PCI_ROM_REGION_INDEX)) != -1 || errno != EINVAL)
		fail("ROM read: expected EINVAL");
}

/*
 * Config writes follow the function's write masks: command bits stick,
 * read-only fields stay, BAR sizing answers the size mask from the opener's
 * own copy while the host's BAR stays where it is.
 */
static void check_config_writes(int device)
{
	const off_t cfg = OFFSET(VFIO_PCI_CONFIG_REGION_INDEX);
	unsigned char host[64];
	uint32_t bar, lo, size_mask;
	uint16_t cmd;

	cmd = rd16(device, cfg + PCI_COMMAND);
	wr16(device, cfg + PCI_COMMAND, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if ((rd16(device, cfg + PCI_COMMAND) & 6) != 6)
		fail("command register: memory/master bits do not stick");
	wr16(device, cfg + PCI_COMMAND, cmd);
	wr16(device, cfg + PCI_VENDOR_ID, 0xffff);
	if (rd16(device, cfg + PCI_VENDOR_ID) != 0x10de)
		fail("vendor ID is writable");
	wr16(device, cfg + PCI_CLASS_DEVICE, 0);
	if (rd16(device, cfg + PCI_CLASS_DEVICE) == 0)
		fail("class code is writable");

	bar = rd32(device, cfg + PCI_BASE_ADDRESS_0);
	wr32(device, cfg + PCI_BASE_ADDRESS_0, 0xffffffff);
	lo = rd32(device, cfg + PCI_BASE_ADDRESS_0);
	size_mask = (uint32_t)~(sysfs_bar_size(0) - 1) & PCI_BASE_ADDRESS_MEM_MASK;
	if ((lo & PCI_BASE_ADDRESS_MEM_MASK) != size_mask || (lo & 0xf) != (bar & 0xf))
		fail("BAR0 sizing read 0x%08x, want 0x%08x with flags 0x%x", lo, size_mask, bar & 0xf);
	if (read_sysfs_config(host, sizeof(host)) < 0x28 ||
	    (!is_mdev && memcmp(host + PCI_BASE_ADDRESS_0, &bar, 4)))
		fail("BAR sizing through VFIO moved the host's BAR0");
	wr32(device, cfg + PCI_BASE_ADDRESS_0, bar);
	if (rd32(device, cfg + PCI_BASE_ADDRESS_0) != bar)
		fail("BAR0 not restored");
}

/* The display: a region plane in BAR0 (probe), no dma-buf planes. */
static void check_display(int device)
{
	struct vfio_device_gfx_plane_info p = { .argsz = sizeof(p) };

	p.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION;
	if (ioctl(device, VFIO_DEVICE_QUERY_GFX_PLANE, &p))
		fail("QUERY_GFX_PLANE probe for a region plane: %s", strerror(errno));
	p.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF;
	if (!ioctl(device, VFIO_DEVICE_QUERY_GFX_PLANE, &p) || errno != EINVAL)
		fail("QUERY_GFX_PLANE probe for a dma-buf plane: want EINVAL");
	memset(&p, 0, sizeof(p));
	p.argsz = sizeof(p);
	p.flags = VFIO_GFX_PLANE_TYPE_REGION;
	if (ioctl(device, VFIO_DEVICE_QUERY_GFX_PLANE, &p))
		fail("QUERY_GFX_PLANE region: %s", strerror(errno));
	else if (p.region_index != VFIO_PCI_BAR0_REGION_INDEX || !p.width ||
		 !p.height || p.stride < p.width * 4 ||
		 p.size != (uint64_t)p.stride * p.height || !p.drm_format)
		fail("QUERY_GFX_PLANE region: index %u %ux%u stride %u size %u format 0x%x",
		     p.region_index, p.width, p.height, p.stride, p.size, p.drm_format);
}

/* One MSI vector: its eventfd is taken, signalled on request, released. */
static void check_msi(int device)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = VFIO_PCI_MSI_IRQ_INDEX };
	unsigned char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;
	uint64_t n = 0;
	int32_t efd;

	if (ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &irq) || irq.count != 1 ||
	    !(irq.flags & VFIO_IRQ_INFO_EVENTFD)) {
		fail("MSI irq info: count %u flags 0x%x", irq.count, irq.flags);
		return;
	}
	efd = eventfd(0, EFD_NONBLOCK);
	if (efd < 0) {
		fail("eventfd: %s", strerror(errno));
		return;
	}
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &efd, sizeof(efd));
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set))
		fail("MSI eventfd trigger: %s", strerror(errno));
	set->argsz = sizeof(*set);
	set->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set))
		fail("MSI test trigger: %s", strerror(errno));
	if (read(efd, &n, sizeof(n)) != sizeof(n) || n != 1)
		fail("MSI eventfd not signalled by a test trigger");
	set->count = 0;
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set))
		fail("MSI disable: %s", strerror(errno));
	set->index = VFIO_PCI_INTX_IRQ_INDEX;
	set->count = 1;
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, set) != -1 || errno != EINVAL)
		fail("INTx trigger: expected EINVAL (no INTx pin)");
	close(efd);
}

static void check_device(int device)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	unsigned char vcfg[4096], scfg[4096];
	unsigned int i;
	ssize_t n, sn;

	if (ioctl(device, VFIO_DEVICE_GET_INFO, &dinfo)) {
		fail("VFIO_DEVICE_GET_INFO: %s", strerror(errno));
		return;
	}
	if (!(dinfo.flags & VFIO_DEVICE_FLAGS_PCI))
		fail("device info flags 0x%x lack VFIO_DEVICE_FLAGS_PCI", dinfo.flags);
	if (dinfo.num_regions < VFIO_PCI_NUM_REGIONS || dinfo.num_irqs < VFIO_PCI_NUM_IRQS)
		fail("device info: %u regions, %u irqs", dinfo.num_regions, dinfo.num_irqs);

	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct vfio_region_info r = { .argsz = sizeof(r), .index = i };
		int ret = ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &r);

		if (i == VFIO_PCI_VGA_REGION_INDEX) {
			if (!ret || errno != EINVAL)
				fail("VGA region: expected EINVAL, got %s", ret ? strerror(errno) : "success");
			continue;
		}
		if (ret) {
			fail("GET_REGION_INFO %u: %s", i, strerror(errno));
			continue;
		}
		if (r.offset != OFFSET(i))
			fail("region %u offset 0x%llx", i, (unsigned long long)r.offset);
		if (i <= VFIO_PCI_BAR5_REGION_INDEX && r.size != sysfs_bar_size(i))
			fail("region %u size 0x%llx, sysfs resource says 0x%llx", i,
			     (unsigned long long)r.size, sysfs_bar_size(i));
		if (i == VFIO_PCI_CONFIG_REGION_INDEX &&
		    (r.size != 4096 || !(r.flags & VFIO_REGION_INFO_FLAG_READ)))
			fail("config region size %llu flags 0x%x", (unsigned long long)r.size, r.flags);
	}
	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = i };

		if (ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &irq))
			fail("GET_IRQ_INFO %u: %s", i, strerror(errno));
	}

	/* The config region is the function's own config space. */
	n = pread(device, vcfg, sizeof(vcfg), OFFSET(VFIO_PCI_CONFIG_REGION_INDEX));
	sn = read_sysfs_config(scfg, sizeof(scfg));
	if (n != 4096)
		fail("config region read returned %zd (%s)", n, n < 0 ? strerror(errno) : "short");
	else if (sn != 4096)
		fail("sysfs config read returned %zd", sn);
	else if (is_mdev ? !same_identity(vcfg, scfg) : !!memcmp(vcfg, scfg, sizeof(vcfg)))
		fail("config region differs from sysfs config%s", is_mdev ? " (IDs, class, subsystem)" : "");
	/* Unaligned, odd-sized read in the middle. */
	n = pread(device, vcfg, 3, OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) + 1);
	if (n != 3 || memcmp(vcfg, scfg + 1, 3))
		fail("unaligned config read returned %zd", n);

	check_bar0(device, scfg);
	check_config_writes(device);
	check_msi(device);
	check_display(device);

	/* Reset: RAM and registers as at open. */
	if (pwrite(device, "\xaa", 1, OFFSET(VFIO_PCI_BAR0_REGION_INDEX) + 0x100) != 1)
		fail("BAR0 write before reset: %s", strerror(errno));
	if (ioctl(device, VFIO_DEVICE_RESET))
		fail("VFIO_DEVICE_RESET: %s", strerror(errno));
	else if (rd32(device, OFFSET(VFIO_PCI_BAR0_REGION_INDEX) + 0x100) != 0)
		fail("BAR0 RAM not cleared by VFIO_DEVICE_RESET");
	if (!(dinfo.flags & VFIO_DEVICE_FLAGS_RESET))
		fail("device info lacks VFIO_DEVICE_FLAGS_RESET");
	if (ioctl(device, _IO(VFIO_TYPE, VFIO_BASE + 99)) != -1 || errno != ENOTTY)
		fail("unknown ioctl: expected ENOTTY");
}

/* The container takes a map of user memory and gives it back, as QEMU's. */
static void check_dma(int container)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	size_t len = 1 << 20;
	void *mem;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fail("mmap for DMA: %s", strerror(errno));
		return;
	}
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)mem;
	map.iova = 1 << 20;
	map.size = len;
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		fail("VFIO_IOMMU_MAP_DMA: %s", strerror(errno));
	unmap.iova = map.iova;
	unmap.size = len;
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) || unmap.size != len)
		fail("VFIO_IOMMU_UNMAP_DMA: %s (unmapped %llu)", strerror(errno),
		     (unsigned long long)unmap.size);
	munmap(mem, len);
}

/* One full open/close cycle; returns 4 when type1 cannot take the group. */
static int walk(int gnum)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int container, group, device, type, rc = 0;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0) {
		fail("open /dev/vfio/vfio: %s", strerror(errno));
		return 1;
	}
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		fail("unexpected VFIO API version");
	snprintf(path, sizeof(path), "/dev/vfio/%d", gnum);
	group = open(path, O_RDWR);
	if (group < 0) {
		fail("open %s: %s", path, strerror(errno));
		close(container);
		return 1;
	}
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		fail("group %d not viable", gnum);
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container)) {
		fail("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
		goto out;
	}
	type = ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) ?
		VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
	if (ioctl(container, VFIO_SET_IOMMU, type)) {
		printf("SKIP %s: type1 cannot attach group %d: %s\n", bdf, gnum, strerror(errno));
		rc = 4;
		goto out_unset;
	}
	check_dma(container);
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0) {
		fail("VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
		goto out_unset;
	}
	check_device(device);
	if (hold) {
		printf("holding %s\n", bdf);
		fflush(stdout);
		pause();
	}
	close(device);
out_unset:
	ioctl(group, VFIO_GROUP_UNSET_CONTAINER);
out:
	close(group);
	close(container);
	return rc;
}

int main(int argc, char **argv)
{
	int i, iterations = 1, gnum, rc = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s DDDD:BB:SS.F|MDEV-UUID [ITERATIONS|hold]\n", argv[0]);
		return 2;
	}
	bdf = argv[1];
	if (strchr(bdf, ':')) {
		snprintf(dev_dir, sizeof(dev_dir), "/sys/bus/pci/devices/%.200s", bdf);
		snprintf(pci_dir, sizeof(pci_dir), "%.250s", dev_dir);
	} else {
		snprintf(dev_dir, sizeof(dev_dir), "/sys/bus/mdev/devices/%.200s", bdf);
		is_mdev = 1;
		snprintf(pci_dir, sizeof(pci_dir), "%.240s/..", dev_dir);
	}
	if (argc == 3 && !strcmp(argv[2], "hold"))
		hold = 1;
	else if (argc == 3)
		iterations = atoi(argv[2]);
	gnum = group_number();
	if (gnum < 0) {
		fail("no iommu_group link");
		return 1;
	}
	for (i = 0; i < iterations && !failures && rc != 4; i++)
		rc = walk(gnum);
	if (failures)
		return 1;
	if (rc == 4)
		return 4;
	printf("ok %s: group %d, %d iterations\n", bdf, gnum, iterations);
	return 0;
}
