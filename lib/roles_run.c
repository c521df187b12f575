#include "roles_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "cache.h"
#include "http.h"
#include "llm.h"
#include "stage.h"

#define BATCH_DEFAULT 20
#define HOLD_DEFAULT 200
#define QKEY_MAX 80
#define INFLIGHT_MAX 4

/* A workspace's run: its settings (lib/workspace.h), and what this run keeps of it. */
struct wsrun {
	struct stage_ws s;        /* its settings and stop state (lib/stage.h) */
	struct llm_config llm;
	struct budget *lb;        /* DeepSeek tokens: the workspace's */
	int has_key;
};

/* One question: the facts of one or more contacts without a role. */
struct question {
	char key[QKEY_MAX];
	struct wsrun *ws;
	json_t *facts;
	json_t **waiters;   /* contacts (inside held records) waiting for the answer */
	size_t nwaiters, awaiters;
};

struct batch {
	roles_run_t *r;
	struct wsrun *ws;
	struct question **q;
	size_t n;
};

struct roles_run {
	struct roles_run_opts o;
	struct stage s;
	roles_t *roles;
	struct stage_ws *wss;
	http_client_t *http;
	llm_t *llm;
	json_t **held;            /* in input order: [nout, nready) processed, then waiting */
	size_t nheld, nready, nout;
	int fail_rc;              /* a record's workspace failed: process says so */
	char fail_err[512];
	struct question **qs;
	size_t nqs, aqs;
	struct roles_run_stats st;
	struct batch *batches;    /* while asking */
	size_t nbatches, next;
	int inflight, answered_once;
	int nomem;
};

#define say(r, ...) stage_say(&(r)->s, __VA_ARGS__)

int
roles_run_new(const struct roles_run_opts *o, roles_run_t **out, char *err, size_t errlen)
{
	roles_run_t *r = calloc(1, sizeof *r);
	struct roles_opts ro = { 0 };

	*out = NULL;
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return ROLES_RUN_ENOMEM;
	}
	r->o = *o;
	r->s.db = o->db;
	r->s.notice = o->notice;
	r->s.notice_ctx = o->notice_ctx;
	if (r->o.batch == 0)
		r->o.batch = BATCH_DEFAULT;
	if (r->o.hold == 0)
		r->o.hold = HOLD_DEFAULT;
	if (r->o.now == 0)
		r->o.now = time(NULL);
	ro.db = o->use_store ? o->db : NULL;
	ro.stream_cap = o->stream_cap;
	if ((r->roles = roles_new(&ro, err, errlen)) == NULL ||
	    (r->held = calloc(r->o.hold, sizeof *r->held)) == NULL) {
		if (r->roles)
			snprintf(err, errlen, "out of memory");
		roles_run_free(r);
		return ROLES_RUN_ENOMEM;
	}
	*out = r;
	return ROLES_RUN_OK;
}

static void
question_free(struct question *q)
{
	if (q == NULL)
		return;
	json_free(q->facts);
	free(q->waiters);
	free(q);
}

void
roles_run_free(roles_run_t *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nheld; i++)
		json_free(r->held[i]);
	free(r->held);
	for (i = 0; i < r->nqs; i++)
		question_free(r->qs[i]);
	free(r->qs);
	llm_free(r->llm);
	http_client_free(r->http);
	stage_ws_free_all(&r->wss);
	roles_free(r->roles);
	free(r);
}

roles_t *
roles_run_roles(roles_run_t *r)
{
	return r->roles;
}

const struct roles_run_stats *
roles_run_stats(const roles_run_t *r)
{
	return &r->st;
}

/* ---- workspaces (only with the LLM layer) ---- */

