#include "jspan.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One validator, with no error reporting: fast_parse, a plain recursive-descent
 * scan without recursion, takes every valid text and says only yes or no. On
 * no, json_parse (lib/json.h) is asked why, so that the code, message and
 * column are its own by construction.
 *
 * Containers need no stack of states, only which kind each open one is (a bit
 * per level, the first 4096 levels in an array on the C stack): the state
 * after a value follows from the kind of the container it is in.
 */

#define LOCAL_LEVELS 4096
#define NONE ((size_t)-1)

/* The index: deeper than this, containers are not indexed (they are scanned). */
#define JSPAN_INDEX_DEPTH 64
#define JSPAN_NONE ((size_t)-1)    /* first[]: members not indexed; next: the last */
#define JSPAN_EMPTY ((size_t)-2)   /* first[]: an object indexed with no member */
typedef struct {
	size_t key, key_end;       /* its key's literal, quotes included */
	size_t val, val_end;       /* its value */
	size_t next;               /* the next member of its object in mem[], or JSPAN_NONE */
} jspan_ixmember_t;
struct jspan_index {
	size_t *at;          /* start, end (past the close) of each container, by start */
	size_t n, cap;       /* containers held; room for */
	size_t *first;       /* per container: its first member in mem[], JSPAN_EMPTY,
	                      * or JSPAN_NONE (an array, or members not all held) */
	jspan_ixmember_t *mem;
	size_t nmem, memcap; /* members held; room for */
};
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
#define SWAR 1
#else
#define SWAR 0
#endif

/* yajl's whitespace: space, \t \n \v \f \r. */
static inline int
is_ws(unsigned c)
{
	return c == ' ' || c - '\t' < 5u;
}

static inline int
is_digit(unsigned c)
{
	return c - '0' < 10u;
}

static inline int
is_hex(unsigned c)
{
	return c - '0' < 10u || (c | 0x20) - 'a' < 6u;
}

