/*
 * claim: across processes sharing a db, one at a time asks a provider for a
 * key, so that pipelines running at once never pay twice for one answer.
 *
 * Before a call, a program claims the keys it is about to ask for, in one
 * write transaction that also reads their cache entries:
 *   - a key whose cache entry already answers (the caller's `answered`
 *     callback says so) is CLAIM_ANSWERED: read the cache, do not call;
 *   - a key another live process has claimed is CLAIM_HELD: its answer will
 *     be in the cache soon; wait (CLAIM_POLL_MS) and claim again;
 *   - any other key is CLAIM_TAKEN: call, write the answer to the cache, then
 *     claim_release() it (also when the call failed, so others may try).
 * The answer is written before the claim goes, so a process that claims
 * after the release finds it answered.
 *
 * A claim is an entry in DB_META under ("claim", provider, workspace, key)
 * holding "<pid> <epoch seconds> <host> <boot id> <pid namespace>": the pid
 * and where it runs (gethostname, /proc/sys/kernel/random/boot_id, the inode
 * of /proc/self/ns/pid; "-" for what cannot be read). It is held for at most
 * CLAIM_MAX_AGE seconds (a hung holder). Within that time:
 *   - a claim made where this process runs (same host, boot and pid
 *     namespace) is held while its pid lives: a killed holder's claim is
 *     taken over at once;
 *   - a claim made anywhere else (another container sharing the db, another
 *     boot, another host) is held until it expires, since a pid there says
 *     nothing here: judged by pid, it would look dead and be taken, and the
 *     answer paid for twice;
 *   - a claim of the older form "<pid> <epoch seconds>" (a db written by an
 *     earlier version) is judged by its pid, as that version did.
 * Only the process that made a claim (same pid and place) releases it.
 */
#ifndef DE_CLAIM_H
#define DE_CLAIM_H

#include <stddef.h>
#include <time.h>

#include "db.h"

#define CLAIM_MAX_AGE 900
#define CLAIM_POLL_MS 100

enum claim_state {
	CLAIM_TAKEN = 0,
	CLAIM_ANSWERED = 1,
	CLAIM_HELD = 2
};

/*
 * Whether a cache entry (its stored bytes, "<epoch>\n<json>", see
 * lib/cache.c) answers the key: 1 yes, 0 no. It runs inside the write
 * transaction: keep it short, and it may run more than once.
 */
typedef int (*claim_answered_fn)(const char *val, size_t len, void *ctx);

/*
 * Claims keys[0..n) of provider in workspace at now, filling state[i].
 * answered may be NULL (then no key is ANSWERED). Returns DB_OK, DB_ENOMEM or
 * DB_EIO with err set; on error no claim was taken.
 */
int claim_take(db_t *db, const char *provider, const char *workspace,
    const char *const *keys, size_t n, claim_answered_fn answered, void *ctx, time_t now,
    enum claim_state *state, char *err, size_t errlen);

/*
 * Drops this process's claims on keys[0..n) (others' are left alone).
 * Returns DB_OK, DB_ENOMEM or DB_EIO with err set.
 */
int claim_release(db_t *db, const char *provider, const char *workspace,
    const char *const *keys, size_t n, char *err, size_t errlen);

/*
 * The fetched time at the head of a cache entry's bytes; -1 when there is
 * none. For answered callbacks.
 */
long long claim_entry_time(const char *val, size_t len);

#endif
