#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jspan.h"

/* jspan_parse of s[0..n) with max_depth d; returns the code, the message in err and the column in *col. */
static int
parse_n(const char *s, size_t n, size_t d, jspan_t *root, size_t *col, char *err, size_t errlen)
{
	/* an exact-size copy, so that ASan sees any read past the end */
	char *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, s, n);
	rc = jspan_parse(copy, n, d, root, col, err, errlen);
	free(copy);
	return rc;
}

#define OK(lit) ok_n(lit, sizeof lit - 1)
#define BAD(lit, c, m) bad_n(lit, sizeof lit - 1, 0, JSON_EPARSE, c, m)

static jspan_t
ok_n(const char *s, size_t n)
{
	jspan_t root;
	size_t col = 99;
	char err[256] = "";
	int rc = parse_n(s, n, 0, &root, &col, err, sizeof err);

	if (rc != JSON_OK)
		fail_msg("%.*s: %d %s at %zu", (int)n, s, rc, err, col);
	assert_int_equal(col, 0);
	return root;
}

static void
bad_n(const char *s, size_t n, size_t d, int want_rc, size_t want_col, const char *want_msg)
{
	jspan_t root = { 5, 5 };
	size_t col = 0;
	char err[256] = "";
	int rc = parse_n(s, n, d, &root, &col, err, sizeof err);

	json_t *v;

	if (rc != want_rc || col != want_col || strcmp(err, want_msg) != 0)
		fail_msg("%.*s: got %d col %zu \"%s\", want %d col %zu \"%s\"", (int)n, s,
		    rc, col, err, want_rc, want_col, want_msg);
	assert_int_equal(root.off, 0);
	assert_int_equal(root.len, 0);
	/* json_parse says the same */
	col = 0;
	err[0] = '\0';
	assert_int_equal(json_parse(s, n, d, &v, &col, err, sizeof err), want_rc);
	assert_int_equal(col, want_col);
	assert_string_equal(err, want_msg);
}

static void
values_and_root_spans(void **state)
{
	jspan_t r;

	(void)state;
	r = OK("{}");
	assert_int_equal(r.off, 0);
	assert_int_equal(r.len, 2);
	r = OK(" \t\r\n {\"a\" : [ 1 , 2 ] } \n");
	assert_int_equal(r.off, 5);
	assert_int_equal(r.len, 18);
	r = OK("\v\f\"s\"\f\v");   /* yajl's whitespace has \v and \f */
	assert_int_equal(r.off, 2);
	assert_int_equal(r.len, 3);
	r = OK("  12.5e3");
	assert_int_equal(r.off, 2);
	assert_int_equal(r.len, 6);
	r = OK("true");
	assert_int_equal(r.len, 4);
	OK("false");
	OK("null");
	OK("[]");
	OK("[[],{},\"\",0]");
	OK("{\"a\":{\"b\":{\"c\":[true,false,null]}}}");
}

static void
numbers(void **state)
{
	char big[420];

	(void)state;
	OK("-0");
	OK("0");
	OK("1e5");
	OK("1E+5");
	OK("-1.5e-10");
	OK("0.0");
	OK("[-0.0e-0]");
	memset(big, '7', sizeof big);
	big[0] = '-';
	ok_n(big, 400);
	big[300] = '.';
	ok_n(big, 400);
	BAD("01", 1, "trailing garbage");
	BAD("[01]", 3, "after array element, I expect ',' or ']'");
	BAD("1.", 1, "malformed number, a digit is required after the decimal point.");
	BAD("[1.]", 3, "malformed number, a digit is required after the decimal point.");
	BAD(".5", 1, "invalid char in json text.");
	BAD("+1", 1, "invalid char in json text.");
	BAD("-", 1, "malformed number, a digit is required after the minus sign.");
	BAD("[-a]", 2, "malformed number, a digit is required after the minus sign.");
	BAD("1e", 1, "malformed number, a digit is required after the exponent.");
	BAD("[1e+]", 4, "malformed number, a digit is required after the exponent.");
	BAD("1.e5", 2, "malformed number, a digit is required after the decimal point.");
	BAD("0x10", 2, "trailing garbage");
	BAD("[1 2]", 4, "after array element, I expect ',' or ']'");
}

