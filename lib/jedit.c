#include "jedit.h"

#include <string.h>

static int
buf_rc(int rc)
{
	if (rc == BUF_OK)
		return JSON_OK;
	return rc == BUF_ETOOBIG ? JSON_ETOOBIG : JSON_ENOMEM;
}

static int
listed(const char *key, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(key, *list) == 0)
			return 1;
	return 0;
}

int
jedit_object(buf_t *out, const char *s, jspan_t obj, const struct jedit_field *fields,
    size_t nf, const char *const *drop, jedit_member_fn fn, void *ctx)
{
	/* Which fields were set in place: the rest go at the end. */
	unsigned char used[JEDIT_MAX_FIELDS] = { 0 };
	size_t pos = 0, i, klen[JEDIT_MAX_FIELDS];
	jspan_member_t m;
	char key[256];
	const char *k;
	long kl = 0;
	int rc, first = 1, done;

	if (jspan_type(s, obj) != JSON_OBJECT)
		return JSON_ETYPE;
	if (nf > JEDIT_MAX_FIELDS)
		return JSON_ETOOBIG;
	for (i = 0; i < nf; i++)
		klen[i] = strlen(fields[i].key);
	if ((rc = buf_rc(buf_addc(out, '{'))) != JSON_OK)
		return rc;
	while (jspan_member_next(s, obj, &pos, &m)) {
		k = (kl = jspan_str(s, m.key, key, sizeof key)) >= 0 ? key : NULL;
		if (k && listed(k, drop))
			continue;
		if (!first && (rc = buf_rc(buf_addc(out, ','))) != JSON_OK)
			return rc;
		first = 0;
		if ((rc = buf_rc(buf_add(out, s + m.key.off, m.key.len))) != JSON_OK ||
		    (rc = buf_rc(buf_addc(out, ':'))) != JSON_OK)
			return rc;
		done = 0;
		for (i = 0; k && i < nf; i++)
			if (!used[i] && (size_t)kl == klen[i] && memcmp(k, fields[i].key, klen[i]) == 0) {
				used[i] = 1;
				if ((rc = buf_rc(buf_add(out, fields[i].val, fields[i].len))) != JSON_OK)
					return rc;
				done = 1;
				break;
			}
		if (!done && fn && (done = fn(ctx, k, m.val, out)) < 0)
			return done;
		if (!done && (rc = buf_rc(buf_add(out, s + m.val.off, m.val.len))) != JSON_OK)
			return rc;
	}
	for (i = 0; i < nf; i++) {
		if (used[i])
			continue;
		if ((!first && (rc = buf_rc(buf_addc(out, ','))) != JSON_OK) ||
		    (rc = json_dump_string(fields[i].key, strlen(fields[i].key), out)) != JSON_OK ||
		    (rc = buf_rc(buf_addc(out, ':'))) != JSON_OK ||
		    (rc = buf_rc(buf_add(out, fields[i].val, fields[i].len))) != JSON_OK)
			return rc;
		first = 0;
	}
	return buf_rc(buf_addc(out, '}'));
}
