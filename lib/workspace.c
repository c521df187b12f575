#include "workspace.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apollo.h"
#include "crm_map.h"
#include "llm.h"
#include "serper.h"
#include "str.h"

struct provider {
	const char *name;
	const char *key_setting, *key_env;
	const char *base_env, *base_default;
};

static const struct provider providers[WS_NPROVIDERS] = {
	[WS_APOLLO] = { "apollo", "apollo_api_key", "APOLLO_API_KEY",
	    "APOLLO_BASE_URL", APOLLO_BASE_DEFAULT },
	[WS_SERPER] = { "serper", "serper_api_key", "SERPER_API_KEY",
	    "SERPER_BASE_URL", SERPER_BASE_URL_DEFAULT },
	[WS_DEEPSEEK] = { "deepseek", "deepseek_api_key", "DEEPSEEK_API_KEY",
	    "DEEPSEEK_BASE_URL", LLM_BASE_URL_DEFAULT },
	[WS_LINKEDIN] = { "linkedin", "linkedin_rapidapi_key", "RAPIDAPI_KEY",
	    "LINKEDIN_BASE_URL", "https://fresh-linkedin-profile-data.p.rapidapi.com" },
	[WS_HUBSPOT] = { "hubspot", "hubspot_access_token", "HUBSPOT_ACCESS_TOKEN",
	    "HUBSPOT_BASE_URL", "https://api.hubapi.com" },
	[WS_SALESFORCE] = { "salesforce", "salesforce_refresh_token", "SALESFORCE_REFRESH_TOKEN",
	    "SALESFORCE_BASE_URL", "https://login.salesforce.com" },
};

