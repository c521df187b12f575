/*
 * libFuzzer target: lib/jedit.h against the tree (lib/json.h). The input's
 * first 4 bytes choose what to do, the rest is the JSON text:
 *   byte 0: the names set (bit i: NAMES[i]), each with value VALS[(i + r) % 8];
 *   byte 1: the names dropped (bit i: NAMES[i]);
 *   byte 2: bits 0-2 the callback's key K (NAMES[]), bit 3 a callback is
 *           given, bit 4 it stops (returns JSON_ETYPE) on K instead of writing
 *           "0", bit 5 the fields listed in reverse order, bit 6 fields carry
 *           their whole member text (jedit_field.member, written "key": val);
 *   byte 3: bits 0-2 r.
 * When jspan_parse accepts the text and its root is an object, aborts unless:
 * - jedit_object and jedit_members (over the members jspan_member_next finds,
 *   appending to a buffer that already holds a byte) give the same code and
 *   the same bytes, and with an out cap one byte short, JSON_ETOOBIG;
 * - those bytes are exactly what jedit.h says: "{", the members that stay, in
 *   order, joined by "," with the key's and value's own bytes (a set member
 *   keeps its key's bytes and gets the field's value text), then the fields no
 *   member took, in order (their member text, else the key as
 *   json_dump_string writes it, ":" and the value text), "}";
 * - the output passes jspan_parse and json_parse, and json_dump of it equals
 *   the expected tree: json_parse of the text, json_del of every dropped
 *   name, then json_set of every field (a field whose name is also dropped is
 *   appended, as jedit's tests expect); keys are compared as json_parse keeps
 *   them, cut at a \u0000;
 * - with a callback: it is called once for each member kept (neither set nor
 *   dropped), in order, with the member's value span and its key unescaped
 *   (NULL when 256 bytes or longer); it writes "0" for key K (compared as a C
 *   string, so cut at a NUL), so the expected tree is the one above with
 *   every kept member named K (all duplicates, but not the one a field set)
 *   given 0; when it stops instead, jedit returns its code exactly when some
 *   member named K was kept;
 * - a non-object root gives JSON_ETYPE and writes nothing; 65 fields give
 *   JSON_ETOOBIG.
 * The field names are distinct (jedit.h does not say what two fields of one
 * name mean).
 *
 * Keys holding \u0000: json_set/json_del match them cut at the NUL, which
 * jedit.h promises for both (the callback gets the cut key too).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jedit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const NAMES[8] = {
	"a", "b", "d", "apollo", "new_employer", "", "\xc3\xa9", "x\"y"
};
static const char *const VALS[8] = {
	"1", "\"x\"", "{\"k\":[1]}", "null", "[ 1 , 2 ]", "\"\\u00e9\"", "true", "-0.5e3"
};

static const char *in_s;
static size_t in_n;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_jedit: %s\ninput (%zu bytes): %.*s\n", what, in_n,
	    (int)(in_n > 400 ? 400 : in_n), in_s);
	abort();
}

static void
dump_buf(const char *name, const buf_t *b)
{
	fprintf(stderr, "%s (%zu bytes): %.*s\n", name, b->len, (int)(b->len > 400 ? 400 : b->len),
	    buf_ptr(b));
}

static void
same(const buf_t *got, const buf_t *want, const char *what)
{
	if (got->len != want->len || memcmp(buf_ptr(got), buf_ptr(want), got->len) != 0) {
		dump_buf("got ", got);
		dump_buf("want", want);
		die(what);
	}
}

static json_t *
parse(const char *s, size_t n)
{
	json_t *v;

	if (json_parse(s, n, 0, &v, NULL, NULL, 0) != JSON_OK)
		die("a text that should parse does not");
	return v;
}

static void
add_dump(const json_t *v, buf_t *b)
{
	if (json_dump(v, b) != JSON_OK)
		abort();
}

static void
add_text_dump(const char *s, size_t n, buf_t *b)
{
	json_t *v = parse(s, n);

	add_dump(v, b);
	json_free(v);
}

/* One member of the text, with what the oracle decided for it. */
struct mem {
	jspan_member_t m;
	char *key;        /* unescaped, NUL-terminated; strlen(key) is the tree's key */
	size_t klen;      /* the key's length as json_parse reads it (cut at a NUL) */
	int gone;         /* dropped */
	int field;        /* the field that set it, or -1 */
	int zero;         /* the callback writes 0 for it */
};

