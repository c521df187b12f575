#include "roles.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "domain.h"
#include "names.h"

/* ======================================================================
 * The tables: every piece of knowledge about roles, in one place.
 * Labels and patterns are written folded (names_fold: lowercase ASCII, accents
 * removed, words one blank apart), so "Directeur Général" is "directeur general".
 * ====================================================================== */

static const char *const role_names[ROLES_N] = {
	"decision_maker", "economic_buyer", "champion", "technical_evaluator",
	"influencer", "end_user", "blocker"
};

static const struct {
	const char *name;
	double confidence;
	const char *text;    /* the confidence as written in the output */
} sources[ROLES_NSRC] = {
	{ "crm_contact_role", 0.95, "0.95" },
	{ "crm_deal_field", 0.85, "0.85" },
	{ "apollo_seniority", 0.75, "0.75" },
	{ "cross_deal_pattern", 0.70, "0.7" },
	{ "llm", 0.60, "0.6" },
	{ "title_inference", 0.50, "0.5" },
};

#define DM ROLES_DECISION_MAKER
#define EB ROLES_ECONOMIC_BUYER
#define CH ROLES_CHAMPION
#define TE ROLES_TECHNICAL_EVALUATOR
#define IN ROLES_INFLUENCER
#define EU ROLES_END_USER
#define BL ROLES_BLOCKER
#define NO ROLES_NONE

/*
 * CRM contact-role labels: HubSpot deal-contact association labels and
 * Salesforce Opportunity Contact Roles. Compared folded, and also with the
 * blanks taken out ("DecisionMaker", "DECISION_MAKER"). A label not here is
 * left in crm_role as the CRM wrote it and gives no role.
 */
const struct roles_label roles_crm_labels[] = {
	/* Salesforce's standard Opportunity Contact Roles */
	{ "business user", EU },
	{ "decision maker", DM },
	{ "economic buyer", EB },
	{ "economic decision maker", EB },
	{ "evaluator", TE },
	{ "executive sponsor", DM },
	{ "influencer", IN },
	{ "technical buyer", TE },
	{ "other", NO },
	/* common HubSpot association labels and methodology (MEDDIC, Challenger) names */
	{ "final decision maker", DM },
	{ "primary decision maker", DM },
	{ "executive decision maker", DM },
	{ "approver", DM },
	{ "final approver", DM },
	{ "signer", DM },
	{ "signatory", DM },
	{ "contract signer", DM },
	{ "budget holder", EB },
	{ "budget owner", EB },
	{ "financial buyer", EB },
	{ "financial decision maker", EB },
	{ "champion", CH },
	{ "internal champion", CH },
	{ "coach", CH },
	{ "sponsor", CH },
	{ "advocate", CH },
	{ "mobilizer", CH },
	{ "technical evaluator", TE },
	{ "technical decision maker", TE },
	{ "technical contact", TE },
	{ "technical influencer", TE },
	{ "influencer recommender", IN },
	{ "recommender", IN },
	{ "stakeholder", IN },
	{ "key stakeholder", IN },
	{ "end user", EU },
	{ "user", EU },
	{ "primary user", EU },
	{ "power user", EU },
	{ "blocker", BL },
	{ "detractor", BL },
	{ "gatekeeper", BL },
	{ "opponent", BL },
	{ "none", NO },
	{ "unknown", NO },
	{ "contact", NO },
	{ "primary", NO },
	{ "primary contact", NO },
	{ NULL, NO }
};

/*
 * Deal fields that name a contact, found in the record's "custom_fields" and at
 * its top level. A field name is lowercased, a Salesforce "__c" dropped, folded
 * with '_' between words, then one prefix and one suffix below are taken off:
 * "MEDDIC_Champion_Name__c" is "champion".
 */
const struct roles_label roles_deal_fields[] = {
	{ "champion", CH },
	{ "internal_champion", CH },
	{ "coach", CH },
	{ "economic_buyer", EB },
	{ "budget_holder", EB },
	{ "budget_owner", EB },
	{ "decision_maker", DM },
	{ "final_decision_maker", DM },
	{ "executive_sponsor", DM },
	{ "signer", DM },
	{ "technical_evaluator", TE },
	{ "technical_buyer", TE },
	{ "technical_decision_maker", TE },
	{ "influencer", IN },
	{ "end_user", EU },
	{ "business_user", EU },
	{ "blocker", BL },
	{ "detractor", BL },
	{ NULL, NO }
};
const char *const roles_deal_field_prefixes[] = {
	"meddic_", "meddpicc_", "meddicc_", "deal_", "opportunity_", "opp_", "primary_", "main_",
	"key_", NULL
};
const char *const roles_deal_field_suffixes[] = {
	"_full_name", "_names", "_name", "_contacts", "_contact", "_email", "_person", NULL
};

/* Apollo seniorities (apollo.person.seniority) that mean decision_maker. */
const char *const roles_decision_seniorities[] = { "owner", "founder", "c_suite", NULL };

/*
 * Title words replaced before the rules run (after single letters in a row
 * were joined: "V.P." is "vp", "R&D" is "rd"). The left side may be several
 * words; the right side is what the rules see.
 */
const char *const roles_title_words[][2] = {
	{ "vice president", "vp" }, { "vice presidente", "vp" }, { "vice presidenta", "vp" },
	{ "vice president e", "vp" }, { "vicepresident", "vp" }, { "vicepresidente", "vp" },
	{ "vicepresidenta", "vp" }, { "vizeprasident", "vp" }, { "vizepraesident", "vp" },
	{ "vizeprasidentin", "vp" }, { "vice presidents", "vp" },
	{ "svp", "senior vp" }, { "evp", "executive vp" }, { "avp", "assistant vp" },
	{ "sr", "senior" }, { "snr", "senior" }, { "jr", "junior" },
	{ "dir", "director" }, { "mgr", "manager" }, { "mngr", "manager" },
	{ "gm", "general manager" }, { "md", "managing director" },
	{ "eng", "engineering" }, { "engr", "engineer" }, { "dev", "developer" },
	{ "ops", "operations" }, { "exec", "executive" }, { "pres", "president" },
	{ "fin", "finance" }, { "tech", "technology" }, { "mktg", "marketing" },
	{ "co founder", "founder" }, { "cofounder", "founder" }, { "co owner", "owner" },
	{ "head of", "head" }, { "fp a", "fpa" }, { "r d", "rd" },
	{ NULL, NULL }
};

/* Word lists used in the patterns as @name: one word each, alternatives joined by '|'. */
const char *const roles_title_macros[][2] = {
	/* a leader of a function, manager level excluded */
	{ "@senior", "director|directors|directeur|directrice|direktor*|directora|diretor|diretora|"
	    "direttore|direttrice|head|hoofd|vp|chief|leiter*|*leiter|*leiterin|leitung|responsable|"
	    "responsabile|jefe|jefa|gerente|chef|*chef|*direktor|*direktorin|*vorstand" },
	/* a leader, manager level included */
	{ "@lead", "director|directors|directeur|directrice|direktor*|directora|diretor|diretora|"
	    "direttore|direttrice|head|hoofd|vp|chief|leiter*|*leiter|*leiterin|leitung|responsable|"
	    "responsabile|jefe|jefa|gerente|chef|manager|managers|lead|leader|teamleider|*leider|"
	    "supervisor" },
	/* finance, in the six languages */
	{ "@finance", "financ*|finanz*|fpa|fiscal|treasury|tresorerie|tesoreria|tesouraria|"
	    "accounting|contabilidad|contabilidade|contabilita|comptabilite|rechnungswesen|"
	    "buchhaltung" },
	/* engineering, IT, data, security */
	{ "@tech", "technolog*|technical|technique|techniques|technisch*|technik|tecnolog*|tecnic*|"
	    "it|ti|ict|informati*|system|systems|systeme|systemes|sistemas|sistemi|data|datos|dados|"
	    "dati|daten|gegevens|engineering|ingenieria|ingegneria|engenharia|software|"
	    "infrastructure|infraestructura|infraestrutura|infrastruttura|infrastructuur|platform|"
	    "platforms|cloud|devops|security|securite|seguridad|seguranca|sicurezza|sicherheit|"
	    "beveiliging|cyber*|network|networks|rd|entwicklung*|architecture" },
	{ NULL, NULL }
};

