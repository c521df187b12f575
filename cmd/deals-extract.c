/*
 * deals-extract: CRM exports (CSV or NDJSON) -> canonical deal records
 * (NDJSON), closed deals only, newest first, within the lookback window.
 * See man/deals-extract.1.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "crm.h"
#include "csvrd.h"
#include "date.h"
#include "db.h"
#include "json.h"
#include "ndj.h"

enum {
	OPT_FORMAT = CLI_OPT_FIRST_FREE,
	OPT_CONTACTS,
	OPT_ALL,
	OPT_LOOKBACK,
	OPT_LIMIT,
	OPT_NO_LIMIT,
	OPT_PENDING,
	OPT_TODAY,
	OPT_STAGE_MAP,
	OPT_DATE_ORDER
};

static const struct option longopts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "contacts", required_argument, NULL, OPT_CONTACTS },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "lookback-months", required_argument, NULL, OPT_LOOKBACK },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "no-limit", no_argument, NULL, OPT_NO_LIMIT },
	{ "pending", no_argument, NULL, OPT_PENDING },
	{ "today", required_argument, NULL, OPT_TODAY },
	{ "stage-map", required_argument, NULL, OPT_STAGE_MAP },
	{ "date-order", required_argument, NULL, OPT_DATE_ORDER },
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static const char usage[] =
"usage: deals-extract [OPTION]... [FILE]...\n"
"Reads CRM exports (HubSpot or Salesforce CSV, or NDJSON) from the FILEs or\n"
"stdin and writes one canonical deal record per line (NDJSON): the closed deals\n"
"of the lookback window, newest first, each with its account and contacts.\n"
"\n"
"      --format FMT          auto (default), csv, hubspot, salesforce or ndjson\n"
"      --contacts FILE       a HubSpot contacts export or a Salesforce contact role\n"
"                            report to join to the deals (repeatable; a FILE\n"
"                            argument that is one is used the same way)\n"
"      --all                 keep open deals too\n"
"      --lookback-months N   only deals closed in the last N months, 1-24\n"
"                            (default: the workspace's lookback_months, else 6)\n"
"      --limit N             at most N deals, newest closed first, 1-100 (default 50)\n"
"      --no-limit            every deal, in input order (a backfill)\n"
"      --pending             leave out deals the store holds as enriched\n"
"      --today YYYY-MM-DD    the day the lookback counts back from (default: today, UTC)\n"
"      --stage-map FILE      \"stage = closed_won|closed_lost|open\" lines for custom\n"
"                            pipelines (default: the workspace's stage_map)\n"
"      --date-order ORDER    mdy (default) or dmy: how 01/02/2026 is read\n"
"                            (default: the workspace's date_order)\n"
CLI_COMMON_HELP
"\n"
"Exit: 0 ok, 64 usage, 65 bad input rows (reported, copied to --rejects),\n"
"74 I/O error, 78 bad configuration.\n";

enum fmt { FMT_AUTO, FMT_CSV, FMT_HUBSPOT, FMT_SALESFORCE, FMT_NDJSON };

struct ent {
	json_t *rec;
	char date[DATE_STRLEN];   /* "" when the deal has no close date */
	unsigned long seq;
};

struct run {
	struct cli_common cli;
	enum fmt format;
	crm_ctx_t *ctx;
	FILE *rejects;
	int all, pending, nolimit;
	long limit, lookback;
	char cutoff[DATE_STRLEN];   /* the window is [cutoff, today] */
	char today[DATE_STRLEN];
	unsigned long future;       /* closed after today: not in the window */
	db_t *db;
	buf_t key;
	struct ent *heap;
	size_t nheap;
	unsigned long seq;
	json_t *held;              /* the last CSV deal, until the next row shows it is complete */
	unsigned long held_line;
	const char *held_name;
	/* counts */
	unsigned long bad, read, out, open, old, enriched, limited, skipped_rows;
	int ioerr, fatal, progress;
};

/* ---- reading a prefix, then the whole stream ---- */

struct peek {
	FILE *under;
	char buf[4096];
	size_t len, pos;
};

