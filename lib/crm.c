/* crm: see crm.h. */
#include "crm.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain.h"

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static void
seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* [*s, *e) trimmed of blanks and of UTF-8 no-break spaces. */
static void
trim_span(const char **s, const char **e)
{
	for (;;) {
		if (*s < *e && is_blank((unsigned char)**s))
			(*s)++;
		else if (*e - *s >= 2 && (unsigned char)(*s)[0] == 0xC2 && (unsigned char)(*s)[1] == 0xA0)
			*s += 2;
		else
			break;
	}
	for (;;) {
		if (*e > *s && is_blank((unsigned char)(*e)[-1]))
			(*e)--;
		else if (*e - *s >= 2 && (unsigned char)(*e)[-2] == 0xC2 && (unsigned char)(*e)[-1] == 0xA0)
			*e -= 2;
		else
			break;
	}
}

static char *
dup_trim(const char *s)
{
	const char *b, *e;
	char *r;

	if (s == NULL)
		return NULL;
	b = s;
	e = s + strlen(s);
	trim_span(&b, &e);
	r = malloc((size_t)(e - b) + 1);
	if (r == NULL)
		return NULL;
	memcpy(r, b, (size_t)(e - b));
	r[e - b] = '\0';
	return r;
}

/* Lowercase, trimmed, runs of blanks as one space: how headers are compared. */
static int
header_norm(const char *s, buf_t *out)
{
	const char *b = s, *e = s + strlen(s);
	int sp = 0;

	buf_reset(out);
	trim_span(&b, &e);
	for (; b < e; b++) {
		unsigned char c = (unsigned char)*b;
		if (is_blank(c)) {
			sp = 1;
			continue;
		}
		if (sp && buf_addc(out, ' ') != BUF_OK)
			return -1;
		sp = 0;
		if (buf_addc(out, (char)(c < 0x80 ? tolower(c) : c)) != BUF_OK)
			return -1;
	}
	return 0;
}

/* Lowercase letters and digits only (other ASCII dropped, UTF-8 kept). */
static int
compact(const char *s, buf_t *out)
{
	buf_reset(out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x80 || isalnum(c))
			if (buf_addc(out, (char)(c < 0x80 ? tolower(c) : c)) != BUF_OK)
				return -1;
	}
	return 0;
}

static int
starts_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static uint64_t
fnv1a(uint64_t h, const char *s)
{
	for (; s && *s; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= 1099511628211ULL;
	}
	return h;
}

/* ------------------------------------------------------------------ */
/* kinds                                                               */

const char *
crm_kind_name(crm_kind k)
{
	switch (k) {
	case CRM_KIND_HUBSPOT_DEALS: return "hubspot-deals";
	case CRM_KIND_HUBSPOT_CONTACTS: return "hubspot-contacts";
	case CRM_KIND_SF_OPPORTUNITIES: return "salesforce-opportunities";
	case CRM_KIND_SF_CONTACT_ROLES: return "salesforce-contact-roles";
	case CRM_KIND_GENERIC_DEALS: return "csv";
	default: return "unknown";
	}
}

int
crm_kind_is_contacts(crm_kind k)
{
	return k == CRM_KIND_HUBSPOT_CONTACTS || k == CRM_KIND_SF_CONTACT_ROLES;
}

const char *
crm_kind_source(crm_kind k)
{
	switch (k) {
	case CRM_KIND_HUBSPOT_DEALS:
	case CRM_KIND_HUBSPOT_CONTACTS:
		return "hubspot";
	case CRM_KIND_SF_OPPORTUNITIES:
	case CRM_KIND_SF_CONTACT_ROLES:
		return "salesforce";
	default:
		return "csv";
	}
}

/* ------------------------------------------------------------------ */
/* values                                                              */

int
crm_parse_bool(const char *s)
{
	static const char *const t[] = { "true", "yes", "y", "t", "1", "x", "checked", "on", NULL };
	static const char *const f[] = { "false", "no", "n", "f", "0", "unchecked", "off", NULL };
	const char *b, *e;
	size_t n;
	int i;

	if (s == NULL)
		return -1;
	b = s;
	e = s + strlen(s);
	trim_span(&b, &e);
	n = (size_t)(e - b);
	if (n == 0)
		return -1;
	for (i = 0; t[i]; i++)
		if (strlen(t[i]) == n && strncasecmp(b, t[i], n) == 0)
			return 1;
	for (i = 0; f[i]; i++)
		if (strlen(f[i]) == n && strncasecmp(b, f[i], n) == 0)
			return 0;
	return -1;
}

struct cur_sym {
	const char *sym;
	const char *code;
};

/* Longest first where one is a prefix of another. */
static const struct cur_sym cur_syms[] = {
	{ "US$", "USD" }, { "CA$", "CAD" }, { "AU$", "AUD" }, { "A$", "AUD" },
	{ "C$", "CAD" }, { "NZ$", "NZD" }, { "R$", "BRL" }, { "HK$", "HKD" },
	{ "S$", "SGD" }, { "$", "USD" }, { "\xc2\xa3", "GBP" }, { "\xe2\x82\xac", "EUR" },
	{ "\xc2\xa5", "JPY" }, { "\xe2\x82\xb9", "INR" }, { "\xe2\x82\xa9", "KRW" },
	{ "CHF", "CHF" }, { NULL, NULL }
};

/* Takes a currency symbol or ISO code at *sp; fills cur. Returns 1 when one was taken. */
static int
take_currency(const char **sp, const char *e, char cur[4])
{
	const char *s = *sp;
	size_t n;

	for (int i = 0; cur_syms[i].sym; i++) {
		n = strlen(cur_syms[i].sym);
		if ((size_t)(e - s) >= n && memcmp(s, cur_syms[i].sym, n) == 0) {
			memcpy(cur, cur_syms[i].code, 4);
			*sp = s + n;
			return 1;
		}
	}
	if (e - s >= 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
	    isupper((unsigned char)s[2]) && (e - s == 3 || !isalpha((unsigned char)s[3]))) {
		cur[0] = s[0], cur[1] = s[1], cur[2] = s[2], cur[3] = '\0';
		*sp = s + 3;
		return 1;
	}
	return 0;
}

/* 1 when the decimal point comes before p: a separator in the fraction. */
static int
infrac_seen(const char *b, const char *p, char dec, const char *lastsep)
{
	(void)b;
	return dec && lastsep && lastsep < p;
}

int
crm_parse_amount(const char *s, buf_t *num, char currency[4])
{
	const char *b, *e, *p, *lastsep = NULL;
	char cur[4] = "", dec = 0;
	char digits[128], frac[64];
	size_t nd = 0, nf = 0, ndot = 0, ncomma = 0, i;
	int neg = 0, infrac = 0;

	currency[0] = '\0';
	buf_reset(num);
	if (s == NULL)
		return 1;
	b = s;
	e = s + strlen(s);
	trim_span(&b, &e);
	if (b == e)
		return 1;
	if (*b == '(' && e[-1] == ')') {
		neg = 1;
		b++, e--;
		trim_span(&b, &e);
	}
	if (b < e && *b == '-') {
		neg = !neg;
		b++;
		trim_span(&b, &e);
	}
	if (take_currency(&b, e, cur))
		trim_span(&b, &e);
	if (b < e && *b == '-') {
		neg = !neg;
		b++;
		trim_span(&b, &e);
	}
	/* a trailing symbol or code: "1.234,56 €", "99 USD" */
	if (cur[0] == '\0') {
		for (p = e; p > b && !isdigit((unsigned char)p[-1]); p--)
			;
		if (p < e) {
			const char *q = p;
			trim_span(&q, &e);
			if (q < e) {
				const char *q0 = q;
				if (!take_currency(&q, e, cur) || q != e)
					return CRM_BAD;
				(void)q0;
			}
			e = p;
			trim_span(&b, &e);
		}
	}
	if (b == e || !isdigit((unsigned char)*b)) {
		if (!(b < e && *b == '.' && e - b > 1))
			return CRM_BAD;
	}
	/* which separator is the decimal point */
	for (p = b; p < e; p++) {
		if (*p == '.')
			ndot++, lastsep = p;
		else if (*p == ',')
			ncomma++, lastsep = p;
		else if (isdigit((unsigned char)*p) || *p == ' ' || *p == '\'')
			continue;
		else if ((unsigned char)*p == 0xC2 && p + 1 < e && (unsigned char)p[1] == 0xA0)
			p++;
		else if ((unsigned char)*p == 0xE2 && p + 2 < e && (unsigned char)p[1] == 0x80 &&
		    (unsigned char)p[2] == 0xAF)
			p += 2;   /* narrow no-break space */
		else
			return CRM_BAD;
	}
	if (lastsep) {
		size_t after = 0;
		for (p = lastsep + 1; p < e && isdigit((unsigned char)*p); p++)
			after++;
		size_t lead = 0;
		for (p = b; p < e && isdigit((unsigned char)*p); p++)
			lead++;
		if (ndot && ncomma)
			dec = *lastsep;
		else if ((ndot == 1 || ncomma == 1) && ndot + ncomma == 1 &&
		    !(after == 3 && lead >= 1 && lead <= 3 && *b != '0'))
			dec = *lastsep;
		/* otherwise every separator groups thousands: "1,500", "99.000",
		 * "1.234.567" (a lone separator before three digits is read as a
		 * thousands separator, "1.500" as 1500) */
	}
	/* a separator that groups thousands has three digits after it */
	for (p = b; p < e; p++) {
		int grouping = (*p == '.' || *p == ',' || *p == ' ' || *p == '\'') &&
		    !(dec && *p == dec && p == lastsep);
		if (!grouping)
			continue;
		if (infrac_seen(b, p, dec, lastsep))
			return CRM_BAD;
		size_t k = 0;
		const char *q = p + 1;
		while (q < e && isdigit((unsigned char)*q))
			q++, k++;
		if (k != 3 || p == b)
			return CRM_BAD;
	}
	for (p = b; p < e; p++) {
		if (isdigit((unsigned char)*p)) {
			if (infrac) {
				if (nf + 1 >= sizeof frac)
					return CRM_BAD;
				frac[nf++] = *p;
			} else {
				if (nd + 1 >= sizeof digits)
					return CRM_BAD;
				if (nd == 0 && *p == '0')
					continue;   /* leading zeros */
				digits[nd++] = *p;
			}
		} else if (dec && *p == dec && p == lastsep) {
			infrac = 1;
		} else if (*p == dec && p != lastsep) {
			return CRM_BAD;   /* "1.2.3" with '.' as the decimal point */
		}
	}
	while (nf > 0 && frac[nf - 1] == '0')
		nf--;
	if (nd == 0 && nf == 0)
		neg = 0;
	if ((neg && buf_addc(num, '-') != BUF_OK) ||
	    (nd == 0 && buf_addc(num, '0') != BUF_OK) ||
	    buf_add(num, digits, nd) != BUF_OK ||
	    (nf && (buf_addc(num, '.') != BUF_OK || buf_add(num, frac, nf) != BUF_OK)))
		return CRM_ENOMEM;
	for (i = 0; i < 4; i++)
		currency[i] = cur[i];
	return 0;
}

