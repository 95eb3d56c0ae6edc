// SPDX-License-Identifier: Apache-2.0
/*
 * cfgfuzz: config space abuse of one fake function through
 * /sys/bus/pci/devices/BDF/config (the PCI core's accessors, then the
 * module's). The layout it checks is docs/module.md "The functions"
 * (src/config.c): header, PM capability at 0x60, MSI capability (64-bit, one
 * vector) at 0x68, PCIe v2 capability at 0x78, 4 KiB config space; every
 * other byte reads 0.
 *
 * usage: cfgfuzz read BDF               reads at every offset 0..4095 with
 *                                       widths 1, 2, 4 equal the whole-space
 *                                       read; unimplemented bytes read 0;
 *                                       reads past 4 KiB return nothing
 *        cfgfuzz fuzz BDF SEED ROUNDS   a write of every width at every
 *                                       offset, then ROUNDS random writes
 *                                       (SEED 0: from the clock; printed);
 *                                       read-only bytes never change; then
 *                                       every writable register is restored
 *                                       and the space must equal the start
 *        cfgfuzz bars BDF S0 S2 S4      BAR sizing: write all-ones, the size
 *                                       mask read back gives sizes S0, S2,
 *                                       S4 (bytes, or with K/M/G suffix) of
 *                                       the three 64-bit BARs; flags kept;
 *                                       the BARs restored
 * exit:  0 passed, 1 a check failed (FAIL lines say which), 2 usage/IO.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CFG_SIZE 4096
#define CAP_PM 0x60
#define CAP_MSI 0x68
#define CAP_EXP 0x78

static int fd = -1, failures;
static const char *bdf;

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (++failures > 20)
		return;	/* enough to see the pattern */
	va_start(ap, fmt);
	printf("FAIL %s: ", bdf);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
}

/* Byte ranges [start, end) of registers with write-mask bits (src/config.c). */
static const struct {
	int start, end;
} writable[] = {
	{ 0x04, 0x08 },			/* command, status (W1C) */
	{ 0x0c, 0x0d },			/* cache line size */
	{ 0x10, 0x28 },			/* BAR0-5 */
	{ 0x3c, 0x3d },			/* interrupt line */
	{ CAP_PM + 4, CAP_PM + 6 },	/* PM control/status */
	{ CAP_MSI + 2, CAP_MSI + 14 },	/* MSI control, address, data */
	{ CAP_EXP + 8, CAP_EXP + 12 },	/* device control, device status */
	{ CAP_EXP + 16, CAP_EXP + 18 },	/* link control */
	{ CAP_EXP + 40, CAP_EXP + 42 },	/* device control 2 */
	{ CAP_EXP + 48, CAP_EXP + 50 },	/* link control 2 */
};

/* Byte ranges that hold registers; everything else must read 0. */
static const struct {
	int start, end;
} implemented[] = {
	{ 0x00, 0x28 }, { 0x2c, 0x30 }, { 0x34, 0x35 }, { 0x3c, 0x3e },
	{ CAP_PM, CAP_PM + 8 }, { CAP_MSI, CAP_MSI + 14 }, { CAP_EXP, CAP_EXP + 0x3c },
};

static int is_writable(int off)
{
	size_t i;

	for (i = 0; i < sizeof(writable) / sizeof(writable[0]); i++)
		if (off >= writable[i].start && off < writable[i].end)
			return 1;
	return 0;
}

static int is_implemented(int off)
{
	size_t i;

	for (i = 0; i < sizeof(implemented) / sizeof(implemented[0]); i++)
		if (off >= implemented[i].start && off < implemented[i].end)
			return 1;
	return 0;
}

static int read_all(unsigned char *buf)
{
	ssize_t n = pread(fd, buf, CFG_SIZE, 0);

	if (n != CFG_SIZE) {
		fail("whole config read: %zd bytes (%s), expected %d", n,
		     n < 0 ? strerror(errno) : "short", CFG_SIZE);
		return -1;
	}
	return 0;
}