static ssize_t
peek_read(void *cookie, char *b, size_t n)
{
	struct peek *p = cookie;
	size_t got;

	if (p->pos < p->len) {
		size_t k = p->len - p->pos < n ? p->len - p->pos : n;
		memcpy(b, p->buf + p->pos, k);
		p->pos += k;
		return (ssize_t)k;
	}
	got = fread(b, 1, n, p->under);
	if (got == 0 && ferror(p->under))
		return -1;
	return (ssize_t)got;
}

static int
peek_close(void *cookie)
{
	free(cookie);
	return 0;
}

/*
 * A stream that gives under's bytes from the start, after a look at the first
 * ones (*ndjson: the first non-blank byte, after a UTF-8 BOM, is '{').
 */
static FILE *
peek_open(FILE *under, int *ndjson)
{
	struct peek *p = calloc(1, sizeof *p);
	cookie_io_functions_t io = { peek_read, NULL, NULL, peek_close };
	size_t i = 0;
	FILE *f;

	if (p == NULL)
		return NULL;
	p->under = under;
	p->len = fread(p->buf, 1, sizeof p->buf, under);
	if (p->len == 0 && ferror(under)) {
		free(p);
		return NULL;
	}
	if (p->len >= 3 && (unsigned char)p->buf[0] == 0xEF && (unsigned char)p->buf[1] == 0xBB &&
	    (unsigned char)p->buf[2] == 0xBF)
		i = 3;
	while (i < p->len && (p->buf[i] == ' ' || p->buf[i] == '\t' || p->buf[i] == '\r' ||
	    p->buf[i] == '\n'))
		i++;
	*ndjson = i < p->len && p->buf[i] == '{';
	if ((f = fopencookie(p, "r", io)) == NULL) {
		free(p);
		return NULL;
	}
	return f;
}

/* ---- output ---- */

static void
write_rec(struct run *r, const json_t *rec)
{
	if (r->ioerr)
		return;
	if (ndj_write(stdout, rec, r->cli.unbuffered) != 0) {
		cli_msg(stderr, "stdout: %s", strerror(errno));
		r->ioerr = 1;
		return;
	}
	r->out++;
}

/* a is a better pick than b: closed later, or as late and read earlier. */
static int
better(const struct ent *a, const struct ent *b)
{
	int c = strcmp(a->date, b->date);

	if (c != 0)
		return c > 0;
	return a->seq < b->seq;
}

/* A min-heap on better(): the root is the worst deal kept. */
static void
sift_down(struct ent *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, rr = l + 1, w = i;
		if (l < n && better(&h[w], &h[l]))
			w = l;
		if (rr < n && better(&h[w], &h[rr]))
			w = rr;
		if (w == i)
			return;
		struct ent t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

static void
sift_up(struct ent *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!better(&h[p], &h[i]))
			return;
		struct ent t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

static int
cmp_best_first(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return better(x, y) ? -1 : better(y, x) ? 1 : 0;
}

static void
keep(struct run *r, json_t *rec)
{
	struct ent e;
	const char *d = json_str(json_get(rec, "close_date"));

	e.rec = rec;
	e.seq = r->seq++;
	snprintf(e.date, sizeof e.date, "%s", d && strlen(d) == 10 ? d : "");
	if (r->nheap < (size_t)r->limit) {
		r->heap[r->nheap] = e;
		sift_up(r->heap, r->nheap++);
		return;
	}
	r->limited++;
	if (better(&e, &r->heap[0])) {
		json_free(r->heap[0].rec);
		r->heap[0] = e;
		sift_down(r->heap, r->nheap, 0);
	} else {
		json_free(rec);
	}
}

/* 1 when the store holds the deal as enriched; -1 on a db error. */
static int
enriched(struct run *r, const json_t *rec)
{
	const char *ws = json_str(json_get(rec, "workspace_id"));
	const char *id = json_str(json_get(rec, "deal_id"));
	char err[256], *val = NULL;
	size_t vlen;
	json_t *v;
	int rc, res = 0;

	if (r->db == NULL || ws == NULL || id == NULL)
		return 0;
	if (db_key(&r->key, ws, id, NULL) != DB_OK) {
		cli_msg(stderr, "out of memory");
		return -1;
	}
	rc = db_get(r->db, DB_DEALS, buf_ptr(&r->key), buf_len(&r->key), &val, &vlen, err, sizeof err);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK) {
		cli_msg(stderr, "db: %s", err);
		return -1;
	}
	if (json_parse(val, vlen, 0, &v, NULL, err, sizeof err) == JSON_OK) {
		const char *st = json_str(json_get(v, "status"));
		res = st && strcmp(st, "enriched") == 0;
		json_free(v);
	}
	free(val);
	return res;
}

