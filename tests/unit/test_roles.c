#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"
#include "json.h"
#include "roles.h"

#include "fixture.h"

#define DM ROLES_DECISION_MAKER
#define EB ROLES_ECONOMIC_BUYER
#define CH ROLES_CHAMPION
#define TE ROLES_TECHNICAL_EVALUATOR
#define IN ROLES_INFLUENCER
#define EU ROLES_END_USER
#define BL ROLES_BLOCKER
#define NO ROLES_NONE

/* ---- the title table ---- */

static const struct {
	const char *title;
	int role;
} titles[] = {
	/* English: who runs the company */
	{ "CEO", DM }, { "Chief Executive Officer", DM }, { "President", DM },
	{ "Co-Founder & CTO", DM }, { "Owner", DM }, { "COO", DM }, { "General Manager", DM },
	{ "GM, EMEA", DM }, { "Managing Director", DM }, { "MD", DM }, { "Director", DM },
	{ "Partner", DM }, { "Executive Director", DM }, { "Chairman of the Board", DM },
	/* English: finance leaders, abbreviations and word order */
	{ "CFO", EB }, { "Chief Financial Officer", EB }, { "VP Finance", EB },
	{ "VP, Finance", EB }, { "Vice President of Finance", EB }, { "Finance Director", EB },
	{ "Director of Finance", EB }, { "Director, Finance", EB }, { "Dir. Finance", EB },
	{ "Sr. Director, FP&A", EB }, { "SVP Finance", EB }, { "EVP & CFO", EB },
	{ "Head of Finance", EB }, { "Financial Controller", EB }, { "Treasurer", EB },
	{ "Chief Accounting Officer", EB }, { "Executive Vice President, Finance", EB },
	/* English: engineering, IT and data */
	{ "CTO", TE }, { "CIO", TE }, { "CISO", TE }, { "VP Engineering", TE },
	{ "VP of Engineering", TE }, { "SVP Engineering", TE }, { "EVP, Technology", TE },
	{ "Director of IT", TE }, { "IT Director", TE }, { "Sr. Dir. IT", TE }, { "Head of Data", TE },
	{ "Head of R&D", TE }, { "Engineering Manager", TE }, { "Solutions Architect", TE },
	{ "Senior Software Engineer", TE }, { "Data Scientist", TE }, { "DevOps Lead", TE },
	{ "Chief Data Officer", TE }, { "Systems Administrator", TE }, { "Data Owner", TE },
	/* English: other executives decide for their function */
	{ "VP Sales", DM }, { "V.P. Sales", DM }, { "SVP Marketing", DM }, { "EVP Operations", DM },
	{ "CMO", DM }, { "Chief Revenue Officer", DM }, { "Vice President", DM },
	/* English: managers and heads influence */
	{ "Head of Sales", IN }, { "Sales Manager", IN }, { "Director of Marketing", IN },
	{ "Marketing Director", IN }, { "Product Manager", IN }, { "Team Lead", IN },
	{ "Product Owner", IN }, { "Chief of Staff", IN }, { "Procurement Manager", IN },
	{ "Sr. Mgr. Operations", IN }, { "Finance Manager", IN }, { "Assistant Vice President", IN },
	{ "Internal Audit Manager", IN }, { "International Sales Director", IN },
	{ "Business Development Manager", IN }, { "Digital Marketing Manager", IN },
	{ "Head of Procurement", IN }, { "Principal Consultant", IN },
	/* English: individual contributors */
	{ "Account Executive", EU }, { "Data Analyst", EU }, { "Senior Data Analyst", EU },
	{ "Financial Analyst", EU }, { "Marketing Specialist", EU }, { "Sales Representative", EU },
	{ "Accountant", EU }, { "Executive Assistant", EU },
	/* English: stays unresolved */
	{ "Intern", NO }, { "Student", NO }, { "Marketing Intern", NO }, { "Summer Internship", NO },
	{ "PhD Student", NO }, { "Former CFO", NO }, { "Ex-CEO", NO }, { "Retired", NO },
	{ "Assistant to the CEO", NO }, { "Looking for new opportunities", NO }, { "", NO },
	{ "Volunteer", NO }, { "Friend of the family", NO },
	/* German */
	{ "Geschäftsführer", DM }, { "Geschaeftsfuehrer", DM }, { "Geschäftsführerin", DM },
	{ "Inhaber", DM }, { "Gründer", DM }, { "Vorstandsvorsitzender", DM },
	{ "Kaufmännischer Geschäftsführer", EB }, { "Technischer Geschäftsführer", TE },
	{ "Finanzvorstand", EB }, { "Leiter Finanzen", EB }, { "Finanzleiter", EB },
	{ "Finanzdirektorin", EB }, { "IT-Leiter", TE }, { "Leiter der IT", TE },
	{ "Technischer Leiter", TE }, { "Entwicklungsleiter", TE }, { "Softwareentwickler", TE },
	{ "Vertriebsleiter", IN }, { "Abteilungsleiterin Einkauf", IN }, { "Prokurist", IN },
	{ "Sachbearbeiter", EU }, { "Werkstudent Marketing", NO }, { "Praktikant", NO },
	{ "Auszubildender", NO },
	/* French */
	{ "Directeur général", DM }, { "PDG", DM }, { "Président-directeur général", DM },
	{ "Gérant", DM }, { "Fondatrice", DM }, { "Directeur", DM },
	{ "Directeur financier", EB }, { "Directrice administrative et financière", EB },
	{ "DAF", EB }, { "Responsable financier", EB },
	{ "Directeur des systèmes d'information", TE }, { "DSI", TE },
	{ "Responsable informatique", TE }, { "Ingénieur logiciel", TE },
	{ "Développeur", TE }, { "Chef de projet", IN }, { "Directeur commercial", IN },
	{ "Comptable", EU }, { "Stagiaire", NO }, { "Alternant", NO },
	/* Spanish */
	{ "Director General", DM }, { "Gerente General", DM }, { "Consejero Delegado", DM },
	{ "Fundador", DM }, { "Dueño", DM }, { "Director Financiero", EB },
	{ "Director de Finanzas", EB }, { "Gerente Financiero", EB },
	{ "Director de Tecnología", TE }, { "Gerente de TI", TE }, { "Jefe de Sistemas", TE },
	{ "Ingeniero de Software", TE }, { "Desarrollador", TE }, { "Jefe de Compras", IN },
	{ "Gerente de Ventas", IN }, { "Analista de Datos", EU }, { "Becario", NO },
	{ "Practicante", NO },
	/* Portuguese */
	{ "Diretor Geral", DM }, { "Diretor-Presidente", DM }, { "Sócio-fundador", DM },
	{ "Proprietário", DM }, { "Diretor Financeiro", EB }, { "Diretora de Finanças", EB },
	{ "Diretor de Tecnologia", TE }, { "Gerente de TI", TE }, { "Engenheiro de Software", TE },
	{ "Desenvolvedor", TE }, { "Gerente Comercial", IN }, { "Analista de Sistemas", EU },
	{ "Estagiário", NO },
	/* Italian */
	{ "Amministratore Delegato", DM }, { "Direttore Generale", DM }, { "Titolare", DM },
	{ "Fondatore", DM }, { "Direttore Finanziario", EB },
	{ "Responsabile Amministrazione e Finanza", EB }, { "Direttore Tecnico", TE },
	{ "Responsabile IT", TE }, { "Sviluppatore Software", TE }, { "Responsabile Acquisti", IN },
	{ "Stagista", NO }, { "Tirocinante", NO },
	/* Dutch */
	{ "Algemeen Directeur", DM }, { "Eigenaar", DM }, { "Oprichter", DM },
	{ "Bedrijfsleider", DM }, { "Financieel Directeur", EB }, { "Hoofd Financiën", EB },
	{ "Hoofd IT", TE }, { "Ontwikkelaar", TE }, { "Teamleider Klantenservice", IN },
	{ "Stagiair", NO },
};

