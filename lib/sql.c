#include "sql.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "cache.h"
#include "store.h"
#include "str.h"

/* Numbers PostgreSQL's numeric takes without complaint: at most this many
 * digits and this exponent. */
#define NUM_MAX_DIGITS 300
#define NUM_MAX_EXP 300

static const char schema[] =
"CREATE TABLE IF NOT EXISTS accounts (\n"
"  id text PRIMARY KEY,\n"
"  workspace_id text NOT NULL,\n"
"  account_key text NOT NULL,\n"
"  crm_account_id text,\n"
"  name text,\n"
"  domain text,\n"
"  industry text,\n"
"  employees bigint,\n"
"  size_band text,\n"
"  annual_revenue numeric,\n"
"  founded_year integer,\n"
"  firmographics jsonb,\n"
"  updated_at timestamptz NOT NULL DEFAULT now()\n"
");\n"
"CREATE INDEX IF NOT EXISTS accounts_workspace_id ON accounts (workspace_id);\n"
"CREATE TABLE IF NOT EXISTS account_signals (\n"
"  account_id text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,\n"
"  workspace_id text NOT NULL,\n"
"  status text,\n"
"  classifier text,\n"
"  signals jsonb,\n"
"  signal_summary text,\n"
"  signal_score numeric,\n"
"  fetched_at timestamptz,\n"
"  updated_at timestamptz NOT NULL DEFAULT now()\n"
");\n"
"CREATE TABLE IF NOT EXISTS deals (\n"
"  id text PRIMARY KEY,\n"
"  workspace_id text NOT NULL,\n"
"  crm_deal_id text NOT NULL,\n"
"  name text,\n"
"  stage text,\n"
"  stage_normalized text,\n"
"  close_date date,\n"
"  amount numeric,\n"
"  currency text,\n"
"  owner text,\n"
"  source text,\n"
"  account_id text REFERENCES accounts (id),\n"
"  custom_fields jsonb,\n"
"  roles_summary jsonb,\n"
"  enrichment_status text,\n"
"  loaded_at timestamptz NOT NULL DEFAULT now(),\n"
"  lead_score integer,\n"
"  win_probability numeric,\n"
"  lead_score_reasons jsonb,\n"
"  lead_scored_at timestamptz\n"
");\n"
"CREATE INDEX IF NOT EXISTS deals_workspace_id ON deals (workspace_id, stage_normalized);\n"
"CREATE TABLE IF NOT EXISTS contacts (\n"
"  id text PRIMARY KEY,\n"
"  workspace_id text NOT NULL,\n"
"  crm_contact_id text,\n"
"  email text,\n"
"  first_name text,\n"
"  last_name text,\n"
"  title text\n"
");\n"
"CREATE TABLE IF NOT EXISTS deal_contacts (\n"
"  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
"  deal_id text NOT NULL REFERENCES deals (id) ON DELETE CASCADE,\n"
"  contact_id text NOT NULL REFERENCES contacts (id),\n"
"  workspace_id text NOT NULL,\n"
"  crm_role text,\n"
"  buying_role text,\n"
"  role_confidence numeric,\n"
"  role_source text,\n"
"  enrichment_status text,\n"
"  enriched_at timestamptz,\n"
"  apollo_data jsonb,\n"
"  seniority_verified text,\n"
"  department_verified text,\n"
"  tenure_months integer,\n"
"  job_changed boolean,\n"
"  new_company text,\n"
"  new_title text,\n"
"  new_employer jsonb,\n"
"  linkedin_status text,\n"
"  linkedin_data jsonb,\n"
"  field_sources jsonb,\n"
"  UNIQUE (deal_id, contact_id)\n"
");\n"
"CREATE INDEX IF NOT EXISTS deal_contacts_contact_id ON deal_contacts (contact_id);\n"
/* A schema made before these columns gets them. */
"ALTER TABLE deals ADD COLUMN IF NOT EXISTS lead_score integer,\n"
"  ADD COLUMN IF NOT EXISTS win_probability numeric,\n"
"  ADD COLUMN IF NOT EXISTS lead_score_reasons jsonb,\n"
"  ADD COLUMN IF NOT EXISTS lead_scored_at timestamptz;\n"
"ALTER TABLE deal_contacts ADD COLUMN IF NOT EXISTS job_changed boolean,\n"
"  ADD COLUMN IF NOT EXISTS new_company text,\n"
"  ADD COLUMN IF NOT EXISTS new_title text,\n"
"  ADD COLUMN IF NOT EXISTS new_employer jsonb,\n"
"  ADD COLUMN IF NOT EXISTS linkedin_status text,\n"
"  ADD COLUMN IF NOT EXISTS linkedin_data jsonb,\n"
"  ADD COLUMN IF NOT EXISTS field_sources jsonb;\n";

