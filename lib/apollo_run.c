#include "apollo_run_int.h"

void
apollo_run_textf(apollo_run_t *R, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vnotify(R->o.text, R->o.notice_ctx, fmt, ap);
	va_end(ap);
}

void
apollo_run_progress(apollo_run_t *R)
{
	apollo_run_textf(R, "\r%s: %llu records, %llu calls ", "apollo-enrich", R->records, R->calls);
}

void
apollo_run_oom(apollo_run_t *R)
{
	say(R, "out of memory");
	R->io_error = R->nomem = 1;
}

/* ---- the memo ---- */

/* The answer of key in the memo, when no older than ttl; borrowed. */
static apollo_answer_t *
memo_get(apollo_run_t *R, const char *key, long ttl, time_t now)
{
	return apollo_memo_get(R->memo, key, ttl, now);
}

/* Keeps a reference to ans; a memo that cannot be kept is only slower. */
void
apollo_run_memo_put(apollo_run_t *R, const char *key, apollo_answer_t *ans)
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

static int
open_db(apollo_run_t *R)
{
	char err[512];

	if (R->s.db)
		return 0;
	if (R->db_open_failed)
		return -1;
	if (db_open(R->dbdir, 0, &R->s.db, err, sizeof err) != DB_OK) {
		say(R, "%s", err);
		R->db_open_failed = 1;
		R->io_error = 1;
		return -1;
	}
	return 0;
}

/* ---- workspaces ---- */

/* What the run keeps of a workspace beyond lib/stage.h's record: its key, wiped. */
static void
ws_wipe(struct ws *w)
{
	wipe_free(w->hdr_key);
	wipe_free(w->key);
	w->hdr_key = w->key = NULL;
}

/* Rate limits seen by an earlier run, for the dry run's estimate. */
static void
ws_load_ratelimit(apollo_run_t *R, struct ws *w)
{
	if (open_db(R) == 0 && apollo_ratelimit_load(R->s.db, w->s.name, &w->rl) == 1)
		w->rl_seen = 1;
	else if (R->s.db == NULL)
		(void)apollo_ratelimit_load(NULL, w->s.name, &w->rl);
}

void
apollo_run_ws_save_ratelimit(apollo_run_t *R, struct ws *w)
{
	char err[256];

	if (!w->rl_seen || w->rl_saved || R->s.db == NULL)
		return;
	w->rl_saved = 1;
	(void)apollo_ratelimit_save(R->s.db, w->s.name, &w->rl, err, sizeof err);
}

/*
 * A workspace that cannot be used (state, reason): its contacts are marked
 * error (or skipped). NULL on ENOMEM.
 */
static struct ws *
ws_unusable(apollo_run_t *R, const char *name, enum ws_state state, const char *reason)
{
	struct ws *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	w->run = R;
	snprintf(w->name, sizeof w->name, "%.64s", name);
	w->s.name = w->name;
	w->state = state;
	snprintf(w->reason, sizeof w->reason, "%s", reason);
	return w;
}

