/* lib/window: items leave in input order once they wait for nothing; the key table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "window.h"

static int vals[8];

static void
order_is_kept_whatever_finishes_first(void **state)
{
	window_t *w = window_new(3);
	unsigned long long s0, s1, s2, s3;
	unsigned waits;

	(void)state;
	assert_non_null(w);
	assert_int_equal(window_push(w, &vals[0], 1, &s0), WINDOW_OK);
	assert_int_equal(window_push(w, &vals[1], 0, &s1), WINDOW_OK);
	assert_int_equal(window_push(w, &vals[2], 2, &s2), WINDOW_OK);
	assert_true(s0 == 0 && s1 == 1 && s2 == 2);
	assert_true(window_full(w));
	assert_int_equal(window_push(w, &vals[3], 0, &s3), WINDOW_EFULL);
	/* The second is ready but the first is not: nothing leaves. */
	assert_null(window_pop_ready(w));
	assert_ptr_equal(window_head(w, &waits, &s3), &vals[0]);
	assert_int_equal(waits, 1);
	assert_int_equal(window_done(w, s2), 1);
	assert_int_equal(window_done(w, s0), 0);
	assert_int_equal(window_done(w, s0), 0);     /* never below 0 */
	assert_ptr_equal(window_pop_ready(w), &vals[0]);
	assert_ptr_equal(window_pop_ready(w), &vals[1]);
	assert_null(window_pop_ready(w));            /* the third still waits */
	assert_int_equal(window_waits(w, s2), 1);
	assert_int_equal(window_done(w, s0), WINDOW_ENOENT);   /* left already */
	assert_null(window_get(w, s0));
	assert_ptr_equal(window_get(w, s2), &vals[2]);
	/* Room again: the ring wraps. */
	assert_int_equal(window_push(w, &vals[3], 0, &s3), WINDOW_OK);
	assert_int_equal(window_push(w, &vals[4], 0, NULL), WINDOW_OK);
	assert_int_equal(s3, 3);
	assert_int_equal(window_wait_more(w, s3, 2), WINDOW_OK);
	assert_int_equal(window_waits(w, s3), 2);
	assert_int_equal(window_done(w, s2), 0);
	assert_ptr_equal(window_pop_ready(w), &vals[2]);
	assert_null(window_pop_ready(w));
	window_done(w, s3);
	window_done(w, s3);
	assert_ptr_equal(window_pop_ready(w), &vals[3]);
	assert_ptr_equal(window_pop_ready(w), &vals[4]);
	assert_int_equal(window_count(w), 0);
	assert_null(window_head(w, NULL, NULL));
	window_free(w, NULL, NULL);
}

static void
keys_put_get_del_and_grow(void **state)
{
	window_t *w = window_new(1);
	char k[32];
	int i, *v;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof k, "acme\x1fuser%d@x.com", i);
		v = malloc(sizeof *v);
		*v = i;
		assert_int_equal(window_key_put(w, k, v), WINDOW_OK);
	}
	assert_int_equal(window_key_count(w), 5000);
	assert_int_equal(window_key_put(w, "acme\x1fuser7@x.com", &vals[0]), WINDOW_EEXIST);
	for (i = 0; i < 5000; i += 2) {
		snprintf(k, sizeof k, "acme\x1fuser%d@x.com", i);
		v = window_key_get(w, k);
		assert_non_null(v);
		assert_int_equal(*v, i);
		free(window_key_del(w, k));
		assert_null(window_key_get(w, k));
	}
	assert_null(window_key_del(w, "absent"));
	assert_int_equal(window_key_count(w), 2500);
	assert_null(window_key_get(w, "other\x1fuser1@x.com"));   /* workspaces apart */
	window_free(w, NULL, free);   /* frees the 2500 left (LeakSanitizer checks) */
}

static int freed;
static void count_free(void *p) { (void)p; freed++; }

static void
free_gives_back_what_is_left(void **state)
{
	window_t *w = window_new(4);

	(void)state;
	assert_null(window_new(0));
	window_push(w, &vals[0], 1, NULL);
	window_push(w, &vals[1], 0, NULL);
	window_key_put(w, "k", &vals[2]);
	freed = 0;
	window_free(w, count_free, count_free);
	assert_int_equal(freed, 3);
	window_free(NULL, NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_is_kept_whatever_finishes_first),
		cmocka_unit_test(keys_put_get_del_and_grow),
		cmocka_unit_test(free_gives_back_what_is_left),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
