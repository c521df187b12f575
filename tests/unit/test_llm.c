/*
 * lib/llm (and lib/sha256): the DeepSeek request, robust answer parsing,
 * errors, and the client against a scripted server in a child process:
 * blank content asked again once, 402 never retried, tokens in the ledger,
 * answers from the cache, the key never in a message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "db.h"
#include "ledger.h"
#include "llm.h"
#include "sha256.h"

#include "fixture.h"

#define KEY "sk-test-secret-key-0123"

/* ---- pieces ---- */

static void
sha256_vectors(void **state)
{
	char h[SHA256_HEXLEN];
	char million[1000];
	sha256_t s;
	int i;

	(void)state;
	assert_string_equal(sha256_hex("", 0, h),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_string_equal(sha256_hex("abc", 3, h),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', sizeof million);
	sha256_init(&s);
	for (i = 0; i < 1000; i++)
		sha256_update(&s, million, sizeof million);
	assert_string_equal(sha256_final_hex(&s, h),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
hashes(void **state)
{
	const char *p1[] = { "system", "user" }, *p2[] = { "system", "user2" }, *p3[] = { "systemuser" };
	char a[65], b[65], c[65], d[65], e[65];

	(void)state;
	llm_hash("deepseek-flash", p1, 2, a);
	llm_hash("deepseek-flash", p1, 2, b);
	llm_hash("deepseek-v4-pro", p1, 2, c);
	llm_hash("deepseek-flash", p2, 2, d);
	llm_hash("deepseek-flash", p3, 1, e);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	assert_string_not_equal(a, e);   /* parts are separated */
	assert_int_equal(strlen(a), 64);
}

static void
request_body(void **state)
{
	buf_t b;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(llm_request_body("deepseek-flash", "Return json.", "Hi \"there\"", 800, 0.2, &b), 0);
	assert_string_equal(buf_ptr(&b),
	    "{\"model\":\"deepseek-flash\",\"messages\":[{\"role\":\"system\",\"content\":\"Return json.\"},"
	    "{\"role\":\"user\",\"content\":\"Hi \\\"there\\\"\"}],\"thinking\":{\"type\":\"disabled\"},"
	    "\"temperature\":0.2,\"max_tokens\":800,\"response_format\":{\"type\":\"json_object\"},"
	    "\"stream\":false}");
	assert_int_equal(llm_request_body("m", NULL, "u", 0, 0, &b), 0);
	assert_null(strstr(buf_ptr(&b), "system"));
	assert_non_null(strstr(buf_ptr(&b), "\"max_tokens\":8000"));
	buf_free(&b);
}

static char *
content_of(const char *s)
{
	json_t *v;
	char err[100];
	buf_t b;

	if (llm_parse_content(s, strlen(s), &v, err, sizeof err) != 0)
		return NULL;
	buf_init(&b, 1 << 20);
	json_dump(v, &b);
	json_free(v);
	return buf_detach(&b, NULL);
}

static void
contents(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "{\"a\":1}", "{\"a\":1}" },
		{ "\n\n  {\"a\":1}\n", "{\"a\":1}" },
		{ "```json\n{\"a\":1}\n```", "{\"a\":1}" },
		{ "```\n[1,2]\n```\n", "[1,2]" },
		{ "Here is the json you asked for:\n{\"a\":{\"b\":[1]}}\nHope it helps.", "{\"a\":{\"b\":[1]}}" },
		{ "[{\"x\":1}] trailing", "[{\"x\":1}]" },
	};
	static const char *const bad[] = { "", "   \n\t", "no json here", "{\"a\":", "42", "\"str\"" };
	json_t *v;
	char err[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char *got = content_of(ok[i].in);

		assert_non_null(got);
		assert_string_equal(got, ok[i].out);
		free(got);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(llm_parse_content(bad[i], strlen(bad[i]), &v, err, sizeof err), -1);
		assert_null(v);
	}
	assert_int_equal(llm_parse_content("  ", 2, &v, err, sizeof err), -1);
	assert_string_equal(err, "blank content");
}

#define COMPLETION(content, finish) \
	"{\"id\":\"930c60df\",\"object\":\"chat.completion\",\"created\":1760000000," \
	"\"model\":\"deepseek-flash\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\"," \
	"\"content\":" content "},\"logprobs\":null,\"finish_reason\":\"" finish "\"}]," \
	"\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":14,\"total_tokens\":55," \
	"\"prompt_tokens_details\":{\"cached_tokens\":0},\"prompt_cache_hit_tokens\":0," \
	"\"prompt_cache_miss_tokens\":41}}"

static int
resp_of(long status, const char *body, struct llm_result *r)
{
	llm_parse_response(status, body, body ? strlen(body) : 0, "Connection refused", r);
	return r->status;
}

static void
responses(void **state)
{
	struct llm_result r;

	(void)state;
	assert_int_equal(resp_of(200, "\n\n" COMPLETION("\"```json\\n{\\\"score\\\": 82}\\n```\"", "stop"), &r),
	    LLM_OK);
	assert_int_equal(json_len(r.answer), 1);
	assert_int_equal(r.prompt_tokens, 41);
	assert_int_equal(r.completion_tokens, 14);
	assert_int_equal(r.total_tokens, 55);
	assert_string_equal(r.finish_reason, "stop");
	llm_result_clear(&r);
	assert_null(r.answer);

	assert_int_equal(resp_of(200, COMPLETION("\"   \"", "stop"), &r), LLM_EBLANK);
	assert_int_equal(r.total_tokens, 55);
	assert_null(r.answer);
	assert_int_equal(resp_of(200, COMPLETION("null", "stop"), &r), LLM_EBLANK);
	assert_int_equal(resp_of(200, COMPLETION("\"{\\\"a\\\": [1, 2\"", "length"), &r), LLM_EBLANK);
	assert_non_null(strstr(r.error, "max_tokens"));
	assert_int_equal(resp_of(200, "{\"object\":\"chat.completion\",\"choices\":[]}", &r), LLM_EPARSE);
	assert_int_equal(resp_of(200, "<html>Just a moment...</html>", &r), LLM_EPARSE);

	assert_int_equal(resp_of(402, "{\"error\":{\"message\":\"Insufficient Balance\",\"type\":\"unknown_error\","
	    "\"param\":null,\"code\":\"invalid_request_error\"}}", &r), LLM_EBALANCE);
	assert_string_equal(r.error, "HTTP 402: Insufficient Balance");
	assert_int_equal(resp_of(401, "{\"error\":{\"message\":\"Authentication Fails, Your api key: ****0123 is "
	    "invalid\",\"type\":\"authentication_error\"}}", &r), LLM_EAUTH);
	assert_null(strstr(r.error, "0123"));
	assert_int_equal(resp_of(400, "{\"error\":{\"message\":\"The supported API model names are deepseek-v4-pro "
	    "or deepseek-v4-flash, but you passed deepseek-chat.\"}}", &r), LLM_EREQUEST);
	assert_non_null(strstr(r.error, "deepseek-v4-flash"));
	assert_int_equal(resp_of(422, "{}", &r), LLM_EREQUEST);
	assert_int_equal(resp_of(429, "{\"error\":{\"message\":\"Rate Limit Reached\"}}", &r), LLM_ERATE);
	assert_int_equal(resp_of(503, "{\"error\":{\"message\":\"Server Overloaded\"}}", &r), LLM_ESERVER);
	assert_string_equal(r.error, "HTTP 503: Server Overloaded");
	assert_int_equal(resp_of(0, NULL, &r), LLM_ESERVER);
	assert_string_equal(r.error, "no answer: Connection refused");
	assert_string_equal(llm_strerror(LLM_EBALANCE), "insufficient balance");
}

static void
config(void **state)
{
	struct llm_config c;
	char err[200];

	(void)state;
	unsetenv("DEEPSEEK_API_KEY");
	unsetenv("DEEPSEEK_MODEL");
	unsetenv("DEEPSEEK_BASE_URL");
	assert_int_equal(llm_config_load(NULL, NULL, &c, err, sizeof err), 0);
	assert_null(c.api_key);
	assert_string_equal(c.model, "deepseek-flash");
	assert_string_equal(c.base_url, "https://api.deepseek.com");
	setenv("DEEPSEEK_API_KEY", KEY, 1);
	setenv("DEEPSEEK_MODEL", "deepseek-v4-pro", 1);
	setenv("DEEPSEEK_BASE_URL", "http://127.0.0.1:9/", 1);
	assert_int_equal(llm_config_load(NULL, NULL, &c, err, sizeof err), 0);
	assert_string_equal(c.api_key, KEY);
	assert_string_equal(c.model, "deepseek-v4-pro");
	assert_string_equal(c.base_url, "http://127.0.0.1:9");
	assert_int_equal(llm_config_load(NULL, "deepseek-flash", &c, err, sizeof err), 0);
	assert_string_equal(c.model, "deepseek-flash");
	setenv("DEEPSEEK_BASE_URL", "ftp://x", 1);
	assert_int_equal(llm_config_load(NULL, NULL, &c, err, sizeof err), -1);
	unsetenv("DEEPSEEK_BASE_URL");
	unsetenv("DEEPSEEK_MODEL");
	unsetenv("DEEPSEEK_API_KEY");
}

/* ---- the client against a scripted server ---- */

/* The server answers status k with the JSON body k to the k-th request. */
static void
start_server(const char *const *bodies, const long *statuses, size_t n)
{
	static struct fx_reply script[8];
	size_t i;

	assert_true(n <= sizeof script / sizeof *script);
	for (i = 0; i < n; i++)
		script[i] = (struct fx_reply){ FX_SEND, statuses[i], bodies[i] };
	fx_server_start(script, n);
}

struct env {
	char dir[64];
	db_t *db;
	http_client_t *http;
	llm_t *llm;
	struct llm_config cfg;
	struct llm_call call;
};

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);
	struct http_opts o;
	char err[200];

	if (e == NULL)
		return -1;
	snprintf(e->dir, sizeof e->dir, "/tmp/de-test-llmdb.XXXXXX");
	if (mkdtemp(e->dir) == NULL || db_open(e->dir, 0, &e->db, err, sizeof err) != DB_OK)
		return -1;
	llm_http_opts(&o);
	o.backoff_base_ms = 5;
	o.backoff_max_ms = 10;
	o.timeout_ms = 5000;
	if ((e->http = http_client_new(&o)) == NULL || (e->llm = llm_new(e->http, e->db)) == NULL)
		return -1;
	memset(&e->cfg, 0, sizeof e->cfg);
	e->cfg.api_key = KEY;
	e->cfg.model = "deepseek-flash";
	e->cfg.max_tokens = 500;
	e->cfg.temperature = 0.1;
	e->call.cfg = &e->cfg;
	e->call.workspace = "acme";
	e->call.system = "Return json: {\"score\": int}";
	e->call.user = "Rate this lead.";
	e->call.now = (time_t)1773144000;
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;
	char cmd[128];

	llm_free(e->llm);
	http_client_free(e->http);
	db_close(e->db);
	snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
	if (system(cmd) != 0)
		return -1;
	free(e);
	return 0;
}

