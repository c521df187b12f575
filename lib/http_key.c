#include "http_key.h"

#include <string.h>

#include "buf.h"

int
http_key_submit(http_client_t *c, const struct http_key_request *kr, http_done_fn done,
    void *user)
{
	struct http_request req;
	const char *hdrs[3];
	buf_t h;
	int rc = HTTP_ENOMEM;

	buf_init(&h, HTTP_KEY_HEADER_MAX);
	if (buf_addf(&h, "%s: %s", kr->key_header, kr->key ? kr->key : "") != BUF_OK)
		goto out;
	hdrs[0] = buf_ptr(&h);
	hdrs[1] = kr->header;
	hdrs[2] = NULL;
	memset(&req, 0, sizeof req);
	req.method = kr->method;
	req.url = kr->url;
	req.headers = hdrs;
	req.body = kr->body;
	req.body_len = kr->body_len;
	rc = http_submit(c, &req, done, user);
out:
	if (h.ptr)
		memset(h.ptr, 0, h.alloc);   /* the key does not outlive the call in our memory */
	buf_free(&h);
	return rc;
}
