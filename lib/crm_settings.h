/*
 * crm_settings: the workspace settings that reading CRM deals depends on,
 * each from its option when given, else the workspace file (lib/conf.h):
 * lookback_months (1-24, default 6), date_order (mdy or dmy), currency (an
 * ISO 4217 code for amounts that name none) and stage_map (a file, "~/"
 * meaning $HOME, or the entries themselves, ';' between them: crm_stage.h).
 *
 * Ownership: the stage map belongs to the settings (crm_settings_free);
 * currency is borrowed from the conf_t. Nothing here prints or exits.
 */
#ifndef DE_CRM_SETTINGS_H
#define DE_CRM_SETTINGS_H

#include <stddef.h>
#include "conf.h"
#include "crm_stage.h"

typedef struct crm_settings {
	long lookback_months;
	enum date_order date_order;
	const char *currency;          /* NULL when not set */
	crm_stage_map_t *stage_map;    /* never NULL after a successful load */
} crm_settings_t;

/*
 * Fills s from the options (each may be NULL; date_order_flag already "mdy"
 * or "dmy") and conf. Returns CRM_OK; CRM_BAD with err naming the setting
 * and the workspace file; CRM_EUSAGE with err ("--stage-map: ...") when the
 * --stage-map file is unreadable or bad; CRM_ENOMEM. Free s in any case.
 */
int crm_settings_load(crm_settings_t *s, const conf_t *conf, const char *lookback_flag,
    const char *date_order_flag, const char *stage_map_flag, char *err, size_t errlen);
void crm_settings_free(crm_settings_t *s);

#endif
