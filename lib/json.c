#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

struct json {
	json_type type;
	union {
		int b;
		struct { char *p; size_t n; } s;   /* STRING bytes, NUMBER text */
		struct {
			json_t **v;
			char **k;      /* keys, objects only */
			size_t n, alloc;
		} c;
		struct shared_text *t;              /* SERIALIZED */
	} u;
};

/* A serialized value's text, shared by its clones and freed with the last. */
struct shared_text {
	size_t refs, n;
	char text[];
};

static json_t *
json_alloc(json_type t)
{
	json_t *v = calloc(1, sizeof *v);

	if (v)
		v->type = t;
	return v;
}

void
json_free(json_t *v)
{
	size_t i;

	if (v == NULL)
		return;
	switch (v->type) {
	case JSON_STRING:
	case JSON_NUMBER:
		free(v->u.s.p);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		for (i = 0; i < v->u.c.n; i++) {
			json_free(v->u.c.v[i]);
			if (v->u.c.k)
				free(v->u.c.k[i]);
		}
		free(v->u.c.v);
		free(v->u.c.k);
		break;
	case JSON_SERIALIZED:
		if (--v->u.t->refs == 0)
			free(v->u.t);
		break;
	default:
		break;
	}
	free(v);
}

json_t *
json_new_serialized(const char *text, size_t n)
{
	json_t *v;

	if (n > (size_t)-1 - sizeof(struct shared_text) - 1 || (v = json_alloc(JSON_SERIALIZED)) == NULL)
		return NULL;
	if ((v->u.t = malloc(sizeof *v->u.t + n + 1)) == NULL) {
		free(v);
		return NULL;
	}
	v->u.t->refs = 1;
	v->u.t->n = n;
	memcpy(v->u.t->text, text, n);
	v->u.t->text[n] = '\0';
	return v;
}

json_t *
json_new_null(void)
{
	return json_alloc(JSON_NULL);
}

json_t *
json_new_bool(int b)
{
	json_t *v = json_alloc(JSON_BOOL);

	if (v)
		v->u.b = b != 0;
	return v;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

json_t *
json_new_strn(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	json_t *v;
	buf_t b;
	size_t i, k;

	if (s == NULL)
		return json_new_null();
	buf_init(&b, (size_t)-1 / 4);
	for (i = 0; i < n; i += k) {
		if ((k = utf8_seq(u + i, n - i)) == 0) {
			k = 1;
			if (buf_add(&b, "\xef\xbf\xbd", 3) != BUF_OK)
				goto fail;
		} else if (buf_add(&b, s + i, k) != BUF_OK)
			goto fail;
	}
	if ((v = json_alloc(JSON_STRING)) == NULL)
		goto fail;
	if ((v->u.s.p = buf_detach(&b, &v->u.s.n)) == NULL) {
		free(v);
		return NULL;
	}
	return v;
fail:
	buf_free(&b);
	return NULL;
}

json_t *
json_new_str(const char *s)
{
	return s ? json_new_strn(s, strlen(s)) : json_new_null();
}

/* Takes raw bytes already known to be valid (the parser validated them). */
static json_t *
json_new_raw(json_type t, const char *s, size_t n)
{
	json_t *v = json_alloc(t);

	if (v == NULL)
		return NULL;
	if ((v->u.s.p = malloc(n + 1)) == NULL) {
		free(v);
		return NULL;
	}
	memcpy(v->u.s.p, s, n);
	v->u.s.p[n] = '\0';
	v->u.s.n = n;
	return v;
}

/* Checks the JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
num_text_valid(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

json_t *
json_new_num_text(const char *text)
{
	if (text == NULL || !num_text_valid(text))
		return NULL;
	return json_new_raw(JSON_NUMBER, text, strlen(text));
}

json_t *
json_new_int(int64_t n)
{
	char t[32];

	snprintf(t, sizeof t, "%lld", (long long)n);
	return json_new_raw(JSON_NUMBER, t, strlen(t));
}

json_t *
json_new_double(double d)
{
	char t[40];
	int prec;

	if (!isfinite(d))
		return json_new_null();
	if (d == (double)(int64_t)d && fabs(d) < 1e15)
		return json_new_int((int64_t)d);
	/* The shortest text that reads back as the same double. */
	for (prec = 6; prec <= 17; prec++) {
		snprintf(t, sizeof t, "%.*g", prec, d);
		if (strtod(t, NULL) == d)
			break;
	}
	return json_new_raw(JSON_NUMBER, t, strlen(t));
}