int
crm_parse_date(const char *s, enum date_order order, date_t *out)
{
	const char *b, *e;
	size_t n, i;

	if (s == NULL)
		return -1;
	b = s;
	e = s + strlen(s);
	trim_span(&b, &e);
	n = (size_t)(e - b);
	if (n == 10 || n == 13) {
		for (i = 0; i < n && isdigit((unsigned char)b[i]); i++)
			;
		if (i == n) {
			long long v = strtoll(b, NULL, 10);
			if (n == 13)
				v /= 1000;
			*out = date_from_time((time_t)v);
			return date_valid(*out) ? 0 : -1;
		}
	}
	return date_parse_crm(s, order, out);
}

int
crm_snake_case(const char *s, buf_t *out)
{
	int camel = 1, sep = 0, rc;
	unsigned char prev = 0;

	buf_reset(out);
	for (const char *p = s; p && *p; p++)
		if (!isalnum((unsigned char)*p) && (unsigned char)*p < 0x80)
			camel = 0;
	for (const char *p = s; p && *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x80 || isalnum(c)) {
			if (camel && isupper(c) && (islower(prev) || isdigit(prev)))
				sep = 1;
			if (sep && buf_len(out) > 0 && (rc = buf_addc(out, '_')) != BUF_OK)
				return rc;
			sep = 0;
			if ((rc = buf_addc(out, (char)(c < 0x80 ? tolower(c) : c))) != BUF_OK)
				return rc;
		} else {
			sep = 1;
		}
		prev = c;
	}
	if (buf_len(out) == 0)
		return buf_adds(out, "field");
	return BUF_OK;
}

/* ------------------------------------------------------------------ */
/* stages                                                              */

struct stage_ent {
	char *key;          /* compacted */
	const char *norm;
};

struct crm_stage_map {
	struct stage_ent *v;
	size_t n, a;
};

crm_stage_map_t *
crm_stage_map_new(void)
{
	return calloc(1, sizeof(crm_stage_map_t));
}

void
crm_stage_map_free(crm_stage_map_t *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].key);
	free(m->v);
	free(m);
}

size_t
crm_stage_map_size(const crm_stage_map_t *m)
{
	return m ? m->n : 0;
}

static const char *
norm_value(const char *v)
{
	buf_t b;
	const char *r = NULL;

	buf_init(&b, 256);
	if (compact(v, &b) != 0) {
		buf_free(&b);
		return NULL;
	}
	if (!strcmp(buf_ptr(&b), "closedwon") || !strcmp(buf_ptr(&b), "won"))
		r = "closed_won";
	else if (!strcmp(buf_ptr(&b), "closedlost") || !strcmp(buf_ptr(&b), "lost"))
		r = "closed_lost";
	else if (!strcmp(buf_ptr(&b), "open"))
		r = "open";
	buf_free(&b);
	return r;
}

int
crm_stage_map_add(crm_stage_map_t *m, const char *stage, const char *norm,
    char *err, size_t errlen)
{
	const char *nv = norm_value(norm);
	buf_t b;
	size_t i;

	if (nv == NULL) {
		seterr(err, errlen, "'%s' is not closed_won, closed_lost or open", norm ? norm : "");
		return CRM_BAD;
	}
	buf_init(&b, 4096);
	if (compact(stage, &b) != 0) {
		buf_free(&b);
		seterr(err, errlen, "stage name too long");
		return CRM_BAD;
	}
	if (buf_len(&b) == 0) {
		buf_free(&b);
		seterr(err, errlen, "empty stage name");
		return CRM_BAD;
	}
	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, buf_ptr(&b)) == 0) {
			m->v[i].norm = nv;
			buf_free(&b);
			return 0;
		}
	if (m->n == m->a) {
		size_t na = m->a ? m->a * 2 : 16;
		struct stage_ent *nvv = realloc(m->v, na * sizeof *nvv);
		if (nvv == NULL) {
			buf_free(&b);
			return CRM_ENOMEM;
		}
		m->v = nvv;
		m->a = na;
	}
	m->v[m->n].key = buf_detach(&b, NULL);
	if (m->v[m->n].key == NULL)
		return CRM_ENOMEM;
	m->v[m->n].norm = nv;
	m->n++;
	return 0;
}

/* One "stage = value" entry; line is for messages (0: none). */
static int
map_entry(crm_stage_map_t *m, char *s, unsigned long line, char *err, size_t errlen)
{
	char *p, *k, *v, why[200];
	int rc;

	if ((p = strchr(s, '#')) != NULL && (p == s || is_blank((unsigned char)p[-1])))
		*p = '\0';
	k = s;
	while (is_blank((unsigned char)*k))
		k++;
	if (*k == '\0')
		return 0;
	/* the value is after the last '=', ':', ',' or tab */
	p = NULL;
	for (char *q = k; *q; q++)
		if (*q == '=' || *q == ':' || *q == ',' || *q == '\t')
			p = q;
	if (p == NULL) {
		if (line)
			seterr(err, errlen, "line %lu: expected \"stage = closed_won|closed_lost|open\"", line);
		else
			seterr(err, errlen, "'%s': expected \"stage = closed_won|closed_lost|open\"", k);
		return CRM_BAD;
	}
	*p = '\0';
	v = p + 1;
	while (is_blank((unsigned char)*v))
		v++;
	for (char *e = v + strlen(v); e > v && is_blank((unsigned char)e[-1]); )
		*--e = '\0';
	if ((rc = crm_stage_map_add(m, k, v, why, sizeof why)) != 0) {
		if (rc == CRM_BAD) {
			if (line)
				seterr(err, errlen, "line %lu: %s", line, why);
			else
				seterr(err, errlen, "%s", why);
		}
		return rc;
	}
	return 0;
}

int
crm_stage_map_load(crm_stage_map_t *m, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long no = 0;
	int rc = 0;

	if (f == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return CRM_BAD;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		no++;
		if (no == 1 && n >= 3 && (unsigned char)line[0] == 0xEF &&
		    (unsigned char)line[1] == 0xBB && (unsigned char)line[2] == 0xBF)
			memmove(line, line + 3, (size_t)n - 2);
		if ((rc = map_entry(m, line, no, err, errlen)) != 0)
			break;
	}
	if (rc == 0 && ferror(f)) {
		seterr(err, errlen, "%s: read error", path);
		rc = CRM_BAD;
	} else if (rc == CRM_BAD) {
		char tmp[300];
		snprintf(tmp, sizeof tmp, "%s", err);
		seterr(err, errlen, "%s: %s", path, tmp);
	}
	free(line);
	fclose(f);
	return rc;
}

int
crm_stage_map_parse(crm_stage_map_t *m, const char *text, char *err, size_t errlen)
{
	char *copy, *s, *save = NULL;
	int rc = 0;

	if (text == NULL)
		return 0;
	if ((copy = strdup(text)) == NULL)
		return CRM_ENOMEM;
	for (s = strtok_r(copy, ";\n", &save); s; s = strtok_r(NULL, ";\n", &save))
		if ((rc = map_entry(m, s, 0, err, errlen)) != 0)
			break;
	free(copy);
	return rc;
}

static const char *const open_stages[] = {
	"appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
	"decisionmakerboughtin", "contractsent", "prospecting", "qualification",
	"needsanalysis", "valueproposition", "iddecisionmakers", "perceptionanalysis",
	"proposalpricequote", "negotiationreview", "open", "new", "discovery", "demo",
	"demoscheduled", "proposal", "proposalsent", "negotiation", "pending", "lead",
	"qualified", "inprogress", "evaluation", "trial", "pilot", "commit", "bestcase",
	"pipeline", "upside", "omitted", NULL
};

/* 1 when word (lowercase) is one of s's words. */
static int
has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = s; *p;) {
		while (*p && !isalnum((unsigned char)*p))
			p++;
		const char *w = p;
		while (*p && isalnum((unsigned char)*p))
			p++;
		if ((size_t)(p - w) == n && strncasecmp(w, word, n) == 0)
			return 1;
	}
	return 0;
}

