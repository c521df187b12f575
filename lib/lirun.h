/*
 * lirun: the engine of linkedin-enrich. It takes a window of deal records,
 * finds the contacts to ask LinkedIn about (lib/linkedin.h: by default those
 * Apollo gave no data for, with a profile URL), asks for each distinct
 * profile once (the cache first, then a claim, then the API), and writes each
 * such contact's fields; records leave in input order.
 *
 *   lirun_new(&opts, &r, ...);
 *   for (;;) {
 *       while (!lirun_full(r) && <a record was read>) lirun_add(r, rec);
 *       lirun_process(r, ...);                  // the network, for the window
 *       while ((rec = lirun_next(r)) != NULL) <write rec>, json_free(rec);
 *   }
 *   lirun_stats(r, &st);  lirun_free(r);
 *
 * The same life cycle and phase names as lib/sigrun.h (lib/stage.h's
 * STAGE_PHASES); lirun_dry_report says per workspace its calls and budget. Memory is bounded by
 * the window, plus for --dry-run the profile URLs counted (to count each once).
 *
 * Per workspace (the record's workspace_id, else opts.workspace, else
 * "default"): the key (linkedin_rapidapi_key, else RAPIDAPI_KEY), cache_days,
 * the monthly budget (linkedin_monthly_budget) are loaded once. No key marks
 * its wanted contacts "skipped" (one notice). Answers stop the workspace's
 * calls for the run: a 403/401 (key refused: "error"), the monthly quota,
 * 402 credits out, 429 after the retries, the budget ("quota_exhausted"),
 * and opts.max_failures unavailable answers in a row ("error").
 *
 * Every answer (a profile, "not found") is cached as soon as it arrives,
 * before the claim on it goes; every call is counted in the usage ledger.
 *
 * lib/ never prints: notices go to opts.notice (may be NULL), one line each,
 * without the program name or a newline, never holding a key.
 */
#ifndef DE_LIRUN_H
#define DE_LIRUN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "stage.h"
#include "linkedin.h"

#define LIRUN_WINDOW_DEFAULT 200

/* lib/stage.h's codes: LIRUN_OK, _ENOMEM, _ECONFIG (exit 78), _EIO (exit 74), _EHTTP. */
STAGE_CODES(LIRUN);

struct lirun_opts {
	db_t *db;                    /* required */
	const char *workspace;       /* --workspace, or NULL */
	const char *base;            /* LINKEDIN_BASE_DEFAULT or LINKEDIN_BASE_URL */
	struct http_opts http;
	enum linkedin_select select;
	const char *cache_days_flag; /* --cache-days, or NULL */
	const char *budget_flag;     /* --budget (calls a month), or NULL */
	size_t window;               /* records per window (0: LIRUN_WINDOW_DEFAULT) */
	int max_failures;            /* unavailable answers in a row that stop a workspace (0: 3) */
	int dry_run;                 /* no calls; wanted contacts marked "dry_run" */
	int refresh;                 /* ask again even when the cache has the answer */
	int verbose;
	time_t now;                  /* 0: the clock (tests fix it) */
	void (*notice)(void *ctx, const char *msg);
	void *notice_ctx;
};

struct lirun_stats {
	unsigned long records;
	unsigned long contacts;        /* contacts seen */
	unsigned long wanted;          /* of those, selected (opts.select) */
	unsigned long profiles;        /* distinct profiles per window, summed */
	unsigned long cache_hits;      /* profiles answered from the cache */
	unsigned long calls;           /* requests that got a final answer (or none) */
	unsigned long calls_ok;        /* a profile or "not found" */
	unsigned long unavailable;     /* no answer, 5xx, bad bodies */
	unsigned long rate_limited;    /* 429 to the last retry */
	unsigned long old_path;        /* calls made on LINKEDIN_PATH_OLD */
	double credits;
	/* contacts by status */
	unsigned long enriched, not_found, mismatch, skipped, errors, quota, dry;
	int refused;                   /* a key was refused (403/401) */
	int db_failed;                 /* a cache or ledger write failed: stop with exit 74 */
	unsigned long would_call;      /* --dry-run: distinct profiles not in the cache */
};

/* The run's handle and functions (lib/stage.h says what each returns). */
STAGE_ENGINE(lirun);

#endif