json_t *
json_new_array(void)
{
	return json_alloc(JSON_ARRAY);
}

json_t *
json_new_object(void)
{
	return json_alloc(JSON_OBJECT);
}

json_type
json_typeof(const json_t *v)
{
	return v ? v->type : JSON_NULL;
}

int
json_is(const json_t *v, json_type t)
{
	return v && v->type == t;
}

const char *
json_str(const json_t *v)
{
	return json_is(v, JSON_STRING) ? v->u.s.p : NULL;
}

size_t
json_strlen(const json_t *v)
{
	return json_is(v, JSON_STRING) ? v->u.s.n : 0;
}

int
json_bool(const json_t *v)
{
	return json_is(v, JSON_BOOL) ? v->u.b : -1;
}

const char *
json_text(const json_t *v)
{
	const char *s = json_str(v);

	return s ? s : json_num_text(v);
}

const char *
json_num_text(const json_t *v)
{
	return json_is(v, JSON_NUMBER) ? v->u.s.p : NULL;
}

int
json_num_double(const json_t *v, double *out)
{
	const char *s;
	char *end;
	double d;

	if (json_is(v, JSON_NUMBER))
		s = v->u.s.p;
	else if (json_is(v, JSON_STRING))
		s = v->u.s.p;
	else
		return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return -1;
	errno = 0;
	d = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0' || errno == ERANGE || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}

int
json_num_int(const json_t *v, int64_t *out)
{
	double d;

	if (json_num_double(v, &d) != 0)
		return -1;
	if (d != floor(d) || d < -9.2e18 || d > 9.2e18)
		return -1;
	if (json_is(v, JSON_NUMBER) || json_is(v, JSON_STRING)) {
		/* Exact for integers past 2^53: read the text, not the double. */
		const char *s = v->u.s.p;
		char *end;
		long long n;

		while (*s == ' ' || *s == '\t')
			s++;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == 0 && (*end == '\0' || *end == ' ' || *end == '\t')) {
			*out = n;
			return 0;
		}
	}
	*out = (int64_t)d;
	return 0;
}

size_t
json_len(const json_t *v)
{
	if (json_is(v, JSON_ARRAY) || json_is(v, JSON_OBJECT))
		return v->u.c.n;
	return 0;
}

json_t *
json_at(const json_t *a, size_t i)
{
	if (!json_is(a, JSON_ARRAY) || i >= a->u.c.n)
		return NULL;
	return a->u.c.v[i];
}

static int
json_reserve(json_t *c)
{
	size_t alloc;
	json_t **v;
	char **k;

	if (c->u.c.n < c->u.c.alloc)
		return JSON_OK;
	alloc = c->u.c.alloc ? c->u.c.alloc * 2 : 4;
	if ((v = realloc(c->u.c.v, alloc * sizeof *v)) == NULL)
		return JSON_ENOMEM;
	c->u.c.v = v;
	if (c->type == JSON_OBJECT) {
		if ((k = realloc(c->u.c.k, alloc * sizeof *k)) == NULL)
			return JSON_ENOMEM;
		c->u.c.k = k;
	}
	c->u.c.alloc = alloc;
	return JSON_OK;
}

int
json_push(json_t *a, json_t *owned)
{
	if (owned == NULL)
		return JSON_ENOMEM;
	if (!json_is(a, JSON_ARRAY)) {
		json_free(owned);
		return JSON_ETYPE;
	}
	if (json_reserve(a) != JSON_OK) {
		json_free(owned);
		return JSON_ENOMEM;
	}
	a->u.c.v[a->u.c.n++] = owned;
	return JSON_OK;
}

