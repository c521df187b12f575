#include "sigrun_int.h"

#include "http_key.h"

/* ---- the cache of search results ---- */

/*
 * An account's cache entry: {"queries":{"<query id>":{"fetched_at":"...",
 * "items":[...]}, ...}}, so that runs with other --query templates share it;
 * a query fetched by a run with an id also has "run":"<id>".
 */
/* Whether a query's entry e of the cache holds its results, fresh; *t gets when they were fetched. */
static int
query_fresh(const sigrun_t *r, const struct acct *a, const json_t *e, time_t *t)
{
	return json_is(json_get(e, "items"), JSON_ARRAY) &&
	    cache_time_parse(json_str(json_get(e, "fetched_at")), t) == 0 &&
	    (a->ws->s.ttl <= 0 || r->now - *t <= a->ws->s.ttl);
}

int
sigrun_lookup(sigrun_t *r, struct acct *a, char *err, size_t errlen)
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
			a->q[i].this_run = r->o.run_id && json_str(json_get(e, "run")) &&
			    strcmp(json_str(json_get(e, "run")), r->o.run_id) == 0;
		} else
			a->pending++;
	}
	return SIGRUN_OK;
}

static json_t *
query_entry(const sigrun_t *r, const struct qslot *s)
{
	json_t *e = json_new_object();
	char ts[32];

	if (e == NULL)
		return NULL;
	cache_time_format(s->fetched, ts, sizeof ts);
	if (json_set_str(e, "fetched_at", ts) != JSON_OK ||
	    json_set(e, "items", json_clone(s->items)) != JSON_OK ||
	    (s->this_run && json_set_str(e, "run", r->o.run_id) != JSON_OK)) {
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
			if (json_set(qs, a->q[i].qid, query_entry(r, &a->q[i])) != JSON_OK)
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
void
sigrun_release(sigrun_t *r, struct acct *a)
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
	sigrun_release(r, a);
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

/*
 * A query's final answer: rc and err from lib/serper.h, items its results
 * (taken) when rc is SERPER_OK, status the HTTP status of the request that
 * carried it; streak: a failure counts toward max_failures (one a request).
 */
static void
settle(sigrun_t *r, struct job *j, int rc, json_t *items, double credits, const char *err,
    long status, int streak)
{
	struct acct *a = j->a;
	struct wsrun *w = a->ws;
	struct qslot *s = &a->q[j->qi];
	char msg[256];

	r->st.searches++;
	if (rc == SERPER_OK) {
		r->fail_streak = 0;
		r->st.searches_ok++;
		r->st.credits += credits;
		s->items = items;
		s->state = Q_FETCHED;
		s->fetched = r->now;
		s->this_run = r->o.run_id != NULL;
		a->fresh = 1;
		if (r->o.verbose)
			say(r, "%s: %zu results for %s", w->s.name, json_len(items), s->q);
		query_over(r, a);
		return;
	}
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
		if (status == 429)
			r->st.searches_rate_limited++;
		snprintf(msg, sizeof msg, "Serper: %s", err);
		acct_fail(a, A_ERROR, msg);
		if (rc != SERPER_EREQUEST && streak && ++r->fail_streak >= r->o.max_failures &&
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
	query_over(r, a);
}

/* What the request cost, against the credits its queries held back of the budget. */
static void
spent(sigrun_t *r, struct sreq *sr, double credits)
{
	struct ledger_usage u = { 1, 0, 0 };

	budget_spend(sr->w->sb, credits - (double)sr->n);
	u.credits = credits;
	stage_ledger(&r->s, sr->w->s.name, "serper", r->now, &u);
}

/* The answers of a batch, each settled as its query's own. */
static void
on_batch(sigrun_t *r, struct sreq *sr, http_response_t *resp)
{
	const char *qs[SERPER_BATCH_MAX];
	json_t *answers = NULL, *items;
	double credits = 0, c, total = 0;
	char err[200];
	size_t i;
	int rc;

	for (i = 0; i < sr->n; i++)
		qs[i] = sr->jobs[i]->a->q[sr->jobs[i]->qi].q;
	rc = serper_batch_split(resp->status, resp->body, resp->body_len, resp->error, qs, sr->n,
	    &answers, &credits, err, sizeof err);
	if (rc == SERPER_EBATCH) {
		/* Not charged: the queries go again, one a request, and so does the rest of the run. */
		spent(r, sr, 0);
		if (!r->no_batch)
			say(r, "Serper refused a batch of %zu queries (%s): one query a request from now on",
			    sr->n, err);
		r->no_batch = 1;
		for (i = 0; i < sr->n; i++)
			r->redo[r->nredo++] = sr->jobs[i];
		return;
	}
	r->st.batches++;
	if (rc != SERPER_OK) {
		spent(r, sr, rc == SERPER_EPARSE ? credits : 0);
		for (i = 0; i < sr->n; i++)
			settle(r, sr->jobs[i], rc, NULL, 0, err, resp->status, i == 0);
		return;
	}
	for (i = 0; i < sr->n; i++) {
		c = 0;
		if ((items = json_new_array()) == NULL) {
			rc = SERPER_ENOMEM;
			snprintf(err, sizeof err, "out of memory");
		} else
			rc = serper_parse_item(json_at(answers, i), qs[i], r->now, items, &c, err,
			    sizeof err);
		total += c;
		settle(r, sr->jobs[i], rc, items, c, err, resp->status, 0);
	}
	json_free(answers);
	spent(r, sr, total);
}

static void
on_search(http_response_t *resp, void *user)
{
	struct sreq *sr = user;
	sigrun_t *r = sr->r;
	struct job *j = sr->jobs[0];
	double credits = 0;
	char err[200];
	json_t *items;
	int rc;

	r->out_s--;
	r->st.requests++;
	if (sr->n > 1)
		on_batch(r, sr, resp);
	else {
		if ((items = json_new_array()) == NULL) {
			rc = SERPER_ENOMEM;
			snprintf(err, sizeof err, "out of memory");
		} else
			rc = serper_parse(resp->status, resp->body, resp->body_len, resp->error,
			    j->a->q[j->qi].q, r->now, items, &credits, err, sizeof err);
		spent(r, sr, credits);
		settle(r, j, rc, items, credits, err, resp->status, 1);
	}
	sr->n = 0;
	sigrun_classify_ready(r);
	feed(r);
}

/* The next query to send (the queries of a refused batch first), without taking it. */
static struct job *
job_peek(const sigrun_t *r)
{
	if (r->next_redo < r->nredo)
		return r->redo[r->next_redo];
	return r->next_job < r->njobs ? &r->jobs[r->next_job] : NULL;
}

static void
job_pop(sigrun_t *r)
{
	if (r->next_redo < r->nredo)
		r->next_redo++;
	else
		r->next_job++;
}

/*
 * Queries a request carries: one while Serper fails or refuses batches, else
 * those due spread over the requests that may start, up to opts.search_batch.
 */
static size_t
batch_size(const sigrun_t *r, int slots)
{
	size_t due = (r->nredo - r->next_redo) + (r->njobs - r->next_job), n;
	size_t most = r->o.search_batch > 0 ? (size_t)r->o.search_batch : SERPER_BATCH_MAX;

	if (r->no_batch || r->fail_streak > 0 || slots < 1)
		return 1;
	n = (due + (size_t)slots - 1) / (size_t)slots;
	if (n > most)
		n = most;
	if (n > SERPER_BATCH_MAX)
		n = SERPER_BATCH_MAX;
	return n > 0 ? n : 1;
}

/* Takes up to n queries of one workspace into sr, settling those that may not be sent. */
static void
take(sigrun_t *r, struct sreq *sr, size_t n)
{
	struct job *j;

	while (sr->n < n && (j = job_peek(r)) != NULL) {
		struct acct *a = j->a;
		struct wsrun *w = a->ws;

		if (sr->n > 0 && w != sr->w)
			break;
		job_pop(r);
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
		/* Held back until the answer says what it cost. */
		budget_spend(w->sb, 1);
		sr->w = w;
		sr->jobs[sr->n++] = j;
	}
}

/* Sends sr: 0, or -1 (memory; nothing sent). */
static int
submit(sigrun_t *r, struct sreq *sr)
{
	const char *qs[SERPER_BATCH_MAX];
	enum serper_endpoint eps[SERPER_BATCH_MAX];
	struct http_key_request req;
	char url[600];
	buf_t body;
	size_t i;
	int rc = -1;

	buf_init(&body, (size_t)SERPER_BATCH_MAX << 16);
	for (i = 0; i < sr->n; i++) {
		qs[i] = sr->jobs[i]->a->q[sr->jobs[i]->qi].q;
		eps[i] = r->o.queries[sr->jobs[i]->qi].endpoint;
	}
	if ((sr->n == 1 ? serper_request_body(qs[0], &r->o.params, &body) :
	    serper_batch_body(qs, eps, sr->n, &r->o.params, &body)) != 0 ||
	    serper_url(r->o.serper_base, sr->n == 1 ? eps[0] : SERPER_SEARCH, url, sizeof url) != 0)
		goto out;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = url;
	req.key_header = "X-API-KEY";
	req.key = sr->w->serper_key;
	req.header = "Content-Type: application/json";
	req.body = buf_ptr(&body);
	req.body_len = buf_len(&body);
	if (http_key_submit(r->shttp, &req, on_search, sr) == HTTP_OK)
		rc = 0;
out:
	buf_free(&body);
	return rc;
}

static void
feed(sigrun_t *r)
{
	int max = r->o.serper_http.max_in_flight > 0 ? r->o.serper_http.max_in_flight : 1;
	struct sreq *sr;
	size_t i;

	/* Serper failing: one probe at a time until it answers or the streak ends the run. */
	while (r->out_s < (r->fail_streak > 0 ? 1 : max) && job_peek(r) != NULL) {
		for (sr = r->sreqs; sr->n > 0; sr++)
			;   /* a free slot: fewer than max are out */
		sr->r = r;
		take(r, sr, batch_size(r, max - r->out_s));
		if (sr->n > 0 && submit(r, sr) != 0) {
			r->nomem = 1;
			budget_spend(sr->w->sb, -(double)sr->n);
			for (i = 0; i < sr->n; i++) {
				struct job *j = sr->jobs[i];

				j->a->q[j->qi].state = Q_FAILED;
				acct_fail(j->a, A_ERROR, "out of memory");
				query_over(r, j->a);
			}
			sr->n = 0;
		}
		if (sr->n > 0)
			r->out_s++;
	}
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
			if ((rc = sigrun_lookup(r, a, err, errlen)) != SIGRUN_OK)
				return rc;
		}
	}
	return SIGRUN_OK;
}

/*
 * Runs the searches to their end, and meanwhile the DeepSeek calls
 * sigrun_classify_ready sends: turn by turn, a short wait on each client
 * while both have requests under way.
 */
static int
run_both(sigrun_t *r)
{
	int rc;

	while (http_in_flight(r->shttp) > 0) {
		if (http_in_flight(r->lhttp) == 0)
			rc = http_run_some(r->shttp, 1000);
		else if ((rc = http_run_some(r->shttp, 20)) == HTTP_OK)
			rc = http_run_some(r->lhttp, 20);
		if (rc != HTTP_OK)
			return rc;
	}
	return HTTP_OK;
}

/* The searches of the accounts this process holds the claims of. */
static int
search_claimed(sigrun_t *r, char *err, size_t errlen)
{
	struct acct *a;
	size_t n = 0;
	int i;

	free(r->jobs);
	free(r->redo);
	r->jobs = NULL;
	r->redo = NULL;
	r->njobs = r->next_job = r->nredo = r->next_redo = 0;
	for (a = r->accts; a; a = a->next)
		if (a->claimed)
			n += (size_t)a->pending;
	if (n == 0)
		return SIGRUN_OK;
	if ((r->jobs = calloc(n, sizeof *r->jobs)) == NULL ||
	    (r->redo = calloc(n, sizeof *r->redo)) == NULL) {
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
	sigrun_classify_ready(r);   /* what the cache answered goes first */
	feed(r);
	if (run_both(r) != HTTP_OK) {
		snprintf(err, errlen, "the HTTP client failed (memory or libcurl)");
		return SIGRUN_EHTTP;
	}
	return SIGRUN_OK;
}

/* Searches what the window needs, waiting for what other processes search. */
int
sigrun_search(sigrun_t *r, char *err, size_t errlen)
{
	struct acct *a;
	int rc, waiting;

	for (;;) {
		if ((rc = claim_accounts(r, err, errlen)) != SIGRUN_OK ||
		    (rc = stage_budget_reread(r->wss, WS_SERPER, r->o.db, r->o.budget_flag, r->now,
		    err, errlen)) != SIGRUN_OK ||
		    (rc = search_claimed(r, err, errlen)) != SIGRUN_OK)
			return rc;
		for (waiting = 0, a = r->accts; a; a = a->next)
			waiting |= a->held;
		if (!waiting)
			return SIGRUN_OK;
		stage_claim_pause();
	}
}
