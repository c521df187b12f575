/*
 * libFuzzer target: Serper's answer (lib/serper.h) and the rules that turn
 * its results into signals (lib/signals.h). The first byte picks the HTTP
 * status (200 mostly, else an error status); the rest is the body.
 */
#include <stdint.h>
#include <stdlib.h>

#include "json.h"
#include "serper.h"
#include "signals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 200, 200, 200, 400, 403, 429, 500 };
	long status = 200;
	json_t *items, *sig;
	double credits = 0;
	char err[256];

	if (size > 0) {
		status = statuses[data[0] & 7];
		data++;
		size--;
	}
	if ((items = json_new_array()) == NULL)
		return 0;
	if (serper_parse(status, (const char *)data, size, NULL, "acme", 1772323200, items, &credits,
	    err, sizeof err) == SERPER_OK) {
		if ((sig = signals_classify_rules("Acme", items, 1772323200)) != NULL) {
			signals_score(json_get(sig, "items"));
			json_free(sig);
		}
	}
	json_free(items);
	return 0;
}