static void
title_table(void **state)
{
	roles_t *r;
	char err[256], msg[512];
	size_t i, bad = 0;
	int got;

	(void)state;
	assert_true(sizeof titles / sizeof titles[0] >= 60);
	r = roles_new(NULL, err, sizeof err);
	assert_non_null(r);
	for (i = 0; i < sizeof titles / sizeof titles[0]; i++) {
		got = roles_title(r, titles[i].title, NULL);
		if (got != titles[i].role) {
			snprintf(msg, sizeof msg, "\"%s\": expected %s, got %s", titles[i].title,
			    titles[i].role >= 0 ? roles_name(titles[i].role) : "none",
			    got >= 0 ? roles_name(got) : "none");
			print_error("%s\n", msg);
			bad++;
		}
		/* the second time comes from the title cache: the same answer */
		assert_int_equal(roles_title(r, titles[i].title, NULL), got);
	}
	roles_free(r);
	assert_int_equal(bad, 0);
}

/* Every rule's example in the table (and the man page) is placed by that very rule. */
static void
rule_examples_hit_their_rule(void **state)
{
	roles_t *r;
	char err[256];
	size_t i;
	int rule, role;

	(void)state;
	r = roles_new(NULL, err, sizeof err);
	assert_non_null(r);
	for (i = 0; roles_title_rules[i].pattern; i++) {
		role = roles_title(r, roles_title_rules[i].example, &rule);
		if (rule != (int)i)
			print_error("rule %zu's example \"%s\" hit rule %d\n", i + 1,
			    roles_title_rules[i].example, rule + 1);
		assert_int_equal(rule, (int)i);
		assert_int_equal(role, roles_title_rules[i].role);
	}
	roles_free(r);
}

static void
title_cache_is_bounded(void **state)
{
	struct roles_opts o = { 0 };
	roles_t *r;
	char err[256], t[64];
	int i;

	(void)state;
	o.title_cache = 2;
	r = roles_new(&o, err, sizeof err);
	assert_non_null(r);
	for (i = 0; i < 50; i++) {
		snprintf(t, sizeof t, "%s %d", i % 2 ? "CFO" : "Sales Manager", i);
		assert_int_equal(roles_title(r, t, NULL), i % 2 ? EB : IN);
	}
	roles_free(r);
}

