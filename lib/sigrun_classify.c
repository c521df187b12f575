#include "sigrun_int.h"

#include "company.h"

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
int
sigrun_merge(sigrun_t *r, struct acct *a)
{
	size_t i, k;

	if ((a->items = json_new_array()) == NULL)
		return -1;
	a->dropped = 0;
	a->cached = 1;
	a->fetched_at = 0;
	for (i = 0; i < r->o.nqueries; i++) {
		const struct qslot *s = &a->q[i];

		if (s->state == Q_FETCHED || s->this_run)
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

void
sigrun_by_rules(sigrun_t *r, struct acct *a)
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
int
sigrun_llm_cached(sigrun_t *r, struct acct *a, int take)
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
	size_t i;

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
	for (i = 0; i < n; i++)
		list[i]->queued = 1;
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
			sigrun_by_rules(r, b->a[i]);
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
			sigrun_by_rules(r, a);
		} else if (a->llm_tries < 2 && nagain < sizeof again / sizeof again[0])
			again[nagain++] = a;
		else {
			if (r->o.verbose)
				say(r, "%s: DeepSeek gave no answer for %s: classified by the rules",
				    w->s.name, company_of(a));
			sigrun_by_rules(r, a);
		}
	}
	/* One call of its own for each account the batch answer left out. */
	for (i = 0; i < nagain; i++)
		if (batch_add(r, w, &again[i], 1) != 0) {
			r->nomem = 1;
			sigrun_by_rules(r, again[i]);
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
				sigrun_by_rules(r, b->a[i]);
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
			sigrun_by_rules(r, b->a[i]);
	}
	buf_free(&user);
}

void
sigrun_llm_release(sigrun_t *r, struct acct *a)
{
	if (!a->llm_claimed)
		return;
	a->llm_claimed = 0;
	stage_release(&r->s, "deepseek", a->ws->s.name, a->llm_key, "an account's classification");
}

/* Whether a DeepSeek cache entry seen while claiming (lib/claim.h) is fresh. */
static int
llm_answered(const char *val, size_t len, void *vctx)
{
	const struct acct *a = vctx;
	long long at = claim_entry_time(val, len);

	return at >= 0 && (a->ws->s.ttl <= 0 || (long long)time(NULL) - at <= a->ws->s.ttl);
}

/*
 * Claims the classification of each account still waiting for DeepSeek, so
 * that processes sharing the db (a pipeline's background serper-signals and
 * its inline one) never pay for one answer twice. Those another process
 * answered meanwhile are read from the cache; those it is asking for now are
 * left for the next round. *waiting: 1 when some are. Returns SIGRUN_OK, or
 * SIGRUN_ENOMEM / SIGRUN_EIO with err set.
 */
/* Claims one account's classification: SIGRUN_OK (*held: another process asks), or an error. */
static int
llm_claim_one(sigrun_t *r, struct acct *a, int *held, char *err, size_t errlen)
{
	enum claim_state st;
	const char *key = a->llm_key;
	int rc, k;

	*held = 0;
	rc = claim_take(r->o.db, "deepseek", a->ws->s.name, &key, 1, llm_answered, a, time(NULL),
	    &st, err, errlen);
	if (rc != DB_OK)
		return rc == DB_ENOMEM ? SIGRUN_ENOMEM : SIGRUN_EIO;
	if (st == CLAIM_TAKEN)
		a->llm_claimed = 1;
	else if (st == CLAIM_HELD)
		*held = 1;
	else if ((k = sigrun_llm_cached(r, a, 1)) < 0) {
		snprintf(err, errlen, "out of memory");
		return SIGRUN_ENOMEM;
	} else if (k == 1) {
		r->st.llm_cached++;
		r->st.by_llm++;
	} else
		sigrun_by_rules(r, a);
	return SIGRUN_OK;
}

static int
llm_claim(sigrun_t *r, int *waiting, char *err, size_t errlen)
{
	struct acct *a;
	int rc, held;

	*waiting = 0;
	for (a = r->accts; a; a = a->next) {
		if (a->state != A_OK || a->result || a->llm_claimed)
			continue;
		if ((rc = llm_claim_one(r, a, &held, err, errlen)) != SIGRUN_OK)
			return rc;
		*waiting |= held;
	}
	return SIGRUN_OK;
}

