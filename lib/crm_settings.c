/* crm_settings: see crm_settings.h. */
#include "crm_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "str.h"

/* The stage_map setting: a readable file, else the entries themselves. */
static int
stage_map_setting(crm_stage_map_t *m, const char *v, char *err, size_t errlen)
{
	char path[4096];
	const char *home = getenv("HOME");

	if (v[0] == '~' && v[1] == '/' && home) {
		snprintf(path, sizeof path, "%s/%s", home, v + 2);
		v = path;
	}
	if (access(v, R_OK) == 0)
		return crm_stage_map_load(m, v, err, errlen);
	return crm_stage_map_parse(m, v, err, errlen);
}

int
crm_settings_load(crm_settings_t *s, const conf_t *conf, const char *lookback_flag,
    const char *date_order_flag, const char *stage_map_flag, char *err, size_t errlen)
{
	const char *v;
	char why[512];
	int rc;

	memset(s, 0, sizeof *s);
	rc = conf_long(conf, "lookback_months", lookback_flag, NULL, 1, 24, 6,
	    &s->lookback_months, err, errlen);
	if (rc != CONF_OK)
		return rc == CONF_ENOMEM ? CRM_ENOMEM : CRM_BAD;
	v = conf_string(conf, "date_order", date_order_flag, NULL, "mdy");
	if (strcmp(v, "mdy") && strcmp(v, "dmy")) {
		str_errf(err, errlen, "%s: date_order = %s: expected mdy or dmy", conf_path(conf), v);
		return CRM_BAD;
	}
	s->date_order = strcmp(v, "dmy") == 0 ? DATE_DMY : DATE_MDY;
	s->currency = conf_get(conf, "currency");
	if (s->currency && (strlen(s->currency) != 3 ||
	    strspn(s->currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)) {
		str_errf(err, errlen, "%s: currency = %s: expected an ISO 4217 code such as USD",
		    conf_path(conf), s->currency);
		return CRM_BAD;
	}
	if ((s->stage_map = crm_stage_map_new()) == NULL)
		return CRM_ENOMEM;
	if (stage_map_flag) {
		rc = crm_stage_map_load(s->stage_map, stage_map_flag, why, sizeof why);
		if (rc == CRM_BAD)
			str_errf(err, errlen, "--stage-map: %s", why);
		return rc == CRM_BAD ? CRM_EUSAGE : rc;
	}
	if ((v = conf_get(conf, "stage_map")) != NULL && *v) {
		rc = stage_map_setting(s->stage_map, v, why, sizeof why);
		if (rc == CRM_BAD)
			str_errf(err, errlen, "%s: stage_map: %s", conf_path(conf), why);
		return rc;
	}
	return CRM_OK;
}

void
crm_settings_free(crm_settings_t *s)
{
	crm_stage_map_free(s->stage_map);
	s->stage_map = NULL;
}
