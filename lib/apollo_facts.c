#include "apollo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apollo_int.h"
#include "cache.h"
#include "company.h"
#include "date.h"
#include "domain.h"

/* ---- small helpers ---- */

/* An organization's domain: primary_domain, else website_url. */
static int
org_domain(const json_t *org, char *out, size_t n)
{
	const char *d = nonempty(json_get(org, "primary_domain"));

	if (d && domain_normalize(d, out, n) == 0)
		return 0;
	d = nonempty(json_get(org, "website_url"));
	if (d && domain_normalize(d, out, n) == 0)
		return 0;
	out[0] = '\0';
	return -1;
}

/* ---- mapping ---- */

const char *
apollo_seniority_level(const char *s)
{
	static const struct {
		const char *from, *to;
	} map[] = {
		{ "owner", "c_level" }, { "founder", "c_level" }, { "c_suite", "c_level" },
		{ "partner", "vp" }, { "vp", "vp" },
		{ "head", "director" }, { "director", "director" },
		{ "manager", "manager" },
		{ "senior", "ic" }, { "entry", "ic" }, { "intern", "ic" },
	};
	char t[32];
	size_t i, n;

	if (s == NULL)
		return NULL;
	while (isspace((unsigned char)*s))
		s++;
	for (n = 0; s[n] && n + 1 < sizeof t; n++)
		t[n] = (char)tolower((unsigned char)s[n]);
	t[n] = '\0';
	while (n > 0 && isspace((unsigned char)t[n - 1]))
		t[--n] = '\0';
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(t, map[i].from) == 0)
			return map[i].to;
	return NULL;
}

int
apollo_department(const json_t *person, char *out, size_t n)
{
	const json_t *d = json_get(person, "departments");
	const char *s = NULL;
	size_t i;

	if (json_is(d, JSON_STRING))
		s = json_str(d);
	else
		for (i = 0; i < json_len(d) && s == NULL; i++)
			if (nonempty(json_at(d, i)))
				s = json_str(json_at(d, i));
	if (s == NULL || *s == '\0')
		return -1;
	if (strncmp(s, "master_", 7) == 0)
		s += 7;
	if (*s == '\0')
		return -1;
	snprintf(out, n, "%s", s);
	return 0;
}

/* "YYYY-MM-DD", any CRM date, "YYYY-MM" or "YYYY". */
static int
loose_date(const json_t *v, date_t *d)
{
	const char *s = json_str(v);
	int y, m;
	char tail;

	if (s == NULL || *s == '\0')
		return -1;
	if (date_parse_crm(s, DATE_MDY, d) == 0)
		return 0;
	if (sscanf(s, "%4d-%2d%c", &y, &m, &tail) == 2 && strlen(s) == 7) {
		d->y = y, d->m = m, d->d = 1;
		return date_valid(*d) ? 0 : -1;
	}
	if (sscanf(s, "%4d%c", &y, &tail) == 1 && strlen(s) == 4) {
		d->y = y, d->m = 1, d->d = 1;
		return date_valid(*d) ? 0 : -1;
	}
	return -1;
}

/* ---- facts: a person read once, for the fields of every contact it is ---- */

/* A string in the facts' strs: its offset; NO_STR for none. */
#define NO_STR ((size_t)-1)
#define FACT_STR(f, off) ((off) == NO_STR ? NULL : (f)->strs + (off))

struct fact_job {
	long start_key, end_key;   /* y*10000+m*100+d: dates compared as numbers */
	int has_end, current;
	size_t name_norm;          /* company_norm(organization_name), in strs */
	size_t oid;                /* organization_id, in strs, or NO_STR */
	date_t start, end;
};

/* head_cached before the head is first written: no value cached can take. */
#define HEAD_NONE (-2)

/* The members every enriched contact of the person gets, in the order they are written. */
enum { HEAD_APOLLO, HEAD_LEVEL, HEAD_DEPT, HEAD_STATUS, HEAD_AT, HEAD_N };

