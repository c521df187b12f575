/* json_events: see json.h. The one place besides json.c that speaks to yajl. */
#include "json.h"

#include <yajl/yajl_parse.h>

struct ev_ctx {
	const struct json_events *ev;
	void *ctx;
};

static int
ev_null(void *c)
{
	struct ev_ctx *x = c;

	return x->ev->null ? x->ev->null(x->ctx) : 1;
}

static int
ev_boolean(void *c, int b)
{
	struct ev_ctx *x = c;

	return x->ev->boolean ? x->ev->boolean(x->ctx, b) : 1;
}

static int
ev_number(void *c, const char *s, size_t len)
{
	struct ev_ctx *x = c;

	return x->ev->number ? x->ev->number(x->ctx, s, len) : 1;
}

static int
ev_string(void *c, const unsigned char *s, size_t len)
{
	struct ev_ctx *x = c;

	return x->ev->string ? x->ev->string(x->ctx, (const char *)s, len) : 1;
}

static int
ev_start_map(void *c)
{
	struct ev_ctx *x = c;

	return x->ev->start_map ? x->ev->start_map(x->ctx) : 1;
}

static int
ev_map_key(void *c, const unsigned char *k, size_t len)
{
	struct ev_ctx *x = c;

	return x->ev->map_key ? x->ev->map_key(x->ctx, (const char *)k, len) : 1;
}

static int
ev_end_map(void *c)
{
	struct ev_ctx *x = c;

	return x->ev->end_map ? x->ev->end_map(x->ctx) : 1;
}

static int
ev_start_array(void *c)
{
	struct ev_ctx *x = c;

	return x->ev->start_array ? x->ev->start_array(x->ctx) : 1;
}

static int
ev_end_array(void *c)
{
	struct ev_ctx *x = c;

	return x->ev->end_array ? x->ev->end_array(x->ctx) : 1;
}

static const yajl_callbacks ev_callbacks = {
	ev_null, ev_boolean, NULL, NULL, ev_number, ev_string,
	ev_start_map, ev_map_key, ev_end_map, ev_start_array, ev_end_array
};

int
json_events(const char *buf, size_t len, const struct json_events *ev, void *ctx)
{
	struct ev_ctx x = { ev, ctx };
	yajl_handle h;
	yajl_status st;

	if (len == 0)
		return JSON_EPARSE;
	if ((h = yajl_alloc(&ev_callbacks, NULL, &x)) == NULL)
		return JSON_ENOMEM;
	if (!ev->check_utf8)
		yajl_config(h, yajl_dont_validate_strings, 1);
	st = yajl_parse(h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	if (st == yajl_status_client_canceled)
		return JSON_ESTOPPED;
	return st == yajl_status_ok ? JSON_OK : JSON_EPARSE;
}
