/*
 * crm_map: the user's column map, for a CSV whose columns the export aliases
 * of crm_columns.h do not know (Pipedrive, Zoho, Close, a spreadsheet):
 * canonical FIELD -> the COLUMN holding it, from `deals-extract --map
 * FIELD=COLUMN` and from the workspace file's `map.FIELD = COLUMN` lines.
 *
 * The fields and the files they are looked for in:
 *   deal_id, deal_name                       the deals file; a contacts file
 *                                            joins on them too
 *   stage, close_date, amount, currency, owner   the deals file
 *   account.id, account.name, account.domain, account.industry,
 *   account.employees, account.annual_revenue    the deals file or the
 *                                            accounts file (--accounts)
 *   contact.id, contact.email, contact.first_name, contact.last_name,
 *   contact.name, contact.title, contact.crm_role, contact.linkedin_url
 *                                            the contacts file or the deals
 *                                            file (a row per contact)
 *   contact.deal_id, contact.deal_name       the contacts file only: its
 *                                            columns naming the deal
 * A mapped column wins over the export's own aliases; columns are matched
 * as headers are (case, surrounding and repeated blanks ignored).
 *
 * A map must be used: each entry must name a column of at least one file it
 * is looked for in, else reading fails with a message naming the column,
 * where the map came from, and the header's columns (crm_columns.h
 * crm_table_new_mapped()). An option's entry replaces the workspace file's
 * for the same field (option > file).
 *
 * Ownership: a crm_map_t belongs to its creator (crm_map_free) and copies
 * the strings it is given. Nothing here prints or exits.
 */
#ifndef DE_CRM_MAP_H
#define DE_CRM_MAP_H

#include <stddef.h>
#include "conf.h"
#include "crm_columns.h"

/* The files a field is looked for in (bits). */
enum {
	CRM_MAP_DEALS = 1,
	CRM_MAP_ACCOUNTS = 2,
	CRM_MAP_CONTACTS = 4
};

typedef struct crm_map crm_map_t;

crm_map_t *crm_map_new(void);    /* NULL on ENOMEM */
void crm_map_free(crm_map_t *m);
size_t crm_map_size(const crm_map_t *m);

/*
 * The crm_field of a canonical field name ("account.industry") and the files
 * it is looked for in (*files, may be NULL); -1 when name is not one.
 */
int crm_map_field(const char *name, int *files);
/* The canonical field name closest to name, for "did you mean". */
const char *crm_map_closest(const char *name);
/* Every field name, ", " between them: for messages and --help. */
const char *crm_map_field_list(void);

/*
 * Adds FIELD -> COLUMN; origin says where it came from, for messages
 * ("--map stage=deal_stage", "FILE:3"). An entry for a field already mapped
 * replaces it. Returns CRM_OK, CRM_BAD with err (an unknown field, with the
 * closest one; an empty column), or CRM_ENOMEM.
 */
int crm_map_add(crm_map_t *m, const char *field, const char *column, const char *origin,
    char *err, size_t errlen);
/* The same from "FIELD=COLUMN" (an --map argument). */
int crm_map_add_spec(crm_map_t *m, const char *spec, char *err, size_t errlen);
/*
 * Adds every map.FIELD line of a workspace file, unless the field is mapped
 * already (the options come first). Returns CRM_OK, CRM_BAD with err naming
 * the file and line, or CRM_ENOMEM.
 */
int crm_map_add_conf(crm_map_t *m, const conf_t *c, char *err, size_t errlen);

/* Entry i (0 <= i < size): its field, column, origin and files. */
crm_field crm_map_entry(const crm_map_t *m, size_t i, const char **column,
    const char **origin, int *files);
/*
 * Tells the map that entry i was found in a file of kind file (one
 * CRM_MAP_* bit), and asks whether a header of that kind lacking it is an
 * error: 1 when entry i is looked for only in such files, or when the file
 * is the deals file (read last) and no other file had the column; else 0.
 */
void crm_map_found(crm_map_t *m, size_t i, int file);
int crm_map_missing_is_error(const crm_map_t *m, size_t i, int file);

#endif
