/* crm_map: see crm_map.h. */
#include "crm_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

/* Caps: a map is written by hand, a few dozen entries at most. */
#define MAP_MAX 64
#define COLUMN_MAX 256

struct field_name {
	const char *name;
	crm_field f;
	int files;
};

static const struct field_name fields[] = {
	{ "deal_id", CRM_F_DEAL_ID, CRM_MAP_DEALS | CRM_MAP_CONTACTS },
	{ "deal_name", CRM_F_DEAL_NAME, CRM_MAP_DEALS | CRM_MAP_CONTACTS },
	{ "stage", CRM_F_STAGE, CRM_MAP_DEALS },
	{ "close_date", CRM_F_CLOSE_DATE, CRM_MAP_DEALS },
	{ "amount", CRM_F_AMOUNT, CRM_MAP_DEALS },
	{ "currency", CRM_F_CURRENCY, CRM_MAP_DEALS },
	{ "owner", CRM_F_OWNER, CRM_MAP_DEALS },
	{ "account.id", CRM_F_ACCOUNT_ID, CRM_MAP_DEALS | CRM_MAP_ACCOUNTS },
	{ "account.name", CRM_F_ACCOUNT_NAME, CRM_MAP_DEALS | CRM_MAP_ACCOUNTS },
	{ "account.domain", CRM_F_DOMAIN, CRM_MAP_DEALS | CRM_MAP_ACCOUNTS },
	{ "account.industry", CRM_F_INDUSTRY, CRM_MAP_DEALS | CRM_MAP_ACCOUNTS },
	{ "account.employees", CRM_F_EMPLOYEES, CRM_MAP_DEALS | CRM_MAP_ACCOUNTS },
	{ "account.annual_revenue", CRM_F_REVENUE, CRM_MAP_DEALS | CRM_MAP_ACCOUNTS },
	{ "contact.id", CRM_F_C_ID, CRM_MAP_CONTACTS | CRM_MAP_DEALS },
	{ "contact.email", CRM_F_C_EMAIL, CRM_MAP_CONTACTS | CRM_MAP_DEALS },
	{ "contact.first_name", CRM_F_C_FIRST, CRM_MAP_CONTACTS | CRM_MAP_DEALS },
	{ "contact.last_name", CRM_F_C_LAST, CRM_MAP_CONTACTS | CRM_MAP_DEALS },
	{ "contact.name", CRM_F_C_NAME, CRM_MAP_CONTACTS | CRM_MAP_DEALS },
	{ "contact.title", CRM_F_C_TITLE, CRM_MAP_CONTACTS | CRM_MAP_DEALS },
	{ "contact.crm_role", CRM_F_C_ROLE, CRM_MAP_CONTACTS | CRM_MAP_DEALS },
	{ "contact.linkedin_url", CRM_F_C_LINKEDIN, CRM_MAP_CONTACTS | CRM_MAP_DEALS },
	{ "contact.deal_id", CRM_F_DEAL_ID, CRM_MAP_CONTACTS },
	{ "contact.deal_name", CRM_F_DEAL_NAME, CRM_MAP_CONTACTS },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

struct entry {
	size_t field;        /* index in fields[] */
	char *column, *origin;
	int found;           /* CRM_MAP_* bits of the files that had the column */
};

struct crm_map {
	struct entry v[MAP_MAX];
	size_t n;
};

crm_map_t *
crm_map_new(void)
{
	return calloc(1, sizeof(crm_map_t));
}

void
crm_map_free(crm_map_t *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].column);
		free(m->v[i].origin);
	}
	free(m);
}

size_t crm_map_size(const crm_map_t *m) { return m ? m->n : 0; }

static int
field_index(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
crm_map_field(const char *name, int *files)
{
	int i = name ? field_index(name) : -1;

	if (i < 0)
		return -1;
	if (files)
		*files = fields[i].files;
	return (int)fields[i].f;
}

const char *
crm_map_closest(const char *name)
{
	size_t best = (size_t)-1, d;
	const char *r = fields[0].name;

	for (size_t i = 0; i < NFIELDS; i++) {
		const char *dot = strchr(fields[i].name, '.');
		size_t ds;
		d = str_distance_ci(name, fields[i].name);
		/* "email" means contact.email, "industry" account.industry */
		if (dot && (ds = str_distance_ci(name, dot + 1)) < d)
			d = ds;
		if (d < best) {
			best = d;
			r = fields[i].name;
		}
	}
	return r;
}

const char *
crm_map_field_list(void)
{
	return "deal_id, deal_name, stage, close_date, amount, currency, owner, account.id, "
	    "account.name, account.domain, account.industry, account.employees, "
	    "account.annual_revenue, contact.id, contact.email, contact.first_name, "
	    "contact.last_name, contact.name, contact.title, contact.crm_role, "
	    "contact.linkedin_url, contact.deal_id, contact.deal_name";
}

/* The entry of field index fi, or NULL. */
static struct entry *
entry_of(crm_map_t *m, size_t fi)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].field == fi)
			return &m->v[i];
	return NULL;
}