/*
 * Title rules, first match wins. A pattern is terms joined by " & ", every one
 * of which must occur in the title, in any order ("Director, Finance" and
 * "Finance Director" are one title). A term is phrases joined by '|', any of
 * which will do; a phrase is words that must follow each other; a word is
 * alternatives joined by '/', where '*' at the end matches any ending and '*'
 * at the start any beginning (two terms may match one German compound word:
 * "Finanzleiter" is finanz* and *leiter), and @name is a word list above.
 * '=' before a pattern: the whole title must be one of its phrases. A rule
 * with no role (ROLES_NONE) ends the search: the title stays unresolved.
 */
const struct roles_title_rule roles_title_rules[] = {
	/* not buyers: trainees, students, people who left or assist someone */
	{ NO, "intern|interns|internship|student|studentin|werkstudent*|praktikant*|trainee|"
	      "apprentice|auszubildende*|azubi|stagiaire|stagiair|stagista|tirocinante|becario|"
	      "becaria|estagiario|estagiaria|pasante|practicante|alternant|alternante|aprendiz|"
	      "volunteer|retired|former|ex|unemployed|looking for|seeking|open to work",
	      "Marketing Intern" },
	{ NO, "assistant/assistante/assistente/assistentin to/of/de/der/du/des/di/van",
	      "Assistant to the CEO" },
	/* compound titles that look like others */
	{ EB, "kaufmannisch*/kaufmaennisch* & geschaftsfuhr*/geschaeftsfuehr*",
	      "Kaufmännischer Geschäftsführer" },
	{ TE, "technisch*|technical & geschaftsfuhr*|geschaeftsfuehr*|managing director",
	      "Technischer Geschäftsführer" },
	{ IN, "product/process/service owner/owners", "Product Owner" },
	{ TE, "data/system/application/technical owner/owners", "Data Owner" },
	{ IN, "chief of staff", "Chief of Staff" },
	{ IN, "assistant vp", "Assistant Vice President" },
	/* who runs the company */
	{ DM, "ceo|coo|owner|owners|founder|founders|president|presidente|presidenta|chairman|"
	      "chairwoman|chairperson|chair|pdg|dg|gerant|gerante|fondateur|fondatrice|"
	      "cofondateur|cofondatrice|proprietaire|fundador|fundadora|cofundador|cofundadora|"
	      "dueno|duena|propietario|propietaria|proprietario|proprietaria|dono|titolare|"
	      "fondatore|cofondatore|eigenaar|oprichter|medeoprichter|bedrijfsleider|inhaber*|"
	      "grunder*|gruender*|mitgrunder*|mitgruender*|geschaftsfuhr*|geschaeftsfuehr*|"
	      "vorstand*", "Founder & CEO" },
	{ DM, "general manager|managing director|managing partner|founding partner|senior partner|"
	      "executive director|chief executive|directeur/directrice general/generale|"
	      "director/directora general|director/directora ejecutivo/ejecutiva|gerente general|"
	      "consejero/consejera delegado/delegada|diretor/diretora geral|"
	      "diretor/diretora executivo/executiva|amministratore delegato/unico|"
	      "direttore generale|algemeen directeur/directrice|socio director/gerente",
	      "Managing Director" },
	{ DM, "=director|directeur|directrice|direktor|direktorin|directora|diretor|diretora|"
	      "direttore|partner", "Directeur" },
	/* finance leaders hold the budget */
	{ EB, "cfo|daf|raf|treasurer|tesorero|tesorera|tesoureiro|tesoureira|tesoriere|"
	      "penningmeester|tresorier|tresoriere|kammerer|kaemmerer|controller|comptroller|"
	      "contralor|controleur|controleuse|controllerin|controllore|controlling",
	      "Financial Controller" },
	{ EB, "@finance & @senior", "Director, Finance" },
	/* engineering, IT and data leaders, architects and engineers evaluate */
	{ TE, "cto|cio|ciso|cdo|cdio|cito|dsi|rssi", "CTO" },
	{ TE, "@tech & @lead", "VP of Engineering" },
	{ TE, "architect|architects|architekt*|arquitecto|arquitecta|arquiteto|arquiteta|"
	      "architetto|architecte", "Solutions Architect" },
	{ TE, "engineer|engineers|*ingenieur*|ingeniero|ingeniera|ingegnere|engenheiro|engenheira|"
	      "developer|developers|*entwickler*|desarrollador*|developpeur*|desenvolvedor*|"
	      "sviluppatore|sviluppatrice|ontwikkelaar*|programmer|programador*|programmeur*|"
	      "programmierer*|programmatore|devops|sre|scientist|scientists|sysadmin|sysadmins",
	      "Software Engineer" },
	{ TE, "@tech & administrator|administrators|admin", "Systems Administrator" },
	/* the rest of the C-suite and vice presidents decide for their function */
	{ DM, "chief & officer", "Chief Marketing Officer" },
	{ DM, "cmo|cro|chro|cco|cpo|cso|cxo|cao|clo|cbo|cgo|cmio|cno", "CMO" },
	{ DM, "vp", "SVP Sales" },
	/* managers, heads and directors influence */
	{ IN, "@lead", "Head of Sales" },
	{ IN, "superintendent|principal|prokurist*|consultant|consultants|advisor|adviser|"
	      "berater*|consultor|consultora|conseiller|conseillere|consulente|adviseur|"
	      "coordenador|coordenadora|buyer|buyers|purchaser|einkaufer*|einkaeufer*|acheteur|"
	      "acheteuse|comprador|compradora", "Principal Consultant" },
	/* individual contributors use what is bought */
	{ EU, "executive/personal/administrative/office assistant/assistants",
	      "Executive Assistant" },
	{ EU, "account executive", "Account Executive" },
	{ EU, "analyst|analysts|analist|analiste|analyste|analista|specialist|specialists|"
	      "specialiste|specialista|especialista|spezialist*|coordinator|coordinador|"
	      "coordinadora|coordinatrice|coordinatore|associate|representative|rep|accountant|"
	      "comptable|contador|contadora|contabil*|buchhalter*|boekhouder|clerk|agent|operator|"
	      "operador|operadora|administrator|admin|sachbearbeiter*|mitarbeiter*|referent*|"
	      "kaufmann|kauffrau|technician|techniker*|technicien|technicienne|recruiter|designer|"
	      "planner|officer|employee|staff", "Data Analyst" },
	{ NO, NULL, NULL }
};

#undef DM
#undef EB
#undef CH
#undef TE
#undef IN
#undef EU
#undef BL
#undef NO
/* ======================================================================
 * Names of roles and sources
 * ====================================================================== */

const char *
roles_name(int role)
{
	return role >= 0 && role < ROLES_N ? role_names[role] : NULL;
}

