/*
 * sigrun_int: what the parts of lib/sigrun share and nothing else includes:
 * the run's state (sigrun.c: workspaces, the life cycle, intake, the dry run,
 * the records out; sigrun_search.c: the cache of search results, the claims
 * and the searches; sigrun_classify.c: merging the results and classifying
 * them, DeepSeek in batches or the rules).
 */
#ifndef DE_SIGRUN_INT_H
#define DE_SIGRUN_INT_H

#include "sigrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "cache.h"
#include "claim.h"
#include "llm.h"
#include "signals.h"
#include "stage.h"
#include "u64set.h"
#include "window.h"

/* Bumped when the prompt or the answer's handling changes: old answers are then not reused. */
#define PROMPT_VERSION "signals-v1"
#define MAX_MERGED 50       /* results kept per account across its queries */
#define MAX_CACHED_QUERIES 32

enum { A_NEW, A_OK, A_ERROR, A_QUOTA, A_DRY };
enum { Q_NEED, Q_CACHED, Q_FETCHED, Q_FAILED };

/* A workspace's run: its settings (lib/workspace.h), and what this run keeps of it. */
struct wsrun {
	struct stage_ws s;             /* its settings and stop state (lib/stage.h) */
	const char *serper_key;
	struct budget *sb, *lb;        /* Serper credits, DeepSeek tokens: the workspace's */
	struct llm_config llm;
	int use_llm;
	int said_nokey, said_lfail;
	/* --dry-run */
	unsigned long d_accounts, d_cached, d_search, d_calls, d_pending_llm;
	double d_credits;
	struct budget_need need;       /* the accounts' searches against the Serper budget */
};

struct qslot {
	char *q, *qid;
	json_t *items;
	time_t fetched;
	int state;
	int this_run;                  /* fetched by this run (opts.run_id), here or elsewhere */
};

struct acct {
	struct acct *next;
	struct wsrun *ws;
	char *wkey;                    /* ws + 0x1f + key: the window's key */
	char *key, *company, *domain;
	int state;
	char err[256];
	json_t *entry;                 /* the cache entry as read */
	struct qslot q[SIGRUN_MAX_QUERIES];
	int pending;
	int fresh;
	int claimed;                   /* this process holds the claim to search it */
	int held;                      /* another process is searching it: wait */
	int reread;                    /* read the cache even with --refresh: answered meanwhile */
	json_t *items;
	unsigned long dropped;         /* results about another company, or a corrected query */
	json_t *result;
	const char *classifier;
	int cached;
	time_t fetched_at;
	int llm_tries;
	json_t *llm_input;
	char *llm_key;
	int llm_claimed;               /* this process holds the claim to classify it */
	int llm_tried;                 /* its claim was tried while the searches went on */
	int queued;                    /* in a DeepSeek batch of this window */
};

struct rec {
	json_t *rec;
	struct acct *a;
	const char *skip;              /* static reason, for "skipped" */
	int untouched;                 /* no account object: passed through as is */
	int done;
};

struct job {
	sigrun_t *r;
	struct acct *a;
	int qi;
};

/* A Serper request under way: one query, or a batch of them, all of one workspace. */
struct sreq {
	sigrun_t *r;
	struct wsrun *w;
	size_t n;                  /* 0: the slot is free */
	struct job *jobs[SERPER_BATCH_MAX];
};

struct batch {
	sigrun_t *r;
	struct wsrun *ws;
	size_t n;
	struct acct **a;
};

struct sigrun {
	struct sigrun_opts o;
	struct stage s;
	window_t *w;
	http_client_t *shttp, *lhttp;
	llm_t *llm;
	struct stage_ws *wss;
	struct acct *accts, *accts_tail;
	size_t nrecs;
	time_t now, start;
	struct sigrun_stats st;
	int said_nows, said_badws;
	int nomem;
	/* searches of the window */
	struct job *jobs;
	size_t njobs, next_job;
	struct job **redo;         /* the queries of a refused batch, to send one by one */
	size_t nredo, next_redo;
	int no_batch;              /* Serper refused a batch: one query a request from now on */
	struct sreq *sreqs;        /* the requests that may be under way (max_in_flight) */
	int out_s;
	int fail_streak;           /* searches in a row that found Serper unavailable */
	char down_reason[256];     /* set when fail_streak reached max_failures */
	/* DeepSeek batches of the window */
	struct batch **batches;
	size_t nbatches, abatches, next_batch;
	int out_l;
	int no_overlap;            /* a claim failed while searching: sigrun_classify says why */
	u64set_t seen;                 /* --dry-run: accounts counted so far (hash of ws + key) */
};

#define say(r, ...) stage_say(&(r)->s, __VA_ARGS__)
#define WSRUN(sw) ((struct wsrun *)(sw))

/* sigrun_search.c */
/* Reads the account's cache entry: which of its queries are fresh there. */
int sigrun_lookup(sigrun_t *r, struct acct *a, char *err, size_t errlen);
/* Searches what the window needs, waiting for what other processes search. */
int sigrun_search(sigrun_t *r, char *err, size_t errlen);
/* Lets others search the account: after its answer is in the cache. */
void sigrun_release(sigrun_t *r, struct acct *a);

/* sigrun_classify.c */
/* The account's results across its queries, in query order, each link once: 0 or -1. */
int sigrun_merge(sigrun_t *r, struct acct *a);
/* Classifies the window's accounts (the cache, DeepSeek in batches, the rules). */
int sigrun_classify(sigrun_t *r, char *err, size_t errlen);
/*
 * While the searches go on: classifies the accounts whose searches are over
 * and sends DeepSeek the batches that are complete (those sigrun_classify
 * would make of the same accounts, in the same order), so that the window's
 * classification overlaps its next searches. Errors are left for
 * sigrun_classify to meet again.
 */
void sigrun_classify_ready(sigrun_t *r);
void sigrun_by_rules(sigrun_t *r, struct acct *a);
/* 1 when a DeepSeek answer for the account is cached (take: a->result set), 0 when not, -1 on error. */
int sigrun_llm_cached(sigrun_t *r, struct acct *a, int take);
/* Lets others classify the account: after its answer is in the cache. */
void sigrun_llm_release(sigrun_t *r, struct acct *a);

#endif
