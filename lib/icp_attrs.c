#include "icp_attrs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[ICP_NATTRS] = {
	"account.firmographics.industry", "account.firmographics.size_band",
	"account.firmographics.revenue_band", "account.firmographics.age_band",
	"account.country", "contacts.buying_role", "contacts.seniority", "contacts.department",
	"champion.tenure_band", "decision_maker.tenure_band", "account.signals.type",
	"account.signals.score_band"
};

const char *
icp_attr_name(int attr)
{
	return attr >= 0 && attr < ICP_NATTRS ? names[attr] : NULL;
}

int
icp_attr_parse(const char *name)
{
	int i;

	for (i = 0; name && i < ICP_NATTRS; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

#define MEMBERS_HELD 64

/* Keeps m's value in vals[i] when its key is names[i] and none was kept yet. */
static void
want(const char *s, const jspan_member_t *m, const char *const *names, const size_t *len,
    size_t n, jspan_t *vals, size_t *left)
{
	char buf[64];
	const char *k;
	long kl;
	size_t i;

	if ((kl = jspan_key(s, m->key, buf, sizeof buf, &k)) < 0)
		return;
	for (i = 0; i < n; i++)
		if (vals[i].len == 0 && (size_t)kl == len[i] && memcmp(k, names[i], len[i]) == 0) {
			vals[i] = m->val;
			(*left)--;
			return;
		}
}

/*
 * Finds obj's members named names[0..n) (n at most 8) in one pass: vals[i]
 * for names[i], an empty span when absent. The first member of a name
 * counts, as json_get reads it. ix (may be NULL) is the text's index: the
 * members it holds are read from it without a scan.
 */
static void
members(const char *s, const jspan_index_t *ix, jspan_t obj, const char *const *names,
    size_t n, jspan_t *vals)
{
	jspan_member_t held[MEMBERS_HELD], m;
	size_t pos = 0, i, left = n, len[8], got;

	for (i = 0; i < n; i++) {
		vals[i].off = vals[i].len = 0;
		len[i] = strlen(names[i]);
	}
	got = jspan_members_ix(s, ix, obj, held, MEMBERS_HELD);
	for (i = 0; i < got && i < MEMBERS_HELD && left > 0; i++)
		want(s, &held[i], names, len, n, vals, &left);
	if (got <= MEMBERS_HELD || left == 0)
		return;
	/* More members than held: the rest, walked. */
	for (i = 0; i < MEMBERS_HELD; i++)
		(void)jspan_member_next_ix(s, ix, obj, &pos, &m);
	while (left > 0 && jspan_member_next_ix(s, ix, obj, &pos, &m))
		want(s, &m, names, len, n, vals, &left);
}

/* A string value, trimmed, into buf; 1 when non-blank. Too long: cut at a UTF-8 boundary. */
static int
str(const char *s, jspan_t v, char *buf, size_t cap)
{
	char tmp[1024];
	long n;
	size_t a = 0, b;

	if (jspan_type(s, v) != JSON_STRING || v.len == 0)
		return 0;
	if ((n = jspan_str(s, v, tmp, sizeof tmp)) < 0)
		return 0;
	b = strnlen(tmp, (size_t)n);
	while (a < b && (tmp[a] == ' ' || tmp[a] == '\t' || tmp[a] == '\n' || tmp[a] == '\r'))
		a++;
	while (b > a && (tmp[b - 1] == ' ' || tmp[b - 1] == '\t' || tmp[b - 1] == '\n' ||
	    tmp[b - 1] == '\r'))
		b--;
	if (b == a)
		return 0;
	if (b - a >= cap) {
		b = a + cap - 1;
		while (b > a && ((unsigned char)tmp[b] & 0xc0) == 0x80)
			b--;
	}
	memcpy(buf, tmp + a, b - a);
	buf[b - a] = '\0';
	return 1;
}

/* A number value; 1 when it is one. */
static int
num(const char *s, jspan_t v, double *out)
{
	char tmp[64];
	char *end;

	if (jspan_type(s, v) != JSON_NUMBER || v.len == 0 || v.len >= sizeof tmp)
		return 0;
	memcpy(tmp, s + v.off, v.len);
	tmp[v.len] = '\0';
	*out = strtod(tmp, &end);
	return *end == '\0';
}

static void
add(struct icp_deal *d, int attr, const char *value)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->p[i].attr == attr && strcmp(d->p[i].value, value) == 0)
			return;
	if (d->n == ICP_ATTR_MAX)
		return;
	d->p[d->n].attr = attr;
	/* Values come cut to ICP_VALUE_MAX already (str) or are short literals. */
	memcpy(d->p[d->n].value, value, strlen(value) + 1);
	d->n++;
}