static void
strings(void **state)
{
	(void)state;
	OK("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"");
	OK("\"\\ud800\"");          /* lone surrogates in escapes: yajl takes them */
	OK("\"\\udc00\"");
	OK("\"\\ud800\\u0041\"");
	OK("\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x9a\x80 \xf4\x8f\xbf\xbf \x7f\"");
	OK("\"\\u0000\"");
	BAD("\"\\x\"", 2, "inside a string, '\\' occurs before a character which it may not.");
	BAD("\"\\U0041\"", 2, "inside a string, '\\' occurs before a character which it may not.");
	BAD("\"\\u12\"", 5, "invalid (non-hex) character occurs after '\\u' inside string.");
	BAD("\"\\u00g0\"", 5, "invalid (non-hex) character occurs after '\\u' inside string.");
	BAD("\"a\x01\"", 2, "invalid character inside string.");
	BAD("\"a\tb\"", 2, "invalid character inside string.");
	BAD("\"a\nb\"", 2, "invalid character inside string.");
	bad_n("\"a\0b\"", 5, 0, JSON_EPARSE, 2, "invalid character inside string.");
	bad_n("[\0]", 3, 0, JSON_EPARSE, 2, "invalid char in json text.");
	BAD("\"\x80\"", 2, "invalid bytes in UTF8 string.");
	BAD("\"\xff\"", 2, "invalid bytes in UTF8 string.");
	BAD("\"\xc3\x28\"", 3, "invalid bytes in UTF8 string.");
	BAD("\"\xe6\x97\"", 4, "invalid bytes in UTF8 string.");
	/* the shape of UTF-8 but none: overlong, a surrogate, past U+10FFFF */
	BAD("\"\xc0\xaf\"", 2, "invalid bytes in UTF8 string.");
	BAD("\"\xc1\xbf\"", 2, "invalid bytes in UTF8 string.");
	BAD("[\"ok\",\"\xe0\x80\xaf\"]", 8, "invalid bytes in UTF8 string.");
	BAD("\"\xed\xa0\x80\"", 2, "invalid bytes in UTF8 string.");
	BAD("\"\xed\xbf\xbf\"", 2, "invalid bytes in UTF8 string.");
	BAD("\"\xf0\x80\x80\xaf\"", 2, "invalid bytes in UTF8 string.");
	BAD("\"\xf4\x90\x80\x80\"", 2, "invalid bytes in UTF8 string.");
	BAD("\"\xf5\x80\x80\x80\"", 2, "invalid bytes in UTF8 string.");
	/* yajl's error first when there is one, as json_parse reports */
	BAD("[\"\xc0\xaf\" 1]", 7, "after array element, I expect ',' or ']'");
	/* the end of the text inside a string: column 1, as yajl says */
	BAD("\"abc", 1, "premature EOF");
	BAD("\"\\", 1, "inside a string, '\\' occurs before a character which it may not.");
	BAD("\"\\u00", 1, "invalid (non-hex) character occurs after '\\u' inside string.");
	BAD("\"\xc3", 1, "invalid bytes in UTF8 string.");
}

static void
structure(void **state)
{
	(void)state;
	BAD("", 1, "premature EOF");
	BAD(" \t\n", 1, "premature EOF");
	BAD("{", 1, "premature EOF");
	BAD("{\"a\":1", 1, "premature EOF");
	BAD("[1,2", 1, "premature EOF");
	BAD("[1,]", 4, "unallowed token at this point in JSON text");
	BAD("{\"a\":1,}", 8, "invalid object key (must be a string)");
	BAD("{1:2}", 2, "invalid object key (must be a string)");
	BAD("{\"a\" 1}", 6, "object key and value must be separated by a colon (':')");
	BAD("{\"a\":1]", 6, "after key and value, inside map, I expect ',' or '}'");
	BAD("{\"a\":1 \"b\":2}", 9, "after key and value, inside map, I expect ',' or '}'");
	BAD("[\"a\":1]", 5, "after array element, I expect ',' or ']'");
	BAD("[}", 2, "unallowed token at this point in JSON text");
	BAD("]", 1, "unallowed token at this point in JSON text");
	BAD("{\"a\":}", 6, "unallowed token at this point in JSON text");
	BAD("tru", 1, "invalid string in json text.");
	BAD("[trux]", 4, "invalid string in json text.");
	BAD("[nul]", 4, "invalid string in json text.");
	BAD("/* c */ {}", 1, "probable comment found in input text, comments are not enabled.");
	BAD("[1] /", 4, "trailing garbage");
}

static void
trailing_garbage(void **state)
{
	(void)state;
	BAD("{} x", 4, "trailing garbage");
	BAD("{}{}", 3, "trailing garbage");
	BAD("1 2", 1, "trailing garbage");
	BAD("1 2 ", 3, "trailing garbage");
	BAD("truex", 5, "trailing garbage");
	BAD("{} tru", 1, "trailing garbage");
	/* yajl would take a string left open for the end of the text; json_parse and jspan do not */
	BAD("{} \"abc", 4, "trailing garbage");
	BAD("{\"a\":1}\"", 8, "trailing garbage");
	OK("{}   \n\t");
}

static void
depth(void **state)
{
	static char text[32768];
	size_t i;

	(void)state;
	/* 64 levels by default, as json_parse */
	for (i = 0; i < 64; i++)
		text[i] = '[';
	for (i = 0; i < 64; i++)
		text[64 + i] = ']';
	ok_n(text, 128);
	memmove(text + 1, text, 128);
	text[0] = '[';
	text[129] = ']';
	bad_n(text, 130, 0, JSON_EDEPTH, 65, "nested deeper than 64 levels");
	bad_n("{\"a\":{\"b\":[]}}", 14, 2, JSON_EDEPTH, 11, "nested deeper than 2 levels");
	assert_int_equal(jspan_parse("{\"a\":{\"b\":1}}", 13, 2, &(jspan_t){ 0, 0 }, NULL, NULL, 0), JSON_OK);
	bad_n("[[1]]", 5, 1, JSON_EDEPTH, 2, "nested deeper than 1 levels");
	/* an error before the limit comes first */
	bad_n("[x[[[", 5, 2, JSON_EPARSE, 2, "invalid char in json text.");
	/* {"k":[{"k":[ ... ]}]}, 5000 levels: past the 4096 kept on the stack */
	{
		size_t n = 0, levels = 5000;

		for (i = 0; i < levels; i++) {
			if (i % 2 == 0) {
				memcpy(text + n, "{\"k\":", 5);
				n += 5;
			} else
				text[n++] = '[';
		}
		text[n++] = '1';
		for (i = levels; i-- > 0;)
			text[n++] = i % 2 == 0 ? '}' : ']';
		bad_n(text, n, 0, JSON_EDEPTH, 193, "nested deeper than 64 levels");
		assert_int_equal(jspan_parse(text, n, 5000, &(jspan_t){ 0, 0 }, NULL, NULL, 0), JSON_OK);
		assert_int_equal(jspan_parse(text, n, 4999, &(jspan_t){ 0, 0 }, NULL, NULL, 0), JSON_EDEPTH);
		/* past the fast validator, json_parse takes it: the root is still the value alone */
		{
			char *padded = malloc(n + 4);
			jspan_t r;

			assert_non_null(padded);
			memcpy(padded, " \n", 2);
			memcpy(padded + 2, text, n);
			memcpy(padded + 2 + n, "\t ", 2);
			assert_int_equal(jspan_parse(padded, n + 4, 5000, &r, NULL, NULL, 0), JSON_OK);
			assert_int_equal(r.off, 2);
			assert_int_equal(r.len, n);
			free(padded);
		}
		/* a bad closer deep down is still found */
		text[n - 3000] = text[n - 3000] == '}' ? ']' : '}';
		assert_int_equal(jspan_parse(text, n, 5000, &(jspan_t){ 0, 0 }, NULL, NULL, 0), JSON_EPARSE);
	}
}

/* A valid text within 4096 levels is the fast validator's: it is indexed. */
static void
valid_text_is_indexed(void **state)
{
	const char *s = " {\"a\":[1,{\"b\":2}],\"c\":{}} ";
	jspan_index_t *ix = jspan_index_new(8, 0);
	jspan_t r;

	(void)state;
	assert_non_null(ix);
	assert_int_equal(jspan_parse_index(s, strlen(s), 0, &r, ix, NULL, NULL, 0), JSON_OK);
	assert_int_equal(r.off, 1);
	assert_int_equal(jspan_index_containers(ix), 4);
	assert_int_equal(jspan_index_container(ix, 0).off, 1);
	assert_int_equal(jspan_index_container(ix, 0).len, strlen(s) - 2);
	jspan_index_free(ix);
}

static void
null_err_and_col(void **state)
{
	jspan_t r;

	(void)state;
	assert_int_equal(jspan_parse("{x", 2, 0, &r, NULL, NULL, 0), JSON_EPARSE);
	assert_int_equal(jspan_parse(NULL, 0, 0, &r, NULL, NULL, 0), JSON_EPARSE);
	assert_int_equal(jspan_parse("{}", 2, 0, &r, NULL, NULL, 0), JSON_OK);
}

/* ---- the differential table: jspan_parse says what json_parse says ---- */

static const char *const table[] = {
	"{}", "[]", "1", "-0", "0.5", "1e5", "1E-5", "-1.5e+300", "01", "1.", ".5", "-", "+1", "00", "-01",
	"1e", "1e+", "1.5e", "1ex", "0x1", "1 2", "1 2 ", "[1 2", "[1,2", "[1,]", "[,1]", "[1,,2]", "{,}",
	"{\"a\":1,}", "{\"a\"::1}", "{\"a\" 1}", "{\"a\" 1 ", "{\"a\":1 2", "{\"a\":1 2 ", "{\"a\":1 \"b\"",
	"{\"a\":1]", "[1}", "{1:2}", "{\"a\":}", "[:]", "{\"a\"}", "{\"a\":1,\"b\"}", "[\"a\":1]",
	"true", "false", "null", "tru", "truex", "[truex]", "nul", "nulll", "[f]", "True", "NaN", "Infinity",
	"\"\"", "\"\\\"\"", "\"\\/\"", "\"\\a\"", "\"\\u\"", "\"\\u12\"", "\"\\u123g\"", "\"\\uD83D\\uDE00\"",
	"\"\\ud800\"", "\"\\udfff\"", "\"\\ud800\\ud800\"", "\"abc", "\"\\", "\"\\u00", "[\"a", "[\"a\\",
	"\"\x7f\"", "\"\xc2\x80\"", "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\xe0\xa0\x80\"", "\"\xe0\x9f\xbf\"",
	"\"\xed\x9f\xbf\"", "\"\xed\xa0\x80\"", "\"\xee\x80\x80\"", "\"\xf0\x90\x80\x80\"", "\"\xf0\x8f\xbf\xbf\"",
	"\"\xf4\x8f\xbf\xbf\"", "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xf8\x80\x80\x80\x80\"",
	"\"\x80\"", "\"\xc3\"", "\"\xc3(\"", "\"\xe6\x97\"", "[\"\xc0\x80\" x]", "\"\x01\"", "\"\x1f\"",
	"{} x", "{}{}", "{} \"abc", "{}\"", "{} tru", "{}\"\\", "\"x\"\"y", "[1] /", "/**/1", "//\n1",
	"\v1\f", "\x0b{}", "\xef\xbb\xbf{}", "[[[1]]]", "[[[[1]]]]", "{\"a\":[{\"b\":[]}]}",
	"{\"a\":[{\"b\":[[]]}]}", "[[[x", "{\"k\":\"v\",\"k\":\"w\"}", " ", "",
};

static void
differential_table(void **state)
{
	size_t i, c1, c2;
	char e1[256], e2[256];
	json_t *v;
	jspan_t r;
	int r1, r2, agreed = 0;

	(void)state;
	for (i = 0; i < sizeof table / sizeof *table; i++) {
		const char *s = table[i];
		size_t n = strlen(s);

		c1 = c2 = 99;
		e1[0] = e2[0] = '\0';
		/* depth 3 so that the depth cases count too */
		r1 = json_parse(s, n, 3, &v, &c1, e1, sizeof e1);
		json_free(v);
		r2 = parse_n(s, n, 3, &r, &c2, e2, sizeof e2);
		if (r1 != r2 || c1 != c2 || strcmp(e1, e2) != 0)
			fail_msg("%s: json_parse %d col %zu \"%s\", jspan_parse %d col %zu \"%s\"",
			    s, r1, c1, e1, r2, c2, e2);
		agreed++;
	}
	assert_true(agreed >= 100);
}

/* ---- navigation ---- */

static const char *
dup0(const char *s)
{
	/* an exact-size copy (no NUL after it): reads past the end show */
	char *c = malloc(strlen(s));

	assert_non_null(c);
	memcpy(c, s, strlen(s));
	return c;
}

static jspan_t
root_of(const char *s, size_t n)
{
	jspan_t r;
	char err[200];

	if (jspan_parse(s, n, 0, &r, NULL, err, sizeof err) != JSON_OK)
		fail_msg("%.*s: %s", (int)n, s, err);
	return r;
}

static void
types(void **state)
{
	const char *s = "[{},[],\"s\",true,false,null,-1.5]";
	json_type want[] = { JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_BOOL, JSON_BOOL, JSON_NULL, JSON_NUMBER };
	jspan_t r = root_of(s, strlen(s)), e;
	size_t pos = 0, i = 0;

	(void)state;
	assert_int_equal(jspan_type(s, r), JSON_ARRAY);
	while (jspan_elem_next(s, r, &pos, &e))
		assert_int_equal(jspan_type(s, e), want[i++]);
	assert_int_equal(i, 7);
	assert_int_equal(jspan_type(s, (jspan_t){ 0, 0 }), JSON_NULL);
}

static void
members_in_order(void **state)
{
	const char *text = " { \"a\" : 1 , \"b\":[1,{\"x\":\"}\"}] ,\"c\\\"\" :\"v\\\"}\", \"d\":{} } ";
	const char *s = dup0(text);
	size_t n = strlen(text), pos = 0, i = 0;
	jspan_t r = root_of(s, n);
	jspan_member_t m;
	const char *keys[] = { "\"a\"", "\"b\"", "\"c\\\"\"", "\"d\"" };
	const char *vals[] = { "1", "[1,{\"x\":\"}\"}]", "\"v\\\"}\"", "{}" };

	(void)state;
	while (jspan_member_next(s, r, &pos, &m)) {
		assert_true(i < 4);
		assert_int_equal(m.key.len, strlen(keys[i]));
		assert_memory_equal(s + m.key.off, keys[i], m.key.len);
		assert_int_equal(m.val.len, strlen(vals[i]));
		assert_memory_equal(s + m.val.off, vals[i], m.val.len);
		i++;
	}
	assert_int_equal(i, 4);
	/* and again from 0 */
	pos = 0;
	assert_int_equal(jspan_member_next(s, r, &pos, &m), 1);
	assert_memory_equal(s + m.key.off, "\"a\"", 3);
	/* an empty object, an array, a string: no members */
	pos = 0;
	assert_int_equal(jspan_member_next("{ }", (jspan_t){ 0, 3 }, &pos, &m), 0);
	pos = 0;
	assert_int_equal(jspan_member_next("[1]", (jspan_t){ 0, 3 }, &pos, &m), 0);
	pos = 0;
	assert_int_equal(jspan_member_next("\"{}\"", (jspan_t){ 0, 4 }, &pos, &m), 0);
	/* a pos from elsewhere ends the walk */
	pos = 1000;
	assert_int_equal(jspan_member_next(s, r, &pos, &m), 0);
	free((void *)s);
}

/* All the members at once are those jspan_member_next gives, cuts included; room for fewer stores fewer. */
static void
members_at_once(void **state)
{
	const char *text = " { \"a\" : 1 , \"b\":[1,{\"x\":\"}\"}] ,\"c\\\"\" :\"v\\\"}\", \"d\":{} } ";
	const char *s = dup0(text);
	size_t n = strlen(text), pos = 0, i = 0;
	jspan_index_t *ix = jspan_index_new(8, 0);
	jspan_t r = root_of(s, n);
	jspan_member_t all[8], some[2], m;

	(void)state;
	assert_non_null(ix);
	assert_int_equal(jspan_parse_index(s, n, 0, &r, ix, NULL, NULL, 0), JSON_OK);
	assert_int_equal(jspan_members_ix(s, NULL, r, all, 8), 4);
	assert_int_equal(jspan_members_ix(s, ix, r, some, 2), 4);
	while (jspan_member_next(s, r, &pos, &m)) {
		assert_memory_equal(&m, &all[i], sizeof m);
		if (i < 2)
			assert_memory_equal(&m, &some[i], sizeof m);
		i++;
	}
	assert_int_equal(i, 4);
	assert_int_equal(jspan_members_ix(s, NULL, r, NULL, 0), 4);
	jspan_index_free(ix);
	/* From an index holding the members, or only some of them, or a copy: the same. */
	{
		size_t memcap;
		jspan_member_t got[8];
		jspan_index_t *copy = jspan_index_new(0, 0);
		jspan_t d = { 0, 0 }, b = { 0, 0 };

		assert_non_null(copy);
		for (memcap = 8; memcap > 0; memcap--) {
			assert_non_null(ix = jspan_index_new(8, memcap));
			assert_int_equal(jspan_parse_index(s, n, 0, &r, ix, NULL, NULL, 0), JSON_OK);
			/* a, b, x, c, d: 5 members in 3 objects */
			assert_int_equal(jspan_index_members(ix), memcap < 5 ? memcap : 5);
			assert_int_equal(jspan_members_ix(s, ix, r, got, 8), 4);
			assert_memory_equal(got, all, 4 * sizeof *got);
			b = got[1].val;
			d = got[3].val;
			assert_int_equal(jspan_members_ix(s, ix, d, got, 8), 0);   /* d's {} */
			assert_int_equal(jspan_members_ix(s, ix, b, got, 8), 0);   /* b's array */
			assert_int_equal(jspan_index_copy(copy, ix), 0);
			assert_int_equal(jspan_index_members(copy), jspan_index_members(ix));
			assert_int_equal(jspan_members_ix(s, copy, r, got, 8), 4);
			assert_memory_equal(got, all, 4 * sizeof *got);
			jspan_index_free(ix);
		}
		/* a copy of an index without members holds none, whatever it held */
		assert_non_null(ix = jspan_index_new(8, 0));
		assert_int_equal(jspan_parse_index(s, n, 0, &r, ix, NULL, NULL, 0), JSON_OK);
		assert_int_equal(jspan_index_copy(copy, ix), 0);
		assert_int_equal(jspan_index_members(copy), 0);
		assert_int_equal(jspan_index_containers(copy), jspan_index_containers(ix));
		assert_int_equal(jspan_members_ix(s, copy, r, got, 8), 4);
		assert_memory_equal(got, all, 4 * sizeof *got);
		jspan_index_free(ix);
		jspan_index_free(copy);
	}
	assert_int_equal(jspan_members_ix("{ }", NULL, (jspan_t){ 0, 3 }, all, 8), 0);
	assert_int_equal(jspan_members_ix("[1]", NULL, (jspan_t){ 0, 3 }, all, 8), 0);
	assert_int_equal(jspan_members_ix("{\"k\":1}", NULL, (jspan_t){ 0, 7 }, all, 8), 1);
	assert_int_equal(all[0].cut.off, 1);
	assert_int_equal(all[0].cut.len, 5);
	free((void *)s);
}

/* A key as json_parse reads it: its own bytes, or unescaped and cut at a NUL, within the room given. */
static void
keys_as_json_parse_reads_them(void **state)
{
	const char *text = "{\"plain\":1,\"\\u0061b\":2,\"a\\u0000bcdefgh\":3,\"\\u00e9\\u00e9\":4,\"ab\\/cd\":5}";
	jspan_t r = root_of(text, strlen(text));
	jspan_member_t m[5];
	const char *k;
	char buf[5];

	(void)state;
	assert_int_equal(jspan_members_ix(text, NULL, r, m, 5), 5);
	assert_int_equal(jspan_key(text, m[0].key, buf, sizeof buf, &k), 5);   /* its bytes: any length */
	assert_ptr_equal(k, text + 2);
	assert_int_equal(jspan_key(text, m[1].key, buf, sizeof buf, &k), 2);
	assert_string_equal(k, "ab");
	assert_int_equal(jspan_key(text, m[2].key, buf, sizeof buf, &k), 1);   /* cut at the NUL */
	assert_string_equal(k, "a");
	assert_int_equal(jspan_key(text, m[3].key, buf, sizeof buf, &k), 4);
	assert_string_equal(k, "\xc3\xa9\xc3\xa9");
	assert_int_equal(jspan_key(text, m[4].key, buf, sizeof buf, &k), -1);   /* "ab/cd" needs 6 */
	assert_null(k);
	assert_int_equal(jspan_key(text, m[4].key, buf, 0, &k), -1);
	assert_int_equal(jspan_key(text, m[0].val, buf, sizeof buf, &k), -1);   /* not a string */
}

static void
elements_in_order(void **state)
{
	const char *text = "[ 1 ,\"a,]\" , [ [] , {} ] ,{\"k\":[\"]\"]},null,-2e3 ]";
	const char *s = dup0(text);
	size_t n = strlen(text), pos = 0, i = 0;
	jspan_t r = root_of(s, n), e;
	const char *want[] = { "1", "\"a,]\"", "[ [] , {} ]", "{\"k\":[\"]\"]}", "null", "-2e3" };

	(void)state;
	while (jspan_elem_next(s, r, &pos, &e)) {
		assert_true(i < 6);
		assert_int_equal(e.len, strlen(want[i]));
		assert_memory_equal(s + e.off, want[i], e.len);
		i++;
	}
	assert_int_equal(i, 6);
	pos = 0;
	assert_int_equal(jspan_elem_next("[ ]", (jspan_t){ 0, 3 }, &pos, &e), 0);
	pos = 0;
	assert_int_equal(jspan_elem_next("{}", (jspan_t){ 0, 2 }, &pos, &e), 0);
	free((void *)s);
}

/* The walk of every container under v, each span as "off+len;", into b. */
static void
spans(const char *s, const jspan_index_t *ix, jspan_t v, char *b, size_t cap)
{
	jspan_member_t m;
	jspan_t e;
	size_t pos = 0, k = strlen(b);

	snprintf(b + k, cap - k, "%zu+%zu;", v.off, v.len);
	if (jspan_type(s, v) == JSON_OBJECT)
		while (jspan_member_next_ix(s, ix, v, &pos, &m)) {
			k = strlen(b);
			snprintf(b + k, cap - k, "k%zu+%zu,c%zu+%zu,", m.key.off, m.key.len, m.cut.off,
			    m.cut.len);
			spans(s, ix, m.val, b, cap);
		}
	else if (jspan_type(s, v) == JSON_ARRAY)
		while (jspan_elem_next_ix(s, ix, v, &pos, &e))
			spans(s, ix, e, b, cap);
}

/*
 * The index holds each container's start and end in the order they open;
 * navigation with it, whole or cut short, finds what navigation without it
 * finds. An invalid text leaves it empty.
 */
static void
index_of_containers(void **state)
{
	const char *text = " {\"a\":[1,{\"b\":\"]}\"},[]], \"c\" : {\"d\":[[{}]]},\"e\":\"x\"} ";
	const char *s = dup0(text);
	size_t n = strlen(text), cap, i;
	jspan_index_t *ix = jspan_index_new(16, 0);
	char plain[2048] = "", got[2048];
	jspan_t r = root_of(s, n), r2;
	/* { [ { [ { [ [ { : where each opens and ends */
	const size_t want[] = { 1, 52, 6, 23, 9, 19, 20, 22, 31, 43, 36, 42, 37, 41, 38, 40 };

	(void)state;
	assert_non_null(ix);
	assert_int_equal(jspan_parse_index(s, n, 0, &r2, ix, NULL, NULL, 0), JSON_OK);
	assert_int_equal(r2.off, r.off);
	assert_int_equal(r2.len, r.len);
	assert_int_equal(jspan_index_containers(ix), 8);
	for (i = 0; i < 8; i++) {
		assert_int_equal(jspan_index_container(ix, i).off, want[2 * i]);
		assert_int_equal(jspan_index_container(ix, i).len, want[2 * i + 1] - want[2 * i]);
	}
	spans(s, NULL, r, plain, sizeof plain);
	jspan_index_free(ix);
	for (cap = 16; ; cap--) {
		assert_non_null(ix = jspan_index_new(cap, 0));
		assert_int_equal(jspan_parse_index(s, n, 0, &r2, ix, NULL, NULL, 0), JSON_OK);
		assert_int_equal(jspan_index_containers(ix), cap < 8 ? cap : 8);
		got[0] = '\0';
		spans(s, ix, r, got, sizeof got);
		assert_string_equal(got, plain);
		if (cap == 0)
			break;
		jspan_index_free(ix);
	}
	jspan_index_free(ix);
	assert_non_null(ix = jspan_index_new(16, 16));
	assert_int_equal(jspan_parse_index(s, n, 0, &r2, ix, NULL, NULL, 0), JSON_OK);
	assert_int_equal(jspan_parse_index("{\"a\":[1,}", 9, 0, &r2, ix, NULL, NULL, 0), JSON_EPARSE);
	assert_int_equal(jspan_index_containers(ix), 0);
	assert_int_equal(jspan_index_members(ix), 0);
	jspan_index_free(ix);
	free((void *)s);
}

/* Past 64 levels containers go unindexed, and are scanned. */
static void
index_of_deep_text(void **state)
{
	char text[2 * 100 + 16], plain[8192] = "", got[8192] = "";
	size_t n = 0, i;
	jspan_index_t *ix = jspan_index_new(200, 0);
	jspan_t r;

	(void)state;
	for (i = 0; i < 100; i++)
		text[n++] = '[';
	text[n++] = '1';
	for (i = 0; i < 100; i++)
		text[n++] = ']';
	assert_non_null(ix);
	assert_int_equal(jspan_parse_index(text, n, 200, &r, ix, NULL, NULL, 0), JSON_OK);
	assert_int_equal(jspan_index_containers(ix), 64);
	assert_int_equal(jspan_index_container(ix, 0).off, 0);
	assert_int_equal(jspan_index_container(ix, 0).len, n);
	spans(text, NULL, r, plain, sizeof plain);
	spans(text, ix, r, got, sizeof got);
	assert_string_equal(got, plain);
	jspan_index_free(ix);
}

static void
get_unescapes_keys_and_takes_the_first(void **state)
{
	const char *text = "{\"\\u0061pollo\":1,\"apollo\":2,\"a\\u0000b\":3,\"a\":4,\"caf\\u00e9\":5,"
	    "\"\\ud83d\\ude00\":6,\"q\\\"\":7,\"tab\\t\":8,\"\":9,\"a\\/b\":10}";
	const char *s = dup0(text);
	jspan_t r = root_of(s, strlen(text));
	jspan_member_t m;

	(void)state;
#define GET(k, v) do { \
		assert_int_equal(jspan_get(s, r, k, &m), 1); \
		assert_int_equal(m.val.len, strlen(v)); \
		assert_memory_equal(s + m.val.off, v, m.val.len); \
	} while (0)
	GET("apollo", "1");          /* escaped, and the first of two */
	GET("a", "4");               /* "a\u0000b" is not "a" */
	GET("caf\xc3\xa9", "5");
	GET("\xf0\x9f\x98\x80", "6");
	GET("q\"", "7");
	GET("tab\t", "8");
	GET("", "9");
	GET("a/b", "10");
	assert_int_equal(jspan_get(s, r, "apoll", &m), 0);
	assert_int_equal(jspan_get(s, r, "apollo2", &m), 0);
	assert_int_equal(jspan_get(s, r, "b", NULL), 0);
	assert_int_equal(jspan_get(s, r, "apollo", NULL), 1);
	assert_int_equal(jspan_get("[\"apollo\"]", (jspan_t){ 0, 10 }, "apollo", &m), 0);
	free((void *)s);
}

