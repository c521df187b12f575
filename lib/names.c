#include "names.h"

#include <stdint.h>
#include <string.h>

#include "domain.h"

/* U+00C0..U+024F: the base letters of each code point (" ": a separator, NULL: kept). Generated from Unicode NFD. */
static const char *const latin_fold[0x250 - 0xC0] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d",
	"n", "o", "o", "o", "o", "o", " ", "o", "u", "u", "u", "u", "y", "th", "ss", "a", "a",
	"a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n", "o",
	"o", "o", "o", "o", " ", "o", "u", "u", "u", "u", "y", "th", "y", "a", "a", "a", "a",
	"a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d", "d", "d", "e", "e", "e",
	"e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g", "g", "g", "g", "g", "h", "h",
	"h", "h", "i", "i", "i", "i", "i", "i", "i", "i", "i", "i", "ij", "ij", "j", "j", "k",
	"k", "q", "l", "l", "l", "l", "l", "l", "l", "l", "l", "l", "n", "n", "n", "n", "n",
	"n", "n", "n", "n", "o", "o", "o", "o", "o", "o", "oe", "oe", "r", "r", "r", "r", "r",
	"r", "s", "s", "s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t", "u", "u",
	"u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z",
	"z", "z", "z", "z", "s", "b", "b", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, "f", NULL, NULL, NULL, NULL, "i", NULL, NULL,
	"l", NULL, NULL, NULL, NULL, NULL, "o", "o", NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, "u", "u", NULL, NULL, NULL, NULL, "z", "z", NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "dz", "dz",
	"dz", "lj", "lj", "lj", "nj", "nj", "nj", "a", "a", "i", "i", "o", "o", "u", "u", "u",
	"u", "u", "u", "u", "u", "u", "u", NULL, "a", "a", "a", "a", "ae", "ae", NULL, NULL,
	"g", "g", "k", "k", "o", "o", "o", "o", NULL, NULL, "j", "dz", "dz", "dz", "g", "g",
	NULL, NULL, "n", "n", "a", "a", "ae", "ae", "o", "o", "a", "a", "a", "a", "e", "e", "e",
	"e", "i", "i", "i", "i", "o", "o", "o", "o", "r", "r", "r", "r", "u", "u", "u", "u",
	"s", "s", "t", "t", NULL, NULL, "h", "h", NULL, NULL, "ou", "ou", NULL, NULL, "a", "a",
	"e", "e", "o", "o", "o", "o", "o", "o", "o", "o", "y", "y", NULL, NULL, NULL, NULL,
	"db", "qp", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* Decodes one UTF-8 sequence at s[0..n); returns its length, 0 for an invalid one. */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		c = s[0] & 0x1f;
		len = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = s[0] & 0x0f;
		len = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		c = s[0] & 0x07;
		len = 4;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
