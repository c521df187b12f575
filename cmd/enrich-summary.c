/*
 * enrich-summary: what the enriched closed deals say: coverage, top findings,
 * won against lost; the per-deal breakdown; one deal's buying committee.
 * See man/enrich-summary.1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "conf.h"
#include "db.h"
#include "json.h"
#include "ndj.h"
#include "store.h"
#include "summary.h"

enum {
	OPT_MONTHS = CLI_OPT_FIRST_FREE,
	OPT_AS_OF,
	OPT_TOP,
	OPT_DEALS,
	OPT_DEAL,
	OPT_RAW,
	OPT_MOVED,
	OPT_FORMAT
};

static const struct option longopts[] = {
	CLI_COMMON_LONGOPTS,
	{ "months", required_argument, NULL, OPT_MONTHS },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "deals", no_argument, NULL, OPT_DEALS },
	{ "deal", required_argument, NULL, OPT_DEAL },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "moved", no_argument, NULL, OPT_MOVED },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
"usage: enrich-summary --workspace ID [OPTIONS]\n"
"Summarizes the enriched closed deals in the store: coverage, top findings\n"
"(industries, company sizes, tenure, seniorities, departments, buying roles,\n"
"signal types) and, for each finding, won against lost, the win rate with its\n"
"Wilson 95% interval (a * under 10 deals: it says little) and the won revenue;\n"
"then the champions and buyers of won deals who moved to another company.\n"
"\n"
"      --months N        closed deals of the last N months (0-120, default 6; 0: all)\n"
"      --as-of DATE      the window ends on DATE, YYYY-MM-DD (default: today, UTC)\n"
"      --top N           entries per finding (1-1000, default 10)\n"
"      --deals           the per-deal breakdown of the deals in the window\n"
"      --deal ID         one deal's buying committee and its account's signals\n"
"      --raw             with --deal: the stored value as it is\n"
"      --moved           the champions and buyers who moved, one JSON line each\n"
"                        (for a CRM import), newest first\n"
"      --format F        json (default), table (aligned text, 80 columns) or html\n"
"                        (one self-contained page; the summary only)\n"
CLI_COMMON_HELP;

struct rows {
	const struct summary_opts *o;
	FILE *out;
	int table, first, failed;
	buf_t b;
};

static int
row_cb(const json_t *facts, void *vctx)
{
	struct rows *r = vctx;
	json_t *row;
	int rc;

	if (!summary_in_window(r->o, facts))
		return 0;
	if ((row = summary_deal_row(facts)) == NULL) {
		r->failed = 1;
		return 1;
	}
	buf_reset(&r->b);
	if (r->table)
		rc = summary_table_deal_row(row, &r->b);
	else
		rc = (r->first ? 0 : buf_addc(&r->b, ',')) != BUF_OK ? -1 : json_dump(row, &r->b);
	json_free(row);
	r->first = 0;
	if (rc != 0 || fwrite(buf_ptr(&r->b), 1, buf_len(&r->b), r->out) != buf_len(&r->b)) {
		r->failed = 1;
		return 1;
	}
	return 0;
}

/* Writes b to stdout; 0 or -1. */
static int
put(const buf_t *b)
{
	return fwrite(buf_ptr(b), 1, buf_len(b), stdout) == buf_len(b) ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct cli_common com = { 0 };
	struct summary_opts so;
	const char *ws, *deal = NULL, *as_of = NULL;
	char err[512];
	int opt, rc, ex = CLI_EX_OK, deals = 0, raw = 0, table = 0, html = 0, moved = 0, dberr = 0;
	long months = 6, top = 10;
	db_t *db = NULL;
	json_t *res = NULL, *win = NULL;
	buf_t out;
	struct rows rows;

	cli_init(argv[0]);
	memset(&so, 0, sizeof so);
	buf_init(&out, (size_t)1 << 30);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MONTHS:
			if (cli_parse_long("--months", optarg, 0, 120, &months, err, sizeof err) != 0)
				goto usage_err;
			continue;
		case OPT_TOP:
			if (cli_parse_long("--top", optarg, 1, 1000, &top, err, sizeof err) != 0)
				goto usage_err;
			continue;
		case OPT_AS_OF:
			as_of = optarg;
			continue;
		case OPT_DEALS:
			deals = 1;
			continue;
		case OPT_DEAL:
			deal = optarg;
			continue;
		case OPT_MOVED:
			moved = 1;
			continue;
		case OPT_RAW:
			raw = 1;
			continue;
		case OPT_FORMAT:
			table = strcmp(optarg, "table") == 0;
			html = strcmp(optarg, "html") == 0;
			if (!table && !html && strcmp(optarg, "json") != 0) {
				snprintf(err, sizeof err, "--format: '%s' is not json, table or html",
				    optarg);
				goto usage_err;
			}
			continue;
		}
		if ((rc = cli_other_opt(&com, opt, optarg, usage)) != 0)
			return rc;
	}
	if ((rc = cli_finish_opts(&com, usage, argc, argv, NULL)) >= 0)
		return rc;
	if ((ws = cli_workspace(&com, err, sizeof err)) == NULL)
		goto usage_err;
	if (deals && deal) {
		snprintf(err, sizeof err, "--deals and --deal ID: give one");
		goto usage_err;
	}
	if (raw && !deal) {
		snprintf(err, sizeof err, "--raw goes with --deal ID");
		goto usage_err;
	}
	if (moved && (deals || deal || table || html)) {
		snprintf(err, sizeof err, "--moved writes JSON lines on its own: no --deals, "
		    "--deal or --format");
		goto usage_err;
	}
	if (html && (deals || deal)) {
		snprintf(err, sizeof err, "--format html is for the summary, not --deals or --deal");
		goto usage_err;
	}
	if (raw && table) {
		snprintf(err, sizeof err, "--raw prints the stored JSON; it has no table format");
		goto usage_err;
	}
	so.months = (int)months;
	so.top = (size_t)top;
	if (summary_as_of(&so, as_of, time(NULL), err, sizeof err) != 0)
		goto usage_err;

	if ((rc = cli_open_db(&com, CLI_DB_READ, &db, NULL, 0)) != 0)
		return rc;

	if (moved) {
		size_t i;

		if (summary_moved(db, ws, &res, &dberr, err, sizeof err) != 0) {
			cli_msg(stderr, "%s", err);
			ex = CLI_EX_IOERR;
			goto done;
		}
		for (i = 0; i < json_len(res); i++)
			if (ndj_write(stdout, json_at(res, i), com.unbuffered) != 0)
				goto write_err;
	} else if (deal) {
		rc = 1;
		if (db && raw)
			rc = store_get(db, ws, deal, &res, err, sizeof err) == DB_NOTFOUND ? 1 :
			    res ? 0 : -1;
		else if (db)
			rc = summary_committee(db, ws, deal, &res, &dberr, err, sizeof err);
		if (rc == 1) {
			cli_msg(stderr, "no deal '%s' in workspace %s", deal, ws);
			ex = 1;
			goto done;
		}
		if (rc < 0) {
			cli_msg(stderr, "%s", err);
			ex = CLI_EX_IOERR;
			goto done;
		}
		if ((table ? summary_table_committee(res, &out) :
		    ndj_write(stdout, res, 0)) != 0 || put(&out) != 0)
			goto write_err;
	} else if (deals) {
		memset(&rows, 0, sizeof rows);
		rows.o = &so;
		rows.out = stdout;
		rows.table = table;
		rows.first = 1;
		buf_init(&rows.b, (size_t)1 << 30);
		if (table)
			rc = summary_table_deals_header(&out);
		else {
			rc = (win = summary_window(&so)) == NULL ? -1 :
			    buf_adds(&out, "{\"workspace\":") != BUF_OK ||
			    json_dump_string(ws, strlen(ws), &out) != JSON_OK ||
			    buf_adds(&out, ",\"window\":") != BUF_OK || json_dump(win, &out) != JSON_OK ||
			    buf_adds(&out, ",\"deals\":[") != BUF_OK ? -1 : 0;
		}
		if (rc != 0 || put(&out) != 0) {
			buf_free(&rows.b);
			goto write_err;
		}
		rc = db ? store_scan_facts(db, ws, row_cb, &rows, NULL, err, sizeof err) : DB_OK;
		buf_free(&rows.b);
		if (rc != DB_OK) {
			cli_msg(stderr, "%s", err);
			ex = CLI_EX_IOERR;
			goto done;
		}
		if (rows.failed || (!table && fputs("]}\n", stdout) == EOF))
			goto write_err;
	} else {
		if (db)
			rc = summary_build(db, ws, &so, &res, &dberr, err, sizeof err);
		else {
			summary_t *s = summary_new(&so);

			res = s ? summary_result(s, ws, NULL) : NULL;
			summary_free(s);
			rc = res ? 0 : -1;
			snprintf(err, sizeof err, "out of memory");
		}
		if (rc != 0) {
			cli_msg(stderr, "%s", err);
			ex = CLI_EX_IOERR;
			goto done;
		}
		if ((table ? summary_table(res, &out) : html ? summary_html(res, &out) :
		    ndj_write(stdout, res, 0)) != 0 || put(&out) != 0)
			goto write_err;
	}
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
	}
	goto done;
usage_err:
	cli_msg(stderr, "%s", err);
	buf_free(&out);
	return CLI_EX_USAGE;
write_err:
	cli_msg(stderr, "error writing stdout: %s", errno ? strerror(errno) : "out of memory");
	ex = CLI_EX_IOERR;
done:
	json_free(res);
	json_free(win);
	buf_free(&out);
	db_close(db);
	return ex;
}