const char *
crm_stage_normalize(const crm_stage_map_t *m, const char *stage, int is_won,
    int is_closed, int is_lost, int *known)
{
	char cbuf[256];
	size_t n = 0;
	int k = 1;
	const char *r = NULL;

	if (known == NULL)
		known = &k;
	*known = 1;
	cbuf[0] = '\0';
	for (const char *p = stage; p && *p && n + 1 < sizeof cbuf; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x80 || isalnum(c))
			cbuf[n++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	cbuf[n] = '\0';
	if (m && n)
		for (size_t i = 0; i < m->n; i++)
			if (strcmp(m->v[i].key, cbuf) == 0)
				return m->v[i].norm;
	if (is_won == 1)
		return "closed_won";
	if (is_lost == 1)
		return "closed_lost";
	if (is_closed == 0)
		return "open";
	if (n) {
		if (!strncmp(cbuf, "closedwon", 9) || has_word(stage, "won") || has_word(stage, "closedwon"))
			r = "closed_won";
		else if (!strncmp(cbuf, "closedlost", 10) || has_word(stage, "lost") ||
		    has_word(stage, "closedlost"))
			r = "closed_lost";
		else if (has_word(stage, "closed") && strncmp(cbuf, "closed", 6) == 0)
			r = "closed_lost";
	}
	if (is_closed == 1)
		return r ? r : "closed_lost";
	if (is_won == 0 && r && !strcmp(r, "closed_won"))
		r = NULL;   /* the Won column says no: trust it over the label */
	if (r)
		return r;
	if (n) {
		for (int i = 0; open_stages[i]; i++)
			if (strcmp(cbuf, open_stages[i]) == 0)
				return "open";
	}
	*known = 0;
	return "open";
}

/* ------------------------------------------------------------------ */
/* headers                                                             */

enum fld {
	F_DEAL_ID, F_DEAL_NAME, F_STAGE, F_STAGE_NORM, F_CLOSE_DATE, F_AMOUNT,
	F_CURRENCY, F_IS_WON, F_IS_CLOSED, F_IS_LOST, F_OWNER, F_SOURCE,
	F_WORKSPACE, F_ACCOUNT_ID, F_ACCOUNT_NAME, F_DOMAIN, F_CONTACT_IDS,
	F_CONTACT_NAMES, F_C_ID, F_C_EMAIL, F_C_FIRST, F_C_LAST, F_C_NAME,
	F_C_TITLE, F_C_ROLE, F_DEAL_IDS,
	F_COUNT
};

enum {
	H_HS = 1,      /* a HubSpot export header */
	H_SF = 2,      /* a Salesforce report header */
	H_GEN = 4,     /* a canonical name */
	H_API = 8,     /* an API property name (HubSpot or Salesforce) */
	H_JSON = 16    /* only in NDJSON rows ("id", "name": too vague for CSV) */
};

struct alias {
	const char *name;   /* as header_norm() gives it */
	int f;
	int hint;
};

/* In priority order within a field. */
static const struct alias aliases[] = {
	{ "record id", F_DEAL_ID, H_HS },
	{ "deal id", F_DEAL_ID, H_HS },
	{ "opportunity id", F_DEAL_ID, H_SF },
	{ "opportunity: opportunity id", F_DEAL_ID, H_SF },
	{ "deal_id", F_DEAL_ID, H_GEN },
	{ "hs_object_id", F_DEAL_ID, H_API | H_HS },
	{ "id", F_DEAL_ID, H_API | H_JSON },

	{ "deal name", F_DEAL_NAME, H_HS },
	{ "opportunity name", F_DEAL_NAME, H_SF },
	{ "deal_name", F_DEAL_NAME, H_GEN },
	{ "dealname", F_DEAL_NAME, H_API | H_HS },
	{ "name", F_DEAL_NAME, H_API | H_JSON },

	{ "deal stage", F_STAGE, H_HS },
	{ "stage", F_STAGE, H_SF | H_GEN },
	{ "dealstage", F_STAGE, H_API | H_HS },
	{ "stagename", F_STAGE, H_API | H_SF },
	{ "stage name", F_STAGE, H_SF },

	{ "stage_normalized", F_STAGE_NORM, H_GEN },

	{ "close date", F_CLOSE_DATE, H_HS | H_SF },
	{ "close_date", F_CLOSE_DATE, H_GEN },
	{ "closedate", F_CLOSE_DATE, H_API },

	{ "amount", F_AMOUNT, H_HS | H_SF | H_GEN },
	{ "total amount", F_AMOUNT, H_SF },

	{ "amount currency", F_CURRENCY, H_SF },
	{ "total amount currency", F_CURRENCY, H_SF },
	{ "currency", F_CURRENCY, H_HS | H_SF | H_GEN },
	{ "deal currency code", F_CURRENCY, H_HS },
	{ "deal_currency_code", F_CURRENCY, H_API },
	{ "currencyisocode", F_CURRENCY, H_API | H_SF },
	{ "opportunity currency", F_CURRENCY, H_SF },

	{ "is closed won", F_IS_WON, H_HS },
	{ "won", F_IS_WON, H_SF },
	{ "is_won", F_IS_WON, H_GEN },
	{ "hs_is_closed_won", F_IS_WON, H_API | H_HS },
	{ "iswon", F_IS_WON, H_API | H_SF },

	{ "is closed", F_IS_CLOSED, H_HS },
	{ "closed", F_IS_CLOSED, H_SF },
	{ "is_closed", F_IS_CLOSED, H_GEN },
	{ "hs_is_closed", F_IS_CLOSED, H_API | H_HS },
	{ "isclosed", F_IS_CLOSED, H_API | H_SF },

	{ "is closed lost", F_IS_LOST, H_HS },
	{ "is_lost", F_IS_LOST, H_GEN },
	{ "hs_is_closed_lost", F_IS_LOST, H_API | H_HS },

	{ "deal owner", F_OWNER, H_HS },
	{ "opportunity owner", F_OWNER, H_SF },
	{ "owner", F_OWNER, H_GEN },
	{ "owner name", F_OWNER, H_SF },
	{ "owner.name", F_OWNER, H_API | H_SF },
	{ "hubspot_owner_id", F_OWNER, H_API | H_HS },

	{ "source", F_SOURCE, H_GEN },
	{ "workspace_id", F_WORKSPACE, H_GEN },

	{ "associated company ids (primary)", F_ACCOUNT_ID, H_HS },
	{ "associated company id (primary)", F_ACCOUNT_ID, H_HS },
	{ "associated company ids", F_ACCOUNT_ID, H_HS },
	{ "associated company id", F_ACCOUNT_ID, H_HS },
	{ "account id", F_ACCOUNT_ID, H_SF },
	{ "account_id", F_ACCOUNT_ID, H_GEN },
	{ "accountid", F_ACCOUNT_ID, H_API | H_SF },

	{ "associated company (primary)", F_ACCOUNT_NAME, H_HS },
	{ "associated company", F_ACCOUNT_NAME, H_HS },
	{ "account name", F_ACCOUNT_NAME, H_SF },
	{ "company name", F_ACCOUNT_NAME, H_HS },
	{ "company", F_ACCOUNT_NAME, H_HS },
	{ "account_name", F_ACCOUNT_NAME, H_GEN },
	{ "account.name", F_ACCOUNT_NAME, H_API | H_SF },

	{ "company domain name", F_DOMAIN, H_HS },
	{ "company domain", F_DOMAIN, H_HS },
	{ "domain", F_DOMAIN, H_HS | H_SF },
	{ "account_domain", F_DOMAIN, H_GEN },
	{ "website", F_DOMAIN, H_HS | H_SF },
	{ "account website", F_DOMAIN, H_SF },
	{ "company website", F_DOMAIN, H_HS },
	{ "account.website", F_DOMAIN, H_API | H_SF },

	{ "associated contact ids", F_CONTACT_IDS, H_HS },
	{ "associated contact id", F_CONTACT_IDS, H_HS },
	{ "contact_ids", F_CONTACT_IDS, H_GEN },

	{ "associated contact", F_CONTACT_NAMES, H_HS },
	{ "associated contacts", F_CONTACT_NAMES, H_HS },

	{ "contact id", F_C_ID, H_SF },
	{ "contact: contact id", F_C_ID, H_SF },
	{ "contact_id", F_C_ID, H_GEN },

	{ "email", F_C_EMAIL, H_HS | H_SF },
	{ "contact: email", F_C_EMAIL, H_SF },
	{ "contact email", F_C_EMAIL, H_SF },
	{ "email address", F_C_EMAIL, H_HS },
	{ "contact_email", F_C_EMAIL, H_GEN },

	{ "first name", F_C_FIRST, H_HS | H_SF },
	{ "contact: first name", F_C_FIRST, H_SF },
	{ "firstname", F_C_FIRST, H_API },
	{ "first_name", F_C_FIRST, H_GEN },

	{ "last name", F_C_LAST, H_HS | H_SF },
	{ "contact: last name", F_C_LAST, H_SF },
	{ "lastname", F_C_LAST, H_API },
	{ "last_name", F_C_LAST, H_GEN },

	{ "contact name", F_C_NAME, H_SF },
	{ "full name", F_C_NAME, H_SF },
	{ "contact: full name", F_C_NAME, H_SF },
	{ "contact_name", F_C_NAME, H_GEN },

	{ "job title", F_C_TITLE, H_HS },
	{ "title", F_C_TITLE, H_SF },
	{ "contact: title", F_C_TITLE, H_SF },
	{ "contact title", F_C_TITLE, H_SF },
	{ "jobtitle", F_C_TITLE, H_API },
	{ "contact_title", F_C_TITLE, H_GEN },

	{ "buying role", F_C_ROLE, H_HS },
	{ "contact role", F_C_ROLE, H_SF },
	{ "role", F_C_ROLE, H_SF },
	{ "opportunity contact role", F_C_ROLE, H_SF },
	{ "hs_buying_role", F_C_ROLE, H_API },
	{ "crm_role", F_C_ROLE, H_GEN },

	{ "associated deal ids", F_DEAL_IDS, H_HS },
	{ "associated deal id", F_DEAL_IDS, H_HS },
	{ "deal_ids", F_DEAL_IDS, H_GEN },

	{ NULL, 0, 0 }
};

/* The alias index of a normalized header, or -1. */
static int
alias_find(const char *norm, int json)
{
	for (int i = 0; aliases[i].name; i++)
		if (strcmp(aliases[i].name, norm) == 0) {
			if ((aliases[i].hint & H_JSON) && !json)
				return -1;
			return i;
		}
	return -1;
}

struct custom_col {
	size_t idx;
	char *key;
};

struct crm_table {
	crm_kind kind;
	size_t width;
	int col[F_COUNT];
	struct custom_col *custom;
	size_t ncustom;
};

void
crm_table_free(crm_table_t *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->ncustom; i++)
		free(t->custom[i].key);
	free(t->custom);
	free(t);
}

crm_kind crm_table_kind(const crm_table_t *t) { return t->kind; }
size_t crm_table_width(const crm_table_t *t) { return t->width; }

/*
 * Maps columns to fields (best alias per field). col[] gets the winners,
 * aidx[] (n entries, may be NULL) each column's alias or -1, and hints the OR
 * of H_HS/H_SF/H_GEN votes.
 */
static int
map_columns(char *const *hdr, size_t n, int json, int col[F_COUNT], int *aidx,
    int votes[3])
{
	int best[F_COUNT];
	buf_t b;

	buf_init(&b, 1 << 16);
	for (int f = 0; f < F_COUNT; f++)
		col[f] = -1, best[f] = 1 << 30;
	votes[0] = votes[1] = votes[2] = 0;
	for (size_t i = 0; i < n; i++) {
		int a = -1;
		if (aidx)
			aidx[i] = -1;
		if (hdr[i] == NULL || header_norm(hdr[i], &b) != 0)
			continue;
		a = alias_find(buf_ptr(&b), json);
		if (a < 0)
			continue;
		if (aidx)
			aidx[i] = a;
		if (aliases[a].hint & H_HS)
			votes[0]++;
		if (aliases[a].hint & H_SF)
			votes[1]++;
		if (aliases[a].hint & H_GEN)
			votes[2]++;
		if (a < best[aliases[a].f]) {
			best[aliases[a].f] = a;
			col[aliases[a].f] = (int)i;
		}
	}
	buf_free(&b);
	return 0;
}

static int
has_header(char *const *hdr, size_t n, const char *name)
{
	buf_t b;
	int r = 0;

	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < n && !r; i++)
		if (hdr[i] && header_norm(hdr[i], &b) == 0 && strcmp(buf_ptr(&b), name) == 0)
			r = 1;
	buf_free(&b);
	return r;
}

