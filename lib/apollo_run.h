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
 * The life cycle and the phase names of lib/sigrun.h and lib/lirun.h; records
 * are text here, for speed (a record in, its line; records out, lines):
 *
 *   apollo_run_new(&opts, &r, ...);
 *   apollo_run_workspace(r, ...);          // --workspace, ahead of the records
 *   for (;;) {
 *       while (!apollo_run_full(r) && <a line was read>) apollo_run_add(r, ...);
 *       rc = apollo_run_process(r, eof);   // the calls; what is answered is made ready
 *       while ((p = apollo_run_next(r, &n)) != NULL) <write p[0..n)>, <flush>;
 *       if (rc != APOLLO_RUN_OK) break;    // DONE: all out; < 0: stopped (said)
 *   }
 *   apollo_run_finish(r);                  // the report; what is gathered is ready
 *   while ((p = apollo_run_next(r, &n)) != NULL) <write p[0..n)>;
 *   apollo_run_stats(r, &st);  apollo_run_free(r);
 *
 * Workspaces, budgets, stops, the cache, claims and the ledger go through
 * lib/stage.h; Apollo's request, answer and fields are lib/apollo.h's. The
 * engine never prints: lines for stderr go to opts.notice (and raw text: the
 * progress line, --stats-json, to opts.text).
 */
#ifndef DE_APOLLO_RUN_H
#define DE_APOLLO_RUN_H

#include <stddef.h>
#include "http.h"
#include "jspan.h"
#include "stage.h"

#define APOLLO_RUN_WINDOW 100   /* records read ahead at least, by default */

/* lib/stage.h's codes, and the end of the input's records. */
enum {
	APOLLO_RUN_OK = STAGE_OK,
	APOLLO_RUN_ENOMEM = STAGE_ENOMEM,
	APOLLO_RUN_EIO = STAGE_EIO,       /* the db failed, or a record out passes 1 GiB */
	APOLLO_RUN_EHTTP = STAGE_EHTTP,   /* libcurl could not run */
	APOLLO_RUN_DONE = 1               /* process: eof, and every record is ready */
};

struct apollo_run_opts {
	/* Timeouts, retries and backoffs (lib/cli_http.h); the engine sets the rest. */
	struct http_opts http;
	long delay_ms, window, batch, max_pause_ms, max_failures;
	long concurrency;              /* calls in flight at most (0: 1) */
	/* window: records read ahead; 0: APOLLO_RUN_WINDOW, or 2 x concurrency x batch if more */
	int delay_given;               /* delay_ms is a floor after Apollo's headers too */
	const char *cache_days_flag;   /* --cache-days, or NULL */
	const char *budget_flag;       /* --budget (credits a month), or NULL */
	const char *workspace;         /* --workspace, or NULL: each record's workspace_id */
	const char *url;               /* people/bulk_match's URL */
	const char *dbdir;
	int dry_run, refresh, stats_json, quiet, verbose, unbuffered, progress;
	void (*notice)(void *ctx, const char *msg);   /* one line, no newline */
	void (*text)(void *ctx, const char *s);       /* raw text for stderr */
	void *notice_ctx;                             /* for both */
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

/* Returns APOLLO_RUN_OK, or APOLLO_RUN_ENOMEM (err set). */
int apollo_run_new(const struct apollo_run_opts *o, apollo_run_t **out, char *err,
    size_t errlen);
void apollo_run_free(apollo_run_t *r);

/*
 * Opens a workspace ahead of the first record (--workspace). A workspace that
 * cannot be used is said, and its contacts go out marked error, as for a
 * record's own workspace: the run goes on. Returns APOLLO_RUN_OK, or
 * APOLLO_RUN_ENOMEM (said).
 */
int apollo_run_workspace(apollo_run_t *r, const char *ws);

/* 1 when the window holds as many records as it may. */
int apollo_run_full(const apollo_run_t *r);
/*
 * Takes a record: its validated text (copied), its root and the reader's index
 * of it (ndj_text_index; copied). Returns APOLLO_RUN_OK, or APOLLO_RUN_ENOMEM /
 * APOLLO_RUN_EIO when the run must stop (said).
 */
int apollo_run_add(apollo_run_t *r, const char *text, size_t len, jspan_t root,
    const jspan_index_t *ix);
/*
 * Makes the calls the window needs, and makes ready the records whose answers
 * are in, in input order. Returns when records are ready to go out (take them
 * with apollo_run_next before anything else), when more records may be read,
 * or before waiting on the network with records gathered: APOLLO_RUN_OK;
 * APOLLO_RUN_DONE at eof once every record is ready; a negative
 * APOLLO_RUN_* when the run must stop (said; what is ready still goes out).
 */
int apollo_run_process(apollo_run_t *r, int eof);
/*
 * The records ready to go out: whole lines, at least one, as text of *len
 * bytes, valid until the next call of the engine; NULL when none is due yet
 * (they are gathered into large pieces, unless opts.unbuffered).
 */
const char *apollo_run_next(apollo_run_t *r, size_t *len);
/* The report on stderr; whatever is gathered becomes ready (apollo_run_next). */
void apollo_run_finish(apollo_run_t *r);
void apollo_run_stats(const apollo_run_t *r, struct apollo_run_stats *out);

#endif
