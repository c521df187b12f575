/* roles_label: see roles_label.h. */
#include "roles_label.h"

#include <stdlib.h>
#include <string.h>

#include "memo.h"
#include "names.h"

/* Labels and field names remembered per memo; longer ones are looked up each time. */
#define MEMO_SLOTS 4096
#define MEMO_MAX_KEY 128

struct user_label {
	char *label;    /* folded */
	int role;
};

struct unknown_label {
	char *label;
	unsigned long count;
};

struct roles_labels {
	struct user_label *labels, *fields;     /* the user's, ahead of the tables */
	size_t nlabels, nfields;
	memo_t *label_memo, *field_memo;
	struct unknown_label unknown[ROLES_UNKNOWN_MAX];
	size_t nunknown;
};

roles_labels_t *
roles_labels_new(void)
{
	roles_labels_t *l = calloc(1, sizeof *l);

	if (l == NULL)
		return NULL;
	l->label_memo = memo_new(MEMO_SLOTS, MEMO_MAX_KEY);
	l->field_memo = memo_new(MEMO_SLOTS, MEMO_MAX_KEY);
	if (l->label_memo == NULL || l->field_memo == NULL) {
		roles_labels_free(l);
		return NULL;
	}
	return l;
}

void
roles_labels_free(roles_labels_t *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nlabels; i++)
		free(l->labels[i].label);
	free(l->labels);
	for (i = 0; i < l->nfields; i++)
		free(l->fields[i].label);
	free(l->fields);
	for (i = 0; i < l->nunknown; i++)
		free(l->unknown[i].label);
	memo_free(l->label_memo);
	memo_free(l->field_memo);
	free(l);
}

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
crm_label_lookup(const roles_labels_t *r, const char *label)
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
roles_labels_crm(const roles_labels_t *r, const char *label)
{
	int role;

	if (r == NULL || label == NULL)
		return crm_label_lookup(r, label);
	if (memo_get(r->label_memo, label, &role, NULL))
		return role;
	role = crm_label_lookup(r, label);
	memo_put(r->label_memo, label, role, 0);
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
deal_field_lookup(const roles_labels_t *r, const char *field)
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
roles_labels_field(const roles_labels_t *r, const char *field)
{
	int role;

	if (r == NULL || field == NULL)
		return deal_field_lookup(r, field);
	if (memo_get(r->field_memo, field, &role, NULL))
		return role;
	role = deal_field_lookup(r, field);
	memo_put(r->field_memo, field, role, 0);
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
roles_labels_add_crm(roles_labels_t *r, const char *label, int role)
{
	char f[256];

	if (fold_label(label, f, sizeof f) != 0)
		return -1;
	memo_clear(r->label_memo);
	return add_user(&r->labels, &r->nlabels, f, role);
}

int
roles_labels_add_field(roles_labels_t *r, const char *field, int role)
{
	char f[256];

	if (norm_field(field, f, sizeof f) != 0 || f[0] == '\0')
		return -1;
	memo_clear(r->field_memo);
	return add_user(&r->fields, &r->nfields, f, role);
}

void
roles_labels_note_unknown(roles_labels_t *r, const char *label)
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
	if (r->nunknown < ROLES_UNKNOWN_MAX && (r->unknown[r->nunknown].label = strndup(label, n))) {
		r->unknown[r->nunknown].count = 1;
		r->nunknown++;
	}
}

const char *
roles_labels_unknown(const roles_labels_t *r, size_t i, unsigned long *count)
{
	if (i >= r->nunknown)
		return NULL;
	if (count)
		*count = r->unknown[i].count;
	return r->unknown[i].label;
}