/* The workspace's settings, opened once (lib/stage.h); NULL on ENOMEM. */
static struct ws *
ws_get(apollo_run_t *R, const char *name)
{
	struct stage_ws *sw;
	struct ws *w;
	char err[512], reason[600];
	const char *key;
	int rc;
	size_t n;

	if (!conf_workspace_valid(name)) {
		if (R->badname_ws)
			return R->badname_ws;
		if ((w = ws_unusable(R, "", WS_BADNAME,
		    "invalid workspace id: use 1-64 letters, digits, '_', '-' or '.'")) == NULL)
			return NULL;
		say(R, "a record has an invalid workspace id ('%.64s'): its contacts are "
		    "marked error", name);
		R->conf_error = 1;
		return R->badname_ws = w;
	}
	if ((w = (struct ws *)stage_ws_find(R->wss, name)) != NULL)
		return w;
	if ((rc = stage_ws_open(name, R->o.cache_days_flag, sizeof *w, &sw, err, sizeof err)) !=
	    STAGE_OK) {
		if (rc == STAGE_ENOMEM)
			return NULL;
		snprintf(reason, sizeof reason, "configuration: %s", err);
		if ((w = ws_unusable(R, name, WS_CONF, reason)) == NULL)
			return NULL;
		say(R, "workspace %s: %s", name, err);
		R->conf_error = 1;
	} else {
		w = (struct ws *)sw;
		w->run = R;
	}
	stage_ws_link(&R->wss, &w->s);
	for (n = 0; n < APOLLO_RL_N; n++)
		w->rl.limit[n] = w->rl.usage[n] = w->rl.left[n] = -1;
	apollo_pace_init(&w->pace, R->delay_ms, R->delay_given);
	if (w->state != WS_OK)
		return w;
	w->budget = workspace_budget(w->s.ws, WS_APOLLO);
	if ((key = workspace_key(w->s.ws, WS_APOLLO)) == NULL) {
		w->state = WS_NOKEY;
		if (!R->quiet) {
			workspace_key_hint(w->s.ws, WS_APOLLO, err, sizeof err);
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
	if ((rc = workspace_budget_load(w->s.ws, WS_APOLLO, R->s.db, R->o.budget_flag, time(NULL),
	    err, sizeof err)) != WORKSPACE_OK) {
		w->state = WS_CONF;
		snprintf(w->reason, sizeof w->reason, "%s%s",
		    rc == WORKSPACE_EIO ? "db: " : "configuration: ", err);
		say(R, "workspace %s: %s", name, err);
		if (rc == WORKSPACE_EIO)
			R->io_error = 1;
		else
			R->conf_error = 1;
		return w;
	}
	budget_need_start(&w->need, w->budget);
	if (R->dry_run)
		ws_load_ratelimit(R, w);
	return w;
}

/* ---- contacts ---- */

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
	jspan_index_free(it->ix);
	free(it->slot);
	free(it->mem);
	free(it->text);
	free(it);
}

/* Lets go of what the record holds; the item itself is kept for the next record. */
void
apollo_run_item_free(void *p)
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
	if ((it->ix == NULL && (it->ix = jspan_index_new(0, 0)) == NULL) ||
	    jspan_index_copy(it->ix, ix) != 0) {
		item_destroy(it);
		return NULL;
	}
	it->nmem = it->nroot = it->acc_mem = it->nacc = it->nslot = 0;
	it->has_account = 0;
	return it;
}

static struct entry *
entry_new(struct ws *w, const char *email, const char *text, jspan_t contact)
{
	struct entry *e = calloc(1, sizeof *e);
	size_t nl = strlen(w->s.name);

	if (e == NULL || (e->key = malloc(nl + strlen(email) + 2)) == NULL) {
		free(e);
		return NULL;
	}
	memcpy(e->key, w->s.name, nl);
	e->key[nl] = DB_KEY_SEP;
	strcpy(e->key + nl + 1, email);
	e->email = e->key + nl + 1;
	e->ws = w;
	apollo_map_ask(text, contact, &e->first, &e->last, &e->li);
	return e;
}

void
apollo_run_enqueue(apollo_run_t *R, struct entry *e)
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
void
apollo_run_resolve(apollo_run_t *R, struct entry *e, const char *status, apollo_answer_t *ans,
    int cached, const char *reason)
{
	size_t i;

	e->done = 1;
	e->status = status;
	e->ans = ans;
	e->cached = cached;
	if (reason && (e->reason = strdup(reason)) == NULL)
		apollo_run_oom(R);
	for (i = 0; i < e->nwait; i++)
		(void)window_done(R->win, e->wait[i]);
	free(e->wait);
	e->wait = NULL;
	e->nwait = e->await = 0;
}