/* Cuts member `which` out of the object text and checks the result against json_parse of want. */
static void
cut_and_check(const char *text, const char *key, const char *want)
{
	size_t n = strlen(text);
	jspan_t r = root_of(text, n);
	jspan_member_t m;
	char cut[512];
	json_t *got, *exp;
	buf_t a, b;
	char err[200];

	assert_int_equal(jspan_get(text, r, key, &m), 1);
	memcpy(cut, text, m.cut.off);
	memcpy(cut + m.cut.off, text + m.cut.off + m.cut.len, n - m.cut.off - m.cut.len);
	cut[n - m.cut.len] = '\0';
	if (json_parse(cut, n - m.cut.len, 0, &got, NULL, err, sizeof err) != JSON_OK)
		fail_msg("cutting %s from %s gave %s: %s", key, text, cut, err);
	assert_int_equal(jspan_parse(cut, n - m.cut.len, 0, &r, NULL, NULL, 0), JSON_OK);
	assert_int_equal(json_parse(want, strlen(want), 0, &exp, NULL, NULL, 0), JSON_OK);
	buf_init(&a, 1 << 16);
	buf_init(&b, 1 << 16);
	json_dump(got, &a);
	json_dump(exp, &b);
	assert_string_equal(buf_ptr(&a), buf_ptr(&b));
	buf_free(&a);
	buf_free(&b);
	json_free(got);
	json_free(exp);
}

