/* crm_select: see crm_select.h. */
#include "crm_select.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
crm_window_set(crm_window_t *w, date_t today, int months, int all)
{
	date_format(date_months_before(today, months), w->cutoff);
	date_format(today, w->today);
	w->all = all;
}

crm_sel
crm_window_test(const crm_window_t *w, const json_t *rec)
{
	const char *sn = json_str(json_get(rec, "stage_normalized"));
	const char *cd = json_str(json_get(rec, "close_date"));
	int open = sn == NULL || strcmp(sn, "open") == 0;

	if (open)
		return w->all ? CRM_SEL_IN : CRM_SEL_OPEN;
	if (cd && strlen(cd) == 10 && strcmp(cd, w->cutoff) < 0)
		return CRM_SEL_OLD;
	if (cd && strlen(cd) == 10 && strcmp(cd, w->today) > 0)
		return CRM_SEL_FUTURE;
	return CRM_SEL_IN;
}

struct ent {
	json_t *rec;
	char date[DATE_STRLEN];   /* "" when the deal has no close date */
	unsigned long seq;
};

struct crm_best {
	struct ent *heap;    /* a min-heap on better(): the root is the worst deal kept */
	size_t n, limit;
	unsigned long seq;
};

/* a is a better pick than b: closed later, or as late and read earlier. */
static int
better(const struct ent *a, const struct ent *b)
{
	int c = strcmp(a->date, b->date);

	if (c != 0)
		return c > 0;
	return a->seq < b->seq;
}

static void
swap(struct ent *a, struct ent *b)
{
	struct ent t = *a;

	*a = *b;
	*b = t;
}

static void
sift_down(struct ent *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		if (l < n && better(&h[w], &h[l]))
			w = l;
		if (r < n && better(&h[w], &h[r]))
			w = r;
		if (w == i)
			return;
		swap(&h[i], &h[w]);
		i = w;
	}
}

static void
sift_up(struct ent *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!better(&h[p], &h[i]))
			return;
		swap(&h[i], &h[p]);
		i = p;
	}
}

crm_best_t *
crm_best_new(size_t limit)
{
	crm_best_t *b = calloc(1, sizeof *b);

	if (b == NULL)
		return NULL;
	b->limit = limit ? limit : 1;
	if ((b->heap = calloc(b->limit, sizeof *b->heap)) == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void
crm_best_free(crm_best_t *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		json_free(b->heap[i].rec);
	free(b->heap);
	free(b);
}

int
crm_best_add(crm_best_t *b, json_t *rec)
{
	struct ent e;
	const char *d = json_str(json_get(rec, "close_date"));

	e.rec = rec;
	e.seq = b->seq++;
	snprintf(e.date, sizeof e.date, "%s", d && strlen(d) == 10 ? d : "");
	if (b->n < b->limit) {
		b->heap[b->n] = e;
		sift_up(b->heap, b->n++);
		return 0;
	}
	if (better(&e, &b->heap[0])) {
		json_free(b->heap[0].rec);
		b->heap[0] = e;
		sift_down(b->heap, b->n, 0);
	} else {
		json_free(rec);
	}
	return 1;
}

static int
cmp_best_first(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return better(x, y) ? -1 : better(y, x) ? 1 : 0;
}

void
crm_best_sort(crm_best_t *b)
{
	qsort(b->heap, b->n, sizeof *b->heap, cmp_best_first);
}

size_t crm_best_count(const crm_best_t *b) { return b->n; }

const json_t *
crm_best_at(const crm_best_t *b, size_t i)
{
	return i < b->n ? b->heap[i].rec : NULL;
}