add_utf8(buf_t *b, uint32_t c)
{
	char t[4];
	size_t n;

	if (c < 0x80) {
		t[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		t[0] = (char)(0xc0 | (c >> 6));
		t[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		t[0] = (char)(0xe0 | (c >> 12));
		t[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		t[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		t[0] = (char)(0xf0 | (c >> 18));
		t[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		t[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_add(b, t, n);
}

static int
is_apostrophe(uint32_t c)
{
	return c == '\'' || c == '`' || c == 0x2019 || c == 0x2018 || c == 0x02bc || c == 0x00b4;
}

/* A letter or digit of another script than Latin, kept (lowercased when we know how). */
static uint32_t
other_letter(uint32_t c)
{
	if (c >= 0x0391 && c <= 0x03a9 && c != 0x03a2)  /* Greek capitals */
		return c + 0x20;
	if (c >= 0x0410 && c <= 0x042f)                  /* Cyrillic capitals */
		return c + 0x20;
	if (c >= 0x0400 && c <= 0x040f)
		return c + 0x50;
	return c;
}

static int
is_separator_cp(uint32_t c)
{
	if (c < 0x80)
		return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
	if (c < 0xc0)            /* Latin-1 punctuation, NBSP, symbols */
		return c != 0xaa && c != 0xba && c != 0xb5;
	if ((c >= 0x2000 && c <= 0x206f) || c == 0x3000 || (c >= 0x3001 && c <= 0x3003) ||
	    c == 0xfeff || (c >= 0xff01 && c <= 0xff0f) || c == 0x02bb)
		return 1;
	return 0;
}

int
names_fold(const char *s, size_t n, int flags, buf_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len, start = out->len;
	uint32_t c, prev = 0;
	int rc, pending_sep = 0;

	while (i < n) {
		len = utf8_next(p + i, n - i, &c);
		if (len == 0) {          /* an invalid byte separates words */
			i++;
			pending_sep = 1;
			prev = 0;
			continue;
		}
		i += len;
		if (c >= 0x0300 && c <= 0x036f) {   /* combining marks */
			if ((flags & NAMES_FOLD_GERMAN) && c == 0x0308 &&
			    (prev == 'a' || prev == 'o' || prev == 'u')) {
				if ((rc = buf_addc(out, 'e')) != BUF_OK)
					return rc;
				prev = 'e';
			}
			continue;
		}
		if (is_apostrophe(c))
			continue;
		if (is_separator_cp(c)) {
			pending_sep = 1;
			prev = 0;
			continue;
		}
		if (pending_sep && out->len > start)
			if ((rc = buf_addc(out, ' ')) != BUF_OK)
				return rc;
		pending_sep = 0;
		if (c < 0x80) {
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			rc = buf_addc(out, (char)c);
			prev = c;
		} else if (c == 0xaa || c == 0xba) {  /* ª º */
			rc = buf_addc(out, c == 0xaa ? 'a' : 'o');
			prev = 0;
		} else if (c >= 0xc0 && c < 0x250) {
			const char *f = latin_fold[c - 0xc0];

			if ((flags & NAMES_FOLD_GERMAN) &&
			    (c == 0xe4 || c == 0xc4 || c == 0xf6 || c == 0xd6 || c == 0xfc || c == 0xdc))
				f = c == 0xe4 || c == 0xc4 ? "ae" : c == 0xf6 || c == 0xd6 ? "oe" : "ue";
			if (f == NULL)
				rc = add_utf8(out, c);
			else if (f[0] == ' ') {
				pending_sep = 1;
				rc = BUF_OK;
			} else
				rc = buf_adds(out, f);
			prev = 0;
		} else {
			rc = add_utf8(out, other_letter(c));
			prev = 0;
		}
		if (rc != BUF_OK)
			return rc;
	}
	return BUF_OK;
}

/* ---- parsing names ---- */

static const char *const honorifics[] = {
	"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "herr", "frau", "mme",
	"mlle", "sr", "sra", "srta", "dott", "dssa", "ing", "dipl", "mag", "dhr", "mevr", "lic",
	"eng", "ir", NULL
};
static const char *const suffixes[] = {
	"jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "cpa", "esq", "msc", "cfa", "pmp",
	NULL
};

static int
in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

struct words {
	char w[NAMES_MAX_WORDS][NAMES_MAX_WORD];
	char de[NAMES_MAX_WORDS][NAMES_MAX_WORD];
	size_t n;
};

/* Splits the folded text of s[0..n) into words; -1 when they do not fit. */
static int
split_words(const char *s, size_t n, struct words *out)
{
	char plain[NAMES_MAX_WORDS * NAMES_MAX_WORD], de[NAMES_MAX_WORDS * NAMES_MAX_WORD * 2];
	buf_t b1, b2;
	const char *p, *q, *e;
	size_t i, len;
	int rc = 0;

	out->n = 0;
	buf_init(&b1, sizeof plain - 1);
	buf_init(&b2, sizeof de - 1);
	if (names_fold(s, n, 0, &b1) != BUF_OK || names_fold(s, n, NAMES_FOLD_GERMAN, &b2) != BUF_OK) {
		rc = -1;
		goto out;
	}
	/* Same separators in both folds: the words correspond one to one. */
	for (i = 0, p = buf_ptr(&b1); *p; i++) {
		if (i >= NAMES_MAX_WORDS) {
			rc = -1;
			goto out;
		}
		e = strchr(p, ' ');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len >= NAMES_MAX_WORD) {
			rc = -1;
			goto out;
		}
		memcpy(out->w[i], p, len);
		out->w[i][len] = '\0';
		p += len + (e != NULL);
	}
	out->n = i;
	for (i = 0, q = buf_ptr(&b2); *q && i < out->n; i++) {
		e = strchr(q, ' ');
		len = e ? (size_t)(e - q) : strlen(q);
		if (len >= NAMES_MAX_WORD)
			len = NAMES_MAX_WORD - 1;
		memcpy(out->de[i], q, len);
		out->de[i][len] = '\0';
		q += (e ? (size_t)(e - q) + 1 : strlen(q));
	}
	for (; i < out->n; i++)
		memcpy(out->de[i], out->w[i], NAMES_MAX_WORD);
out:
	buf_free(&b1);
	buf_free(&b2);
	return rc;
}

static void
drop_word(struct words *w, size_t i)
{
	memmove(&w->w[i], &w->w[i + 1], (w->n - i - 1) * sizeof w->w[0]);
	memmove(&w->de[i], &w->de[i + 1], (w->n - i - 1) * sizeof w->de[0]);
	w->n--;
}

/* Leading honorifics and trailing suffixes go while at least keep words remain. */
static void
strip_words(struct words *w, int lead, int trail, size_t keep)
{
	while (lead && w->n > keep && in_list(w->w[0], honorifics))
		drop_word(w, 0);
	while (trail && w->n > keep && in_list(w->w[w->n - 1], suffixes))
		drop_word(w, w->n - 1);
}

static int
all_suffixes(const struct words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!in_list(w->w[i], suffixes))
			return 0;
	return 1;
}

static void
copy_words(char dst[][NAMES_MAX_WORD], char dst_de[][NAMES_MAX_WORD], size_t *dn,
    const struct words *w)
{
	memcpy(dst, w->w, w->n * sizeof w->w[0]);
	memcpy(dst_de, w->de, w->n * sizeof w->de[0]);
	*dn = w->n;
}

static int
set_email(const char *s, size_t n, struct names_name *out)
{
	char tmp[NAMES_EMAIL_MAX];

	if (n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return domain_email_normalize(tmp, out->email, sizeof out->email) == 0 ? 0 : -1;
}

int
names_parse(const char *s, struct names_name *out)
{
	struct words a, b;
	const char *lt, *gt, *comma, *end;
	size_t n;

	memset(out, 0, sizeof *out);
	if (s == NULL)
		return -1;
	n = strlen(s);
	/* "Pat Ng <pat@globex.com>" */
	lt = memchr(s, '<', n);
	gt = lt ? memchr(lt, '>', n - (size_t)(lt - s)) : NULL;
	if (lt && gt && memchr(lt, '@', (size_t)(gt - lt))) {
		set_email(lt + 1, (size_t)(gt - lt - 1), out);
		n = (size_t)(lt - s);
	} else if (memchr(s, '@', n)) {
		/* a bare address: nothing else to read */
		return set_email(s, n, out);
	}
	end = s + n;
	comma = memchr(s, ',', n);
	if (comma) {
		if (split_words(comma + 1, (size_t)(end - comma - 1), &b) != 0)
			return out->email[0] ? 0 : -1;
		if (b.n == 0 || all_suffixes(&b))
			comma = NULL;   /* "Pat Ng, PhD": not "Last, First" */
		else
			end = comma;
	}
	if (split_words(s, (size_t)(end - s), &a) != 0)
		return out->email[0] ? 0 : -1;
	if (comma) {
		/* "Ng, Pat J." or "Ng Jr., Dr. Pat" */
		strip_words(&a, 0, 1, 1);
		strip_words(&b, 1, 1, 1);
		/* a third part ("Ng, Pat, Jr.") was folded into b: drop its suffixes */
		if (a.n == 0 || b.n == 0)
			return out->email[0] ? 0 : -1;
		copy_words(out->last, out->last_de, &out->nlast, &a);
		copy_words(out->first, out->first_de, &out->nfirst, &b);
		out->split = 1;
		return 0;
	}
	strip_words(&a, 1, 1, 2);
	if (a.n == 0)
		return out->email[0] ? 0 : -1;
	copy_words(out->all, out->all_de, &out->nall, &a);
	return 0;
}

int
names_contact(const char *first, const char *last, const char *full, const char *email,
    struct names_name *out)
{
	struct words f, l;
	int have_first, have_last;

	memset(out, 0, sizeof *out);
	if (email)
		set_email(email, strlen(email), out);
	have_first = first && split_words(first, strlen(first), &f) == 0 && f.n > 0;
	have_last = last && split_words(last, strlen(last), &l) == 0 && l.n > 0;
	if (!have_first && !have_last && full) {
		struct names_name p;

		if (names_parse(full, &p) == 0 && !p.split && p.nall >= 2) {
			/* "Pat J. Ng": the last word is the last name */
			memcpy(out->first, p.all, (p.nall - 1) * sizeof p.all[0]);
			memcpy(out->first_de, p.all_de, (p.nall - 1) * sizeof p.all_de[0]);
			out->nfirst = p.nall - 1;
			memcpy(out->last[0], p.all[p.nall - 1], NAMES_MAX_WORD);
			memcpy(out->last_de[0], p.all_de[p.nall - 1], NAMES_MAX_WORD);
			out->nlast = 1;
		} else if (p.split) {
			memcpy(out->first, p.first, sizeof p.first);
			memcpy(out->first_de, p.first_de, sizeof p.first_de);
			out->nfirst = p.nfirst;
			memcpy(out->last, p.last, sizeof p.last);
			memcpy(out->last_de, p.last_de, sizeof p.last_de);
			out->nlast = p.nlast;
		}
	} else {
		if (have_first) {
			strip_words(&f, 1, 0, 1);
			copy_words(out->first, out->first_de, &out->nfirst, &f);
		}
		if (have_last) {
			strip_words(&l, 0, 1, 1);
			copy_words(out->last, out->last_de, &out->nlast, &l);
		}
	}
	out->split = 1;
	return out->email[0] || (out->nfirst && out->nlast) ? 0 : -1;
}

/* ---- matching ---- */

static int
word_eq(const char *a, const char *a_de, const char *b, const char *b_de)
{
	return strcmp(a, b) == 0 || strcmp(a_de, b_de) == 0;
}

/* One word is a single letter and the other starts with it. */
static int
initial_of(const char *a, const char *b)
{
	if (a[0] && !a[1] && b[0] && b[1])
		return a[0] == b[0];
	if (b[0] && !b[1] && a[0] && a[1])
		return a[0] == b[0];
	return 0;
}

/*
 * Compares the given first (and middle) names g[0..gn) with the contact's
 * c[0..cn): 3 all equal, 2 same first name, 1 first initial only, 0 no.
 */
static int
first_level(const char g[][NAMES_MAX_WORD], const char g_de[][NAMES_MAX_WORD], size_t gn,
    const char c[][NAMES_MAX_WORD], const char c_de[][NAMES_MAX_WORD], size_t cn)
{
	size_t i;
	int same_first, exact;

	if (gn == 0 || cn == 0)
		return 0;
	same_first = word_eq(g[0], g_de[0], c[0], c_de[0]);
	if (!same_first && !initial_of(g[0], c[0]))
		return 0;
	exact = same_first && gn == cn;
	for (i = 1; i < gn && i < cn; i++) {
		if (word_eq(g[i], g_de[i], c[i], c_de[i]))
			continue;
		if (!initial_of(g[i], c[i]))
			return 0;   /* middle names that disagree: another person */
		exact = 0;
	}
	return exact ? 3 : same_first ? 2 : 1;
}

int
names_match(const struct names_name *g, const struct names_name *c)
{
	size_t i, k;

	if (g->email[0] && c->email[0] && strcmp(g->email, c->email) == 0)
		return 4;
	if (c->nfirst == 0 || c->nlast == 0)
		return 0;
	if (g->split) {
		if (g->nlast != c->nlast)
			return 0;
		for (i = 0; i < c->nlast; i++)
			if (!word_eq(g->last[i], g->last_de[i], c->last[i], c->last_de[i]))
				return 0;
		return first_level(g->first, g->first_de, g->nfirst, c->first, c->first_de,
		    c->nfirst);
	}
	if (g->nall < 2 || g->nall <= c->nlast)
		return 0;
	k = g->nall - c->nlast;
	for (i = 0; i < c->nlast; i++)
		if (!word_eq(g->all[k + i], g->all_de[k + i], c->last[i], c->last_de[i]))
			return 0;
	return first_level(g->all, g->all_de, k, c->first, c->first_de, c->nfirst);
}

long
names_pick(const char *s, const struct names_name *contacts, size_t n, int *level)
{
	struct names_name g;
	long best = -1;
	int best_level = 0, ties = 0, lv;
	size_t i;

	if (level)
		*level = 0;
	if (names_parse(s, &g) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		lv = names_match(&g, &contacts[i]);
		if (lv == 0)
			continue;
		if (lv > best_level) {
			best_level = lv;
			best = (long)i;
			ties = 0;
		} else if (lv == best_level)
			ties++;
	}
	if (best < 0 || ties > 0)
		return -1;
	if (level)
		*level = best_level;
	return best;
}
