// SPDX-License-Identifier: Apache-2.0
/*
 * fsv-write: writes one input, given in the escape convention of
 * tests/vm/inputs/README, to a file in a single write(2), and prints what
 * the kernel answered as an errno name: one word, so a shell case can
 * compare it with the expected errno of tests/vm/inputs/targets.txt.
 *
 * usage: fsv-write INPUT FILE     print OK, or the errno name of write(2)
 *                                 (EINVAL, EBUSY, ...), or open:ERRNO
 *        fsv-write -d INPUT       print the decoded bytes (no newline added)
 *        fsv-write -l INPUT       print the decoded length in bytes
 * Escapes: \n \t \r \s (space) \0 (NUL) \\ \xHH (a byte), \*N:C (N copies
 * of the character C, e.g. \*4096:1 for 4 KiB of '1').
 * exit:  0 the write succeeded (or -d/-l), 1 it failed, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_INPUT 65536

static const struct {
	int err;
	const char *name;
} names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
	{ ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EACCES, "EACCES" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
	{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
	{ ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EROFS, "EROFS" }, { EISDIR, "EISDIR" }, { EAGAIN, "EAGAIN" },
	{ EINTR, "EINTR" }, { ENOTDIR, "ENOTDIR" }, { ENAMETOOLONG, "ENAMETOOLONG" },
};

static const char *errname(int err)
{
	static char buf[32];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes src into out (MAX_INPUT bytes); returns the length or -1. */
static long decode(const char *s, unsigned char *out)
{
	long n = 0;

	while (*s) {
		int c = (unsigned char)*s++;

		if (c == '\\') {
			c = (unsigned char)*s++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 's': c = ' '; break;
			case '0': c = 0; break;
			case '\\': break;
			case 'x': {
				int h = hexval(s[0]), l = h < 0 ? -1 : hexval(s[1]);

				if (l < 0)
					return -1;
				c = h * 16 + l;
				s += 2;
				break;
			}
			case '*': {
				char *end;
				long count = strtol(s, &end, 10);

				if (end == s || *end != ':' || !end[1] || count < 0 ||
				    n + count > MAX_INPUT)
					return -1;
				memset(out + n, end[1], count);
				n += count;
				s = end + 2;
				continue;
			}
			default:
				return -1;
			}
		}
		if (n >= MAX_INPUT)
			return -1;
		out[n++] = c;
	}
	return n;
}

int main(int argc, char **argv)
{
	static unsigned char buf[MAX_INPUT];
	long len;
	ssize_t w;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: fsv-write INPUT FILE | -d INPUT | -l INPUT\n");
		return 2;
	}
	if (!strcmp(argv[1], "-d") || !strcmp(argv[1], "-l")) {
		len = decode(argv[2], buf);
		if (len < 0) {
			fprintf(stderr, "fsv-write: bad escape in '%s'\n", argv[2]);
			return 2;
		}
		if (argv[1][1] == 'l')
			printf("%ld\n", len);
		else
			fwrite(buf, 1, len, stdout);
		return 0;
	}
	len = decode(argv[1], buf);
	if (len < 0) {
		fprintf(stderr, "fsv-write: bad escape in '%s'\n", argv[1]);
		return 2;
	}
	fd = open(argv[2], O_WRONLY);
	if (fd < 0) {
		printf("open:%s\n", errname(errno));
		return 1;
	}
	w = write(fd, buf, len);
	if (w < 0) {
		printf("%s\n", errname(errno));
		close(fd);
		return 1;
	}
	/* sysfs and configfs hand the whole buffer to store() in one call. */
	if (close(fd) < 0) {
		printf("close:%s\n", errname(errno));
		return 1;
	}
	printf("OK\n");
	return 0;
}
