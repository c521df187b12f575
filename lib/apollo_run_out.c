#include "apollo_run_int.h"

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

/* Writing a record: the fields of each contact, and the account's firmographics. */
struct out_ctx {
	apollo_run_t *R;
	struct item *it;
	struct jedit_field firmo;  /* firmo.key NULL: none */
};

/* What a contact settled on: on admission, or through the entry it waited for. */
static struct apollo_outcome
slot_outcome(const struct slot *sl)
{
	struct apollo_outcome oc;

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
		else {
			struct apollo_outcome oc = slot_outcome(sl);

			rc = apollo_map_contact(out, &R->vals, o->it->text, o->it->mem + sl->mem,
			    sl->nmem, &oc, &o->it->acct, o->it->close);
		}
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
	 * The members admission read (and found the members of) are known by where
	 * their values lie, whatever their keys look like.
	 */
	(void)key;
	if (it->at_contacts >= 0 && val.off == it->mem[it->at_contacts].val.off)
		return it->nslot == 0 ? 0 : edit_contacts(R, o, out);
	if (it->at_account >= 0 && val.off == it->mem[it->at_account].val.off && o->firmo.key) {
		/* The account admission read: its members are known. */
		rc = jedit_members(out, o->it->text, o->it->mem + o->it->acc_mem, o->it->nacc, &o->firmo,
		    1, NULL, NULL, NULL);
		return rc == JSON_OK ? 1 : rc;
	}
	return 0;
}

/* Drops what apollo_run_next handed out: the program has written it. */
void
apollo_run_out_taken(apollo_run_t *R)
{
	if (R->handed) {
		buf_reset(&R->out);
		R->handed = 0;
	}
}

/*
 * The records gathered in R->out, when due: in large pieces, so that the
 * program's write() takes them straight from R->out rather than through
 * stdio's buffer.
 */
const char *
apollo_run_next(apollo_run_t *R, size_t *len)
{
	apollo_run_out_taken(R);
	if (!R->want_out)
		return NULL;
	R->want_out = 0;
	if (buf_len(&R->out) == 0)
		return NULL;
	*len = R->handed = buf_len(&R->out);
	return buf_ptr(&R->out);
}

/* The head record leaves. Returns 0, or -1 on a fatal error. */
int
apollo_run_emit(apollo_run_t *R, struct item *it)
{
	struct out_ctx o = { R, it, { NULL, NULL, 0, NULL, 0 } };
	const apollo_facts_t **people;
	struct apollo_outcome oc;
	size_t i, npeople = 0, start = buf_len(&R->out);
	int rc = 0;
	buf_t merged;

	buf_init(&merged, 1 << 20);

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
	/* The CRM's firmographics stay; Apollo's fill what they lack. */
	if (!R->dry_run && it->has_account && apollo_map_firmographics(it->text,
	    it->mem[it->at_account].val, &it->acct, people, npeople, &merged, &o.firmo) < 0)
		goto nomem;
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
		R->want_out = 1;
	goto done;
nomem:
	apollo_run_oom(R);
	rc = -1;
done:
	buf_free(&merged);
	apollo_run_item_free(it);
	return rc;
}

/* ---- the end ---- */

void
apollo_run_report(apollo_run_t *R)
{
	struct apollo_ratelimit rl;
	struct stage_ws *sw;
	struct ws *w;
	long long least;
	double secs;
	int i;

	for (i = 0; i < APOLLO_RL_N; i++)
		rl.limit[i] = rl.usage[i] = rl.left[i] = -1;
	/* The strictest limits of the workspaces that would call. */
	for (sw = R->wss; sw; sw = sw->next)
		if ((w = (struct ws *)sw)->asked > 0)
			for (i = 0; i < APOLLO_RL_N; i++)
				if (w->rl.limit[i] > 0 && (rl.limit[i] < 0 || w->rl.limit[i] < rl.limit[i]))
					rl.limit[i] = w->rl.limit[i];
	least = apollo_least_ms((long)R->calls, R->delay_ms, R->delay_given, &rl);
	secs = (double)least / 1000.0;
	if (R->progress)
		R->o.text(R->o.notice_ctx, "\n");
	if (R->dry_run && !R->quiet) {
		char lim[160] = "";

		if (R->calls > 0)
			snprintf(lim, sizeof lim, " (%ld ms between calls, %ld/minute, %ld/hour, %ld/day)",
			    apollo_pace_interval(rl.limit[0], R->delay_ms, R->delay_given, 1),
			    rl.limit[0], rl.limit[1], rl.limit[2]);
		say(R, "dry run: %llu records, %llu contacts, %llu with an email, "
		    "%llu cache hits, %llu asked earlier in the run, %llu calls for %llu emails, "
		    "at most %g credits, at least %.1f s at the rate limits%s",
		    R->records, R->contacts, R->with_email, R->hits, R->in_run, R->calls, R->emails_asked,
		    R->credits_max, secs, lim);
	} else if (R->verbose)
		say(R, "%llu records, %llu contacts: %llu enriched, %llu not found, "
		    "%llu errors, %llu skipped, %llu quota_exhausted; %llu cache hits, %llu calls, "
		    "%g credits", R->records, R->contacts, R->n_enriched, R->n_not_found, R->n_error,
		    R->n_skipped, R->n_quota, R->hits, R->calls, R->credits);
	/* Even with --quiet: the pipelines read these (lib/budget.h). */
	for (sw = R->wss; R->dry_run && sw; sw = sw->next)
		if ((w = (struct ws *)sw)->need.limited) {
			char need[200];

			budget_need_say(&w->need, APOLLO_PROVIDER, "contacts", need, sizeof need);
			say(R, "dry run: workspace %s: %s (of %g a month)", w->s.name, need,
			    w->budget->budget);
		}
	if (R->stats_json)
		apollo_run_textf(R, "{\"program\":\"apollo-enrich\",\"dry_run\":%s,\"records\":%llu,"
		    "\"contacts\":%llu,\"with_email\":%llu,\"cache_hits\":%llu,\"asked_earlier\":%llu,"
		    "\"calls\":%llu,\"attempts\":%llu,\"emails_asked\":%llu,\"credits\":%g,"
		    "\"credits_max\":%g,\"least_seconds\":%.3f,\"enriched\":%llu,\"not_found\":%llu,"
		    "\"error\":%llu,\"skipped\":%llu,\"quota_exhausted\":%llu,\"dry_run_contacts\":%llu}\n",
		    R->dry_run ? "true" : "false", R->records, R->contacts, R->with_email, R->hits,
		    R->in_run, R->calls, R->attempts, R->emails_asked, R->credits, R->credits_max, secs,
		    R->n_enriched, R->n_not_found, R->n_error, R->n_skipped, R->n_quota, R->n_dry);
}