static inline unsigned
hex_val(unsigned c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* A byte a string scan must stop at: '"', '\\', a control byte, or not ASCII. */
static inline int
str_special(unsigned c)
{
	return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

/*
 * The first byte at or after q that a string scan must stop at (str_special),
 * or n: eight bytes at a time where the machine allows (SWAR).
 */
static inline size_t
plain_run(const unsigned char *s, size_t n, size_t q)
{
#if SWAR
	while (n - q >= 8) {
		uint64_t x, m;

		memcpy(&x, s + q, 8);
		m = ((x - ONES * 0x20) & ~x) | x |
		    (((x ^ (ONES * '"')) - ONES) & ~(x ^ (ONES * '"'))) |
		    (((x ^ (ONES * '\\')) - ONES) & ~(x ^ (ONES * '\\')));
		m &= HIGHS;
		if (m)   /* the lowest flagged byte is a true one */
			return q + ((size_t)__builtin_ctzll(m) >> 3);
		q += 8;
	}
#endif
	while (q < n && !str_special(s[q]))
		q++;
	return q;
}

/* The length of the strict UTF-8 sequence at s (n bytes left), 0 when there is none. */
static inline size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80 ||
		    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* Past the closing quote of a valid string whose inside begins at q; 0 when it is not one. */
static inline size_t
fast_string(const unsigned char *s, size_t n, size_t q)
{
	size_t k;
	unsigned c;

	for (;;) {
		q = plain_run(s, n, q);
		if (q >= n)
			return 0;
		c = s[q];
		if (c == '"')
			return q + 1;
		if (c == '\\') {
			if (n - q < 2)
				return 0;
			c = s[q + 1];
			if (c == 'u') {
				if (n - q < 6 || !is_hex(s[q + 2]) || !is_hex(s[q + 3]) ||
				    !is_hex(s[q + 4]) || !is_hex(s[q + 5]))
					return 0;
				q += 6;
			} else if (c == '"' || c == '\\' || c == '/' || c == 'b' ||
			    c == 'f' || c == 'n' || c == 'r' || c == 't')
				q += 2;
			else
				return 0;
			continue;
		}
		if (c < 0x80 || (k = utf8_len(s + q, n - q)) == 0)
			return 0;
		q += k;
	}
}

/* Past the end of a valid number that begins at q; 0 when it is not one. */
static inline size_t
fast_number(const unsigned char *s, size_t n, size_t q)
{
	if (s[q] == '-' && ++q == n)
		return 0;
	if (s[q] == '0')
		q++;
	else if (s[q] >= '1' && s[q] <= '9')
		while (++q < n && is_digit(s[q]))
			;
	else
		return 0;
	if (q < n && s[q] == '.') {
		if (++q == n || !is_digit(s[q]))
			return 0;
		while (++q < n && is_digit(s[q]))
			;
	}
	if (q < n && (s[q] == 'e' || s[q] == 'E')) {
		if (++q < n && (s[q] == '+' || s[q] == '-'))
			q++;
		if (q == n || !is_digit(s[q]))
			return 0;
		while (++q < n && is_digit(s[q]))
			;
	}
	return q;
}

/*
 * The fast path: a validator of the same language, with no error reporting.
 * Returns 1 with *root for a valid text, 0 for anything else (an invalid text,
 * or one nested past LOCAL_LEVELS), which json_parse then looks at.
 */
static int
fast_parse(const unsigned char *s, size_t n, size_t max_depth, jspan_t *root, jspan_index_t *ix)
{
	uint64_t bits[LOCAL_LEVELS / 64];
	size_t open[JSPAN_INDEX_DEPTH];   /* the index entry of each open container, or NONE */
	/* Of each open object: its last member indexed, and the one whose value is being read. */
	size_t lastm[JSPAN_INDEX_DEPTH], curm[JSPAN_INDEX_DEPTH];
	size_t p = 0, depth = 0, vstart, k, ke, d, m;
	int members = ix && ix->first && ix->mem;
	unsigned c;

	if (max_depth > LOCAL_LEVELS)
		max_depth = LOCAL_LEVELS;
	while (p < n && is_ws(s[p]))
		p++;
	vstart = p;
value:
	if (p >= n)
		return 0;
	c = s[p];
	if (c == '"') {
		if ((p = fast_string(s, n, p + 1)) == 0)
			return 0;
	} else if (c == '{' || c == '[') {
		if (depth >= max_depth)
			return 0;
		if (c == '{')
			bits[depth >> 6] |= (uint64_t)1 << (depth & 63);
		else
			bits[depth >> 6] &= ~((uint64_t)1 << (depth & 63));
		if (ix && depth < JSPAN_INDEX_DEPTH) {
			if (ix->n < ix->cap) {
				ix->at[2 * ix->n] = p;
				if (members)
					ix->first[ix->n] = c == '{' ? JSPAN_EMPTY : JSPAN_NONE;
				open[depth] = ix->n++;
			} else
				open[depth] = NONE;
			lastm[depth] = curm[depth] = NONE;
		}
		depth++;
		p++;
		while (p < n && is_ws(s[p]))
			p++;
		if (p >= n)
			return 0;
		if (s[p] == (c == '{' ? '}' : ']')) {
			p++;
			depth--;
			goto closed;
		}
		if (c == '[')
			goto value;
		goto key;
	} else if (c == '-' || is_digit(c)) {
		if ((p = fast_number(s, n, p)) == 0)
			return 0;
	} else if (c == 't') {
		if (n - p < 4 || memcmp(s + p, "true", 4) != 0)
			return 0;
		p += 4;
	} else if (c == 'f') {
		if (n - p < 5 || memcmp(s + p, "false", 5) != 0)
			return 0;
		p += 5;
	} else if (c == 'n') {
		if (n - p < 4 || memcmp(s + p, "null", 4) != 0)
			return 0;
		p += 4;
	} else
		return 0;
after_value:
	/* The value of a member indexed ends here. */
	if (members && depth > 0 && depth - 1 < JSPAN_INDEX_DEPTH && curm[depth - 1] != NONE) {
		ix->mem[curm[depth - 1]].val_end = p;
		curm[depth - 1] = NONE;
	}
	if (depth == 0) {
		root->off = vstart;
		root->len = p - vstart;
		while (p < n && is_ws(s[p]))
			p++;
		return p == n;
	}
	while (p < n && is_ws(s[p]))
		p++;
	if (p >= n)
		return 0;
	c = s[p++];
	if ((bits[(depth - 1) >> 6] >> ((depth - 1) & 63)) & 1) {
		if (c == '}') {
			depth--;
			goto closed;
		}
		if (c != ',')
			return 0;
		while (p < n && is_ws(s[p]))
			p++;
		goto key;
	}
	if (c == ']') {
		depth--;
		goto closed;
	}
	if (c != ',')
		return 0;
	while (p < n && is_ws(s[p]))
		p++;
	goto value;
closed:   /* the container opened at depth ends at p */
	if (ix && depth < JSPAN_INDEX_DEPTH && open[depth] != NONE)
		ix->at[2 * open[depth] + 1] = p;
	goto after_value;
key:
	k = p;
	if (p >= n || s[p] != '"' || (p = fast_string(s, n, p + 1)) == 0)
		return 0;
	ke = p;
	while (p < n && is_ws(s[p]))
		p++;
	if (p >= n || s[p] != ':')
		return 0;
	p++;
	while (p < n && is_ws(s[p]))
		p++;
	d = depth - 1;   /* the object's own depth */
	if (members && d < JSPAN_INDEX_DEPTH && open[d] != NONE && ix->first[open[d]] != JSPAN_NONE) {
		if (ix->nmem < ix->memcap) {
			m = ix->nmem++;
			ix->mem[m].key = k;
			ix->mem[m].key_end = ke;
			ix->mem[m].val = p;
			ix->mem[m].next = JSPAN_NONE;
			if (lastm[d] == NONE)
				ix->first[open[d]] = m;
			else
				ix->mem[lastm[d]].next = m;
			lastm[d] = curm[d] = m;
		} else
			ix->first[open[d]] = JSPAN_NONE;   /* no room: its members are scanned */
	}
	goto value;
}

jspan_index_t *
jspan_index_new(size_t containers, size_t members)
{
	jspan_index_t *ix = calloc(1, sizeof *ix);

	if (ix == NULL)
		return NULL;
	if (containers > 0) {
		if ((ix->at = malloc(2 * containers * sizeof *ix->at)) == NULL)
			goto nomem;
		ix->cap = containers;
		if (members > 0) {
			if ((ix->first = malloc(containers * sizeof *ix->first)) == NULL ||
			    (ix->mem = malloc(members * sizeof *ix->mem)) == NULL)
				goto nomem;
			ix->memcap = members;
		}
	}
	return ix;
nomem:
	jspan_index_free(ix);
	return NULL;
}

void
jspan_index_free(jspan_index_t *ix)
{
	if (ix == NULL)
		return;
	free(ix->at);
	free(ix->first);
	free(ix->mem);
	free(ix);
}

void
jspan_index_clear(jspan_index_t *ix)
{
	ix->n = ix->nmem = 0;
}

int
jspan_index_copy(jspan_index_t *dst, const jspan_index_t *src)
{
	int members = src->first && src->mem && src->n > 0;
	size_t *p;
	jspan_ixmember_t *m;

	jspan_index_clear(dst);
	if (src->n > dst->cap || (members && dst->first == NULL)) {
		size_t cap = src->n > dst->cap ? src->n : dst->cap;

		if ((p = realloc(dst->at, 2 * cap * sizeof *p)) == NULL)
			return -1;
		dst->at = p;
		if ((p = realloc(dst->first, cap * sizeof *p)) == NULL)
			return -1;
		dst->first = p;
		dst->cap = cap;
	}
	if (members && (src->nmem > dst->memcap || dst->mem == NULL)) {
		size_t cap = src->nmem > dst->memcap ? src->nmem : dst->memcap ? dst->memcap : 1;

		if ((m = realloc(dst->mem, cap * sizeof *m)) == NULL)
			return -1;
		dst->mem = m;
		dst->memcap = cap;
	}
	if (src->n > 0)
		memcpy(dst->at, src->at, 2 * src->n * sizeof *src->at);
	if (members) {
		memcpy(dst->first, src->first, src->n * sizeof *src->first);
		if (src->nmem > 0)
			memcpy(dst->mem, src->mem, src->nmem * sizeof *src->mem);
		dst->nmem = src->nmem;
	} else if (dst->first)
		for (size_t i = 0; i < src->n; i++)
			dst->first[i] = JSPAN_NONE;
	dst->n = src->n;
	return 0;
}

size_t
jspan_index_containers(const jspan_index_t *ix)
{
	return ix->n;
}

jspan_t
jspan_index_container(const jspan_index_t *ix, size_t i)
{
	if (i >= ix->n)
		return (jspan_t){ 0, 0 };
	return (jspan_t){ ix->at[2 * i], ix->at[2 * i + 1] - ix->at[2 * i] };
}

size_t
jspan_index_members(const jspan_index_t *ix)
{
	return ix->nmem;
}

/*
 * What jspan_parse_index does when fast_parse says no: json_parse says why.
 * It also takes what fast_parse leaves to it (a valid text nested past
 * LOCAL_LEVELS), and then the value is the text without the whitespace
 * around it.
 */
static int
why_not(const char *s, size_t n, size_t max_depth, jspan_t *root,
    size_t *col, char *err, size_t errlen)
{
	json_t *v;
	size_t at;
	int rc;

	root->off = root->len = 0;
	rc = json_parse(s, n, max_depth, &v, col, err, errlen);
	json_free(v);
	if (rc != JSON_OK)
		return rc;
	for (at = 0; is_ws((unsigned char)s[at]); at++)
		;
	while (is_ws((unsigned char)s[n - 1]))
		n--;
	root->off = at;
	root->len = n - at;
	return JSON_OK;
}

int
jspan_parse(const char *s, size_t n, size_t max_depth, jspan_t *root,
    size_t *col, char *err, size_t errlen)
{
	return jspan_parse_index(s, n, max_depth, root, NULL, col, err, errlen);
}

int
jspan_parse_index(const char *s, size_t n, size_t max_depth, jspan_t *root, jspan_index_t *ix,
    size_t *col, char *err, size_t errlen)
{
	if (max_depth == 0)
		max_depth = JSON_MAX_DEPTH_DEFAULT;
	if (ix)
		ix->n = ix->nmem = 0;
	if (s && fast_parse((const unsigned char *)s, n, max_depth, root, ix)) {
		if (col)
			*col = 0;
		return JSON_OK;
	}
	if (ix)
		ix->n = ix->nmem = 0;
	return why_not(s, n, max_depth, root, col, err, errlen);
}

json_type
jspan_type(const char *s, jspan_t v)
{
	if (v.len == 0)
		return JSON_NULL;
	switch (s[v.off]) {
	case '{': return JSON_OBJECT;
	case '[': return JSON_ARRAY;
	case '"': return JSON_STRING;
	case 't': case 'f': return JSON_BOOL;
	case 'n': return JSON_NULL;
	default: return JSON_NUMBER;
	}
}

/* ---- navigation over validated text; every scan stops at end ---- */

static inline size_t
skip_ws(const unsigned char *s, size_t p, size_t end)
{
	while (p < end && is_ws(s[p]))
		p++;
	return p;
}

/*
 * Past the closing quote of the string literal whose opening quote is at p:
 * the first quote after it that an odd run of backslashes does not escape.
 */
static size_t
skip_str(const unsigned char *s, size_t p, size_t end)
{
	size_t q = p + 1;

	/* The text is valid: an escape is a backslash and the byte after it (the
	 * hex digits of \uXXXX are plain bytes). */
	for (;;) {
		q = plain_run(s, end, q);
		if (q >= end)
			return end;
		if (s[q] == '"')
			return q + 1;
		if (s[q] == '\\') {
			if (end - q <= 2)
				return end;
			q += 2;
		} else
			q++;
	}
}

/* The index entry of the container that begins at p, or NONE. */
static size_t
indexed(const jspan_index_t *ix, size_t p)
{
	size_t lo = 0, hi = ix->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ix->at[2 * mid] < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && ix->at[2 * lo] == p ? lo : NONE;
}

/* Where the container that begins at p ends, from the index; 0 when it lacks it. */
static size_t
indexed_end(const jspan_index_t *ix, size_t p)
{
	size_t e = indexed(ix, p);

	return e == NONE ? 0 : ix->at[2 * e + 1];
}

/* Past the end of the value that begins at p. */
static size_t
skip_value(const unsigned char *s, size_t p, size_t end, const jspan_index_t *ix)
{
	size_t depth = 0, e;

	if (p >= end)
		return end;
	if (s[p] == '"')
		return skip_str(s, p, end);
	if (s[p] == '{' || s[p] == '[') {
		/* The index is trusted only inside the span: it never leads a walk out. */
		if (ix && (e = indexed_end(ix, p)) > p && e <= end)
			return e;
		while (p < end) {
			switch (s[p]) {
			case '"':
				p = skip_str(s, p, end);
				continue;
			case '{':
			case '[':
				depth++;
				break;
			case '}':
			case ']':
				if (--depth == 0)
					return p + 1;
				break;
			}
			p++;
		}
		return end;
	}
	while (p < end && !is_ws(s[p]) && s[p] != ',' && s[p] != '}' && s[p] != ']' && s[p] != ':')
		p++;
	return p;
}

/* The bounds of a container's inside, or 0 when v is not that container. */
static int
inside(const char *s, jspan_t v, char open, char close, size_t *p, size_t *end)
{
	if (v.len < 2 || s[v.off] != open || s[v.off + v.len - 1] != close)
		return 0;
	*p = v.off + 1;
	*end = v.off + v.len - 1;
	return 1;
}

int
jspan_member_next(const char *text, jspan_t obj, size_t *pos, jspan_member_t *m)
{
	return jspan_member_next_ix(text, NULL, obj, pos, m);
}

int
jspan_member_next_ix(const char *text, const jspan_index_t *ix, jspan_t obj, size_t *pos,
    jspan_member_t *m)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t p, end, k, ke, v, ve, next;
	int first;

	if (!inside(text, obj, '{', '}', &p, &end))
		return 0;
	first = *pos == 0;
	if (!first) {
		if (*pos <= obj.off || *pos > end)
			return 0;
		p = skip_ws(s, *pos, end);
		if (p >= end || s[p] != ',')
			return 0;
		p++;
	}
	k = skip_ws(s, p, end);
	if (k >= end || s[k] != '"')
		return 0;
	ke = skip_str(s, k, end);
	p = skip_ws(s, ke, end);
	if (p >= end || s[p] != ':')
		return 0;
	v = skip_ws(s, p + 1, end);
	if (v >= end)
		return 0;
	ve = skip_value(s, v, end, ix);
	m->key.off = k;
	m->key.len = ke - k;
	m->val.off = v;
	m->val.len = ve - v;
	if (!first) {
		m->cut.off = *pos;
		m->cut.len = ve - *pos;
	} else {
		next = skip_ws(s, ve, end);
		if (next < end && s[next] == ',') {
			next = skip_ws(s, next + 1, end);
			m->cut.off = k;
			m->cut.len = next - k;
		} else {
			m->cut.off = k;
			m->cut.len = ve - k;
		}
	}
	*pos = ve;
	return 1;
}

size_t
jspan_members_ix(const char *text, const jspan_index_t *ix, jspan_t obj, jspan_member_t *m,
    size_t cap)
{
	size_t p, end, n = 0, prev_end = 0, first_k = 0, e, i;
	const jspan_ixmember_t *x;
	jspan_member_t mm;

	if (!inside(text, obj, '{', '}', &p, &end))
		return 0;
	/* From the index: the members the validator found, linked in order. */
	if (ix && ix->first && ix->mem && (e = indexed(ix, obj.off)) != NONE &&
	    ix->at[2 * e + 1] == obj.off + obj.len && ix->first[e] != JSPAN_NONE) {
		for (i = ix->first[e]; i != JSPAN_EMPTY && i != JSPAN_NONE && i < ix->nmem;
		    i = x->next) {
			x = &ix->mem[i];
			if (n < cap) {
				m[n].key.off = x->key;
				m[n].key.len = x->key_end - x->key;
				m[n].val.off = x->val;
				m[n].val.len = x->val_end - x->val;
				m[n].cut.off = n == 0 ? x->key : prev_end;
				m[n].cut.len = n == 0 ? x->val_end - x->key : x->val_end - prev_end;
			}
			if (n == 0)
				first_k = x->key;
			else if (n == 1 && cap > 0)
				m[0].cut.len = x->key - first_k;
			n++;
			prev_end = x->val_end;
		}
		return n;
	}
	/* Else the walk jspan_member_next makes. */
	for (p = 0; jspan_member_next_ix(text, ix, obj, &p, &mm); n++)
		if (n < cap)
			m[n] = mm;
	return n;
}

int
jspan_elem_next(const char *text, jspan_t arr, size_t *pos, jspan_t *elem)
{
	return jspan_elem_next_ix(text, NULL, arr, pos, elem);
}

int
jspan_elem_next_ix(const char *text, const jspan_index_t *ix, jspan_t arr, size_t *pos,
    jspan_t *elem)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t p, end;

	if (!inside(text, arr, '[', ']', &p, &end))
		return 0;
	if (*pos != 0) {
		if (*pos <= arr.off || *pos > end)
			return 0;
		p = skip_ws(s, *pos, end);
		if (p >= end || s[p] != ',')
			return 0;
		p++;
	}
	p = skip_ws(s, p, end);
	if (p >= end)
		return 0;
	elem->off = p;
	elem->len = skip_value(s, p, end, ix) - p;
	*pos = p + elem->len;
	return 1;
}