static void
point_at_server(struct env *e)
{
	snprintf(e->cfg.base_url, sizeof e->cfg.base_url, "http://127.0.0.1:%d", fx_port);
}

static void
blank_content_is_asked_again_once(void **state)
{
	struct env *e = *state;
	const char *bodies[] = {
		COMPLETION("\"   \"", "stop"),
		"\n\n" COMPLETION("\"{\\\"score\\\": 82}\"", "stop"),
	};
	const long st[] = { 200, 200 };
	struct llm_result r;
	struct ledger_usage u;
	char err[200], *log;

	start_server(bodies, st, 2);
	point_at_server(e);
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_OK);
	assert_int_equal(fx_server_stop(&log), 2);
	assert_int_equal(r.calls, 2);
	assert_int_equal(r.cached, 0);
	assert_int_equal(r.total_tokens, 110);
	assert_non_null(json_get(r.answer, "score"));
	assert_int_equal(r.db_error, 0);
	llm_result_clear(&r);
	/* the request: path, Bearer key, thinking off, JSON mode */
	assert_non_null(strstr(log, "POST /chat/completions "));
	assert_non_null(strstr(log, "Authorization: Bearer " KEY));
	assert_non_null(strstr(log, "\"thinking\":{\"type\":\"disabled\"}"));
	assert_non_null(strstr(log, "\"response_format\":{\"type\":\"json_object\"}"));
	assert_non_null(strstr(log, "\"model\":\"deepseek-flash\""));
	free(log);
	/* both calls and their tokens are in the ledger */
	assert_int_equal(ledger_get(e->db, "acme", "deepseek", "2026-03", &u, err, sizeof err), DB_OK);
	assert_int_equal(u.calls, 2);
	assert_int_equal(u.tokens, 110);
}