/* Filters a finished record and writes or keeps it (takes rec). */
static void
route(struct run *r, json_t *rec)
{
	const char *sn = json_str(json_get(rec, "stage_normalized"));
	const char *cd = json_str(json_get(rec, "close_date"));
	int open = sn == NULL || strcmp(sn, "open") == 0, e;

	r->read++;
	if (r->progress && r->read % 10000 == 0)
		fprintf(stderr, "\rdeals-extract: %lu deals read", r->read);
	if (open && !r->all) {
		r->open++;
		json_free(rec);
		return;
	}
	if (!open && cd && strlen(cd) == 10 && strcmp(cd, r->cutoff) < 0) {
		r->old++;
		json_free(rec);
		return;
	}
	if (!open && cd && strlen(cd) == 10 && strcmp(cd, r->today) > 0) {
		r->future++;
		json_free(rec);
		return;
	}
	if (r->pending) {
		e = enriched(r, rec);
		if (e != 0) {
			if (e < 0)
				r->ioerr = 1;
			else
				r->enriched++;
			json_free(rec);
			return;
		}
	}
	if (r->nolimit) {
		write_rec(r, rec);
		json_free(rec);
	} else {
		keep(r, rec);
	}
}

static void
flush_held(struct run *r)
{
	if (r->held) {
		route(r, r->held);
		r->held = NULL;
	}
}

/* A CSV deal: rows of one deal in a row (a report with a row per contact role) are merged. */
static void
take_csv_deal(struct run *r, json_t *rec)
{
	const char *a, *b;

	if (r->held) {
		a = json_str(json_get(r->held, "deal_id"));
		b = json_str(json_get(rec, "deal_id"));
		if (a && b && strcmp(a, b) == 0) {
			if (crm_merge_contacts(r->held, rec) != 0) {
				cli_msg(stderr, "out of memory");
				r->fatal = CLI_EX_IOERR;
			}
			json_free(rec);
			return;
		}
		flush_held(r);
	}
	r->held = rec;
}

static void
bad_row(struct run *r, const char *name, unsigned long line, const char *why,
    const char *raw, size_t rawlen)
{
	r->bad++;
	cli_msg(stderr, "%s:%lu: %s", name, line, why);
	if (r->rejects && raw) {
		if (fwrite(raw, 1, rawlen, r->rejects) != rawlen ||
		    (rawlen && raw[rawlen - 1] != '\n' && raw[rawlen - 1] != '\r' &&
		    fputc('\n', r->rejects) == EOF)) {
			cli_msg(stderr, "%s: %s", r->cli.rejects, strerror(errno));
			r->ioerr = 1;
		}
	}
}

/* ---- CSV ---- */

static crm_kind
forced_kind(enum fmt f)
{
	return f == FMT_HUBSPOT ? CRM_KIND_HUBSPOT_DEALS :
	    f == FMT_SALESFORCE ? CRM_KIND_SF_OPPORTUNITIES : CRM_KIND_UNKNOWN;
}

static csvrd_t *
csv_open(struct run *r, FILE *f, const char *name)
{
	csvrd_opts_t o = { 0 };

	o.max_record = r->cli.max_line;
	return csvrd_new(f, name, &o, r->rejects);
}

