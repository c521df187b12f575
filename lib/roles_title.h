/*
 * roles_title: the role a job title says, by the title rules of
 * roles_tables.h, compiled once, with a bounded cache of titles seen.
 *
 * The rules' language: a pattern is terms joined by " & ", every one of
 * which must occur in the title, in any order ("Director, Finance" and
 * "Finance Director" are one title). A term is phrases joined by '|', any of
 * which will do; a phrase is words that must follow each other; a word is
 * alternatives joined by '/', where '*' at the end matches any ending and
 * '*' at the start any beginning (two terms may match one German compound:
 * "Finanzleiter" is finanz* and *leiter); @name is a word list of
 * roles_title_macros. '=' before a pattern: the whole title must be one of
 * its phrases. The first rule that matches decides; a rule with no role
 * (ROLES_NONE) ends the search and leaves the title unresolved.
 *
 * A title is read folded (names_fold), single letters in a row as one word
 * ("V.P." is "vp"), abbreviations replaced (roles_title_words), at most 32
 * words of 47 bytes each.
 *
 * Ownership: roles_titles_new() returns a matcher freed with
 * roles_titles_free(). Nothing here prints or exits.
 */
#ifndef DE_ROLES_TITLE_H
#define DE_ROLES_TITLE_H

#include <stddef.h>
#include "roles_tables.h"

typedef struct roles_titles roles_titles_t;

/* Compiles the rules; cache titles are remembered (0: 4096). NULL when
 * memory runs out or a rule does not compile (err says which). */
roles_titles_t *roles_titles_new(size_t cache, char *err, size_t errlen);
void roles_titles_free(roles_titles_t *t);

/* The role of title, or ROLES_NONE; *rule (may be NULL) the index of the
 * rule that decided, or -1 when none did. */
int roles_titles_match(roles_titles_t *t, const char *title, int *rule);

/*
 * Other tables in the title-rule language (a job title's seniority, its
 * department): rules[] ends with a NULL pattern, and .role is whatever the
 * caller's table means by it (an index into its own names). The title is read
 * as for the roles: folded, abbreviations replaced (roles_title_words).
 * roles_titleset_new() returns NULL when memory runs out or a rule does not
 * compile (err says which); free with roles_titleset_free().
 */
typedef struct roles_titleset roles_titleset_t;
roles_titleset_t *roles_titleset_new(const struct roles_title_rule *rules, char *err,
    size_t errlen);
void roles_titleset_free(roles_titleset_t *s);
/* The .role of the first rule title matches, or -1 when none does (or title is NULL). */
int roles_titleset_match(const roles_titleset_t *s, const char *title);

#endif