static int
obj_find(const json_t *o, const char *key, size_t *at)
{
	size_t i;

	if (!json_is(o, JSON_OBJECT) || key == NULL)
		return 0;
	for (i = 0; i < o->u.c.n; i++)
		if (strcmp(o->u.c.k[i], key) == 0) {
			*at = i;
			return 1;
		}
	return 0;
}

json_t *
json_get(const json_t *o, const char *key)
{
	size_t i;

	return obj_find(o, key, &i) ? o->u.c.v[i] : NULL;
}

json_t *
json_path(const json_t *o, const char *dotted)
{
	char part[256];
	const char *dot;
	size_t n;

	while (o && dotted) {
		dot = strchr(dotted, '.');
		n = dot ? (size_t)(dot - dotted) : strlen(dotted);
		if (n >= sizeof part)
			return NULL;
		memcpy(part, dotted, n);
		part[n] = '\0';
		o = json_get(o, part);
		dotted = dot ? dot + 1 : NULL;
	}
	return (json_t *)o;
}

/* Object keys may hold NUL bytes in JSON; such keys are stored cut at the NUL. */
static int
obj_append(json_t *o, const char *key, size_t klen, json_t *owned)
{
	char *k;

	if (json_reserve(o) != JSON_OK || (k = malloc(klen + 1)) == NULL) {
		json_free(owned);
		return JSON_ENOMEM;
	}
	memcpy(k, key, klen);
	k[klen] = '\0';
	o->u.c.k[o->u.c.n] = k;
	o->u.c.v[o->u.c.n++] = owned;
	return JSON_OK;
}

int
json_set(json_t *o, const char *key, json_t *owned)
{
	size_t i;

	if (owned == NULL)
		return JSON_ENOMEM;
	if (!json_is(o, JSON_OBJECT) || key == NULL) {
		json_free(owned);
		return JSON_ETYPE;
	}
	if (obj_find(o, key, &i)) {
		json_free(o->u.c.v[i]);
		o->u.c.v[i] = owned;
		return JSON_OK;
	}
	return obj_append(o, key, strlen(key), owned);
}

size_t
json_del(json_t *o, const char *key)
{
	size_t i, j, removed = 0;

	if (!json_is(o, JSON_OBJECT) || key == NULL)
		return 0;
	for (i = j = 0; i < o->u.c.n; i++) {
		if (strcmp(o->u.c.k[i], key) == 0) {
			free(o->u.c.k[i]);
			json_free(o->u.c.v[i]);
			removed++;
			continue;
		}
		o->u.c.k[j] = o->u.c.k[i];
		o->u.c.v[j++] = o->u.c.v[i];
	}
	o->u.c.n = j;
	return removed;
}

const char *
json_key_at(const json_t *o, size_t i)
{
	if (!json_is(o, JSON_OBJECT) || i >= o->u.c.n)
		return NULL;
	return o->u.c.k[i];
}

json_t *
json_val_at(const json_t *o, size_t i)
{
	if (!json_is(o, JSON_OBJECT) || i >= o->u.c.n)
		return NULL;
	return o->u.c.v[i];
}

int
json_set_str(json_t *o, const char *key, const char *s)
{
	return json_set(o, key, json_new_str(s));
}

int
json_set_int(json_t *o, const char *key, int64_t n)
{
	return json_set(o, key, json_new_int(n));
}

int
json_set_double(json_t *o, const char *key, double d)
{
	return json_set(o, key, json_new_double(d));
}

int
json_set_bool(json_t *o, const char *key, int b)
{
	return json_set(o, key, json_new_bool(b));
}

int
json_set_null(json_t *o, const char *key)
{
	return json_set(o, key, json_new_null());
}

