/*
 * enrich-status: a workspace's configuration, store stats, credit usage and
 * cache, as one JSON object. See man/enrich-status.1.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "cli.h"
#include "conf.h"
#include "crm_source.h"
#include "workspace.h"
#include "db.h"
#include "json.h"
#include "ledger.h"
#include "ndj.h"
#include "store.h"
#include "summary.h"

enum {
	OPT_MONTH = CLI_OPT_FIRST_FREE
};

static const struct option longopts[] = {
	CLI_COMMON_LONGOPTS,
	{ "month", required_argument, NULL, OPT_MONTH },
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
"usage: enrich-status --workspace ID [OPTIONS]\n"
"Prints the workspace's enrichment status as JSON: config (which providers have a\n"
"key, never the key), stats of the closed deals in the store, credits used this\n"
"month per provider next to the budget, the provider cache's size and age, and\n"
"the workspace's CRM: configured, its cursor and the limits it last reported.\n"
"\n"
"      --month YYYY-MM   the month of the usage figures (default: this month, UTC)\n"
CLI_COMMON_HELP;

static const char *const providers[] = { "apollo", "serper", "linkedin", "deepseek" };

static int
valid_month(const char *m)
{
	int i;

	if (strlen(m) != 7 || m[4] != '-')
		return 0;
	for (i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)m[i]))
			return 0;
	return atoi(m + 5) >= 1 && atoi(m + 5) <= 12;
}

int
main(int argc, char **argv)
{
	struct cli_common com = { 0 };
	const char *month_flag = NULL, *ws;
	char err[512], dbdir[4096], month[16], last[32];
	int opt, rc, ex = CLI_EX_OK, b;
	long lookback, cache_days;
	workspace_t *wsp = NULL;
	const conf_t *conf = NULL;
	db_t *db = NULL;
	json_t *out = NULL, *o, *u, *p, *cache = NULL, *crm = NULL;
	struct store_stats st;
	time_t now = time(NULL);
	size_t i;

	cli_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == OPT_MONTH) {
			month_flag = optarg;
			continue;
		}
		if ((rc = cli_other_opt(&com, opt, optarg, usage)) != 0)
			return rc;
	}
	if ((rc = cli_finish_opts(&com, usage, argc, argv, NULL)) >= 0)
		return rc;
	ws = com.workspace;
	if (ws == NULL) {
		cli_msg(stderr, "which workspace? give --workspace ID");
		return CLI_EX_USAGE;
	}
	if (!conf_workspace_valid(ws)) {
		cli_msg(stderr, "--workspace: '%s' is not a workspace id", ws);
		return CLI_EX_USAGE;
	}
	if (month_flag && !valid_month(month_flag)) {
		cli_msg(stderr, "--month: '%s' is not YYYY-MM", month_flag);
		return CLI_EX_USAGE;
	}
	if (month_flag)
		snprintf(month, sizeof month, "%s", month_flag);
	else
		ledger_month(now, month, sizeof month);

	rc = workspace_open(ws, NULL, &wsp, err, sizeof err);
	if (rc != WORKSPACE_OK) {
		cli_msg(stderr, "%s", err);
		return rc == WORKSPACE_ENOMEM ? CLI_EX_IOERR : CLI_EX_CONFIG;
	}
	conf = workspace_conf(wsp);
	cache_days = workspace_cache_days(wsp);
	if (conf_bool(conf, "auto_enrich_on_close", NULL, "DEAL_ENRICH_AUTO_ENRICH_ON_CLOSE", 1,
	    &b, err, sizeof err) != CONF_OK ||
	    conf_long(conf, "lookback_months", NULL, "DEAL_ENRICH_LOOKBACK_MONTHS", 1, 24, 6,
	    &lookback, err, sizeof err) != CONF_OK) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_CONFIG;
		goto done;
	}

	/* A db nobody wrote yet is an empty one: a new user's state. */
	if ((ex = cli_open_db(&com, CLI_DB_READ, &db, dbdir, sizeof dbdir)) != 0)
		goto done;

	if ((out = json_new_object()) == NULL)
		goto nomem;
	rc = json_set_str(out, "workspace", ws);
	rc |= json_set(out, "config", o = json_new_object());
	if (rc)
		goto nomem;
	rc |= json_set_bool(o, "apollo_configured",
	    workspace_key(wsp, WS_APOLLO) != NULL);
	rc |= json_set_bool(o, "serper_configured",
	    workspace_key(wsp, WS_SERPER) != NULL);
	rc |= json_set_bool(o, "linkedin_configured",
	    workspace_key(wsp, WS_LINKEDIN) != NULL);
	rc |= json_set_bool(o, "deepseek_configured",
	    workspace_key(wsp, WS_DEEPSEEK) != NULL);
	rc |= json_set_bool(o, "auto_enrich_on_close", b);
	rc |= json_set_int(o, "lookback_months", lookback);
	rc |= json_set_int(o, "cache_days", cache_days);

	memset(&st, 0, sizeof st);
	if (db && store_stats(db, ws, &st, err, sizeof err) != DB_OK) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
		goto done;
	}
	rc |= json_set(out, "stats", o = json_new_object());
	if (rc)
		goto nomem;
	rc |= json_set_int(o, "total_closed_deals", st.deals);
	rc |= json_set_int(o, "enriched_deals", st.enriched_deals);
	rc |= json_set_int(o, "partial_deals", st.partial_deals);
	rc |= json_set_int(o, "failed_deals", st.failed_deals);
	rc |= json_set_int(o, "total_deal_contacts", st.contacts);
	rc |= json_set_int(o, "roles_resolved", st.roles_resolved);
	rc |= json_set_int(o, "apollo_enriched", st.apollo_enriched);
	rc |= json_set_int(o, "accounts_with_signals", st.accounts_with_signals);
	last[0] = '\0';
	if (db && (rc = store_get_last_run(db, ws, last, sizeof last, err, sizeof err)) < 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
		goto done;
	}
	rc = last[0] ? json_set_str(o, "last_run_at", last) : json_set_null(o, "last_run_at");

	rc |= json_set(out, "usage", u = json_new_object());
	if (rc)
		goto nomem;
	rc |= json_set_str(u, "month", month);
	for (i = 0; i < sizeof providers / sizeof providers[0]; i++) {
		struct ledger_usage lu = { 0, 0, 0 };
		char key[64], num[64];
		const char *v;
		double budget;
		int limited;

		snprintf(key, sizeof key, "%s_monthly_budget", providers[i]);
		if (workspace_get(wsp, key, num, sizeof num, &v, err, sizeof err) != WORKSPACE_OK) {
			cli_msg(stderr, "%s", err);
			ex = CLI_EX_CONFIG;
			goto done;
		}
		limited = v != NULL;
		budget = v ? strtod(v, NULL) : 0;
		if (db && ledger_get(db, ws, providers[i], month, &lu, err, sizeof err) != DB_OK) {
			cli_msg(stderr, "%s", err);
			ex = CLI_EX_IOERR;
			goto done;
		}
		rc |= json_set(u, providers[i], p = json_new_object());
		if (rc)
			goto nomem;
		rc |= json_set_int(p, "calls", lu.calls);
		rc |= json_set_double(p, "credits", lu.credits);
		rc |= json_set_int(p, "tokens", lu.tokens);
		rc |= limited ? json_set_double(p, "budget", budget) : json_set_null(p, "budget");
		rc |= limited ? json_set_double(p, "remaining", budget - lu.credits > 0 ?
		    budget - lu.credits : 0) : json_set_null(p, "remaining");
	}
	if (rc)
		goto nomem;

	if (summary_cache(db, ws, now, cache_days, &cache, NULL, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (json_set(out, "cache", cache) != JSON_OK)
		goto nomem;
	if ((rc = crm_source_status(wsp, db, &crm, err, sizeof err)) != CRM_SOURCE_OK) {
		cli_msg(stderr, "%s", err);
		ex = rc == CRM_SOURCE_ECONFIG ? CLI_EX_CONFIG : CLI_EX_IOERR;
		goto done;
	}
	if (json_set(out, "crm", crm) != JSON_OK)
		goto nomem;
	if (json_set_str(out, "db", dbdir) != JSON_OK)
		goto nomem;
	if (ndj_write(stdout, out, 0) != 0 ||
	    cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "error writing stdout: %s", strerror(errno));
		ex = CLI_EX_IOERR;
	}
	goto done;
nomem:
	cli_msg(stderr, "out of memory");
	ex = CLI_EX_IOERR;
done:
	json_free(out);
	db_close(db);
	workspace_free(wsp);
	return ex;
}
