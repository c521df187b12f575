#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndj.h"

/* Reads all of input; returns records as one text, bad lines as "BAD n: why". */
static char *
read_all(const char *input, size_t len, size_t max_line, char **rejects_out)
{
	FILE *in = fmemopen((void *)input, len, "r");
	char *rej = NULL;
	size_t rejlen = 0;
	FILE *rejects = open_memstream(&rej, &rejlen);
	ndj_reader_t *r = ndj_reader_new(in, "stdin", max_line, 0, rejects);
	buf_t out;
	json_t *rec;
	int rc;

	buf_init(&out, 1 << 20);
	while ((rc = ndj_read(r, &rec)) != NDJ_EOF) {
		if (rc == NDJ_OK) {
			json_dump(rec, &out);
			buf_addc(&out, '\n');
			json_free(rec);
		} else if (rc == NDJ_BAD)
			buf_addf(&out, "BAD %lu: %s\n", ndj_line(r), ndj_error(r));
		else
			fail_msg("unexpected %d", rc);
	}
	ndj_reader_free(r);
	fclose(in);
	fclose(rejects);
	if (rejects_out)
		*rejects_out = rej;
	else
		free(rej);
	return buf_detach(&out, NULL);
}

static void
good_and_bad_lines(void **state)
{
	const char in[] = "{\"a\":1}\r\n\n{bad\n[1,2]\n  \n{\"b\":0.10}\n{\"c\":1} {\"d\":2}\n{\"last\":true}";
	char *rej, *out = read_all(in, sizeof in - 1, 0, &rej);

	(void)state;
	assert_string_equal(out,
	    "{\"a\":1}\n"
	    "BAD 3: invalid JSON at column 2: invalid char in json text.\n"
	    "BAD 4: expected a JSON object, one record per line\n"
	    "{\"b\":0.10}\n"
	    "BAD 7: invalid JSON at column 9: trailing garbage\n"
	    "{\"last\":true}\n");
	assert_string_equal(rej, "{bad\n[1,2]\n{\"c\":1} {\"d\":2}\n");
	free(out);
	free(rej);
}

static void
overlong_line_is_rejected_whole(void **state)
{
	char in[400];
	char *rej, *out;

	(void)state;
	memset(in, 'x', sizeof in);
	memcpy(in, "{\"a\":\"", 6);
	memcpy(in + 300, "\"}\n{\"ok\":1}\n", 12);
	out = read_all(in, 312, 100, &rej);
	assert_string_equal(out, "BAD 1: line longer than 100 bytes\n{\"ok\":1}\n");
	assert_int_equal(strlen(rej), 303);
	assert_memory_equal(rej, in, 302);
	free(out);
	free(rej);
}

static void
nul_bytes_and_bad_utf8_are_bad_lines(void **state)
{
	const char in[] = "{\"a\":\"x\0y\"}\n{\"s\":\"\xc3\x28\"}\n{\"u\":\"\\u0000\"}\n";
	char *out = read_all(in, sizeof in - 1, 0, NULL);

	(void)state;
	assert_non_null(strstr(out, "BAD 1: "));
	assert_non_null(strstr(out, "BAD 2: "));
	assert_non_null(strstr(out, "{\"u\":\"\\u0000\"}\n"));
	free(out);
}

static void
write_reports_failure(void **state)
{
	FILE *full = fopen("/dev/full", "w");
	json_t *o = json_new_object();

	(void)state;
	json_set_str(o, "k", "v");
	assert_non_null(full);
	/* Buffered: the failure shows at the flush. */
	assert_int_equal(ndj_write(full, o, 1), -1);
	fclose(full);
	json_free(o);
}

/* ---- ndj_read_text ---- */

/*
 * Reads all of input with ndj_read_text (text = 1) or ndj_read (text = 0), as
 * read_all does: records as text ("<text>" for ndj_read_text, the dump for
 * ndj_read), bad lines as "BAD n: why", and the rejects.
 */