/* Takes out of the queue, and resolves, every entry of w (NULL: all). */
void
apollo_run_drain(apollo_run_t *R, struct ws *w, const char *status, const char *reason)
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
		apollo_run_resolve(R, e, status, NULL, -1, reason);
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
	if ((stop = workspace_stopped(w->s.ws, WS_APOLLO)) == WS_KEY_REFUSED) {
		settle(sl, "error", workspace_stop_reason(w->s.ws, WS_APOLLO), NULL, -1);
		return 0;
	}
	buf_reset(&R->key);
	if (db_key(&R->key, w->s.name, email, (char *)NULL) != DB_OK) {
		apollo_run_oom(R);
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
	if ((ans = memo_get(R, key, w->s.ttl, now)) != NULL) {
		settle_hit(R, sl, w, ans);
		return 0;
	}
	/* The cache; with --refresh only what this run fetched. */
	rc = cache_get(R->s.db, APOLLO_PROVIDER, w->s.name, email, w->s.ttl, now, &v, &fetched, err,
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
			apollo_run_oom(R);
			return -1;
		}
		if (ans) {
			settle_hit(R, sl, w, ans);
			if (!R->refresh)
				apollo_run_memo_put(R, key, ans);
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
		settle(sl, "quota_exhausted", workspace_stop_reason(w->s.ws, WS_APOLLO), NULL, -1);
		return 0;
	}
	if (R->stop_all) {
		settle(sl, "error", R->stop_reason, NULL, -1);
		return 0;
	}
	if ((e = entry_new(w, email, text, c)) == NULL ||
	    window_key_put(R->win, key, e) != WINDOW_OK) {
		entry_free(e);
		apollo_run_oom(R);
		return -1;
	}
	apollo_run_enqueue(R, e);
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
	while ((total = jspan_members_ix(it->text, it->ix, obj, it->mem ? it->mem + it->nmem : NULL,
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

/* What lib/apollo reads of a record: its account and its close date. Returns 0, or -1 on ENOMEM. */
static int
record_context(struct item *it, time_t now)
{
	static const char *const names[] = APOLLO_MAP_ACCOUNT_NAMES;
	long at[3] = { -1, -1, -1 };
	long *const atp[] = { &at[0], &at[1], &at[2] };

	if (it->at_account >= 0 && jspan_type(it->text, it->mem[it->at_account].val) == JSON_OBJECT) {
		it->has_account = 1;
		if (find_members(it, it->mem[it->at_account].val, &it->acc_mem, &it->nacc, names,
		    atp, 3) != 0)
			return -1;
	}
	apollo_map_account(&it->acct, it->text, it->mem + it->acc_mem, at,
	    it->at_close >= 0 ? &it->mem[it->at_close] : NULL, now, &it->close);
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
		apollo_run_oom(R);
		return -1;
	}
	it->root = root;
	if (record_members(it) != 0) {
		apollo_run_item_free(it);
		apollo_run_oom(R);
		return -1;
	}
	/* The contacts' places in the text, found once. */
	if (it->at_contacts >= 0 && jspan_type(it->text, it->mem[it->at_contacts].val) == JSON_ARRAY)
		for (pos = 0; jspan_elem_next_ix(it->text, it->ix, it->mem[it->at_contacts].val, &pos,
		    &c);) {
			if (it->nslot == it->slot_alloc) {
				alloc = it->slot_alloc ? 2 * it->slot_alloc : 8;
				if ((ns = realloc(it->slot, alloc * sizeof *ns)) == NULL) {
					apollo_run_item_free(it);
					apollo_run_oom(R);
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
			apollo_run_item_free(it);
			apollo_run_oom(R);
			return -1;
		}
		free(wsname);
		if (w->state == WS_OK && open_db(R) != 0) {
			apollo_run_item_free(it);
			return -1;
		}
		if (record_context(it, now) != 0) {
			apollo_run_item_free(it);
			apollo_run_oom(R);
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
				apollo_run_item_free(it);
				apollo_run_oom(R);
				return -1;
			}
			if (admit_contact(R, it, &it->slot[i], w, now) != 0) {
				apollo_run_item_free(it);
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
		apollo_run_item_free(it);
		apollo_run_oom(R);
		return -1;
	}
	for (i = 0; i < it->nslot; i++)
		if (it->slot[i].e && !it->slot[i].e->done && add_waiter(it->slot[i].e, seq) != 0) {
			apollo_run_oom(R);
			return -1;
		}
	return 0;
}

/* ---- the life cycle ---- */

int
apollo_run_new(const struct apollo_run_opts *o, apollo_run_t **out, char *err, size_t errlen)
{
	apollo_run_t *R = calloc(1, sizeof *R);
	long concurrency = o->concurrency > 0 ? o->concurrency : 1, window = o->window;

	/* By default, far enough ahead that every call in flight can be full. */
	if (window <= 0)
		window = 2 * concurrency * o->batch > APOLLO_RUN_WINDOW ?
		    2 * concurrency * o->batch : APOLLO_RUN_WINDOW;
	*out = NULL;
	if (R == NULL || (R->win = window_new((size_t)window)) == NULL) {
		free(R);
		snprintf(err, errlen, "out of memory");
		return APOLLO_RUN_ENOMEM;
	}
	R->o = *o;
	R->s.notice = o->notice;
	R->s.notice_ctx = o->notice_ctx;
	R->delay_ms = o->delay_ms;
	R->window = window;
	R->concurrency = concurrency;
	R->delay_given = o->delay_given;
	R->batch = o->batch;
	R->max_pause_ms = o->max_pause_ms;
	R->max_failures = o->max_failures;
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
	return APOLLO_RUN_OK;
}

int
apollo_run_workspace(apollo_run_t *R, const char *ws)
{
	if (ws_get(R, ws) == NULL) {
		apollo_run_oom(R);
		return APOLLO_RUN_ENOMEM;
	}
	return APOLLO_RUN_OK;
}

/* Why the run must stop, as a code: what stopped it was said. */
static int
stop_code(const apollo_run_t *R)
{
	return R->nomem ? APOLLO_RUN_ENOMEM : APOLLO_RUN_EIO;
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
	return admit(R, text, len, root, ix) == 0 ? APOLLO_RUN_OK : stop_code(R);
}

int
apollo_run_process(apollo_run_t *R, int eof)
{
	struct item *it;
	unsigned waits;
	long wait;
	int rc, full;

	apollo_run_out_taken(R);
	for (;;) {
		/*
		 * What is answered is made ready, in order, a large piece at most: the
		 * gathered records stay small enough for the CPU's caches.
		 */
		while (buf_len(&R->out) < OUT_GATHER && (it = window_pop_ready(R->win)) != NULL)
			if (apollo_run_emit(R, it) != 0)
				return stop_code(R);
		if (R->fatal)
			return stop_code(R);
		if (window_count(R->win) == 0) {
			if (!eof)
				return APOLLO_RUN_OK;
			R->want_out = 1;
			return APOLLO_RUN_DONE;
		}
		if (R->want_out)
			return APOLLO_RUN_OK;   /* a large piece gathered, or --unbuffered */
		/* Full calls start while records are read; any call once the window is full. */
		full = eof || window_full(R->win);
		while ((rc = apollo_run_call_once(R, full, &wait)) == 1)
			;
		if (rc < 0 || R->fatal)
			return stop_code(R);
		if (!full)
			return APOLLO_RUN_OK;
		(void)window_head(R->win, &waits, NULL);
		if (waits == 0)
			continue;
		if (R->in_flight == 0 && wait < 0) {
			/* Cannot happen: the head waits for a queued entry. */
			say(R, "internal error: the oldest record waits for nothing queued");
			R->io_error = 1;
			return APOLLO_RUN_EIO;
		}
		/* What is gathered goes out before the network is waited on. */
		if (buf_len(&R->out) > 0) {
			R->want_out = 1;
			return APOLLO_RUN_OK;
		}
		if (R->in_flight > 0) {
			if (http_run_some(R->http, wait >= 0 ? wait : 1000) != HTTP_OK) {
				say(R, "libcurl failed");
				R->io_error = 1;
				return APOLLO_RUN_EHTTP;
			}
		} else if (wait > 0) {
			struct timespec ts = { wait / 1000, (wait % 1000) * 1000000 };

			nanosleep(&ts, NULL);
		}
	}
}

void
apollo_run_finish(apollo_run_t *R)
{
	/* What was gathered goes out, whatever stopped the run. */
	apollo_run_out_taken(R);
	R->want_out = 1;
	apollo_run_report(R);
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
	st->io_error = R->io_error || R->s.db_failed;
	st->conf_error = R->conf_error;
	st->rate_limited = R->rate_limited;
	st->quota = R->quota;
}

void
apollo_run_free(apollo_run_t *R)
{
	struct item *it;
	struct stage_ws *sw;

	if (R == NULL)
		return;
	window_free(R->win, apollo_run_item_free, entry_free_v);
	apollo_run_calls_free(R);
	free(R->people);
	while ((it = R->spare) != NULL) {
		R->spare = it->next_spare;
		item_destroy(it);
	}
	buf_free(&R->out);
	buf_free(&R->vals);
	buf_free(&R->key);
	http_client_free(R->http);
	for (sw = R->wss; sw; sw = sw->next)
		ws_wipe((struct ws *)sw);
	stage_ws_free_all(&R->wss);
	if (R->badname_ws) {
		ws_wipe(R->badname_ws);
		free(R->badname_ws);
	}
	u64set_free(&R->seen);
	apollo_memo_free(R->memo);
	db_close(R->s.db);
	free(R);
}