const char *
sql_schema(void)
{
	return schema;
}

#define ADD(s) do { if (buf_adds(out, (s)) != BUF_OK) return -1; } while (0)
#define CHK(e) do { if ((e) != 0) return -1; } while (0)

int
sql_quote(buf_t *out, const char *s, size_t n)
{
	size_t i, run = 0;
	char esc[8];

	ADD("E'");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;

		switch (c) {
		case '\'': e = "''"; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		case '\0': e = "\xef\xbf\xbd"; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof esc, "\\x%02x", c);
				e = esc;
			}
		}
		if (e == NULL) {
			run++;
			continue;
		}
		if (run && buf_add(out, s + i - run, run) != BUF_OK)
			return -1;
		run = 0;
		ADD(e);
	}
	if (run && buf_add(out, s + n - run, run) != BUF_OK)
		return -1;
	ADD("'");
	return 0;
}

/*
 * Scans a JSON number token at p; returns its length and whether numeric
 * would take it (digits and exponent within bounds).
 */
static size_t
number_token(const char *p, const char *end, int *ok)
{
	const char *q = p;
	long digits = 0, exp = 0;
	int eneg = 0;

	if (q < end && *q == '-')
		q++;
	while (q < end && (isdigit((unsigned char)*q) || *q == '.')) {
		if (*q != '.')
			digits++;
		q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			eneg = *q++ == '-';
		while (q < end && isdigit((unsigned char)*q)) {
			if (exp < 100000)
				exp = exp * 10 + (*q - '0');
			q++;
		}
	}
	(void)eneg;
	*ok = digits <= NUM_MAX_DIGITS && exp <= NUM_MAX_EXP;
	return (size_t)(q - p);
}

/*
 * Rewrites dumped JSON for jsonb: "\u0000" escapes become "\ufffd", numbers
 * numeric cannot hold become strings.
 */
static int
jsonb_text(const char *p, size_t n, buf_t *out)
{
	const char *end = p + n;
	int instr = 0, ok;
	size_t len;

	while (p < end) {
		if (instr) {
			if (*p == '\\' && p + 1 < end) {
				if (p[1] == 'u' && end - p >= 6 && memcmp(p + 2, "0000", 4) == 0) {
					if (buf_adds(out, "\\ufffd") != BUF_OK)
						return -1;
					p += 6;
					continue;
				}
				if (buf_add(out, p, 2) != BUF_OK)
					return -1;
				p += 2;
				continue;
			}
			if (*p == '"')
				instr = 0;
		} else if (*p == '"')
			instr = 1;
		else if (*p == '-' || isdigit((unsigned char)*p)) {
			len = number_token(p, end, &ok);
			if ((!ok && buf_addc(out, '"') != BUF_OK) || buf_add(out, p, len) != BUF_OK ||
			    (!ok && buf_addc(out, '"') != BUF_OK))
				return -1;
			p += len;
			continue;
		}
		if (buf_addc(out, *p) != BUF_OK)
			return -1;
		p++;
	}
	return 0;
}

int
sql_quote_jsonb(buf_t *out, const json_t *v)
{
	buf_t d, j;
	int rc = -1;

	if (v == NULL || json_is(v, JSON_NULL)) {
		ADD("NULL");
		return 0;
	}
	buf_init(&d, out->cap);
	buf_init(&j, out->cap);
	if (json_dump(v, &d) == JSON_OK && jsonb_text(buf_ptr(&d), buf_len(&d), &j) == 0 &&
	    sql_quote(out, buf_ptr(&j), buf_len(&j)) == 0 && buf_adds(out, "::jsonb") == BUF_OK)
		rc = 0;
	buf_free(&d);
	buf_free(&j);
	return rc;
}