/* Every key a workspace file may hold; README.md "Configuration and keys" lists them too. */
static const struct workspace_setting settings[] = {
	{ "apollo_api_key", WS_SECRET, "APOLLO_API_KEY", 0, 0, NULL, "Apollo API key" },
	{ "serper_api_key", WS_SECRET, "SERPER_API_KEY", 0, 0, NULL, "Serper API key" },
	{ "deepseek_api_key", WS_SECRET, "DEEPSEEK_API_KEY", 0, 0, NULL, "DeepSeek API key" },
	{ "linkedin_rapidapi_key", WS_SECRET, "RAPIDAPI_KEY", 0, 0, NULL,
	    "RapidAPI key for the LinkedIn profile API" },
	{ "hubspot_access_token", WS_SECRET, "HUBSPOT_ACCESS_TOKEN", 0, 0, NULL,
	    "HubSpot private app token" },
	{ "salesforce_client_id", WS_SECRET, "SALESFORCE_CLIENT_ID", 0, 0, NULL,
	    "Salesforce connected app's client id" },
	{ "salesforce_client_secret", WS_SECRET, "SALESFORCE_CLIENT_SECRET", 0, 0, NULL,
	    "Salesforce connected app's client secret" },
	{ "salesforce_refresh_token", WS_SECRET, "SALESFORCE_REFRESH_TOKEN", 0, 0, NULL,
	    "Salesforce OAuth refresh token" },
	{ "salesforce_login_url", WS_STRING, "SALESFORCE_LOGIN_URL", 0, 0,
	    "https://login.salesforce.com", "Salesforce login host (a sandbox: test.salesforce.com)" },
	{ "salesforce_api_version", WS_STRING, "SALESFORCE_API_VERSION", 0, 0, "v60.0",
	    "Salesforce REST API version" },
	{ "salesforce_multi_currency", WS_BOOL, NULL, 0, 0, "false",
	    "the org has multiple currencies: crm-pull asks CurrencyIsoCode" },
	{ "hubspot_api_version", WS_STRING, "HUBSPOT_API_VERSION", 0, 0, "v3",
	    "HubSpot path version: v3 or a dated one (2026-03)" },
	{ "hubspot_search_cap", WS_INT, NULL, 200, 10000, "10000",
	    "results one HubSpot search gives at most before crm-pull slices" },
	{ "crm", WS_STRING, "DEAL_ENRICH_CRM", 0, 0, NULL, "the live CRM: hubspot or salesforce" },
	{ "deepseek_model", WS_STRING, "DEEPSEEK_MODEL", 0, 0, LLM_MODEL_DEFAULT,
	    "DeepSeek model" },
	{ "cache_days", WS_INT, "DEAL_ENRICH_CACHE_DAYS", WORKSPACE_CACHE_DAYS_MIN,
	    WORKSPACE_CACHE_DAYS_MAX, "90", "days a provider's answer is reused" },
	{ "apollo_monthly_budget", WS_CREDITS, "DEAL_ENRICH_APOLLO_BUDGET", 0, 0, NULL,
	    "Apollo credits a month" },
	{ "serper_monthly_budget", WS_CREDITS, "DEAL_ENRICH_SERPER_BUDGET", 0, 0, NULL,
	    "Serper credits a month" },
	{ "deepseek_monthly_budget", WS_CREDITS, "DEAL_ENRICH_DEEPSEEK_BUDGET", 0, 0, NULL,
	    "DeepSeek tokens a month" },
	{ "linkedin_monthly_budget", WS_CREDITS, "DEAL_ENRICH_LINKEDIN_BUDGET", 0, 0, NULL,
	    "LinkedIn (RapidAPI) requests a month" },
	{ "lookback_months", WS_INT, "DEAL_ENRICH_LOOKBACK_MONTHS", 1, 24, "6",
	    "months of closed deals deals-extract keeps" },
	{ "date_order", WS_STRING, NULL, 0, 0, "mdy", "how CSV dates are read: mdy or dmy" },
	{ "currency", WS_STRING, NULL, 0, 0, NULL, "the currency of amounts without one" },
	{ "stage_map", WS_STRING, NULL, 0, 0, NULL, "CRM stage labels to won/lost/open" },
	{ "auto_enrich_on_close", WS_BOOL, "DEAL_ENRICH_AUTO_ENRICH_ON_CLOSE", 0, 0, "true",
	    "pipelines/on-close runs for this workspace" },
	{ "monthly_lookback_months", WS_INT, NULL, 1, 24, "1",
	    "months pipelines/monthly looks back" },
	{ "monthly_limit", WS_INT, NULL, 1, 100, "20", "deals a pipelines/monthly run takes" },
	{ "crm_export", WS_STRING, NULL, 0, 0, NULL, "the CRM export pipelines/monthly reads" },
	{ "crm_contacts", WS_STRING, NULL, 0, 0, NULL, "its contacts export" },
	{ "crm_format", WS_STRING, NULL, 0, 0, NULL, "its format (deals-extract --format)" },
	{ "after_enrich", WS_STRING, NULL, 0, 0, NULL,
	    "a command pipelines/monthly runs after a run that enriched deals" },
	{ "after_enrich_", WS_STRING, NULL, 0, 0, NULL, "after_enrich_N: more, in order of N" },
	{ "map.", WS_STRING, NULL, 0, 0, NULL, "map.FIELD = COLUMN: a CSV column for a field" },
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

struct workspace {
	char name[72];
	conf_t *conf;
	long cache_days;
	struct budget budget[WS_NPROVIDERS];
	enum workspace_stop stop[WS_NPROVIDERS];
	char stop_reason[WS_NPROVIDERS][300];
};

static int
family_member(const struct workspace_setting *s, const char *key)
{
	size_t n = strlen(s->key);
	const char *rest;

	if (strncmp(key, s->key, n) != 0 || key[n] == '\0')
		return 0;
	rest = key + n;
	if (s->key[n - 1] == '_')   /* after_enrich_N: digits only */
		return strspn(rest, "0123456789") == strlen(rest);
	return crm_map_field(rest, NULL) >= 0;   /* map.FIELD: a canonical field */
}

const struct workspace_setting *
workspace_setting(const char *key)
{
	size_t i, n;

	for (i = 0; i < NSETTINGS; i++) {
		n = strlen(settings[i].key);
		if (settings[i].key[n - 1] == '.' || settings[i].key[n - 1] == '_') {
			if (family_member(&settings[i], key))
				return &settings[i];
		} else if (strcmp(settings[i].key, key) == 0) {
			return &settings[i];
		}
	}
	return NULL;
}

const struct workspace_setting *
workspace_setting_at(size_t i)
{
	return i < NSETTINGS ? &settings[i] : NULL;
}

const char *
workspace_closest_key(const char *key)
{
	size_t i, d, best = (size_t)-1;
	const char *name = NULL;

	for (i = 0; i < NSETTINGS; i++) {
		if ((d = str_distance_ci(key, settings[i].key)) < best) {
			best = d;
			name = settings[i].key;
		}
	}
	return name;
}

/* The first key of the file that is not a known setting, as an error. */
static int
check_keys(const conf_t *c, char *err, size_t errlen)
{
	unsigned long line;
	const char *k, *near;
	size_t i;

	for (i = 0; (k = conf_key_at(c, i, &line)) != NULL; i++) {
		if (workspace_setting(k))
			continue;
		if (strncmp(k, "map.", 4) == 0) {
			snprintf(err, errlen, "%s:%lu: unknown key '%.64s' (did you mean map.%s? "
			    "map.FIELD takes the fields %s)", conf_path(c), line, k,
			    crm_map_closest(k + 4), crm_map_field_list());
			return WORKSPACE_ECONFIG;
		}
		near = workspace_closest_key(k);
		snprintf(err, errlen, "%s:%lu: unknown key '%.64s' (did you mean %s%s?)",
		    conf_path(c), line, k, near,
		    near[strlen(near) - 1] == '_' ? "N" : near[strlen(near) - 1] == '.' ? "FIELD" : "");
		return WORKSPACE_ECONFIG;
	}
	return WORKSPACE_OK;
}

/*
 * conf_load() knows a secret by its name's ending (_key, _token, _secret);
 * the table knows every one, salesforce_client_id too.
 */
static int
check_secrets_private(const conf_t *c, char *err, size_t errlen)
{
	const char *v;
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (settings[i].kind == WS_SECRET && (v = conf_get(c, settings[i].key)) && *v &&
		    conf_require_private(c, err, errlen) != CONF_OK)
			return WORKSPACE_ECONFIG;
	return WORKSPACE_OK;
}

int
workspace_open(const char *name, const char *cache_days_flag, workspace_t **out,
    char *err, size_t errlen)
{
	workspace_t *w;
	int rc;

	*out = NULL;
	if (!conf_workspace_valid(name)) {
		snprintf(err, errlen, "invalid workspace id '%.64s': use 1-64 letters, digits, "
		    "'_', '-' or '.' (not starting with '.')", name ? name : "");
		return WORKSPACE_ECONFIG;
	}
	if ((w = calloc(1, sizeof *w)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return WORKSPACE_ENOMEM;
	}
	snprintf(w->name, sizeof w->name, "%s", name);
	rc = conf_load(name, &w->conf, err, errlen);
	if (rc == CONF_ENOMEM) {
		rc = WORKSPACE_ENOMEM;
		goto fail;
	}
	rc = WORKSPACE_ECONFIG;
	if (w->conf == NULL || check_keys(w->conf, err, errlen) != WORKSPACE_OK ||
	    check_secrets_private(w->conf, err, errlen) != WORKSPACE_OK ||
	    conf_long(w->conf, "cache_days", cache_days_flag, "DEAL_ENRICH_CACHE_DAYS",
	    WORKSPACE_CACHE_DAYS_MIN, WORKSPACE_CACHE_DAYS_MAX, WORKSPACE_CACHE_DAYS_DEFAULT,
	    &w->cache_days, err, errlen) != CONF_OK)
		goto fail;
	*out = w;
	return WORKSPACE_OK;
fail:
	workspace_free(w);
	return rc;
}

void
workspace_free(workspace_t *w)
{
	if (w == NULL)
		return;
	conf_free(w->conf);
	free(w);
}

const char *
workspace_name(const workspace_t *w)
{
	return w->name;
}

const char *
workspace_path(const workspace_t *w)
{
	return conf_path(w->conf);
}

const conf_t *
workspace_conf(const workspace_t *w)
{
	return w->conf;
}

long
workspace_cache_days(const workspace_t *w)
{
	return w->cache_days;
}

long
workspace_ttl(const workspace_t *w)
{
	return w->cache_days * 86400L;
}

const char *
workspace_provider_name(enum workspace_provider p)
{
	return (unsigned)p < WS_NPROVIDERS ? providers[p].name : "";
}

const char *
workspace_key(const workspace_t *w, enum workspace_provider p)
{
	if ((unsigned)p >= WS_NPROVIDERS)
		return NULL;
	return conf_api_key(w ? w->conf : NULL, providers[p].key_setting, providers[p].key_env);
}

void
workspace_key_hint(const workspace_t *w, enum workspace_provider p, char *out, size_t n)
{
	const char *path = w ? workspace_path(w) : "";

	if ((unsigned)p >= WS_NPROVIDERS) {
		snprintf(out, n, "?");
		return;
	}
	snprintf(out, n, "%s in %s, or %s", providers[p].key_setting,
	    *path ? path : "the workspace file", providers[p].key_env);
}

int
workspace_base_url(enum workspace_provider p, char *out, size_t n, char *err, size_t errlen)
{
	if ((unsigned)p >= WS_NPROVIDERS)
		return -1;
	if (conf_base_url(providers[p].base_env, providers[p].base_default, out, n) != 0) {
		snprintf(err, errlen, "%s must be an http:// or https:// URL", providers[p].base_env);
		return -1;
	}
	return 0;
}

int
workspace_budget_load(workspace_t *w, enum workspace_provider p, db_t *db, const char *flag,
    time_t now, char *err, size_t errlen)
{
	int dberr = 0;

	if ((unsigned)p >= WS_NPROVIDERS)
		return WORKSPACE_ECONFIG;
	if (budget_load(db, w->conf, w->name, providers[p].name, flag, now, &w->budget[p], &dberr,
	    err, errlen) != 0)
		return dberr ? WORKSPACE_EIO : WORKSPACE_ECONFIG;
	return WORKSPACE_OK;
}

struct budget *
workspace_budget(workspace_t *w, enum workspace_provider p)
{
	return &w->budget[(unsigned)p < WS_NPROVIDERS ? p : 0];
}

void
workspace_stop(workspace_t *w, enum workspace_provider p, enum workspace_stop why,
    const char *reason)
{
	if ((unsigned)p >= WS_NPROVIDERS || w->stop[p] != WS_CALLING || why == WS_CALLING)
		return;
	w->stop[p] = why;
	snprintf(w->stop_reason[p], sizeof w->stop_reason[p], "%s", reason ? reason : "");
}

enum workspace_stop
workspace_stopped(const workspace_t *w, enum workspace_provider p)
{
	return (unsigned)p < WS_NPROVIDERS ? w->stop[p] : WS_CALLING;
}

const char *
workspace_stop_reason(const workspace_t *w, enum workspace_provider p)
{
	return (unsigned)p < WS_NPROVIDERS ? w->stop_reason[p] : "";
}

int
workspace_get(const workspace_t *w, const char *key, char *out, size_t n,
    const char **value, char *err, size_t errlen)
{
	const struct workspace_setting *s = workspace_setting(key);
	const char *env;
	long l;
	int b;

	*value = NULL;
	if (s == NULL) {
		snprintf(err, errlen, "unknown key '%.64s' (did you mean %s?)", key,
		    workspace_closest_key(key));
		return WORKSPACE_ECONFIG;
	}
	/* A family's members have no variable of their own. */
	env = strcmp(s->key, key) == 0 ? s->env : NULL;
	switch (s->kind) {
	case WS_INT:
		if (conf_get(w->conf, key) == NULL && (env == NULL || !getenv(env) || !*getenv(env)) &&
		    s->def == NULL)
			return WORKSPACE_OK;
		if (conf_long(w->conf, key, NULL, env, s->min, s->max,
		    s->def ? strtol(s->def, NULL, 10) : 0, &l, err, errlen) != CONF_OK)
			return WORKSPACE_ECONFIG;
		snprintf(out, n, "%ld", l);
		*value = out;
		return WORKSPACE_OK;
	case WS_BOOL:
		if (conf_bool(w->conf, key, NULL, env, s->def && strcmp(s->def, "true") == 0, &b,
		    err, errlen) != CONF_OK)
			return WORKSPACE_ECONFIG;
		snprintf(out, n, "%s", b ? "true" : "false");
		*value = out;
		return WORKSPACE_OK;
	case WS_SECRET:
		*value = conf_api_key(w->conf, key, env);
		return WORKSPACE_OK;
	default:
		*value = conf_string(w->conf, key, NULL, env, s->def);
		if (*value && **value == '\0' && s->def == NULL)
			*value = NULL;
		if (*value && s->kind == WS_CREDITS) {
			char *end;
			double d = strtod(*value, &end);

			if (*end != '\0' || !(d >= 0)) {
				snprintf(err, errlen, "%s '%s' is not a number of credits (0 or more)",
				    key, *value);
				*value = NULL;
				return WORKSPACE_ECONFIG;
			}
		}
		return WORKSPACE_OK;
	}
}

struct follow_up {
	unsigned long n;
	const char *key;
};

static int
follow_up_cmp(const void *a, const void *b)
{
	const struct follow_up *x = a, *y = b;

	return x->n < y->n ? -1 : x->n > y->n;
}

size_t
workspace_follow_ups(const workspace_t *w, const char **keys, const char **cmds, size_t max)
{
	struct follow_up f[256];
	const char *k, *v;
	size_t i, j, nf = 0, out = 0;

	for (i = 0; (k = conf_key_at(w->conf, i, NULL)) != NULL && nf < 256; i++) {
		if (strncmp(k, "after_enrich_", 13) != 0 || !workspace_setting(k))
			continue;
		for (j = 0; j < nf && strcmp(f[j].key, k) != 0; j++)
			;
		if (j < nf)   /* the same key twice: the last line wins, as conf_get reads it */
			continue;
		f[nf].n = strtoul(k + 13, NULL, 10);
		f[nf++].key = k;
	}
	qsort(f, nf, sizeof *f, follow_up_cmp);
	if (out < max && (v = conf_get(w->conf, "after_enrich")) && *v) {
		keys[out] = "after_enrich";
		cmds[out++] = v;
	}
	for (i = 0; i < nf && out < max; i++)
		if ((v = conf_get(w->conf, f[i].key)) && *v) {
			keys[out] = f[i].key;
			cmds[out++] = v;
		}
	return out;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
workspace_names(char ***names, size_t *n, char *err, size_t errlen)
{
	char dir[4000], **v = NULL, **nv;
	struct dirent *d;
	size_t len, cap = 0;
	DIR *dp;

	*names = NULL;
	*n = 0;
	if (conf_dir(dir, sizeof dir) != 0)
		return 0;
	if ((dp = opendir(dir)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((d = readdir(dp)) != NULL) {
		len = strlen(d->d_name);
		if (len <= 5 || strcmp(d->d_name + len - 5, ".conf") != 0)
			continue;
		d->d_name[len - 5] = '\0';
		if (!conf_workspace_valid(d->d_name))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[*n] = strdup(d->d_name)) == NULL)
			goto nomem;
		(*n)++;
	}
	closedir(dp);
	qsort(v, *n, sizeof *v, name_cmp);
	*names = v;
	return 0;
nomem:
	closedir(dp);
	while (*n > 0)
		free(v[--*n]);
	free(v);
	snprintf(err, errlen, "out of memory");
	return -1;
}