static int
ws_get(roles_run_t *r, const char *name, struct wsrun **out, char *err, size_t errlen)
{
	struct stage_ws *sw;
	struct wsrun *w;
	int rc;

	if ((*out = (struct wsrun *)stage_ws_find(r->wss, name)) != NULL)
		return ROLES_RUN_OK;
	if ((rc = stage_ws_open(name, r->o.cache_days_flag, sizeof *w, &sw, err, errlen)) != STAGE_OK)
		return rc;
	w = (struct wsrun *)sw;
	w->lb = workspace_budget(sw->ws, WS_DEEPSEEK);
	rc = ROLES_RUN_ECONFIG;
	if (llm_config_load(workspace_conf(sw->ws), r->o.model_flag, &w->llm, err, errlen) != 0)
		goto fail;
	if (r->o.db && (rc = workspace_budget_load(sw->ws, WS_DEEPSEEK, r->o.db, NULL, r->o.now,
	    err, errlen)) != WORKSPACE_OK) {
		rc = stage_code(rc);
		goto fail;
	}
	w->has_key = w->llm.api_key != NULL;
	if (!w->has_key)
		say(r, "workspace %s: --llm: no DeepSeek key (deepseek_api_key in %s, or "
		    "DEEPSEEK_API_KEY): roles from the rules only", name, workspace_path(sw->ws));
	else if (r->o.verbose)
		say(r, "workspace %s: asking %s about contacts no rule placed", name, w->llm.model);
	stage_ws_link(&r->wss, sw);
	*out = w;
	return ROLES_RUN_OK;
fail:
	stage_ws_free(sw);
	return rc;
}

/* ---- questions ---- */

static int
question_key(const struct wsrun *w, const json_t *facts, char *key, size_t n)
{
	const char *parts[2];
	char h[65];
	buf_t b;

	buf_init(&b, 1 << 20);
	if (json_dump(facts, &b) != JSON_OK) {
		buf_free(&b);
		return -1;
	}
	parts[0] = roles_llm_system_prompt;
	parts[1] = buf_ptr(&b);
	llm_hash(w->llm.model, parts, 2, h);
	buf_free(&b);
	snprintf(key, n, "roles:%s", h);
	return 0;
}

static struct question *
question_find(roles_run_t *r, const struct wsrun *w, const char *key)
{
	size_t i;

	for (i = 0; i < r->nqs; i++)
		if (r->qs[i]->ws == w && strcmp(r->qs[i]->key, key) == 0)
			return r->qs[i];
	return NULL;
}

static int
add_waiter(struct question *q, json_t *contact)
{
	if (q->nwaiters == q->awaiters) {
		size_t na = q->awaiters ? q->awaiters * 2 : 4;
		json_t **w = realloc(q->waiters, na * sizeof *w);

		if (w == NULL)
			return -1;
		q->waiters = w;
		q->awaiters = na;
	}
	q->waiters[q->nwaiters++] = contact;
	return 0;
}

static int
mark_unanswered(json_t *contact, const char *why)
{
	char msg[320];

	snprintf(msg, sizeof msg, "DeepSeek: %s", why && *why ? why : "no answer");
	return json_set_str(contact, "role_error", msg) == JSON_OK ? 0 : -1;
}

/* Why a contact of a workspace whose DeepSeek calls stopped is not asked about. */
static const char *
stop_reason(const struct wsrun *w, char *why, size_t n)
{
	const char *reason = workspace_stop_reason(w->s.ws, WS_DEEPSEEK);

	snprintf(why, n, "not asked: %s", *reason ? reason : "calls stopped for the workspace");
	return why;
}

/* Applies an answer to every contact waiting for it. */
static void
answer(roles_run_t *r, struct question *q, int role)
{
	size_t i;
	int rc;

	for (i = 0; i < q->nwaiters; i++) {
		rc = roles_apply(q->waiters[i], role, ROLES_SRC_LLM);
		if (rc < 0)
			r->nomem = 1;
		else if (rc > 0) {
			r->st.llm_placed++;
			roles_count_source(r->roles, ROLES_SRC_LLM);
		}
	}
}

/*
 * Marks the contacts waiting for q as not answered: role_error says why, and
 * since nothing was cached for them a rerun asks again (and drops the mark).
 */
static void
unanswered(roles_run_t *r, struct question *q, const char *why)
{
	size_t i;

	for (i = 0; i < q->nwaiters; i++)
		if (mark_unanswered(q->waiters[i], why) != 0)
			r->nomem = 1;
}

