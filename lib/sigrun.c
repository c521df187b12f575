#include "sigrun.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "budget.h"
#include "cache.h"
#include "claim.h"
#include "company.h"
#include "hash.h"
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
	int out_s;
	int fail_streak;           /* searches in a row that found Serper unavailable */
	char down_reason[256];     /* set when fail_streak reached max_failures */
	/* DeepSeek batches of the window */
	struct batch **batches;
	size_t nbatches, abatches, next_batch;
	int out_l;
	u64set_t seen;                 /* --dry-run: accounts counted so far (hash of ws + key) */
};

#define say(r, ...) stage_say(&(r)->s, __VA_ARGS__)
#define WSRUN(sw) ((struct wsrun *)(sw))

static int
nonblank(const char *s)
{
	if (s == NULL)
		return 0;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 1;
	return 0;
}

/* ---- workspaces ---- */

static int
ws_load(sigrun_t *r, const char *name, struct wsrun **out, char *err, size_t errlen)
{
	struct stage_ws *sw;
	struct wsrun *w;
	int rc;

	if ((*out = WSRUN(stage_ws_find(r->wss, name))) != NULL)
		return SIGRUN_OK;
	if ((rc = stage_ws_open(name, r->o.cache_days_flag, sizeof *w, &sw, err, errlen)) != STAGE_OK)
		return rc;
	w = WSRUN(sw);
	w->serper_key = workspace_key(sw->ws, WS_SERPER);
	w->sb = workspace_budget(sw->ws, WS_SERPER);
	w->lb = workspace_budget(sw->ws, WS_DEEPSEEK);
	if ((rc = workspace_budget_load(sw->ws, WS_SERPER, r->o.db, r->o.budget_flag, r->now,
	    err, errlen)) != WORKSPACE_OK ||
	    (rc = workspace_budget_load(sw->ws, WS_DEEPSEEK, r->o.db, NULL, r->now,
	    err, errlen)) != WORKSPACE_OK) {
		stage_ws_free(sw);
		return rc == WORKSPACE_EIO ? SIGRUN_EIO : SIGRUN_ECONFIG;
	}
	budget_need_start(&w->need, w->sb);
	if (llm_config_load(workspace_conf(sw->ws), r->o.model_flag, &w->llm, err, errlen) != 0)
		goto config;
	w->use_llm = r->o.classifier != SIGRUN_RULES && w->llm.api_key != NULL;
	if (r->o.classifier == SIGRUN_LLM && w->llm.api_key == NULL) {
		snprintf(err, errlen, "--classifier llm: workspace %s has no DeepSeek key "
		    "(deepseek_api_key in %s, or DEEPSEEK_API_KEY)", name, workspace_path(sw->ws));
		goto config;
	}
	if (w->serper_key && r->o.verbose)
		say(r, "workspace %s: signals classified by %s", name,
		    w->use_llm ? w->llm.model : "the rules (no DeepSeek key)");
	stage_ws_link(&r->wss, sw);
	*out = w;
	return SIGRUN_OK;
config:
	stage_ws_free(sw);
	return SIGRUN_ECONFIG;
}

int
sigrun_workspace(sigrun_t *r, const char *ws, char *err, size_t errlen)
{
	struct wsrun *w;
	int rc;

	if (r->now == 0)
		r->now = r->o.now ? r->o.now : time(NULL);
	if ((rc = stage_workspace_name(ws, err, errlen)) != STAGE_OK)
		return rc;
	return ws_load(r, ws, &w, err, errlen);
}

/* ---- life cycle ---- */

int
sigrun_new(const struct sigrun_opts *o, sigrun_t **out, char *err, size_t errlen)
{
	sigrun_t *r = calloc(1, sizeof *r);

	*out = NULL;
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return SIGRUN_ENOMEM;
	}
	r->o = *o;
	r->s.db = o->db;
	r->s.notice = o->notice;
	r->s.notice_ctx = o->notice_ctx;
	r->start = o->now ? o->now : time(NULL);
	if (r->o.window == 0)
		r->o.window = SIGRUN_WINDOW_DEFAULT;
	if (r->o.batch <= 0)
		r->o.batch = SIGRUN_BATCH_DEFAULT;
	if (r->o.max_failures <= 0)
		r->o.max_failures = SIGRUN_MAX_FAILURES_DEFAULT;
	if ((r->w = window_new(r->o.window)) == NULL) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return SIGRUN_ENOMEM;
	}
	if (!o->dry_run && ((r->shttp = http_client_new(&r->o.serper_http)) == NULL ||
	    (r->lhttp = http_client_new(&r->o.llm_http)) == NULL ||
	    (r->llm = llm_new(r->lhttp, r->o.db)) == NULL)) {
		sigrun_free(r);
		snprintf(err, errlen, "cannot set up the HTTP client (memory or libcurl)");
		return SIGRUN_EHTTP;
	}
	*out = r;
	return SIGRUN_OK;
}

static void
rec_free(void *p)
{
	struct rec *ri = p;

	if (ri) {
		json_free(ri->rec);
		free(ri);
	}
}

static void
acct_free(struct acct *a)
{
	int i;

	if (a == NULL)
		return;
	for (i = 0; i < SIGRUN_MAX_QUERIES; i++) {
		free(a->q[i].q);
		free(a->q[i].qid);
		json_free(a->q[i].items);
	}
	free(a->wkey);
	free(a->key);
	free(a->company);
	free(a->domain);
	json_free(a->entry);
	json_free(a->items);
	json_free(a->result);
	json_free(a->llm_input);
	free(a->llm_key);
	free(a);
}

static void release(sigrun_t *r, struct acct *a);

static void
accts_free(sigrun_t *r)
{
	struct acct *a, *n;
	size_t i;

	for (a = r->accts; a; a = n) {
		n = a->next;
		release(r, a);   /* a search that never ended (the HTTP client failed) */
		window_key_del(r->w, a->wkey);
		acct_free(a);
	}
	r->accts = r->accts_tail = NULL;
	free(r->jobs);
	r->jobs = NULL;
	r->njobs = r->next_job = 0;
	for (i = 0; i < r->nbatches; i++) {
		free(r->batches[i]->a);
		free(r->batches[i]);
	}
	free(r->batches);
	r->batches = NULL;
	r->nbatches = r->abatches = r->next_batch = 0;
}

