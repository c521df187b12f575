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

long
apollo_ratelimit_pause(const struct apollo_ratelimit *rl, int *window)
{
	long best = 0, p, thr;
	int i, w = -1;

	for (i = 0; i < APOLLO_RL_N; i++) {
		p = 0;
		if (rl->left[i] == 0)
			p = window_ms[i];
		else if (i == APOLLO_RL_MINUTE && rl->left[i] > 0 && rl->limit[i] > 0) {
			thr = rl->limit[i] / 10;
			if (thr < 2)
				thr = 2;
			if (rl->left[i] <= thr)
				p = window_ms[i] / (rl->left[i] + 1);
		}
		if (p > best) {
			best = p;
			w = i;
		}
	}
	if (window)
		*window = w;
	return best;
}

long long
apollo_least_ms(long calls, long delay_ms, const struct apollo_ratelimit *rl)
{
	long long t, w;
	int i;

	if (calls <= 0)
		return 0;
	t = (long long)(calls - 1) * (delay_ms > 0 ? delay_ms : 0);
	for (i = 0; rl && i < APOLLO_RL_N; i++) {
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