static char *
read_all_with(int text, const char *input, size_t len, size_t max_line, size_t max_depth, char **rejects_out)
{
	FILE *in = fmemopen((void *)input, len, "r");
	char *rej = NULL;
	size_t rejlen = 0, n;
	FILE *rejects = open_memstream(&rej, &rejlen);
	ndj_reader_t *r = ndj_reader_new(in, "stdin", max_line, max_depth, rejects);
	const char *t;
	jspan_t root;
	buf_t out;
	json_t *rec;
	int rc;

	buf_init(&out, 1 << 22);
	for (;;) {
		if (text) {
			rc = ndj_read_text(r, &t, &n, &root);
			if (rc == NDJ_OK) {
				assert_int_equal(t[n], '\0');
				assert_int_equal(jspan_type(t, root), JSON_OBJECT);
				buf_add(&out, t, n);
				buf_addc(&out, '\n');
			} else {
				assert_null(t);
				assert_int_equal(n, 0);
			}
		} else {
			rc = ndj_read(r, &rec);
			if (rc == NDJ_OK) {
				json_dump(rec, &out);
				buf_addc(&out, '\n');
				json_free(rec);
			}
		}
		if (rc == NDJ_EOF)
			break;
		if (rc == NDJ_BAD)
			buf_addf(&out, "BAD %lu: %s\n", ndj_line(r), ndj_error(r));
		else if (rc != NDJ_OK)
			fail_msg("unexpected %d", rc);
	}
	buf_addf(&out, "lines %lu bad %lu\n", ndj_line(r), ndj_bad_lines(r));
	ndj_reader_free(r);
	fclose(in);
	fclose(rejects);
	if (rejects_out)
		*rejects_out = rej;
	else
		free(rej);
	return buf_detach(&out, NULL);
}

/* The index of the text read last: its containers; empty after a bad line and at the end. */
static void
read_text_keeps_an_index(void **state)
{
	static const char in[] = "{\"a\":[1],\"b\":{}}\r\n[bad\n{\"c\":2}\n";
	FILE *f = fmemopen((void *)in, sizeof in - 1, "r");
	ndj_reader_t *r = ndj_reader_new(f, "stdin", 0, 0, NULL);
	const jspan_index_t *ix = ndj_text_index(r);
	const size_t want[] = { 0, 16, 5, 8, 13, 15 };
	const char *t;
	jspan_member_t m[4];
	jspan_t root;
	size_t n;

	(void)state;
	assert_int_equal(jspan_index_containers(ix), 0);
	assert_int_equal(ndj_read_text(r, &t, &n, &root), NDJ_OK);
	assert_int_equal(jspan_index_containers(ix), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(jspan_index_container(ix, i).off, want[2 * i]);
		assert_int_equal(jspan_index_container(ix, i).len, want[2 * i + 1] - want[2 * i]);
	}
	assert_int_equal(jspan_index_members(ix), 2);   /* "a" and "b" */
	assert_int_equal(jspan_members_ix(t, ix, root, m, 4), 2);
	assert_int_equal(m[0].key.off, 1);
	assert_int_equal(m[1].val.off, 13);
	assert_int_equal(ndj_read_text(r, &t, &n, &root), NDJ_BAD);
	assert_int_equal(jspan_index_containers(ix), 0);
	assert_int_equal(jspan_index_members(ix), 0);
	assert_int_equal(ndj_read_text(r, &t, &n, &root), NDJ_OK);
	assert_int_equal(jspan_index_containers(ix), 1);
	assert_int_equal(jspan_index_members(ix), 1);
	assert_int_equal(jspan_index_container(ix, 0).off, 0);
	assert_int_equal(jspan_index_container(ix, 0).len, n);
	assert_int_equal(ndj_read_text(r, &t, &n, &root), NDJ_EOF);
	assert_int_equal(jspan_index_containers(ix), 0);
	ndj_reader_free(r);
	fclose(f);
}

static void
read_text_gives_lines_as_text(void **state)
{
	const char in[] = "{\"a\":1}\r\n\n{bad\n[1,2]\n  \n \t\r\n{ \"b\" : 0.10 }  \n{\"c\":1} {\"d\":2}\n"
	    "{\"e\":\"\xc0\xaf\"}\n{\"f\":[[[[[1]]]]]}\n\"str\"\n{\"g\":1} \"open\n{\"last\":true}";
	char *rej, *out = read_all_with(1, in, sizeof in - 1, 0, 4, &rej);

	(void)state;
	assert_string_equal(out,
	    "{\"a\":1}\n"
	    "BAD 3: invalid JSON at column 2: invalid char in json text.\n"
	    "BAD 4: expected a JSON object, one record per line\n"
	    "{ \"b\" : 0.10 }  \n"
	    "BAD 8: invalid JSON at column 9: trailing garbage\n"
	    "BAD 9: invalid JSON at column 7: invalid bytes in UTF8 string.\n"
	    "BAD 10: nested deeper than 4 levels\n"
	    "BAD 11: expected a JSON object, one record per line\n"
	    "BAD 12: invalid JSON at column 9: trailing garbage\n"
	    "{\"last\":true}\n"
	    "lines 13 bad 7\n");
	/* the raw lines, "\r" and all */
	assert_string_equal(rej, "{bad\n[1,2]\n{\"c\":1} {\"d\":2}\n{\"e\":\"\xc0\xaf\"}\n{\"f\":[[[[[1]]]]]}\n"
	    "\"str\"\n{\"g\":1} \"open\n");
	free(out);
	free(rej);
}