struct call {
	char *key;
	jspan_t val;
};

struct cb {
	const char *k;
	int stop;
	struct call *calls;
	size_t n, alloc;
};

static int
callback(void *ctx, const char *key, jspan_t val, buf_t *out)
{
	struct cb *c = ctx;

	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 16;
		if ((c->calls = realloc(c->calls, c->alloc * sizeof *c->calls)) == NULL)
			abort();
	}
	c->calls[c->n].key = key ? strdup(key) : NULL;
	if (key && c->calls[c->n].key == NULL)
		abort();
	c->calls[c->n++].val = val;
	if (key == NULL || strcmp(key, c->k) != 0)
		return 0;
	if (c->stop)
		return JSON_ETYPE;
	if (buf_addc(out, '0') != BUF_OK)
		return JSON_ETOOBIG;
	return 1;
}

static void
cb_reset(struct cb *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->calls[i].key);
	c->n = 0;
}

/*
 * The calls made must be one per kept member, in order, with its key and
 * value; when the callback stops, none after the one it stopped at.
 */
static void
check_calls(const struct cb *c, const struct mem *ms, size_t nm)
{
	size_t i, j = 0;
	int stopped = 0;

	for (i = 0; i < nm && !stopped; i++) {
		if (ms[i].gone || ms[i].field >= 0)
			continue;
		if (j == c->n)
			die("the callback was not called for a kept member");
		if (c->calls[j].val.off != ms[i].m.val.off || c->calls[j].val.len != ms[i].m.val.len)
			die("the callback got another member's value");
		if (ms[i].klen >= 256 ? c->calls[j].key != NULL :
		    c->calls[j].key == NULL || strcmp(c->calls[j].key, ms[i].key) != 0)
			die("the callback got another key");
		stopped = c->stop && c->calls[j].key && strcmp(c->calls[j].key, c->k) == 0;
		j++;
	}
	if (j != c->n)
		die("the callback was called for a member not kept, or after it stopped");
}

static int
listed(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(key, *list) == 0)
			return 1;
	return 0;
}