/*
 * Decodes the escape at s[*p] (a backslash, end bounding the string's inside)
 * into out, as yajl does; returns how many bytes it wrote (1 to 4).
 */
static size_t
unescape(const unsigned char *s, size_t *p, size_t end, unsigned char out[4])
{
	size_t q = *p;
	unsigned cp, lo;
	int i;

	if (q + 1 >= end) {          /* not in validated text */
		*p = end;
		out[0] = '?';
		return 1;
	}
	*p = q + 2;
	switch (s[q + 1]) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u': break;
	default: out[0] = s[q + 1]; return 1;   /* '"', '\\', '/' */
	}
	if (q + 6 > end) {
		*p = end;
		out[0] = '?';
		return 1;
	}
	for (cp = 0, i = 2; i < 6; i++)
		cp = cp << 4 | hex_val(s[q + i]);
	*p = q + 6;
	if ((cp & 0xfc00) == 0xd800) {
		q += 6;
		if (q + 6 > end || s[q] != '\\' || s[q + 1] != 'u') {
			out[0] = '?';
			return 1;
		}
		for (lo = 0, i = 2; i < 6; i++)
			lo = lo << 4 | hex_val(s[q + i]);
		/* yajl's formula: right for a real pair, and taken for any \u */
		cp = ((cp & 0x3f) << 10) | ((((cp >> 6) & 0xf) + 1) << 16) | (lo & 0x3ff);
		*p = q + 6;
	}
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