static void
cuts(void **state)
{
	const char *three = "{ \"a\" : 1 , \"b\" : [2] , \"c\" : {\"x\":3} }";

	(void)state;
	cut_and_check(three, "a", "{\"b\":[2],\"c\":{\"x\":3}}");   /* first */
	cut_and_check(three, "b", "{\"a\":1,\"c\":{\"x\":3}}");     /* middle */
	cut_and_check(three, "c", "{\"a\":1,\"b\":[2]}");           /* last */
	cut_and_check("{\"only\":\"x\"}", "only", "{}");             /* only */
	cut_and_check(" {  \"only\" : [ ] } ", "only", "{}");
	cut_and_check("{\"a\":1,\"a\":2}", "a", "{\"a\":2}");         /* the first of duplicates */
	cut_and_check("{\"a\":1,\"b\":2}", "b", "{\"a\":1}");
	/* the exact bytes */
	{
		const char *s = "{\"a\":1, \"b\":2 ,\"c\":3}";
		jspan_t r = root_of(s, strlen(s));
		jspan_member_t m;

		assert_int_equal(jspan_get(s, r, "a", &m), 1);
		assert_int_equal(m.cut.off, 1);
		assert_int_equal(m.cut.len, 7);      /* "a":1, and the space: up to "b" */
		assert_int_equal(jspan_get(s, r, "b", &m), 1);
		assert_int_equal(m.cut.off, 6);      /* from the end of 1 to the end of 2 */
		assert_int_equal(m.cut.len, 7);
		assert_int_equal(jspan_get(s, r, "c", &m), 1);
		assert_int_equal(m.cut.off, 13);     /* from the end of 2 to the end of 3 */
		assert_int_equal(m.cut.len, 7);
	}
}

