/*
 * icp-profile: what a customer who buys from us looks like. Reads the closed
 * deals of the store, writes the profile and keeps it in the db as the
 * workspace's current one (lead-score reads it). See man/icp-profile.1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "conf.h"
#include "db.h"
#include "icp_profile.h"
#include "icp_report.h"
#include "json.h"
#include "ndj.h"
#include "summary.h"

enum { OPT_MONTHS = CLI_OPT_FIRST_FREE, OPT_AS_OF, OPT_FORMAT, OPT_NO_SAVE, OPT_HTML };

static const struct option longopts[] = {
	CLI_COMMON_LONGOPTS,
	{ "months", required_argument, NULL, OPT_MONTHS },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "no-save", no_argument, NULL, OPT_NO_SAVE },
	{ "html", required_argument, NULL, OPT_HTML },
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
"usage: icp-profile --workspace ID [OPTIONS]\n"
"What a customer who buys from us looks like: the closed deals of the store\n"
"become drivers of winning (each value's win rate with a Wilson interval, lift,\n"
"p- and Benjamini-Hochberg q-value), validated on the newest 30% of the deals\n"
"(AUC with a bootstrap interval), and a calibrated logistic model that\n"
"lead-score applies. The profile is kept in the db as the workspace's current\n"
"one. Under 40 closed deals: \"too few deals to profile\", exit 0.\n"
"\n"
"      --months N        closed deals of the last N months (0-120, default 24; 0: all)\n"
"      --as-of DATE      the window ends on DATE, YYYY-MM-DD (default: today, UTC)\n"
"      --format F        json (default), table (80 columns) or html (one file)\n"
"      --html FILE       also write the HTML page to FILE (the monthly chain's report)\n"
"      --no-save         do not keep the profile in the db\n"
CLI_COMMON_HELP;

/* The HTML page of res into path (out is scratch); 0, or -1 with the error said. */
static int
write_html(const char *path, const json_t *res, buf_t *out)
{
	FILE *f;
	int rc;

	buf_reset(out);
	if (icp_report_html(res, out) != 0) {
		cli_msg(stderr, "out of memory");
		return -1;
	}
	if ((f = fopen(path, "w")) == NULL) {
		cli_msg(stderr, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = fwrite(buf_ptr(out), 1, buf_len(out), f) == buf_len(out) ? 0 : -1;
	if (fclose(f) != 0 || rc != 0) {
		cli_msg(stderr, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_reset(out);
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli_common com = { 0 };
	struct icp_opts o;
	struct summary_opts so;
	const char *ws, *as_of = NULL, *format = "json", *html = NULL;
	char err[512];
	int opt, rc, ex = CLI_EX_OK, save = 1, dberr = 0;
	long months = 24;
	time_t now = time(NULL);
	struct tm tm;
	db_t *db = NULL;
	icp_builder_t *b = NULL;
	json_t *res = NULL;
	buf_t out;

	cli_init(argv[0]);
	memset(&o, 0, sizeof o);
	buf_init(&out, (size_t)1 << 30);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MONTHS:
			if (cli_parse_long("--months", optarg, 0, 120, &months, err, sizeof err) != 0)
				goto usage_err;
			continue;
		case OPT_AS_OF:
			as_of = optarg;
			continue;
		case OPT_FORMAT:
			format = optarg;
			if (strcmp(format, "json") != 0 && strcmp(format, "table") != 0 &&
			    strcmp(format, "html") != 0) {
				snprintf(err, sizeof err, "--format: '%s' is not json, table or html",
				    optarg);
				goto usage_err;
			}
			continue;
		case OPT_HTML:
			html = optarg;
			continue;
		case OPT_NO_SAVE:
			save = 0;
			continue;
		}
		if ((rc = cli_other_opt(&com, opt, optarg, usage)) != 0)
			return rc;
	}
	if ((rc = cli_finish_opts(&com, usage, argc, argv, NULL)) >= 0)
		return rc;
	if ((ws = cli_workspace(&com, err, sizeof err)) == NULL)
		goto usage_err;
	if (summary_as_of(&so, as_of, now, err, sizeof err) != 0)
		goto usage_err;
	memcpy(o.to, so.to, sizeof o.to);
	o.months = (int)months;
	gmtime_r(&now, &tm);
	strftime(o.profile_at, sizeof o.profile_at, "%Y-%m-%dT%H:%M:%SZ", &tm);

	/* No db yet: no deal, and nothing to keep the profile in. */
	if ((rc = cli_open_db(&com, save ? CLI_DB_EXISTING : CLI_DB_READ, &db, NULL, 0)) != 0)
		return rc;
	if ((b = icp_builder_new(&o)) == NULL) {
		cli_msg(stderr, "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
	}
	if ((db && icp_builder_scan(b, db, ws, &dberr, err, sizeof err) != 0) ||
	    icp_builder_result(b, ws, &res, err, sizeof err) != 0 ||
	    (db && save && icp_profile_save(db, ws, res, err, sizeof err) != 0)) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (html && write_html(html, res, &out) != 0) {
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (strcmp(format, "table") == 0)
		rc = icp_report_table(res, &out);
	else if (strcmp(format, "html") == 0)
		rc = icp_report_html(res, &out);
	else
		rc = json_dump(res, &out) != JSON_OK || buf_addc(&out, '\n') != BUF_OK ? -1 : 0;
	if (rc != 0 || fwrite(buf_ptr(&out), 1, buf_len(&out), stdout) != buf_len(&out)) {
		cli_msg(stderr, "error writing stdout: %s", errno ? strerror(errno) : "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
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
done:
	icp_builder_free(b);
	json_free(res);
	buf_free(&out);
	db_close(db);
	return ex;
}