int
roles_from_name(const char *s)
{
	int i;

	if (s == NULL)
		return ROLES_NONE;
	for (i = 0; i < ROLES_N; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return ROLES_NONE;
}

const char *
roles_source_name(int src)
{
	return src >= 0 && src < ROLES_NSRC ? sources[src].name : NULL;
}

double
roles_source_confidence(int src)
{
	return src >= 0 && src < ROLES_NSRC ? sources[src].confidence : 0;
}

/* ======================================================================
 * Compiled title rules
 * ====================================================================== */

#define T_MAX_WORDS 32
#define T_MAX_WORD 48

enum { ALT_PREFIX = 1, ALT_SUFFIX = 2 };

struct alt {
	char *s;
	size_t len;
	int flags;
};
struct word {
	struct alt *alts;
	size_t nalts;
};
struct phrase {
	struct word *words;
	size_t nwords;
};
struct term {
	struct phrase *phrases;
	size_t nphrases;
};
struct rule {
	int role;
	int whole;
	struct term *terms;
	size_t nterms;
};

struct twords {
	char w[T_MAX_WORDS][T_MAX_WORD];
	size_t len[T_MAX_WORDS];
	size_t n;
};

struct title_slot {
	char *title;
	int role, rule;
};

struct user_label {
	char *label;    /* folded */
	int role;
};

/* A small direct-mapped memo of names already looked up (labels, field names). */
#define MEMO_SLOTS 4096
struct memo_slot {
	char *name;
	int value;
};

struct unknown_label {
	char *label;
	unsigned long count;
};

#define UNKNOWN_MAX 64

/* The in-stream memory: contacts by workspace, account and email. */
struct mem_role {
	char *deal_id;
	int role;
	double conf;
	char close[16];
};
struct mem_ent {
	char *key;
	struct mem_role r[2];
	int nr;
	struct mem_ent *hnext, *prev, *next;
};

struct roles {
	struct rule *rules;
	size_t nrules;
	struct title_slot *tcache;
	size_t tcache_n;
	struct user_label *labels, *fields;
	size_t nlabels, nfields;
	struct memo_slot label_memo[MEMO_SLOTS], field_memo[MEMO_SLOTS];
	struct unknown_label unknown[UNKNOWN_MAX];
	size_t nunknown;
	db_t *db;
	size_t cap;
	struct mem_ent **buckets;
	size_t nbuckets, nmem;
	struct mem_ent *head, *tail;   /* most recently used first */
	struct roles_stats stats;
};

static char *
xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static const char *
macro_text(const char *name, size_t n)
{
	size_t i;

	for (i = 0; roles_title_macros[i][0]; i++)
		if (strlen(roles_title_macros[i][0]) == n && memcmp(roles_title_macros[i][0], name, n) == 0)
			return roles_title_macros[i][1];
	return NULL;
}

static int
add_alt(struct word *w, const char *s, size_t n)
{
	struct alt *a;
	int flags = 0;

	if (n && s[n - 1] == '*') {
		flags |= ALT_PREFIX;
		n--;
	}
	if (n && s[0] == '*') {
		flags |= ALT_SUFFIX;
		s++;
		n--;
	}
	if (n == 0)
		return -1;
	if ((a = realloc(w->alts, (w->nalts + 1) * sizeof *a)) == NULL)
		return -1;
	w->alts = a;
	a = &w->alts[w->nalts];
	if ((a->s = xstrndup(s, n)) == NULL)
		return -1;
	a->len = n;
	a->flags = flags;
	w->nalts++;
	return 0;
}

/* Adds the alternatives of s[0..n), separated by sep ('/' in a pattern, '|' in a macro). */
static int
add_alts(struct word *w, const char *s, size_t n, char sep, int depth)
{
	const char *e, *end = s + n, *m;

	while (s < end) {
		e = memchr(s, sep, (size_t)(end - s));
		if (e == NULL)
			e = end;
		if (s < e && *s == '@') {
			if (depth > 0 || (m = macro_text(s, (size_t)(e - s))) == NULL)
				return -1;
			if (add_alts(w, m, strlen(m), '|', depth + 1) != 0)
				return -1;
		} else if (add_alt(w, s, (size_t)(e - s)) != 0)
			return -1;
		s = e + (e < end);
	}
	return 0;
}

static int
compile_phrase(struct phrase *p, const char *s, size_t n)
{
	const char *e, *end = s + n;
	struct word *w;

	while (s < end) {
		e = memchr(s, ' ', (size_t)(end - s));
		if (e == NULL)
			e = end;
		if (e > s) {
			if ((w = realloc(p->words, (p->nwords + 1) * sizeof *w)) == NULL)
				return -1;
			p->words = w;
			w = &p->words[p->nwords++];
			memset(w, 0, sizeof *w);
			if (add_alts(w, s, (size_t)(e - s), '/', 0) != 0)
				return -1;
		}
		s = e + (e < end);
	}
	return p->nwords ? 0 : -1;
}

static int
compile_term(struct term *t, const char *s, size_t n)
{
	const char *e, *end = s + n;
	struct phrase *p;

	while (s < end) {
		e = memchr(s, '|', (size_t)(end - s));
		if (e == NULL)
			e = end;
		if ((p = realloc(t->phrases, (t->nphrases + 1) * sizeof *p)) == NULL)
			return -1;
		t->phrases = p;
		p = &t->phrases[t->nphrases++];
		memset(p, 0, sizeof *p);
		if (compile_phrase(p, s, (size_t)(e - s)) != 0)
			return -1;
		s = e + (e < end);
	}
	return t->nphrases ? 0 : -1;
}

static int
compile_rule(struct rule *r, int role, const char *pat)
{
	const char *e;
	struct term *t;

	memset(r, 0, sizeof *r);
	r->role = role;
	if (*pat == '=') {
		r->whole = 1;
		pat++;
	}
	for (;;) {
		e = strstr(pat, " & ");
		if ((t = realloc(r->terms, (r->nterms + 1) * sizeof *t)) == NULL)
			return -1;
		r->terms = t;
		t = &r->terms[r->nterms++];
		memset(t, 0, sizeof *t);
		if (compile_term(t, pat, e ? (size_t)(e - pat) : strlen(pat)) != 0)
			return -1;
		if (e == NULL)
			break;
		pat = e + 3;
	}
	return r->whole && r->nterms != 1 ? -1 : 0;
}

static void
free_rule(struct rule *r)
{
	size_t i, j, k, l;

	for (i = 0; i < r->nterms; i++) {
		for (j = 0; j < r->terms[i].nphrases; j++) {
			struct phrase *p = &r->terms[i].phrases[j];

			for (k = 0; k < p->nwords; k++) {
				for (l = 0; l < p->words[k].nalts; l++)
					free(p->words[k].alts[l].s);
				free(p->words[k].alts);
			}
			free(p->words);
		}
		free(r->terms[i].phrases);
	}
	free(r->terms);
}

static int
alt_match(const struct alt *a, const char *w, size_t n)
{
	switch (a->flags) {
	case 0:
		return n == a->len && memcmp(w, a->s, n) == 0;
	case ALT_PREFIX:
		return n >= a->len && memcmp(w, a->s, a->len) == 0;
	case ALT_SUFFIX:
		return n >= a->len && memcmp(w + n - a->len, a->s, a->len) == 0;
	default:
		return n >= a->len && memmem(w, n, a->s, a->len) != NULL;
	}
}

static int
word_match(const struct word *wd, const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < wd->nalts; i++)
		if (alt_match(&wd->alts[i], w, n))
			return 1;
	return 0;
}

static int
phrase_at(const struct phrase *p, const struct twords *tw, size_t i)
{
	size_t j;

	if (i + p->nwords > tw->n)
		return 0;
	for (j = 0; j < p->nwords; j++)
		if (!word_match(&p->words[j], tw->w[i + j], tw->len[i + j]))
			return 0;
	return 1;
}

