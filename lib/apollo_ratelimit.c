#include "apollo_ratelimit.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

/* ---- rate limits ---- */

static long
header_long(apollo_header_fn get, void *ctx, const char *a, const char *b)
{
	const char *v = get(ctx, a);
	char *end;
	long n;

	if (v == NULL && b)
		v = get(ctx, b);
	if (v == NULL)
		return -1;
	while (isspace((unsigned char)*v))
		v++;
	n = strtol(v, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (end == v || *end != '\0' || n < 0)
		return -1;
	return n;
}

int
apollo_ratelimit_read(struct apollo_ratelimit *rl, apollo_header_fn get, void *ctx)
{
	static const char *names[APOLLO_RL_N][3][2] = {
		{ { "x-rate-limit-minute", NULL }, { "x-minute-usage", NULL },
		  { "x-minute-requests-left", NULL } },
		{ { "x-rate-limit-hourly", "x-rate-limit-hour" }, { "x-hourly-usage", "x-hour-usage" },
		  { "x-hourly-requests-left", "x-hour-requests-left" } },
		{ { "x-rate-limit-daily", "x-rate-limit-24-hour" },
		  { "x-daily-usage", "x-24-hour-usage" },
		  { "x-daily-requests-left", "x-24-hour-requests-left" } },
	};
	int i, any = 0;

	for (i = 0; i < APOLLO_RL_N; i++) {
		rl->limit[i] = header_long(get, ctx, names[i][0][0], names[i][0][1]);
		rl->usage[i] = header_long(get, ctx, names[i][1][0], names[i][1][1]);
		rl->left[i] = header_long(get, ctx, names[i][2][0], names[i][2][1]);
		if (rl->left[i] < 0 && rl->limit[i] >= 0 && rl->usage[i] >= 0)
			rl->left[i] = rl->limit[i] > rl->usage[i] ? rl->limit[i] - rl->usage[i] : 0;
		if (rl->limit[i] >= 0 || rl->usage[i] >= 0 || rl->left[i] >= 0)
			any = 1;
	}
	return any;
}

static const long window_ms[APOLLO_RL_N] = { 60000L, 3600000L, 86400000L };

void
apollo_pace_init(struct apollo_pace *p, long delay_ms, int delay_given)
{
	int i;

	memset(p, 0, sizeof *p);
	p->delay_ms = delay_ms;
	p->delay_given = delay_given;
	p->last_start = p->next_at = -1;
	for (i = 0; i < APOLLO_RL_N; i++)
		p->rl.limit[i] = p->rl.usage[i] = p->rl.left[i] = -1;
}

long
apollo_pace_interval(long minute_limit, long delay_ms, int delay_given, int have)
{
	long margin, allowed, iv;

	if (!have || minute_limit <= 0)
		return delay_ms > 0 ? delay_ms : 0;
	margin = (minute_limit * APOLLO_PACE_MARGIN_PCT + 99) / 100;
	if (margin < 2)
		margin = 2;
	allowed = minute_limit - margin;
	if (allowed < 1)
		allowed = 1;
	iv = (window_ms[APOLLO_RL_MINUTE] + allowed - 1) / allowed;
	if (delay_given && delay_ms > iv)
		iv = delay_ms;
	return iv;
}

/* Starts a late schedule may make up at once: the minute's margin less 2. */
static long
pace_burst(const struct apollo_pace *p)
{
	long limit = p->rl.limit[APOLLO_RL_MINUTE], margin;

	if (!p->have || limit <= 0 || p->delay_given)
		return 0;
	margin = (limit * APOLLO_PACE_MARGIN_PCT + 99) / 100;
	return margin > 2 ? margin - 2 : 0;
}

long
apollo_pace_wait(const struct apollo_pace *p, long long now, int *window)
{
	long long until, best = 0;
	long iv, avail;
	int i, w = -1;

	/* Until an answer tells the limits, one call at a time. */
	if (!p->have && p->in_flight > 0) {
		if (window)
			*window = -1;
		return -1;
	}
	for (i = 0; p->have && i < APOLLO_RL_N; i++) {
		if (p->rl.left[i] < 0 || now - p->rl_at >= window_ms[i])
			continue;
		avail = p->rl.left[i] - p->in_flight - p->late;
		if (avail > 0)
			continue;
		if (p->in_flight > 0) {
			if (window)
				*window = i;
			return -1;
		}
		/* Fixed windows: the one the answer was counted in ends within a window of it. */
		until = p->rl_at + window_ms[i] + 250;
		if (until - now > best) {
			best = until - now;
			w = i;
		}
	}
	if (best == 0 && p->last_start >= 0) {
		iv = apollo_pace_interval(p->rl.limit[APOLLO_RL_MINUTE], p->delay_ms, p->delay_given,
		    p->have);
		/* The schedule, or sooner when the limits told since allow a faster pace. */
		until = p->next_at < p->last_start + iv ? p->next_at : p->last_start + iv;
		if (until > now)
			best = until - now;
	}
	if (window)
		*window = w;
	return (long)best;
}

unsigned long long
apollo_pace_start(struct apollo_pace *p, long long now)
{
	long iv = apollo_pace_interval(p->rl.limit[APOLLO_RL_MINUTE], p->delay_ms, p->delay_given,
	    p->have);
	long long at = now;   /* this start's place in the schedule */

	if (p->last_start >= 0) {
		at = p->next_at < p->last_start + iv ? p->next_at : p->last_start + iv;
		if (at < now - pace_burst(p) * iv)
			at = now - pace_burst(p) * iv;
		if (at > now)
			at = now;
	}
	p->next_at = at + iv;
	p->in_flight++;
	p->last_start = now;
	return ++p->seq;
}

void
apollo_pace_done(struct apollo_pace *p, unsigned long long seq, const struct apollo_ratelimit *rl,
    long long now)
{
	int i;

	if (p->in_flight > 0)
		p->in_flight--;
	if (rl && (!p->have || seq > p->rl_seq)) {
		for (i = 0; i < APOLLO_RL_N; i++) {
			p->rl.usage[i] = rl->usage[i];
			p->rl.left[i] = rl->left[i];
			/* A limit once told stays (an answer may carry only some windows). */
			if (rl->limit[i] > 0)
				p->rl.limit[i] = rl->limit[i];
		}
		p->have = 1;
		p->rl_seq = seq;
		p->rl_at = now;
		p->late = 0;
	} else if (p->have)
		p->late++;
}

long long
apollo_least_ms(long calls, long delay_ms, int delay_given, const struct apollo_ratelimit *rl)
{
	long long t, w;
	int i;

	if (calls <= 0)
		return 0;
	t = (long long)(calls - 1) * apollo_pace_interval(rl ? rl->limit[APOLLO_RL_MINUTE] : -1,
	    delay_ms, delay_given, rl != NULL);
	for (i = APOLLO_RL_HOUR; rl && i < APOLLO_RL_N; i++) {
		if (rl->limit[i] <= 0)
			continue;
		w = (long long)((calls - 1) / rl->limit[i]) * window_ms[i];
		if (w > t)
			t = w;
	}
	return t;
}

static const char *const kept_names[APOLLO_RL_N] = { "minute", "hourly", "daily" };

int
apollo_ratelimit_load(db_t *db, const char *workspace, struct apollo_ratelimit *rl)
{
	char err[256], *v = NULL;
	size_t vl;
	json_t *j = NULL;
	int64_t n;
	int i, found = 0;
	buf_t k;

	rl->limit[APOLLO_RL_MINUTE] = 50;
	rl->limit[APOLLO_RL_HOUR] = 200;
	rl->limit[APOLLO_RL_DAY] = 600;
	buf_init(&k, 1024);
	if (db && db_key(&k, workspace, "apollo", "ratelimit", (char *)NULL) == DB_OK &&
	    db_get(db, DB_META, buf_ptr(&k), buf_len(&k), &v, &vl, err, sizeof err) == DB_OK &&
	    json_parse(v, vl, 0, &j, NULL, err, sizeof err) == JSON_OK) {
		for (i = 0; i < APOLLO_RL_N; i++)
			if (json_num_int(json_get(j, kept_names[i]), &n) == 0 && n > 0)
				rl->limit[i] = (long)n;
		found = 1;
	}
	json_free(j);
	free(v);
	buf_free(&k);
	return found;
}

int
apollo_ratelimit_save(db_t *db, const char *workspace, const struct apollo_ratelimit *rl,
    char *err, size_t errlen)
{
	char v[200];
	int rc = -1;
	buf_t k;

	snprintf(v, sizeof v, "{\"%s\":%ld,\"%s\":%ld,\"%s\":%ld}",
	    kept_names[0], rl->limit[APOLLO_RL_MINUTE], kept_names[1], rl->limit[APOLLO_RL_HOUR],
	    kept_names[2], rl->limit[APOLLO_RL_DAY]);
	buf_init(&k, 1024);
	if (db_key(&k, workspace, "apollo", "ratelimit", (char *)NULL) != DB_OK)
		snprintf(err, errlen, "out of memory");
	else if (db_put(db, DB_META, buf_ptr(&k), buf_len(&k), v, strlen(v), err, errlen) == DB_OK)
		rc = 0;
	buf_free(&k);
	return rc;
}
