#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "json.h"

static char *
roundtrip(const char *in)
{
	json_t *v;
	char err[256];
	buf_t b;

	if (json_parse(in, strlen(in), 0, &v, NULL, err, sizeof err) != JSON_OK)
		return NULL;
	buf_init(&b, 1 << 20);
	assert_int_equal(json_dump(v, &b), JSON_OK);
	json_free(v);
	return buf_detach(&b, NULL);
}

static void
numbers_keep_their_text(void **state)
{
	const char *in = "{\"amount\":0.1,\"n\":12345678901234567891,\"e\":1E+400,\"neg\":-0.0,\"x\":{\"keep\":\"me\"}}";
	char *out = roundtrip(in);

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, in);
	free(out);
}

static void
key_order_and_duplicates_are_kept(void **state)
{
	const char *in = "{\"z\":1,\"a\":[true,false,null],\"z\":2,\"m\":{}}";
	char *out = roundtrip(in);

	(void)state;
	assert_string_equal(out, in);
	free(out);
}

static void
strings_are_escaped_and_utf8_kept(void **state)
{
	const char *in = "{\"s\":\"caf\\u00e9 \\\"q\\\" \\\\ \\n \\u0000 \\u2028 \xe6\x97\xa5\"}";
	char *out = roundtrip(in);

	(void)state;
	assert_string_equal(out, "{\"s\":\"caf\xc3\xa9 \\\"q\\\" \\\\ \\n \\u0000 \xe2\x80\xa8 \xe6\x97\xa5\"}");
	free(out);
}

static void
invalid_utf8_is_rejected(void **state)
{
	json_t *v;
	char err[256];
	const char in[] = "{\"s\":\"\xff\xfe\"}";

	(void)state;
	assert_int_equal(json_parse(in, strlen(in), 0, &v, NULL, err, sizeof err), JSON_EPARSE);
	assert_null(v);
}

static void
errors_say_where(void **state)
{
	json_t *v;
	char err[256];
	size_t col;
	const char *in = "{\"a\":1,,}";

	(void)state;
	assert_int_equal(json_parse(in, strlen(in), 0, &v, &col, err, sizeof err), JSON_EPARSE);
	assert_int_equal(col, 8);
	assert_non_null(strstr(err, "invalid object key"));
	assert_int_equal(json_parse("{} {}", 5, 0, &v, &col, err, sizeof err), JSON_EPARSE);
	assert_int_equal(json_parse("", 0, 0, &v, &col, err, sizeof err), JSON_EPARSE);
	assert_int_equal(json_parse("{\"a\":", 5, 0, &v, &col, err, sizeof err), JSON_EPARSE);
}

static void
depth_is_capped(void **state)
{
	char in[300];
	json_t *v;
	char err[256];
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		in[i] = '[';
	for (i = 100; i < 200; i++)
		in[i] = ']';
	assert_int_equal(json_parse(in, 200, 64, &v, NULL, err, sizeof err), JSON_EDEPTH);
	assert_string_equal(err, "nested deeper than 64 levels");
	assert_int_equal(json_parse(in + 40, 120, 64, &v, NULL, err, sizeof err), JSON_OK);
	json_free(v);
}

