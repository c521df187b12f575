/* crm_stage: see crm_stage.h. */
#include "crm_stage.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "str.h"

/* Lowercase letters and digits only (other ASCII dropped, UTF-8 kept). */
static int
compact(const char *s, buf_t *out)
{
	buf_reset(out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x80 || isalnum(c))
			if (buf_addc(out, (char)(c < 0x80 ? tolower(c) : c)) != BUF_OK)
				return -1;
	}
	return 0;
}

struct stage_ent {
	char *key;          /* compacted */
	const char *norm;
};

struct crm_stage_map {
	struct stage_ent *v;
	size_t n, a;
};

crm_stage_map_t *
crm_stage_map_new(void)
{
	return calloc(1, sizeof(crm_stage_map_t));
}

void
crm_stage_map_free(crm_stage_map_t *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].key);
	free(m->v);
	free(m);
}

size_t
crm_stage_map_size(const crm_stage_map_t *m)
{
	return m ? m->n : 0;
}

static const char *
norm_value(const char *v)
{
	buf_t b;
	const char *r = NULL;

	buf_init(&b, 256);
	if (compact(v, &b) != 0) {
		buf_free(&b);
		return NULL;
	}
	if (!strcmp(buf_ptr(&b), "closedwon") || !strcmp(buf_ptr(&b), "won"))
		r = "closed_won";
	else if (!strcmp(buf_ptr(&b), "closedlost") || !strcmp(buf_ptr(&b), "lost"))
		r = "closed_lost";
	else if (!strcmp(buf_ptr(&b), "open"))
		r = "open";
	buf_free(&b);
	return r;
}

int
crm_stage_map_add(crm_stage_map_t *m, const char *stage, const char *norm,
    char *err, size_t errlen)
{
	const char *nv = norm_value(norm);
	buf_t b;
	size_t i;

	if (nv == NULL) {
		str_errf(err, errlen, "'%s' is not closed_won, closed_lost or open", norm ? norm : "");
		return CRM_BAD;
	}
	buf_init(&b, 4096);
	if (compact(stage, &b) != 0) {
		buf_free(&b);
		str_errf(err, errlen, "stage name too long");
		return CRM_BAD;
	}
	if (buf_len(&b) == 0) {
		buf_free(&b);
		str_errf(err, errlen, "empty stage name");
		return CRM_BAD;
	}
	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, buf_ptr(&b)) == 0) {
			m->v[i].norm = nv;
			buf_free(&b);
			return 0;
		}
	if (m->n == m->a) {
		size_t na = m->a ? m->a * 2 : 16;
		struct stage_ent *nvv = realloc(m->v, na * sizeof *nvv);
		if (nvv == NULL) {
			buf_free(&b);
			return CRM_ENOMEM;
		}
		m->v = nvv;
		m->a = na;
	}
	m->v[m->n].key = buf_detach(&b, NULL);
	if (m->v[m->n].key == NULL)
		return CRM_ENOMEM;
	m->v[m->n].norm = nv;
	m->n++;
	return 0;
}

/* One "stage = value" entry; line is for messages (0: none). */
static int
map_entry(crm_stage_map_t *m, char *s, unsigned long line, char *err, size_t errlen)
{
	char *p, *k, *v, why[200];
	int rc;

	if ((p = strchr(s, '#')) != NULL && (p == s || str_is_blank((unsigned char)p[-1])))
		*p = '\0';
	k = s;
	while (str_is_blank((unsigned char)*k))
		k++;
	if (*k == '\0')
		return 0;
	/* the value is after the last '=', ':', ',' or tab */
	p = NULL;
	for (char *q = k; *q; q++)
		if (*q == '=' || *q == ':' || *q == ',' || *q == '\t')
			p = q;
	if (p == NULL) {
		if (line)
			str_errf(err, errlen, "line %lu: expected \"stage = closed_won|closed_lost|open\"", line);
		else
			str_errf(err, errlen, "'%s': expected \"stage = closed_won|closed_lost|open\"", k);
		return CRM_BAD;
	}
	*p = '\0';
	v = p + 1;
	while (str_is_blank((unsigned char)*v))
		v++;
	for (char *e = v + strlen(v); e > v && str_is_blank((unsigned char)e[-1]); )
		*--e = '\0';
	if ((rc = crm_stage_map_add(m, k, v, why, sizeof why)) != 0) {
		if (rc == CRM_BAD) {
			if (line)
				str_errf(err, errlen, "line %lu: %s", line, why);
			else
				str_errf(err, errlen, "%s", why);
		}
		return rc;
	}
	return 0;
}

