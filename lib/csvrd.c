/* csvrd: see csvrd.h. */
#include "csvrd.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

#define IBUF 65536

/* libcsv's parser states (csv.h exposes the struct, libcsv.c the values). */
#define LIBCSV_FIELD_BEGUN 2

enum { ENC_UTF8, ENC_UTF16LE, ENC_UTF16BE };

struct csvrd {
	FILE *in, *rejects;
	char *name;
	size_t max_record, max_field;
	char delim;
	int delim_known;

	/* decoded input */
	char ibuf[IBUF];
	size_t ipos, ilen;
	int ieof;
	/* UTF-16: raw bytes not yet converted */
	int enc;
	iconv_t cd;
	char rbuf[IBUF];
	size_t rlen;
	int started, fatal, decoded;

	/* lines read again after an unterminated quote */
	char *replay;
	size_t replay_len, replay_pos;
	size_t replayed;   /* bytes read again so far: at most max_record in all */

	unsigned long line;
	struct csv_parser p;
	int pinit;

	/* the record being read */
	buf_t raw;
	size_t first_line_len;
	buf_t fbuf;
	size_t *offs, *lens;
	char **ptrs;
	size_t nf, af;
	int in_record, rec_done, rec_bad;
	unsigned long rec_line;
	csvrd_record_t rec;

	char err[320];
	unsigned long bad_line, bad;
};

