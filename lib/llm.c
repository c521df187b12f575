#include "tls.h"
#include "llm.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "ledger.h"
#include "sha256.h"
#include "str.h"

#define BODY_CAP ((size_t)64 << 20)

struct pend {
	struct pend *next, *prev;
	llm_t *c;
	char *url, *body, *auth, *workspace, *cache_key;
	size_t body_len;
	const char *key;          /* inside auth: for scrubbing messages */
	time_t now;
	llm_done_fn done;
	void *user;
	struct llm_result res;
};

struct llm {
	http_client_t *http;
	db_t *db;
	struct pend *pending;
};

int
llm_config_load(const conf_t *conf, const char *model_flag, struct llm_config *cfg,
    char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	if (conf_base_url("DEEPSEEK_BASE_URL", LLM_BASE_URL_DEFAULT, cfg->base_url,
	    sizeof cfg->base_url) != 0) {
		snprintf(err, errlen, "DEEPSEEK_BASE_URL must be an http:// or https:// URL");
		return -1;
	}
	cfg->api_key = conf_api_key(conf, "deepseek_api_key", "DEEPSEEK_API_KEY");
	cfg->model = conf_string(conf, "deepseek_model", model_flag, "DEEPSEEK_MODEL",
	    LLM_MODEL_DEFAULT);
	if (cfg->model == NULL || *cfg->model == '\0') {
		snprintf(err, errlen, "deepseek_model is empty");
		return -1;
	}
	cfg->max_tokens = LLM_MAX_TOKENS_DEFAULT;
	cfg->temperature = 0.1;
	return 0;
}

void
llm_http_opts(struct http_opts *o)
{
	http_opts_default(o);
	o->max_in_flight = 4;
	o->min_interval_ms = 0;
	o->timeout_ms = 600000;
	o->max_retries = 2;
	o->max_retries_429 = 1;
	o->backoff_429_ms = 10000;
	tls_opts(o);
}

llm_t *
llm_new(http_client_t *http, db_t *db)
{
	llm_t *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->http = http;
	c->db = db;
	return c;
}

static void
pend_free(struct pend *p)
{
	if (p == NULL)
		return;
	if (p->auth) {
		memset(p->auth, 0, strlen(p->auth));
		free(p->auth);
	}
	free(p->url);
	free(p->body);
	free(p->workspace);
	free(p->cache_key);
	llm_result_clear(&p->res);
	free(p);
}

static void
pend_unlink(struct pend *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else if (p->c->pending == p)
		p->c->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->next = p->prev = NULL;
}

void
llm_free(llm_t *c)
{
	struct pend *p, *n;

	if (c == NULL)
		return;
	for (p = c->pending; p; p = n) {
		n = p->next;
		pend_free(p);
	}
	free(c);
}

void
llm_result_clear(struct llm_result *r)
{
	if (r == NULL)
		return;
	json_free(r->answer);
	r->answer = NULL;
}

const char *
llm_strerror(int code)
{
	switch (code) {
	case LLM_OK: return "ok";
	case LLM_ENOMEM: return "out of memory";
	case LLM_EAUTH: return "the key was refused";
	case LLM_EBALANCE: return "insufficient balance";
	case LLM_EREQUEST: return "the request was refused";
	case LLM_ERATE: return "rate limited";
	case LLM_ESERVER: return "unavailable";
	case LLM_EBLANK: return "no JSON in the answer";
	case LLM_EPARSE: return "an answer that is not a chat completion";
	}
	return "error";
}

void
llm_hash(const char *model, const char *const *parts, size_t nparts, char out[65])
{
	sha256_t s;
	size_t i;

	sha256_init(&s);
	sha256_update(&s, model ? model : "", model ? strlen(model) : 0);
	for (i = 0; i < nparts; i++) {
		sha256_update(&s, "\x1f", 1);
		if (parts[i])
			sha256_update(&s, parts[i], strlen(parts[i]));
	}
	sha256_final_hex(&s, out);
}

static int
add_msg(json_t *msgs, const char *role, const char *content)
{
	json_t *m = json_new_object();

	if (m == NULL)
		return -1;
	if (json_set_str(m, "role", role) != JSON_OK || json_set_str(m, "content", content) != JSON_OK) {
		json_free(m);
		return -1;
	}
	return json_push(msgs, m) == JSON_OK ? 0 : -1;
}

static json_t *
type_obj(const char *type)
{
	json_t *o = json_new_object();

	if (o && json_set_str(o, "type", type) != JSON_OK) {
		json_free(o);
		return NULL;
	}
	return o;
}

