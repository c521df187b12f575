/*
 * icp_report: a profile (lib/icp_profile.h) as text for the terminal (80
 * columns) and as one self-contained HTML page (lib/html.h) for a sales
 * leader. Both append to out and return 0, or -1 when out cannot grow.
 */
#ifndef DE_ICP_REPORT_H
#define DE_ICP_REPORT_H

#include "buf.h"
#include "json.h"

#define ICP_REPORT_DRIVERS 20    /* rows of drivers shown */

int icp_report_table(const json_t *profile, buf_t *out);
int icp_report_html(const json_t *profile, buf_t *out);

#endif