void
sigrun_free(sigrun_t *r)
{
	if (r == NULL)
		return;
	accts_free(r);
	window_free(r->w, rec_free, NULL);
	llm_free(r->llm);
	http_client_free(r->shttp);
	http_client_free(r->lhttp);
	stage_ws_free_all(&r->wss);
	u64set_free(&r->seen);
	free(r);
}

int
sigrun_full(const sigrun_t *r)
{
	return window_full(r->w);
}

int
sigrun_add(sigrun_t *r, json_t *rec)
{
	struct rec *ri = calloc(1, sizeof *ri);

	if (ri == NULL) {
		json_free(rec);
		return SIGRUN_ENOMEM;
	}
	ri->rec = rec;
	if (window_push(r->w, ri, 0, NULL) != WINDOW_OK) {
		rec_free(ri);
		return SIGRUN_ENOMEM;
	}
	return SIGRUN_OK;
}

json_t *
sigrun_next(sigrun_t *r)
{
	struct rec *ri = window_head(r->w, NULL, NULL);
	json_t *rec;

	if (ri == NULL || !ri->done)
		return NULL;
	window_pop_ready(r->w);
	rec = ri->rec;
	free(ri);
	return rec;
}

void
sigrun_stats(const sigrun_t *r, struct sigrun_stats *out)
{
	const struct stage_ws *sw;

	*out = r->st;
	out->db_failed = r->s.db_failed > 0;
	out->would_search = out->would_classify_calls = 0;
	out->would_credits = 0;
	for (sw = r->wss; sw; sw = sw->next) {
		const struct wsrun *w = WSRUN(sw);

		out->would_search += w->d_search;
		out->would_credits += w->d_credits;
		out->would_classify_calls += w->d_calls;
	}
	out->least_ms = out->would_search > 0 ?
	    (long)(out->would_search - 1) * r->o.serper_http.min_interval_ms : 0;
}

/* ---- intake: which account each record is about ---- */

static struct acct *
acct_new(sigrun_t *r, struct wsrun *w, const char *wkey, const char *key, const char *company,
    const char *domain)
{
	struct acct *a = calloc(1, sizeof *a);
	buf_t q;
	size_t i;

	if (a == NULL)
		return NULL;
	a->ws = w;
	if ((a->wkey = strdup(wkey)) == NULL || (a->key = strdup(key)) == NULL ||
	    (company && (a->company = strdup(company)) == NULL) ||
	    (domain && (a->domain = strdup(domain)) == NULL))
		goto fail;
	buf_init(&q, 1 << 16);
	for (i = 0; i < r->o.nqueries; i++) {
		const struct serper_query *sq = &r->o.queries[i];

		if (serper_query_expand(sq->tmpl, company, domain, &q) != 0 ||
		    (a->q[i].q = strdup(buf_ptr(&q))) == NULL ||
		    serper_query_id(sq->endpoint, a->q[i].q, &r->o.params, &q) != 0 ||
		    (a->q[i].qid = strdup(buf_ptr(&q))) == NULL) {
			buf_free(&q);
			goto fail;
		}
	}
	buf_free(&q);
	return a;
fail:
	acct_free(a);
	return NULL;
}