static int wr(int off, int width, uint32_t val)
{
	unsigned char b[4];
	int i;

	for (i = 0; i < width; i++)
		b[i] = val >> (8 * i);
	if (pwrite(fd, b, width, off) != width) {
		fail("pwrite(%d bytes at 0x%03x): %s", width, off, strerror(errno));
		return -1;
	}
	return 0;
}

static uint32_t rd32(int off)
{
	unsigned char b[4] = { 0 };

	if (pread(fd, b, 4, off) != 4)
		fail("pread(4 at 0x%03x): %s", off, strerror(errno));
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static int do_read(void)
{
	unsigned char all[CFG_SIZE], again[CFG_SIZE], b[4];
	int off, w, i;
	ssize_t n;

	if (read_all(all) || read_all(again))
		return 1;
	if (memcmp(all, again, CFG_SIZE))
		fail("two whole-space reads differ");
	for (off = 0; off < CFG_SIZE; off++)
		if (!is_implemented(off) && all[off])
			fail("unimplemented byte 0x%03x reads 0x%02x, not 0", off, all[off]);
	for (w = 1; w <= 4; w *= 2) {
		for (off = 0; off + w <= CFG_SIZE; off++) {
			n = pread(fd, b, w, off);
			if (n != w) {
				fail("pread(%d at 0x%03x) = %zd", w, off, n);
				continue;
			}
			for (i = 0; i < w; i++)
				if (b[i] != all[off + i])
					fail("pread(%d at 0x%03x): byte %d is 0x%02x, whole read 0x%02x",
					     w, off, i, b[i], all[off + i]);
		}
	}
	/* The end of the space: short reads, then nothing. */
	n = pread(fd, b, 4, CFG_SIZE - 2);
	if (n != 2)
		fail("pread(4 at 0xffe) = %zd, expected 2", n);
	n = pread(fd, b, 4, CFG_SIZE);
	if (n != 0)
		fail("pread(4 at 0x1000) = %zd, expected 0", n);
	n = pread(fd, b, 4, 1 << 20);
	if (n != 0)
		fail("pread(4 at 1 MiB) = %zd, expected 0", n);
	printf("%s: read %d offsets x widths 1, 2, 4: %s\n", bdf, CFG_SIZE,
	       failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}

/* Read-only bytes equal the start (the multi-function bit may differ). */
static void check_ro(const unsigned char *start, const char *when)
{
	unsigned char now[CFG_SIZE];
	int off;

	if (read_all(now))
		return;
	for (off = 0; off < CFG_SIZE; off++) {
		unsigned char a = start[off], b = now[off];

		if (off == 0x0e) {
			a &= 0x7f;
			b &= 0x7f;
		}
		if (!is_writable(off) && a != b)
			fail("%s: read-only byte 0x%03x changed 0x%02x -> 0x%02x",
			     when, off, start[off], now[off]);
	}
}

static void restore(const unsigned char *start)
{
	int off;

	for (off = 0; off < CFG_SIZE; off++)
		if (is_writable(off))
			wr(off, 1, start[off]);
}

static int do_fuzz(unsigned int seed, long rounds)
{
	unsigned char start[CFG_SIZE], end[CFG_SIZE];
	int off, w, writes = 0;
	ssize_t n;
	long r;

	if (!seed)
		seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	printf("%s: cfgfuzz seed %u rounds %ld (reproduce: cfgfuzz fuzz %s %u %ld)\n",
	       bdf, seed, rounds, bdf, seed, rounds);
	srandom(seed);
	if (read_all(start))
		return 1;
	for (w = 1; w <= 4; w *= 2) {
		for (off = 0; off + w <= CFG_SIZE; off += w) {
			if (wr(off, w, (uint32_t)random()))
				break;
			writes++;
		}
		check_ro(start, w == 1 ? "after byte writes" : w == 2 ? "after word writes" : "after dword writes");
		restore(start);
	}
	/* Unaligned and past-the-end writes: split or cut by the PCI core. */
	for (off = 1; off < 64; off += 2, writes++)
		wr(off, 4, (uint32_t)random());
	n = pwrite(fd, "\xff\xff\xff\xff", 4, CFG_SIZE - 2);
	if (n != 2)
		fail("pwrite(4 at 0xffe) = %zd, expected 2", n);
	/* At the end: nothing written (0, or an error such as EFBIG). */
	n = pwrite(fd, "\xff\xff\xff\xff", 4, CFG_SIZE);
	if (n > 0)
		fail("pwrite(4 at 0x1000) wrote %zd bytes", n);
	for (r = 0; r < rounds; r++, writes++) {
		int width = 1 << (random() % 3);

		off = (random() % CFG_SIZE) & ~(width - 1);
		wr(off, width, (uint32_t)random());
	}
	check_ro(start, "after random writes");
	restore(start);
	if (!read_all(end)) {
		start[0x0e] &= 0x7f;
		end[0x0e] &= 0x7f;
		for (off = 0; off < CFG_SIZE; off++)
			if (start[off] != end[off])
				fail("after restore: byte 0x%03x is 0x%02x, was 0x%02x", off, end[off], start[off]);
	}
	printf("%s: %d writes (seed %u): %s\n", bdf, writes, seed, failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}

static unsigned long long parse_size(const char *s)
{
	char *e;
	unsigned long long v = strtoull(s, &e, 0);

	switch (*e) {
	case 'K': v <<= 10; break;
	case 'M': v <<= 20; break;
	case 'G': v <<= 30; break;
	}
	return v;
}

static int do_bars(char **sizes)
{
	static const int regs[3] = { 0x10, 0x18, 0x20 };
	int i;

	for (i = 0; i < 3; i++) {
		int reg = regs[i];
		uint32_t lo = rd32(reg), hi = rd32(reg + 4), mlo, mhi;
		unsigned long long want = parse_size(sizes[i]), mask, size;

		if ((lo & 0x7) != 0x4)
			fail("BAR%d 0x%08x is not a 64-bit memory BAR", i * 2, lo);
		wr(reg, 4, 0xffffffff);
		wr(reg + 4, 4, 0xffffffff);
		mlo = rd32(reg);
		mhi = rd32(reg + 4);
		mask = ((unsigned long long)mhi << 32) | (mlo & ~0xfU);
		size = ~mask + 1;
		if (size != want)
			fail("BAR%d sizes to 0x%llx (mask %08x:%08x), expected 0x%llx",
			     i * 2, size, mhi, mlo, want);
		if ((mlo & 0xf) != (lo & 0xf))
			fail("BAR%d flags 0x%x changed to 0x%x by the sizing write", i * 2, lo & 0xf, mlo & 0xf);
		wr(reg, 4, lo);
		wr(reg + 4, 4, hi);
		if (rd32(reg) != lo || rd32(reg + 4) != hi)
			fail("BAR%d not restored: %08x:%08x, was %08x:%08x", i * 2,
			     rd32(reg + 4), rd32(reg), hi, lo);
		printf("%s: BAR%d %08x:%08x sizes to 0x%llx\n", bdf, i * 2, hi, lo, size);
	}
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	char path[256];
	int rc;

	if (argc < 3 || (!strcmp(argv[1], "fuzz") && argc != 5) ||
	    (!strcmp(argv[1], "bars") && argc != 6) ||
	    (!strcmp(argv[1], "read") && argc != 3)) {
		fprintf(stderr, "usage: cfgfuzz read BDF | fuzz BDF SEED ROUNDS | bars BDF S0 S2 S4\n");
		return 2;
	}
	bdf = argv[2];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, !strcmp(argv[1], "read") ? O_RDONLY : O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "cfgfuzz: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!strcmp(argv[1], "read"))
		rc = do_read();
	else if (!strcmp(argv[1], "fuzz"))
		rc = do_fuzz(strtoul(argv[3], NULL, 0), strtol(argv[4], NULL, 0));
	else if (!strcmp(argv[1], "bars"))
		rc = do_bars(argv + 3);
	else {
		fprintf(stderr, "cfgfuzz: unknown mode %s\n", argv[1]);
		rc = 2;
	}
	close(fd);
	return rc;
}
