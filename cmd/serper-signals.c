/*
 * serper-signals: account news found with Serper and classified into buying
 * and risk signals (account.signals), one deal record at a time in, the same
 * records out in the same order. The work is lib/sigrun.c's; this file reads
 * the options, runs the windows and picks the exit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"
#include "cli.h"
#include "cli_http.h"
#include "cli_stage.h"
#include "db.h"
#include "http.h"
#include "llm.h"
#include "ndj.h"
#include "serper.h"
#include "sigrun.h"

enum {
	OPT_QUERY = CLI_OPT_FIRST_FREE,
	OPT_NUM,
	OPT_RECENCY,
	OPT_GL,
	OPT_HL,
	OPT_CONCURRENCY,
	OPT_SEARCH_BATCH,
	OPT_DELAY,
	OPT_TIMEOUT,
	OPT_MAX_FAILURES,
	OPT_CLASSIFIER,
	OPT_MODEL,
	OPT_BATCH,
	OPT_CACHE_DAYS,
	OPT_BUDGET,
	OPT_WINDOW,
	OPT_REFRESH,
	OPT_DRY_RUN,
	OPT_RUN_ID,
	OPT_LLM_HTTP    /* and the CLI_HTTP_NOPTS after it */
};

static const struct option longopts[] = {
	{ "query", required_argument, NULL, OPT_QUERY },
	{ "num", required_argument, NULL, OPT_NUM },
	{ "recency", required_argument, NULL, OPT_RECENCY },
	{ "gl", required_argument, NULL, OPT_GL },
	{ "hl", required_argument, NULL, OPT_HL },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "search-batch", required_argument, NULL, OPT_SEARCH_BATCH },
	{ "delay-ms", required_argument, NULL, OPT_DELAY },
	{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
	{ "max-failures", required_argument, NULL, OPT_MAX_FAILURES },
	{ "classifier", required_argument, NULL, OPT_CLASSIFIER },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "cache-days", required_argument, NULL, OPT_CACHE_DAYS },
	{ "budget", required_argument, NULL, OPT_BUDGET },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "refresh", no_argument, NULL, OPT_REFRESH },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "run-id", required_argument, NULL, OPT_RUN_ID },
	CLI_HTTP_LONGOPTS("llm-", OPT_LLM_HTTP),
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
"usage: serper-signals [OPTIONS] < deals.ndjson > deals.ndjson\n"
"Finds each account's news with Serper (once per run and per cache_days) and\n"
"adds account.signals: typed buying/risk signals, a summary and a score, from\n"
"DeepSeek when the workspace has a key, else from keyword rules.\n"
"\n"
"  -q, --query TEMPLATE    a search per account; repeat for more (at most 16).\n"
"                          {company} is the account name (else its domain),\n"
"                          {domain} its domain (else its name); a \"news:\" prefix\n"
"                          asks /news instead of /search (default: \"{company}\" news)\n"
"      --num N             results per search, 1-100 (default 10)\n"
"      --recency R         only results from the last hour, day, week, month or\n"
"                          year (h d w m y, or a raw tbs such as qdr:m)\n"
"      --gl CC, --hl LANG  Serper's country and language (Serper's defaults: us, en)\n"
"      --concurrency N     Serper requests in flight at once, 1-50 (default 5)\n"
"      --search-batch N    queries a Serper request may carry, 1-100 (default 100;\n"
"                          1: one a request); a refused batch: one a request\n"
"      --delay-ms MS       least time between two request starts (default 200)\n"
"      --timeout-ms MS     per Serper request, 1000-600000 (default 30000)\n"
"      --max-failures N    searches in a row that find Serper unavailable (after\n"
"                          retries) before the run stops searching, 1-1000 (default 3):\n"
"                          the rest are marked error, exit 69\n"
"      --classifier MODE   auto (DeepSeek with a key, else rules), llm or rules\n"
"      --model NAME        DeepSeek model (default: deepseek_model, else deepseek-flash)\n"
"      --batch N           accounts per DeepSeek call, 1-50 (default 10)\n"
"      --llm-timeout-ms N  longest a DeepSeek call may take, queueing included\n"
"                          (default 600000: a queued request may wait 10 minutes)\n"
"      --llm-retries N, --llm-backoff-ms N, --llm-retry-429 N, --llm-backoff-429-ms N\n"
"                          DeepSeek's retries of timeouts, cut-off answers and 5xx\n"
"                          (default 2), their first backoff, doubled each time\n"
"                          (default 1000), retries after a 429 (default 1) and the\n"
"                          wait after one without Retry-After (default 10000)\n"
"      --cache-days N      reuse answers younger than N days, 1-3650 (default:\n"
"                          cache_days, else 90)\n"
"      --budget CREDITS    Serper credits allowed this month (default:\n"
"                          serper_monthly_budget, else no limit)\n"
"      --window N          records read ahead and searched together (default 200)\n"
"      --refresh           search again even when the cache has the answer\n"
"      --dry-run           no calls: mark records dry_run and print the cost\n"
"                          (with a budget: against what is left this month)\n"
"      --run-id ID         the run this process is part of: results another process\n"
"                          of it fetched count as fetched, not cached (a pipeline\n"
"                          searching ahead in the background, enrich-closed-deals)\n"
CLI_COMMON_HELP
"\n"
"Keys: serper_api_key / SERPER_API_KEY, deepseek_api_key / DEEPSEEK_API_KEY.\n"
"Exit: 0 ok, 1 some records carry a provider error, 64 usage, 65 bad input\n"
"lines, 69 Serper unavailable (throughout, or --max-failures in a row), 74 I/O or db, 75 rate limit (429), credits or budget\n"
"exhausted, 78 configuration (including a Serper key refused with 403).\n";

