#include "lirun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "cache.h"
#include "claim.h"
#include "http_key.h"
#include "jobtitle.h"
#include "stage.h"
#include "window.h"

#define DEFAULT_WORKSPACE "default"

/* What is known of a profile. */
enum { P_NEED, P_ANSWERED, P_FAILED, P_DRY };

/* A workspace's run: its settings and stop state (lib/stage.h), and what this run keeps. */
struct ws {
	struct stage_ws s;
	const char *key;
	struct budget *b;           /* the workspace's LinkedIn budget */
	const char *path;          /* LINKEDIN_PATH, or the old one once the new is gone */
	int switched;
	int failures;              /* unavailable answers in a row */
	int said_nokey;
	unsigned long d_calls, d_cached;   /* --dry-run */
	struct budget_need need;           /* --dry-run: the calls against the budget */
};

struct prof {
	struct prof *next;
	struct lirun *r;
	struct ws *ws;
	char *key;                 /* the normalized profile URL */
	int state;
	int claimed, held, submitted;
	const char *path;          /* the endpoint it was asked on */
	json_t *value;             /* the cache value (linkedin_cache_value) once answered */
	int cached;
	time_t fetched_at;
	const char *status;        /* P_FAILED: quota_exhausted or error */
	char reason[320];
};

struct lirun {
	struct lirun_opts o;
	struct stage s;
	window_t *w;
	window_t *seen;            /* --dry-run: the profiles counted (its key table) */
	http_client_t *http;
	jobtitle_t *jt;
	struct stage_ws *wss;
	struct prof *profs, *tail;
	struct prof **queue;       /* the claimed profiles, in order */
	size_t nqueue, next;
	int out;                   /* calls in flight */
	time_t now, start;
	struct lirun_stats st;
	int nomem;
	unsigned long done;        /* records processed so far (at the window's head) */
};

#define say(r, ...) stage_say(&(r)->s, __VA_ARGS__)
#define STOPPED_THEN "no more LinkedIn calls for it this run"

/* ---- workspaces ---- */

static int
ws_load(lirun_t *r, const char *name, struct ws **out, char *err, size_t errlen)
{
	struct stage_ws *sw;
	struct ws *w;
	int rc;

	if ((*out = (struct ws *)stage_ws_find(r->wss, name)) != NULL)
		return LIRUN_OK;
	if ((rc = stage_ws_open(name, r->o.cache_days_flag, sizeof *w, &sw, err, errlen)) != STAGE_OK)
		return rc;
	w = (struct ws *)sw;
	if ((rc = workspace_budget_load(sw->ws, WS_LINKEDIN, r->o.db, r->o.budget_flag, r->now,
	    err, errlen)) != WORKSPACE_OK) {
		stage_ws_free(sw);
		return stage_code(rc);
	}
	w->path = LINKEDIN_PATH;
	w->key = workspace_key(sw->ws, WS_LINKEDIN);
	w->b = workspace_budget(sw->ws, WS_LINKEDIN);
	budget_need_start(&w->need, w->b);
	stage_ws_link(&r->wss, sw);
	*out = w;
	return LIRUN_OK;
}

int
lirun_workspace(lirun_t *r, const char *ws, char *err, size_t errlen)
{
	struct ws *w;
	int rc;

	if ((rc = stage_workspace_name(ws, err, errlen)) != STAGE_OK)
		return rc;
	return ws_load(r, ws, &w, err, errlen);
}

/* ---- life cycle ---- */

int
lirun_new(const struct lirun_opts *o, lirun_t **out, char *err, size_t errlen)
{
	lirun_t *r = calloc(1, sizeof *r);

	*out = NULL;
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return LIRUN_ENOMEM;
	}
	r->o = *o;
	r->s.db = o->db;
	r->s.notice = o->notice;
	r->s.notice_ctx = o->notice_ctx;
	r->now = r->start = o->now ? o->now : time(NULL);
	if (r->o.window == 0)
		r->o.window = LIRUN_WINDOW_DEFAULT;
	if (r->o.max_failures <= 0)
		r->o.max_failures = 3;
	if ((r->w = window_new(r->o.window)) == NULL ||
	    (o->dry_run && (r->seen = window_new(1)) == NULL)) {
		lirun_free(r);
		snprintf(err, errlen, "out of memory");
		return LIRUN_ENOMEM;
	}
	if ((r->jt = jobtitle_new(err, errlen)) == NULL) {
		lirun_free(r);
		return LIRUN_ENOMEM;
	}
	if (!o->dry_run && (r->http = http_client_new(&r->o.http)) == NULL) {
		lirun_free(r);
		snprintf(err, errlen, "cannot set up the HTTP client (memory or libcurl)");
		return LIRUN_EHTTP;
	}
	*out = r;
	return LIRUN_OK;
}

