#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crm_select.h"

#include "fixture.h"

static json_t *
deal(const char *id, const char *stage, const char *close)
{
	char s[256];

	snprintf(s, sizeof s, "{\"deal_id\":\"%s\",\"stage_normalized\":\"%s\",\"close_date\":%s%s%s}",
	    id, stage, close ? "\"" : "", close ? close : "null", close ? "\"" : "");
	return J(s);
}

static void
window_bounds(void **state)
{
	crm_window_t w;
	date_t today = { 2026, 8, 31 };
	json_t *d;

	(void)state;
	crm_window_set(&w, today, 6, 0);
	assert_string_equal(w.cutoff, "2026-02-28");
	assert_string_equal(w.today, "2026-08-31");
	d = deal("1", "closed_won", "2026-02-28");
	assert_int_equal(crm_window_test(&w, d), CRM_SEL_IN);
	json_free(d);
	d = deal("2", "closed_lost", "2026-02-27");
	assert_int_equal(crm_window_test(&w, d), CRM_SEL_OLD);
	json_free(d);
	d = deal("3", "closed_won", "2026-09-01");
	assert_int_equal(crm_window_test(&w, d), CRM_SEL_FUTURE);
	json_free(d);
	d = deal("4", "closed_won", NULL);
	assert_int_equal(crm_window_test(&w, d), CRM_SEL_IN);
	json_free(d);
	d = deal("5", "open", "2020-01-01");
	assert_int_equal(crm_window_test(&w, d), CRM_SEL_OPEN);
	crm_window_set(&w, today, 6, 1);
	assert_int_equal(crm_window_test(&w, d), CRM_SEL_IN);
	json_free(d);
}

/* The latest closed first; of two closed the same day, the one read first. */
static void
best_keeps_the_latest(void **state)
{
	crm_best_t *b = crm_best_new(3);
	static const char *const order[] = { "c", "a", "e" };

	(void)state;
	assert_int_equal(crm_best_add(b, deal("a", "closed_won", "2026-05-01")), 0);
	assert_int_equal(crm_best_add(b, deal("b", "closed_won", "2026-01-01")), 0);
	assert_int_equal(crm_best_add(b, deal("c", "closed_won", "2026-07-01")), 0);
	assert_int_equal(crm_best_add(b, deal("d", "closed_won", NULL)), 1);
	assert_int_equal(crm_best_add(b, deal("e", "closed_won", "2026-05-01")), 1);
	assert_int_equal(crm_best_count(b), 3);
	crm_best_sort(b);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(json_str(json_get(crm_best_at(b, i), "deal_id")), order[i]);
	assert_null(crm_best_at(b, 3));
	crm_best_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(window_bounds),
		cmocka_unit_test(best_keeps_the_latest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
