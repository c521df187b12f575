#include "claim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"

/* The keys of one call, built before the transaction so that it allocates nothing. */
struct keys {
	buf_t *claim, *cache;
	size_t n;
};

static void
keys_free(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		buf_free(&k->claim[i]);
		if (k->cache)
			buf_free(&k->cache[i]);
	}
	free(k->claim);
	free(k->cache);
}

static int
keys_make(struct keys *k, const char *provider, const char *workspace,
    const char *const *keys, size_t n, int with_cache)
{
	size_t i;

	memset(k, 0, sizeof *k);
	if ((k->claim = calloc(n ? n : 1, sizeof *k->claim)) == NULL ||
	    (with_cache && (k->cache = calloc(n ? n : 1, sizeof *k->cache)) == NULL)) {
		free(k->claim);
		return DB_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		buf_init(&k->claim[i], 4096);
		if (k->cache)
			buf_init(&k->cache[i], 4096);
		k->n = i + 1;
		if (db_key(&k->claim[i], "claim", provider, workspace, keys[i], (char *)NULL) != DB_OK ||
		    (k->cache &&
		    db_key(&k->cache[i], provider, workspace, keys[i], (char *)NULL) != DB_OK)) {
			keys_free(k);
			return DB_ENOMEM;
		}
	}
	return DB_OK;
}

long long
claim_entry_time(const char *val, size_t len)
{
	long long t = 0;
	size_t i;

	for (i = 0; i < len && i < 20 && val[i] >= '0' && val[i] <= '9'; i++)
		t = t * 10 + (val[i] - '0');
	if (i == 0 || i >= len || val[i] != '\n')
		return -1;
	return t;
}

/*
 * Where a process runs: the pid alone names a process only within one pid
 * namespace of one boot of one host. Each field is "-" when unknown.
 */
struct place {
	char host[72];
	char boot[40];
	char ns[24];
};

/* Keeps the characters a claim value may hold (no space: it separates fields). */
static void
field_set(char *dst, size_t cap, const char *src, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '\n' || c == '\0')
			break;
		dst[o++] = (c > ' ' && c < 0x7f) ? (char)c : '_';
	}
	dst[o] = '\0';
	if (o == 0)
		snprintf(dst, cap, "-");
}

