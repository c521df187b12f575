/*
 * deals-filter: keeps the deal records of one shard, or closed since a date.
 *
 *   deals-extract ... | deals-filter --shard 2/4 | apollo-enrich | ...
 *   deals-extract ... | deals-filter --closed-since 2026-03-01 | ...
 *
 * The records it keeps leave byte for byte as lib/ndj writes them (numbers
 * keep their text, keys their order). A shard is chosen by the account key
 * (lib/account.h), so every deal of one account lands in the same shard: the
 * per-domain cache and the cross-deal roles see the same deals in the same
 * order as an unsharded run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "buf.h"
#include "cli.h"
#include "hash.h"
#include "json.h"
#include "ndj.h"

enum { OPT_SHARD = CLI_OPT_FIRST_FREE, OPT_SINCE };

static const char usage[] =
"usage: deals-filter [--shard K/N] [--closed-since YYYY-MM-DD] [options] < deals.ndjson\n"
"\n"
"Keeps the deal records (NDJSON, one per line) that pass every filter given;\n"
"the others are left out. Records kept are written unchanged, in input order.\n"
"\n"
"      --shard K/N       only shard K of N (1 <= K <= N <= 1024), chosen by the\n"
"                        account key (domain, else account id, else name; a deal\n"
"                        with no account by its deal_id): one account, one shard\n"
"      --closed-since D  only deals whose close_date is D (YYYY-MM-DD) or later;\n"
"                        a deal without close_date is left out\n"
CLI_COMMON_HELP
"\n"
"Exit: 0 ok, 64 usage, 65 bad input lines (the others still pass), 74 I/O error.\n";

static int
valid_date(const char *s)
{
	int i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

static int
parse_shard(const char *arg, long *k, long *n, char *err, size_t errlen)
{
	char kbuf[32];
	const char *slash = strchr(arg, '/');

	if (slash == NULL || (size_t)(slash - arg) >= sizeof kbuf) {
		snprintf(err, errlen, "--shard: expected K/N, e.g. 2/4, got '%s'", arg);
		return -1;
	}
	memcpy(kbuf, arg, (size_t)(slash - arg));
	kbuf[slash - arg] = '\0';
	if (cli_parse_long("--shard N", slash + 1, 1, 1024, n, err, errlen) != 0)
		return -1;
	if (cli_parse_long("--shard K", kbuf, 1, *n, k, err, errlen) != 0)
		return -1;
	return 0;
}

/* 1 when rec belongs to shard k of n, 0 when not, -1 when memory runs out. */
static int
in_shard(const json_t *rec, long k, long n, buf_t *key)
{
	int rc = account_key(rec, key);
	const char *id;

	if (rc < 0)
		return -1;
	if (rc == 1) {
		buf_reset(key);
		id = json_str(json_get(rec, "deal_id"));
		if (buf_adds(key, "deal:") != BUF_OK ||
		    (id && buf_adds(key, id) != BUF_OK))
			return -1;
	}
	/* hash_short: stable across machines and runs, so shards agree. */
	return (long)(hash_short(buf_ptr(key), buf_len(key)) % (uint64_t)n) == k - 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "closed-since", required_argument, NULL, OPT_SINCE },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_common cc = { 0 };
	char err[512];
	const char *since = NULL;
	long shard_k = 0, shard_n = 0;
	unsigned long kept = 0, dropped = 0;
	FILE *rejects = NULL;
	ndj_reader_t *r = NULL;
	json_t *rec;
	buf_t key;
	int opt, rc, status = CLI_EX_OK;

	cli_init("deals-filter");
	buf_init(&key, 1 << 20);
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			cc.want_help = 1;
			continue;
		}
		switch (opt) {
		case OPT_SHARD:
			if (parse_shard(optarg, &shard_k, &shard_n, err, sizeof err) != 0) {
				cli_msg(stderr, "%s", err);
				return CLI_EX_USAGE;
			}
			break;
		case OPT_SINCE:
			if (!valid_date(optarg)) {
				cli_msg(stderr, "--closed-since: expected a date YYYY-MM-DD, got '%s'", optarg);
				return CLI_EX_USAGE;
			}
			since = optarg;
			break;
		default:
			if ((rc = cli_other_opt(&cc, opt, optarg, usage)) != 0)
				return rc;
		}
	}
	if ((rc = cli_finish_opts(&cc, usage, argc, argv, "records are read on stdin")) >= 0)
		return rc;
	if ((status = cli_open_input(&cc, &rejects, &r)) != 0)
		goto out;
	while ((rc = cli_next_record(r, stderr, &rec)) == CLI_REC_OK) {
		rc = 1;
		if (since) {
			const char *cd = json_str(json_get(rec, "close_date"));
			rc = cd != NULL && strncmp(cd, since, 10) >= 0;
		}
		if (rc == 1 && shard_n > 0)
			rc = in_shard(rec, shard_k, shard_n, &key);
		if (rc < 0) {
			json_free(rec);
			cli_msg(stderr, "out of memory");
			status = CLI_EX_IOERR;
			goto out;
		}
		if (rc == 1) {
			kept++;
			if (ndj_write(stdout, rec, cc.unbuffered) != 0) {
				json_free(rec);
				cli_msg(stderr, "stdout: write error");
				status = CLI_EX_IOERR;
				goto out;
			}
		} else {
			dropped++;
		}
		json_free(rec);
	}
	if (rc == CLI_REC_FATAL) {
		status = CLI_EX_IOERR;
		goto out;
	}
	if (cc.verbose)
		cli_msg(stderr, "%lu records kept, %lu left out", kept, dropped);
	if (ndj_bad_lines(r) > 0)
		status = CLI_EX_DATAERR;
out:
	ndj_reader_free(r);
	buf_free(&key);
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		status = CLI_EX_IOERR;
	}
	if (rejects && cli_close_output(rejects, cc.rejects, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		status = CLI_EX_IOERR;
	}
	if (rejects)
		fclose(rejects);
	return status;
}
