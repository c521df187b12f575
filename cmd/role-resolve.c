/*
 * role-resolve: the buying role of every contact of every deal, with its
 * confidence and source (DESIGN §3), from the CRM's contact roles, deal fields
 * naming contacts, Apollo's seniority, the contact's role on other deals of
 * the account, and job-title rules; optionally DeepSeek for what the rules
 * leave unresolved.
 *
 *   ... | apollo-enrich | serper-signals | role-resolve | deals-load
 *
 * The logic is in lib/roles.c (evidence, tables), lib/names.c (matching names)
 * and lib/roles_run.c (the stream and the LLM layer); this file parses
 * options and runs the loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_http.h"
#include "cli_stage.h"
#include "conf.h"
#include "db.h"
#include "json.h"
#include "llm.h"
#include "ndj.h"
#include "roles.h"
#include "roles_run.h"

enum {
	OPT_LLM = CLI_OPT_FIRST_FREE,
	OPT_MODEL,
	OPT_BATCH,
	OPT_CACHE_DAYS,
	OPT_DRY_RUN,
	OPT_NO_STORE,
	OPT_STREAM_MEMORY,
	OPT_CRM_LABEL,
	OPT_DEAL_FIELD,
	OPT_PRINT_TABLES,
	OPT_EXPLAIN,
	OPT_HTTP    /* and the CLI_HTTP_NOPTS after it */
};

static const char usage[] =
"usage: role-resolve [--llm] [options] < deals.ndjson > deals.ndjson\n"
"\n"
"Sets buying_role, role_confidence and role_source on every contact and\n"
"roles_summary on every deal, from the strongest evidence there is:\n"
"  crm_contact_role 0.95    the contact's crm_role (HubSpot label, Salesforce role)\n"
"  crm_deal_field 0.85      a deal field naming the contact (champion_name, ...)\n"
"  apollo_seniority 0.75    Apollo seniority owner, founder or c_suite\n"
"  cross_deal_pattern 0.70  the contact's role on another deal of the account\n"
"  llm 0.60                 (--llm) DeepSeek, for contacts no rule placed\n"
"  title_inference 0.50     rules on the job title\n"
"A weaker source never replaces a stronger role, also one already on the input.\n"
"\n"
"      --llm               ask DeepSeek about contacts no rule placed (their title,\n"
"                          seniority and departments only; answers cached)\n"
"      --model NAME        DeepSeek model (default: deepseek_model, else deepseek-flash)\n"
"      --llm-batch N       contacts per DeepSeek call, 1-100 (default 20)\n"
"      --cache-days N      days a cached answer stays good, 1-3650 (default cache_days, 90)\n"
"      --timeout-ms N      longest a DeepSeek call may take, queueing included (default\n"
"                          600000: a queued request may wait 10 minutes)\n"
"      --retries N         retries of timeouts, cut-off answers and 5xx (default 2)\n"
"      --backoff-ms N      first backoff of those retries, doubled each time, plus\n"
"                          jitter (default 1000)\n"
"      --retry-429 N       retries after a 429 (default 1)\n"
"      --backoff-429-ms N  wait after a 429 without Retry-After (default 10000)\n"
"      --dry-run           with --llm: ask nothing, say how many questions and calls\n"
"      --no-store          do not read other deals' roles from the db\n"
"      --stream-memory N   contacts remembered from earlier records of the stream for\n"
"                          cross-deal roles, 0-10000000 (default 100000; oldest forgotten)\n"
"      --crm-label L=ROLE  map the CRM label L to ROLE (or none); repeatable\n"
"      --deal-field F=ROLE the deal field F names a contact of role ROLE; repeatable\n"
"      --print-tables      print the CRM labels, deal fields and title rules, and exit\n"
"      --explain TITLE     print the role of a job title and the rule that gave it, and exit\n"
CLI_COMMON_HELP
"\n"
"Roles: decision_maker economic_buyer champion technical_evaluator influencer end_user blocker.\n"
"Key: deepseek_api_key / DEEPSEEK_API_KEY (only with --llm).\n"
"Exit: 0 ok, 1 some DeepSeek calls failed, 64 usage, 65 bad input lines, 74 I/O error\n"
"(stdout, db), 75 the DeepSeek budget was reached, 78 bad configuration.\n";

static void
print_label(const char *label, int role)
{
	printf("  %-28s %s\n", label, role >= 0 ? roles_name(role) : "(no role)");
}