/* Reads the header; returns its table or NULL (reported). */
static crm_table_t *
csv_header(struct run *r, csvrd_t *rd, const char *name, crm_kind kind, int quiet_unknown)
{
	const csvrd_record_t *rec;
	crm_table_t *t = NULL;
	char err[512];
	int rc;

	for (;;) {
		rc = csvrd_next(rd, &rec);
		if (rc == CSVRD_BAD) {
			bad_row(r, name, csvrd_bad_line(rd), csvrd_error(rd), NULL, 0);
			continue;
		}
		break;
	}
	if (rc == CSVRD_EOF) {
		if (!quiet_unknown && r->cli.verbose)
			cli_msg(stderr, "%s: empty", name);
		return NULL;
	}
	if (rc < 0) {
		if (!quiet_unknown) {
			cli_msg(stderr, "%s: %s", name, csvrd_error(rd));
			if (rc == CSVRD_EFORMAT)
				r->bad++;
			else
				r->ioerr = 1;
		}
		return NULL;
	}
	rc = crm_table_new(kind, rec->fields, rec->n, &t, err, sizeof err);
	if (rc == CRM_ENOMEM) {
		cli_msg(stderr, "out of memory");
		r->fatal = CLI_EX_IOERR;
		return NULL;
	}
	if (rc != CRM_OK) {
		if (!quiet_unknown)
			bad_row(r, name, rec->line, err, rec->raw, rec->rawlen);
		return NULL;
	}
	return t;
}

static void
csv_rows(struct run *r, csvrd_t *rd, const char *name, crm_table_t *t)
{
	const csvrd_record_t *rec;
	char err[512];
	json_t *deal;
	int rc, contacts = crm_kind_is_contacts(crm_table_kind(t));

	while (!r->fatal && !r->ioerr) {
		rc = csvrd_next(rd, &rec);
		if (rc == CSVRD_EOF)
			break;
		if (rc == CSVRD_BAD) {
			/* csvrd copied the raw lines to the rejects */
			r->bad++;
			cli_msg(stderr, "%s:%lu: %s", name, csvrd_bad_line(rd), csvrd_error(rd));
			continue;
		}
		if (rc < 0) {
			cli_msg(stderr, "%s: %s", name, csvrd_error(rd));
			if (rc == CSVRD_EFORMAT)
				r->bad++;
			else
				r->ioerr = 1;
			break;
		}
		if (contacts)
			rc = crm_ctx_add_contact_row(r->ctx, t, rec->fields, rec->n, err, sizeof err);
		else
			rc = crm_deal_from_row(r->ctx, t, rec->fields, rec->n, &deal, err, sizeof err);
		if (rc == CRM_ENOMEM) {
			cli_msg(stderr, "out of memory");
			r->fatal = CLI_EX_IOERR;
			break;
		}
		if (rc == CRM_SKIP) {
			r->skipped_rows++;
			continue;
		}
		if (rc == CRM_BAD) {
			bad_row(r, name, rec->line, err, rec->raw, rec->rawlen);
			continue;
		}
		if (!contacts)
			take_csv_deal(r, deal);
	}
	flush_held(r);
}

/* Loads a contacts file; returns 1 when name was one, 0 when it holds deals. */
static int
load_if_contacts(struct run *r, const char *name, int must)
{
	FILE *f = fopen(name, "rb"), *pf;
	csvrd_t *rd;
	crm_table_t *t;
	int nd = 0, is = 0;

	if (f == NULL) {
		cli_msg(stderr, "%s: %s", name, strerror(errno));
		r->fatal = CLI_EX_IOERR;
		return 1;
	}
	if ((pf = peek_open(f, &nd)) == NULL) {
		cli_msg(stderr, "%s: %s", name, strerror(errno));
		r->fatal = CLI_EX_IOERR;
		fclose(f);
		return 1;
	}
	if (nd) {
		if (must) {
			cli_msg(stderr, "%s: --contacts takes a CSV contacts export, not NDJSON", name);
			r->fatal = CLI_EX_USAGE;
		}
		fclose(pf);
		fclose(f);
		return must;
	}
	if ((rd = csv_open(r, pf, name)) == NULL) {
		cli_msg(stderr, "out of memory");
		r->fatal = CLI_EX_IOERR;
		fclose(pf);
		fclose(f);
		return 1;
	}
	t = csv_header(r, rd, name, CRM_KIND_UNKNOWN, !must);
	if (t && crm_kind_is_contacts(crm_table_kind(t))) {
		is = 1;
		if (r->cli.verbose)
			cli_msg(stderr, "%s: %s", name, crm_kind_name(crm_table_kind(t)));
		csv_rows(r, rd, name, t);
	} else if (must && t) {
		cli_msg(stderr, "%s: not a contacts export (it looks like %s)", name,
		    crm_kind_name(crm_table_kind(t)));
		r->fatal = CLI_EX_USAGE;
		is = 1;
	} else if (must) {
		is = 1;
	}
	crm_table_free(t);
	csvrd_free(rd);
	fclose(pf);
	fclose(f);
	return is;
}