/* Resolves every record of the window to its account, or a reason to skip it. */
static int
intake(sigrun_t *r, char *err, size_t errlen)
{
	unsigned long long seq;
	struct rec *ri;
	buf_t key, wkey;
	int rc = SIGRUN_OK;

	if (window_head(r->w, NULL, &seq) == NULL)
		return SIGRUN_OK;
	buf_init(&key, 1 << 16);
	buf_init(&wkey, 1 << 17);
	for (; (ri = window_get(r->w, seq)) != NULL; seq++) {
		const json_t *acc = json_get(ri->rec, "account");
		const char *wsname = r->o.workspace ? r->o.workspace :
		    json_str(json_get(ri->rec, "workspace_id"));
		const char *name = json_str(json_get(acc, "name"));
		const char *domain = json_str(json_get(acc, "domain"));
		struct wsrun *w;
		struct acct *a;
		int k;

		if (ri->done || ri->a || ri->skip || ri->untouched)
			continue;
		r->st.records++;
		if (!json_is(acc, JSON_OBJECT)) {
			ri->untouched = 1;
			continue;
		}
		if (!nonblank(wsname)) {
			ri->skip = "no workspace_id (give --workspace)";
			if (!r->said_nows++)
				say(r, "records without a workspace_id are passed through with signals "
				    "skipped; give --workspace");
			continue;
		}
		if (!conf_workspace_valid(wsname)) {
			ri->skip = "workspace_id is not a usable workspace name";
			if (!r->said_badws++)
				say(r, "records whose workspace_id is not a usable name are passed "
				    "through with signals skipped");
			continue;
		}
		if ((k = account_key(ri->rec, &key)) < 0) {
			rc = SIGRUN_ENOMEM;
			break;
		}
		if (k == 1) {
			ri->skip = "the account has no domain, id or name";
			continue;
		}
		if (!nonblank(name))
			name = NULL;
		if (!nonblank(domain))
			domain = NULL;
		if (name == NULL && domain == NULL) {
			ri->skip = "the account has no name or domain to search for";
			continue;
		}
		if ((rc = ws_load(r, wsname, &w, err, errlen)) != SIGRUN_OK)
			break;
		if (w->serper_key == NULL) {
			ri->skip = "no Serper key";
			if (!w->said_nokey++)
				say(r, "workspace %s: no Serper key (serper_api_key in %s, or "
				    "SERPER_API_KEY): records passed through with signals skipped",
				    w->s.name, workspace_path(w->s.ws));
			continue;
		}
		buf_reset(&wkey);
		if (buf_adds(&wkey, w->s.name) != BUF_OK || buf_addc(&wkey, '\x1f') != BUF_OK ||
		    buf_add(&wkey, buf_ptr(&key), buf_len(&key)) != BUF_OK) {
			rc = SIGRUN_ENOMEM;
			break;
		}
		if ((a = window_key_get(r->w, buf_ptr(&wkey))) == NULL) {
			if ((a = acct_new(r, w, buf_ptr(&wkey), buf_ptr(&key), name, domain)) == NULL) {
				rc = SIGRUN_ENOMEM;
				break;
			}
			if (window_key_put(r->w, buf_ptr(&wkey), a) != WINDOW_OK) {
				acct_free(a);
				rc = SIGRUN_ENOMEM;
				break;
			}
			if (r->accts_tail)
				r->accts_tail->next = a;
			else
				r->accts = a;
			r->accts_tail = a;
		}
		ri->a = a;
	}
	buf_free(&key);
	buf_free(&wkey);
	if (rc == SIGRUN_ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* ---- the cache of search results ---- */

/*
 * An account's cache entry: {"queries":{"<query id>":{"fetched_at":"...",
 * "items":[...]}, ...}}, so that runs with other --query templates share it.
 */
/* Whether a query's entry e of the cache holds its results, fresh; *t gets when they were fetched. */
static int
query_fresh(const sigrun_t *r, const struct acct *a, const json_t *e, time_t *t)
{
	return json_is(json_get(e, "items"), JSON_ARRAY) &&
	    cache_time_parse(json_str(json_get(e, "fetched_at")), t) == 0 &&
	    (a->ws->s.ttl <= 0 || r->now - *t <= a->ws->s.ttl);
}

static int
lookup(sigrun_t *r, struct acct *a, char *err, size_t errlen)
{
	const json_t *qs;
	size_t i;
	int rc;

	if (!r->o.refresh || a->reread) {
		rc = cache_get(r->o.db, "serper", a->ws->s.name, a->key, 0, r->now, &a->entry, NULL,
		    err, errlen);
		if (rc != DB_OK && rc != DB_NOTFOUND)
			return rc == DB_ENOMEM ? SIGRUN_ENOMEM : SIGRUN_EIO;
	}
	qs = json_get(a->entry, "queries");
	for (i = 0; i < r->o.nqueries; i++) {
		const json_t *e = json_get(qs, a->q[i].qid);
		time_t t;

		a->q[i].state = Q_NEED;
		if (query_fresh(r, a, e, &t)) {
			if ((a->q[i].items = json_clone(json_get(e, "items"))) == NULL) {
				snprintf(err, errlen, "out of memory");
				return SIGRUN_ENOMEM;
			}
			a->q[i].state = Q_CACHED;
			a->q[i].fetched = t;
		} else
			a->pending++;
	}
	return SIGRUN_OK;
}

static json_t *
query_entry(const struct qslot *s)
{
	json_t *e = json_new_object();
	char ts[32];

	if (e == NULL)
		return NULL;
	cache_time_format(s->fetched, ts, sizeof ts);
	if (json_set_str(e, "fetched_at", ts) != JSON_OK ||
	    json_set(e, "items", json_clone(s->items)) != JSON_OK) {
		json_free(e);
		return NULL;
	}
	return e;
}

/* Writes the account's entry: this run's queries, then the others still fresh. */
static void
store(sigrun_t *r, struct acct *a)
{
	json_t *entry = json_new_object(), *qs = json_new_object();
	const json_t *old = json_get(a->entry, "queries");
	size_t i;
	int n = 0;

	if (entry == NULL || qs == NULL || json_set(entry, "queries", qs) != JSON_OK) {
		if (entry == NULL)
			json_free(qs);
		goto nomem;
	}
	for (i = 0; i < r->o.nqueries; i++)
		if (a->q[i].state == Q_CACHED || a->q[i].state == Q_FETCHED) {
			if (json_set(qs, a->q[i].qid, query_entry(&a->q[i])) != JSON_OK)
				goto nomem;
			n++;
		}
	for (i = 0; i < json_len(old) && n < MAX_CACHED_QUERIES; i++) {
		const char *id = json_key_at(old, i);
		time_t t;

		if (json_get(qs, id) != NULL ||
		    cache_time_parse(json_str(json_get(json_val_at(old, i), "fetched_at")), &t) != 0 ||
		    (a->ws->s.ttl > 0 && r->now - t > a->ws->s.ttl))
			continue;
		if (json_set(qs, id, json_clone(json_val_at(old, i))) != JSON_OK)
			goto nomem;
		n++;
	}
	stage_cache_put(&r->s, "serper", a->ws->s.name, a->key, entry, r->now);
	json_free(entry);
	return;
nomem:
	json_free(entry);
	r->nomem = 1;
}

/* ---- searches ---- */

static void feed(sigrun_t *r);

static void
acct_fail(struct acct *a, int state, const char *msg)
{
	if (a->state == A_ERROR || a->state == A_QUOTA)
		return;
	a->state = state;
	snprintf(a->err, sizeof a->err, "%s", msg);
}

/* Lets others search the account: after its answer is in the cache. */
static void
release(sigrun_t *r, struct acct *a)
{
	if (!a->claimed)
		return;
	a->claimed = 0;
	stage_release(&r->s, "serper", a->ws->s.name, a->key, "an account");
}

/* One of the account's queries is over. */
static void
query_over(sigrun_t *r, struct acct *a)
{
	if (--a->pending > 0)
		return;
	if (a->fresh)
		store(r, a);
	release(r, a);
}

/* A query the run will not send (searches stopped for the workspace). */
static void
query_stopped(sigrun_t *r, struct acct *a, int qi)
{
	struct wsrun *w = a->ws;

	a->q[qi].state = Q_FAILED;
	acct_fail(a, workspace_stopped(w->s.ws, WS_SERPER) == WS_KEY_REFUSED ? A_ERROR : A_QUOTA,
	    workspace_stop_reason(w->s.ws, WS_SERPER));
	query_over(r, a);
}

static void
on_search(http_response_t *resp, void *user)
{
	struct job *j = user;
	sigrun_t *r = j->r;
	struct acct *a = j->a;
	struct wsrun *w = a->ws;
	struct qslot *s = &a->q[j->qi];
	struct ledger_usage u = { 1, 0, 0 };
	char err[200], msg[256];
	double credits = 0;
	json_t *items = json_new_array();
	int rc;

	r->out_s--;
	r->st.searches++;
	if (items == NULL) {
		rc = SERPER_ENOMEM;
		snprintf(err, sizeof err, "out of memory");
	} else
		rc = serper_parse(resp->status, resp->body, resp->body_len, resp->error, s->q, r->now,
		    items, &credits, err, sizeof err);
	/* The budget held one credit back for this call: settle it. */
	budget_spend(w->sb, credits - 1);
	u.credits = credits;
	stage_ledger(&r->s, w->s.name, "serper", r->now, &u);
	if (rc == SERPER_OK) {
		r->fail_streak = 0;
		r->st.searches_ok++;
		r->st.credits += credits;
		s->items = items;
		s->state = Q_FETCHED;
		s->fetched = r->now;
		a->fresh = 1;
		if (r->o.verbose)
			say(r, "%s: %zu results for %s", w->s.name, json_len(items), s->q);
	} else {
		json_free(items);
		s->state = Q_FAILED;
		switch (rc) {
		case SERPER_EAUTH:
			r->st.auth_failed = 1;
			if (workspace_stopped(w->s.ws, WS_SERPER) == WS_CALLING) {
				snprintf(msg, sizeof msg, "Serper refused the key (%s)", err);
				workspace_stop(w->s.ws, WS_SERPER, WS_KEY_REFUSED, msg);
				say(r, "workspace %s: Serper refused the key (%s): no more searches for it; "
				    "check serper_api_key in %s or SERPER_API_KEY", w->s.name, err,
				    workspace_path(w->s.ws));
			}
			acct_fail(a, A_ERROR, workspace_stop_reason(w->s.ws, WS_SERPER));
			break;
		case SERPER_ECREDITS:
			if (workspace_stopped(w->s.ws, WS_SERPER) == WS_CALLING) {
				snprintf(msg, sizeof msg, "Serper: %s", err);
				workspace_stop(w->s.ws, WS_SERPER, WS_QUOTA_REACHED, msg);
				say(r, "workspace %s: Serper is out of credits (%s): no more searches "
				    "this run", w->s.name, err);
			}
			acct_fail(a, A_QUOTA, workspace_stop_reason(w->s.ws, WS_SERPER));
			break;
		case SERPER_ENOMEM:
			r->nomem = 1;
			acct_fail(a, A_ERROR, "out of memory");
			break;
		default:
			if (rc != SERPER_EREQUEST)
				r->st.searches_unavailable++;
			if (resp->status == 429)
				r->st.searches_rate_limited++;
			snprintf(msg, sizeof msg, "Serper: %s", err);
			acct_fail(a, A_ERROR, msg);
			if (rc != SERPER_EREQUEST && ++r->fail_streak >= r->o.max_failures &&
			    !r->st.gave_up) {
				r->st.gave_up = 1;
				snprintf(r->down_reason, sizeof r->down_reason, "Serper unavailable "
				    "(%.150s): not searched, %d searches in a row failed", err, r->fail_streak);
				say(r, "%d Serper searches in a row failed (%s): no more searches this run",
				    r->fail_streak, err);
			}
			if (r->o.verbose)
				say(r, "%s: search for %s failed: %s", w->s.name, s->q, err);
			break;
		}
	}
	query_over(r, a);
	feed(r);
}

static void
feed(sigrun_t *r)
{
	int max = r->o.serper_http.max_in_flight > 0 ? r->o.serper_http.max_in_flight : 1;
	struct http_request req;
	const char *hdrs[3];
	char url[600];
	buf_t body, h;

	buf_init(&body, 1 << 20);
	buf_init(&h, 4096);
	/* Serper failing: one probe at a time until it answers or the streak ends the run. */
	while (r->out_s < (r->fail_streak > 0 ? 1 : max) && r->next_job < r->njobs) {
		struct job *j = &r->jobs[r->next_job++];
		struct acct *a = j->a;
		struct wsrun *w = a->ws;

		if (r->st.gave_up) {
			a->q[j->qi].state = Q_FAILED;
			acct_fail(a, A_ERROR, r->down_reason);
			query_over(r, a);
			continue;
		}
		if (!stage_budget_check(&r->s, w->s.ws, WS_SERPER, "credits",
		    "no more searches this run")) {
			query_stopped(r, a, j->qi);
			continue;
		}
		buf_reset(&h);
		if (serper_request_body(a->q[j->qi].q, &r->o.params, &body) != 0 ||
		    buf_adds(&h, "X-API-KEY: ") != BUF_OK || buf_adds(&h, w->serper_key) != BUF_OK ||
		    serper_url(r->o.serper_base, r->o.queries[j->qi].endpoint, url, sizeof url) != 0) {
			r->nomem = 1;
			a->q[j->qi].state = Q_FAILED;
			acct_fail(a, A_ERROR, "out of memory");
			query_over(r, a);
			continue;
		}
		hdrs[0] = buf_ptr(&h);
		hdrs[1] = "Content-Type: application/json";
		hdrs[2] = NULL;
		memset(&req, 0, sizeof req);
		req.method = "POST";
		req.url = url;
		req.headers = hdrs;
		req.body = buf_ptr(&body);
		req.body_len = buf_len(&body);
		if (http_submit(r->shttp, &req, on_search, j) != HTTP_OK) {
			r->nomem = 1;
			a->q[j->qi].state = Q_FAILED;
			acct_fail(a, A_ERROR, "out of memory");
			query_over(r, a);
			continue;
		}
		budget_spend(w->sb, 1);
		r->out_s++;
	}
	if (h.ptr)
		memset(h.ptr, 0, h.alloc);
	buf_free(&h);
	buf_free(&body);
}

/*
 * Whether a cache entry seen while claiming (lib/claim.h) holds every query
 * the account still needs, fresh: another process searched it meanwhile.
 */
struct answered_ctx {
	sigrun_t *r;
	struct acct *a;
};

static int
answered(const char *val, size_t len, void *vctx)
{
	struct answered_ctx *c = vctx;
	long long at = claim_entry_time(val, len);
	const char *nl = memchr(val, '\n', len);
	const json_t *qs, *e;
	json_t *v = NULL;
	char why[64];
	size_t i;
	time_t t;
	int ok = 1;

	if (at < 0 || nl == NULL ||
	    json_parse(nl + 1, len - (size_t)(nl + 1 - val), 0, &v, NULL, why, sizeof why) != JSON_OK)
		return 0;
	qs = json_get(v, "queries");
	for (i = 0; ok && i < c->r->o.nqueries; i++) {
		if (c->a->q[i].state != Q_NEED)
			continue;
		e = json_get(qs, c->a->q[i].qid);
		/* --refresh: only what was searched after this run began. */
		ok = query_fresh(c->r, c->a, e, &t) && (!c->r->o.refresh || t > c->r->start);
	}
	json_free(v);
	return ok;
}

/*
 * Claims each account still to search. Those another process searched
 * meanwhile are read from the cache; those it is searching now are marked
 * held. Returns SIGRUN_OK or an error with err set.
 */
static int
claim_accounts(sigrun_t *r, char *err, size_t errlen)
{
	struct answered_ctx c = { r, NULL };
	enum claim_state st;
	struct acct *a;
	const char *key;
	int i, rc;

	for (a = r->accts; a; a = a->next) {
		a->held = 0;
		if (a->pending == 0 || a->claimed)
			continue;
		key = a->key;
		c.a = a;
		rc = claim_take(r->o.db, "serper", a->ws->s.name, &key, 1, answered, &c, time(NULL), &st,
		    err, errlen);
		if (rc != DB_OK)
			return rc == DB_ENOMEM ? SIGRUN_ENOMEM : SIGRUN_EIO;
		if (st == CLAIM_TAKEN)
			a->claimed = 1;
		else if (st == CLAIM_HELD)
			a->held = 1;
		else {
			json_free(a->entry);
			a->entry = NULL;
			for (i = 0; i < (int)r->o.nqueries; i++) {
				json_free(a->q[i].items);
				a->q[i].items = NULL;
			}
			a->pending = 0;
			a->reread = 1;
			if ((rc = lookup(r, a, err, errlen)) != SIGRUN_OK)
				return rc;
		}
	}
	return SIGRUN_OK;
}

/* The searches of the accounts this process holds the claims of. */
static int
search_claimed(sigrun_t *r, char *err, size_t errlen)
{
	struct acct *a;
	size_t n = 0;
	int i;

	free(r->jobs);
	r->jobs = NULL;
	r->njobs = r->next_job = 0;
	for (a = r->accts; a; a = a->next)
		if (a->claimed)
			n += (size_t)a->pending;
	if (n == 0)
		return SIGRUN_OK;
	if ((r->jobs = calloc(n, sizeof *r->jobs)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return SIGRUN_ENOMEM;
	}
	for (a = r->accts; a; a = a->next)
		for (i = 0; a->claimed && i < (int)r->o.nqueries; i++)
			if (a->q[i].state == Q_NEED) {
				r->jobs[r->njobs].r = r;
				r->jobs[r->njobs].a = a;
				r->jobs[r->njobs].qi = i;
				r->njobs++;
			}
	feed(r);
	if (http_run(r->shttp) != HTTP_OK) {
		snprintf(err, errlen, "the HTTP client failed (memory or libcurl)");
		return SIGRUN_EHTTP;
	}
	return SIGRUN_OK;
}

/* Searches what the window needs, waiting for what other processes search. */
static int
search(sigrun_t *r, char *err, size_t errlen)
{
	struct acct *a;
	int rc, waiting;

	for (;;) {
		if ((rc = claim_accounts(r, err, errlen)) != SIGRUN_OK ||
		    (rc = search_claimed(r, err, errlen)) != SIGRUN_OK)
			return rc;
		for (waiting = 0, a = r->accts; a; a = a->next)
			waiting |= a->held;
		if (!waiting)
			return SIGRUN_OK;
		stage_claim_pause();
	}
}

/* ---- classification ---- */

static int
has_link(const json_t *arr, const char *link)
{
	size_t i;

	for (i = 0; link && i < json_len(arr); i++) {
		const char *l = json_str(json_get(json_at(arr, i), "link"));

		if (l && strcmp(l, link) == 0)
			return 1;
	}
	return 0;
}

/*
 * Whether a result is about the account: not from a query Google corrected,
 * and naming the account (lib/company.h) in its title or snippet. An account
 * that cannot be named keeps every result it has.
 */
static int
about(const struct acct *a, const json_t *it)
{
	int t;

	if (json_get(it, "corrected"))
		return 0;
	t = company_named_in(a->company, a->domain, json_str(json_get(it, "title")));
	return t != 0 || company_named_in(a->company, a->domain, json_str(json_get(it, "snippet"))) == 1;
}

/*
 * The account's results across its queries, in query order, each link once,
 * those about another company (or a corrected query) left out and counted.
 */
static int
merge(sigrun_t *r, struct acct *a)
{
	size_t i, k;

	if ((a->items = json_new_array()) == NULL)
		return -1;
	a->dropped = 0;
	a->cached = 1;
	a->fetched_at = 0;
	for (i = 0; i < r->o.nqueries; i++) {
		const struct qslot *s = &a->q[i];

		if (s->state == Q_FETCHED)
			a->cached = 0;
		if (a->fetched_at == 0 || s->fetched < a->fetched_at)
			a->fetched_at = s->fetched;
		for (k = 0; k < json_len(s->items) && json_len(a->items) < MAX_MERGED; k++) {
			const json_t *it = json_at(s->items, k);

			if (has_link(a->items, json_str(json_get(it, "link"))))
				continue;
			if (!about(a, it)) {
				a->dropped++;
				continue;
			}
			if (json_push(a->items, json_clone(it)) != JSON_OK)
				return -1;
		}
	}
	return 0;
}

static const char *
company_of(const struct acct *a)
{
	return a->company ? a->company : a->domain;
}

static void
by_rules(sigrun_t *r, struct acct *a)
{
	json_free(a->result);
	a->result = signals_classify_rules(company_of(a), a->items, r->now);
	a->classifier = "rules";
	if (a->result == NULL)
		r->nomem = 1;
	else
		r->st.by_rules++;
}

/* The DeepSeek cache key of an account's input; 0, or -1 (memory). */
static int
llm_key(sigrun_t *r, struct acct *a)
{
	const char *parts[3];
	char h[65];
	buf_t b;

	if (a->llm_key)
		return 0;
	if ((a->llm_input = signals_llm_input(a->company, a->domain, a->items)) == NULL)
		return -1;
	buf_init(&b, (size_t)64 << 20);
	if (json_dump(a->llm_input, &b) != JSON_OK) {
		buf_free(&b);
		return -1;
	}
	parts[0] = PROMPT_VERSION;
	parts[1] = signals_llm_system();
	parts[2] = buf_ptr(&b);
	llm_hash(a->ws->llm.model, parts, 3, h);
	buf_free(&b);
	if ((a->llm_key = malloc(8 + sizeof h)) == NULL)
		return -1;
	snprintf(a->llm_key, 8 + sizeof h, "signals:%s", h);
	(void)r;
	return 0;
}

/* 1 when a DeepSeek answer for the account is cached (a->result set), 0 when not, -1 on error. */
static int
llm_cached(sigrun_t *r, struct acct *a, int take)
{
	json_t *v = NULL;
	char err[200];
	int rc;

	if (llm_key(r, a) != 0)
		return -1;
	rc = cache_get(r->o.db, "deepseek", a->ws->s.name, a->llm_key, a->ws->s.ttl, r->now,
	    take ? &v : NULL, NULL, err, sizeof err);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK)
		return -1;
	if (!take)
		return 1;
	if (!json_is(json_get(v, "items"), JSON_ARRAY)) {
		json_free(v);
		return 0;
	}
	json_free(a->result);
	a->result = v;
	a->classifier = "llm";
	return 1;
}

static int
batch_add(sigrun_t *r, struct wsrun *w, struct acct **list, size_t n)
{
	struct batch *b;

	if (r->nbatches == r->abatches) {
		size_t na = r->abatches ? r->abatches * 2 : 16;
		struct batch **nb = realloc(r->batches, na * sizeof *nb);

		if (nb == NULL)
			return -1;
		r->batches = nb;
		r->abatches = na;
	}
	if ((b = calloc(1, sizeof *b)) == NULL)
		return -1;
	if ((b->a = malloc(n * sizeof *b->a)) == NULL) {
		free(b);
		return -1;
	}
	memcpy(b->a, list, n * sizeof *list);
	b->r = r;
	b->ws = w;
	b->n = n;
	r->batches[r->nbatches++] = b;
	return 0;
}

static void feed_llm(sigrun_t *r);

static void
llm_said(sigrun_t *r, struct wsrun *w, const struct llm_result *res, size_t n)
{
	if (w->said_lfail++)
		return;
	say(r, "workspace %s: DeepSeek failed (%s): %zu account%s classified by the rules "
	    "instead", w->s.name, res->error, n, n == 1 ? "" : "s");
}

static void
on_batch(struct llm_result *res, void *user)
{
	struct batch *b = user;
	sigrun_t *r = b->r;
	struct wsrun *w = b->ws;
	struct acct *again[64];
	size_t i, nagain = 0;
	char id[24];

	r->out_l--;
	r->st.llm_calls += (unsigned long)res->calls;
	r->st.llm_tokens += res->total_tokens;
	budget_spend(w->lb, (double)res->total_tokens);
	if (res->db_error && !r->s.db_failed++)
		say(r, "cannot write the usage ledger: %s", res->db_err);
	if (res->status != LLM_OK) {
		if (res->status == LLM_EBALANCE || res->status == LLM_EAUTH ||
		    res->status == LLM_EREQUEST) {
			if (workspace_stopped(w->s.ws, WS_DEEPSEEK) == WS_CALLING) {
				workspace_stop(w->s.ws, WS_DEEPSEEK, res->status == LLM_EBALANCE ?
				    WS_QUOTA_REACHED : res->status == LLM_EAUTH ? WS_KEY_REFUSED :
				    WS_UNAVAILABLE, res->error);
				say(r, "workspace %s: DeepSeek: %s: classifying with the rules from now on",
				    w->s.name, res->error);
			}
		} else if (res->status == LLM_ENOMEM)
			r->nomem = 1;
		else
			llm_said(r, w, res, b->n);
		for (i = 0; i < b->n; i++)
			by_rules(r, b->a[i]);
		feed_llm(r);
		return;
	}
	for (i = 0; i < b->n; i++) {
		struct acct *a = b->a[i];
		const json_t *e;
		json_t *v = NULL;
		int unusable = 1;

		snprintf(id, sizeof id, "%zu", i + 1);
		e = signals_llm_find(res->answer, id, company_of(a), a->domain, b->n == 1);
		if (e)
			v = signals_from_llm(company_of(a), e, a->items, r->now, &unusable);
		if (v) {
			json_free(a->result);
			a->result = v;
			a->classifier = "llm";
			r->st.by_llm++;
			stage_cache_put(&r->s, "deepseek", w->s.name, a->llm_key, v, r->now);
		} else if (!unusable) {
			r->nomem = 1;
			by_rules(r, a);
		} else if (a->llm_tries < 2 && nagain < sizeof again / sizeof again[0])
			again[nagain++] = a;
		else {
			if (r->o.verbose)
				say(r, "%s: DeepSeek gave no answer for %s: classified by the rules",
				    w->s.name, company_of(a));
			by_rules(r, a);
		}
	}
	/* One call of its own for each account the batch answer left out. */
	for (i = 0; i < nagain; i++)
		if (batch_add(r, w, &again[i], 1) != 0) {
			r->nomem = 1;
			by_rules(r, again[i]);
		}
	feed_llm(r);
}

static void
feed_llm(sigrun_t *r)
{
	int max = r->o.llm_http.max_in_flight > 0 ? r->o.llm_http.max_in_flight : 1;
	json_t *arr;
	buf_t user;
	size_t i;

	buf_init(&user, (size_t)64 << 20);
	while (r->out_l < max && r->next_batch < r->nbatches) {
		struct batch *b = r->batches[r->next_batch++];
		struct wsrun *w = b->ws;
		struct llm_call call;

		if (!stage_budget_check(&r->s, w->s.ws, WS_DEEPSEEK, "tokens",
		    "classifying with the rules from now on")) {
			for (i = 0; i < b->n; i++)
				by_rules(r, b->a[i]);
			continue;
		}
		if ((arr = json_new_array()) == NULL)
			goto nomem;
		for (i = 0; i < b->n; i++) {
			json_t *in = json_clone(b->a[i]->llm_input);
			char id[24];

			snprintf(id, sizeof id, "%zu", i + 1);
			if (in == NULL || json_set_str(in, "id", id) != JSON_OK) {
				json_free(in);
				json_free(arr);
				goto nomem;
			}
			if (json_push(arr, in) != JSON_OK) {
				json_free(arr);
				goto nomem;
			}
			b->a[i]->llm_tries++;
		}
		if (signals_llm_user(arr, &user) != 0) {
			json_free(arr);
			goto nomem;
		}
		json_free(arr);
		memset(&call, 0, sizeof call);
		call.cfg = &w->llm;
		call.workspace = w->s.name;
		call.system = signals_llm_system();
		call.user = buf_ptr(&user);
		call.now = r->now;
		if (llm_submit(r->llm, &call, on_batch, b) != LLM_OK)
			goto nomem;
		r->out_l++;
		continue;
nomem:
		r->nomem = 1;
		for (i = 0; i < b->n; i++)
			by_rules(r, b->a[i]);
	}
	buf_free(&user);
}

static int
classify(sigrun_t *r, char *err, size_t errlen)
{
	struct acct *a, *list[50];
	struct wsrun *w;
	size_t n;
	int k;

	for (a = r->accts; a; a = a->next) {
		if (a->state != A_NEW)
			continue;
		a->state = A_OK;
		if (merge(r, a) != 0)
			goto nomem;
		if (a->cached)
			r->st.cache_hits++;
		if (json_len(a->items) == 0 || !a->ws->use_llm || workspace_stopped(a->ws->s.ws, WS_DEEPSEEK) != WS_CALLING) {
			by_rules(r, a);
			continue;
		}
		if ((k = llm_cached(r, a, 1)) < 0)
			goto nomem;
		if (k == 1) {
			r->st.llm_cached++;
			r->st.by_llm++;
		}
	}
	/* Batches of the accounts still to classify, workspace by workspace. */
	for (w = WSRUN(r->wss); w; w = WSRUN(w->s.next)) {
		n = 0;
		for (a = r->accts; a; a = a->next) {
			if (a->ws != w || a->state != A_OK || a->result)
				continue;
			list[n++] = a;
			if (n == (size_t)r->o.batch || n == sizeof list / sizeof list[0]) {
				if (batch_add(r, w, list, n) != 0)
					goto nomem;
				n = 0;
			}
		}
		if (n > 0 && batch_add(r, w, list, n) != 0)
			goto nomem;
	}
	if (r->nbatches == 0)
		return SIGRUN_OK;
	feed_llm(r);
	if (http_run(r->lhttp) != HTTP_OK) {
		snprintf(err, errlen, "the HTTP client failed (memory or libcurl)");
		return SIGRUN_EHTTP;
	}
	return SIGRUN_OK;
nomem:
	snprintf(err, errlen, "out of memory");
	return SIGRUN_ENOMEM;
}

/* ---- the dry run ---- */

static int
dry(sigrun_t *r, char *err, size_t errlen)
{
	struct acct *a;
	struct wsrun *w;
	int k, rc;

	for (a = r->accts; a; a = a->next) {
		a->state = A_DRY;
		if ((k = u64set_add(&r->seen, hash_str(a->wkey))) < 0)
			goto nomem;
		if ((rc = lookup(r, a, err, errlen)) != SIGRUN_OK)
			return rc;
		a->cached = a->pending == 0;
		if (k == 0)
			continue;   /* counted in an earlier window */
		w = a->ws;
		r->st.accounts++;
		w->d_accounts++;
		if (a->cached) {
			w->d_cached++;
			r->st.cache_hits++;
		}
		w->d_search += (unsigned long)a->pending;
		w->d_credits += a->pending;
		if (a->pending > 0)
			budget_need_add(&w->need, a->pending);
		if (!w->use_llm)
			continue;
		if (a->cached) {
			if (merge(r, a) != 0)
				goto nomem;
			if (json_len(a->items) == 0)
				continue;
			if ((k = llm_cached(r, a, 0)) < 0)
				goto nomem;
			if (k == 1)
				continue;
		}
		w->d_pending_llm++;
	}
	for (w = WSRUN(r->wss); w; w = WSRUN(w->s.next)) {
		w->d_calls += (w->d_pending_llm + (unsigned long)r->o.batch - 1) /
		    (unsigned long)r->o.batch;
		w->d_pending_llm = 0;
	}
	return SIGRUN_OK;
nomem:
	snprintf(err, errlen, "out of memory");
	return SIGRUN_ENOMEM;
}

int
sigrun_dry_report(const sigrun_t *r, buf_t *out)
{
	const struct wsrun *w;
	struct sigrun_stats st;
	int nws = 0;

	sigrun_stats(r, &st);
	for (w = WSRUN(r->wss); w; w = WSRUN(w->s.next)) {
		if (w->serper_key == NULL)
			continue;
		nws++;
		if (buf_addf(out, "dry run: workspace %s: %lu account%s, %lu cached, %lu search%s "
		    "(%.0f Serper credit%s), %lu DeepSeek call%s", w->s.name, w->d_accounts,
		    w->d_accounts == 1 ? "" : "s", w->d_cached, w->d_search,
		    w->d_search == 1 ? "" : "es", w->d_credits, w->d_credits == 1 ? "" : "s",
		    w->d_calls, w->d_calls == 1 ? "" : "s") != BUF_OK)
			return -1;
		if (buf_addc(out, '\n') != BUF_OK)
			return -1;
		if (w->need.limited) {
			char need[200];

			budget_need_say(&w->need, "serper", "accounts", need, sizeof need);
			if (buf_addf(out, "dry run: workspace %s: %s (of %.0f a month)\n", w->s.name, need,
			    w->sb->budget) != BUF_OK)
				return -1;
		}
	}
	if (buf_addf(out, "dry run: total %lu search%s, %.0f credit%s, %lu DeepSeek call%s, "
	    "at least %.1f s (%d in flight, %ld ms apart)\n", st.would_search,
	    st.would_search == 1 ? "" : "es", st.would_credits, st.would_credits == 1 ? "" : "s",
	    st.would_classify_calls, st.would_classify_calls == 1 ? "" : "s", st.least_ms / 1000.0,
	    r->o.serper_http.max_in_flight, r->o.serper_http.min_interval_ms) != BUF_OK)
		return -1;
	(void)nws;
	return 0;
}

/* ---- the records ---- */

static json_t *
signals_obj(const struct rec *ri)
{
	const struct acct *a = ri->a;
	json_t *s = json_new_object();
	char ts[32];

	if (s == NULL)
		return NULL;
	if (a == NULL) {
		if (json_set_str(s, "status", "skipped") != JSON_OK ||
		    json_set_str(s, "reason", ri->skip) != JSON_OK)
			goto fail;
		return s;
	}
	switch (a->state) {
	case A_DRY:
		if (json_set_str(s, "status", "dry_run") != JSON_OK ||
		    json_set_bool(s, "cached", a->cached) != JSON_OK)
			goto fail;
		return s;
	case A_ERROR:
	case A_QUOTA:
		if (json_set_str(s, "status", a->state == A_ERROR ? "error" : "quota_exhausted") != JSON_OK ||
		    json_set_str(s, "error", a->err) != JSON_OK)
			goto fail;
		return s;
	}
	cache_time_format(a->fetched_at, ts, sizeof ts);
	if (json_set_str(s, "status", json_len(a->items) ? "enriched" : "not_found") != JSON_OK ||
	    json_set_bool(s, "cached", a->cached) != JSON_OK ||
	    json_set_str(s, "fetched_at", ts) != JSON_OK ||
	    json_set_str(s, "classifier", a->classifier) != JSON_OK ||
	    json_set(s, "items", json_clone(json_get(a->result, "items"))) != JSON_OK ||
	    json_set(s, "summary", json_clone(json_get(a->result, "summary"))) != JSON_OK ||
	    json_set(s, "score", json_clone(json_get(a->result, "score"))) != JSON_OK ||
	    json_set_int(s, "dropped", (int64_t)a->dropped) != JSON_OK)
		goto fail;
	return s;
fail:
	json_free(s);
	return NULL;
}

static int
annotate(sigrun_t *r)
{
	unsigned long long seq;
	struct rec *ri;
	json_t *s;

	if (window_head(r->w, NULL, &seq) == NULL)
		return 0;
	for (; (ri = window_get(r->w, seq)) != NULL; seq++) {
		if (ri->done)
			continue;
		ri->done = 1;
		if (ri->untouched) {
			r->st.skipped++;
			continue;
		}
		if (ri->a && ri->a->state == A_OK && ri->a->result == NULL)
			return -1;
		if ((s = signals_obj(ri)) == NULL ||
		    json_set(json_get(ri->rec, "account"), "signals", s) != JSON_OK)
			return -1;
		if (ri->a == NULL)
			r->st.skipped++;
		else
			switch (ri->a->state) {
			case A_DRY: r->st.dry++; break;
			case A_ERROR: r->st.errors++; break;
			case A_QUOTA: r->st.quota++; break;
			default:
				if (json_len(ri->a->items))
					r->st.enriched++;
				else
					r->st.not_found++;
			}
		ri->a = NULL;   /* the accounts go with the window's end */
	}
	return 0;
}

int
sigrun_process(sigrun_t *r, char *err, size_t errlen)
{
	struct acct *a;
	int rc;

	r->now = r->o.now ? r->o.now : time(NULL);
	r->nomem = 0;
	if ((rc = intake(r, err, errlen)) != SIGRUN_OK)
		goto out;
	if (r->o.dry_run) {
		if ((rc = dry(r, err, errlen)) != SIGRUN_OK)
			goto out;
	} else {
		for (a = r->accts; a; a = a->next) {
			r->st.accounts++;
			if ((rc = lookup(r, a, err, errlen)) != SIGRUN_OK)
				goto out;
		}
		if ((rc = search(r, err, errlen)) != SIGRUN_OK)
			goto out;
		if ((rc = classify(r, err, errlen)) != SIGRUN_OK)
			goto out;
		/* Anything an error left unclassified gets the rules. */
		for (a = r->accts; a; a = a->next)
			if (a->state == A_OK && a->result == NULL)
				by_rules(r, a);
	}
	if (r->nomem || annotate(r) != 0) {
		snprintf(err, errlen, "out of memory");
		rc = SIGRUN_ENOMEM;
	}
out:
	accts_free(r);
	return rc;
}

/* ---- the phases for the program's loop (lib/cli_stage.h) ---- */

static int op_full(const void *r) { return sigrun_full(r); }
static int op_add(void *r, json_t *rec) { return sigrun_add(r, rec); }
static int op_process(void *r, char *err, size_t n) { return sigrun_process(r, err, n); }
static json_t *op_next(void *r) { return sigrun_next(r); }
static int op_db_failed(const void *r) { return ((const sigrun_t *)r)->s.db_failed > 0; }

static void
op_progress(const void *vr, char *line, size_t n)
{
	const sigrun_t *r = vr;

	snprintf(line, n, "%lu records, %lu searches, %lu DeepSeek calls", r->st.records,
	    r->st.searches, r->st.llm_calls);
}

const struct stage_ops sigrun_stage = {
	op_full, op_add, op_process, op_next, op_db_failed, op_progress
};
