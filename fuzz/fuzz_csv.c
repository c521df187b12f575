/*
 * libFuzzer target: the CSV reader (lib/csvrd.h) and the CRM mapping
 * (lib/crm.h) on arbitrary bytes. The first record is the header; every
 * other record goes through crm as a deal or a contact row. Nothing may
 * crash, leak or read out of bounds, whatever the bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "crm.h"
#include "csvrd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	csvrd_opts_t o = { .max_record = 1 << 16, .max_field = 1 << 12 };
	crm_opts_t co = { .workspace = "fuzz", .date_order = (size & 1) ? DATE_DMY : DATE_MDY };
	const csvrd_record_t *rec;
	crm_table_t *t = NULL;
	crm_ctx_t *ctx;
	csvrd_t *r;
	FILE *in, *rej;
	json_t *deal;
	char err[512];
	int rc, n = 0;

	if (size == 0)
		return 0;
	if ((in = fmemopen((void *)data, size, "rb")) == NULL)
		return 0;
	rej = fopen("/dev/null", "w");
	ctx = crm_ctx_new(&co);
	r = csvrd_new(in, "fuzz", &o, rej);
	if (r == NULL || ctx == NULL)
		goto out;
	while ((rc = csvrd_next(r, &rec)) != CSVRD_EOF && rc >= 0 && n++ < 10000) {
		if (rc != CSVRD_OK)
			continue;
		if (t == NULL) {
			if (crm_table_new(CRM_KIND_UNKNOWN, rec->fields, rec->n, &t, err, sizeof err) != CRM_OK &&
			    crm_table_new(CRM_KIND_HUBSPOT_DEALS, rec->fields, rec->n, &t, err, sizeof err) != CRM_OK)
				break;
			continue;
		}
		if (crm_kind_is_contacts(crm_table_kind(t))) {
			crm_ctx_add_contact_row(ctx, t, rec->fields, rec->n, err, sizeof err);
		} else if (crm_deal_from_row(ctx, t, rec->fields, rec->n, &deal, err, sizeof err) == CRM_OK) {
			json_t *again = json_clone(deal);
			crm_merge_contacts(deal, again);
			json_free(again);
			json_free(deal);
		}
	}
out:
	crm_table_free(t);
	csvrd_free(r);
	crm_ctx_free(ctx);
	if (rej)
		fclose(rej);
	fclose(in);
	return 0;
}
