/* date: see date.h. */
#include "date.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

int date_valid(date_t d)
{
	return d.y >= 1 && d.y <= 9999 && d.m >= 1 && d.m <= 12 &&
	    d.d >= 1 && d.d <= date_days_in_month(d.y, d.m);
}

int date_cmp(date_t a, date_t b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

char *date_format(date_t d, char out[DATE_STRLEN])
{
	unsigned y = d.y < 0 ? 0 : d.y > 9999 ? 9999 : (unsigned)d.y;
	unsigned m = d.m < 0 ? 0 : d.m > 99 ? 99 : (unsigned)d.m;
	unsigned dd = d.d < 0 ? 0 : d.d > 99 ? 99 : (unsigned)d.d;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + dd / 10);
	out[9] = (char)('0' + dd % 10);
	out[10] = '\0';
	return out;
}

/* Reads 1..maxd digits; returns the count read (0: none). */
static int digits(const char **sp, int maxd, int *val)
{
	const char *s = *sp;
	int n = 0, v = 0;
	while (n < maxd && isdigit((unsigned char)s[n])) {
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (n == 0 || isdigit((unsigned char)s[n]))
		return 0;
	*val = v;
	*sp = s + n;
	return n;
}

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

/* 1 when only blanks remain. */
static int at_end(const char *s)
{
	return *skip_blank(s) == '\0';
}

/* Accepts what may follow a date: nothing, or a time ("14:00", "T17:00:00Z", ...). */
static int time_tail_ok(const char *s)
{
	if (at_end(s))
		return 1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return 0;
	s++;
	s = skip_blank(s);
	if (!isdigit((unsigned char)*s))
		return 0;
	/* the rest: digits, ':', '.', 'Z', '+', '-', blanks, AM/PM */
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isdigit(c) || c == ':' || c == '.' || c == '+' || c == '-' ||
		    c == ' ' || c == 'Z' || c == 'z' || c == '\r' || c == '\n')
			continue;
		if ((c == 'A' || c == 'a' || c == 'P' || c == 'p') &&
		    (s[1] == 'M' || s[1] == 'm')) {
			s++;
			continue;
		}
		if (strncasecmp(s, "UTC", 3) == 0 || strncasecmp(s, "GMT", 3) == 0) {
			s += 2;
			continue;
		}
		return 0;
	}
	return 1;
}

int date_parse_iso(const char *s, date_t *out)
{
	date_t d;
	if (!s || strlen(s) != 10)
		return -1;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return -1;
		} else if (!isdigit((unsigned char)s[i])) {
			return -1;
		}
	}
	d.y = atoi(s);
	d.m = (s[5] - '0') * 10 + (s[6] - '0');
	d.d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!date_valid(d))
		return -1;
	*out = d;
	return 0;
}

int date_parse_crm(const char *s, enum date_order order, date_t *out)
{
	date_t d;
	int a, b, c, na, nc;
	char sep;
	if (!s)
		return -1;
	s = skip_blank(s);
	if (!*s)
		return -1;
	na = digits(&s, 4, &a);
	if (na == 0)
		return -1;
	sep = *s;
	if (sep != '-' && sep != '/' && sep != '.')
		return -1;
	s++;
	if (!digits(&s, 2, &b))
		return -1;
	if (*s != sep)
		return -1;
	s++;
	nc = digits(&s, 4, &c);
	if (nc == 0)
		return -1;
	if (na == 4) {
		/* year first: Y-M-D (also Y/M/D) */
		if (nc > 2)
			return -1;
		d.y = a, d.m = b, d.d = c;
	} else {
		if (na > 2 || (nc != 4 && nc != 2))
			return -1;
		d.y = nc == 2 ? 2000 + c : c;
		if (order == DATE_DMY)
			d.d = a, d.m = b;
		else
			d.m = a, d.d = b;
	}
	if (!date_valid(d) || !time_tail_ok(s))
		return -1;
	*out = d;
	return 0;
}