static void
print_tables(void)
{
	size_t i;

	printf("CRM contact-role labels (crm_role; compared folded, blanks ignored):\n");
	for (i = 0; roles_crm_labels[i].label; i++)
		print_label(roles_crm_labels[i].label, roles_crm_labels[i].role);
	printf("\nDeal fields naming contacts (custom_fields or the record; prefixes");
	for (i = 0; roles_deal_field_prefixes[i]; i++)
		printf(" %s", roles_deal_field_prefixes[i]);
	printf(";\nsuffixes");
	for (i = 0; roles_deal_field_suffixes[i]; i++)
		printf(" %s", roles_deal_field_suffixes[i]);
	printf("; Salesforce __c dropped):\n");
	for (i = 0; roles_deal_fields[i].label; i++)
		print_label(roles_deal_fields[i].label, roles_deal_fields[i].role);
	printf("\nApollo seniorities meaning decision_maker:");
	for (i = 0; roles_decision_seniorities[i]; i++)
		printf(" %s", roles_decision_seniorities[i]);
	printf("\n\nTitle words replaced first:\n");
	for (i = 0; roles_title_words[i][0]; i++)
		printf("  %-20s -> %s\n", roles_title_words[i][0], roles_title_words[i][1]);
	printf("\nTitle word lists:\n");
	for (i = 0; roles_title_macros[i][0]; i++)
		printf("  %s = %s\n", roles_title_macros[i][0], roles_title_macros[i][1]);
	printf("\nTitle rules (first match wins):\n");
	for (i = 0; roles_title_rules[i].pattern; i++)
		printf("  %2zu %-20s %s\n     e.g. %s\n", i + 1,
		    roles_title_rules[i].role >= 0 ? roles_name(roles_title_rules[i].role) :
		    "(unresolved)", roles_title_rules[i].pattern, roles_title_rules[i].example);
}

static int
explain(roles_t *roles, const char *title)
{
	int rule, role = roles_title(roles, title, &rule);

	printf("%s\t%s\t", title, role >= 0 ? roles_name(role) : "null");
	if (rule >= 0)
		printf("rule %d: %s\n", rule + 1, roles_title_rules[rule].pattern);
	else
		printf("no rule\n");
	return 0;
}