int
sql_begin(buf_t *out, int with_schema)
{
	ADD("SET client_encoding = 'UTF8';\nBEGIN;\nSET LOCAL client_min_messages = warning;\n");
	if (with_schema)
		ADD(schema);
	return 0;
}

int
sql_commit(buf_t *out)
{
	ADD("COMMIT;\n");
	return 0;
}

/* ---- values ---- */

/* A text column: NULL for absent or blank. */
static int
add_text_v(buf_t *out, const json_t *v)
{
	const char *s = json_is(v, JSON_STRING) ? json_str(v) : json_text(v);

	if (s == NULL || str_blank(s)) {
		ADD("NULL");
		return 0;
	}
	return sql_quote(out, s, json_is(v, JSON_STRING) ? json_strlen(v) : strlen(s));
}

static int
add_text(buf_t *out, const char *s)
{
	if (s == NULL || str_blank(s)) {
		ADD("NULL");
		return 0;
	}
	return sql_quote(out, s, strlen(s));
}

/* "<a>:<b>" quoted. */
static int
add_id(buf_t *out, const char *a, const char *b)
{
	buf_t t;
	int rc;

	buf_init(&t, out->cap);
	rc = buf_adds(&t, a) == BUF_OK && buf_addc(&t, ':') == BUF_OK &&
	    buf_adds(&t, b) == BUF_OK ? sql_quote(out, buf_ptr(&t), buf_len(&t)) : -1;
	buf_free(&t);
	return rc;
}

/* 1 when s is a whole JSON-syntax number numeric takes. */
static int
numeric_text(const char *s)
{
	const char *p = s;
	int ok;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0')
		return 0;
	number_token(s, p, &ok);
	return ok;
}

/* A numeric column from a number or a string holding one. */
static int
add_num(buf_t *out, const json_t *v)
{
	const char *t = json_is(v, JSON_NUMBER) ? json_num_text(v) : json_str(v);
	char trimmed[64];
	size_t n;

	if (t && json_is(v, JSON_STRING)) {
		const char *e = t + strlen(t);

		str_trim_blanks(&t, &e);
		n = (size_t)(e - t);
		if (n == 0 || n >= sizeof trimmed)
			t = NULL;
		else {
			memcpy(trimmed, t, n);
			trimmed[n] = '\0';
			t = trimmed;
		}
	}
	if (t == NULL || !numeric_text(t)) {
		ADD("NULL");
		return 0;
	}
	return buf_adds(out, t) == BUF_OK ? 0 : -1;
}

/* An integer column within [min, max]. */
static int
add_int(buf_t *out, const json_t *v, int64_t min, int64_t max)
{
	int64_t n;
	double d;

	if (json_num_int(v, &n) != 0) {
		if (json_num_double(v, &d) != 0 || d != d || d < (double)min || d > (double)max) {
			ADD("NULL");
			return 0;
		}
		n = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
	}
	if (n < min || n > max) {
		ADD("NULL");
		return 0;
	}
	return buf_addf(out, "%lld", (long long)n) == BUF_OK ? 0 : -1;
}

static int
add_date(buf_t *out, const char *s)
{
	struct tm tm, back;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || strlen(s) != 10 || (end = strptime(s, "%Y-%m-%d", &tm)) == NULL ||
	    *end != '\0' || tm.tm_year + 1900 < 1) {
		ADD("NULL");
		return 0;
	}
	back = tm;
	t = timegm(&back);
	gmtime_r(&t, &back);
	if (back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon) {
		ADD("NULL");
		return 0;
	}
	CHK(sql_quote(out, s, 10));
	ADD("::date");
	return 0;
}

static int
add_ts(buf_t *out, const char *s)
{
	time_t t;
	char back[32];

	if (s == NULL || cache_time_parse(s, &t) != 0) {
		ADD("NULL");
		return 0;
	}
	cache_time_format(t, back, sizeof back);
	CHK(sql_quote(out, back, strlen(back)));
	ADD("::timestamptz");
	return 0;
}

