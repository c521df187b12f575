/*
 * summary: what enrich-summary and enrich-status tell the team, computed from
 * the deal facts the store keeps (lib/store.h).
 *
 * The summary covers the workspace's closed deals (stage closed_won or
 * closed_lost) whose close_date falls in the window: from `months` months
 * before `to` up to `to`, both included (months 0: every closed deal, with or
 * without a close date).
 *
 * Findings are segments: for each value (an industry, a size band, a
 * seniority...) the deals that have it (a deal has a seniority when one of its
 * contacts has it), how many of them were won and lost, the share of won
 * deals and of lost deals that have it, and the segment's win rate
 * won / (won + lost) with its Wilson 95% interval (ci_low, ci_high), few_deals
 * (true under SUMMARY_FEW_DEALS deals: the rate says little), the won
 * revenue (the amounts of its won deals; lost deals' amounts are never
 * summed, many CRMs record them as 0) and the average won deal. Shares,
 * rates and intervals are rounded to 4 decimals, tenure averages to 2,
 * average won deals to whole units; a share with no deal to divide by is
 * null. Segments are ordered by deals (most first), then by value.
 *
 * Ownership: returned json_t values belong to the caller (json_free()).
 * Functions return 0, or -1 with err set ("out of memory" or the db's error);
 * *dberr (when given) tells a db error from the rest.
 */
#ifndef DE_SUMMARY_H
#define DE_SUMMARY_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "db.h"
#include "json.h"
#include "store.h"

#define SUMMARY_FEW_DEALS 10

struct summary_opts {
	int months;          /* 0: no window */
	char to[11];         /* "YYYY-MM-DD", the window's last day */
	size_t top;          /* entries per finding list (0: 10) */
};

/* Sets o->to to the UTC date of now. */
void summary_today(struct summary_opts *o, time_t now);

/* "YYYY-MM-DD" minus months (the day clamped to the month's length), into out[11]. */
int summary_months_before(const char *date, int months, char *out);

/* 1 when s is a date YYYY-MM-DD that exists. */
int summary_date_valid(const char *s);

/*
 * Sets o->to from --as-of: as_of when it is a date YYYY-MM-DD that exists,
 * the UTC date of now when as_of is NULL. Returns 0, or -1 with err saying
 * why as_of is not a date (the program exits CLI_EX_USAGE).
 */
int summary_as_of(struct summary_opts *o, const char *as_of, time_t now, char *err,
    size_t errlen);

/* 1 when the facts' deal is closed and in the window. */
int summary_in_window(const struct summary_opts *o, const json_t *facts);

/* {"months":N,"from":"YYYY-MM-DD","to":"YYYY-MM-DD"} (from and to null without a window). */
json_t *summary_window(const struct summary_opts *o);

/* An aggregator fed one deal's facts at a time. */
typedef struct summary summary_t;

summary_t *summary_new(const struct summary_opts *o);
void summary_free(summary_t *s);
/* Adds a deal's facts (those outside the window only count as such). -1 on ENOMEM. */
int summary_add(summary_t *s, const json_t *facts);
int summary_add_fdeal(summary_t *s, const struct store_fdeal *d);
/*
 * The summary object: workspace, window, total_deals_enriched, last_run_at,
 * last_enriched_at, deals (with won_revenue, avg_won_deal), coverage,
 * findings, moved (empty here: summary_build fills it). last_run may be NULL.
 */
json_t *summary_result(summary_t *s, const char *workspace, const char *last_run);

/*
 * Sets summary's "moved": {"contacts": the rows (summary_moved), "newest":
 * the first top of them}. rows may be NULL (none). -1 on ENOMEM.
 */
int summary_set_moved(json_t *summary, const json_t *rows, size_t top);

/* The whole summary of ws from the db, with "moved". */
int summary_build(db_t *db, const char *ws, const struct summary_opts *o, json_t **out,
    int *dberr, char *err, size_t errlen);

/* A contact's "first last" (either alone when the other is blank) into out; "" for none. */
void summary_contact_name(const json_t *contact, char *out, size_t n);

/*
 * The champions and buyers who moved: every contact of ws's won deals
 * (closed_won, whatever the window: the move is what is new) with
 * job_changed true, as rows {workspace, deal_id, deal_name, close_date,
 * account, contact_id, name, email, buying_role, title, new_company,
 * new_domain, new_title, since} (flat, for a CRM import), newest first: by
 * since, then close_date, deal_id and contact_id, each descending, a row
 * without since last. *out is an array (empty without a db).
 */
int summary_moved(db_t *db, const char *ws, json_t **out, int *dberr, char *err,
    size_t errlen);

/* One row of the per-deal breakdown (enrich-summary --deals), from its facts. */
json_t *summary_deal_row(const json_t *facts);

/*
 * The buying committee of one deal (enrich-summary --deal): the deal, its
 * account with firmographics, its contacts with role, confidence, source,
 * seniority, department and tenure, and the account's signals. Returns 0,
 * 1 when the store has no such deal, -1 on error.
 */
int summary_committee(db_t *db, const char *ws, const char *deal_id, json_t **out,
    int *dberr, char *err, size_t errlen);

/*
 * enrich-status's view of the cache: the whole cache table's entries and the
 * db's bytes, and for each provider (apollo, serper, linkedin, deepseek) the
 * workspace's entries, the oldest and newest fetched_at and how many are
 * older than cache_days at now. db may be NULL (no db yet): every count is 0.
 */
int summary_cache(db_t *db, const char *ws, time_t now, long cache_days, json_t **out,
    int *dberr, char *err, size_t errlen);

/* ---- text rendering (--format table), at most 80 columns ---- */

/* The display width of UTF-8 text (East Asian wide characters count 2). */
size_t summary_width(const char *s);
/*
 * Appends s cut to width columns (an ellipsis ends a cut text), control
 * characters shown as '?', padded with spaces to width when pad is 1.
 */
int summary_cell(buf_t *out, const char *s, size_t width, int pad);
int summary_table(const json_t *summary, buf_t *out);
int summary_table_deals_header(buf_t *out);
int summary_table_deal_row(const json_t *row, buf_t *out);
int summary_table_committee(const json_t *committee, buf_t *out);

/*
 * The summary as one self-contained HTML page (lib/html.h): coverage bars,
 * each finding's win rates with their intervals against the base rate, the
 * champions and buyers who moved. 0, or -1 when out cannot grow.
 */
int summary_html(const json_t *summary, buf_t *out);

#endif
