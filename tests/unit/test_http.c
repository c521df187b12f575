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

static void
ok_answer_and_headers(void **state)
{
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Minute-Requests-Left: 49\r\n\r\n{\"ok\":true}" },
	};
	struct http_opts o = fast_opts();
	http_response_t *r;

	(void)state;
	fx_server_start(s, 1);
	r = get(&o, "/api/v1/people/bulk_match");
	assert_int_equal(fx_server_stop(NULL), 1);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "{\"ok\":true}");
	assert_string_equal(http_header(r, "x-minute-requests-left"), "49");
	assert_null(http_header(r, "x-hourly-requests-left"));
	assert_int_equal(r->attempts, 1);
	http_response_free(r);
}

static void
server_errors_are_retried(void **state)
{
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n" },
		{ FX_SEND, 0, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n" },
		{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
	};
	struct http_opts o = fast_opts();
	http_response_t *r;

	(void)state;
	fx_server_start(s, 3);
	r = get(&o, "/x");
	assert_int_equal(fx_server_stop(NULL), 3);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->attempts, 3);
	http_response_free(r);
}

static void
retries_run_out(void **state)
{
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n" },
	};
	struct http_opts o = fast_opts();
	http_response_t *r;

	(void)state;
	o.max_retries = 1;
	fx_server_start(s, 1);
	r = get(&o, "/x");
	assert_int_equal(fx_server_stop(NULL), 2);
	assert_int_equal(r->status, 500);
	assert_int_equal(r->transient, 1);
	assert_string_equal(r->error, "HTTP 500");
	http_response_free(r);
}

static void
rate_limit_honors_retry_after_once(void **state)
{
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n" },
		{ FX_SEND, 0, "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n" },
	};
	struct http_opts o = fast_opts();
	http_response_t *r;

	(void)state;
	fx_server_start(s, 2);
	r = get(&o, "/x");
	/* One retry for 429 by default: two requests, the last answer final. */
	assert_int_equal(fx_server_stop(NULL), 2);
	assert_int_equal(r->status, 429);
	assert_int_equal(r->attempts, 2);
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
	fx_server_start(s, 1);
	r = get(&o, "/x");
	assert_int_equal(fx_server_stop(NULL), 1);
	assert_int_equal(r->status, 401);
	assert_int_equal(r->attempts, 1);
	assert_string_equal(http_header(r, "content-type"), "text/plain");
	assert_null(strstr(r->error, "secret-key-123"));
	http_response_free(r);
}

static void
cut_body_is_retried(void **state)
{
	static const struct fx_reply s[] = {
		{ FX_CUT, 0, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"matches\":[" },
		{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
	};
	struct http_opts o = fast_opts();
	http_response_t *r;

	(void)state;
	fx_server_start(s, 2);
	r = get(&o, "/x");
	assert_int_equal(fx_server_stop(NULL), 2);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->body, "{}");
	http_response_free(r);
}

static void
dropped_connection_reports_error(void **state)
{
	static const struct fx_reply s[] = { { FX_DROP, 0, "" } };
	struct http_opts o = fast_opts();
	http_response_t *r;

	(void)state;
	o.max_retries = 2;
	fx_server_start(s, 1);
	r = get(&o, "/x");
	assert_int_equal(fx_server_stop(NULL), 3);
	assert_int_equal(r->status, 0);
	assert_int_equal(r->transient, 1);
	assert_true(r->error[0] != '\0');
	http_response_free(r);
}

static void
body_cap_is_enforced(void **state)
{
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n0123456789012345678901234567890123456789" },
	};
	struct http_opts o = fast_opts();
	http_response_t *r;

	(void)state;
	o.max_body = 16;
	fx_server_start(s, 1);
	r = get(&o, "/x");
	assert_int_equal(fx_server_stop(NULL), 1);
	assert_int_equal(r->status, 0);
	assert_int_equal(r->transient, 0);
	assert_non_null(strstr(r->error, "larger than 16 bytes"));
	http_response_free(r);
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

static void
in_flight_is_bounded(void **state)
{
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
	};
	struct http_opts o = fast_opts();
	struct http_request req = { "GET", NULL, NULL, NULL, 0 };
	http_client_t *c;
	char url[128];
	int i;

	(void)state;
	o.max_in_flight = 3;
	fx_server_start(s, 1);
	c = http_client_new(&o);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/search", fx_port);
	req.url = url;
	done_count = 0;
	for (i = 0; i < 8; i++)
		assert_int_equal(http_submit(c, &req, count_done, NULL), HTTP_OK);
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
	static const struct fx_reply s[] = {
		{ FX_SEND, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" },
	};
	struct http_opts o = fast_opts();
	struct http_request req = { "GET", NULL, NULL, NULL, 0 };
	http_client_t *c;
	char url[128];
	int i;

	(void)state;
	fx_server_start(s, 1);
	c = http_client_new(&o);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/search", fx_port);
	req.url = url;
	done_count = 0;
	for (i = 0; i < 3; i++)
		assert_int_equal(http_submit(c, &req, count_done, NULL), HTTP_OK);
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
		cmocka_unit_test(server_errors_are_retried),
		cmocka_unit_test(retries_run_out),
		cmocka_unit_test(rate_limit_honors_retry_after_once),
		cmocka_unit_test(client_errors_are_final),
		cmocka_unit_test(cut_body_is_retried),
		cmocka_unit_test(dropped_connection_reports_error),
		cmocka_unit_test(body_cap_is_enforced),
		cmocka_unit_test(refused_connection),
		cmocka_unit_test(in_flight_is_bounded),
		cmocka_unit_test(run_some_returns_after_one),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
