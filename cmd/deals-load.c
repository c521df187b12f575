/*
 * deals-load: enriched deal records into the store (LMDB), or as PostgreSQL
 * upserts on stdout (--sql). See man/deals-load.1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "cache.h"
#include "cli.h"
#include "conf.h"
#include "db.h"
#include "json.h"
#include "ndj.h"
#include "sql.h"
#include "store.h"

enum {
	OPT_SQL = CLI_OPT_FIRST_FREE,
	OPT_SQL_SCHEMA,
	OPT_NO_SCHEMA,
	OPT_TEE,
	OPT_BATCH
};

static const struct option longopts[] = {
	CLI_COMMON_LONGOPTS,
	{ "sql", no_argument, NULL, OPT_SQL },
	{ "sql-schema", no_argument, NULL, OPT_SQL_SCHEMA },
	{ "no-schema", no_argument, NULL, OPT_NO_SCHEMA },
	{ "tee", no_argument, NULL, OPT_TEE },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
"usage: deals-load [OPTIONS] < records.ndjson\n"
"Merges enriched deal records into the store (LMDB) without losing data, keeps\n"
"the cross-deal role index, and prints a JSON run report.\n"
"\n"
"      --tee             pass the records through to stdout; the report goes to stderr\n"
"      --sql             write one PostgreSQL transaction of upserts to stdout instead\n"
"                        of the store (pipe it into psql); the report goes to stderr\n"
"      --no-schema       with --sql: leave out the CREATE TABLE IF NOT EXISTS statements\n"
"      --sql-schema      print the PostgreSQL DDL and exit\n"
"      --batch N         deals written per db transaction (1-100000, default 256)\n"
CLI_COMMON_HELP;

/* The run report of one workspace. */
struct wsrep {
	char ws[72];
	store_counter_t *counter;
	long unchanged;
};

struct run {
	struct wsrep *w;
	size_t n;
};

static struct wsrep *
run_ws(struct run *r, const char *ws)
{
	struct wsrep *w;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->w[i].ws, ws) == 0)
			return &r->w[i];
	if ((w = realloc(r->w, (r->n + 1) * sizeof *w)) == NULL)
		return NULL;
	r->w = w;
	w = &r->w[r->n];
	memset(w, 0, sizeof *w);
	snprintf(w->ws, sizeof w->ws, "%s", ws);
	if ((w->counter = store_counter_new()) == NULL)
		return NULL;
	r->n++;
	return w;
}

static void
run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		store_counter_free(r->w[i].counter);
	free(r->w);
}

static int
print_report(FILE *to, const char *ws, const store_counter_t *c, long unchanged,
    unsigned long bad, const char *run_at, int store_mode)
{
	struct store_stats st = { 0 };
	json_t *o = json_new_object();
	int rc;

	if (c)
		store_counter_get(c, &st);
	if (o == NULL)
		return -1;
	rc = ws ? json_set_str(o, "workspace", ws) : json_set_null(o, "workspace");
	rc |= json_set_int(o, "deals", st.deals);
	rc |= json_set_int(o, "enriched_deals", st.enriched_deals);
	rc |= json_set_int(o, "partial_deals", st.partial_deals);
	rc |= json_set_int(o, "failed_deals", st.failed_deals);
	rc |= json_set_int(o, "contacts", st.contacts);
	rc |= json_set_int(o, "roles_resolved", st.roles_resolved);
	rc |= json_set_int(o, "apollo_enriched", st.apollo_enriched);
	rc |= json_set_int(o, "accounts_with_signals", st.accounts_with_signals);
	if (store_mode)
		rc |= json_set_int(o, "unchanged_deals", unchanged);
	rc |= json_set_int(o, "bad_lines", (int64_t)bad);
	rc |= json_set_str(o, "run_at", run_at);
	if (rc == 0)
		rc = ndj_write(to, o, 0);
	json_free(o);
	return rc;
}

