#include "company.h"
#include "domain.h"

#include <ctype.h>
#include <string.h>

static int
in_list(const char *w, size_t n, const char *const *list)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (list[i][0] == w[0] && strlen(list[i]) == n && memcmp(list[i], w, n) == 0)
			return 1;
	return 0;
}

static const char *const legal[] = { "inc", "incorporated", "llc", "llp", "ltd", "limited",
	"corp", "corporation", "co", "plc", "gmbh", "ag", "sa", "sas", "sarl", "bv", "nv", "srl",
	"spa", "pty", "pte", NULL };

static const char *const generic[] = { "industries", "industry", "group", "holdings",
	"holding", "company", "companies", "technologies", "technology", "systems", "solutions",
	"services", "enterprises", "international", "global", "worldwide", NULL };

const char *
company_by_name(int by)
{
	return by == COMPANY_BY_DOMAIN ? "domain" : by == COMPANY_BY_NAME ? "name" : NULL;
}

static int
word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* ' and . inside a word vanish; so does U+2019 (E2 80 99). */
static size_t
vanishing(const char *s)
{
	if (*s == '\'' || *s == '.')
		return 1;
	if ((unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
	    (unsigned char)s[2] == 0x99)
		return 3;
	return 0;
}

/* company_norm's words; drop: also a leading "the" and legal forms after the first word. */
static void
norm_words(const char *s, char *out, size_t n, int drop)
{
	char word[128];
	size_t o = 0, w, v;
	int nwords = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	if (s == NULL)
		return;
	while (*s) {
		while (*s && !word_byte((unsigned char)*s))
			s++;
		for (w = 0; *s; ) {
			if ((v = vanishing(s)) > 0) {
				s += v;
				continue;
			}
			if (!word_byte((unsigned char)*s))
				break;
			if (w + 1 < sizeof word)
				word[w++] = (char)tolower((unsigned char)*s);
			s++;
		}
		word[w] = '\0';
		if (w == 0)
			continue;
		if (drop && nwords == 0 && strcmp(word, "the") == 0)
			continue;
		if (nwords++ > 0 && drop && in_list(word, w, legal))
			continue;
		if (o + (o > 0) + w + 1 > n)
			break;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, word, w);
		o += w;
		out[o] = '\0';
	}
}

void
company_norm(const char *s, char *out, size_t n)
{
	norm_words(s, out, n, 1);
}

static int
domains_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (strcmp(a, b) == 0)
		return 1;
	/* eu.globex.com is globex.com */
	if (la > lb && a[la - lb - 1] == '.' && strcmp(a + la - lb, b) == 0)
		return 1;
	if (lb > la && b[lb - la - 1] == '.' && strcmp(b + lb - la, a) == 0)
		return 1;
	return 0;
}

/* Whether long_ starts with the words of short_ and goes on with generic words only. */
static int
prefix_then_generic(const char *short_, const char *long_)
{
	size_t ls = strlen(short_), w;
	const char *p;

	if (strncmp(short_, long_, ls) != 0 || long_[ls] != ' ')
		return 0;
	for (p = long_ + ls; *p; p += w) {
		p += *p == ' ';
		w = strcspn(p, " ");
		if (!in_list(p, w, generic))
			return 0;
	}
	return 1;
}

static int
names_same(const char *a, const char *b)
{
	return strcmp(a, b) == 0 || prefix_then_generic(a, b) || prefix_then_generic(b, a);
}

int
company_same(const char *domain_a, const char *name_a, const char *domain_b,
    const char *name_b, int *by)
{
	int names = name_a && *name_a && name_b && *name_b, by_;

	if (by == NULL)
		by = &by_;
	*by = COMPANY_BY_NONE;
	if (domain_a && *domain_a && domain_b && *domain_b) {
		if (domains_same(domain_a, domain_b)) {
			*by = COMPANY_BY_DOMAIN;
			return 1;
		}
		if (names && names_same(name_a, name_b)) {
			*by = COMPANY_BY_NAME;
			return 1;
		}
		*by = COMPANY_BY_DOMAIN;
		return 0;
	}
	if (!names)
		return -1;
	*by = COMPANY_BY_NAME;
	return names_same(name_a, name_b);
}