int
main(int argc, char **argv)
{
	static struct serper_query queries[SIGRUN_MAX_QUERIES];
	static const char *qargs[SIGRUN_MAX_QUERIES];
	struct cli_common com;
	struct sigrun_opts o;
	struct sigrun_stats st;
	char err[512], base[512];
	size_t nq = 0;
	long v, concurrency = 5, delay = 200, timeout = 30000, batch = SIGRUN_BATCH_DEFAULT;
	long window = SIGRUN_WINDOW_DEFAULT, num = SERPER_NUM_DEFAULT;
	const char *classifier = "auto";
	ndj_reader_t *rd = NULL;
	sigrun_t *r = NULL;
	FILE *rejects = NULL;
	db_t *db = NULL;
	int opt, rc, status = CLI_EX_OK;

	cli_init(argv[0]);
	memset(&com, 0, sizeof com);
	memset(&o, 0, sizeof o);
	llm_http_opts(&o.llm_http);
	while ((opt = getopt_long(argc, argv, "hq:", longopts, NULL)) != -1) {
		if (opt == 'h')
			opt = CLI_OPT_HELP;
		if ((rc = cli_common_opt(&com, opt, optarg, err, sizeof err)) == 1)
			continue;
		if (rc < 0 || (rc = cli_http_opt(&o.llm_http, OPT_LLM_HTTP, "llm-", opt, optarg, err,
		    sizeof err)) < 0)
			goto usage_err;
		if (rc == 1)
			continue;
		switch (opt) {
		case 'q':
		case OPT_QUERY:
			if (nq == SIGRUN_MAX_QUERIES) {
				snprintf(err, sizeof err, "--query: at most %d", SIGRUN_MAX_QUERIES);
				goto usage_err;
			}
			if (serper_query_parse(optarg, &queries[nq], err, sizeof err) != 0)
				goto usage_err;
			qargs[nq++] = optarg;
			break;
		case OPT_NUM:
			if (cli_parse_long("--num", optarg, 1, 100, &num, err, sizeof err) != 0)
				goto usage_err;
			break;
		case OPT_RECENCY:
			if (serper_recency(optarg, &o.params.tbs) != 0) {
				snprintf(err, sizeof err, "--recency '%s': use h, d, w, m, y (hour, day, "
				    "week, month, year) or qdr:...", optarg);
				goto usage_err;
			}
			break;
		case OPT_GL:
			o.params.gl = optarg;
			break;
		case OPT_HL:
			o.params.hl = optarg;
			break;
		case OPT_CONCURRENCY:
			if (cli_parse_long("--concurrency", optarg, 1, 50, &concurrency, err, sizeof err) != 0)
				goto usage_err;
			break;
		case OPT_SEARCH_BATCH:
			if (cli_parse_long("--search-batch", optarg, 1, SERPER_BATCH_MAX, &v, err,
			    sizeof err) != 0)
				goto usage_err;
			o.search_batch = (int)v;
			break;
		case OPT_DELAY:
			if (cli_parse_long("--delay-ms", optarg, 0, 60000, &delay, err, sizeof err) != 0)
				goto usage_err;
			break;
		case OPT_TIMEOUT:
			if (cli_parse_long("--timeout-ms", optarg, 1000, 600000, &timeout, err, sizeof err) != 0)
				goto usage_err;
			break;
		case OPT_MAX_FAILURES:
			if (cli_parse_long("--max-failures", optarg, 1, 1000, &v, err, sizeof err) != 0)
				goto usage_err;
			o.max_failures = (int)v;
			break;
		case OPT_CLASSIFIER:
			if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "llm") != 0 &&
			    strcmp(optarg, "rules") != 0) {
				snprintf(err, sizeof err, "--classifier '%s': use auto, llm or rules", optarg);
				goto usage_err;
			}
			classifier = optarg;
			break;
		case OPT_MODEL:
			if (*optarg == '\0') {
				snprintf(err, sizeof err, "--model: empty name");
				goto usage_err;
			}
			o.model_flag = optarg;
			break;
		case OPT_BATCH:
			if (cli_parse_long("--batch", optarg, 1, 50, &batch, err, sizeof err) != 0)
				goto usage_err;
			break;
		case OPT_CACHE_DAYS:
			if (cli_parse_long("--cache-days", optarg, 1, 3650, &v, err, sizeof err) != 0)
				goto usage_err;
			o.cache_days_flag = optarg;
			break;
		case OPT_BUDGET:
			o.budget_flag = optarg;
			break;
		case OPT_WINDOW:
			if (cli_parse_long("--window", optarg, 1, 100000, &window, err, sizeof err) != 0)
				goto usage_err;
			break;
		case OPT_REFRESH:
			o.refresh = 1;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_RUN_ID:
			if (*optarg == '\0' || strlen(optarg) > 64) {
				snprintf(err, sizeof err, "--run-id: 1 to 64 characters");
				goto usage_err;
			}
			o.run_id = optarg;
			break;
		default:
			cli_msg(stderr, "try --help");
			return CLI_EX_USAGE;
		}
	}
	if ((rc = cli_finish_opts(&com, usage, argc, argv, "records come on stdin")) >= 0)
		return rc;
	(void)qargs;
	if (nq == 0 && serper_query_parse(SERPER_QUERY_DEFAULT, &queries[nq++], err, sizeof err) != 0)
		goto usage_err;

	if ((status = cli_stage_open(&com, "SERPER_BASE_URL", SERPER_BASE_URL_DEFAULT, base, sizeof base, &db, &rejects,
	    &rd)) != CLI_EX_OK)
		goto out;

	o.db = db;
	o.workspace = com.workspace;
	o.queries = queries;
	o.nqueries = nq;
	o.params.num = (int)num;
	o.serper_base = base;
	http_opts_default(&o.serper_http);
	o.serper_http.max_in_flight = (int)concurrency;
	o.serper_http.min_interval_ms = delay;
	o.serper_http.timeout_ms = timeout;
	tls_opts(&o.serper_http);
	o.classifier = strcmp(classifier, "rules") == 0 ? SIGRUN_RULES :
	    strcmp(classifier, "llm") == 0 ? SIGRUN_LLM : SIGRUN_AUTO;
	o.batch = (int)batch;
	o.window = (size_t)window;
	o.verbose = com.verbose;
	o.notice = cli_notice;
	o.notice_ctx = &com;
	if ((rc = sigrun_new(&o, &r, err, sizeof err)) != SIGRUN_OK) {
		cli_msg(stderr, "%s", err);
		status = cli_stage_exit(rc);
		goto out;
	}
	if ((status = cli_stage_run(&sigrun_stage, r, rd, &com, o.dry_run)) != CLI_EX_OK)
		goto out;
	sigrun_stats(r, &st);
	if (com.verbose)
		cli_msg(stderr, "%lu records: %lu enriched, %lu not found, %lu skipped, %lu errors, "
		    "%lu quota; %lu accounts (%lu cached), %lu searches (%.0f credits), %lu DeepSeek "
		    "calls (%lld tokens), %lu classified by DeepSeek (%lu cached), %lu by the rules",
		    st.records, st.enriched, st.not_found, st.skipped, st.errors, st.quota,
		    st.accounts, st.cache_hits, st.searches, st.credits, st.llm_calls, st.llm_tokens,
		    st.by_llm, st.llm_cached, st.by_rules);
	if (st.auth_failed)
		status = CLI_EX_CONFIG;
	else if (st.quota || st.searches_rate_limited)
		status = CLI_EX_TEMPFAIL;   /* out of credits, or 429 to the last retry: try later */
	else if (st.gave_up ||
	    (st.searches > 0 && st.searches_ok == 0 && st.searches_unavailable == st.searches))
		status = CLI_EX_UNAVAILABLE;
	else if (ndj_bad_lines(rd))
		status = CLI_EX_DATAERR;
	else if (st.errors)
		status = CLI_EX_PROVIDER;
	if (st.errors && !com.quiet)
		cli_msg(stderr, "%lu record%s carry a Serper error (account.signals.error says which)",
		    st.errors, st.errors == 1 ? "" : "s");
out:
	status = cli_stage_end(&com, rd, rejects, status);
	sigrun_free(r);
	db_close(db);
	return status;
usage_err:
	cli_msg(stderr, "%s", err);
	cli_msg(stderr, "try --help");
	return CLI_EX_USAGE;
}
