/* lib/lru: a bounded map that forgets what was used longest ago. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lru.h"

static int freed;

static void
count_free(void *p)
{
	freed++;
	free(p);
}

static char *
val(const char *s)
{
	char *v = strdup(s);

	assert_non_null(v);
	return v;
}

static void
get_put_replace(void **state)
{
	lru_t *l = lru_new(3, count_free);

	(void)state;
	freed = 0;
	assert_null(lru_get(l, "a"));
	assert_int_equal(lru_put(l, "a", val("1")), 0);
	assert_int_equal(lru_put(l, "b", val("2")), 0);
	assert_string_equal(lru_get(l, "a"), "1");
	/* Replacing frees the old value and keeps one entry. */
	assert_int_equal(lru_put(l, "a", val("3")), 0);
	assert_int_equal(freed, 1);
	assert_int_equal(lru_count(l), 2);
	assert_string_equal(lru_get(l, "a"), "3");
	assert_null(lru_get(l, ""));
	lru_free(l);
	assert_int_equal(freed, 3);
}

static void
evicts_the_least_recently_used(void **state)
{
	lru_t *l = lru_new(3, count_free);

	(void)state;
	freed = 0;
	assert_int_equal(lru_put(l, "a", val("a")), 0);
	assert_int_equal(lru_put(l, "b", val("b")), 0);
	assert_int_equal(lru_put(l, "c", val("c")), 0);
	assert_non_null(lru_get(l, "a"));          /* a is now the newest: b the oldest */
	assert_int_equal(lru_put(l, "d", val("d")), 0);
	assert_int_equal(lru_count(l), 3);
	assert_int_equal(freed, 1);
	assert_null(lru_get(l, "b"));
	assert_non_null(lru_get(l, "a"));
	assert_non_null(lru_get(l, "c"));
	assert_non_null(lru_get(l, "d"));
	/* a peek leaves the order: a, the oldest, still goes first */
	assert_non_null(lru_peek(l, "a"));
	assert_null(lru_peek(l, "b"));
	assert_int_equal(lru_put(l, "e", val("e")), 0);
	assert_null(lru_peek(l, "a"));
	assert_non_null(lru_peek(l, "c"));
	lru_free(l);
}

/* Many keys through a small map: it never holds more than its cap, and finds what it holds. */
static void
stays_bounded(void **state)
{
	lru_t *l = lru_new(100, count_free);
	char k[32];
	int i, held = 0;

	(void)state;
	freed = 0;
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "key-%d", i);
		assert_int_equal(lru_put(l, k, val(k)), 0);
		assert_true(lru_count(l) <= 100);
	}
	assert_int_equal(freed, 4900);
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "key-%d", i);
		if (lru_get(l, k)) {
			assert_string_equal(lru_get(l, k), k);
			held++;
		}
	}
	assert_int_equal(held, 100);
	/* The last 100 put are those held. */
	assert_non_null(lru_get(l, "key-4900"));
	assert_null(lru_get(l, "key-4899"));
	lru_free(l);
	assert_int_equal(freed, 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(get_put_replace),
		cmocka_unit_test(evicts_the_least_recently_used),
		cmocka_unit_test(stays_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