static crm_kind
detect_cols(char *const *hdr, size_t n, const int col[F_COUNT], const int votes[3])
{
	int deal = col[F_STAGE] >= 0 || col[F_IS_WON] >= 0 || col[F_IS_CLOSED] >= 0 ||
	    col[F_STAGE_NORM] >= 0;
	int contact = col[F_C_EMAIL] >= 0 || col[F_C_FIRST] >= 0 || col[F_C_LAST] >= 0 ||
	    col[F_C_NAME] >= 0 || col[F_C_TITLE] >= 0 || col[F_C_ROLE] >= 0;

	if (deal) {
		if (has_header(hdr, n, "deal stage") || has_header(hdr, n, "deal name") ||
		    has_header(hdr, n, "dealstage"))
			return CRM_KIND_HUBSPOT_DEALS;
		if (has_header(hdr, n, "opportunity name") || has_header(hdr, n, "opportunity id") ||
		    has_header(hdr, n, "opportunity owner") || has_header(hdr, n, "stagename"))
			return CRM_KIND_SF_OPPORTUNITIES;
		if (votes[2] >= votes[0] && votes[2] >= votes[1])
			return CRM_KIND_GENERIC_DEALS;
		return votes[1] > votes[0] ? CRM_KIND_SF_OPPORTUNITIES : CRM_KIND_HUBSPOT_DEALS;
	}
	if (contact) {
		if (has_header(hdr, n, "opportunity id") || has_header(hdr, n, "opportunity name"))
			return CRM_KIND_SF_CONTACT_ROLES;
		if (col[F_DEAL_IDS] >= 0 || has_header(hdr, n, "record id"))
			return CRM_KIND_HUBSPOT_CONTACTS;
		if (col[F_DEAL_ID] >= 0 || col[F_DEAL_NAME] >= 0)
			return CRM_KIND_SF_CONTACT_ROLES;
	}
	return CRM_KIND_UNKNOWN;
}

crm_kind
crm_detect(char *const *hdr, size_t n)
{
	int col[F_COUNT], votes[3];

	map_columns(hdr, n, 0, col, NULL, votes);
	return detect_cols(hdr, n, col, votes);
}

/* A custom_fields key for header h, unique among the table's. */
static char *
custom_key(const crm_table_t *t, const char *h)
{
	buf_t b;
	char *base;

	buf_init(&b, 1 << 16);
	if (crm_snake_case(h, &b) != BUF_OK) {
		buf_free(&b);
		return NULL;
	}
	if ((base = buf_detach(&b, NULL)) == NULL)
		return NULL;
	for (int k = 2;; k++) {
		int clash = 0;
		for (size_t i = 0; i < t->ncustom && !clash; i++)
			if (strcmp(t->custom[i].key, base) == 0)
				clash = 1;
		if (!clash)
			return base;
		/* base_2, base_3, ... */
		size_t bl = strlen(base);
		char *nb = malloc(bl + 24);
		if (nb == NULL) {
			free(base);
			return NULL;
		}
		if (k == 2)
			snprintf(nb, bl + 24, "%s_%d", base, k);
		else {
			char *us = strrchr(base, '_');
			snprintf(nb, bl + 24, "%.*s_%d", (int)(us ? us - base : (ptrdiff_t)bl), base, k);
		}
		free(base);
		base = nb;
	}
}

static int
table_build(crm_kind kind, char *const *hdr, size_t n, int json, crm_table_t **out,
    char *err, size_t errlen)
{
	crm_table_t *t;
	int votes[3], *aidx;

	*out = NULL;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return CRM_ENOMEM;
	if ((aidx = calloc(n ? n : 1, sizeof *aidx)) == NULL) {
		free(t);
		return CRM_ENOMEM;
	}
	t->width = n;
	map_columns(hdr, n, json, t->col, aidx, votes);
	if (kind == CRM_KIND_UNKNOWN)
		kind = detect_cols(hdr, n, t->col, votes);
	t->kind = kind;
	if (kind == CRM_KIND_UNKNOWN) {
		seterr(err, errlen, "cannot tell what export this is from its header (expected a "
		    "HubSpot deals or contacts export, a Salesforce opportunity or contact role "
		    "report, or columns named deal_id, stage, close_date...)");
		free(aidx);
		crm_table_free(t);
		return CRM_BAD;
	}
	if (kind == CRM_KIND_HUBSPOT_CONTACTS && t->col[F_C_ID] < 0 && t->col[F_DEAL_ID] >= 0 &&
	    has_header(hdr, n, "record id")) {
		/* a contacts export's Record ID is the contact's */
		t->col[F_C_ID] = t->col[F_DEAL_ID];
		t->col[F_DEAL_ID] = -1;
	}
	if (crm_kind_is_contacts(kind)) {
		if (kind == CRM_KIND_HUBSPOT_CONTACTS && t->col[F_DEAL_IDS] < 0 && t->col[F_C_ID] < 0) {
			seterr(err, errlen, "a contacts export needs a Record ID or an "
			    "Associated Deal IDs column to be joined to deals");
			free(aidx);
			crm_table_free(t);
			return CRM_BAD;
		}
	} else if (t->col[F_DEAL_ID] < 0 && t->col[F_DEAL_NAME] < 0) {
		seterr(err, errlen, "no column to read a deal ID or name from (Record ID, "
		    "Opportunity ID, Deal Name, Opportunity Name, deal_id)");
		free(aidx);
		crm_table_free(t);
		return CRM_BAD;
	}
	if (!crm_kind_is_contacts(kind)) {
		if ((t->custom = calloc(n ? n : 1, sizeof *t->custom)) == NULL) {
			free(aidx);
			crm_table_free(t);
			return CRM_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			int used = 0;
			for (int f = 0; f < F_COUNT; f++)
				if (t->col[f] == (int)i)
					used = 1;
			if (used || hdr[i] == NULL)
				continue;
			/* association columns that lost to a better one are not custom data */
			if (aidx[i] >= 0 && (aliases[aidx[i]].f == F_ACCOUNT_ID ||
			    aliases[aidx[i]].f == F_ACCOUNT_NAME || aliases[aidx[i]].f == F_CONTACT_IDS ||
			    aliases[aidx[i]].f == F_CONTACT_NAMES))
				continue;
			{
				const char *b = hdr[i], *e = hdr[i] + strlen(hdr[i]);
				trim_span(&b, &e);
				if (b == e)
					continue;   /* a column without a name */
			}
			t->custom[t->ncustom].idx = i;
			if ((t->custom[t->ncustom].key = custom_key(t, hdr[i])) == NULL) {
				free(aidx);
				crm_table_free(t);
				return CRM_ENOMEM;
			}
			t->ncustom++;
		}
	}
	free(aidx);
	*out = t;
	return CRM_OK;
}

int
crm_table_new(crm_kind kind, char *const *hdr, size_t n, crm_table_t **out,
    char *err, size_t errlen)
{
	return table_build(kind, hdr, n, 0, out, err, errlen);
}

/* ------------------------------------------------------------------ */
/* a small string -> json hash map                                     */

struct hent {
	char *key;
	json_t *val;
	struct hent *next;
};

struct hmap {
	struct hent **b;
	size_t nb, n;
};

