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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_and_bad_lines),
		cmocka_unit_test(overlong_line_is_rejected_whole),
		cmocka_unit_test(nul_bytes_and_bad_utf8_are_bad_lines),
		cmocka_unit_test(write_reports_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
