/*
 * libFuzzer target: DeepSeek's chat answer (lib/llm.h) and what the programs
 * read from its content: serper-signals' accounts (lib/signals.h) and
 * role-resolve's roles (lib/roles.h). The first byte picks the HTTP status;
 * the rest is the body. The content is also parsed on its own.
 */
#include <stdint.h>
#include <stdlib.h>

#include "json.h"
#include "llm.h"
#include "roles.h"
#include "signals.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 200, 200, 200, 401, 402, 429, 503 };
	struct llm_result res = { 0 };
	long status = 200;
	json_t *c = NULL, *items;
	char err[256];
	int roles[4];

	if (size > 0) {
		status = statuses[data[0] & 7];
		data++;
		size--;
	}
	if (llm_parse_content((const char *)data, size, &c, err, sizeof err) == 0)
		json_free(c);
	llm_parse_response(status, (const char *)data, size, NULL, &res);
	if (res.status == LLM_OK && res.answer != NULL) {
		const json_t *e;

		roles_llm_read(res.answer, 4, roles);
		e = signals_llm_find(res.answer, "0", "Acme", "acme.com", 0);
		if (e == NULL)
			e = signals_llm_find(res.answer, "0", "Acme", "acme.com", 1);
		if (e != NULL && (items = json_new_array()) != NULL) {
			json_t *item = json_new_object(), *sig;
			int unusable = 0;

			if (item != NULL) {
				json_set_str(item, "title", "Acme raises $20M");
				json_set_str(item, "link", "https://news.example.com/acme");
				json_set_str(item, "date", "2026-02-20");
				json_push(items, item);
			}
			sig = signals_from_llm("Acme", e, items, 1772323200, &unusable);
			json_free(sig);
			json_free(items);
		}
	}
	llm_result_clear(&res);
	return 0;
}