json_t *
json_clone(const json_t *v)
{
	json_t *c;
	size_t i;

	if (v == NULL)
		return NULL;
	switch (v->type) {
	case JSON_NULL:
		return json_new_null();
	case JSON_BOOL:
		return json_new_bool(v->u.b);
	case JSON_STRING:
	case JSON_NUMBER:
		return json_new_raw(v->type, v->u.s.p, v->u.s.n);
	case JSON_ARRAY:
		if ((c = json_new_array()) == NULL)
			return NULL;
		for (i = 0; i < v->u.c.n; i++)
			if (json_push(c, json_clone(v->u.c.v[i])) != JSON_OK)
				goto fail;
		return c;
	case JSON_OBJECT:
		if ((c = json_new_object()) == NULL)
			return NULL;
		for (i = 0; i < v->u.c.n; i++)
			if (obj_append(c, v->u.c.k[i], strlen(v->u.c.k[i]),
			    json_clone(v->u.c.v[i])) != JSON_OK)
				goto fail;
		return c;
	case JSON_SERIALIZED:
		if ((c = json_alloc(JSON_SERIALIZED)) == NULL)
			return NULL;
		c->u.t = v->u.t;
		c->u.t->refs++;
		return c;
	}
	return NULL;
fail:
	json_free(c);
	return NULL;
}

/* ---- serialization ---- */

static int
buf_rc(int rc)
{
	return rc == BUF_OK ? JSON_OK : rc == BUF_ETOOBIG ? JSON_ETOOBIG : JSON_ENOMEM;
}

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 when invalid. */
static size_t
utf8_seq_len(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t len, k;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

int
json_dump_string(const char *s, size_t n, buf_t *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	int rc;
	char esc[7];

	/* Most strings are printable ASCII with nothing to escape: one copy. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
			break;
	}
	if (i == n) {
		if ((rc = buf_addc(out, '"')) != BUF_OK || (rc = buf_add(out, s, n)) != BUF_OK ||
		    (rc = buf_addc(out, '"')) != BUF_OK)
			return buf_rc(rc);
		return JSON_OK;
	}
	if ((rc = buf_addc(out, '"')) != BUF_OK)
		return buf_rc(rc);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;
		size_t elen = 2;

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		default:
			if (c < 0x20) {
				esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
				esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
				e = esc;
				elen = 6;
			} else if (c >= 0x80) {
				/* valid UTF-8 passes; a bad byte (or a surrogate a \udfff escape
				 * decoded to) becomes U+FFFD, so output is always UTF-8 */
				size_t k = utf8_seq_len(s + i, n - i);

				if (k > 0) {
					run += k;
					i += k - 1;
					continue;
				}
				e = "\\ufffd";
				elen = 6;
			}
		}
		if (e == NULL) {
			run++;
			continue;
		}
		if ((rc = buf_add(out, s + i - run, run)) != BUF_OK ||
		    (rc = buf_add(out, e, elen)) != BUF_OK)
			return buf_rc(rc);
		run = 0;
	}
	if ((rc = buf_add(out, s + n - run, run)) != BUF_OK ||
	    (rc = buf_addc(out, '"')) != BUF_OK)
		return buf_rc(rc);
	return JSON_OK;
}

int
json_dump(const json_t *v, buf_t *out)
{
	size_t i;
	int rc;

	if (v == NULL)
		return buf_rc(buf_add(out, "null", 4));
	switch (v->type) {
	case JSON_NULL:
		return buf_rc(buf_add(out, "null", 4));
	case JSON_BOOL:
		return buf_rc(v->u.b ? buf_add(out, "true", 4) : buf_add(out, "false", 5));
	case JSON_NUMBER:
		return buf_rc(buf_add(out, v->u.s.p, v->u.s.n));
	case JSON_STRING:
		return json_dump_string(v->u.s.p, v->u.s.n, out);
	case JSON_SERIALIZED:
		return buf_rc(buf_add(out, v->u.t->text, v->u.t->n));
	case JSON_ARRAY:
	case JSON_OBJECT:
		if ((rc = buf_rc(buf_addc(out, v->type == JSON_ARRAY ? '[' : '{'))) != JSON_OK)
			return rc;
		for (i = 0; i < v->u.c.n; i++) {
			if (i && (rc = buf_rc(buf_addc(out, ','))) != JSON_OK)
				return rc;
			if (v->type == JSON_OBJECT) {
				if ((rc = json_dump_string(v->u.c.k[i], strlen(v->u.c.k[i]), out)) != JSON_OK ||
				    (rc = buf_rc(buf_addc(out, ':'))) != JSON_OK)
					return rc;
			}
			if ((rc = json_dump(v->u.c.v[i], out)) != JSON_OK)
				return rc;
		}
		return buf_rc(buf_addc(out, v->type == JSON_ARRAY ? ']' : '}'));
	}
	return JSON_OK;
}

