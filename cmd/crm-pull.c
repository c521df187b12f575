/*
 * crm-pull: closed deals from HubSpot or Salesforce -> canonical deal records
 * (NDJSON), incrementally by modification time. See man/crm-pull.1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "conf.h"
#include "crm.h"
#include "crm_cursor.h"
#include "crm_source.h"
#include "db.h"
#include "http.h"
#include "ndj.h"
#include "workspace.h"

enum {
	OPT_CRM = CLI_OPT_FIRST_FREE,
	OPT_LOOKBACK,
	OPT_SINCE,
	OPT_FULL,
	OPT_DRY_RUN,
	OPT_COMMIT
};

static const struct option longopts[] = {
	{ "crm", required_argument, NULL, OPT_CRM },
	{ "lookback-months", required_argument, NULL, OPT_LOOKBACK },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "full", no_argument, NULL, OPT_FULL },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "commit", no_argument, NULL, OPT_COMMIT },
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static const char usage_text[] =
"usage: crm-pull [--crm hubspot|salesforce] [--workspace W]\n"
"                [--lookback-months N | --since TIME | --full] [--dry-run]\n"
"       crm-pull --commit [--crm C] [--workspace W]\n"
"Reads the closed deals of a HubSpot portal or a Salesforce org and writes one\n"
"canonical deal record per line (NDJSON), each with its account and contacts,\n"
"as deals-extract does. Without --lookback-months, --since or --full, a\n"
"workspace pulled before gets the deals closed or modified since its cursor,\n"
"the latest modification time the last committed pull saw; a first pull gets\n"
"the deals closed in the lookback window.\n"
"\n"
"      --crm NAME            hubspot or salesforce (default: the workspace's crm)\n"
"      --lookback-months N   deals closed in the last N months, 1-24; the cursor\n"
"                            is neither read nor moved\n"
"                            (first pull: the workspace's lookback_months, else 6)\n"
"      --since TIME          deals modified after TIME (YYYY-MM-DD or an ISO time);\n"
"                            the cursor is neither read nor moved\n"
"      --full                every closed deal\n"
"      --dry-run             count the deals, pages and calls; write no record\n"
"      --commit              make the last good pull's cursor the one the next pull\n"
"                            starts from (run it once the records are loaded)\n"
CLI_COMMON_HELP
"\n"
"Settings (the workspace file; the variable, when named, wins over it):\n"
"crm (DEAL_ENRICH_CRM); HubSpot: hubspot_access_token (else HUBSPOT_ACCESS_TOKEN),\n"
"hubspot_api_version (HUBSPOT_API_VERSION: v3 or a dated one such as 2026-03),\n"
"hubspot_search_cap; HUBSPOT_BASE_URL. Salesforce: salesforce_client_id,\n"
"salesforce_client_secret, salesforce_refresh_token (else SALESFORCE_*),\n"
"salesforce_login_url (SALESFORCE_LOGIN_URL), salesforce_api_version\n"
"(SALESFORCE_API_VERSION), salesforce_multi_currency. --verbose reports the API\n"
"limits left.\n"
"\n"
"Exit: 0 ok, 64 usage, 65 a deal that cannot be read (the others are written),\n"
"69 the CRM unavailable, 74 I/O error, 75 a rate or request limit reached\n"
"(cursor unchanged: the next run asks again), 78 bad configuration (a missing\n"
"or refused credential, a missing scope).\n";

struct run {
	struct cli_common cli;
	const char *crm_flag, *crm, *since;
	long lookback;
	int full, dry_run, commit;
	workspace_t *ws;
	db_t *db;
	char err[1024];
	crm_source_t *src;
	crm_ctx_t *ctx;
	unsigned long out, bad;
};

/* Exit code of a CRM_SOURCE_E* code. */
static int
ex_of(int rc)
{
	switch (rc) {
	case CRM_SOURCE_EUSAGE: return CLI_EX_USAGE;
	case CRM_SOURCE_ECONFIG: return CLI_EX_CONFIG;
	case CRM_SOURCE_ELIMIT: return CLI_EX_TEMPFAIL;
	case CRM_SOURCE_ENOMEM: case CRM_SOURCE_EIO: return CLI_EX_IOERR;
	default: return CLI_EX_UNAVAILABLE;
	}
}