struct map {
	char *name;
	int role;
	int field;
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "llm", no_argument, NULL, OPT_LLM },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "llm-batch", required_argument, NULL, OPT_BATCH },
		{ "cache-days", required_argument, NULL, OPT_CACHE_DAYS },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "no-store", no_argument, NULL, OPT_NO_STORE },
		{ "stream-memory", required_argument, NULL, OPT_STREAM_MEMORY },
		{ "crm-label", required_argument, NULL, OPT_CRM_LABEL },
		{ "deal-field", required_argument, NULL, OPT_DEAL_FIELD },
		{ "print-tables", no_argument, NULL, OPT_PRINT_TABLES },
		{ "explain", required_argument, NULL, OPT_EXPLAIN },
		CLI_HTTP_LONGOPTS("", OPT_HTTP),
		{ NULL, 0, NULL, 0 }
	};
	struct cli_common cc = { 0 };
	struct roles_run_opts ro = { 0 };
	struct http_opts ho;
	struct map *maps = NULL;
	size_t nmaps = 0, i;
	const char **explains = NULL;
	size_t nexplain = 0;
	char err[512], dbdir[4096];
	long n;
	int opt, rc, status = CLI_EX_OK, no_store = 0, tables = 0;
	FILE *rejects = NULL;
	ndj_reader_t *rd = NULL;
	roles_run_t *run = NULL;
	db_t *db = NULL;

	cli_init("role-resolve");
	ro.stream_cap = ROLES_STREAM_CAP_DEFAULT;
	llm_http_opts(&ho);
	ro.llm_http = &ho;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			cc.want_help = 1;
			continue;
		}
		switch (opt) {
		case OPT_LLM:
			ro.llm = 1;
			break;
		case OPT_MODEL:
			if (*optarg == '\0') {
				cli_msg(stderr, "--model: empty model name");
				status = CLI_EX_USAGE;
				goto out;
			}
			ro.model_flag = optarg;
			break;
		case OPT_BATCH:
			if (cli_parse_long("--llm-batch", optarg, 1, 100, &n, err, sizeof err) != 0) {
				cli_msg(stderr, "%s", err);
				status = CLI_EX_USAGE;
				goto out;
			}
			ro.batch = (size_t)n;
			break;
		case OPT_CACHE_DAYS:
			if (cli_parse_long("--cache-days", optarg, 1, 3650, &n, err, sizeof err) != 0) {
				cli_msg(stderr, "%s", err);
				status = CLI_EX_USAGE;
				goto out;
			}
			ro.cache_days_flag = optarg;
			break;
		case OPT_DRY_RUN:
			ro.dry_run = 1;
			break;
		case OPT_NO_STORE:
			no_store = 1;
			break;
		case OPT_STREAM_MEMORY:
			if (cli_parse_long("--stream-memory", optarg, 0, 10000000, &n, err,
			    sizeof err) != 0) {
				cli_msg(stderr, "%s", err);
				status = CLI_EX_USAGE;
				goto out;
			}
			ro.stream_cap = (size_t)n;
			break;
		case OPT_CRM_LABEL:
		case OPT_DEAL_FIELD: {
			struct map *m = realloc(maps, (nmaps + 1) * sizeof *m);

			if (m == NULL) {
				cli_msg(stderr, "out of memory");
				status = CLI_EX_IOERR;
				goto out;
			}
			maps = m;
			m = &maps[nmaps];
			m->field = opt == OPT_DEAL_FIELD;
			if (roles_run_parse_map(optarg, &m->name, &m->role, err, sizeof err) != 0) {
				cli_msg(stderr, "%s: %s", m->field ? "--deal-field" : "--crm-label", err);
				status = CLI_EX_USAGE;
				goto out;
			}
			if (m->field && m->role < 0) {
				free(m->name);
				cli_msg(stderr, "--deal-field: a field must name a role, not none");
				status = CLI_EX_USAGE;
				goto out;
			}
			nmaps++;
			break;
		}
		case OPT_PRINT_TABLES:
			tables = 1;
			break;
		case OPT_EXPLAIN: {
			const char **e = realloc(explains, (nexplain + 1) * sizeof *e);

			if (e == NULL) {
				cli_msg(stderr, "out of memory");
				status = CLI_EX_IOERR;
				goto out;
			}
			explains = e;
			explains[nexplain++] = optarg;
			break;
		}
		default:
			if ((rc = cli_http_opt(&ho, OPT_HTTP, "", opt, optarg, err, sizeof err)) != 0) {
				if (rc > 0)
					break;
				cli_msg(stderr, "%s", err);
				status = CLI_EX_USAGE;
				goto out;
			}
			if ((status = cli_other_opt(&cc, opt, optarg, usage)) != 0)
				goto out;
		}
	}
	if ((rc = cli_help_version(&cc, usage)) >= 0) {
		status = rc;
		goto free;
	}
	if (tables) {
		print_tables();
		goto out;
	}
	if (optind < argc) {
		cli_msg(stderr, "unexpected argument '%s' (records are read on stdin)", argv[optind]);
		status = CLI_EX_USAGE;
		goto out;
	}
	if (ro.dry_run && !ro.llm) {
		cli_msg(stderr, "--dry-run only means something with --llm (the rules cost nothing)");
		status = CLI_EX_USAGE;
		goto out;
	}
	if (cc.workspace && !conf_workspace_valid(cc.workspace)) {
		cli_msg(stderr, "--workspace '%s': not a usable workspace id (1-64 of A-Z a-z 0-9 _ . -)",
		    cc.workspace);
		status = CLI_EX_USAGE;
		goto out;
	}

	/* The db: read for the cross-deal index; written for --llm's cache and ledger. */
	if (nexplain == 0 && (ro.llm || !no_store)) {
		if (conf_db_path(cc.db, dbdir, sizeof dbdir) != 0) {
			if (ro.llm) {
				cli_msg(stderr, "no db directory: give --db, or set DEAL_ENRICH_DB or HOME");
				status = CLI_EX_CONFIG;
				goto out;
			}
		} else if (ro.llm) {
			if (db_open(dbdir, 0, &db, err, sizeof err) != DB_OK) {
				cli_msg(stderr, "%s", err);
				status = CLI_EX_IOERR;
				goto out;
			}
		} else {
			/* An existing directory that holds no db yet is no store, like an absent one. */
			rc = db_open_existing(dbdir, 1, &db, err, sizeof err);
			if (rc == DB_NOTFOUND) {
				db = NULL;
				if (cc.verbose)
					cli_msg(stderr, "db %s: no db yet: no cross-deal roles from the store",
					    dbdir);
			} else if (rc != DB_OK) {
				if (strstr(err, "no table") == NULL) {
					cli_msg(stderr, "%s", err);
					status = CLI_EX_IOERR;
					goto out;
				}
				if (cc.verbose)
					cli_msg(stderr, "%s: no cross-deal roles from the store", err);
				db = NULL;
			}
		}
	}
	ro.db = db;
	ro.use_store = !no_store && db != NULL;
	ro.workspace = cc.workspace;
	ro.verbose = cc.verbose;
	ro.notice = cli_notice;
	ro.notice_ctx = &cc;
	if (roles_run_new(&ro, &run, err, sizeof err) != ROLES_RUN_OK) {
		cli_msg(stderr, "%s", err);
		status = CLI_EX_IOERR;
		goto out;
	}
	for (i = 0; i < nmaps; i++) {
		rc = maps[i].field ? roles_add_deal_field(roles_run_roles(run), maps[i].name, maps[i].role) :
		    roles_add_crm_label(roles_run_roles(run), maps[i].name, maps[i].role);
		if (rc != 0) {
			cli_msg(stderr, "%s '%s': an empty name (or out of memory)",
			    maps[i].field ? "--deal-field" : "--crm-label", maps[i].name);
			status = CLI_EX_USAGE;
			goto out;
		}
	}
	if (nexplain) {
		for (i = 0; i < nexplain; i++)
			explain(roles_run_roles(run), explains[i]);
		goto out;
	}
	if ((status = cli_open_input(&cc, &rejects, &rd)) != 0)
		goto out;
	if ((status = cli_stage_run(&roles_run_stage, run, rd, &cc, ro.dry_run)) != CLI_EX_OK)
		goto out;
	{
		const struct roles_stats *s = roles_stats(roles_run_roles(run));
		const struct roles_run_stats *rs = roles_run_stats(run);
		unsigned long cnt;
		const char *label;
		buf_t b;

		buf_init(&b, 4096);
		for (i = 0; (label = roles_unknown_label(roles_run_roles(run), i, &cnt)) != NULL; i++)
			if (i < 10)
				buf_addf(&b, "%s\"%s\" (%lu)", i ? ", " : "", label, cnt);
		if (i > 10)
			buf_addf(&b, " and %zu more", i - 10);
		if (i && !cc.quiet)
			cli_msg(stderr, "CRM role labels not in the table (kept in crm_role, no role "
			    "from them; map them with --crm-label): %s", buf_ptr(&b));
		buf_free(&b);
		if (cc.verbose) {
			cli_msg(stderr, "%lu records, %lu contacts: %lu with a role (%lu kept from the "
			    "input), %lu without", s->records, s->contacts, s->resolved, s->kept_input,
			    s->unresolved);
			cli_msg(stderr, "by source: crm_contact_role %lu, crm_deal_field %lu, "
			    "apollo_seniority %lu, cross_deal_pattern %lu (%lu from the store, %lu from "
			    "the stream), llm %lu, title_inference %lu", s->by_source[0], s->by_source[1],
			    s->by_source[2], s->by_source[3], s->store_hits, s->stream_hits,
			    s->by_source[4], s->by_source[5]);
			cli_msg(stderr, "deal fields: %lu names, %lu matching no contact (or several)",
			    s->field_names, s->field_unmatched);
			if (ro.llm)
				cli_msg(stderr, "llm: %lu contacts asked about, %lu answered from the cache, "
				    "%lu questions in %lu calls (%lld tokens), %lu placed, %lu calls failed",
				    rs->llm_wanted, rs->llm_cached, rs->llm_questions, rs->llm_calls,
				    rs->llm_tokens, rs->llm_placed, rs->llm_failed);
		}
		if (rs->db_error)
			status = CLI_EX_IOERR;
		else if (ndj_bad_lines(rd) > 0)
			status = CLI_EX_DATAERR;
		else if (rs->budget_reached)
			status = CLI_EX_TEMPFAIL;
		else if (rs->llm_failed)
			status = CLI_EX_PROVIDER;
	}
out:
	/* closes stdout (and the rejects), says how many lines were malformed */
	status = cli_stage_end(&cc, rd, rejects, status);
free:
	roles_run_free(run);
	db_close(db);
	for (i = 0; i < nmaps; i++)
		free(maps[i].name);
	free(maps);
	free(explains);
	return status;
}
