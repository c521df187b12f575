/* lib/jmap: values found under their keys across growth; a put replaces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "jmap.h"

static void
finds_every_key_after_growing(void **state)
{
	struct jmap m = { 0 };
	char k[32];

	(void)state;
	assert_null(jmap_get(&m, "absent"));
	for (int i = 0; i < 500; i++) {
		snprintf(k, sizeof k, "key%d", i);
		assert_int_equal(jmap_put(&m, k, json_new_int(i)), 0);
	}
	for (int i = 0; i < 500; i++) {
		int64_t v;
		snprintf(k, sizeof k, "key%d", i);
		assert_int_equal(json_num_int(jmap_get(&m, k), &v), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(m.n, 500);
	assert_null(jmap_get(&m, "key500"));
	jmap_free(&m);
	assert_int_equal(m.n, 0);
	assert_null(jmap_get(&m, "key1"));
}

static void
put_replaces_and_takes_null_as_failure(void **state)
{
	struct jmap m = { 0 };

	(void)state;
	assert_int_equal(jmap_put(&m, "a", json_new_str("one")), 0);
	assert_int_equal(jmap_put(&m, "a", json_new_str("two")), 0);
	assert_string_equal(json_str(jmap_get(&m, "a")), "two");
	assert_int_equal(m.n, 1);
	assert_int_equal(jmap_put(&m, "b", NULL), -1);
	assert_null(jmap_get(&m, "b"));
	jmap_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_every_key_after_growing),
		cmocka_unit_test(put_replaces_and_takes_null_as_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
