#include "jedit.h"

#include <stdint.h>
#include <string.h>

static int
buf_rc(int rc)
{
	if (rc == BUF_OK)
		return JSON_OK;
	return rc == BUF_ETOOBIG ? JSON_ETOOBIG : JSON_ENOMEM;
}

static int
listed(const char *key, size_t klen, const char *const *list)
{
	for (; list && *list; list++)
		if (strlen(*list) == klen && memcmp(key, *list, klen) == 0)
			return 1;
	return 0;
}

/* One object being written: what jedit_object and jedit_members share. */
struct edit {
	buf_t *out;
	const char *s;
	const struct jedit_field *fields;
	size_t nf, klen[JEDIT_MAX_FIELDS];
	unsigned char used[JEDIT_MAX_FIELDS];   /* set in place: the rest go at the end */
	const char *const *drop;
	uint64_t heads[4];         /* the first bytes of the names set or dropped: a set */
	jedit_member_fn fn;
	void *ctx;
	int first;
	/*
	 * Members kept as they are, not yet written: s[run, run_end), written
	 * with one copy. A member joins the run when its text is "key":value
	 * and one comma is all that lies between it and the run.
	 */
	size_t run, run_end;
};

static void
add_head(uint64_t heads[4], const char *name)
{
	unsigned char c = (unsigned char)name[0];

	heads[c >> 6] |= (uint64_t)1 << (c & 63);
}

/* Whether a name set or dropped begins as key[0..kl) does: if not, none is it. */
static int
may_be_named(const struct edit *e, const char *key, size_t kl)
{
	unsigned char c = kl ? (unsigned char)key[0] : 0;

	return (e->heads[c >> 6] >> (c & 63)) & 1;
}

static int
edit_begin(struct edit *e, buf_t *out, const char *s, const struct jedit_field *fields,
    size_t nf, const char *const *drop, jedit_member_fn fn, void *ctx)
{
	size_t i;

	if (nf > JEDIT_MAX_FIELDS)
		return JSON_ETOOBIG;
	memset(e->used, 0, sizeof e->used);
	e->out = out;
	e->s = s;
	e->fields = fields;
	e->nf = nf;
	memset(e->heads, 0, sizeof e->heads);
	for (i = 0; i < nf; i++) {
		e->klen[i] = strlen(fields[i].key);
		add_head(e->heads, fields[i].key);
	}
	for (i = 0; drop && drop[i]; i++)
		add_head(e->heads, drop[i]);
	e->drop = drop;
	e->fn = fn;
	e->ctx = ctx;
	e->first = 1;
	e->run = e->run_end = 0;
	return buf_rc(buf_addc(out, '{'));
}

/* Writes the run of members kept as they are, after a comma unless it is the first. */
static int
flush_run(struct edit *e)
{
	int rc;

	if (e->run == e->run_end)
		return JSON_OK;
	if ((!e->first && (rc = buf_rc(buf_addc(e->out, ','))) != JSON_OK) ||
	    (rc = buf_rc(buf_add(e->out, e->s + e->run, e->run_end - e->run))) != JSON_OK)
		return rc;
	e->first = 0;
	e->run = e->run_end = 0;
	return JSON_OK;
}

/* Starts a member written piece by piece: the run before it, a comma, "key":. */
static int
member_start(struct edit *e, const jspan_member_t *m)
{
	int rc;

	if ((rc = flush_run(e)) != JSON_OK)
		return rc;
	if (!e->first && (rc = buf_rc(buf_addc(e->out, ','))) != JSON_OK)
		return rc;
	e->first = 0;
	if ((rc = buf_rc(buf_add(e->out, e->s + m->key.off, m->key.len))) != JSON_OK)
		return rc;
	return buf_rc(buf_addc(e->out, ':'));
}

