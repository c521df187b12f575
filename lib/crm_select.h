/*
 * crm_select: which deals a run hands on: the closed deals of the lookback
 * window (open ones too when asked), and of those at most a limit, the
 * latest closed first.
 *
 * Ownership: crm_best_add takes the record; the records held belong to the
 * crm_best_t (crm_best_free frees them). Nothing here prints or exits.
 */
#ifndef DE_CRM_SELECT_H
#define DE_CRM_SELECT_H

#include <stddef.h>
#include "date.h"
#include "json.h"

typedef enum {
	CRM_SEL_IN = 0,     /* in the window: hand it on */
	CRM_SEL_OPEN,       /* open (or no stage_normalized) and open deals not wanted */
	CRM_SEL_OLD,        /* closed before the window */
	CRM_SEL_FUTURE      /* closed after today */
} crm_sel;

typedef struct crm_window {
	char cutoff[DATE_STRLEN];   /* the window is [cutoff, today] */
	char today[DATE_STRLEN];
	int all;                    /* open deals are in */
} crm_window_t;

/* The window of the months months up to today. */
void crm_window_set(crm_window_t *w, date_t today, int months, int all);

/* Where rec (a canonical record) stands. A closed deal without a close date is in. */
crm_sel crm_window_test(const crm_window_t *w, const json_t *rec);

/* The best limit deals: closed later first, then read earlier. */
typedef struct crm_best crm_best_t;

crm_best_t *crm_best_new(size_t limit);   /* limit >= 1; NULL on ENOMEM */
void crm_best_free(crm_best_t *b);
/* Takes rec. Returns 1 when a deal (rec or one held) fell past the limit, else 0. */
int crm_best_add(crm_best_t *b, json_t *rec);
/* Puts the deals held in order, best first; add no more after it. */
void crm_best_sort(crm_best_t *b);
/* How many are held, and the i-th (NULL past the end). */
size_t crm_best_count(const crm_best_t *b);
const json_t *crm_best_at(const crm_best_t *b, size_t i);

#endif
