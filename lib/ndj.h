/*
 * ndj: NDJSON streams, one JSON object per line.
 *
 * The reader reads a line at a time with a hard cap on its length and on the
 * nesting depth, so that no input can make a program grow without bound or
 * overflow its stack. "\r\n" line ends are accepted and blank lines skipped.
 *
 * A line that is not one JSON object is a bad line: ndj_read() returns NDJ_BAD
 * with the line number and a reason, copies the raw line (terminated by "\n")
 * to the rejects file when one was given, and the next call goes on with the
 * following line. A line longer than the cap is streamed to the rejects file
 * without being held in memory.
 *
 * Ownership: the record returned by ndj_read() belongs to the caller
 * (json_free()); the reader owns its buffers and never closes the FILEs it was
 * given.
 */
#ifndef DE_NDJ_H
#define DE_NDJ_H

#include <stdio.h>
#include "json.h"
#include "jspan.h"

#define NDJ_MAX_LINE_DEFAULT (16u * 1024 * 1024)

enum {
	NDJ_OK = 0,       /* a record was read */
	NDJ_EOF = 1,      /* no more input */
	NDJ_BAD = 2,      /* a bad line; see ndj_error(); reading may go on */
	NDJ_EIO = -1,     /* reading the input or writing the rejects failed */
	NDJ_ENOMEM = -2
};

typedef struct ndj_reader ndj_reader_t;

/*
 * Reads from in; name is what messages call it ("stdin" or a path). max_line
 * and max_depth of 0 take the defaults. rejects may be NULL. Returns NULL when
 * memory runs out.
 */
ndj_reader_t *ndj_reader_new(FILE *in, const char *name, size_t max_line,
    size_t max_depth, FILE *rejects);
void ndj_reader_free(ndj_reader_t *r);

/*
 * Reads the next record into *rec. Returns NDJ_OK, NDJ_EOF, NDJ_BAD (the line
 * was rejected; call again for the next), NDJ_EIO or NDJ_ENOMEM.
 */
int ndj_read(ndj_reader_t *r, json_t **rec);

/*
 * Like ndj_read, but leaves the record as text, validated by jspan_parse
 * (lib/jspan.h, which accepts what json_parse accepts): *text and *len are the
 * line without its end (and without a last "\r"), *root the object's span in
 * it. The text is borrowed from the reader until the next call; text[len] is
 * a NUL (the line itself holds none: JSON text cannot). The same line cap,
 * depth limit, blank-line skipping, line numbers, rejects and NDJ_BAD messages
 * as ndj_read. Returns NDJ_OK, NDJ_EOF, NDJ_BAD, NDJ_EIO or NDJ_ENOMEM; on any
 * but NDJ_OK *text is NULL, *len 0 and *root {0, 0}.
 */
int ndj_read_text(ndj_reader_t *r, const char **text, size_t *len, jspan_t *root);

/*
 * The index (lib/jspan.h) of the text ndj_read_text returned last, made as it
 * was validated, for the _ix navigation functions: borrowed, valid as long as
 * the text. It holds the first NDJ_INDEX_CONTAINERS objects and arrays of the
 * line and NDJ_INDEX_MEMBERS members of its objects (the others are
 * scanned); empty after any other return.
 */
#define NDJ_INDEX_CONTAINERS 512
#define NDJ_INDEX_MEMBERS 2048
const jspan_index_t *ndj_text_index(const ndj_reader_t *r);

/* The name messages give the input ("stdin" or a path). */
const char *ndj_name(const ndj_reader_t *r);
/* The number of the line last read (1-based). */
unsigned long ndj_line(const ndj_reader_t *r);
/* The reason for the last NDJ_BAD or error, e.g. "invalid JSON at column 3: ...". */
const char *ndj_error(const ndj_reader_t *r);
/* How many lines were rejected so far. */
unsigned long ndj_bad_lines(const ndj_reader_t *r);

/*
 * Writes rec as one line. Returns 0, or -1 with errno set when the write
 * failed (the stream's error indicator is then set too). flush: fflush after
 * the line (--unbuffered).
 */
int ndj_write(FILE *out, const json_t *rec, int flush);

#endif
