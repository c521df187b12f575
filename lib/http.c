#include "http.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"

struct http_header {
	char *name;
	char *value;
};

struct xfer {
	struct xfer *next;            /* in the client's queue while waiting */
	struct xfer *rnext, *rprev;   /* in the client's running list */
	http_client_t *client;
	char *method, *url, *body;
	size_t body_len;
	struct curl_slist *headers;
	http_done_fn done;
	void *user;
	CURL *easy;
	long long due_ms;             /* not started before this (backoff) */
	int attempts, retries, retries_429;
	buf_t resp;
	int too_big;
	struct http_header *hdrs;
	size_t nhdrs;
	char errbuf[CURL_ERROR_SIZE];
};

struct http_client {
	struct http_opts o;
	CURLM *multi;
	struct xfer *queue, *queue_tail;
	struct xfer *run;             /* transfers under way */
	int running;
	long long last_start_ms, pause_until_ms;
	long started, finished;
	int max_seen;
	unsigned seed;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
http_opts_default(struct http_opts *o)
{
	memset(o, 0, sizeof *o);
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 30000;
	o->max_body = (size_t)8 << 20;
	o->max_in_flight = 1;
	o->min_interval_ms = 0;
	o->max_retries = 2;
	o->max_retries_429 = 1;
	o->backoff_429_ms = 60000;
	o->backoff_base_ms = 1000;
	o->backoff_max_ms = 30000;
	o->retry_after_max_ms = 300000;
}

http_client_t *
http_client_new(const struct http_opts *o)
{
	static int curl_ready;
	http_client_t *c;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curl_ready = 1;
	}
	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	if (o)
		c->o = *o;
	else
		http_opts_default(&c->o);
	if (c->o.max_in_flight < 1)
		c->o.max_in_flight = 1;
	if ((c->multi = curl_multi_init()) == NULL) {
		free(c);
		return NULL;
	}
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->o.max_in_flight + 2);
	c->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)c;
	return c;
}

static void
hdrs_free(struct xfer *x)
{
	size_t i;

	for (i = 0; i < x->nhdrs; i++) {
		free(x->hdrs[i].name);
		free(x->hdrs[i].value);
	}
	free(x->hdrs);
	x->hdrs = NULL;
	x->nhdrs = 0;
}

static void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy) {
		curl_multi_remove_handle(x->client->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	free(x->method);
	free(x->url);
	if (x->body)
		memset(x->body, 0, x->body_len);
	free(x->body);
	curl_slist_free_all(x->headers);
	buf_free(&x->resp);
	hdrs_free(x);
	free(x);
}

void
http_client_free(http_client_t *c)
{
	struct xfer *x, *next;

	if (c == NULL)
		return;
	for (x = c->queue; x; x = next) {
		next = x->next;
		xfer_free(x);
	}
	/* Transfers still under way (a caller that stopped early): free them too. */
	for (x = c->run; x; x = next) {
		next = x->rnext;
		xfer_free(x);
	}
	curl_multi_cleanup(c->multi);
	free(c);
}

const char *
http_header(const http_response_t *r, const char *name)
{
	size_t i;

	for (i = r->nheaders; i > 0; i--)
		if (strcasecmp(r->headers[i - 1].name, name) == 0)
			return r->headers[i - 1].value;
	return NULL;
}

void
http_response_free(http_response_t *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->body);
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r);
}

static size_t
on_body(char *p, size_t size, size_t n, void *vx)
{
	struct xfer *x = vx;
	size_t len = size * n;
	int rc = buf_add(&x->resp, p, len);

	if (rc == BUF_ETOOBIG)
		x->too_big = 1;
	return rc == BUF_OK ? len : 0;
}

static size_t
on_header(char *p, size_t size, size_t n, void *vx)
{
	struct xfer *x = vx;
	size_t len = size * n, nl, vl;
	struct http_header *h;
	const char *colon, *v;

	/* A new status line starts a new set (a 100 Continue came before). */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		hdrs_free(x);
		return len;
	}
	if ((colon = memchr(p, ':', len)) == NULL)
		return len;
	nl = (size_t)(colon - p);
	v = colon + 1;
	vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (x->nhdrs >= 200)
		return len;   /* a cap: nobody needs more */
	if ((h = realloc(x->hdrs, (x->nhdrs + 1) * sizeof *h)) == NULL)
		return 0;
	x->hdrs = h;
	h[x->nhdrs].name = strndup(p, nl);
	h[x->nhdrs].value = strndup(v, vl);
	if (!h[x->nhdrs].name || !h[x->nhdrs].value) {
		free(h[x->nhdrs].name);
		free(h[x->nhdrs].value);
		return 0;
	}
	x->nhdrs++;
	return len;
}

