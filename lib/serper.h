/*
 * serper: what serper-signals sends to Serper (google.serper.dev) and how it
 * reads the answers (CONTRACTS §2): query templates, request bodies, the
 * /search and /news answers, and the error answers of §2.4.
 *
 * Nothing here talks to the network: the caller sends the request with
 * lib/http.h (POST, headers "X-API-KEY: <key>" and "Content-Type:
 * application/json") and hands the final response to serper_parse().
 *
 * Ownership: functions filling a buf_t append to the caller's buffer;
 * serper_parse() appends new values to the caller's array.
 */
#ifndef DE_SERPER_H
#define DE_SERPER_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "json.h"

#define SERPER_BASE_URL_DEFAULT "https://google.serper.dev"
/* The original service's query: the company name in quotes, then "news". */
#define SERPER_QUERY_DEFAULT "\"{company}\" news"
#define SERPER_NUM_DEFAULT 10

enum serper_endpoint {
	SERPER_SEARCH = 0,   /* POST /search: the "organic" results (and "topStories") */
	SERPER_NEWS = 1      /* POST /news: the "news" results */
};

enum {
	SERPER_OK = 0,
	SERPER_ENOMEM = -1,
	SERPER_EAUTH = -2,     /* 401/403 "Unauthorized.": the key is bad; stop calling */
	SERPER_ECREDITS = -3,  /* 400 "Not enough credits": quota_exhausted; stop calling */
	SERPER_EREQUEST = -4,  /* another 4xx: this query was refused */
	SERPER_ERATE = -5,     /* 429 once the retries ran out */
	SERPER_ESERVER = -6,   /* 5xx, timeout or connection failure once the retries ran out */
	SERPER_EPARSE = -7,    /* a 2xx whose body is not a Serper answer */
	SERPER_EBATCH = -8     /* a batch refused (another 4xx, or a 2xx of JSON that is
	                          not an array): send its queries one a request */
};

/* Most queries in one batch request (CONTRACTS §2.3: the limit commonly quoted). */
#define SERPER_BATCH_MAX 100

/* One query of a run: a template and the endpoint it goes to. */
struct serper_query {
	enum serper_endpoint endpoint;
	const char *tmpl;      /* borrowed from the argument given to serper_query_parse() */
};

/* What every request of a run carries besides q. */
struct serper_params {
	int num;               /* results wanted, 1-100 (0: SERPER_NUM_DEFAULT) */
	const char *tbs;       /* time filter such as "qdr:m", or NULL */
	const char *gl;        /* country, or NULL (Serper's default "us") */
	const char *hl;        /* language, or NULL (Serper's default "en") */
};

/*
 * Reads a --query TEMPLATE. A leading "news:" sends it to /news, "search:" (or
 * nothing) to /search. The template must name the account with {company}
 * (the account's name, else its domain) or {domain} (the domain, else the
 * name). Returns 0, or -1 with err saying why.
 */
int serper_query_parse(const char *arg, struct serper_query *out, char *err, size_t errlen);

/*
 * Reads a --recency value: h, d, w, m, y or hour, day, week, month, year, or a
 * raw tbs value ("qdr:m", "qdr:w2"); *tbs points to a static string or to arg.
 * Returns 0, or -1.
 */
int serper_recency(const char *arg, const char **tbs);

/*
 * Expands a template for one account into out (reset first): {company} and
 * {domain} as above; double quotes in the values are dropped so that a name
 * cannot break the template's own quoting. Returns 0, 1 when the account has
 * neither a name nor a domain (nothing to search), -1 when memory runs out.
 */
int serper_query_expand(const char *tmpl, const char *company, const char *domain,
    buf_t *out);

/* The request body {"q":...,"num":N[,"tbs":..][,"gl":..][,"hl":..]} into out (reset first). */
int serper_request_body(const char *q, const struct serper_params *p, buf_t *out);

/* The endpoint's URL, base + "/search" or "/news", into out. Returns 0, or -1 when too long. */
int serper_url(const char *base, enum serper_endpoint ep, char *out, size_t n);

/*
 * A stable name for a query of a run ("news|qdr:w|10|\"Globex\" news"), the
 * key under which its results are kept in an account's cache entry. Returns 0
 * or -1 (memory).
 */
int serper_query_id(enum serper_endpoint ep, const char *q, const struct serper_params *p,
    buf_t *out);

/*
 * Reads one final response (after lib/http's retries): status is the HTTP
 * status (0 when no answer came, transport_err then says why). On a 2xx Serper
 * answer, appends one object per result of "organic", "news" and "topStories"
 * to items (an array):
 *   {"title":..,"link":..,"snippet":..,"source":..,"date":"YYYY-MM-DD"|null,
 *    "date_text":"3 days ago"[,"corrected":"the query searched instead"]}
 * (date resolved from Serper's display date against fetched_at; source,
 * snippet and date_text only when given; results without a link are skipped).
 * "corrected" marks every result of an answer for a query Google corrected
 * the spelling of: one with a "spelling" member (a string, or an object
 * holding one), or whose searchParameters.q is not q, the query sent (compared
 * ignoring case and runs of blanks; q NULL: not compared). CONTRACTS §2 does
 * not show how Serper tells a correction: both are read.
 * sets *credits to the answer's "credits" (1 when absent) and returns
 * SERPER_OK. Otherwise returns a SERPER_E* code with err holding a one-line
 * reason (the service's "message" when it sent one; never a request header).
 */
int serper_parse(long status, const char *body, size_t len, const char *transport_err,
    const char *q, time_t fetched_at, json_t *items, double *credits, char *err, size_t errlen);

/*
 * The batch endpoint (CONTRACTS §2.3): an array of queries POSTed to /search
 * (serper_url(base, SERPER_SEARCH, ...)), an array of answers back in the same
 * order and length. Each query costs what it costs alone.
 *
 * serper_batch_body: the body for the n queries qs (eps: their endpoints; a
 * /news one says "type":"news"), each as serper_request_body, into out (reset
 * first). Returns 0 or -1 (memory).
 */
int serper_batch_body(const char *const *qs, const enum serper_endpoint *eps, size_t n,
    const struct serper_params *p, buf_t *out);

/*
 * Reads the final response to a batch of the n queries qs. *credits gets what
 * the answers say they cost (1 an answer that does not say), even when they
 * are not usable. Returns:
 *   SERPER_OK       *answers is the array of the n answers, in the queries'
 *                   order (free it); read each with serper_parse_item();
 *   SERPER_EBATCH   the batch was refused (a 4xx other than the key's, the
 *                   credits' or 429, or a 2xx holding JSON that is not an
 *                   array): ask the queries one at a time;
 *   SERPER_EPARSE   a 2xx that is not JSON, an array of another length, or an
 *                   answer that names another query of the batch than its own
 *                   (the order was not kept): none of the answers can be used;
 *   or serper_parse's codes for a status that holds for every query.
 * err holds a one-line reason on failure (never a request header).
 */
int serper_batch_split(long status, const char *body, size_t len, const char *transport_err,
    const char *const *qs, size_t n, json_t **answers, double *credits, char *err,
    size_t errlen);

/*
 * One answer of a batch, for the query q: as serper_parse() on a 2xx; an item
 * in the gateway's error envelope ({"message":..,"statusCode":N}) gets the
 * code that status would.
 */
int serper_parse_item(const json_t *v, const char *q, time_t fetched_at, json_t *items,
    double *credits, char *err, size_t errlen);

/* A short name for a SERPER_E* code: "bad key", "out of credits", ... */
const char *serper_strerror(int code);

#endif
