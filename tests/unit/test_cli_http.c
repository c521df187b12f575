/* lib/cli_http: the retry and timeout options, read by getopt_long as the programs do. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cli_http.h"

#define BASE 2000

/* Reads argv (NULL-terminated, argv[0] the program) into o; the last cli_http_opt result. */
static int
read_opts(struct http_opts *o, const char *prefix, char **argv, char *err, size_t errlen)
{
	static const struct option plain[] = { CLI_HTTP_LONGOPTS("", BASE),
		{ "other", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 } };
	static const struct option llm[] = { CLI_HTTP_LONGOPTS("llm-", BASE),
		{ "other", required_argument, NULL, 'o' }, { NULL, 0, NULL, 0 } };
	int argc = 0, opt, rc = 0;

	while (argv[argc])
		argc++;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", *prefix ? llm : plain, NULL)) != -1)
		if ((rc = cli_http_opt(o, BASE, prefix, opt, optarg, err, errlen)) != 1)
			break;
	return rc;
}

static void
sets_each_field(void **state)
{
	char *argv[] = { "p", "--timeout-ms", "1500", "--retries", "0", "--backoff-ms", "45000",
		"--retry-429", "3", "--backoff-429-ms", "0", NULL };
	struct http_opts o;
	char err[128];

	(void)state;
	http_opts_default(&o);
	assert_int_equal(read_opts(&o, "", argv, err, sizeof err), 1);
	assert_int_equal(o.timeout_ms, 1500);
	assert_int_equal(o.max_retries, 0);
	assert_int_equal(o.backoff_base_ms, 45000);
	assert_int_equal(o.backoff_max_ms, 45000);   /* a first backoff past the cap raises it */
	assert_int_equal(o.max_retries_429, 3);
	assert_int_equal(o.backoff_429_ms, 0);
	assert_int_equal(o.connect_timeout_ms, 10000);   /* the rest untouched */
}

static void
a_prefix_names_a_second_set(void **state)
{
	char *argv[] = { "p", "--llm-retries", "5", NULL };
	char *plain[] = { "p", "--retries", "5", NULL };
	struct http_opts o;
	char err[128];

	(void)state;
	http_opts_default(&o);
	assert_int_equal(read_opts(&o, "llm-", argv, err, sizeof err), 1);
	assert_int_equal(o.max_retries, 5);
	http_opts_default(&o);
	assert_int_equal(read_opts(&o, "llm-", plain, err, sizeof err), 0);   /* not one of its options */
	assert_int_equal(o.max_retries, 2);
}

static void
refuses_what_is_out_of_range(void **state)
{
	static const char *const bad[][2] = {
		{ "--timeout-ms", "0" }, { "--timeout-ms", "3600001" }, { "--retries", "21" },
		{ "--retries", "-1" }, { "--backoff-ms", "600001" }, { "--retry-429", "x" },
		{ "--backoff-429-ms", "" },
	};
	struct http_opts o, before;
	char err[128], *argv[4];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		http_opts_default(&o);
		before = o;
		argv[0] = "p";
		argv[1] = (char *)bad[i][0];
		argv[2] = (char *)bad[i][1];
		argv[3] = NULL;
		assert_int_equal(read_opts(&o, "", argv, err, sizeof err), -1);
		assert_non_null(strstr(err, bad[i][0]));
		assert_memory_equal(&o, &before, sizeof o);
	}
	argv[1] = "--llm-retries";
	argv[2] = "99";
	assert_int_equal(read_opts(&o, "llm-", argv, err, sizeof err), -1);
	assert_non_null(strstr(err, "--llm-retries"));
	assert_non_null(strstr(err, "0 to 20"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sets_each_field),
		cmocka_unit_test(a_prefix_names_a_second_set),
		cmocka_unit_test(refuses_what_is_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