/* ---- parsing with yajl ---- */

struct pctx {
	json_t **stack;      /* open containers */
	char **keys;         /* pending key per open object */
	size_t *keylens;
	size_t depth, max_depth;
	json_t *root;
	int too_deep, nomem;
	yajl_handle h;
	size_t len, root_end;   /* where the root value ends */
	int finishing;          /* in yajl_complete_parse: the value ends the text */
};

static void
p_root_done(struct pctx *p)
{
	p->root_end = p->finishing ? p->len : yajl_get_bytes_consumed(p->h);
}

static int
p_add(struct pctx *p, json_t *v)
{
	json_t *top;
	size_t d;
	int rc;

	if (v == NULL) {
		p->nomem = 1;
		return 0;
	}
	if (p->depth == 0) {
		p->root = v;
		if (v->type != JSON_ARRAY && v->type != JSON_OBJECT)
			p_root_done(p);
		return 1;
	}
	d = p->depth - 1;
	top = p->stack[d];
	if (top->type == JSON_ARRAY)
		rc = json_push(top, v);
	else {
		rc = obj_append(top, p->keys[d], p->keylens[d], v);
		free(p->keys[d]);
		p->keys[d] = NULL;
	}
	if (rc != JSON_OK) {
		p->nomem = 1;
		return 0;
	}
	return 1;
}

static int
p_null(void *ctx)
{
	return p_add(ctx, json_new_null());
}

static int
p_bool(void *ctx, int b)
{
	return p_add(ctx, json_new_bool(b));
}

static int
p_number(void *ctx, const char *s, size_t n)
{
	return p_add(ctx, json_new_raw(JSON_NUMBER, s, n));
}

static int
p_string(void *ctx, const unsigned char *s, size_t n)
{
	return p_add(ctx, json_new_raw(JSON_STRING, (const char *)s, n));
}

static int
p_open(struct pctx *p, json_type t)
{
	json_t *c;

	if (p->depth >= p->max_depth) {
		p->too_deep = 1;
		return 0;
	}
	if ((c = json_alloc(t)) == NULL) {
		p->nomem = 1;
		return 0;
	}
	if (!p_add(p, c))
		return 0;
	p->stack[p->depth] = c;
	p->keys[p->depth] = NULL;
	p->depth++;
	return 1;
}

static int
p_start_map(void *ctx)
{
	return p_open(ctx, JSON_OBJECT);
}

static int
p_start_array(void *ctx)
{
	return p_open(ctx, JSON_ARRAY);
}

static int
p_map_key(void *ctx, const unsigned char *k, size_t n)
{
	struct pctx *p = ctx;
	size_t d = p->depth - 1;

	free(p->keys[d]);
	if ((p->keys[d] = malloc(n + 1)) == NULL) {
		p->nomem = 1;
		return 0;
	}
	memcpy(p->keys[d], k, n);
	p->keys[d][n] = '\0';
	p->keylens[d] = n;
	return 1;
}

static int
p_close(void *ctx)
{
	struct pctx *p = ctx;

	if (--p->depth == 0)
		p_root_done(p);
	return 1;
}

static const yajl_callbacks p_callbacks = {
	p_null, p_bool, NULL, NULL, p_number, p_string,
	p_start_map, p_map_key, p_close, p_start_array, p_close
};