static void
str_unescapes_like_json_parse(void **state)
{
	static const struct { const char *lit; const char *want; size_t len; } cases[] = {
		{ "\"plain\"", "plain", 5 },
		{ "\"\"", "", 0 },
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8 },
		{ "\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6 },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4 },
		{ "\"a\\u0000b\"", "a\0b", 3 },
		{ "\"\\ud800x\"", "?x", 2 },                          /* yajl: a high surrogate alone is "?" */
		{ "\"\\ud800\"", "?", 1 },
		{ "\"\\ud800\\u0041\"", "\xf0\x90\x81\x81", 4 },      /* and takes any \u after it */
		{ "\"\\udc00\"", "\xed\xb0\x80", 3 },                 /* a low one alone: its 3 bytes */
		{ "\"\\ud800\\\\u0041\"", "?\\u0041", 7 },
		{ "\"caf\xc3\xa9\"", "caf\xc3\xa9", 5 },
	};
	char buf[64];
	size_t i;
	long n;
	json_t *v;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *s = cases[i].lit;
		jspan_t r = root_of(s, strlen(s));

		n = jspan_str(s, r, buf, sizeof buf);
		assert_int_equal(n, cases[i].len);
		assert_memory_equal(buf, cases[i].want, cases[i].len);
		assert_int_equal(buf[n], '\0');
		/* the same bytes as json_parse */
		assert_int_equal(json_parse(s, strlen(s), 0, &v, NULL, NULL, 0), JSON_OK);
		assert_int_equal(json_strlen(v), (size_t)n);
		assert_memory_equal(json_str(v), buf, (size_t)n);
		json_free(v);
		/* exactly n + 1 bytes are enough, n are not */
		assert_int_equal(jspan_str(s, r, buf, (size_t)n + 1), n);
		memset(buf, 'x', sizeof buf);
		assert_int_equal(jspan_str(s, r, buf, (size_t)n), -1);
		if (n > 0)
			assert_int_equal(buf[0], '\0');
	}
	assert_int_equal(jspan_str("\"abc\"", (jspan_t){ 0, 5 }, NULL, 0), -1);
	assert_int_equal(jspan_str("123", (jspan_t){ 0, 3 }, buf, sizeof buf), -1);
	assert_int_equal(jspan_str("{}", (jspan_t){ 0, 2 }, buf, sizeof buf), -1);
	assert_string_equal(buf, "");
}