/* Whether the words of nm occur in tx as whole words; the last may end in an extra "s" (Acme's). */
static int
words_in(const char *nm, const char *tx)
{
	size_t ln = strlen(nm);
	const char *p, *e;

	if (ln == 0)
		return 0;
	for (p = tx; (p = strstr(p, nm)) != NULL; p++) {
		if (p != tx && p[-1] != ' ')
			continue;
		e = p + ln;
		if (*e == 's')
			e++;
		if (*e == '\0' || *e == ' ')
			return 1;
	}
	return 0;
}

static int
host_byte(unsigned char c)
{
	return isalnum(c) || c == '-' || c >= 0x80;
}

/* Whether domain d occurs in text, not inside a longer word or host name (a subdomain is fine). */
static int
domain_in(const char *d, const char *text)
{
	size_t ld = strlen(d), i;
	const char *p, *e;

	for (p = text; *p && (size_t)(p - text) < COMPANY_TEXT_MAX; p++) {
		if (p != text && host_byte((unsigned char)p[-1]))
			continue;
		for (i = 0; i < ld && p[i] && tolower((unsigned char)p[i]) == d[i]; i++)
			;
		if (i < ld)
			continue;
		e = p + ld;
		if (host_byte((unsigned char)*e))
			continue;
		if (*e == '.' && host_byte((unsigned char)e[1]))
			continue;   /* acme.com.evil.org */
		return 1;
	}
	return 0;
}

/* A second-level label under a country's domain that is part of the suffix (co.uk, com.au). */
static const char *const second_level[] = { "co", "com", "org", "net", "gov", "ac", "edu",
	"ltd", "plc", "ne", "or", "go", NULL };

/* The name a domain stands for: the label before the suffix ("globex" of eu.globex.co.uk). */
static void
domain_label(const char *d, char *out, size_t n)
{
	const char *labels[8], *p;
	char raw[DOMAIN_MAX];
	size_t nl = 0, k, len;

	out[0] = '\0';
	for (p = d; p && nl < 8; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL)
		labels[nl++] = p;
	if (nl < 2)
		return;
	k = nl - 2;
	len = (size_t)(labels[k + 1] - labels[k] - 1);
	if (k > 0 && strlen(labels[nl - 1]) == 2 && in_list(labels[k], len, second_level)) {
		k--;
		len = (size_t)(labels[k + 1] - labels[k] - 1);
	}
	/* two letters ("go", "it") are too often a word to stand for a company */
	if (len < 3 || len >= sizeof raw)
		return;
	memcpy(raw, labels[k], len);
	raw[len] = '\0';
	norm_words(raw, out, n, 0);
}

int
company_named_in(const char *name, const char *domain, const char *text)
{
	char nm[256], tx[COMPANY_TEXT_MAX], dn[DOMAIN_MAX], label[128];
	char *last;

	company_norm(name, nm, sizeof nm);
	/* "The Acme Group" is named by "Acme": trailing generic words are not needed */
	while ((last = strrchr(nm, ' ')) != NULL && in_list(last + 1, strlen(last + 1), generic))
		*last = '\0';
	if (domain == NULL || domain_normalize(domain, dn, sizeof dn) != 0)
		dn[0] = '\0';
	if (nm[0] == '\0' && dn[0] == '\0')
		return -1;
	if (text == NULL)
		return 0;
	if (dn[0] && domain_in(dn, text))
		return 1;
	norm_words(text, tx, sizeof tx, 0);
	if (words_in(nm, tx))
		return 1;
	if (dn[0]) {
		domain_label(dn, label, sizeof label);
		if (words_in(label, tx))
			return 1;
	}
	return 0;
}