int
crm_map_add(crm_map_t *m, const char *field, const char *column, const char *origin,
    char *err, size_t errlen)
{
	const char *cb = column ? column : "", *ce = cb + strlen(cb);
	int fi = field_index(field ? field : "");
	struct entry *e;
	char *col, *org;

	if (fi < 0) {
		str_errf(err, errlen, "%s: '%.64s' is not a field (did you mean %s? the fields: %s)",
		    origin, field ? field : "", crm_map_closest(field ? field : ""),
		    crm_map_field_list());
		return CRM_BAD;
	}
	str_trim_span(&cb, &ce);
	if (cb == ce) {
		str_errf(err, errlen, "%s: %s maps to no column", origin, field);
		return CRM_BAD;
	}
	if (ce - cb > COLUMN_MAX) {
		str_errf(err, errlen, "%s: a column name longer than %d bytes", origin, COLUMN_MAX);
		return CRM_BAD;
	}
	if ((e = entry_of(m, (size_t)fi)) == NULL && m->n == MAP_MAX) {
		str_errf(err, errlen, "%s: more than %d map entries", origin, MAP_MAX);
		return CRM_BAD;
	}
	if ((col = strndup(cb, (size_t)(ce - cb))) == NULL || (org = strdup(origin)) == NULL) {
		free(col);
		return CRM_ENOMEM;
	}
	if (e == NULL)
		e = &m->v[m->n++];
	else {
		free(e->column);
		free(e->origin);
	}
	e->field = (size_t)fi;
	e->column = col;
	e->origin = org;
	e->found = 0;
	return CRM_OK;
}

int
crm_map_add_spec(crm_map_t *m, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	char field[80], origin[200];
	const char *fb = spec, *fe = eq;

	snprintf(origin, sizeof origin, "--map %.150s", spec);
	if (eq == NULL) {
		str_errf(err, errlen, "%s: expected FIELD=COLUMN", origin);
		return CRM_BAD;
	}
	str_trim_span(&fb, &fe);
	snprintf(field, sizeof field, "%.*s", (int)(fe - fb), fb);
	return crm_map_add(m, field, eq + 1, origin, err, errlen);
}

int
crm_map_add_conf(crm_map_t *m, const conf_t *c, char *err, size_t errlen)
{
	unsigned long line;
	const char *k;
	char origin[4200];
	int rc, fi;

	for (size_t i = 0; (k = conf_key_at(c, i, &line)) != NULL; i++) {
		if (strncmp(k, "map.", 4) != 0)
			continue;
		if ((fi = field_index(k + 4)) >= 0 && entry_of(m, (size_t)fi) != NULL)
			continue;
		snprintf(origin, sizeof origin, "%s:%lu", conf_path(c), line);
		if ((rc = crm_map_add(m, k + 4, conf_get(c, k), origin, err, errlen)) != CRM_OK)
			return rc;
	}
	return CRM_OK;
}

crm_field
crm_map_entry(const crm_map_t *m, size_t i, const char **column, const char **origin,
    int *files)
{
	const struct entry *e = &m->v[i];

	if (column)
		*column = e->column;
	if (origin)
		*origin = e->origin;
	if (files)
		*files = fields[e->field].files;
	return fields[e->field].f;
}

void
crm_map_found(crm_map_t *m, size_t i, int file)
{
	m->v[i].found |= file;
}

int
crm_map_missing_is_error(const crm_map_t *m, size_t i, int file)
{
	const struct entry *e = &m->v[i];
	int files = fields[e->field].files;

	if ((files & ~file) == 0)
		return 1;
	return file == CRM_MAP_DEALS && (e->found & ~CRM_MAP_DEALS) == 0;
}