static void
crm_labels(void **state)
{
	(void)state;
	/* Salesforce's standard contact roles */
	assert_int_equal(roles_crm_label(NULL, "Business User"), EU);
	assert_int_equal(roles_crm_label(NULL, "Decision Maker"), DM);
	assert_int_equal(roles_crm_label(NULL, "Economic Buyer"), EB);
	assert_int_equal(roles_crm_label(NULL, "Economic Decision Maker"), EB);
	assert_int_equal(roles_crm_label(NULL, "Evaluator"), TE);
	assert_int_equal(roles_crm_label(NULL, "Executive Sponsor"), DM);
	assert_int_equal(roles_crm_label(NULL, "Influencer"), IN);
	assert_int_equal(roles_crm_label(NULL, "Technical Buyer"), TE);
	assert_int_equal(roles_crm_label(NULL, "Other"), NO);
	/* spellings */
	assert_int_equal(roles_crm_label(NULL, "DECISION_MAKER"), DM);
	assert_int_equal(roles_crm_label(NULL, "decisionmaker"), DM);
	assert_int_equal(roles_crm_label(NULL, " champion "), CH);
	assert_int_equal(roles_crm_label(NULL, "Influencer/Recommender"), IN);
	assert_int_equal(roles_crm_label(NULL, "Blocker"), BL);
	assert_int_equal(roles_crm_label(NULL, "technical_evaluator"), TE);
	/* unknown */
	assert_int_equal(roles_crm_label(NULL, "Legal Counsel"), ROLES_UNKNOWN);
	assert_int_equal(roles_crm_label(NULL, ""), ROLES_UNKNOWN);
	assert_int_equal(roles_crm_label(NULL, NULL), ROLES_UNKNOWN);
}

static void
deal_fields(void **state)
{
	roles_t *r;
	char err[256];

	(void)state;
	assert_int_equal(roles_deal_field(NULL, "champion_name"), CH);
	assert_int_equal(roles_deal_field(NULL, "Champion"), CH);
	assert_int_equal(roles_deal_field(NULL, "MEDDIC_Champion_Name__c"), CH);
	assert_int_equal(roles_deal_field(NULL, "economic_buyer"), EB);
	assert_int_equal(roles_deal_field(NULL, "Economic Buyer Contact"), EB);
	assert_int_equal(roles_deal_field(NULL, "decision_maker_name"), DM);
	assert_int_equal(roles_deal_field(NULL, "technical_evaluator_name"), TE);
	assert_int_equal(roles_deal_field(NULL, "blocker_email"), BL);
	assert_int_equal(roles_deal_field(NULL, "owner"), NO);
	assert_int_equal(roles_deal_field(NULL, "deal_name"), NO);
	assert_int_equal(roles_deal_field(NULL, "name"), NO);
	r = roles_new(NULL, err, sizeof err);
	assert_int_equal(roles_deal_field(r, "Sponsor__c"), NO);
	assert_int_equal(roles_add_deal_field(r, "Sponsor__c", DM), 0);
	assert_int_equal(roles_deal_field(r, "sponsor"), DM);
	assert_int_equal(roles_crm_label(r, "Legal Counsel"), ROLES_UNKNOWN);
	assert_int_equal(roles_add_crm_label(r, "Legal Counsel", BL), 0);
	assert_int_equal(roles_crm_label(r, "legal counsel"), BL);
	assert_int_equal(roles_add_crm_label(r, "Evaluator", NO), 0);   /* overrides the table */
	assert_int_equal(roles_crm_label(r, "Evaluator"), NO);
	assert_int_equal(roles_add_crm_label(r, " - ", NO), -1);
	roles_free(r);
}

static void
seniorities(void **state)
{
	(void)state;
	assert_true(roles_seniority_decides("owner"));
	assert_true(roles_seniority_decides("founder"));
	assert_true(roles_seniority_decides("c_suite"));
	assert_true(roles_seniority_decides("C-Suite"));
	assert_false(roles_seniority_decides("vp"));
	assert_false(roles_seniority_decides("partner"));
	assert_false(roles_seniority_decides(NULL));
}

/* ---- precedence ---- */

enum { L_CRM = 1, L_FIELD = 2, L_SENIORITY = 4, L_CROSS = 8, L_TITLE = 16 };

/*
 * Deal B of account globex.com with one contact, Pat Ng, and the evidence of
 * the layers in mask, each pointing at a different role:
 *   crm: champion; deal field: economic_buyer; seniority: decision_maker;
 *   cross-deal (deal A in the same stream, crm_role Blocker): blocker;
 *   title: Software Engineer, technical_evaluator.
 */
