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
#include "crm_api.h"
#include "crm_cursor.h"
#include "date.h"
#include "db.h"
#include "http.h"
#include "hubspot.h"
#include "ndj.h"
#include "salesforce.h"

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
"      --lookback-months N   deals closed in the last N months, 1-24, cursor unused\n"
"                            (first pull: the workspace's lookback_months, else 6)\n"
"      --since TIME          deals modified after TIME (YYYY-MM-DD or an ISO time)\n"
"      --full                every closed deal\n"
"      --dry-run             count the deals, pages and calls; write no record\n"
"      --commit              make the last good pull's cursor the one the next pull\n"
"                            starts from (run it once the records are loaded)\n"
CLI_COMMON_HELP
"\n"
"Settings (workspace file, else environment): hubspot_access_token\n"
"(HUBSPOT_ACCESS_TOKEN), hubspot_api_version (v3 or a dated version such as\n"
"2026-03); salesforce_client_id, salesforce_client_secret,\n"
"salesforce_refresh_token, salesforce_login_url (SALESFORCE_*). Base URL:\n"
"HUBSPOT_BASE_URL. --verbose reports the API limits left.\n"
"\n"
"Exit: 0 ok, 64 usage, 65 a deal that cannot be read (the others are written),\n"
"69 the CRM unavailable, 74 I/O error, 75 a rate or request limit reached\n"
"(cursor unchanged: the next run asks again), 78 bad configuration (a missing\n"
"or refused credential, a missing scope).\n";

struct run {
	struct cli_common cli;
	const char *crm, *since;
	long lookback;
	int full, dry_run, commit;
	conf_t *conf;
	db_t *db;
	char ws[80], dbdir[4096], err[1024];
	hubspot_t *hs;
	salesforce_t *sf;
	crm_ctx_t *ctx;
	unsigned long out, bad;
};

/* Exit code of a hubspot_/salesforce_ error. */
static int
ex_of(const struct run *r, int rc)
{
	if (r->hs)
		return rc == HUBSPOT_EAUTH || rc == HUBSPOT_ESCOPE ? CLI_EX_CONFIG :
		    rc == HUBSPOT_EDAILY || rc == HUBSPOT_ERATE ? CLI_EX_TEMPFAIL :
		    rc == HUBSPOT_ENOMEM ? CLI_EX_IOERR : CLI_EX_UNAVAILABLE;
	return rc == SALESFORCE_EAUTH || rc == SALESFORCE_ECONFIG ? CLI_EX_CONFIG :
	    rc == SALESFORCE_ELIMIT ? CLI_EX_TEMPFAIL :
	    rc == SALESFORCE_ENOMEM ? CLI_EX_IOERR : CLI_EX_UNAVAILABLE;
}

/* Where the pull starts: *modified_after (ms, -1) or *closed_since (date, ""). */
static int
window(struct run *r, int64_t *modified_after, char closed_since[DATE_STRLEN])
{
	char cur[CRM_CURSOR_MAX], t[40];
	long months;
	int rc;

	*modified_after = -1;
	closed_since[0] = '\0';
	if (r->full)
		return 0;
	if (r->since) {
		snprintf(t, sizeof t, strlen(r->since) == 10 ? "%sT00:00:00Z" : "%s", r->since);
		if (crm_api_time_ms(t, modified_after) != 0) {
			cli_msg(stderr, "--since: '%s' is not YYYY-MM-DD or an ISO time", r->since);
			return CLI_EX_USAGE;
		}
		return 0;
	}
	if (r->lookback == 0 && r->db) {
		rc = crm_cursor_get(r->db, r->ws, r->crm, cur, r->err, sizeof r->err);
		if (rc == DB_OK && crm_api_time_ms(cur, modified_after) == 0)
			return 0;
		if (rc < 0) {
			cli_msg(stderr, "%s", r->err);
			return CLI_EX_IOERR;
		}
	}
	months = r->lookback;
	if (months == 0 && conf_long(r->conf, "lookback_months", NULL, NULL, 1, 24, 6, &months,
	    r->err, sizeof r->err) != CONF_OK) {
		cli_msg(stderr, "%s", r->err);
		return CLI_EX_CONFIG;
	}
	date_format(date_months_before(date_today(), (int)months), closed_since);
	return 0;
}

