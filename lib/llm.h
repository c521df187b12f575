/*
 * llm: a client for DeepSeek's OpenAI-compatible chat completions API
 * (CONTRACTS §3), for any program that wants one JSON answer to a prompt:
 * serper-signals classifies news with it, role-resolve --llm resolves roles.
 *
 * What it does for the caller:
 *   - the request: POST <base>/chat/completions, "Authorization: Bearer <key>",
 *     {"model", "messages":[system, user], "thinking":{"type":"disabled"},
 *      "temperature", "max_tokens", "response_format":{"type":"json_object"},
 *      "stream":false};
 *   - the answer: the body may start with blank lines (DeepSeek sends them
 *     while a request is queued); the message content may be wrapped in a
 *     ```json code fence or have text around the JSON; blank content (JSON
 *     mode's failure) or content that is no JSON is asked again once;
 *   - errors: 401/403 LLM_EAUTH, 402 LLM_EBALANCE, 400/404/422 LLM_EREQUEST,
 *     429 LLM_ERATE, 5xx and transport LLM_ESERVER (lib/http retries
 *     429 and 5xx first), each with a message that never holds the key;
 *   - the usage ledger: every HTTP call is counted for the call's workspace
 *     under provider "deepseek" (calls, tokens, and credits = tokens, so that
 *     "deepseek_monthly_budget" is a number of tokens);
 *   - the cache (when asked): the answer kept under provider "deepseek" and
 *     the key "chat:" + llm_hash(model, system, user), so that the same
 *     question to the same model is paid for once.
 * What stays with the caller: the prompt, what the answer means, budgets
 * (lib/budget.h: ask before llm_submit, spend res->total_tokens after).
 *
 * HOW TO USE IT (role-resolve --llm does this):
 *
 *   struct llm_config cfg;      // per workspace: key, model, base URL
 *   if (llm_config_load(conf, model_flag, &cfg, err, sizeof err) != 0) -> exit 78
 *   if (cfg.api_key == NULL) -> no LLM: use the rules, say so once
 *   struct http_opts ho;  llm_http_opts(&ho);        // DeepSeek's pacing
 *   http_client_t *http = http_client_new(&ho);
 *   llm_t *llm = llm_new(http, db);                  // db may be NULL
 *
 *   struct llm_call call = { .cfg = &cfg, .workspace = ws, .system = sys,
 *       .user = prompt, .cache = 1, .cache_ttl = cache_days * 86400, .now = now };
 *   // asynchronous, many at once: done(res, user) is called from http_run()
 *   llm_submit(llm, &call, done, user);  ...  http_run(http);
 *   // or one at a time:
 *   struct llm_result res;
 *   llm_chat(llm, &call, &res);
 *   if (res.status == LLM_OK) use res.answer (a JSON object or array);
 *   else if (res.status == LLM_EAUTH || res.status == LLM_EBALANCE) stop calling;
 *   if (res.db_error) -> exit 74 at the end
 *   llm_result_clear(&res);
 *
 *   llm_free(llm); http_client_free(http);
 *
 * The prompt must say "json" somewhere (JSON mode requires it). Ownership:
 * llm_submit() and llm_chat() copy what the call points to; the result handed
 * to a callback is lent for its duration (take res->answer by setting it to
 * NULL); llm_chat()'s result is the caller's (llm_result_clear).
 */
#ifndef DE_LLM_H
#define DE_LLM_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "conf.h"
#include "db.h"
#include "http.h"
#include "json.h"

#define LLM_BASE_URL_DEFAULT "https://api.deepseek.com"
#define LLM_MODEL_DEFAULT "deepseek-flash"
#define LLM_MAX_TOKENS_DEFAULT 8000

enum {
	LLM_OK = 0,
	LLM_ENOMEM = -1,
	LLM_EAUTH = -2,      /* 401/403: the key is refused; stop calling */
	LLM_EBALANCE = -3,   /* 402 Insufficient Balance; stop calling, never retried */
	LLM_EREQUEST = -4,   /* 400/404/422: the request or the model name was refused */
	LLM_ERATE = -5,      /* 429 once the retries ran out */
	LLM_ESERVER = -6,    /* 5xx, timeout, connection failure once the retries ran out */
	LLM_EBLANK = -7,     /* the content was blank or not JSON, twice */
	LLM_EPARSE = -8      /* a 2xx body that is not a chat completion */
};

