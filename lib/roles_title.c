/* roles_title: see roles_title.h. */
#include "roles_title.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memo.h"
#include "names.h"

/* ======================================================================
 * Compiled title rules
 * ====================================================================== */

#define T_MAX_WORDS 32
#define T_MAX_WORD 48

enum { ALT_PREFIX = 1, ALT_SUFFIX = 2 };

struct alt {
	char *s;
	size_t len;
	int flags;
};
struct word {
	struct alt *alts;
	size_t nalts;
};
struct phrase {
	struct word *words;
	size_t nwords;
};
struct term {
	struct phrase *phrases;
	size_t nphrases;
};
struct rule {
	int role;
	int whole;
	struct term *terms;
	size_t nterms;
};

struct roles_titles {
	struct rule *rules;
	size_t nrules;
	memo_t *cache;     /* title -> role, rule */
};

struct twords {
	char w[T_MAX_WORDS][T_MAX_WORD];
	size_t len[T_MAX_WORDS];
	size_t n;
};

static const char *
macro_text(const char *name, size_t n)
{
	size_t i;

	for (i = 0; roles_title_macros[i][0]; i++)
		if (strlen(roles_title_macros[i][0]) == n && memcmp(roles_title_macros[i][0], name, n) == 0)
			return roles_title_macros[i][1];
	return NULL;
}

static int
add_alt(struct word *w, const char *s, size_t n)
{
	struct alt *a;
	int flags = 0;

	if (n && s[n - 1] == '*') {
		flags |= ALT_PREFIX;
		n--;
	}
	if (n && s[0] == '*') {
		flags |= ALT_SUFFIX;
		s++;
		n--;
	}
	if (n == 0)
		return -1;
	if ((a = realloc(w->alts, (w->nalts + 1) * sizeof *a)) == NULL)
		return -1;
	w->alts = a;
	a = &w->alts[w->nalts];
	if ((a->s = strndup(s, n)) == NULL)
		return -1;
	a->len = n;
	a->flags = flags;
	w->nalts++;
	return 0;
}

/* Adds the alternatives of s[0..n), separated by sep ('/' in a pattern, '|' in a macro). */
static int
add_alts(struct word *w, const char *s, size_t n, char sep, int depth)
{
	const char *e, *end = s + n, *m;

	while (s < end) {
		e = memchr(s, sep, (size_t)(end - s));
		if (e == NULL)
			e = end;
		if (s < e && *s == '@') {
			if (depth > 0 || (m = macro_text(s, (size_t)(e - s))) == NULL)
				return -1;
			if (add_alts(w, m, strlen(m), '|', depth + 1) != 0)
				return -1;
		} else if (add_alt(w, s, (size_t)(e - s)) != 0)
			return -1;
		s = e + (e < end);
	}
	return 0;
}

static int
compile_phrase(struct phrase *p, const char *s, size_t n)
{
	const char *e, *end = s + n;
	struct word *w;

	while (s < end) {
		e = memchr(s, ' ', (size_t)(end - s));
		if (e == NULL)
			e = end;
		if (e > s) {
			if ((w = realloc(p->words, (p->nwords + 1) * sizeof *w)) == NULL)
				return -1;
			p->words = w;
			w = &p->words[p->nwords++];
			memset(w, 0, sizeof *w);
			if (add_alts(w, s, (size_t)(e - s), '/', 0) != 0)
				return -1;
		}
		s = e + (e < end);
	}
	return p->nwords ? 0 : -1;
}

static int
compile_term(struct term *t, const char *s, size_t n)
{
	const char *e, *end = s + n;
	struct phrase *p;

	while (s < end) {
		e = memchr(s, '|', (size_t)(end - s));
		if (e == NULL)
			e = end;
		if ((p = realloc(t->phrases, (t->nphrases + 1) * sizeof *p)) == NULL)
			return -1;
		t->phrases = p;
		p = &t->phrases[t->nphrases++];
		memset(p, 0, sizeof *p);
		if (compile_phrase(p, s, (size_t)(e - s)) != 0)
			return -1;
		s = e + (e < end);
	}
	return t->nphrases ? 0 : -1;
}

