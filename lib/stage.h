/*
 * stage: what every provider stage's engine (lib/sigrun, lib/lirun,
 * lib/roles_run, lib/apollo_run) does the same way, written once, so that an
 * engine holds only its provider's request, answer and fields, and its
 * schedule.
 *
 * - The result codes every engine returns (SIGRUN_*, LIRUN_*, ROLES_RUN_* are
 *   these), and the map from lib/workspace.h's.
 * - Notices: one line each, without the program name or a newline, through the
 *   program's callback (lib/ never prints); never a key.
 * - The workspaces a run meets: opened once each (lib/workspace.h) into an
 *   engine's own record, which begins with a struct stage_ws.
 * - The life of a paid answer: stage_budget_check before the call,
 *   stage_ledger after it, stage_cache_put as soon as it arrives, then
 *   stage_release (the claim of lib/claim.h goes after the answer is in the
 *   cache). A db write that fails is counted in db_failed (the first one is
 *   said); the program writes what it holds and stops with exit 74.
 * - Stopping a provider for a workspace (workspace_stop), said once.
 *
 * Ownership: struct stage borrows the db; the callers own every string.
 */
#ifndef DE_STAGE_H
#define DE_STAGE_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "db.h"
#include "json.h"
#include "ledger.h"
#include "workspace.h"

enum {
	STAGE_OK = 0,
	STAGE_ENOMEM = -1,
	STAGE_ECONFIG = -2,   /* a workspace file or setting is wrong: exit 78 */
	STAGE_EIO = -3,       /* the db (or the output) failed: exit 74 */
	STAGE_EHTTP = -4      /* libcurl could not run */
};

/* What the parts of an engine share: the db and where notices go. */
struct stage {
	db_t *db;
	void (*notice)(void *ctx, const char *msg);   /* may be NULL: notices are dropped */
	void *notice_ctx;
	unsigned long db_failed;   /* cache, claim and ledger writes that failed */
};