static void
set_get_push_del(void **state)
{
	json_t *o = json_new_object(), *a = json_new_array();
	char *s;
	buf_t b;
	int64_t n;
	double d;

	(void)state;
	assert_int_equal(json_set_str(o, "b", "x"), JSON_OK);
	assert_int_equal(json_set_int(o, "a", 42), JSON_OK);
	assert_int_equal(json_set_str(o, "b", "y"), JSON_OK);  /* replaced in place */
	assert_int_equal(json_push(a, json_new_double(0.1)), JSON_OK);
	assert_int_equal(json_push(a, json_new_double(1.0 / 3)), JSON_OK);
	assert_int_equal(json_set(o, "arr", a), JSON_OK);
	assert_int_equal(json_set_bool(o, "t", 1), JSON_OK);
	assert_int_equal(json_push(o, json_new_null()), JSON_ETYPE);   /* not an array */
	assert_string_equal(json_str(json_get(o, "b")), "y");
	assert_int_equal(json_num_int(json_get(o, "a"), &n), 0);
	assert_int_equal(n, 42);
	assert_int_equal(json_num_double(json_at(json_get(o, "arr"), 0), &d), 0);
	assert_true(d == 0.1);
	assert_null(json_at(json_get(o, "arr"), 5));
	assert_null(json_get(json_get(o, "missing"), "x"));
	assert_int_equal(json_del(o, "t"), 1);
	buf_init(&b, 4096);
	assert_int_equal(json_dump(o, &b), JSON_OK);
	s = buf_detach(&b, NULL);
	assert_string_equal(s, "{\"b\":\"y\",\"a\":42,\"arr\":[0.1,0.3333333333333333]}");
	free(s);
	json_free(o);
}

static void
numbers_from_strings(void **state)
{
	json_t *s = json_new_str("25000"), *bad = json_new_str("25k"), *big;
	int64_t n;
	double d;
	char err[64];

	(void)state;
	assert_int_equal(json_num_int(s, &n), 0);
	assert_int_equal(n, 25000);
	assert_int_equal(json_num_double(bad, &d), -1);
	assert_int_equal(json_parse("9007199254740993", 16, 0, &big, NULL, err, sizeof err), JSON_OK);
	assert_int_equal(json_num_int(big, &n), 0);
	assert_true(n == 9007199254740993LL);
	assert_null(json_new_num_text("01"));
	assert_null(json_new_num_text("1."));
	json_free(s);
	json_free(bad);
	json_free(big);
}

static void
new_str_repairs_invalid_utf8(void **state)
{
	json_t *s = json_new_strn("a\xffz", 3);

	(void)state;
	assert_string_equal(json_str(s), "a\xef\xbf\xbdz");
	json_free(s);
}

static void
path_and_clone(void **state)
{
	json_t *v, *c;
	char err[64];
	const char *in = "{\"account\":{\"domain\":\"globex.com\"}}";

	(void)state;
	assert_int_equal(json_parse(in, strlen(in), 0, &v, NULL, err, sizeof err), JSON_OK);
	assert_string_equal(json_str(json_path(v, "account.domain")), "globex.com");
	assert_null(json_path(v, "account.domain.x"));
	c = json_clone(v);
	json_free(v);
	assert_string_equal(json_str(json_path(c, "account.domain")), "globex.com");
	json_free(c);
}

static void
serialized_values(void **state)
{
	const char *text = "{\"name\":\"Dana\",\"n\":[1,2.50]}";
	json_t *o = json_new_object(), *v = json_new_serialized(text, strlen(text)), *c;
	buf_t b;

	(void)state;
	assert_non_null(o);
	assert_non_null(v);
	assert_int_equal(json_typeof(v), JSON_SERIALIZED);
	/* Opaque to readers. */
	assert_null(json_get(v, "name"));
	assert_null(json_str(v));
	assert_int_equal(json_len(v), 0);
	/* Clones share the text; each is freed on its own. */
	c = json_clone(v);
	assert_non_null(c);
	assert_int_equal(json_set(o, "a", v), JSON_OK);
	assert_int_equal(json_set(o, "b", c), JSON_OK);
	assert_int_equal(json_set_int(o, "k", 7), JSON_OK);
	c = json_clone(o);
	json_free(o);
	buf_init(&b, 1 << 16);
	assert_int_equal(json_dump(c, &b), JSON_OK);
	assert_string_equal(buf_ptr(&b),
	    "{\"a\":{\"name\":\"Dana\",\"n\":[1,2.50]},\"b\":{\"name\":\"Dana\",\"n\":[1,2.50]},\"k\":7}");
	json_free(c);
	/* Written exactly as given, spaces included. */
	buf_reset(&b);
	v = json_new_serialized("[ 1 ]", 5);
	assert_int_equal(json_dump(v, &b), JSON_OK);
	assert_string_equal(buf_ptr(&b), "[ 1 ]");
	json_free(v);
	buf_free(&b);
}