/* A jsonb column: an object with at least one entry, else NULL. */
static int
add_obj(buf_t *out, const json_t *v)
{
	if (!json_is(v, JSON_OBJECT) || json_len(v) == 0) {
		ADD("NULL");
		return 0;
	}
	return sql_quote_jsonb(out, v);
}

/* ---- statements ---- */

static int
add_rank(buf_t *out, const char *col)
{
	return buf_addf(out, "(CASE WHEN %s IS NULL THEN 0 WHEN %s = 'enriched' THEN 3 "
	    "WHEN %s = 'not_found' THEN 2 ELSE 1 END)", col, col, col) == BUF_OK ? 0 : -1;
}

/* LinkedIn's answer in col ranked as the store ranks it (lib/store_merge.c): a mismatch is an answer. */
static int
add_li_rank(buf_t *out, const char *col)
{
	return buf_addf(out, "(CASE WHEN %s IS NULL THEN 0 WHEN %s = 'enriched' THEN 3 "
	    "WHEN %s IN ('not_found', 'mismatch') THEN 2 ELSE 1 END)", col, col, col) == BUF_OK ?
	    0 : -1;
}

static int
account_sql(buf_t *out, const char *ws, const char *akey, const json_t *acct)
{
	const json_t *f = json_get(acct, "firmographics"), *sig = json_get(acct, "signals");
	const json_t *items;
	static const char *const firmo[] = { "industry", "employees", "size_band",
	    "annual_revenue", "founded_year" };
	size_t i;

	if (!(json_is(f, JSON_OBJECT) && json_len(f) > 0))
		f = NULL;
	ADD("INSERT INTO accounts (id, workspace_id, account_key, crm_account_id, name, domain, "
	    "industry, employees, size_band, annual_revenue, founded_year, firmographics) VALUES (");
	CHK(add_id(out, ws, akey));
	ADD(", ");
	CHK(add_text(out, ws));
	ADD(", ");
	CHK(add_text(out, akey));
	ADD(", ");
	CHK(add_text_v(out, json_get(acct, "account_id")));
	ADD(", ");
	CHK(add_text_v(out, json_get(acct, "name")));
	ADD(", ");
	CHK(add_text_v(out, json_get(acct, "domain")));
	ADD(", ");
	CHK(add_text_v(out, json_get(f, "industry")));
	ADD(", ");
	CHK(add_int(out, json_get(f, "employees"), INT64_MIN / 2, INT64_MAX / 2));
	ADD(", ");
	CHK(add_text_v(out, json_get(f, "size_band")));
	ADD(", ");
	CHK(add_num(out, json_get(f, "annual_revenue")));
	ADD(", ");
	CHK(add_int(out, json_get(f, "founded_year"), -2147483647, 2147483647));
	ADD(", ");
	CHK(add_obj(out, f));
	ADD(")\n  ON CONFLICT (id) DO UPDATE SET"
	    " crm_account_id = COALESCE(EXCLUDED.crm_account_id, accounts.crm_account_id),"
	    " name = COALESCE(EXCLUDED.name, accounts.name),"
	    " domain = COALESCE(EXCLUDED.domain, accounts.domain)");
	for (i = 0; i < sizeof firmo / sizeof firmo[0]; i++)
		if (buf_addf(out, ", %s = CASE WHEN EXCLUDED.firmographics IS NULL THEN accounts.%s "
		    "ELSE EXCLUDED.%s END", firmo[i], firmo[i], firmo[i]) != BUF_OK)
			return -1;
	ADD(", firmographics = COALESCE(EXCLUDED.firmographics, accounts.firmographics),"
	    " updated_at = now();\n");

	if (!json_is(sig, JSON_OBJECT))
		return 0;
	items = json_get(sig, "items");
	ADD("INSERT INTO account_signals (account_id, workspace_id, status, classifier, signals, "
	    "signal_summary, signal_score, fetched_at) VALUES (");
	CHK(add_id(out, ws, akey));
	ADD(", ");
	CHK(add_text(out, ws));
	ADD(", ");
	CHK(add_text_v(out, json_get(sig, "status")));
	ADD(", ");
	CHK(add_text_v(out, json_get(sig, "classifier")));
	ADD(", ");
	CHK(json_is(items, JSON_ARRAY) ? sql_quote_jsonb(out, items) : buf_adds(out, "NULL"));
	ADD(", ");
	CHK(add_text_v(out, json_get(sig, "summary")));
	ADD(", ");
	CHK(add_num(out, json_get(sig, "score")));
	ADD(", ");
	CHK(add_ts(out, json_str(json_get(sig, "fetched_at"))));
	ADD(")\n  ON CONFLICT (account_id) DO UPDATE SET status = EXCLUDED.status,"
	    " classifier = EXCLUDED.classifier, signals = EXCLUDED.signals,"
	    " signal_summary = EXCLUDED.signal_summary, signal_score = EXCLUDED.signal_score,"
	    " fetched_at = EXCLUDED.fetched_at, updated_at = now()\n  WHERE ");
	CHK(add_rank(out, "EXCLUDED.status"));
	ADD(" >= ");
	CHK(add_rank(out, "account_signals.status"));
	ADD(";\n");
	return 0;
}