/* Writes a record a later check refused to the rejects file. */
static void
reject(FILE *rejects, const json_t *rec)
{
	buf_t b;

	if (rejects == NULL)
		return;
	buf_init(&b, (size_t)1 << 30);
	if (json_dump(rec, &b) == JSON_OK && buf_addc(&b, '\n') == BUF_OK)
		fwrite(buf_ptr(&b), 1, buf_len(&b), rejects);
	buf_free(&b);
}

int
main(int argc, char **argv)
{
	struct cli_common com = { 0 };
	struct run run = { 0 };
	int opt, sql = 0, want_schema = 0, no_schema = 0, tee = 0, ex = CLI_EX_OK, rc;
	long batch = 256;
	char err[512], run_at[32];
	FILE *rejects = NULL, *report_to;
	ndj_reader_t *rd = NULL;
	store_loader_t *loader = NULL;
	db_t *db = NULL;
	json_t *rec = NULL;
	unsigned long bad = 0;
	time_t now = time(NULL);
	buf_t out, idbuf, akey;
	size_t i;

	cli_init(argv[0]);
	buf_init(&out, (size_t)1 << 30);
	buf_init(&idbuf, 4096);
	buf_init(&akey, 4096);
	cache_time_format(now, run_at, sizeof run_at);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_SQL:
			sql = 1;
			continue;
		case OPT_SQL_SCHEMA:
			want_schema = 1;
			continue;
		case OPT_NO_SCHEMA:
			no_schema = 1;
			continue;
		case OPT_TEE:
			tee = 1;
			continue;
		case OPT_BATCH:
			if (cli_parse_long("--batch", optarg, 1, 100000, &batch, err, sizeof err) != 0) {
				cli_msg(stderr, "%s", err);
				return CLI_EX_USAGE;
			}
			continue;
		}
		if ((rc = cli_other_opt(&com, opt, optarg, usage)) != 0)
			return rc;
	}
	if ((rc = cli_finish_opts(&com, usage, argc, argv, "records come on stdin")) >= 0)
		return rc;
	if (want_schema) {
		fputs(sql_schema(), stdout);
		if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
			cli_msg(stderr, "%s", err);
			return CLI_EX_IOERR;
		}
		return 0;
	}
	if (sql && tee) {
		cli_msg(stderr, "--sql and --tee both want stdout; give one");
		return CLI_EX_USAGE;
	}
	if (com.workspace && !conf_workspace_valid(com.workspace)) {
		cli_msg(stderr, "--workspace: '%s' is not a workspace id (1-64 of A-Z a-z 0-9 _ . -)",
		    com.workspace);
		return CLI_EX_USAGE;
	}
	if (!sql) {
		if ((rc = cli_open_db(&com, CLI_DB_CREATE, &db, NULL, 0)) != 0)
			return rc;
		if ((loader = store_loader_new(db, (size_t)batch)) == NULL) {
			cli_msg(stderr, "out of memory");
			ex = CLI_EX_IOERR;
			goto done;
		}
	}
	if ((ex = cli_open_input(&com, &rejects, &rd)) != 0)
		goto done;
	if (sql) {
		if (sql_begin(&out, !no_schema) != 0) {
			cli_msg(stderr, "out of memory");
			ex = CLI_EX_IOERR;
			goto done;
		}
		fwrite(buf_ptr(&out), 1, buf_len(&out), stdout);
		buf_reset(&out);
	}
	for (;;) {
		struct store_deal_numbers nums;
		struct wsrep *w;
		const char *ws;

		json_free(rec);
		rec = NULL;
		rc = cli_next_record(rd, stderr, &rec);
		if (rc == CLI_REC_EOF)
			break;
		if (rc != CLI_REC_OK) {
			ex = CLI_EX_IOERR;
			goto done;
		}
		ws = com.workspace ? com.workspace : json_str(json_get(rec, "workspace_id"));
		if (ws == NULL || !conf_workspace_valid(ws)) {
			bad++;
			cli_msg(stderr, "stdin:%lu: %s", ndj_line(rd), ws == NULL ?
			    "no workspace_id (give --workspace)" : "workspace_id is not a workspace id");
			reject(rejects, rec);
			continue;
		}
		if (store_deal_id(rec, &idbuf) != 0) {
			bad++;
			cli_msg(stderr, "stdin:%lu: no deal_id", ndj_line(rd));
			reject(rejects, rec);
			continue;
		}
		if ((w = run_ws(&run, ws)) == NULL || account_key(rec, &akey) < 0) {
			cli_msg(stderr, "out of memory");
			ex = CLI_EX_IOERR;
			goto done;
		}
		if (sql) {
			if (sql_record(&out, ws, rec, now) != 0) {
				cli_msg(stderr, "stdin:%lu: out of memory", ndj_line(rd));
				ex = CLI_EX_IOERR;
				goto done;
			}
			if (fwrite(buf_ptr(&out), 1, buf_len(&out), stdout) != buf_len(&out)) {
				cli_msg(stderr, "error writing stdout: %s", strerror(errno));
				ex = CLI_EX_IOERR;
				goto done;
			}
			buf_reset(&out);
			store_numbers(rec, store_deal_status(rec), &nums);
		} else {
			rc = store_load(loader, ws, rec, now, &nums, err, sizeof err);
			if (rc != DB_OK) {
				cli_msg(stderr, "stdin:%lu: %s", ndj_line(rd), err);
				ex = CLI_EX_IOERR;
				goto done;
			}
			if (!nums.changed)
				w->unchanged++;
		}
		if (store_counter_add(w->counter, buf_ptr(&idbuf), buf_ptr(&akey), &nums) != 0) {
			cli_msg(stderr, "out of memory");
			ex = CLI_EX_IOERR;
			goto done;
		}
		if (tee && ndj_write(stdout, rec, com.unbuffered) != 0) {
			cli_msg(stderr, "error writing stdout: %s", strerror(errno));
			ex = CLI_EX_IOERR;
			goto done;
		}
	}
	if (loader && store_loader_flush(loader, err, sizeof err) != DB_OK) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
		goto done;
	}
	for (i = 0; db && i < run.n; i++)
		if (store_set_last_run(db, run.w[i].ws, now, err, sizeof err) != DB_OK) {
			cli_msg(stderr, "%s", err);
			ex = CLI_EX_IOERR;
			goto done;
		}
	if (sql) {
		if (sql_commit(&out) != 0) {
			cli_msg(stderr, "out of memory");
			ex = CLI_EX_IOERR;
			goto done;
		}
		fwrite(buf_ptr(&out), 1, buf_len(&out), stdout);
	}
	bad += ndj_bad_lines(rd);
	report_to = sql || tee ? stderr : stdout;
	if (!(report_to == stderr && com.quiet)) {
		if (run.n == 0)
			rc = print_report(report_to, com.workspace, NULL, 0, bad, run_at, !sql);
		else
			for (i = 0, rc = 0; i < run.n && rc == 0; i++)
				rc = print_report(report_to, run.w[i].ws, run.w[i].counter,
				    run.w[i].unchanged, bad, run_at, !sql);
		if (rc != 0 && report_to == stdout) {
			cli_msg(stderr, "error writing stdout: %s", strerror(errno));
			ex = CLI_EX_IOERR;
			goto done;
		}
	}
	if (bad)
		ex = CLI_EX_DATAERR;
done:
	json_free(rec);
	ndj_reader_free(rd);
	store_loader_free(loader);
	db_close(db);
	run_free(&run);
	buf_free(&out);
	buf_free(&idbuf);
	buf_free(&akey);
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
	}
	if (rejects && (cli_close_output(rejects, com.rejects, err, sizeof err) != 0 ||
	    fclose(rejects) != 0)) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
	}
	return ex;
}
