/*
 * jedit: writes a JSON object held as text (lib/jspan.h) with some members set
 * or removed, every other byte of it as it came, so that a stage that only
 * adds its own fields to a record never parses the rest into a tree.
 *
 * The members are written back separated by "," without the whitespace that
 * was between them; their keys and values keep their bytes. Setting a member
 * has json_set's meaning (the first member of that name replaced in place,
 * else appended) and dropping one json_del's (every member of that name),
 * keys read as json_parse reads them (one holding \u0000 is cut there; one
 * that is then longer than 255 bytes matches no name: none is that long).
 */
#ifndef DE_JEDIT_H
#define DE_JEDIT_H

#include "buf.h"
#include "json.h"
#include "jspan.h"

/*
 * Called for each member kept (neither set nor dropped), with its key as
 * json_parse reads it (unescaped, cut at a NUL it holds; NULL when longer
 * than 255 bytes: no name this module is asked about is). Returns 1 after
 * writing a value for the member to out itself, 0 to have its value copied,
 * or a (negative) JSON_E* code to stop.
 */
typedef int (*jedit_member_fn)(void *ctx, const char *key, jspan_t val, buf_t *out);

#define JEDIT_MAX_FIELDS 64

/*
 * A member to set: its value is JSON text, written as is (the caller vouches
 * for it). member, when not NULL, is the whole member's text ("key":value),
 * written as is when the member is appended. Fields appended one after the
 * other whose members lie in one text separated by a comma (the next member
 * begins two bytes after this one ends, the byte between a ',') are written
 * with one copy.
 */
struct jedit_field {
	const char *key;
	const char *val;
	size_t len;
	const char *member;
	size_t member_len;
};

/*
 * Appends to out the object obj of text s with fields[0..nfields) set
 * (nfields at most JEDIT_MAX_FIELDS) and every member named in drop (a
 * NULL-terminated list; NULL: none) removed; fn (may be NULL) may write other members'
 * values. Returns JSON_OK, JSON_ETYPE (obj is not an object: nothing
 * written), JSON_ENOMEM, JSON_ETOOBIG (out's cap, or too many fields), or
 * fn's code; on failure
 * out holds a partial text the caller must discard.
 */
int jedit_object(buf_t *out, const char *s, jspan_t obj, const struct jedit_field *fields,
    size_t nfields, const char *const *drop, jedit_member_fn fn, void *ctx);

/*
 * The same for an object whose members the caller has already found
 * (jspan_member_next), members[0..n) in order: a program that read a record
 * once does not walk it again to write it.
 */
int jedit_members(buf_t *out, const char *s, const jspan_member_t *members, size_t n,
    const struct jedit_field *fields, size_t nf, const char *const *drop, jedit_member_fn fn,
    void *ctx);

#endif
