/*
 * lib/apollo_run: the engine against a scripted Apollo on 127.0.0.1 and a real
 * LMDB: an email wanted by several records is asked once, records leave in
 * input order, answers are cached as they arrive and a rerun asks nothing, the
 * dry run counts without calling, a key refused stops the workspace's calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"
#include "apollo.h"
#include "apollo_run.h"
#include "ndj.h"

static const char input[] =
    "{\"workspace_id\":\"acme\",\"deal_id\":\"1\",\"account\":{\"name\":\"X\",\"domain\":\"x.com\"},"
    "\"contacts\":[{\"email\":\"a@x.com\"},{\"email\":\"B@x.com\",\"title\":\"VP\"}]}\n"
    "{\"workspace_id\":\"acme\",\"deal_id\":\"2\",\"contacts\":[{\"email\":\"b@x.com\"},"
    "{\"email\":\"c@x.com\"}],\"z\":[1,{\"k\":\"v\"}]}\n"
    "{\"workspace_id\":\"acme\",\"deal_id\":\"3\",\"contacts\":[{\"name\":\"no email\"},7]}\n";

static const char answer[] = "{\"matches\":["
    "{\"id\":\"pc\",\"email\":\"c@x.com\",\"title\":\"Engineer\",\"seniority\":\"entry\"},"
    "{\"id\":\"pa\",\"email\":\"a@x.com\",\"title\":\"CFO\",\"seniority\":\"c_suite\","
    "\"organization\":{\"name\":\"X\",\"primary_domain\":\"x.com\",\"industry\":\"retail\"}},"
    "null],\"credits_consumed\":2}";

struct out {
	buf_t records, notices;
};

static void
on_notice(void *ctx, const char *msg)
{
	struct out *o = ctx;

	buf_adds(&o->notices, msg);
	buf_addc(&o->notices, '\n');
}

static void
on_text(void *ctx, const char *s)
{
	(void)ctx;
	(void)s;
}

/* Takes the records apollo_run has ready into o. */
static void
take_ready(apollo_run_t *ar, struct out *o)
{
	const char *p;
	size_t n;

	while ((p = apollo_run_next(ar, &n)) != NULL) {
		assert_true(n > 0 && p[n - 1] == '\n');   /* whole lines */
		assert_int_equal(buf_add(&o->records, p, n), BUF_OK);
	}
}

static char url[128], dbdir[300];

static int
setup(void **state)
{
	if (fx_setup(state) != 0 || fx_config_home() != 0)
		return -1;
	fx_workspace("acme", "apollo_api_key = unit-test-key\n");
	unsetenv("APOLLO_API_KEY");
	unsetenv("DEAL_ENRICH_CACHE_DAYS");
	unsetenv("DEAL_ENRICH_APOLLO_BUDGET");
	return 0;
}

/* Runs the engine over input; the records out and the notices in o (free them). */
static struct apollo_run_stats
run(const char *db, int dry_run, struct out *o)
{
	struct apollo_run_opts opt = { 0 };
	struct apollo_run_stats st;
	FILE *in = fmemopen((void *)input, strlen(input), "r");
	ndj_reader_t *r;
	apollo_run_t *ar;
	const char *text;
	size_t len;
	jspan_t root;
	char err[256];
	int eof = 0, rc;

	snprintf(dbdir, sizeof dbdir, "%s/%s", fx_dir, db);
	http_opts_default(&opt.http);
	opt.http.max_retries = 0;
	opt.http.timeout_ms = 5000;
	opt.http.connect_timeout_ms = 5000;
	opt.window = 2;           /* smaller than the input: the window moves */
	opt.batch = APOLLO_BATCH_MAX;
	opt.max_pause_ms = 120000;
	opt.max_failures = 3;
	opt.url = url;
	opt.dbdir = dbdir;
	opt.dry_run = dry_run;
	opt.quiet = !dry_run;   /* the dry run says its estimate */
	opt.notice = on_notice;
	opt.text = on_text;
	opt.notice_ctx = o;
	buf_init(&o->records, 1 << 20);
	buf_init(&o->notices, 1 << 20);
	assert_non_null(in);
	assert_non_null(r = ndj_reader_new(in, "input", 0, 0, NULL));
	assert_int_equal(apollo_run_new(&opt, &ar, err, sizeof err), APOLLO_RUN_OK);
	assert_int_equal(apollo_run_workspace(ar, "acme"), APOLLO_RUN_OK);
	for (;;) {
		while (!eof && !apollo_run_full(ar)) {
			rc = ndj_read_text(r, &text, &len, &root);
			if (rc == NDJ_EOF)
				eof = 1;
			else
				assert_int_equal(apollo_run_add(ar, text, len, root, ndj_text_index(r)),
				    APOLLO_RUN_OK);
		}
		rc = apollo_run_process(ar, eof);
		take_ready(ar, o);
		assert_true(rc == APOLLO_RUN_OK || rc == APOLLO_RUN_DONE);
		if (rc == APOLLO_RUN_DONE)
			break;
	}
	apollo_run_finish(ar);
	take_ready(ar, o);   /* all went out at DONE */
	apollo_run_stats(ar, &st);
	apollo_run_free(ar);
	ndj_reader_free(r);
	fclose(in);
	return st;
}