long
jspan_str(const char *text, jspan_t v, char *buf, size_t cap)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned char u[4];
	size_t p, end, out = 0, k;
	const unsigned char *bs;

	if (!inside(text, v, '"', '"', &p, &end))
		goto fail;
	while (p < end) {
		bs = memchr(s + p, '\\', end - p);
		k = bs ? (size_t)(bs - s) - p : end - p;
		if (k >= cap - out)
			goto fail;
		memcpy(buf + out, s + p, k);
		out += k;
		p += k;
		if (p >= end)
			break;
		k = unescape(s, &p, end, u);
		if (k >= cap - out)
			goto fail;
		memcpy(buf + out, u, k);
		out += k;
	}
	if (out >= cap || out > (size_t)LONG_MAX)
		goto fail;
	buf[out] = '\0';
	return (long)out;
fail:
	if (cap > 0 && buf)
		buf[0] = '\0';
	return -1;
}

long
jspan_key(const char *text, jspan_t k, char *buf, size_t cap, const char **key)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned char u[4];
	size_t p, end, out = 0, n, i;

	*key = NULL;
	if (!inside(text, k, '"', '"', &p, &end))
		return -1;
	if (memchr(s + p, '\\', end - p) == NULL) {
		*key = text + p;
		return (long)(end - p);
	}
	if (cap == 0)
		return -1;
	while (p < end) {
		if (s[p] == '\\')
			n = unescape(s, &p, end, u);
		else {
			u[0] = s[p++];
			n = 1;
		}
		for (i = 0; i < n; i++) {
			if (u[i] == '\0')
				goto cut;
			if (out + 1 >= cap)
				return -1;
			buf[out++] = (char)u[i];
		}
	}