int
llm_request_body(const char *model, const char *system, const char *user, int max_tokens,
    double temperature, buf_t *out)
{
	json_t *b = json_new_object(), *msgs = json_new_array();
	int rc = -1;

	buf_reset(out);
	if (b == NULL || msgs == NULL) {
		json_free(msgs);
		goto done;
	}
	if (json_set_str(b, "model", model) != JSON_OK)
		goto done_msgs;
	if ((system && add_msg(msgs, "system", system) != 0) ||
	    add_msg(msgs, "user", user ? user : "") != 0)
		goto done_msgs;
	if (json_set(b, "messages", msgs) != JSON_OK)
		goto done;
	if (json_set(b, "thinking", type_obj("disabled")) != JSON_OK ||
	    json_set_double(b, "temperature", temperature) != JSON_OK ||
	    json_set_int(b, "max_tokens", max_tokens > 0 ? max_tokens : LLM_MAX_TOKENS_DEFAULT) != JSON_OK ||
	    json_set(b, "response_format", type_obj("json_object")) != JSON_OK ||
	    json_set_bool(b, "stream", 0) != JSON_OK)
		goto done;
	rc = json_dump(b, out) == JSON_OK ? 0 : -1;
	goto done;
done_msgs:
	json_free(msgs);
done:
	json_free(b);
	return rc;
}

/* Parses s[0..n) when it is exactly one object or array; *nomem set when memory ran out. */
static json_t *
try_parse(const char *s, size_t n, int *parse_nomem)
{
	const char *e = s + n;
	json_t *v = NULL;
	char why[64];
	int rc;

	str_trim_blanks(&s, &e);
	n = (size_t)(e - s);
	*parse_nomem = 0;
	if (n == 0)
		return NULL;
	if ((rc = json_parse(s, n, 0, &v, NULL, why, sizeof why)) != JSON_OK) {
		*parse_nomem = rc == JSON_ENOMEM;
		return NULL;
	}
	if (!json_is(v, JSON_OBJECT) && !json_is(v, JSON_ARRAY)) {
		json_free(v);
		return NULL;
	}
	return v;
}

int
llm_parse_content(const char *content, size_t len, json_t **out, char *err, size_t errlen)
{
	const char *s = content, *end, *open, *close;
	size_t n = len;
	json_t *v;
	int nomem = 0;

	*out = NULL;
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	if (s == NULL || n == 0) {
		snprintf(err, errlen, "blank content");
		return -1;
	}
	end = s + n;
	if (n >= 3 && memcmp(s, "```", 3) == 0) {
		const char *nl = memchr(s, '\n', n), *f;

		s = nl ? nl + 1 : s + 3;
		for (f = end - 3; f >= s; f--)
			if (memcmp(f, "```", 3) == 0) {
				end = f;
				break;
			}
	}
	if ((v = try_parse(s, (size_t)(end - s), &nomem)) != NULL) {
		*out = v;
		return 0;
	}
	if (nomem) {
		snprintf(err, errlen, "out of memory");
		return -2;
	}
	/* Text around the JSON: from the first '{' or '[' to the last '}' or ']'. */
	for (open = s; open < end && *open != '{' && *open != '['; open++)
		;
	for (close = end - 1; close > open && *close != (*open == '{' ? '}' : ']'); close--)
		;
	if (open < end && close > open && (v = try_parse(open, (size_t)(close - open + 1), &nomem)) != NULL) {
		*out = v;
		return 0;
	}
	if (open < end && close > open && nomem) {
		snprintf(err, errlen, "out of memory");
		return -2;
	}
	snprintf(err, errlen, "the content is not JSON");
	return -1;
}

static void
set_err(struct llm_result *r, const char *prefix, const char *msg)
{
	str_err_msg(r->error, sizeof r->error, prefix, msg);
}