static json_t *
resolve_layers(int mask, const char *input_role)
{
	roles_t *r;
	json_t *a, *b;
	char err[256], rec[2048];
	struct roles_opts o = { 0 };

	o.stream_cap = 100;
	r = roles_new(&o, err, sizeof err);
	assert_non_null(r);
	a = J("{\"workspace_id\":\"acme\",\"deal_id\":\"A\",\"close_date\":\"2026-01-01\","
	    "\"account\":{\"domain\":\"globex.com\"},\"contacts\":[{\"email\":\"pat@globex.com\","
	    "\"first_name\":\"Pat\",\"last_name\":\"Ng\",\"crm_role\":\"Blocker\"}]}");
	if (mask & L_CROSS)
		assert_int_equal(roles_resolve(r, a, NULL, err, sizeof err), DB_OK);
	snprintf(rec, sizeof rec,
	    "{\"workspace_id\":\"acme\",\"deal_id\":\"B\",\"close_date\":\"2026-02-01\","
	    "\"custom_fields\":{%s},\"account\":{\"domain\":\"globex.com\"},"
	    "\"contacts\":[{\"email\":\"Pat@Globex.com\",\"first_name\":\"Pat\",\"last_name\":\"Ng\""
	    "%s%s%s%s}]}",
	    mask & L_FIELD ? "\"economic_buyer_name\":\"Pat Ng\"" : "",
	    mask & L_CRM ? ",\"crm_role\":\"Champion\"" : "",
	    mask & L_SENIORITY ? ",\"apollo\":{\"person\":{\"seniority\":\"c_suite\"}}" : "",
	    mask & L_TITLE ? ",\"title\":\"Software Engineer\"" : "",
	    input_role ? input_role : "");
	b = J(rec);
	assert_int_equal(roles_resolve(r, b, NULL, err, sizeof err), DB_OK);
	json_free(a);
	roles_free(r);
	return b;
}

static void
check_contact(const json_t *rec, const char *role, const char *source, double conf)
{
	const json_t *c = json_at(json_get(rec, "contacts"), 0);
	double got;

	if (role == NULL) {
		assert_true(json_is(json_get(c, "buying_role"), JSON_NULL));
		assert_true(json_is(json_get(c, "role_confidence"), JSON_NULL));
		assert_true(json_is(json_get(c, "role_source"), JSON_NULL));
		return;
	}
	assert_string_equal(json_str(json_get(c, "buying_role")), role);
	assert_string_equal(json_str(json_get(c, "role_source")), source);
	assert_int_equal(json_num_double(json_get(c, "role_confidence"), &got), 0);
	assert_true(got > conf - 1e-9 && got < conf + 1e-9);
}

static const struct {
	int layer;
	const char *role, *source;
	double conf;
} layers[] = {
	{ L_CRM, "champion", "crm_contact_role", 0.95 },
	{ L_FIELD, "economic_buyer", "crm_deal_field", 0.85 },
	{ L_SENIORITY, "decision_maker", "apollo_seniority", 0.75 },
	{ L_CROSS, "blocker", "cross_deal_pattern", 0.70 },
	{ L_TITLE, "technical_evaluator", "title_inference", 0.50 },
};

static void
each_layer_alone(void **state)
{
	size_t i;
	json_t *rec;

	(void)state;
	for (i = 0; i < 5; i++) {
		rec = resolve_layers(layers[i].layer, NULL);
		check_contact(rec, layers[i].role, layers[i].source, layers[i].conf);
		json_free(rec);
	}
	rec = resolve_layers(0, NULL);
	check_contact(rec, NULL, NULL, 0);     /* no evidence: null, null, null */
	json_free(rec);
}

static void
stronger_beats_weaker_in_every_pair(void **state)
{
	size_t i, j, pairs = 0;
	json_t *rec;

	(void)state;
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++) {
			rec = resolve_layers(layers[i].layer | layers[j].layer, NULL);
			check_contact(rec, layers[i].role, layers[i].source, layers[i].conf);
			json_free(rec);
			pairs++;
		}
	assert_int_equal(pairs, 10);
	rec = resolve_layers(L_CRM | L_FIELD | L_SENIORITY | L_CROSS | L_TITLE, NULL);
	check_contact(rec, "champion", "crm_contact_role", 0.95);
	json_free(rec);
	rec = resolve_layers(L_CROSS | L_TITLE | L_SENIORITY, NULL);
	check_contact(rec, "decision_maker", "apollo_seniority", 0.75);
	json_free(rec);
}

static void
an_input_role_stays_unless_beaten(void **state)
{
	json_t *rec;

	(void)state;
	/* a stronger role already on the input stays, whatever the weaker layers say */
	rec = resolve_layers(L_FIELD | L_SENIORITY | L_CROSS | L_TITLE,
	    ",\"buying_role\":\"influencer\",\"role_confidence\":0.9,\"role_source\":\"manual\"");
	check_contact(rec, "influencer", "manual", 0.9);
	json_free(rec);
	/* ... but the CRM's role (0.95) is stronger */
	rec = resolve_layers(L_CRM | L_TITLE,
	    ",\"buying_role\":\"influencer\",\"role_confidence\":0.9,\"role_source\":\"manual\"");
	check_contact(rec, "champion", "crm_contact_role", 0.95);
	json_free(rec);
}