static void
read_text_keeps_crlf_out_and_bad_crlf_lines_whole(void **state)
{
	const char in[] = "{\"a\":1}\r\n{\"a\":\r\n\r\n{\"b\":2}\r";
	char *rej, *out = read_all_with(1, in, sizeof in - 1, 0, 0, &rej);

	(void)state;
	assert_string_equal(out,
	    "{\"a\":1}\n"
	    "BAD 2: invalid JSON at column 1: premature EOF\n"
	    "{\"b\":2}\n"
	    "lines 4 bad 1\n");
	assert_string_equal(rej, "{\"a\":\r\n");
	free(out);
	free(rej);
}

/* Both readers over the same input: the same lines, messages, counts and rejects. */
static void
readers_agree(const char *in, size_t len, size_t max_line, size_t max_depth)
{
	char *rej1, *rej2, *out1 = read_all_with(0, in, len, max_line, max_depth, &rej1);
	char *out2 = read_all_with(1, in, len, max_line, max_depth, &rej2);
	const char *a = out1, *b = out2;

	/* records differ in form (a dump, the text): compare the rest line by line */
	while (*a && *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

		if (strncmp(a, "BAD ", 4) == 0 || strncmp(a, "lines ", 6) == 0 ||
		    strncmp(b, "BAD ", 4) == 0 || strncmp(b, "lines ", 6) == 0) {
			if (la != lb || memcmp(a, b, la) != 0)
				fail_msg("ndj_read: %.*s\nndj_read_text: %.*s", (int)la, a, (int)lb, b);
		} else {
			json_t *v;
			buf_t d;

			assert_int_equal(json_parse(b, lb, 0, &v, NULL, NULL, 0), JSON_OK);
			buf_init(&d, 1 << 22);
			json_dump(v, &d);
			assert_int_equal(buf_len(&d), la);
			assert_memory_equal(buf_ptr(&d), a, la);
			buf_free(&d);
			json_free(v);
		}
		a += la + 1;
		b += lb + 1;
	}
	assert_true(*a == '\0' && *b == '\0');
	assert_string_equal(rej1, rej2);
	free(out1);
	free(out2);
	free(rej1);
	free(rej2);
}

static void
read_text_says_what_read_says(void **state)
{
	const char mixed[] = "{\"a\":1}\r\n\n{bad\n[1,2]\n  \n{\"b\":0.10}\n{\"c\":1} {\"d\":2}\n"
	    "{\"e\":\"\xc0\xaf\"}\n{\"f\":\"x\0y\"}\n{\"u\":\"\\u0000\"}\n{\"s\":\"\xc3\x28\"}\n"
	    "{\"h\":[[[[1]]]]}\n{\"h\":[[[1]]]}\n\r\n{\n{\"a\" 1}\n{\"a\":1 \"b\":2}\n\v{}\v\n"
	    "{\"k\":\"v\",\"k\":\"w\"}\n{\"a\":1}\"\n{\"last\":true}";

	(void)state;
	readers_agree(mixed, sizeof mixed - 1, 0, 4);
	readers_agree(mixed, sizeof mixed - 1, 12, 0);
	readers_agree(mixed, sizeof mixed - 1, 1, 0);
	readers_agree("", 0, 0, 0);
	readers_agree("\n\n \n", 4, 0, 0);
}