static const char *
finish_name(const char *s)
{
	static const char *const known[] = { "stop", "length", "content_filter", "tool_calls",
		"insufficient_system_resource" };
	size_t i;

	for (i = 0; s && i < sizeof known / sizeof known[0]; i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return s ? "other" : NULL;
}

static long long
num_ll(const json_t *v)
{
	int64_t n;

	return json_num_int(v, &n) == 0 && n > 0 ? (long long)n : 0;
}

void
llm_parse_response(long status, const char *body, size_t len, const char *transport_err,
    struct llm_result *res)
{
	json_t *v = NULL, *msg;
	const json_t *usage, *choice;
	const char *m, *content;
	char why[96], prefix[32];
	int k;

	memset(res, 0, sizeof *res);
	res->http_status = status;
	if (status == 0) {
		res->status = LLM_ESERVER;
		set_err(res, "no answer", transport_err && *transport_err ? transport_err :
		    "connection failed");
		return;
	}
	while (body && len > 0 && isspace((unsigned char)*body)) {
		body++;
		len--;
	}
	if (body && len > 0 && (k = json_parse(body, len, 0, &v, NULL, why, sizeof why)) != JSON_OK) {
		v = NULL;
		if (k == JSON_ENOMEM) {
			res->status = LLM_ENOMEM;
			set_err(res, "out of memory", NULL);
			return;
		}
	}
	snprintf(prefix, sizeof prefix, "HTTP %ld", status);
	if (status < 200 || status >= 300) {
		msg = json_get(v, "error");
		m = json_str(json_get(msg, "message"));
		if (m == NULL)
			m = json_str(msg);
		if (m == NULL)
			m = json_str(json_get(v, "message"));
		if (status == 401 || status == 403) {
			res->status = LLM_EAUTH;
			/* DeepSeek's message quotes the key's tail: not repeated. */
			set_err(res, prefix, "the API key was refused");
		} else if (status == 402) {
			res->status = LLM_EBALANCE;
			set_err(res, prefix, m ? m : "Insufficient Balance");
		} else if (status == 429) {
			res->status = LLM_ERATE;
			set_err(res, prefix, m);
		} else if (status >= 500) {
			res->status = LLM_ESERVER;
			set_err(res, prefix, m);
		} else {
			res->status = LLM_EREQUEST;
			set_err(res, prefix, m);
		}
		json_free(v);
		return;
	}
	if (!json_is(v, JSON_OBJECT)) {
		res->status = LLM_EPARSE;
		set_err(res, prefix, "the body is not a JSON object");
		json_free(v);
		return;
	}
	usage = json_get(v, "usage");
	res->prompt_tokens = num_ll(json_get(usage, "prompt_tokens"));
	res->completion_tokens = num_ll(json_get(usage, "completion_tokens"));
	res->total_tokens = num_ll(json_get(usage, "total_tokens"));
	if (res->total_tokens == 0)
		res->total_tokens = res->prompt_tokens + res->completion_tokens;
	choice = json_at(json_get(v, "choices"), 0);
	res->finish_reason = finish_name(json_str(json_get(choice, "finish_reason")));
	if (choice == NULL) {
		res->status = LLM_EPARSE;
		set_err(res, prefix, "no choices in the answer");
		json_free(v);
		return;
	}
	content = json_str(json_get(json_get(choice, "message"), "content"));
	k = content == NULL ? -1 : llm_parse_content(content,
	    json_strlen(json_get(json_get(choice, "message"), "content")), &res->answer, why, sizeof why);
	if (k == -2) {
		res->status = LLM_ENOMEM;
		set_err(res, "out of memory", NULL);
		json_free(v);
		return;
	}
	if (k != 0) {
		res->status = LLM_EBLANK;
		if (res->finish_reason && strcmp(res->finish_reason, "length") == 0)
			set_err(res, "the answer was cut at max_tokens", content ? why : "no content");
		else
			set_err(res, content ? why : "no content", NULL);
		json_free(v);
		return;
	}
	res->status = LLM_OK;
	json_free(v);
}

/* Replaces every occurrence of key in s with "****". */
static void
scrub(char *s, const char *key)
{
	size_t kl = key ? strlen(key) : 0;
	char *p;

	if (kl < 4)
		return;
	while ((p = strstr(s, key)) != NULL) {
		memcpy(p, "****", 4);
		memmove(p + 4, p + kl, strlen(p + kl) + 1);
	}
}

static void on_http(http_response_t *resp, void *user);

static int
send_req(struct pend *p)
{
	const char *hdrs[3];
	struct http_request req;

	hdrs[0] = p->auth;
	hdrs[1] = "Content-Type: application/json";
	hdrs[2] = NULL;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = p->url;
	req.headers = hdrs;
	req.body = p->body;
	req.body_len = p->body_len;
	return http_submit(p->c->http, &req, on_http, p) == HTTP_OK ? 0 : -1;
}

static void
finish(struct pend *p)
{
	pend_unlink(p);
	p->done(&p->res, p->user);
	pend_free(p);
}

static void
on_http(http_response_t *resp, void *user)
{
	struct pend *p = user;
	struct llm_result r;
	char month[8], err[160];
	struct ledger_usage u;
	llm_t *c = p->c;

	llm_parse_response(resp->status, resp->body, resp->body_len, resp->error, &r);
	scrub(r.error, p->key);
	p->res.calls++;
	p->res.http_status = r.http_status;
	p->res.prompt_tokens += r.prompt_tokens;
	p->res.completion_tokens += r.completion_tokens;
	p->res.total_tokens += r.total_tokens;
	p->res.finish_reason = r.finish_reason;
	if (c->db && p->workspace) {
		ledger_month(p->now, month, sizeof month);
		u.calls = 1;
		u.tokens = r.total_tokens;
		u.credits = (double)r.total_tokens;
		if (ledger_add(c->db, p->workspace, "deepseek", month, &u, err, sizeof err) != DB_OK) {
			p->res.db_error = 1;
			snprintf(p->res.db_err, sizeof p->res.db_err, "%s", err);
		}
	}
	if (r.status == LLM_EBLANK && p->res.calls < 2) {
		if (send_req(p) == 0)
			return;
		r.status = LLM_ENOMEM;
		snprintf(r.error, sizeof r.error, "out of memory");
	}
	p->res.status = r.status;
	p->res.answer = r.answer;
	memcpy(p->res.error, r.error, sizeof p->res.error);
	if (r.status == LLM_OK && p->cache_key && c->db &&
	    cache_put(c->db, "deepseek", p->workspace, p->cache_key, r.answer, p->now, err,
	    sizeof err) != DB_OK) {
		p->res.db_error = 1;
		snprintf(p->res.db_err, sizeof p->res.db_err, "%s", err);
	}
	finish(p);
}

static char *
dupstr(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
llm_submit(llm_t *c, const struct llm_call *call, llm_done_fn done, void *user)
{
	const struct llm_config *cfg = call->cfg;
	struct pend *p;
	buf_t b;
	size_t n;
	int k;

	if ((p = calloc(1, sizeof *p)) == NULL)
		return LLM_ENOMEM;
	p->c = c;
	p->done = done;
	p->user = user;
	p->now = call->now ? call->now : time(NULL);
	if (call->workspace && (p->workspace = dupstr(call->workspace)) == NULL)
		goto nomem;
	if (call->cache && c->db && p->workspace) {
		const char *parts[2] = { call->system ? call->system : "", call->user };
		char h[65];
		json_t *v = NULL;
		char err[160];
		int rc;

		llm_hash(cfg->model, parts, 2, h);
		if ((p->cache_key = malloc(5 + sizeof h)) == NULL)
			goto nomem;
		snprintf(p->cache_key, 5 + sizeof h, "chat:%s", h);
		rc = cache_get(c->db, "deepseek", p->workspace, p->cache_key, call->cache_ttl, p->now,
		    &v, NULL, err, sizeof err);
		if (rc == DB_OK) {
			p->res.status = LLM_OK;
			p->res.cached = 1;
			p->res.answer = v;
			p->done(&p->res, p->user);
			pend_free(p);
			return LLM_OK;
		}
		if (rc != DB_NOTFOUND) {
			p->res.db_error = 1;
			snprintf(p->res.db_err, sizeof p->res.db_err, "%s", err);
		}
	}
	n = strlen(cfg->base_url) + sizeof "/chat/completions";
	if ((p->url = malloc(n)) == NULL)
		goto nomem;
	snprintf(p->url, n, "%s/chat/completions", cfg->base_url);
	n = strlen(cfg->api_key ? cfg->api_key : "") + sizeof "Authorization: Bearer ";
	if ((p->auth = malloc(n)) == NULL)
		goto nomem;
	k = snprintf(p->auth, n, "Authorization: Bearer %s", cfg->api_key ? cfg->api_key : "");
	p->key = p->auth + (k - (int)strlen(cfg->api_key ? cfg->api_key : ""));
	buf_init(&b, BODY_CAP);
	if (llm_request_body(cfg->model, call->system, call->user,
	    call->max_tokens > 0 ? call->max_tokens : cfg->max_tokens, cfg->temperature, &b) != 0) {
		buf_free(&b);
		goto nomem;
	}
	if ((p->body = buf_detach(&b, &p->body_len)) == NULL)
		goto nomem;
	if (send_req(p) != 0)
		goto nomem;
	p->next = c->pending;
	if (c->pending)
		c->pending->prev = p;
	c->pending = p;
	return LLM_OK;
nomem:
	pend_free(p);
	return LLM_ENOMEM;
}

static void
chat_done(struct llm_result *res, void *user)
{
	struct llm_result *out = user;

	*out = *res;
	res->answer = NULL;
	out->status = res->status;
}

int
llm_chat(llm_t *c, const struct llm_call *call, struct llm_result *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	out->status = LLM_ENOMEM;
	if ((rc = llm_submit(c, call, chat_done, out)) != LLM_OK)
		return rc;
	if (http_run(c->http) != HTTP_OK && out->calls == 0 && !out->cached) {
		out->status = LLM_ENOMEM;
		snprintf(out->error, sizeof out->error, "the HTTP client failed");
	}
	return out->status;
}