static int
open_source(struct run *r, http_client_t *http)
{
	char base[1024], since[DATE_STRLEN], t[40];
	int64_t after, ms;
	long cap = 0;
	int rc, multi = 0;

	if ((rc = window(r, &after, since)) != 0)
		return rc;
	if (strcmp(r->crm, "hubspot") == 0) {
		struct hubspot_opts o = { 0 };
		if (conf_base_url("HUBSPOT_BASE_URL", HUBSPOT_BASE_URL_DEFAULT, base, sizeof base)) {
			cli_msg(stderr, "HUBSPOT_BASE_URL must start with http:// or https://");
			return CLI_EX_CONFIG;
		}
		if (conf_long(r->conf, "hubspot_search_cap", NULL, NULL, 200, HUBSPOT_SEARCH_CAP,
		    HUBSPOT_SEARCH_CAP, &cap, r->err, sizeof r->err) != CONF_OK) {
			cli_msg(stderr, "%s", r->err);
			return CLI_EX_CONFIG;
		}
		snprintf(t, sizeof t, "%sT00:00:00Z", since);
		o.base_url = base;
		o.token = conf_api_key(r->conf, "hubspot_access_token", "HUBSPOT_ACCESS_TOKEN");
		o.version = conf_string(r->conf, "hubspot_api_version", NULL, "HUBSPOT_API_VERSION",
		    "v3");
		o.modified_after_ms = after;
		o.closed_since_ms = since[0] && crm_api_time_ms(t, &ms) == 0 ? ms : -1;
		o.search_cap = cap;
		o.http = http;
		if (o.token == NULL) {
			cli_msg(stderr, "no HubSpot access token: set hubspot_access_token in %s, or "
			    "HUBSPOT_ACCESS_TOKEN, to a private app's token", conf_path(r->conf));
			return CLI_EX_CONFIG;
		}
		rc = hubspot_new(&o, &r->hs, r->err, sizeof r->err);
		return rc == HUBSPOT_OK ? 0 : (cli_msg(stderr, "%s", r->err), ex_of(r, rc));
	}
	struct salesforce_opts o = { 0 };
	if (conf_bool(r->conf, "salesforce_multi_currency", NULL, NULL, 0, &multi, r->err,
	    sizeof r->err) != CONF_OK) {
		cli_msg(stderr, "%s", r->err);
		return CLI_EX_CONFIG;
	}
	o.login_url = conf_string(r->conf, "salesforce_login_url", NULL, "SALESFORCE_LOGIN_URL",
	    SALESFORCE_LOGIN_URL_DEFAULT);
	o.client_id = conf_api_key(r->conf, "salesforce_client_id", "SALESFORCE_CLIENT_ID");
	o.client_secret = conf_api_key(r->conf, "salesforce_client_secret",
	    "SALESFORCE_CLIENT_SECRET");
	o.refresh_token = conf_api_key(r->conf, "salesforce_refresh_token",
	    "SALESFORCE_REFRESH_TOKEN");
	o.api_version = conf_string(r->conf, "salesforce_api_version", NULL, NULL,
	    SALESFORCE_API_VERSION_DEFAULT);
	o.modified_after_ms = after;
	o.closed_since = since[0] ? since : NULL;
	o.multi_currency = multi;
	o.http = http;
	if (strncmp(o.login_url, "https://", 8) != 0 && strncmp(o.login_url, "http://", 7) != 0) {
		cli_msg(stderr, "salesforce_login_url must start with https://");
		return CLI_EX_CONFIG;
	}
	rc = salesforce_new(&o, &r->sf, r->err, sizeof r->err);
	if (rc == SALESFORCE_EAUTH)
		cli_msg(stderr, "%s: set it in %s, or SALESFORCE_CLIENT_ID, "
		    "SALESFORCE_CLIENT_SECRET, SALESFORCE_REFRESH_TOKEN", r->err, conf_path(r->conf));
	else if (rc != SALESFORCE_OK)
		cli_msg(stderr, "%s", r->err);
	return rc == SALESFORCE_OK ? 0 : ex_of(r, rc);
}

