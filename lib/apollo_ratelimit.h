/*
 * apollo_ratelimit: Apollo's rate limits, read from its answers' headers,
 * turned into pauses between calls and into the dry run's least time, and
 * kept in the db between runs (the limits of the workspace's plan), so that a
 * dry run estimates with the plan's limits.
 */
#ifndef DE_APOLLO_RATELIMIT_H
#define DE_APOLLO_RATELIMIT_H

#include "db.h"

/*
 * The rate-limit headers (both spellings: x-rate-limit-daily /
 * x-rate-limit-24-hour, x-daily-requests-left / x-24-hour-requests-left...).
 * Index 0 the minute, 1 the hour, 2 the day; -1 where unknown. left is
 * computed from limit - usage when only those are given.
 */
enum { APOLLO_RL_MINUTE, APOLLO_RL_HOUR, APOLLO_RL_DAY, APOLLO_RL_N };

struct apollo_ratelimit {
	long limit[APOLLO_RL_N];
	long usage[APOLLO_RL_N];
	long left[APOLLO_RL_N];
};

typedef const char *(*apollo_header_fn)(void *ctx, const char *name);

/* Reads the headers through get(ctx, name) (case-insensitive names). Returns 1 when any was found. */
int apollo_ratelimit_read(struct apollo_ratelimit *rl, apollo_header_fn get, void *ctx);

/*
 * How long to wait before the next call so as to stay under the limits,
 * slowing down before they are reached: for the minute, when few calls are
 * left (at most a tenth of the limit, and at least 2), the rest of a minute
 * is spread over them (60 s / (left + 1)); none left waits a minute. For the
 * hour and the day, none left waits the whole window. *window (may be NULL)
 * gets the window that asks for the longest wait, or -1 for none. Returns ms.
 */
long apollo_ratelimit_pause(const struct apollo_ratelimit *rl, int *window);

/*
 * The least time calls take at delay_ms between starts under the limits per
 * minute, hour and day in rl (limits of -1 or 0 are ignored): ms.
 */
long long apollo_least_ms(long calls, long delay_ms, const struct apollo_ratelimit *rl);

/*
 * The limits an earlier run saw for workspace (db meta) into rl->limit, the
 * others left as they are; Apollo's free plan (50/minute, 200/hour, 600/day,
 * CONTRACTS §1.4) when none was kept. Returns 1 when kept limits were read,
 * else 0.
 */
int apollo_ratelimit_load(db_t *db, const char *workspace, struct apollo_ratelimit *rl);
/* Keeps rl->limit for workspace. Returns 0, or -1 (err set) when the db fails. */
int apollo_ratelimit_save(db_t *db, const char *workspace, const struct apollo_ratelimit *rl,
    char *err, size_t errlen);

#endif
