/*
 * crm_firmo: the firmographics a CRM holds on an account (industry,
 * employees, annual revenue), written on the canonical record's account with
 * their source.
 *
 * They go on the account twice, the same values in the shape apollo-enrich
 * writes (DESIGN §3: industry, employees, size_band, annual_revenue, source):
 *   "crm_firmographics"  the CRM's own, which no later stage writes;
 *   "firmographics"      what enrich-summary and icp-profile read. apollo-enrich
 *                        keeps the CRM's values there and fills only what the
 *                        CRM left null (crm_firmo_merge), so Apollo's values
 *                        never erase the CRM's.
 * source is where the values came from: "hubspot", "salesforce", "csv".
 * The industry is lowercased and HubSpot's enum words split
 * ("OIL_ENERGY" -> "oil energy").
 *
 * Ownership: the functions add to the caller's objects and copy what they
 * are given. Nothing here prints or exits.
 */
#ifndef DE_CRM_FIRMO_H
#define DE_CRM_FIRMO_H

#include <stddef.h>
#include "json.h"

/*
 * A new firmographics object from the CRM's text (each may be NULL or empty:
 * null). employees: a count ("1,600", "250", "10000+"); revenue: an amount
 * ("100000000", "$2,500,000", "1.0E8"), rounded to a whole number. Returns
 * CRM_OK with *out (the caller frees it; NULL when all three are empty),
 * CRM_BAD with err (a count or an amount that is not a number: a bad row of
 * an export), or CRM_ENOMEM. lenient 1 (a CRM API's answer, nothing to
 * reject): such a value is null instead of CRM_BAD.
 */
int crm_firmo_new(const char *industry, const char *employees, const char *revenue,
    const char *source, int lenient, json_t **out, char *err, size_t errlen);

/*
 * Sets account's "firmographics" and "crm_firmographics" to copies of firmo
 * (NULL: nothing set). Returns CRM_OK or CRM_ENOMEM.
 */
int crm_firmo_set(json_t *account, const json_t *firmo);

/*
 * What apollo-enrich writes as an account's firmographics when the record
 * carries the CRM's (crm, may be NULL) and Apollo found the company (apollo,
 * its firmographics object): the CRM's values, each null one filled from
 * Apollo's, with Apollo's other fields (founded_year) added; size_band
 * follows employees. source stays the CRM's; "filled_by":"apollo" says that
 * Apollo filled a value. Returns a new object (the caller frees it), or NULL
 * when memory runs out. Without crm, a copy of apollo.
 */
json_t *crm_firmo_merge(const json_t *crm, const json_t *apollo);

#endif