static void
report_limits(const struct run *r)
{
	if (r->hs) {
		const hubspot_stats_t *s = hubspot_stats(r->hs);
		cli_msg(stderr, "hubspot: %lu deals, %ld pages, %ld calls (%ld searches), %ld waits "
		    "for the 10-second window; limits left: daily %ld of %ld, 10-second window %ld "
		    "of %ld", r->out, s->pages, s->calls, s->searches, s->rate_waits,
		    s->daily_remaining, s->daily, s->interval_remaining, s->interval_max);
	} else if (r->sf) {
		const salesforce_stats_t *s = salesforce_stats(r->sf);
		cli_msg(stderr, "salesforce: %lu deals, %ld pages, %ld calls, %ld token refreshes; "
		    "Sforce-Limit-Info %s", r->out, s->pages, s->calls, s->refreshes,
		    s->limit_info[0] ? s->limit_info : "(none)");
	}
}

static int
dry_run(struct run *r)
{
	long total = 0, pages;
	int rc;

	if (r->hs) {
		if ((rc = hubspot_count(r->hs, &total, r->err, sizeof r->err)) != HUBSPOT_OK)
			return cli_msg(stderr, "%s", r->err), ex_of(r, rc);
		pages = (total + HUBSPOT_PAGE - 1) / HUBSPOT_PAGE;
		/* a page: its search, associations both ways and at least one read of each */
		cli_msg(stderr, "hubspot: %ld deals, %ld pages, at least %ld calls (1 pipelines, "
		    "%ld searches, %ld association reads, %ld contact and company reads); 1 call made",
		    total, pages, 1 + pages + 4 * ((total + HUBSPOT_BATCH - 1) / HUBSPOT_BATCH),
		    pages, 2 * ((total + HUBSPOT_BATCH - 1) / HUBSPOT_BATCH),
		    2 * ((total + HUBSPOT_BATCH - 1) / HUBSPOT_BATCH));
	} else {
		if ((rc = salesforce_count(r->sf, &total, r->err, sizeof r->err)) != SALESFORCE_OK)
			return cli_msg(stderr, "%s", r->err), ex_of(r, rc);
		pages = total > 0 ? (total + 1999) / 2000 : 0;
		cli_msg(stderr, "salesforce: %ld deals, about %ld pages (2000 a page, fewer with many "
		    "contact roles), %ld calls (1 token, %ld queries); 2 calls made", total, pages,
		    1 + pages, pages);
	}
	if (r->cli.verbose)
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

	for (;;) {
		rc = r->hs ? hubspot_next(r->hs, &page, r->err, sizeof r->err) :
		    salesforce_next(r->sf, &page, r->err, sizeof r->err);
		if (rc == HUBSPOT_DONE || rc == SALESFORCE_DONE)
			break;
		if (rc != 0) {
			cli_msg(stderr, "%s", r->err);
			if (r->cli.verbose)
				report_limits(r);
			return ex_of(r, rc);
		}
		ex = write_page(r, page);
		json_free(page);
		if (ex != 0)
			return ex;
		if (fflush(stdout) != 0) {
			cli_msg(stderr, "stdout: %s", strerror(errno));
			return CLI_EX_IOERR;
		}
	}
	if (r->cli.verbose)
		report_limits(r);
	cursor = r->hs ? hubspot_cursor(r->hs) : salesforce_cursor(r->sf);
	/* nothing new: the pending cursor is the committed one, so a commit changes nothing */
	if (cursor[0] == '\0' && crm_cursor_get(r->db, r->ws, r->crm, old, r->err,
	    sizeof r->err) == DB_OK)
		cursor = old;
	if (cursor[0] && crm_cursor_set_pending(r->db, r->ws, r->crm, cursor, r->err,
	    sizeof r->err) != DB_OK) {
		cli_msg(stderr, "%s", r->err);
		return CLI_EX_IOERR;
	}
	return r->bad ? CLI_EX_DATAERR : 0;
}