static void
seterr(csvrd_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
seterr(csvrd_t *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
}

csvrd_t *
csvrd_new(FILE *in, const char *name, const csvrd_opts_t *opts, FILE *rejects)
{
	csvrd_t *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	if ((r->name = strdup(name ? name : "stdin")) == NULL) {
		free(r);
		return NULL;
	}
	r->in = in;
	r->rejects = rejects;
	r->cd = (iconv_t)-1;
	r->max_record = opts && opts->max_record ? opts->max_record : CSVRD_MAX_RECORD_DEFAULT;
	r->max_field = opts && opts->max_field ? opts->max_field : CSVRD_MAX_FIELD_DEFAULT;
	if (r->max_field > r->max_record)
		r->max_field = r->max_record;
	r->delim = ',';
	if (opts && opts->delim) {
		r->delim = opts->delim;
		r->delim_known = 1;
	}
	buf_init(&r->raw, r->max_record);
	buf_init(&r->fbuf, r->max_record * 2 + 16);
	if (csv_init(&r->p, 0) != 0) {
		free(r->name);
		free(r);
		return NULL;
	}
	csv_set_delim(&r->p, (unsigned char)r->delim);
	r->pinit = 1;
	return r;
}

void
csvrd_free(csvrd_t *r)
{
	if (r == NULL)
		return;
	if (r->pinit)
		csv_free(&r->p);
	if (r->cd != (iconv_t)-1)
		iconv_close(r->cd);
	buf_free(&r->raw);
	buf_free(&r->fbuf);
	free(r->offs);
	free(r->lens);
	free(r->ptrs);
	free(r->replay);
	free(r->name);
	free(r);
}

const char *csvrd_error(const csvrd_t *r) { return r->err; }
unsigned long csvrd_bad_line(const csvrd_t *r) { return r->bad_line; }
unsigned long csvrd_bad_count(const csvrd_t *r) { return r->bad; }
char csvrd_delim(const csvrd_t *r) { return r->delim; }
const char *csvrd_name(const csvrd_t *r) { return r->name; }

const char *
csvrd_encoding(const csvrd_t *r)
{
	return r->enc == ENC_UTF16LE ? "utf-16le" : r->enc == ENC_UTF16BE ? "utf-16be" : "utf-8";
}

/* ---- input: decoding ---- */

/* Refills ibuf. Returns 1 (bytes there), 0 (end of input) or a CSVRD_E* code. */
static int
fill(csvrd_t *r)
{
	size_t n;

	r->ipos = r->ilen = 0;
	if (r->enc == ENC_UTF8) {
		if (r->ieof)
			return 0;
		n = fread(r->ibuf, 1, IBUF, r->in);
		if (n == 0) {
			if (ferror(r->in)) {
				seterr(r, "read error: %s", strerror(errno));
				return CSVRD_EIO;
			}
			r->ieof = 1;
			return 0;
		}
		r->ilen = n;
		return 1;
	}
	for (;;) {
		char *ip = r->rbuf, *op = r->ibuf;
		size_t il = r->rlen, ol = IBUF;
		size_t rc;

		if (il > 0) {
			rc = iconv(r->cd, &ip, &il, &op, &ol);
			if (rc == (size_t)-1 && errno == EILSEQ) {
				seterr(r, "invalid %s input; convert the file with "
				    "iconv -f UTF-16 -t UTF-8", csvrd_encoding(r));
				return CSVRD_EFORMAT;
			}
			memmove(r->rbuf, ip, il);
			r->rlen = il;
			r->ilen = (size_t)(op - r->ibuf);
			if (!r->decoded && r->ilen >= 3 && (unsigned char)r->ibuf[0] == 0xEF &&
			    (unsigned char)r->ibuf[1] == 0xBB && (unsigned char)r->ibuf[2] == 0xBF) {
				/* a BOM after the BOM: a UTF-8 file converted as it was */
				memmove(r->ibuf, r->ibuf + 3, r->ilen - 3);
				r->ilen -= 3;
			}
			if (r->ilen > 0) {
				r->decoded = 1;
				return 1;
			}
		}
		if (r->ieof) {
			if (r->rlen > 0) {
				seterr(r, "%s input ends in the middle of a character",
				    csvrd_encoding(r));
				return CSVRD_EFORMAT;
			}
			return 0;
		}
		n = fread(r->rbuf + r->rlen, 1, IBUF - r->rlen, r->in);
		if (n == 0) {
			if (ferror(r->in)) {
				seterr(r, "read error: %s", strerror(errno));
				return CSVRD_EIO;
			}
			r->ieof = 1;
		}
		r->rlen += n;
	}
}

/* Looks at the first bytes: BOMs and UTF-16. */
static int
sniff(csvrd_t *r)
{
	unsigned char b[4];
	size_t n = 0, got, skip = 0;
	const char *from = NULL;

	r->started = 1;
	while (n < 4 && (got = fread(b + n, 1, 4 - n, r->in)) > 0)
		n += got;
	if (n < 4 && ferror(r->in)) {
		seterr(r, "read error: %s", strerror(errno));
		return r->fatal = CSVRD_EIO;
	}
	if (n < 4)
		r->ieof = feof(r->in) ? 1 : 0;
	if (n >= 4 && ((b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0) ||
	    (b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF))) {
		seterr(r, "UTF-32 input is not supported; convert the file with "
		    "iconv -f UTF-32 -t UTF-8");
		return r->fatal = CSVRD_EFORMAT;
	}
	if (n >= 4 && ((b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) ||
	    (b[0] == 0xD0 && b[1] == 0xCF && b[2] == 0x11 && b[3] == 0xE0))) {
		seterr(r, "an Excel workbook (XLSX/XLS), not CSV: export it as CSV "
		    "(or convert it: libreoffice --headless --convert-to csv FILE)");
		return r->fatal = CSVRD_EFORMAT;
	}
	if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
		skip = 3;
	} else if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
		r->enc = ENC_UTF16LE, skip = 2;
	} else if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
		r->enc = ENC_UTF16BE, skip = 2;
	} else if (n >= 4 && b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0) {
		r->enc = ENC_UTF16LE;
	} else if (n >= 4 && b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0) {
		r->enc = ENC_UTF16BE;
	}
	if (r->enc == ENC_UTF8) {
		memcpy(r->ibuf, b + skip, n - skip);
		r->ilen = n - skip;
		return 0;
	}
	from = r->enc == ENC_UTF16LE ? "UTF-16LE" : "UTF-16BE";
	r->cd = iconv_open("UTF-8", from);
	if (r->cd == (iconv_t)-1) {
		seterr(r, "cannot convert %s input here (%s); convert the file with "
		    "iconv -f UTF-16 -t UTF-8", from, strerror(errno));
		return r->fatal = CSVRD_EFORMAT;
	}
	memcpy(r->rbuf, b + skip, n - skip);
	r->rlen = n - skip;
	return 0;
}

