/*
 * libFuzzer target: lib/jspan.h against json_parse, and ndj_read_text against
 * ndj_read. Aborts when they disagree:
 * - jspan_parse and json_parse must accept the same texts, with the default
 *   depth limit and with a limit of 3 (on a text refused jspan_parse returns
 *   what json_parse says, so code, message and column agree by construction;
 *   checked all the same); a valid text shorter than 4096 bytes, which cannot
 *   nest past the fast validator's 4096 levels, must be taken by the fast
 *   validator itself: with room, its index holds the root container;
 * - on a valid text, every value reached with the navigation functions must
 *   be the one json_parse built (type, number text, unescaped string bytes,
 *   elements and members in order, jspan_get finding the first of duplicate
 *   keys); cutting any member out of its object (jspan_member_t.cut), and
 *   adding one at jspan_obj_end, must leave JSON that parses to the object
 *   without (with) that member;
 * - jspan_parse_index must accept what jspan_parse accepts, and the _ix
 *   navigation functions, with a whole index and with one cut short (room
 *   for fewer containers than the text has), must find exactly what the
 *   functions without an index find, with members indexed (room for many,
 *   few, none) or not; jspan_members_ix, all the members at once (with
 *   room for all, and for half), what jspan_member_next finds;
 * - read as NDJSON, both readers must return the same codes, line numbers,
 *   messages and rejects, and ndj_read_text's text must parse to ndj_read's
 *   record.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jspan.h"
#include "ndj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
die(const char *what, const char *s, size_t n)
{
	fprintf(stderr, "fuzz_jspan: %s\ninput (%zu bytes): %.*s\n", what, n, (int)(n > 400 ? 400 : n), s);
	abort();
}

static void
dump(const json_t *v, buf_t *b)
{
	buf_init(b, (size_t)1 << 30);
	if (json_dump(v, b) != JSON_OK)
		abort();
}

/* json_parse of s[0..n) dumped; aborts when it does not parse. */
static void
reparse_dump(const char *s, size_t n, buf_t *b, const char *what)
{
	json_t *v;
	char err[256];
	jspan_t r;

	if (jspan_parse(s, n, 0, &r, NULL, err, sizeof err) != JSON_OK)
		die(what, s, n);
	if (json_parse(s, n, 0, &v, NULL, err, sizeof err) != JSON_OK)
		die(what, s, n);
	dump(v, b);
	json_free(v);
}

/* The compact form of object o with member skip left out (skip past the end: none) and extra appended. */
static void
expect_object(const json_t *o, size_t skip, const char *extra, buf_t *b)
{
	size_t i, first = 1;
	const char *k;

	buf_init(b, (size_t)1 << 30);
	buf_addc(b, '{');
	for (i = 0; (k = json_key_at(o, i)) != NULL; i++) {
		if (i == skip)
			continue;
		if (!first)
			buf_addc(b, ',');
		first = 0;
		json_dump_string(k, strlen(k), b);
		buf_addc(b, ':');
		json_dump(json_val_at(o, i), b);
	}
	if (extra) {
		if (!first)
			buf_addc(b, ',');
		buf_adds(b, extra);
	}
	buf_addc(b, '}');
}

static void
same(buf_t *a, buf_t *b, const char *what, const char *s, size_t n)
{
	if (a->len != b->len || memcmp(buf_ptr(a), buf_ptr(b), a->len) != 0)
		die(what, s, n);
	buf_free(a);
	buf_free(b);
}

static void walk(const char *s, size_t n, jspan_t v, const json_t *j);