long date_to_days(date_t d)
{
	/* Howard Hinnant's days_from_civil */
	long y = d.y - (d.m <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long mp = (d.m + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d.d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

date_t date_from_days(long z)
{
	date_t d;
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.y = (int)(y + (d.m <= 2));
	return d;
}

date_t date_add_days(date_t d, long n)
{
	return date_from_days(date_to_days(d) + n);
}

date_t date_from_time(time_t t)
{
	long days = (long)(t / 86400);
	if (t % 86400 < 0)
		days--;
	return date_from_days(days);
}

date_t date_today(void)
{
	return date_from_time(time(NULL));
}

date_t date_add_months(date_t d, int n)
{
	long idx = (long)d.y * 12 + (d.m - 1) + n;
	date_t r;
	if (idx < 12)
		idx = 12;
	if (idx > 9999L * 12 + 11)
		idx = 9999L * 12 + 11;
	r.y = (int)(idx / 12);
	r.m = (int)(idx % 12) + 1;
	r.d = d.d;
	int dim = date_days_in_month(r.y, r.m);
	if (r.d > dim)
		r.d = dim;
	if (r.d < 1)
		r.d = 1;
	return r;
}

date_t date_months_before(date_t d, int n)
{
	return date_add_months(d, -n);
}

int date_months_between(date_t a, date_t b)
{
	int sign = 1;
	if (date_cmp(b, a) < 0) {
		date_t t = a;
		a = b;
		b = t;
		sign = -1;
	}
	int m = (b.y - a.y) * 12 + (b.m - a.m);
	/* the last month is complete when b's day reaches a's, or b is the
	 * last day of its month and a's day does not exist there */
	if (b.d < a.d && !(b.d == date_days_in_month(b.y, b.m)))
		m--;
	return sign * m;
}

static const char *const month_names[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};

/* Reads a month name (3 letters or the full name, "Sept" too); 1..12 or 0. */
static int month_word(const char **sp)
{
	static const char *const full[12] = {
		"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december"
	};
	const char *s = *sp;
	size_t n = 0;
	while (isalpha((unsigned char)s[n]))
		n++;
	if (n < 3)
		return 0;
	for (int i = 0; i < 12; i++) {
		if ((n == 3 && strncasecmp(s, month_names[i], 3) == 0) ||
		    (n == strlen(full[i]) && strncasecmp(s, full[i], n) == 0) ||
		    (i == 8 && n == 4 && strncasecmp(s, "sept", 4) == 0)) {
			s += n;
			if (*s == '.')
				s++;
			*sp = s;
			return i + 1;
		}
	}
	return 0;
}

/* "Mar 3, 2026", "March 3 2026", "Mar 3", "3 Mar 2026", "3 March, 2026" */
static int parse_month_name_date(const char *s, date_t now, date_t *out)
{
	date_t d;
	int mon, day, year = -1;
	const char *p = s;
	if ((mon = month_word(&p)) != 0) {
		p = skip_blank(p);
		if (!digits(&p, 2, &day))
			return -1;
		if (p[0] == 's' && p[1] == 't') p += 2;      /* 1st */
		else if (p[0] == 'n' && p[1] == 'd') p += 2; /* 2nd */
		else if (p[0] == 'r' && p[1] == 'd') p += 2; /* 3rd */
		else if (p[0] == 't' && p[1] == 'h') p += 2; /* 4th */
		if (*p == ',')
			p++;
		p = skip_blank(p);
		if (*p) {
			if (digits(&p, 4, &year) != 4)
				return -1;
		}
	} else {
		if (!digits(&p, 2, &day))
			return -1;
		p = skip_blank(p);
		if ((mon = month_word(&p)) == 0)
			return -1;
		if (*p == ',')
			p++;
		p = skip_blank(p);
		if (*p) {
			if (digits(&p, 4, &year) != 4)
				return -1;
		}
	}
	if (!at_end(p))
		return -1;
	d.m = mon;
	d.d = day;
	if (year < 0) {
		d.y = now.y;
		if (!date_valid(d) || date_cmp(d, now) > 0)
			d.y = now.y - 1;
	} else {
		d.y = year;
	}
	if (!date_valid(d))
		return -1;
	*out = d;
	return 0;
}

int date_parse_display(const char *s, time_t now, date_t *out)
{
	date_t today = date_from_time(now);
	char w[32];
	const char *p;
	long n;
	size_t i;

	if (!s)
		return -1;
	s = skip_blank(s);
	if (!*s)
		return -1;
	if (date_parse_crm(s, DATE_MDY, out) == 0)
		return 0;

	if (strncasecmp(s, "just now", 8) == 0 && at_end(s + 8)) {
		*out = today;
		return 0;
	}
	if (strncasecmp(s, "today", 5) == 0 && at_end(s + 5)) {
		*out = today;
		return 0;
	}
	if (strncasecmp(s, "yesterday", 9) == 0 && at_end(s + 9)) {
		*out = date_add_days(today, -1);
		return 0;
	}

	/* "<n|a|an> <unit> ago" */
	p = s;
	if (isdigit((unsigned char)*p)) {
		char *e;
		n = strtol(p, &e, 10);
		if (n < 0 || n > 100000)
			return -1;
		p = e;
	} else if (strncasecmp(p, "an ", 3) == 0) {
		n = 1;
		p += 2;
	} else if (strncasecmp(p, "a ", 2) == 0) {
		n = 1;
		p += 1;
	} else {
		return parse_month_name_date(s, today, out);
	}
	p = skip_blank(p);
	for (i = 0; i < sizeof w - 1 && isalpha((unsigned char)p[i]); i++)
		w[i] = (char)tolower((unsigned char)p[i]);
	w[i] = '\0';
	if (isalpha((unsigned char)p[i]))
		return -1;
	p = skip_blank(p + i);
	if (strncasecmp(p, "ago", 3) != 0 || !at_end(p + 3)) {
		/* "3 Mar 2026" starts with a number too */
		return parse_month_name_date(s, today, out);
	}
	if (!strcmp(w, "second") || !strcmp(w, "seconds") || !strcmp(w, "sec") ||
	    !strcmp(w, "secs") || !strcmp(w, "s")) {
		*out = date_from_time(now - (time_t)n);
	} else if (!strcmp(w, "minute") || !strcmp(w, "minutes") ||
	    !strcmp(w, "min") || !strcmp(w, "mins") || !strcmp(w, "m")) {
		*out = date_from_time(now - (time_t)n * 60);
	} else if (!strcmp(w, "hour") || !strcmp(w, "hours") ||
	    !strcmp(w, "hr") || !strcmp(w, "hrs") || !strcmp(w, "h")) {
		*out = date_from_time(now - (time_t)n * 3600);
	} else if (!strcmp(w, "day") || !strcmp(w, "days") || !strcmp(w, "d")) {
		*out = date_add_days(today, -n);
	} else if (!strcmp(w, "week") || !strcmp(w, "weeks") || !strcmp(w, "w") ||
	    !strcmp(w, "wk") || !strcmp(w, "wks")) {
		*out = date_add_days(today, -7 * n);
	} else if (!strcmp(w, "month") || !strcmp(w, "months") || !strcmp(w, "mo") ||
	    !strcmp(w, "mos")) {
		if (n > 12 * 9000)
			return -1;
		*out = date_add_months(today, -(int)n);
	} else if (!strcmp(w, "year") || !strcmp(w, "years") || !strcmp(w, "yr") ||
	    !strcmp(w, "yrs") || !strcmp(w, "y")) {
		if (n > 9000)
			return -1;
		*out = date_add_months(today, -12 * (int)n);
	} else {
		return -1;
	}
	return date_valid(*out) ? 0 : -1;
}

int date_crm_to_iso(const char *s, enum date_order order, char out[DATE_STRLEN])
{
	date_t d;
	if (date_parse_crm(s, order, &d) != 0) {
		out[0] = '\0';
		return -1;
	}
	date_format(d, out);
	return 0;
}

int date_display_to_iso(const char *s, time_t now, char out[DATE_STRLEN])
{
	date_t d;
	if (date_parse_display(s, now, &d) != 0) {
		out[0] = '\0';
		return -1;
	}
	date_format(d, out);
	return 0;
}