static void
a_hand_set_role_is_kept(void **state)
{
	json_t *rec, *c;

	(void)state;
	rec = resolve_layers(L_CRM | L_TITLE, ",\"buying_role\":\"end_user\"");
	c = json_at(json_get(rec, "contacts"), 0);
	assert_string_equal(json_str(json_get(c, "buying_role")), "end_user");
	assert_true(json_is(json_get(c, "role_confidence"), JSON_NULL));
	json_free(rec);
	/* an earlier run's title role from the input is redone, not stuck */
	rec = resolve_layers(L_SENIORITY,
	    ",\"buying_role\":\"end_user\",\"role_confidence\":0.5,\"role_source\":\"title_inference\"");
	check_contact(rec, "decision_maker", "apollo_seniority", 0.75);
	json_free(rec);
	/* an earlier llm answer stays when only weaker evidence is there */
	rec = resolve_layers(L_TITLE,
	    ",\"buying_role\":\"influencer\",\"role_confidence\":0.6,\"role_source\":\"llm\"");
	check_contact(rec, "influencer", "llm", 0.6);
	json_free(rec);
}

static void
fields_keep_their_place(void **state)
{
	json_t *rec;
	buf_t b;

	(void)state;
	rec = resolve_layers(L_TITLE, ",\"z\":1");
	buf_init(&b, 1 << 16);
	assert_int_equal(json_dump(json_at(json_get(rec, "contacts"), 0), &b), JSON_OK);
	assert_string_equal(buf_ptr(&b),
	    "{\"email\":\"Pat@Globex.com\",\"first_name\":\"Pat\",\"last_name\":\"Ng\","
	    "\"title\":\"Software Engineer\",\"z\":1,\"buying_role\":\"technical_evaluator\","
	    "\"role_confidence\":0.5,\"role_source\":\"title_inference\"}");
	buf_reset(&b);
	assert_int_equal(json_dump(json_get(rec, "roles_summary"), &b), JSON_OK);
	assert_string_equal(buf_ptr(&b),
	    "{\"decision_maker\":0,\"economic_buyer\":0,\"champion\":0,\"technical_evaluator\":1,"
	    "\"influencer\":0,\"end_user\":0,\"blocker\":0}");
	buf_free(&b);
	json_free(rec);
}

/* ---- deal fields on a whole deal ---- */

static void
deal_field_matching(void **state)
{
	roles_t *r;
	json_t *rec, *cs;
	char err[256];

	(void)state;
	r = roles_new(NULL, err, sizeof err);
	rec = J("{\"deal_id\":\"1\",\"custom_fields\":{\"champion_name\":\"Pat Ng\","
	    "\"economic_buyer\":\"Ng\",\"decision_maker_name\":\"José Núñez\","
	    "\"technical_evaluator_name\":\"Mary Elizabeth Jones\",\"blocker\":\"P. Ng\"},"
	    "\"influencer_name\":[\"Chloe OBrien\"],"
	    "\"contacts\":[{\"first_name\":\"Pat\",\"last_name\":\"Ng\"},"
	    "{\"first_name\":\"Sam\",\"last_name\":\"Ng\"},"
	    "{\"first_name\":\"Jose\",\"last_name\":\"Nunez\"},"
	    "{\"first_name\":\"Mary\",\"last_name\":\"Jones\"},"
	    "{\"first_name\":\"Chloé\",\"last_name\":\"O'Brien\"}]}");
	assert_int_equal(roles_resolve(r, rec, NULL, err, sizeof err), DB_OK);
	cs = json_get(rec, "contacts");
	/* Pat: the champion field (the first naming Pat); "P. Ng" also means Pat, but later */
	assert_string_equal(json_str(json_get(json_at(cs, 0), "buying_role")), "champion");
	/* Sam: "Ng" alone names nobody, so the other Ng gets nothing */
	assert_true(json_is(json_get(json_at(cs, 1), "buying_role"), JSON_NULL));
	assert_string_equal(json_str(json_get(json_at(cs, 2), "buying_role")), "decision_maker");
	assert_string_equal(json_str(json_get(json_at(cs, 3), "buying_role")), "technical_evaluator");
	assert_string_equal(json_str(json_get(json_at(cs, 4), "buying_role")), "influencer");
	assert_string_equal(json_str(json_get(json_at(cs, 4), "role_source")), "crm_deal_field");
	assert_int_equal(roles_stats(r)->field_names, 6);
	assert_int_equal(roles_stats(r)->field_unmatched, 1);
	json_free(rec);
	/* two contacts the name fits equally: neither */
	rec = J("{\"deal_id\":\"2\",\"custom_fields\":{\"champion_name\":\"P. Ng\"},"
	    "\"contacts\":[{\"first_name\":\"Pat\",\"last_name\":\"Ng\"},"
	    "{\"first_name\":\"Paul\",\"last_name\":\"Ng\"}]}");
	assert_int_equal(roles_resolve(r, rec, NULL, err, sizeof err), DB_OK);
	cs = json_get(rec, "contacts");
	assert_true(json_is(json_get(json_at(cs, 0), "buying_role"), JSON_NULL));
	assert_true(json_is(json_get(json_at(cs, 1), "buying_role"), JSON_NULL));
	json_free(rec);
	roles_free(r);
}

