/*
 * linkedin-enrich: the second person source. For the contacts Apollo gave no
 * data for (or, on request, those it saw move, or all), asks RapidAPI's Fresh
 * LinkedIn Profile Data for the profile and fills what Apollo left empty,
 * behind the identity gate. The work is lib/lirun.c's; this file reads the
 * options, runs the windows and picks the exit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_http.h"
#include "cli_stage.h"
#include "db.h"
#include "http.h"
#include "lirun.h"
#include "ndj.h"
#include "tls.h"

enum {
	OPT_VERIFY_MOVES = CLI_OPT_FIRST_FREE,
	OPT_ALL,
	OPT_DRY_RUN,
	OPT_BUDGET,
	OPT_REFRESH,
	OPT_CACHE_DAYS,
	OPT_WINDOW,
	OPT_CONCURRENCY,
	OPT_DELAY,
	OPT_MAX_FAILURES,
	OPT_HTTP    /* and the CLI_HTTP_NOPTS after it */
};

static const struct option longopts[] = {
	{ "verify-moves", no_argument, NULL, OPT_VERIFY_MOVES },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "budget", required_argument, NULL, OPT_BUDGET },
	{ "refresh", no_argument, NULL, OPT_REFRESH },
	{ "cache-days", required_argument, NULL, OPT_CACHE_DAYS },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "delay-ms", required_argument, NULL, OPT_DELAY },
	{ "max-failures", required_argument, NULL, OPT_MAX_FAILURES },
	CLI_HTTP_LONGOPTS("", OPT_HTTP),
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
"usage: linkedin-enrich [OPTIONS] < deals.ndjson > deals.ndjson\n"
"The second person source, after apollo-enrich: for each contact Apollo gave no\n"
"data for (not found, no email, skipped, error) that has a LinkedIn profile URL\n"
"(its linkedin_url, else Apollo's), asks RapidAPI's Fresh LinkedIn Profile Data\n"
"once per profile and cache_days, and adds contact.linkedin. A profile whose\n"
"current and past companies are not the deal's account is a mismatch and fills\n"
"nothing; otherwise seniority_verified, department_verified, tenure_months (at\n"
"the close date) and job_changed are filled where Apollo left them empty, named\n"
"in field_sources; what Apollo set is never changed.\n"
"\n"
"      --verify-moves      also ask for contacts Apollo marked job_changed\n"
"      --all               ask for every contact with a profile URL\n"
"      --dry-run           no calls: mark the contacts dry_run and print the cost\n"
"                          (with a budget: against what is left this month)\n"
"      --budget CALLS      calls allowed this month (default:\n"
"                          linkedin_monthly_budget, else no limit)\n"
"      --refresh           ask again even when the cache has the answer\n"
"      --cache-days N      reuse answers younger than N days, 1-3650 (default:\n"
"                          cache_days, else 90)\n"
"      --window N          records read ahead and asked for together (default 200)\n"
"      --concurrency N     calls in flight at once, 1-20 (default 2)\n"
"      --delay-ms MS       least time between two call starts (default 200)\n"
"      --timeout-ms MS     longest a call may take, 1-3600000 (default 30000)\n"
"      --retries N         retries of timeouts and 5xx, 0-20 (default 2)\n"
"      --backoff-ms MS     first backoff of those retries, doubled each time\n"
"                          (default 1000)\n"
"      --retry-429 N       retries after a 429, 0-20 (default 1)\n"
"      --backoff-429-ms MS wait after a 429 without Retry-After (default 60000)\n"
"      --max-failures N    failed calls in a row that stop the calls (default 3)\n"
CLI_COMMON_HELP
"\n"
"Key: linkedin_rapidapi_key, else RAPIDAPI_KEY; without one, records pass\n"
"through with the contacts' linkedin skipped and the exit status is 0.\n"
"Several processes may share one db: a profile is claimed before it is asked for.\n"
"Exit: 0 ok, 1 some contacts carry an error, 64 usage, 65 bad input lines,\n"
"69 LinkedIn unavailable throughout, 74 I/O or db, 75 rate limit (429), monthly\n"
"quota, credits (402) or budget reached, 78 configuration (including a key\n"
"RapidAPI refused with 403: not subscribed).\n";

/* The exit status of a run that went to its end (DESIGN §7). */
static int
final_status(const struct lirun_stats *st, unsigned long bad_lines)
{
	if (st->refused)
		return CLI_EX_CONFIG;
	if (bad_lines)
		return CLI_EX_DATAERR;
	if (st->calls > 0 && st->calls_ok == 0 && st->unavailable == st->calls)
		return CLI_EX_UNAVAILABLE;
	if (st->quota)
		return CLI_EX_TEMPFAIL;
	return st->errors ? CLI_EX_PROVIDER : CLI_EX_OK;
}

