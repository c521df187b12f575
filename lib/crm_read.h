/*
 * crm_read: CRM exports read from files or stdin into canonical deal records
 * (crm.h): CSV exports of every kind crm_columns.h knows, and NDJSON. The
 * format is told by the first bytes (NDJSON begins with '{', after a UTF-8
 * BOM and blanks) unless the caller forces one.
 *
 * Contacts exports and accounts files come first: crm_read_contacts() and
 * crm_read_accounts() load one into the context, so the deals read after it
 * get their contacts and their account's values. A CSV header goes through
 * the user's column map when there is one (crm_map.h): a map entry naming a
 * column no file has makes the header a bad row (told, counted in bad). In a report with a
 * row per contact role, consecutive rows of one deal become one record.
 *
 * A bad row or record is counted, told through say() as "name:line: why"
 * and copied to the rejects; the rest is read. Messages go through say(),
 * deals through deal(); nothing here prints or exits.
 */
#ifndef DE_CRM_READ_H
#define DE_CRM_READ_H

#include <stdio.h>
#include "crm.h"

typedef enum {
	CRM_FMT_AUTO = 0, CRM_FMT_CSV, CRM_FMT_HUBSPOT, CRM_FMT_SALESFORCE, CRM_FMT_NDJSON
} crm_format;

/* "auto", "csv", "hubspot", "salesforce" or "ndjson" into *out; 0, or -1. */
int crm_format_parse(const char *s, crm_format *out);

typedef struct crm_reader {
	crm_ctx_t *ctx;
	crm_format format;
	struct crm_map *map;     /* the user's column map (crm_map.h) for CSV headers; may be NULL */
	size_t max_line;         /* the longest line or CSV record; 0: the readers' default */
	int max_depth;           /* NDJSON nesting limit (ndj_reader_new) */
	FILE *rejects;           /* bad rows and records are copied here; may be NULL */
	const char *rejects_name;
	int verbose;             /* tell each input's kind, and empty inputs */
	int quiet;               /* do not tell that a deals input held contacts */
	/* Takes each deal (the callee frees it). Returns 0, or -1 to stop
	 * reading: the callee's own failure, which it reports itself. */
	int (*deal)(void *arg, json_t *deal);
	/* A message for the user (a bad row, a note); msg is only valid during the call. */
	void (*say)(void *arg, const char *msg);
	void *arg;
	/* counted while reading */
	unsigned long bad;       /* bad rows, records and headers */
	unsigned long skipped;   /* footer and blank rows */
} crm_reader_t;

/*
 * Reads the deals of path ("-": stdin). A contacts export found there is
 * loaded into the context instead (and told unless quiet). Returns CRM_OK
 * (bad rows included), CRM_EIO (told), or CRM_ENOMEM (not told).
 */
int crm_read_input(crm_reader_t *rd, const char *path);

/*
 * Loads path when it is a CSV contacts export; *is_contacts 1 when it was
 * (and, when must, also when it could not be read). must: path was given as
 * a contacts export, so anything else is CRM_EUSAGE; without must, an input
 * that is not one is left to crm_read_input() quietly. Returns CRM_OK,
 * CRM_EUSAGE, CRM_EIO (told), or CRM_ENOMEM.
 */
int crm_read_contacts(crm_reader_t *rd, const char *path, int must, int *is_contacts);

/*
 * Loads path as a CSV of accounts (crm_accounts.h). Returns CRM_OK (bad rows
 * and a bad header included), CRM_EUSAGE (NDJSON; told), CRM_EIO (told), or
 * CRM_ENOMEM.
 */
int crm_read_accounts(crm_reader_t *rd, const char *path);

#endif