static void
crm_role_lists_and_unknown_labels(void **state)
{
	roles_t *r;
	json_t *rec, *cs;
	char err[256];
	unsigned long n;

	(void)state;
	r = roles_new(NULL, err, sizeof err);
	rec = J("{\"deal_id\":\"1\",\"contacts\":["
	    "{\"crm_role\":\"Other;Decision Maker\"},"
	    "{\"crm_role\":[\"Legal Counsel\",\"Influencer\"]},"
	    "{\"crm_role\":\"Legal Counsel\",\"title\":\"CFO\"},"
	    "{\"crm_role\":\"Other\"}, 7, {}]}");
	assert_int_equal(roles_resolve(r, rec, NULL, err, sizeof err), DB_OK);
	cs = json_get(rec, "contacts");
	assert_string_equal(json_str(json_get(json_at(cs, 0), "buying_role")), "decision_maker");
	assert_string_equal(json_str(json_get(json_at(cs, 1), "buying_role")), "influencer");
	/* an unknown label gives nothing; the title speaks; crm_role is left as written */
	assert_string_equal(json_str(json_get(json_at(cs, 2), "buying_role")), "economic_buyer");
	assert_string_equal(json_str(json_get(json_at(cs, 2), "role_source")), "title_inference");
	assert_string_equal(json_str(json_get(json_at(cs, 2), "crm_role")), "Legal Counsel");
	assert_true(json_is(json_get(json_at(cs, 3), "buying_role"), JSON_NULL));
	assert_int_equal(json_typeof(json_at(cs, 4)), JSON_NUMBER);   /* not a contact: untouched */
	assert_string_equal(roles_unknown_label(r, 0, &n), "Legal Counsel");
	assert_int_equal(n, 2);
	assert_null(roles_unknown_label(r, 1, NULL));
	assert_int_equal(json_num_int(json_path(rec, "roles_summary.decision_maker"), &(int64_t){0}), 0);
	json_free(rec);
	roles_free(r);
}

/* ---- cross-deal from the store ---- */

static char dbdir[256];

static void
put_index(db_t *db, const char *ws, const char *acct, const char *email, const char *deal,
    const char *val)
{
	buf_t k;
	char err[256];

	buf_init(&k, 4096);
	assert_int_equal(db_key(&k, ws, "role", acct, email, deal, (char *)NULL), DB_OK);
	assert_int_equal(db_put(db, DB_INDEX, buf_ptr(&k), buf_len(&k), val, strlen(val), err,
	    sizeof err), DB_OK);
	buf_free(&k);
}

static const char *
role_on(roles_t *r, const char *deal, const char *domain, const char *email)
{
	static char out[64];
	char rec[1024], err[256];
	json_t *v;
	const json_t *c;

	snprintf(rec, sizeof rec, "{\"workspace_id\":\"acme\",\"deal_id\":\"%s\","
	    "\"account\":{\"domain\":\"%s\"},\"contacts\":[{\"email\":\"%s\"}]}", deal, domain, email);
	v = J(rec);
	assert_int_equal(roles_resolve(r, v, NULL, err, sizeof err), DB_OK);
	c = json_at(json_get(v, "contacts"), 0);
	snprintf(out, sizeof out, "%s/%s", json_str(json_get(c, "buying_role")) ?
	    json_str(json_get(c, "buying_role")) : "null",
	    json_str(json_get(c, "role_source")) ? json_str(json_get(c, "role_source")) : "null");
	json_free(v);
	return out;
}

