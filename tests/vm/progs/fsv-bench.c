// SPDX-License-Identifier: Apache-2.0
/*
 * fsv-bench: guest-side clock and timed operations for the benchmark case
 * (tests/bench/cases). Busybox date has no nanoseconds, and timing a write
 * from the shell would also time a fork; this times only the operation.
 * Every time is CLOCK_MONOTONIC nanoseconds of the guest, printed alone on
 * one line.
 *
 * usage: fsv-bench now                    the clock
 *        fsv-bench run CMD [ARG...]       run CMD (stdout to /dev/null),
 *                                         print its elapsed time; exit 1 if
 *                                         it failed
 *        fsv-bench write FILE VALUE       one open+write(2)+close of VALUE
 *        fsv-bench cfs-create DIR PFX N   mkdir DIR/PFX0..N-1 and write 1 to
 *                                         each one's enable: prints the total
 *                                         and the enable writes' part
 *        fsv-bench cfs-remove DIR PFX N   write 0 to each enable, rmdir
 *        fsv-bench cfgread FILE N         N pread(2)s of one dword of a config
 *                                         file, offsets 0, 4, ... 252 in
 *                                         turn: prints the time per read
 *        fsv-bench ready START DOM N SECS wait until N functions of PCI
 *                                         domain DOM (e.g. 0001) each have a
 *                                         driver, an IOMMU group and
 *                                         /dev/vfio/GROUP; print now - START
 * exit:  0 done, 1 an operation failed or ready timed out, 2 usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int write_file(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY);

	if (fd < 0) {
		fprintf(stderr, "fsv-bench: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (write(fd, val, len) != (ssize_t)len) {
		fprintf(stderr, "fsv-bench: write '%s' to %s: %s\n", val, path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return close(fd);
}

static int run(char **argv)
{
	long long t0 = now_ns(), t1;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "fsv-bench: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	t1 = now_ns();
	printf("%lld\n", t1 - t0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int cfs(const char *dir, const char *pfx, int n, int create)
{
	char path[PATH_MAX], en[PATH_MAX + 8];
	long long t0 = now_ns(), tw = 0, t;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s%d", dir, pfx, i);
		snprintf(en, sizeof(en), "%s/enable", path);
		if (create && mkdir(path, 0755)) {
			fprintf(stderr, "fsv-bench: mkdir %s: %s\n", path, strerror(errno));
			return 1;
		}
		t = now_ns();
		if (write_file(en, create ? "1" : "0"))
			return 1;
		tw += now_ns() - t;
		if (!create && rmdir(path)) {
			fprintf(stderr, "fsv-bench: rmdir %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	printf("%lld %lld\n", now_ns() - t0, tw);
	return 0;
}

/*
 * Config space reads alone: each pread of an aligned dword is one
 * pci_user_read_config_dword(), so the bus's accessor is the difference
 * between two functions' figures.
 */
static int cfgread(const char *file, long n)
{
	unsigned char b[4];
	long long t0;
	long i;
	int fd;

	if (n <= 0) {
		fprintf(stderr, "fsv-bench: cfgread: N must be a positive count, not %ld\n", n);
		return 2;
	}
	fd = open(file, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "fsv-bench: open %s: %s\n", file, strerror(errno));
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		ssize_t k = pread(fd, b, 4, (i % 64) * 4);

		if (k != 4) {
			fprintf(stderr, "fsv-bench: pread(4 at 0x%02lx) of %s: %s\n",
				(i % 64) * 4, file,
				k < 0 ? strerror(errno) : "short read");
			close(fd);
			return 1;
		}
	}
	printf("%lld\n", (now_ns() - t0) / n);
	close(fd);
	return 0;
}

/* Functions of the domain with a driver, a group and its VFIO node. */
static int count_ready(const char *dom)
{
	const char *base = "/sys/bus/pci/devices";
	char p[PATH_MAX], l[256];
	size_t dl = strlen(dom);
	struct dirent *e;
	int n = 0;
	DIR *d = opendir(base);

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct stat st;
		ssize_t k;
		char *g;

		if (strncmp(e->d_name, dom, dl) || e->d_name[dl] != ':')
			continue;
		snprintf(p, sizeof(p), "%s/%s/driver", base, e->d_name);
		if (lstat(p, &st))
			continue;
		snprintf(p, sizeof(p), "%s/%s/iommu_group", base, e->d_name);
		k = readlink(p, l, sizeof(l) - 1);
		if (k <= 0)
			continue;
		l[k] = '\0';
		g = strrchr(l, '/');
		snprintf(p, sizeof(p), "/dev/vfio/%s", g ? g + 1 : l);
		if (stat(p, &st))
			continue;
		n++;
	}
	closedir(d);
	return n;
}

static int ready(long long start, const char *dom, int want, int secs)
{
	long long end = now_ns() + (long long)secs * 1000000000LL;
	struct timespec ms = { 0, 1000000 };
	int n;

	while ((n = count_ready(dom)) < want) {
		if (now_ns() > end) {
			fprintf(stderr, "fsv-bench: %d of %d functions ready after %d s\n",
				n, want, secs);
			return 1;
		}
		nanosleep(&ms, NULL);
	}
	printf("%lld\n", now_ns() - start);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: fsv-bench now | run CMD... | write FILE VALUE |\n"
			"       cfs-create DIR PFX N | cfs-remove DIR PFX N |\n"
			"       cfgread FILE N | ready START DOM N SECS\n");
	return 2;
}

int main(int argc, char **argv)
{
	long long t;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "now") && argc == 2) {
		printf("%lld\n", now_ns());
		return 0;
	}
	if (!strcmp(argv[1], "run") && argc >= 3)
		return run(argv + 2);
	if (!strcmp(argv[1], "write") && argc == 4) {
		t = now_ns();
		if (write_file(argv[2], argv[3]))
			return 1;
		printf("%lld\n", now_ns() - t);
		return 0;
	}
	if (!strcmp(argv[1], "cfs-create") && argc == 5)
		return cfs(argv[2], argv[3], atoi(argv[4]), 1);
	if (!strcmp(argv[1], "cfs-remove") && argc == 5)
		return cfs(argv[2], argv[3], atoi(argv[4]), 0);
	if (!strcmp(argv[1], "cfgread") && argc == 4)
		return cfgread(argv[2], atol(argv[3]));
	if (!strcmp(argv[1], "ready") && argc == 6)
		return ready(atoll(argv[2]), argv[3], atoi(argv[4]), atoi(argv[5]));
	return usage();
}
