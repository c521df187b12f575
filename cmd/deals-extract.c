/*
 * deals-extract: CRM exports (CSV or NDJSON) -> canonical deal records
 * (NDJSON), closed deals only, newest first, within the lookback window.
 * See man/deals-extract.1. The reading is lib/crm_read.h, the choice of
 * deals lib/crm_select.h; this is options and the loop over the inputs.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conf.h"
#include "crm.h"
#include "crm_map.h"
#include "crm_read.h"
#include "crm_select.h"
#include "crm_settings.h"
#include "date.h"
#include "db.h"
#include "json.h"
#include "ndj.h"
#include "store.h"
#include "workspace.h"

enum {
	OPT_FORMAT = CLI_OPT_FIRST_FREE,
	OPT_CONTACTS,
	OPT_ALL,
	OPT_LOOKBACK,
	OPT_LIMIT,
	OPT_NO_LIMIT,
	OPT_PENDING,
	OPT_TODAY,
	OPT_STAGE_MAP,
	OPT_DATE_ORDER,
	OPT_MAP,
	OPT_ACCOUNTS
};

static const struct option longopts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "contacts", required_argument, NULL, OPT_CONTACTS },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "lookback-months", required_argument, NULL, OPT_LOOKBACK },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "no-limit", no_argument, NULL, OPT_NO_LIMIT },
	{ "pending", no_argument, NULL, OPT_PENDING },
	{ "today", required_argument, NULL, OPT_TODAY },
	{ "stage-map", required_argument, NULL, OPT_STAGE_MAP },
	{ "date-order", required_argument, NULL, OPT_DATE_ORDER },
	{ "map", required_argument, NULL, OPT_MAP },
	{ "accounts", required_argument, NULL, OPT_ACCOUNTS },
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
"usage: deals-extract [OPTION]... [FILE]...\n"
"Reads CRM exports (HubSpot or Salesforce CSV, or NDJSON) from the FILEs or\n"
"stdin and writes one canonical deal record per line (NDJSON): the closed deals\n"
"of the lookback window, newest first, each with its account and contacts.\n"
"\n"
"      --format FMT          auto (default), csv, hubspot, salesforce or ndjson\n"
"      --contacts FILE       a HubSpot contacts export or a Salesforce contact role\n"
"                            report to join to the deals (repeatable; a FILE\n"
"                            argument that is one is used the same way)\n"
"      --all                 keep open deals too\n"
"      --lookback-months N   only deals closed in the last N months, 1-24\n"
"                            (default: the workspace's lookback_months, else 6)\n"
"      --limit N             at most N deals, newest closed first, 1-100 (default 50)\n"
"      --no-limit            every deal, in input order (a backfill)\n"
"      --pending             leave out deals the store holds as enriched\n"
"      --today YYYY-MM-DD    the day the lookback counts back from (default: today, UTC)\n"
"      --stage-map FILE      \"stage = closed_won|closed_lost|open\" lines for custom\n"
"                            pipelines (default: the workspace's stage_map)\n"
"      --date-order ORDER    mdy (default) or dmy: how 01/02/2026 is read\n"
"                            (default: the workspace's date_order)\n"
"      --map FIELD=COLUMN    read FIELD from COLUMN of any CSV (repeatable; also\n"
"                            map.FIELD = COLUMN lines in the workspace file).\n"
"                            FIELD: deal_id, deal_name, stage, close_date, amount,\n"
"                            currency, owner, account.id, account.name,\n"
"                            account.domain, account.industry, account.employees,\n"
"                            account.annual_revenue, contact.id, contact.email,\n"
"                            contact.first_name, contact.last_name, contact.name,\n"
"                            contact.title, contact.crm_role, contact.linkedin_url,\n"
"                            contact.deal_id, contact.deal_name\n"
"      --accounts FILE       a CSV of accounts joined to the deals by account ID,\n"
"                            else by name: domain, industry, employees, revenue\n"
"                            (repeatable)\n"
CLI_COMMON_HELP
"\n"
"Exit: 0 ok, 64 usage, 65 bad input rows (reported, copied to --rejects),\n"
"74 I/O error, 78 bad configuration.\n";

struct run {
	struct cli_common cli;
	crm_reader_t rd;
	crm_window_t win;
	crm_best_t *best;          /* NULL with --no-limit: deals are written as they come */
	int pending;
	db_t *db;                  /* --pending: the store, NULL when there is none yet */
	/* counts */
	unsigned long read, out, open, old, future, enriched, limited;
	int ioerr, progress;
};

