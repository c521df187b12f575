/*
 * crm_join: a deal's contacts. The contacts of a CRM export's deal come from
 * its own contact columns, from its association columns (HubSpot's
 * "Associated Contact IDs" with their labels), and from a contacts export
 * read before the deals: a HubSpot contacts export (joined by the contacts'
 * "Associated Deal IDs", or by the deals' contact IDs) or a Salesforce
 * Opportunity Contact Role report (joined by Opportunity ID, its
 * 18-character form as its 15-character one, else by Opportunity Name,
 * ignoring case).
 *
 * A contact object has these keys in this order: contact_id, email (lowercased
 * and checked; null when it is not an address), first_name, last_name, title,
 * crm_role, and linkedin_url (the profile URL as the export has it, which
 * linkedin-enrich reads) when the export has one. Two contacts are the same when their contact_ids match, else
 * when their emails do; adding one that is there fills the gaps of the first.
 *
 * Ownership: a crm_join_t owns the contacts it was given (crm_join_free);
 * contacts added to a caller's array are copies. Nothing here prints or exits.
 */
#ifndef DE_CRM_JOIN_H
#define DE_CRM_JOIN_H

#include <stddef.h>
#include "crm_columns.h"
#include "json.h"

typedef struct crm_join crm_join_t;

crm_join_t *crm_join_new(void);   /* NULL on ENOMEM */
void crm_join_free(crm_join_t *j);
/* Contacts held, and deals they are linked to. */
size_t crm_join_size(const crm_join_t *j);

/*
 * Adds one row of a contacts export (a table of a contacts kind). Returns
 * CRM_OK, CRM_SKIP (footer, blank), CRM_BAD with err (wrong width, no
 * contact, nothing to join on), or CRM_ENOMEM.
 */
int crm_join_add_row(crm_join_t *j, const crm_table_t *t, char *const *f, size_t n,
    char *err, size_t errlen);

/* Adds to arr the contacts j links to a deal: by deal_id, then by deal_name
 * (either may be NULL). Returns 0 or CRM_ENOMEM. */
int crm_join_deal(crm_join_t *j, json_t *arr, const char *deal_id, const char *deal_name,
    int salesforce);

/* Adds to arr a deal row's contacts: its contact columns, its association
 * columns, then crm_join_deal(j, arr, deal_id, its deal name). Returns 0 or
 * CRM_ENOMEM. */
int crm_join_row(crm_join_t *j, const crm_fields_t *r, const char *deal_id, int salesforce,
    json_t *arr);

/*
 * A new contact object (NULL on ENOMEM). Any argument may be NULL; name
 * ("Pat Ng") is split into first and last name when both of those are NULL.
 */
json_t *crm_contact_new(const char *id, const char *email, const char *first,
    const char *last, const char *name, const char *title, const char *role);

/* Adds a copy of contact to the array arr unless it is there (then fills its
 * gaps). Returns 0 or CRM_ENOMEM. */
int crm_contacts_add(json_t *arr, const json_t *contact);

/*
 * Adds from's contacts that into lacks (same contact_id, else same email) to
 * into: the rows of one deal in a report with a row per contact role.
 * Returns 0 or CRM_ENOMEM.
 */
int crm_merge_contacts(json_t *into, const json_t *from);

/* The most common work (not freemail) email domain among contacts, into
 * out[DOMAIN_MAX]. Returns 0, or -1 (out "") when there is none. */
int crm_contacts_domain(const json_t *contacts, char *out);

#endif