static void
cross_deal_from_the_store(void **state)
{
	db_t *db;
	roles_t *r;
	struct roles_opts o = { 0 };
	char err[256];

	(void)state;
	snprintf(dbdir, sizeof dbdir, "/tmp/test_roles.XXXXXX");
	assert_non_null(mkdtemp(dbdir));
	assert_int_equal(db_open(dbdir, 0, &db, err, sizeof err), DB_OK);
	put_index(db, "acme", "globex.com", "pat@globex.com", "D1",
	    "{\"buying_role\":\"champion\",\"role_confidence\":0.95,\"role_source\":\"crm_contact_role\",\"close_date\":\"2026-01-10\"}");
	put_index(db, "acme", "globex.com", "pat@globex.com", "D2",
	    "{\"buying_role\":\"economic_buyer\",\"role_confidence\":0.95,\"role_source\":\"crm_contact_role\",\"close_date\":\"2026-03-10\"}");
	put_index(db, "acme", "globex.com", "sam@globex.com", "D1",
	    "{\"buying_role\":\"influencer\",\"role_confidence\":0.5,\"role_source\":\"title_inference\",\"close_date\":\"2026-01-10\"}");
	put_index(db, "acme", "globex.com", "lee@globex.com", "D1",
	    "{\"buying_role\":\"blocker\",\"role_confidence\":0.85,\"role_source\":\"crm_deal_field\",\"close_date\":\"2026-01-10\"}");
	put_index(db, "acme", "globex.com", "lee@globex.com.au", "D1",
	    "{\"buying_role\":\"champion\",\"role_confidence\":0.95,\"role_source\":\"crm_contact_role\",\"close_date\":\"2026-01-10\"}");
	put_index(db, "other", "globex.com", "kim@globex.com", "D1",
	    "{\"buying_role\":\"champion\",\"role_confidence\":0.95,\"role_source\":\"crm_contact_role\",\"close_date\":\"2026-01-10\"}");
	put_index(db, "acme", "globex.com", "bad@globex.com", "D1", "not json");
	o.db = db;
	r = roles_new(&o, err, sizeof err);
	assert_non_null(r);
	/* equally strong on D1 and D2: the later deal's role */
	assert_string_equal(role_on(r, "D3", "globex.com", "PAT@globex.com"),
	    "economic_buyer/cross_deal_pattern");
	/* the current deal itself is no evidence */
	assert_string_equal(role_on(r, "D2", "globex.com", "pat@globex.com"),
	    "champion/cross_deal_pattern");
	assert_string_equal(role_on(r, "D1", "globex.com", "lee@globex.com"), "null/null");
	/* a title guess on another deal is not evidence */
	assert_string_equal(role_on(r, "D3", "globex.com", "sam@globex.com"), "null/null");
	assert_string_equal(role_on(r, "D3", "globex.com", "lee@globex.com"),
	    "blocker/cross_deal_pattern");
	/* another account, another workspace, an unreadable value: nothing */
	assert_string_equal(role_on(r, "D3", "initech.com", "pat@globex.com"), "null/null");
	assert_string_equal(role_on(r, "D3", "globex.com", "kim@globex.com"), "null/null");
	assert_string_equal(role_on(r, "D3", "globex.com", "bad@globex.com"), "null/null");
	assert_int_equal(roles_stats(r)->store_hits, 3);
	/* without the store */
	roles_set_db(r, NULL);
	assert_string_equal(role_on(r, "D3", "globex.com", "pat@globex.com"), "null/null");
	roles_free(r);
	db_close(db);
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dbdir);
		assert_int_equal(system(cmd), 0);
	}
}

static void
stream_memory_is_bounded(void **state)
{
	roles_t *r;
	struct roles_opts o = { 0 };
	char err[256], rec[512];
	json_t *v;
	int i;

	(void)state;
	o.stream_cap = 2;
	r = roles_new(&o, err, sizeof err);
	/* three contacts with a CRM role on deal A; the memory holds two */
	for (i = 0; i < 3; i++) {
		snprintf(rec, sizeof rec, "{\"deal_id\":\"A\",\"account\":{\"domain\":\"g.com\"},"
		    "\"contacts\":[{\"email\":\"c%d@g.com\",\"crm_role\":\"Champion\"}]}", i);
		v = J(rec);
		assert_int_equal(roles_resolve(r, v, "ws", err, sizeof err), DB_OK);
		json_free(v);
	}
	/* c0 was seen longest ago and is forgotten; c1 and c2 are remembered */
	assert_string_equal(role_on(r, "B", "g.com", "c1@g.com"), "null/null"); /* ws differs */
	roles_free(r);
	r = roles_new(&o, err, sizeof err);
	for (i = 0; i < 3; i++) {
		snprintf(rec, sizeof rec, "{\"workspace_id\":\"acme\",\"deal_id\":\"A\","
		    "\"account\":{\"domain\":\"g.com\"},"
		    "\"contacts\":[{\"email\":\"c%d@g.com\",\"crm_role\":\"Champion\"}]}", i);
		v = J(rec);
		assert_int_equal(roles_resolve(r, v, NULL, err, sizeof err), DB_OK);
		json_free(v);
	}
	assert_string_equal(role_on(r, "B", "g.com", "c0@g.com"), "null/null");
	assert_string_equal(role_on(r, "B", "g.com", "c2@g.com"), "champion/cross_deal_pattern");
	assert_string_equal(role_on(r, "B", "g.com", "c1@g.com"), "champion/cross_deal_pattern");
	/*
	 * Deal A again: A itself is no evidence, and neither is B, whose role was
	 * only inferred from A (an inference never becomes evidence).
	 */
	assert_string_equal(role_on(r, "A", "g.com", "c2@g.com"), "null/null");
	roles_free(r);
	/* cap 0: no memory at all */
	o.stream_cap = 0;
	r = roles_new(&o, err, sizeof err);
	v = J("{\"deal_id\":\"A\",\"account\":{\"domain\":\"g.com\"},"
	    "\"contacts\":[{\"email\":\"c0@g.com\",\"crm_role\":\"Champion\"}]}");
	assert_int_equal(roles_resolve(r, v, "acme", err, sizeof err), DB_OK);
	json_free(v);
	assert_string_equal(role_on(r, "B", "g.com", "c0@g.com"), "null/null");
	roles_free(r);
}

/* ---- the LLM layer's pieces ---- */

