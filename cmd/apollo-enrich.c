/*
 * apollo-enrich: contacts enriched with Apollo's people/bulk_match, never
 * paying twice (DESIGN §3, §4, §6; CONTRACTS §1).
 *
 *   deals-extract ... | apollo-enrich | serper-signals | ...
 *
 * Options and the reading loop; the engine is lib/apollo_run.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apollo.h"
#include "apollo_run.h"
#include "cli.h"
#include "cli_http.h"
#include "conf.h"
#include "ndj.h"
#include "workspace.h"

enum {
	OPT_DELAY = CLI_OPT_FIRST_FREE, OPT_CONNECT_TIMEOUT, OPT_WINDOW, OPT_CACHE_DAYS,
	OPT_DRY_RUN, OPT_BUDGET, OPT_REFRESH, OPT_BATCH, OPT_MAX_PAUSE, OPT_MAX_FAILURES,
	OPT_STATS_JSON, OPT_CONCURRENCY,
	OPT_HTTP    /* and the CLI_HTTP_NOPTS after it */
};

static const char usage[] =
"usage: apollo-enrich [options] < deals.ndjson > deals.ndjson\n"
"\n"
"Adds Apollo.io person data to every contact with an email (apollo,\n"
"seniority_verified, department_verified, tenure_months, job_changed,\n"
"enrichment_status, enriched_at) and firmographics to the account, asking\n"
"people/bulk_match for up to 10 emails a call. Each email is asked for once per\n"
"run and once per cache_days, by one process at a time among those sharing the\n"
"db; answers, \"not found\" included, are cached as they arrive. Records leave\n"
"in input order, with every byte apollo-enrich does not own as it came.\n"
"\n"
"The key: apollo_api_key in the workspace file, else $APOLLO_API_KEY. Without\n"
"one, records pass through marked skipped. $APOLLO_BASE_URL replaces the\n"
"scheme, host and port of https://api.apollo.io.\n"
"\n"
"      --dry-run           no call: say on stderr what the run would cost\n"
"                          (contacts, cache hits, calls, credits at most, least\n"
"                          time; with a budget, the credits left this month and\n"
"                          the contacts that would be quota_exhausted); contacts\n"
"                          go out marked dry_run\n"
"      --stats-json        also print the run's figures as one JSON line on stderr\n"
"      --budget CREDITS    monthly credit budget (default: the workspace's\n"
"                          apollo_monthly_budget, else none); --max-credits is the same\n"
"      --refresh           ignore cached answers (they are still written)\n"
"      --cache-days N      answers older than N days (1-3650) are asked again\n"
"                          (default: $DEAL_ENRICH_CACHE_DAYS, else the workspace's\n"
"                          cache_days, else 90)\n"
"      --concurrency N     calls in flight at once, 1-50 (default 4); they start\n"
"                          spaced so as to stay under the per-minute, hourly and\n"
"                          daily limits Apollo's answers report, less a margin\n"
"      --window N          records read ahead to fill calls (default 100, or\n"
"                          2 x concurrency x batch size when more)\n"
"      --batch-size N      emails a call, 1 to 10 (default 10)\n"
"      --delay-ms N        least time between calls (default: 500, one at a time,\n"
"                          until Apollo's headers tell its limits, then those)\n"
"      --retries N         retries of timeouts, cut-off answers and 5xx (default 2)\n"
"      --backoff-ms N      first backoff of those retries, doubled each time, plus\n"
"                          jitter (default 1000)\n"
"      --retry-429 N       retries after a 429 (default 1)\n"
"      --backoff-429-ms N  wait after a 429 without Retry-After (default 60000)\n"
"      --timeout-ms N      longest a call may take (default 30000)\n"
"      --connect-timeout-ms N  longest a connection may take (default 10000)\n"
"      --max-pause-ms N    longest wait the rate-limit headers may impose; a longer\n"
"                          one (an hourly or daily limit reached) stops the calls\n"
"                          for the workspace: quota_exhausted (default 120000)\n"
"      --max-failures N    failed calls in a row (Apollo unavailable) after which\n"
"                          no more calls are made (default 3)\n"
CLI_COMMON_HELP
"\n"
"Exit: 0 ok; 1 some contacts carry status error; 64 usage; 65 bad input lines;\n"
"69 Apollo unavailable throughout; 74 I/O error; 75 budget or rate limit reached;\n"
"78 bad configuration.\n";

/* ---- the engine's output: records on stdout, notices on stderr ---- */