/*
 * Looks a contact's question up in the cache, else queues it. Returns 1 when
 * answered from the cache, 0 when queued (or nothing to ask), -1 on memory.
 */
static int
ask(roles_run_t *r, struct wsrun *w, json_t *contact, char *err, size_t errlen)
{
	json_t *facts, *val = NULL;
	struct question *q;
	char key[QKEY_MAX];
	int rc;

	if ((facts = roles_llm_facts(contact)) == NULL || question_key(w, facts, key, sizeof key) != 0) {
		json_free(facts);
		return -1;
	}
	if (r->o.db) {
		rc = cache_get(r->o.db, "deepseek", w->s.name, key, w->s.ttl, r->o.now, &val, NULL, err,
		    errlen);
		if (rc == DB_OK) {
			const char *name = json_str(json_get(val, "role"));
			int role = roles_from_name(name);

			r->st.llm_cached++;
			if (role >= 0) {
				rc = roles_apply(contact, role, ROLES_SRC_LLM);
				if (rc > 0) {
					r->st.llm_placed++;
					roles_count_source(r->roles, ROLES_SRC_LLM);
				}
			}
			json_free(val);
			json_free(facts);
			return rc < 0 ? -1 : 1;
		}
		if (rc < 0 && !r->st.db_error++)
			say(r, "cannot read the cache: %s", err);
	}
	if ((q = question_find(r, w, key)) != NULL) {
		json_free(facts);
		return add_waiter(q, contact) == 0 ? 0 : -1;
	}
	if (r->nqs == r->aqs) {
		size_t na = r->aqs ? r->aqs * 2 : 32;
		struct question **qs = realloc(r->qs, na * sizeof *qs);

		if (qs == NULL) {
			json_free(facts);
			return -1;
		}
		r->qs = qs;
		r->aqs = na;
	}
	if ((q = calloc(1, sizeof *q)) == NULL) {
		json_free(facts);
		return -1;
	}
	memcpy(q->key, key, sizeof key);
	q->ws = w;
	q->facts = facts;
	if (add_waiter(q, contact) != 0) {
		question_free(q);
		return -1;
	}
	r->qs[r->nqs++] = q;
	return 0;
}

/* ---- asking ---- */

static void feed(roles_run_t *r);

static void
on_answer(struct llm_result *res, void *user)
{
	struct batch *b = user;
	roles_run_t *r = b->r;
	struct wsrun *w = b->ws;
	int *roles, k;
	size_t i;
	json_t *v;

	r->inflight--;
	r->st.llm_calls += (unsigned long)res->calls;
	r->st.llm_tokens += res->total_tokens;
	budget_spend(w->lb, (double)res->total_tokens);
	if (res->db_error && !r->st.db_error++)
		say(r, "cannot write the usage ledger: %s", res->db_err);
	if (res->status != LLM_OK) {
		r->st.llm_failed++;
		if (res->status == LLM_ENOMEM)
			r->nomem = 1;
		else if (res->status == LLM_EAUTH || res->status == LLM_EBALANCE ||
		    res->status == LLM_EREQUEST) {
			if (workspace_stopped(w->s.ws, WS_DEEPSEEK) == WS_CALLING)
				say(r, "workspace %s: DeepSeek: %s: no more questions; roles from the "
				    "rules only", w->s.name, res->error);
			workspace_stop(w->s.ws, WS_DEEPSEEK, res->status == LLM_EBALANCE ?
			    WS_QUOTA_REACHED : res->status == LLM_EAUTH ? WS_KEY_REFUSED :
			    WS_UNAVAILABLE, res->error);
		} else
			say(r, "workspace %s: DeepSeek: %s: %zu question%s left unanswered", w->s.name,
			    res->error, b->n, b->n == 1 ? "" : "s");
		for (i = 0; i < b->n; i++)
			unanswered(r, b->q[i], res->error);
		feed(r);
		return;
	}
	r->answered_once = 1;
	if ((roles = malloc(b->n * sizeof *roles)) == NULL) {
		r->nomem = 1;
		feed(r);
		return;
	}
	if ((k = roles_llm_read(res->answer, b->n, roles)) < 0)
		say(r, "workspace %s: DeepSeek's answer has no \"contacts\" list: %zu question%s "
		    "left unanswered", w->s.name, b->n, b->n == 1 ? "" : "s");
	for (i = 0; i < b->n; i++) {
		if (roles[i] == ROLES_UNKNOWN) {
			/* not cached: asked again next run */
			unanswered(r, b->q[i], k < 0 ? "the answer has no \"contacts\" list" :
			    "the answer skipped this contact");
			continue;
		}
		answer(r, b->q[i], roles[i]);
		if (r->o.db == NULL)
			continue;
		if ((v = json_new_object()) == NULL ||
		    (roles[i] >= 0 ? json_set_str(v, "role", roles_name(roles[i])) :
		    json_set_null(v, "role")) != JSON_OK) {
			json_free(v);
			r->nomem = 1;
			continue;
		}
		if (stage_cache_put(&r->s, "deepseek", w->s.name, b->q[i]->key, v, r->o.now) != 0)
			r->st.db_error++;
		json_free(v);
	}
	free(roles);
	feed(r);
}