/* ---- one input of deals ---- */

static void
ndjson_input(struct run *r, FILE *f, const char *name)
{
	ndj_reader_t *nr = ndj_reader_new(f, name, r->cli.max_line, r->cli.max_depth, r->rejects);
	json_t *rec, *deal;
	char err[512];
	buf_t raw;
	int rc;

	if (nr == NULL) {
		cli_msg(stderr, "out of memory");
		r->fatal = CLI_EX_IOERR;
		return;
	}
	buf_init(&raw, (size_t)1 << 31);
	while (!r->fatal && !r->ioerr) {
		rc = cli_next_record(nr, stderr, &rec);
		if (rc == CLI_REC_EOF)
			break;
		if (rc != CLI_REC_OK) {
			r->fatal = CLI_EX_IOERR;
			break;
		}
		rc = crm_deal_from_json(r->ctx, rec, &deal, err, sizeof err);
		if (rc == CRM_ENOMEM) {
			json_free(rec);
			cli_msg(stderr, "out of memory");
			r->fatal = CLI_EX_IOERR;
			break;
		}
		if (rc == CRM_BAD) {
			/* the rejects get the record as read, serialized again */
			buf_reset(&raw);
			if (json_dump(rec, &raw) != JSON_OK || buf_addc(&raw, '\n') != BUF_OK)
				buf_reset(&raw);
			bad_row(r, name, ndj_line(nr), err, buf_ptr(&raw), buf_len(&raw));
			json_free(rec);
			continue;
		}
		if (deal != rec)
			json_free(rec);
		route(r, deal);
	}
	r->bad += ndj_bad_lines(nr);
	buf_free(&raw);
	ndj_reader_free(nr);
}

static void
input(struct run *r, const char *path)
{
	int is_stdin = strcmp(path, "-") == 0, nd = 0;
	const char *name = is_stdin ? "stdin" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb"), *pf;
	csvrd_t *rd;
	crm_table_t *t;

	if (f == NULL) {
		cli_msg(stderr, "%s: %s", name, strerror(errno));
		r->ioerr = 1;
		return;
	}
	if ((pf = peek_open(f, &nd)) == NULL) {
		cli_msg(stderr, "%s: %s", name, strerror(errno));
		r->ioerr = 1;
		if (!is_stdin)
			fclose(f);
		return;
	}
	if (r->format == FMT_NDJSON || (r->format == FMT_AUTO && nd)) {
		ndjson_input(r, pf, name);
	} else if ((rd = csv_open(r, pf, name)) == NULL) {
		cli_msg(stderr, "out of memory");
		r->fatal = CLI_EX_IOERR;
	} else {
		t = csv_header(r, rd, name, forced_kind(r->format), 0);
		if (t) {
			if (r->cli.verbose)
				cli_msg(stderr, "%s: %s", name, crm_kind_name(crm_table_kind(t)));
			if (crm_kind_is_contacts(crm_table_kind(t)) && !r->cli.quiet)
				cli_msg(stderr, "%s: a contacts export; its contacts join the deals "
				    "read after it", name);
			csv_rows(r, rd, name, t);
			crm_table_free(t);
		}
		csvrd_free(rd);
	}
	fclose(pf);
	if (!is_stdin)
		fclose(f);
}

/* ---- setup ---- */

static int
usage_error(const char *fmt, const char *a)
{
	char msg[512];

	snprintf(msg, sizeof msg, fmt, a);
	cli_msg(stderr, "%s", msg);
	fprintf(stderr, "Try 'deals-extract --help'.\n");
	return CLI_EX_USAGE;
}