static void
obj_end(void **state)
{
	int comma = 7;

	(void)state;
	assert_int_equal(jspan_obj_end("{}", (jspan_t){ 0, 2 }, &comma), 1);
	assert_int_equal(comma, 0);
	assert_int_equal(jspan_obj_end("x{ \n }", (jspan_t){ 1, 5 }, &comma), 5);
	assert_int_equal(comma, 0);
	assert_int_equal(jspan_obj_end(" {\"a\":1 } ", (jspan_t){ 1, 8 }, &comma), 8);
	assert_int_equal(comma, 1);
	assert_int_equal(jspan_obj_end("{\"a\":{}}", (jspan_t){ 0, 8 }, NULL), 7);
	comma = 7;
	assert_int_equal(jspan_obj_end("[1]", (jspan_t){ 0, 3 }, &comma), (size_t)-1);
	assert_int_equal(comma, 0);
	/* a member spliced in there parses */
	{
		const char *s = "{\"a\":1 }";
		jspan_t r = root_of(s, strlen(s));
		size_t at = jspan_obj_end(s, r, &comma);
		char out[64];
		json_t *v;

		snprintf(out, sizeof out, "%.*s%s\"z\":true%s", (int)at, s, comma ? "," : "", s + at);
		assert_string_equal(out, "{\"a\":1 ,\"z\":true}");
		assert_int_equal(json_parse(out, strlen(out), 0, &v, NULL, NULL, 0), JSON_OK);
		assert_int_equal(json_bool(json_get(v, "z")), 1);
		json_free(v);
	}
}

