/*
 * jspan: one JSON text validated, and found things in, where it lies: no tree,
 * no allocation for a valid text. A program that passes records through keeps each line as
 * text and splices its own fields into it (jspan_obj_end, the cut of a
 * member) instead of parsing it into a json_t and dumping it again.
 *
 * jspan_parse accepts exactly what json_parse (lib/json.h) accepts: the same
 * yajl grammar (the whitespace yajl knows: space, \t, \n, \r, \v, \f), strict
 * UTF-8 in strings, no control bytes in strings, the same depth counting,
 * nothing after the value. A text it refuses it gives to json_parse, whose
 * error code, message and column it returns: they are json_parse's own. The navigation functions then read the validated text; they assume it
 * passed jspan_parse (and that the span they are given is one it or they
 * returned), never read outside the span given, and do not crash on anything.
 *
 * Strings read with jspan_str (and keys matched by jspan_get) are unescaped as
 * json_parse unescapes them, yajl's way, so that a program gets the same bytes
 * from either: \u0000 gives a NUL byte; a surrogate pair gives its code point
 * in UTF-8; a high surrogate (\ud800-\udbff) followed by another \u escape is
 * combined with it even when that is no low surrogate; a high surrogate alone
 * gives "?"; a lone low surrogate gives its three UTF-8-like bytes.
 *
 * Spans are byte offsets into the text the caller holds; nothing here keeps a
 * pointer to it or owns any memory.
 */
#ifndef DE_JSPAN_H
#define DE_JSPAN_H

#include <stddef.h>
#include "json.h"

typedef struct {
	size_t off, len;     /* bytes [off, off+len) of the text */
} jspan_t;

/*
 * Validates that s[0..n) is exactly one JSON value, whitespace around it
 * allowed. max_depth bounds the nesting of arrays and objects as in json_parse
 * (0 means JSON_MAX_DEPTH_DEFAULT). On success *root is the value's span
 * without the whitespace around it and JSON_OK is returned. On failure *root is
 * {0, 0} and what json_parse returns for s is returned: JSON_EPARSE (invalid
 * JSON), JSON_EDEPTH (nested deeper than max_depth) or JSON_ENOMEM (json_parse,
 * asked why, ran out of memory), err (when errlen > 0) gets json_parse's
 * one-line reason, e.g. "trailing garbage", and *col (when not NULL) the
 * 1-based byte column where it stopped (1 for an error found at the end of
 * the text, as yajl says). *col is 0 on success. Only json_parse allocates:
 * for a text refused, or valid but nested deeper than 4096 levels.
 */
int jspan_parse(const char *s, size_t n, size_t max_depth, jspan_t *root,
    size_t *col, char *err, size_t errlen);

/*
 * An index of a validated text, opaque: where its objects and arrays end, so
 * that the navigation functions given it step over one at once instead of
 * scanning it again, and, when it has room for members, where the members of
 * its objects lie, so that jspan_members_ix reads them without a scan. Its
 * room is set when it is made (jspan_index_copy grows it). A text with more
 * containers or members than that, or nested deeper than 64 levels, is indexed
 * in part; what the index lacks is scanned, so an index only ever saves time
 * and never changes a result. Valid for the text it was last made for.
 */
typedef struct jspan_index jspan_index_t;

/*
 * An empty index with room for `containers` objects and arrays and `members`
 * members of objects (0: members are not indexed). NULL on ENOMEM. The caller
 * frees it with jspan_index_free (NULL is fine there).
 */
jspan_index_t *jspan_index_new(size_t containers, size_t members);
void jspan_index_free(jspan_index_t *ix);
/* Empties ix: the functions given it then scan. */
void jspan_index_clear(jspan_index_t *ix);
/*
 * Makes dst hold what src holds, growing dst's room to fit (members only when
 * src holds them). Returns 0, or -1 on ENOMEM, when dst holds nothing.
 */
int jspan_index_copy(jspan_index_t *dst, const jspan_index_t *src);
/* What ix holds: its containers, the i-th (by where it starts) as a span, and its members. */
size_t jspan_index_containers(const jspan_index_t *ix);
jspan_t jspan_index_container(const jspan_index_t *ix, size_t i);
size_t jspan_index_members(const jspan_index_t *ix);