int
http_submit(http_client_t *c, const struct http_request *req, http_done_fn done, void *user)
{
	struct xfer *x = calloc(1, sizeof *x);
	struct curl_slist *l;
	const char *const *h;

	if (x == NULL)
		return HTTP_ENOMEM;
	x->client = c;
	x->done = done;
	x->user = user;
	buf_init(&x->resp, c->o.max_body);
	x->method = strdup(req->method ? req->method : "GET");
	x->url = strdup(req->url);
	if (!x->method || !x->url)
		goto nomem;
	if (req->body) {
		if ((x->body = malloc(req->body_len + 1)) == NULL)
			goto nomem;
		memcpy(x->body, req->body, req->body_len);
		x->body_len = req->body_len;
	}
	for (h = req->headers; h && *h; h++) {
		if ((l = curl_slist_append(x->headers, *h)) == NULL)
			goto nomem;
		x->headers = l;
	}
	/* No "Expect: 100-continue" round trip on large POST bodies. */
	if ((l = curl_slist_append(x->headers, "Expect:")) == NULL)
		goto nomem;
	x->headers = l;
	if (c->queue_tail)
		c->queue_tail->next = x;
	else
		c->queue = x;
	c->queue_tail = x;
	return HTTP_OK;
nomem:
	xfer_free(x);
	return HTTP_ENOMEM;
}

static int
xfer_start(http_client_t *c, struct xfer *x)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return HTTP_ECURL;
	x->easy = e;
	x->too_big = 0;
	x->errbuf[0] = '\0';
	buf_reset(&x->resp);
	hdrs_free(x);
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "deal-enrich/" DE_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->o.ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->o.ca_file);
	if (strcmp(x->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body ? x->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
	} else if (strcmp(x->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		x->easy = NULL;
		return HTTP_ECURL;
	}
	x->attempts++;
	x->rprev = NULL;
	x->rnext = c->run;
	if (c->run)
		c->run->rprev = x;
	c->run = x;
	c->running++;
	c->started++;
	if (c->running > c->max_seen)
		c->max_seen = c->running;
	c->last_start_ms = now_ms();
	return HTTP_OK;
}

static int
transient_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		return 1;
	default:
		return 0;
	}
}

