/* crm_value: see crm_value.h. */
#include "crm_value.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "str.h"

int
crm_parse_bool(const char *s)
{
	static const char *const t[] = { "true", "yes", "y", "t", "1", "x", "checked", "on", NULL };
	static const char *const f[] = { "false", "no", "n", "f", "0", "unchecked", "off", NULL };
	size_t n;
	const char *b = str_trimmed(s, &n);
	int i;

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
	str_trim_span(&b, &e);
	if (b == e)
		return 1;
	if (*b == '(' && e[-1] == ')') {
		neg = 1;
		b++, e--;
		str_trim_span(&b, &e);
	}
	if (b < e && *b == '-') {
		neg = !neg;
		b++;
		str_trim_span(&b, &e);
	}
	if (take_currency(&b, e, cur))
		str_trim_span(&b, &e);
	if (b < e && *b == '-') {
		neg = !neg;
		b++;
		str_trim_span(&b, &e);
	}
	/* a trailing symbol or code: "1.234,56 €", "99 USD" */
	if (cur[0] == '\0') {
		for (p = e; p > b && !isdigit((unsigned char)p[-1]); p--)
			;
		if (p < e) {
			const char *q = p;
			str_trim_span(&q, &e);
			if (q < e) {
				const char *q0 = q;
				if (!take_currency(&q, e, cur) || q != e)
					return CRM_BAD;
				(void)q0;
			}
			e = p;
			str_trim_span(&b, &e);
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
	size_t n, i;
	const char *b = str_trimmed(s, &n);

	if (b == NULL)
		return -1;
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
