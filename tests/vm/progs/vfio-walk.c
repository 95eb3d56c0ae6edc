// SPDX-License-Identifier: Apache-2.0
/*
 * vfio-walk: opens a PCI function through VFIO the way QEMU's vfio-pci
 * starts one, and checks what the kernel answers.
 *
 *   group -> type1 container -> device fd -> device/region/IRQ info ->
 *   config space region (compared with sysfs "config") -> what a fake
 *   cannot do fails with the documented errno -> close everything.
 *
 * usage: vfio-walk DDDD:BB:SS.F [ITERATIONS]
 *        vfio-walk DDDD:BB:SS.F hold    open it, print "holding", wait for a signal
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#define OFFSET(index) ((unsigned long long)(index) << 40)

static const char *bdf;
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

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
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

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
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

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", bdf);
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
	else if (memcmp(vcfg, scfg, sizeof(vcfg)))
		fail("config region differs from sysfs config");
	/* Unaligned, odd-sized read in the middle. */
	n = pread(device, vcfg, 3, OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) + 1);
	if (n != 3 || memcmp(vcfg, scfg + 1, 3))
		fail("unaligned config read returned %zd", n);

	/* What a fake cannot do fails cleanly. */
	if (pread(device, vcfg, 4, OFFSET(VFIO_PCI_BAR0_REGION_INDEX)) != -1 || errno != EINVAL)
		fail("BAR0 read: expected EINVAL");
	if (pwrite(device, vcfg, 4, OFFSET(VFIO_PCI_CONFIG_REGION_INDEX) + 4) != -1 || errno != EINVAL)
		fail("config write: expected EINVAL");
	if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, device, OFFSET(VFIO_PCI_BAR0_REGION_INDEX)) != MAP_FAILED)
		fail("BAR0 mmap succeeded");
	if (ioctl(device, VFIO_DEVICE_RESET) != -1 || errno != EINVAL)
		fail("VFIO_DEVICE_RESET: expected EINVAL");
	if (ioctl(device, _IO(VFIO_TYPE, VFIO_BASE + 99)) != -1 || errno != ENOTTY)
		fail("unknown ioctl: expected ENOTTY");
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
		fprintf(stderr, "usage: %s DDDD:BB:SS.F [ITERATIONS]\n", argv[0]);
		return 2;
	}
	bdf = argv[1];
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