static int
transient_status(long s)
{
	return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

/* Retry-After: delta seconds or an HTTP date; -1 when absent or unreadable. */
static long
retry_after_ms(struct xfer *x)
{
	http_response_t r = { 0 };
	const char *v;
	char *end;
	long s;
	time_t t;

	r.headers = x->hdrs;
	r.nheaders = x->nhdrs;
	if ((v = http_header(&r, "Retry-After")) == NULL)
		return -1;
	s = strtol(v, &end, 10);
	if (end != v && *end == '\0')
		return s < 0 ? 0 : s * 1000;
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	return t > time(NULL) ? (long)(t - time(NULL)) * 1000 : 0;
}

static long
backoff_ms(http_client_t *c, int retry)
{
	long d = c->o.backoff_base_ms;
	int i;

	for (i = 1; i < retry && d < c->o.backoff_max_ms; i++)
		d *= 2;
	if (d > c->o.backoff_max_ms)
		d = c->o.backoff_max_ms;
	/* Jitter, so that parallel pipelines do not retry in step. */
	if (d > 1)
		d += (long)(rand_r(&c->seed) % (unsigned)(d / 2 + 1));
	return d;
}

static void
queue_front(http_client_t *c, struct xfer *x)
{
	x->next = c->queue;
	c->queue = x;
	if (c->queue_tail == NULL)
		c->queue_tail = x;
}

/* An attempt ended: retry it later, or hand the final answer to the caller. */
static int
xfer_finish(http_client_t *c, struct xfer *x, CURLcode cc)
{
	http_response_t *r;
	long status = 0, wait = -1;
	int transient;

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(c->multi, x->easy);
	curl_easy_cleanup(x->easy);
	x->easy = NULL;
	if (x->rprev)
		x->rprev->rnext = x->rnext;
	else
		c->run = x->rnext;
	if (x->rnext)
		x->rnext->rprev = x->rprev;
	x->rnext = x->rprev = NULL;
	c->running--;
	if (cc != CURLE_OK)
		status = 0;
	transient = cc != CURLE_OK ? (transient_curl(cc) && !x->too_big) : transient_status(status);
	if (transient) {
		if (status == 429) {
			if (x->retries_429 < c->o.max_retries_429) {
				x->retries_429++;
				wait = retry_after_ms(x);
				if (wait < 0)
					wait = c->o.backoff_429_ms;
				if (wait > c->o.retry_after_max_ms)
					wait = c->o.retry_after_max_ms;
			}
		} else if (x->retries < c->o.max_retries) {
			x->retries++;
			wait = backoff_ms(c, x->retries);
		}
	}
	if (wait >= 0) {
		x->due_ms = now_ms() + wait;
		queue_front(c, x);
		return HTTP_OK;
	}
	if ((r = calloc(1, sizeof *r)) == NULL) {
		xfer_free(x);
		return HTTP_ENOMEM;
	}
	r->status = status;
	r->attempts = x->attempts;
	r->transient = transient;
	r->body = buf_detach(&x->resp, &r->body_len);
	r->headers = x->hdrs;
	r->nheaders = x->nhdrs;
	x->hdrs = NULL;
	x->nhdrs = 0;
	if (cc != CURLE_OK) {
		if (x->too_big)
			snprintf(r->error, sizeof r->error, "response body larger than %zu bytes",
			    c->o.max_body);
		else
			snprintf(r->error, sizeof r->error, "%s", x->errbuf[0] ? x->errbuf :
			    curl_easy_strerror(cc));
	} else if (status >= 400)
		snprintf(r->error, sizeof r->error, "HTTP %ld", status);
	if (r->body == NULL) {
		http_response_free(r);
		xfer_free(x);
		return HTTP_ENOMEM;
	}
	c->finished++;
	x->done(r, x->user);
	http_response_free(r);
	xfer_free(x);
	return HTTP_OK;
}

/* Starts what may start now; returns ms until something could start, or -1. */
static long long
start_due(http_client_t *c, int *rc)
{
	struct xfer *x, *prev;
	long long now, gate, wait = -1;

	*rc = HTTP_OK;
	for (;;) {
		if (c->queue == NULL || c->running >= c->o.max_in_flight)
			return wait;
		now = now_ms();
		gate = c->pause_until_ms;
		if (c->started && c->last_start_ms + c->o.min_interval_ms > gate)
			gate = c->last_start_ms + c->o.min_interval_ms;
		/* The first queued transfer whose backoff is over, in queue order. */
		for (prev = NULL, x = c->queue; x; prev = x, x = x->next)
			if (x->due_ms <= now)
				break;
		if (x == NULL) {
			long long soonest = -1;

			for (x = c->queue; x; x = x->next)
				if (soonest < 0 || x->due_ms < soonest)
					soonest = x->due_ms;
			if (gate > soonest)
				soonest = gate;
			return soonest - now;
		}
		if (gate > now)
			return gate - now;
		if (prev)
			prev->next = x->next;
		else
			c->queue = x->next;
		if (c->queue_tail == x)
			c->queue_tail = prev;
		x->next = NULL;
		if ((*rc = xfer_start(c, x)) != HTTP_OK) {
			xfer_free(x);
			return -1;
		}
	}
}

/*
 * The loop of http_run and http_run_some: until nothing is left, or (until_ms
 * >= 0) once a request has finished or the clock reaches until_ms.
 */
static int
run_loop(http_client_t *c, long long until_ms)
{
	CURLMsg *m;
	struct xfer *x;
	long long wait, now;
	long finished = c->finished;
	int still, left, rc, timeout;

	for (;;) {
		wait = start_due(c, &rc);
		if (rc != HTTP_OK)
			return rc;
		if (c->running == 0 && c->queue == NULL)
			return HTTP_OK;
		if (curl_multi_perform(c->multi, &still) != CURLM_OK)
			return HTTP_ECURL;
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			x = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			if ((rc = xfer_finish(c, x, m->data.result)) != HTTP_OK)
				return rc;
		}
		wait = start_due(c, &rc);
		if (rc != HTTP_OK)
			return rc;
		if (c->running == 0 && c->queue == NULL)
			return HTTP_OK;
		now = now_ms();
		if (until_ms >= 0 && (c->finished != finished || now >= until_ms))
			return HTTP_OK;
		timeout = 1000;
		if (wait >= 0 && wait < timeout)
			timeout = (int)wait;
		if (until_ms >= 0 && until_ms - now < timeout)
			timeout = (int)(until_ms - now);
		if (timeout > 0 && curl_multi_poll(c->multi, NULL, 0, timeout, NULL) != CURLM_OK)
			return HTTP_ECURL;
	}
}

int
http_run(http_client_t *c)
{
	return run_loop(c, -1);
}

int
http_run_some(http_client_t *c, long timeout_ms)
{
	return run_loop(c, now_ms() + (timeout_ms > 0 ? timeout_ms : 0));
}

int
http_in_flight(const http_client_t *c)
{
	int n = c->running;
	struct xfer *x;

	for (x = c->queue; x; x = x->next)
		n++;
	return n;
}

struct do_ctx {
	http_response_t *r;
};

static void
do_done(http_response_t *r, void *user)
{
	struct do_ctx *d = user;
	http_response_t *copy = calloc(1, sizeof *copy);

	if (copy == NULL)
		return;
	/* Take the response's memory: the caller frees the copy. */
	*copy = *r;
	r->body = NULL;
	r->headers = NULL;
	r->nheaders = 0;
	d->r = copy;
}

int
http_do(http_client_t *c, const struct http_request *req, http_response_t **out)
{
	struct do_ctx d = { NULL };
	int rc;

	*out = NULL;
	if ((rc = http_submit(c, req, do_done, &d)) != HTTP_OK)
		return rc;
	if ((rc = http_run(c)) != HTTP_OK) {
		http_response_free(d.r);
		return rc;
	}
	if (d.r == NULL)
		return HTTP_ENOMEM;
	*out = d.r;
	return HTTP_OK;
}

void
http_pause(http_client_t *c, long ms)
{
	long long until = now_ms() + ms;

	if (until > c->pause_until_ms)
		c->pause_until_ms = until;
}

long
http_started(const http_client_t *c)
{
	return c->started;
}

int
http_max_seen_in_flight(const http_client_t *c)
{
	return c->max_seen;
}