static int
deal_sql(buf_t *out, const char *ws, const char *deal_id, const char *akey, const json_t *rec,
    time_t now)
{
	static const char *const cols[] = { "name", "stage", "stage_normalized", "close_date",
	    "amount", "currency", "owner", "source", "account_id", "custom_fields", "lead_score",
	    "win_probability", "lead_score_reasons", "lead_scored_at" };
	const json_t *ls = json_get(rec, "lead_score");
	char when[32];
	size_t i;

	cache_time_format(now, when, sizeof when);
	ADD("INSERT INTO deals (id, workspace_id, crm_deal_id, name, stage, stage_normalized, "
	    "close_date, amount, currency, owner, source, account_id, custom_fields, "
	    "enrichment_status, loaded_at, lead_score, win_probability, lead_score_reasons, "
	    "lead_scored_at) VALUES (");
	CHK(add_id(out, ws, deal_id));
	ADD(", ");
	CHK(add_text(out, ws));
	ADD(", ");
	CHK(add_text(out, deal_id));
	ADD(", ");
	CHK(add_text_v(out, json_get(rec, "deal_name")));
	ADD(", ");
	CHK(add_text_v(out, json_get(rec, "stage")));
	ADD(", ");
	CHK(add_text_v(out, json_get(rec, "stage_normalized")));
	ADD(", ");
	CHK(add_date(out, json_str(json_get(rec, "close_date"))));
	ADD(", ");
	CHK(add_num(out, json_get(rec, "amount")));
	ADD(", ");
	CHK(add_text_v(out, json_get(rec, "currency")));
	ADD(", ");
	CHK(add_text_v(out, json_get(rec, "owner")));
	ADD(", ");
	CHK(add_text_v(out, json_get(rec, "source")));
	ADD(", ");
	if (akey)
		CHK(add_id(out, ws, akey));
	else
		ADD("NULL");
	ADD(", ");
	CHK(add_obj(out, json_get(rec, "custom_fields")));
	ADD(", 'failed', ");
	CHK(add_ts(out, when));
	/* lead-score's: the newest score replaces the last; a record without one keeps it. */
	ADD(", ");
	CHK(add_int(out, json_get(ls, "score"), 0, 100));
	ADD(", ");
	CHK(add_num(out, json_get(ls, "win_probability")));
	ADD(", ");
	CHK(json_is(json_get(ls, "reasons"), JSON_ARRAY) ?
	    sql_quote_jsonb(out, json_get(ls, "reasons")) : buf_adds(out, "NULL"));
	ADD(", ");
	CHK(add_ts(out, json_str(json_get(ls, "profile_at"))));
	ADD(")\n  ON CONFLICT (id) DO UPDATE SET");
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++)
		if (buf_addf(out, "%s %s = COALESCE(EXCLUDED.%s, deals.%s)", i ? "," : "",
		    cols[i], cols[i], cols[i]) != BUF_OK)
			return -1;
	ADD(", loaded_at = EXCLUDED.loaded_at;\n");
	return 0;
}

