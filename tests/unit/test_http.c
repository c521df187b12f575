/*
 * lib/http against a scripted HTTP server in a child process on 127.0.0.1:
 * each connection gets the next canned answer, so retries can be counted.
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

#include "http.h"

#include "fixture.h"

static http_response_t *
get(struct http_opts *o, const char *path)
{
	http_client_t *c = http_client_new(o);
	const char *hdrs[] = { "x-api-key: secret-key-123", NULL };
	struct http_request req = { "POST", NULL, hdrs, "{}", 2 };
	http_response_t *r = NULL;
	char url[128];

	assert_non_null(c);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", fx_port, path);
	req.url = url;
	assert_int_equal(http_do(c, &req, &r), HTTP_OK);
	http_client_free(c);
	return r;
}

static struct http_opts
fast_opts(void)
{
	struct http_opts o;

	http_opts_default(&o);
	o.backoff_base_ms = 5;
	o.backoff_max_ms = 20;
	o.backoff_429_ms = 10;
	o.timeout_ms = 5000;
	return o;
}

/*
 * One request to path against the scripted answers s[0..n): its response,
 * once the server has counted `requests` connections.
 */
static http_response_t *
exchange(const struct fx_reply *s, size_t n, struct http_opts *o, const char *path,
    int requests)
{
	http_response_t *r;

	fx_server_start(s, n);
	r = get(o, path);
	assert_int_equal(fx_server_stop(NULL), requests);
	return r;
}

#define EXCHANGE(s, o, path, requests) exchange(s, sizeof s / sizeof s[0], o, path, requests)

static void
ok_answer_and_headers(void **state)
{
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Minute-Requests-Left: 49\r\n\r\n{\"ok\":true}" },
	};
	struct http_opts o = fast_opts();
	http_response_t *r;

	(void)state;
	r = EXCHANGE(s, &o, "/api/v1/people/bulk_match", 1);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "{\"ok\":true}");
	assert_string_equal(http_header(r, "x-minute-requests-left"), "49");
	assert_null(http_header(r, "x-hourly-requests-left"));
	assert_int_equal(r->attempts, 1);
	http_response_free(r);
}

static void
client_errors_are_final(void **state)
{
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nContent-Length: 27\r\n\r\nInvalid access credentials." },
	};
	struct http_opts o = fast_opts();
	http_response_t *r;

	(void)state;
	r = EXCHANGE(s, &o, "/x", 1);
	assert_int_equal(r->status, 401);
	assert_int_equal(r->attempts, 1);
	assert_string_equal(http_header(r, "content-type"), "text/plain");
	assert_null(strstr(r->error, "secret-key-123"));
	http_response_free(r);
}

