/*
 * crm_cursor: where the last successful CRM pull of a workspace stopped (the
 * latest modification time it saw), so that the next pull asks only for the
 * deals closed or modified since (issue 14).
 *
 * Two values per workspace and CRM, in the db's DB_META table: the pending
 * one, which crm-pull writes when a pull ended well, and the committed one,
 * which the next pull starts from. crm_cursor_commit() makes the pending one
 * committed; the pipeline runs it (crm-pull --commit) only after deals-load
 * stored the records, so a run that fails anywhere is simply redone from the
 * old cursor.
 *
 * Values are UTC times "YYYY-MM-DDTHH:MM:SS.mmmZ". Every function returns
 * DB_OK, DB_NOTFOUND (no such cursor) or a negative DB_E* code with err.
 */
#ifndef DE_CRM_CURSOR_H
#define DE_CRM_CURSOR_H

#include <stddef.h>
#include <time.h>
#include "db.h"

#define CRM_CURSOR_MAX 40

/* The committed cursor into out (NUL-terminated). */
int crm_cursor_get(db_t *db, const char *workspace, const char *crm, char out[CRM_CURSOR_MAX],
    char *err, size_t errlen);
/* The pending cursor, the same way. */
int crm_cursor_get_pending(db_t *db, const char *workspace, const char *crm,
    char out[CRM_CURSOR_MAX], char *err, size_t errlen);
/* Records value as the pending cursor (longer than CRM_CURSOR_MAX - 1: DB_EKEY). */
int crm_cursor_set_pending(db_t *db, const char *workspace, const char *crm, const char *value,
    char *err, size_t errlen);
/*
 * The pending cursor becomes the committed one, in one transaction; a
 * pending one older than the committed one leaves the committed one. Returns
 * DB_NOTFOUND when nothing is pending.
 */
int crm_cursor_commit(db_t *db, const char *workspace, const char *crm, char *err,
    size_t errlen);

/*
 * What the CRM last said of its limits (crm_source_limits(): Salesforce's
 * Sforce-Limit-Info, HubSpot's daily calls left), kept as "TIME LIMITS" with
 * the time of the pull, for enrich-status. Truncated to CRM_LIMITS_MAX - 1.
 */
#define CRM_LIMITS_MAX 96
int crm_cursor_set_limits(db_t *db, const char *workspace, const char *crm, const char *limits,
    time_t at, char *err, size_t errlen);
int crm_cursor_get_limits(db_t *db, const char *workspace, const char *crm,
    char out[CRM_LIMITS_MAX], char *err, size_t errlen);

#endif