/*
 * What every contact reads comes first, and the strings it compares lie
 * together in strs: a person met again after thousands of others costs a
 * few cache lines, not one per string.
 */
struct apollo_facts {
	struct fact_job *jobs;
	size_t njobs;
	char *strs;                /* the strings below, one after the other */
	size_t pid;                /* the person's organization_id, or NO_STR */
	size_t pdomain;            /* the organization's domain, or "" */
	size_t pname_norm;         /* the current employer's name, normalized, or "" */
	size_t org_name_norm;      /* the organization's own name, normalized, or "" */
	int has_org, has_cur;
	/*
	 * The head: the members of HEAD_* as one text, in which the person's
	 * text lies at person_off. Written for one (cached, fetched) at a time;
	 * until the first, it is the person's text alone (head_cached HEAD_NONE).
	 */
	char *head;
	size_t head_len, person_off, person_len;
	int head_cached;
	time_t head_fetched;
	size_t head_at[HEAD_N][2];  /* each member's start and its value's start in head */
	char *employer;            /* "new_employer":{...} */
	size_t employer_len;
	char *firmo;               /* its firmographics as JSON text; NULL without one */
	size_t firmo_len;
	const char *level;
	char *pname;               /* the current employer's name, or NULL */
	char *title, *since;       /* for new_employer; NULL when unknown */
	char dept[128];
};

void
apollo_facts_free(apollo_facts_t *f)
{
	if (f == NULL)
		return;
	free(f->jobs);
	free(f->strs);
	free(f->pname);
	free(f->title);
	free(f->since);
	free(f->firmo);
	free(f->head);
	free(f->employer);
	free(f);
}

/* A copy of s, or NULL for NULL; *bad set when memory runs out. */
static char *
dup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

/* Appends s (NULL: none) and its NUL to strs: its offset, or NO_STR; *bad set when memory runs out. */
static size_t
str_in(buf_t *strs, const char *s, int *bad)
{
	size_t off = buf_len(strs);

	if (s == NULL)
		return NO_STR;
	if (buf_add(strs, s, strlen(s) + 1) != BUF_OK)
		*bad = 1;
	return off;
}

/* The current employment entry: current:true, else open-ended with the latest start. */
static const json_t *
current_entry(const json_t *person)
{
	const json_t *h = json_get(person, "employment_history"), *e, *open = NULL;
	date_t s, os = { 0, 0, 0 };
	size_t i;

	for (i = 0; i < json_len(h); i++) {
		e = json_at(h, i);
		if (!json_is(e, JSON_OBJECT))
			continue;
		if (bool_of(json_get(e, "current")) == 1)
			return e;
		if (nonempty(json_get(e, "end_date")) == NULL &&
		    bool_of(json_get(e, "current")) != 0 &&
		    loose_date(json_get(e, "start_date"), &s) == 0 &&
		    (open == NULL || date_cmp(s, os) > 0)) {
			open = e;
			os = s;
		}
	}
	return open;
}

static long
date_key(date_t d)
{
	return (long)d.y * 10000 + d.m * 100 + d.d;
}

/* The member "new_employer":{"name","domain","title","since"}, as text. */
static int
employer_text(const apollo_facts_t *f, buf_t *out)
{
	const char *pdomain = f->strs + f->pdomain;

	return buf_adds(out, "\"new_employer\":{\"name\":") != BUF_OK ||
	    (f->pname ? json_dump_string(f->pname, strlen(f->pname), out) :
	    buf_adds(out, "null")) != 0 ||
	    buf_adds(out, ",\"domain\":") != BUF_OK ||
	    (*pdomain ? json_dump_string(pdomain, strlen(pdomain), out) :
	    buf_adds(out, "null")) != 0 ||
	    buf_adds(out, ",\"title\":") != BUF_OK ||
	    (f->title ? json_dump_string(f->title, strlen(f->title), out) :
	    buf_adds(out, "null")) != 0 ||
	    buf_adds(out, ",\"since\":") != BUF_OK ||
	    (f->since ? json_dump_string(f->since, strlen(f->since), out) :
	    buf_adds(out, "null")) != 0 ||
	    buf_addc(out, '}') != BUF_OK ? -1 : 0;
}
#define EMPLOYER_KEY_LEN (sizeof "\"new_employer\":" - 1)

