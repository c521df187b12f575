#include "icp_score.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "logit.h"

struct weight {
	int attr;
	char *value;
	double w;
};

struct icp_scorer {
	int model, year;
	double intercept, a, b, base;
	char *profile_at;
	struct weight *w;
	size_t nw, cap;
	size_t *slots;    /* index + 1, 0 empty; cap a power of two */
};

static uint64_t
pair_hash(int attr, const char *value)
{
	return hash_str(value) ^ ((uint64_t)(attr + 1) * 0x9e3779b97f4a7c15ULL);
}

void
icp_scorer_free(icp_scorer_t *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nw; i++)
		free(s->w[i].value);
	free(s->w);
	free(s->slots);
	free(s->profile_at);
	free(s);
}

int
icp_scorer_year(const icp_scorer_t *s)
{
	return s->year;
}

static int
num(const json_t *o, const char *k, double *out)
{
	return json_num_double(json_get(o, k), out) == 0 && isfinite(*out) ? 0 : -1;
}

icp_scorer_t *
icp_scorer_new(const json_t *profile, char *err, size_t errlen)
{
	icp_scorer_t *s = calloc(1, sizeof *s);
	const json_t *m = json_get(profile, "model"), *ws = json_get(m, "weights");
	const char *at = json_str(json_get(profile, "profile_at"));
	const char *to = json_str(json_path(profile, "window.to"));
	size_t i, j;

	if (s == NULL)
		goto nomem;
	if (!json_is(profile, JSON_OBJECT) || num(profile, "base_win_rate", &s->base) != 0 ||
	    s->base < 0 || s->base > 1 || (m && !json_is(m, JSON_OBJECT) && !json_is(m, JSON_NULL))) {
		snprintf(err, errlen, "not an icp-profile profile (no base_win_rate or model)");
		goto fail;
	}
	s->year = to ? atoi(to) : 0;
	if ((s->profile_at = strdup(at ? at : "")) == NULL)
		goto nomem;
	if (!json_is(m, JSON_OBJECT))
		return s;
	if (num(m, "intercept", &s->intercept) != 0 ||
	    num(json_get(m, "calibration"), "a", &s->a) != 0 ||
	    num(json_get(m, "calibration"), "b", &s->b) != 0 || !json_is(ws, JSON_ARRAY)) {
		snprintf(err, errlen, "the profile's model lacks its intercept, calibration or weights");
		goto fail;
	}
	s->model = 1;
	for (s->cap = 16; s->cap < json_len(ws) * 2 + 2; s->cap *= 2)
		;
	s->slots = calloc(s->cap, sizeof *s->slots);
	s->w = calloc(json_len(ws) + 1, sizeof *s->w);
	if (s->slots == NULL || s->w == NULL)
		goto nomem;
	for (i = 0; i < json_len(ws); i++) {
		const json_t *e = json_at(ws, i);
		int attr = icp_attr_parse(json_str(json_get(e, "attribute")));
		const char *v = json_str(json_get(e, "value"));
		double w;

		if (attr < 0 || v == NULL || num(e, "weight", &w) != 0) {
			snprintf(err, errlen, "the profile's weight %zu is not an attribute, value "
			    "and weight this version knows", i + 1);
			goto fail;
		}
		for (j = pair_hash(attr, v) & (s->cap - 1); s->slots[j]; j = (j + 1) & (s->cap - 1))
			;
		if ((s->w[s->nw].value = strdup(v)) == NULL)
			goto nomem;
		s->w[s->nw].attr = attr;
		s->w[s->nw].w = w;
		s->slots[j] = ++s->nw;
	}
	return s;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	icp_scorer_free(s);
	return NULL;
}

static const struct weight *
lookup(const icp_scorer_t *s, int attr, const char *value)
{
	size_t j;

	for (j = pair_hash(attr, value) & (s->cap - 1); s->slots[j]; j = (j + 1) & (s->cap - 1)) {
		const struct weight *w = &s->w[s->slots[j] - 1];

		if (w->attr == attr && strcmp(w->value, value) == 0)
			return w;
	}
	return NULL;
}

double
icp_score_p(const icp_scorer_t *s, const struct icp_deal *d)
{
	double z;
	size_t i;

	if (!s->model || d->n == 0)
		return s->base;
	z = s->intercept;
	for (i = 0; i < d->n; i++) {
		const struct weight *w = lookup(s, d->p[i].attr, d->p[i].value);

		if (w)
			z += w->w;
	}
	return logit_sigmoid(s->a + s->b * z);
}

static int
str(buf_t *out, const char *s)
{
	return json_dump_string(s, strlen(s), out) == JSON_OK ? BUF_OK : BUF_ENOMEM;
}

int
icp_score_json(const icp_scorer_t *s, const struct icp_deal *d, buf_t *out)
{
	const struct weight *top[ICP_SCORE_REASONS];
	size_t i, j, n = 0;
	/* The score is the probability as written, in percent: they never disagree. */
	long q = lround(icp_score_p(s, d) * 10000);
	int rc;

	if (s->model)
		for (i = 0; i < d->n; i++) {
			const struct weight *w = lookup(s, d->p[i].attr, d->p[i].value);

			if (w == NULL || w->w == 0)
				continue;
			/* Insertion into the few strongest, by |effect|. */
			for (j = n; j > 0 && fabs(top[j - 1]->w) < fabs(w->w); j--)
				if (j < ICP_SCORE_REASONS)
					top[j] = top[j - 1];
			if (j < ICP_SCORE_REASONS) {
				top[j] = w;
				if (n < ICP_SCORE_REASONS)
					n++;
			}
		}
	rc = buf_addf(out, "{\"score\":%ld,\"win_probability\":%.4f,\"reasons\":[",
	    (q + 50) / 100, (double)q / 10000);
	if (!s->model || d->n == 0)
		rc |= buf_addf(out, "{\"attribute\":null,\"value\":\"%s\",\"effect\":0}",
		    s->model ? "no data" : "no model");
	for (i = 0; i < n && rc == BUF_OK; i++) {
		rc |= buf_adds(out, i ? ",{\"attribute\":" : "{\"attribute\":");
		rc |= str(out, icp_attr_name(top[i]->attr));
		rc |= buf_adds(out, ",\"value\":");
		rc |= str(out, top[i]->value);
		rc |= buf_addf(out, ",\"effect\":%.3f}", s->b * top[i]->w + 0.0);
	}
	rc |= buf_adds(out, "],\"profile_at\":");
	rc |= str(out, s->profile_at);
	rc |= buf_addc(out, '}');
	return rc == BUF_OK ? BUF_OK : BUF_ENOMEM;
}
