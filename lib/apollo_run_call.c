#include "apollo_run_int.h"

/* ---- calls ---- */

static const char *
resp_header(void *ctx, const char *name)
{
	return http_header(ctx, name);
}


static void
count_call(apollo_run_t *R, struct ws *w, long attempts, double credits)
{
	struct ledger_usage u = { attempts, credits, 0 };
	char month[16], err[512];

	ledger_month(time(NULL), month, sizeof month);
	if (ledger_add(R->db, w->name, APOLLO_PROVIDER, month, &u, err, sizeof err) != DB_OK) {
		apollo_run_say(R, "db: usage ledger: %s", err);
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
		apollo_run_say(R, "cannot set up libcurl");
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
	apollo_run_ws_save_ratelimit(R, w);
	pause = apollo_ratelimit_pause(&rl, &win);
	if (pause <= 0)
		return;
	if (pause > R->max_pause_ms && win != APOLLO_RL_MINUTE) {
		snprintf(reason, sizeof reason,
		    "Apollo's %s rate limit is reached (%ld calls); try later", wname[win],
		    rl.limit[win]);
		workspace_stop(w->ws, WS_APOLLO, WS_QUOTA_REACHED, reason);
		apollo_run_say(R, "workspace %s: %s", w->name, reason);
		R->rate_limited = 1;
		apollo_run_drain(R, w, "quota_exhausted", workspace_stop_reason(w->ws, WS_APOLLO));
		return;
	}
	if (pause > R->max_pause_ms)
		pause = R->max_pause_ms;
	if (R->verbose)
		apollo_run_say(R, "workspace %s: %ld calls left this %s: pausing %ld ms", w->name,
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
			apollo_run_oom(R);
			continue;
		}
		rc = cache_put(R->db, APOLLO_PROVIDER, b[i]->ws->name, b[i]->email, v, now, err,
		    sizeof err);
		json_free(v);
		if (rc != DB_OK) {
			apollo_run_say(R, "db: cache: %s", err);
			R->io_error = 1;
		}
		ans[i] = apollo_answer_new(res[i].kind == APOLLO_FOUND ? res[i].person : NULL, now);
		res[i].person = NULL;
		if (ans[i] == NULL)
			apollo_run_oom(R);
		else
			apollo_run_memo_put(R, b[i]->key, ans[i]);
	}
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
			apollo_run_resolve(R, b[i], res[i].kind == APOLLO_FOUND ? "enriched" : "not_found", ans[i], 0,
			    NULL);
	}
}

