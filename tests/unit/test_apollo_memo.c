/* lib/apollo_memo: answers shared by reference; the memo's age limit, eviction and references. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "apollo_memo.h"

static const char person[] = "{\"id\":\"p1\",\"title\":\"CFO\",\"seniority\":\"c_suite\","
    "\"departments\":[\"master_finance\"],\"organization\":{\"name\":\"Globex\","
    "\"primary_domain\":\"globex.com\"}}";

static void
answers_from_the_cache_value(void **state)
{
	json_t *p = J(person), *v = apollo_cache_value(p);
	apollo_answer_t *a;
	int bad;

	(void)state;
	json_free(p);
	assert_non_null(v);
	a = apollo_answer_of_cache(v, 100, &bad);
	assert_non_null(a);
	assert_int_equal(bad, 0);
	assert_non_null(a->facts);
	assert_int_equal(a->fetched, 100);
	assert_int_equal(a->refs, 1);
	apollo_answer_unref(a);
	json_free(v);
	/* "Not found" is an answer too: no facts. */
	v = apollo_cache_value(NULL);
	a = apollo_answer_of_cache(v, 5, &bad);
	assert_non_null(a);
	assert_null(a->facts);
	apollo_answer_unref(a);
	json_free(v);
	/* Not a cache value: bad. */
	v = J("[1,2]");
	assert_null(apollo_answer_of_cache(v, 5, &bad));
	assert_int_equal(bad, 1);
	json_free(v);
}

static void
memo_keeps_its_own_reference(void **state)
{
	apollo_memo_t *m = apollo_memo_new(2);
	apollo_answer_t *a = apollo_answer_new(J(person), 1000);

	(void)state;
	assert_non_null(m);
	assert_int_equal(apollo_memo_put(m, "ws\x1f" "a@x.com", a), 0);
	assert_int_equal(a->refs, 2);
	apollo_answer_unref(a);   /* the memo's reference keeps it */
	assert_ptr_equal(apollo_memo_get(m, "ws\x1f" "a@x.com", 0, 5000), a);
	assert_int_equal(a->refs, 1);
	apollo_memo_free(m);      /* frees it: ASan and valgrind see a leak otherwise */
}

static void
memo_respects_age_and_evicts_the_oldest_used(void **state)
{
	apollo_memo_t *m = apollo_memo_new(2);
	apollo_answer_t *a = apollo_answer_new(NULL, 1000), *b = apollo_answer_new(NULL, 1000),
	    *c = apollo_answer_new(NULL, 1000);

	(void)state;
	assert_int_equal(apollo_memo_put(m, "a", a), 0);
	assert_int_equal(apollo_memo_put(m, "b", b), 0);
	/* Older than ttl: not given, though held. */
	assert_null(apollo_memo_get(m, "a", 60, 1061));
	assert_ptr_equal(apollo_memo_get(m, "a", 60, 1060), a);
	/* a was just used: c pushes b out. */
	assert_int_equal(apollo_memo_put(m, "c", c), 0);
	assert_null(apollo_memo_get(m, "b", 0, 1000));
	assert_int_equal(b->refs, 1);   /* the memo let go of b */
	assert_ptr_equal(apollo_memo_get(m, "a", 0, 1000), a);
	assert_ptr_equal(apollo_memo_get(m, "c", 0, 1000), c);
	apollo_answer_unref(a);
	apollo_answer_unref(b);
	apollo_answer_unref(c);
	apollo_memo_free(m);
}

static void
a_null_memo_holds_nothing(void **state)
{
	apollo_answer_t *a = apollo_answer_new(NULL, 1);

	(void)state;
	assert_int_equal(apollo_memo_put(NULL, "a", a), -1);
	assert_null(apollo_memo_get(NULL, "a", 0, 1));
	assert_int_equal(a->refs, 1);
	apollo_answer_unref(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answers_from_the_cache_value),
		cmocka_unit_test(memo_keeps_its_own_reference),
		cmocka_unit_test(memo_respects_age_and_evicts_the_oldest_used),
		cmocka_unit_test(a_null_memo_holds_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
