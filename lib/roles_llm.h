/*
 * roles_llm: the optional LLM layer of role resolution. The caller makes
 * the calls (lib/llm.h) and caches the answers; this says whom to ask about,
 * what to ask (facts, never a name or an email, so that contacts with the
 * same facts share one question and one cached answer) and how to read the
 * answer. Nothing here prints, exits or calls out.
 */
#ifndef DE_ROLES_LLM_H
#define DE_ROLES_LLM_H

#include <stddef.h>
#include "buf.h"
#include "json.h"

typedef struct roles roles_t;

/*
 * 1 when a contact has no role and something to ask about (a title, an Apollo
 * title, seniority, departments or a CRM label no table knows), unless its
 * title is one a rule keeps unresolved on purpose (Intern, Student...).
 */
int roles_llm_wanted(roles_t *r, const json_t *contact);

/*
 * What is asked about a contact: {"title","current_title","seniority",
 * "departments","crm_label"} (those it has; never a name or an email), so that
 * contacts with the same facts share one question and one cached answer.
 * NULL when memory runs out.
 */
json_t *roles_llm_facts(const json_t *contact);

/* The system prompt (mentions json, as DeepSeek's JSON mode requires). */
extern const char roles_llm_system_prompt[];

/*
 * The user message for facts[0..n): {"contacts":[{"id":"0",...facts}]}, the
 * ids the indexes. Appends to out. Returns BUF_OK or a BUF_E* code.
 */
int roles_llm_request(json_t *const *facts, size_t n, buf_t *out);

/*
 * Reads an answer {"contacts":[{"id":"0","role":"influencer"|null}]} (or the
 * bare list) into roles[0..n): a role, ROLES_NONE (the model placed nobody: an
 * answer worth caching), or ROLES_UNKNOWN (that id was not answered). Returns
 * how many ids were answered, or -1 when the answer has no such list.
 */
int roles_llm_read(const json_t *answer, size_t n, int *roles);

#endif