static void
rec_free(void *p)
{
	json_free(p);
}

static void
profs_free(lirun_t *r)
{
	struct prof *p, *next;
	buf_t k;

	buf_init(&k, 1 << 12);
	for (p = r->profs; p; p = next) {
		next = p->next;
		buf_reset(&k);
		if (buf_adds(&k, p->ws->s.name) == BUF_OK && buf_addc(&k, '\x1f') == BUF_OK &&
		    buf_adds(&k, p->key) == BUF_OK)
			window_key_del(r->w, buf_ptr(&k));
		json_free(p->value);
		free(p->key);
		free(p);
	}
	buf_free(&k);
	r->profs = r->tail = NULL;
	free(r->queue);
	r->queue = NULL;
	r->nqueue = r->next = 0;
}

void
lirun_free(lirun_t *r)
{
	if (r == NULL)
		return;
	profs_free(r);
	window_free(r->w, rec_free, NULL);
	window_free(r->seen, NULL, NULL);
	http_client_free(r->http);
	jobtitle_free(r->jt);
	stage_ws_free_all(&r->wss);
	free(r);
}

int
lirun_full(const lirun_t *r)
{
	return window_full(r->w);
}

int
lirun_add(lirun_t *r, json_t *rec)
{
	if (window_push(r->w, rec, 1, NULL) != WINDOW_OK) {
		json_free(rec);
		return LIRUN_ENOMEM;
	}
	return LIRUN_OK;
}

json_t *
lirun_next(lirun_t *r)
{
	return window_pop_ready(r->w);
}

void
lirun_stats(const lirun_t *r, struct lirun_stats *out)
{
	*out = r->st;
	out->db_failed = r->s.db_failed > 0;
}

/* ---- which profile each contact needs ---- */

/* Why a wanted contact is not asked about (static text), or NULL: it is. */
static const char *
skip_reason(const json_t *rec, const json_t *contact, struct ws *w, char *url, size_t n)
{
	const json_t *acc = json_get(rec, "account");

	if (w->key == NULL)
		return "no RapidAPI key";
	if (linkedin_contact_url(contact, url, n) != 0)
		return "no LinkedIn profile URL";
	if (!json_str(json_get(acc, "name")) && !json_str(json_get(acc, "domain")))
		return "the account has no name or domain to check the profile against";
	return NULL;
}

static const char *
ws_name_of(const lirun_t *r, const json_t *rec)
{
	const char *s = r->o.workspace ? r->o.workspace : json_str(json_get(rec, "workspace_id"));

	return s && *s ? s : DEFAULT_WORKSPACE;
}

/* The profile a contact needs, made when it is new to the window (NULL on memory). */
static struct prof *
prof_for(lirun_t *r, struct ws *w, const char *url, buf_t *wkey)
{
	struct prof *p;

	buf_reset(wkey);
	if (buf_adds(wkey, w->s.name) != BUF_OK || buf_addc(wkey, '\x1f') != BUF_OK ||
	    buf_adds(wkey, url) != BUF_OK)
		return NULL;
	if ((p = window_key_get(r->w, buf_ptr(wkey))) != NULL)
		return p;
	if ((p = calloc(1, sizeof *p)) == NULL || (p->key = strdup(url)) == NULL) {
		free(p);
		return NULL;
	}
	p->ws = w;
	p->r = r;
	if (window_key_put(r->w, buf_ptr(wkey), p) != WINDOW_OK) {
		free(p->key);
		free(p);
		return NULL;
	}
	if (r->tail)
		r->tail->next = p;
	else
		r->profs = p;
	r->tail = p;
	r->st.profiles++;
	return p;
}

/* Reads the cache into p: 1 when it answers, 0 when not, -1 on a db error. */
static int
lookup(lirun_t *r, struct prof *p, char *err, size_t errlen)
{
	json_t *v = NULL;
	const json_t *prof;
	time_t at;
	int rc = cache_get(r->o.db, LINKEDIN_PROVIDER, p->ws->s.name, p->key, p->ws->s.ttl, r->now, &v,
	    &at, err, errlen);

	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK)
		return -1;
	if (linkedin_cache_read(v, &prof) < 0 || (r->o.refresh && at < r->start)) {
		json_free(v);
		return 0;
	}
	json_free(p->value);
	p->value = v;
	p->fetched_at = at;
	p->cached = 1;
	p->state = P_ANSWERED;
	return 1;
}

