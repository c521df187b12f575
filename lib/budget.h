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

#endif
