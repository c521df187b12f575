/*
 * lib/http_key against the scripted server of fixture.h: the key goes in its
 * header, with the other header and the body; a key too long for the header
 * queues nothing.
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

#include "http_key.h"

#include "fixture.h"

static long got_status;

static void
on_done(http_response_t *resp, void *user)
{
	got_status = resp->status;
	*(int *)user += 1;
}

static void
key_in_its_header(void **state)
{
	static const struct fx_reply s[] = { { FX_SEND, 200, "{\"ok\":true}" } };
	struct http_key_request kr;
	http_client_t *c;
	char url[64], *reqs = NULL;
	int done = 0;

	(void)state;
	fx_server_start(s, 1);
	assert_non_null(c = http_client_new(NULL));
	snprintf(url, sizeof url, "http://127.0.0.1:%d/search", fx_port);
	memset(&kr, 0, sizeof kr);
	kr.method = "POST";
	kr.url = url;
	kr.key_header = "X-API-KEY";
	kr.key = "secret-key-123";
	kr.header = "Content-Type: application/json";
	kr.body = "[{\"q\":\"acme\"}]";
	kr.body_len = strlen(kr.body);
	assert_int_equal(http_key_submit(c, &kr, on_done, &done), HTTP_OK);
	assert_int_equal(http_run(c), HTTP_OK);
	assert_int_equal(done, 1);
	assert_int_equal(got_status, 200);
	assert_int_equal(fx_server_stop(&reqs), 1);
	assert_non_null(strstr(reqs, "POST /search HTTP/1.1\r\n"));
	assert_non_null(strstr(reqs, "X-API-KEY: secret-key-123\r\n"));
	assert_non_null(strstr(reqs, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(reqs, "\r\n\r\n[{\"q\":\"acme\"}]"));
	free(reqs);
	http_client_free(c);
}

static void
key_too_long(void **state)
{
	struct http_key_request kr;
	http_client_t *c;
	char *key = malloc(HTTP_KEY_HEADER_MAX);
	int done = 0;

	(void)state;
	assert_non_null(key);
	memset(key, 'k', HTTP_KEY_HEADER_MAX - 1);
	key[HTTP_KEY_HEADER_MAX - 1] = '\0';
	assert_non_null(c = http_client_new(NULL));
	memset(&kr, 0, sizeof kr);
	kr.method = "GET";
	kr.url = "http://127.0.0.1:9/x";
	kr.key_header = "X-RapidAPI-Key";
	kr.key = key;
	assert_int_equal(http_key_submit(c, &kr, on_done, &done), HTTP_ENOMEM);
	assert_int_equal(http_in_flight(c), 0);
	assert_int_equal(done, 0);
	http_client_free(c);
	free(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_in_its_header),
		cmocka_unit_test(key_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
