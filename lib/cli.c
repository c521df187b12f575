#include "cli.h"
#include "conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog = "deal-enrich";

void
cli_init(const char *progname)
{
	const char *slash;

	if (progname == NULL)
		return;
	slash = strrchr(progname, '/');
	prog = slash ? slash + 1 : progname;
}

const char *
cli_prog(void)
{
	return prog;
}

void
cli_msg(FILE *to, const char *fmt, ...)
{
	va_list ap;

	fprintf(to, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(to, fmt, ap);
	va_end(ap);
	fputc('\n', to);
}

int
cli_parse_long(const char *opt, const char *s, long min, long max, long *out,
    char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = s ? strtol(s, &end, 10) : 0;
	if (s == NULL || *s == '\0' || *end != '\0' || errno == ERANGE || v < min || v > max) {
		snprintf(err, errlen, "%s: '%s' is not an integer from %ld to %ld",
		    opt, s ? s : "", min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
cli_common_opt(struct cli_common *c, int opt, const char *arg, char *err, size_t errlen)
{
	long v;

	switch (opt) {
	case CLI_OPT_DB:
		c->db = arg;
		return 1;
	case CLI_OPT_WORKSPACE:
		c->workspace = arg;
		return 1;
	case CLI_OPT_REJECTS:
		c->rejects = arg;
		return 1;
	case CLI_OPT_MAX_LINE:
		if (cli_parse_long("--max-line", arg, 64, 1L << 30, &v, err, errlen) != 0)
			return -1;
		c->max_line = (size_t)v;
		return 1;
	case CLI_OPT_MAX_DEPTH:
		if (cli_parse_long("--max-depth", arg, 2, 10000, &v, err, errlen) != 0)
			return -1;
		c->max_depth = (size_t)v;
		return 1;
	case CLI_OPT_UNBUFFERED:
		c->unbuffered = 1;
		return 1;
	case CLI_OPT_QUIET:
		c->quiet = 1;
		return 1;
	case CLI_OPT_VERBOSE:
		c->verbose = 1;
		return 1;
	case CLI_OPT_VERSION:
		c->want_version = 1;
		return 1;
	case CLI_OPT_HELP:
	case 'h':
		c->want_help = 1;
		return 1;
	}
	return 0;
}

int
cli_progress_wanted(const struct cli_common *c)
{
	return !c->quiet && isatty(STDERR_FILENO);
}

int
cli_open_rejects(const char *path, FILE **out, char *err, size_t errlen)
{
	*out = NULL;
	if (path == NULL)
		return 0;
	if ((*out = fopen(path, "a")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
cli_close_output(FILE *f, const char *name, char *err, size_t errlen)
{
	int bad;

	if (f == NULL)
		return 0;
	bad = fflush(f) != 0 || ferror(f);
	if (bad) {
		snprintf(err, errlen, "error writing %s: %s", name,
		    errno ? strerror(errno) : "write failed");
		return -1;
	}
	return 0;
}

/* What the main loop does with what the reader returned: see cli_next_record(). */
static int
next_outcome(ndj_reader_t *r, FILE *errs, int rc)
{
	switch (rc) {
	case NDJ_OK:
		return CLI_REC_OK;
	case NDJ_EOF:
		return CLI_REC_EOF;
	case NDJ_BAD:
		cli_msg(errs, "%s:%lu: %s", ndj_name(r), ndj_line(r), ndj_error(r));
		return NDJ_BAD;
	case NDJ_ENOMEM:
		cli_msg(errs, "out of memory");
		return CLI_REC_FATAL;
	default:
		cli_msg(errs, "%s: %s", ndj_name(r), ndj_error(r));
		return CLI_REC_FATAL;
	}
}

int
cli_next_text(ndj_reader_t *r, FILE *errs, const char **text, size_t *len, jspan_t *root)
{
	int rc;

	while ((rc = next_outcome(r, errs, ndj_read_text(r, text, len, root))) == NDJ_BAD)
		;
	return rc;
}

int
cli_next_record(ndj_reader_t *r, FILE *errs, json_t **rec)
{
	int rc;

	for (;;) {
		*rec = NULL;
		if ((rc = next_outcome(r, errs, ndj_read(r, rec))) != NDJ_BAD)
			return rc;
	}
}

int
cli_help_version(const struct cli_common *c, const char *usage)
{
	char err[256];

	if (c->want_help)
		fputs(usage, stdout);
	else if (c->want_version)
		printf("%s %s\n", prog, DE_VERSION);
	else
		return -1;
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		return CLI_EX_IOERR;
	}
	return CLI_EX_OK;
}

const char *
cli_workspace(const struct cli_common *c, char *err, size_t errlen)
{
	if (c->workspace == NULL) {
		snprintf(err, errlen, "which workspace? give --workspace ID");
		return NULL;
	}
	if (!conf_workspace_valid(c->workspace)) {
		snprintf(err, errlen, "--workspace: '%s' is not a workspace id", c->workspace);
		return NULL;
	}
	return c->workspace;
}

int
cli_other_opt(struct cli_common *c, int opt, const char *arg, const char *usage)
{
	char err[512];
	int rc = cli_common_opt(c, opt, arg, err, sizeof err);

	if (rc > 0)
		return 0;
	if (rc < 0)
		cli_msg(stderr, "%s", err);
	else
		fputs(usage, stderr);
	return CLI_EX_USAGE;
}

int
cli_finish_opts(const struct cli_common *c, const char *usage, int argc, char **argv,
    const char *note)
{
	int rc;

	if ((rc = cli_help_version(c, usage)) >= 0)
		return rc;
	if (optind < argc) {
		if (note)
			cli_msg(stderr, "unexpected argument '%s' (%s)", argv[optind], note);
		else
			cli_msg(stderr, "unexpected argument '%s'", argv[optind]);
		return CLI_EX_USAGE;
	}
	return -1;
}

int
cli_open_db(const struct cli_common *c, int how, db_t **db, char *dbdir, size_t n)
{
	char dir[4096], err[512];
	int rc;

	*db = NULL;
	if (dbdir == NULL) {
		dbdir = dir;
		n = sizeof dir;
	}
	if (conf_db_path(c->db, dbdir, n) != 0) {
		cli_msg(stderr, "no db directory: give --db or set DEAL_ENRICH_DB");
		return CLI_EX_CONFIG;
	}
	if (how == CLI_DB_CREATE)
		rc = db_open(dbdir, 0, db, err, sizeof err);
	else
		rc = db_open_existing(dbdir, how == CLI_DB_READ, db, err, sizeof err);
	if (rc < 0 || (how == CLI_DB_CREATE && rc != DB_OK)) {
		cli_msg(stderr, "%s", err);
		return CLI_EX_IOERR;
	}
	return 0;
}

int
cli_open_input(const struct cli_common *c, FILE **rejects, ndj_reader_t **r)
{
	char err[512];

	*r = NULL;
	if (cli_open_rejects(c->rejects, rejects, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		return CLI_EX_IOERR;
	}
	if ((*r = ndj_reader_new(stdin, "stdin", c->max_line, c->max_depth, *rejects)) == NULL) {
		cli_msg(stderr, "out of memory");
		return CLI_EX_IOERR;
	}
	return 0;
}

void
cli_notice(void *ctx, const char *msg)
{
	const struct cli_common *c = ctx;

	if (!c->quiet)
		cli_msg(stderr, "%s", msg);
}