/* Batches of the accounts this process claimed, workspace by workspace. 0 or -1. */
static int
llm_batches(sigrun_t *r)
{
	struct acct *a, *list[50];
	struct wsrun *w;
	size_t n;

	for (w = WSRUN(r->wss); w; w = WSRUN(w->s.next)) {
		n = 0;
		for (a = r->accts; a; a = a->next) {
			if (a->ws != w || a->state != A_OK || a->result || !a->llm_claimed || a->queued)
				continue;
			list[n++] = a;
			if (n == (size_t)r->o.batch || n == sizeof list / sizeof list[0]) {
				if (batch_add(r, w, list, n) != 0)
					return -1;
				n = 0;
			}
		}
		if (n > 0 && batch_add(r, w, list, n) != 0)
			return -1;
	}
	return 0;
}

/* Merges the results of the accounts whose searches are over and classifies what needs no call. 0 or -1. */
static int
settle_searched(sigrun_t *r)
{
	struct acct *a;
	int k;

	for (a = r->accts; a; a = a->next) {
		if (a->state != A_NEW || a->pending > 0 || a->held)
			continue;
		a->state = A_OK;
		if (sigrun_merge(r, a) != 0)
			return -1;
		if (a->cached)
			r->st.cache_hits++;
		if (json_len(a->items) == 0 || !a->ws->use_llm ||
		    workspace_stopped(a->ws->s.ws, WS_DEEPSEEK) != WS_CALLING) {
			sigrun_by_rules(r, a);
			continue;
		}
		if ((k = sigrun_llm_cached(r, a, 1)) < 0)
			return -1;
		if (k == 1) {
			r->st.llm_cached++;
			r->st.by_llm++;
		}
	}
	return 0;
}

void
sigrun_classify_ready(sigrun_t *r)
{
	struct acct *a, *list[50];
	struct wsrun *w;
	char err[256];
	size_t n, before = r->nbatches;
	int held;

	if (r->no_overlap)
		return;
	if (settle_searched(r) != 0) {
		r->no_overlap = 1;
		return;
	}
	/*
	 * Each workspace's accounts in order up to the first still searched, in
	 * batches of its claimed ones: the batches llm_batches makes at the end.
	 */
	for (w = WSRUN(r->wss); w; w = WSRUN(w->s.next)) {
		n = 0;
		for (a = r->accts; a; a = a->next) {
			if (a->ws != w)
				continue;
			if (a->state == A_NEW)
				break;
			if (a->state != A_OK || a->result || a->queued)
				continue;
			if (!a->llm_claimed && !a->llm_tried) {
				a->llm_tried = 1;
				if (llm_claim_one(r, a, &held, err, sizeof err) != SIGRUN_OK) {
					r->no_overlap = 1;
					return;
				}
			}
			if (!a->llm_claimed || a->result)
				continue;
			list[n++] = a;
			if (n == (size_t)r->o.batch || n == sizeof list / sizeof list[0]) {
				if (batch_add(r, w, list, n) != 0) {
					r->no_overlap = 1;
					return;
				}
				n = 0;
			}
		}
		if (a == NULL && n > 0 && batch_add(r, w, list, n) != 0) {
			r->no_overlap = 1;
			return;
		}
	}
	if (r->nbatches > before &&
	    stage_budget_reread(r->wss, WS_DEEPSEEK, r->o.db, NULL, r->now, err, sizeof err) ==
	    SIGRUN_OK)
		feed_llm(r);
}

int
sigrun_classify(sigrun_t *r, char *err, size_t errlen)
{
	struct acct *a;
	int rc, waiting;

	if (settle_searched(r) != 0)
		goto nomem;
	/* Rounds: claim, ask DeepSeek for what this process claimed, wait for the rest. */
	for (;;) {
		if ((rc = llm_claim(r, &waiting, err, errlen)) != SIGRUN_OK ||
		    (rc = stage_budget_reread(r->wss, WS_DEEPSEEK, r->o.db, NULL, r->now, err,
		    errlen)) != SIGRUN_OK)
			return rc;
		if (llm_batches(r) != 0)
			goto nomem;
		/* The batches sent while searching may still be under way. */
		if (r->next_batch < r->nbatches || r->out_l > 0) {
			feed_llm(r);
			if (http_run(r->lhttp) != HTTP_OK) {
				snprintf(err, errlen, "the HTTP client failed (memory or libcurl)");
				return SIGRUN_EHTTP;
			}
		}
		/* Every answer of the round is cached (on_batch): others may read them. */
		for (a = r->accts; a; a = a->next)
			sigrun_llm_release(r, a);
		if (!waiting)
			return SIGRUN_OK;
		stage_claim_pause();
	}
nomem:
	snprintf(err, errlen, "out of memory");
	return SIGRUN_ENOMEM;
}