/* Answers the client retries, or gives up on, and what it reports then. */
static const struct fx_reply five_oh_three_then_ok[] = {
	{ FX_SEND, 0, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n" },
	{ FX_SEND, 0, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n" },
	{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
};
static const struct fx_reply five_hundred[] = {
	{ FX_SEND, 0, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n" },
};
static const struct fx_reply too_many[] = {
	{ FX_SEND, 0, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n" },
	{ FX_SEND, 0, "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n" },
};
static const struct fx_reply cut_then_ok[] = {
	{ FX_CUT, 0, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"matches\":[" },
	{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
};
static const struct fx_reply dropped[] = { { FX_DROP, 0, "" } };
static const struct fx_reply forty_bytes[] = {
	{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n0123456789012345678901234567890123456789" },
};

#define SCRIPT(s) s, sizeof s / sizeof s[0]

static const struct retry_case {
	const char *name;
	const struct fx_reply *script;
	size_t nscript;
	int max_retries;        /* -1: the default */
	size_t max_body;        /* 0: the default */
	int requests;           /* the connections the server counts */
	long status;
	int attempts;           /* 0: not checked */
	int transient;          /* -1: not checked */
	const char *body;       /* NULL: not checked */
	const char *error;      /* the whole error; NULL: not checked */
	const char *error_has;  /* a part of it ("" any non-empty one); NULL: not checked */
} retry_cases[] = {
	{ "server errors are retried", SCRIPT(five_oh_three_then_ok), -1, 0, 3, 200, 3, -1,
	  NULL, NULL, NULL },
	{ "retries run out", SCRIPT(five_hundred), 1, 0, 2, 500, 0, 1, NULL, "HTTP 500", NULL },
	/* One retry for 429 by default: two requests, the last answer final. */
	{ "429 honors Retry-After once", SCRIPT(too_many), -1, 0, 2, 429, 2, -1, NULL, NULL,
	  NULL },
	{ "a cut body is retried", SCRIPT(cut_then_ok), -1, 0, 2, 200, 0, -1, "{}", NULL, NULL },
	{ "a dropped connection is an error", SCRIPT(dropped), 2, 0, 3, 0, 0, 1, NULL, NULL, "" },
	{ "the body cap holds", SCRIPT(forty_bytes), -1, 16, 1, 0, 0, 0, NULL, NULL,
	  "larger than 16 bytes" },
};

static void
retries_and_failures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof retry_cases / sizeof retry_cases[0]; i++) {
		const struct retry_case *k = &retry_cases[i];
		struct http_opts o = fast_opts();
		http_response_t *r;

		print_message("%s\n", k->name);
		if (k->max_retries >= 0)
			o.max_retries = k->max_retries;
		if (k->max_body)
			o.max_body = k->max_body;
		r = exchange(k->script, k->nscript, &o, "/x", k->requests);
		assert_int_equal(r->status, k->status);
		if (k->attempts)
			assert_int_equal(r->attempts, k->attempts);
		if (k->transient >= 0)
			assert_int_equal(r->transient, k->transient);
		if (k->body)
			assert_string_equal(r->body, k->body);
		if (k->error)
			assert_string_equal(r->error, k->error);
		if (k->error_has) {
			assert_true(r->error[0] != '\0');
			assert_non_null(strstr(r->error, k->error_has));
		}
		assert_null(strstr(r->error, "secret-key-123"));
		http_response_free(r);
	}
}

static void
refused_connection(void **state)
{
	struct http_opts o = fast_opts();
	http_response_t *r;
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t alen = sizeof a;

	(void)state;
	/* A port bound but never listened on refuses connections. */
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	getsockname(s, (struct sockaddr *)&a, &alen);
	fx_port = ntohs(a.sin_port);
	o.max_retries = 1;
	r = get(&o, "/x");
	close(s);
	assert_int_equal(r->status, 0);
	assert_int_equal(r->attempts, 2);
	assert_int_equal(r->transient, 1);
	http_response_free(r);
}

static int done_count;

static void
count_done(http_response_t *r, void *user)
{
	(void)user;
	if (r->status == 200)
		done_count++;
}

/*
 * A client of o with n GETs of /search submitted to a server answering each
 * 200 {}; done_count counts them as they finish. The caller frees the client
 * and stops the server.
 */
static http_client_t *
submit_searches(struct http_opts *o, int n)
{
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
	};
	char url[128];
	struct http_request req = { "GET", url, NULL, NULL, 0 };
	http_client_t *c;
	int i;

	fx_server_start(s, 1);
	assert_non_null(c = http_client_new(o));
	snprintf(url, sizeof url, "http://127.0.0.1:%d/search", fx_port);
	done_count = 0;
	for (i = 0; i < n; i++)
		assert_int_equal(http_submit(c, &req, count_done, NULL), HTTP_OK);
	return c;
}

static void
in_flight_is_bounded(void **state)
{
	struct http_opts o = fast_opts();
	http_client_t *c;

	(void)state;
	o.max_in_flight = 3;
	c = submit_searches(&o, 8);
	assert_int_equal(http_run(c), HTTP_OK);
	assert_int_equal(done_count, 8);
	assert_int_equal(http_started(c), 8);
	assert_true(http_max_seen_in_flight(c) <= 3);
	http_client_free(c);
	assert_int_equal(fx_server_stop(NULL), 8);
}

/* http_run_some hands back control once a request is done, the others still queued. */
static void
run_some_returns_after_one(void **state)
{
	struct http_opts o = fast_opts();
	http_client_t *c;

	(void)state;
	c = submit_searches(&o, 3);
	assert_int_equal(http_in_flight(c), 3);
	assert_int_equal(http_run_some(c, 5000), HTTP_OK);
	assert_int_equal(done_count, 1);
	assert_int_equal(http_in_flight(c), 2);
	assert_int_equal(http_run(c), HTTP_OK);
	assert_int_equal(done_count, 3);
	assert_int_equal(http_in_flight(c), 0);
	/* Nothing left: at once. */
	assert_int_equal(http_run_some(c, 5000), HTTP_OK);
	http_client_free(c);
	assert_int_equal(fx_server_stop(NULL), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ok_answer_and_headers),
		cmocka_unit_test(retries_and_failures),
		cmocka_unit_test(client_errors_are_final),
		cmocka_unit_test(refused_connection),
		cmocka_unit_test(in_flight_is_bounded),
		cmocka_unit_test(run_some_returns_after_one),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
