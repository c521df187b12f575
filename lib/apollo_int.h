/*
 * apollo_int: what the two halves of lib/apollo share and nothing else
 * includes: reading Apollo's loosely typed scalars (apollo.c: the request,
 * the answer, the cache values; apollo_facts.c: the facts and the fields).
 */
#ifndef DE_APOLLO_INT_H
#define DE_APOLLO_INT_H

#include <stdint.h>
#include <strings.h>

#include "json.h"

/* A scalar as text: a string, or a number's text; NULL otherwise. */
static inline const char *
text_of(const json_t *v)
{
	const char *s = json_str(v);

	return s ? s : json_num_text(v);
}

/* A non-empty text scalar, or NULL. */
static inline const char *
nonempty(const json_t *v)
{
	const char *s = text_of(v);

	return s && *s ? s : NULL;
}

/* A number, or a string holding one, as a JSON number; null otherwise. */
static inline json_t *
num_or_null(const json_t *v)
{
	int64_t i;
	double d;

	if (json_num_int(v, &i) == 0)
		return json_new_int(i);
	if (json_num_double(v, &d) == 0)
		return json_new_double(d);
	return json_new_null();
}

/* A boolean, or "true"/"false" in a string: 1, 0, or -1. */
static inline int
bool_of(const json_t *v)
{
	const char *s;
	int b = json_bool(v);

	if (b >= 0)
		return b;
	if ((s = json_str(v)) != NULL) {
		if (strcasecmp(s, "true") == 0)
			return 1;
		if (strcasecmp(s, "false") == 0)
			return 0;
	}
	return -1;
}

#endif
