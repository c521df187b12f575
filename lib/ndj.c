#include "ndj.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ndj_reader {
	FILE *in;
	FILE *rejects;
	char *name;
	size_t max_line, max_depth;
	buf_t line;
	unsigned long lineno, bad;
	char err[512];
	char chunk[8192];   /* read_line's: '\n' where no line is in it */
	jspan_index_t *ix;   /* of the last text read */
};

ndj_reader_t *
ndj_reader_new(FILE *in, const char *name, size_t max_line, size_t max_depth,
    FILE *rejects)
{
	ndj_reader_t *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	if ((r->name = strdup(name ? name : "stdin")) == NULL) {
		free(r);
		return NULL;
	}
	memset(r->chunk, '\n', sizeof r->chunk);
	r->in = in;
	r->rejects = rejects;
	r->max_line = max_line ? max_line : NDJ_MAX_LINE_DEFAULT;
	r->max_depth = max_depth ? max_depth : JSON_MAX_DEPTH_DEFAULT;
	buf_init(&r->line, r->max_line);
	if ((r->ix = jspan_index_new(NDJ_INDEX_CONTAINERS, NDJ_INDEX_MEMBERS)) == NULL) {
		ndj_reader_free(r);
		return NULL;
	}
	return r;
}

void
ndj_reader_free(ndj_reader_t *r)
{
	if (r == NULL)
		return;
	buf_free(&r->line);
	jspan_index_free(r->ix);
	free(r->name);
	free(r);
}

const char *
ndj_name(const ndj_reader_t *r)
{
	return r->name;
}

unsigned long
ndj_line(const ndj_reader_t *r)
{
	return r->lineno;
}

const char *
ndj_error(const ndj_reader_t *r)
{
	return r->err;
}

unsigned long
ndj_bad_lines(const ndj_reader_t *r)
{
	return r->bad;
}