static int
term_found(const struct term *t, const struct twords *tw)
{
	size_t i, j;

	for (j = 0; j < t->nphrases; j++)
		for (i = 0; i < tw->n; i++)
			if (phrase_at(&t->phrases[j], tw, i))
				return 1;
	return 0;
}

static int
rule_match(const struct rule *r, const struct twords *tw)
{
	size_t i;

	if (tw->n == 0)
		return 0;
	if (r->whole) {
		for (i = 0; i < r->terms[0].nphrases; i++)
			if (r->terms[0].phrases[i].nwords == tw->n && phrase_at(&r->terms[0].phrases[i], tw, 0))
				return 1;
		return 0;
	}
	for (i = 0; i < r->nterms; i++)
		if (!term_found(&r->terms[i], tw))
			return 0;
	return 1;
}

/* ---- title words ---- */

static void
tw_push(struct twords *tw, const char *s, size_t n)
{
	if (tw->n >= T_MAX_WORDS || n == 0)
		return;
	if (n >= T_MAX_WORD)
		n = T_MAX_WORD - 1;
	memcpy(tw->w[tw->n], s, n);
	tw->w[tw->n][n] = '\0';
	tw->len[tw->n] = n;
	tw->n++;
}

static void
tw_push_words(struct twords *tw, const char *s)
{
	const char *e;

	while (*s) {
		e = strchr(s, ' ');
		if (e == NULL)
			e = s + strlen(s);
		tw_push(tw, s, (size_t)(e - s));
		s = *e ? e + 1 : e;
	}
}

/* Does the phrase key (words one blank apart) start at word i? Returns its length in words. */
static size_t
key_at(const struct twords *tw, size_t i, const char *key)
{
	size_t n = 0, len;
	const char *e;

	while (*key) {
		e = strchr(key, ' ');
		len = e ? (size_t)(e - key) : strlen(key);
		if (i + n >= tw->n || tw->len[i + n] != len || memcmp(tw->w[i + n], key, len) != 0)
			return 0;
		n++;
		key += len + (e != NULL);
	}
	return n;
}

static void
title_words(const char *title, struct twords *out)
{
	char fold[1024];
	struct twords raw, merged;
	buf_t b;
	size_t i, j, k, n;

	out->n = 0;
	buf_init(&b, sizeof fold - 1);
	names_fold(title, strlen(title), 0, &b);   /* a title too long is cut, never refused */
	raw.n = 0;
	tw_push_words(&raw, buf_ptr(&b));
	buf_free(&b);
	/* single letters in a row make one word: "v p" -> "vp", "r d" -> "rd" */
	merged.n = 0;
	for (i = 0; i < raw.n; i = j) {
		char w[T_MAX_WORD];

		for (j = i, n = 0; j < raw.n && raw.len[j] == 1 && raw.w[j][0] >= 'a' &&
		    raw.w[j][0] <= 'z' && n < T_MAX_WORD - 1; j++)
			w[n++] = raw.w[j][0];
		if (j - i >= 2)
			tw_push(&merged, w, n);
		else {
			tw_push(&merged, raw.w[i], raw.len[i]);
			j = i + 1;
		}
	}
	/* abbreviations and spellings */
	for (i = 0; i < merged.n;) {
		for (k = 0; roles_title_words[k][0]; k++)
			if ((n = key_at(&merged, i, roles_title_words[k][0])) > 0)
				break;
		if (roles_title_words[k][0]) {
			tw_push_words(out, roles_title_words[k][1]);
			i += n;
		} else {
			tw_push(out, merged.w[i], merged.len[i]);
			i++;
		}
	}
}

static int
title_lookup(const roles_t *r, const char *title, int *rule)
{
	struct twords tw;
	size_t i;

	*rule = -1;
	title_words(title, &tw);
	for (i = 0; i < r->nrules; i++)
		if (rule_match(&r->rules[i], &tw)) {
			*rule = (int)i;
			return r->rules[i].role;
		}
	return ROLES_NONE;
}

static uint64_t
fnv1a(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return h;
}

static struct memo_slot *
memo_find(struct memo_slot *memo, const char *name, int *hit)
{
	struct memo_slot *m = &memo[fnv1a(name, strlen(name)) % MEMO_SLOTS];

	*hit = m->name && strcmp(m->name, name) == 0;
	return m;
}

static void
memo_store(struct memo_slot *m, const char *name, int value)
{
	char *copy;

	if (strlen(name) > 128 || (copy = strdup(name)) == NULL)
		return;   /* not remembered: looked up again next time */
	free(m->name);
	m->name = copy;
	m->value = value;
}

static void
memo_clear(struct memo_slot *memo)
{
	size_t i;

	for (i = 0; i < MEMO_SLOTS; i++) {
		free(memo[i].name);
		memo[i].name = NULL;
	}
}

int
roles_title(roles_t *r, const char *title, int *rule)
{
	struct title_slot *slot;
	int role, rl;
	size_t n;

	if (rule)
		*rule = -1;
	if (title == NULL || *title == '\0')
		return ROLES_NONE;
	n = strlen(title);
	slot = &r->tcache[fnv1a(title, n) % r->tcache_n];
	if (slot->title && strcmp(slot->title, title) == 0) {
		if (rule)
			*rule = slot->rule;
		return slot->role;
	}
	role = title_lookup(r, title, &rl);
	if (n < 256) {
		char *copy = xstrndup(title, n);

		if (copy) {
			free(slot->title);
			slot->title = copy;
			slot->role = role;
			slot->rule = rl;
		}
	}
	if (rule)
		*rule = rl;
	return role;
}

/* ======================================================================
 * CRM labels and deal fields
 * ====================================================================== */

/* Folds s into out (words one blank apart); 0, or -1 when nothing is left. */
static int
fold_label(const char *s, char *out, size_t n)
{
	buf_t b;
	int rc;

	buf_init(&b, n - 1);
	rc = names_fold(s, strlen(s), 0, &b);
	if (rc == BUF_OK && buf_len(&b) > 0)
		memcpy(out, buf_ptr(&b), buf_len(&b) + 1);
	else
		rc = -1;
	buf_free(&b);
	return rc == BUF_OK ? 0 : -1;
}

/* a == b, blanks in either ignored */
static int
eq_compact(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ')
			a++;
		while (*b == ' ')
			b++;
		if (*a != *b)
			return 0;
		if (*a == '\0')
			return 1;
		a++;
		b++;
	}
}

static int
crm_label_lookup(const roles_t *r, const char *label)
{
	char f[256];
	size_t i;

	if (label == NULL || fold_label(label, f, sizeof f) != 0)
		return ROLES_UNKNOWN;
	for (i = 0; r && i < r->nlabels; i++)
		if (eq_compact(f, r->labels[i].label))
			return r->labels[i].role;
	for (i = 0; roles_crm_labels[i].label; i++)
		if (eq_compact(f, roles_crm_labels[i].label))
			return roles_crm_labels[i].role;
	return ROLES_UNKNOWN;
}

int
roles_crm_label(const roles_t *r, const char *label)
{
	struct memo_slot *m;
	int hit, role;

	if (r == NULL || label == NULL)
		return crm_label_lookup(r, label);
	m = memo_find(((roles_t *)r)->label_memo, label, &hit);
	if (hit)
		return m->value;
	role = crm_label_lookup(r, label);
	memo_store(m, label, role);
	return role;
}

