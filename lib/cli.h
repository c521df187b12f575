/*
 * cli: what every program's main() shares: the exit codes, the common
 * options, strict number parsing, and the last check that stdout was written.
 *
 * This is the one lib/ module that writes to a stream, and only to the FILE a
 * caller passes: cmd/ decides what to print and where.
 */
#ifndef DE_CLI_H
#define DE_CLI_H

#include <stdio.h>
#include <getopt.h>

#include "db.h"
#include "ndj.h"

#ifndef DE_VERSION
#define DE_VERSION "0.1.0"
#endif

/* Exit codes, DESIGN §7 (the sysexits.h values). */
enum {
	CLI_EX_OK = 0,
	CLI_EX_PROVIDER = 1,     /* some records carry a provider error */
	CLI_EX_USAGE = 64,
	CLI_EX_DATAERR = 65,     /* bad input lines */
	CLI_EX_UNAVAILABLE = 69, /* a provider was unavailable throughout */
	CLI_EX_IOERR = 74,       /* stdout, the db, a file */
	CLI_EX_TEMPFAIL = 75,    /* rate limit or budget reached, try later */
	CLI_EX_CONFIG = 78
};

/* The options every program takes; getopt_long values from 1000 up. */
enum {
	CLI_OPT_DB = 1000,
	CLI_OPT_WORKSPACE,
	CLI_OPT_REJECTS,
	CLI_OPT_MAX_LINE,
	CLI_OPT_MAX_DEPTH,
	CLI_OPT_UNBUFFERED,
	CLI_OPT_QUIET,
	CLI_OPT_VERBOSE,
	CLI_OPT_VERSION,
	CLI_OPT_HELP,
	CLI_OPT_FIRST_FREE = 1100  /* programs number their own options from here */
};

#define CLI_COMMON_LONGOPTS \
	{ "db", required_argument, NULL, CLI_OPT_DB }, \
	{ "workspace", required_argument, NULL, CLI_OPT_WORKSPACE }, \
	{ "rejects", required_argument, NULL, CLI_OPT_REJECTS }, \
	{ "max-line", required_argument, NULL, CLI_OPT_MAX_LINE }, \
	{ "max-depth", required_argument, NULL, CLI_OPT_MAX_DEPTH }, \
	{ "unbuffered", no_argument, NULL, CLI_OPT_UNBUFFERED }, \
	{ "quiet", no_argument, NULL, CLI_OPT_QUIET }, \
	{ "verbose", no_argument, NULL, CLI_OPT_VERBOSE }, \
	{ "version", no_argument, NULL, CLI_OPT_VERSION }, \
	{ "help", no_argument, NULL, CLI_OPT_HELP }

/* The help lines for the common options, for each program's --help. */
#define CLI_COMMON_HELP \
"      --db DIR          the LMDB db (default $DEAL_ENRICH_DB, else $XDG_DATA_HOME/deal-enrich)\n" \
"      --workspace ID    the workspace (default: the record's workspace_id)\n" \
"      --rejects FILE    append malformed input lines to FILE\n" \
"      --max-line BYTES  longest input line accepted (default 16 MiB)\n" \
"      --max-depth N     deepest JSON nesting accepted (default 64)\n" \
"      --unbuffered      flush every output record\n" \
"      --quiet           no progress or notices on stderr\n" \
"      --verbose         more detail on stderr\n" \
"  -h, --help            this help\n" \
"      --version         the version\n"

struct cli_common {
	const char *db;          /* --db, or NULL */
	const char *workspace;   /* --workspace, or NULL */
	const char *rejects;     /* --rejects, or NULL */
	size_t max_line;         /* 0: the default */
	size_t max_depth;        /* 0: the default */
	int unbuffered, quiet, verbose;
	int want_help, want_version;
};

/* Sets the name used in messages (basename of argv[0] is fine). */
void cli_init(const char *progname);
const char *cli_prog(void);

/*
 * Takes one getopt_long result. Returns 1 when opt was a common option and was
 * stored, 0 when it is not a common option, -1 when its argument is invalid
 * (err says why; the program exits CLI_EX_USAGE).
 */
int cli_common_opt(struct cli_common *c, int opt, const char *arg, char *err, size_t errlen);

/*
 * The rest of a program's option loop, for an option the program does not
 * take itself: a common option is stored and 0 returned; an invalid argument
 * ("prog: reason") or an unknown option (the usage) is written on stderr and
 * CLI_EX_USAGE returned, the program's exit status.
 */