/*
 * jspan_parse, also filling ix (when not NULL): when the text is valid, as
 * far as its room goes; otherwise ix holds nothing, and nothing either for a
 * valid text that nests deeper than the fast validator goes (4096 levels).
 */
int jspan_parse_index(const char *s, size_t n, size_t max_depth, jspan_t *root,
    jspan_index_t *ix, size_t *col, char *err, size_t errlen);

/*
 * The type of a validated value, from its first byte: JSON_OBJECT for '{',
 * JSON_ARRAY '[', JSON_STRING '"', JSON_BOOL 't'/'f', JSON_NULL 'n' (and an
 * empty span), JSON_NUMBER for anything else.
 */
json_type jspan_type(const char *s, jspan_t v);

typedef struct {
	jspan_t key;    /* the key's literal, quotes included */
	jspan_t val;    /* the value */
	/*
	 * Removing these bytes removes the member and exactly one comma next to
	 * it (none when it is the only member) and leaves valid JSON: for the
	 * first member, from its key to the next key; for any other, from the
	 * end of the previous value to the end of its own.
	 */
	jspan_t cut;
} jspan_member_t;

/*
 * Iterates an object's members in order: *pos starts at 0 and is opaque (the
 * offset after the last member returned). Returns 1 with *m filled, 0 at the
 * end, or when obj is not an object or *pos does not lie inside it.
 */
int jspan_member_next(const char *s, jspan_t obj, size_t *pos, jspan_member_t *m);
/* The same, stepping over containers with ix (NULL: none) made for s. */
int jspan_member_next_ix(const char *s, const jspan_index_t *ix, jspan_t obj, size_t *pos,
    jspan_member_t *m);
/*
 * All the members of obj, as jspan_member_next would give them one by one:
 * the first cap go to m[0..cap). Read from ix when it holds them, else in one
 * walk (ix as in jspan_member_next_ix). Returns how many members obj has (0
 * when it is not an object); more than cap means that only the first cap
 * were stored.
 */
size_t jspan_members_ix(const char *s, const jspan_index_t *ix, jspan_t obj, jspan_member_t *m,
    size_t cap);

/*
 * The first member whose key, unescaped, equals key (NUL-terminated; a key
 * holding an escaped NUL byte equals no C string, where json_get would see it
 * cut at the NUL). Returns 1 with *m filled (m may be NULL), 0 when there is
 * no such member or obj is not an object.
 */
int jspan_get(const char *s, jspan_t obj, const char *key, jspan_member_t *m);

/*
 * Iterates an array's elements: *pos starts at 0 and is opaque. Returns 1 with
 * *elem, 0 at the end, or when arr is not an array or *pos does not lie in it.
 */
int jspan_elem_next(const char *s, jspan_t arr, size_t *pos, jspan_t *elem);
/* The same, stepping over containers with ix (NULL: none) made for s. */
int jspan_elem_next_ix(const char *s, const jspan_index_t *ix, jspan_t arr, size_t *pos,
    jspan_t *elem);

/*
 * Unescapes a string value (as json_parse does, see above) into buf and
 * NUL-terminates it; \u0000 gives a NUL byte inside. Returns the length
 * without the terminator, or -1 when v is not a string or the string needs
 * cap bytes or more (then buf holds "" when cap > 0).
 */
long jspan_str(const char *s, jspan_t v, char *buf, size_t cap);

/*
 * A member's key (k, a string literal) as json_parse reads it: unescaped and
 * cut at a NUL it holds. Sets *key to its bytes: in s when the literal holds
 * no escape (then not NUL-terminated), else in buf, NUL-terminated. Returns
 * its length, or -1 when k is not a string or an escaped key, so read, needs
 * cap bytes or more. Names compared with keys are short: no allocation.
 */
long jspan_key(const char *s, jspan_t k, char *buf, size_t cap, const char **key);

/*
 * Where a new member can go at the end of an object: returns the offset of its
 * closing '}' and sets *needs_comma (when not NULL) to 1 when the object has
 * members (a comma must come before the new one), else 0. Returns (size_t)-1
 * (and *needs_comma 0) when obj is not an object.
 */
size_t jspan_obj_end(const char *s, jspan_t obj, int *needs_comma);

#endif
