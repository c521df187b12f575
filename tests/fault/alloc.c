/*
 * Allocation failure injection for the fault build (build/fault/): linked
 * with -Wl,--wrap for malloc, calloc, realloc, strdup and strndup, so that
 * every allocation made by lib/ and cmd/ code goes through here. Shared
 * libraries (libcurl, yajl, lmdb) keep their own allocator.
 *
 *   DE_FAULT_ALLOC=n        the n-th allocation (from 1) fails, and only it
 *   DE_FAULT_COUNT_FILE=f   at exit, the number of allocations is written to f
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static long fault_at = -1, calls;
static int ready;

static void
fault_report(void)
{
	const char *f = getenv("DE_FAULT_COUNT_FILE");
	FILE *out;

	if (f && (out = fopen(f, "w")) != NULL) {
		fprintf(out, "%ld\n", calls);
		fclose(out);
	}
}

static int
fault_now(void)
{
	if (!ready) {
		const char *v = getenv("DE_FAULT_ALLOC");

		ready = 1;
		fault_at = v ? atol(v) : -1;
		atexit(fault_report);
	}
	return ++calls == fault_at;
}

void *
__wrap_malloc(size_t n)
{
	return fault_now() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t a, size_t b)
{
	return fault_now() ? NULL : __real_calloc(a, b);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return fault_now() ? NULL : __real_realloc(p, n);
}

char *
__wrap_strdup(const char *s)
{
	return fault_now() ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return fault_now() ? NULL : __real_strndup(s, n);
}