static int
intake(lirun_t *r, char *err, size_t errlen)
{
	unsigned long long seq;
	char url[LINKEDIN_URL_MAX];
	json_t *rec;
	buf_t wkey;
	int rc = LIRUN_OK;

	if (window_head(r->w, NULL, &seq) == NULL)
		return LIRUN_OK;
	buf_init(&wkey, 1 << 16);
	for (; rc == LIRUN_OK && (rec = window_get(r->w, seq)) != NULL; seq++) {
		const json_t *cs = json_get(rec, "contacts");
		struct ws *w = NULL;
		size_t i;

		r->st.records++;
		for (i = 0; i < json_len(cs); i++) {
			const json_t *c = json_at(cs, i);
			struct prof *p;
			int k;

			r->st.contacts++;
			if (!linkedin_wanted(c, r->o.select))
				continue;
			r->st.wanted++;
			if (w == NULL && (rc = ws_load(r, ws_name_of(r, rec), &w, err, errlen)) != LIRUN_OK)
				break;
			if (skip_reason(rec, c, w, url, sizeof url))
				continue;
			if ((p = prof_for(r, w, url, &wkey)) == NULL) {
				rc = LIRUN_ENOMEM;
				break;
			}
			if (p->state != P_NEED || p->claimed || p->value)
				continue;
			if (!r->o.refresh || r->o.dry_run) {
				if ((k = lookup(r, p, err, errlen)) < 0) {
					rc = LIRUN_EIO;
					break;
				}
				if (k)
					r->st.cache_hits++;
			}
		}
		if (w && w->key == NULL && !w->said_nokey++)
			say(r, "workspace %s: no RapidAPI key (linkedin_rapidapi_key in %s, or "
			    "RAPIDAPI_KEY): contacts passed through with linkedin skipped", w->s.name,
			    workspace_path(w->s.ws));
	}
	buf_free(&wkey);
	if (rc == LIRUN_ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* ---- calls ---- */

static void feed(lirun_t *r);

static void
stop_ws(lirun_t *r, struct ws *w, enum workspace_stop why, const char *msg)
{
	stage_stop(&r->s, w->s.ws, WS_LINKEDIN, why, msg, STOPPED_THEN);
}

static void
fail(struct prof *p, const char *status, const char *reason)
{
	p->state = P_FAILED;
	p->status = status;
	snprintf(p->reason, sizeof p->reason, "%s", reason);
}

/* A profile the run will not ask for: its workspace's calls stopped. */
static void
stopped(struct prof *p)
{
	const workspace_t *ws = p->ws->s.ws;

	fail(p, workspace_stopped(ws, WS_LINKEDIN) == WS_QUOTA_REACHED ? "quota_exhausted" : "error",
	    workspace_stop_reason(ws, WS_LINKEDIN));
}

static void
release(lirun_t *r, struct prof *p)
{
	if (!p->claimed)
		return;
	p->claimed = 0;
	stage_release(&r->s, LINKEDIN_PROVIDER, p->ws->s.name, p->key, "a profile");
}

static void
count(lirun_t *r, struct ws *w, long status, double credits)
{
	struct ledger_usage u = { 1, 0, 0 };

	if (status == 0)
		return;   /* no answer: nothing was used */
	u.credits = credits;
	stage_ledger(&r->s, w->s.name, LINKEDIN_PROVIDER, r->now, &u);
}

static void
on_answer(http_response_t *resp, void *user)
{
	struct prof *p = user;
	lirun_t *r = p->r;
	struct ws *w = p->ws;
	json_t *profile = NULL, *v;
	char why[300];
	enum linkedin_answer a;

	r->out--;
	a = linkedin_read(resp->status, resp->body, resp->body_len, resp->error, &profile, why,
	    sizeof why);
	r->st.calls++;
	if (strcmp(p->path, LINKEDIN_PATH_OLD) == 0)
		r->st.old_path++;
	if (a == LINKEDIN_NOMEM)
		r->nomem = 1;
	/* One credit a profile or "not found" (include_skills=false); the budget held one. */
	budget_spend(w->b, (a == LINKEDIN_FOUND || a == LINKEDIN_NOT_FOUND) ? 0 : -1);
	count(r, w, resp->status, (a == LINKEDIN_FOUND || a == LINKEDIN_NOT_FOUND) ? 1 : 0);
	if (a != LINKEDIN_UNAVAILABLE && a != LINKEDIN_BAD_ANSWER)
		w->failures = 0;
	switch (a) {
	case LINKEDIN_FOUND:
	case LINKEDIN_NOT_FOUND:
		r->st.calls_ok++;
		r->st.credits += 1;
		if ((v = linkedin_cache_value(profile)) == NULL) {
			r->nomem = 1;
			fail(p, "error", "out of memory");
			break;
		}
		p->value = v;
		p->state = P_ANSWERED;
		p->fetched_at = r->now;
		stage_cache_put(&r->s, LINKEDIN_PROVIDER, w->s.name, p->key, v, r->now);
		break;
	case LINKEDIN_NO_ENDPOINT:
		/* the API renamed its person endpoint (CONTRACTS §4.1): try the other name once */
		if (!w->switched && p->path == w->path) {
			w->switched = 1;
			w->path = strcmp(w->path, LINKEDIN_PATH) == 0 ? LINKEDIN_PATH_OLD : LINKEDIN_PATH;
			say(r, "workspace %s: %s; asking %s instead", w->s.name, why, w->path);
		}
		if (p->path != w->path) {
			/* asked on the path that is gone: again on the other */
			p->submitted = 0;
			r->queue[--r->next] = p;   /* its place in the queue, asked again next */
			feed(r);
			json_free(profile);
			return;
		}
		stop_ws(r, w, WS_UNAVAILABLE, why);
		fail(p, "error", why);
		break;
	case LINKEDIN_REFUSED:
		r->st.refused = 1;
		stop_ws(r, w, WS_KEY_REFUSED, why);
		fail(p, "error", why);
		break;
	case LINKEDIN_QUOTA:
	case LINKEDIN_CREDITS:
		stop_ws(r, w, WS_QUOTA_REACHED, why);
		fail(p, "quota_exhausted", why);
		break;
	case LINKEDIN_RATE_LIMITED:
		r->st.rate_limited++;
		stop_ws(r, w, WS_QUOTA_REACHED, why);
		fail(p, "quota_exhausted", why);
		break;
	case LINKEDIN_UNAVAILABLE:
	case LINKEDIN_BAD_ANSWER:
		r->st.unavailable++;
		fail(p, "error", why);
		if (++w->failures >= r->o.max_failures) {
			char msg[400];

			snprintf(msg, sizeof msg, "LinkedIn unavailable (%d failed calls in a row, the "
			    "last: %s)", w->failures, why);
			stop_ws(r, w, WS_UNAVAILABLE, msg);
		}
		break;
	default:
		fail(p, "error", why);
		break;
	}
	json_free(profile);
	release(r, p);
	feed(r);
}

/* Starts the next calls of the queue, as many as may be in flight. */
static void
feed(lirun_t *r)
{
	int max = r->o.http.max_in_flight > 0 ? r->o.http.max_in_flight : 1, built;
	struct http_key_request req;
	char host[96];
	buf_t url;

	buf_init(&url, 1 << 12);
	snprintf(host, sizeof host, "X-RapidAPI-Host: %s", LINKEDIN_HOST);
	while (r->out < max && r->next < r->nqueue) {
		struct prof *p = r->queue[r->next++];
		struct ws *w = p->ws;

		if (!stage_budget_check(&r->s, w->s.ws, WS_LINKEDIN, "calls", STOPPED_THEN)) {
			stopped(p);
			release(r, p);
			continue;
		}
		buf_reset(&url);
		built = linkedin_request_url(r->o.base, w->path, p->key, &url) == 0;
		memset(&req, 0, sizeof req);
		req.method = "GET";
		req.url = buf_ptr(&url);
		req.key_header = "X-RapidAPI-Key";
		req.key = w->key;
		req.header = host;
		if (!built || http_key_submit(r->http, &req, on_answer, p) != HTTP_OK) {
			r->nomem = 1;
			fail(p, "error", "out of memory");
			release(r, p);
			continue;
		}
		budget_spend(w->b, 1);
		p->submitted = 1;
		p->path = w->path;
		r->out++;
	}
	buf_free(&url);
}

/* Whether a cache entry seen while claiming answers the profile (another process asked). */
static int
answered(const char *val, size_t len, void *ctx)
{
	struct prof *p = ctx;
	long long at = claim_entry_time(val, len);

	return at >= 0 && (p->ws->s.ttl <= 0 || p->r->now - at <= p->ws->s.ttl) &&
	    (!p->r->o.refresh || at >= p->r->start);
}

/*
 * Claims the profiles still needed; those another process answered meanwhile
 * are read from the cache, those it is asking for now are held. Then asks for
 * the claimed ones.
 */
static int
ask(lirun_t *r, int *waiting, char *err, size_t errlen)
{
	enum claim_state st;
	struct prof *p;
	const char *key;
	size_t n = 0;
	int rc;

	*waiting = 0;
	for (p = r->profs; p; p = p->next) {
		p->held = 0;
		if (p->state != P_NEED)
			continue;
		if (workspace_stopped(p->ws->s.ws, WS_LINKEDIN) != WS_CALLING) {
			stopped(p);
			continue;
		}
		key = p->key;
		rc = claim_take(r->o.db, LINKEDIN_PROVIDER, p->ws->s.name, &key, 1, answered, p,
		    time(NULL), &st, err, errlen);
		if (rc != DB_OK)
			return rc == DB_ENOMEM ? LIRUN_ENOMEM : LIRUN_EIO;
		if (st == CLAIM_TAKEN) {
			p->claimed = 1;
			n++;
		} else if (st == CLAIM_HELD)
			p->held = *waiting = 1;
		else {
			r->st.cache_hits++;
			if (lookup(r, p, err, errlen) < 0)
				return LIRUN_EIO;
			if (p->state == P_NEED)
				fail(p, "error", "the answer another process cached cannot be read");
		}
	}
	if (n == 0)
		return LIRUN_OK;
	free(r->queue);
	r->nqueue = r->next = 0;
	if ((r->queue = calloc(n, sizeof *r->queue)) == NULL) {
		snprintf(err, errlen, "out of memory");
		for (p = r->profs; p; p = p->next)
			release(r, p);
		return LIRUN_ENOMEM;
	}
	for (p = r->profs; p; p = p->next)
		if (p->claimed && p->state == P_NEED)
			r->queue[r->nqueue++] = p;
	feed(r);
	if (http_run(r->http) != HTTP_OK) {
		snprintf(err, errlen, "the HTTP client failed (memory or libcurl)");
		for (p = r->profs; p; p = p->next)
			release(r, p);
		return LIRUN_EHTTP;
	}
	return LIRUN_OK;
}

/* --dry-run: what would be asked, each profile counted once in the run. */
static int
dry(lirun_t *r)
{
	struct prof *p;
	buf_t k;

	buf_init(&k, 1 << 12);
	for (p = r->profs; p; p = p->next) {
		if (p->state == P_ANSWERED) {
			p->ws->d_cached++;
			continue;
		}
		p->state = P_DRY;
		buf_reset(&k);
		if (buf_adds(&k, p->ws->s.name) != BUF_OK || buf_addc(&k, '\x1f') != BUF_OK ||
		    buf_adds(&k, p->key) != BUF_OK) {
			buf_free(&k);
			return -1;
		}
		if (window_key_get(r->seen, buf_ptr(&k)))
			continue;
		if (window_key_put(r->seen, buf_ptr(&k), r) != WINDOW_OK) {
			buf_free(&k);
			return -1;
		}
		p->ws->d_calls++;
		budget_need_add(&p->ws->need, 1);
		r->st.would_call++;
	}
	buf_free(&k);
	return 0;
}

int
lirun_dry_report(const lirun_t *r, buf_t *out)
{
	const struct stage_ws *sw;
	char line[512];

	for (sw = r->wss; sw; sw = sw->next) {
		const struct ws *w = (const struct ws *)sw;

		if (w->key == NULL)
			snprintf(line, sizeof line, "linkedin-enrich: dry run: workspace %s: no RapidAPI "
			    "key: nothing would be asked\n", w->s.name);
		else
			snprintf(line, sizeof line, "linkedin-enrich: dry run: workspace %s: %lu cache "
			    "hits, %lu profile calls (%lu credits)\n", w->s.name, w->d_cached, w->d_calls,
			    w->d_calls);
		if (buf_adds(out, line) != BUF_OK)
			return -1;
		if (w->key != NULL && w->need.limited) {
			char need[200];

			budget_need_say(&w->need, "linkedin", "contacts", need, sizeof need);
			snprintf(line, sizeof line, "linkedin-enrich: dry run: workspace %s: %s (of %.0f a "
			    "month)\n", w->s.name, need, w->b->budget);
			if (buf_adds(out, line) != BUF_OK)
				return -1;
		}
	}
	snprintf(line, sizeof line, "linkedin-enrich: dry run: %lu contacts wanted, %lu profile "
	    "calls in all\n", r->st.wanted, r->st.would_call);
	return buf_adds(out, line) == BUF_OK ? 0 : -1;
}

/* ---- writing the contacts ---- */

static int
annotate(lirun_t *r)
{
	unsigned long long seq;
	char url[LINKEDIN_URL_MAX];
	json_t *rec;
	buf_t wkey;
	int rc = 0;

	if (window_head(r->w, NULL, &seq) == NULL)
		return 0;
	buf_init(&wkey, 1 << 16);
	for (; rc == 0 && (rec = window_get(r->w, seq)) != NULL; seq++) {
		json_t *cs = json_get(rec, "contacts");
		struct ws *w = NULL;
		size_t i;

		if (window_waits(r->w, seq) == 0)
			continue;   /* an earlier window's */
		for (i = 0; rc == 0 && i < json_len(cs); i++) {
			json_t *c = json_at(cs, i);
			const json_t *prof = NULL;
			const char *why;
			struct prof *p;

			if (!linkedin_wanted(c, r->o.select))
				continue;
			if (w == NULL && ws_load(r, ws_name_of(r, rec), &w, NULL, 0) != LIRUN_OK)
				return -1;   /* loaded at intake: cannot fail */
			if ((why = skip_reason(rec, c, w, url, sizeof url)) != NULL) {
				r->st.skipped++;
				rc = linkedin_apply(c, rec, r->jt, "skipped", NULL, -1, 0, why, r->now);
				continue;
			}
			buf_reset(&wkey);
			if (buf_adds(&wkey, w->s.name) != BUF_OK || buf_addc(&wkey, '\x1f') != BUF_OK ||
			    buf_adds(&wkey, url) != BUF_OK ||
			    (p = window_key_get(r->w, buf_ptr(&wkey))) == NULL) {
				rc = -1;
				break;
			}
			if (p->state == P_DRY) {
				r->st.dry++;
				rc = linkedin_apply(c, rec, r->jt, "dry_run", NULL, 0, 0,
				    "a dry run asks nothing", r->now);
			} else if (p->state == P_ANSWERED && linkedin_cache_read(p->value, &prof) >= 0) {
				const char *st;

				rc = linkedin_apply(c, rec, r->jt, prof ? "enriched" : "not_found", prof,
				    p->cached, p->fetched_at, prof ? NULL : "LinkedIn has no such profile",
				    r->now);
				st = json_str(json_path(c, "linkedin.status"));
				if (st && strcmp(st, "enriched") == 0)
					r->st.enriched++;
				else if (st && strcmp(st, "mismatch") == 0)
					r->st.mismatch++;
				else
					r->st.not_found++;
			} else {
				const char *st = p->status ? p->status : "error";

				if (strcmp(st, "quota_exhausted") == 0)
					r->st.quota++;
				else
					r->st.errors++;
				rc = linkedin_apply(c, rec, r->jt, st, NULL, -1, 0,
				    p->reason[0] ? p->reason : "not asked", r->now);
			}
		}
		window_done(r->w, seq);
	}
	buf_free(&wkey);
	return rc;
}

int
lirun_process(lirun_t *r, char *err, size_t errlen)
{
	int rc, waiting;

	if ((rc = intake(r, err, errlen)) != LIRUN_OK)
		goto out;
	if (r->o.dry_run) {
		if (dry(r) != 0) {
			rc = LIRUN_ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	} else
		for (;;) {
			if ((rc = ask(r, &waiting, err, errlen)) != LIRUN_OK)
				goto out;
			if (!waiting)
				break;
			stage_claim_pause();
		}
	if (r->nomem) {
		rc = LIRUN_ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (annotate(r) != 0) {
		rc = LIRUN_ENOMEM;
		snprintf(err, errlen, "out of memory");
	}
out:
	profs_free(r);
	return rc;
}

/* ---- the phases for the program's loop (lib/cli_stage.h) ---- */

static int op_db_failed(const void *r) { return ((const lirun_t *)r)->s.db_failed > 0; }

static void
op_progress(const void *vr, char *line, size_t n)
{
	const lirun_t *r = vr;

	snprintf(line, n, "%lu records, %lu profile calls", r->st.records, r->st.calls);
}

STAGE_OPS_DEFINE(lirun, op_db_failed, op_progress);
