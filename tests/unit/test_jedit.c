/* lib/jedit: objects written with members set and dropped, the rest as it came. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "jedit.h"

#include "fixture.h"

/* The members of a JSON object as fields, their values dumped into vals. */
static size_t
fields_of(const json_t *o, struct jedit_field *f, buf_t *vals)
{
	size_t i, off[JEDIT_MAX_FIELDS + 1];

	for (i = 0; i < json_len(o) && i <= JEDIT_MAX_FIELDS; i++) {
		off[i] = buf_len(vals);
		assert_int_equal(json_dump(json_val_at(o, i), vals), JSON_OK);
		f[i].key = json_key_at(o, i);
		f[i].member = NULL;
		f[i].len = buf_len(vals) - off[i];
	}
	for (i = 0; i < json_len(o) && i <= JEDIT_MAX_FIELDS; i++)
		f[i].val = buf_ptr(vals) + off[i];
	return i;
}

/* jedit_object on the whole of text; returns the output (static buffer). */
static const char *
E(const char *text, const char *fields, const char *const *drop)
{
	static char out[4096];
	json_t *f = fields ? J(fields) : NULL;
	struct jedit_field fs[JEDIT_MAX_FIELDS + 1];
	jspan_t root;
	char err[128];
	buf_t b, vals;
	size_t n;

	assert_int_equal(jspan_parse(text, strlen(text), 0, &root, NULL, err, sizeof err), JSON_OK);
	buf_init(&b, 1 << 20);
	buf_init(&vals, 1 << 20);
	n = fields_of(f, fs, &vals);
	assert_int_equal(jedit_object(&b, text, root, fs, n, drop, NULL, NULL), JSON_OK);
	snprintf(out, sizeof out, "%s", buf_ptr(&b));
	/* From the members found beforehand: the same text. */
	{
		jspan_member_t m[32];
		size_t nm = 0, pos = 0;

		while (nm < 32 && jspan_member_next(text, root, &pos, &m[nm]))
			nm++;
		buf_reset(&b);
		assert_int_equal(jedit_members(&b, text, m, nm, fs, n, drop, NULL, NULL), JSON_OK);
		assert_string_equal(buf_ptr(&b), out);
	}
	buf_free(&b);
	buf_free(&vals);
	json_free(f);
	return out;
}

static void
set_in_place_or_append(void **state)
{
	(void)state;
	assert_string_equal(E("{\"a\":1,\"b\":2}", "{\"b\":\"x\",\"c\":[true]}", NULL),
	    "{\"a\":1,\"b\":\"x\",\"c\":[true]}");
	assert_string_equal(E("{}", "{\"c\":null}", NULL), "{\"c\":null}");
	assert_string_equal(E("{ }", NULL, NULL), "{}");
	/* Values keep their bytes, escapes and spaces included; the space between members goes. */
	assert_string_equal(E("{ \"n\" : 1.50 , \"s\":\"\\u00e9\\/\" ,\"o\":{ \"k\" : [ 1 ] } }", "{\"z\":0}", NULL),
	    "{\"n\":1.50,\"s\":\"\\u00e9\\/\",\"o\":{ \"k\" : [ 1 ] },\"z\":0}");
	/* An escaped key is the same key. */
	assert_string_equal(E("{\"\\u0061pollo\":1}", "{\"apollo\":2}", NULL), "{\"\\u0061pollo\":2}");
}

static void
duplicates_as_json_set_and_json_del(void **state)
{
	static const char *const drop[] = { "d", NULL };

	(void)state;
	/* The first of a name is set, later ones stay; every one dropped goes. */
	assert_string_equal(E("{\"a\":1,\"d\":2,\"a\":3,\"d\":4,\"e\":5}", "{\"a\":9}", drop),
	    "{\"a\":9,\"a\":3,\"e\":5}");
	assert_string_equal(E("{\"d\":1}", NULL, drop), "{}");
	assert_string_equal(E("{\"d\":1,\"x\":2}", "{\"d\":3}", drop), "{\"x\":2,\"d\":3}");
}

/*
 * Members kept as they are go out in runs copied at once: a run stops at a
 * blank, a member set or dropped, and a key that must be unescaped to be
 * matched; the output is the same as member by member.
 */
