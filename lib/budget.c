#include "budget.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

int
budget_load(db_t *db, const conf_t *conf, const char *workspace, const char *provider,
    const char *flag, time_t now, struct budget *out, int *dberr, char *err, size_t errlen)
{
	char key[64], env[64], month[16], *end;
	struct ledger_usage u;
	const char *v;
	size_t i;
	double d;

	memset(out, 0, sizeof *out);
	*dberr = 0;
	snprintf(key, sizeof key, "%s_monthly_budget", provider);
	snprintf(env, sizeof env, "DEAL_ENRICH_%s_BUDGET", provider);
	for (i = 0; env[i]; i++)
		env[i] = (char)toupper((unsigned char)env[i]);
	v = conf_string(conf, key, flag, env, NULL);
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (*end != '\0' || errno == ERANGE || d < 0) {
		snprintf(err, errlen, "%s '%s' is not a number of credits (0 or more)", key, v);
		return -1;
	}
	out->limited = 1;
	out->budget = d;
	ledger_month(now, month, sizeof month);
	if (ledger_get(db, workspace, provider, month, &u, err, errlen) != DB_OK) {
		*dberr = 1;
		return -1;
	}
	out->used = u.credits;
	return 0;
}

int
budget_allows(const struct budget *b, double cost)
{
	return !b->limited || b->used + cost <= b->budget + 1e-9;
}

void
budget_spend(struct budget *b, double cost)
{
	b->used += cost;
}
