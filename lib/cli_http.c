/* cli_http: see cli_http.h. */
#include "cli_http.h"

#include <stdio.h>

#include "cli.h"

int
cli_http_opt(struct http_opts *o, int base, const char *prefix, int opt, const char *arg,
    char *err, size_t errlen)
{
	static const struct { const char *name; long min, max; } t[CLI_HTTP_NOPTS] = {
		[CLI_HTTP_TIMEOUT] = { "timeout-ms", 1, 3600000 },
		[CLI_HTTP_RETRIES] = { "retries", 0, 20 },
		[CLI_HTTP_BACKOFF] = { "backoff-ms", 0, 600000 },
		[CLI_HTTP_RETRY_429] = { "retry-429", 0, 20 },
		[CLI_HTTP_BACKOFF_429] = { "backoff-429-ms", 0, 3600000 },
	};
	int k = opt - base;
	char name[64];
	long v;

	if (k < 0 || k >= CLI_HTTP_NOPTS)
		return 0;
	snprintf(name, sizeof name, "--%s%s", prefix ? prefix : "", t[k].name);
	if (cli_parse_long(name, arg, t[k].min, t[k].max, &v, err, errlen) != 0)
		return -1;
	switch (k) {
	case CLI_HTTP_TIMEOUT: o->timeout_ms = v; break;
	case CLI_HTTP_RETRIES: o->max_retries = (int)v; break;
	case CLI_HTTP_BACKOFF:
		o->backoff_base_ms = v;
		if (o->backoff_max_ms < v)
			o->backoff_max_ms = v;
		break;
	case CLI_HTTP_RETRY_429: o->max_retries_429 = (int)v; break;
	case CLI_HTTP_BACKOFF_429: o->backoff_429_ms = v; break;
	}
	return 1;
}
