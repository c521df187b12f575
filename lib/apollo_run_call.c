#include "apollo_run_int.h"

/* ---- calls ---- */

static const char *
resp_header(void *ctx, const char *name)
{
	return http_header(ctx, name);
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
count_call(apollo_run_t *R, struct ws *w, long attempts, double credits)
{
	struct ledger_usage u = { attempts, credits, 0 };

	stage_ledger(&R->s, w->s.name, APOLLO_PROVIDER, time(NULL), &u);
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
	if (ledger_get(R->s.db, w->s.name, APOLLO_PROVIDER, month, &u, err, sizeof err) == DB_OK &&
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
	o = R->o.http;
	/* The engine paces the starts (lib/apollo_ratelimit.h); the client only runs them. */
	o.max_in_flight = (int)R->concurrency;
	o.min_interval_ms = 0;
	o.max_body = 16u * 1024 * 1024;
	tls_opts(&o);
	if ((R->http = http_client_new(&o)) == NULL) {
		say(R, "cannot set up libcurl");
		R->io_error = 1;
		return -1;
	}
	return 0;
}

/* Call seq of w is over: the pace learns the limits its headers tell (resp may be NULL). */
static void
after_headers(apollo_run_t *R, struct ws *w, unsigned long long seq, const http_response_t *resp)
{
	struct apollo_ratelimit rl;
	int i, got = resp && apollo_ratelimit_read(&rl, resp_header, (void *)resp);

	apollo_pace_done(&w->pace, seq, got ? &rl : NULL, mono_ms());
	if (!got)
		return;
	for (i = 0; i < APOLLO_RL_N; i++)
		if (rl.limit[i] > 0 && rl.limit[i] != w->rl.limit[i]) {
			w->rl.limit[i] = rl.limit[i];
			w->rl_saved = 0;
			w->rl_seen = 1;
		}
	apollo_run_ws_save_ratelimit(R, w);
}

/* Commits the answers of a call, then tells the records. */
static void
take_answer(apollo_run_t *R, struct entry **b, size_t n, struct apollo_result *res)
{
	apollo_answer_t *ans[APOLLO_BATCH_MAX] = { NULL };
	const char *keys[APOLLO_BATCH_MAX];
	json_t *vals[APOLLO_BATCH_MAX];
	time_t now = time(NULL);
	size_t i, nv = 0;

	for (i = 0; i < n; i++) {
		if (res[i].kind == APOLLO_UNANSWERED)
			continue;
		if ((vals[nv] = apollo_cache_value(res[i].kind == APOLLO_FOUND ? res[i].person :
		    NULL)) == NULL) {
			apollo_run_oom(R);
			continue;
		}
		keys[nv++] = b[i]->email;
		ans[i] = apollo_answer_new(res[i].kind == APOLLO_FOUND ? res[i].person : NULL, now);
		res[i].person = NULL;
		if (ans[i] == NULL)
			apollo_run_oom(R);
		else
			apollo_run_memo_put(R, b[i]->key, ans[i]);
	}
	/* One transaction for the call, committed before the records learn the answers. */
	(void)stage_cache_put_all(&R->s, APOLLO_PROVIDER, b[0]->ws->s.name, keys, vals, nv, now);
	for (i = 0; i < nv; i++)
		json_free(vals[i]);
	for (i = 0; i < n; i++) {
		/* --refresh: later records of this run take it from the cache. */
		if (R->refresh && res[i].kind != APOLLO_UNANSWERED &&
		    u64set_add(&R->seen, hash_str(b[i]->key)) < 0)
			apollo_run_oom(R);
		if (res[i].kind == APOLLO_UNANSWERED)
			apollo_run_resolve(R, b[i], "error", NULL, -1,
			    "Apollo's answer did not say which person this is");
		else if (ans[i] == NULL)
			apollo_run_resolve(R, b[i], "error", NULL, -1, "out of memory");
		else
			apollo_run_resolve(R, b[i], res[i].kind == APOLLO_FOUND ? "enriched" :
			    "not_found", ans[i], 0, NULL);
	}
}

static void
fail_batch(apollo_run_t *R, struct entry **b, size_t n, const char *status, const char *reason)
{
	size_t i;

	for (i = 0; i < n; i++)
		apollo_run_resolve(R, b[i], status, NULL, -1, reason);
}

/* Whether a cache entry, seen while claiming, answers for this run. */
static int
answered(const char *val, size_t len, void *ctx)
{
	const struct ws *w = ctx;
	const apollo_run_t *R = w->run;
	long long t = claim_entry_time(val, len), since = 0;

	if (w->s.ttl > 0)
		since = (long long)time(NULL) - w->s.ttl;
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

	rc = cache_get(R->s.db, APOLLO_PROVIDER, e->ws->s.name, e->email, e->ws->s.ttl, time(NULL), &v,
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
		apollo_run_oom(R);
		return -1;
	}
	R->hits++;
	e->ws->hits++;
	apollo_run_memo_put(R, e->key, ans);
	apollo_run_resolve(R, e, ans->facts ? "enriched" : "not_found", ans, 1, NULL);
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

/* A call under way: its claimed emails, until its answer comes back. */
struct call {
	struct call *next, *prev;    /* R->calls_out */
	apollo_run_t *run;
	struct ws *w;
	struct entry *b[APOLLO_BATCH_MAX];
	struct apollo_ask asks[APOLLO_BATCH_MAX];
	size_t n;
	unsigned long long seq;      /* the pace's number of the call */
};

static int ask(apollo_run_t *R, struct entry **b, size_t n);

/* Calls that may be in flight: one while calls fail in a row (an outage costs few). */
static int
max_in_flight(const apollo_run_t *R)
{
	return R->consecutive_fail > 0 ? 1 : (int)R->concurrency;
}

#define QUOTA_THEN "the rest are quota_exhausted"

/*
 * A workspace's calls stop (lib/stage.h, said once), and the contacts queued
 * for it get status with the stop's reason (the first, if it was stopped).
 */
static void
stop_ws(apollo_run_t *R, struct ws *w, enum workspace_stop why, const char *reason,
    const char *then, const char *status)
{
	stage_stop(&R->s, w->s.ws, WS_APOLLO, why, reason, then);
	apollo_run_drain(R, w, status, workspace_stop_reason(w->s.ws, WS_APOLLO));
}

/*
 * The workspace of the oldest queued email that may be asked for now (its
 * pace allows a call, no other process holds it), or NULL with *wait: ms
 * until one may, or -1 (an answer first). A workspace whose limits would hold
 * its calls longer than --max-pause-ms is stopped (*stopped set).
 */
static struct ws *
next_ws(apollo_run_t *R, long long now, long *wait, int *stopped)
{
	static const char *wname[APOLLO_RL_N] = { "per-minute", "hourly", "daily" };
	struct entry *e;
	char reason[300];
	long pw;
	int win;

	*wait = -1;
	*stopped = 0;
	for (e = R->qhead; e; e = e->qnext) {
		if (e->not_before_ms > now) {
			pw = (long)(e->not_before_ms - now);
		} else if (R->dry_run || (pw = apollo_pace_wait(&e->ws->pace, now, &win)) == 0) {
			return e->ws;
		} else if (pw > R->max_pause_ms && win >= 0) {
			snprintf(reason, sizeof reason,
			    "Apollo's %s rate limit is reached (%ld calls); try later", wname[win],
			    e->ws->pace.rl.limit[win]);
			R->rate_limited = 1;
			stop_ws(R, e->ws, WS_QUOTA_REACHED, reason, QUOTA_THEN, "quota_exhausted");
			*stopped = 1;
			return NULL;
		} else if (pw > 0 && R->verbose && win >= 0)
			say(R, "workspace %s: Apollo's %s limit is used up: no call for %ld ms",
			    e->ws->s.name, wname[win], pw);
		if (pw >= 0 && (*wait < 0 || pw < *wait))
			*wait = pw;
	}
	return NULL;
}

/*
 * Starts one bulk call, if one may start: the oldest queued emails of a
 * workspace whose pace allows a call now (10, or fewer when partial), that no
 * other process is asking for (lib/claim.h). Those another process answered
 * meanwhile come from the cache; those it is asking for now wait and are
 * claimed again later. Returns 1 when something was done (a call started,
 * emails settled), 0 when nothing may start now (*wait: ms until something
 * may, -1: not before an answer or more records), -1 when fatal.
 */
int
apollo_run_call_once(apollo_run_t *R, int partial, long *wait)
{
	struct entry *b[APOLLO_BATCH_MAX], *e, *prev, *next;
	enum claim_state st[APOLLO_BATCH_MAX];
	const char *keys[APOLLO_BATCH_MAX];
	struct ws *w;
	long long now = mono_ms();
	long max = R->batch, left, ready = 0;
	char err[512], reason[300];
	size_t n = 0, i, taken;
	int rc, stopped;

	*wait = -1;
	if (!R->dry_run && R->in_flight >= max_in_flight(R))
		return 0;
	if ((w = next_ws(R, now, wait, &stopped)) == NULL)
		return stopped;
	for (e = R->qhead; e && ready < max; e = e->qnext)
		if (e->ws == w && e->not_before_ms <= now)
			ready++;
	/* While records are read, only full calls. */
	if (!partial && ready < max) {
		*wait = -1;
		return 0;
	}
	if (!R->dry_run && (left = credits_left(R, w)) >= 0) {
		/* Calls in flight may spend what they asked for. */
		left -= w->reserved;
		if (left <= 0 && w->reserved > 0)
			return 0;
		if (left <= 0) {
			snprintf(reason, sizeof reason,
			    "monthly Apollo budget of %g credits reached (%g used)",
			    w->budget->budget, w->budget->used);
			R->quota = 1;
			stop_ws(R, w, WS_QUOTA_REACHED, reason, QUOTA_THEN, "quota_exhausted");
			return 1;
		}
		if (left < max)
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
		return ask(R, b, n) != 0 ? -1 : 1;
	for (i = 0; i < n; i++)
		keys[i] = b[i]->email;
	rc = claim_take(R->s.db, APOLLO_PROVIDER, w->s.name, keys, n, answered, w, time(NULL), st, err,
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
		apollo_run_enqueue(R, b[i]);
	}
	if (taken == 0)
		return 1;
	/* Entries live until their records leave, after the answer. */
	return ask(R, b, taken) != 0 ? -1 : 1;
}

static void
call_unlink(apollo_run_t *R, struct call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		R->calls_out = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

/* What the answer of call c says for its emails. Returns 0, or -1 when fatal. */
static int
answer(apollo_run_t *R, struct call *c, http_response_t *resp)
{
	struct apollo_result res[APOLLO_BATCH_MAX];
	struct entry **b = c->b;
	struct ws *w = c->w;
	size_t n = c->n;
	char reason[700];
	double credits;
	enum apollo_verdict v;

	R->attempts += (unsigned long long)resp->attempts;
	v = apollo_map_answer(resp, c->asks, n, res, &credits, w->key, reason, sizeof reason);
	count_call(R, w, resp->attempts, credits);
	switch (v) {
	case APOLLO_ANSWERED:
		R->calls_ok++;
		R->credits += credits;
		R->consecutive_fail = 0;
		take_answer(R, b, n, res);
		apollo_results_free(res, n);
		if (R->verbose)
			say(R, "workspace %s: bulk_match of %zu: %g credits", w->s.name, n, credits);
		return 0;
	case APOLLO_NOMEM:
		apollo_run_oom(R);
		fail_batch(R, b, n, "error", "out of memory");
		return -1;
	case APOLLO_REFUSED:
		stop_ws(R, w, WS_KEY_REFUSED, reason, "no more calls for this workspace", "error");
		fail_batch(R, b, n, "error", workspace_stop_reason(w->s.ws, WS_APOLLO));
		return 0;
	case APOLLO_RATE_LIMITED:
		R->rate_limited = 1;
		stop_ws(R, w, WS_QUOTA_REACHED, reason, QUOTA_THEN, "quota_exhausted");
		fail_batch(R, b, n, "quota_exhausted", workspace_stop_reason(w->s.ws, WS_APOLLO));
		return 0;
	case APOLLO_UNAVAILABLE:
		R->calls_unavail++;
		R->consecutive_fail++;
		break;
	case APOLLO_BAD_ANSWER:
	case APOLLO_FAILED:
		break;
	}
	say(R, "workspace %s: %s (%zu contacts marked error)", w->s.name, reason, n);
	fail_batch(R, b, n, "error", reason);
	if (v == APOLLO_UNAVAILABLE && R->consecutive_fail >= R->max_failures && !R->stop_all) {
		R->stop_all = 1;
		snprintf(R->stop_reason, sizeof R->stop_reason, "%s; no more calls this run", reason);
		say(R, "%ld calls in a row failed: no more calls this run", R->consecutive_fail);
		apollo_run_drain(R, NULL, "error", R->stop_reason);
	}
	return 0;
}

/* A call's final answer (after lib/http's retries), as each comes back. */
static void
on_answer(http_response_t *resp, void *user)
{
	struct call *c = user;
	apollo_run_t *R = c->run;
	const char *keys[APOLLO_BATCH_MAX];
	size_t i;

	call_unlink(R, c);
	R->in_flight--;
	c->w->reserved -= (long)c->n;
	after_headers(R, c->w, c->seq, resp);
	if (answer(R, c, resp) != 0)
		R->fatal = 1;
	/* After the answers are in the cache: whoever claims next finds them there. */
	for (i = 0; i < c->n; i++)
		keys[i] = c->b[i]->email;
	if (stage_release_all(&R->s, APOLLO_PROVIDER, c->w->s.name, keys, c->n, "emails") != 0)
		R->fatal = 1;
	free(c);
}

/* Frees the calls still under way (a run that stopped early); their claims expire. */
void
apollo_run_calls_free(apollo_run_t *R)
{
	struct call *c;

	while ((c = R->calls_out) != NULL) {
		call_unlink(R, c);
		free(c);
	}
}

/*
 * Asks Apollo for b[0..n), all of one workspace, claimed: the call starts and
 * its answer comes to on_answer. Returns 0, or -1 when fatal.
 */
static int
ask(apollo_run_t *R, struct entry **b, size_t n)
{
	struct ws *w = b[0]->ws;
	const char *hdrs[APOLLO_MAP_HEADERS];
	struct http_request req;
	struct call *c;
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
				apollo_run_oom(R);
				return -1;
			}
			apollo_run_resolve(R, b[i], "dry_run", NULL, 0, NULL);
			budget_need_add(&w->need, 1);   /* at most a credit an email */
		}
		return 0;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		apollo_run_oom(R);
		fail_batch(R, b, n, "error", "out of memory");
		return -1;
	}
	c->run = R;
	c->w = w;
	c->n = n;
	for (i = 0; i < n; i++) {
		c->b[i] = b[i];
		c->asks[i].email = b[i]->email;
		c->asks[i].first_name = b[i]->first;
		c->asks[i].last_name = b[i]->last;
		c->asks[i].linkedin_url = b[i]->li;
	}
	buf_init(&body, 1 << 20);
	if (apollo_map_request(c->asks, n, R->url, w->hdr_key, hdrs, &body, &req) != APOLLO_OK ||
	    ensure_http(R) != 0) {
		buf_free(&body);
		free(c);
		if (!R->io_error)
			apollo_run_oom(R);
		fail_batch(R, b, n, "error", "out of memory");
		return -1;
	}
	/* What is ready reaches the next stage while the call is under way. */
	if (buf_len(&R->out) > 0)
		R->want_out = 1;
	if (R->progress)
		apollo_run_progress(R);
	rc = http_submit(R->http, &req, on_answer, c);
	buf_free(&body);
	if (rc != HTTP_OK) {
		free(c);
		apollo_run_oom(R);
		fail_batch(R, b, n, "error", "out of memory");
		return -1;
	}
	c->seq = apollo_pace_start(&w->pace, mono_ms());
	w->reserved += (long)n;
	R->in_flight++;
	c->next = R->calls_out;
	if (c->next)
		c->next->prev = c;
	R->calls_out = c;
	/* Under way at once: the transfer goes on while records are read. */
	if (http_run_some(R->http, 0) != HTTP_OK) {
		say(R, "libcurl failed");
		R->io_error = 1;
		return -1;
	}
	return 0;
}
