/*
 * csvrd: a streaming CSV reader on libcsv, for CRM exports.
 *
 * - A UTF-8 BOM is skipped. UTF-16 (with a BOM, or detected from its zero
 *   bytes) is converted to UTF-8 with iconv as it is read.
 * - "\r\n", "\n" and a lone "\r" end lines; quoted fields may hold commas,
 *   quotes ("") and line ends.
 * - The separator is ',' unless the header line (the first non-blank line)
 *   holds more ';' or tabs outside quotes, or the file starts with Excel's
 *   "sep=X" line (which is then skipped). csvrd_opts.delim forces one.
 * - Each record carries the number of the line it starts on and its raw bytes
 *   (after decoding), so that a caller can report and reject it.
 * - Caps: a record longer than max_record bytes or a field longer than
 *   max_field is a bad record: csvrd_next() returns CSVRD_BAD, copies what it
 *   read of it to the rejects file (the rest of an overlong line is streamed
 *   there, not held), and goes on at the next line.
 * - A quoted field still open at the end of the input is a bad record: its
 *   first line is rejected and the lines after it are read again as records,
 *   so that a stray quote costs one line, not the rest of the file (up to
 *   max_record bytes read again in all; past that, the rest is rejected).
 * - Blank lines between records are skipped; libcsv trims blanks around
 *   unquoted fields.
 * - An Excel workbook (XLSX, XLS: HubSpot's default export format) or UTF-32
 *   is refused with CSVRD_EFORMAT and a message saying how to convert it.
 *
 * Ownership: the record csvrd_next() hands out is owned by the reader and
 * valid until the next call or csvrd_free(). The reader never closes the
 * FILEs it was given. Nothing here prints or exits.
 */
#ifndef DE_CSVRD_H
#define DE_CSVRD_H

#include <stddef.h>
#include <stdio.h>

#define CSVRD_MAX_RECORD_DEFAULT (16u * 1024 * 1024)
#define CSVRD_MAX_FIELD_DEFAULT (1u * 1024 * 1024)

enum {
	CSVRD_OK = 0,       /* a record was read */
	CSVRD_EOF = 1,      /* no more input */
	CSVRD_BAD = 2,      /* a bad record, already rejected; call again for the next */
	CSVRD_EIO = -1,     /* reading the input or writing the rejects failed */
	CSVRD_ENOMEM = -2,
	CSVRD_EFORMAT = -3  /* not decodable as CSV (bad UTF-16, UTF-32, XLSX): stop */
};

typedef struct csvrd_opts {
	size_t max_record;  /* 0: CSVRD_MAX_RECORD_DEFAULT */
	size_t max_field;   /* 0: CSVRD_MAX_FIELD_DEFAULT (never more than max_record) */
	char delim;         /* 0: detect from the header line */
} csvrd_opts_t;

typedef struct csvrd_record {
	size_t n;                  /* number of fields (>= 1) */
	char *const *fields;       /* n NUL-terminated fields */
	const size_t *lens;        /* their lengths (a field may hold a NUL byte) */
	unsigned long line;        /* 1-based line the record starts on */
	const char *raw;           /* the record as read, line end(s) included */
	size_t rawlen;
} csvrd_record_t;

typedef struct csvrd csvrd_t;

/*
 * A reader of in; name is what messages call it ("stdin" or a path). opts and
 * rejects may be NULL. Returns NULL when memory runs out.
 */
csvrd_t *csvrd_new(FILE *in, const char *name, const csvrd_opts_t *opts, FILE *rejects);
void csvrd_free(csvrd_t *r);

/*
 * Reads the next record. Returns CSVRD_OK with *rec set, CSVRD_EOF, CSVRD_BAD
 * (see csvrd_error() and csvrd_bad_line()), or a negative error (reading
 * cannot go on; csvrd_error() says why).
 */
int csvrd_next(csvrd_t *r, const csvrd_record_t **rec);

/* Why the last call returned CSVRD_BAD or an error. */
const char *csvrd_error(const csvrd_t *r);
/* The line the last bad record started on. */
unsigned long csvrd_bad_line(const csvrd_t *r);
/* Bad records so far. */
unsigned long csvrd_bad_count(const csvrd_t *r);
/* The separator in use (known after the first csvrd_next()). */
char csvrd_delim(const csvrd_t *r);
/* "utf-8" or "utf-16le"/"utf-16be" (what the input was decoded from). */
const char *csvrd_encoding(const csvrd_t *r);
const char *csvrd_name(const csvrd_t *r);

#endif
