/*
 * lead-score: the workspace's profile (icp-profile) applied to a stream of
 * records: each gets "lead_score", every other byte kept. A filter; jq and
 * sort do the ranking. See man/lead-score.1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conf.h"
#include "db.h"
#include "icp_attrs.h"
#include "icp_profile.h"
#include "icp_score.h"
#include "jedit.h"
#include "json.h"
#include "jspan.h"
#include "ndj.h"

enum { OPT_PROFILE = CLI_OPT_FIRST_FREE };

static const struct option longopts[] = {
	CLI_COMMON_LONGOPTS,
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
"usage: lead-score (--workspace ID | --profile FILE) [options] < records.ndjson\n"
"Adds \"lead_score\": {\"score\": 0-100, \"win_probability\": p, \"reasons\": [...],\n"
"\"profile_at\"} to each record (open deals from deals-extract --all or crm-pull,\n"
"enriched account lists), keeping every other byte, from the workspace's current\n"
"profile in the db (made by icp-profile) or a profile FILE (icp-profile's JSON).\n"
"A record with no attribute gets the base win rate and the reason \"no data\".\n"
"\n"
"      --profile FILE    the profile to apply instead of the workspace's\n"
CLI_COMMON_HELP
"Exit: 0 ok, 64 usage, 65 bad input lines (the others are scored), 74 I/O error,\n"
"78 no profile for the workspace (run icp-profile).\n";

/* The profile of --profile FILE or of the workspace; exit code or 0. */
static int
read_profile(const struct cli_common *com, const char *file, json_t **out)
{
	char err[512];
	db_t *db = NULL;
	FILE *f;
	buf_t b;
	int rc;

	*out = NULL;
	if (file) {
		char chunk[65536];
		size_t n;

		if ((f = fopen(file, "r")) == NULL) {
			cli_msg(stderr, "%s: %s", file, strerror(errno));
			return CLI_EX_IOERR;
		}
		buf_init(&b, (size_t)64 << 20);
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			if (buf_add(&b, chunk, n) != BUF_OK)
				break;
		rc = ferror(f) || !feof(f);
		fclose(f);
		if (rc || json_parse(buf_ptr(&b), buf_len(&b), 0, out, NULL, err, sizeof err) != JSON_OK) {
			cli_msg(stderr, "%s: %s", file, rc ? "cannot read it whole" : err);
			buf_free(&b);
			return rc ? CLI_EX_IOERR : CLI_EX_CONFIG;
		}
		buf_free(&b);
		return 0;
	}
	if ((rc = cli_open_db(com, CLI_DB_READ, &db, NULL, 0)) != 0)
		return rc;
	rc = db == NULL ? 1 : icp_profile_load(db, com->workspace, out, err, sizeof err);
	db_close(db);
	if (rc == 1) {
		cli_msg(stderr, "no profile for workspace %s: run icp-profile --workspace %s",
		    com->workspace, com->workspace);
		return CLI_EX_CONFIG;
	}
	if (rc < 0) {
		cli_msg(stderr, "%s", err);
		return CLI_EX_IOERR;
	}
	return 0;
}

/* Writes the record text with lead_score (the JSON text in score) set. */
static int
put(buf_t *line, const char *s, size_t len, jspan_t root, const buf_t *score)
{
	struct jedit_field f = { "lead_score", buf_ptr(score), buf_len(score), NULL, 0 };
	size_t end;
	int comma;

	buf_reset(line);
	if (jspan_get(s, root, "lead_score", NULL)) {
		if (buf_add(line, s, root.off) != BUF_OK ||
		    jedit_object(line, s, root, &f, 1, NULL, NULL, NULL) != JSON_OK ||
		    buf_add(line, s + root.off + root.len, len - root.off - root.len) != BUF_OK)
			return -1;
	} else {
		/* New: spliced before the closing brace, every byte before it kept. */
		end = jspan_obj_end(s, root, &comma);
		if (buf_add(line, s, end) != BUF_OK ||
		    buf_adds(line, comma ? ",\"lead_score\":" : "\"lead_score\":") != BUF_OK ||
		    buf_add(line, buf_ptr(score), buf_len(score)) != BUF_OK ||
		    buf_add(line, s + end, len - end) != BUF_OK)
			return -1;
	}
	return buf_addc(line, '\n') == BUF_OK ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct cli_common com = { 0 };
	const char *file = NULL, *s;
	char err[512];
	int opt, rc, ex = CLI_EX_OK;
	json_t *profile = NULL;
	icp_scorer_t *sc = NULL;
	ndj_reader_t *r = NULL;
	FILE *rejects = NULL;
	struct icp_deal *d = NULL;
	size_t len;
	jspan_t root;
	buf_t score, line;

	cli_init(argv[0]);
	buf_init(&score, 1 << 20);
	buf_init(&line, (size_t)1 << 30);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == OPT_PROFILE) {
			file = optarg;
			continue;
		}
		if ((rc = cli_other_opt(&com, opt, optarg, usage)) != 0)
			return rc;
	}
	if ((rc = cli_finish_opts(&com, usage, argc, argv, "records are read on stdin")) >= 0)
		return rc;
	if ((file == NULL) == (com.workspace == NULL)) {
		cli_msg(stderr, "give --workspace ID (its current profile) or --profile FILE, one");
		return CLI_EX_USAGE;
	}
	if (com.workspace && !conf_workspace_valid(com.workspace)) {
		cli_msg(stderr, "--workspace: '%s' is not a workspace id", com.workspace);
		return CLI_EX_USAGE;
	}
	if ((ex = read_profile(&com, file, &profile)) != 0)
		goto done;
	if ((sc = icp_scorer_new(profile, err, sizeof err)) == NULL) {
		cli_msg(stderr, "%s%s%s", file ? file : "", file ? ": " : "", err);
		ex = CLI_EX_CONFIG;
		goto done;
	}
	if ((ex = cli_open_input(&com, &rejects, &r)) != 0)
		goto done;
	if ((d = malloc(sizeof *d)) == NULL) {
		cli_msg(stderr, "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
	}
	while ((rc = cli_next_text(r, stderr, &s, &len, &root)) == CLI_REC_OK) {
		icp_deal_read(s, ndj_text_index(r), root, icp_scorer_year(sc), d);
		buf_reset(&score);
		if (icp_score_json(sc, d, &score) != BUF_OK || put(&line, s, len, root, &score) != 0) {
			cli_msg(stderr, "stdin:%lu: out of memory", ndj_line(r));
			ex = CLI_EX_IOERR;
			goto done;
		}
		if (fwrite(buf_ptr(&line), 1, buf_len(&line), stdout) != buf_len(&line) ||
		    (com.unbuffered && fflush(stdout) != 0)) {
			cli_msg(stderr, "error writing stdout: %s", strerror(errno));
			ex = CLI_EX_IOERR;
			goto done;
		}
	}
	if (rc == CLI_REC_FATAL) {
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0 ||
	    (rejects && cli_close_output(rejects, com.rejects, err, sizeof err) != 0)) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (ndj_bad_lines(r) > 0)
		ex = CLI_EX_DATAERR;
done:
	if (rejects)
		fclose(rejects);
	free(d);
	ndj_reader_free(r);
	icp_scorer_free(sc);
	json_free(profile);
	buf_free(&score);
	buf_free(&line);
	return ex;
}
