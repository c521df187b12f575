/* lib/buf: a growable byte buffer with a hard cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void
cap_refuses_and_keeps_what_was_there(void **state)
{
	buf_t b;

	(void)state;
	buf_init(&b, 8);
	assert_string_equal(buf_ptr(&b), "");
	assert_int_equal(buf_adds(&b, "abcdef"), BUF_OK);
	assert_int_equal(buf_adds(&b, "ghi"), BUF_ETOOBIG);
	assert_int_equal(buf_len(&b), 6);
	assert_string_equal(buf_ptr(&b), "abcdef");
	assert_int_equal(buf_addf(&b, "%d", 12345), BUF_ETOOBIG);
	assert_int_equal(buf_addc(&b, 'g'), BUF_OK);
	assert_int_equal(buf_addc(&b, 'h'), BUF_OK);
	assert_int_equal(buf_addc(&b, 'i'), BUF_ETOOBIG);
	assert_string_equal(buf_ptr(&b), "abcdefgh");
	buf_free(&b);
}

static void
truncate_keeps_a_prefix(void **state)
{
	buf_t b;
	char *s;
	size_t n;

	(void)state;
	buf_init(&b, 1 << 20);
	buf_truncate(&b, 0);   /* never allocated: nothing to do */
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_adds(&b, "record one\n"), BUF_OK);
	n = buf_len(&b);
	assert_int_equal(buf_adds(&b, "half a rec"), BUF_OK);
	buf_truncate(&b, n);
	assert_int_equal(buf_len(&b), n);
	assert_string_equal(buf_ptr(&b), "record one\n");
	buf_truncate(&b, 100);   /* longer than the content: unchanged */
	assert_string_equal(buf_ptr(&b), "record one\n");
	assert_int_equal(buf_adds(&b, "two\n"), BUF_OK);
	s = buf_detach(&b, &n);
	assert_string_equal(s, "record one\ntwo\n");
	assert_int_equal(n, 15);
	assert_int_equal(buf_len(&b), 0);
	free(s);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cap_refuses_and_keeps_what_was_there),
		cmocka_unit_test(truncate_keeps_a_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
