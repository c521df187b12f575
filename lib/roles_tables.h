/*
 * roles_tables: what the toolkit knows about buying roles, as data in one
 * place (lib/roles_tables.c): the seven roles and the sources of evidence
 * with their confidences, the CRM contact-role labels, the deal fields that
 * name contacts, the title rules with their word lists and abbreviations,
 * and the Apollo seniorities that decide. Labels and patterns are written
 * folded (names_fold: lowercase ASCII, accents removed, words one blank
 * apart). role-resolve --print-tables prints them; man/role-resolve.1
 * documents them.
 */
#ifndef DE_ROLES_TABLES_H
#define DE_ROLES_TABLES_H

enum {
	ROLES_UNKNOWN = -2,      /* a CRM label no table knows */
	ROLES_NONE = -1,         /* no role (also: a label that says "no role", e.g. "Other") */
	ROLES_DECISION_MAKER = 0,
	ROLES_ECONOMIC_BUYER,
	ROLES_CHAMPION,
	ROLES_TECHNICAL_EVALUATOR,
	ROLES_INFLUENCER,
	ROLES_END_USER,
	ROLES_BLOCKER,
	ROLES_N
};

enum {
	ROLES_SRC_CRM_CONTACT_ROLE = 0,
	ROLES_SRC_CRM_DEAL_FIELD,
	ROLES_SRC_APOLLO_SENIORITY,
	ROLES_SRC_CROSS_DEAL,
	ROLES_SRC_LLM,
	ROLES_SRC_TITLE,
	ROLES_NSRC
};

/* "decision_maker"...; NULL out of range. */
const char *roles_name(int role);
/* The role of a name ("champion"); ROLES_NONE when it is not one of the seven. */
int roles_from_name(const char *s);
/* "crm_contact_role"...; NULL out of range. */
const char *roles_source_name(int src);
double roles_source_confidence(int src);
/* The confidence as the output writes it ("0.95", "0.7"); NULL out of range. */
const char *roles_source_text(int src);

/* ---- the tables ---- */

struct roles_label {
	const char *label;   /* folded: lowercase ASCII words, one blank apart */
	int role;            /* a role, or ROLES_NONE for a label that means no role */
};
/* CRM contact-role labels (HubSpot association labels, Salesforce contact roles). */
extern const struct roles_label roles_crm_labels[];
/* Deal field names (folded, '_' between words, after the prefixes and suffixes below). */
extern const struct roles_label roles_deal_fields[];
extern const char *const roles_deal_field_prefixes[];  /* "meddic_", ... */
extern const char *const roles_deal_field_suffixes[];  /* "_name", ... */

struct roles_title_rule {
	int role;            /* a role, or ROLES_NONE: the title stays unresolved */
	const char *pattern; /* the language is in roles_title.h */
	const char *example;
};
extern const struct roles_title_rule roles_title_rules[];
/* Word lists the patterns refer to as @name: {"@lead", "director|head|..."}. */
extern const char *const roles_title_macros[][2];
/* Abbreviations and spellings replaced before the rules: {"svp", "senior vp"}. */
extern const char *const roles_title_words[][2];
/* Apollo seniorities that mean decision_maker. */
extern const char *const roles_decision_seniorities[];

#endif