static void
kept_members_in_runs(void **state)
{
	static const char *const drop[] = { "d", NULL };

	(void)state;
	assert_string_equal(E("{\"a\":1,\"b\":[2,3],\"d\":3,\"c\":4, \"e\":5,\"f\" :6,\"g\":\"h\"}",
	    "{\"c\":0}", drop), "{\"a\":1,\"b\":[2,3],\"c\":0,\"e\":5,\"f\":6,\"g\":\"h\"}");
	/* A run can end with the last member and begin with the first. */
	assert_string_equal(E("{\"d\":0,\"a\":1,\"b\":2}", NULL, drop), "{\"a\":1,\"b\":2}");
	assert_string_equal(E("{\"a\":1,\"b\":2,\"d\":0}", "{\"z\":1}", drop), "{\"a\":1,\"b\":2,\"z\":1}");
	/* Escaped keys are matched unescaped, as json_del reads them (cut at a NUL). */
	assert_string_equal(E("{\"x\":1,\"\\u0064\":2,\"y\":3}", NULL, drop), "{\"x\":1,\"y\":3}");
	assert_string_equal(E("{\"d\\u0000z\":1,\"y\":2}", NULL, drop), "{\"y\":2}");
	assert_string_equal(E("{\"x\":1,\"\\u0063\":2,\"y\":3}", "{\"c\":9}", NULL),
	    "{\"x\":1,\"\\u0063\":9,\"y\":3}");
	/* A name that only begins like a dropped one stays. */
	assert_string_equal(E("{\"dd\":1,\"d\":2}", NULL, drop), "{\"dd\":1}");
}

/* Fields whose members lie in one text, a comma apart, go out together: the same bytes. */
static void
appended_fields_from_one_text(void **state)
{
	const char *row = "\"x\":1,\"y\":[2],\"z\":\"3\"";
	struct jedit_field f[4] = {
		{ "x", row + 4, 1, row, 5 },
		{ "y", row + 10, 3, row + 6, 7 },
		{ "z", row + 18, 3, row + 14, 7 },
		{ "w", "null", 4, "\"w\":null", 8 },
	};
	const char *text = "{\"a\":0}", *text2 = "{\"y\":0,\"a\":0}";
	jspan_t r;
	char err[64];
	buf_t b;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(jspan_parse(text, strlen(text), 0, &r, NULL, err, sizeof err), JSON_OK);
	assert_int_equal(jedit_object(&b, text, r, f, 4, NULL, NULL, NULL), JSON_OK);
	assert_string_equal(buf_ptr(&b), "{\"a\":0,\"x\":1,\"y\":[2],\"z\":\"3\",\"w\":null}");
	/* One set in place breaks the row: the others still go at the end, in order. */
	buf_reset(&b);
	assert_int_equal(jspan_parse(text2, strlen(text2), 0, &r, NULL, err, sizeof err), JSON_OK);
	assert_int_equal(jedit_object(&b, text2, r, f, 4, NULL, NULL, NULL), JSON_OK);
	assert_string_equal(buf_ptr(&b), "{\"y\":[2],\"a\":0,\"x\":1,\"z\":\"3\",\"w\":null}");
	buf_free(&b);
}

/* The same result as the tree's json_set/json_del, for a few records. */
static void
same_as_the_tree(void **state)
{
	static const char *texts[] = {
		"{\"email\":\"a@b.com\",\"new_employer\":{\"x\":1},\"apollo\":{\"old\":true},\"k\":[1,{\"a\":null}]}",
		"{\"apollo\":1,\"apollo\":2,\"new_employer\":1,\"new_employer\":2}",
		"{\"k\":\"\\u0000\\ud83d\\ude00\",\"n\":-0.0e+5}",
		"{}",
	};
	static const char *const drop[] = { "new_employer", NULL };
	const char *fields = "{\"apollo\":{\"status\":\"enriched\"},\"tenure_months\":null,\"enriched_at\":\"2026-01-01\"}";
	json_t *t, *f;
	buf_t a;
	size_t i, j;

	(void)state;
	buf_init(&a, 1 << 20);
	for (i = 0; i < sizeof texts / sizeof *texts; i++) {
		t = J(texts[i]);
		f = J(fields);
		json_del(t, "new_employer");
		for (j = 0; j < json_len(f); j++)
			assert_int_equal(json_set(t, json_key_at(f, j), json_clone(json_val_at(f, j))), JSON_OK);
		buf_reset(&a);
		assert_int_equal(json_dump(t, &a), JSON_OK);
		json_free(t);
		/* Compare as trees: jedit keeps escapes the tree writes out. */
		t = J(E(texts[i], fields, drop));
		{
			buf_t b;

			buf_init(&b, 1 << 20);
			assert_int_equal(json_dump(t, &b), JSON_OK);
			assert_string_equal(buf_ptr(&b), buf_ptr(&a));
			buf_free(&b);
		}
		json_free(t);
		json_free(f);
	}
	buf_free(&a);
}

