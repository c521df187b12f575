/*
 * json: a small JSON value tree, parsed with yajl, that keeps what a pipeline
 * stage does not own exactly as it came.
 *
 * - Numbers keep their original text: 0.1 stays 0.1 and 12345678901234567891
 *   stays exact. json_num_double()/json_num_int() read them when a program
 *   needs the value.
 * - Objects keep their keys in input order, duplicates included; json_get()
 *   finds the first occurrence, json_set() replaces it in place or appends.
 * - Strings are counted UTF-8 (NUL bytes allowed); the parser rejects invalid
 *   UTF-8, and json_new_str*() replace invalid sequences with U+FFFD, so
 *   serialized output is always valid UTF-8.
 *
 * THE OWNERSHIP RULE, once for the whole module:
 *   a json_t * returned by json_new_*(), json_parse() or json_clone() is owned
 *   by the caller, who frees it with json_free();
 *   a json_t * passed to a function whose parameter is named `owned` (json_set,
 *   json_push, json_insert) belongs to the container from then on, even when the
 *   call fails (it is freed then);
 *   every other json_t * a function returns (json_get, json_at, ...) is borrowed
 *   from its container and lives as long as that entry does.
 *
 * Allocation failure: constructors return NULL; json_set/json_push return
 * JSON_ENOMEM. Every function accepts NULL where a value is expected and
 * treats it as "absent", so lookups can be chained:
 *   json_str(json_get(json_get(rec, "account"), "domain"))
 */
#ifndef DE_JSON_H
#define DE_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

typedef enum {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
	JSON_SERIALIZED   /* text already serialized: see json_new_serialized() */
} json_type;

typedef struct json json_t;

enum {
	JSON_OK = 0,
	JSON_ENOMEM = -1,
	JSON_EPARSE = -2,   /* invalid JSON; the message says where and why */
	JSON_EDEPTH = -3,   /* nested deeper than allowed */
	JSON_ETYPE = -4,    /* the container is not of the type the call needs */
	JSON_ETOOBIG = -5,  /* serialized output would pass the buffer's cap */
	JSON_ESTOPPED = -6  /* a json_events callback asked to stop */
};

#define JSON_MAX_DEPTH_DEFAULT 64

/*
 * Parses exactly one JSON value from buf[0..len). max_depth bounds the nesting
 * of arrays and objects (0 means JSON_MAX_DEPTH_DEFAULT). On success *out holds
 * the value and JSON_OK is returned. On failure *out is NULL, a JSON_E* code is
 * returned, err gets a one-line reason and *col (when not NULL) the 1-based byte
 * column where parsing stopped.
 */
int json_parse(const char *buf, size_t len, size_t max_depth, json_t **out,
    size_t *col, char *err, size_t errlen);

/* Constructors; NULL on allocation failure. */
json_t *json_new_null(void);
json_t *json_new_bool(int b);
json_t *json_new_str(const char *s);            /* NULL s gives JSON null */
json_t *json_new_strn(const char *s, size_t n);
json_t *json_new_int(int64_t v);
json_t *json_new_double(double v);               /* NaN/inf give JSON null */
/* A number from its JSON text; NULL when text is not a valid JSON number. */
json_t *json_new_num_text(const char *text);
/*
 * A value kept as its serialized text, so that a value written many times
 * (a cached answer put on every record that uses it) is serialized once:
 * json_dump() writes text[0..n) as is, json_clone() shares the text instead
 * of copying it, and readers see an opaque value (json_typeof() gives
 * JSON_SERIALIZED; json_get(), json_str() and the others find nothing in it).
 * text must be one valid JSON value, as json_dump() writes it: the caller
 * vouches for it, nothing checks it. NULL on allocation failure.
 */
json_t *json_new_serialized(const char *text, size_t n);
json_t *json_new_array(void);
json_t *json_new_object(void);
json_t *json_clone(const json_t *v);
void json_free(json_t *v);