static int
compile_rule(struct rule *r, int role, const char *pat)
{
	const char *e;
	struct term *t;

	memset(r, 0, sizeof *r);
	r->role = role;
	if (*pat == '=') {
		r->whole = 1;
		pat++;
	}
	for (;;) {
		e = strstr(pat, " & ");
		if ((t = realloc(r->terms, (r->nterms + 1) * sizeof *t)) == NULL)
			return -1;
		r->terms = t;
		t = &r->terms[r->nterms++];
		memset(t, 0, sizeof *t);
		if (compile_term(t, pat, e ? (size_t)(e - pat) : strlen(pat)) != 0)
			return -1;
		if (e == NULL)
			break;
		pat = e + 3;
	}
	return r->whole && r->nterms != 1 ? -1 : 0;
}

static void
free_rule(struct rule *r)
{
	size_t i, j, k, l;

	for (i = 0; i < r->nterms; i++) {
		for (j = 0; j < r->terms[i].nphrases; j++) {
			struct phrase *p = &r->terms[i].phrases[j];

			for (k = 0; k < p->nwords; k++) {
				for (l = 0; l < p->words[k].nalts; l++)
					free(p->words[k].alts[l].s);
				free(p->words[k].alts);
			}
			free(p->words);
		}
		free(r->terms[i].phrases);
	}
	free(r->terms);
}

static int
alt_match(const struct alt *a, const char *w, size_t n)
{
	switch (a->flags) {
	case 0:
		return n == a->len && memcmp(w, a->s, n) == 0;
	case ALT_PREFIX:
		return n >= a->len && memcmp(w, a->s, a->len) == 0;
	case ALT_SUFFIX:
		return n >= a->len && memcmp(w + n - a->len, a->s, a->len) == 0;
	default:
		return n >= a->len && memmem(w, n, a->s, a->len) != NULL;
	}
}

static int
word_match(const struct word *wd, const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < wd->nalts; i++)
		if (alt_match(&wd->alts[i], w, n))
			return 1;
	return 0;
}

static int
phrase_at(const struct phrase *p, const struct twords *tw, size_t i)
{
	size_t j;

	if (i + p->nwords > tw->n)
		return 0;
	for (j = 0; j < p->nwords; j++)
		if (!word_match(&p->words[j], tw->w[i + j], tw->len[i + j]))
			return 0;
	return 1;
}

static int
term_found(const struct term *t, const struct twords *tw)
{
	size_t i, j;

	for (j = 0; j < t->nphrases; j++)
		for (i = 0; i < tw->n; i++)
			if (phrase_at(&t->phrases[j], tw, i))
				return 1;
	return 0;
}

static int
rule_match(const struct rule *r, const struct twords *tw)
{
	size_t i;

	if (tw->n == 0)
		return 0;
	if (r->whole) {
		for (i = 0; i < r->terms[0].nphrases; i++)
			if (r->terms[0].phrases[i].nwords == tw->n && phrase_at(&r->terms[0].phrases[i], tw, 0))
				return 1;
		return 0;
	}
	for (i = 0; i < r->nterms; i++)
		if (!term_found(&r->terms[i], tw))
			return 0;
	return 1;
}

/* ---- title words ---- */

static void
tw_push(struct twords *tw, const char *s, size_t n)
{
	if (tw->n >= T_MAX_WORDS || n == 0)
		return;
	if (n >= T_MAX_WORD)
		n = T_MAX_WORD - 1;
	memcpy(tw->w[tw->n], s, n);
	tw->w[tw->n][n] = '\0';
	tw->len[tw->n] = n;
	tw->n++;
}

static void
tw_push_words(struct twords *tw, const char *s)
{
	const char *e;

	while (*s) {
		e = strchr(s, ' ');
		if (e == NULL)
			e = s + strlen(s);
		tw_push(tw, s, (size_t)(e - s));
		s = *e ? e + 1 : e;
	}
}

/* Does the phrase key (words one blank apart) start at word i? Returns its length in words. */
static size_t
key_at(const struct twords *tw, size_t i, const char *key)
{
	size_t n = 0, len;
	const char *e;

	while (*key) {
		e = strchr(key, ' ');
		len = e ? (size_t)(e - key) : strlen(key);
		if (i + n >= tw->n || tw->len[i + n] != len || memcmp(tw->w[i + n], key, len) != 0)
			return 0;
		n++;
		key += len + (e != NULL);
	}
	return n;
}

