/*
 * conf: workspace settings, API keys and where things live (DESIGN §5).
 *
 * A workspace file is $XDG_CONFIG_HOME/deal-enrich/workspaces/<workspace>.conf
 * (default ~/.config/...), "key = value" lines, '#' comments. A missing file is
 * not an error: a new user has none.
 *
 * Precedence for settings: flag > environment > workspace file > built-in
 * default. API keys: the workspace file's key, else the platform variable
 * (APOLLO_API_KEY...). A file holding a key (a name ending in _key, _token or
 * _secret) that others can read is refused, as ssh refuses a private key.
 *
 * Programs do not load the file themselves: lib/workspace.h does, and checks
 * every key against the table of known settings.
 *
 * Ownership: conf_load() returns a conf_t the caller frees with conf_free();
 * strings returned by conf_get()/conf_api_key() are borrowed from the conf_t
 * or the environment and must not be freed.
 */
#ifndef DE_CONF_H
#define DE_CONF_H

#include <stddef.h>

enum {
	CONF_OK = 0,
	CONF_ENOMEM = -1,
	CONF_EPERM = -2,      /* a key file others can read: exit 78 */
	CONF_ESYNTAX = -3,    /* a line that is not "key = value": exit 78 */
	CONF_EIO = -4,        /* the file exists but cannot be read */
	CONF_ENAME = -5,      /* a workspace name that cannot be a file name */
	CONF_ERANGE = -6      /* a setting outside its range */
};

typedef struct conf conf_t;

/* 1 when ws is a usable workspace id: 1-64 of [A-Za-z0-9_.-], not starting with '.'. */
int conf_workspace_valid(const char *ws);

/*
 * The directory holding the workspace files, into out. Returns 0, or -1 when
 * neither XDG_CONFIG_HOME nor HOME is set or out is too small.
 */
int conf_dir(char *out, size_t n);

/*
 * Loads the workspace's file. Returns CONF_OK (an empty conf when there is no
 * file), or a CONF_E* code with err saying what and how to fix it.
 */
int conf_load(const char *workspace, conf_t **out, char *err, size_t errlen);
void conf_free(conf_t *c);

/*
 * CONF_OK when others cannot read c's file (or there is none), else
 * CONF_EPERM with err saying how to fix it: for a caller that knows a key is a
 * secret by a name conf_load() does not recognize (salesforce_client_id).
 */
int conf_require_private(const conf_t *c, char *err, size_t errlen);

/* The file's path (even when it does not exist). */
const char *conf_path(const conf_t *c);
/* The raw value of key in the file, or NULL. */
const char *conf_get(const conf_t *c, const char *key);

/* The number of "key = value" lines, and the key of line i (0-based) with its
 * line number in the file; NULL past the end. */
size_t conf_count(const conf_t *c);
const char *conf_key_at(const conf_t *c, size_t i, unsigned long *line);

/*
 * An API key: the file's conf_key (e.g. "apollo_api_key"), else the platform
 * variable env_name (e.g. "APOLLO_API_KEY"). NULL when neither is set or both
 * are empty. c may be NULL (platform key only).
 */
const char *conf_api_key(const conf_t *c, const char *conf_key, const char *env_name);

/*
 * An integer setting by precedence: flag (the option's text, or NULL), then the
 * variable env_name (may be NULL), then the file's key, then def. Returns
 * CONF_OK, or CONF_ERANGE/CONF_ESYNTAX with err naming where the bad value came
 * from and the range.
 */
int conf_long(const conf_t *c, const char *key, const char *flag, const char *env_name,
    long min, long max, long def, long *out, char *err, size_t errlen);
/* The same for booleans: true/false, yes/no, on/off, 1/0. */
int conf_bool(const conf_t *c, const char *key, const char *flag, const char *env_name,
    int def, int *out, char *err, size_t errlen);
/* A string setting: flag, env, file, def (which may be NULL). */
const char *conf_string(const conf_t *c, const char *key, const char *flag,
    const char *env_name, const char *def);

/*
 * The db directory: flag (--db), else DEAL_ENRICH_DB, else
 * $XDG_DATA_HOME/deal-enrich, else ~/.local/share/deal-enrich. Returns 0, or
 * -1 when none can be found or out is too small.
 */
int conf_db_path(const char *flag, char *out, size_t n);

/*
 * A provider's base URL: the variable env_name (scheme, host and port; a
 * trailing '/' dropped), else def. Returns 0, or -1 when it does not start with
 * http:// or https:// or out is too small.
 */
int conf_base_url(const char *env_name, const char *def, char *out, size_t n);

#endif