static uint64_t
hstr(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static json_t *
hmap_get(const struct hmap *m, const char *k)
{
	if (m->nb == 0)
		return NULL;
	for (struct hent *e = m->b[hstr(k) % m->nb]; e; e = e->next)
		if (strcmp(e->key, k) == 0)
			return e->val;
	return NULL;
}

/* Inserts (owned taken over, also on failure). Returns 0 or CRM_ENOMEM. */
static int
hmap_put(struct hmap *m, const char *k, json_t *owned)
{
	struct hent *e;
	size_t i;

	if (owned == NULL)
		return CRM_ENOMEM;
	if (m->n >= m->nb) {
		size_t nb = m->nb ? m->nb * 2 : 64;
		struct hent **b = calloc(nb, sizeof *b);
		if (b == NULL) {
			json_free(owned);
			return CRM_ENOMEM;
		}
		for (i = 0; i < m->nb; i++)
			while (m->b[i]) {
				e = m->b[i];
				m->b[i] = e->next;
				e->next = b[hstr(e->key) % nb];
				b[hstr(e->key) % nb] = e;
			}
		free(m->b);
		m->b = b;
		m->nb = nb;
	}
	i = hstr(k) % m->nb;
	for (e = m->b[i]; e; e = e->next)
		if (strcmp(e->key, k) == 0) {
			json_free(e->val);
			e->val = owned;
			return 0;
		}
	if ((e = malloc(sizeof *e)) == NULL || (e->key = strdup(k)) == NULL) {
		free(e);
		json_free(owned);
		return CRM_ENOMEM;
	}
	e->val = owned;
	e->next = m->b[i];
	m->b[i] = e;
	m->n++;
	return 0;
}

static void
hmap_free(struct hmap *m)
{
	for (size_t i = 0; i < m->nb; i++)
		while (m->b[i]) {
			struct hent *e = m->b[i];
			m->b[i] = e->next;
			free(e->key);
			json_free(e->val);
			free(e);
		}
	free(m->b);
}

/* ------------------------------------------------------------------ */
/* the context                                                         */

#define MAX_UNKNOWN_STAGES 32

struct crm_ctx {
	crm_opts_t o;
	char *workspace, *currency;
	char *flat_sig;             /* the keys of the last flat NDJSON row ... */
	crm_table_t *flat_table;    /* ... and their mapping */
	struct hmap by_id;      /* contact id -> contact */
	struct hmap by_deal;    /* "d:<deal id>" or "n:<deal name>" -> [contacts] */
	size_t ncontacts;
	unsigned long stageless;
	char *unknown[MAX_UNKNOWN_STAGES];
	unsigned long unknown_n[MAX_UNKNOWN_STAGES];
	size_t nunknown;
};

crm_ctx_t *
crm_ctx_new(const crm_opts_t *o)
{
	crm_ctx_t *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	if (o)
		c->o = *o;
	c->workspace = strdup(o && o->workspace ? o->workspace : "default");
	if (c->workspace == NULL) {
		free(c);
		return NULL;
	}
	c->o.workspace = c->workspace;
	if (o && o->currency && (c->currency = strdup(o->currency)) == NULL) {
		free(c->workspace);
		free(c);
		return NULL;
	}
	c->o.currency = c->currency;
	return c;
}

void
crm_ctx_free(crm_ctx_t *c)
{
	if (c == NULL)
		return;
	hmap_free(&c->by_id);
	hmap_free(&c->by_deal);
	for (size_t i = 0; i < c->nunknown; i++)
		free(c->unknown[i]);
	free(c->workspace);
	free(c->currency);
	free(c->flat_sig);
	crm_table_free(c->flat_table);
	free(c);
}

size_t crm_ctx_contacts(const crm_ctx_t *c) { return c->ncontacts; }
unsigned long crm_ctx_stageless(const crm_ctx_t *c) { return c->stageless; }

const char *
crm_ctx_unknown_stage(const crm_ctx_t *c, size_t i, unsigned long *count)
{
	if (i >= c->nunknown)
		return NULL;
	if (count)
		*count = c->unknown_n[i];
	return c->unknown[i];
}

static void
note_unknown_stage(crm_ctx_t *c, const char *stage)
{
	size_t i;

	for (i = 0; i < c->nunknown; i++)
		if (strcmp(c->unknown[i], stage) == 0) {
			c->unknown_n[i]++;
			return;
		}
	if (c->nunknown < MAX_UNKNOWN_STAGES && (c->unknown[c->nunknown] = strdup(stage)) != NULL)
		c->unknown_n[c->nunknown++] = 1;
}

/* The stage_normalized of a deal; notes labels read as open by guess. */
static const char *
stage_of(crm_ctx_t *c, const char *stage, int won, int closed, int lost, int *none)
{
	int known;
	const char *r = crm_stage_normalize(c->o.stage_map, stage, won, closed, lost, &known);

	*none = 0;
	if (!known) {
		if (stage && *stage)
			note_unknown_stage(c, stage);
		else
			*none = 1;
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* rows                                                                */

/* A row's values by field: trimmed copies, NULL when absent or empty. */
struct rowv {
	char *v[F_COUNT];
};

static void
rowv_free(struct rowv *r)
{
	for (int f = 0; f < F_COUNT; f++)
		free(r->v[f]);
}

static int
rowv_fill(struct rowv *r, const crm_table_t *t, char *const *f, size_t n)
{
	memset(r, 0, sizeof *r);
	for (int k = 0; k < F_COUNT; k++) {
		int c = t->col[k];
		if (c < 0 || (size_t)c >= n || f[c] == NULL)
			continue;
		if ((r->v[k] = dup_trim(f[c])) == NULL) {
			rowv_free(r);
			return CRM_ENOMEM;
		}
		if (r->v[k][0] == '\0') {
			free(r->v[k]);
			r->v[k] = NULL;
		}
	}
	return 0;
}

/* Salesforce report footers and subtotals; blank rows. */
static int
skip_row(char *const *f, size_t n)
{
	const char *s = n ? f[0] : NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *b = f[i], *e;
		if (b == NULL)
			continue;
		e = b + strlen(b);
		trim_span(&b, &e);
		if (b < e)
			break;
	}
	if (i == n)
		return 1;
	if (s == NULL)
		return 0;
	while (is_blank((unsigned char)*s))
		s++;
	if (starts_ci(s, "grand total") || starts_ci(s, "confidential information") ||
	    starts_ci(s, "copyright (c)") || starts_ci(s, "copyright \xc2\xa9") ||
	    starts_ci(s, "copyright ") || starts_ci(s, "subtotal") ||
	    starts_ci(s, "generated by") || starts_ci(s, "salesforce.com"))
		return 1;
	if (starts_ci(s, "total") && (s[5] == '\0' || s[5] == ' ' || s[5] == '(' || s[5] == ':'))
		return 1;
	return 0;
}

static int
check_width(const crm_table_t *t, char *const *f, size_t n, char *err, size_t errlen)
{
	if (n == t->width)
		return 0;
	if (n > t->width) {
		for (size_t i = t->width; i < n; i++) {
			const char *b = f[i], *e = f[i] + strlen(f[i]);
			trim_span(&b, &e);
			if (b < e) {
				seterr(err, errlen, "%zu fields, the header has %zu", n, t->width);
				return -1;
			}
		}
		return 0;
	}
	seterr(err, errlen, "%zu field%s, the header has %zu", n, n == 1 ? "" : "s", t->width);
	return -1;
}

/* The key a deal is joined on: Salesforce's 18-character IDs as their 15-character form. */
static int
link_key(buf_t *b, char type, const char *v, int salesforce)
{
	size_t n = strlen(v), i;

	buf_reset(b);
	if (buf_addc(b, type) != BUF_OK || buf_addc(b, ':') != BUF_OK)
		return CRM_ENOMEM;
	if (type == 'n') {
		for (const char *p = v; *p; p++)
			if (buf_addc(b, (char)((unsigned char)*p < 0x80 ? tolower((unsigned char)*p) : *p)) != BUF_OK)
				return CRM_ENOMEM;
		return 0;
	}
	if (salesforce && n == 18) {
		for (i = 0; i < n && isalnum((unsigned char)v[i]); i++)
			;
		if (i == n)
			n = 15;
	}
	return buf_add(b, v, n) == BUF_OK ? 0 : CRM_ENOMEM;
}

static int
is_sf(crm_kind k)
{
	return k == CRM_KIND_SF_OPPORTUNITIES || k == CRM_KIND_SF_CONTACT_ROLES;
}

/* A contact object, keys in the record's order. */
static json_t *
contact_new(const char *id, const char *email, const char *first, const char *last,
    const char *name, const char *title, const char *role)
{
	json_t *c = json_new_object();
	char em[DOMAIN_EMAIL_MAX];
	char *fn = NULL, *ln = NULL;
	int rc = 0;

	if (c == NULL)
		return NULL;
	if (domain_email_normalize(email, em, sizeof em) != 0)
		em[0] = '\0';
	if (!first && !last && name) {
		/* "Pat Ng" -> Pat / Ng */
		const char *sp = strchr(name, ' ');
		if (sp) {
			fn = strndup(name, (size_t)(sp - name));
			ln = dup_trim(sp + 1);
			if (fn == NULL || ln == NULL)
				rc = -1;
			first = fn;
			last = ln;
		} else {
			first = name;
		}
	}
	rc |= json_set_str(c, "contact_id", id);
	rc |= json_set_str(c, "email", em[0] ? em : NULL);
	rc |= json_set_str(c, "first_name", first);
	rc |= json_set_str(c, "last_name", last);
	rc |= json_set_str(c, "title", title);
	rc |= json_set_str(c, "crm_role", role);
	free(fn);
	free(ln);
	if (rc != 0) {
		json_free(c);
		return NULL;
	}
	return c;
}

static int
same_contact(const json_t *a, const json_t *b)
{
	const char *ia = json_str(json_get(a, "contact_id")), *ib = json_str(json_get(b, "contact_id"));
	const char *ea = json_str(json_get(a, "email")), *eb = json_str(json_get(b, "email"));

	if (ia && ib)
		return strcmp(ia, ib) == 0;
	if (ea && eb)
		return strcasecmp(ea, eb) == 0;
	return 0;
}

static int
same_id(const json_t *contact, const char *id)
{
	const char *a = json_str(json_get(contact, "contact_id"));

	return a && strcmp(a, id) == 0;
}

/* Fills into's null fields from from. */
static int
fill_contact(json_t *into, const json_t *from)
{
	for (size_t i = 0; i < json_len(from); i++) {
		const char *k = json_key_at(from, i);
		json_t *v = json_val_at(from, i), *cur = json_get(into, k);
		if (json_typeof(v) == JSON_NULL)
			continue;
		if (cur == NULL || json_typeof(cur) == JSON_NULL)
			if (json_set(into, k, json_clone(v)) != JSON_OK)
				return CRM_ENOMEM;
	}
	return 0;
}

/* Adds a clone of contact to arr unless it is there (then fills gaps). */
static int
add_contact(json_t *arr, const json_t *contact)
{
	for (size_t i = 0; i < json_len(arr); i++)
		if (same_contact(json_at(arr, i), contact))
			return fill_contact(json_at(arr, i), contact);
	return json_push(arr, json_clone(contact)) == JSON_OK ? 0 : CRM_ENOMEM;
}

/* The same, taking owned (freed when it is a duplicate or on failure). */
static int
add_contact_owned(json_t *arr, json_t *owned)
{
	int rc;

	if (owned == NULL)
		return CRM_ENOMEM;
	for (size_t i = 0; i < json_len(arr); i++)
		if (same_contact(json_at(arr, i), owned)) {
			rc = fill_contact(json_at(arr, i), owned);
			json_free(owned);
			return rc;
		}
	return json_push(arr, owned) == JSON_OK ? 0 : CRM_ENOMEM;
}

int
crm_merge_contacts(json_t *into, const json_t *from)
{
	json_t *a = json_get(into, "contacts"), *b = json_get(from, "contacts");

	if (!json_is(b, JSON_ARRAY) || json_len(b) == 0)
		return 0;
	if (!json_is(a, JSON_ARRAY)) {
		if (json_set(into, "contacts", json_new_array()) != JSON_OK)
			return CRM_ENOMEM;
		a = json_get(into, "contacts");
	}
	for (size_t i = 0; i < json_len(b); i++)
		if (add_contact(a, json_at(b, i)) != 0)
			return CRM_ENOMEM;
	return 0;
}

/*
 * Links a contact to a deal key. A contact kept in by_id (a HubSpot contact
 * with its Record ID) is linked by its ID, a string, not copied.
 */
static int
link_contact(crm_ctx_t *c, const char *key, const json_t *contact, const char *ref)
{
	json_t *arr = hmap_get(&c->by_deal, key);

	if (arr == NULL) {
		if (hmap_put(&c->by_deal, key, json_new_array()) != 0)
			return CRM_ENOMEM;
		arr = hmap_get(&c->by_deal, key);
	}
	if (ref) {
		for (size_t i = 0; i < json_len(arr); i++)
			if (json_is(json_at(arr, i), JSON_STRING) && strcmp(json_str(json_at(arr, i)), ref) == 0)
				return 0;
		return json_push(arr, json_new_str(ref)) == JSON_OK ? 0 : CRM_ENOMEM;
	}
	return add_contact(arr, contact);
}

/* Calls fn on each item of a list split on any of seps, trimmed, non-empty. */
static int
each_item(const char *list, const char *seps, int (*fn)(const char *, void *), void *ctx)
{
	char *copy, *s, *save = NULL;
	int rc = 0;

	if (list == NULL)
		return 0;
	if ((copy = strdup(list)) == NULL)
		return CRM_ENOMEM;
	for (s = strtok_r(copy, seps, &save); s; s = strtok_r(NULL, seps, &save)) {
		char *t = dup_trim(s);
		if (t == NULL) {
			rc = CRM_ENOMEM;
			break;
		}
		if (*t)
			rc = fn(t, ctx);
		free(t);
		if (rc)
			break;
	}
	free(copy);
	return rc;
}

struct link_ctx {
	crm_ctx_t *c;
	const json_t *contact;
	const char *ref;
	buf_t key;
	int sf;
};

static int
link_one(const char *id, void *p)
{
	struct link_ctx *l = p;

	if (link_key(&l->key, 'd', id, l->sf) != 0)
		return CRM_ENOMEM;
	return link_contact(l->c, buf_ptr(&l->key), l->contact, l->ref);
}

int
crm_ctx_add_contact_row(crm_ctx_t *c, const crm_table_t *t, char *const *f, size_t n,
    char *err, size_t errlen)
{
	struct rowv r;
	json_t *contact;
	struct link_ctx l;
	int rc = CRM_OK, linked = 0;

	if (skip_row(f, n))
		return CRM_SKIP;
	if (check_width(t, f, n, err, errlen) != 0)
		return CRM_BAD;
	if (rowv_fill(&r, t, f, n) != 0)
		return CRM_ENOMEM;
	if (!r.v[F_C_ID] && !r.v[F_C_EMAIL] && !r.v[F_C_FIRST] && !r.v[F_C_LAST] && !r.v[F_C_NAME]) {
		seterr(err, errlen, "no contact in this row (no ID, email or name)");
		rowv_free(&r);
		return CRM_BAD;
	}
	contact = contact_new(r.v[F_C_ID], r.v[F_C_EMAIL], r.v[F_C_FIRST], r.v[F_C_LAST],
	    r.v[F_C_NAME], r.v[F_C_TITLE], r.v[F_C_ROLE]);
	if (contact == NULL) {
		rowv_free(&r);
		return CRM_ENOMEM;
	}
	buf_init(&l.key, 1 << 16);
	l.c = c;
	l.contact = contact;
	l.ref = NULL;
	l.sf = is_sf(t->kind);
	if (t->kind == CRM_KIND_HUBSPOT_CONTACTS) {
		if (r.v[F_C_ID]) {
			/* kept once, in by_id; the deals link to it by ID */
			rc = hmap_put(&c->by_id, r.v[F_C_ID], contact);
			contact = NULL;
			l.contact = NULL;
			l.ref = r.v[F_C_ID];
			linked = 1;
		}
		if (rc == CRM_OK && r.v[F_DEAL_IDS]) {
			rc = each_item(r.v[F_DEAL_IDS], ";,", link_one, &l);
			linked = 1;
		}
	} else {
		if (r.v[F_DEAL_ID]) {
			rc = link_one(r.v[F_DEAL_ID], &l);
			linked = 1;
		}
		if (rc == CRM_OK && r.v[F_DEAL_NAME]) {
			if (link_key(&l.key, 'n', r.v[F_DEAL_NAME], 0) != 0 ||
			    link_contact(c, buf_ptr(&l.key), contact, NULL) != 0)
				rc = CRM_ENOMEM;
			linked = 1;
		}
		if (rc == CRM_OK && r.v[F_C_ID] && hmap_put(&c->by_id, r.v[F_C_ID], json_clone(contact)) != 0)
			rc = CRM_ENOMEM;
	}
	if (rc == CRM_OK && !linked) {
		seterr(err, errlen, "no Opportunity ID or Name to join this contact role on");
		rc = CRM_BAD;
	}
	if (rc == CRM_OK)
		c->ncontacts++;
	buf_free(&l.key);
	json_free(contact);
	rowv_free(&r);
	return rc;
}

/* "Pat Ng (pat@globex.com)", "pat@globex.com", "Pat Ng" -> a contact. */
static json_t *
contact_from_label(const char *id, const char *label)
{
	const char *open = label ? strrchr(label, '(') : NULL;
	json_t *c;

	if (label && open && strchr(open, '@') && label[strlen(label) - 1] == ')') {
		char *name = strndup(label, (size_t)(open - label));
		char *email = strndup(open + 1, strlen(open + 1) - 1);
		char *tn = name ? dup_trim(name) : NULL;
		c = (name && email && tn) ? contact_new(id, email, NULL, NULL, *tn ? tn : NULL,
		    NULL, NULL) : NULL;
		free(tn);
		free(name);
		free(email);
		return c;
	}
	if (label && strchr(label, '@') && !strchr(label, ' '))
		return contact_new(id, label, NULL, NULL, NULL, NULL, NULL);
	return contact_new(id, NULL, NULL, NULL, label, NULL, NULL);
}

struct list {
	char **v;
	size_t n, a;
};

static int
list_add(const char *s, void *p)
{
	struct list *l = p;

	if (l->n == l->a) {
		size_t na = l->a ? l->a * 2 : 8;
		char **nv = realloc(l->v, na * sizeof *nv);
		if (nv == NULL)
			return CRM_ENOMEM;
		l->v = nv;
		l->a = na;
	}
	if ((l->v[l->n] = strdup(s)) == NULL)
		return CRM_ENOMEM;
	l->n++;
	return 0;
}

static void
list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The most common work-email domain among contacts, into out (DOMAIN_MAX). */
static int
infer_domain(const json_t *contacts, char *out)
{
	size_t n = json_len(contacts), best = 0;
	char d[DOMAIN_MAX], e[DOMAIN_MAX];

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t cnt = 0;
		if (domain_of_email(json_str(json_get(json_at(contacts, i), "email")), d, sizeof d) != 0 ||
		    domain_is_freemail(d))
			continue;
		for (size_t j = 0; j < n; j++)
			if (domain_of_email(json_str(json_get(json_at(contacts, j), "email")), e, sizeof e) == 0 &&
			    strcmp(d, e) == 0)
				cnt++;
		if (cnt > best) {
			best = cnt;
			memcpy(out, d, sizeof d);
		}
	}
	return out[0] ? 0 : -1;
}

/* Adds a linked contact: a contact, or the ID of one kept in by_id. */
static int
add_linked(crm_ctx_t *c, json_t *arr, const json_t *link)
{
	const json_t *ct = link;

	if (json_is(link, JSON_STRING)) {
		for (size_t i = 0; i < json_len(arr); i++)
			if (same_id(json_at(arr, i), json_str(link)))
				return 0;
		if ((ct = hmap_get(&c->by_id, json_str(link))) == NULL)
			return 0;
	}
	return add_contact(arr, ct);
}

/* The contacts linked to a deal in the context (by ID, then by name). */
static int
join_linked(crm_ctx_t *c, json_t *arr, const char *deal_id, const char *deal_name, int sf)
{
	buf_t k;
	json_t *l;
	int rc = 0;

	buf_init(&k, 1 << 16);
	if (deal_id) {
		if (link_key(&k, 'd', deal_id, sf) != 0)
			rc = CRM_ENOMEM;
		else if ((l = hmap_get(&c->by_deal, buf_ptr(&k))) != NULL)
			for (size_t i = 0; i < json_len(l) && !rc; i++)
				rc = add_linked(c, arr, json_at(l, i));
	}
	if (!rc && deal_name) {
		if (link_key(&k, 'n', deal_name, 0) != 0)
			rc = CRM_ENOMEM;
		else if ((l = hmap_get(&c->by_deal, buf_ptr(&k))) != NULL)
			for (size_t i = 0; i < json_len(l) && !rc; i++)
				rc = add_linked(c, arr, json_at(l, i));
	}
	buf_free(&k);
	return rc;
}

/* The contacts of a deal row: its own contact columns, its association
 * columns, and what the contacts exports link to it. */
static int
row_contacts(crm_ctx_t *c, const crm_table_t *t, const struct rowv *r, const char *deal_id,
    json_t *arr)
{
	struct list ids = { 0 }, names = { 0 };
	int rc = 0;

	if (r->v[F_C_ID] || r->v[F_C_EMAIL] || r->v[F_C_FIRST] || r->v[F_C_LAST] || r->v[F_C_NAME]) {
		rc = add_contact_owned(arr, contact_new(r->v[F_C_ID], r->v[F_C_EMAIL], r->v[F_C_FIRST],
		    r->v[F_C_LAST], r->v[F_C_NAME], r->v[F_C_TITLE], r->v[F_C_ROLE]));
		if (rc)
			return rc;
	}
	if ((rc = each_item(r->v[F_CONTACT_IDS], ";, ", list_add, &ids)) != 0 ||
	    (rc = each_item(r->v[F_CONTACT_NAMES], ";", list_add, &names)) != 0)
		goto out;
	for (size_t i = 0; i < ids.n && !rc; i++) {
		json_t *known = hmap_get(&c->by_id, ids.v[i]);
		if (known)
			rc = add_contact(arr, known);
		else if (names.n == ids.n)
			rc = add_contact_owned(arr, contact_from_label(ids.v[i], names.v[i]));
		else
			rc = add_contact_owned(arr, contact_new(ids.v[i], NULL, NULL, NULL, NULL, NULL, NULL));
	}
	if (ids.n == 0)
		for (size_t i = 0; i < names.n && !rc; i++)
			rc = add_contact_owned(arr, contact_from_label(NULL, names.v[i]));
	if (!rc)
		rc = join_linked(c, arr, deal_id, r->v[F_DEAL_NAME], is_sf(t->kind));
out:
	list_free(&ids);
	list_free(&names);
	return rc;
}

static void
upcase(char *s)
{
	for (; s && *s; s++)
		*s = (char)((unsigned char)*s < 0x80 ? toupper((unsigned char)*s) : *s);
}

/*
 * Builds the canonical record from a row's values. orig (may be NULL) holds
 * the JSON values of an NDJSON row, parallel to f, for custom_fields.
 */
static int
build_deal(crm_ctx_t *c, const crm_table_t *t, char *const *f, size_t n,
    json_t *const *orig, json_t **out, char *err, size_t errlen)
{
	struct rowv r;
	json_t *rec = NULL, *cf = NULL, *acc = NULL, *contacts = NULL;
	buf_t num;
	char cur[4], synth[64], dbuf[DATE_STRLEN], dom[DOMAIN_MAX];
	const char *deal_id, *stage_norm, *currency;
	date_t cd;
	int rc = CRM_OK, jrc = 0, none;

	*out = NULL;
	if (rowv_fill(&r, t, f, n) != 0)
		return CRM_ENOMEM;
	buf_init(&num, 4096);

	/* deal_id */
	deal_id = r.v[F_DEAL_ID];
	if (deal_id == NULL) {
		if (t->col[F_DEAL_ID] >= 0) {
			seterr(err, errlen, "no deal ID");
			rc = CRM_BAD;
			goto out;
		}
		if (r.v[F_DEAL_NAME] == NULL) {
			seterr(err, errlen, "no deal name to identify the deal by (the export has no ID column)");
			rc = CRM_BAD;
			goto out;
		}
		uint64_t h = fnv1a(14695981039346656037ULL, r.v[F_ACCOUNT_NAME]);
		h ^= 0x1f;
		h *= 1099511628211ULL;
		h = fnv1a(h, r.v[F_DEAL_NAME]);
		snprintf(synth, sizeof synth, "%s-%016llx", crm_kind_source(t->kind),
		    (unsigned long long)h);
		deal_id = synth;
	}
	/* close_date */
	dbuf[0] = '\0';
	if (r.v[F_CLOSE_DATE]) {
		if (crm_parse_date(r.v[F_CLOSE_DATE], c->o.date_order, &cd) != 0) {
			seterr(err, errlen, "close date '%.60s' is not a %s date", r.v[F_CLOSE_DATE],
			    c->o.date_order == DATE_DMY ? "YYYY-MM-DD or D/M/Y" : "YYYY-MM-DD or M/D/Y");
			rc = CRM_BAD;
			goto out;
		}
		date_format(cd, dbuf);
	}
	/* amount */
	cur[0] = '\0';
	if (r.v[F_AMOUNT]) {
		int ar = crm_parse_amount(r.v[F_AMOUNT], &num, cur);
		if (ar == CRM_ENOMEM) {
			rc = CRM_ENOMEM;
			goto out;
		}
		if (ar == CRM_BAD) {
			seterr(err, errlen, "amount '%.60s' is not a number", r.v[F_AMOUNT]);
			rc = CRM_BAD;
			goto out;
		}
	}
	if (r.v[F_CURRENCY]) {
		upcase(r.v[F_CURRENCY]);
		currency = r.v[F_CURRENCY];
	} else {
		currency = cur[0] ? cur : r.v[F_AMOUNT] ? c->o.currency : NULL;
	}
	if (r.v[F_STAGE_NORM] && (!strcmp(r.v[F_STAGE_NORM], "closed_won") ||
	    !strcmp(r.v[F_STAGE_NORM], "closed_lost") || !strcmp(r.v[F_STAGE_NORM], "open")))
		stage_norm = r.v[F_STAGE_NORM];
	else
		stage_norm = stage_of(c, r.v[F_STAGE], crm_parse_bool(r.v[F_IS_WON]),
		    crm_parse_bool(r.v[F_IS_CLOSED]), crm_parse_bool(r.v[F_IS_LOST]), &none);

	if ((rec = json_new_object()) == NULL || (cf = json_new_object()) == NULL ||
	    (acc = json_new_object()) == NULL || (contacts = json_new_array()) == NULL) {
		rc = CRM_ENOMEM;
		goto out;
	}
	/* custom fields */
	for (size_t i = 0; i < t->ncustom; i++) {
		size_t idx = t->custom[i].idx;
		json_t *v;
		if (idx >= n)
			continue;
		if (orig && orig[idx]) {
			if (json_typeof(orig[idx]) == JSON_NULL ||
			    (json_is(orig[idx], JSON_STRING) && json_strlen(orig[idx]) == 0))
				continue;
			v = json_clone(orig[idx]);
		} else {
			const char *b = f[idx], *e = f[idx] + strlen(f[idx]);
			trim_span(&b, &e);
			if (b == e)
				continue;
			v = json_new_strn(b, (size_t)(e - b));
		}
		if (json_set(cf, t->custom[i].key, v) != JSON_OK) {
			rc = CRM_ENOMEM;
			goto out;
		}
	}
	/* account */
	{
		char *aid = r.v[F_ACCOUNT_ID];
		if (aid) {
			char *semi = strpbrk(aid, ";,");
			if (semi)
				*semi = '\0';
		}
		jrc |= json_set_str(acc, "account_id", aid && *aid ? aid : NULL);
		jrc |= json_set_str(acc, "name", r.v[F_ACCOUNT_NAME]);
		if (r.v[F_DOMAIN] && domain_normalize(r.v[F_DOMAIN], dom, sizeof dom) == 0)
			jrc |= json_set_str(acc, "domain", dom);
		else
			jrc |= json_set_null(acc, "domain");
	}
	if ((rc = row_contacts(c, t, &r, deal_id, contacts)) != 0)
		goto out;
	if (json_typeof(json_get(acc, "domain")) == JSON_NULL && infer_domain(contacts, dom) == 0)
		jrc |= json_set_str(acc, "domain", dom);

	jrc |= json_set_str(rec, "workspace_id",
	    !c->o.workspace_forced && r.v[F_WORKSPACE] ? r.v[F_WORKSPACE] : c->o.workspace);
	jrc |= json_set_str(rec, "deal_id", deal_id);
	jrc |= json_set_str(rec, "deal_name", r.v[F_DEAL_NAME]);
	jrc |= json_set_str(rec, "stage", r.v[F_STAGE]);
	jrc |= json_set_str(rec, "stage_normalized", stage_norm);
	jrc |= json_set_str(rec, "close_date", dbuf[0] ? dbuf : NULL);
	if (r.v[F_AMOUNT])
		jrc |= json_set(rec, "amount", json_new_num_text(buf_ptr(&num)));
	else
		jrc |= json_set_null(rec, "amount");
	jrc |= json_set_str(rec, "currency", currency);
	jrc |= json_set_str(rec, "owner", r.v[F_OWNER]);
	jrc |= json_set_str(rec, "source", r.v[F_SOURCE] ? r.v[F_SOURCE] : crm_kind_source(t->kind));
	jrc |= json_set(rec, "custom_fields", cf);
	cf = NULL;
	jrc |= json_set(rec, "account", acc);
	acc = NULL;
	jrc |= json_set(rec, "contacts", contacts);
	contacts = NULL;
	if (jrc != 0) {
		rc = CRM_ENOMEM;
		goto out;
	}
	*out = rec;
	rec = NULL;
out:
	json_free(rec);
	json_free(cf);
	json_free(acc);
	json_free(contacts);
	buf_free(&num);
	rowv_free(&r);
	return rc;
}

int
crm_deal_from_row(crm_ctx_t *c, const crm_table_t *t, char *const *f, size_t n,
    json_t **out, char *err, size_t errlen)
{
	*out = NULL;
	if (crm_kind_is_contacts(t->kind)) {
		seterr(err, errlen, "a contacts export holds no deals");
		return CRM_BAD;
	}
	if (skip_row(f, n))
		return CRM_SKIP;
	if (check_width(t, f, n, err, errlen) != 0)
		return CRM_BAD;
	return build_deal(c, t, f, n, NULL, out, err, errlen);
}

/* ------------------------------------------------------------------ */
/* NDJSON                                                              */

int
crm_json_is_flat(const json_t *rec)
{
	buf_t b;
	int flat = 0;

	if (!json_is(rec, JSON_OBJECT))
		return 0;
	if (json_get(rec, "deal_id") || json_get(rec, "stage_normalized"))
		return 0;
	if (json_is(json_get(rec, "properties"), JSON_OBJECT))
		return 1;
	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < json_len(rec) && !flat; i++) {
		int a;
		if (header_norm(json_key_at(rec, i), &b) != 0)
			continue;
		a = alias_find(buf_ptr(&b), 1);
		if (a >= 0 && !(aliases[a].hint & H_GEN) && aliases[a].f != F_DEAL_ID &&
		    aliases[a].f != F_DEAL_NAME)
			flat = 1;
		/* "Record ID", "Opportunity Name": export headers */
		if (a >= 0 && !(aliases[a].hint & (H_GEN | H_JSON)) && strchr(buf_ptr(&b), ' '))
			flat = 1;
	}
	buf_free(&b);
	return flat;
}

