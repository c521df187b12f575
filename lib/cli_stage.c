#include "cli_stage.h"

#include "conf.h"

int
cli_stage_open(const struct cli_common *com, const char *base_env, const char *base_default,
    char *base, size_t n, db_t **db, FILE **rejects, ndj_reader_t **rd)
{
	int status;

	*db = NULL;
	*rejects = NULL;
	*rd = NULL;
	if (conf_base_url(base_env, base_default, base, n) != 0) {
		cli_msg(stderr, "%s must be an http:// or https:// URL", base_env);
		return CLI_EX_CONFIG;
	}
	if ((status = cli_open_db(com, CLI_DB_CREATE, db, NULL, 0)) != CLI_EX_OK)
		return status;
	return cli_open_input(com, rejects, rd);
}

int
cli_stage_exit(int stage_rc)
{
	switch (stage_rc) {
	case STAGE_ECONFIG: return CLI_EX_CONFIG;
	case STAGE_EHTTP: return CLI_EX_UNAVAILABLE;
	default: return CLI_EX_IOERR;
	}
}

/* Reads records into the window until it is full: how many, or -1 (said). */
static long
fill(const struct stage_ops *ops, void *eng, ndj_reader_t *rd, int *eof)
{
	json_t *rec;
	long n = 0;
	int rc;

	while (!ops->full(eng)) {
		rc = cli_next_record(rd, stderr, &rec);
		if (rc == CLI_REC_EOF) {
			*eof = 1;
			break;
		}
		if (rc != CLI_REC_OK)
			return -1;
		if (ops->add(eng, rec) != STAGE_OK) {
			cli_msg(stderr, "out of memory");
			return -1;
		}
		n++;
	}
	return n;
}

int
cli_stage_run(const struct stage_ops *ops, void *eng, ndj_reader_t *rd,
    const struct cli_common *com, int dry_run)
{
	char err[512], line[256];
	json_t *rec;
	buf_t rep;
	long n;
	int rc, eof = 0;

	if (com->workspace && (rc = ops->workspace(eng, com->workspace, err, sizeof err)) !=
	    STAGE_OK) {
		cli_msg(stderr, "%s", err);
		return cli_stage_exit(rc);
	}
	while (!eof) {
		if ((n = fill(ops, eng, rd, &eof)) < 0)
			return CLI_EX_IOERR;
		if (n == 0)
			break;
		if (fflush(stdout) != 0) {
			cli_msg(stderr, "stdout: write error");
			return CLI_EX_IOERR;
		}
		if ((rc = ops->process(eng, err, sizeof err)) != STAGE_OK) {
			cli_msg(stderr, "%s", err);
			return cli_stage_exit(rc);
		}
		while ((rec = ops->next(eng)) != NULL) {
			rc = ndj_write(stdout, rec, com->unbuffered);
			json_free(rec);
			if (rc != 0) {
				cli_msg(stderr, "stdout: write error");
				return CLI_EX_IOERR;
			}
		}
		if (ops->db_failed(eng)) {
			cli_msg(stderr, "stopping: the db could not be written");
			return CLI_EX_IOERR;
		}
		if (ops->progress && cli_progress_wanted(com)) {
			ops->progress(eng, line, sizeof line);
			cli_msg(stderr, "%s", line);
		}
	}
	if (dry_run) {
		buf_init(&rep, 1 << 20);
		if (ops->dry_report(eng, &rep) == 0)
			fputs(buf_ptr(&rep), stderr);
		buf_free(&rep);
	}
	return CLI_EX_OK;
}

int
cli_stage_end(const struct cli_common *com, ndj_reader_t *rd, FILE *rejects, int status)
{
	unsigned long bad = rd ? ndj_bad_lines(rd) : 0;
	char err[512];

	if (bad)
		cli_msg(stderr, "%lu malformed input line%s", bad, bad == 1 ? "" : "s");
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		status = CLI_EX_IOERR;
	}
	if (rejects && cli_close_output(rejects, com->rejects, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		status = CLI_EX_IOERR;
	}
	if (rejects)
		fclose(rejects);
	ndj_reader_free(rd);
	return status;
}