/* The n-th line (0-based) of the records out, parsed. */
static json_t *
line(struct out *o, int n)
{
	const char *p = buf_ptr(&o->records), *e;
	json_t *v = NULL;
	char err[256];

	while (n-- > 0) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	e = strchr(p, '\n');
	assert_non_null(e);
	assert_int_equal(json_parse(p, (size_t)(e - p), 0, &v, NULL, err, sizeof err), JSON_OK);
	return v;
}

static const char *
status_of(const json_t *rec, size_t i)
{
	const char *s = json_str(json_get(json_at(json_get(rec, "contacts"), i), "enrichment_status"));

	return s ? s : "(none)";
}

static void
one_call_for_the_window_order_kept_then_cached(void **state)
{
	static const struct fx_reply script[] = { { FX_SEND, 200, answer } };
	struct apollo_run_stats st;
	struct out o;
	char *reqs = NULL;
	json_t *v;

	(void)state;
	fx_server_start(script, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", fx_port, APOLLO_BULK_PATH);
	st = run("db", 0, &o);
	assert_int_equal(fx_server_stop(&reqs), 1);
	/* b@x.com is in two records and asked once; the key went as a header, never in the body. */
	assert_non_null(strstr(reqs, "\"a@x.com\""));
	assert_non_null(strstr(reqs, "\"c@x.com\""));
	assert_non_null(strstr(reqs, "b@x.com"));
	assert_null(strstr(strstr(reqs, "b@x.com") + 1, "b@x.com"));
	assert_non_null(strstr(reqs, "x-api-key: unit-test-key"));
	free(reqs);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.n_enriched, 2);     /* a, c */
	assert_int_equal(st.n_not_found, 2);    /* b, twice */
	assert_int_equal(st.io_error, 0);
	/* In input order, with the bytes the engine does not own as they came. */
	v = line(&o, 0);
	assert_string_equal(json_str(json_get(v, "deal_id")), "1");
	assert_string_equal(status_of(v, 0), "enriched");
	assert_string_equal(status_of(v, 1), "not_found");
	assert_string_equal(json_str(json_get(json_get(json_get(v, "account"), "firmographics"),
	    "industry")), "retail");
	json_free(v);
	v = line(&o, 1);
	assert_string_equal(json_str(json_get(v, "deal_id")), "2");
	assert_string_equal(status_of(v, 1), "enriched");
	assert_json_eq(json_get(v, "z"), "[1,{\"k\":\"v\"}]");
	json_free(v);
	v = line(&o, 2);
	assert_string_equal(json_str(json_get(v, "deal_id")), "3");
	assert_json_eq(json_at(json_get(v, "contacts"), 1), "7");
	json_free(v);
	buf_free(&o.records);
	buf_free(&o.notices);

	/* A rerun on the same db: every answer from the cache, no call (no server). */
	snprintf(url, sizeof url, "http://127.0.0.1:1%s", APOLLO_BULK_PATH);
	st = run("db", 0, &o);
	assert_int_equal(st.calls, 0);
	assert_int_equal(st.n_enriched, 2);
	assert_int_equal(st.n_not_found, 2);
	v = line(&o, 1);
	assert_int_equal(json_bool(json_get(json_get(json_at(json_get(v, "contacts"), 1), "apollo"),
	    "cached")), 1);
	json_free(v);
	buf_free(&o.records);
	buf_free(&o.notices);
}

static void
dry_run_counts_and_calls_nothing(void **state)
{
	struct apollo_run_stats st;
	struct out o;
	json_t *v;

	(void)state;
	snprintf(url, sizeof url, "http://127.0.0.1:1%s", APOLLO_BULK_PATH);
	st = run("dry", 1, &o);
	assert_int_equal(st.calls, 1);          /* the calls the run would make */
	assert_int_equal(st.calls_ok + st.calls_unavail, 0);
	assert_int_equal(st.n_dry, 4);
	v = line(&o, 1);
	assert_string_equal(status_of(v, 0), "dry_run");
	json_free(v);
	if (strstr(buf_ptr(&o.notices), "dry run: 3 records, 5 contacts, 4 with an email, "
	    "0 cache hits, 1 asked earlier in the run, 1 calls for 3 emails") == NULL)
		fail_msg("notices: %s", buf_ptr(&o.notices));
	buf_free(&o.records);
	buf_free(&o.notices);
}

static void
a_refused_key_stops_the_workspace(void **state)
{
	static const struct fx_reply script[] = {
		{ FX_SEND, 401, "{\"error\":\"invalid api key\"}" } };
	struct apollo_run_stats st;
	struct out o;
	json_t *v;

	(void)state;
	fx_server_start(script, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", fx_port, APOLLO_BULK_PATH);
	st = run("refused", 0, &o);
	assert_int_equal(fx_server_stop(NULL), 1);   /* one call, none after the refusal */
	assert_int_equal(st.n_error, 4);
	v = line(&o, 1);
	assert_string_equal(status_of(v, 1), "error");
	json_free(v);
	assert_non_null(strstr(buf_ptr(&o.notices), "Apollo refused the API key (HTTP 401"));
	assert_null(strstr(buf_ptr(&o.notices), "unit-test-key"));
	buf_free(&o.records);
	buf_free(&o.notices);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_call_for_the_window_order_kept_then_cached),
		cmocka_unit_test(dry_run_counts_and_calls_nothing),
		cmocka_unit_test(a_refused_key_stops_the_workspace),
	};

	return cmocka_run_group_tests(tests, setup, fx_teardown);
}
