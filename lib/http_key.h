/*
 * http_key: a provider's request that carries its API key in a header
 * (Serper's X-API-KEY, RapidAPI's X-RapidAPI-Key), built and queued on a
 * lib/http.h client in one place, so that each engine does not write the key
 * into a buffer of its own and remember to wipe it.
 *
 * Ownership: the caller's strings are borrowed for the call only
 * (http_submit copies the request); the copy of the key made here is wiped
 * before it is freed. The key never goes into an error message.
 */
#ifndef DE_HTTP_KEY_H
#define DE_HTTP_KEY_H

#include <stddef.h>
#include "http.h"

/* The longest "Name: key" header line. */
#define HTTP_KEY_HEADER_MAX 4096

struct http_key_request {
	const char *method;        /* "GET" or "POST" */
	const char *url;
	const char *key_header;    /* the header's name, "X-API-KEY" */
	const char *key;           /* the API key */
	const char *header;        /* one more "Name: value" line ("Content-Type: ..."), or NULL */
	const char *body;          /* POST body, or NULL */
	size_t body_len;
};

/*
 * Queues the request on c, as http_submit() does (done is called with its
 * final response). Returns HTTP_OK, or HTTP_ENOMEM (memory, or a header
 * longer than HTTP_KEY_HEADER_MAX): nothing was queued.
 */
int http_key_submit(http_client_t *c, const struct http_key_request *kr, http_done_fn done,
    void *user);

#endif