/*
 * Starts the next batches: one call at a time until DeepSeek has answered
 * once (a refused key or an empty balance then costs one call), then up to
 * INFLIGHT_MAX at once. A workspace stopped (refusal, budget) sends no more.
 */
static void
feed(roles_run_t *r)
{
	buf_t user;
	size_t k;
	char why[300];

	buf_init(&user, (size_t)64 << 20);
	while (r->next < r->nbatches && r->inflight < (r->answered_once ? INFLIGHT_MAX : 1)) {
		struct batch *b = &r->batches[r->next++];
		struct wsrun *w = b->ws;
		struct llm_call call;
		json_t **facts;
		int was_calling;

		was_calling = workspace_stopped(w->s.ws, WS_DEEPSEEK) == WS_CALLING;
		if (!stage_budget_check(&r->s, w->s.ws, WS_DEEPSEEK, "tokens",
		    "roles from the rules only")) {
			if (was_calling)
				r->st.budget_reached = 1;
			for (k = 0; k < b->n; k++)
				unanswered(r, b->q[k], stop_reason(w, why, sizeof why));
			continue;
		}
		if ((facts = malloc(b->n * sizeof *facts)) == NULL) {
			r->nomem = 1;
			continue;
		}
		for (k = 0; k < b->n; k++)
			facts[k] = b->q[k]->facts;
		buf_reset(&user);
		k = roles_llm_request(facts, b->n, &user) == BUF_OK;
		free(facts);
		if (!k) {
			r->nomem = 1;
			continue;
		}
		memset(&call, 0, sizeof call);
		call.cfg = &w->llm;
		call.workspace = w->s.name;
		call.system = roles_llm_system_prompt;
		call.user = buf_ptr(&user);
		call.now = r->o.now;
		r->inflight++;
		if (llm_submit(r->llm, &call, on_answer, b) != LLM_OK) {
			r->inflight--;
			r->nomem = 1;
			continue;
		}
		r->st.llm_questions += b->n;
	}
	buf_free(&user);
}

