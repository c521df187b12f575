/*
 * buf: a growable byte buffer with a hard cap.
 *
 * Every buffer has a cap set at init; an append that would pass it fails with
 * BUF_ETOOBIG and leaves the buffer as it was. The bytes are always followed by
 * a NUL that is not counted in len, so buf_ptr() is usable as a C string when
 * the content has no NUL of its own.
 *
 * Ownership: the buffer owns its memory until buf_free() or buf_detach();
 * buf_detach() hands the bytes to the caller, who frees them with free().
 */
#ifndef DE_BUF_H
#define DE_BUF_H

#include <stddef.h>
#include <stdarg.h>

enum {
	BUF_OK = 0,
	BUF_ENOMEM = -1,   /* malloc/realloc failed */
	BUF_ETOOBIG = -2   /* the append would pass the cap */
};

typedef struct buf {
	char *ptr;
	size_t len;
	size_t alloc;
	size_t cap;
} buf_t;

/* Sets up an empty buffer that may hold at most cap bytes. Allocates nothing. */
void buf_init(buf_t *b, size_t cap);
/* Frees the bytes; the buffer may be reused after buf_init(). */
void buf_free(buf_t *b);
/* Empties the buffer, keeping its memory. */
void buf_reset(buf_t *b);
/* Keeps the first len bytes (len greater than buf_len(): nothing changes). */
void buf_truncate(buf_t *b, size_t len);

/* Appends; each returns BUF_OK, BUF_ENOMEM or BUF_ETOOBIG. */
int buf_add(buf_t *b, const void *p, size_t n);
int buf_addc(buf_t *b, char c);
int buf_adds(buf_t *b, const char *s);
int buf_addf(buf_t *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vaddf(buf_t *b, const char *fmt, va_list ap);

/* The content, NUL-terminated; "" for a buffer that never allocated. */
const char *buf_ptr(const buf_t *b);
size_t buf_len(const buf_t *b);

/*
 * Hands the content to the caller (free() it) and leaves the buffer empty.
 * Returns NULL only when allocating an empty string fails.
 */
char *buf_detach(buf_t *b, size_t *len);

#endif
