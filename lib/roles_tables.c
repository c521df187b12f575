/* roles_tables: see roles_tables.h. */
#include "roles_tables.h"

#include <string.h>

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

const char *
roles_source_text(int src)
{
	return src >= 0 && src < ROLES_NSRC ? sources[src].text : NULL;
}