static int
commit(struct run *r)
{
	char cur[CRM_CURSOR_MAX];
	int rc = crm_cursor_commit(r->db, r->ws, r->crm, r->err, sizeof r->err);

	if (rc < 0) {
		cli_msg(stderr, "%s", r->err);
		return CLI_EX_IOERR;
	}
	if (!r->cli.quiet) {
		if (rc == DB_NOTFOUND)
			cli_msg(stderr, "%s: no pull to commit for workspace %s", r->crm, r->ws);
		else if (crm_cursor_get(r->db, r->ws, r->crm, cur, r->err, sizeof r->err) == DB_OK)
			cli_msg(stderr, "%s: workspace %s: the next pull starts after %s", r->crm, r->ws,
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
		case OPT_CRM: r->crm = optarg; continue;
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
		if ((rc = cli_common_opt(&r->cli, opt, optarg, r->err, sizeof r->err)) < 0)
			return cli_msg(stderr, "%s", r->err), CLI_EX_USAGE;
		if (rc == 0)
			return fputs(usage_text, stderr), CLI_EX_USAGE;
	}
	if (optind < argc)
		return cli_msg(stderr, "unexpected argument '%s'", argv[optind]), CLI_EX_USAGE;
	modes = (r->lookback > 0) + (r->since != NULL) + r->full;
	if (modes > 1)
		return cli_msg(stderr, "give one of --lookback-months, --since and --full"),
		    CLI_EX_USAGE;
	if (r->commit && (modes > 0 || r->dry_run))
		return cli_msg(stderr, "--commit takes no other mode"), CLI_EX_USAGE;
	snprintf(r->ws, sizeof r->ws, "%s", r->cli.workspace ? r->cli.workspace : "default");
	if (!conf_workspace_valid(r->ws))
		return cli_msg(stderr, "--workspace: '%s' is not a workspace id (1-64 of A-Z a-z "
		    "0-9 _ . -)", r->ws), CLI_EX_USAGE;
	return 0;
}

int
main(int argc, char **argv)
{
	struct run r = { 0 };
	struct http_opts ho;
	crm_opts_t co = { 0 };
	http_client_t *http = NULL;
	int ex;

	cli_init(argv[0]);
	if ((ex = parse_args(&r, argc, argv)) != 0)
		return ex;
	if ((ex = cli_help_version(&r.cli, usage_text)) >= 0)
		return ex;
	if (conf_load(r.ws, &r.conf, r.err, sizeof r.err) != CONF_OK) {
		cli_msg(stderr, "%s", r.err);
		return CLI_EX_CONFIG;
	}
	ex = CLI_EX_CONFIG;
	r.crm = conf_string(r.conf, "crm", r.crm, NULL, NULL);
	if (r.crm == NULL || (strcmp(r.crm, "hubspot") != 0 && strcmp(r.crm, "salesforce") != 0)) {
		cli_msg(stderr, r.crm ? "crm: '%s' is not hubspot or salesforce" :
		    "which CRM? give --crm hubspot|salesforce, or set crm in %s", r.crm ? r.crm :
		    conf_path(r.conf));
		ex = r.crm ? CLI_EX_USAGE : CLI_EX_CONFIG;
		goto done;
	}
	ex = CLI_EX_IOERR;
	if (conf_db_path(r.cli.db, r.dbdir, sizeof r.dbdir) != 0) {
		cli_msg(stderr, "no db directory: give --db or set DEAL_ENRICH_DB");
		ex = CLI_EX_CONFIG;
		goto done;
	}
	if (db_open(r.dbdir, 0, &r.db, r.err, sizeof r.err) != DB_OK) {
		cli_msg(stderr, "%s", r.err);
		goto done;
	}
	if (r.commit) {
		ex = commit(&r);
		goto done;
	}
	http_opts_default(&ho);
	ho.max_retries = 3;
	ho.max_retries_429 = 0;     /* each CRM reads its own 429s */
	ho.timeout_ms = 60000;
	ho.max_body = (size_t)64 << 20;
	co.workspace = r.ws;
	co.workspace_forced = 1;
	if ((http = http_client_new(&ho)) == NULL || (r.ctx = crm_ctx_new(&co)) == NULL) {
		cli_msg(stderr, "out of memory");
		goto done;
	}
	if ((ex = open_source(&r, http)) != 0)
		goto done;
	ex = r.dry_run ? dry_run(&r) : pull(&r);
	if (cli_close_output(stdout, "stdout", r.err, sizeof r.err) != 0 && ex == 0) {
		cli_msg(stderr, "%s", r.err);
		ex = CLI_EX_IOERR;
	}
done:
	hubspot_free(r.hs);
	salesforce_free(r.sf);
	crm_ctx_free(r.ctx);
	http_client_free(http);
	db_close(r.db);
	conf_free(r.conf);
	return ex;
}