static void
place_self(struct place *p)
{
	char buf[128];
	ssize_t n;
	int fd;

	if (gethostname(buf, sizeof buf) != 0)
		buf[0] = '\0';
	buf[sizeof buf - 1] = '\0';
	field_set(p->host, sizeof p->host, buf, strlen(buf));
	n = -1;
	if ((fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
	}
	field_set(p->boot, sizeof p->boot, buf, n > 0 ? (size_t)n : 0);
	/* "pid:[4026531836]": the namespace's inode. */
	n = readlink("/proc/self/ns/pid", buf, sizeof buf - 1);
	if (n > 6 && memcmp(buf, "pid:[", 5) == 0 && buf[n - 1] == ']')
		field_set(p->ns, sizeof p->ns, buf + 5, (size_t)n - 6);
	else
		field_set(p->ns, sizeof p->ns, "", 0);
}

static int
place_same(const struct place *a, const struct place *b)
{
	return strcmp(a->host, b->host) == 0 && strcmp(a->boot, b->boot) == 0 &&
	    strcmp(a->ns, b->ns) == 0;
}

/* A claim as stored; placed is 0 for the older "<pid> <epoch>" form. */
struct owner {
	long long pid, at;
	int placed;
	struct place where;
};

/* Reads a claim value. Returns 0, or -1 when it is not one (it counts as no claim). */
static int
owner_parse(const char *val, size_t len, struct owner *o)
{
	char text[256], *end, *f[3], *save = NULL;
	int i;

	if (len >= sizeof text)
		return -1;
	memcpy(text, val, len);
	text[len] = '\0';
	o->pid = strtoll(text, &end, 10);
	if (end == text || *end != ' ' || o->pid <= 0)
		return -1;
	o->at = strtoll(end + 1, &end, 10);
	o->placed = 0;
	if (*end == '\0')
		return 0;
	if (*end != ' ')
		return -1;
	for (i = 0; i < 3; i++)
		if ((f[i] = strtok_r(i == 0 ? end : NULL, " ", &save)) == NULL)
			return -1;
	if (strtok_r(NULL, " ", &save) != NULL)
		return -1;
	field_set(o->where.host, sizeof o->where.host, f[0], strlen(f[0]));
	field_set(o->where.boot, sizeof o->where.boot, f[1], strlen(f[1]));
	field_set(o->where.ns, sizeof o->where.ns, f[2], strlen(f[2]));
	o->placed = 1;
	return 0;
}

/* Whether the claim o (read here, at now) belongs to another process that still holds it. */
static int
held_by_other(const struct owner *o, const struct place *here, time_t now)
{
	if ((long long)now - o->at >= CLAIM_MAX_AGE || o->at - (long long)now > CLAIM_MAX_AGE)
		return 0;
	if (o->placed && !place_same(&o->where, here))
		return 1;   /* its pid means nothing here: held until it expires */
	if (o->pid == (long long)getpid())
		return 0;
	return kill((pid_t)o->pid, 0) == 0 || errno == EPERM;
}

struct take_ctx {
	struct keys *k;
	claim_answered_fn answered;
	void *ctx;
	time_t now;
	enum claim_state *state;
	struct place here;
	char mine[256];
};

static int
take_in(db_txn_t *txn, void *vctx)
{
	struct take_ctx *c = vctx;
	struct owner o;
	const char *v;
	size_t i, vl;
	int rc;

	for (i = 0; i < c->k->n; i++) {
		if (c->answered) {
			rc = db_txn_get(txn, DB_CACHE, buf_ptr(&c->k->cache[i]),
			    buf_len(&c->k->cache[i]), &v, &vl);
			if (rc == DB_EIO)
				return rc;
			if (rc == DB_OK && c->answered(v, vl, c->ctx)) {
				c->state[i] = CLAIM_ANSWERED;
				continue;
			}
		}
		rc = db_txn_get(txn, DB_META, buf_ptr(&c->k->claim[i]), buf_len(&c->k->claim[i]),
		    &v, &vl);
		if (rc == DB_EIO)
			return rc;
		if (rc == DB_OK && owner_parse(v, vl, &o) == 0 && held_by_other(&o, &c->here, c->now)) {
			c->state[i] = CLAIM_HELD;
			continue;
		}
		if (db_txn_put(txn, DB_META, buf_ptr(&c->k->claim[i]), buf_len(&c->k->claim[i]),
		    c->mine, strlen(c->mine)) != DB_OK)
			return DB_EIO;
		c->state[i] = CLAIM_TAKEN;
	}
	return 0;
}

int
claim_take(db_t *db, const char *provider, const char *workspace, const char *const *keys,
    size_t n, claim_answered_fn answered, void *ctx, time_t now, enum claim_state *state,
    char *err, size_t errlen)
{
	struct keys k;
	struct take_ctx c;
	int rc;

	if (n == 0)
		return DB_OK;
	if (keys_make(&k, provider, workspace, keys, n, answered != NULL) != DB_OK) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	c.k = &k;
	c.answered = answered;
	c.ctx = ctx;
	c.now = now;
	c.state = state;
	place_self(&c.here);
	snprintf(c.mine, sizeof c.mine, "%lld %lld %s %s %s", (long long)getpid(), (long long)now,
	    c.here.host, c.here.boot, c.here.ns);
	rc = db_write(db, take_in, &c, err, errlen);
	keys_free(&k);
	return rc;
}

struct release_ctx {
	struct keys *k;
	struct place here;
};

static int
release_in(db_txn_t *txn, void *vctx)
{
	struct release_ctx *c = vctx;
	struct owner o;
	const char *v;
	size_t i, vl;
	int rc;

	for (i = 0; i < c->k->n; i++) {
		rc = db_txn_get(txn, DB_META, buf_ptr(&c->k->claim[i]), buf_len(&c->k->claim[i]),
		    &v, &vl);
		if (rc == DB_EIO)
			return rc;
		/* Ours: our pid, here (the same pid elsewhere is another process). */
		if (rc != DB_OK || owner_parse(v, vl, &o) != 0 || o.pid != (long long)getpid() ||
		    !o.placed || !place_same(&o.where, &c->here))
			continue;
		if (db_txn_del(txn, DB_META, buf_ptr(&c->k->claim[i]), buf_len(&c->k->claim[i])) ==
		    DB_EIO)
			return DB_EIO;
	}
	return 0;
}

int
claim_release(db_t *db, const char *provider, const char *workspace, const char *const *keys,
    size_t n, char *err, size_t errlen)
{
	struct keys k;
	struct release_ctx c;
	int rc;

	if (n == 0)
		return DB_OK;
	if (keys_make(&k, provider, workspace, keys, n, 0) != DB_OK) {
		snprintf(err, errlen, "out of memory");
		return DB_ENOMEM;
	}
	c.k = &k;
	place_self(&c.here);
	rc = db_write(db, release_in, &c, err, errlen);
	keys_free(&k);
	return rc;
}