/* "MEDDIC_Champion_Name__c" -> "champion" */
static int
norm_field(const char *field, char *out, size_t n)
{
	char f[256], tmp[256];
	size_t len, i, pl;

	len = strlen(field);
	if (len >= sizeof tmp)
		return -1;
	memcpy(tmp, field, len + 1);
	if (len > 3 && (strcmp(tmp + len - 3, "__c") == 0 || strcmp(tmp + len - 3, "__C") == 0))
		tmp[len - 3] = '\0';
	if (fold_label(tmp, f, sizeof f) != 0)
		return -1;
	for (i = 0; f[i]; i++)
		if (f[i] == ' ')
			f[i] = '_';
	len = strlen(f);
	for (i = 0; roles_deal_field_prefixes[i]; i++) {
		pl = strlen(roles_deal_field_prefixes[i]);
		if (len > pl && memcmp(f, roles_deal_field_prefixes[i], pl) == 0) {
			memmove(f, f + pl, len - pl + 1);
			len -= pl;
			break;
		}
	}
	for (i = 0; roles_deal_field_suffixes[i]; i++) {
		pl = strlen(roles_deal_field_suffixes[i]);
		if (len > pl && strcmp(f + len - pl, roles_deal_field_suffixes[i]) == 0) {
			f[len - pl] = '\0';
			len -= pl;
			break;
		}
	}
	if (len + 1 > n)
		return -1;
	memcpy(out, f, len + 1);
	return 0;
}

static int
deal_field_lookup(const roles_t *r, const char *field)
{
	char f[256];
	size_t i;

	if (field == NULL || norm_field(field, f, sizeof f) != 0)
		return ROLES_NONE;
	for (i = 0; r && i < r->nfields; i++)
		if (strcmp(f, r->fields[i].label) == 0)
			return r->fields[i].role;
	for (i = 0; roles_deal_fields[i].label; i++)
		if (strcmp(f, roles_deal_fields[i].label) == 0)
			return roles_deal_fields[i].role;
	return ROLES_NONE;
}

int
roles_deal_field(const roles_t *r, const char *field)
{
	struct memo_slot *m;
	int hit, role;

	if (r == NULL || field == NULL)
		return deal_field_lookup(r, field);
	m = memo_find(((roles_t *)r)->field_memo, field, &hit);
	if (hit)
		return m->value;
	role = deal_field_lookup(r, field);
	memo_store(m, field, role);
	return role;
}

int
roles_seniority_decides(const char *s)
{
	char f[64];
	size_t i;

	if (s == NULL || fold_label(s, f, sizeof f) != 0)
		return 0;
	for (i = 0; f[i]; i++)
		if (f[i] == ' ')
			f[i] = '_';
	for (i = 0; roles_decision_seniorities[i]; i++)
		if (strcmp(f, roles_decision_seniorities[i]) == 0)
			return 1;
	return 0;
}

static int
add_user(struct user_label **arr, size_t *n, const char *folded, int role)
{
	struct user_label *a = realloc(*arr, (*n + 1) * sizeof *a);

	if (a == NULL)
		return -1;
	*arr = a;
	if ((a[*n].label = strdup(folded)) == NULL)
		return -1;
	a[*n].role = role;
	(*n)++;
	return 0;
}

int
roles_add_crm_label(roles_t *r, const char *label, int role)
{
	char f[256];

	if (fold_label(label, f, sizeof f) != 0)
		return -1;
	memo_clear(r->label_memo);
	return add_user(&r->labels, &r->nlabels, f, role);
}

int
roles_add_deal_field(roles_t *r, const char *field, int role)
{
	char f[256];

	if (norm_field(field, f, sizeof f) != 0 || f[0] == '\0')
		return -1;
	memo_clear(r->field_memo);
	return add_user(&r->fields, &r->nfields, f, role);
}

static void
note_unknown(roles_t *r, const char *label)
{
	size_t i, n;
	const char *e;

	while (*label == ' ' || *label == '\t')
		label++;
	n = strlen(label);
	for (e = label + n; e > label && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	n = (size_t)(e - label);
	if (n == 0)
		return;
	for (i = 0; i < r->nunknown; i++)
		if (strlen(r->unknown[i].label) == n && memcmp(r->unknown[i].label, label, n) == 0) {
			r->unknown[i].count++;
			return;
		}
	if (r->nunknown < UNKNOWN_MAX && (r->unknown[r->nunknown].label = xstrndup(label, n))) {
		r->unknown[r->nunknown].count = 1;
		r->nunknown++;
	}
}

const char *
roles_unknown_label(const roles_t *r, size_t i, unsigned long *count)
{
	if (i >= r->nunknown)
		return NULL;
	if (count)
		*count = r->unknown[i].count;
	return r->unknown[i].label;
}

/* ======================================================================
 * The resolver
 * ====================================================================== */

roles_t *
roles_new(const struct roles_opts *o, char *err, size_t errlen)
{
	roles_t *r = calloc(1, sizeof *r);
	size_t i, n;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (n = 0; roles_title_rules[n].pattern; n++)
		;
	r->tcache_n = o && o->title_cache ? o->title_cache : 4096;
	r->rules = calloc(n, sizeof *r->rules);
	r->tcache = calloc(r->tcache_n, sizeof *r->tcache);
	if (r->rules == NULL || r->tcache == NULL) {
		snprintf(err, errlen, "out of memory");
		roles_free(r);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		r->nrules = i + 1;
		if (compile_rule(&r->rules[i], roles_title_rules[i].role,
		    roles_title_rules[i].pattern) != 0) {
			snprintf(err, errlen, "title rule %zu does not compile (or memory ran out): %s",
			    i + 1, roles_title_rules[i].pattern);
			roles_free(r);
			return NULL;
		}
	}
	if (o) {
		r->db = o->db;
		r->cap = o->stream_cap;
	}
	return r;
}

static void
mem_free_ent(struct mem_ent *e)
{
	int i;

	for (i = 0; i < e->nr; i++)
		free(e->r[i].deal_id);
	free(e->key);
	free(e);
}

void
roles_free(roles_t *r)
{
	size_t i;
	struct mem_ent *e, *next;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrules; i++)
		free_rule(&r->rules[i]);
	free(r->rules);
	for (i = 0; r->tcache && i < r->tcache_n; i++)
		free(r->tcache[i].title);
	free(r->tcache);
	for (i = 0; i < r->nlabels; i++)
		free(r->labels[i].label);
	free(r->labels);
	for (i = 0; i < r->nfields; i++)
		free(r->fields[i].label);
	free(r->fields);
	for (i = 0; i < r->nunknown; i++)
		free(r->unknown[i].label);
	memo_clear(r->label_memo);
	memo_clear(r->field_memo);
	for (e = r->head; e; e = next) {
		next = e->next;
		mem_free_ent(e);
	}
	free(r->buckets);
	free(r);
}

void
roles_set_db(roles_t *r, db_t *db)
{
	r->db = db;
}

const struct roles_stats *
roles_stats(const roles_t *r)
{
	return &r->stats;
}

void
roles_count_source(roles_t *r, int src)
{
	if (src >= 0 && src < ROLES_NSRC) {
		r->stats.by_source[src]++;
		r->stats.resolved++;
		if (r->stats.unresolved)
			r->stats.unresolved--;
	}
}

/* ---- the in-stream memory ---- */

