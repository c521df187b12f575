/*
 * sigrun: the engine of serper-signals. It takes a window of deal records,
 * finds each distinct account's news once (the cache first, then Serper),
 * classifies it (DeepSeek in batches, or the rules), and writes
 * account.signals on every record, which then leave in input order.
 *
 *   sigrun_new(&opts, &r, ...);
 *   for (;;) {
 *       while (!sigrun_full(r) && <a record was read>) sigrun_add(r, rec);
 *       sigrun_process(r, ...);                 // the network, for the window
 *       while ((rec = sigrun_next(r)) != NULL) <write rec>, json_free(rec);
 *   }
 *   sigrun_stats(r, &st);  sigrun_free(r);
 *
 * (lib/cli_stage.h's loop, through sigrun_stage). sigrun_process does the
 * lookups, searches and classification, and sets account.signals on every
 * record; sigrun_dry_report says per workspace its cost and budget, and a
 * total.
 *
 * Memory is bounded by the window (opts.window records) plus, for --dry-run
 * only, 8 bytes per distinct account (to count each once across windows).
 *
 * Per workspace (the record's workspace_id, or opts.workspace): its conf
 * (keys, cache_days, budgets) is loaded once; no Serper key marks its records
 * "skipped" (one notice); a 403 or "Not enough credits" stops its searches
 * for the rest of the run; DeepSeek's 402, 401/403 or 400 switch it to the
 * rules (one notice each).
 *
 * lib/ never prints: notices go to opts.notice (may be NULL), one line each,
 * without the program name or a newline, never holding a key.
 */
#ifndef DE_SIGRUN_H
#define DE_SIGRUN_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "stage.h"
#include "serper.h"

#define SIGRUN_MAX_QUERIES 16
#define SIGRUN_WINDOW_DEFAULT 200
#define SIGRUN_BATCH_DEFAULT 10
#define SIGRUN_MAX_FAILURES_DEFAULT 3

enum sigrun_classifier {
	SIGRUN_AUTO = 0,   /* DeepSeek when the workspace has a key, else the rules */
	SIGRUN_RULES = 1,  /* the rules only */
	SIGRUN_LLM = 2     /* DeepSeek; a workspace without a key is a configuration error */
};

/* lib/stage.h's codes: SIGRUN_OK, _ENOMEM, _ECONFIG (exit 78), _EIO (exit 74), _EHTTP. */
STAGE_CODES(SIGRUN);

struct sigrun_opts {
	db_t *db;                          /* required */
	const char *workspace;             /* --workspace, or NULL */
	const struct serper_query *queries;   /* 1..SIGRUN_MAX_QUERIES */
	size_t nqueries;
	struct serper_params params;
	const char *serper_base;           /* "https://google.serper.dev" or SERPER_BASE_URL */
	struct http_opts serper_http;      /* max_in_flight 5, min_interval_ms 200 by default */
	int search_batch;                  /* queries a Serper request may carry (the batch
	                                      endpoint, 1-SERPER_BATCH_MAX; 0: the most; 1: one
	                                      a request). Those due at once are spread over the
	                                      requests that may be in flight; a refused batch
	                                      sends its queries one a request, and so does the
	                                      rest of the run */
	struct http_opts llm_http;         /* llm_http_opts() */
	enum sigrun_classifier classifier;
	const char *model_flag;            /* --model, or NULL */
	int batch;                         /* accounts per DeepSeek call (1-50; 0: 10) */
	int max_failures;                  /* Serper requests in a row that find it unavailable
	                                      (5xx, timeouts, no answer, after retries) after
	                                      which the run sends no more; 0:
	                                      SIGRUN_MAX_FAILURES_DEFAULT. While a streak lasts
	                                      one request of one query is in flight, so an
	                                      outage costs at most max(max_failures,
	                                      max_in_flight) requests, the first ones batches */
	const char *cache_days_flag;       /* --cache-days, or NULL */
	const char *budget_flag;           /* --budget (Serper credits a month), or NULL */
	size_t window;                     /* records per window (0: SIGRUN_WINDOW_DEFAULT) */
	int dry_run;                       /* no calls; records marked "dry_run" */
	int refresh;                       /* ignore cached search results */
	const char *run_id;                /* --run-id, or NULL: the pipeline's run. Results it
	                                      fetched are cached tagged with it, and results so
	                                      tagged count as fetched by this run ("cached":
	                                      false), whichever of its processes fetched them */
	int verbose;                       /* notices for each account */
	time_t now;                        /* 0: the clock (tests fix it) */
	void (*notice)(void *ctx, const char *msg);
	void *notice_ctx;
};

struct sigrun_stats {
	unsigned long records;        /* records that went through */
	unsigned long accounts;       /* distinct accounts per window, summed (dry run: per run) */
	unsigned long cache_hits;     /* accounts whose results all came from the cache */
	unsigned long searches;       /* queries that got a final answer */
	unsigned long searches_ok;
	unsigned long searches_unavailable;   /* 5xx, 429, timeouts, bad bodies */
	unsigned long searches_rate_limited;   /* of those, 429 to the last retry */
	double credits;               /* Serper credits the answers reported */
	unsigned long requests;       /* Serper HTTP requests that ended (retries are one) */
	unsigned long batches;        /* of those, batches that were not refused */
	unsigned long llm_calls;      /* DeepSeek HTTP calls */
	unsigned long llm_cached;     /* accounts classified from the DeepSeek cache */
	long long llm_tokens;
	unsigned long by_llm, by_rules;   /* accounts classified by each */
	unsigned long enriched, not_found, skipped, errors, quota, dry;   /* records by status */
	int auth_failed;              /* Serper refused a key (403) */
	int gave_up;                  /* max_failures searches in a row failed: the rest of
	                                 the run's accounts are marked error, unsent */
	int db_failed;                /* a cache or ledger write failed: the program writes the
	                                 window, then stops with exit 74 */
	/* --dry-run: what the run would do */
	unsigned long would_search, would_classify_calls;
	double would_credits;
	long least_ms;                /* the least time the pacing allows for would_search, in
	                                 requests of opts.search_batch queries */
};

/* The run's handle and functions (lib/stage.h says what each returns). */
STAGE_ENGINE(sigrun);

#endif
