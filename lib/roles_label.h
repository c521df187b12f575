/*
 * roles_label: the role a CRM contact-role label or a deal field name says
 * (roles_crm_labels, roles_deal_fields of roles_tables.h, behind the
 * user's own), and the Apollo seniorities that decide.
 *
 * A label is compared folded (names_fold) and also with its blanks taken
 * out ("DecisionMaker", "DECISION_MAKER"). A deal field name loses a
 * Salesforce "__c", is folded with '_' between words, then loses one prefix
 * and one suffix of the tables ("MEDDIC_Champion_Name__c" is "champion").
 * Answers are remembered in bounded memos (lib/memo.h).
 *
 * Ownership: roles_labels_new() returns a set freed with roles_labels_free();
 * it copies what it is given. Nothing here prints or exits.
 */
#ifndef DE_ROLES_LABEL_H
#define DE_ROLES_LABEL_H

#include <stddef.h>
#include "roles_tables.h"

/* How many distinct unknown labels are kept for the report. */
#define ROLES_UNKNOWN_MAX 64

typedef struct roles_labels roles_labels_t;

roles_labels_t *roles_labels_new(void);   /* NULL on ENOMEM */
void roles_labels_free(roles_labels_t *l);

/* Adds a label (as the CRM writes it) or a deal field name ahead of the
 * tables. Returns 0, or -1 when memory runs out or it folds to nothing. */
int roles_labels_add_crm(roles_labels_t *l, const char *label, int role);
int roles_labels_add_field(roles_labels_t *l, const char *field, int role);

/* The role of a CRM label: a role, ROLES_NONE for a label that means none
 * ("Other"), ROLES_UNKNOWN for one no table knows. l NULL: the tables only. */
int roles_labels_crm(const roles_labels_t *l, const char *label);
/* The role of a deal field name, or ROLES_NONE. l NULL: the tables only. */
int roles_labels_field(const roles_labels_t *l, const char *field);

/* Counts a label no table knows (trimmed; the first ROLES_UNKNOWN_MAX kept). */
void roles_labels_note_unknown(roles_labels_t *l, const char *label);
/* The i-th of them as written (NULL past the end) and its count. */
const char *roles_labels_unknown(const roles_labels_t *l, size_t i, unsigned long *count);

/* 1 when an Apollo seniority means decision_maker. */
int roles_seniority_decides(const char *seniority);

#endif