static void
walk_object(const char *s, size_t n, jspan_t v, const json_t *j)
{
	jspan_member_t m, g;
	jspan_t vals[64];
	int hasnul[64];
	size_t pos = 0, i = 0, klen, f;
	char *key;
	long kl;
	buf_t got, want;
	char *cut;
	int comma;

	while (jspan_member_next(s, v, &pos, &m)) {
		if (json_key_at(j, i) == NULL)
			die("more members than json_parse found", s, n);
		if (m.key.off < v.off || m.cut.off < v.off || m.cut.off + m.cut.len > v.off + v.len)
			die("member outside its object", s, n);
		if ((key = malloc(m.key.len)) == NULL)
			abort();
		if ((kl = jspan_str(s, m.key, key, m.key.len)) < 0)   /* never longer than its literal */
			die("jspan_str of a key failed", s, n);
		klen = strlen(key);   /* json_parse keeps a key up to a NUL */
		if (strcmp(key, json_key_at(j, i)) != 0)
			die("key differs", s, n);
		walk(s, n, m.val, json_val_at(j, i));
		if (i < sizeof vals / sizeof *vals) {
			vals[i] = m.val;
			hasnul[i] = (size_t)kl != klen;
		}
		/* jspan_get finds the first member of that key (when it holds no NUL) */
		if ((size_t)kl == klen && i < sizeof vals / sizeof *vals) {
			for (f = 0; f <= i; f++)
				if (!hasnul[f] && strcmp(json_key_at(j, f), key) == 0)
					break;
			if (!jspan_get(s, v, key, &g) || g.val.off != vals[f].off || g.val.len != vals[f].len)
				die("jspan_get did not find the first member of its key", s, n);
		}
		if ((size_t)kl != klen) {
			/* an escaped NUL: equals no C string */
			if (jspan_get(s, v, key, &g) && g.key.off == m.key.off)
				die("jspan_get matched a key holding a NUL", s, n);
		}
		free(key);
		/* cut the member out of the object's own text */
		if ((cut = malloc(v.len + 1)) == NULL)
			abort();
		memcpy(cut, s + v.off, m.cut.off - v.off);
		memcpy(cut + (m.cut.off - v.off), s + m.cut.off + m.cut.len,
		    v.off + v.len - (m.cut.off + m.cut.len));
		reparse_dump(cut, v.len - m.cut.len, &got, "the object with a member cut out does not parse");
		expect_object(j, i, NULL, &want);
		same(&got, &want, "cutting a member left another object", s, n);
		free(cut);
		i++;
	}
	if (json_key_at(j, i) != NULL)
		die("fewer members than json_parse found", s, n);
	if (jspan_get(s, v, "\x01no such key", NULL))
		die("jspan_get found a key that is not there", s, n);
	/* a new member at jspan_obj_end */
	f = jspan_obj_end(s, v, &comma);
	if (f != v.off + v.len - 1 || comma != (i > 0))
		die("jspan_obj_end", s, n);
	if ((cut = malloc(v.len + 16)) == NULL)
		abort();
	memcpy(cut, s + v.off, f - v.off);
	klen = f - v.off;
	if (comma)
		cut[klen++] = ',';
	memcpy(cut + klen, "\"zz\":0}", 7);
	reparse_dump(cut, klen + 7, &got, "a member added at jspan_obj_end does not parse");
	expect_object(j, (size_t)-1, "\"zz\":0", &want);
	same(&got, &want, "a member added at jspan_obj_end", s, n);
	free(cut);
}

static void
walk(const char *s, size_t n, jspan_t v, const json_t *j)
{
	jspan_t e;
	size_t pos = 0, i = 0;
	char *buf;
	long len;
	int comma;

	if (v.off + v.len > n || v.len == 0)
		die("span outside the text", s, n);
	if (jspan_type(s, v) != json_typeof(j))
		die("type differs", s, n);
	if (jspan_type(s, v) != JSON_OBJECT &&
	    (jspan_get(s, v, "a", NULL) || jspan_obj_end(s, v, &comma) != (size_t)-1 || comma))
		die("an object function took a non-object", s, n);
	if (jspan_type(s, v) != JSON_STRING && jspan_str(s, v, (char[8]){ 0 }, 8) != -1)
		die("jspan_str took a non-string", s, n);
	switch (json_typeof(j)) {
	case JSON_STRING:
		if ((buf = malloc(v.len + 1)) == NULL)
			abort();
		len = jspan_str(s, v, buf, v.len + 1);   /* never longer than its literal */
		if (len < 0 || (size_t)len != json_strlen(j) || memcmp(buf, json_str(j), (size_t)len) != 0 ||
		    buf[len] != '\0')
			die("string differs", s, n);
		if (jspan_str(s, v, buf, (size_t)len) != -1 || (len > 0 && buf[0] != '\0'))
			die("jspan_str took a buffer too small", s, n);
		free(buf);
		break;
	case JSON_NUMBER:
		if (v.len != strlen(json_num_text(j)) || memcmp(s + v.off, json_num_text(j), v.len) != 0)
			die("number differs", s, n);
		break;
	case JSON_BOOL:
		if (v.len != (json_bool(j) ? 4u : 5u))
			die("boolean differs", s, n);
		break;
	case JSON_NULL:
		if (v.len != 4)
			die("null differs", s, n);
		break;
	case JSON_ARRAY:
		while (jspan_elem_next(s, v, &pos, &e)) {
			if (json_at(j, i) == NULL)
				die("more elements than json_parse found", s, n);
			walk(s, n, e, json_at(j, i++));
		}
		if (json_at(j, i) != NULL)
			die("fewer elements than json_parse found", s, n);
		break;
	case JSON_OBJECT:
		walk_object(s, n, v, j);
		break;
	default:
		die("a type json_parse never gives", s, n);
	}
}

static int
same_span(jspan_t a, jspan_t b)
{
	return a.off == b.off && a.len == b.len;
}

