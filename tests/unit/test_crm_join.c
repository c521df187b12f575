#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crm_join.h"
#include "domain.h"

static crm_table_t *
table(char **hdr, size_t n)
{
	crm_table_t *t;
	char err[256];

	assert_int_equal(crm_table_new(CRM_KIND_UNKNOWN, hdr, n, &t, err, sizeof err), CRM_OK);
	return t;
}

/* A Salesforce contact role joins on the 15-character form of an 18-character ID. */
static void
contact_roles_join_by_id_and_name(void **state)
{
	char *hdr[] = { "Opportunity ID", "Opportunity Name", "Contact: Full Name", "Email", "Role" };
	char *r1[] = { "006Hs00001AbCdEIAV", "Globex Renewal", "Pat Ng", "PAT@globex.com", "Champion" };
	char *r2[] = { "", "Initech Expansion", "Sam Roe", "sam@initech.com", "" };
	char *r3[] = { "", "", "Lee Ko", "", "" };
	crm_table_t *t = table(hdr, 5);
	crm_join_t *j = crm_join_new();
	json_t *a = json_new_array(), *b = json_new_array(), *c;
	char err[256], dom[DOMAIN_MAX];

	(void)state;
	assert_int_equal(crm_join_add_row(j, t, r1, 5, err, sizeof err), CRM_OK);
	assert_int_equal(crm_join_add_row(j, t, r2, 5, err, sizeof err), CRM_OK);
	assert_int_equal(crm_join_add_row(j, t, r3, 5, err, sizeof err), CRM_BAD);
	assert_string_equal(err, "no Opportunity ID or Name to join this contact role on");
	assert_int_equal(crm_join_size(j), 2);

	assert_int_equal(crm_join_deal(j, a, "006Hs00001AbCdE", NULL, 1), 0);
	assert_int_equal(json_len(a), 1);
	c = json_at(a, 0);
	assert_string_equal(json_str(json_get(c, "email")), "pat@globex.com");
	assert_string_equal(json_str(json_get(c, "first_name")), "Pat");
	assert_string_equal(json_str(json_get(c, "crm_role")), "Champion");
	/* by name, ignoring case; the same contact is not added twice */
	assert_int_equal(crm_join_deal(j, b, NULL, "INITECH expansion", 1), 0);
	assert_int_equal(crm_join_deal(j, b, NULL, "Initech Expansion", 1), 0);
	assert_int_equal(json_len(b), 1);
	assert_int_equal(crm_contacts_domain(b, dom), 0);
	assert_string_equal(dom, "initech.com");
	json_free(a);
	json_free(b);
	crm_join_free(j);
	crm_table_free(t);
}

static void
domain_is_the_most_common_work_one(void **state)
{
	json_t *a = json_new_array();
	char dom[DOMAIN_MAX];

	(void)state;
	assert_int_equal(crm_contacts_domain(a, dom), -1);
	assert_string_equal(dom, "");
	json_t *c = crm_contact_new("1", "a@gmail.com", NULL, NULL, NULL, NULL, NULL);

	assert_int_equal(crm_contacts_add(a, c), 0);
	assert_int_equal(crm_contacts_add(a, c), 0);   /* there already */
	json_free(c);
	assert_int_equal(json_len(a), 1);
	assert_int_equal(crm_contacts_domain(a, dom), -1);
	json_push(a, crm_contact_new("2", "b@acme.io", NULL, NULL, NULL, NULL, NULL));
	json_push(a, crm_contact_new("3", "c@globex.com", NULL, NULL, NULL, NULL, NULL));
	json_push(a, crm_contact_new("4", "d@globex.com", NULL, NULL, NULL, NULL, NULL));
	assert_int_equal(crm_contacts_domain(a, dom), 0);
	assert_string_equal(dom, "globex.com");
	json_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contact_roles_join_by_id_and_name),
		cmocka_unit_test(domain_is_the_most_common_work_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
