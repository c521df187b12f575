/* crm_firmo: see crm_firmo.h. */
#include "crm_firmo.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apollo.h"
#include "crm_value.h"
#include "str.h"

/* A whole number >= 0 from an amount's text ("$1,234", or "1.0E8" as Salesforce writes it). */
static int
whole_number(const char *text, buf_t *num, int64_t *out)
{
	char cur[4];
	json_t *v;
	double d;
	int ok;

	if ((v = json_new_num_text(text)) == NULL &&
	    (crm_parse_amount(text, num, cur) != 0 || (v = json_new_num_text(buf_ptr(num))) == NULL))
		return -1;
	ok = json_num_double(v, &d) == 0 && d >= 0 && d < 9e15;
	json_free(v);
	if (!ok)
		return -1;
	*out = (int64_t)(d + 0.5);
	return 0;
}

static int
empty(const char *s)
{
	size_t n;

	return str_trimmed(s, &n) == NULL || n == 0;
}

int
crm_firmo_new(const char *industry, const char *employees, const char *revenue,
    const char *source, int lenient, json_t **out, char *err, size_t errlen)
{
	json_t *f = NULL;
	buf_t num;
	char *ind = NULL, *emp = NULL;
	int64_t ne = -1, nr = -1;
	int rc = CRM_OK, jrc = 0;

	*out = NULL;
	if (empty(industry) && empty(employees) && empty(revenue))
		return CRM_OK;
	buf_init(&num, 4096);
	if (!empty(employees)) {
		/* "10,000+": the count without the plus */
		if ((emp = str_dup_trim(employees)) == NULL) {
			rc = CRM_ENOMEM;
			goto out;
		}
		if (emp[strlen(emp) - 1] == '+')
			emp[strlen(emp) - 1] = '\0';
		if (whole_number(emp, &num, &ne) != 0 && !lenient) {
			str_errf(err, errlen, "employees '%.60s' is not a number", employees);
			rc = CRM_BAD;
			goto out;
		}
	}
	if (!empty(revenue) && whole_number(revenue, &num, &nr) != 0 && !lenient) {
		str_errf(err, errlen, "annual revenue '%.60s' is not an amount", revenue);
		rc = CRM_BAD;
		goto out;
	}
	if (!empty(industry)) {
		if ((ind = str_dup_trim(industry)) == NULL) {
			rc = CRM_ENOMEM;
			goto out;
		}
		for (char *p = ind; *p; p++)
			if (*p == '_')
				*p = ' ';
		str_lower(ind);
	}
	if ((f = json_new_object()) == NULL) {
		rc = CRM_ENOMEM;
		goto out;
	}
	jrc |= json_set_str(f, "industry", ind);
	jrc |= json_set(f, "employees", ne >= 0 ? json_new_int(ne) : json_new_null());
	jrc |= json_set_str(f, "size_band", ne >= 0 ? apollo_size_band(ne) : NULL);
	jrc |= json_set(f, "annual_revenue", nr >= 0 ? json_new_int(nr) : json_new_null());
	jrc |= json_set_str(f, "source", source);
	if (jrc != 0) {
		rc = CRM_ENOMEM;
		goto out;
	}
	*out = f;
	f = NULL;
out:
	json_free(f);
	free(ind);
	free(emp);
	buf_free(&num);
	return rc;
}

int
crm_firmo_set(json_t *account, const json_t *firmo)
{
	if (firmo == NULL)
		return CRM_OK;
	if (json_set(account, "firmographics", json_clone(firmo)) != JSON_OK ||
	    json_set(account, "crm_firmographics", json_clone(firmo)) != JSON_OK)
		return CRM_ENOMEM;
	return CRM_OK;
}

static int
is_null(const json_t *v)
{
	return v == NULL || json_typeof(v) == JSON_NULL;
}

json_t *
crm_firmo_merge(const json_t *crm, const json_t *apollo)
{
	json_t *m;
	int filled = 0, rc = 0;

	if (!json_is(crm, JSON_OBJECT) || json_len(crm) == 0)
		return json_clone(apollo);
	if ((m = json_clone(crm)) == NULL)
		return NULL;
	for (size_t i = 0; json_is(apollo, JSON_OBJECT) && i < json_len(apollo); i++) {
		const char *k = json_key_at(apollo, i);
		const json_t *v = json_val_at(apollo, i);

		if (is_null(v) || strcmp(k, "source") == 0 || strcmp(k, "size_band") == 0 ||
		    !is_null(json_get(m, k)))
			continue;
		rc |= json_set(m, k, json_clone(v));
		filled = 1;
		if (strcmp(k, "employees") == 0)
			rc |= json_set_str(m, "size_band", json_str(json_get(apollo, "size_band")));
	}
	if (filled)
		rc |= json_set_str(m, "filled_by", "apollo");
	if (rc != 0) {
		json_free(m);
		return NULL;
	}
	return m;
}
