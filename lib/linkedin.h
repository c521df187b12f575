/*
 * linkedin: what linkedin-enrich knows about the "Fresh LinkedIn Profile
 * Data" API on RapidAPI (CONTRACTS §4.1): the profile URL as a key, the
 * request, the answer read robustly (and the §4.2 shape, which has no
 * envelope), RapidAPI's errors as statuses, the subset of a profile kept and
 * cached, and the fields a contact gets (DESIGN §10) behind the identity
 * gate: a profile is data about the contact only when its current or a past
 * company is the deal's account.
 *
 * Nothing here does I/O: lib/lirun.c sends, caches and counts.
 *
 * Robustness: every scalar may be a string, a number, null or "" (Fresh sends
 * "" for an unknown month); experiences may be missing, out of order or
 * hold non-objects.
 *
 * Ownership follows lib/json.h: json_t * results are the caller's to free.
 */
#ifndef DE_LINKEDIN_H
#define DE_LINKEDIN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "json.h"
#include "jobtitle.h"

#define LINKEDIN_PROVIDER "linkedin"
#define LINKEDIN_HOST "fresh-linkedin-profile-data.p.rapidapi.com"
#define LINKEDIN_BASE_DEFAULT "https://" LINKEDIN_HOST
/* The person endpoint, and its name before 2025, which some plans still answer. */
#define LINKEDIN_PATH "/enrich-lead"
#define LINKEDIN_PATH_OLD "/get-linkedin-profile"
#define LINKEDIN_URL_MAX 320

/*
 * A profile URL as a key: "https://www.linkedin.com/in/<id>/" with the public
 * id lowercased, from any of "linkedin.com/in/Dana-Lopez", "http://uk.linkedin
 * .com/in/dana-lopez/en?trk=x", "www.linkedin.com/in/dana-lopez". Returns 0,
 * or -1 (out "") when url is not a person's profile or does not fit.
 */
int linkedin_profile_url(const char *url, char *out, size_t n);

/*
 * Appends to out the request URL: base + path + "?linkedin_url=" + the
 * profile, percent-encoded, + "&include_skills=false". Returns 0 or -1.
 */
int linkedin_request_url(const char *base, const char *path, const char *profile, buf_t *out);

/* What an answer means. */
enum linkedin_answer {
	LINKEDIN_FOUND = 0,     /* *profile set */
	LINKEDIN_NOT_FOUND,     /* 404 "Profile not found", or data empty: cached like a find */
	LINKEDIN_RATE_LIMITED,  /* 429 "Too many requests" after the retries: try later */
	LINKEDIN_QUOTA,         /* 429 with RapidAPI's monthly-quota text: the plan is used up */
	LINKEDIN_CREDITS,       /* 402: the API's credits are used up */
	LINKEDIN_REFUSED,       /* 401/403: not subscribed, or the key is wrong */
	LINKEDIN_NO_ENDPOINT,   /* 404 "Endpoint '...' does not exist": try the other path */
	LINKEDIN_UNAVAILABLE,   /* no answer, 5xx, 408: after the retries */
	LINKEDIN_BAD_ANSWER,    /* 200 that is not a profile */
	LINKEDIN_BAD_REQUEST,   /* another 4xx */
	LINKEDIN_NOMEM
};

/*
 * Reads an answer. status 0 means none came (transport is why, may be NULL).
 * For FOUND, *profile gets the subset (linkedin_profile_subset()). why gets a
 * message for the other answers, quoting the provider's own, never a header.
 */
enum linkedin_answer linkedin_read(long status, const char *body, size_t len,
    const char *transport, json_t **profile, char *why, size_t whylen);

/*
 * The subset kept, from the §4.1 "data" object or a §4.2 answer:
 * {"headline","title","company","company_domain","company_linkedin_url",
 * "start_month","start_year","location","linkedin_url","experiences":[{"title",
 * "company","start_year","start_month","end_year","end_month","current"}]},
 * numbers as numbers, unknowns (and "") null. NULL when d is not an object,
 * has neither a name nor an experience, or memory runs out.
 */
json_t *linkedin_profile_subset(const json_t *d);

/*
 * Cache values: lib/cache.h's cache_answer_value() with the profile under
 * "profile": {"status":"enriched","profile":{...}} or {"status":"not_found"};
 * returns as cache_answer_value() and cache_answer_read().
 */
json_t *linkedin_cache_value(const json_t *profile);
int linkedin_cache_read(const json_t *v, const json_t **profile);

/* Which of a profile's employers is the deal's account. */
enum linkedin_identity {
	LINKEDIN_ID_NONE = 0,     /* neither: someone else (mismatch) */
	LINKEDIN_ID_CURRENT,      /* the current company */
	LINKEDIN_ID_PAST          /* a past company only: the person moved */
};
/*
 * The account is an employer when company_same (company.h) says so: domain
 * first, then the normalized name ("Wonka" is "Wonka Industries, Inc.",
 * "Acme Bank" is not "Acme Corp"), the rule apollo-enrich's job_changed uses.
 * *by (may be NULL) gets what decided the accepting match (COMPANY_BY_DOMAIN
 * or COMPANY_BY_NAME), COMPANY_BY_NONE with LINKEDIN_ID_NONE.
 */
enum linkedin_identity linkedin_identity(const json_t *profile, const json_t *account, int *by);

/*
 * Which contacts linkedin-enrich asks for: by default those Apollo gave no
 * data for (apollo.status other than "enriched", or no apollo at all);
 * MOVES adds those Apollo marked job_changed; ALL takes every contact.
 */
enum linkedin_select { LINKEDIN_SEL_MISSED = 0, LINKEDIN_SEL_MOVES, LINKEDIN_SEL_ALL };
int linkedin_wanted(const json_t *contact, enum linkedin_select sel);

/*
 * The contact's profile URL: its own "linkedin_url" (the CRM's), else
 * apollo.person.linkedin_url, normalized into out. Returns 0, or -1 when it
 * has none that is a profile.
 */
int linkedin_contact_url(const json_t *contact, char *out, size_t n);

/*
 * Sets what linkedin-enrich owns on a contact of rec:
 *   "linkedin": {"status","cached","fetched_at","identity","identity_by"
 *   ("domain" or "name": what matched the account),"headline","title",
 *   "company","company_domain","start_month","start_year","location",
 *   "past_companies","job_changed"} for "enriched"; {"status","cached",
 *   "fetched_at","reason"} for "mismatch" (nothing of the profile: it is
 *   someone else); {"status","reason"} otherwise (cached -1 leaves it out);
 * and, for "enriched", where Apollo left them empty (null or absent; or
 * filled by LinkedIn alone before, see field_sources): "seniority_verified",
 * "department_verified" (from the title of the role at the account, else the
 * current one; jt), "tenure_months" (in the role at the account on the deal's
 * close date), "job_changed" (+ "new_employer" when true). Each field it
 * fills is named in the contact's "field_sources" object with ["linkedin"];
 * a job_changed Apollo set and LinkedIn agrees with gets ["apollo","linkedin"].
 * A value Apollo set is never changed. status "enriched" with a profile
 * whose identity is NONE is written as "mismatch". Returns 0 or -1 (memory).
 */
int linkedin_apply(json_t *contact, const json_t *rec, const jobtitle_t *jt, const char *status,
    const json_t *profile, int cached, time_t fetched_at, const char *reason, time_t now);

#endif