static int
fail(struct run *r, int rc)
{
	cli_msg(stderr, "%s", r->err);
	return ex_of(rc);
}

static void
report_limits(struct run *r)
{
	char line[512];

	crm_source_limits(r->src, line, sizeof line);
	/* enrich-status reports it; a db that cannot take it costs only that report */
	if (line[0] && crm_cursor_set_limits(r->db, workspace_name(r->ws), r->crm, line,
	    time(NULL), r->err, sizeof r->err) != DB_OK)
		cli_msg(stderr, "%s", r->err);
	if (r->cli.verbose) {
		crm_source_report(r->src, r->out, line, sizeof line);
		cli_msg(stderr, "%s", line);
	}
}

static int
dry_run(struct run *r)
{
	char plan[512];
	int rc;

	if ((rc = crm_source_plan(r->src, plan, sizeof plan, r->err, sizeof r->err)) != 0)
		return fail(r, rc);
	cli_msg(stderr, "%s", plan);
	report_limits(r);
	return 0;
}

/* Normalizes and writes one page. Returns 0, or an exit code. */
static int
write_page(struct run *r, json_t *page)
{
	for (size_t i = 0; i < json_len(page); i++) {
		json_t *rec = json_at(page, i), *out = NULL;
		int rc = crm_deal_from_json(r->ctx, rec, &out, r->err, sizeof r->err);
		if (rc == CRM_ENOMEM) {
			cli_msg(stderr, "out of memory");
			return CLI_EX_IOERR;
		}
		if (rc != CRM_OK) {
			r->bad++;
			cli_msg(stderr, "%s: deal %s: %s", r->crm, json_str(json_get(rec, "deal_id")) ?
			    json_str(json_get(rec, "deal_id")) : "?", r->err);
			continue;
		}
		if (ndj_write(stdout, out, r->cli.unbuffered) != 0) {
			cli_msg(stderr, "stdout: %s", strerror(errno));
			return CLI_EX_IOERR;
		}
		r->out++;
	}
	return 0;
}

static int
pull(struct run *r)
{
	const char *cursor;
	char old[CRM_CURSOR_MAX];
	json_t *page = NULL;
	int rc, ex;

	while ((rc = crm_source_next(r->src, &page, r->err, sizeof r->err)) == CRM_SOURCE_OK) {
		ex = write_page(r, page);
		json_free(page);
		if (ex != 0)
			return ex;
		if (fflush(stdout) != 0) {
			cli_msg(stderr, "stdout: %s", strerror(errno));
			return CLI_EX_IOERR;
		}
	}
	if (rc != CRM_SOURCE_DONE) {
		cli_msg(stderr, "%s", r->err);
		report_limits(r);
		return ex_of(rc);
	}
	report_limits(r);
	/*
	 * Only a pull that started at the cursor (or took every deal) may move it:
	 * one of deals closed in a window saw none of the edits to older deals.
	 */
	if (r->since || r->lookback > 0)
		return r->bad ? CLI_EX_DATAERR : 0;
	cursor = crm_source_cursor(r->src);
	/* nothing new: the pending cursor is the committed one, so a commit changes nothing */
	if (cursor[0] == '\0' && crm_cursor_get(r->db, workspace_name(r->ws), r->crm, old, r->err,
	    sizeof r->err) == DB_OK)
		cursor = old;
	if (cursor[0] && crm_cursor_set_pending(r->db, workspace_name(r->ws), r->crm, cursor,
	    r->err, sizeof r->err) != DB_OK) {
		cli_msg(stderr, "%s", r->err);
		return CLI_EX_IOERR;
	}
	return r->bad ? CLI_EX_DATAERR : 0;
}

static int
commit(struct run *r)
{
	const char *ws = workspace_name(r->ws);
	char cur[CRM_CURSOR_MAX];
	int rc = crm_cursor_commit(r->db, ws, r->crm, r->err, sizeof r->err);

	if (rc < 0) {
		cli_msg(stderr, "%s", r->err);
		return CLI_EX_IOERR;
	}
	if (!r->cli.quiet) {
		if (rc == DB_NOTFOUND)
			cli_msg(stderr, "%s: no pull to commit for workspace %s", r->crm, ws);
		else if (crm_cursor_get(r->db, ws, r->crm, cur, r->err, sizeof r->err) == DB_OK)
			cli_msg(stderr, "%s: workspace %s: the next pull starts after %s", r->crm, ws,
			    cur);
	}
	return 0;
}

