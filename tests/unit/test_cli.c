/*
 * lib/cli's option-loop, input and db helpers: the exit status each case
 * gives, on real files and a real LMDB in a temp dir.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "fixture.h"

static void
other_options(void **state)
{
	struct cli_common c = { 0 };

	(void)state;
	assert_int_equal(cli_other_opt(&c, CLI_OPT_QUIET, NULL, "usage\n"), 0);
	assert_int_equal(c.quiet, 1);
	assert_int_equal(cli_other_opt(&c, CLI_OPT_MAX_LINE, "4096", "usage\n"), 0);
	assert_int_equal(c.max_line, 4096);
	assert_int_equal(cli_other_opt(&c, CLI_OPT_MAX_LINE, "12x", "usage\n"), CLI_EX_USAGE);
	assert_int_equal(c.max_line, 4096);
	assert_int_equal(cli_other_opt(&c, '?', NULL, "usage\n"), CLI_EX_USAGE);
}

static void
finish_options(void **state)
{
	struct cli_common c = { 0 };
	char *argv[] = { "prog", "extra", NULL };

	(void)state;
	optind = 1;
	assert_int_equal(cli_finish_opts(&c, "usage\n", 2, argv, NULL), CLI_EX_USAGE);
	assert_int_equal(cli_finish_opts(&c, "usage\n", 2, argv, "records come on stdin"),
	    CLI_EX_USAGE);
	optind = 2;
	assert_int_equal(cli_finish_opts(&c, "usage\n", 2, argv, NULL), -1);
}

static void
open_db(void **state)
{
	struct cli_common c = { 0 };
	char dir[512], file[512], got[4096];
	db_t *db = NULL;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof dir, "%s/db", fx_dir);
	c.db = dir;
	/* A reader finds no db yet: no error, no db, nothing made. */
	assert_int_equal(cli_open_db(&c, CLI_DB_READ, &db, got, sizeof got), 0);
	assert_null(db);
	assert_string_equal(got, dir);
	assert_int_equal(cli_open_db(&c, CLI_DB_EXISTING, &db, NULL, 0), 0);
	assert_null(db);
	/* A writer makes it; then readers open it. */
	assert_int_equal(cli_open_db(&c, CLI_DB_CREATE, &db, NULL, 0), 0);
	assert_non_null(db);
	db_close(db);
	assert_int_equal(cli_open_db(&c, CLI_DB_READ, &db, NULL, 0), 0);
	assert_non_null(db);
	db_close(db);
	/* A file where the directory should be: an I/O error. */
	snprintf(file, sizeof file, "%s/file", fx_dir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	c.db = file;
	assert_int_equal(cli_open_db(&c, CLI_DB_CREATE, &db, NULL, 0), CLI_EX_IOERR);
	assert_null(db);
	/* No directory to name at all: a configuration error. */
	c.db = NULL;
	unsetenv("DEAL_ENRICH_DB");
	unsetenv("XDG_DATA_HOME");
	unsetenv("HOME");
	assert_int_equal(cli_open_db(&c, CLI_DB_READ, &db, NULL, 0), CLI_EX_CONFIG);
}

static void
open_input(void **state)
{
	struct cli_common c = { 0 };
	char path[512];
	FILE *rejects = NULL;
	ndj_reader_t *r = NULL;

	(void)state;
	assert_int_equal(cli_open_input(&c, &rejects, &r), 0);
	assert_null(rejects);
	assert_non_null(r);
	ndj_reader_free(r);
	snprintf(path, sizeof path, "%s/rejects", fx_dir);
	c.rejects = path;
	assert_int_equal(cli_open_input(&c, &rejects, &r), 0);
	assert_non_null(rejects);
	assert_non_null(r);
	ndj_reader_free(r);
	fclose(rejects);
	snprintf(path, sizeof path, "%s/no/such/dir/rejects", fx_dir);
	assert_int_equal(cli_open_input(&c, &rejects, &r), CLI_EX_IOERR);
	assert_null(rejects);
	assert_null(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(other_options),
		cmocka_unit_test(finish_options),
		cmocka_unit_test(open_db),
		cmocka_unit_test(open_input),
	};

	cli_init("test_cli");
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