/* DeepSeek's queue (CONTRACTS §3): the headers, no length, empty lines, then the body; the end is the close. */
static void
a_queued_answer_is_read_whole(void **state)
{
	struct env *e = *state;
	const char *bodies[] = { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Connection: close\r\n\r\n\n\n\r\n\n" COMPLETION("\"{\\\"score\\\": 82}\"", "stop") };
	const long st[] = { 0 };
	struct llm_result r;
	char *log;

	start_server(bodies, st, 1);
	point_at_server(e);
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_OK);
	assert_int_equal(fx_server_stop(&log), 1);
	free(log);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.total_tokens, 55);
	assert_non_null(json_get(r.answer, "score"));
	llm_result_clear(&r);
}

static void
blank_twice_gives_up(void **state)
{
	struct env *e = *state;
	const char *bodies[] = { COMPLETION("\"\"", "stop") };
	const long st[] = { 200 };
	struct llm_result r;
	char *log;

	start_server(bodies, st, 1);
	point_at_server(e);
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_EBLANK);
	assert_int_equal(fx_server_stop(&log), 2);
	free(log);
	assert_int_equal(r.calls, 2);
	assert_null(r.answer);
}

static void
balance_is_not_retried(void **state)
{
	struct env *e = *state;
	const char *bodies[] = { "{\"error\":{\"message\":\"Insufficient Balance\",\"type\":\"unknown_error\"}}" };
	const long st[] = { 402 };
	struct llm_result r;
	char *log;

	start_server(bodies, st, 1);
	point_at_server(e);
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_EBALANCE);
	assert_int_equal(fx_server_stop(&log), 1);
	free(log);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.http_status, 402);
}

