/*
 * crm_ctx: the inside of a crm_ctx_t, shared by lib/crm.c (the builder) and
 * lib/crm_ndjson.c (NDJSON records). No program or other module includes
 * it: they use crm.h.
 */
#ifndef DE_CRM_CTX_H
#define DE_CRM_CTX_H

#include "crm.h"

#define CRM_MAX_UNKNOWN_STAGES 32

struct crm_ctx {
	crm_opts_t o;
	char *workspace, *currency;
	char *flat_sig;             /* the keys of the last flat NDJSON row ... */
	crm_table_t *flat_table;    /* ... and their mapping */
	crm_join_t *join;           /* the contacts exports read */
	struct crm_accounts *accounts;   /* the accounts files read */
	unsigned long stageless;
	char *unknown[CRM_MAX_UNKNOWN_STAGES];
	unsigned long unknown_n[CRM_MAX_UNKNOWN_STAGES];
	size_t nunknown;
};

/* The stage_normalized of a deal; notes a label read as open by guess.
 * *none is 1 when the deal had no stage and no flag at all. */
const char *crm_ctx_stage(crm_ctx_t *c, const char *stage, int won, int closed, int lost,
    int *none);

/* A deal from the cells of a row of t (orig: as crm_table_custom takes it). */
int crm_deal_from_cells(crm_ctx_t *c, const crm_table_t *t, char *const *f, size_t n,
    json_t *const *orig, json_t **out, char *err, size_t errlen);

#endif
