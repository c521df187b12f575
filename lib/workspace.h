/*
 * workspace: one workspace's settings, as every program sees them (DESIGN §5,
 * §10). The only loader of a workspace file: programs open a workspace here and
 * ask it for keys, cache_days, budgets and base URLs; none reads the file or
 * the environment for a setting on its own.
 *
 * The file is read by lib/conf.h ("key = value" lines). Every key in it must be
 * a known setting (the table in workspace.c: workspace_setting()), or one of
 * the families after_enrich_N (N digits) and map.FIELD (FIELD one of
 * crm_map.h's canonical fields, "map.stage"): an unknown key is a
 * configuration error (exit 78) naming the file, the line and the closest known
 * key, so that a typo never passes for "no budget".
 *
 * Precedence: option > environment > workspace file > default. API keys: the
 * file's key, else the platform variable (APOLLO_API_KEY...). Keys are never
 * copied into a message: a caller that needs the text of a key gets a pointer
 * and must keep it out of argv, logs and errors.
 *
 * cache_days, one range for every program: 1..3650 (default 90), from
 * --cache-days, else DEAL_ENRICH_CACHE_DAYS, else the file.
 *
 * The stop state: a stage records here why it stopped calling a provider for
 * this workspace (the key refused, the quota or budget reached, the provider
 * unavailable), and every later record of the workspace reads it. The first
 * reason given stays.
 *
 * Ownership: workspace_open() returns a workspace_t the caller frees with
 * workspace_free(); every string returned is borrowed from it (or from the
 * environment) and lives until workspace_free().
 */
#ifndef DE_WORKSPACE_H
#define DE_WORKSPACE_H

#include <stddef.h>
#include <time.h>
#include "budget.h"
#include "conf.h"
#include "db.h"

enum {
	WORKSPACE_OK = 0,
	WORKSPACE_ENOMEM = -1,
	WORKSPACE_ECONFIG = -2,   /* the name, the file or a setting is unusable: exit 78 */
	WORKSPACE_EIO = -3        /* the db (a budget's ledger): exit 74 */
};

enum workspace_provider {
	WS_APOLLO,
	WS_SERPER,
	WS_DEEPSEEK,
	WS_LINKEDIN,
	WS_HUBSPOT,
	WS_SALESFORCE,
	WS_NPROVIDERS
};

enum workspace_stop {
	WS_CALLING = 0,           /* no reason to stop */
	WS_KEY_REFUSED,           /* 401/403: the key is wrong or revoked */
	WS_QUOTA_REACHED,         /* the provider's quota, a rate limit too long, or the budget */
	WS_UNAVAILABLE            /* failures in a row */
};

#define WORKSPACE_CACHE_DAYS_MIN 1
#define WORKSPACE_CACHE_DAYS_MAX 3650
#define WORKSPACE_CACHE_DAYS_DEFAULT 90

enum workspace_kind {
	WS_STRING,
	WS_SECRET,                /* an API key, token or client secret */
	WS_INT,
	WS_BOOL,
	WS_CREDITS                /* a monthly budget: a number, 0 or more */
};

/* One known setting of the file. */
struct workspace_setting {
	const char *key;          /* "cache_days"; a family ends in '.' or '_' ("map.", "after_enrich_") */
	enum workspace_kind kind;
	const char *env;          /* the variable that overrides it, or NULL */
	long min, max;            /* WS_INT */
	const char *def;          /* the default as text, or NULL: none */
	const char *doc;          /* one line, for deal-enrich-config --list-keys */
};

typedef struct workspace workspace_t;

/*
 * Opens workspace name: checks the name, loads and checks its file (a missing
 * file is an empty one), reads cache_days (cache_days_flag: --cache-days, or
 * NULL). Returns WORKSPACE_OK, or WORKSPACE_ENOMEM / WORKSPACE_ECONFIG with err
 * saying what and how to fix it (never a key's value).
 */
int workspace_open(const char *name, const char *cache_days_flag, workspace_t **out,
    char *err, size_t errlen);