static void
notice(void *ctx, const char *msg)
{
	(void)ctx;
	cli_msg(stderr, "%s", msg);
}

static void
text_out(void *ctx, const char *s)
{
	(void)ctx;
	fputs(s, stderr);
}

/*
 * The records apollo_run has ready. Returns 0, or -1 when stdout failed
 * (cli_close_output says it at the end).
 */
static int
write_ready(apollo_run_t *ar)
{
	const char *p;
	size_t n;

	while ((p = apollo_run_next(ar, &n)) != NULL)
		if (fwrite(p, 1, n, stdout) != n)
			return -1;
	/* The next stage has them before this one waits on the network or on stdin. */
	return fflush(stdout) == 0 ? 0 : -1;
}

static struct apollo_run_opts O;
static struct cli_common cc;

static int
parse_opt(int opt, const char *arg)
{
	char err[512];
	long *dst = NULL, min = 0, max = 0, days;
	const char *name = "";

	switch (opt) {
	case OPT_DELAY: dst = &O.delay_ms; name = "--delay-ms"; max = 3600000;
		O.delay_given = 1; break;
	case OPT_CONCURRENCY: dst = &O.concurrency; name = "--concurrency"; min = 1; max = 50; break;
	case OPT_CONNECT_TIMEOUT: dst = &O.http.connect_timeout_ms; name = "--connect-timeout-ms";
		min = 1; max = 600000; break;
	case OPT_WINDOW: dst = &O.window; name = "--window"; min = 1; max = 100000; break;
	case OPT_BATCH: dst = &O.batch; name = "--batch-size"; min = 1; max = APOLLO_BATCH_MAX; break;
	case OPT_MAX_PAUSE: dst = &O.max_pause_ms; name = "--max-pause-ms"; max = 86400000; break;
	case OPT_MAX_FAILURES: dst = &O.max_failures; name = "--max-failures"; min = 1; max = 1000000;
		break;
	case OPT_CACHE_DAYS:
		if (cli_parse_long("--cache-days", arg, WORKSPACE_CACHE_DAYS_MIN,
		    WORKSPACE_CACHE_DAYS_MAX, &days, err,
		    sizeof err) != 0) {
			cli_msg(stderr, "%s", err);
			return -1;
		}
		O.cache_days_flag = arg;
		return 0;
	case OPT_BUDGET: {
		char *end;
		double d;

		errno = 0;
		d = strtod(arg, &end);
		if (*arg == '\0' || *end != '\0' || errno == ERANGE || d < 0 || d != d) {
			cli_msg(stderr, "--budget: expected a number of credits (0 or more), got '%s'",
			    arg);
			return -1;
		}
		O.budget_flag = arg;
		return 0;
	}
	case OPT_DRY_RUN: O.dry_run = 1; return 0;
	case OPT_REFRESH: O.refresh = 1; return 0;
	case OPT_STATS_JSON: O.stats_json = 1; return 0;
	default:
		switch (cli_http_opt(&O.http, OPT_HTTP, "", opt, arg, err, sizeof err)) {
		case 1:
			return 0;
		case -1:
			cli_msg(stderr, "%s", err);
			return -1;
		}
		fputs(usage, stderr);
		return -1;
	}
	if (cli_parse_long(name, arg, min, max, dst, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "delay-ms", required_argument, NULL, OPT_DELAY },
		{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
		CLI_HTTP_LONGOPTS("", OPT_HTTP),
		{ "connect-timeout-ms", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "batch-size", required_argument, NULL, OPT_BATCH },
		{ "cache-days", required_argument, NULL, OPT_CACHE_DAYS },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "budget", required_argument, NULL, OPT_BUDGET },
		{ "max-credits", required_argument, NULL, OPT_BUDGET },
		{ "refresh", no_argument, NULL, OPT_REFRESH },
		{ "max-pause-ms", required_argument, NULL, OPT_MAX_PAUSE },
		{ "max-failures", required_argument, NULL, OPT_MAX_FAILURES },
		{ "stats-json", no_argument, NULL, OPT_STATS_JSON },
		{ NULL, 0, NULL, 0 }
	};
	char err[512], base[1024], url[1100], dbdir[4096];
	FILE *rejects = NULL;
	ndj_reader_t *r = NULL;
	apollo_run_t *ar = NULL;
	struct apollo_run_stats st;
	const char *text;
	size_t len;
	jspan_t root;
	int opt, eof = 0, status, rc, io_error = 0, out_failed = 0;

	cli_init("apollo-enrich");
	O.delay_ms = 500;
	O.concurrency = 4;
	http_opts_default(&O.http);   /* its retries, backoffs and timeouts are apollo-enrich's */
	O.window = 0;
	O.batch = APOLLO_BATCH_MAX;
	O.max_pause_ms = 120000;
	O.max_failures = 3;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			cc.want_help = 1;
			continue;
		}
		switch (cli_common_opt(&cc, opt, optarg, err, sizeof err)) {
		case 1:
			continue;
		case -1:
			cli_msg(stderr, "%s", err);
			return CLI_EX_USAGE;
		}
		if (parse_opt(opt, optarg) != 0)
			return CLI_EX_USAGE;
	}
	if ((rc = cli_help_version(&cc, usage)) >= 0)
		return rc;
	if (optind < argc) {
		cli_msg(stderr, "unexpected argument '%s' (records are read on stdin)", argv[optind]);
		return CLI_EX_USAGE;
	}
	if (cc.workspace && !conf_workspace_valid(cc.workspace)) {
		cli_msg(stderr, "--workspace: invalid workspace id '%s'", cc.workspace);
		return CLI_EX_USAGE;
	}
	if (workspace_base_url(WS_APOLLO, base, sizeof base, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		return CLI_EX_CONFIG;
	}
	snprintf(url, sizeof url, "%s%s", base, APOLLO_BULK_PATH);
	if (conf_db_path(cc.db, dbdir, sizeof dbdir) != 0) {
		cli_msg(stderr, "no db: give --db DIR or set DEAL_ENRICH_DB");
		return CLI_EX_CONFIG;
	}
	O.url = url;
	O.dbdir = dbdir;
	O.workspace = cc.workspace;
	O.quiet = cc.quiet;
	O.verbose = cc.verbose;
	O.unbuffered = cc.unbuffered;
	O.progress = cli_progress_wanted(&cc);
	O.notice = notice;
	O.text = text_out;
	if (cli_open_rejects(cc.rejects, &rejects, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		return CLI_EX_IOERR;
	}
	if ((r = ndj_reader_new(stdin, "stdin", cc.max_line, cc.max_depth, rejects)) == NULL ||
	    apollo_run_new(&O, &ar, err, sizeof err) != APOLLO_RUN_OK) {
		cli_msg(stderr, "out of memory");
		io_error = 1;
		goto out;
	}
	if (cc.workspace && apollo_run_workspace(ar, cc.workspace) != APOLLO_RUN_OK)
		goto out;
	for (;;) {
		/* Fill the window. */
		while (!eof && !apollo_run_full(ar)) {
			switch (cli_next_text(r, stderr, &text, &len, &root)) {
			case CLI_REC_OK:
				if (apollo_run_add(ar, text, len, root, ndj_text_index(r)) != APOLLO_RUN_OK)
					goto out;
				break;
			case CLI_REC_EOF:
				eof = 1;
				break;
			default:
				io_error = 1;
				goto out;
			}
		}
		rc = apollo_run_process(ar, eof);
		if (write_ready(ar) != 0) {
			out_failed = io_error = 1;
			goto out;
		}
		if (rc != APOLLO_RUN_OK)
			break;
	}
out:
	status = CLI_EX_OK;
	if (ar) {
		apollo_run_finish(ar);
		/* What is gathered goes out, whatever stopped the run, unless stdout failed. */
		if (!out_failed && write_ready(ar) != 0)
			io_error = 1;
		apollo_run_stats(ar, &st);
		if (st.n_error > 0)
			status = CLI_EX_PROVIDER;
		if (st.quota || st.rate_limited)
			status = CLI_EX_TEMPFAIL;
		if (st.calls_ok == 0 && st.calls_unavail > 0)
			status = CLI_EX_UNAVAILABLE;
	}
	if (r && ndj_bad_lines(r) > 0)
		status = CLI_EX_DATAERR;
	if (ar && st.conf_error)
		status = CLI_EX_CONFIG;
	if (io_error || (ar && st.io_error))
		status = CLI_EX_IOERR;
	apollo_run_free(ar);
	ndj_reader_free(r);
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		status = CLI_EX_IOERR;
	}
	if (rejects) {
		if (cli_close_output(rejects, cc.rejects, err, sizeof err) != 0) {
			cli_msg(stderr, "%s", err);
			status = CLI_EX_IOERR;
		}
		fclose(rejects);
	}
	return status;
}