static void
add_str(struct icp_deal *d, int attr, const char *s, jspan_t v)
{
	char buf[ICP_VALUE_MAX];

	if (str(s, v, buf, sizeof buf))
		add(d, attr, buf);
}

static const char *
revenue_band(double r)
{
	return r < 1e6 ? "under $1M" : r < 1e7 ? "$1M-$10M" : r < 5e7 ? "$10M-$50M" :
	    r < 2.5e8 ? "$50M-$250M" : r < 1e9 ? "$250M-$1B" : "$1B+";
}

static const char *
age_band(double years)
{
	return years < 5 ? "under 5 years" : years < 10 ? "5-10 years" :
	    years < 20 ? "10-20 years" : "20+ years";
}

static const char *
tenure_band(double months)
{
	return months < 12 ? "under 1 year" : months < 36 ? "1-3 years" :
	    months < 60 ? "3-5 years" : "5+ years";
}

static void
read_account(const char *s, const jspan_index_t *ix, jspan_t acct, int year, struct icp_deal *d)
{
	static const char *const ak[] = { "firmographics", "signals", "country" };
	static const char *const fk[] = { "industry", "size_band", "annual_revenue", "founded_year",
	    "country" };
	static const char *const sk[] = { "items", "score" };
	static const char *const tk[] = { "type" };
	jspan_t a[3], f[5], sg[2], it, t;
	size_t pos = 0;
	double x;

	members(s, ix, acct, ak, 3, a);
	members(s, ix, a[0], fk, 5, f);
	members(s, ix, a[1], sk, 2, sg);
	add_str(d, ICP_INDUSTRY, s, f[0]);
	add_str(d, ICP_SIZE, s, f[1]);
	if (num(s, f[2], &x) && x >= 0)
		add(d, ICP_REVENUE, revenue_band(x));
	if (num(s, f[3], &x) && x > 1000 && x <= year)
		add(d, ICP_AGE, age_band(year - x));
	add_str(d, ICP_COUNTRY, s, a[2].len ? a[2] : f[4]);
	while (jspan_elem_next_ix(s, ix, sg[0], &pos, &it)) {
		members(s, ix, it, tk, 1, &t);
		add_str(d, ICP_SIGNAL_TYPE, s, t);
	}
	if (num(s, sg[1], &x) && x >= -1 && x <= 1)
		add(d, ICP_SIGNAL_SCORE, x < -0.2 ? "risk" : x <= 0.2 ? "neutral" : "buying");
}

static void
read_contacts(const char *s, const jspan_index_t *ix, jspan_t cs, struct icp_deal *d)
{
	static const char *const ck[] = { "seniority_verified", "department_verified",
	    "buying_role", "tenure_months" };
	size_t pos = 0;
	jspan_t c, v[4];
	char role[ICP_VALUE_MAX];
	int champ = 0, dm = 0;
	double t;

	while (jspan_elem_next_ix(s, ix, cs, &pos, &c)) {
		if (jspan_type(s, c) != JSON_OBJECT)
			continue;
		members(s, ix, c, ck, 4, v);
		add_str(d, ICP_SENIORITY, s, v[0]);
		add_str(d, ICP_DEPARTMENT, s, v[1]);
		if (!str(s, v[2], role, sizeof role))
			continue;
		add(d, ICP_ROLE, role);
		if (!num(s, v[3], &t) || t < 0)
			continue;
		/* The first champion (decision maker) with a known tenure speaks for the deal. */
		if (!champ && strcmp(role, "champion") == 0) {
			add(d, ICP_CHAMPION_TENURE, tenure_band(t));
			champ = 1;
		} else if (!dm && strcmp(role, "decision_maker") == 0) {
			add(d, ICP_DM_TENURE, tenure_band(t));
			dm = 1;
		}
	}
}

void
icp_deal_read(const char *s, const jspan_index_t *ix, jspan_t rec, int year, struct icp_deal *d)
{
	static const char *const rk[] = { "stage_normalized", "close_date", "amount", "account",
	    "contacts" };
	jspan_t v[5];
	char stage[32];

	d->outcome = -1;
	d->close_date[0] = '\0';
	d->has_amount = 0;
	d->amount = 0;
	d->n = 0;
	if (jspan_type(s, rec) != JSON_OBJECT)
		return;
	members(s, ix, rec, rk, 5, v);
	if (str(s, v[0], stage, sizeof stage))
		d->outcome = strcmp(stage, "closed_won") == 0 ? 1 :
		    strcmp(stage, "closed_lost") == 0 ? 0 : -1;
	if (!str(s, v[1], d->close_date, sizeof d->close_date) || strlen(d->close_date) != 10)
		d->close_date[0] = '\0';
	d->has_amount = num(s, v[2], &d->amount);
	read_account(s, ix, v[3], year, d);
	read_contacts(s, ix, v[4], d);
}
