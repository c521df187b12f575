/*
 * budget: the monthly credit budget of a provider for a workspace (DESIGN §6).
 *
 * The budget is the setting "<provider>_monthly_budget" (flag > environment
 * DEAL_ENRICH_<PROVIDER>_BUDGET > workspace file); no setting means no limit.
 * What is left is the budget less the credits the usage ledger holds for the
 * current UTC month. A program asks before each call and stops calling, with
 * the status quota_exhausted, when the call would pass the budget.
 */
#ifndef DE_BUDGET_H
#define DE_BUDGET_H

#include <time.h>
#include "conf.h"
#include "db.h"

struct budget {
	int limited;        /* 0: no budget set */
	double budget;      /* credits a month */
	double used;        /* credits used this month so far */
};

/*
 * Reads the budget of provider ("apollo", "serper", "deepseek") and this
 * month's use. flag is the program's --budget text or NULL. Returns 0, or -1
 * with err set (a bad setting: exit 78; the db: exit 74, *dberr set to 1).
 */
int budget_load(db_t *db, const conf_t *conf, const char *workspace, const char *provider,
    const char *flag, time_t now, struct budget *out, int *dberr, char *err, size_t errlen);

/* 1 when spending cost more stays within the budget. */
int budget_allows(const struct budget *b, double cost);

/* Records spending in the in-memory view (the ledger is written separately). */
void budget_spend(struct budget *b, double cost);

/*
 * A dry run against the budget: what the run would need, what is left of the
 * month's budget, and how many of its units (contacts, accounts, profiles)
 * would get quota_exhausted. The stage adds each unit's cost in the order the
 * run would spend it; a unit that does not fit in what is still left would be
 * quota_exhausted, as budget_allows decides in a real run. Every provider
 * stage counts this way, so the figures mean the same everywhere.
 */
struct budget_need {
	int limited;              /* 0: no budget, nothing would be exhausted */
	double left;              /* credits left this month as the run starts (0 at least) */
	double needed;            /* credits of all the units */
	double fits;              /* credits of the units that fit */
	unsigned long units;      /* units added */
	unsigned long exhausted;  /* units that would be quota_exhausted */
};

/* Starts counting against b as it stands (budget_load'ed; b may be NULL: no budget). */
void budget_need_start(struct budget_need *n, const struct budget *b);

/* Adds one unit costing cost credits. */
void budget_need_add(struct budget_need *n, double cost);

/*
 * Says n in one line, e.g. "apollo budget: needs 35 credits, 10 left this
 * month: 25 contacts would be quota_exhausted" (or "...: enough"), into out.
 * unit is the plural noun of the units (one unit: without its final s). Scripts read the numbers from this
 * form (pipelines/enrich-closed-deals). Returns what snprintf returns.
 */
int budget_need_say(const struct budget_need *n, const char *provider, const char *unit,
    char *out, size_t len);

#endif