static void
edit(const char *s, size_t n, jspan_t root, const uint8_t *ctl)
{
	struct jedit_field fields[JEDIT_MAX_FIELDS + 1];
	char member[8][64];
	const char *drop[9];
	size_t nf = 0, nd = 0, nm = 0, am = 0, i, f, pos = 0;
	struct mem *ms = NULL;
	jspan_member_t *mm = NULL, m;
	struct cb cb = { NAMES[ctl[2] & 7], (ctl[2] >> 4) & 1, NULL, 0, 0 };
	int use_fn = (ctl[2] >> 3) & 1, rc1, rc2, want_rc = JSON_OK;
	unsigned used = 0;
	json_t *tree, *t2, *o;
	buf_t raw, exp, got, got2, tmp;
	long kl;

	/* fields, distinct names, and drops */
	for (i = 0; i < 8; i++) {
		size_t k = (ctl[2] & 0x20) ? 7 - i : i;
		struct jedit_field *fl;

		if (!(ctl[0] >> k & 1))
			continue;
		fl = &fields[nf++];
		fl->key = NAMES[k];
		fl->val = VALS[(k + (ctl[3] & 7)) % 8];
		fl->len = strlen(fl->val);
		fl->member = NULL;
		fl->member_len = 0;
		if (ctl[2] & 0x40) {
			buf_init(&tmp, sizeof member[k] - 1);
			if (json_dump_string(fl->key, strlen(fl->key), &tmp) != JSON_OK ||
			    buf_adds(&tmp, ": ") != BUF_OK || buf_add(&tmp, fl->val, fl->len) != BUF_OK)
				abort();
			memcpy(member[k], buf_ptr(&tmp), tmp.len + 1);
			fl->member = member[k];
			fl->member_len = tmp.len;
			buf_free(&tmp);
		}
	}
	for (i = 0; i < 8; i++)
		if (ctl[1] >> i & 1)
			drop[nd++] = NAMES[i];
	drop[nd] = NULL;

	/* the members, as jspan and the tree see them */
	tree = parse(s, n);
	while (jspan_member_next(s, root, &pos, &m)) {
		if (nm == am) {
			am = am ? 2 * am : 16;
			if ((ms = realloc(ms, am * sizeof *ms)) == NULL || (mm = realloc(mm, am * sizeof *mm)) == NULL)
				abort();
		}
		mm[nm] = m;
		ms[nm].m = m;
		if ((ms[nm].key = malloc(m.key.len)) == NULL)
			abort();
		if ((kl = jspan_str(s, m.key, ms[nm].key, m.key.len)) < 0)
			die("jspan_str of a key failed");
		ms[nm].klen = strlen(ms[nm].key);
		if (json_key_at(tree, nm) == NULL || strcmp(json_key_at(tree, nm), ms[nm].key) != 0)
			die("jspan and the tree see other keys");
		nm++;
	}
	if (json_key_at(tree, nm) != NULL)
		die("jspan and the tree see other members");

	/* the oracle: drops, then fields on the first member of their name left, then the callback */
	for (i = 0; i < nm; i++) {
		struct mem *x = &ms[i];
		x->field = -1;
		x->zero = 0;
		x->gone = listed(x->key, drop);
		if (x->gone)
			continue;
		for (f = 0; f < nf; f++)
			if (!(used >> f & 1) && strcmp(x->key, fields[f].key) == 0) {
				used |= 1u << f;
				x->field = (int)f;
				break;
			}
		if (x->field < 0 && use_fn && x->klen < 256 && strcmp(x->key, cb.k) == 0) {
			if (cb.stop)
				want_rc = JSON_ETYPE;
			else
				x->zero = 1;
		}
	}

	/* the expected bytes and the expected tree's dump */
	buf_init(&raw, (size_t)1 << 30);
	buf_init(&exp, (size_t)1 << 30);
	buf_addc(&raw, '{');
	buf_addc(&exp, '{');
	for (i = 0, f = 0; i < nm; i++) {
		const struct mem *x = &ms[i];

		if (x->gone)
			continue;
		if (f++) {
			buf_addc(&raw, ',');
			buf_addc(&exp, ',');
		}
		buf_add(&raw, s + x->m.key.off, x->m.key.len);
		buf_addc(&raw, ':');
		json_dump_string(x->key, strlen(x->key), &exp);
		buf_addc(&exp, ':');
		if (x->field >= 0) {
			buf_add(&raw, fields[x->field].val, fields[x->field].len);
			add_text_dump(fields[x->field].val, fields[x->field].len, &exp);
		} else if (x->zero) {
			buf_addc(&raw, '0');
			buf_addc(&exp, '0');
		} else {
			buf_add(&raw, s + x->m.val.off, x->m.val.len);
			add_dump(json_val_at(tree, i), &exp);
		}
	}
	for (i = 0; i < nf; i++) {
		if (used >> i & 1)
			continue;
		if (f++) {
			buf_addc(&raw, ',');
			buf_addc(&exp, ',');
		}
		if (fields[i].member)
			buf_add(&raw, fields[i].member, fields[i].member_len);
		else {
			json_dump_string(fields[i].key, strlen(fields[i].key), &raw);
			buf_addc(&raw, ':');
			buf_add(&raw, fields[i].val, fields[i].len);
		}
		json_dump_string(fields[i].key, strlen(fields[i].key), &exp);
		buf_addc(&exp, ':');
		add_text_dump(fields[i].val, fields[i].len, &exp);
	}
	buf_addc(&raw, '}');
	buf_addc(&exp, '}');

	/*
	 * The oracle is the tree's json_del and json_set, with the callback's
	 * zeros on the members it kept (after the drops they are in the tree in
	 * the text's order, the fields' appended ones after them).
	 */
	{
		const char *k;
		size_t j;

		t2 = parse(s, n);
		for (i = 0; i < nd; i++)
			json_del(t2, drop[i]);
		for (i = 0; i < nf; i++)
			if (json_set(t2, fields[i].key, parse(fields[i].val, fields[i].len)) != JSON_OK)
				abort();
		buf_init(&tmp, (size_t)1 << 30);
		buf_addc(&tmp, '{');
		for (i = 0, j = 0; (k = json_key_at(t2, i)) != NULL; i++) {
			while (j < nm && ms[j].gone)
				j++;
			if (i)
				buf_addc(&tmp, ',');
			json_dump_string(k, strlen(k), &tmp);
			buf_addc(&tmp, ':');
			if (j < nm && ms[j++].zero)
				buf_addc(&tmp, '0');
			else
				add_dump(json_val_at(t2, i), &tmp);
		}
		buf_addc(&tmp, '}');
		same(&tmp, &exp, "the oracle is not the tree's json_del and json_set");
		buf_free(&tmp);
		json_free(t2);
	}

	/* jedit_object, then jedit_members after a byte already in out */
	buf_init(&got, (size_t)1 << 30);
	rc1 = jedit_object(&got, s, root, fields, nf, drop, use_fn ? callback : NULL, &cb);
	if (use_fn)
		check_calls(&cb, ms, nm);
	cb_reset(&cb);
	buf_init(&got2, (size_t)1 << 30);
	buf_addc(&got2, '[');
	rc2 = jedit_members(&got2, s, mm, nm, fields, nf, drop, use_fn ? callback : NULL, &cb);
	if (use_fn)
		check_calls(&cb, ms, nm);
	cb_reset(&cb);
	if (rc1 != want_rc || rc2 != want_rc) {
		fprintf(stderr, "jedit_object %d, jedit_members %d, want %d\n", rc1, rc2, want_rc);
		die("jedit's code");
	}
	if (want_rc == JSON_OK) {
		same(&got, &raw, "jedit_object did not write what jedit.h says");
		if (got2.len != got.len + 1 || buf_ptr(&got2)[0] != '[' ||
		    memcmp(buf_ptr(&got2) + 1, buf_ptr(&got), got.len) != 0) {
			dump_buf("jedit_object ", &got);
			dump_buf("jedit_members", &got2);
			die("jedit_members wrote other bytes than jedit_object");
		}
		/* valid JSON, and the expected tree */
		if (jspan_parse(buf_ptr(&got), got.len, 0, &(jspan_t){ 0, 0 }, NULL, NULL, 0) != JSON_OK)
			die("jspan_parse rejects jedit's output");
		o = parse(buf_ptr(&got), got.len);
		buf_init(&tmp, (size_t)1 << 30);
		add_dump(o, &tmp);
		json_free(o);
		same(&tmp, &exp, "jedit's output is not the tree expected");
		buf_free(&tmp);
		/* one byte short of the room it needs */
		buf_init(&tmp, got.len - 1);
		if (jedit_object(&tmp, s, root, fields, nf, drop, use_fn ? callback : NULL, &cb) != JSON_ETOOBIG)
			die("jedit_object did not say JSON_ETOOBIG with a cap one byte short");
		cb_reset(&cb);
		buf_free(&tmp);
		buf_init(&tmp, got.len);
		if (jedit_members(&tmp, s, mm, nm, fields, nf, drop, use_fn ? callback : NULL, &cb) != JSON_OK ||
		    tmp.len != got.len)
			die("jedit_members failed with just the room it needs");
		cb_reset(&cb);
		buf_free(&tmp);
	}

	/* too many fields */
	for (i = 0; i <= JEDIT_MAX_FIELDS; i++)
		fields[i] = (struct jedit_field){ "z", "0", 1, NULL, 0 };
	buf_init(&tmp, 64);
	if (jedit_object(&tmp, s, root, fields, JEDIT_MAX_FIELDS + 1, NULL, NULL, NULL) != JSON_ETOOBIG)
		die("jedit_object took more than JEDIT_MAX_FIELDS fields");
	buf_free(&tmp);

	buf_free(&got);
	buf_free(&got2);
	buf_free(&raw);
	buf_free(&exp);
	free(cb.calls);
	for (i = 0; i < nm; i++)
		free(ms[i].key);
	free(ms);
	free(mm);
	json_free(tree);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s;
	size_t n;
	jspan_t root;
	buf_t out;
	struct jedit_field one = { "a", "1", 1, NULL, 0 };

	if (size < 4)
		return 0;
	s = (const char *)data + 4;
	n = size - 4;
	in_s = s;
	in_n = n;
	if (jspan_parse(s, n, 0, &root, NULL, NULL, 0) != JSON_OK)
		return 0;
	if (jspan_type(s, root) != JSON_OBJECT) {
		buf_init(&out, 1 << 20);
		if (jedit_object(&out, s, root, &one, 1, NULL, NULL, NULL) != JSON_ETYPE || out.len != 0)
			die("jedit_object took a non-object");
		buf_free(&out);
		return 0;
	}
	edit(s, n, root, data);
	return 0;
}
