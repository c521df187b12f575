/*
 * libFuzzer target: the NDJSON line reader (lib/ndj.h, through fmemopen) and
 * the CRM normalization of each record (lib/crm.h), then a write back. No
 * input may crash it, leak or make it grow past its caps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "crm.h"
#include "ndj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	crm_opts_t co = { .workspace = "fuzz", .workspace_forced = (int)(size & 1) };
	crm_ctx_t *ctx;
	ndj_reader_t *r;
	FILE *in, *sink;
	json_t *rec, *deal;
	char err[512];
	int rc, n = 0;

	if (size == 0)
		return 0;
	if ((in = fmemopen((void *)data, size, "rb")) == NULL)
		return 0;
	sink = fopen("/dev/null", "w");
	ctx = crm_ctx_new(&co);
	r = ndj_reader_new(in, "fuzz", 1 << 16, 32, sink);
	if (r == NULL || ctx == NULL || sink == NULL)
		goto out;
	while ((rc = ndj_read(r, &rec)) != NDJ_EOF && rc >= 0 && n++ < 10000) {
		if (rc != NDJ_OK)
			continue;
		if (crm_deal_from_json(ctx, rec, &deal, err, sizeof err) == CRM_OK) {
			ndj_write(sink, deal, 0);
			if (deal != rec)
				json_free(deal);
		}
		json_free(rec);
	}
out:
	ndj_reader_free(r);
	crm_ctx_free(ctx);
	if (sink)
		fclose(sink);
	fclose(in);
	return 0;
}