static void
mem_unlink(roles_t *r, struct mem_ent *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		r->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		r->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
mem_push_front(roles_t *r, struct mem_ent *e)
{
	e->prev = NULL;
	e->next = r->head;
	if (r->head)
		r->head->prev = e;
	r->head = e;
	if (r->tail == NULL)
		r->tail = e;
}

static struct mem_ent **
mem_slot(roles_t *r, const char *key)
{
	struct mem_ent **p = &r->buckets[fnv1a(key, strlen(key)) & (r->nbuckets - 1)];

	while (*p && strcmp((*p)->key, key) != 0)
		p = &(*p)->hnext;
	return p;
}

static struct mem_ent *
mem_find(roles_t *r, const char *key)
{
	return r->buckets ? *mem_slot(r, key) : NULL;
}

/* Is (conf, close) a better memory than m? Stronger first, then the later deal. */
static int
better(double conf, const char *close, double mconf, const char *mclose)
{
	if (conf > mconf + 1e-9)
		return 1;
	if (conf < mconf - 1e-9)
		return 0;
	return strcmp(close ? close : "", mclose ? mclose : "") > 0;
}

static void
mem_remember(roles_t *r, const char *key, const char *deal_id, int role, double conf,
    const char *close)
{
	struct mem_ent *e, **slot;
	struct mem_role *m = NULL;
	int i;

	if (r->cap == 0)
		return;
	if (r->buckets == NULL) {
		size_t nb = 16;

		while (nb < r->cap && nb < ((size_t)1 << 30))
			nb <<= 1;
		if ((r->buckets = calloc(nb, sizeof *r->buckets)) == NULL)
			return;
		r->nbuckets = nb;
	}
	slot = mem_slot(r, key);
	if ((e = *slot) == NULL) {
		if (r->nmem >= r->cap && r->tail) {
			/* full: forget the contact seen longest ago */
			struct mem_ent *old = r->tail, **os = mem_slot(r, old->key);

			*os = old->hnext;
			mem_unlink(r, old);
			mem_free_ent(old);
			r->nmem--;
			slot = mem_slot(r, key);
		}
		if ((e = calloc(1, sizeof *e)) == NULL || (e->key = strdup(key)) == NULL) {
			free(e);
			return;
		}
		*slot = e;
		r->nmem++;
	} else
		mem_unlink(r, e);
	mem_push_front(r, e);
	for (i = 0; i < e->nr; i++)
		if (strcmp(e->r[i].deal_id, deal_id) == 0) {
			m = &e->r[i];   /* the same deal again: its newer record wins */
			break;
		}
	if (m == NULL && e->nr < 2)
		m = &e->r[e->nr];
	if (m == NULL) {
		/* two other deals known: replace the weaker if this one is better */
		m = better(e->r[0].conf, e->r[0].close, e->r[1].conf, e->r[1].close) ? &e->r[1] : &e->r[0];
		if (!better(conf, close, m->conf, m->close))
			return;
	}
	if (m == &e->r[e->nr]) {
		if ((m->deal_id = strdup(deal_id)) == NULL)
			return;
		e->nr++;
	} else if (strcmp(m->deal_id, deal_id) != 0) {
		char *d = strdup(deal_id);

		if (d == NULL)
			return;
		free(m->deal_id);
		m->deal_id = d;
	}
	m->role = role;
	m->conf = conf;
	snprintf(m->close, sizeof m->close, "%s", close ? close : "");
}

/* ---- cross-deal evidence ---- */

struct xd {
	int role;
	double conf;
	char close[16];
	const char *deal_id;
	size_t plen;
};

/* A remembered role counts when it is one of the seven and at least as strong as cross-deal. */
static int
xd_usable(int role, double conf)
{
	return role >= 0 && role < ROLES_N &&
	    conf >= sources[ROLES_SRC_CROSS_DEAL].confidence - 1e-9;
}

static void
xd_offer(struct xd *x, int role, double conf, const char *close)
{
	if (!xd_usable(role, conf))
		return;
	if (x->role < 0 || better(conf, close, x->conf, x->close)) {
		x->role = role;
		x->conf = conf;
		snprintf(x->close, sizeof x->close, "%s", close ? close : "");
	}
}

static int
xd_scan(const char *key, size_t klen, const char *val, size_t vlen, void *ctx)
{
	struct xd *x = ctx;
	json_t *v;
	double conf;
	char err[64];

	/* the key ends in the deal id: skip the current deal itself */
	if (klen - x->plen == strlen(x->deal_id) &&
	    memcmp(key + x->plen, x->deal_id, klen - x->plen) == 0)
		return 0;
	if (json_parse(val, vlen, 8, &v, NULL, err, sizeof err) != JSON_OK)
		return 0;
	if (json_num_double(json_get(v, "role_confidence"), &conf) == 0)
		xd_offer(x, roles_from_name(json_str(json_get(v, "buying_role"))), conf,
		    json_str(json_get(v, "close_date")));
	json_free(v);
	return 0;
}

/* ======================================================================
 * Setting roles on contacts
 * ====================================================================== */

/* The role already on a contact, as a candidate: 1 and its strength, or 0. */
static int
input_role(const json_t *c, double *conf)
{
	const json_t *br = json_get(c, "buying_role");

	if (json_str(br) == NULL || json_strlen(br) == 0)
		return 0;
	if (json_num_double(json_get(c, "role_confidence"), conf) != 0)
		*conf = 1.0;   /* set by hand: no rule beats it */
	return 1;
}

static int
set_role(json_t *c, int role, int src)
{
	if (json_set_str(c, "buying_role", roles_name(role)) != JSON_OK ||
	    json_set(c, "role_confidence", json_new_num_text(sources[src].text)) != JSON_OK ||
	    json_set_str(c, "role_source", sources[src].name) != JSON_OK)
		return -1;
	return 0;
}

static int
set_nulls(json_t *c)
{
	const char *keys[] = { "buying_role", "role_confidence", "role_source" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (json_get(c, keys[i]) == NULL && json_set_null(c, keys[i]) != JSON_OK)
			return -1;
	return 0;
}

int
roles_apply(json_t *c, int role, int src)
{
	double have;

	if (role < 0 || role >= ROLES_N || src < 0 || src >= ROLES_NSRC)
		return 0;
	if (input_role(c, &have) && have > sources[src].confidence + 1e-9)
		return 0;
	return set_role(c, role, src) == 0 ? 1 : -1;
}

int
roles_summary(json_t *rec)
{
	unsigned long counts[ROLES_N] = { 0 };
	json_t *contacts = json_get(rec, "contacts"), *sum, *extra = NULL;
	size_t i, n = json_len(contacts);
	int role;

	if ((sum = json_new_object()) == NULL)
		return -1;
	for (i = 0; json_is(contacts, JSON_ARRAY) && i < n; i++) {
		const char *name = json_str(json_get(json_at(contacts, i), "buying_role"));

		if (name == NULL || *name == '\0')
			continue;
		if ((role = roles_from_name(name)) >= 0)
			counts[role]++;
		else {
			/* a role someone set by hand that is none of the seven: counted as written */
			int64_t k = 0;

			if (extra == NULL && (extra = json_new_object()) == NULL)
				goto fail;
			json_num_int(json_get(extra, name), &k);
			if (json_set_int(extra, name, k + 1) != JSON_OK)
				goto fail;
		}
	}
	for (i = 0; i < ROLES_N; i++) {
		static const char *const small[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

		if ((counts[i] < 10 ? json_set(sum, role_names[i], json_new_num_text(small[counts[i]])) :
		    json_set_int(sum, role_names[i], (int64_t)counts[i])) != JSON_OK)
			goto fail;
	}
	for (i = 0; extra && i < json_len(extra); i++)
		if (json_set(sum, json_key_at(extra, i), json_clone(json_val_at(extra, i))) != JSON_OK)
			goto fail;
	json_free(extra);
	return json_set(rec, "roles_summary", sum) == JSON_OK ? 0 : -1;
fail:
	json_free(extra);
	json_free(sum);
	return -1;
}

/* ---- deal fields naming contacts ---- */

static void
contact_name(const json_t *c, struct names_name *out)
{
	const json_t *p = json_path(c, "apollo.person");
	const char *first = json_str(json_get(c, "first_name"));
	const char *last = json_str(json_get(c, "last_name"));
	const char *full = json_str(json_get(c, "name"));

	if (full == NULL)
		full = json_str(json_get(c, "full_name"));
	if ((first == NULL || !*first) && (last == NULL || !*last) && (full == NULL || !*full)) {
		first = json_str(json_get(p, "first_name"));
		last = json_str(json_get(p, "last_name"));
		full = json_str(json_get(p, "name"));
	}
	names_contact(first, last, full, json_str(json_get(c, "email")), out);
}

struct field_ctx {
	roles_t *r;
	json_t *contacts;
	size_t n;
	struct names_name *names;   /* built on first use */
	int *field_role;            /* per contact, ROLES_NONE when no field names it */
	int failed;
};

static void
field_name(struct field_ctx *fc, int role, const char *s, size_t len)
{
	char one[512];
	long idx;
	size_t i;

	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (len == 0 || len >= sizeof one)
		return;
	memcpy(one, s, len);
	one[len] = '\0';
	if (fc->names == NULL) {
		if ((fc->names = calloc(fc->n ? fc->n : 1, sizeof *fc->names)) == NULL) {
			fc->failed = 1;
			return;
		}
		for (i = 0; i < fc->n; i++)
			contact_name(json_at(fc->contacts, i), &fc->names[i]);
	}
	fc->r->stats.field_names++;
	idx = names_pick(one, fc->names, fc->n, NULL);
	if (idx < 0) {
		fc->r->stats.field_unmatched++;
		return;
	}
	if (fc->field_role[idx] == ROLES_NONE)
		fc->field_role[idx] = role;   /* the first field naming a contact wins */
}

static void
field_value(struct field_ctx *fc, int role, const json_t *v)
{
	const char *s, *e;
	size_t i;

	if (json_is(v, JSON_ARRAY)) {
		for (i = 0; i < json_len(v); i++)
			if (json_is(json_at(v, i), JSON_STRING))
				field_value(fc, role, json_at(v, i));
		return;
	}
	if ((s = json_str(v)) == NULL)
		return;
	/* several names: "Pat Ng; Sam Lee" */
	for (;;) {
		e = s + strcspn(s, ";|\n");
		field_name(fc, role, s, (size_t)(e - s));
		if (*e == '\0')
			break;
		s = e + 1;
	}
}

static void
scan_fields(struct field_ctx *fc, const json_t *obj)
{
	size_t i;
	int role;

	for (i = 0; json_is(obj, JSON_OBJECT) && i < json_len(obj); i++) {
		const char *k = json_key_at(obj, i);

		if (strcmp(k, "contacts") == 0 || strcmp(k, "account") == 0 ||
		    strcmp(k, "custom_fields") == 0)
			continue;
		if ((role = roles_deal_field(fc->r, k)) >= 0)
			field_value(fc, role, json_val_at(obj, i));
	}
}

/* ---- one record ---- */

static int
str_is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static const char *
contact_title(const json_t *c, int apollo)
{
	const char *t = apollo ? json_str(json_path(c, "apollo.person.title")) :
	    json_str(json_get(c, "title"));

	return t && *t ? t : NULL;
}

/* The CRM role: a role, or ROLES_NONE; unknown labels are noted. */
static int
crm_role(roles_t *r, const json_t *c)
{
	const json_t *v = json_get(c, "crm_role");
	const char *s, *e;
	char one[256];
	size_t i, n, len;
	int role;

	n = json_is(v, JSON_ARRAY) ? json_len(v) : 1;
	for (i = 0; i < n; i++) {
		s = json_str(json_is(v, JSON_ARRAY) ? json_at(v, i) : v);
		while (s && *s) {
			/* several labels: "Decision Maker;Champion" */
			e = s + strcspn(s, ";|,");
			len = (size_t)(e - s);
			if (len < sizeof one) {
				memcpy(one, s, len);
				one[len] = '\0';
				role = roles_crm_label(r, one);
				if (role >= 0)
					return role;
				if (role == ROLES_UNKNOWN)
					note_unknown(r, one);
			}
			s = *e ? e + 1 : e;
		}
	}
	return ROLES_NONE;
}

static int
cross_deal(roles_t *r, const char *ws, const char *akey, const char *email,
    const char *deal_id, int *dberr, char *err, size_t errlen)
{
	struct xd x = { ROLES_NONE, 0, "", deal_id, 0 };
	struct mem_ent *e;
	buf_t key;
	int i, rc;

	buf_init(&key, 4096);
	if (db_key(&key, ws, "role", akey, email, (char *)NULL) != DB_OK)
		goto out;
	if ((e = mem_find(r, buf_ptr(&key))) != NULL)
		for (i = 0; i < e->nr; i++)
			if (strcmp(e->r[i].deal_id, deal_id) != 0) {
				int before = x.role;

				xd_offer(&x, e->r[i].role, e->r[i].conf, e->r[i].close);
				if (x.role != before)
					r->stats.stream_hits++;
			}
	if (r->db && buf_addc(&key, DB_KEY_SEP) == BUF_OK) {
		struct xd y = { ROLES_NONE, 0, "", deal_id, buf_len(&key) };

		rc = db_scan(r->db, DB_INDEX, buf_ptr(&key), buf_len(&key), xd_scan, &y, err, errlen);
		if (rc < 0)
			*dberr = rc;
		else if (y.role >= 0) {
			r->stats.store_hits++;
			xd_offer(&x, y.role, y.conf, y.close);
		}
	}
out:
	buf_free(&key);
	return x.role;
}

int
roles_resolve(roles_t *r, json_t *rec, const char *workspace, char *err, size_t errlen)
{
	json_t *contacts = json_get(rec, "contacts"), *c;
	struct field_ctx fc = { r, contacts, 0, NULL, NULL, 0 };
	const char *ws = workspace, *deal_id, *close;
	char email[DOMAIN_EMAIL_MAX], idbuf[64];
	buf_t akey, mkey;
	size_t i;
	int role, src, have_acct, dberr = DB_OK, rc = DB_OK;
	double have;

	r->stats.records++;
	if (ws == NULL)
		ws = json_str(json_get(rec, "workspace_id"));
	if (ws == NULL)
		ws = "";
	deal_id = json_str(json_get(rec, "deal_id"));
	if (deal_id == NULL && json_num_text(json_get(rec, "deal_id"))) {
		snprintf(idbuf, sizeof idbuf, "%s", json_num_text(json_get(rec, "deal_id")));
		deal_id = idbuf;
	}
	if (deal_id == NULL)
		deal_id = "";
	close = json_str(json_get(rec, "close_date"));
	buf_init(&akey, 4096);
	buf_init(&mkey, 8192);
	have_acct = account_key(rec, &akey) == 0;
	if (json_is(contacts, JSON_ARRAY)) {
		fc.n = json_len(contacts);
		if (fc.n && (fc.field_role = malloc(fc.n * sizeof *fc.field_role)) == NULL) {
			rc = DB_ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		for (i = 0; i < fc.n; i++)
			fc.field_role[i] = ROLES_NONE;
		scan_fields(&fc, json_get(rec, "custom_fields"));
		scan_fields(&fc, rec);
		if (fc.failed) {
			rc = DB_ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	for (i = 0; i < fc.n; i++) {
		c = json_at(contacts, i);
		if (!json_is(c, JSON_OBJECT))
			continue;
		r->stats.contacts++;
		if (domain_email_normalize(json_str(json_get(c, "email")), email, sizeof email) != 0)
			email[0] = '\0';
		role = ROLES_NONE;
		src = -1;
		/* strongest first: the first layer that speaks decides */
		if ((role = crm_role(r, c)) >= 0)
			src = ROLES_SRC_CRM_CONTACT_ROLE;
		else if ((role = fc.field_role[i]) >= 0)
			src = ROLES_SRC_CRM_DEAL_FIELD;
		else if (roles_seniority_decides(json_str(json_path(c, "apollo.person.seniority")))) {
			role = ROLES_DECISION_MAKER;
			src = ROLES_SRC_APOLLO_SENIORITY;
		} else if (have_acct && email[0] &&
		    (role = cross_deal(r, ws, buf_ptr(&akey), email, deal_id, &dberr, err,
		    errlen)) >= 0)
			src = ROLES_SRC_CROSS_DEAL;
		else {
			int rule = -1;

			role = ROLES_NONE;
			if (contact_title(c, 0))
				role = roles_title(r, contact_title(c, 0), &rule);
			if (rule < 0 && contact_title(c, 1))
				role = roles_title(r, contact_title(c, 1), &rule);
			if (role >= 0)
				src = ROLES_SRC_TITLE;
		}
		if (input_role(c, &have) && (src < 0 || have > sources[src].confidence + 1e-9)) {
			r->stats.kept_input++;
			r->stats.resolved++;
			if (set_nulls(c) != 0)
				goto nomem;
		} else if (src >= 0) {
			if (set_role(c, role, src) != 0)
				goto nomem;
			r->stats.by_source[src]++;
			r->stats.resolved++;
		} else {
			r->stats.unresolved++;
			if (json_set_null(c, "buying_role") != JSON_OK ||
			    json_set_null(c, "role_confidence") != JSON_OK ||
			    json_set_null(c, "role_source") != JSON_OK)
				goto nomem;
		}
		/*
		 * Remember what this contact was on this deal, for the later deals of
		 * the stream; as in the store, a role inferred from another deal is
		 * never evidence itself.
		 */
		if (have_acct && email[0] && r->cap && input_role(c, &have) &&
		    !str_is(json_str(json_get(c, "role_source")), sources[ROLES_SRC_CROSS_DEAL].name)) {
			int fin = roles_from_name(json_str(json_get(c, "buying_role")));

			if (xd_usable(fin, have) &&
			    db_key(&mkey, ws, "role", buf_ptr(&akey), email, (char *)NULL) == DB_OK)
				mem_remember(r, buf_ptr(&mkey), deal_id, fin, have, close);
		}
	}
	if (roles_summary(rec) != 0)
		goto nomem;
	rc = dberr;
	goto out;
nomem:
	rc = DB_ENOMEM;
	snprintf(err, errlen, "out of memory");
out:
	free(fc.names);
	free(fc.field_role);
	buf_free(&akey);
	buf_free(&mkey);
	return rc;
}

/* ======================================================================
 * The optional LLM layer: questions, cache keys, answers
 * ====================================================================== */

const char roles_llm_system_prompt[] =
    "You place contacts of a closed B2B deal in buying roles. For each contact in the "
    "user's json, choose one of: decision_maker, economic_buyer, champion, "
    "technical_evaluator, influencer, end_user, blocker; or null when its job title, "
    "seniority, departments and CRM label do not tell. Use only the facts given. Answer "
    "with json only, one entry for every id: "
    "{\"contacts\":[{\"id\":\"0\",\"role\":\"influencer\"},{\"id\":\"1\",\"role\":null}]}";

struct llm_facts {
	const char *title, *apollo_title, *seniority, *label;
	const json_t *departments;
};

static int
llm_facts(const json_t *c, struct llm_facts *f)
{
	const char *label = json_str(json_get(c, "crm_role"));

	f->title = contact_title(c, 0);
	f->apollo_title = contact_title(c, 1);
	if (f->apollo_title && f->title && strcmp(f->apollo_title, f->title) == 0)
		f->apollo_title = NULL;
	f->seniority = json_str(json_path(c, "apollo.person.seniority"));
	if (f->seniority && !*f->seniority)
		f->seniority = NULL;
	f->departments = json_path(c, "apollo.person.departments");
	if (!json_is(f->departments, JSON_ARRAY) || json_len(f->departments) == 0)
		f->departments = NULL;
	f->label = label && *label && roles_crm_label(NULL, label) == ROLES_UNKNOWN ? label : NULL;
	return f->title || f->apollo_title || f->seniority || f->departments || f->label;
}

int
roles_llm_wanted(roles_t *r, const json_t *c)
{
	struct llm_facts f;
	double have;
	int rule;

	if (!json_is(c, JSON_OBJECT) || input_role(c, &have) || !llm_facts(c, &f))
		return 0;
	/* a title a rule keeps unresolved on purpose (Intern, Student) is not asked about */
	if (f.title && roles_title(r, f.title, &rule) == ROLES_NONE && rule >= 0)
		return 0;
	if (!f.title && f.apollo_title && roles_title(r, f.apollo_title, &rule) == ROLES_NONE &&
	    rule >= 0)
		return 0;
	return 1;
}

json_t *
roles_llm_facts(const json_t *c)
{
	struct llm_facts f;
	json_t *o = json_new_object();

	if (o == NULL)
		return NULL;
	llm_facts(c, &f);
	if ((f.title && json_set_str(o, "title", f.title) != JSON_OK) ||
	    (f.apollo_title && json_set_str(o, "current_title", f.apollo_title) != JSON_OK) ||
	    (f.seniority && json_set_str(o, "seniority", f.seniority) != JSON_OK) ||
	    (f.departments && json_set(o, "departments", json_clone(f.departments)) != JSON_OK) ||
	    (f.label && json_set_str(o, "crm_label", f.label) != JSON_OK)) {
		json_free(o);
		return NULL;
	}
	return o;
}

int
roles_llm_request(json_t *const *facts, size_t n, buf_t *out)
{
	json_t *root, *arr, *o;
	char id[32];
	size_t i, j;
	int rc = BUF_ENOMEM;

	if ((root = json_new_object()) == NULL)
		return BUF_ENOMEM;
	if ((arr = json_new_array()) == NULL || json_set(root, "contacts", arr) != JSON_OK)
		goto out;
	for (i = 0; i < n; i++) {
		if ((o = json_new_object()) == NULL || json_push(arr, o) != JSON_OK)
			goto out;
		snprintf(id, sizeof id, "%zu", i);
		if (json_set_str(o, "id", id) != JSON_OK)
			goto out;
		for (j = 0; j < json_len(facts[i]); j++)
			if (json_set(o, json_key_at(facts[i], j), json_clone(json_val_at(facts[i], j))) !=
			    JSON_OK)
				goto out;
	}
	rc = json_dump(root, out) == JSON_OK ? BUF_OK : BUF_ENOMEM;
out:
	json_free(root);
	return rc;
}

int
roles_llm_read(const json_t *answer, size_t n, int *roles)
{
	const json_t *arr;
	size_t i;
	int answered = 0;

	for (i = 0; i < n; i++)
		roles[i] = ROLES_UNKNOWN;
	arr = json_is(answer, JSON_ARRAY) ? answer : json_get(answer, "contacts");
	if (!json_is(arr, JSON_ARRAY))
		return -1;
	for (i = 0; i < json_len(arr); i++) {
		const json_t *o = json_at(arr, i);
		int64_t id;

		if (json_num_int(json_get(o, "id"), &id) != 0 || id < 0 || (uint64_t)id >= n)
			continue;
		if (roles[id] == ROLES_UNKNOWN)
			answered++;
		/* null, or a name that is none of the seven: the model placed nobody */
		roles[id] = roles_from_name(json_str(json_get(o, "role")));
	}
	return answered;
}