/* yajl's verbose error is several lines; keep the first, without its prefix. */
static void
p_message(yajl_handle h, const char *buf, size_t len, char *err, size_t errlen)
{
	unsigned char *m = yajl_get_error(h, 0, (const unsigned char *)buf, len);
	const char *s = (const char *)m;
	size_t n;

	if (s == NULL) {
		snprintf(err, errlen, "invalid JSON");
		return;
	}
	if (strncmp(s, "parse error: ", 13) == 0)
		s += 13;
	else if (strncmp(s, "lexical error: ", 15) == 0)
		s += 15;
	n = strcspn(s, "\n");
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	snprintf(err, errlen, "%.*s", (int)n, s);
	yajl_free_error(h, m);
}

int
json_parse(const char *buf, size_t len, size_t max_depth, json_t **out,
    size_t *col, char *err, size_t errlen)
{
	struct pctx p;
	yajl_handle h = NULL;
	yajl_status st;
	size_t i, consumed;
	int rc = JSON_OK;

	*out = NULL;
	if (col)
		*col = 0;
	memset(&p, 0, sizeof p);
	p.max_depth = max_depth ? max_depth : JSON_MAX_DEPTH_DEFAULT;
	p.stack = calloc(p.max_depth, sizeof *p.stack);
	p.keys = calloc(p.max_depth, sizeof *p.keys);
	p.keylens = calloc(p.max_depth, sizeof *p.keylens);
	if (!p.stack || !p.keys || !p.keylens ||
	    (h = yajl_alloc(&p_callbacks, NULL, &p)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = JSON_ENOMEM;
		goto done;
	}
	p.h = h;
	p.len = len;
	st = yajl_parse(h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok) {
		p.finishing = 1;
		st = yajl_complete_parse(h);
	}
	if (st != yajl_status_ok) {
		consumed = yajl_get_bytes_consumed(h);
		if (col)
			*col = consumed ? consumed : 1;  /* yajl counts the offending byte */
		if (p.nomem) {
			snprintf(err, errlen, "out of memory");
			rc = JSON_ENOMEM;
		} else if (p.too_deep) {
			snprintf(err, errlen, "nested deeper than %zu levels", p.max_depth);
			rc = JSON_EDEPTH;
		} else {
			p_message(h, buf, len, err, errlen);
			rc = JSON_EPARSE;
		}
		goto done;
	}
	if (p.root == NULL) {
		snprintf(err, errlen, "no JSON value");
		rc = JSON_EPARSE;
		goto done;
	}
	/* yajl takes a string left open after the value for the end of the text */
	for (i = p.root_end; i < len; i++)
		if (strchr(" \t\n\v\f\r", buf[i]) == NULL || buf[i] == '\0') {
			if (col)
				*col = i + 1;
			snprintf(err, errlen, "trailing garbage");
			rc = JSON_EPARSE;
			goto done;
		}
	/* and checks only the shape of UTF-8: refuse overlong forms,
	 * surrogates and code points past U+10FFFF too */
	for (i = 0; i < len; i++)
		if ((unsigned char)buf[i] >= 0x80) {
			if ((consumed = utf8_seq_len(buf + i, len - i)) == 0) {
				if (col)
					*col = i + 1;
				snprintf(err, errlen, "invalid bytes in UTF8 string.");
				rc = JSON_EPARSE;
				goto done;
			}
			i += consumed - 1;
		}
	*out = p.root;
	p.root = NULL;
done:
	if (h)
		yajl_free(h);
	json_free(p.root);
	if (p.keys)
		for (i = 0; i < p.max_depth; i++)
			free(p.keys[i]);
	free(p.stack);
	free(p.keys);
	free(p.keylens);
	return rc;
}

double
json_num_or(const json_t *v, double def)
{
	double d;

	return json_num_double(v, &d) == 0 ? d : def;
}

int64_t
json_int_or(const json_t *v, int64_t def)
{
	int64_t n;

	return json_num_int(v, &n) == 0 ? n : def;
}
