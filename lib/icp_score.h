/*
 * icp_score: a profile (lib/icp_profile.h, icp-profile's output) applied to
 * one deal or account record: the lead_score lead-score adds,
 *
 *   {"score": 0-100, "win_probability": p, "reasons": [{"attribute",
 *    "value", "effect"}], "profile_at": "..."}
 *
 * p is the model's calibrated probability (4 decimals); score is p in
 * percent, rounded half up.
 * reasons are the record's values the model weighs most, strongest first
 * (at most ICP_SCORE_REASONS), effect their calibrated log-odds. A record
 * with no attribute at all gets the profile's base rate and the one reason
 * {"attribute":null,"value":"no data","effect":0}; so does every record when
 * the profile has no model (too few deals), with the value "no model".
 *
 * Ownership: the scorer copies what it needs from the profile.
 */
#ifndef DE_ICP_SCORE_H
#define DE_ICP_SCORE_H

#include <stddef.h>
#include "buf.h"
#include "icp_attrs.h"
#include "json.h"

#define ICP_SCORE_REASONS 5

typedef struct icp_scorer icp_scorer_t;

/* NULL with err set when profile is not a profile, or memory runs out. */
icp_scorer_t *icp_scorer_new(const json_t *profile, char *err, size_t errlen);
void icp_scorer_free(icp_scorer_t *s);
/* The year ages are counted to (the profile's window end). */
int icp_scorer_year(const icp_scorer_t *s);

/* The win probability of d. */
double icp_score_p(const icp_scorer_t *s, const struct icp_deal *d);
/* Appends the lead_score object (JSON text) of d to out; BUF_OK or an error. */
int icp_score_json(const icp_scorer_t *s, const struct icp_deal *d, buf_t *out);

#endif