static void
title_words(const char *title, struct twords *out)
{
	char fold[1024];
	struct twords raw, merged;
	buf_t b;
	size_t i, j, k, n;

	out->n = 0;
	buf_init(&b, sizeof fold - 1);
	names_fold(title, strlen(title), 0, &b);   /* a title too long is cut, never refused */
	raw.n = 0;
	tw_push_words(&raw, buf_ptr(&b));
	buf_free(&b);
	/* single letters in a row make one word: "v p" -> "vp", "r d" -> "rd" */
	merged.n = 0;
	for (i = 0; i < raw.n; i = j) {
		char w[T_MAX_WORD];

		for (j = i, n = 0; j < raw.n && raw.len[j] == 1 && raw.w[j][0] >= 'a' &&
		    raw.w[j][0] <= 'z' && n < T_MAX_WORD - 1; j++)
			w[n++] = raw.w[j][0];
		if (j - i >= 2)
			tw_push(&merged, w, n);
		else {
			tw_push(&merged, raw.w[i], raw.len[i]);
			j = i + 1;
		}
	}
	/* abbreviations and spellings */
	for (i = 0; i < merged.n;) {
		for (k = 0; roles_title_words[k][0]; k++)
			if ((n = key_at(&merged, i, roles_title_words[k][0])) > 0)
				break;
		if (roles_title_words[k][0]) {
			tw_push_words(out, roles_title_words[k][1]);
			i += n;
		} else {
			tw_push(out, merged.w[i], merged.len[i]);
			i++;
		}
	}
}

static int
title_lookup(const roles_titles_t *r, const char *title, int *rule)
{
	struct twords tw;
	size_t i;

	*rule = -1;
	title_words(title, &tw);
	for (i = 0; i < r->nrules; i++)
		if (rule_match(&r->rules[i], &tw)) {
			*rule = (int)i;
			return r->rules[i].role;
		}
	return ROLES_NONE;
}

int
roles_titles_match(roles_titles_t *t, const char *title, int *rule)
{
	int role, rl;

	if (rule)
		*rule = -1;
	if (title == NULL || *title == '\0')
		return ROLES_NONE;
	if (!memo_get(t->cache, title, &role, &rl)) {
		role = title_lookup(t, title, &rl);
		memo_put(t->cache, title, role, rl);
	}
	if (rule)
		*rule = rl;
	return role;
}

roles_titles_t *
roles_titles_new(size_t cache, char *err, size_t errlen)
{
	roles_titles_t *t = calloc(1, sizeof *t);
	size_t i, n;

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (n = 0; roles_title_rules[n].pattern; n++)
		;
	t->rules = calloc(n, sizeof *t->rules);
	t->cache = memo_new(cache ? cache : 4096, 255);
	if (t->rules == NULL || t->cache == NULL) {
		snprintf(err, errlen, "out of memory");
		roles_titles_free(t);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		t->nrules = i + 1;
		if (compile_rule(&t->rules[i], roles_title_rules[i].role,
		    roles_title_rules[i].pattern) != 0) {
			snprintf(err, errlen, "title rule %zu does not compile (or memory ran out): %s",
			    i + 1, roles_title_rules[i].pattern);
			roles_titles_free(t);
			return NULL;
		}
	}
	return t;
}

void
roles_titles_free(roles_titles_t *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nrules; i++)
		free_rule(&t->rules[i]);
	free(t->rules);
	memo_free(t->cache);
	free(t);
}

/* ---- other tables in the same language ---- */

struct roles_titleset {
	struct rule *rules;
	size_t nrules;
};

roles_titleset_t *
roles_titleset_new(const struct roles_title_rule *rules, char *err, size_t errlen)
{
	roles_titleset_t *s = calloc(1, sizeof *s);
	size_t n;

	for (n = 0; rules[n].pattern; n++)
		;
	if (s == NULL || (s->rules = calloc(n ? n : 1, sizeof *s->rules)) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (s->nrules = 0; s->nrules < n; s->nrules++)
		if (compile_rule(&s->rules[s->nrules], rules[s->nrules].role,
		    rules[s->nrules].pattern) != 0) {
			snprintf(err, errlen, "title rule %zu does not compile (or memory ran out): %s",
			    s->nrules + 1, rules[s->nrules].pattern);
			s->nrules++;
			roles_titleset_free(s);
			return NULL;
		}
	return s;
}

void
roles_titleset_free(roles_titleset_t *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nrules; i++)
		free_rule(&s->rules[i]);
	free(s->rules);
	free(s);
}

int
roles_titleset_match(const roles_titleset_t *s, const char *title)
{
	struct twords tw;
	size_t i;

	if (title == NULL)
		return -1;
	title_words(title, &tw);
	for (i = 0; i < s->nrules; i++)
		if (rule_match(&s->rules[i], &tw))
			return s->rules[i].role;
	return -1;
}
