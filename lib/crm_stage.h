/*
 * crm_stage: a deal's stage as closed_won, closed_lost or open
 * (stage_normalized, DESIGN §3), and the user's map of custom pipeline
 * stages. Nothing here prints or exits.
 */
#ifndef DE_CRM_STAGE_H
#define DE_CRM_STAGE_H

#include <stddef.h>
#include "crm_value.h"

typedef struct crm_stage_map crm_stage_map_t;

crm_stage_map_t *crm_stage_map_new(void);
void crm_stage_map_free(crm_stage_map_t *m);
/* Maps a stage label or id (matched ignoring case, blanks and punctuation) to
 * closed_won, closed_lost or open (also won, lost). Returns 0, CRM_BAD with
 * err (a bad value), or CRM_ENOMEM. */
int crm_stage_map_add(crm_stage_map_t *m, const char *stage, const char *norm,
    char *err, size_t errlen);
/*
 * Reads a map: one "stage = closed_won" per line ("stage: value" and
 * "stage,value" work too), '#' comments, blank lines. parse() takes the same
 * in one string with ';' or newlines between entries (the workspace setting
 * stage_map). Return 0, CRM_BAD with err naming the file and line (or an
 * unreadable file), or CRM_ENOMEM.
 */
int crm_stage_map_load(crm_stage_map_t *m, const char *path, char *err, size_t errlen);
int crm_stage_map_parse(crm_stage_map_t *m, const char *text, char *err, size_t errlen);
size_t crm_stage_map_size(const crm_stage_map_t *m);

/*
 * "closed_won", "closed_lost" or "open". In order: the user's map (m may be
 * NULL) on stage; the flags (1/0/-1 as crm_parse_bool gives them: won, closed,
 * lost); the stage text (HubSpot ids closedwon/closedlost and labels,
 * Salesforce "Closed Won", "Closed Lost", anything starting with "Closed").
 * *known (may be NULL) is 0 when nothing above decided and "open" is a guess
 * (an unknown label of a custom pipeline), and also when there was no stage
 * and no flag at all (stage NULL or empty).
 */
const char *crm_stage_normalize(const crm_stage_map_t *m, const char *stage,
    int is_won, int is_closed, int is_lost, int *known);

#endif
