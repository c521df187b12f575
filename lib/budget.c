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

void
budget_need_start(struct budget_need *n, const struct budget *b)
{
	memset(n, 0, sizeof *n);
	if (b == NULL || !b->limited)
		return;
	n->limited = 1;
	n->left = b->used < b->budget ? b->budget - b->used : 0;
}

void
budget_need_add(struct budget_need *n, double cost)
{
	n->units++;
	n->needed += cost;
	if (n->limited && n->fits + cost > n->left + 1e-9)
		n->exhausted++;
	else
		n->fits += cost;
}

int
budget_need_say(const struct budget_need *n, const char *provider, const char *unit,
    char *out, size_t len)
{
	size_t ul;

	if (n->exhausted == 0)
		return snprintf(out, len, "%s budget: needs %g credit%s, %g left this month: enough",
		    provider, n->needed, n->needed == 1 ? "" : "s", n->left);
	ul = strlen(unit);
	if (n->exhausted == 1 && ul > 1 && unit[ul - 1] == 's')
		ul--;   /* "1 contact" */
	return snprintf(out, len, "%s budget: needs %g credit%s, %g left this month: %lu %.*s "
	    "would be quota_exhausted", provider, n->needed, n->needed == 1 ? "" : "s", n->left,
	    n->exhausted, (int)ul, unit);
}