static int
load_stage_map_setting(crm_stage_map_t *m, const char *v, char *err, size_t errlen)
{
	char path[4096];
	const char *home = getenv("HOME");

	if (v[0] == '~' && v[1] == '/' && home) {
		snprintf(path, sizeof path, "%s/%s", home, v + 2);
		v = path;
	}
	if (access(v, R_OK) == 0)
		return crm_stage_map_load(m, v, err, errlen);
	return crm_stage_map_parse(m, v, err, errlen);
}

static void
report(struct run *r)
{
	const char *s;
	unsigned long n;

	if (r->cli.quiet)
		return;
	for (size_t i = 0; (s = crm_ctx_unknown_stage(r->ctx, i, &n)) != NULL; i++)
		cli_msg(stderr, "stage '%s' (%lu deal%s) read as open; map it with --stage-map "
		    "or the stage_map setting", s, n, n == 1 ? "" : "s");
	if ((n = crm_ctx_stageless(r->ctx)) > 0)
		cli_msg(stderr, "%lu record%s without a stage read as open%s", n, n == 1 ? "" : "s",
		    r->all ? "" : " and left out (--all keeps them)");
	if (r->cli.verbose)
		cli_msg(stderr, "%lu deals read: %lu written, %lu open left out, %lu closed before %s, "
		    "%lu closed after %s, %lu enriched already, %lu past the limit, "
		    "%lu footer or blank rows, %lu bad",
		    r->read, r->out, r->open, r->old, r->cutoff, r->future, r->today, r->enriched,
		    r->limited, r->skipped_rows, r->bad);
}

