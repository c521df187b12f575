/*
 * failwrite: an LD_PRELOAD shim that makes write(), pwrite(), writev() and
 * pwritev() fail with EIO on the files whose path contains $FAILWRITE_MATCH
 * (e.g. the db directory), after $FAILWRITE_AFTER successful writes to them
 * (default 0). Every other descriptor writes as usual. Used by
 * tests/cmd/io_fault.sh, which builds it with cc -shared -fPIC.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long seen;

static int
doomed(int fd)
{
	const char *m = getenv("FAILWRITE_MATCH"), *a = getenv("FAILWRITE_AFTER");
	char link[64], path[4096];
	ssize_t n;

	if (m == NULL || *m == '\0' || fd < 0)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof path - 1)) <= 0)
		return 0;
	path[n] = '\0';
	if (strstr(path, m) == NULL)
		return 0;
	if (a != NULL && seen < atol(a)) {
		seen++;
		return 0;
	}
	errno = EIO;
	return 1;
}

#define NEXT(name) static __typeof__(name) *next; \
	if (next == NULL) next = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t
write(int fd, const void *b, size_t n)
{
	NEXT(write);
	return doomed(fd) ? -1 : next(fd, b, n);
}

ssize_t
pwrite(int fd, const void *b, size_t n, off_t off)
{
	NEXT(pwrite);
	return doomed(fd) ? -1 : next(fd, b, n, off);
}

ssize_t
pwrite64(int fd, const void *b, size_t n, off_t off)
{
	NEXT(pwrite64);
	return doomed(fd) ? -1 : next(fd, b, n, off);
}

ssize_t
writev(int fd, const struct iovec *v, int c)
{
	NEXT(writev);
	return doomed(fd) ? -1 : next(fd, v, c);
}

ssize_t
pwritev(int fd, const struct iovec *v, int c, off_t off)
{
	NEXT(pwritev);
	return doomed(fd) ? -1 : next(fd, v, c, off);
}