/* The flattened entries of an NDJSON flat row. */
struct flat {
	char **keys;
	char **vals;      /* string forms */
	json_t **orig;    /* borrowed */
	size_t n, a;
};

static void
flat_free(struct flat *fl)
{
	for (size_t i = 0; i < fl->n; i++) {
		free(fl->keys[i]);
		free(fl->vals[i]);
	}
	free(fl->keys);
	free(fl->vals);
	free(fl->orig);
}

static int
flat_add(struct flat *fl, const char *key, const char *val, json_t *orig)
{
	if (fl->n == fl->a) {
		size_t na = fl->a ? fl->a * 2 : 32;
		char **nk = realloc(fl->keys, na * sizeof *nk);
		if (nk == NULL)
			return CRM_ENOMEM;
		fl->keys = nk;
		char **nv = realloc(fl->vals, na * sizeof *nv);
		if (nv == NULL)
			return CRM_ENOMEM;
		fl->vals = nv;
		json_t **no = realloc(fl->orig, na * sizeof *no);
		if (no == NULL)
			return CRM_ENOMEM;
		fl->orig = no;
		fl->a = na;
	}
	fl->keys[fl->n] = strdup(key);
	fl->vals[fl->n] = strdup(val);
	fl->orig[fl->n] = orig;
	if (fl->keys[fl->n] == NULL || fl->vals[fl->n] == NULL) {
		free(fl->keys[fl->n]);
		free(fl->vals[fl->n]);
		return CRM_ENOMEM;
	}
	fl->n++;
	return 0;
}

