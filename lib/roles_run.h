/*
 * roles_run: role-resolve's engine: each record resolved by lib/roles.h, and,
 * with the LLM layer on, the contacts no rule placed asked about in batches to
 * DeepSeek (lib/llm.h), with the records held back meanwhile so that they
 * leave in input order. lib/cli_stage.h runs it (roles_run_stage).
 *
 * The LLM layer: a contact without a role that has something to ask about
 * (roles_llm_wanted) becomes a question made of its facts only (title,
 * current title, seniority, departments, unknown CRM label: never a name or an
 * email). Contacts with the same facts share one question. Each question's
 * answer is cached under provider "deepseek", key "roles:" + llm_hash(model,
 * system prompt, facts), for cache_days (default 90): a rerun asks nothing it
 * asked before. Questions go batch at a time (default 20) in one chat call;
 * the answers are applied with source "llm" (0.60), never over a stronger
 * role. A workspace without a DeepSeek key says so once and keeps the rules'
 * answers. 401/402 stop the calls for that workspace, and so does the monthly
 * budget (deepseek_monthly_budget, in tokens). A contact that was to be asked
 * about and got no answer (the call failed, the calls stopped, the answer
 * skipped it) gets "role_error": "DeepSeek: <why>"; nothing is cached for it,
 * so the next run asks again. role_error goes when a contact is asked again
 * or has a role.
 *
 * Memory is bounded: at most `hold` records wait for answers (then the
 * questions go out), and the in-stream cross-deal memory is capped
 * (struct roles_opts.stream_cap).
 */
#ifndef DE_ROLES_RUN_H
#define DE_ROLES_RUN_H

#include <stddef.h>
#include <time.h>
#include "db.h"
#include "http.h"
#include "json.h"
#include "roles.h"
#include "stage.h"

/* lib/stage.h's codes. */
enum {
	ROLES_RUN_OK = STAGE_OK,
	ROLES_RUN_ENOMEM = STAGE_ENOMEM,
	ROLES_RUN_EIO = STAGE_EIO,          /* the db, or emit() failed */
	ROLES_RUN_ECONFIG = STAGE_ECONFIG   /* a workspace's file or settings are unusable */
};

struct roles_run_opts {
	db_t *db;               /* the store and cache; NULL: neither (no --llm cache either) */
	int use_store;          /* read the cross-deal index from db */
	size_t stream_cap;      /* see roles.h; ROLES_STREAM_CAP_DEFAULT */
	const char *workspace;  /* --workspace, or NULL: each record's workspace_id */
	int llm;                /* ask DeepSeek about contacts no rule placed */
	int dry_run;            /* with llm: ask nothing, count what would be asked */
	const char *model_flag; /* --model, or NULL */
	const char *cache_days_flag;   /* --cache-days, or NULL */
	size_t batch;           /* questions per call; 0: 20 */
	const struct http_opts *llm_http;   /* DeepSeek's timeout and retries (kept, not
	                                       copied); NULL: llm_http_opts() */
	size_t hold;            /* records held at most; 0: 200 */
	int verbose;
	time_t now;             /* 0: time(NULL) */
	/* A notice for stderr (one line, no newline); may be NULL. */
	void (*notice)(void *ctx, const char *msg);
	void *notice_ctx;
};

struct roles_run_stats {
	unsigned long llm_wanted;     /* contacts without a role that could be asked about */
	unsigned long llm_questions;  /* distinct questions sent */
	unsigned long llm_calls;      /* chat calls made (retries of blank answers included) */
	long long llm_tokens;
	unsigned long llm_cached;     /* contacts answered from the cache */
	unsigned long llm_placed;     /* contacts given a role by the LLM (cache included) */
	unsigned long llm_failed;     /* calls that failed */
	unsigned long dry_questions;  /* --dry-run: questions that would be asked */
	unsigned long dry_calls;      /* --dry-run: calls that would be made */
	int budget_reached;           /* a workspace's deepseek budget stopped the calls */
	int db_error;                 /* the cache or the ledger could not be written */
};

typedef struct roles_run roles_run_t;

/*
 * The life cycle is lib/sigrun.h's: new, workspace, then until the input
 * ends: add records until full, process, next until NULL; then stats, free.
 * Records leave in input order.
 */

/* ROLES_RUN_OK and *out, or ROLES_RUN_ENOMEM (a title rule that does not
 * compile included) with err set. */
int roles_run_new(const struct roles_run_opts *o, roles_run_t **out, char *err, size_t errlen);
void roles_run_free(roles_run_t *r);
/* The resolver, to add CRM labels and deal fields before the first record. */
roles_t *roles_run_roles(roles_run_t *r);

/* --workspace ahead of the first record (with --llm its DeepSeek settings):
 * ROLES_RUN_OK, or ROLES_RUN_ECONFIG (or ENOMEM, EIO) with err set. */
int roles_run_workspace(roles_run_t *r, const char *ws, char *err, size_t errlen);

/* 1 when process must run before the next add: the held records or the
 * pending questions are at their cap, or a record's workspace failed. */
int roles_run_full(const roles_run_t *r);

/*
 * Takes rec (owned by the run from now on, even on failure): resolves it by
 * the rules and, with the LLM layer, turns its contacts no rule placed into
 * questions; holds it until process. Returns ROLES_RUN_OK or
 * ROLES_RUN_ENOMEM. A failure to read the store is not fatal: the run goes on
 * without the store, stats db_error is set and a notice says why. A record
 * whose workspace cannot be opened is held, and process reports it.
 */
int roles_run_add(roles_run_t *r, json_t *rec);

/*
 * Asks DeepSeek the pending questions (batch at a time, answers cached) and
 * readies every held record. ROLES_RUN_OK, or an error with err set: a
 * record's workspace (ROLES_RUN_ECONFIG...) or memory. A failed call is not
 * an error: its contacts get role_error and stats llm_failed counts it.
 */
int roles_run_process(roles_run_t *r, char *err, size_t errlen);

/* The next ready record in input order (the caller frees it), or NULL. */
json_t *roles_run_next(roles_run_t *r);

/* With --llm --dry-run: the line saying what would be asked, into out.
 * 0, or -1 when memory runs out. */
int roles_run_dry_report(const roles_run_t *r, buf_t *out);

/* The phases for lib/cli_stage.h's loop (its progress is NULL: none). */
extern const struct stage_ops roles_run_stage;

const struct roles_run_stats *roles_run_stats(const roles_run_t *r);

/*
 * A --crm-label / --deal-field mapping "NAME=ROLE" (ROLE a role's name or
 * "none"): *label (free it) and *role (ROLES_NONE for none). Returns 0, or -1
 * with err saying why (memory included).
 */
int roles_run_parse_map(const char *arg, char **label, int *role, char *err, size_t errlen);

#endif