#define SRC_EOF (-1)

/* The next decoded byte, SRC_EOF, or a CSVRD_E* code (< -1). */
static int
src_get(csvrd_t *r)
{
	int rc;

	if (r->replay) {
		if (r->replay_pos < r->replay_len)
			return (unsigned char)r->replay[r->replay_pos++];
		free(r->replay);
		r->replay = NULL;
	}
	if (r->ipos == r->ilen) {
		rc = fill(r);
		if (rc == 0)
			return SRC_EOF;
		if (rc < 0)
			return rc == CSVRD_EIO ? -2 : rc == CSVRD_EFORMAT ? -3 : -4;
	}
	return (unsigned char)r->ibuf[r->ipos++];
}

static int
src_code(int c)
{
	return c == -2 ? CSVRD_EIO : c == -3 ? CSVRD_EFORMAT : CSVRD_ENOMEM;
}

/* Peeks at the next byte without taking it (same returns as src_get). */
static int
src_peek(csvrd_t *r)
{
	int rc;

	if (r->replay && r->replay_pos < r->replay_len)
		return (unsigned char)r->replay[r->replay_pos];
	if (r->replay) {
		free(r->replay);
		r->replay = NULL;
	}
	if (r->ipos == r->ilen) {
		rc = fill(r);
		if (rc == 0)
			return SRC_EOF;
		if (rc < 0)
			return rc == CSVRD_EIO ? -2 : rc == CSVRD_EFORMAT ? -3 : -4;
	}
	return (unsigned char)r->ibuf[r->ipos];
}

/* ---- rejects ---- */