/* The contact's key: lowercased email, else id:<contact_id>, else name:<first last>. */
static int
contact_key(const json_t *c, buf_t *key)
{
	const char *email = json_str(json_get(c, "email"));
	const char *id = json_text(json_get(c, "contact_id"));
	const char *first = json_str(json_get(c, "first_name"));
	const char *last = json_str(json_get(c, "last_name"));
	const char *s;

	buf_reset(key);
	if (!str_blank(email))
		s = email;
	else if (!str_blank(id)) {
		if (buf_adds(key, "id:") != BUF_OK)
			return -1;
		s = id;
	} else if (!str_blank(first) || !str_blank(last)) {
		if (buf_adds(key, "name:") != BUF_OK)
			return -1;
		for (s = str_blank(first) ? "" : first; *s; s++)
			if (buf_addc(key, (char)tolower((unsigned char)*s)) != BUF_OK)
				return -1;
		if (!str_blank(first) && !str_blank(last) && buf_addc(key, ' ') != BUF_OK)
			return -1;
		s = str_blank(last) ? "" : last;
	} else
		return 1;
	while (isspace((unsigned char)*s))
		s++;
	for (; *s; s++)
		if (buf_addc(key, (char)tolower((unsigned char)*s)) != BUF_OK)
			return -1;
	while (buf_len(key) && isspace((unsigned char)key->ptr[key->len - 1]))
		key->ptr[--key->len] = '\0';
	return 0;
}

