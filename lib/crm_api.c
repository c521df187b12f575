/* crm_api: the canonical record skeleton of the CRM API clients. See crm_api.h. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crm.h"
#include "crm_api.h"
#include "crm_firmo.h"

static json_t *
str_or_null(const char *s)
{
	return s && *s ? json_new_str(s) : json_new_null();
}

json_t *
crm_api_deal_new(const struct crm_api_deal *d)
{
	json_t *rec = json_new_object();
	int rc = 0;

	if (rec == NULL)
		return NULL;
	rc |= json_set_null(rec, "workspace_id");
	rc |= json_set(rec, "deal_id", str_or_null(d->deal_id));
	rc |= json_set(rec, "deal_name", str_or_null(d->deal_name));
	rc |= json_set(rec, "stage", str_or_null(d->stage));
	rc |= json_set_str(rec, "stage_normalized",
	    crm_stage_normalize(NULL, d->stage, d->is_won, d->is_closed, -1, NULL));
	rc |= json_set(rec, "close_date", str_or_null(d->close_date));
	/* a string, so that crm_deal_from_json writes "1.0E8" as 100000000 */
	rc |= json_set(rec, "amount", str_or_null(d->amount));
	rc |= json_set(rec, "currency", str_or_null(d->currency));
	rc |= json_set(rec, "owner", str_or_null(d->owner));
	rc |= json_set(rec, "source", str_or_null(d->source));
	rc |= json_set(rec, "custom_fields", json_new_object());
	rc |= json_set_null(rec, "account");
	rc |= json_set(rec, "contacts", json_new_array());
	if (rc != 0) {
		json_free(rec);
		return NULL;
	}
	return rec;
}

int
crm_api_custom(json_t *rec, const char *key, const char *value)
{
	if (value == NULL || *value == '\0')
		return 0;
	return json_set_str(json_get(rec, "custom_fields"), key, value) == JSON_OK ? 0 : -1;
}

int
crm_api_account(json_t *rec, const char *id, const char *name, const char *domain,
    const char *industry, const char *employees, const char *annual_revenue,
    const char *source)
{
	json_t *a = json_new_object(), *f = NULL;
	int rc = 0;

	if (a == NULL)
		return -1;
	rc |= json_set(a, "account_id", str_or_null(id));
	rc |= json_set(a, "name", str_or_null(name));
	rc |= json_set(a, "domain", str_or_null(domain));
	if (crm_firmo_new(industry, employees, annual_revenue, source, 1, &f, NULL, 0) != CRM_OK ||
	    crm_firmo_set(a, f) != CRM_OK)
		rc = -1;
	json_free(f);
	rc |= json_set(rec, "account", a);
	return rc ? -1 : 0;
}

int
crm_api_contact(json_t *rec, const char *id, const char *email, const char *first,
    const char *last, const char *title, const char *role)
{
	json_t *c = json_new_object();
	int rc = 0;

	if (c == NULL)
		return -1;
	rc |= json_set(c, "contact_id", str_or_null(id));
	rc |= json_set(c, "email", str_or_null(email));
	rc |= json_set(c, "first_name", str_or_null(first));
	rc |= json_set(c, "last_name", str_or_null(last));
	rc |= json_set(c, "title", str_or_null(title));
	rc |= json_set(c, "crm_role", str_or_null(role));
	if (rc != 0) {
		json_free(c);
		return -1;
	}
	return json_push(json_get(rec, "contacts"), c) == JSON_OK ? 0 : -1;
}

int
crm_api_time_ms(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	const char *p;
	char *end;
	long frac = 0, scale = 1000, off = 0;
	time_t t;

	if (s == NULL)
		return -1;
	if (strchr(s, '-') == NULL) {
		long long v = strtoll(s, &end, 10);
		if (end == s || *end != '\0' || v < 0)
			return -1;
		*ms = v;
		return 0;
	}
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	}
	if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, hh, mm;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 && sscanf(p + 1, "%2d%2d", &hh, &mm) != 2)
			return -1;
		off = sign * (hh * 3600L + mm * 60L);
		p += strlen(p);
	} else if (*p == 'Z') {
		p++;
	}
	if (*p != '\0' || (t = timegm(&tm)) == (time_t)-1)
		return -1;
	*ms = ((int64_t)t - off) * 1000 + frac;
	return 0;
}

void
crm_api_time_iso(int64_t ms, int with_ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	char *end;

	gmtime_r(&t, &tm);
	end = out + strftime(out, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_ms)
		snprintf(end, 6, ".%03dZ", (int)((ms % 1000 + 1000) % 1000));
	else
		snprintf(end, 2, "Z");
}