static void
server_errors_are_retried(void **state)
{
	struct env *e = *state;
	const char *bodies[] = { "{\"error\":{\"message\":\"Server Overloaded\"}}", COMPLETION("\"[1]\"", "stop") };
	const long st[] = { 503, 200 };
	struct llm_result r;
	char *log;

	start_server(bodies, st, 2);
	point_at_server(e);
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_OK);
	assert_int_equal(fx_server_stop(&log), 2);
	free(log);
	assert_true(json_is(r.answer, JSON_ARRAY));
	llm_result_clear(&r);
}

static void
the_key_never_shows(void **state)
{
	struct env *e = *state;
	const char *bodies[] = { "{\"error\":{\"message\":\"bad request from key " KEY "\"}}" };
	const long st[] = { 400 };
	struct llm_result r;
	char *log;

	start_server(bodies, st, 1);
	point_at_server(e);
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_EREQUEST);
	assert_int_equal(fx_server_stop(&log), 1);
	free(log);
	assert_null(strstr(r.error, KEY));
	assert_non_null(strstr(r.error, "****"));
}

static void
answers_are_cached_by_model_and_input(void **state)
{
	struct env *e = *state;
	const char *bodies[] = { COMPLETION("\"{\\\"score\\\": 7}\"", "stop") };
	const long st[] = { 200 };
	struct llm_result r;
	json_t *v;
	char *log, h[65], key[80], err[200];
	const char *parts[2];

	e->call.cache = 1;
	e->call.cache_ttl = 86400;
	start_server(bodies, st, 1);
	point_at_server(e);
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_OK);
	assert_int_equal(r.cached, 0);
	llm_result_clear(&r);
	/* the same question: from the cache, no call */
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_OK);
	assert_int_equal(r.cached, 1);
	assert_int_equal(r.calls, 0);
	assert_non_null(json_get(r.answer, "score"));
	llm_result_clear(&r);
	/* another model: asked */
	e->cfg.model = "deepseek-v4-pro";
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_OK);
	assert_int_equal(r.cached, 0);
	llm_result_clear(&r);
	/* past its time: asked again */
	e->cfg.model = "deepseek-flash";
	e->call.now += 2 * 86400;
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_OK);
	assert_int_equal(r.cached, 0);
	llm_result_clear(&r);
	assert_int_equal(fx_server_stop(&log), 3);
	free(log);
	/* where it is kept: provider deepseek, key chat:<hash of model, system, user> */
	parts[0] = e->call.system;
	parts[1] = e->call.user;
	llm_hash("deepseek-flash", parts, 2, h);
	snprintf(key, sizeof key, "chat:%s", h);
	assert_int_equal(cache_get(e->db, "deepseek", "acme", key, 0, e->call.now, &v, NULL, err,
	    sizeof err), DB_OK);
	json_free(v);
}

static void
no_answer(void **state)
{
	struct env *e = *state;
	struct llm_result r;

	/* nothing listens on port 9 of 127.0.0.1 */
	snprintf(e->cfg.base_url, sizeof e->cfg.base_url, "http://127.0.0.1:9");
	assert_int_equal(llm_chat(e->llm, &e->call, &r), LLM_ESERVER);
	assert_int_equal(r.http_status, 0);
	assert_non_null(strstr(r.error, "no answer"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_vectors),
		cmocka_unit_test(hashes),
		cmocka_unit_test(request_body),
		cmocka_unit_test(contents),
		cmocka_unit_test(responses),
		cmocka_unit_test(config),
		cmocka_unit_test_setup_teardown(blank_content_is_asked_again_once, setup, teardown),
		cmocka_unit_test_setup_teardown(blank_twice_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(a_queued_answer_is_read_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(balance_is_not_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(server_errors_are_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(the_key_never_shows, setup, teardown),
		cmocka_unit_test_setup_teardown(answers_are_cached_by_model_and_input, setup, teardown),
		cmocka_unit_test_setup_teardown(no_answer, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