json_type json_typeof(const json_t *v);         /* JSON_NULL for NULL */
int json_is(const json_t *v, json_type t);

/* Scalars. */
/* The string's bytes (NUL-terminated) or NULL when v is not a string. */
const char *json_str(const json_t *v);
/* A string's bytes or a number's text (IDs come as either); NULL otherwise. */
const char *json_text(const json_t *v);
size_t json_strlen(const json_t *v);
/* 1 for true, 0 for false, -1 when v is not a boolean. */
int json_bool(const json_t *v);
/* The number's original text, or NULL when v is not a number. */
const char *json_num_text(const json_t *v);
/*
 * Reads a number, or a string holding one (CRM exports and HubSpot send
 * numbers as strings). Returns 0 and fills *out, or -1 when v holds no number.
 */
int json_num_double(const json_t *v, double *out);
int json_num_int(const json_t *v, int64_t *out);   /* -1 also for fractions */
/* The same, with def when v holds no number (reports reading their own JSON). */
double json_num_or(const json_t *v, double def);
int64_t json_int_or(const json_t *v, int64_t def);

/* Arrays. */
size_t json_len(const json_t *v);                  /* entries of an array or object; 0 otherwise */
json_t *json_at(const json_t *arr, size_t i);      /* borrowed; NULL when out of range */
int json_push(json_t *arr, json_t *owned);

/* Objects. */
json_t *json_get(const json_t *obj, const char *key);   /* borrowed; NULL when absent */
/* Walks a dotted path: json_path(rec, "account.domain"). */
json_t *json_path(const json_t *obj, const char *dotted);
/* Replaces the first entry named key in place, or appends it. */
int json_set(json_t *obj, const char *key, json_t *owned);
/* Removes every entry named key; returns how many were removed. */
size_t json_del(json_t *obj, const char *key);
/* The i-th key and value of an object, in order; NULL when out of range. */
const char *json_key_at(const json_t *obj, size_t i);
json_t *json_val_at(const json_t *obj, size_t i);

/* Convenience setters: json_set() with a freshly made value. */
int json_set_str(json_t *obj, const char *key, const char *s);
int json_set_int(json_t *obj, const char *key, int64_t v);
int json_set_double(json_t *obj, const char *key, double v);
int json_set_bool(json_t *obj, const char *key, int b);
int json_set_null(json_t *obj, const char *key);

/*
 * Appends the compact serialization of v to out (no newline). Returns JSON_OK,
 * JSON_ENOMEM or JSON_ETOOBIG; on failure out holds a partial text the caller
 * must discard.
 */
int json_dump(const json_t *v, buf_t *out);
/* Appends a JSON string literal for s[0..n) to out, escaping as json_dump does. */
int json_dump_string(const char *s, size_t n, buf_t *out);

/*
 * Reading without a tree, for a reader that keeps a few fields of many
 * values (the store's facts): json_events() parses one value from
 * buf[0..len) and calls ev's functions in document order. A NULL function
 * skips its events. Each returns 1 to go on, 0 to stop the parse. Strings and
 * keys come unescaped, numbers as their text; both point into memory valid
 * only during the call (not NUL-terminated). check_utf8 0 skips the UTF-8
 * check, for text json_dump() wrote.
 *
 * Returns JSON_OK, JSON_EPARSE (not one JSON value), JSON_ESTOPPED (a
 * function returned 0) or JSON_ENOMEM. Implemented in json_events.c.
 */
struct json_events {
	int (*null)(void *ctx);
	int (*boolean)(void *ctx, int b);
	int (*number)(void *ctx, const char *s, size_t len);
	int (*string)(void *ctx, const char *s, size_t len);
	int (*start_map)(void *ctx);
	int (*map_key)(void *ctx, const char *k, size_t len);
	int (*end_map)(void *ctx);
	int (*start_array)(void *ctx);
	int (*end_array)(void *ctx);
	int check_utf8;
};
int json_events(const char *buf, size_t len, const struct json_events *ev, void *ctx);

#endif
