/*
 * apollo_ratelimit: Apollo's rate limits, read from its answers' headers,
 * turned into the pace of calls and into the dry run's least time, and
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
 * The pace of one team's calls (a workspace's key), from the rate-limit
 * headers of its answers:
 *
 *   - between starts, the minute's limit as a rate with a margin
 *     (APOLLO_PACE_MARGIN_PCT of the limit, at least 2 calls, left unused),
 *     so that no 60 seconds hold more calls than the limit allows, whichever
 *     way Apollo's fixed windows fall; a start that came late (the process
 *     was busy) may be made up by the next, up to the margin less 2 calls,
 *     which keeps any 60 seconds at the limit less one; until an answer tells the limits, one
 *     call at a time, delay_ms apart (the conservative default, 500); an
 *     explicit delay_ms is a floor throughout;
 *   - each window's calls left, as the newest answer says, less the calls
 *     in flight and those answered since that it may not count: none left
 *     waits for the calls in flight, else until that window has surely
 *     turned (a minute, an hour, a day after the answer), so that the limits
 *     are never passed even when other processes share the team.
 *
 * Times are a monotonic clock's milliseconds, given by the caller.
 */
#define APOLLO_PACE_MARGIN_PCT 3

struct apollo_pace {
	long delay_ms;               /* least time between starts, see above */
	int delay_given;             /* delay_ms applies after the headers too */
	struct apollo_ratelimit rl;  /* the reading of the newest call answered with headers */
	int have;                    /* a reading */
	unsigned long long seq;      /* calls started */
	unsigned long long rl_seq;   /* the call the reading came from */
	long long rl_at;             /* when it arrived */
	long late;                   /* answered since, started before it: maybe not counted */
	int in_flight;
	long long last_start;        /* -1: none yet */
	long long next_at;           /* when the schedule of starts has the next; -1: none */
};

void apollo_pace_init(struct apollo_pace *p, long delay_ms, int delay_given);

/*
 * The least time between starts for a minute's limit (<= 0: unknown) and
 * delay_ms as above: ms.
 */
long apollo_pace_interval(long minute_limit, long delay_ms, int delay_given, int have);

/*
 * How long before the next call may start: 0 now; -1 not before a call in
 * flight is answered; else ms. *window (may be NULL) gets the limit that
 * holds the call (APOLLO_RL_*), or -1 for the pace or none.
 */
long apollo_pace_wait(const struct apollo_pace *p, long long now_ms, int *window);

/* A call starts: returns its number, for apollo_pace_done. */
unsigned long long apollo_pace_start(struct apollo_pace *p, long long now_ms);

/* Call seq is answered; rl its headers, or NULL when it had none. */
void apollo_pace_done(struct apollo_pace *p, unsigned long long seq,
    const struct apollo_ratelimit *rl, long long now_ms);

/*
 * The least time calls take at the pace above (apollo_pace_interval with the
 * minute's limit in rl, as if its headers were read; rl NULL: delay_ms) and
 * under the limits per hour and day in rl (limits of -1 or 0 are ignored): ms.
 */
long long apollo_least_ms(long calls, long delay_ms, int delay_given,
    const struct apollo_ratelimit *rl);

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