/* Sends every pending question, batch at a time, and waits for the answers. */
static int
ask_all(roles_run_t *r)
{
	size_t i, j, k;
	struct wsrun *w;
	int rc = 0;

	if (r->nqs == 0)
		return 0;
	if (r->o.dry_run) {
		for (w = (struct wsrun *)r->wss; w; w = (struct wsrun *)w->s.next) {
			for (i = k = 0; i < r->nqs; i++)
				k += r->qs[i]->ws == w;
			r->st.dry_questions += k;
			r->st.dry_calls += (k + r->o.batch - 1) / r->o.batch;
		}
		return 0;
	}
	if (r->http == NULL) {
		struct http_opts ho;

		if (r->o.llm_http)
			ho = *r->o.llm_http;
		else
			llm_http_opts(&ho);
		if ((r->http = http_client_new(&ho)) == NULL ||
		    (r->llm = llm_new(r->http, r->o.db)) == NULL)
			return -1;
	}
	/* at most one batch per workspace is not full */
	if ((r->batches = calloc(r->nqs, sizeof *r->batches)) == NULL)
		return -1;
	r->nbatches = r->next = 0;
	/* group by workspace, in the order the questions came */
	for (i = 0; i < r->nqs; i++) {
		struct question *q = r->qs[i];
		struct batch *b = NULL;

		for (j = 0; j < r->nbatches; j++)
			if (r->batches[j].ws == q->ws && r->batches[j].n < r->o.batch)
				b = &r->batches[j];
		if (b == NULL) {
			b = &r->batches[r->nbatches++];
			b->r = r;
			b->ws = q->ws;
			if ((b->q = calloc(r->o.batch, sizeof *b->q)) == NULL) {
				rc = -1;
				goto out;
			}
		}
		b->q[b->n++] = q;
	}
	feed(r);
	if (http_run(r->http) != HTTP_OK)
		rc = -1;
out:
	for (j = 0; j < r->nbatches; j++)
		free(r->batches[j].q);
	free(r->batches);
	r->batches = NULL;
	r->nbatches = r->next = 0;
	return rc;
}

/*
 * A record's workspace that cannot be opened stops the run, but only at
 * process, the phase that reports errors: the records before it still leave.
 */
static void
fail_later(roles_run_t *r, int rc, const char *err)
{
	if (r->fail_rc != ROLES_RUN_OK)
		return;
	r->fail_rc = rc;
	snprintf(r->fail_err, sizeof r->fail_err, "%s", err);
}

int
roles_run_workspace(roles_run_t *r, const char *ws, char *err, size_t errlen)
{
	struct wsrun *w;
	int rc;

	if ((rc = stage_workspace_name(ws, err, errlen)) != STAGE_OK)
		return rc;
	return r->o.llm ? ws_get(r, ws, &w, err, errlen) : ROLES_RUN_OK;
}

int
roles_run_full(const roles_run_t *r)
{
	return r->nheld >= r->o.hold || r->nqs >= r->o.batch * 4 || r->fail_rc != ROLES_RUN_OK;
}

/* rec's contacts no rule placed, asked about (or marked unanswered): how many
 * were asked, or -1 (memory, err set), -2 (its workspace, remembered). */
static int
ask_record(roles_run_t *r, json_t *rec, char *err, size_t errlen)
{
	const char *ws = r->o.workspace ? r->o.workspace : json_str(json_get(rec, "workspace_id"));
	json_t *contacts = json_get(rec, "contacts");
	struct wsrun *w = NULL;
	size_t i;
	int rc, asked = 0;

	if (!r->o.llm || ws == NULL || *ws == '\0')
		return 0;
	if ((rc = ws_get(r, ws, &w, err, errlen)) != ROLES_RUN_OK) {
		fail_later(r, rc, err);
		return -2;
	}
	for (i = 0; w->has_key && i < json_len(contacts); i++) {
		json_t *c = json_at(contacts, i);
		char why[300];

		if (!roles_llm_wanted(r->roles, c))
			continue;
		if (workspace_stopped(w->s.ws, WS_DEEPSEEK) != WS_CALLING) {
			if (!r->o.dry_run && mark_unanswered(c, stop_reason(w, why, sizeof why)) != 0)
				return -1;
			continue;
		}
		r->st.llm_wanted++;
		json_del(c, "role_error");   /* asked again: marked again if it fails again */
		if ((rc = ask(r, w, c, err, errlen)) < 0)
			return -1;
		asked += rc == 0;
	}
	return asked;
}

