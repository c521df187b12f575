/* crm_read: see crm_read.h. */
#include "crm_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm_map.h"
#include "csvrd.h"
#include "ndj.h"
#include "str.h"

static void tell(crm_reader_t *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
tell(crm_reader_t *rd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vnotify(rd->say, rd->arg, fmt, ap);
	va_end(ap);
}

/* The worse of two outcomes: ENOMEM, then the others, then CRM_OK. */
static int
worse(int a, int b)
{
	if (a == CRM_ENOMEM || b == CRM_ENOMEM)
		return CRM_ENOMEM;
	return a != CRM_OK ? a : b;
}

int
crm_format_parse(const char *s, crm_format *out)
{
	static const char *const names[] = { "auto", "csv", "hubspot", "salesforce", "ndjson" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (crm_format)i;
			return 0;
		}
	return -1;
}

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

/* ---- bad rows ---- */

/* Counts and tells a bad row and copies its raw text (may be NULL) to the rejects. */
static int
bad_row(crm_reader_t *rd, const char *name, unsigned long line, const char *why,
    const char *raw, size_t rawlen)
{
	rd->bad++;
	tell(rd, "%s:%lu: %s", name, line, why);
	if (rd->rejects && raw) {
		if (fwrite(raw, 1, rawlen, rd->rejects) != rawlen ||
		    (rawlen && raw[rawlen - 1] != '\n' && raw[rawlen - 1] != '\r' &&
		    fputc('\n', rd->rejects) == EOF)) {
			tell(rd, "%s: %s", rd->rejects_name ? rd->rejects_name : "rejects",
			    strerror(errno));
			return CRM_EIO;
		}
	}
	return CRM_OK;
}

/* ---- CSV ---- */

static crm_kind
forced_kind(crm_format f)
{
	return f == CRM_FMT_HUBSPOT ? CRM_KIND_HUBSPOT_DEALS :
	    f == CRM_FMT_SALESFORCE ? CRM_KIND_SF_OPPORTUNITIES : CRM_KIND_UNKNOWN;
}

static csvrd_t *
csv_open(crm_reader_t *rd, FILE *f, const char *name)
{
	csvrd_opts_t o = { 0 };

	o.max_record = rd->max_line;
	return csvrd_new(f, name, &o, rd->rejects);
}

/*
 * Reads the header into *t (NULL when there is none to read: empty, bad,
 * unknown; told unless quiet), with the user's map for a file of kind file
 * (crm_table_new_mapped; 0: not known yet, and when it is a contacts export
 * the map is applied again as to one). Returns CRM_OK, CRM_EIO or CRM_ENOMEM.
 */
static int
csv_header(crm_reader_t *rd, csvrd_t *cr, const char *name, crm_kind kind, int quiet,
    int file, crm_table_t **t)
{
	const csvrd_record_t *rec;
	char err[1536];
	int rc;

	*t = NULL;
	while ((rc = csvrd_next(cr, &rec)) == CSVRD_BAD)
		if (bad_row(rd, name, csvrd_bad_line(cr), csvrd_error(cr), NULL, 0) != CRM_OK)
			return CRM_EIO;
	if (rc == CSVRD_EOF) {
		if (!quiet && rd->verbose)
			tell(rd, "%s: empty", name);
		return CRM_OK;
	}
	if (rc < 0) {
		if (quiet)
			return CRM_OK;
		tell(rd, "%s: %s", name, csvrd_error(cr));
		if (rc != CSVRD_EFORMAT)
			return CRM_EIO;
		rd->bad++;
		return CRM_OK;
	}
	rc = crm_table_new_mapped(kind, rec->fields, rec->n, rd->map, file, t, err, sizeof err);
	if (rc == CRM_OK && file == 0 && crm_map_size(rd->map) > 0 &&
	    crm_kind_is_contacts(crm_table_kind(*t))) {
		crm_table_free(*t);
		*t = NULL;
		quiet = 0;
		rc = crm_table_new_mapped(kind, rec->fields, rec->n, rd->map, CRM_MAP_CONTACTS, t,
		    err, sizeof err);
	}
	if (rc == CRM_ENOMEM)
		return CRM_ENOMEM;
	if (rc != CRM_OK && !quiet)
		return bad_row(rd, name, rec->line, err, rec->raw, rec->rawlen);
	return CRM_OK;
}

/* Gives the held deal to the caller. */
static int
flush_held(crm_reader_t *rd, json_t **held)
{
	json_t *d = *held;

	*held = NULL;
	return d && rd->deal(rd->arg, d) != 0 ? CRM_EIO : CRM_OK;
}

/*
 * A CSV deal, held until the next row shows it is complete: consecutive rows
 * of one deal (a report with a row per contact role) are merged.
 */
static int
take_csv_deal(crm_reader_t *rd, json_t **held, json_t *rec)
{
	if (*held) {
		const char *a = json_str(json_get(*held, "deal_id"));
		const char *b = json_str(json_get(rec, "deal_id"));
		if (a && b && strcmp(a, b) == 0) {
			int rc = crm_merge_contacts(*held, rec);
			json_free(rec);
			return rc;
		}
		if (flush_held(rd, held) != CRM_OK) {
			json_free(rec);
			return CRM_EIO;
		}
	}
	*held = rec;
	return CRM_OK;
}

static int
csv_rows(crm_reader_t *rd, csvrd_t *cr, const char *name, crm_table_t *t)
{
	const csvrd_record_t *rec;
	char err[512];
	json_t *deal, *held = NULL;
	int rc, out = CRM_OK, contacts = crm_kind_is_contacts(crm_table_kind(t));
	int accounts = crm_table_kind(t) == CRM_KIND_ACCOUNTS;

	while (out == CRM_OK) {
		rc = csvrd_next(cr, &rec);
		if (rc == CSVRD_EOF)
			break;
		if (rc == CSVRD_BAD) {
			/* csvrd copied the raw lines to the rejects */
			rd->bad++;
			tell(rd, "%s:%lu: %s", name, csvrd_bad_line(cr), csvrd_error(cr));
			continue;
		}
		if (rc < 0) {
			tell(rd, "%s: %s", name, csvrd_error(cr));
			if (rc == CSVRD_EFORMAT)
				rd->bad++;
			else
				out = CRM_EIO;
			break;
		}
		if (accounts)
			rc = crm_ctx_add_account_row(rd->ctx, t, rec->fields, rec->n, err, sizeof err);
		else if (contacts)
			rc = crm_ctx_add_contact_row(rd->ctx, t, rec->fields, rec->n, err, sizeof err);
		else
			rc = crm_deal_from_row(rd->ctx, t, rec->fields, rec->n, &deal, err, sizeof err);
		if (rc == CRM_ENOMEM)
			out = CRM_ENOMEM;
		else if (rc == CRM_SKIP)
			rd->skipped++;
		else if (rc == CRM_BAD)
			out = bad_row(rd, name, rec->line, err, rec->raw, rec->rawlen);
		else if (!contacts && !accounts)
			out = take_csv_deal(rd, &held, deal);
	}
	return worse(out, flush_held(rd, &held));
}

/* ---- NDJSON ---- */

static int
ndjson_input(crm_reader_t *rd, FILE *f, const char *name)
{
	ndj_reader_t *nr = ndj_reader_new(f, name, rd->max_line, rd->max_depth, rd->rejects);
	json_t *rec, *deal;
	char err[512];
	buf_t raw;
	int rc, out = CRM_OK;

	if (nr == NULL)
		return CRM_ENOMEM;
	buf_init(&raw, (size_t)1 << 31);
	while (out == CRM_OK) {
		rc = ndj_read(nr, &rec);
		if (rc == NDJ_EOF)
			break;
		if (rc == NDJ_BAD) {
			tell(rd, "%s:%lu: %s", name, ndj_line(nr), ndj_error(nr));
			continue;
		}
		if (rc != NDJ_OK) {
			if (rc != NDJ_ENOMEM)
				tell(rd, "%s: %s", name, ndj_error(nr));
			out = rc == NDJ_ENOMEM ? CRM_ENOMEM : CRM_EIO;
			break;
		}
		rc = crm_deal_from_json(rd->ctx, rec, &deal, err, sizeof err);
		if (rc == CRM_ENOMEM) {
			json_free(rec);
			out = CRM_ENOMEM;
			break;
		}
		if (rc == CRM_BAD) {
			/* the rejects get the record as read, serialized again */
			buf_reset(&raw);
			if (json_dump(rec, &raw) != JSON_OK || buf_addc(&raw, '\n') != BUF_OK)
				buf_reset(&raw);
			out = bad_row(rd, name, ndj_line(nr), err, buf_ptr(&raw), buf_len(&raw));
			json_free(rec);
			continue;
		}
		if (deal != rec)
			json_free(rec);
		if (rd->deal(rd->arg, deal) != 0)
			out = CRM_EIO;
	}
	rd->bad += ndj_bad_lines(nr);
	buf_free(&raw);
	ndj_reader_free(nr);
	return out;
}

/* ---- inputs ---- */

/* A CSV file read before the deals: a contacts export, an accounts file. */
struct side {
	FILE *f, *pf;
	csvrd_t *cr;
	crm_table_t *t;
};

/*
 * Opens name and, unless it is NDJSON (*nd 1, nothing more read), reads its
 * header into s->t as csv_header() does. Returns CRM_OK, CRM_EIO (told) or
 * CRM_ENOMEM; side_close() in any case.
 */
static int
side_open(crm_reader_t *rd, const char *name, crm_kind kind, int quiet, int file, struct side *s,
    int *nd)
{
	memset(s, 0, sizeof *s);
	*nd = 0;
	if ((s->f = fopen(name, "rb")) == NULL || (s->pf = peek_open(s->f, nd)) == NULL) {
		tell(rd, "%s: %s", name, strerror(errno));
		return CRM_EIO;
	}
	if (*nd)
		return CRM_OK;
	if ((s->cr = csv_open(rd, s->pf, name)) == NULL)
		return CRM_ENOMEM;
	return csv_header(rd, s->cr, name, kind, quiet, file, &s->t);
}

static void
side_close(struct side *s)
{
	crm_table_free(s->t);
	csvrd_free(s->cr);
	if (s->pf)
		fclose(s->pf);
	if (s->f)
		fclose(s->f);
}

int
crm_read_contacts(crm_reader_t *rd, const char *name, int must, int *is_contacts)
{
	struct side s;
	int nd, rc;

	*is_contacts = 1;
	rc = side_open(rd, name, CRM_KIND_UNKNOWN, !must, must ? CRM_MAP_CONTACTS : 0, &s, &nd);
	if (rc == CRM_OK && nd) {
		*is_contacts = must;
		if (must) {
			tell(rd, "%s: --contacts takes a CSV contacts export, not NDJSON", name);
			rc = CRM_EUSAGE;
		}
	} else if (s.t && crm_kind_is_contacts(crm_table_kind(s.t))) {
		if (rd->verbose)
			tell(rd, "%s: %s", name, crm_kind_name(crm_table_kind(s.t)));
		rc = worse(rc, csv_rows(rd, s.cr, name, s.t));
	} else if (must && s.t) {
		tell(rd, "%s: not a contacts export (it looks like %s)", name,
		    crm_kind_name(crm_table_kind(s.t)));
		rc = worse(rc, CRM_EUSAGE);
	} else if (!must && rc == CRM_OK) {
		*is_contacts = 0;
	}
	side_close(&s);
	return rc;
}

int
crm_read_accounts(crm_reader_t *rd, const char *name)
{
	struct side s;
	int nd, rc;

	rc = side_open(rd, name, CRM_KIND_ACCOUNTS, 0, CRM_MAP_ACCOUNTS, &s, &nd);
	if (rc == CRM_OK && nd) {
		tell(rd, "%s: --accounts takes a CSV of accounts, not NDJSON", name);
		rc = CRM_EUSAGE;
	} else if (s.t) {
		rc = worse(rc, csv_rows(rd, s.cr, name, s.t));
		if (rc == CRM_OK && rd->verbose)
			tell(rd, "%s: %zu accounts", name, crm_ctx_accounts(rd->ctx));
	}
	side_close(&s);
	return rc;
}

int
crm_read_input(crm_reader_t *rd, const char *path)
{
	int is_stdin = strcmp(path, "-") == 0, nd = 0, rc = CRM_OK;
	const char *name = is_stdin ? "stdin" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb"), *pf;
	csvrd_t *cr;
	crm_table_t *t;

	if (f == NULL) {
		tell(rd, "%s: %s", name, strerror(errno));
		return CRM_EIO;
	}
	if ((pf = peek_open(f, &nd)) == NULL) {
		tell(rd, "%s: %s", name, strerror(errno));
		if (!is_stdin)
			fclose(f);
		return CRM_EIO;
	}
	if (rd->format == CRM_FMT_NDJSON || (rd->format == CRM_FMT_AUTO && nd)) {
		rc = ndjson_input(rd, pf, name);
	} else if ((cr = csv_open(rd, pf, name)) == NULL) {
		rc = CRM_ENOMEM;
	} else {
		rc = csv_header(rd, cr, name, forced_kind(rd->format), 0, CRM_MAP_DEALS, &t);
		if (t) {
			if (rd->verbose)
				tell(rd, "%s: %s", name, crm_kind_name(crm_table_kind(t)));
			if (crm_kind_is_contacts(crm_table_kind(t)) && !rd->quiet)
				tell(rd, "%s: a contacts export; its contacts join the deals "
				    "read after it", name);
			rc = worse(rc, csv_rows(rd, cr, name, t));
			crm_table_free(t);
		}
		csvrd_free(cr);
	}
	fclose(pf);
	if (!is_stdin)
		fclose(f);
	return rc;
}