/* A notice (printf format), cut as str_vnotify cuts it. */
void stage_say(const struct stage *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* WORKSPACE_* to STAGE_*. */
int stage_code(int workspace_rc);

/*
 * The name a program's --workspace gives: STAGE_OK, or STAGE_ECONFIG with err
 * saying which names are usable.
 */
int stage_workspace_name(const char *name, char *err, size_t errlen);

/* The head of an engine's record of one workspace (its first member). */
struct stage_ws {
	struct stage_ws *next;
	workspace_t *ws;
	const char *name;          /* the workspace's */
	long ttl;                  /* cache_days in seconds */
};

/* The workspace named name in list, or NULL. */
struct stage_ws *stage_ws_find(struct stage_ws *list, const char *name);
/*
 * Opens workspace name into a zeroed record of size bytes (at least
 * sizeof(struct stage_ws)), not yet in a list: the engine sets its own part,
 * then stage_ws_link() it, or stage_ws_free() it. Returns STAGE_OK,
 * STAGE_ENOMEM or STAGE_ECONFIG with err set.
 */
int stage_ws_open(const char *name, const char *cache_days_flag, size_t size,
    struct stage_ws **out, char *err, size_t errlen);
void stage_ws_link(struct stage_ws **list, struct stage_ws *w);
void stage_ws_free(struct stage_ws *w);
void stage_ws_free_all(struct stage_ws **list);

/*
 * Whether p may still be called for the workspace: when it is calling but its
 * monthly budget has no credit left for one call, stops it (WS_QUOTA_REACHED,
 * the reason "<provider>_monthly_budget reached (USED of BUDGET <unit> used
 * this month)") and says "workspace NAME: REASON: <then>". 1: call; 0: not.
 */
int stage_budget_check(struct stage *s, workspace_t *ws, enum workspace_provider p,
    const char *unit, const char *then);

/*
 * Reads again, for each workspace of list with a budget for p, what the
 * ledger says was used this month: other processes sharing the db (a
 * pipeline's background stage, another pipeline) spend from the same budget.
 * Call it with none of this process's calls to p in flight (their credit is
 * not in the ledger yet). Returns STAGE_OK, STAGE_ECONFIG or STAGE_EIO with
 * err set.
 */
int stage_budget_reread(struct stage_ws *list, enum workspace_provider p, db_t *db,
    const char *flag, time_t now, char *err, size_t errlen);

/*
 * Stops p for the workspace (the first reason stays, lib/workspace.h) and,
 * when it was still calling, says "workspace NAME: REASON: <then>".
 */
void stage_stop(struct stage *s, workspace_t *ws, enum workspace_provider p,
    enum workspace_stop why, const char *reason, const char *then);

/* Commits an answer to the cache. Returns 0, or -1 (counted, the first said). */
int stage_cache_put(struct stage *s, const char *provider, const char *ws, const char *key,
    const json_t *val, time_t now);
/*
 * Commits the n answers of one call (vals[i] under keys[i]) in one
 * transaction: one commit, one sync for the call. 0, or -1 (counted, the first
 * said; none is in the cache then).
 */
int stage_cache_put_all(struct stage *s, const char *provider, const char *ws,
    const char *const *keys, json_t *const *vals, size_t n, time_t now);
/* Counts a call in the month of now in the usage ledger. 0, or -1 (counted, the first said). */
int stage_ledger(struct stage *s, const char *ws, const char *provider, time_t now,
    const struct ledger_usage *u);
/*
 * Lets other processes ask for key (what: "an account", "a profile", for the
 * notice). 0, or -1 (counted, the first said).
 */
int stage_release(struct stage *s, const char *provider, const char *ws, const char *key,
    const char *what);
/* stage_release() of the n keys of one call, in one transaction. */
int stage_release_all(struct stage *s, const char *provider, const char *ws,
    const char *const *keys, size_t n, const char *what);

/*
 * The phases of an engine that takes records as trees, a window at a time
 * (lib/sigrun.h, lib/lirun.h), for a program's loop (lib/cli_stage.h). Each
 * engine defines one (sigrun_stage, lirun_stage); eng is its handle.
 */
struct stage_ops {
	int (*full)(const void *eng);                 /* the window holds all it may */
	int (*add)(void *eng, json_t *rec);           /* takes rec; STAGE_OK or STAGE_ENOMEM */
	int (*process)(void *eng, char *err, size_t errlen);   /* the window's calls */
	json_t *(*next)(void *eng);                   /* the next record out, or NULL */
	int (*db_failed)(const void *eng);            /* 1: the db could not be written */
	/* The progress line after a window ("N records, N calls"). */
	void (*progress)(const void *eng, char *line, size_t n);
	/* Opens --workspace ahead of the first record: STAGE_OK or an error, err set. */
	int (*workspace)(void *eng, const char *ws, char *err, size_t errlen);
	/* The --dry-run report (lines for stderr) into out: 0, or -1 (memory). */
	int (*dry_report)(const void *eng, buf_t *out);
};

/* An engine's names for the codes above: STAGE_CODES(SIGRUN) makes SIGRUN_OK ... SIGRUN_EHTTP. */
#define STAGE_CODES(P) \
	enum { P##_OK = STAGE_OK, P##_ENOMEM = STAGE_ENOMEM, P##_ECONFIG = STAGE_ECONFIG, \
	    P##_EIO = STAGE_EIO, P##_EHTTP = STAGE_EHTTP }

/*
 * What an engine of tree records exports under its prefix P, written once for
 * every such engine (lib/sigrun.h, lib/lirun.h: STAGE_ENGINE(sigrun) there
 * declares all of sigrun_t's functions). The engine's header defines struct
 * P_opts and struct P_stats; its handle is the opaque P_t (struct P).
 *
 *   P_new         a run of the options: STAGE_OK, or STAGE_ENOMEM /
 *                 STAGE_EHTTP (the HTTP client could not be set up), err set;
 *   P_free        frees it (NULL: nothing);
 *   P_stats       what the run did so far, into *out;
 *   P_workspace   opens a workspace ahead of the first record (the program does
 *                 it for --workspace, so that a bad file stops it before any
 *                 output): STAGE_OK, or STAGE_ECONFIG / STAGE_EIO, err set;
 *   P_full        1 when the window holds opts.window records;
 *   P_add         adds a record, taken over even on failure: STAGE_OK or
 *                 STAGE_ENOMEM;
 *   P_process     the window's work: STAGE_OK, or STAGE_ECONFIG / STAGE_EIO /
 *                 STAGE_ENOMEM / STAGE_EHTTP with err set (the program stops:
 *                 the window's records are not written);
 *   P_next        the next processed record, in input order (the caller's),
 *                 or NULL;
 *   P_dry_report  the --dry-run report, lines for stderr, into out: 0, or -1
 *                 (memory);
 *   P_stage       those phases as a struct stage_ops, for lib/cli_stage.h.
 */
#define STAGE_ENGINE(P) \
	typedef struct P P##_t; \
	int P##_new(const struct P##_opts *o, P##_t **out, char *err, size_t errlen); \
	void P##_free(P##_t *r); \
	void P##_stats(const P##_t *r, struct P##_stats *out); \
	int P##_workspace(P##_t *r, const char *ws, char *err, size_t errlen); \
	int P##_full(const P##_t *r); \
	int P##_add(P##_t *r, json_t *rec); \
	int P##_process(P##_t *r, char *err, size_t errlen); \
	json_t *P##_next(P##_t *r); \
	int P##_dry_report(const P##_t *r, buf_t *out); \
	extern const struct stage_ops P##_stage

/*
 * Defines P_stage in the engine's file from the phases above and its own
 * db_failed and progress functions (struct stage_ops' members of those names).
 */
#define STAGE_OPS_DEFINE(P, db_failed_fn, progress_fn) \
	static int P##_op_full(const void *r) { return P##_full(r); } \
	static int P##_op_add(void *r, json_t *rec) { return P##_add(r, rec); } \
	static int P##_op_process(void *r, char *err, size_t n) { return P##_process(r, err, n); } \
	static json_t *P##_op_next(void *r) { return P##_next(r); } \
	static int P##_op_workspace(void *r, const char *ws, char *err, size_t n) \
	{ return P##_workspace(r, ws, err, n); } \
	static int P##_op_dry_report(const void *r, buf_t *out) { return P##_dry_report(r, out); } \
	const struct stage_ops P##_stage = { P##_op_full, P##_op_add, P##_op_process, \
	    P##_op_next, db_failed_fn, progress_fn, P##_op_workspace, P##_op_dry_report }

/* Waits before claiming again the keys another process is asking for (CLAIM_POLL_MS). */
void stage_claim_pause(void);

#endif
