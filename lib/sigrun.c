#include "sigrun_int.h"

#include "account.h"
#include "hash.h"
#include "str.h"

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
	if (!o->dry_run && ((r->sreqs = calloc(r->o.serper_http.max_in_flight > 0 ?
	    (size_t)r->o.serper_http.max_in_flight : 1, sizeof *r->sreqs)) == NULL ||
	    (r->shttp = http_client_new(&r->o.serper_http)) == NULL ||
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

static void
accts_free(sigrun_t *r)
{
	struct acct *a, *n;
	size_t i;

	for (a = r->accts; a; a = n) {
		n = a->next;
		sigrun_release(r, a);   /* a search that never ended (the HTTP client failed) */
		sigrun_llm_release(r, a);
		window_key_del(r->w, a->wkey);
		acct_free(a);
	}
	r->accts = r->accts_tail = NULL;
	free(r->jobs);
	free(r->redo);
	r->jobs = NULL;
	r->redo = NULL;
	r->njobs = r->next_job = r->nredo = r->next_redo = 0;
	if (r->sreqs)   /* requests an HTTP failure left without an answer */
		memset(r->sreqs, 0, (r->o.serper_http.max_in_flight > 0 ?
		    (size_t)r->o.serper_http.max_in_flight : 1) * sizeof *r->sreqs);
	r->out_s = 0;
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
	free(r->sreqs);
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
	unsigned long most, requests;

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
	most = r->o.search_batch > 0 ? (unsigned long)r->o.search_batch : SERPER_BATCH_MAX;
	requests = (out->would_search + most - 1) / most;
	out->least_ms = requests > 0 ? (long)(requests - 1) * r->o.serper_http.min_interval_ms : 0;
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
		if (str_blank(wsname)) {
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
		if (str_blank(name))
			name = NULL;
		if (str_blank(domain))
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
		if ((rc = sigrun_lookup(r, a, err, errlen)) != SIGRUN_OK)
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
			if (sigrun_merge(r, a) != 0)
				goto nomem;
			if (json_len(a->items) == 0)
				continue;
			if ((k = sigrun_llm_cached(r, a, 0)) < 0)
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
			if ((rc = sigrun_lookup(r, a, err, errlen)) != SIGRUN_OK)
				goto out;
		}
		if ((rc = sigrun_search(r, err, errlen)) != SIGRUN_OK)
			goto out;
		if ((rc = sigrun_classify(r, err, errlen)) != SIGRUN_OK)
			goto out;
		/* Anything an error left unclassified gets the rules. */
		for (a = r->accts; a; a = a->next)
			if (a->state == A_OK && a->result == NULL)
				sigrun_by_rules(r, a);
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

static int op_db_failed(const void *r) { return ((const sigrun_t *)r)->s.db_failed > 0; }

static void
op_progress(const void *vr, char *line, size_t n)
{
	const sigrun_t *r = vr;

	snprintf(line, n, "%lu records, %lu searches, %lu DeepSeek calls", r->st.records,
	    r->st.searches, r->st.llm_calls);
}

STAGE_OPS_DEFINE(sigrun, op_db_failed, op_progress);