cut:
	buf[out] = '\0';
	*key = buf;
	return (long)out;
}

/* Whether the key literal k, unescaped, is key[0..klen). */
static int
key_eq(const unsigned char *s, jspan_t k, const char *key, size_t klen)
{
	const unsigned char *want = (const unsigned char *)key;
	unsigned char u[4];
	size_t p = k.off + 1, end = k.off + k.len - 1, got = 0, n;

	if (k.len < 2)
		return 0;
	if (memchr(s + p, '\\', end - p) == NULL)
		return end - p == klen && memcmp(s + p, key, klen) == 0;
	while (p < end) {
		if (s[p] != '\\') {
			if (got == klen || s[p] != want[got])
				return 0;
			got++;
			p++;
			continue;
		}
		n = unescape(s, &p, end, u);
		if (n > klen - got || memcmp(u, want + got, n) != 0)
			return 0;
		got += n;
	}
	return got == klen;
}

int
jspan_get(const char *s, jspan_t obj, const char *key, jspan_member_t *m)
{
	jspan_member_t mm;
	size_t pos = 0, klen = strlen(key);

	while (jspan_member_next(s, obj, &pos, &mm))
		if (key_eq((const unsigned char *)s, mm.key, key, klen)) {
			if (m)
				*m = mm;
			return 1;
		}
	return 0;
}

size_t
jspan_obj_end(const char *s, jspan_t obj, int *needs_comma)
{
	size_t p, end;

	if (needs_comma)
		*needs_comma = 0;
	if (!inside(s, obj, '{', '}', &p, &end))
		return (size_t)-1;
	if (needs_comma)
		*needs_comma = skip_ws((const unsigned char *)s, p, end) < end;
	return end;
}