static void
say(void *arg, const char *msg)
{
	(void)arg;
	cli_msg(stderr, "%s", msg);
}

static void
write_rec(struct run *r, const json_t *rec)
{
	if (r->ioerr)
		return;
	if (ndj_write(stdout, rec, r->cli.unbuffered) != 0) {
		cli_msg(stderr, "stdout: %s", strerror(errno));
		r->ioerr = 1;
		return;
	}
	r->out++;
}

/* 1 when the store holds the deal as enriched; -1 on a db error (told). */
static int
enriched(struct run *r, const json_t *rec)
{
	const char *ws = json_str(json_get(rec, "workspace_id"));
	const char *id = json_str(json_get(rec, "deal_id"));
	char err[256];
	int e;

	if (r->db == NULL || ws == NULL || id == NULL)
		return 0;
	if ((e = store_is_enriched(r->db, ws, id, err, sizeof err)) < 0)
		cli_msg(stderr, "db: %s", err);
	return e;
}

/* Each deal read: filtered, then written or kept for the limit (takes rec). */
static int
route(void *arg, json_t *rec)
{
	struct run *r = arg;
	int e;

	r->read++;
	if (r->progress && r->read % 10000 == 0)
		fprintf(stderr, "\rdeals-extract: %lu deals read", r->read);
	switch (crm_window_test(&r->win, rec)) {
	case CRM_SEL_OPEN:
		r->open++;
		json_free(rec);
		return r->ioerr ? -1 : 0;
	case CRM_SEL_OLD:
		r->old++;
		json_free(rec);
		return r->ioerr ? -1 : 0;
	case CRM_SEL_FUTURE:
		r->future++;
		json_free(rec);
		return r->ioerr ? -1 : 0;
	case CRM_SEL_IN:
		break;
	}
	if (r->pending && (e = enriched(r, rec)) != 0) {
		if (e < 0)
			r->ioerr = 1;
		else
			r->enriched++;
		json_free(rec);
	} else if (r->best == NULL) {
		write_rec(r, rec);
		json_free(rec);
	} else {
		r->limited += (unsigned long)crm_best_add(r->best, rec);
	}
	return r->ioerr ? -1 : 0;
}

static int
usage_error(const char *fmt, const char *a)
{
	char msg[512];

	snprintf(msg, sizeof msg, fmt, a);
	cli_msg(stderr, "%s", msg);
	fprintf(stderr, "Try 'deals-extract --help'.\n");
	return CLI_EX_USAGE;
}

static void
report(struct run *r)
{
	const char *s;
	unsigned long n;

	if (r->cli.quiet)
		return;
	for (size_t i = 0; (s = crm_ctx_unknown_stage(r->rd.ctx, i, &n)) != NULL; i++)
		cli_msg(stderr, "stage '%s' (%lu deal%s) read as open; map it with --stage-map "
		    "or the stage_map setting", s, n, n == 1 ? "" : "s");
	if ((n = crm_ctx_stageless(r->rd.ctx)) > 0)
		cli_msg(stderr, "%lu record%s without a stage read as open%s", n, n == 1 ? "" : "s",
		    r->win.all ? "" : " and left out (--all keeps them)");
	if (r->cli.verbose)
		cli_msg(stderr, "%lu deals read: %lu written, %lu open left out, %lu closed before %s, "
		    "%lu closed after %s, %lu enriched already, %lu past the limit, "
		    "%lu footer or blank rows, %lu bad",
		    r->read, r->out, r->open, r->old, r->win.cutoff, r->future, r->win.today,
		    r->enriched, r->limited, r->rd.skipped, r->rd.bad);
}

/* The exit code of a reading outcome; told here when crm_read did not. */
static int
read_failed(int rc)
{
	if (rc == CRM_ENOMEM)
		cli_msg(stderr, "out of memory");
	return rc == CRM_EUSAGE ? CLI_EX_USAGE : CLI_EX_IOERR;
}