int
main(int argc, char **argv)
{
	struct run r;
	crm_opts_t co = { 0 };
	crm_stage_map_t *smap = NULL;
	conf_t *conf = NULL;
	const char *lookback_flag = NULL, *today_flag = NULL, *stage_map_flag = NULL;
	const char *date_order_flag = NULL, *setting;
	const char **contacts = NULL;
	size_t ncontacts = 0;
	char err[512], dbpath[4096];
	date_t today;
	long v;
	int opt, rc, ex = CLI_EX_OK, *is_contacts = NULL, limit_seen = 0;

	/*
	 * No fastbins: the contacts index is many small objects freed at the
	 * end, and glibc would consolidate its fastbins again and again while
	 * they are freed (half of the run time on a large contacts export).
	 */
	mallopt(M_MXFAST, 0);
	memset(&r, 0, sizeof r);
	r.limit = 50;
	cli_init("deals-extract");
	buf_init(&r.key, 1 << 16);
	if ((contacts = calloc((size_t)argc + 1, sizeof *contacts)) == NULL) {
		cli_msg(stderr, "out of memory");
		return CLI_EX_IOERR;
	}
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		rc = cli_common_opt(&r.cli, opt, optarg, err, sizeof err);
		if (rc < 0) {
			ex = usage_error("%s", err);
			goto done;
		}
		if (rc > 0)
			continue;
		switch (opt) {
		case OPT_FORMAT:
			if (!strcmp(optarg, "auto"))
				r.format = FMT_AUTO;
			else if (!strcmp(optarg, "csv"))
				r.format = FMT_CSV;
			else if (!strcmp(optarg, "hubspot"))
				r.format = FMT_HUBSPOT;
			else if (!strcmp(optarg, "salesforce"))
				r.format = FMT_SALESFORCE;
			else if (!strcmp(optarg, "ndjson"))
				r.format = FMT_NDJSON;
			else {
				ex = usage_error("--format: '%s' is not auto, csv, hubspot, salesforce "
				    "or ndjson", optarg);
				goto done;
			}
			break;
		case OPT_CONTACTS:
			contacts[ncontacts++] = optarg;
			break;
		case OPT_ALL:
			r.all = 1;
			break;
		case OPT_LOOKBACK:
			if (cli_parse_long("--lookback-months", optarg, 1, 24, &v, err, sizeof err) != 0) {
				ex = usage_error("%s", err);
				goto done;
			}
			lookback_flag = optarg;
			break;
		case OPT_LIMIT:
			if (cli_parse_long("--limit", optarg, 1, 100, &r.limit, err, sizeof err) != 0) {
				ex = usage_error("%s", err);
				goto done;
			}
			if (r.nolimit) {
				ex = usage_error("%s", "--limit and --no-limit exclude each other");
				goto done;
			}
			limit_seen = 1;
			break;
		case OPT_NO_LIMIT:
			if (limit_seen) {
				ex = usage_error("%s", "--limit and --no-limit exclude each other");
				goto done;
			}
			r.nolimit = 1;
			break;
		case OPT_PENDING:
			r.pending = 1;
			break;
		case OPT_TODAY:
			today_flag = optarg;
			break;
		case OPT_STAGE_MAP:
			stage_map_flag = optarg;
			break;
		case OPT_DATE_ORDER:
			date_order_flag = optarg;
			break;
		default:
			if (optopt && optopt < CLI_OPT_DB)
				ex = usage_error("unknown option '-%s'", (char[]){ (char)optopt, 0 });
			else
				ex = usage_error("unknown option or missing argument: '%s'", argv[optind - 1]);
			goto done;
		}
	}
	if ((rc = cli_help_version(&r.cli, usage)) >= 0) {
		ex = rc;
		goto done;
	}
	if (r.cli.workspace && !conf_workspace_valid(r.cli.workspace)) {
		ex = usage_error("--workspace: '%s' is not a workspace id (1-64 of A-Z a-z 0-9 _ . -)",
		    r.cli.workspace);
		goto done;
	}
	if (today_flag) {
		if (date_parse_iso(today_flag, &today) != 0) {
			ex = usage_error("--today: '%s' is not a YYYY-MM-DD date", today_flag);
			goto done;
		}
	} else {
		today = date_today();
	}
	if (date_order_flag && strcmp(date_order_flag, "mdy") && strcmp(date_order_flag, "dmy")) {
		ex = usage_error("--date-order: '%s' is not mdy or dmy", date_order_flag);
		goto done;
	}

	/* the workspace's settings */
	rc = conf_load(r.cli.workspace ? r.cli.workspace : "default", &conf, err, sizeof err);
	if (rc == CONF_ENOMEM) {
		cli_msg(stderr, "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (rc != CONF_OK) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_CONFIG;
		goto done;
	}
	rc = conf_long(conf, "lookback_months", lookback_flag, NULL, 1, 24, 6, &r.lookback,
	    err, sizeof err);
	if (rc != CONF_OK) {
		cli_msg(stderr, "%s", err);
		ex = rc == CONF_ENOMEM ? CLI_EX_IOERR : CLI_EX_CONFIG;
		goto done;
	}
	setting = conf_string(conf, "date_order", date_order_flag, NULL, "mdy");
	if (strcmp(setting, "mdy") && strcmp(setting, "dmy")) {
		cli_msg(stderr, "%s: date_order = %s: expected mdy or dmy", conf_path(conf), setting);
		ex = CLI_EX_CONFIG;
		goto done;
	}
	co.date_order = strcmp(setting, "dmy") == 0 ? DATE_DMY : DATE_MDY;
	co.currency = conf_get(conf, "currency");
	if (co.currency && (strlen(co.currency) != 3 || strspn(co.currency,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)) {
		cli_msg(stderr, "%s: currency = %s: expected an ISO 4217 code such as USD",
		    conf_path(conf), co.currency);
		ex = CLI_EX_CONFIG;
		goto done;
	}
	if ((smap = crm_stage_map_new()) == NULL) {
		cli_msg(stderr, "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (stage_map_flag) {
		rc = crm_stage_map_load(smap, stage_map_flag, err, sizeof err);
		if (rc == CRM_ENOMEM) {
			cli_msg(stderr, "out of memory");
			ex = CLI_EX_IOERR;
			goto done;
		}
		if (rc != 0) {
			ex = usage_error("--stage-map: %s", err);
			goto done;
		}
	} else if ((setting = conf_get(conf, "stage_map")) != NULL && *setting) {
		rc = load_stage_map_setting(smap, setting, err, sizeof err);
		if (rc != 0) {
			cli_msg(stderr, "%s: stage_map: %s", conf_path(conf), rc == CRM_ENOMEM ? "out of memory" : err);
			ex = rc == CRM_ENOMEM ? CLI_EX_IOERR : CLI_EX_CONFIG;
			goto done;
		}
	}
	date_format(date_months_before(today, (int)r.lookback), r.cutoff);
	date_format(today, r.today);
	co.workspace = r.cli.workspace ? r.cli.workspace : "default";
	co.workspace_forced = r.cli.workspace != NULL;
	co.stage_map = smap;
	if ((r.ctx = crm_ctx_new(&co)) == NULL ||
	    (!r.nolimit && (r.heap = calloc((size_t)r.limit, sizeof *r.heap)) == NULL)) {
		cli_msg(stderr, "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (cli_open_rejects(r.cli.rejects, &r.rejects, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (r.pending) {
		struct stat st;
		if (conf_db_path(r.cli.db, dbpath, sizeof dbpath) != 0) {
			cli_msg(stderr, "cannot tell where the db is: set --db or DEAL_ENRICH_DB");
			ex = CLI_EX_CONFIG;
			goto done;
		}
		char mdb[4200];
		snprintf(mdb, sizeof mdb, "%s/data.mdb", dbpath);
		if (stat(mdb, &st) != 0 && errno == ENOENT) {
			if (!r.cli.quiet)
				cli_msg(stderr, "no store at %s yet: every deal is pending", dbpath);
		} else if (db_open(dbpath, 1, &r.db, err, sizeof err) != DB_OK) {
			cli_msg(stderr, "%s", err);
			ex = CLI_EX_IOERR;
			goto done;
		}
	}

	r.progress = cli_progress_wanted(&r.cli);
	/* contacts first: --contacts, then FILE arguments that are contacts exports */
	for (size_t i = 0; i < ncontacts && !r.fatal && !r.ioerr; i++)
		load_if_contacts(&r, contacts[i], 1);
	if ((is_contacts = calloc((size_t)argc + 1, sizeof *is_contacts)) == NULL) {
		cli_msg(stderr, "out of memory");
		ex = CLI_EX_IOERR;
		goto done;
	}
	if (r.format != FMT_NDJSON)
		for (int i = optind; i < argc && !r.fatal && !r.ioerr; i++)
			if (strcmp(argv[i], "-") != 0)
				is_contacts[i] = load_if_contacts(&r, argv[i], 0);
	if (optind == argc && !r.fatal && !r.ioerr)
		input(&r, "-");
	for (int i = optind; i < argc && !r.fatal && !r.ioerr; i++)
		if (!is_contacts[i])
			input(&r, argv[i]);

	if (!r.fatal && !r.ioerr && !r.nolimit) {
		qsort(r.heap, r.nheap, sizeof *r.heap, cmp_best_first);
		for (size_t i = 0; i < r.nheap; i++)
			write_rec(&r, r.heap[i].rec);
	}
	if (r.progress && r.read >= 10000)
		fputc('\n', stderr);
	report(&r);
	if (r.fatal)
		ex = r.fatal;
	else if (r.ioerr)
		ex = CLI_EX_IOERR;
	else if (r.bad)
		ex = CLI_EX_DATAERR;
	if (r.rejects && cli_close_output(r.rejects, r.cli.rejects, err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
	}
	r.rejects = NULL;
	if (cli_close_output(stdout, "stdout", err, sizeof err) != 0) {
		cli_msg(stderr, "%s", err);
		ex = CLI_EX_IOERR;
	}
done:
	for (size_t i = 0; i < r.nheap; i++)
		json_free(r.heap[i].rec);
	json_free(r.held);
	free(r.heap);
	if (r.rejects)
		fclose(r.rejects);
	if (r.db)
		db_close(r.db);
	buf_free(&r.key);
	crm_ctx_free(r.ctx);
	crm_stage_map_free(smap);
	conf_free(conf);
	free(contacts);
	free(is_contacts);
	return ex;
}
