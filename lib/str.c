/* str: see str.h. */
#include "str.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
str_is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int
str_blank(const char *s)
{
	for (; s && *s; s++)
		if (!str_is_blank((unsigned char)*s))
			return 0;
	return 1;
}

void
str_trim_blanks(const char **s, const char **e)
{
	while (*s < *e && str_is_blank((unsigned char)**s))
		(*s)++;
	while (*e > *s && str_is_blank((unsigned char)(*e)[-1]))
		(*e)--;
}

int
str_eq_ci_trimmed(const char *a, const char *b)
{
	const char *ae = a + strlen(a), *be = b + strlen(b);

	str_trim_blanks(&a, &ae);
	str_trim_blanks(&b, &be);
	return ae - a == be - b && strncasecmp(a, b, (size_t)(ae - a)) == 0;
}

void
str_trim_span(const char **s, const char **e)
{
	for (;;) {
		if (*s < *e && str_is_blank((unsigned char)**s))
			(*s)++;
		else if (*e - *s >= 2 && (unsigned char)(*s)[0] == 0xC2 && (unsigned char)(*s)[1] == 0xA0)
			*s += 2;
		else
			break;
	}
	for (;;) {
		if (*e > *s && str_is_blank((unsigned char)(*e)[-1]))
			(*e)--;
		else if (*e - *s >= 2 && (unsigned char)(*e)[-2] == 0xC2 && (unsigned char)(*e)[-1] == 0xA0)
			*e -= 2;
		else
			break;
	}
}

const char *
str_trimmed(const char *s, size_t *n)
{
	const char *b = s, *e;

	*n = 0;
	if (s == NULL)
		return NULL;
	e = s + strlen(s);
	str_trim_span(&b, &e);
	*n = (size_t)(e - b);
	return b;
}

char *
str_dup_trim(const char *s)
{
	size_t n;
	const char *b = str_trimmed(s, &n);

	return b ? strndup(b, n) : NULL;
}

int
str_starts_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

void
str_upper(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x80)
			*s = (char)toupper((unsigned char)*s);
}

void
str_lower(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x80)
			*s = (char)tolower((unsigned char)*s);
}

void
str_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
str_vnotify(str_notice_fn notice, void *ctx, const char *fmt, va_list ap)
{
	char msg[STR_NOTICE_MAX];

	if (notice == NULL)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	notice(ctx, msg);
}

void
str_err_msg(char *err, size_t errlen, const char *prefix, const char *msg)
{
	char clean[161];
	size_t i, j = 0;

	if (msg)
		for (i = 0; msg[i] && j < sizeof clean - 1; i++)
			clean[j++] = (unsigned char)msg[i] < 0x20 ? ' ' : msg[i];
	clean[j] = '\0';
	if (j)
		str_errf(err, errlen, "%s: %s", prefix, clean);
	else
		str_errf(err, errlen, "%s", prefix);
}

size_t
str_distance_ci(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[65], cur[65], best;

	if (la > 64)
		la = 64;
	if (lb > 64)
		lb = 64;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			best = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
		}
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	return prev[lb];
}
