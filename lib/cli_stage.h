/*
 * cli_stage: the main loop of a provider stage's program, whatever its engine
 * (struct stage_ops, lib/stage.h): read records until the window is full,
 * flush stdout (nothing waits in our buffer while the network is slow), let
 * the engine make the window's calls, write the records that are ready in
 * input order, stop when the db could not be written, show progress; until
 * the input ends.
 *
 * Like lib/cli.h, it writes to stdout and stderr, as the programs do.
 */
#ifndef DE_CLI_STAGE_H
#define DE_CLI_STAGE_H

#include "cli.h"
#include "stage.h"

/*
 * What a provider stage opens before its engine: the provider's base URL
 * (conf_base_url: the environment variable base_env, else base_default) into
 * base[n], the db (created when absent), the --rejects file and the reader of
 * stdin. Returns CLI_EX_OK, or the exit status with the reason said on
 * stderr. What was opened stays in *db, *rejects and *rd for the caller to
 * close (cli_stage_end, db_close) on every path.
 */
int cli_stage_open(const struct cli_common *com, const char *base_env, const char *base_default,
    char *base, size_t n, db_t **db, FILE **rejects, ndj_reader_t **rd);

/*
 * Opens com's --workspace (so that a bad one stops the program before any
 * output), runs the loop over rd with the engine eng and, for dry_run, writes
 * the engine's report on stderr. Returns CLI_EX_OK when the input was read to
 * its end, else the exit status, with the reason said on stderr (a bad input
 * line is the reader's, said and counted there, not an error).
 */
int cli_stage_run(const struct stage_ops *ops, void *eng, ndj_reader_t *rd,
    const struct cli_common *com, int dry_run);

/* The exit status of an engine's error (STAGE_*). */
int cli_stage_exit(int stage_rc);

/*
 * The end of the program: says how many input lines were malformed (when
 * any), checks and closes stdout and the rejects file (cli_open_input's; may
 * be NULL), frees the reader (may be NULL). Returns status, or CLI_EX_IOERR
 * when an output could not be written.
 */
int cli_stage_end(const struct cli_common *com, ndj_reader_t *rd, FILE *rejects, int status);

#endif
