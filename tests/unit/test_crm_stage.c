#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "crm_stage.h"

static void
stages(void **state)
{
	int known;

	(void)state;
	assert_string_equal(crm_stage_normalize(NULL, "closedwon", -1, -1, -1, &known), "closed_won");
	assert_int_equal(known, 1);
	assert_string_equal(crm_stage_normalize(NULL, "Closed Won", -1, -1, -1, NULL), "closed_won");
	assert_string_equal(crm_stage_normalize(NULL, "closedlost", -1, -1, -1, NULL), "closed_lost");
	assert_string_equal(crm_stage_normalize(NULL, "Closed Lost", -1, -1, -1, NULL), "closed_lost");
	assert_string_equal(crm_stage_normalize(NULL, "Closed - Duplicate", -1, -1, -1, NULL), "closed_lost");
	assert_string_equal(crm_stage_normalize(NULL, "Won", -1, -1, -1, NULL), "closed_won");
	assert_string_equal(crm_stage_normalize(NULL, "Appointment Scheduled", -1, -1, -1, &known), "open");
	assert_int_equal(known, 1);
	assert_string_equal(crm_stage_normalize(NULL, "Negotiation/Review", -1, -1, -1, &known), "open");
	assert_int_equal(known, 1);
	assert_string_equal(crm_stage_normalize(NULL, "Contract Signed", -1, -1, -1, &known), "open");
	assert_int_equal(known, 0);
	assert_string_equal(crm_stage_normalize(NULL, NULL, -1, -1, -1, &known), "open");
	assert_int_equal(known, 0);
	/* the Won/Closed columns */
	assert_string_equal(crm_stage_normalize(NULL, "Contract Signed", 1, 1, -1, NULL), "closed_won");
	assert_string_equal(crm_stage_normalize(NULL, "Contract Signed", 0, 1, -1, NULL), "closed_lost");
	assert_string_equal(crm_stage_normalize(NULL, "Closed Won", -1, 0, -1, NULL), "open");
	assert_string_equal(crm_stage_normalize(NULL, NULL, -1, -1, 1, NULL), "closed_lost");
	assert_string_equal(crm_stage_normalize(NULL, "Closed Won", 0, -1, -1, &known), "open");
}

/* A foreign CRM's plain labels (Close, Pipedrive, a spreadsheet). */
static void
plain_labels(void **state)
{
	int known;

	(void)state;
	assert_string_equal(crm_stage_normalize(NULL, "Won", -1, -1, -1, &known), "closed_won");
	assert_int_equal(known, 1);
	assert_string_equal(crm_stage_normalize(NULL, "Lost", -1, -1, -1, &known), "closed_lost");
	assert_int_equal(known, 1);
	assert_string_equal(crm_stage_normalize(NULL, "Engaging", -1, -1, -1, &known), "open");
	assert_int_equal(known, 1);
}

static void
stage_maps(void **state)
{
	crm_stage_map_t *m = crm_stage_map_new();
	char err[256], path[] = "/tmp/crm-stage-map-XXXXXX";
	int fd, known;
	FILE *f;

	(void)state;
	assert_int_equal(crm_stage_map_parse(m, "Contract Signed = won; 12345678: closed_lost", err, sizeof err), 0);
	assert_int_equal(crm_stage_map_size(m), 2);
	assert_string_equal(crm_stage_normalize(m, "contract-signed", -1, -1, -1, &known), "closed_won");
	assert_int_equal(known, 1);
	assert_string_equal(crm_stage_normalize(m, "12345678", -1, -1, -1, NULL), "closed_lost");
	/* the map wins over the columns */
	assert_string_equal(crm_stage_normalize(m, "12345678", 1, 1, -1, NULL), "closed_lost");
	assert_int_equal(crm_stage_map_parse(m, "Churned = maybe", err, sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "'maybe' is not closed_won, closed_lost or open"));
	assert_int_equal(crm_stage_map_parse(m, "just words", err, sizeof err), CRM_BAD);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# custom pipeline\n\nVerbal Yes = open\nSigned,closed_won\nLost to competitor = closed_lost # why\nbad line\n", f);
	fclose(f);
	assert_int_equal(crm_stage_map_load(m, path, err, sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "line 6"));
	assert_string_equal(crm_stage_normalize(m, "Signed", -1, -1, -1, NULL), "closed_won");
	assert_string_equal(crm_stage_normalize(m, "LOST TO COMPETITOR", -1, -1, -1, NULL), "closed_lost");
	unlink(path);
	assert_int_equal(crm_stage_map_load(m, path, err, sizeof err), CRM_BAD);
	assert_non_null(strstr(err, "No such file"));
	crm_stage_map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stages),
		cmocka_unit_test(plain_labels),
		cmocka_unit_test(stage_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
