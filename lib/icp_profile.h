/*
 * icp_profile: from who bought to who will. The workspace's closed deals
 * (lib/icp_attrs.h reads each) become a profile:
 *
 *   - drivers: for each attribute value, its deals, won and lost, its win
 *     rate with a Wilson 95% interval, its lift over the base rate, the
 *     two-sided p-value of its win rate against the rest's (stats_two_prop_p)
 *     and the Benjamini-Hochberg q-value over every value with 10 deals or
 *     more. significant: q <= 0.05 and 10 deals or more; values with fewer
 *     are shown (few_deals) but never significant. Amounts are reported (won
 *     revenue, average won deal, the amount-weighted win rate), not modelled.
 *   - validation: a model fitted on the older 70% of the deals by close date
 *     (deals with no close date count as the oldest) scores the newest 30%;
 *     the AUC, its bootstrap interval (200 resamples, fixed seed) and a
 *     verdict in words.
 *   - model: an L2-regularised logistic regression (lib/logit.h) on the
 *     one-hot values held by 10 deals or more (the 256 commonest), fitted on
 *     every deal, calibrated by Platt scaling fitted on the validation's
 *     scores of the newest deals.
 * Under ICP_MIN_DEALS closed deals: "too few deals to profile", nothing
 * flagged, no model.
 *
 * Ownership: json_t values returned belong to the caller. Functions return
 * 0, or -1 with err set; *dberr (when given) tells a db error from the rest.
 */
#ifndef DE_ICP_PROFILE_H
#define DE_ICP_PROFILE_H

#include <stddef.h>
#include "db.h"
#include "icp_attrs.h"
#include "json.h"

#define ICP_MIN_DEALS 40
#define ICP_MIN_SUPPORT 10    /* deals a value needs to be tested or modelled */

struct icp_opts {
	int months;              /* closed deals of the last months up to `to`; 0: all */
	char to[11];             /* YYYY-MM-DD */
	char profile_at[21];     /* YYYY-MM-DDTHH:MM:SSZ, when it was made */
};

typedef struct icp_builder icp_builder_t;

icp_builder_t *icp_builder_new(const struct icp_opts *o);
void icp_builder_free(icp_builder_t *b);
/* Adds a deal; deals not closed or outside the window are counted apart. -1 on ENOMEM. */
int icp_builder_add(icp_builder_t *b, const struct icp_deal *d);
/* The profile (see the top of this file) of the deals added. */
int icp_builder_result(icp_builder_t *b, const char *ws, json_t **out, char *err,
    size_t errlen);

/*
 * Reads every stored deal of ws (DB_DEALS) into b. Returns 0 or -1 (a db
 * error, or memory).
 */
int icp_builder_scan(icp_builder_t *b, db_t *db, const char *ws, int *dberr, char *err,
    size_t errlen);

/* The workspace's current profile in the db (DB_META ws/icp/profile): write, read. */
int icp_profile_save(db_t *db, const char *ws, const json_t *profile, char *err,
    size_t errlen);
/* 0 with *out, 1 when none is stored, -1 on error. */
int icp_profile_load(db_t *db, const char *ws, json_t **out, char *err, size_t errlen);

#endif
