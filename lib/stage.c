#include "stage.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "cache.h"
#include "claim.h"
#include "conf.h"
#include "str.h"

void
stage_say(const struct stage *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vnotify(s->notice, s->notice_ctx, fmt, ap);
	va_end(ap);
}

int
stage_code(int workspace_rc)
{
	switch (workspace_rc) {
	case WORKSPACE_OK: return STAGE_OK;
	case WORKSPACE_ENOMEM: return STAGE_ENOMEM;
	case WORKSPACE_EIO: return STAGE_EIO;
	default: return STAGE_ECONFIG;
	}
}

int
stage_workspace_name(const char *name, char *err, size_t errlen)
{
	if (conf_workspace_valid(name))
		return STAGE_OK;
	snprintf(err, errlen, "--workspace '%s': use 1-64 of A-Z a-z 0-9 _ . - "
	    "(not starting with '.')", name);
	return STAGE_ECONFIG;
}

/* ---- workspaces ---- */

struct stage_ws *
stage_ws_find(struct stage_ws *list, const char *name)
{
	for (; list; list = list->next)
		if (strcmp(list->name, name) == 0)
			return list;
	return NULL;
}

int
stage_ws_open(const char *name, const char *cache_days_flag, size_t size,
    struct stage_ws **out, char *err, size_t errlen)
{
	struct stage_ws *w;
	int rc;

	*out = NULL;
	if (size < sizeof *w)
		size = sizeof *w;
	if ((w = calloc(1, size)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return STAGE_ENOMEM;
	}
	if ((rc = workspace_open(name, cache_days_flag, &w->ws, err, errlen)) != WORKSPACE_OK) {
		free(w);
		return stage_code(rc);
	}
	w->name = workspace_name(w->ws);
	w->ttl = workspace_ttl(w->ws);
	*out = w;
	return STAGE_OK;
}

void
stage_ws_link(struct stage_ws **list, struct stage_ws *w)
{
	w->next = *list;
	*list = w;
}

void
stage_ws_free(struct stage_ws *w)
{
	if (w == NULL)
		return;
	workspace_free(w->ws);
	free(w);
}

void
stage_ws_free_all(struct stage_ws **list)
{
	struct stage_ws *w, *next;

	for (w = *list; w; w = next) {
		next = w->next;
		stage_ws_free(w);
	}
	*list = NULL;
}

/* ---- calls ---- */

int
stage_budget_check(struct stage *s, workspace_t *ws, enum workspace_provider p,
    const char *unit, const char *then)
{
	const struct budget *b = workspace_budget(ws, p);
	char reason[300];

	if (workspace_stopped(ws, p) == WS_CALLING && b->limited && !budget_allows(b, 1)) {
		snprintf(reason, sizeof reason, "%s_monthly_budget reached (%.0f of %.0f %s used "
		    "this month)", workspace_provider_name(p), b->used, b->budget, unit);
		stage_stop(s, ws, p, WS_QUOTA_REACHED, reason, then);
	}
	return workspace_stopped(ws, p) == WS_CALLING;
}

int
stage_budget_reread(struct stage_ws *list, enum workspace_provider p, db_t *db,
    const char *flag, time_t now, char *err, size_t errlen)
{
	int rc;

	for (; list; list = list->next)
		if (workspace_budget(list->ws, p)->limited &&
		    (rc = workspace_budget_load(list->ws, p, db, flag, now, err, errlen)) != WORKSPACE_OK)
			return stage_code(rc);
	return STAGE_OK;
}

void
stage_stop(struct stage *s, workspace_t *ws, enum workspace_provider p,
    enum workspace_stop why, const char *reason, const char *then)
{
	if (workspace_stopped(ws, p) != WS_CALLING)
		return;
	workspace_stop(ws, p, why, reason);
	stage_say(s, "workspace %s: %s: %s", workspace_name(ws), reason, then);
}

int
stage_cache_put(struct stage *s, const char *provider, const char *ws, const char *key,
    const json_t *val, time_t now)
{
	char err[200];

	if (cache_put(s->db, provider, ws, key, val, now, err, sizeof err) == DB_OK)
		return 0;
	if (!s->db_failed++)
		stage_say(s, "cannot write the cache: %s", err);
	return -1;
}

int
stage_cache_put_all(struct stage *s, const char *provider, const char *ws,
    const char *const *keys, json_t *const *vals, size_t n, time_t now)
{
	db_batch_t *b = db_batch_new(s->db);
	char err[200] = "out of memory";
	size_t i;
	int rc = b ? DB_OK : DB_ENOMEM;

	for (i = 0; rc == DB_OK && i < n; i++)
		rc = cache_put_batch(b, provider, ws, keys[i], vals[i], now, err, sizeof err);
	if (rc == DB_OK && n > 0)
		rc = db_batch_commit(b, err, sizeof err);
	db_batch_free(b);
	if (rc == DB_OK)
		return 0;
	if (!s->db_failed++)
		stage_say(s, "cannot write the cache: %s", err);
	return -1;
}

int
stage_ledger(struct stage *s, const char *ws, const char *provider, time_t now,
    const struct ledger_usage *u)
{
	char month[8], err[200];

	ledger_month(now, month, sizeof month);
	if (ledger_add(s->db, ws, provider, month, u, err, sizeof err) == DB_OK)
		return 0;
	if (!s->db_failed++)
		stage_say(s, "cannot write the usage ledger: %s", err);
	return -1;
}

int
stage_release(struct stage *s, const char *provider, const char *ws, const char *key,
    const char *what)
{
	return stage_release_all(s, provider, ws, &key, 1, what);
}

int
stage_release_all(struct stage *s, const char *provider, const char *ws,
    const char *const *keys, size_t n, const char *what)
{
	char err[200];

	if (claim_release(s->db, provider, ws, keys, n, err, sizeof err) == DB_OK)
		return 0;
	if (!s->db_failed++)
		stage_say(s, "cannot release the claim on %s: %s", what, err);
	return -1;
}

void
stage_claim_pause(void)
{
	struct timespec poll = { 0, CLAIM_POLL_MS * 1000000L };

	nanosleep(&poll, NULL);
}
