/*
 * libFuzzer target: Apollo's bulk_match answer (lib/apollo.h). The input is
 * the body of a 200 answer, matched back to three asks; each person found is
 * read as the programs read it (firmographics, tenure, job change, cache
 * value round trip). No input may crash it, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "apollo.h"
#include "../tests/unit/apollo_tree.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct apollo_ask asks[3] = {
		{ "dana@acme.com", "Dana", "Lopez", NULL },
		{ "sam@globex.com", "Sam", "Ng", "http://www.linkedin.com/in/samng" },
		{ "x@initech.com", NULL, NULL, NULL },
	};
	struct apollo_result res[3];
	double credits = 0;
	char err[256], dept[64];
	size_t i, n = 1 + (size % 3);
	json_t *rec = json_new_object(), *account = json_new_object(), *contacts = json_new_array();

	if (rec == NULL || account == NULL || contacts == NULL) {
		json_free(rec);
		json_free(account);
		json_free(contacts);
		return 0;
	}
	json_set_str(account, "domain", "acme.com");
	json_set_str(account, "name", "Acme");
	json_set(rec, "account", account);
	json_set(rec, "contacts", contacts);
	if (apollo_parse_response((const char *)data, size, asks, n, res, &credits, err,
	    sizeof err) == APOLLO_OK) {
		for (i = 0; i < n; i++) {
			json_t *cv, *emp = NULL, *fg;
			const json_t *back;
			int months;

			if (res[i].kind != APOLLO_FOUND || res[i].person == NULL)
				continue;
			apollo_department(res[i].person, dept, sizeof dept);
			apollo_tenure_months(res[i].person, account, "2026-03-01", 1772323200, &months);
			if (apollo_job_changed(res[i].person, account, &emp) >= 0)
				json_free(emp);
			fg = apollo_firmographics(json_get(res[i].person, "organization"));
			json_free(fg);
			{
				json_t *c = json_new_object();

				if (c != NULL && json_push(contacts, c) == 0)
					apollo_apply_contact(c, rec, "enriched", res[i].person, NULL, 0,
					    1772323200, NULL, 1772323200);
			}
			if ((cv = apollo_cache_value(res[i].person)) != NULL) {
				apollo_cache_read(cv, &back);
				json_free(cv);
			}
		}
		apollo_apply_firmographics(rec);
		apollo_results_free(res, n);
	}
	json_free(rec);
	return 0;
}