/* The _ix functions with ix find what the plain ones find, everywhere under v. */
static void
walk_index(const char *s, size_t n, jspan_t v, const jspan_index_t *ix)
{
	jspan_member_t m, mi;
	jspan_t e, ei;
	size_t pos = 0, posi = 0;
	int more, morei;

	if (jspan_type(s, v) == JSON_OBJECT) {
		jspan_member_t all[16];
		size_t count = jspan_members_ix(s, ix, v, all, 16), i = 0, c2;
		size_t cap = count / 2 < 16 ? count / 2 : 16;

		/* all the members at once, whole and cut short, are those of the walk below */
		if ((c2 = jspan_members_ix(s, ix, v, all, cap)) != count)
			die("jspan_members_ix counts differently with less room", s, n);
		c2 = jspan_members_ix(s, ix, v, all, 16);
		for (;;) {
			more = jspan_member_next(s, v, &pos, &m);
			if (more && i < 16 && i < c2 && (!same_span(m.key, all[i].key) ||
			    !same_span(m.val, all[i].val) || !same_span(m.cut, all[i].cut)))
				die("jspan_members_ix differs from jspan_member_next", s, n);
			i += more;
			morei = jspan_member_next_ix(s, ix, v, &posi, &mi);
			if (more != morei || pos != posi || (more && (!same_span(m.key, mi.key) ||
			    !same_span(m.val, mi.val) || !same_span(m.cut, mi.cut))))
				die("jspan_member_next_ix differs", s, n);
			if (!more)
				break;
			walk_index(s, n, m.val, ix);
		}
		if (i != count)
			die("jspan_members_ix counts other members", s, n);
	} else if (jspan_type(s, v) == JSON_ARRAY)
		for (;;) {
			more = jspan_elem_next(s, v, &pos, &e);
			morei = jspan_elem_next_ix(s, ix, v, &posi, &ei);
			if (more != morei || pos != posi || (more && !same_span(e, ei)))
				die("jspan_elem_next_ix differs", s, n);
			if (!more)
				break;
			walk_index(s, n, e, ix);
		}
}

static void
indexed(const char *s, size_t n, size_t max_depth, jspan_t root)
{
	size_t cap, i, memcaps[] = { 0, 64, 3, 1 }, k, nix;
	jspan_index_t *ix, *copy;
	jspan_t r, c, prev = { 0, 0 };

	/*
	 * Whole (as far as 64 containers go), then cut short at each size below;
	 * without members, then with room for 64, 3 and 1 members; and a copy of
	 * each, made in an index with no room of its own.
	 */
	for (k = 0; k < 4; k++)
		for (cap = 64; ; cap = cap > 8 ? cap / 2 : cap - 1) {
			if ((ix = jspan_index_new(cap, memcaps[k])) == NULL ||
			    (copy = jspan_index_new(0, 0)) == NULL)
				abort();
			if (jspan_parse_index(s, n, max_depth, &r, ix, NULL, NULL, 0) != JSON_OK ||
			    !same_span(r, root) || (nix = jspan_index_containers(ix)) > cap ||
			    jspan_index_members(ix) > memcaps[k])
				die("jspan_parse_index differs from jspan_parse", s, n);
			/* json_parse, not the fast validator, took it: no index */
			if (cap > 0 && n < 4096 && (s[root.off] == '{' || s[root.off] == '[') &&
			    (nix == 0 || jspan_index_container(ix, 0).off != root.off))
				die("a valid text the fast validator refused", s, n);
			for (i = 0; i < nix; i++) {
				c = jspan_index_container(ix, i);
				if ((s[c.off] != '{' && s[c.off] != '[') || c.len == 0 || c.off + c.len > n ||
				    (i > 0 && c.off <= prev.off))
					die("an index entry is not a container's span", s, n);
				prev = c;
			}
			walk_index(s, n, root, ix);
			if (jspan_index_copy(copy, ix) != 0 || jspan_index_containers(copy) != nix ||
			    jspan_index_members(copy) != jspan_index_members(ix))
				die("jspan_index_copy holds other things", s, n);
			walk_index(s, n, root, copy);
			jspan_index_free(copy);
			jspan_index_free(ix);
			if (cap == 0)
				break;
		}
}