static int
reject_write(csvrd_t *r, const char *p, size_t n)
{
	if (r->rejects == NULL || n == 0)
		return 0;
	if (fwrite(p, 1, n, r->rejects) != n) {
		seterr(r, "cannot write rejects: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes p[0..n) and makes sure the copy ends with a line end. */
static int
reject_record(csvrd_t *r, const char *p, size_t n)
{
	if (reject_write(r, p, n) != 0)
		return -1;
	if (n > 0 && p[n - 1] != '\n' && p[n - 1] != '\r')
		return reject_write(r, "\n", 1);
	return 0;
}

/* Streams the rest of the current physical line to the rejects. */
static int
reject_rest_of_line(csvrd_t *r)
{
	char chunk[4096];
	size_t n = 0;
	int c;

	for (;;) {
		c = src_get(r);
		if (c < -1)
			return src_code(c);
		if (c == SRC_EOF)
			break;
		chunk[n++] = (char)c;
		if (n == sizeof chunk) {
			if (reject_write(r, chunk, n) != 0)
				return CSVRD_EIO;
			n = 0;
		}
		if (c == '\n')
			break;
		if (c == '\r') {
			int d = src_peek(r);
			if (d < -1)
				return src_code(d);
			if (d == '\n') {
				src_get(r);
				chunk[n++] = '\n';
			}
			break;
		}
	}
	if (reject_write(r, chunk, n) != 0)
		return CSVRD_EIO;
	if (n == 0 || (chunk[n - 1] != '\n' && chunk[n - 1] != '\r'))
		if (reject_write(r, "\n", 1) != 0)
			return CSVRD_EIO;
	return 0;
}

/* ---- libcsv callbacks ---- */

static void
on_field(void *s, size_t len, void *data)
{
	csvrd_t *r = data;

	if (r->rec_bad == 2)
		return;
	if (len > r->max_field && !r->rec_bad) {
		r->rec_bad = 1;
		seterr(r, "field %zu is longer than %zu bytes", r->nf + 1, r->max_field);
	}
	if (r->nf == r->af) {
		size_t na = r->af ? r->af * 2 : 32;
		size_t *no = realloc(r->offs, na * sizeof *no);
		if (no == NULL) {
			r->rec_bad = 2;
			return;
		}
		r->offs = no;
		no = realloc(r->lens, na * sizeof *no);
		if (no == NULL) {
			r->rec_bad = 2;
			return;
		}
		r->lens = no;
		r->af = na;
	}
	if (r->rec_bad)
		len = 0;   /* keep counting fields, not their bytes */
	r->offs[r->nf] = buf_len(&r->fbuf);
	r->lens[r->nf] = len;
	if ((len && buf_add(&r->fbuf, s, len) != BUF_OK) || buf_addc(&r->fbuf, '\0') != BUF_OK) {
		r->rec_bad = 2;
		return;
	}
	r->nf++;
}

static void
on_record(int c, void *data)
{
	csvrd_t *r = data;

	(void)c;
	r->rec_done = 1;
}

/* ---- records ---- */

static int
reset_parser(csvrd_t *r)
{
	csv_free(&r->p);
	r->pinit = 0;
	if (csv_init(&r->p, 0) != 0)
		return CSVRD_ENOMEM;
	csv_set_delim(&r->p, (unsigned char)r->delim);
	r->pinit = 1;
	return 0;
}

static void
detect_delim(csvrd_t *r, const char *p, size_t n)
{
	size_t comma = 0, semi = 0, tab = 0, i;
	int q = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '"')
			q = !q;
		else if (!q && p[i] == ',')
			comma++;
		else if (!q && p[i] == ';')
			semi++;
		else if (!q && p[i] == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		r->delim = ';';
	else if (tab > comma && tab > semi)
		r->delim = '\t';
	else
		r->delim = ',';
	csv_set_delim(&r->p, (unsigned char)r->delim);
}

static int
blank_line(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

/*
 * Appends the next physical line to r->raw. Returns 1 (a line), 0 (end of
 * input), 2 (the line passed the record cap: what was read and the rest of
 * the line went to the rejects) or a CSVRD_E* code.
 */
static int
read_line(csvrd_t *r)
{
	size_t start = buf_len(&r->raw);
	int c, d, rc;

	for (;;) {
		c = src_get(r);
		if (c < -1)
			return src_code(c);
		if (c == SRC_EOF)
			return buf_len(&r->raw) > start ? 1 : 0;
		rc = buf_addc(&r->raw, (char)c);
		if (rc == BUF_ETOOBIG) {
			if (reject_write(r, buf_ptr(&r->raw), buf_len(&r->raw)) != 0 ||
			    reject_write(r, (char[]){ (char)c }, 1) != 0)
				return CSVRD_EIO;
			if (c == '\n' || (c == '\r' && src_peek(r) != '\n')) {
				if (c == '\r' && reject_write(r, "\n", 1) != 0)
					return CSVRD_EIO;
				return 2;
			}
			rc = reject_rest_of_line(r);
			return rc < 0 ? rc : 2;
		}
		if (rc != BUF_OK)
			return CSVRD_ENOMEM;
		if (c == '\n')
			return 1;
		if (c == '\r') {
			d = src_peek(r);
			if (d < -1)
				return src_code(d);
			if (d == '\n') {
				src_get(r);
				rc = buf_addc(&r->raw, '\n');
				if (rc == BUF_ETOOBIG) {
					if (reject_write(r, buf_ptr(&r->raw), buf_len(&r->raw)) != 0 ||
					    reject_write(r, "\n", 1) != 0)
						return CSVRD_EIO;
					return 2;
				}
				if (rc != BUF_OK)
					return CSVRD_ENOMEM;
			}
			return 1;
		}
	}
}

static void
begin_record(csvrd_t *r)
{
	buf_reset(&r->raw);
	buf_reset(&r->fbuf);
	r->nf = 0;
	r->rec_bad = 0;
	r->rec_done = 0;
	r->in_record = 0;
}

static int
deliver(csvrd_t *r, const csvrd_record_t **out)
{
	r->in_record = 0;
	r->rec_done = 0;
	if (r->rec_bad == 2) {
		seterr(r, "out of memory");
		return r->fatal = CSVRD_ENOMEM;
	}
	if (r->rec_bad) {
		r->bad++;
		r->bad_line = r->rec_line;
		if (reject_record(r, buf_ptr(&r->raw), buf_len(&r->raw)) != 0)
			return r->fatal = CSVRD_EIO;
		return CSVRD_BAD;
	}
	if (r->nf == 0) {
		/* libcsv gives at least one field per record; be safe */
		on_field(NULL, 0, r);
		if (r->rec_bad == 2)
			return r->fatal = CSVRD_ENOMEM;
	}
	{
		char **np = realloc(r->ptrs, r->af * sizeof *np);
		if (np == NULL) {
			seterr(r, "out of memory");
			return r->fatal = CSVRD_ENOMEM;
		}
		r->ptrs = np;
	}
	for (size_t i = 0; i < r->nf; i++)
		r->ptrs[i] = r->fbuf.ptr + r->offs[i];
	r->rec.n = r->nf;
	r->rec.fields = r->ptrs;
	r->rec.lens = r->lens;
	r->rec.line = r->rec_line;
	r->rec.raw = buf_ptr(&r->raw);
	r->rec.rawlen = buf_len(&r->raw);
	*out = &r->rec;
	return CSVRD_OK;
}

/* A quoted field is still open at the end of the input. */
static int
unterminated(csvrd_t *r)
{
	const char *raw = buf_ptr(&r->raw);
	size_t len = buf_len(&r->raw);
	int rc;

	r->bad++;
	r->bad_line = r->rec_line;
	seterr(r, "a quoted field opened on this line is never closed");
	if ((rc = reset_parser(r)) != 0)
		return r->fatal = rc;
	r->in_record = 0;
	if (len > r->first_line_len && r->replayed + (len - r->first_line_len) <= r->max_record) {
		if (reject_record(r, raw, r->first_line_len) != 0)
			return r->fatal = CSVRD_EIO;
		r->replay_len = len - r->first_line_len;
		r->replay = malloc(r->replay_len);
		if (r->replay == NULL) {
			seterr(r, "out of memory");
			return r->fatal = CSVRD_ENOMEM;
		}
		memcpy(r->replay, raw + r->first_line_len, r->replay_len);
		r->replay_pos = 0;
		r->replayed += r->replay_len;
		r->line = r->rec_line;
	} else if (reject_record(r, raw, len) != 0) {
		return r->fatal = CSVRD_EIO;
	}
	return CSVRD_BAD;
}

int
csvrd_next(csvrd_t *r, const csvrd_record_t **out)
{
	size_t start, n;
	const char *lp;
	int rc;

	*out = NULL;
	if (r->fatal)
		return r->fatal;
	if (!r->started && (rc = sniff(r)) != 0)
		return rc;
	for (;;) {
		if (!r->in_record)
			begin_record(r);
		start = buf_len(&r->raw);
		rc = read_line(r);
		if (rc < 0)
			return r->fatal = rc;
		if (rc == 2) {
			r->line++;
			r->bad++;
			r->bad_line = r->in_record ? r->rec_line : r->line;
			seterr(r, "record longer than %zu bytes", r->max_record);
			r->in_record = 0;
			if ((rc = reset_parser(r)) != 0)
				return r->fatal = rc;
			return CSVRD_BAD;
		}
		if (rc == 0) {
			if (!r->in_record)
				return CSVRD_EOF;
			if (r->p.quoted && r->p.pstate == LIBCSV_FIELD_BEGUN)
				return unterminated(r);
			csv_fini(&r->p, on_field, on_record, r);
			r->rec_done = 1;
			return deliver(r, out);
		}
		r->line++;
		lp = buf_ptr(&r->raw) + start;
		n = buf_len(&r->raw) - start;
		if (!r->in_record) {
			if (blank_line(lp, n)) {
				buf_reset(&r->raw);
				continue;
			}
			if (!r->delim_known) {
				r->delim_known = 1;
				if (n >= 5 && strncasecmp(lp, "sep=", 4) == 0 &&
				    blank_line(lp + 5, n - 5)) {
					r->delim = lp[4];
					csv_set_delim(&r->p, (unsigned char)r->delim);
					buf_reset(&r->raw);
					continue;
				}
				detect_delim(r, lp, n);
			}
			r->in_record = 1;
			r->rec_line = r->line;
			r->first_line_len = n;
		}
		if (csv_parse(&r->p, lp, n, on_field, on_record, r) != n) {
			seterr(r, "CSV parser: %s", csv_strerror(csv_error(&r->p)));
			return r->fatal = CSVRD_ENOMEM;
		}
		if (r->rec_done)
			return deliver(r, out);
	}
}