static int
reject_write(ndj_reader_t *r, const char *p, size_t n)
{
	if (r->rejects == NULL || n == 0)
		return 0;
	if (fwrite(p, 1, n, r->rejects) != n) {
		snprintf(r->err, sizeof r->err, "cannot write rejects: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Copies what is left of an overlong line to the rejects file, a chunk at a time. */
static int
reject_rest(ndj_reader_t *r)
{
	char chunk[8192];
	int c;
	size_t n = 0;

	while ((c = getc(r->in)) != EOF && c != '\n') {
		chunk[n++] = (char)c;
		if (n == sizeof chunk) {
			if (reject_write(r, chunk, n) != 0)
				return -1;
			n = 0;
		}
	}
	if (ferror(r->in))
		return -1;
	if (reject_write(r, chunk, n) != 0 || reject_write(r, "\n", 1) != 0)
		return -1;
	return 0;
}

/*
 * Reads one line into r->line without its end. Returns NDJ_OK, NDJ_EOF,
 * NDJ_BAD (overlong, already copied to the rejects), NDJ_EIO or NDJ_ENOMEM.
 *
 * A getc and a buf_addc per byte cost more than validating the line, so it
 * reads with fgets, a chunk at a time. fgets does not say how many bytes it
 * read, and a line may hold NUL bytes: r->chunk is kept full of '\n' where no
 * line is in it, so the last NUL in it is the one fgets wrote.
 */
static int
read_line(ndj_reader_t *r)
{
	char *chunk = r->chunk;
	size_t got;
	int nl, rc;

	buf_reset(&r->line);
	for (;;) {
		if (fgets(chunk, sizeof r->chunk, r->in) == NULL) {
			/* after an error the chunk may hold anything */
			memset(chunk, '\n', sizeof r->chunk);
			if (ferror(r->in)) {
				snprintf(r->err, sizeof r->err, "read error: %s", strerror(errno));
				return NDJ_EIO;
			}
			if (buf_len(&r->line) == 0)
				return NDJ_EOF;
			r->lineno++;
			return NDJ_OK;   /* a last line without "\n" */
		}
		got = strlen(chunk);
		if (got == 0 || chunk[got - 1] != '\n')
			got = (size_t)((char *)memrchr(chunk, '\0', sizeof r->chunk) - chunk);
		nl = got > 0 && chunk[got - 1] == '\n';
		got -= nl;
		rc = NDJ_OK;
		switch (buf_add(&r->line, chunk, got)) {
		case BUF_OK:
			break;
		case BUF_ETOOBIG:
			r->lineno++;
			r->bad++;
			snprintf(r->err, sizeof r->err, "line longer than %zu bytes", r->max_line);
			rc = reject_write(r, buf_ptr(&r->line), buf_len(&r->line)) != 0 ||
			    reject_write(r, chunk, got) != 0 ||
			    (nl ? reject_write(r, "\n", 1) : reject_rest(r)) != 0 ? NDJ_EIO : NDJ_BAD;
			buf_reset(&r->line);
			break;
		default:
			snprintf(r->err, sizeof r->err, "out of memory");
			rc = NDJ_ENOMEM;
		}
		memset(chunk, '\n', got + nl + 1);
		if (rc != NDJ_OK)
			return rc;
		if (nl) {
			r->lineno++;
			return NDJ_OK;
		}
	}
}

static int
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/*
 * The next line that is not blank, without its end or a last "\r": *p and *len
 * (the raw line stays in r->line for the rejects). Returns NDJ_OK or what
 * read_line returns.
 */
static int
next_line(ndj_reader_t *r, const char **p, size_t *len)
{
	int rc;

	do {
		if ((rc = read_line(r)) != NDJ_OK)
			return rc;
		*p = buf_ptr(&r->line);
		*len = buf_len(&r->line);
	} while (blank(*p, *len));
	if (*len && (*p)[*len - 1] == '\r')
		(*len)--;
	return NDJ_OK;
}

/* A bad_line() code beside the JSON_E* ones: the line is JSON but no object. */
#define NOT_OBJECT (-1000)

/*
 * A line that did not parse to an object: says why, counts it and copies the
 * raw line to the rejects. Returns NDJ_BAD, NDJ_EIO or NDJ_ENOMEM.
 */
static int
bad_line(ndj_reader_t *r, int rc, size_t col, const char *why)
{
	if (rc == JSON_ENOMEM) {
		snprintf(r->err, sizeof r->err, "out of memory");
		return NDJ_ENOMEM;
	}
	if (rc == NOT_OBJECT)
		snprintf(r->err, sizeof r->err, "expected a JSON object, one record per line");
	else if (rc == JSON_EDEPTH)
		snprintf(r->err, sizeof r->err, "%s", why);
	else
		snprintf(r->err, sizeof r->err, "invalid JSON at column %zu: %s", col, why);
	r->bad++;
	if (reject_write(r, buf_ptr(&r->line), buf_len(&r->line)) != 0 ||
	    reject_write(r, "\n", 1) != 0)
		return NDJ_EIO;
	return NDJ_BAD;
}

int
ndj_read(ndj_reader_t *r, json_t **rec)
{
	char why[400];
	size_t len, col;
	const char *p;
	json_t *v;
	int rc;

	*rec = NULL;
	jspan_index_clear(r->ix);
	if ((rc = next_line(r, &p, &len)) != NDJ_OK)
		return rc;
	rc = json_parse(p, len, r->max_depth, &v, &col, why, sizeof why);
	if (rc == JSON_OK && json_typeof(v) != JSON_OBJECT) {
		json_free(v);
		rc = NOT_OBJECT;
	}
	if (rc != JSON_OK)
		return bad_line(r, rc, col, why);
	*rec = v;
	return NDJ_OK;
}

int
ndj_read_text(ndj_reader_t *r, const char **text, size_t *len, jspan_t *root)
{
	char why[400];
	size_t n, col;
	const char *p;
	int rc;

	*text = NULL;
	*len = 0;
	root->off = root->len = 0;
	jspan_index_clear(r->ix);
	if ((rc = next_line(r, &p, &n)) != NDJ_OK)
		return rc;
	rc = jspan_parse_index(p, n, r->max_depth, root, r->ix, &col, why, sizeof why);
	if (rc == JSON_OK && jspan_type(p, *root) != JSON_OBJECT)
		rc = NOT_OBJECT;
	if (rc != JSON_OK) {
		root->off = root->len = 0;
		jspan_index_clear(r->ix);
		return bad_line(r, rc, col, why);
	}
	/* drop the "\r" for good, so that the text ends in a NUL */
	r->line.len = n;
	r->line.ptr[n] = '\0';
	*text = p;
	*len = n;
	return NDJ_OK;
}

const jspan_index_t *
ndj_text_index(const ndj_reader_t *r)
{
	return r->ix;
}

int
ndj_write(FILE *out, const json_t *rec, int flush)
{
	buf_t b;
	int rc;

	buf_init(&b, (size_t)-1 / 4);
	if (json_dump(rec, &b) != JSON_OK || buf_addc(&b, '\n') != BUF_OK) {
		buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	rc = fwrite(buf_ptr(&b), 1, buf_len(&b), out) == buf_len(&b) ? 0 : -1;
	buf_free(&b);
	if (rc == 0 && flush && fflush(out) != 0)
		rc = -1;
	return rc;
}