static int
edit_member(struct edit *e, const jspan_member_t *m)
{
	char key[256];
	const char *k;
	long ul = jspan_key(e->s, m->key, key, sizeof key, &k);
	size_t i, kl = ul < 0 ? 0 : (size_t)ul, end = m->val.off + m->val.len;
	int rc, done = 0, compact, named;

	/* A key past 255 bytes (k NULL) is no name set or dropped: none is that long. */
	named = k && may_be_named(e, k, kl);
	if (named && listed(k, kl, e->drop))
		return JSON_OK;
	for (i = 0; named && i < e->nf; i++)
		if (!e->used[i] && kl == e->klen[i] && memcmp(k, e->fields[i].key, kl) == 0) {
			e->used[i] = 1;
			if ((rc = member_start(e, m)) != JSON_OK)
				return rc;
			return buf_rc(buf_add(e->out, e->fields[i].val, e->fields[i].len));
		}
	compact = m->val.off == m->key.off + m->key.len + 1;   /* "key":value, no blank */
	if (e->fn == NULL && compact) {
		if (e->run != e->run_end && m->key.off == e->run_end + 1 && e->s[e->run_end] == ',') {
			e->run_end = end;
			return JSON_OK;
		}
		if ((rc = flush_run(e)) != JSON_OK)
			return rc;
		e->run = m->key.off;
		e->run_end = end;
		return JSON_OK;
	}
	if ((rc = member_start(e, m)) != JSON_OK)
		return rc;
	if (e->fn) {
		/* The callback takes a C string, and none past 255 bytes. */
		if (k == NULL || kl >= sizeof key)
			k = NULL;
		else if (k != key) {
			memmove(key, k, kl);
			key[kl] = '\0';
			k = key;
		}
		done = e->fn(e->ctx, k, m->val, e->out);
	}
	if (done < 0)
		return done;
	return done ? JSON_OK : buf_rc(buf_add(e->out, e->s + m->val.off, m->val.len));
}

static int
edit_end(struct edit *e)
{
	const char *start;
	size_t i, len;
	int rc;

	if ((rc = flush_run(e)) != JSON_OK)
		return rc;
	for (i = 0; i < e->nf; i++) {
		if (e->used[i])
			continue;
		if (e->fields[i].member) {
			start = e->fields[i].member;
			len = e->fields[i].member_len;
			while (i + 1 < e->nf && !e->used[i + 1] &&
			    e->fields[i + 1].member == start + len + 1 && start[len] == ',') {
				i++;
				len = (size_t)(e->fields[i].member - start) + e->fields[i].member_len;
			}
			if ((!e->first && (rc = buf_rc(buf_addc(e->out, ','))) != JSON_OK) ||
			    (rc = buf_rc(buf_add(e->out, start, len))) != JSON_OK)
				return rc;
			e->first = 0;
			continue;
		}
		if ((!e->first && (rc = buf_rc(buf_addc(e->out, ','))) != JSON_OK) ||
		    (rc = json_dump_string(e->fields[i].key, e->klen[i], e->out)) != JSON_OK ||
		    (rc = buf_rc(buf_addc(e->out, ':'))) != JSON_OK ||
		    (rc = buf_rc(buf_add(e->out, e->fields[i].val, e->fields[i].len))) != JSON_OK)
			return rc;
		e->first = 0;
	}
	return buf_rc(buf_addc(e->out, '}'));
}

int
jedit_object(buf_t *out, const char *s, jspan_t obj, const struct jedit_field *fields,
    size_t nf, const char *const *drop, jedit_member_fn fn, void *ctx)
{
	struct edit e;
	jspan_member_t m;
	size_t pos = 0;
	int rc;

	if (jspan_type(s, obj) != JSON_OBJECT)
		return JSON_ETYPE;
	if ((rc = edit_begin(&e, out, s, fields, nf, drop, fn, ctx)) != JSON_OK)
		return rc;
	while (jspan_member_next(s, obj, &pos, &m))
		if ((rc = edit_member(&e, &m)) != JSON_OK)
			return rc;
	return edit_end(&e);
}

int
jedit_members(buf_t *out, const char *s, const jspan_member_t *members, size_t n,
    const struct jedit_field *fields, size_t nf, const char *const *drop, jedit_member_fn fn,
    void *ctx)
{
	struct edit e;
	size_t i;
	int rc;

	if ((rc = edit_begin(&e, out, s, fields, nf, drop, fn, ctx)) != JSON_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = edit_member(&e, &members[i])) != JSON_OK)
			return rc;
	return edit_end(&e);
}
