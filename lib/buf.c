#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(buf_t *b, size_t cap)
{
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void
buf_free(buf_t *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
}

void
buf_reset(buf_t *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void
buf_truncate(buf_t *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->ptr[len] = '\0';
	}
}

/* Makes room for n more bytes plus the terminating NUL. */
static int
buf_grow(buf_t *b, size_t n)
{
	size_t need, alloc;
	char *p;

	if (n > b->cap || b->len > b->cap - n)
		return BUF_ETOOBIG;
	need = b->len + n + 1;
	if (need <= b->alloc)
		return BUF_OK;
	alloc = b->alloc ? b->alloc : 64;
	while (alloc < need)
		alloc = alloc > (size_t)-1 / 2 ? need : alloc * 2;
	if (alloc > b->cap + 1)
		alloc = b->cap + 1;
	if ((p = realloc(b->ptr, alloc)) == NULL)
		return BUF_ENOMEM;
	b->ptr = p;
	b->alloc = alloc;
	return BUF_OK;
}

int
buf_add(buf_t *b, const void *p, size_t n)
{
	int rc;

	/* The common case, room already there, without a call. */
	if (!(b->alloc > b->len && b->alloc - b->len > n && n <= b->cap && b->len <= b->cap - n) &&
	    (rc = buf_grow(b, n)) != BUF_OK)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, p, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return BUF_OK;
}

int
buf_addc(buf_t *b, char c)
{
	if (b->alloc > b->len + 2 && b->len < b->cap) {
		b->ptr[b->len++] = c;
		b->ptr[b->len] = '\0';
		return BUF_OK;
	}
	return buf_add(b, &c, 1);
}

int
buf_adds(buf_t *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_vaddf(buf_t *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return BUF_ENOMEM;
	if ((rc = buf_grow(b, (size_t)n)) != BUF_OK)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return BUF_OK;
}

int
buf_addf(buf_t *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
buf_ptr(const buf_t *b)
{
	return b->ptr ? b->ptr : "";
}

size_t
buf_len(const buf_t *b)
{
	return b->len;
}

char *
buf_detach(buf_t *b, size_t *len)
{
	char *p = b->ptr;

	if (len)
		*len = b->len;
	if (p == NULL)
		p = calloc(1, 1);
	b->ptr = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}
