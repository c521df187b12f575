/*
 * apollo_run_int: what the parts of lib/apollo_run share and nothing else
 * includes: the run's state (apollo_run.c: the window, admission, the life
 * cycle; apollo_run_out.c: records out and the report; apollo_run_call.c:
 * the calls, their scheduler and their answers).
 */
#ifndef DE_APOLLO_RUN_INT_H
#define DE_APOLLO_RUN_INT_H

#include "apollo_run.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tls.h"
#include "apollo.h"
#include "apollo_map.h"
#include "apollo_memo.h"
#include "apollo_ratelimit.h"
#include "budget.h"
#include "buf.h"
#include "cache.h"
#include "claim.h"
#include "conf.h"
#include "db.h"
#include "domain.h"
#include "hash.h"
#include "jedit.h"
#include "http.h"
#include "json.h"
#include "ledger.h"
#include "stage.h"
#include "str.h"
#include "u64set.h"
#include "window.h"
#include "workspace.h"

/* How a workspace opened; why calls stop later is the workspace's stop state. */
enum ws_state { WS_OK, WS_NOKEY, WS_CONF, WS_BADNAME };

/*
 * A workspace's run: its settings and stop state (lib/stage.h), and what this
 * run keeps of it.
 */
struct ws {
	struct stage_ws s;         /* s.ws NULL when it could not be opened */
	apollo_run_t *run;
	char name[72];             /* s.name when it could not be opened */
	enum ws_state state;
	char reason[600];
	char *hdr_key;             /* "x-api-key: ...", wiped at free */
	char *key;                 /* a copy, for redaction only; wiped at free */
	struct budget *budget;     /* the workspace's */
	struct budget_need need;   /* --dry-run: the emails asked against the budget */
	struct apollo_ratelimit rl;   /* the limits seen, or kept by an earlier run */
	int rl_seen, rl_saved;
	struct apollo_pace pace;      /* when its next call may start */
	long reserved;                /* credits its calls in flight may spend */
	unsigned long long asked, hits, contacts;
};

struct entry {
	char *key;                 /* workspace 0x1f email: the window key */
	const char *email;         /* inside key */
	struct ws *ws;
	char *first, *last, *li;
	int done, queued;
	const char *status;
	apollo_answer_t *ans;      /* enriched or not_found: a reference */
	int cached;
	char *reason;
	unsigned long long *wait;
	size_t nwait, await;
	size_t refs;
	long long not_before_ms;   /* held by another process: claim again after this */
	struct entry *qnext;
};

/* What one contact of a record gets. */
struct slot {
	jspan_t span;              /* the element in the record's text */
	size_t mem, nmem;          /* an object's members, found once: it->mem[mem ..] */
	long at_email;             /* the first "email" member, or -1 */
	int used;                  /* the element is an object: it gets the fields */
	struct entry *e;           /* an answer asked for in this run (shared), or: */
	const char *status;        /* settled on admission, with */
	const char *reason;        /* static or the workspace's (they outlive records) */
	apollo_answer_t *ans;      /* a cached answer (a reference) */
	int cached;
};

/*
 * A record in the window: its line as read, never parsed into a tree. Items
 * are kept for reuse with their memory (R->spare), so that a record in the
 * steady state costs no allocation.
 */
struct item {
	apollo_run_t *run;
	struct item *next_spare;
	char *text;
	size_t text_alloc;
	jspan_t root;
	jspan_index_t *ix;         /* the reader's index of text, copied */
	/* The members found: the record's first (nroot), then the account's and the contacts'. */
	jspan_member_t *mem;
	size_t nmem, mem_alloc, nroot;
	/* The first member of each name the program reads (as json_get would): -1 none. */
	long at_ws, at_contacts, at_account, at_close;
	struct apollo_account acct;   /* what people are matched to */
	int has_account;           /* an account object: firmographics go there */
	size_t acc_mem, nacc;      /* its members: mem[acc_mem ..] */
	date_t close;
	struct slot *slot;
	size_t nslot, slot_alloc;
};

/* Items kept for reuse: at most as many as the window holds, none that held a huge line. */
#define SPARE_ITEMS_MAX 256
#define SPARE_TEXT_MAX (64 * 1024)

/*
 * The memo: answers read or received, so that an email on many deals is not
 * read, parsed and serialized again for each; bounded (the oldest used goes).
 */
#define MEMO_ANSWERS 4096

/* Records out are gathered up to this many bytes before they are due out. */
#define OUT_GATHER (256 * 1024)

struct apollo_run {
	struct apollo_run_opts o;
	long delay_ms, window, batch, max_pause_ms, max_failures;
	const char *workspace;
	int dry_run, refresh, stats_json, quiet, verbose, unbuffered;
	char url[1100];
	char dbdir[4096];
	struct stage s;            /* s.db: opened when a workspace first needs it */
	int db_open_failed;
	http_client_t *http;
	window_t *win;
	struct stage_ws *wss;
	struct ws *badname_ws;
	struct entry *qhead, *qtail;
	time_t start;
	u64set_t seen;             /* dry run, --refresh: emails asked this run (hash of the key) */
	apollo_memo_t *memo;
	struct item *spare;
	size_t nspare;
	buf_t out;                 /* the records made ready, gathered */
	int want_out;              /* they are due out (apollo_run_next) */
	size_t handed;             /* bytes apollo_run_next handed out: dropped at the next call */
	buf_t vals;                /* the values of a contact's fields */
	buf_t key;                 /* a contact's "workspace 0x1f email" */
	const apollo_facts_t **people;   /* a record's people, for its firmographics */
	size_t people_alloc;
	/* calls */
	long concurrency;          /* calls in flight at most */
	int delay_given;
	int in_flight;
	struct call *calls_out;    /* under way */
	int fatal;                 /* an answer's handling failed fatally (said) */
	int stop_all;
	char stop_reason[800];
	long consecutive_fail;
	/* figures */
	unsigned long long records, contacts, with_email, hits, in_run, calls, attempts;
	unsigned long long calls_ok, calls_unavail, emails_asked;
	double credits, credits_max;
	unsigned long long n_enriched, n_not_found, n_error, n_skipped, n_quota, n_dry;
	int io_error, conf_error, rate_limited, quota, nomem;
	int progress;
};

void apollo_run_drain(apollo_run_t *R, struct ws *w, const char *status, const char *reason);
void apollo_run_enqueue(apollo_run_t *R, struct entry *e);
void apollo_run_item_free(void *p);
void apollo_run_memo_put(apollo_run_t *R, const char *key, apollo_answer_t *ans);
void apollo_run_oom(apollo_run_t *R);
void apollo_run_progress(apollo_run_t *R);
void apollo_run_resolve(apollo_run_t *R, struct entry *e, const char *status,
    apollo_answer_t *ans, int cached, const char *reason);
#define say(R, ...) stage_say(&(R)->s, __VA_ARGS__)
void apollo_run_textf(apollo_run_t *R, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void apollo_run_ws_save_ratelimit(apollo_run_t *R, struct ws *w);
int apollo_run_emit(apollo_run_t *R, struct item *it);
void apollo_run_out_taken(apollo_run_t *R);
void apollo_run_report(apollo_run_t *R);
int apollo_run_call_once(apollo_run_t *R, int partial, long *wait);
void apollo_run_calls_free(apollo_run_t *R);

#endif