int cli_other_opt(struct cli_common *c, int opt, const char *arg, const char *usage);

/*
 * After the option loop: answers --help and --version (cli_help_version)
 * and refuses an operand argv[optind] with "prog: unexpected argument 'X'",
 * followed by " (note)" when note is not NULL. Returns the exit status then
 * (0, CLI_EX_IOERR, CLI_EX_USAGE), or -1 when the program goes on.
 */
int cli_finish_opts(const struct cli_common *c, const char *usage, int argc, char **argv,
    const char *note);

/*
 * Strict integer parsing: the whole of s must be a decimal integer within
 * [min, max]. Returns 0, or -1 with err naming the option and the range.
 */
int cli_parse_long(const char *opt, const char *s, long min, long max, long *out,
    char *err, size_t errlen);

/* "prog: " + message + "\n" to the stream. */
void cli_msg(FILE *to, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when progress lines should be shown: stderr is a terminal and not --quiet. */
int cli_progress_wanted(const struct cli_common *c);

/*
 * Opens the --rejects file for appending (NULL path: *out = NULL). Returns 0,
 * or -1 with err set.
 */
int cli_open_rejects(const char *path, FILE **out, char *err, size_t errlen);

/*
 * The next record of a program's input, for its main loop. A bad line is
 * reported on errs as "prog: NAME:LINE: reason" and skipped (the reader counts
 * it and copies it to the rejects). Returns CLI_REC_OK with *rec (the caller
 * frees it), CLI_REC_EOF, or CLI_REC_FATAL when reading cannot go on: the
 * message is written and the program exits CLI_EX_IOERR.
 */
enum { CLI_REC_FATAL = -1, CLI_REC_EOF = 0, CLI_REC_OK = 1 };
int cli_next_record(ndj_reader_t *r, FILE *errs, json_t **rec);
/*
 * The same, for a program that keeps records as text (ndj_read_text): *text,
 * *len and *root are borrowed from the reader until the next call.
 */
int cli_next_text(ndj_reader_t *r, FILE *errs, const char **text, size_t *len, jspan_t *root);

/*
 * --help and --version: when c asks for either, writes usage or "prog
 * VERSION" to stdout and returns the exit status (0, or CLI_EX_IOERR when
 * stdout could not be written). Returns -1 when neither was asked.
 */
int cli_help_version(const struct cli_common *c, const char *usage);

/*
 * The --workspace a program that reads one workspace's store requires: the
 * id, or NULL with err set when it is missing or not a workspace id (the
 * program exits CLI_EX_USAGE).
 */
const char *cli_workspace(const struct cli_common *c, char *err, size_t errlen);

/*
 * A program's input: the --rejects file opened for appending (*rejects NULL
 * without --rejects) and a reader of stdin, named "stdin", with c's caps.
 * Returns 0, or CLI_EX_IOERR after writing the message on stderr; what was
 * opened stays in *rejects and *r for the caller to close and free.
 */
int cli_open_input(const struct cli_common *c, FILE **rejects, ndj_reader_t **r);

/*
 * The program's db: its directory (--db, else $DEAL_ENRICH_DB, else the XDG
 * default: conf_db_path) into dbdir[n] (dbdir may be NULL), opened with
 * db_open, creating it (CLI_DB_CREATE), or with db_open_existing
 * (CLI_DB_EXISTING, read-write; CLI_DB_READ, read-only), where *db is NULL
 * when there is no db yet. Returns 0 with *db (the caller db_close()s it),
 * or the exit status after writing the message on stderr: CLI_EX_CONFIG when
 * no directory can be named, CLI_EX_IOERR when the db does not open.
 */
enum { CLI_DB_CREATE, CLI_DB_EXISTING, CLI_DB_READ };
int cli_open_db(const struct cli_common *c, int how, db_t **db, char *dbdir, size_t n);

/*
 * Flushes and checks a stream written to (stdout, the rejects file) before the
 * program exits: returns 0, or -1 with err set when any write failed.
 */
int cli_close_output(FILE *f, const char *name, char *err, size_t errlen);

/*
 * The notice callback of the engines (lib/stage.h's notice, the runs' opts):
 * ctx is the program's struct cli_common; the message goes to stderr with the
 * program's name unless --quiet.
 */
void cli_notice(void *ctx, const char *msg);

#endif