/* The texts every contact of the person gets, before the head is first written. */
static int
facts_texts(apollo_facts_t *f, const json_t *person)
{
	buf_t b;

	buf_init(&b, (size_t)1 << 30);
	if (json_dump(person, &b) != JSON_OK ||
	    (f->head = buf_detach(&b, &f->person_len)) == NULL)
		goto fail;
	f->head_len = f->person_len;
	f->person_off = 0;
	f->head_cached = HEAD_NONE;
	buf_init(&b, 1 << 20);
	if (employer_text(f, &b) != 0 || (f->employer = buf_detach(&b, &f->employer_len)) == NULL)
		goto fail;
	return 0;
fail:
	buf_free(&b);
	return -1;
}

apollo_facts_t *
apollo_facts_new(const json_t *person)
{
	const json_t *h = json_get(person, "employment_history"), *e, *org, *cur;
	apollo_facts_t *f;
	struct fact_job *j;
	const char *pname, *title;
	char norm[256], dom[DOMAIN_MAX];
	size_t i;
	buf_t strs;
	int bad = 0;

	if (person == NULL || (f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	buf_init(&strs, (size_t)1 << 30);
	f->level = apollo_seniority_level(json_str(json_get(person, "seniority")));
	if (apollo_department(person, f->dept, sizeof f->dept) != 0)
		f->dept[0] = '\0';
	org = json_get(person, "organization");
	if (!json_is(org, JSON_OBJECT))
		org = NULL;
	cur = current_entry(person);
	f->has_org = org != NULL;
	f->has_cur = cur != NULL;
	f->pid = str_in(&strs, nonempty(json_get(person, "organization_id")), &bad);
	if (org == NULL || org_domain(org, dom, sizeof dom) != 0)
		dom[0] = '\0';
	f->pdomain = str_in(&strs, dom, &bad);
	pname = org ? nonempty(json_get(org, "name")) : NULL;
	if (pname == NULL && cur)
		pname = nonempty(json_get(cur, "organization_name"));
	f->pname = dup_or_null(pname, &bad);
	company_norm(pname, norm, sizeof norm);
	f->pname_norm = str_in(&strs, norm, &bad);
	title = nonempty(json_get(person, "title"));
	if (title == NULL && cur)
		title = nonempty(json_get(cur, "title"));
	f->title = dup_or_null(title, &bad);
	f->since = dup_or_null(cur ? nonempty(json_get(cur, "start_date")) : NULL, &bad);
	if (org) {
		json_t *firmo = apollo_firmographics(org);
		buf_t b;

		company_norm(nonempty(json_get(org, "name")), norm, sizeof norm);
		f->org_name_norm = str_in(&strs, norm, &bad);
		buf_init(&b, 1 << 20);
		if (firmo == NULL || json_dump(firmo, &b) != JSON_OK ||
		    (f->firmo = buf_detach(&b, &f->firmo_len)) == NULL)
			bad = 1;
		buf_free(&b);
		json_free(firmo);
	} else
		f->org_name_norm = str_in(&strs, "", &bad);
	if (json_len(h) > 0 && (f->jobs = calloc(json_len(h), sizeof *f->jobs)) == NULL)
		bad = 1;
	/* Only the entries that can cover a date: objects with a start. */
	for (i = 0; !bad && i < json_len(h); i++) {
		e = json_at(h, i);
		j = &f->jobs[f->njobs];
		if (!json_is(e, JSON_OBJECT) || loose_date(json_get(e, "start_date"), &j->start) != 0)
			continue;
		j->current = bool_of(json_get(e, "current")) == 1;
		j->has_end = loose_date(json_get(e, "end_date"), &j->end) == 0;
		j->start_key = date_key(j->start);
		j->end_key = j->has_end ? date_key(j->end) : 0;
		company_norm(nonempty(json_get(e, "organization_name")), norm, sizeof norm);
		j->name_norm = str_in(&strs, norm, &bad);
		j->oid = str_in(&strs, nonempty(json_get(e, "organization_id")), &bad);
		f->njobs++;
	}
	if (!bad && (f->strs = buf_detach(&strs, NULL)) == NULL)
		bad = 1;
	if (!bad && facts_texts(f, person) != 0)
		bad = 1;
	buf_free(&strs);
	if (bad) {
		apollo_facts_free(f);
		return NULL;
	}
	return f;
}

void
apollo_account_of(struct apollo_account *a, const char *name, const char *domain,
    const char *website)
{
	const char *d = domain && *domain ? domain : website && *website ? website : NULL;

	company_norm(name && *name ? name : NULL, a->name, sizeof a->name);
	if (d == NULL || domain_normalize(d, a->domain, sizeof a->domain) != 0)
		a->domain[0] = '\0';
}

void
apollo_account_read(const json_t *account, struct apollo_account *a)
{
	apollo_account_of(a, nonempty(json_get(account, "name")),
	    nonempty(json_get(account, "domain")), nonempty(json_get(account, "website")));
}

date_t
apollo_close_date(const char *close_date, time_t today)
{
	date_t at;

	if (close_date == NULL || date_parse_crm(close_date, DATE_MDY, &at) != 0)
		at = date_from_time(today);
	return at;
}

/*
 * Months in the role the person held on at, from the employment entry
 * covering that date: an entry at the account (by company name, or by the
 * person's organization when its domain is the account's) first, then the
 * current one, then the latest start. -1 when no entry covers it.
 */
static int
facts_tenure(const apollo_facts_t *f, const struct apollo_account *a, date_t at)
{
	const struct fact_job *j;
	const char *name, *pdomain = f->strs + f->pdomain;
	date_t best_start = { 0, 0, 0 };
	long at_key = date_key(at), best_key = 0;
	size_t i;
	int score, best = -1, cur, strict, here;

	for (i = 0; i < f->njobs; i++) {
		j = &f->jobs[i];
		if (j->start_key > at_key || (j->has_end && j->end_key < at_key))
			continue;
		cur = j->current;
		strict = j->has_end || cur;   /* open-ended but not current: a weak cover */
		name = f->strs + j->name_norm;
		here = company_same(NULL, a->name, NULL, name, NULL) == 1 ||
		    (j->oid != NO_STR && f->pid != NO_STR &&
		    strcmp(f->strs + j->oid, f->strs + f->pid) == 0 &&
		    company_same(pdomain, NULL, a->domain, NULL, NULL) == 1);
		score = 8 * here + 4 * strict + 2 * cur;
		if (score > best || (score == best && j->start_key > best_key)) {
			best = score;
			best_start = j->start;
			best_key = j->start_key;
		}
	}
	return best < 0 ? -1 : date_months_between(best_start, at);
}

/*
 * Whether the person moved away from the account: 1, 0, or -1 (cannot tell);
 * *by gets what decided (COMPANY_BY_*).
 */
static int
facts_moved(const apollo_facts_t *f, const struct apollo_account *a, int *by)
{
	int same;

	*by = COMPANY_BY_NONE;
	if (!f->has_org && !f->has_cur)
		return -1;
	same = company_same(f->strs + f->pdomain, f->strs + f->pname_norm, a->domain, a->name, by);
	return same < 0 ? -1 : !same;
}

/* ---- a contact's fields ---- */

/*
 * Writes "key": and starts the field's value in out; member is that text,
 * made from the literal key by ADD_KEY (keys here need no escaping).
 */
static int
add_key(buf_t *out, struct apollo_field *f, int *n, const char *key, const char *member,
    size_t member_len)
{
	/* After a field just written to out, a comma: jedit copies such a row at once. */
	if (*n > 0 && f[*n - 1].text == NULL && f[*n - 1].off + f[*n - 1].len == buf_len(out) &&
	    buf_addc(out, ',') != BUF_OK)
		return -1;
	f[*n].key = key;
	f[*n].text = NULL;
	f[*n].member = buf_len(out);
	if (buf_add(out, member, member_len) != BUF_OK)
		return -1;
	f[*n].off = buf_len(out);
	return 0;
}
#define ADD_KEY(out, f, n, key) \
	add_key((out), (f), (n), key, "\"" key "\":", sizeof "\"" key "\":" - 1)

static void
end_key(buf_t *out, struct apollo_field *f, int *n)
{
	f[*n].len = buf_len(out) - f[*n].off;
	(*n)++;
}

/* A field whose member lies in memory the facts keep: text[member .. off + len). */
static void
kept_field(struct apollo_field *f, int *n, const char *key, const char *text, size_t member,
    size_t off, size_t end)
{
	f[*n].key = key;
	f[*n].text = text;
	f[*n].member = member;
	f[*n].off = off;
	f[*n].len = end - off;
	(*n)++;
}

static int
str_or_null(buf_t *out, const char *s)
{
	return s ? json_dump_string(s, strlen(s), out) : buf_adds(out, "null");
}

/* A string that needs no escaping (a time), quoted. */
static int
add_plain(buf_t *out, const char *s)
{
	return buf_addc(out, '"') != BUF_OK || buf_adds(out, s) != BUF_OK ||
	    buf_addc(out, '"') != BUF_OK;
}

/* Starts member key of the head in b: where it and its value begin. */
static int
head_key(buf_t *b, size_t at[2], const char *key)
{
	/* Members after the first follow a comma (see add_key). */
	if (buf_len(b) > 0 && buf_addc(b, ',') != BUF_OK)
		return -1;
	at[0] = buf_len(b);
	if (buf_addc(b, '"') != BUF_OK || buf_adds(b, key) != BUF_OK ||
	    buf_add(b, "\":", 2) != BUF_OK)
		return -1;
	at[1] = buf_len(b);
	return 0;
}

/*
 * Makes f->head hold the members for (cached, fetched), the person's text
 * carried over from the head it held. Returns 0, or -1 when memory runs out
 * (the old head is kept).
 */
static int
facts_head(apollo_facts_t *f, int cached, time_t fetched)
{
	char ts[32];
	size_t person_off;
	buf_t b;

	if (f->head_fetched == fetched && f->head_cached == cached)
		return 0;
	cache_time_format(fetched, ts, sizeof ts);
	buf_init(&b, (size_t)1 << 30);
	if (head_key(&b, f->head_at[HEAD_APOLLO], "apollo") != 0 ||
	    buf_adds(&b, "{\"status\":\"enriched\"") != BUF_OK ||
	    (cached >= 0 && buf_adds(&b, cached ? ",\"cached\":true" : ",\"cached\":false") != 0) ||
	    buf_adds(&b, ",\"fetched_at\":") != BUF_OK || add_plain(&b, ts) ||
	    buf_adds(&b, ",\"person\":") != BUF_OK)
		goto fail;
	person_off = buf_len(&b);
	if (buf_add(&b, f->head + f->person_off, f->person_len) != BUF_OK ||
	    buf_addc(&b, '}') != BUF_OK ||
	    head_key(&b, f->head_at[HEAD_LEVEL], "seniority_verified") != 0 ||
	    str_or_null(&b, f->level) != 0 ||
	    head_key(&b, f->head_at[HEAD_DEPT], "department_verified") != 0 ||
	    str_or_null(&b, *f->dept ? f->dept : NULL) != 0 ||
	    head_key(&b, f->head_at[HEAD_STATUS], "enrichment_status") != 0 ||
	    buf_adds(&b, "\"enriched\"") != BUF_OK ||
	    head_key(&b, f->head_at[HEAD_AT], "enriched_at") != 0 || add_plain(&b, ts))
		goto fail;
	free(f->head);
	f->head = buf_detach(&b, &f->head_len);
	f->person_off = person_off;
	f->head_cached = cached;
	f->head_fetched = fetched;
	return 0;
fail:
	buf_free(&b);
	return -1;
}

/* A count in decimal (once per contact: no printf). */
static int
add_count(buf_t *out, unsigned v)
{
	char d[16];
	size_t i = sizeof d;

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	return buf_add(out, d + i, sizeof d - i);
}

/* Head member k of the facts as field *n. */
static void
head_field(struct apollo_field *fl, int *n, const apollo_facts_t *f, int k, const char *key)
{
	size_t end = k + 1 < HEAD_N ? f->head_at[k + 1][0] - 1 : f->head_len;   /* a comma between */

	kept_field(fl, n, key, f->head, f->head_at[k][0], f->head_at[k][1], end);
}

/* The fields of a contact whose person is known: the head's, and those of its deal. */
static int
enriched_text(buf_t *out, struct apollo_field *fl, apollo_facts_t *f,
    const struct apollo_account *acct, date_t close, int cached, time_t fetched_at)
{
	int n = 0, months, moved, by, bad;

	if (facts_head(f, cached, fetched_at) != 0)
		return -1;
	months = facts_tenure(f, acct, close);
	moved = facts_moved(f, acct, &by);
	head_field(fl, &n, f, HEAD_APOLLO, "apollo");
	head_field(fl, &n, f, HEAD_LEVEL, "seniority_verified");
	head_field(fl, &n, f, HEAD_DEPT, "department_verified");
	bad = ADD_KEY(out, fl, &n, "tenure_months");
	if (months >= 0)
		bad |= add_count(out, (unsigned)months) != BUF_OK;
	else
		bad |= buf_add(out, "null", 4) != BUF_OK;
	end_key(out, fl, &n);
	bad |= ADD_KEY(out, fl, &n, "job_changed");
	bad |= buf_adds(out, moved < 0 ? "null" : moved ? "true" : "false") != BUF_OK;
	end_key(out, fl, &n);
	bad |= ADD_KEY(out, fl, &n, "job_changed_by");
	bad |= moved < 0 ? buf_adds(out, "null") != BUF_OK : add_plain(out, company_by_name(by));
	end_key(out, fl, &n);
	if (moved == 1)
		kept_field(fl, &n, "new_employer", f->employer, 0, EMPLOYER_KEY_LEN, f->employer_len);
	head_field(fl, &n, f, HEAD_STATUS, "enrichment_status");
	head_field(fl, &n, f, HEAD_AT, "enriched_at");
	return bad ? -1 : n;
}

int
apollo_contact_text(buf_t *out, struct apollo_field *f, const char *status,
    apollo_facts_t *facts, const struct apollo_account *acct, date_t close, int cached,
    time_t fetched_at, const char *reason)
{
	int has_data = strcmp(status, "not_found") == 0, n = 0, bad;
	char ts[32];

	if (facts && strcmp(status, "enriched") == 0)
		return enriched_text(out, f, facts, acct, close, cached, fetched_at);
	if (has_data)
		cache_time_format(fetched_at, ts, sizeof ts);
	bad = ADD_KEY(out, f, &n, "apollo") != 0 || buf_adds(out, "{\"status\":") != BUF_OK ||
	    str_or_null(out, status) != 0 ||
	    (cached >= 0 && buf_adds(out, cached ? ",\"cached\":true" : ",\"cached\":false") != 0) ||
	    (has_data && (buf_adds(out, ",\"fetched_at\":") != 0 || add_plain(out, ts))) ||
	    (reason && (buf_adds(out, ",\"reason\":") != 0 || str_or_null(out, reason) != 0)) ||
	    buf_addc(out, '}') != BUF_OK;
	end_key(out, f, &n);
	bad |= ADD_KEY(out, f, &n, "seniority_verified");
	bad |= buf_adds(out, "null") != BUF_OK;
	end_key(out, f, &n);
	bad |= ADD_KEY(out, f, &n, "department_verified");
	bad |= buf_adds(out, "null") != BUF_OK;
	end_key(out, f, &n);
	bad |= ADD_KEY(out, f, &n, "tenure_months");
	bad |= buf_adds(out, "null") != BUF_OK;
	end_key(out, f, &n);
	bad |= ADD_KEY(out, f, &n, "job_changed");
	bad |= buf_adds(out, "null") != BUF_OK;
	end_key(out, f, &n);
	bad |= ADD_KEY(out, f, &n, "job_changed_by");
	bad |= buf_adds(out, "null") != BUF_OK;
	end_key(out, f, &n);
	bad |= ADD_KEY(out, f, &n, "enrichment_status");
	bad |= str_or_null(out, status) != 0;
	end_key(out, f, &n);
	bad |= ADD_KEY(out, f, &n, "enriched_at");
	bad |= has_data ? add_plain(out, ts) : buf_adds(out, "null") != BUF_OK;
	end_key(out, f, &n);
	return bad ? -1 : n;
}

const char *
apollo_size_band(int64_t e)
{
	if (e < 1)
		return NULL;
	if (e <= 10)
		return "1-10";
	if (e <= 50)
		return "11-50";
	if (e <= 200)
		return "51-200";
	if (e <= 500)
		return "201-500";
	if (e <= 1000)
		return "501-1000";
	if (e <= 5000)
		return "1001-5000";
	if (e <= 10000)
		return "5001-10000";
	return "10001+";
}

json_t *
apollo_firmographics(const json_t *org)
{
	json_t *f;
	int64_t emp;
	double d;

	if (!json_is(org, JSON_OBJECT) || (f = json_new_object()) == NULL)
		return NULL;
	if (json_set(f, "industry", json_new_str(nonempty(json_get(org, "industry")))) != 0)
		goto fail;
	if (json_num_int(json_get(org, "estimated_num_employees"), &emp) != 0) {
		if (json_num_double(json_get(org, "estimated_num_employees"), &d) == 0 &&
		    d >= 0 && d < 9e15)
			emp = (int64_t)d;
		else
			emp = -1;
	}
	if (json_set(f, "employees", emp >= 0 ? json_new_int(emp) : json_new_null()) != 0 ||
	    json_set(f, "size_band", json_new_str(apollo_size_band(emp))) != 0 ||
	    json_set(f, "annual_revenue", num_or_null(json_get(org, "annual_revenue"))) != 0 ||
	    json_set(f, "founded_year", num_or_null(json_get(org, "founded_year"))) != 0 ||
	    json_set_str(f, "source", "apollo") != 0)
		goto fail;
	return f;
fail:
	json_free(f);
	return NULL;
}

/* ---- choosing the account's person ---- */

int
apollo_facts_pick(const struct apollo_account *account, const apollo_facts_t *const *f, size_t n)
{
	const char *ad = account->domain, *an = account->name, *pdomain, *oname;
	int first = -1, by_name = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (f[i] == NULL || f[i]->firmo == NULL)
			continue;
		if (first < 0)
			first = (int)i;
		pdomain = f[i]->strs + f[i]->pdomain;
		oname = f[i]->strs + f[i]->org_name_norm;
		if (company_same(pdomain, NULL, ad, NULL, NULL) == 1)
			return (int)i;
		if (by_name < 0 && company_same(NULL, an, NULL, oname, NULL) == 1)
			by_name = (int)i;
	}
	if (by_name >= 0)
		return by_name;
	return *ad == '\0' && *an == '\0' ? first : -1;
}

const char *
apollo_facts_firmographics(const apollo_facts_t *f, size_t *len)
{
	*len = f->firmo_len;
	return f->firmo;
}