static int
contact_sql(buf_t *out, const char *ws, const char *deal_id, const json_t *c)
{
	static const char *const apollo_cols[] = { "enrichment_status", "enriched_at",
	    "apollo_data" };
	/* Apollo's, or LinkedIn's where Apollo left them empty (field_sources says which). */
	static const char *const filled_cols[] = { "seniority_verified", "department_verified",
	    "tenure_months", "job_changed", "new_company", "new_title", "new_employer" };
	static const char *const li_cols[] = { "linkedin_status", "linkedin_data", "field_sources" };
	const json_t *li = json_get(c, "linkedin");
	const char *li_status = json_str(json_get(li, "status"));
	const json_t *moved = json_get(c, "job_changed"), *ne = json_get(c, "new_employer");
	static const char *const role_cols[] = { "buying_role", "role_confidence", "role_source" };
	const json_t *email = json_get(c, "email");
	double conf = store_role_confidence(c);
	buf_t key;
	size_t i;
	int rc;

	if (conf >= 0 && !isfinite(conf))
		conf = store_source_confidence(json_str(json_get(c, "role_source")));

	buf_init(&key, out->cap);
	if ((rc = contact_key(c, &key)) != 0) {
		buf_free(&key);
		return rc < 0 ? -1 : 0;
	}
	rc = -1;
	if (buf_adds(out, "INSERT INTO contacts (id, workspace_id, crm_contact_id, email, "
	    "first_name, last_name, title) VALUES (") != BUF_OK ||
	    add_id(out, ws, buf_ptr(&key)) || buf_adds(out, ", ") || add_text(out, ws) ||
	    buf_adds(out, ", ") || add_text_v(out, json_get(c, "contact_id")) ||
	    buf_adds(out, ", ") || add_text_v(out, email) ||
	    buf_adds(out, ", ") || add_text_v(out, json_get(c, "first_name")) ||
	    buf_adds(out, ", ") || add_text_v(out, json_get(c, "last_name")) ||
	    buf_adds(out, ", ") || add_text_v(out, json_get(c, "title")) ||
	    buf_adds(out, ")\n  ON CONFLICT (id) DO UPDATE SET"
	    " crm_contact_id = COALESCE(EXCLUDED.crm_contact_id, contacts.crm_contact_id),"
	    " email = COALESCE(EXCLUDED.email, contacts.email),"
	    " first_name = COALESCE(EXCLUDED.first_name, contacts.first_name),"
	    " last_name = COALESCE(EXCLUDED.last_name, contacts.last_name),"
	    " title = COALESCE(EXCLUDED.title, contacts.title);\n"))
		goto out;
	if (buf_adds(out, "INSERT INTO deal_contacts (deal_id, contact_id, workspace_id, crm_role, "
	    "buying_role, role_confidence, role_source, enrichment_status, enriched_at, "
	    "apollo_data, seniority_verified, department_verified, tenure_months, job_changed, "
	    "new_company, new_title, new_employer, linkedin_status, linkedin_data, field_sources) "
	    "VALUES (") ||
	    add_id(out, ws, deal_id) || buf_adds(out, ", ") ||
	    add_id(out, ws, buf_ptr(&key)) || buf_adds(out, ", ") || add_text(out, ws) ||
	    buf_adds(out, ", ") || add_text_v(out, json_get(c, "crm_role")) || buf_adds(out, ", "))
		goto out;
	if (conf >= 0) {
		if (add_text_v(out, json_get(c, "buying_role")) ||
		    buf_addf(out, ", %.4g, ", conf) || add_text_v(out, json_get(c, "role_source")))
			goto out;
	} else if (buf_adds(out, "NULL, NULL, NULL"))
		goto out;
	if (buf_adds(out, ", ") || add_text(out, store_contact_apollo(c)) || buf_adds(out, ", ") ||
	    add_ts(out, json_str(json_get(c, "enriched_at"))) || buf_adds(out, ", ") ||
	    (store_contact_rank(c) == 3 ? sql_quote_jsonb(out, json_get(c, "apollo")) :
	    buf_adds(out, "NULL")) || buf_adds(out, ", ") ||
	    add_text_v(out, json_get(c, "seniority_verified")) || buf_adds(out, ", ") ||
	    add_text_v(out, json_get(c, "department_verified")) || buf_adds(out, ", ") ||
	    add_int(out, json_get(c, "tenure_months"), -2147483647, 2147483647) ||
	    buf_adds(out, json_is(moved, JSON_BOOL) ? (json_bool(moved) ? ", true, " : ", false, ") :
	    ", NULL, ") || add_text_v(out, json_get(ne, "name")) || buf_adds(out, ", ") ||
	    add_text_v(out, json_get(ne, "title")) || buf_adds(out, ", ") || add_obj(out, ne) ||
	    buf_adds(out, ", ") || add_text(out, li_status) ||
	    buf_adds(out, ", ") || (json_is(li, JSON_OBJECT) && !str_blank(li_status) ?
	    sql_quote_jsonb(out, li) : buf_adds(out, "NULL")) || buf_adds(out, ", ") ||
	    add_obj(out, json_get(c, "field_sources")) ||
	    buf_adds(out, ")\n  ON CONFLICT (deal_id, contact_id) DO UPDATE SET"
	    " crm_role = COALESCE(EXCLUDED.crm_role, deal_contacts.crm_role)"))
		goto out;
	for (i = 0; i < sizeof role_cols / sizeof role_cols[0]; i++)
		if (buf_addf(out, ",\n    %s = CASE WHEN EXCLUDED.buying_role IS NOT NULL AND "
		    "(deal_contacts.buying_role IS NULL OR EXCLUDED.role_confidence >= "
		    "COALESCE(deal_contacts.role_confidence, 0)) THEN EXCLUDED.%s "
		    "ELSE deal_contacts.%s END", role_cols[i], role_cols[i], role_cols[i]))
			goto out;
	for (i = 0; i < sizeof apollo_cols / sizeof apollo_cols[0]; i++) {
		if (buf_addf(out, ",\n    %s = CASE WHEN ", apollo_cols[i]) ||
		    add_rank(out, "EXCLUDED.enrichment_status") || buf_adds(out, " >= ") ||
		    add_rank(out, "deal_contacts.enrichment_status") ||
		    buf_addf(out, " THEN EXCLUDED.%s ELSE deal_contacts.%s END", apollo_cols[i],
		    apollo_cols[i]))
			goto out;
	}
	/* A value no new answer gives (null) stays when LinkedIn's new answer is worse. */
	for (i = 0; i < sizeof filled_cols / sizeof filled_cols[0]; i++) {
		if (buf_addf(out, ",\n    %s = CASE WHEN ", filled_cols[i]) ||
		    add_rank(out, "EXCLUDED.enrichment_status") || buf_adds(out, " >= ") ||
		    add_rank(out, "deal_contacts.enrichment_status") ||
		    buf_addf(out, " AND (EXCLUDED.%s IS NOT NULL OR ", filled_cols[i]) ||
		    add_li_rank(out, "EXCLUDED.linkedin_status") || buf_adds(out, " >= ") ||
		    add_li_rank(out, "deal_contacts.linkedin_status") ||
		    buf_addf(out, ") THEN EXCLUDED.%s ELSE deal_contacts.%s END", filled_cols[i],
		    filled_cols[i]))
			goto out;
	}
	for (i = 0; i < sizeof li_cols / sizeof li_cols[0]; i++) {
		if (buf_addf(out, ",\n    %s = CASE WHEN ", li_cols[i]) ||
		    add_li_rank(out, "EXCLUDED.linkedin_status") || buf_adds(out, " >= ") ||
		    add_li_rank(out, "deal_contacts.linkedin_status") ||
		    buf_addf(out, " THEN EXCLUDED.%s ELSE deal_contacts.%s END", li_cols[i], li_cols[i]))
			goto out;
	}
	if (buf_adds(out, ";\n") == BUF_OK)
		rc = 0;
out:
	buf_free(&key);
	return rc;
}