/* json_events: records every event as a line of text. */
static int
ev_add(void *ctx, const char *what, const char *s, size_t n)
{
	buf_t *b = ctx;

	assert_int_equal(buf_adds(b, what), BUF_OK);
	if (s)
		assert_int_equal(buf_add(b, s, n), BUF_OK);
	assert_int_equal(buf_addc(b, '\n'), BUF_OK);
	return 1;
}
static int ev_null(void *c) { return ev_add(c, "null", NULL, 0); }
static int ev_bool(void *c, int b) { return ev_add(c, b ? "true" : "false", NULL, 0); }
static int ev_num(void *c, const char *s, size_t n) { return ev_add(c, "num ", s, n); }
static int ev_str(void *c, const char *s, size_t n) { return ev_add(c, "str ", s, n); }
static int ev_smap(void *c) { return ev_add(c, "{", NULL, 0); }
static int ev_key(void *c, const char *s, size_t n) { return ev_add(c, "key ", s, n); }
static int ev_emap(void *c) { return ev_add(c, "}", NULL, 0); }
static int ev_sarr(void *c) { return ev_add(c, "[", NULL, 0); }
static int ev_earr(void *c) { return ev_add(c, "]", NULL, 0); }
static int ev_stop(void *c, const char *s, size_t n) { (void)c; return n != 4 || memcmp(s, "stop", 4) != 0; }

static void
events_in_document_order(void **state)
{
	struct json_events ev = { ev_null, ev_bool, ev_num, ev_str, ev_smap, ev_key, ev_emap,
		ev_sarr, ev_earr, 1 };
	struct json_events skip = { .string = ev_str, .check_utf8 = 1 };
	struct json_events stop = { .string = ev_stop, .check_utf8 = 1 };
	const char *in = "{\"a\":[1.50,true,null],\"b\\n\":\"x\\u00e9\",\"c\":{}}";
	buf_t b;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(json_events(in, strlen(in), &ev, &b), JSON_OK);
	assert_string_equal(buf_ptr(&b), "{\nkey a\n[\nnum 1.50\ntrue\nnull\n]\n"
	    "key b\n\nstr x\xc3\xa9\nkey c\n{\n}\n}\n");
	/* a NULL function skips its events */
	buf_reset(&b);
	assert_int_equal(json_events(in, strlen(in), &skip, &b), JSON_OK);
	assert_string_equal(buf_ptr(&b), "str x\xc3\xa9\n");
	assert_int_equal(json_events("[\"go\",\"stop\",1]", 15, &stop, NULL), JSON_ESTOPPED);
	assert_int_equal(json_events("{\"a\":", 5, &ev, &b), JSON_EPARSE);
	assert_int_equal(json_events("", 0, &ev, &b), JSON_EPARSE);
	assert_int_equal(json_events("[\"\xff\"]", 5, &skip, &b), JSON_EPARSE);
	skip.check_utf8 = 0;
	assert_int_equal(json_events("[\"\xff\"]", 5, &skip, &b), JSON_OK);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_keep_their_text),
		cmocka_unit_test(key_order_and_duplicates_are_kept),
		cmocka_unit_test(strings_are_escaped_and_utf8_kept),
		cmocka_unit_test(invalid_utf8_is_rejected),
		cmocka_unit_test(errors_say_where),
		cmocka_unit_test(depth_is_capped),
		cmocka_unit_test(set_get_push_del),
		cmocka_unit_test(numbers_from_strings),
		cmocka_unit_test(new_str_repairs_invalid_utf8),
		cmocka_unit_test(path_and_clone),
		cmocka_unit_test(serialized_values),
		cmocka_unit_test(events_in_document_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