static void
llm_questions_and_answers(void **state)
{
	json_t *c1, *c2, *c3, *c4, *facts[2], *ans;
	buf_t b;
	int roles[3];
	roles_t *r;
	char err[256];

	(void)state;
	c1 = J("{\"first_name\":\"Pat\",\"email\":\"pat@x.com\",\"title\":\"Procurement Lead\","
	    "\"crm_role\":\"Legal Counsel\",\"apollo\":{\"person\":{\"seniority\":\"senior\","
	    "\"departments\":[\"master_operations\"],\"title\":\"Procurement Lead\"}},"
	    "\"buying_role\":null}");
	c2 = J("{\"email\":\"x@x.com\",\"buying_role\":\"champion\",\"role_confidence\":0.95}");
	c3 = J("{\"email\":\"y@x.com\"}");
	r = roles_new(NULL, err, sizeof err);
	assert_true(roles_llm_wanted(r, c1));
	assert_false(roles_llm_wanted(r, c2));   /* has a role */
	assert_false(roles_llm_wanted(r, c3));   /* nothing to ask about */
	c4 = J("{\"title\":\"Marketing Intern\"}");
	assert_false(roles_llm_wanted(r, c4));   /* a rule keeps it unresolved on purpose */
	json_free(c4);
	roles_free(r);
	facts[0] = roles_llm_facts(c1);
	facts[1] = roles_llm_facts(c3);
	buf_init(&b, 1 << 16);
	assert_int_equal(json_dump(facts[0], &b), JSON_OK);
	/* never a name or an email */
	assert_string_equal(buf_ptr(&b), "{\"title\":\"Procurement Lead\",\"seniority\":\"senior\","
	    "\"departments\":[\"master_operations\"],\"crm_label\":\"Legal Counsel\"}");
	buf_reset(&b);
	assert_int_equal(roles_llm_request(facts, 2, &b), BUF_OK);
	assert_string_equal(buf_ptr(&b), "{\"contacts\":[{\"id\":\"0\",\"title\":\"Procurement Lead\","
	    "\"seniority\":\"senior\",\"departments\":[\"master_operations\"],"
	    "\"crm_label\":\"Legal Counsel\"},{\"id\":\"1\"}]}");
	assert_non_null(strstr(roles_llm_system_prompt, "json"));
	ans = J("{\"contacts\":[{\"id\":\"1\",\"role\":null},{\"id\":0,\"role\":\"economic_buyer\"},"
	    "{\"id\":\"7\",\"role\":\"champion\"}]}");
	assert_int_equal(roles_llm_read(ans, 3, roles), 2);
	assert_int_equal(roles[0], EB);
	assert_int_equal(roles[1], NO);
	assert_int_equal(roles[2], ROLES_UNKNOWN);
	json_free(ans);
	ans = J("[{\"id\":\"0\",\"role\":\"chief\"}]");
	assert_int_equal(roles_llm_read(ans, 1, roles), 1);
	assert_int_equal(roles[0], NO);
	json_free(ans);
	ans = J("{\"result\":null}");
	assert_int_equal(roles_llm_read(ans, 1, roles), -1);
	json_free(ans);
	/* applying: never over a stronger role */
	assert_int_equal(roles_apply(c1, IN, ROLES_SRC_LLM), 1);
	assert_string_equal(json_str(json_get(c1, "role_source")), "llm");
	assert_int_equal(roles_apply(c2, IN, ROLES_SRC_LLM), 0);
	assert_string_equal(json_str(json_get(c2, "buying_role")), "champion");
	buf_free(&b);
	json_free(facts[0]);
	json_free(facts[1]);
	json_free(c1);
	json_free(c2);
	json_free(c3);
}

static void
names_of_roles_and_sources(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < ROLES_N; i++)
		assert_int_equal(roles_from_name(roles_name(i)), i);
	assert_null(roles_name(ROLES_N));
	assert_null(roles_name(-1));
	assert_int_equal(roles_from_name("Champion"), NO);
	assert_string_equal(roles_source_name(ROLES_SRC_CROSS_DEAL), "cross_deal_pattern");
	for (i = 1; i < ROLES_NSRC; i++)
		assert_true(roles_source_confidence(i) < roles_source_confidence(i - 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(title_table),
		cmocka_unit_test(rule_examples_hit_their_rule),
		cmocka_unit_test(title_cache_is_bounded),
		cmocka_unit_test(crm_labels),
		cmocka_unit_test(deal_fields),
		cmocka_unit_test(seniorities),
		cmocka_unit_test(each_layer_alone),
		cmocka_unit_test(stronger_beats_weaker_in_every_pair),
		cmocka_unit_test(an_input_role_stays_unless_beaten),
		cmocka_unit_test(a_hand_set_role_is_kept),
		cmocka_unit_test(fields_keep_their_place),
		cmocka_unit_test(deal_field_matching),
		cmocka_unit_test(crm_role_lists_and_unknown_labels),
		cmocka_unit_test(cross_deal_from_the_store),
		cmocka_unit_test(stream_memory_is_bounded),
		cmocka_unit_test(llm_questions_and_answers),
		cmocka_unit_test(names_of_roles_and_sources),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