void workspace_free(workspace_t *w);

const char *workspace_name(const workspace_t *w);
/* The file's path (even when there is no file); "" without HOME. */
const char *workspace_path(const workspace_t *w);
/* The file as read, for the settings of one program (lookback_months, stage_map...). */
const conf_t *workspace_conf(const workspace_t *w);

/* cache_days, and the same in seconds: how long an answer is reused. */
long workspace_cache_days(const workspace_t *w);
long workspace_ttl(const workspace_t *w);

/* The provider's name as the cache, the ledger and messages write it ("apollo"). */
const char *workspace_provider_name(enum workspace_provider p);

/*
 * The provider's API key (Salesforce: the refresh token): the file's, else
 * the platform variable. NULL when neither is set or it is empty. Borrowed.
 */
const char *workspace_key(const workspace_t *w, enum workspace_provider p);
/* The setting "where to set the key" for messages: "apollo_api_key in FILE, or APOLLO_API_KEY". */
void workspace_key_hint(const workspace_t *w, enum workspace_provider p, char *out, size_t n);

/*
 * The provider's base URL: its variable (APOLLO_BASE_URL...: scheme, host and
 * port; a trailing '/' dropped), else its default. Returns 0, or -1 (err set)
 * when the variable is not an http:// or https:// URL or out is too small.
 */
int workspace_base_url(enum workspace_provider p, char *out, size_t n, char *err, size_t errlen);

/*
 * Loads the provider's monthly budget (budget.h) and this month's use from the
 * ledger in db into the workspace. flag: the program's --budget text, or NULL.
 * Returns WORKSPACE_OK, WORKSPACE_ECONFIG (a bad setting) or WORKSPACE_EIO
 * (the db), err set.
 */
int workspace_budget_load(workspace_t *w, enum workspace_provider p, db_t *db,
    const char *flag, time_t now, char *err, size_t errlen);
/* The provider's budget as loaded and spent so far (no limit until loaded). */
struct budget *workspace_budget(workspace_t *w, enum workspace_provider p);

/* Records why calls to p stop (the first reason stays; reason may be NULL). */
void workspace_stop(workspace_t *w, enum workspace_provider p, enum workspace_stop why,
    const char *reason);
enum workspace_stop workspace_stopped(const workspace_t *w, enum workspace_provider p);
/* The reason given to workspace_stop(), "" when none. */
const char *workspace_stop_reason(const workspace_t *w, enum workspace_provider p);

/*
 * The known setting key is, or belongs to (after_enrich_7, map.email); NULL
 * when unknown. workspace_setting_at(i) walks the table (NULL past its end).
 */
const struct workspace_setting *workspace_setting(const char *key);
const struct workspace_setting *workspace_setting_at(size_t i);
/* The known key closest to key (edit distance), for "did you mean". */
const char *workspace_closest_key(const char *key);

/*
 * A setting's value by precedence: environment, file, default. For WS_INT and
 * WS_BOOL it is checked and written normalized ("true"/"false"); a bad value
 * is WORKSPACE_ECONFIG with err saying where it came from. *value is NULL when
 * the setting has no value (and no default). Borrowed, or in out.
 */
int workspace_get(const workspace_t *w, const char *key, char *out, size_t n,
    const char **value, char *err, size_t errlen);

/*
 * The follow-up commands (after_enrich, then after_enrich_N by N; empty ones
 * left out), their keys into keys and their commands into cmds, at most max.
 * Returns how many; borrowed.
 */
size_t workspace_follow_ups(const workspace_t *w, const char **keys, const char **cmds,
    size_t max);

/*
 * The workspaces that have a file (NAME.conf in conf_dir() with a usable
 * name), sorted, into *names (free each and the array). Returns 0, or -1 when
 * memory runs out or the directory cannot be read (err set); no directory is
 * no workspace.
 */
int workspace_names(char ***names, size_t *n, char *err, size_t errlen);

#endif
