/*
 * signals: an account's search results turned into the buying and risk
 * signals of DESIGN §3 (funding, hiring, expansion, leadership_change,
 * partnership, product_launch, acquisition, layoff, regulatory, award,
 * negative_press), each with a one-line signal, its source URL, a relevance
 * from 0 to 1 and a date, plus a summary and a score from -1 (risk) to 1
 * (buying).
 *
 * Two classifiers give the same shape:
 *   - the rules (signals_classify_rules): the keyword table below, free,
 *     deterministic, what a user without a DeepSeek key gets;
 *   - an LLM: signals_llm_*() build the prompt and signals_from_llm() checks
 *     and normalizes its answer (unknown types dropped, numbers clamped,
 *     dates made YYYY-MM-DD), so that nothing an LLM writes reaches a record
 *     unchecked.
 *
 * The classification of an account ("result") is the object
 *   {"items":[{"type":..,"signal":..,"source_url":..,"relevance":0.9,
 *              "date":"2026-03-03"|null}, ...],
 *    "summary":"...","score":0.6}
 *
 * Search results ("items" given to the classifiers) are the objects of
 * lib/serper.h: {"title","link","snippet","source","date","date_text"}, any of
 * them possibly absent.
 *
 * Ownership: every json_t * returned is the caller's (json_free), except
 * signals_llm_find()'s, borrowed from the answer. NULL means out of memory
 * unless said otherwise.
 */
#ifndef DE_SIGNALS_H
#define DE_SIGNALS_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "json.h"

#define SIGNALS_NTYPES 11
/* Most signals kept per account. */
#define SIGNALS_MAX_ITEMS 10

/*
 * One rule of the keyword table. A rule matches a text when any of its
 * keywords does and none of its exclusions ("!" keywords) does. Keywords are
 * lowercase words matched against the text's words, in order, at word
 * boundaries, case-insensitively:
 *   word    that word;        pre*   any word starting with "pre";
 *   *       any one word;     #      a number ("200", "1,200", "10%", "$20m").
 * The table is in priority order: a result gets the type of the first rule
 * that matches its title, else of the first that matches its snippet.
 */
struct signals_rule {
	const char *type;
	double relevance;               /* of a match in a title; 0.8 of it in a snippet */
	double weight;                  /* per unit of relevance, toward the score */
	const char *const *keywords;    /* NULL-terminated */
};

/* The table (SIGNALS_NTYPES rules, in priority order). */
const struct signals_rule *signals_rules(size_t *n);

/*
 * The index in signals_rules() of a type name, accepting "Leadership Change",
 * "leadership-change" and the like; -1 when it is none of the 11.
 */
int signals_type_index(const char *name);

/*
 * The rule a title and snippet match (either may be NULL): its index, or -1.
 * *in_title (when not NULL) says whether the title matched.
 */
int signals_match(const char *title, const char *snippet, int *in_title);

/*
 * The rules classifier on an account's results. company names the account in
 * the summary. Dates older than 180 days lower the relevance (0.75), older
 * than a year more (0.5), relative to now.
 */
json_t *signals_classify_rules(const char *company, const json_t *items, time_t now);

/* The score of a result's items: the sum of weight * relevance, within [-1, 1]. */
double signals_score(const json_t *sig_items);

/* ---- the LLM classifier ---- */

/* The system message: the task, the 11 types and the JSON answer wanted. */
const char *signals_llm_system(void);

/*
 * The input of one account: {"company":..,"domain":..,"items":[{"title",
 * "snippet","link","date"}]} (at most 20 results, long snippets cut). The
 * same account and results always give the same text, so its hash can key a
 * cache.
 */
json_t *signals_llm_input(const char *company, const char *domain, const json_t *items);

/*
 * The user message for a batch: accounts is an array of inputs, each with an
 * "id" the caller added (json_set) to find its answer. Returns 0 or -1.
 */
int signals_llm_user(const json_t *accounts, buf_t *out);

/*
 * Finds an account's entry in an answer ({"accounts":[...]}, a bare array, or
 * for a one-account call the entry itself): by id, else by company name
 * (case-insensitive), else by domain. Borrowed; NULL when absent.
 */
const json_t *signals_llm_find(const json_t *answer, const char *id, const char *company,
    const char *domain, int single);

/*
 * Checks and normalizes an LLM's entry for an account whose results were
 * items: keeps signals of the 11 types only (names normalized), at most
 * SIGNALS_MAX_ITEMS; relevance and score clamped (strings holding numbers
 * accepted; missing ones computed as the rules do); dates made YYYY-MM-DD
 * (relative ones against now; unknown: the date of the result the signal
 * cites, else null); the summary trimmed and capped (written as the rules do
 * when missing). Returns the result, or NULL when entry is not an object
 * (*unusable set to 1) or memory runs out (*unusable 0).
 */
json_t *signals_from_llm(const char *company, const json_t *entry, const json_t *items,
    time_t now, int *unusable);

#endif