int
main(int argc, char **argv)
{
	struct run r;
	crm_opts_t co = { 0 };
	crm_settings_t set = { 0 };
	workspace_t *wsp = NULL;
	const char *lookback_flag = NULL, *today_flag = NULL, *stage_map_flag = NULL;
	const char *date_order_flag = NULL;
	const char **contacts = NULL, **accounts = NULL;
	size_t ncontacts = 0, naccounts = 0;
	crm_map_t *map = NULL;
	char err[1536], dbpath[4096];
	date_t today;
	long v, limit = 50;
	int opt, rc = CRM_OK, ex = CLI_EX_OK, *is_contacts = NULL, limit_seen = 0, all = 0;
	int nolimit = 0, one;

	/*
	 * No fastbins: the contacts index is many small objects freed at the
	 * end, and glibc would consolidate its fastbins again and again while
	 * they are freed (half of the run time on a large contacts export).
	 */
	mallopt(M_MXFAST, 0);
	memset(&r, 0, sizeof r);
	cli_init("deals-extract");
	if ((contacts = calloc((size_t)argc + 1, sizeof *contacts)) == NULL ||
	    (accounts = calloc((size_t)argc + 1, sizeof *accounts)) == NULL ||
	    (is_contacts = calloc((size_t)argc + 1, sizeof *is_contacts)) == NULL ||
	    (map = crm_map_new()) == NULL) {
		cli_msg(stderr, "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
	}
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		rc = cli_common_opt(&r.cli, opt, optarg, err, sizeof err);
		if (rc < 0) {
			ex = usage_error("%s", err);
			goto done;
		}
		if (rc > 0)
			continue;
		switch (opt) {
		case OPT_FORMAT:
			if (crm_format_parse(optarg, &r.rd.format) != 0) {
				ex = usage_error("--format: '%s' is not auto, csv, hubspot, salesforce "
				    "or ndjson", optarg);
				goto done;
			}
			break;
		case OPT_CONTACTS:
			contacts[ncontacts++] = optarg;
			break;
		case OPT_ALL:
			all = 1;
			break;
		case OPT_LOOKBACK:
			if (cli_parse_long("--lookback-months", optarg, 1, 24, &v, err, sizeof err) != 0) {
				ex = usage_error("%s", err);
				goto done;
			}
			lookback_flag = optarg;
			break;
		case OPT_LIMIT:
			if (cli_parse_long("--limit", optarg, 1, 100, &limit, err, sizeof err) != 0) {
				ex = usage_error("%s", err);
				goto done;
			}
			if (nolimit) {
				ex = usage_error("%s", "--limit and --no-limit exclude each other");
				goto done;
			}
			limit_seen = 1;
			break;
		case OPT_NO_LIMIT:
			if (limit_seen) {
				ex = usage_error("%s", "--limit and --no-limit exclude each other");
				goto done;
			}
			nolimit = 1;
			break;
		case OPT_PENDING:
			r.pending = 1;
			break;
		case OPT_TODAY:
			today_flag = optarg;
			break;
		case OPT_STAGE_MAP:
			stage_map_flag = optarg;
			break;
		case OPT_DATE_ORDER:
			date_order_flag = optarg;
			break;
		case OPT_MAP:
			if ((rc = crm_map_add_spec(map, optarg, err, sizeof err)) == CRM_ENOMEM)
				cli_msg(stderr, "out of memory");
			if (rc != CRM_OK) {
				ex = rc == CRM_ENOMEM ? CLI_EX_IOERR : usage_error("%s", err);
				goto done;
			}
			break;
		case OPT_ACCOUNTS:
			accounts[naccounts++] = optarg;
			break;
		default:
			if (optopt && optopt < CLI_OPT_DB)
				ex = usage_error("unknown option '-%s'", (char[]){ (char)optopt, 0 });
			else
				ex = usage_error("unknown option or missing argument: '%s'", argv[optind - 1]);
			goto done;
		}
	}
	if ((rc = cli_help_version(&r.cli, usage)) >= 0) {
		ex = rc;
		goto done;
	}
	if (r.cli.workspace && !conf_workspace_valid(r.cli.workspace)) {
		ex = usage_error("--workspace: '%s' is not a workspace id (1-64 of A-Z a-z 0-9 _ . -)",
		    r.cli.workspace);
		goto done;
	}
	if (today_flag) {
		if (date_parse_iso(today_flag, &today) != 0) {
			ex = usage_error("--today: '%s' is not a YYYY-MM-DD date", today_flag);
			goto done;
		}
	} else {
		today = date_today();
	}
	if (date_order_flag && strcmp(date_order_flag, "mdy") && strcmp(date_order_flag, "dmy")) {
		ex = usage_error("--date-order: '%s' is not mdy or dmy", date_order_flag);
		goto done;
	}

	/* the workspace's settings */
	rc = workspace_open(r.cli.workspace ? r.cli.workspace : "default", NULL, &wsp, err,
	    sizeof err);
	if (rc != WORKSPACE_OK)
		rc = rc == WORKSPACE_ENOMEM ? CRM_ENOMEM : CRM_BAD;
	else if ((rc = crm_map_add_conf(map, workspace_conf(wsp), err, sizeof err)) == CRM_OK)
		rc = crm_settings_load(&set, workspace_conf(wsp), lookback_flag, date_order_flag, stage_map_flag,
		    err, sizeof err);
	if (rc == CRM_ENOMEM) {
		cli_msg(stderr, "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (rc == CRM_EUSAGE) {
		ex = usage_error("%s", err);
		goto done;
	}
	if (rc != CRM_OK) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_CONFIG;
		goto done;
	}
	crm_window_set(&r.win, today, (int)set.lookback_months, all);
	co.workspace = r.cli.workspace ? r.cli.workspace : "default";
	co.workspace_forced = r.cli.workspace != NULL;
	co.date_order = set.date_order;
	co.currency = set.currency;
	co.stage_map = set.stage_map;
	if ((r.rd.ctx = crm_ctx_new(&co)) == NULL ||
	    (!nolimit && (r.best = crm_best_new((size_t)limit)) == NULL)) {
		cli_msg(stderr, "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (cli_open_rejects(r.cli.rejects, &r.rd.rejects, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (r.pending) {
		if (conf_db_path(r.cli.db, dbpath, sizeof dbpath) != 0) {
			cli_msg(stderr, "cannot tell where the db is: set --db or DEAL_ENRICH_DB");
			ex = CLI_EX_CONFIG;
			goto done;
		}
		rc = db_open_existing(dbpath, 1, &r.db, err, sizeof err);
		if (rc != DB_OK && rc != DB_NOTFOUND) {
			cli_msg(stderr, "%s", err);
			ex = CLI_EX_IOERR;
			goto done;
		}
		if (rc == DB_NOTFOUND && !r.cli.quiet)
			cli_msg(stderr, "no store at %s yet: every deal is pending", dbpath);
	}

	r.rd.map = map;
	r.rd.rejects_name = r.cli.rejects;
	r.rd.max_line = r.cli.max_line;
	r.rd.max_depth = r.cli.max_depth;
	r.rd.verbose = r.cli.verbose;
	r.rd.quiet = r.cli.quiet;
	r.rd.deal = route;
	r.rd.say = say;
	r.rd.arg = &r;
	r.progress = cli_progress_wanted(&r.cli);
	/* accounts and contacts first: --accounts, --contacts, then FILE arguments that are contacts exports */
	rc = CRM_OK;
	for (size_t i = 0; i < naccounts && rc == CRM_OK; i++)
		rc = crm_read_accounts(&r.rd, accounts[i]);
	for (size_t i = 0; i < ncontacts && rc == CRM_OK; i++)
		rc = crm_read_contacts(&r.rd, contacts[i], 1, &one);
	if (r.rd.format != CRM_FMT_NDJSON)
		for (int i = optind; i < argc && rc == CRM_OK; i++)
			if (strcmp(argv[i], "-") != 0)
				rc = crm_read_contacts(&r.rd, argv[i], 0, &is_contacts[i]);
	if (optind == argc && rc == CRM_OK)
		rc = crm_read_input(&r.rd, "-");
	for (int i = optind; i < argc && rc == CRM_OK; i++)
		if (!is_contacts[i])
			rc = crm_read_input(&r.rd, argv[i]);

	if (rc == CRM_OK && r.best) {
		crm_best_sort(r.best);
		for (size_t i = 0; i < crm_best_count(r.best); i++)
			write_rec(&r, crm_best_at(r.best, i));
	}
	if (r.progress && r.read >= 10000)
		fputc('\n', stderr);
	report(&r);
	if (rc != CRM_OK)
		ex = read_failed(rc);
	else if (r.ioerr)
		ex = CLI_EX_IOERR;
	else if (r.rd.bad)
		ex = CLI_EX_DATAERR;
	if (r.rd.rejects && cli_close_output(r.rd.rejects, r.cli.rejects, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
	}
	r.rd.rejects = NULL;
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
	}
done:
	crm_best_free(r.best);
	if (r.rd.rejects)
		fclose(r.rd.rejects);
	if (r.db)
		db_close(r.db);
	crm_ctx_free(r.rd.ctx);
	crm_settings_free(&set);
	workspace_free(wsp);
	crm_map_free(map);
	free(accounts);
	free(contacts);
	free(is_contacts);
	return ex;
}
