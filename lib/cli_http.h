/*
 * cli_http: the retry and timeout options of a provider's HTTP client
 * (lib/http.h), with one set of names and meanings in every program, those of
 * apollo-enrich:
 *
 *   --timeout-ms N      longest a call may take, queueing included, 1-3600000
 *   --retries N         retries of timeouts, cut-off answers and 5xx, 0-20
 *   --backoff-ms N      first backoff of those retries, doubled each time,
 *                       plus jitter, 0-600000
 *   --retry-429 N       retries after a 429, 0-20
 *   --backoff-429-ms N  wait after a 429 without Retry-After, 0-3600000
 *
 * A program with a second provider names the second's set with a prefix
 * (serper-signals: "llm-", --llm-timeout-ms ...). Defaults are the caller's:
 * what its struct http_opts holds before the options are read.
 */
#ifndef DE_CLI_HTTP_H
#define DE_CLI_HTTP_H

#include <stddef.h>
#include <getopt.h>

#include "http.h"

enum {
	CLI_HTTP_TIMEOUT,
	CLI_HTTP_RETRIES,
	CLI_HTTP_BACKOFF,
	CLI_HTTP_RETRY_429,
	CLI_HTTP_BACKOFF_429,
	CLI_HTTP_NOPTS
};

/* The getopt_long entries, numbered base + CLI_HTTP_*; prefix a string literal ("" for none). */
#define CLI_HTTP_LONGOPTS(prefix, base) \
	{ prefix "timeout-ms", required_argument, NULL, (base) + CLI_HTTP_TIMEOUT }, \
	{ prefix "retries", required_argument, NULL, (base) + CLI_HTTP_RETRIES }, \
	{ prefix "backoff-ms", required_argument, NULL, (base) + CLI_HTTP_BACKOFF }, \
	{ prefix "retry-429", required_argument, NULL, (base) + CLI_HTTP_RETRY_429 }, \
	{ prefix "backoff-429-ms", required_argument, NULL, (base) + CLI_HTTP_BACKOFF_429 }

/*
 * Takes one getopt_long result: when opt is base + CLI_HTTP_*, sets that
 * field of o from arg and returns 1; returns 0 when opt is none of them, -1
 * when arg is not an integer in the option's range (err names the option,
 * with prefix, and the range; the program exits CLI_EX_USAGE).
 */
int cli_http_opt(struct http_opts *o, int base, const char *prefix, int opt, const char *arg,
    char *err, size_t errlen);

#endif