/* The deal's status and roles_summary, from all its deal_contacts rows. */
static int
status_sql(buf_t *out, const char *ws, const char *deal_id)
{
	ADD("UPDATE deals SET enrichment_status = CASE WHEN s.n = 0 OR s.a = 0 THEN 'failed' "
	    "WHEN s.a = s.n THEN 'enriched' ELSE 'partial' END,\n"
	    "    roles_summary = s.roles\n"
	    "  FROM (SELECT count(c.email) AS n,\n"
	    "               count(c.email) FILTER (WHERE dc.enrichment_status IN "
	    "('enriched', 'not_found')) AS a,\n"
	    "               COALESCE((SELECT jsonb_object_agg(r.buying_role, r.k) FROM "
	    "(SELECT buying_role, count(*) AS k FROM deal_contacts WHERE deal_id = ");
	CHK(add_id(out, ws, deal_id));
	ADD(" AND buying_role IS NOT NULL GROUP BY buying_role) r), '{}'::jsonb) AS roles\n"
	    "          FROM deal_contacts dc JOIN contacts c ON c.id = dc.contact_id\n"
	    "         WHERE dc.deal_id = ");
	CHK(add_id(out, ws, deal_id));
	ADD(") s\n WHERE deals.id = ");
	CHK(add_id(out, ws, deal_id));
	ADD(";\n");
	return 0;
}

int
sql_record(buf_t *out, const char *ws, const json_t *rec, time_t now)
{
	const json_t *cs = json_get(rec, "contacts"), *acct = json_get(rec, "account");
	buf_t id, akey;
	size_t i;
	int rc = -1, has_acct;

	buf_init(&id, 4096);
	buf_init(&akey, 4096);
	if (store_deal_id(rec, &id) != 0) {
		rc = 1;
		goto out;
	}
	if ((has_acct = account_key(rec, &akey)) < 0)
		goto out;
	has_acct = has_acct == 0;
	if (has_acct && account_sql(out, ws, buf_ptr(&akey), acct) != 0)
		goto out;
	if (deal_sql(out, ws, buf_ptr(&id), has_acct ? buf_ptr(&akey) : NULL, rec, now) != 0)
		goto out;
	for (i = 0; i < json_len(cs); i++)
		if (json_is(json_at(cs, i), JSON_OBJECT) &&
		    contact_sql(out, ws, buf_ptr(&id), json_at(cs, i)) != 0)
			goto out;
	if (status_sql(out, ws, buf_ptr(&id)) != 0)
		goto out;
	rc = 0;
out:
	buf_free(&id);
	buf_free(&akey);
	return rc;
}