/* A scalar's text for mapping: strings as they are, numbers as written. */
static const char *
scalar_text(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: return json_str(v);
	case JSON_NUMBER: return json_num_text(v);
	case JSON_BOOL: return json_bool(v) ? "true" : "false";
	default: return "";
	}
}

/* HubSpot's "associations": {"contacts":{"results":[{"id":..}]}, "companies":...} */
static int
flat_associations(struct flat *fl, const json_t *assoc)
{
	static const char *const what[][2] = {
		{ "contacts", "Associated Contact IDs" },
		{ "companies", "Associated Company IDs" },
	};
	buf_t b;
	int rc = 0;

	buf_init(&b, 1 << 20);
	for (size_t w = 0; w < 2 && !rc; w++) {
		const json_t *res = json_get(json_get(assoc, what[w][0]), "results");
		buf_reset(&b);
		for (size_t i = 0; i < json_len(res); i++) {
			const json_t *id = json_get(json_at(res, i), "id");
			if (id == NULL)
				id = json_get(json_at(res, i), "toObjectId");
			const char *s = scalar_text(id);
			if (*s == '\0')
				continue;
			if ((buf_len(&b) && buf_addc(&b, ';') != BUF_OK) || buf_adds(&b, s) != BUF_OK) {
				rc = CRM_ENOMEM;
				break;
			}
		}
		if (!rc && buf_len(&b))
			rc = flat_add(fl, what[w][1], buf_ptr(&b), NULL);
	}
	buf_free(&b);
	return rc;
}

