/*
 * http: calls to the providers' HTTP APIs with libcurl multi, in one thread,
 * over one connection pool per client (DESIGN §6).
 *
 * A client runs up to max_in_flight transfers at once, starts them at least
 * min_interval_ms apart, and retries what is transient on its own:
 *   - connection errors, timeouts, a body cut off: backoff with jitter,
 *     up to max_retries;
 *   - 408, 500, 502, 503, 504: the same;
 *   - 429: waits Retry-After when the answer gives it (capped at
 *     retry_after_max_ms), else backoff_429_ms; up to max_retries_429.
 * Any other status is final at once: the caller decides what a 401 or a 400
 * means for its provider. TLS verification is always on; ca_file adds a CA.
 *
 * A body larger than max_body ends the transfer with an error (not retried).
 * Request headers may hold API keys: they are never copied into an error
 * message, and curl's verbose mode is never turned on.
 *
 * Ownership: http_submit() copies the request, so the caller's buffers may go
 * at once; the response handed to a callback is lent for the callback's
 * duration (copy what you keep). http_do() returns a response the caller
 * frees with http_response_free().
 */
#ifndef DE_HTTP_H
#define DE_HTTP_H

#include <stddef.h>

enum {
	HTTP_OK = 0,
	HTTP_ENOMEM = -1,
	HTTP_ECURL = -2      /* libcurl could not be set up */
};

struct http_opts {
	long connect_timeout_ms;  /* default 10000 */
	long timeout_ms;          /* whole transfer; default 30000 */
	size_t max_body;          /* default 8 MiB */
	int max_in_flight;        /* default 1 */
	long min_interval_ms;     /* between starts; default 0 */
	int max_retries;          /* transient failures; default 2 */
	int max_retries_429;      /* default 1 */
	long backoff_429_ms;      /* 429 without Retry-After; default 60000 */
	long backoff_base_ms;     /* first backoff, doubled each retry; default 1000 */
	long backoff_max_ms;      /* default 30000 */
	long retry_after_max_ms;  /* longest Retry-After honored; default 300000 */
	const char *ca_file;      /* extra CA bundle, or NULL */
};

/* Fills o with the defaults above. */
void http_opts_default(struct http_opts *o);

struct http_request {
	const char *method;            /* "GET" or "POST" */
	const char *url;
	const char *const *headers;    /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;              /* POST body, or NULL */
	size_t body_len;
};

typedef struct http_response {
	long status;          /* HTTP status; 0 when no answer came (see error) */
	char *body;           /* NUL-terminated; "" when none */
	size_t body_len;
	char error[256];      /* why there is no usable answer: "timeout", "connection refused", ... */
	int attempts;         /* 1 + retries made */
	int transient;        /* the last failure was transient (retries ran out) */
	struct http_header *headers;   /* of the last attempt; use http_header() */
	size_t nheaders;
} http_response_t;

/* A header of the response, by case-insensitive name (the last one sent), or NULL. */
const char *http_header(const http_response_t *r, const char *name);
void http_response_free(http_response_t *r);

typedef struct http_client http_client_t;

/* Creates a client; NULL when memory or libcurl fails. o may be NULL (defaults). */
http_client_t *http_client_new(const struct http_opts *o);
void http_client_free(http_client_t *c);

/*
 * Called once per submitted request, with its final response (after retries).
 * user is what was given to http_submit().
 */
typedef void (*http_done_fn)(http_response_t *resp, void *user);

/* Queues a request. Returns HTTP_OK or HTTP_ENOMEM. */
int http_submit(http_client_t *c, const struct http_request *req, http_done_fn done, void *user);

/*
 * Runs until every queued request is done, calling the callbacks as each
 * completes. Callbacks may submit more requests. Returns HTTP_OK, HTTP_ENOMEM
 * or HTTP_ECURL.
 */
int http_run(http_client_t *c);

/*
 * Runs the queued requests until at least one has finished (its callback
 * called), timeout_ms has passed, or nothing is left: so that a caller can
 * hand out what came back while other requests are under way. Returns as
 * http_run().
 */
int http_run_some(http_client_t *c, long timeout_ms);

/* Requests submitted and not finished yet (under way, waiting to start or to retry). */
int http_in_flight(const http_client_t *c);

/* One request, start to end: *out gets the response (free it). */
int http_do(http_client_t *c, const struct http_request *req, http_response_t **out);

/*
 * Holds back new starts for ms milliseconds from now (a provider's rate-limit
 * headers say the limit is near). Transfers under way go on.
 */
void http_pause(http_client_t *c, long ms);

/* Requests started so far (retries included) and the most ever in flight at once. */
long http_started(const http_client_t *c);
int http_max_seen_in_flight(const http_client_t *c);

#endif
