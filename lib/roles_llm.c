/* roles_llm: see roles_llm.h. */
#include "roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	f->title = roles_contact_title(c, 0);
	f->apollo_title = roles_contact_title(c, 1);
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

	if (!json_is(c, JSON_OBJECT) || roles_contact_role(c, &have) || !llm_facts(c, &f))
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

