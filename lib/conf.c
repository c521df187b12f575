#include "conf.h"
#include "str.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct conf_entry {
	char *key;
	char *val;
	unsigned long line;
};

struct conf {
	char path[4096];
	struct conf_entry *e;
	size_t n;
	unsigned mode;        /* the file's permission bits; 0 without a file */
};

int
conf_workspace_valid(const char *ws)
{
	size_t i, n;

	if (ws == NULL || (n = strlen(ws)) == 0 || n > 64 || ws[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)ws[i]) && ws[i] != '_' && ws[i] != '-' && ws[i] != '.')
			return 0;
	return 1;
}

int
conf_dir(char *out, size_t n)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int w;

	if (x && *x)
		w = snprintf(out, n, "%s/deal-enrich/workspaces", x);
	else if (home && *home)
		w = snprintf(out, n, "%s/.config/deal-enrich/workspaces", home);
	else
		return -1;
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

void
conf_free(conf_t *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		/* Keys live in this memory: wipe before giving it back. */
		if (c->e[i].val)
			memset(c->e[i].val, 0, strlen(c->e[i].val));
		free(c->e[i].key);
		free(c->e[i].val);
	}
	free(c->e);
	free(c);
}

/* s trimmed of blanks in place: where it begins now. */
static char *
trim(char *s)
{
	size_t n;

	/* Not through str_trim_blanks: gcc -O2 then takes the line's key and
	 * value for pointers into this frame (-Wdangling-pointer). */
	while (str_is_blank((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && str_is_blank((unsigned char)s[n - 1]))
		n--;
	s[n] = '\0';
	return s;
}

static int
is_secret_key(const char *k)
{
	size_t n = strlen(k);

	return (n > 4 && strcmp(k + n - 4, "_key") == 0) ||
	    (n > 6 && strcmp(k + n - 6, "_token") == 0) ||
	    (n > 7 && strcmp(k + n - 7, "_secret") == 0);
}

static int
conf_add(conf_t *c, const char *k, const char *v, unsigned long line)
{
	struct conf_entry *e;

	if ((e = realloc(c->e, (c->n + 1) * sizeof *e)) == NULL)
		return -1;
	c->e = e;
	e[c->n].key = strdup(k);
	e[c->n].val = strdup(v);
	if (!e[c->n].key || !e[c->n].val) {
		free(e[c->n].key);
		free(e[c->n].val);
		return -1;
	}
	e[c->n].line = line;
	c->n++;
	return 0;
}

int
conf_load(const char *ws, conf_t **out, char *err, size_t errlen)
{
	char dir[4000], line[8192], *p, *eq, *k, *v;
	unsigned long lineno = 0;
	int rc = CONF_OK, has_secret = 0;
	struct stat st;
	conf_t *c;
	FILE *f = NULL;
	size_t vl;

	*out = NULL;
	if (!conf_workspace_valid(ws)) {
		snprintf(err, errlen, "invalid workspace id '%s': use 1-64 letters, digits, '_', '-' or '.'",
		    ws ? ws : "");
		return CONF_ENAME;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CONF_ENOMEM;
	}
	if (conf_dir(dir, sizeof dir) != 0) {
		/* No HOME at all: only the environment can configure this run. */
		*out = c;
		return CONF_OK;
	}
	snprintf(c->path, sizeof c->path, "%s/%s.conf", dir, ws);
	if ((f = fopen(c->path, "r")) == NULL) {
		if (errno == ENOENT) {
			*out = c;
			return CONF_OK;
		}
		snprintf(err, errlen, "%s: %s", c->path, strerror(errno));
		rc = CONF_EIO;
		goto fail;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%lu: line too long", c->path, lineno);
			rc = CONF_ESYNTAX;
			goto fail;
		}
		p = trim(line);
		if (*p == '\0' || *p == '#')
			continue;
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(err, errlen, "%s:%lu: expected 'key = value'", c->path, lineno);
			rc = CONF_ESYNTAX;
			goto fail;
		}
		*eq = '\0';
		k = trim(p);
		v = trim(eq + 1);
		vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = '\0';
			v++;
		}
		if (*k == '\0') {
			snprintf(err, errlen, "%s:%lu: empty key", c->path, lineno);
			rc = CONF_ESYNTAX;
			goto fail;
		}
		if (is_secret_key(k) && *v)
			has_secret = 1;
		if (conf_add(c, k, v, lineno) != 0) {
			snprintf(err, errlen, "out of memory");
			rc = CONF_ENOMEM;
			goto fail;
		}
	}
	memset(line, 0, sizeof line);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", c->path);
		rc = CONF_EIO;
		goto fail;
	}
	if (fstat(fileno(f), &st) == 0)
		c->mode = (unsigned)(st.st_mode & 0777);
	if (has_secret && (rc = conf_require_private(c, err, errlen)) != CONF_OK)
		goto fail;
	fclose(f);
	*out = c;
	return CONF_OK;