static void
fail_batch(apollo_run_t *R, struct entry **b, size_t n, const char *status, const char *reason)
{
	size_t i;

	for (i = 0; i < n; i++)
		apollo_run_resolve(R, b[i], status, NULL, -1, reason);
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
		apollo_run_say(R, "db: %s", err);
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

static int ask(apollo_run_t *R, struct entry **b, size_t n);

/*
 * One bulk call for the oldest queued emails of one workspace that no other
 * process is asking for (lib/claim.h): those another process answered in the
 * meantime come from the cache, those it is asking for now wait and are
 * claimed again later. Returns 0, or -1 when fatal.
 */
int
apollo_run_call_once(apollo_run_t *R)
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

		if (apollo_run_flush_out(R) != 0)
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
			apollo_run_say(R, "workspace %s: %s: the rest are quota_exhausted", w->name,
			    reason);
			R->quota = 1;
			apollo_run_drain(R, w, "quota_exhausted", workspace_stop_reason(w->ws, WS_APOLLO));
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
		apollo_run_say(R, "db: %s", err);
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
		return 0;
	/* Entries live until their records leave, after this returns. */
	for (i = 0; i < taken; i++)
		keys[i] = b[i]->email;
	rc = ask(R, b, taken);
	/* After the answers are in the cache: whoever claims next finds them there. */
	if (claim_release(R->db, APOLLO_PROVIDER, w->name, keys, taken, err, sizeof err) != DB_OK) {
		apollo_run_say(R, "db: %s", err);
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
				apollo_run_oom(R);
				return -1;
			}
			apollo_run_resolve(R, b[i], "dry_run", NULL, 0, NULL);
			budget_need_add(&w->need, 1);   /* at most a credit an email */
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
			apollo_run_oom(R);
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
	if (apollo_run_flush_out(R) != 0) {
		buf_free(&body);
		return -1;
	}
	if (R->progress)
		apollo_run_progress(R);
	started = http_started(R->http);
	rc = http_do(R->http, &req, &resp);
	buf_free(&body);
	if (rc != HTTP_OK) {
		if (rc == HTTP_ENOMEM)
			apollo_run_oom(R);
		else {
			apollo_run_say(R, "libcurl failed");
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
			apollo_run_oom(R);
			return -1;
		}
		if (rc == APOLLO_OK) {
			R->calls_ok++;
			R->credits += credits;
			R->consecutive_fail = 0;
			take_answer(R, b, n, res);
			apollo_results_free(res, n);
			if (R->verbose)
				apollo_run_say(R, "workspace %s: bulk_match of %zu: %g credits", w->name,
				    n, credits);
			after_headers(R, w, resp);
		} else {
			snprintf(reason, sizeof reason, "invalid answer from Apollo: %s", err);
			apollo_run_say(R, "workspace %s: %s (%zu contacts marked error)", w->name,
			    reason, n);
			fail_batch(R, b, n, "error", reason);
		}
		http_response_free(resp);
		return 0;
	}
	count_call(R, w, http_started(R->http) - started, 0);
	apollo_run_excerpt(resp->body, resp->body_len, w, ex, sizeof ex);
	if (resp->status == 401 || resp->status == 403) {
		snprintf(reason, sizeof reason, "Apollo refused the API key (HTTP %ld%s%s)",
		    resp->status, *ex ? ": " : "", ex);
		workspace_stop(w->ws, WS_APOLLO, WS_KEY_REFUSED, reason);
		apollo_run_say(R, "workspace %s: %s: no more calls for this workspace", w->name,
		    reason);
		fail_batch(R, b, n, "error", workspace_stop_reason(w->ws, WS_APOLLO));
		apollo_run_drain(R, w, "error", workspace_stop_reason(w->ws, WS_APOLLO));
	} else if (resp->status == 429) {
		snprintf(reason, sizeof reason,
		    "Apollo rate limit reached (HTTP 429 after %d attempts); try later",
		    resp->attempts);
		workspace_stop(w->ws, WS_APOLLO, WS_QUOTA_REACHED, reason);
		apollo_run_say(R, "workspace %s: %s", w->name, reason);
		R->rate_limited = 1;
		fail_batch(R, b, n, "quota_exhausted", workspace_stop_reason(w->ws, WS_APOLLO));
		apollo_run_drain(R, w, "quota_exhausted", workspace_stop_reason(w->ws, WS_APOLLO));
	} else if (resp->status == 0 || resp->transient) {
		R->calls_unavail++;
		R->consecutive_fail++;
		if (resp->status)
			snprintf(reason, sizeof reason, "Apollo unavailable: HTTP %ld after %d attempts",
			    resp->status, resp->attempts);
		else
			snprintf(reason, sizeof reason, "Apollo unavailable: %s after %d attempts",
			    resp->error, resp->attempts);
		apollo_run_say(R, "workspace %s: %s (%zu contacts marked error)", w->name, reason, n);
		fail_batch(R, b, n, "error", reason);
		if (R->consecutive_fail >= R->max_failures) {
			R->stop_all = 1;
			snprintf(R->stop_reason, sizeof R->stop_reason, "%s; no more calls this run",
			    reason);
			apollo_run_say(R, "%ld calls in a row failed: no more calls this run",
			    R->consecutive_fail);
			apollo_run_drain(R, NULL, "error", R->stop_reason);
		}
	} else {
		snprintf(reason, sizeof reason, "Apollo answered HTTP %ld%s%s", resp->status,
		    *ex ? ": " : "", ex);
		apollo_run_say(R, "workspace %s: %s (%zu contacts marked error)", w->name, reason, n);
		fail_batch(R, b, n, "error", reason);
	}
	http_response_free(resp);
	return 0;
}