static int
parse_args(struct run *r, int argc, char **argv)
{
	int opt, rc, modes;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_CRM: r->crm_flag = optarg; continue;
		case OPT_SINCE: r->since = optarg; continue;
		case OPT_FULL: r->full = 1; continue;
		case OPT_DRY_RUN: r->dry_run = 1; continue;
		case OPT_COMMIT: r->commit = 1; continue;
		case OPT_LOOKBACK:
			if (cli_parse_long("--lookback-months", optarg, 1, 24, &r->lookback, r->err,
			    sizeof r->err) != 0)
				return cli_msg(stderr, "%s", r->err), CLI_EX_USAGE;
			continue;
		}
		if ((rc = cli_other_opt(&r->cli, opt, optarg, usage_text)) != 0)
			return rc;
	}
	if (optind < argc)
		return cli_msg(stderr, "unexpected argument '%s'", argv[optind]), CLI_EX_USAGE;
	modes = (r->lookback > 0) + (r->since != NULL) + r->full;
	if (modes > 1)
		return cli_msg(stderr, "give one of --lookback-months, --since and --full"),
		    CLI_EX_USAGE;
	if (r->commit && (modes > 0 || r->dry_run))
		return cli_msg(stderr, "--commit takes no other mode"), CLI_EX_USAGE;
	return 0;
}

/* The workspace, the CRM and the db. Returns 0, or an exit code. */
static int
open_run(struct run *r)
{
	const char *ws = r->cli.workspace ? r->cli.workspace : "default";
	int rc;

	if ((rc = workspace_open(ws, NULL, &r->ws, r->err, sizeof r->err)) != WORKSPACE_OK) {
		cli_msg(stderr, "%s", r->err);
		return rc == WORKSPACE_ENOMEM ? CLI_EX_IOERR : CLI_EX_CONFIG;
	}
	if ((r->crm = crm_source_name(r->ws, r->crm_flag, &rc, r->err, sizeof r->err)) == NULL)
		return fail(r, rc);
	return cli_open_db(&r->cli, CLI_DB_CREATE, &r->db, NULL, 0);
}

int
main(int argc, char **argv)
{
	struct run r = { 0 };
	struct http_opts ho;
	struct crm_window win;
	crm_opts_t co = { 0 };
	http_client_t *http = NULL;
	int ex, rc;

	cli_init(argv[0]);
	if ((ex = parse_args(&r, argc, argv)) != 0)
		return ex;
	if ((ex = cli_help_version(&r.cli, usage_text)) >= 0)
		return ex;
	if ((ex = open_run(&r)) != 0 || r.commit) {
		ex = ex ? ex : commit(&r);
		goto done;
	}
	http_opts_default(&ho);
	ho.max_retries = 3;
	ho.max_retries_429 = 0;     /* each CRM reads its own 429s */
	ho.timeout_ms = 60000;
	ho.max_body = (size_t)64 << 20;
	co.workspace = workspace_name(r.ws);
	co.workspace_forced = 1;
	ex = CLI_EX_IOERR;
	if ((http = http_client_new(&ho)) == NULL || (r.ctx = crm_ctx_new(&co)) == NULL) {
		cli_msg(stderr, "out of memory");
		goto done;
	}
	if ((rc = crm_source_window(r.ws, r.db, r.crm, r.full, r.since, r.lookback, time(NULL),
	    &win, r.err, sizeof r.err)) != 0 ||
	    (rc = crm_source_open(r.ws, r.crm, &win, http, &r.src, r.err, sizeof r.err)) != 0) {
		ex = fail(&r, rc);
		goto done;
	}
	ex = r.dry_run ? dry_run(&r) : pull(&r);
	if (cli_close_output(stdout, "stdout", r.err, sizeof r.err) != 0 && ex == 0) {
		cli_msg(stderr, "%s", r.err);
		ex = CLI_EX_IOERR;
	}
done:
	crm_source_free(r.src);
	crm_ctx_free(r.ctx);
	http_client_free(http);
	db_close(r.db);
	workspace_free(r.ws);
	return ex;
}