int
crm_stage_map_load(crm_stage_map_t *m, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long no = 0;
	int rc = 0;

	if (f == NULL) {
		str_errf(err, errlen, "%s: %s", path, strerror(errno));
		return CRM_BAD;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		no++;
		if (no == 1 && n >= 3 && (unsigned char)line[0] == 0xEF &&
		    (unsigned char)line[1] == 0xBB && (unsigned char)line[2] == 0xBF)
			memmove(line, line + 3, (size_t)n - 2);
		if ((rc = map_entry(m, line, no, err, errlen)) != 0)
			break;
	}
	if (rc == 0 && ferror(f)) {
		str_errf(err, errlen, "%s: read error", path);
		rc = CRM_BAD;
	} else if (rc == CRM_BAD) {
		char tmp[300];
		snprintf(tmp, sizeof tmp, "%s", err);
		str_errf(err, errlen, "%s: %s", path, tmp);
	}
	free(line);
	fclose(f);
	return rc;
}

int
crm_stage_map_parse(crm_stage_map_t *m, const char *text, char *err, size_t errlen)
{
	char *copy, *s, *save = NULL;
	int rc = 0;

	if (text == NULL)
		return 0;
	if ((copy = strdup(text)) == NULL)
		return CRM_ENOMEM;
	for (s = strtok_r(copy, ";\n", &save); s; s = strtok_r(NULL, ";\n", &save))
		if ((rc = map_entry(m, s, 0, err, errlen)) != 0)
			break;
	free(copy);
	return rc;
}

static const char *const open_stages[] = {
	"appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
	"decisionmakerboughtin", "contractsent", "prospecting", "qualification",
	"needsanalysis", "valueproposition", "iddecisionmakers", "perceptionanalysis",
	"proposalpricequote", "negotiationreview", "open", "new", "discovery", "demo",
	"demoscheduled", "proposal", "proposalsent", "negotiation", "pending", "lead",
	"qualified", "inprogress", "evaluation", "trial", "pilot", "commit", "bestcase",
	"pipeline", "upside", "omitted", "engaging", NULL
};

/* 1 when word (lowercase) is one of s's words. */
static int
has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = s; *p;) {
		while (*p && !isalnum((unsigned char)*p))
			p++;
		const char *w = p;
		while (*p && isalnum((unsigned char)*p))
			p++;
		if ((size_t)(p - w) == n && strncasecmp(w, word, n) == 0)
			return 1;
	}
	return 0;
}

const char *
crm_stage_normalize(const crm_stage_map_t *m, const char *stage, int is_won,
    int is_closed, int is_lost, int *known)
{
	char cbuf[256];
	size_t n = 0;
	int k = 1;
	const char *r = NULL;

	if (known == NULL)
		known = &k;
	*known = 1;
	cbuf[0] = '\0';
	for (const char *p = stage; p && *p && n + 1 < sizeof cbuf; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x80 || isalnum(c))
			cbuf[n++] = (char)(c < 0x80 ? tolower(c) : c);
	}
	cbuf[n] = '\0';
	if (m && n)
		for (size_t i = 0; i < m->n; i++)
			if (strcmp(m->v[i].key, cbuf) == 0)
				return m->v[i].norm;
	if (is_won == 1)
		return "closed_won";
	if (is_lost == 1)
		return "closed_lost";
	if (is_closed == 0)
		return "open";
	if (n) {
		if (!strncmp(cbuf, "closedwon", 9) || has_word(stage, "won") || has_word(stage, "closedwon"))
			r = "closed_won";
		else if (!strncmp(cbuf, "closedlost", 10) || has_word(stage, "lost") ||
		    has_word(stage, "closedlost"))
			r = "closed_lost";
		else if (has_word(stage, "closed") && strncmp(cbuf, "closed", 6) == 0)
			r = "closed_lost";
	}
	if (is_closed == 1)
		return r ? r : "closed_lost";
	if (is_won == 0 && r && !strcmp(r, "closed_won"))
		r = NULL;   /* the Won column says no: trust it over the label */
	if (r)
		return r;
	if (n) {
		for (int i = 0; open_stages[i]; i++)
			if (strcmp(cbuf, open_stages[i]) == 0)
				return "open";
	}
	*known = 0;
	return "open";
}
