/*
 * apollo_run: the engine of apollo-enrich (DESIGN §3, §4, §6; CONTRACTS §1).
 *
 * Records enter a bounded read-ahead window (lib/window.h) as their text,
 * never parsed into a tree. Each contact with an email is answered from the
 * memo or the cache, or joins the queue of emails to ask for; an email wanted
 * by several records of the window is queued once. When the oldest record
 * still waits, one bulk call asks for up to 10 queued emails of its workspace
 * (claimed first, lib/claim.h, so that processes sharing the db never pay
 * twice), the answers are committed to the cache as they arrive, the call is
 * counted in the ledger and the budget, and every record whose answers are all
 * in leaves, in input order, with every byte the engine does not own as it
 * came.
 *
 * The life cycle, as lib/sigrun.h's:
 *
 *   apollo_run_new(&opts, &r, ...);
 *   for (;;) {
 *       while (!apollo_run_full(r) && <a line was read>) apollo_run_add(r, ...);
 *       rc = apollo_run_process(r, eof);   // records out through opts.write; calls
 *       if (rc != 0) break;                // 1: all done; -1: fatal (said)
 *   }
 *   apollo_run_finish(r);                  // what is gathered goes out; the report
 *   apollo_run_stats(r, &st);  apollo_run_free(r);
 *
 * The engine never prints: lines for stderr go to opts.notice (and raw text:
 * the progress line, --stats-json, to opts.text), records out to opts.write.
 */
#ifndef DE_APOLLO_RUN_H
#define DE_APOLLO_RUN_H

#include <stddef.h>
#include "http.h"
#include "jspan.h"

#define APOLLO_RUN_WINDOW 100   /* records read ahead at least, by default */

struct apollo_run_opts {
	/* Timeouts, retries and backoffs (lib/cli_http.h); the engine sets the rest. */
	struct http_opts http;
	long delay_ms, window, batch, max_pause_ms, max_failures;
	long concurrency;              /* calls in flight at most (0: 1) */
	/* window: records read ahead; 0: APOLLO_RUN_WINDOW, or 2 x concurrency x batch if more */
	int delay_given;               /* delay_ms is a floor after Apollo's headers too */
	const char *cache_days_text;   /* --cache-days, or NULL */
	const char *budget_text;       /* --budget, or NULL */
	const char *workspace;         /* --workspace, or NULL: each record's workspace_id */
	const char *url;               /* people/bulk_match's URL */
	const char *dbdir;
	int dry_run, refresh, stats_json, quiet, verbose, unbuffered, progress;
	void (*notice)(void *ctx, const char *msg);   /* one line, no newline */
	void (*text)(void *ctx, const char *s);       /* raw text for stderr */
	/* Records out. Return 0, or -1 with errno set: nothing more is written. */
	int (*write)(void *ctx, const char *p, size_t n);
	int (*flush)(void *ctx);
	void *ctx;
};

/* What decides the exit status. */
struct apollo_run_stats {
	unsigned long long records, contacts, calls, calls_ok, calls_unavail;
	unsigned long long n_enriched, n_not_found, n_error, n_skipped, n_quota, n_dry;
	int io_error;       /* the db, the output, memory */
	int conf_error;     /* a workspace unusable */
	int rate_limited;   /* Apollo's rate limit stopped calls */
	int quota;          /* a budget stopped calls */
};

typedef struct apollo_run apollo_run_t;

/* Returns 0, or -1 when memory runs out (err set). */
int apollo_run_new(const struct apollo_run_opts *o, apollo_run_t **out, char *err,
    size_t errlen);
void apollo_run_free(apollo_run_t *r);

/* 1 when the window holds as many records as it may. */
int apollo_run_full(const apollo_run_t *r);
/*
 * Takes a record: its validated text (copied), its root and the reader's index
 * of it (ndj_text_index; copied). Returns 0, or -1 when fatal (said).
 */
int apollo_run_add(apollo_run_t *r, const char *text, size_t len, jspan_t root,
    const jspan_index_t *ix);
/*
 * Writes the records that are ready, and makes one call when the window is
 * full (or eof) and its oldest record waits. Returns 0 (read more), 1 (eof and
 * every record written) or -1 when fatal (said).
 */
int apollo_run_process(apollo_run_t *r, int eof);
/* Writes what is gathered (whatever stopped the run, unless writing failed) and the report. */
void apollo_run_finish(apollo_run_t *r);
void apollo_run_stats(const apollo_run_t *r, struct apollo_run_stats *out);

#endif