int
roles_run_add(roles_run_t *r, json_t *rec)
{
	json_t *contacts;
	char err[512];
	size_t i;
	int rc;

	if (r->nheld >= r->o.hold) {   /* the loop asks full() first: a caller's mistake */
		json_free(rec);
		return ROLES_RUN_ENOMEM;
	}
	rc = roles_resolve(r->roles, rec, r->o.workspace, err, sizeof err);
	if (rc == DB_ENOMEM) {
		json_free(rec);
		return ROLES_RUN_ENOMEM;
	}
	if (rc < 0) {
		/* the store cannot be read: go on without it, exit 74 at the end */
		say(r, "cannot read the cross-deal index: %s: going on without the store", err);
		roles_set_db(r->roles, NULL);
		r->st.db_error++;
	}
	/* an earlier run's "not answered" is moot once a contact has a role */
	contacts = json_get(rec, "contacts");
	for (i = 0; i < json_len(contacts); i++) {
		double have;

		if (roles_contact_role(json_at(contacts, i), &have))
			json_del(json_at(contacts, i), "role_error");
	}
	if (ask_record(r, rec, err, sizeof err) == -1) {
		json_free(rec);
		return ROLES_RUN_ENOMEM;
	}
	r->held[r->nheld++] = rec;
	return ROLES_RUN_OK;
}

int
roles_run_process(roles_run_t *r, char *err, size_t errlen)
{
	size_t i;

	if (r->fail_rc != ROLES_RUN_OK) {
		snprintf(err, errlen, "%s", r->fail_err);
		return r->fail_rc;
	}
	if (ask_all(r) != 0)
		r->nomem = 1;
	for (i = 0; i < r->nqs; i++)
		question_free(r->qs[i]);
	r->nqs = 0;
	for (i = r->nready; i < r->nheld; i++)
		if (roles_summary(r->held[i]) != 0)
			r->nomem = 1;
	r->nready = r->nheld;
	if (r->nomem) {
		snprintf(err, errlen, "out of memory");
		return ROLES_RUN_ENOMEM;
	}
	return ROLES_RUN_OK;
}

json_t *
roles_run_next(roles_run_t *r)
{
	json_t *rec;

	if (r->nout == r->nready) {
		if (r->nout == r->nheld)
			r->nheld = r->nready = r->nout = 0;
		return NULL;
	}
	rec = r->held[r->nout];
	r->held[r->nout++] = NULL;
	return rec;
}

int
roles_run_dry_report(const roles_run_t *r, buf_t *out)
{
	const struct roles_run_stats *s = &r->st;

	if (!r->o.llm)
		return 0;
	return buf_addf(out, "dry run: %lu contact%s without a role could be asked about: "
	    "%lu answered from the cache, %lu question%s would go to DeepSeek in %lu call%s\n",
	    s->llm_wanted, s->llm_wanted == 1 ? "" : "s", s->llm_cached, s->dry_questions,
	    s->dry_questions == 1 ? "" : "s", s->dry_calls, s->dry_calls == 1 ? "" : "s") == BUF_OK ?
	    0 : -1;
}

/* ---- the phases for the program's loop (lib/cli_stage.h) ---- */

static int op_full(const void *r) { return roles_run_full(r); }
static int op_add(void *r, json_t *rec) { return roles_run_add(r, rec); }
static int op_process(void *r, char *err, size_t n) { return roles_run_process(r, err, n); }
static json_t *op_next(void *r) { return roles_run_next(r); }
/* The rules need no db: a failed cache or ledger write is told at the end (exit 74). */
static int op_db_failed(const void *r) { (void)r; return 0; }
static int op_workspace(void *r, const char *ws, char *err, size_t n)
{
	return roles_run_workspace(r, ws, err, n);
}
static int op_dry_report(const void *r, buf_t *out) { return roles_run_dry_report(r, out); }

const struct stage_ops roles_run_stage = {
	op_full, op_add, op_process, op_next, op_db_failed, NULL, op_workspace, op_dry_report
};

int
roles_run_parse_map(const char *arg, char **label, int *role, char *err, size_t errlen)
{
	const char *eq = strrchr(arg, '=');

	if (eq == NULL || eq == arg) {
		snprintf(err, errlen, "expected NAME=ROLE, got '%s'", arg);
		return -1;
	}
	if (strcmp(eq + 1, "none") == 0)
		*role = ROLES_NONE;
	else if ((*role = roles_from_name(eq + 1)) < 0) {
		snprintf(err, errlen, "'%s' is not a role (decision_maker, economic_buyer, champion, "
		    "technical_evaluator, influencer, end_user, blocker, none)", eq + 1);
		return -1;
	}
	if ((*label = strndup(arg, (size_t)(eq - arg))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
