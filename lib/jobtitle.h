/*
 * jobtitle: the seniority and the department a job title states, in the
 * toolkit's words (the same as Apollo's fields give through
 * apollo_seniority_level() and apollo_department()), for a person source that
 * has a title but no seniority (LinkedIn).
 *
 * The tables are in jobtitle.c, written in the title-rule language of
 * lib/roles.h (folded words, abbreviations such as "VP", "Sr", "Dir" read as
 * role-resolve reads them); first match wins.
 *
 * Ownership: jobtitle_new() returns a matcher freed with jobtitle_free();
 * the strings returned are static.
 */
#ifndef DE_JOBTITLE_H
#define DE_JOBTITLE_H

#include <stddef.h>

typedef struct jobtitle jobtitle_t;

/* NULL when memory runs out (err says so). */
jobtitle_t *jobtitle_new(char *err, size_t errlen);
void jobtitle_free(jobtitle_t *j);

/* c_level, vp, director, manager or ic; NULL when the title says none (or is NULL). */
const char *jobtitle_seniority(const jobtitle_t *j, const char *title);

/*
 * finance, engineering_technical, information_technology, sales, marketing,
 * human_resources, legal, operations, support, product_management or c_suite
 * (Apollo's departments without "master_"); NULL when the title says none.
 */
const char *jobtitle_department(const jobtitle_t *j, const char *title);

#endif