static int
flatten(const json_t *rec, struct flat *fl)
{
	int rc = 0;
	buf_t k;

	buf_init(&k, 1 << 16);
	for (size_t i = 0; i < json_len(rec) && !rc; i++) {
		const char *key = json_key_at(rec, i);
		json_t *v = json_val_at(rec, i);
		if (json_is(v, JSON_OBJECT) && strcmp(key, "properties") == 0) {
			for (size_t j = 0; j < json_len(v) && !rc; j++)
				rc = flat_add(fl, json_key_at(v, j), scalar_text(json_val_at(v, j)),
				    json_val_at(v, j));
		} else if (json_is(v, JSON_OBJECT) && strcmp(key, "associations") == 0) {
			rc = flat_associations(fl, v);
		} else if (json_is(v, JSON_OBJECT) && (!strcasecmp(key, "account") || !strcasecmp(key, "owner"))) {
			/* Salesforce API relationship fields: Account.Name, Owner.Name */
			for (size_t j = 0; j < json_len(v) && !rc; j++) {
				buf_reset(&k);
				if (buf_addf(&k, "%s.%s", key, json_key_at(v, j)) != BUF_OK) {
					rc = CRM_ENOMEM;
					break;
				}
				rc = flat_add(fl, buf_ptr(&k), scalar_text(json_val_at(v, j)), json_val_at(v, j));
			}
		} else {
			rc = flat_add(fl, key, scalar_text(v), v);
		}
	}
	buf_free(&k);
	return rc;
}

static int
deal_from_flat(crm_ctx_t *c, const json_t *rec, json_t **out, char *err, size_t errlen)
{
	struct flat fl = { 0 };
	crm_table_t *t = NULL;
	crm_kind kind;
	buf_t sig;
	int rc;

	buf_init(&sig, 1 << 20);
	if ((rc = flatten(rec, &fl)) != 0)
		goto out;
	/* rows of one export have the same keys: the last mapping is reused */
	for (size_t i = 0; i < fl.n; i++)
		if (buf_adds(&sig, fl.keys[i]) != BUF_OK || buf_addc(&sig, '\x1f') != BUF_OK) {
			rc = CRM_ENOMEM;
			goto out;
		}
	if (json_get(rec, "properties") && buf_addc(&sig, 'p') != BUF_OK) {
		rc = CRM_ENOMEM;
		goto out;
	}
	if (c->flat_sig && strcmp(c->flat_sig, buf_ptr(&sig)) == 0) {
		rc = build_deal(c, c->flat_table, fl.vals, fl.n, fl.orig, out, err, errlen);
		goto out;
	}
	rc = table_build(CRM_KIND_UNKNOWN, fl.keys, fl.n, 1, &t, err, errlen);
	if (rc == CRM_BAD) {
		/* a row keyed by API names only may lack a stage: take it as HubSpot's */
		kind = json_get(rec, "properties") ? CRM_KIND_HUBSPOT_DEALS : CRM_KIND_GENERIC_DEALS;
		rc = table_build(kind, fl.keys, fl.n, 1, &t, err, errlen);
	}
	if (rc != CRM_OK)
		goto out;
	if (crm_kind_is_contacts(t->kind)) {
		seterr(err, errlen, "a contact row, not a deal");
		rc = CRM_BAD;
		goto out;
	}
	if (json_get(rec, "properties") && t->kind != CRM_KIND_HUBSPOT_DEALS)
		t->kind = CRM_KIND_HUBSPOT_DEALS;
	rc = build_deal(c, t, fl.vals, fl.n, fl.orig, out, err, errlen);
	if (rc != CRM_ENOMEM) {
		char *ns = buf_detach(&sig, NULL);
		if (ns) {
			free(c->flat_sig);
			crm_table_free(c->flat_table);
			c->flat_sig = ns;
			c->flat_table = t;
			t = NULL;
		}
	}
out:
	crm_table_free(t);
	flat_free(&fl);
	buf_free(&sig);
	return rc;
}

/* IDs as strings: a number keeps its text. */
static int
id_to_string(json_t *obj, const char *key)
{
	json_t *v = json_get(obj, key);

	if (json_is(v, JSON_NUMBER))
		return json_set_str(obj, key, json_num_text(v)) == JSON_OK ? 0 : CRM_ENOMEM;
	return 0;
}

static int
canon_fix(crm_ctx_t *c, json_t *rec, char *err, size_t errlen)
{
	json_t *v, *acc, *cs;
	date_t d;
	char dbuf[DATE_STRLEN], cur[4], dom[DOMAIN_MAX], em[DOMAIN_EMAIL_MAX];
	buf_t num;
	int rc = 0, none;

	/* validate before changing anything */
	v = json_get(rec, "close_date");
	if (json_is(v, JSON_STRING) && json_strlen(v) > 0 &&
	    crm_parse_date(json_str(v), c->o.date_order, &d) != 0) {
		seterr(err, errlen, "close_date '%.60s' is not a date", json_str(v));
		return CRM_BAD;
	}
	if (v && !json_is(v, JSON_STRING) && json_typeof(v) != JSON_NULL) {
		seterr(err, errlen, "close_date is not a string");
		return CRM_BAD;
	}
	buf_init(&num, 4096);
	v = json_get(rec, "amount");
	if (json_is(v, JSON_STRING)) {
		int ar = crm_parse_amount(json_str(v), &num, cur);
		if (ar == CRM_ENOMEM) {
			buf_free(&num);
			return CRM_ENOMEM;
		}
		if (ar == CRM_BAD) {
			seterr(err, errlen, "amount '%.60s' is not a number", json_str(v));
			buf_free(&num);
			return CRM_BAD;
		}
		if (ar == 1)
			rc |= json_set_null(rec, "amount");
		else
			rc |= json_set(rec, "amount", json_new_num_text(buf_ptr(&num)));
		if (cur[0] && json_typeof(json_get(rec, "currency")) == JSON_NULL)
			rc |= json_set_str(rec, "currency", cur);
	}
	buf_free(&num);

	v = json_get(rec, "workspace_id");
	if (c->o.workspace_forced || !json_is(v, JSON_STRING) || json_strlen(v) == 0)
		rc |= json_set_str(rec, "workspace_id", c->o.workspace);
	rc |= id_to_string(rec, "deal_id");

	v = json_get(rec, "close_date");
	if (json_is(v, JSON_STRING) && json_strlen(v) > 0 &&
	    crm_parse_date(json_str(v), c->o.date_order, &d) == 0) {
		date_format(d, dbuf);
		if (strcmp(dbuf, json_str(v)) != 0)
			rc |= json_set_str(rec, "close_date", dbuf);
	}

	v = json_get(rec, "stage_normalized");
	if (!(json_is(v, JSON_STRING) && (!strcmp(json_str(v), "closed_won") ||
	    !strcmp(json_str(v), "closed_lost") || !strcmp(json_str(v), "open")))) {
		const json_t *st = json_get(rec, "stage");
		const char *sn = stage_of(c, json_is(st, JSON_STRING) ? json_str(st) : NULL,
		    crm_parse_bool(scalar_text(json_get(rec, "is_won"))),
		    crm_parse_bool(scalar_text(json_get(rec, "is_closed"))),
		    crm_parse_bool(scalar_text(json_get(rec, "is_lost"))), &none);
		if (none)
			c->stageless++;
		rc |= json_set_str(rec, "stage_normalized", sn);
	}

	cs = json_get(rec, "contacts");
	if (json_is(cs, JSON_ARRAY)) {
		for (size_t i = 0; i < json_len(cs); i++) {
			json_t *ct = json_at(cs, i), *e;
			if (!json_is(ct, JSON_OBJECT))
				continue;
			rc |= id_to_string(ct, "contact_id");
			e = json_get(ct, "email");
			if (json_is(e, JSON_STRING)) {
				if (domain_email_normalize(json_str(e), em, sizeof em) == 0) {
					if (strcmp(em, json_str(e)) != 0)
						rc |= json_set_str(ct, "email", em);
				} else {
					rc |= json_set_null(ct, "email");
				}
			}
		}
	}
	if ((!json_is(cs, JSON_ARRAY) || json_len(cs) == 0) && c->ncontacts > 0) {
		json_t *arr = json_new_array();
		const json_t *id = json_get(rec, "deal_id"), *nm = json_get(rec, "deal_name");
		if (arr == NULL)
			return CRM_ENOMEM;
		if (join_linked(c, arr, json_str(id), json_str(nm), 0) != 0) {
			json_free(arr);
			return CRM_ENOMEM;
		}
		if (json_len(arr) > 0 || cs)
			rc |= json_set(rec, "contacts", arr);
		else
			json_free(arr);
		cs = json_get(rec, "contacts");
	}

	acc = json_get(rec, "account");
	if (json_is(acc, JSON_OBJECT)) {
		rc |= id_to_string(acc, "account_id");
		v = json_get(acc, "domain");
		if (json_is(v, JSON_STRING)) {
			if (domain_normalize(json_str(v), dom, sizeof dom) == 0) {
				if (strcmp(dom, json_str(v)) != 0)
					rc |= json_set_str(acc, "domain", dom);
			} else {
				rc |= json_set_null(acc, "domain");
			}
		}
	}
	v = json_get(acc, "domain");
	if ((v == NULL || json_typeof(v) == JSON_NULL) && json_is(cs, JSON_ARRAY) &&
	    infer_domain(cs, dom) == 0) {
		if (json_is(acc, JSON_OBJECT)) {
			rc |= json_set_str(acc, "domain", dom);
		} else if (acc == NULL) {
			json_t *a = json_new_object();
			if (a == NULL || json_set_str(a, "domain", dom) != JSON_OK) {
				json_free(a);
				return CRM_ENOMEM;
			}
			rc |= json_set(rec, "account", a);
		}
	}
	return rc ? CRM_ENOMEM : CRM_OK;
}

int
crm_deal_from_json(crm_ctx_t *c, json_t *rec, json_t **out, char *err, size_t errlen)
{
	int rc;

	*out = NULL;
	if (!json_is(rec, JSON_OBJECT)) {
		seterr(err, errlen, "expected a JSON object");
		return CRM_BAD;
	}
	if (crm_json_is_flat(rec))
		return deal_from_flat(c, rec, out, err, errlen);
	if ((rc = canon_fix(c, rec, err, errlen)) != CRM_OK)
		return rc;
	*out = rec;
	return CRM_OK;
}
