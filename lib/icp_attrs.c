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

/* The member key of obj, or an empty span. */
static jspan_t
get(const char *s, jspan_t obj, const char *key)
{
	jspan_member_t m;
	jspan_t none = { 0, 0 };

	return jspan_get(s, obj, key, &m) ? m.val : none;
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
	snprintf(d->p[d->n].value, sizeof d->p[d->n].value, "%s", value);
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
read_account(const char *s, jspan_t acct, int year, struct icp_deal *d)
{
	jspan_t firmo = get(s, acct, "firmographics"), sig = get(s, acct, "signals"), v, items, it;
	size_t pos = 0;
	double x;

	add_str(d, ICP_INDUSTRY, s, get(s, firmo, "industry"));
	add_str(d, ICP_SIZE, s, get(s, firmo, "size_band"));
	if (num(s, get(s, firmo, "annual_revenue"), &x) && x >= 0)
		add(d, ICP_REVENUE, revenue_band(x));
	if (num(s, get(s, firmo, "founded_year"), &x) && x > 1000 && x <= year)
		add(d, ICP_AGE, age_band(year - x));
	v = get(s, acct, "country");
	if (v.len == 0)
		v = get(s, firmo, "country");
	add_str(d, ICP_COUNTRY, s, v);
	items = get(s, sig, "items");
	while (jspan_elem_next(s, items, &pos, &it))
		add_str(d, ICP_SIGNAL_TYPE, s, get(s, it, "type"));
	if (num(s, get(s, sig, "score"), &x) && x >= -1 && x <= 1)
		add(d, ICP_SIGNAL_SCORE, x < -0.2 ? "risk" : x <= 0.2 ? "neutral" : "buying");
}

static void
read_contacts(const char *s, jspan_t cs, struct icp_deal *d)
{
	size_t pos = 0;
	jspan_t c;
	char role[ICP_VALUE_MAX];
	int champ = 0, dm = 0;
	double t;

	while (jspan_elem_next(s, cs, &pos, &c)) {
		if (jspan_type(s, c) != JSON_OBJECT)
			continue;
		add_str(d, ICP_SENIORITY, s, get(s, c, "seniority_verified"));
		add_str(d, ICP_DEPARTMENT, s, get(s, c, "department_verified"));
		if (!str(s, get(s, c, "buying_role"), role, sizeof role))
			continue;
		add(d, ICP_ROLE, role);
		if (!num(s, get(s, c, "tenure_months"), &t) || t < 0)
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
icp_deal_read(const char *s, jspan_t rec, int year, struct icp_deal *d)
{
	char stage[32];

	d->outcome = -1;
	d->close_date[0] = '\0';
	d->has_amount = 0;
	d->amount = 0;
	d->n = 0;
	if (jspan_type(s, rec) != JSON_OBJECT)
		return;
	if (str(s, get(s, rec, "stage_normalized"), stage, sizeof stage))
		d->outcome = strcmp(stage, "closed_won") == 0 ? 1 :
		    strcmp(stage, "closed_lost") == 0 ? 0 : -1;
	if (!str(s, get(s, rec, "close_date"), d->close_date, sizeof d->close_date) ||
	    strlen(d->close_date) != 10)
		d->close_date[0] = '\0';
	d->has_amount = num(s, get(s, rec, "amount"), &d->amount);
	read_account(s, get(s, rec, "account"), year, d);
	read_contacts(s, get(s, rec, "contacts"), d);
}
