#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "memo.h"

/* One slot: a second key replaces the first, which is then only looked up again. */
static void
remembers_and_forgets(void **state)
{
	memo_t *m = memo_new(1, 8);
	int a = 0, b = 0;

	(void)state;
	assert_int_equal(memo_get(m, "vp", &a, &b), 0);
	memo_put(m, "vp", 3, -1);
	assert_int_equal(memo_get(m, "vp", &a, &b), 1);
	assert_int_equal(a, 3);
	assert_int_equal(b, -1);
	memo_put(m, "cfo", 1, 7);
	assert_int_equal(memo_get(m, "vp", NULL, NULL), 0);
	assert_int_equal(memo_get(m, "cfo", &a, NULL), 1);
	assert_int_equal(a, 1);
	memo_put(m, "a key too long", 1, 1);   /* not remembered */
	assert_int_equal(memo_get(m, "a key too long", NULL, NULL), 0);
	assert_int_equal(memo_get(m, "cfo", NULL, NULL), 1);
	memo_clear(m);
	assert_int_equal(memo_get(m, "cfo", NULL, NULL), 0);
	memo_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(remembers_and_forgets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
