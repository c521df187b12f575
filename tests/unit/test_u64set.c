/* lib/u64set: the one set of hashes; add's return says new / present / no memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "u64set.h"

static void
add_says_new_then_present(void **state)
{
	u64set_t s = { 0 };

	(void)state;
	assert_int_equal(u64set_has(&s, 42), 0);
	assert_int_equal(u64set_add(&s, 42), 1);
	assert_int_equal(u64set_add(&s, 42), 0);
	assert_int_equal(u64set_has(&s, 42), 1);
	assert_int_equal(u64set_len(&s), 1);
	u64set_free(&s);
	assert_int_equal(u64set_len(&s), 0);
	assert_int_equal(u64set_has(&s, 42), 0);
}

static void
zero_is_a_value_too(void **state)
{
	u64set_t s = { 0 };

	(void)state;
	assert_int_equal(u64set_add(&s, 0), 1);
	assert_int_equal(u64set_has(&s, 0), 1);
	assert_int_equal(u64set_add(&s, 0), 0);
	u64set_free(&s);
}

static void
grows_and_keeps_every_value(void **state)
{
	u64set_t s = { 0 };
	uint64_t i, h;

	(void)state;
	/* Values that collide on their low bits, past several doublings. */
	for (i = 1; i <= 5000; i++) {
		h = i << 32 | 7;
		assert_int_equal(u64set_add(&s, h), 1);
	}
	assert_int_equal(u64set_len(&s), 5000);
	assert_true(s.cap >= 10000);
	for (i = 1; i <= 5000; i++)
		assert_int_equal(u64set_has(&s, i << 32 | 7), 1);
	assert_int_equal(u64set_has(&s, (uint64_t)5001 << 32 | 7), 0);
	u64set_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_says_new_then_present),
		cmocka_unit_test(zero_is_a_value_too),
		cmocka_unit_test(grows_and_keeps_every_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