/* On text that never passed jspan_parse, the navigation functions stay inside the span. */
static void
navigation_on_garbage_stays_in_span(void **state)
{
	static const char *const junk[] = {
		"{", "{\"", "{\"a", "{\"a\"", "{\"a\":", "{\"a\":[", "{\"a\":\"\\", "[\"", "[1,", "\"\\",
		"\"\\u12", "\"\\ud800\\u", "{\"a\":1,", "{\"a\\", "[{[{", "{}}", "{\"a\"}", "{,}", "[,]",
		"{\"\\u0061\":1", "\"", "{:}", "{\"a\":1 \"b\":2}", "{\"a\"1}",
	};
	size_t i, pos, len;
	jspan_member_t m;
	jspan_t e;
	char buf[16];

	(void)state;
	for (i = 0; i < sizeof junk / sizeof *junk; i++) {
		const char *s = dup0(junk[i]);
		jspan_t v = { 0, strlen(junk[i]) };

		for (len = 0; len <= v.len; len++) {
			jspan_t w = { 0, len };

			pos = 0;
			while (jspan_member_next(s, w, &pos, &m))
				jspan_str(s, m.key, buf, sizeof buf);
			pos = 0;
			while (jspan_elem_next(s, w, &pos, &e))
				;
			jspan_get(s, w, "a", &m);
			jspan_str(s, w, buf, sizeof buf);
			jspan_obj_end(s, w, NULL);
			jspan_type(s, w);
		}
		free((void *)s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_and_root_spans),
		cmocka_unit_test(index_of_containers),
		cmocka_unit_test(members_at_once),
		cmocka_unit_test(keys_as_json_parse_reads_them),
		cmocka_unit_test(index_of_deep_text),
		cmocka_unit_test(numbers),
		cmocka_unit_test(strings),
		cmocka_unit_test(structure),
		cmocka_unit_test(trailing_garbage),
		cmocka_unit_test(depth),
		cmocka_unit_test(valid_text_is_indexed),
		cmocka_unit_test(null_err_and_col),
		cmocka_unit_test(differential_table),
		cmocka_unit_test(types),
		cmocka_unit_test(members_in_order),
		cmocka_unit_test(elements_in_order),
		cmocka_unit_test(get_unescapes_keys_and_takes_the_first),
		cmocka_unit_test(cuts),
		cmocka_unit_test(str_unescapes_like_json_parse),
		cmocka_unit_test(obj_end),
		cmocka_unit_test(navigation_on_garbage_stays_in_span),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
