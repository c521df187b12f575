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
#include "u64set.h"
#include "window.h"
#include "workspace.h"

/* ---- state ---- */

/* How a workspace opened; why calls stop later is the workspace's stop state. */
enum ws_state { WS_OK, WS_NOKEY, WS_CONF, WS_BADNAME };

/* A workspace's run: its settings (lib/workspace.h), and what this run keeps of it. */
struct ws {
	struct ws *next;
	apollo_run_t *run;
	char name[72];
	workspace_t *ws;           /* NULL when it could not be opened */
	enum ws_state state;
	char reason[600];
	char *hdr_key;             /* "x-api-key: ...", wiped at free */
	char *key;                 /* a copy, for redaction only; wiped at free */
	long ttl;
	struct budget *budget;     /* the workspace's */
	struct apollo_ratelimit rl;
	int rl_seen, rl_saved;
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
	jspan_index_t ix;          /* the reader's index of text, copied */
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

/* Records out are gathered up to this many bytes before they are written. */
#define OUT_GATHER (256 * 1024)

struct apollo_run {
	struct apollo_run_opts o;
	long delay_ms, retries, retry_429, backoff_429_ms, backoff_ms, timeout_ms;
	long connect_timeout_ms, window, batch, max_pause_ms, max_failures;
	const char *cache_days_text, *budget_text, *workspace;
	int dry_run, refresh, stats_json, quiet, verbose, unbuffered;
	char url[1100];
	char dbdir[4096];
	db_t *db;
	int db_failed;
	http_client_t *http;
	window_t *win;
	struct ws *wss, *badname_ws;
	struct entry *qhead, *qtail;
	time_t start;
	u64set_t seen;             /* dry run, --refresh: emails asked this run (hash of the key) */
	apollo_memo_t *memo;
	struct item *spare;
	size_t nspare;
	buf_t out;                 /* the records written, not yet on stdout */
	int out_failed;            /* writing stdout failed: nothing more is tried */
	buf_t vals;                /* the values of a contact's fields */
	buf_t key;                 /* a contact's "workspace 0x1f email" */
	const apollo_facts_t **people;   /* a record's people, for its firmographics */
	size_t people_alloc;
	/* calls */
	int stop_all;
	char stop_reason[800];
	long consecutive_fail;
	/* figures */
	unsigned long long records, contacts, with_email, hits, in_run, calls, attempts;
	unsigned long long calls_ok, calls_unavail, emails_asked;
	double credits, credits_max;
	unsigned long long n_enriched, n_not_found, n_error, n_skipped, n_quota, n_dry;
	int io_error, conf_error, rate_limited, quota;
	int progress;
};


static void
say(apollo_run_t *R, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	R->o.notice(R->o.ctx, msg);
}

static void
textf(apollo_run_t *R, const char *fmt, ...)
{
	char s[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	R->o.text(R->o.ctx, s);
}

static void
progress(apollo_run_t *R)
{
	textf(R, "\r%s: %llu records, %llu calls ", "apollo-enrich", R->records, R->calls);
}

static void
oom(apollo_run_t *R)
{
	say(R, "out of memory");
	R->io_error = 1;
}

/* ---- the memo ---- */

/* The answer of key in the memo, when no older than ttl; borrowed. */
static apollo_answer_t *
memo_get(apollo_run_t *R, const char *key, long ttl, time_t now)
{
	return apollo_memo_get(R->memo, key, ttl, now);
}

/* Keeps a reference to ans; a memo that cannot be kept is only slower. */
static void
memo_put(apollo_run_t *R, const char *key, apollo_answer_t *ans)
{
	if (R->memo == NULL && (R->memo = apollo_memo_new(MEMO_ANSWERS)) == NULL)
		return;
	(void)apollo_memo_put(R->memo, key, ans);
}

/* ---- helpers ---- */

static void
wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

/* A short printable excerpt of an answer's body, without the key. */
static void
excerpt(const char *body, size_t len, const struct ws *ws, char *out, size_t n)
{
	size_t i, o = 0;
	char *k;

	for (i = 0; i < len && o + 1 < n && o < 160; i++) {
		unsigned char c = (unsigned char)body[i];

		out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[o] = '\0';
	while (o > 0 && out[o - 1] == ' ')
		out[--o] = '\0';
	if (ws->key && *ws->key)
		while ((k = strstr(out, ws->key)) != NULL)
			memset(k, '*', strlen(ws->key));
}

static int
open_db(apollo_run_t *R)
{
	char err[512];

	if (R->db)
		return 0;
	if (R->db_failed)
		return -1;
	if (db_open(R->dbdir, 0, &R->db, err, sizeof err) != DB_OK) {
		say(R, "%s", err);
		R->db_failed = 1;
		R->io_error = 1;
		return -1;
	}
	return 0;
}

/* ---- workspaces ---- */

static void
ws_free(struct ws *w)
{
	workspace_free(w->ws);
	wipe_free(w->hdr_key);
	wipe_free(w->key);
	free(w);
}

/* Rate limits seen by an earlier run, for the dry run's estimate. */
static void
ws_load_ratelimit(apollo_run_t *R, struct ws *w)
{
	if (open_db(R) == 0 && apollo_ratelimit_load(R->db, w->name, &w->rl) == 1)
		w->rl_seen = 1;
	else if (R->db == NULL)
		(void)apollo_ratelimit_load(NULL, w->name, &w->rl);
}

static void
ws_save_ratelimit(apollo_run_t *R, struct ws *w)
{
	char err[256];

	if (!w->rl_seen || w->rl_saved || R->db == NULL)
		return;
	w->rl_saved = 1;
	(void)apollo_ratelimit_save(R->db, w->name, &w->rl, err, sizeof err);
}

static struct ws *
ws_get(apollo_run_t *R, const char *name)
{
	struct ws *w;
	char err[512];
	const char *key;
	int rc, dberr;
	size_t n;

	if (!conf_workspace_valid(name)) {
		if (R->badname_ws)
			return R->badname_ws;
		if ((w = calloc(1, sizeof *w)) == NULL)
			return NULL;
		w->run = R;
		w->state = WS_BADNAME;
		snprintf(w->reason, sizeof w->reason,
		    "invalid workspace id: use 1-64 letters, digits, '_', '-' or '.'");
		say(R, "a record has an invalid workspace id ('%.64s'): its contacts are "
		    "marked error", name);
		R->conf_error = 1;
		return R->badname_ws = w;
	}
	for (w = R->wss; w; w = w->next)
		if (strcmp(w->name, name) == 0)
			return w;
	if ((w = calloc(1, sizeof *w)) == NULL)
		return NULL;
	w->run = R;
	snprintf(w->name, sizeof w->name, "%.64s", name);
	w->next = R->wss;
	R->wss = w;
	for (n = 0; n < APOLLO_RL_N; n++)
		w->rl.limit[n] = w->rl.usage[n] = w->rl.left[n] = -1;
	if ((rc = workspace_open(name, R->cache_days_text, &w->ws, err, sizeof err)) !=
	    WORKSPACE_OK) {
		if (rc == WORKSPACE_ENOMEM)
			return NULL;
		w->state = WS_CONF;
		snprintf(w->reason, sizeof w->reason, "configuration: %s", err);
		say(R, "workspace %s: %s", name, err);
		R->conf_error = 1;
		return w;
	}
	w->ttl = workspace_ttl(w->ws);
	w->budget = workspace_budget(w->ws, WS_APOLLO);
	if ((key = workspace_key(w->ws, WS_APOLLO)) == NULL) {
		w->state = WS_NOKEY;
		if (!R->quiet) {
			workspace_key_hint(w->ws, WS_APOLLO, err, sizeof err);
			say(R, "workspace %s: no Apollo key (set %s): its contacts pass "
			    "through marked skipped", name, err);
		}
		return w;
	}
	if (strpbrk(key, "\r\n") != NULL) {
		w->state = WS_CONF;
		snprintf(w->reason, sizeof w->reason,
		    "configuration: the Apollo key holds a line break");
		say(R, "workspace %s: the Apollo key holds a line break", name);
		R->conf_error = 1;
		return w;
	}
	n = strlen(key) + 12;
	if ((w->hdr_key = malloc(n)) == NULL || (w->key = strdup(key)) == NULL)
		return NULL;
	snprintf(w->hdr_key, n, "x-api-key: %s", key);
	if (open_db(R) != 0) {
		w->state = WS_CONF;
		snprintf(w->reason, sizeof w->reason, "the db cannot be opened");
		return w;
	}
	if ((rc = workspace_budget_load(w->ws, WS_APOLLO, R->db, R->budget_text, time(NULL), err,
	    sizeof err)) != WORKSPACE_OK) {
		dberr = rc == WORKSPACE_EIO;
		w->state = WS_CONF;
		snprintf(w->reason, sizeof w->reason, "%s%s", dberr ? "db: " : "configuration: ",
		    err);
		say(R, "workspace %s: %s", name, err);
		if (dberr)
			R->io_error = 1;
		else
			R->conf_error = 1;
		return w;
	}
	if (R->dry_run)
		ws_load_ratelimit(R, w);
	return w;
}

/* ---- contacts ---- */

static void
count_status(apollo_run_t *R, const char *status)
{
	if (status[0] == 'e' && strcmp(status, "enriched") == 0)   /* the common case first */
		R->n_enriched++;
	else if (strcmp(status, "not_found") == 0)
		R->n_not_found++;
	else if (strcmp(status, "error") == 0)
		R->n_error++;
	else if (strcmp(status, "skipped") == 0)
		R->n_skipped++;
	else if (strcmp(status, "quota_exhausted") == 0)
		R->n_quota++;
	else if (strcmp(status, "dry_run") == 0)
		R->n_dry++;
}

static void
entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	free(e->key);
	free(e->first);
	free(e->last);
	free(e->li);
	apollo_answer_unref(e->ans);
	free(e->reason);
	free(e->wait);
	free(e);
}

static void
entry_free_v(void *p)
{
	entry_free(p);
}

/* Lets go of the entries and answers of it's slots. */
static void
slots_release(apollo_run_t *R, struct item *it)
{
	struct entry *e;
	size_t i;

	for (i = 0; i < it->nslot; i++) {
		if ((e = it->slot[i].e) != NULL && --e->refs == 0) {
			window_key_del(R->win, e->key);
			entry_free(e);
		}
		apollo_answer_unref(it->slot[i].ans);
	}
	it->nslot = 0;
}

static void
item_destroy(struct item *it)
{
	free(it->ix.at);
	free(it->ix.first);
	free(it->ix.mem);
	free(it->slot);
	free(it->mem);
	free(it->text);
	free(it);
}

/* Lets go of what the record holds; the item itself is kept for the next record. */
static void
item_free(void *p)
{
	struct item *it = p;
	apollo_run_t *R;

	if (it == NULL)
		return;
	R = it->run;
	slots_release(R, it);
	if (R->nspare >= SPARE_ITEMS_MAX || it->text_alloc > SPARE_TEXT_MAX) {
		item_destroy(it);
		return;
	}
	it->next_spare = R->spare;
	R->spare = it;
	R->nspare++;
}

/* Makes dst a copy of src, growing its memory as needed. Returns 0, or -1 on ENOMEM. */
static int
index_copy(jspan_index_t *dst, const jspan_index_t *src)
{
	size_t *at, *first;
	jspan_ixmember_t *mem;

	if (src->n > dst->cap) {
		if ((at = realloc(dst->at, 2 * src->n * sizeof *at)) == NULL)
			return -1;
		dst->at = at;
		if ((first = realloc(dst->first, src->n * sizeof *first)) == NULL)
			return -1;
		dst->first = first;
		dst->cap = src->n;
	}
	if (src->nmem > dst->memcap) {
		if ((mem = realloc(dst->mem, src->nmem * sizeof *mem)) == NULL)
			return -1;
		dst->mem = mem;
		dst->memcap = src->nmem;
	}
	if (src->n > 0)
		memcpy(dst->at, src->at, 2 * src->n * sizeof *src->at);
	dst->n = src->n;
	/* Members are read from the copy only when the source held them. */
	dst->nmem = 0;
	if (src->first && src->mem && src->n > 0) {
		memcpy(dst->first, src->first, src->n * sizeof *src->first);
		if (src->nmem > 0)
			memcpy(dst->mem, src->mem, src->nmem * sizeof *src->mem);
		dst->nmem = src->nmem;
	} else if (dst->first)
		for (size_t i = 0; i < src->n; i++)
			dst->first[i] = JSPAN_NONE;
	return 0;
}

/*
 * An empty item holding a copy of text[0..len] (its NUL included) and of its
 * index ix; NULL on ENOMEM.
 */
static struct item *
item_new(apollo_run_t *R, const char *text, size_t len, const jspan_index_t *ix)
{
	struct item *it = R->spare;
	char *t;

	if (it) {
		R->spare = it->next_spare;
		R->nspare--;
	} else if ((it = calloc(1, sizeof *it)) == NULL)
		return NULL;
	it->run = R;
	if (len + 1 > it->text_alloc) {
		if ((t = realloc(it->text, len + 1)) == NULL) {
			item_destroy(it);
			return NULL;
		}
		it->text = t;
		it->text_alloc = len + 1;
	}
	memcpy(it->text, text, len + 1);
	if (index_copy(&it->ix, ix) != 0) {
		item_destroy(it);
		return NULL;
	}
	it->nmem = it->nroot = it->acc_mem = it->nacc = it->nslot = 0;
	it->has_account = 0;
	return it;
}

/* The string member key of obj, malloc'd; NULL when absent, not a string, empty or on ENOMEM. */
static char *
member_dup(const char *text, jspan_t obj, const char *key)
{
	jspan_member_t m;
	char *s;
	long n;

	if (!jspan_get(text, obj, key, &m) || jspan_type(text, m.val) != JSON_STRING ||
	    (s = malloc(m.val.len + 1)) == NULL)
		return NULL;
	if ((n = jspan_str(text, m.val, s, m.val.len + 1)) <= 0 || s[0] == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

static struct entry *
entry_new(struct ws *w, const char *email, const char *text, jspan_t contact)
{
	struct entry *e = calloc(1, sizeof *e);
	size_t nl = strlen(w->name);

	if (e == NULL || (e->key = malloc(nl + strlen(email) + 2)) == NULL) {
		free(e);
		return NULL;
	}
	memcpy(e->key, w->name, nl);
	e->key[nl] = DB_KEY_SEP;
	strcpy(e->key + nl + 1, email);
	e->email = e->key + nl + 1;
	e->ws = w;
	e->first = member_dup(text, contact, "first_name");
	e->last = member_dup(text, contact, "last_name");
	e->li = member_dup(text, contact, "linkedin_url");
	return e;
}

static void
enqueue(apollo_run_t *R, struct entry *e)
{
	e->queued = 1;
	e->qnext = NULL;
	if (R->qtail)
		R->qtail->qnext = e;
	else
		R->qhead = e;
	R->qtail = e;
}

/* An entry's answer is in (ans taken over): the records waiting for it are told. */
static void
resolve(apollo_run_t *R, struct entry *e, const char *status, apollo_answer_t *ans, int cached, const char *reason)
{
	size_t i;

	e->done = 1;
	e->status = status;
	e->ans = ans;
	e->cached = cached;
	if (reason && (e->reason = strdup(reason)) == NULL)
		oom(R);
	for (i = 0; i < e->nwait; i++)
		(void)window_done(R->win, e->wait[i]);
	free(e->wait);
	e->wait = NULL;
	e->nwait = e->await = 0;
}

/* Takes out of the queue, and resolves, every entry of w (NULL: all). */
static void
drain(apollo_run_t *R, struct ws *w, const char *status, const char *reason)
{
	struct entry *e, *prev = NULL, *next;

	for (e = R->qhead; e; e = next) {
		next = e->qnext;
		if (w && e->ws != w) {
			prev = e;
			continue;
		}
		if (prev)
			prev->qnext = next;
		else
			R->qhead = next;
		if (R->qtail == e)
			R->qtail = prev;
		e->qnext = NULL;
		e->queued = 0;
		resolve(R, e, status, NULL, -1, reason);
	}
}

static int
add_waiter(struct entry *e, unsigned long long seq)
{
	unsigned long long *nw;
	size_t n;

	if (e->nwait == e->await) {
		n = e->await ? e->await * 2 : 4;
		if ((nw = realloc(e->wait, n * sizeof *nw)) == NULL)
			return -1;
		e->wait = nw;
		e->await = n;
	}
	e->wait[e->nwait++] = seq;
	return 0;
}

static void
settle(struct slot *sl, const char *status, const char *reason, apollo_answer_t *ans, int cached)
{
	sl->status = status;
	sl->reason = reason;
	sl->ans = apollo_answer_ref(ans);
	sl->cached = cached;
}

/* A contact answered from the memo or the cache. */
static void
settle_hit(apollo_run_t *R, struct slot *sl, struct ws *w, apollo_answer_t *ans)
{
	R->hits++;
	w->hits++;
	if (R->dry_run)
		settle(sl, "dry_run", NULL, NULL, 1);
	else
		settle(sl, ans->facts ? "enriched" : "not_found", NULL, ans, 1);
}

/*
 * Settles what can be settled of one contact at once, or links it to the
 * entry it must wait for (or share). Returns 0, or -1 on a fatal error.
 */
static int
admit_contact(apollo_run_t *R, const struct item *it, struct slot *sl, struct ws *w, time_t now)
{
	const char *text = it->text;
	jspan_t c = sl->span;
	char email[DOMAIN_EMAIL_MAX], raw[4096], err[512];
	struct entry *e;
	apollo_answer_t *ans;
	json_t *v = NULL;
	jspan_t ev = { 0, 0 };
	const char *key;
	time_t fetched;
	enum workspace_stop stop;
	int rc, bad;

	R->contacts++;
	w->contacts++;
	if (sl->at_email >= 0)
		ev = it->mem[sl->mem + sl->at_email].val;
	if (jspan_str(text, ev, raw, sizeof raw) < 0 ||
	    domain_email_normalize(raw, email, sizeof email) != 0) {
		settle(sl, "skipped", "no email", NULL, -1);
		return 0;
	}
	R->with_email++;
	switch (w->state) {
	case WS_OK:
		break;
	case WS_NOKEY:
		settle(sl, "skipped", "no Apollo key", NULL, -1);
		return 0;
	default:
		settle(sl, "error", w->reason, NULL, -1);
		return 0;
	}
	if ((stop = workspace_stopped(w->ws, WS_APOLLO)) == WS_KEY_REFUSED) {
		settle(sl, "error", workspace_stop_reason(w->ws, WS_APOLLO), NULL, -1);
		return 0;
	}
	buf_reset(&R->key);
	if (db_key(&R->key, w->name, email, (char *)NULL) != DB_OK) {
		oom(R);
		return -1;
	}
	key = buf_ptr(&R->key);
	/* The key table holds the plain "ws 0x1f email" (db_key only hashes very long keys). */
	if ((e = window_key_get(R->win, key)) != NULL) {
		R->in_run++;
		sl->e = e;
		return 0;
	}
	/* The memo holds what was read or answered this run (with --refresh: answered). */
	if ((ans = memo_get(R, key, w->ttl, now)) != NULL) {
		settle_hit(R, sl, w, ans);
		return 0;
	}
	/* The cache; with --refresh only what this run fetched. */
	rc = cache_get(R->db, APOLLO_PROVIDER, w->name, email, w->ttl, now, &v, &fetched, err,
	    sizeof err);
	if (rc < 0) {
		say(R, "db: %s", err);
		R->io_error = 1;
		settle(sl, "error", "db read failed", NULL, -1);
		return 0;
	}
	if (rc == DB_OK && (!R->refresh || (!R->dry_run && u64set_has(&R->seen, hash_str(key))))) {
		ans = apollo_answer_of_cache(v, fetched, &bad);
		json_free(v);
		v = NULL;
		if (ans == NULL && !bad) {
			oom(R);
			return -1;
		}
		if (ans) {
			settle_hit(R, sl, w, ans);
			if (!R->refresh)
				memo_put(R, key, ans);
			apollo_answer_unref(ans);
			return 0;
		}
	}
	json_free(v);
	if (R->dry_run && u64set_has(&R->seen, hash_str(key))) {
		/* Asked earlier in the run: the real run would find it in the cache. */
		R->in_run++;
		settle(sl, "dry_run", NULL, NULL, 0);
		return 0;
	}
	if (stop != WS_CALLING) {
		settle(sl, "quota_exhausted", workspace_stop_reason(w->ws, WS_APOLLO), NULL, -1);
		return 0;
	}
	if (R->stop_all) {
		settle(sl, "error", R->stop_reason, NULL, -1);
		return 0;
	}
	if ((e = entry_new(w, email, text, c)) == NULL ||
	    window_key_put(R->win, key, e) != WINDOW_OK) {
		entry_free(e);
		oom(R);
		return -1;
	}
	enqueue(R, e);
	sl->e = e;
	return 0;
}

/* The record's workspace, malloc'd ("default" when it has none); NULL on ENOMEM. */
static char *
record_workspace(apollo_run_t *R, const struct item *it)
{
	jspan_t v;
	char *s = NULL;

	if (R->workspace)
		return strdup(R->workspace);
	if (it->at_ws >= 0) {
		v = it->mem[it->at_ws].val;
		if (jspan_type(it->text, v) == JSON_NUMBER)
			s = strndup(it->text + v.off, v.len);
		else if (jspan_type(it->text, v) == JSON_STRING && (s = malloc(v.len + 1)) != NULL &&
		    jspan_str(it->text, v, s, v.len + 1) <= 0) {
			free(s);
			s = NULL;
		}
	}
	return s ? s : strdup("default");
}

/*
 * Finds the members of obj once, appending them to it->mem (*first: where they
 * begin, *n: how many), and the first of each of names[0..nn) (*at[i], relative
 * to *first; -1: none), as json_get would. Returns 0, or -1 when memory runs out.
 */
static int
find_members(struct item *it, jspan_t obj, size_t *first, size_t *n,
    const char *const *names, long *const *at, size_t nn)
{
	jspan_member_t *m, *nm;
	size_t alloc, i, total, j;
	const char *k;
	char key[64];
	long kl;

	for (i = 0; i < nn; i++)
		*at[i] = -1;
	*first = it->nmem;
	while ((total = jspan_members_ix(it->text, &it->ix, obj, it->mem ? it->mem + it->nmem : NULL,
	    it->mem_alloc - it->nmem)) > it->mem_alloc - it->nmem) {
		for (alloc = it->mem_alloc ? it->mem_alloc : 32; alloc - it->nmem < total; alloc *= 2)
			;
		if ((nm = realloc(it->mem, alloc * sizeof *nm)) == NULL)
			return -1;
		it->mem = nm;
		it->mem_alloc = alloc;
	}
	m = it->mem + it->nmem;
	for (j = 0; j < total; j++) {
		/* As json_get reads keys: unescaped, cut at a NUL; longer ones are no name here. */
		if ((kl = jspan_key(it->text, m[j].key, key, sizeof key, &k)) < 0)
			continue;
		for (i = 0; i < nn; i++)
			if (*at[i] < 0 && kl > 0 && k[0] == names[i][0] &&
			    strncmp(k, names[i], (size_t)kl) == 0 && names[i][kl] == '\0')
				*at[i] = (long)j;
	}
	it->nmem += total;
	*n = total;
	return 0;
}

static int
record_members(struct item *it)
{
	static const char *const names[] = { "workspace_id", "contacts", "account", "close_date" };
	long *const at[] = { &it->at_ws, &it->at_contacts, &it->at_account, &it->at_close };
	size_t first;

	return find_members(it, it->root, &first, &it->nroot, names, at, 4);
}

/* A scalar as text (a string unescaped, or a number), into buf; NULL when absent (at < 0) or empty. */
static const char *
scalar_text(const char *text, const jspan_member_t *mem, long at, char *buf, size_t cap)
{
	jspan_t v;

	if (at < 0)
		return NULL;
	v = mem[at].val;
	if (jspan_type(text, v) == JSON_NUMBER && v.len < cap) {
		memcpy(buf, text + v.off, v.len);
		buf[v.len] = '\0';
		return buf;
	}
	return jspan_str(text, v, buf, cap) > 0 ? buf : NULL;
}

/* What lib/apollo reads of a record: its account and its close date. Returns 0, or -1 on ENOMEM. */
static int
record_context(struct item *it, time_t now)
{
	static const char *const names[] = { "name", "domain", "website" };
	char name[1024], domain[1024], website[1024], close[64];
	long at_name = -1, at_domain = -1, at_website = -1;
	long *const at[] = { &at_name, &at_domain, &at_website };

	const jspan_member_t *acc;

	if (it->at_account >= 0 && jspan_type(it->text, it->mem[it->at_account].val) == JSON_OBJECT) {
		it->has_account = 1;
		if (find_members(it, it->mem[it->at_account].val, &it->acc_mem, &it->nacc, names,
		    at, 3) != 0)
			return -1;
	}
	acc = it->mem + it->acc_mem;
	apollo_account_of(&it->acct, scalar_text(it->text, acc, at_name, name, sizeof name),
	    scalar_text(it->text, acc, at_domain, domain, sizeof domain),
	    scalar_text(it->text, acc, at_website, website, sizeof website));
	/* A close date is a string; anything else means today. */
	if (it->at_close < 0 || jspan_str(it->text, it->mem[it->at_close].val, close, sizeof close) < 0)
		it->close = apollo_close_date(NULL, now);
	else
		it->close = apollo_close_date(close, now);
	return 0;
}

/*
 * A record (the reader's line and its index) enters the window. Returns 0, or
 * -1 on a fatal error.
 */
static int
admit(apollo_run_t *R, const char *text, size_t len, jspan_t root, const jspan_index_t *ix)
{
	unsigned long long seq;
	jspan_t c;
	struct item *it;
	struct slot *ns;
	struct ws *w = NULL;
	unsigned waits = 0;
	time_t now = time(NULL);
	size_t i, pos, alloc;
	char *wsname;

	R->records++;
	if ((it = item_new(R, text, len, ix)) == NULL) {
		oom(R);
		return -1;
	}
	it->root = root;
	if (record_members(it) != 0) {
		item_free(it);
		oom(R);
		return -1;
	}
	/* The contacts' places in the text, found once. */
	if (it->at_contacts >= 0 && jspan_type(it->text, it->mem[it->at_contacts].val) == JSON_ARRAY)
		for (pos = 0; jspan_elem_next_ix(it->text, &it->ix, it->mem[it->at_contacts].val, &pos,
		    &c);) {
			if (it->nslot == it->slot_alloc) {
				alloc = it->slot_alloc ? 2 * it->slot_alloc : 8;
				if ((ns = realloc(it->slot, alloc * sizeof *ns)) == NULL) {
					item_free(it);
					oom(R);
					return -1;
				}
				it->slot = ns;
				it->slot_alloc = alloc;
			}
			memset(&it->slot[it->nslot], 0, sizeof *it->slot);
			it->slot[it->nslot++].span = c;
		}
	if (it->nslot > 0) {
		if ((wsname = record_workspace(R, it)) == NULL ||
		    (w = ws_get(R, wsname)) == NULL) {
			free(wsname);
			item_free(it);
			oom(R);
			return -1;
		}
		free(wsname);
		if (w->state == WS_OK && open_db(R) != 0) {
			item_free(it);
			return -1;
		}
		if (record_context(it, now) != 0) {
			item_free(it);
			oom(R);
			return -1;
		}
		for (i = 0; i < it->nslot; i++) {
			static const char *const email[] = { "email" };
			long *const at[] = { &it->slot[i].at_email };

			if (jspan_type(it->text, it->slot[i].span) != JSON_OBJECT)
				continue;
			it->slot[i].used = 1;
			if (find_members(it, it->slot[i].span, &it->slot[i].mem, &it->slot[i].nmem,
			    email, at, 1) != 0) {
				item_free(it);
				oom(R);
				return -1;
			}
			if (admit_contact(R, it, &it->slot[i], w, now) != 0) {
				item_free(it);
				return -1;
			}
			if (it->slot[i].e) {
				it->slot[i].e->refs++;
				if (!it->slot[i].e->done)
					waits++;
			}
		}
	}
	if (window_push(R->win, it, waits, &seq) != WINDOW_OK) {
		item_free(it);
		oom(R);
		return -1;
	}
	for (i = 0; i < it->nslot; i++)
		if (it->slot[i].e && !it->slot[i].e->done && add_waiter(it->slot[i].e, seq) != 0) {
			oom(R);
			return -1;
		}
	return 0;
}

/* Writing a record: the fields of each contact, and the account's firmographics. */
struct out_ctx {
	apollo_run_t *R;
	struct item *it;
	struct jedit_field firmo;  /* firmo.key NULL: none */
};

/* What a contact settled on: on admission, or through the entry it waited for. */
struct outcome {
	const char *status, *reason;
	apollo_answer_t *ans;
	int cached;
};

static struct outcome
slot_outcome(const struct slot *sl)
{
	struct outcome oc;

	if (sl->e) {
		oc.status = sl->e->status;
		oc.reason = sl->e->reason;
		oc.ans = sl->e->ans;
		oc.cached = sl->e->cached;
	} else {
		oc.status = sl->status;
		oc.reason = sl->reason;
		oc.ans = sl->ans;
		oc.cached = sl->cached;
	}
	return oc;
}

/*
 * One contact with its fields. They are written just before the contact
 * itself: the texts kept in an answer's facts are valid until the next
 * contact asks the same facts for another (cached, fetched).
 */
static int
edit_contact(apollo_run_t *R, struct item *it, const struct slot *sl, buf_t *out)
{
	static const char *const drop_employer[] = { "new_employer", NULL };
	struct apollo_field af[APOLLO_FIELDS_MAX];
	struct jedit_field f[APOLLO_FIELDS_MAX];
	struct outcome oc = slot_outcome(sl);
	const char *const *drop = drop_employer;
	const char *base;
	int n, k;

	buf_reset(&R->vals);
	if ((n = apollo_contact_text(&R->vals, af, oc.status, oc.ans ? oc.ans->facts : NULL,
	    &it->acct, it->close, oc.cached, oc.ans ? oc.ans->fetched : 0, oc.reason)) < 0)
		return JSON_ENOMEM;
	for (k = 0; k < n; k++) {
		base = af[k].text ? af[k].text : buf_ptr(&R->vals);
		f[k].key = af[k].key;
		f[k].val = base + af[k].off;
		f[k].len = af[k].len;
		f[k].member = base + af[k].member;
		f[k].member_len = af[k].off + af[k].len - af[k].member;
		if (f[k].key[0] == 'n' && strcmp(f[k].key, "new_employer") == 0)
			drop = NULL;
	}
	return jedit_members(out, it->text, it->mem + sl->mem, sl->nmem, f, (size_t)n, drop, NULL,
	    NULL);
}

static int
edit_contacts(apollo_run_t *R, struct out_ctx *o, buf_t *out)
{
	const struct slot *sl;
	size_t i;
	int rc;

	if (buf_addc(out, '[') != BUF_OK)
		return JSON_ENOMEM;
	for (i = 0; i < o->it->nslot; i++) {
		sl = &o->it->slot[i];
		if (i && buf_addc(out, ',') != BUF_OK)
			return JSON_ENOMEM;
		if (!sl->used)
			rc = buf_add(out, o->it->text + sl->span.off, sl->span.len) == BUF_OK ?
			    JSON_OK : JSON_ENOMEM;
		else
			rc = edit_contact(R, o->it, sl, out);
		if (rc != JSON_OK)
			return rc;
	}
	return buf_addc(out, ']') == BUF_OK ? 1 : JSON_ENOMEM;
}

static int
edit_member(void *vctx, const char *key, jspan_t val, buf_t *out)
{
	struct out_ctx *o = vctx;
	apollo_run_t *R = o->R;
	const struct item *it = o->it;
	int rc;

	/*
	 * The members admit(R) read (and found the members of) are known by where
	 * their values lie, whatever their keys look like.
	 */
	(void)key;
	if (it->at_contacts >= 0 && val.off == it->mem[it->at_contacts].val.off)
		return it->nslot == 0 ? 0 : edit_contacts(R, o, out);
	if (it->at_account >= 0 && val.off == it->mem[it->at_account].val.off && o->firmo.key) {
		/* The account admit(R) read: its members are known. */
		rc = jedit_members(out, o->it->text, o->it->mem + o->it->acc_mem, o->it->nacc, &o->firmo,
		    1, NULL, NULL, NULL);
		return rc == JSON_OK ? 1 : rc;
	}
	return 0;
}

/*
 * Writes the records gathered in R->out. They are gathered so that write()
 * takes large pieces straight from R->out rather than through stdio's buffer.
 * Returns 0, or -1 on an I/O error (said).
 */
static int
write_out(apollo_run_t *R)
{
	size_t n = buf_len(&R->out);

	if (R->out_failed)
		return -1;
	if (n > 0 && R->o.write(R->o.ctx, buf_ptr(&R->out), n) != 0) {
		say(R, "stdout: %s", strerror(errno));
		R->io_error = R->out_failed = 1;
		return -1;
	}
	buf_reset(&R->out);
	return 0;
}

static int flush_out(apollo_run_t *R);

/* The head record leaves. Returns 0, or -1 on a fatal error. */
static int
emit(apollo_run_t *R, struct item *it)
{
	struct out_ctx o = { R, it, { NULL, NULL, 0, NULL, 0 } };
	const apollo_facts_t **people;
	struct outcome oc;
	size_t i, npeople = 0, start = buf_len(&R->out);
	int rc = 0, k;

	if (it->nslot > R->people_alloc) {
		if ((people = realloc(R->people, it->nslot * sizeof *people)) == NULL)
			goto nomem;
		R->people = people;
		R->people_alloc = it->nslot;
	}
	people = R->people;
	for (i = 0; i < it->nslot; i++) {
		if (!it->slot[i].used)
			continue;
		oc = slot_outcome(&it->slot[i]);
		count_status(R, oc.status);
		if (oc.ans && oc.ans->facts && strcmp(oc.status, "enriched") == 0)
			people[npeople++] = oc.ans->facts;
	}
	if (!R->dry_run && it->has_account) {
		if ((k = apollo_facts_pick(&it->acct, people, npeople)) >= 0) {
			o.firmo.key = "firmographics";
			o.firmo.val = apollo_facts_firmographics(people[k], &o.firmo.len);
		}
	}
	rc = jedit_members(&R->out, it->text, it->mem, it->nroot, NULL, 0, NULL, edit_member, &o);
	if (rc == JSON_ETOOBIG) {
		buf_truncate(&R->out, start);
		say(R, "a record out would pass 1 GiB: stopping");
		R->io_error = 1;
		rc = -1;
	} else if (rc != JSON_OK || buf_addc(&R->out, '\n') != BUF_OK) {
		buf_truncate(&R->out, start);
		goto nomem;
	} else if (R->unbuffered || buf_len(&R->out) >= OUT_GATHER)
		rc = write_out(R) != 0 || (R->unbuffered && flush_out(R) != 0) ? -1 : 0;
	goto done;
nomem:
	oom(R);
	rc = -1;
done:
	item_free(it);
	return rc;
}

/* ---- calls ---- */

static const char *
resp_header(void *ctx, const char *name)
{
	return http_header(ctx, name);
}

static int
flush_out(apollo_run_t *R)
{
	if (write_out(R) != 0)
		return -1;
	if (R->o.flush(R->o.ctx) != 0) {
		say(R, "stdout: %s", strerror(errno));
		R->io_error = R->out_failed = 1;
		return -1;
	}
	return 0;
}

static void
count_call(apollo_run_t *R, struct ws *w, long attempts, double credits)
{
	struct ledger_usage u = { attempts, credits, 0 };
	char month[16], err[512];

	ledger_month(time(NULL), month, sizeof month);
	if (ledger_add(R->db, w->name, APOLLO_PROVIDER, month, &u, err, sizeof err) != DB_OK) {
		say(R, "db: usage ledger: %s", err);
		R->io_error = 1;
	}
	budget_spend(w->budget, credits);
}

/* Credits this workspace may still spend this month, or -1 for no limit. */
static long
credits_left(apollo_run_t *R, struct ws *w)
{
	struct ledger_usage u;
	char month[16], err[512];
	double left;

	if (!w->budget->limited)
		return -1;
	ledger_month(time(NULL), month, sizeof month);
	/* Another pipeline may have spent meanwhile: the ledger has the last word. */
	if (ledger_get(R->db, w->name, APOLLO_PROVIDER, month, &u, err, sizeof err) == DB_OK &&
	    u.credits > w->budget->used)
		w->budget->used = u.credits;
	left = floor(w->budget->budget - w->budget->used + 1e-9);
	return left > 0 ? (long)left : 0;
}

static int
ensure_http(apollo_run_t *R)
{
	struct http_opts o;

	if (R->http)
		return 0;
	http_opts_default(&o);
	o.timeout_ms = R->timeout_ms;
	o.connect_timeout_ms = R->connect_timeout_ms;
	o.max_in_flight = 1;
	o.min_interval_ms = R->delay_ms;
	o.max_retries = (int)R->retries;
	o.max_retries_429 = (int)R->retry_429;
	o.backoff_429_ms = R->backoff_429_ms;
	o.backoff_base_ms = R->backoff_ms;
	if (o.backoff_max_ms < R->backoff_ms)
		o.backoff_max_ms = R->backoff_ms;
	o.max_body = 16u * 1024 * 1024;
	tls_opts(&o);
	if ((R->http = http_client_new(&o)) == NULL) {
		say(R, "cannot set up libcurl");
		R->io_error = 1;
		return -1;
	}
	return 0;
}

static void
after_headers(apollo_run_t *R, struct ws *w, const http_response_t *resp)
{
	struct apollo_ratelimit rl;
	static const char *wname[APOLLO_RL_N] = { "minute", "hourly", "daily" };
	char reason[300];
	long pause;
	int win, i;

	if (!apollo_ratelimit_read(&rl, resp_header, (void *)resp))
		return;
	for (i = 0; i < APOLLO_RL_N; i++)
		if (rl.limit[i] > 0 && rl.limit[i] != w->rl.limit[i]) {
			w->rl.limit[i] = rl.limit[i];
			w->rl_saved = 0;
			w->rl_seen = 1;
		}
	ws_save_ratelimit(R, w);
	pause = apollo_ratelimit_pause(&rl, &win);
	if (pause <= 0)
		return;
	if (pause > R->max_pause_ms && win != APOLLO_RL_MINUTE) {
		snprintf(reason, sizeof reason,
		    "Apollo's %s rate limit is reached (%ld calls); try later", wname[win],
		    rl.limit[win]);
		workspace_stop(w->ws, WS_APOLLO, WS_QUOTA_REACHED, reason);
		say(R, "workspace %s: %s", w->name, reason);
		R->rate_limited = 1;
		drain(R, w, "quota_exhausted", workspace_stop_reason(w->ws, WS_APOLLO));
		return;
	}
	if (pause > R->max_pause_ms)
		pause = R->max_pause_ms;
	if (R->verbose)
		say(R, "workspace %s: %ld calls left this %s: pausing %ld ms", w->name,
		    rl.left[win], win == APOLLO_RL_MINUTE ? "minute" : wname[win], pause);
	http_pause(R->http, pause);
}

/* Commits the answers of a call, then tells the records. */
static void
take_answer(apollo_run_t *R, struct entry **b, size_t n, struct apollo_result *res)
{
	apollo_answer_t *ans[APOLLO_BATCH_MAX] = { NULL };
	char err[512];
	json_t *v;
	time_t now = time(NULL);
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (res[i].kind == APOLLO_UNANSWERED)
			continue;
		v = apollo_cache_value(res[i].kind == APOLLO_FOUND ? res[i].person : NULL);
		if (v == NULL) {
			oom(R);
			continue;
		}
		rc = cache_put(R->db, APOLLO_PROVIDER, b[i]->ws->name, b[i]->email, v, now, err,
		    sizeof err);
		json_free(v);
		if (rc != DB_OK) {
			say(R, "db: cache: %s", err);
			R->io_error = 1;
		}
		ans[i] = apollo_answer_new(res[i].kind == APOLLO_FOUND ? res[i].person : NULL, now);
		res[i].person = NULL;
		if (ans[i] == NULL)
			oom(R);
		else
			memo_put(R, b[i]->key, ans[i]);
	}
	for (i = 0; i < n; i++) {
		/* --refresh: later records of this run take it from the cache. */
		if (R->refresh && res[i].kind != APOLLO_UNANSWERED &&
		    u64set_add(&R->seen, hash_str(b[i]->key)) < 0)
			oom(R);
		if (res[i].kind == APOLLO_UNANSWERED)
			resolve(R, b[i], "error", NULL, -1,
			    "Apollo's answer did not say which person this is");
		else if (ans[i] == NULL)
			resolve(R, b[i], "error", NULL, -1, "out of memory");
		else
			resolve(R, b[i], res[i].kind == APOLLO_FOUND ? "enriched" : "not_found", ans[i], 0,
			    NULL);
	}
}

static void
fail_batch(apollo_run_t *R, struct entry **b, size_t n, const char *status, const char *reason)
{
	size_t i;

	for (i = 0; i < n; i++)
		resolve(R, b[i], status, NULL, -1, reason);
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether a cache entry, seen while claiming, answers for this run. */
static int
answered(const char *val, size_t len, void *ctx)
{
	const struct ws *w = ctx;
	const apollo_run_t *R = w->run;
	long long t = claim_entry_time(val, len), since = 0;

	if (w->ttl > 0)
		since = (long long)time(NULL) - w->ttl;
	/* --refresh: only what another process asked after this run began (the
	 * second it began is ambiguous: asked again). */
	if (R->refresh && since <= (long long)R->start)
		since = (long long)R->start + 1;
	return t >= 0 && t >= since;
}

/*
 * Another process answered e while this one waited for it: takes the answer
 * from the cache. Returns 1 when resolved, 0 when the cache has no usable
 * answer after all, -1 on a fatal error.
 */
static int
take_cached(apollo_run_t *R, struct entry *e)
{
	apollo_answer_t *ans;
	json_t *v = NULL;
	char err[512];
	time_t fetched;
	int rc, bad;

	rc = cache_get(R->db, APOLLO_PROVIDER, e->ws->name, e->email, e->ws->ttl, time(NULL), &v,
	    &fetched, err, sizeof err);
	if (rc < 0) {
		say(R, "db: %s", err);
		R->io_error = 1;
		return -1;
	}
	if (rc != DB_OK)
		return 0;
	ans = apollo_answer_of_cache(v, fetched, &bad);
	json_free(v);
	if (ans == NULL) {
		if (bad)
			return 0;
		oom(R);
		return -1;
	}
	R->hits++;
	e->ws->hits++;
	memo_put(R, e->key, ans);
	resolve(R, e, ans->facts ? "enriched" : "not_found", ans, 1, NULL);
	return 1;
}

static void
unqueue(apollo_run_t *R, struct entry *e, struct entry *prev)
{
	if (prev)
		prev->qnext = e->qnext;
	else
		R->qhead = e->qnext;
	if (R->qtail == e)
		R->qtail = prev;
	e->qnext = NULL;
	e->queued = 0;
}

static int ask(apollo_run_t *R, struct entry **b, size_t n);

/*
 * One bulk call for the oldest queued emails of one workspace that no other
 * process is asking for (lib/claim.h): those another process answered in the
 * meantime come from the cache, those it is asking for now wait and are
 * claimed again later. Returns 0, or -1 when fatal.
 */
static int
call_once(apollo_run_t *R)
{
	struct entry *b[APOLLO_BATCH_MAX], *e, *prev, *next;
	enum claim_state st[APOLLO_BATCH_MAX];
	const char *keys[APOLLO_BATCH_MAX];
	struct ws *w = NULL;
	long long now = mono_ms(), wake = -1;
	long max = R->batch, left;
	char err[512], reason[300];
	size_t n = 0, i, taken;
	int rc;

	for (e = R->qhead; e; e = e->qnext)
		if (e->not_before_ms <= now) {
			w = e->ws;
			break;
		} else if (wake < 0 || e->not_before_ms < wake)
			wake = e->not_before_ms;
	if (w == NULL) {
		/* Every email left is being asked for by another process. */
		struct timespec ts = { (wake - now) / 1000, ((wake - now) % 1000) * 1000000 };

		if (flush_out(R) != 0)
			return -1;
		nanosleep(&ts, NULL);
		return 0;
	}
	if (!R->dry_run && (left = credits_left(R, w)) >= 0 && left < max) {
		if (left == 0) {
			snprintf(reason, sizeof reason,
			    "monthly Apollo budget of %g credits reached (%g used)",
			    w->budget->budget, w->budget->used);
			workspace_stop(w->ws, WS_APOLLO, WS_QUOTA_REACHED, reason);
			say(R, "workspace %s: %s: the rest are quota_exhausted", w->name,
			    reason);
			R->quota = 1;
			drain(R, w, "quota_exhausted", workspace_stop_reason(w->ws, WS_APOLLO));
			return 0;
		}
		max = left;
	}
	for (prev = NULL, e = R->qhead; e && (long)n < max; e = next) {
		next = e->qnext;
		if (e->ws != w || e->not_before_ms > now) {
			prev = e;
			continue;
		}
		unqueue(R, e, prev);
		b[n++] = e;
	}
	if (R->dry_run)
		return ask(R, b, n);
	for (i = 0; i < n; i++)
		keys[i] = b[i]->email;
	rc = claim_take(R->db, APOLLO_PROVIDER, w->name, keys, n, answered, w, time(NULL), st, err,
	    sizeof err);
	if (rc != DB_OK) {
		say(R, "db: %s", err);
		R->io_error = 1;
		fail_batch(R, b, n, "error", "db write failed");
		return -1;
	}
	for (i = taken = 0; i < n; i++) {
		switch (st[i]) {
		case CLAIM_TAKEN:
			b[taken++] = b[i];
			continue;
		case CLAIM_ANSWERED:
			if ((rc = take_cached(R, b[i])) < 0)
				return -1;
			if (rc > 0)
				continue;
			break;   /* unreadable after all: ask again later */
		case CLAIM_HELD:
			b[i]->not_before_ms = now + CLAIM_POLL_MS;
			break;
		}
		enqueue(R, b[i]);
	}
	if (taken == 0)
		return 0;
	/* Entries live until their records leave, after this returns. */
	for (i = 0; i < taken; i++)
		keys[i] = b[i]->email;
	rc = ask(R, b, taken);
	/* After the answers are in the cache: whoever claims next finds them there. */
	if (claim_release(R->db, APOLLO_PROVIDER, w->name, keys, taken, err, sizeof err) != DB_OK) {
		say(R, "db: %s", err);
		R->io_error = 1;
		return -1;
	}
	return rc;
}

/* Asks Apollo for b[0..n), all of one workspace, claimed. Returns 0, or -1 when fatal. */
static int
ask(apollo_run_t *R, struct entry **b, size_t n)
{
	struct apollo_ask asks[APOLLO_BATCH_MAX];
	struct apollo_result res[APOLLO_BATCH_MAX];
	struct ws *w = b[0]->ws;
	http_response_t *resp = NULL;
	const char *hdrs[6];
	struct http_request req;
	char reason[700], ex[200], err[512];
	double credits = 0;
	long started;
	size_t i;
	buf_t body;
	int rc;

	R->calls++;
	R->emails_asked += n;
	w->asked += n;
	R->credits_max += (double)n;
	if (R->dry_run) {
		for (i = 0; i < n; i++) {
			if (u64set_add(&R->seen, hash_str(b[i]->key)) < 0) {
				oom(R);
				return -1;
			}
			resolve(R, b[i], "dry_run", NULL, 0, NULL);
		}
		return 0;
	}
	for (i = 0; i < n; i++) {
		asks[i].email = b[i]->email;
		asks[i].first_name = b[i]->first;
		asks[i].last_name = b[i]->last;
		asks[i].linkedin_url = b[i]->li;
	}
	buf_init(&body, 1 << 20);
	if (apollo_request_body(asks, n, &body) != APOLLO_OK || ensure_http(R) != 0) {
		buf_free(&body);
		if (!R->io_error)
			oom(R);
		return -1;
	}
	hdrs[0] = "Content-Type: application/json";
	hdrs[1] = "Accept: application/json";
	hdrs[2] = "Cache-Control: no-cache";
	hdrs[3] = w->hdr_key;
	hdrs[4] = NULL;
	req.method = "POST";
	req.url = R->url;
	req.headers = hdrs;
	req.body = buf_ptr(&body);
	req.body_len = buf_len(&body);
	if (flush_out(R) != 0) {
		buf_free(&body);
		return -1;
	}
	if (R->progress)
		progress(R);
	started = http_started(R->http);
	rc = http_do(R->http, &req, &resp);
	buf_free(&body);
	if (rc != HTTP_OK) {
		if (rc == HTTP_ENOMEM)
			oom(R);
		else {
			say(R, "libcurl failed");
			R->io_error = 1;
		}
		return -1;
	}
	R->attempts += (unsigned long long)(http_started(R->http) - started);
	if (resp->status == 200) {
		rc = apollo_parse_response(resp->body, resp->body_len, asks, n, res, &credits, err,
		    sizeof err);
		count_call(R, w, http_started(R->http) - started, rc == APOLLO_OK ? credits : 0);
		if (rc == APOLLO_ENOMEM) {
			http_response_free(resp);
			oom(R);
			return -1;
		}
		if (rc == APOLLO_OK) {
			R->calls_ok++;
			R->credits += credits;
			R->consecutive_fail = 0;
			take_answer(R, b, n, res);
			apollo_results_free(res, n);
			if (R->verbose)
				say(R, "workspace %s: bulk_match of %zu: %g credits", w->name,
				    n, credits);
			after_headers(R, w, resp);
		} else {
			snprintf(reason, sizeof reason, "invalid answer from Apollo: %s", err);
			say(R, "workspace %s: %s (%zu contacts marked error)", w->name,
			    reason, n);
			fail_batch(R, b, n, "error", reason);
		}
		http_response_free(resp);
		return 0;
	}
	count_call(R, w, http_started(R->http) - started, 0);
	excerpt(resp->body, resp->body_len, w, ex, sizeof ex);
	if (resp->status == 401 || resp->status == 403) {
		snprintf(reason, sizeof reason, "Apollo refused the API key (HTTP %ld%s%s)",
		    resp->status, *ex ? ": " : "", ex);
		workspace_stop(w->ws, WS_APOLLO, WS_KEY_REFUSED, reason);
		say(R, "workspace %s: %s: no more calls for this workspace", w->name,
		    reason);
		fail_batch(R, b, n, "error", workspace_stop_reason(w->ws, WS_APOLLO));
		drain(R, w, "error", workspace_stop_reason(w->ws, WS_APOLLO));
	} else if (resp->status == 429) {
		snprintf(reason, sizeof reason,
		    "Apollo rate limit reached (HTTP 429 after %d attempts); try later",
		    resp->attempts);
		workspace_stop(w->ws, WS_APOLLO, WS_QUOTA_REACHED, reason);
		say(R, "workspace %s: %s", w->name, reason);
		R->rate_limited = 1;
		fail_batch(R, b, n, "quota_exhausted", workspace_stop_reason(w->ws, WS_APOLLO));
		drain(R, w, "quota_exhausted", workspace_stop_reason(w->ws, WS_APOLLO));
	} else if (resp->status == 0 || resp->transient) {
		R->calls_unavail++;
		R->consecutive_fail++;
		if (resp->status)
			snprintf(reason, sizeof reason, "Apollo unavailable: HTTP %ld after %d attempts",
			    resp->status, resp->attempts);
		else
			snprintf(reason, sizeof reason, "Apollo unavailable: %s after %d attempts",
			    resp->error, resp->attempts);
		say(R, "workspace %s: %s (%zu contacts marked error)", w->name, reason, n);
		fail_batch(R, b, n, "error", reason);
		if (R->consecutive_fail >= R->max_failures) {
			R->stop_all = 1;
			snprintf(R->stop_reason, sizeof R->stop_reason, "%s; no more calls this run",
			    reason);
			say(R, "%ld calls in a row failed: no more calls this run",
			    R->consecutive_fail);
			drain(R, NULL, "error", R->stop_reason);
		}
	} else {
		snprintf(reason, sizeof reason, "Apollo answered HTTP %ld%s%s", resp->status,
		    *ex ? ": " : "", ex);
		say(R, "workspace %s: %s (%zu contacts marked error)", w->name, reason, n);
		fail_batch(R, b, n, "error", reason);
	}
	http_response_free(resp);
	return 0;
}

/* ---- the end ---- */

static void
report(apollo_run_t *R)
{
	struct apollo_ratelimit rl;
	struct ws *w;
	long long least;
	double secs;
	int i;

	for (i = 0; i < APOLLO_RL_N; i++)
		rl.limit[i] = rl.usage[i] = rl.left[i] = -1;
	/* The strictest limits of the workspaces that would call. */
	for (w = R->wss; w; w = w->next)
		if (w->asked > 0)
			for (i = 0; i < APOLLO_RL_N; i++)
				if (w->rl.limit[i] > 0 && (rl.limit[i] < 0 || w->rl.limit[i] < rl.limit[i]))
					rl.limit[i] = w->rl.limit[i];
	least = apollo_least_ms((long)R->calls, R->delay_ms, &rl);
	secs = (double)least / 1000.0;
	if (R->progress)
		R->o.text(R->o.ctx, "\n");
	if (R->dry_run && !R->quiet) {
		char lim[160] = "";

		if (R->calls > 0)
			snprintf(lim, sizeof lim, " (%ld ms between calls, %ld/minute, %ld/hour, %ld/day)",
			    R->delay_ms, rl.limit[0], rl.limit[1], rl.limit[2]);
		say(R, "dry run: %llu records, %llu contacts, %llu with an email, "
		    "%llu cache hits, %llu asked earlier in the run, %llu calls for %llu emails, "
		    "at most %g credits, at least %.1f s at the rate limits%s",
		    R->records, R->contacts, R->with_email, R->hits, R->in_run, R->calls, R->emails_asked,
		    R->credits_max, secs, lim);
		for (w = R->wss; w; w = w->next)
			if (w->budget && w->budget->limited)
				say(R, "dry run: workspace %s: %g of %g budget credits left this "
				    "month", w->name, w->budget->used < w->budget->budget ?
				    w->budget->budget - w->budget->used : 0, w->budget->budget);
	} else if (R->verbose)
		say(R, "%llu records, %llu contacts: %llu enriched, %llu not found, "
		    "%llu errors, %llu skipped, %llu quota_exhausted; %llu cache hits, %llu calls, "
		    "%g credits", R->records, R->contacts, R->n_enriched, R->n_not_found, R->n_error,
		    R->n_skipped, R->n_quota, R->hits, R->calls, R->credits);
	if (R->stats_json)
		textf(R, "{\"program\":\"apollo-enrich\",\"dry_run\":%s,\"records\":%llu,"
		    "\"contacts\":%llu,\"with_email\":%llu,\"cache_hits\":%llu,\"asked_earlier\":%llu,"
		    "\"calls\":%llu,\"attempts\":%llu,\"emails_asked\":%llu,\"credits\":%g,"
		    "\"credits_max\":%g,\"least_seconds\":%.3f,\"enriched\":%llu,\"not_found\":%llu,"
		    "\"error\":%llu,\"skipped\":%llu,\"quota_exhausted\":%llu,\"dry_run_contacts\":%llu}\n",
		    R->dry_run ? "true" : "false", R->records, R->contacts, R->with_email, R->hits,
		    R->in_run, R->calls, R->attempts, R->emails_asked, R->credits, R->credits_max, secs,
		    R->n_enriched, R->n_not_found, R->n_error, R->n_skipped, R->n_quota, R->n_dry);
}

/* ---- the life cycle ---- */

int
apollo_run_new(const struct apollo_run_opts *o, apollo_run_t **out, char *err, size_t errlen)
{
	apollo_run_t *R = calloc(1, sizeof *R);

	*out = NULL;
	if (R == NULL || (R->win = window_new((size_t)o->window)) == NULL) {
		free(R);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	R->o = *o;
	R->delay_ms = o->delay_ms;
	R->retries = o->retries;
	R->retry_429 = o->retry_429;
	R->backoff_429_ms = o->backoff_429_ms;
	R->backoff_ms = o->backoff_ms;
	R->timeout_ms = o->timeout_ms;
	R->connect_timeout_ms = o->connect_timeout_ms;
	R->window = o->window;
	R->batch = o->batch;
	R->max_pause_ms = o->max_pause_ms;
	R->max_failures = o->max_failures;
	R->cache_days_text = o->cache_days_text;
	R->budget_text = o->budget_text;
	R->workspace = o->workspace;
	R->dry_run = o->dry_run;
	R->refresh = o->refresh;
	R->stats_json = o->stats_json;
	R->quiet = o->quiet;
	R->verbose = o->verbose;
	R->unbuffered = o->unbuffered;
	R->progress = o->progress;
	snprintf(R->url, sizeof R->url, "%s", o->url);
	snprintf(R->dbdir, sizeof R->dbdir, "%s", o->dbdir);
	R->start = time(NULL);
	/* A record out is its line and its contacts' answers: the cap only stops the absurd. */
	buf_init(&R->out, (size_t)1 << 30);
	buf_init(&R->vals, (size_t)1 << 30);
	buf_init(&R->key, 4096);
	*out = R;
	return 0;
}

int
apollo_run_full(const apollo_run_t *R)
{
	return window_full(R->win);
}

int
apollo_run_add(apollo_run_t *R, const char *text, size_t len, jspan_t root,
    const jspan_index_t *ix)
{
	return admit(R, text, len, root, ix);
}

int
apollo_run_process(apollo_run_t *R, int eof)
{
	struct item *it;
	unsigned waits;

	/* What is ready leaves, in order. */
	while ((it = window_pop_ready(R->win)) != NULL)
		if (emit(R, it) != 0)
			return -1;
	if (window_count(R->win) == 0)
		return eof ? 1 : 0;
	if (!eof && !window_full(R->win))
		return 0;
	(void)window_head(R->win, &waits, NULL);
	if (waits == 0 || R->qhead == NULL) {
		/* Cannot happen: the head waits for a queued entry. */
		say(R, "internal error: the oldest record waits for nothing queued");
		R->io_error = 1;
		return -1;
	}
	return call_once(R) != 0 ? -1 : 0;
}

void
apollo_run_finish(apollo_run_t *R)
{
	/* What was gathered goes out, whatever stopped the run, unless the output failed. */
	(void)write_out(R);
	report(R);
}

void
apollo_run_stats(const apollo_run_t *R, struct apollo_run_stats *st)
{
	memset(st, 0, sizeof *st);
	st->records = R->records;
	st->contacts = R->contacts;
	st->calls = R->calls;
	st->calls_ok = R->calls_ok;
	st->calls_unavail = R->calls_unavail;
	st->n_enriched = R->n_enriched;
	st->n_not_found = R->n_not_found;
	st->n_error = R->n_error;
	st->n_skipped = R->n_skipped;
	st->n_quota = R->n_quota;
	st->n_dry = R->n_dry;
	st->io_error = R->io_error;
	st->conf_error = R->conf_error;
	st->rate_limited = R->rate_limited;
	st->quota = R->quota;
}

void
apollo_run_free(apollo_run_t *R)
{
	struct item *it;
	struct ws *w;

	if (R == NULL)
		return;
	window_free(R->win, item_free, entry_free_v);
	free(R->people);
	while ((it = R->spare) != NULL) {
		R->spare = it->next_spare;
		item_destroy(it);
	}
	buf_free(&R->out);
	buf_free(&R->vals);
	buf_free(&R->key);
	http_client_free(R->http);
	while ((w = R->wss) != NULL) {
		R->wss = w->next;
		ws_free(w);
	}
	if (R->badname_ws)
		ws_free(R->badname_ws);
	u64set_free(&R->seen);
	apollo_memo_free(R->memo);
	db_close(R->db);
	free(R);
}
