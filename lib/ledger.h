/*
 * ledger: API calls and credits per workspace, provider and month (the usage
 * ledger of DESIGN §6), kept in the db's usage table as
 * {"calls":N,"credits":X,"tokens":T}.
 *
 * Months are "YYYY-MM" in UTC. Updates are read-modify-write in one write
 * transaction, so pipelines running at once never lose a count.
 */
#ifndef DE_LEDGER_H
#define DE_LEDGER_H

#include <time.h>
#include "db.h"

struct ledger_usage {
	long long calls;
	double credits;
	long long tokens;   /* LLM tokens, 0 for other providers */
};

/* The UTC month of t, "YYYY-MM", into out (at least 8 bytes). */
void ledger_month(time_t t, char *out, size_t n);

/* Adds to the month's counts. Returns DB_OK or a DB_E* error with err set. */
int ledger_add(db_t *db, const char *workspace, const char *provider, const char *month,
    const struct ledger_usage *add, char *err, size_t errlen);

/* Reads the month's counts (zeros when none). Returns DB_OK or a DB_E* error. */
int ledger_get(db_t *db, const char *workspace, const char *provider, const char *month,
    struct ledger_usage *out, char *err, size_t errlen);

#endif
