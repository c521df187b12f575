/*
 * Hostile input (issue 8), the fixes it led to: output is always UTF-8
 * (json_dump_string writes a bad byte as \ufffd), an email that cannot be one
 * (control bytes, invalid UTF-8) is no email, and DEAL_ENRICH_CA_FILE reaches
 * the http options (lib/tls.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "domain.h"
#include "json.h"
#include "tls.h"

static void
dumped(const char *in, size_t n, const char *want)
{
	buf_t b;

	buf_init(&b, 1 << 20);
	assert_int_equal(json_dump_string(in, n, &b), JSON_OK);
	assert_int_equal(buf_addc(&b, '\0'), BUF_OK);
	assert_string_equal(buf_ptr(&b), want);
	buf_free(&b);
}

static void
dump_keeps_utf8_and_replaces_bad_bytes(void **state)
{
	(void)state;
	dumped("z\xc3\xab \xf0\x9f\x9a\x80 \xe6\xa0\xaa", 12, "\"z\xc3\xab \xf0\x9f\x9a\x80 \xe6\xa0\xaa\"");
	dumped("a\xff" "b", 3, "\"a\\ufffdb\"");
	dumped("\xed\xbf\xbf@x", 5, "\"\\ufffd\\ufffd\\ufffd@x\"");   /* a lone \udfff as yajl decodes it */
	dumped("\xc3", 1, "\"\\ufffd\"");                              /* cut short */
	dumped("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");                   /* overlong */
	dumped("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");   /* past U+10FFFF */
	dumped("a\0b", 3, "\"a\\u0000b\"");
}

static void
parsed_lone_surrogate_dumps_as_utf8(void **state)
{
	const char *text = "{\"e\":\"\\udfff@x.com\",\"n\":\"\\ud800\"}";
	json_t *v = NULL;
	buf_t b;
	char err[128];
	size_t i;

	(void)state;
	assert_int_equal(json_parse(text, strlen(text), 64, &v, NULL, err, sizeof err), JSON_OK);
	buf_init(&b, 1 << 20);
	assert_int_equal(json_dump(v, &b), JSON_OK);
	for (i = 0; i < b.len; i++)
		assert_true((unsigned char)buf_ptr(&b)[i] < 0x80);
	json_free(v);
	buf_free(&b);
}

static void
email_must_be_text(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(domain_email_normalize("Zo\xc3\xab@B\xc3\xbc" "cher.de", out, sizeof out), 0);
	assert_string_equal(out, "zo\xc3\xab@b\xc3\xbc" "cher.de");
	assert_int_equal(domain_email_normalize("\"o'neil\"@x.com", out, sizeof out), 0);
	assert_int_equal(domain_email_normalize("a\xff@x.com", out, sizeof out), 1);
	assert_int_equal(domain_email_normalize("\xed\xbf\xbf@lone.com", out, sizeof out), 1);
	assert_int_equal(domain_email_normalize("a\x01" "b@x.com", out, sizeof out), 1);
	assert_int_equal(domain_email_normalize("a\x7f@x.com", out, sizeof out), 1);
	assert_string_equal(out, "");
}

static void
ca_file_from_the_environment(void **state)
{
	struct http_opts o;

	(void)state;
	unsetenv(TLS_CA_ENV);
	http_opts_default(&o);
	tls_opts(&o);
	assert_null(o.ca_file);
	setenv(TLS_CA_ENV, "", 1);
	tls_opts(&o);
	assert_null(o.ca_file);
	setenv(TLS_CA_ENV, "/etc/proxy-ca.pem", 1);
	tls_opts(&o);
	assert_string_equal(o.ca_file, "/etc/proxy-ca.pem");
	unsetenv(TLS_CA_ENV);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dump_keeps_utf8_and_replaces_bad_bytes),
		cmocka_unit_test(parsed_lone_surrogate_dumps_as_utf8),
		cmocka_unit_test(email_must_be_text),
		cmocka_unit_test(ca_file_from_the_environment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