/* A long option's value within [lo, hi] into *out; 0, or -1 with err set. */
static int
num(int opt, const char *arg, long lo, long hi, long *out, char *err, size_t errlen)
{
	const struct option *o;
	char name[64];

	for (o = longopts; o->name && o->val != opt; o++)
		;
	snprintf(name, sizeof name, "--%s", o->name ? o->name : "?");
	return cli_parse_long(name, arg, lo, hi, out, err, errlen);
}

int
main(int argc, char **argv)
{
	struct cli_common com;
	struct lirun_opts o;
	struct lirun_stats st;
	char err[512], base[512];
	long window = LIRUN_WINDOW_DEFAULT, concurrency = 2, delay = 200, maxfail = 3, v;
	ndj_reader_t *rd = NULL;
	lirun_t *r = NULL;
	FILE *rejects = NULL;
	db_t *db = NULL;
	int opt, rc, status = CLI_EX_OK;

	cli_init(argv[0]);
	memset(&com, 0, sizeof com);
	memset(&o, 0, sizeof o);
	http_opts_default(&o.http);   /* the retry and timeout defaults --help gives */
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			opt = CLI_OPT_HELP;
		if ((rc = cli_common_opt(&com, opt, optarg, err, sizeof err)) == 1)
			continue;
		if (rc < 0)
			goto usage_err;
		rc = 0;
		switch (opt) {
		case OPT_VERIFY_MOVES:
			if (o.select != LINKEDIN_SEL_ALL)
				o.select = LINKEDIN_SEL_MOVES;
			break;
		case OPT_ALL:
			o.select = LINKEDIN_SEL_ALL;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_BUDGET:
			o.budget_flag = optarg;
			break;
		case OPT_REFRESH:
			o.refresh = 1;
			break;
		case OPT_CACHE_DAYS:
			rc = num(opt, optarg, 1, 3650, &v, err, sizeof err);
			o.cache_days_flag = optarg;
			break;
		case OPT_WINDOW:
			rc = num(opt, optarg, 1, 100000, &window, err, sizeof err);
			break;
		case OPT_CONCURRENCY:
			rc = num(opt, optarg, 1, 20, &concurrency, err, sizeof err);
			break;
		case OPT_DELAY:
			rc = num(opt, optarg, 0, 60000, &delay, err, sizeof err);
			break;
		case OPT_MAX_FAILURES:
			rc = num(opt, optarg, 1, 1000, &maxfail, err, sizeof err);
			break;
		default:
			if ((rc = cli_http_opt(&o.http, OPT_HTTP, "", opt, optarg, err, sizeof err)) > 0) {
				rc = 0;
				break;
			}
			if (rc == 0) {
				cli_msg(stderr, "try --help");
				return CLI_EX_USAGE;
			}
		}
		if (rc != 0)
			goto usage_err;
	}
	if ((rc = cli_finish_opts(&com, usage, argc, argv, "records come on stdin")) >= 0)
		return rc;
	if ((status = cli_stage_open(&com, "LINKEDIN_BASE_URL", LINKEDIN_BASE_DEFAULT, base, sizeof base, &db, &rejects,
	    &rd)) != CLI_EX_OK)
		goto out;

	o.db = db;
	o.workspace = com.workspace;
	o.base = base;
	o.http.max_in_flight = (int)concurrency;
	o.http.min_interval_ms = delay;
	o.http.max_body = 4 << 20;
	tls_opts(&o.http);
	o.window = (size_t)window;
	o.max_failures = (int)maxfail;
	o.verbose = com.verbose;
	o.notice = cli_notice;
	o.notice_ctx = &com;
	if ((rc = lirun_new(&o, &r, err, sizeof err)) != LIRUN_OK) {
		cli_msg(stderr, "%s", err);
		status = cli_stage_exit(rc);
		goto out;
	}

	if ((status = cli_stage_run(&lirun_stage, r, rd, &com, o.dry_run)) != CLI_EX_OK)
		goto out;
	lirun_stats(r, &st);
	if (com.verbose)
		cli_msg(stderr, "%lu records, %lu contacts, %lu wanted: %lu enriched, %lu not found, "
		    "%lu mismatch, %lu skipped, %lu errors, %lu quota; %lu profiles (%lu cached), "
		    "%lu calls (%lu on the old path, %.0f credits)", st.records, st.contacts, st.wanted,
		    st.enriched, st.not_found, st.mismatch, st.skipped, st.errors, st.quota, st.profiles,
		    st.cache_hits, st.calls, st.old_path, st.credits);
	status = final_status(&st, ndj_bad_lines(rd));
	if (st.errors && !com.quiet)
		cli_msg(stderr, "%lu contact%s carry a LinkedIn error (contact.linkedin.reason says which)",
		    st.errors, st.errors == 1 ? "" : "s");
out:
	status = cli_stage_end(&com, rd, rejects, status);
	lirun_free(r);
	db_close(db);
	return status;
usage_err:
	cli_msg(stderr, "%s", err);
	cli_msg(stderr, "try --help");
	return CLI_EX_USAGE;
}