static void
differential(const char *s, size_t n, size_t max_depth)
{
	json_t *j;
	jspan_t root;
	size_t c1 = 7, c2 = 7;
	char e1[256] = "", e2[256] = "";
	int r1, r2;

	r1 = json_parse(s, n, max_depth, &j, &c1, e1, sizeof e1);
	r2 = jspan_parse(s, n, max_depth, &root, &c2, e2, sizeof e2);
	if (r1 == JSON_ENOMEM || r2 == JSON_ENOMEM) {
		json_free(j);
		return;
	}
	if (r1 != r2) {
		fprintf(stderr, "json_parse %d (%s), jspan_parse %d (%s)\n", r1, e1, r2, e2);
		die("jspan_parse and json_parse disagree", s, n);
	}
	if (c1 != c2 || (r1 != JSON_OK && strcmp(e1, e2) != 0)) {
		fprintf(stderr, "json_parse col %zu %s, jspan_parse col %zu %s\n", c1, e1, c2, e2);
		die("jspan_parse and json_parse say different things", s, n);
	}
	if (r1 == JSON_OK) {
		if ((root.off > 0 && !strchr(" \t\n\v\f\r", s[root.off - 1])) ||
		    (root.off + root.len < n && !strchr(" \t\n\v\f\r", s[root.off + root.len])))
			die("root span not the value", s, n);
		walk(s, n, root, j);
		indexed(s, n, max_depth, root);
	} else {
		jspan_index_t *ix = jspan_index_new(4, 4);

		/* full of another text first: the invalid one must empty it */
		if (ix == NULL || jspan_parse_index("[{\"a\":[]}]", 10, 0, &root, ix, NULL, NULL, 0) != JSON_OK ||
		    jspan_index_containers(ix) != 3)
			abort();
		if (jspan_parse_index(s, n, max_depth, &root, ix, NULL, NULL, 0) != r1 ||
		    jspan_index_containers(ix) != 0 || jspan_index_members(ix) != 0)
			die("jspan_parse_index kept an index of an invalid text", s, n);
		jspan_index_free(ix);
	}
	json_free(j);
}

/* Both readers over the same input, step by step. */
static void
readers(const uint8_t *data, size_t size)
{
	FILE *in1 = fmemopen((void *)data, size, "rb"), *in2 = fmemopen((void *)data, size, "rb");
	char *rej1 = NULL, *rej2 = NULL;
	size_t rl1 = 0, rl2 = 0, len, max_line = data[0] & 0x80 ? 1 << 16 : 16 + data[0] % 100;
	FILE *rf1 = open_memstream(&rej1, &rl1), *rf2 = open_memstream(&rej2, &rl2);
	ndj_reader_t *r1 = NULL, *r2 = NULL;
	const char *text;
	jspan_t root;
	json_t *rec, *v;
	buf_t a, b;
	int c1, c2, steps = 0;

	if (!in1 || !in2 || !rf1 || !rf2)
		goto out;
	r1 = ndj_reader_new(in1, "fuzz", max_line, 4, rf1);
	r2 = ndj_reader_new(in2, "fuzz", max_line, 4, rf2);
	if (!r1 || !r2)
		goto out;
	do {
		c1 = ndj_read(r1, &rec);
		c2 = ndj_read_text(r2, &text, &len, &root);
		if (c1 != c2 || ndj_line(r1) != ndj_line(r2) || ndj_bad_lines(r1) != ndj_bad_lines(r2) ||
		    (c1 != NDJ_OK && c1 != NDJ_EOF && strcmp(ndj_error(r1), ndj_error(r2)) != 0)) {
			fprintf(stderr, "ndj_read %d line %lu: %s; ndj_read_text %d line %lu: %s\n",
			    c1, ndj_line(r1), ndj_error(r1), c2, ndj_line(r2), ndj_error(r2));
			die("the readers disagree", (const char *)data, size);
		}
		if (c1 == NDJ_OK) {
			if (text[len] != '\0' || jspan_type(text, root) != JSON_OBJECT ||
			    root.off + root.len > len)
				die("ndj_read_text's text", (const char *)data, size);
			if (json_parse(text, len, 4, &v, NULL, NULL, 0) != JSON_OK)
				die("ndj_read_text's text does not parse", (const char *)data, size);
			dump(v, &a);
			dump(rec, &b);
			same(&a, &b, "ndj_read_text's text is not ndj_read's record", (const char *)data, size);
			json_free(v);
			json_free(rec);
		}
	} while (c1 != NDJ_EOF && c1 >= 0 && ++steps < 10000);
	fflush(rf1);
	fflush(rf2);
	if (rl1 != rl2 || memcmp(rej1, rej2, rl1) != 0)
		die("the readers rejected different bytes", (const char *)data, size);
out:
	ndj_reader_free(r1);
	ndj_reader_free(r2);
	if (in1)
		fclose(in1);
	if (in2)
		fclose(in2);
	if (rf1)
		fclose(rf1);
	if (rf2)
		fclose(rf2);
	free(rej1);
	free(rej2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	differential((const char *)data, size, 0);
	differential((const char *)data, size, 3);
	if (size > 0)
		readers(data, size);
	return 0;
}