static int
upper_b(void *ctx, const char *key, jspan_t val, buf_t *out)
{
	(*(int *)ctx)++;
	(void)val;
	if (key && strcmp(key, "b") == 0)
		return buf_add(out, "\"B\"", 3) == BUF_OK ? 1 : JSON_ENOMEM;
	if (key && strcmp(key, "stop") == 0)
		return JSON_EPARSE;
	return 0;
}

static void
callback_and_failures(void **state)
{
	const char *text = "{\"a\":1,\"b\":2,\"c\":3}", *stop = "{\"stop\":1}";
	json_t *f = J("{\"c\":0}"), *many = json_new_object();
	struct jedit_field fs[JEDIT_MAX_FIELDS + 1], ms[JEDIT_MAX_FIELDS + 1];
	jspan_t root, r2;
	char err[64], k[16];
	int calls = 0, i;
	buf_t b, vals, mvals;
	size_t nf, nm;

	(void)state;
	assert_int_equal(jspan_parse(text, strlen(text), 0, &root, NULL, err, sizeof err), JSON_OK);
	buf_init(&b, 1 << 20);
	buf_init(&vals, 1 << 20);
	buf_init(&mvals, 1 << 20);
	nf = fields_of(f, fs, &vals);
	assert_int_equal(jedit_object(&b, text, root, fs, nf, NULL, upper_b, &calls), JSON_OK);
	assert_string_equal(buf_ptr(&b), "{\"a\":1,\"b\":\"B\",\"c\":0}");
	assert_int_equal(calls, 2);   /* not for the member set */
	assert_int_equal(jspan_parse(stop, strlen(stop), 0, &r2, NULL, err, sizeof err), JSON_OK);
	buf_reset(&b);
	assert_int_equal(jedit_object(&b, stop, r2, NULL, 0, NULL, upper_b, &calls), JSON_EPARSE);
	/* Not an object: nothing written. */
	buf_reset(&b);
	root.off = 5;
	root.len = 1;
	assert_int_equal(jedit_object(&b, text, root, fs, nf, NULL, NULL, NULL), JSON_ETYPE);
	assert_int_equal(buf_len(&b), 0);
	buf_free(&b);
	/* The buffer's cap. */
	assert_int_equal(jspan_parse(text, strlen(text), 0, &root, NULL, err, sizeof err), JSON_OK);
	buf_init(&b, 8);
	assert_int_equal(jedit_object(&b, text, root, fs, nf, NULL, NULL, NULL), JSON_ETOOBIG);
	buf_free(&b);
	/* Too many fields. */
	for (i = 0; i <= JEDIT_MAX_FIELDS; i++) {
		snprintf(k, sizeof k, "k%d", i);
		assert_int_equal(json_set_int(many, k, i), JSON_OK);
	}
	buf_init(&b, 1 << 20);
	nm = fields_of(many, ms, &mvals);
	assert_int_equal(nm, JEDIT_MAX_FIELDS + 1);
	assert_int_equal(jedit_object(&b, text, root, ms, nm, NULL, NULL, NULL), JSON_ETOOBIG);
	buf_free(&b);
	buf_free(&vals);
	buf_free(&mvals);
	json_free(many);
	json_free(f);
}

/* A field given with its whole member text: set in place by its value, appended as that text. */
static void
member_text(void **state)
{
	const char *text = "{\"a\":1,\"b\":2}";
	struct jedit_field f[2] = {
		{ "b", "[3]", 3, "\"b\":[3]", 7 },
		{ "c", "null", 4, "\"c\" : null", 10 },
	};
	jspan_t root;
	char err[64];
	buf_t b;

	(void)state;
	assert_int_equal(jspan_parse(text, strlen(text), 0, &root, NULL, err, sizeof err), JSON_OK);
	buf_init(&b, 1 << 20);
	assert_int_equal(jedit_object(&b, text, root, f, 2, NULL, NULL, NULL), JSON_OK);
	assert_string_equal(buf_ptr(&b), "{\"a\":1,\"b\":[3],\"c\" : null}");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_in_place_or_append),
		cmocka_unit_test(duplicates_as_json_set_and_json_del),
		cmocka_unit_test(kept_members_in_runs),
		cmocka_unit_test(appended_fields_from_one_text),
		cmocka_unit_test(same_as_the_tree),
		cmocka_unit_test(callback_and_failures),
		cmocka_unit_test(member_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
