/*
 * str: the small string helpers every module needs (blanks, trimming, case,
 * error messages), written once.
 *
 * "Blank" is ASCII white space: space, \t, \r, \n, \v, \f. Case changes are
 * ASCII only; bytes >= 0x80 (UTF-8) are left as they are. Nothing here
 * prints or exits; the functions that allocate say so.
 */
#ifndef DE_STR_H
#define DE_STR_H

#include <stdarg.h>
#include <stddef.h>

/* 1 when c is a blank byte, else 0. */
int str_is_blank(int c);

/* 1 when s is NULL or holds only blanks, else 0. */
int str_blank(const char *s);

/* [*s, *e) trimmed of blanks at both ends. */
void str_trim_blanks(const char **s, const char **e);

/* [*s, *e) trimmed of blanks and of UTF-8 no-break spaces (U+00A0) at both ends. */
void str_trim_span(const char **s, const char **e);

/* 1 when a and b are equal but for ASCII case and blanks at their ends. */
int str_eq_ci_trimmed(const char *a, const char *b);

/* Where s trimmed as str_trim_span does begins, its length in *n; NULL
 * (and *n 0) when s is NULL. */
const char *str_trimmed(const char *s, size_t *n);

/* A malloc'd copy of s trimmed as str_trim_span does; NULL when s is NULL or
 * on ENOMEM. The caller frees it. */
char *str_dup_trim(const char *s);

/* 1 when s begins with prefix, ignoring ASCII case. */
int str_starts_ci(const char *s, const char *prefix);

/* s changed in place to ASCII upper or lower case; s may be NULL. */
void str_upper(char *s);
void str_lower(char *s);

/* The edit distance (Levenshtein) of a and b ignoring ASCII case, each cut
 * at 64 bytes: what "did you mean" messages pick the closest name by. */
size_t str_distance_ci(const char *a, const char *b);

/*
 * Writes printf(fmt, ...) into err[errlen], cut to fit; does nothing when err
 * is NULL or errlen is 0. How lib/ fills the err buffer its callers pass.
 */
void str_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * "prefix: msg" into err[errlen], msg (a provider's message) made one
 * printable line (control bytes become spaces) and cut to 160 bytes; prefix
 * alone when msg is NULL or empty.
 */
void str_err_msg(char *err, size_t errlen, const char *prefix, const char *msg);

/* Where a module's notices go: one line, no newline; ctx is the caller's. */
typedef void (*str_notice_fn)(void *ctx, const char *msg);

/*
 * Formats fmt with ap, cut at STR_NOTICE_MAX - 1 bytes, and hands it to
 * notice(ctx, msg); does nothing when notice is NULL. The one place where a
 * module's printf-like "say" (lib/stage.h, lib/crm.h, apollo_run) becomes a
 * callback, so that every notice is cut the same way.
 */
#define STR_NOTICE_MAX 2048
void str_vnotify(str_notice_fn notice, void *ctx, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
