#include "jspan.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Two validators of one language. fast_parse, a plain recursive-descent scan
 * without recursion, takes every valid text and says only yes or no; on no,
 * slow_parse goes over the text again to say why, as json_parse would.
 *
 * slow_parse is a hand-written lexer and the state machine of yajl 2.1's
 * parser (its states, and which error each token gives in each), so that it
 * fails where and as json_parse fails. Two yajl behaviours shape the columns:
 * yajl reports as "consumed" the offset its lexer stopped at (past a bad
 * character it read, or at one it put back; in one state, the token's start),
 * and a token that runs into the end of the text is finished in a second pass
 * over a single " ", so any error found from there on is at column 1. What
 * json_parse adds to yajl comes last, as there: a string left open after the
 * value is trailing garbage, and UTF-8 of the right shape that is no UTF-8
 * (overlong, a surrogate, past U+10FFFF) is refused at its first byte.
 *
 * Containers need no stack of states, only which kind each open one is (a bit
 * per level, the first 4096 levels in an array on the C stack): the state
 * after a value follows from the kind of the container it is in.
 */

enum {
	T_ERR, T_EOF, T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK, T_COMMA, T_COLON,
	T_STR, T_OPENSTR, T_NUM, T_LIT
};

enum {
	S_START, S_DONE, S_ARR_START, S_ARR_NEED, S_ARR_GOT,
	S_MAP_START, S_MAP_NEED_KEY, S_MAP_SEP, S_MAP_NEED_VAL, S_MAP_GOT
};

/* yajl's messages, word for word. */
static const char E_UTF8[] = "invalid bytes in UTF8 string.";
static const char E_ESC[] = "inside a string, '\\' occurs before a character which it may not.";
static const char E_CTRL[] = "invalid character inside string.";
static const char E_HEX[] = "invalid (non-hex) character occurs after '\\u' inside string.";
static const char E_CHAR[] = "invalid char in json text.";
static const char E_LIT[] = "invalid string in json text.";
static const char E_EXP[] = "malformed number, a digit is required after the exponent.";
static const char E_DEC[] = "malformed number, a digit is required after the decimal point.";
static const char E_MINUS[] = "malformed number, a digit is required after the minus sign.";
static const char E_COMMENT[] = "probable comment found in input text, comments are not enabled.";
static const char E_EOF[] = "premature EOF";
static const char E_TRAIL[] = "trailing garbage";
static const char E_COLON[] = "object key and value must be separated by a colon (':')";
static const char E_MAPSEP[] = "after key and value, inside map, I expect ',' or '}'";
static const char E_KEY[] = "invalid object key (must be a string)";
static const char E_ARRSEP[] = "after array element, I expect ',' or ']'";
static const char E_TOKEN[] = "unallowed token at this point in JSON text";

#define LOCAL_LEVELS 4096
#define NONE ((size_t)-1)
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
#define SWAR 1
#else
#define SWAR 0
#endif

struct lexer {
	const unsigned char *s;
	size_t n;
	size_t pos;         /* past the last token */
	size_t start;       /* where the last token began */
	size_t errat;       /* yajl's "consumed" at a lexical error */
	const char *msg;    /* the lexical error */
	int atend;          /* the last token ran into the end of the text */
	size_t strict_bad;  /* the first lead byte of UTF-8 yajl lets through but strict UTF-8 refuses */
};

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

static inline int
lex_err(struct lexer *L, size_t at, const char *msg)
{
	L->errat = at;
	L->msg = msg;
	return T_ERR;
}

/* An error yajl finds in its end-of-input pass, on the " " it feeds. */
static inline int
lex_err_end(struct lexer *L, const char *msg)
{
	L->atend = 1;
	L->msg = msg;
	return T_ERR;
}

static int
lex_lit(struct lexer *L, size_t p, const char *lit, size_t len)
{
	size_t i;

	for (i = 1; i < len; i++) {
		if (p + i == L->n)
			return lex_err_end(L, E_LIT);
		if (L->s[p + i] != (unsigned char)lit[i])
			return lex_err(L, p + i, E_LIT);
	}
	L->pos = p + len;
	return T_LIT;
}

static int
lex_number(struct lexer *L, size_t q)
{
	const unsigned char *s = L->s;
	size_t n = L->n;

	if (s[q] == '-' && ++q == n)
		return lex_err_end(L, E_MINUS);
	if (s[q] == '0')
		q++;
	else if (s[q] >= '1' && s[q] <= '9')
		while (++q < n && is_digit(s[q]))
			;
	else
		return lex_err(L, q, E_MINUS);
	if (q == n)
		goto at_end;
	if (s[q] == '.') {
		if (++q == n)
			return lex_err_end(L, E_DEC);
		if (!is_digit(s[q]))
			return lex_err(L, q, E_DEC);
		while (++q < n && is_digit(s[q]))
			;
		if (q == n)
			goto at_end;
	}
	if (s[q] == 'e' || s[q] == 'E') {
		if (++q == n)
			return lex_err_end(L, E_EXP);
		if ((s[q] == '+' || s[q] == '-') && ++q == n)
			return lex_err_end(L, E_EXP);
		if (!is_digit(s[q]))
			return lex_err(L, q, E_EXP);
		while (++q < n && is_digit(s[q]))
			;
		if (q == n)
			goto at_end;
	}
	L->pos = q;
	return T_NUM;
at_end:
	L->atend = 1;
	L->pos = q;
	return T_NUM;
}

/* The string whose opening quote is at p. */
static int
lex_string(struct lexer *L, size_t p)
{
	const unsigned char *s = L->s;
	size_t n = L->n, q = p + 1, need, i;
	unsigned c;

	for (;;) {
		q = plain_run(s, n, q);
		if (q == n) {
			/* yajl waits for more, then takes its " " as string content */
			L->atend = 1;
			L->pos = q;
			return T_OPENSTR;
		}
		c = s[q];
		if (c == '"') {
			L->pos = q + 1;
			return T_STR;
		}
		if (c == '\\') {
			if (++q == n)
				return lex_err_end(L, E_ESC);
			c = s[q];
			if (c == 'u') {
				for (i = 0; i < 4; i++) {
					if (++q == n)
						return lex_err_end(L, E_HEX);
					if (!is_hex(s[q]))
						return lex_err(L, q, E_HEX);
				}
				q++;
			} else if (c == '"' || c == '\\' || c == '/' || c == 'b' ||
			    c == 'f' || c == 'n' || c == 'r' || c == 't')
				q++;
			else
				return lex_err(L, q, E_ESC);
			continue;
		}
		if (c < 0x20)
			return lex_err(L, q, E_CTRL);
		/* yajl checks only the shape of a UTF-8 sequence ... */
		if (c >= 0xc0 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2;
		else if (c >= 0xf0 && c <= 0xf7)
			need = 3;
		else
			return lex_err(L, q + 1, E_UTF8);
		for (i = 1; i <= need; i++) {
			if (q + i == n)
				return lex_err_end(L, E_UTF8);
			if ((s[q + i] & 0xc0) != 0x80)
				return lex_err(L, q + i + 1, E_UTF8);
		}
		/* ... json_parse then refuses overlong forms, surrogates and
		 * code points past U+10FFFF, once the text has no other error */
		if (L->strict_bad == NONE &&
		    (c < 0xc2 || c > 0xf4 ||
		    (c == 0xe0 && s[q + 1] < 0xa0) || (c == 0xed && s[q + 1] > 0x9f) ||
		    (c == 0xf0 && s[q + 1] < 0x90) || (c == 0xf4 && s[q + 1] > 0x8f)))
			L->strict_bad = q;
		q += need + 1;
	}
}

static inline int
lex(struct lexer *L)
{
	const unsigned char *s = L->s;
	size_t n = L->n, p = L->pos;

	while (p < n && is_ws(s[p]))
		p++;
	L->start = p;
	if (p == n) {
		L->pos = p;
		return T_EOF;
	}
	switch (s[p]) {
	case '{': L->pos = p + 1; return T_LBRACE;
	case '}': L->pos = p + 1; return T_RBRACE;
	case '[': L->pos = p + 1; return T_LBRACK;
	case ']': L->pos = p + 1; return T_RBRACK;
	case ',': L->pos = p + 1; return T_COMMA;
	case ':': L->pos = p + 1; return T_COLON;
	case '"': return lex_string(L, p);
	case 't': return lex_lit(L, p, "true", 4);
	case 'f': return lex_lit(L, p, "false", 5);
	case 'n': return lex_lit(L, p, "null", 4);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return lex_number(L, p);
	case '/':
		return lex_err(L, p, E_COMMENT);
	default:
		return lex_err(L, p + 1, E_CHAR);
	}
}

static int
fail(int rc, const char *msg, size_t at, size_t *col, char *err, size_t errlen)
{
	if (col)
		*col = at ? at : 1;
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return rc;
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
 * or one nested past LOCAL_LEVELS), which slow_parse then looks at.
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

/* The validator that says why: what jspan_parse runs when fast_parse says no. */
static int
slow_parse(const char *text, size_t n, size_t max_depth, jspan_t *root,
    size_t *col, char *err, size_t errlen)
{
	uint64_t local[LOCAL_LEVELS / 64];
	uint64_t *bits = local, *heap = NULL;
	size_t levels = LOCAL_LEVELS, depth = 0, vstart = 0, vend = 0, at;
	struct lexer L;
	const char *msg = E_EOF;
	char why[64];
	int state = S_START, deferred = 0, tok, rc = JSON_EPARSE;

	root->off = root->len = 0;
	if (col)
		*col = 0;
	if (max_depth == 0)
		max_depth = JSON_MAX_DEPTH_DEFAULT;
	memset(&L, 0, sizeof L);
	L.s = (const unsigned char *)text;
	L.n = text ? n : 0;
	L.strict_bad = NONE;
	for (;;) {
		tok = lex(&L);
		deferred |= L.atend;
		switch (state) {
		case S_START:
		case S_ARR_START:
		case S_ARR_NEED:
		case S_MAP_NEED_VAL:
			switch (tok) {
			case T_STR:
			case T_NUM:
			case T_LIT:
				if (depth == 0)
					vstart = L.start;
				goto value_done;
			case T_LBRACE:
			case T_LBRACK:
				if (depth >= max_depth) {
					snprintf(why, sizeof why, "nested deeper than %zu levels", max_depth);
					rc = JSON_EDEPTH;
					msg = why;
					at = L.pos;
					goto failed;
				}
				if (depth == levels) {
					uint64_t *more = malloc(levels / 4);

					if (more == NULL) {
						rc = JSON_ENOMEM;
						msg = "out of memory";
						at = L.pos;
						goto failed;
					}
					memcpy(more, bits, levels / 8);
					free(heap);
					bits = heap = more;
					levels *= 2;
				}
				if (tok == T_LBRACE)
					bits[depth >> 6] |= (uint64_t)1 << (depth & 63);
				else
					bits[depth >> 6] &= ~((uint64_t)1 << (depth & 63));
				if (depth++ == 0)
					vstart = L.start;
				state = tok == T_LBRACE ? S_MAP_START : S_ARR_START;
				continue;
			case T_RBRACK:
				if (state == S_ARR_START)
					goto close;
				msg = E_TOKEN;
				goto parse_error;
			case T_RBRACE:
			case T_COMMA:
			case T_COLON:
				msg = E_TOKEN;
				goto parse_error;
			}
			goto other;
		case S_MAP_START:
		case S_MAP_NEED_KEY:
			if (tok == T_STR) {
				state = S_MAP_SEP;
				continue;
			}
			if (tok == T_RBRACE && state == S_MAP_START)
				goto close;
			msg = E_KEY;
			goto other;
		case S_MAP_SEP:
			if (tok == T_COLON) {
				state = S_MAP_NEED_VAL;
				continue;
			}
			msg = E_COLON;
			goto other;
		case S_MAP_GOT:
			if (tok == T_RBRACE)
				goto close;
			if (tok == T_COMMA) {
				state = S_MAP_NEED_KEY;
				continue;
			}
			msg = E_MAPSEP;
			if (tok == T_EOF || tok == T_OPENSTR || tok == T_ERR || deferred)
				goto other;
			/* here yajl moves back to where the token began (the inside of
			 * a string: its length without the quotes) */
			at = L.start + (tok == T_STR ? 2 : 0);
			goto failed;
		case S_ARR_GOT:
			if (tok == T_RBRACK)
				goto close;
			if (tok == T_COMMA) {
				state = S_ARR_NEED;
				continue;
			}
			msg = E_ARRSEP;
			goto other;
		default:   /* S_DONE */
			if (tok == T_EOF)
				goto done;
			msg = E_TRAIL;
			if (tok == T_OPENSTR) {
				/* yajl would take it for the end of the text; json_parse does not */
				at = L.start + 1;
				goto failed;
			}
			at = deferred ? 1 : tok == T_ERR ? L.errat : L.pos;
			goto failed;
		}
	close:
		depth--;
	value_done:
		if (depth == 0) {
			vend = L.pos;
			state = S_DONE;
		} else
			state = (bits[(depth - 1) >> 6] >> ((depth - 1) & 63)) & 1 ? S_MAP_GOT : S_ARR_GOT;
		continue;
	other:
		/* tokens every state but S_DONE treats alike */
		if (tok == T_EOF || tok == T_OPENSTR) {
			msg = E_EOF;
			at = 1;
			goto failed;
		}
		if (tok == T_ERR) {
			msg = L.msg;
			at = deferred ? 1 : L.errat;
			goto failed;
		}
	parse_error:
		at = deferred ? 1 : L.pos;
		goto failed;
	}
done:
	free(heap);
	if (L.strict_bad != NONE)
		return fail(JSON_EPARSE, E_UTF8, L.strict_bad + 1, col, err, errlen);
	root->off = vstart;
	root->len = vend - vstart;
	return JSON_OK;
failed:
	free(heap);
	return fail(rc, msg, at, col, err, errlen);
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
	return slow_parse(s, n, max_depth, root, col, err, errlen);
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
