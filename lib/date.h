/*
 * date: calendar dates as the toolkit writes them (YYYY-MM-DD), read from
 * what CRMs export and what Serper displays, and the month arithmetic of the
 * lookback window and of tenure.
 *
 * A date_t is a proleptic Gregorian civil date with no time zone; "now" is
 * always UTC. Nothing here allocates, exits or prints.
 */
#ifndef DE_DATE_H
#define DE_DATE_H

#include <stddef.h>
#include <time.h>

typedef struct date {
	int y;  /* 1..9999 */
	int m;  /* 1..12 */
	int d;  /* 1..days in month */
} date_t;

/* How a slashed date such as 9/10/2026 is read. */
enum date_order {
	DATE_MDY = 0,  /* 9/10/2026 is September 10 (US locale; the default) */
	DATE_DMY = 1   /* 9/10/2026 is 9 October */
};

/* "YYYY-MM-DD" plus the NUL. */
#define DATE_STRLEN 11

/* 1 when d names a real day (Feb 29 only in leap years), else 0. */
int date_valid(date_t d);
int date_days_in_month(int y, int m);

/* <0, 0, >0 as a is before, equal to, after b. */
int date_cmp(date_t a, date_t b);

/* Writes "YYYY-MM-DD" into out[DATE_STRLEN]; returns out. */
char *date_format(date_t d, char out[DATE_STRLEN]);

/* Strict "YYYY-MM-DD" (nothing before or after). Returns 0, or -1. */
int date_parse_iso(const char *s, date_t *out);

/*
 * A CRM export's date: "2026-06-30", "2026-06-30 14:00", "2026-03-14T17:00:00Z",
 * "2026-03-14T17:00:00.000+02:00" (the date part is taken as written, the time
 * and zone are ignored), "9/30/2026" or "30/09/2026" per order (also with
 * '.' or '-' between the parts, a 2-digit year meaning 20YY, and an optional
 * time after a space). Leading and trailing blanks are ignored. Returns 0, or
 * -1 when s is empty or not a valid date. When a slashed date is only valid
 * the other way round (13/01/2026 with DATE_MDY) it is still rejected: the
 * caller configured the order, guessing would swap days and months silently.
 */
int date_parse_crm(const char *s, enum date_order order, date_t *out);

/*
 * A Serper display date, relative to now (UTC): "2 hours ago", "35 mins ago",
 * "1 day ago", "3 days ago", "1 week ago", "a month ago", "2 years ago",
 * "yesterday", "just now", "Mar 3, 2026", "March 3, 2026", "3 Mar 2026",
 * "Mar 3" (this year, or last year when that would be after now),
 * "2026-03-03", and anything date_parse_crm takes. Case-insensitive.
 * Months ago go back by calendar months (date_add_months). Returns 0, or -1
 * when s is not understood.
 */
int date_parse_display(const char *s, time_t now, date_t *out);

/* The UTC date of t. */
date_t date_from_time(time_t t);
/* Today in UTC. */
date_t date_today(void);

/* Days since 1970-01-01 (negative before), and back. */
long date_to_days(date_t d);
date_t date_from_days(long days);
date_t date_add_days(date_t d, long n);

/*
 * d moved by n calendar months (n may be negative); the day is clamped to the
 * end of the target month (2026-03-31 minus 1 month is 2026-02-28).
 */
date_t date_add_months(date_t d, int n);
/* The lookback cutoff: the date n months before d (date_add_months(d, -n)). */
date_t date_months_before(date_t d, int n);

/*
 * Whole months from a to b: 2022-04-01 to 2026-11-02 is 55; 2026-01-31 to
 * 2026-02-28 is 0 (the month is not complete); negative when b is before a.
 */
int date_months_between(date_t a, date_t b);

/*
 * String conveniences: parse with date_parse_crm / date_parse_display and
 * write "YYYY-MM-DD" into out[DATE_STRLEN]. Return 0, or -1 (out set to "").
 */
int date_crm_to_iso(const char *s, enum date_order order, char out[DATE_STRLEN]);
int date_display_to_iso(const char *s, time_t now, char out[DATE_STRLEN]);

#endif