/* Lines around and past the size read_line reads at once (8192), with and without a cap. */
static void
read_text_long_lines(void **state)
{
	static const size_t lens[] = { 8189, 8190, 8191, 8192, 8193, 16382, 16383, 16384, 20000 };
	size_t i, k, n, at;
	char *in, *out, *rej, want[64];
	const char *t;
	jspan_t root;
	FILE *f;
	ndj_reader_t *r;

	(void)state;
	in = malloc(3 * 20100);
	assert_non_null(in);
	for (i = 0; i < sizeof lens / sizeof *lens; i++) {
		/* {"a":"xxx...x"} of lens[i] bytes, a NUL in one, then a short line */
		for (k = 0; k < 2; k++) {
			n = 0;
			memcpy(in, "{\"a\":\"", 6);
			memset(in + 6, 'x', lens[i] - 8);
			memcpy(in + lens[i] - 2, "\"}\n", 3);
			if (k == 1)
				in[lens[i] / 2] = '\0';
			n = lens[i] + 1;
			memcpy(in + n, "{\"ok\":1}\n", 9);
			n += 9;
			readers_agree(in, n, 0, 0);
			readers_agree(in, n, lens[i] - 1, 0);
			readers_agree(in, n, lens[i], 0);
			/* ndj_read_text itself */
			f = fmemopen(in, n, "r");
			r = ndj_reader_new(f, "stdin", lens[i], 0, NULL);
			if (k == 0) {
				assert_int_equal(ndj_read_text(r, &t, &at, &root), NDJ_OK);
				assert_int_equal(at, lens[i]);
				assert_memory_equal(t, in, lens[i]);
			} else {
				assert_int_equal(ndj_read_text(r, &t, &at, &root), NDJ_BAD);
				snprintf(want, sizeof want, "invalid JSON at column %zu: ", lens[i] / 2);   /* yajl: at the NUL */
				assert_memory_equal(ndj_error(r), want, strlen(want));
			}
			assert_int_equal(ndj_read_text(r, &t, &at, &root), NDJ_OK);
			assert_string_equal(t, "{\"ok\":1}");
			assert_int_equal(ndj_line(r), 2);
			assert_int_equal(ndj_read_text(r, &t, &at, &root), NDJ_EOF);
			ndj_reader_free(r);
			fclose(f);
		}
		/* one byte over the cap: rejected whole, the next line read */
		memcpy(in, "{\"a\":\"", 6);
		memset(in + 6, 'x', lens[i] - 8);
		memcpy(in + lens[i] - 2, "\"}\n{\"ok\":1}\n", 12);
		out = read_all_with(1, in, lens[i] + 10, lens[i] - 1, 0, &rej);
		snprintf(want, sizeof want, "BAD 1: line longer than %zu bytes\n{\"ok\":1}\nlines 2 bad 1\n", lens[i] - 1);
		assert_string_equal(out, want);
		assert_int_equal(strlen(rej), lens[i] + 1);
		assert_memory_equal(rej, in, lens[i] + 1);
		free(out);
		free(rej);
	}
	free(in);
}

static void
read_text_line_over_the_cap(void **state)
{
	char in[400];
	char *rej, *out;

	(void)state;
	memset(in, 'x', sizeof in);
	memcpy(in, "{\"a\":\"", 6);
	memcpy(in + 300, "\"}\n{\"ok\":1}\n", 12);
	out = read_all_with(1, in, 312, 100, 0, &rej);
	assert_string_equal(out, "BAD 1: line longer than 100 bytes\n{\"ok\":1}\nlines 2 bad 1\n");
	assert_int_equal(strlen(rej), 303);
	assert_memory_equal(rej, in, 302);
	free(out);
	free(rej);
	/* a last line over the cap, without "\n" */
	out = read_all_with(1, in, 300, 100, 0, &rej);
	assert_string_equal(out, "BAD 1: line longer than 100 bytes\nlines 1 bad 1\n");
	assert_int_equal(strlen(rej), 301);
	free(out);
	free(rej);
	/* exactly the cap is fine */
	out = read_all_with(1, "{\"a\":\"xx\"}\n", 11, 10, 0, &rej);
	assert_string_equal(out, "{\"a\":\"xx\"}\nlines 1 bad 0\n");
	free(out);
	free(rej);
}

static void
read_text_reports_read_errors(void **state)
{
	FILE *dir = fopen("/", "r");   /* opens; reading it fails with EISDIR */
	ndj_reader_t *r;
	const char *t = "x";
	size_t n = 1;
	jspan_t root;

	(void)state;
	assert_non_null(dir);
	r = ndj_reader_new(dir, "/", 0, 0, NULL);
	assert_int_equal(ndj_read_text(r, &t, &n, &root), NDJ_EIO);
	assert_null(t);
	assert_int_equal(n, 0);
	assert_string_equal(ndj_error(r), "read error: Is a directory");
	ndj_reader_free(r);
	fclose(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_and_bad_lines),
		cmocka_unit_test(overlong_line_is_rejected_whole),
		cmocka_unit_test(nul_bytes_and_bad_utf8_are_bad_lines),
		cmocka_unit_test(write_reports_failure),
		cmocka_unit_test(read_text_gives_lines_as_text),
		cmocka_unit_test(read_text_keeps_an_index),
		cmocka_unit_test(read_text_keeps_crlf_out_and_bad_crlf_lines_whole),
		cmocka_unit_test(read_text_says_what_read_says),
		cmocka_unit_test(read_text_long_lines),
		cmocka_unit_test(read_text_line_over_the_cap),
		cmocka_unit_test(read_text_reports_read_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