fail:
	memset(line, 0, sizeof line);
	if (f)
		fclose(f);
	conf_free(c);
	return rc;
}

int
conf_require_private(const conf_t *c, char *err, size_t errlen)
{
	if (c == NULL || (c->mode & 077) == 0)
		return CONF_OK;
	snprintf(err, errlen, "%s holds an API key and is readable by others (mode %03o); "
	    "refusing to use it. Fix with: chmod 600 '%s'", c->path, c->mode, c->path);
	return CONF_EPERM;
}

const char *
conf_path(const conf_t *c)
{
	return c ? c->path : "";
}

const char *
conf_get(const conf_t *c, const char *key)
{
	size_t i;

	if (c == NULL)
		return NULL;
	/* The last line for a key wins, as in most key = value formats. */
	for (i = c->n; i > 0; i--)
		if (strcmp(c->e[i - 1].key, key) == 0)
			return c->e[i - 1].val;
	return NULL;
}

size_t
conf_count(const conf_t *c)
{
	return c ? c->n : 0;
}

const char *
conf_key_at(const conf_t *c, size_t i, unsigned long *line)
{
	if (c == NULL || i >= c->n)
		return NULL;
	if (line)
		*line = c->e[i].line;
	return c->e[i].key;
}

const char *
conf_api_key(const conf_t *c, const char *conf_key, const char *env_name)
{
	const char *v = conf_get(c, conf_key);

	if (v && *v)
		return v;
	v = env_name ? getenv(env_name) : NULL;
	return v && *v ? v : NULL;
}

/* Picks the value by precedence and says where it came from. */
static const char *
pick(const conf_t *c, const char *key, const char *flag, const char *env_name,
    const char **from)
{
	const char *v;

	if (flag) {
		*from = "option";
		return flag;
	}
	if (env_name && (v = getenv(env_name)) && *v) {
		*from = env_name;
		return v;
	}
	if ((v = conf_get(c, key))) {
		*from = conf_path(c);
		return v;
	}
	return NULL;
}

int
conf_long(const conf_t *c, const char *key, const char *flag, const char *env_name,
    long min, long max, long def, long *out, char *err, size_t errlen)
{
	const char *from = "", *v = pick(c, key, flag, env_name, &from);
	char *end;
	long n;

	if (v == NULL) {
		*out = def;
		return CONF_OK;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno == ERANGE || n < min || n > max) {
		snprintf(err, errlen, "%s: %s '%s' is not an integer from %ld to %ld",
		    from, key, v, min, max);
		return CONF_ERANGE;
	}
	*out = n;
	return CONF_OK;
}

int
conf_bool(const conf_t *c, const char *key, const char *flag, const char *env_name,
    int def, int *out, char *err, size_t errlen)
{
	static const char *yes[] = { "true", "yes", "on", "1" };
	static const char *no[] = { "false", "no", "off", "0" };
	const char *from = "", *v = pick(c, key, flag, env_name, &from);
	size_t i;

	if (v == NULL) {
		*out = def;
		return CONF_OK;
	}
	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return CONF_OK;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return CONF_OK;
		}
	}
	snprintf(err, errlen, "%s: %s '%s' is not true or false", from, key, v);
	return CONF_ERANGE;
}

const char *
conf_string(const conf_t *c, const char *key, const char *flag, const char *env_name,
    const char *def)
{
	const char *from, *v = pick(c, key, flag, env_name, &from);

	return v ? v : def;
}

int
conf_db_path(const char *flag, char *out, size_t n)
{
	const char *v = flag, *x, *home;
	int w;

	if (v == NULL || *v == '\0')
		v = getenv("DEAL_ENRICH_DB");
	if (v && *v)
		w = snprintf(out, n, "%s", v);
	else if ((x = getenv("XDG_DATA_HOME")) && *x)
		w = snprintf(out, n, "%s/deal-enrich", x);
	else if ((home = getenv("HOME")) && *home)
		w = snprintf(out, n, "%s/.local/share/deal-enrich", home);
	else
		return -1;
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int
conf_base_url(const char *env_name, const char *def, char *out, size_t n)
{
	const char *v = env_name ? getenv(env_name) : NULL;
	size_t len;

	if (v == NULL || *v == '\0')
		v = def;
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return -1;
	len = strlen(v);
	while (len > 8 && v[len - 1] == '/')
		len--;
	if (len >= n)
		return -1;
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}