struct llm_config {
	char base_url[512];    /* DEEPSEEK_BASE_URL, else LLM_BASE_URL_DEFAULT; no trailing '/' */
	const char *api_key;   /* deepseek_api_key, else DEEPSEEK_API_KEY; NULL: none (borrowed) */
	const char *model;     /* flag > DEEPSEEK_MODEL > deepseek_model > "deepseek-flash" (borrowed) */
	int max_tokens;        /* LLM_MAX_TOKENS_DEFAULT */
	double temperature;    /* 0.1 */
};

/*
 * Fills cfg for a workspace's conf (which may be NULL: the platform key
 * only). The strings are borrowed from conf, model_flag or the environment
 * and live as long as they do. Returns 0, or -1 with err set when
 * DEEPSEEK_BASE_URL is not an http(s) URL or the model name is empty.
 */
int llm_config_load(const conf_t *conf, const char *model_flag, struct llm_config *cfg,
    char *err, size_t errlen);

/*
 * http options suited to DeepSeek: 4 requests in flight, no pacing, a
 * 10-minute transfer timeout (a queued request may wait that long), 2 retries,
 * 10 s after a 429 without Retry-After.
 */
void llm_http_opts(struct http_opts *o);

typedef struct llm llm_t;

/* A client over http (not owned; it may carry other traffic). db may be NULL:
 * no cache, no ledger. NULL when memory runs out. */
llm_t *llm_new(http_client_t *http, db_t *db);
/* Frees the client. Calls still pending are dropped without their callback:
 * run http_run() to the end first. */
void llm_free(llm_t *c);

struct llm_call {
	const struct llm_config *cfg;
	const char *workspace;   /* for the ledger and the cache; NULL: neither */
	const char *system;      /* the system message, or NULL */
	const char *user;        /* the user message */
	int max_tokens;          /* 0: cfg->max_tokens */
	int cache;               /* 1: answer from / store into the cache */
	long cache_ttl;          /* seconds a cached answer stays good; <= 0: forever */
	time_t now;              /* for the ledger's month and the cache (0: time(NULL)) */
};

struct llm_result {
	int status;              /* LLM_OK or an LLM_E* code */
	json_t *answer;          /* LLM_OK: the content as a JSON object or array */
	int cached;              /* the answer came from the cache: no call was made */
	int calls;               /* HTTP calls made (the blank-content retry counts) */
	long http_status;        /* of the last call; 0 when none answered */
	long long prompt_tokens, completion_tokens, total_tokens;   /* summed over calls */
	const char *finish_reason;   /* "stop", "length", ... (static), or NULL */
	int db_error;            /* writing the ledger or the cache failed: exit 74 */
	char error[256];         /* why, when status != LLM_OK (never the key) */
	char db_err[160];        /* why, when db_error */
};

typedef void (*llm_done_fn)(struct llm_result *res, void *user);

/*
 * Queues a call; done runs from http_run() (or at once, before llm_submit
 * returns, for an answer from the cache). Returns LLM_OK, or LLM_ENOMEM
 * (done is then not called).
 */
int llm_submit(llm_t *c, const struct llm_call *call, llm_done_fn done, void *user);

/* One call start to end (runs http_run: other queued traffic runs too). */
int llm_chat(llm_t *c, const struct llm_call *call, struct llm_result *out);

/* Frees what a result holds (its answer); the struct may be reused. */
void llm_result_clear(struct llm_result *r);

/* ---- the pieces, for tests and for callers who cache on their own ---- */

/* The request body into out (reset first). Returns 0 or -1 (memory). */
int llm_request_body(const char *model, const char *system, const char *user, int max_tokens,
    double temperature, buf_t *out);

/*
 * Reads one final HTTP response into res (status, answer, tokens, error).
 * transport_err says why when status is 0. A blank or non-JSON content gives
 * LLM_EBLANK (llm_submit asks once more).
 */
void llm_parse_response(long status, const char *body, size_t len, const char *transport_err,
    struct llm_result *res);

/*
 * The JSON inside a message content: skips blanks, a ```json fence and text
 * around the outermost {...} or [...]. Returns 0 with *out (an object or an
 * array), -1 with err set (blank, or no JSON), or -2 when memory ran out.
 */
int llm_parse_content(const char *content, size_t len, json_t **out, char *err, size_t errlen);

/* The hex SHA-256 of model and the parts, each preceded by a 0x1f separator. */
void llm_hash(const char *model, const char *const *parts, size_t nparts, char out[65]);

/* A short name for an LLM_E* code. */
const char *llm_strerror(int code);

#endif
