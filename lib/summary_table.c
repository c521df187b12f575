#include "summary.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- text ---- */

static uint32_t
utf8_next(const char **ps)
{
	const unsigned char *s = (const unsigned char *)*ps;
	uint32_t c = *s;
	int n = 0, i;

	if (c < 0x80)
		n = 0;
	else if ((c & 0xe0) == 0xc0) {
		c &= 0x1f;
		n = 1;
	} else if ((c & 0xf0) == 0xe0) {
		c &= 0x0f;
		n = 2;
	} else if ((c & 0xf8) == 0xf0) {
		c &= 0x07;
		n = 3;
	}
	s++;
	for (i = 0; i < n && (*s & 0xc0) == 0x80; i++)
		c = (c << 6) | (*s++ & 0x3f);
	*ps = (const char *)s;
	return c;
}

static int
cwidth(uint32_t c)
{
	if (c == 0 || (c >= 0x300 && c <= 0x36f) || c == 0x200b || (c >= 0xfe00 && c <= 0xfe0f))
		return 0;
	if (c < 0x20 || c == 0x7f)
		return 1;   /* shown as '?' */
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f680 && c <= 0x1f6ff) || (c >= 0x1fa70 && c <= 0x1faff) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

size_t
summary_width(const char *s)
{
	size_t w = 0;

	while (s && *s)
		w += (size_t)cwidth(utf8_next(&s));
	return w;
}

int
summary_cell(buf_t *out, const char *s, size_t width, int pad)
{
	size_t w = 0;
	const char *p = s ? s : "", *q;
	int cw;

	if (summary_width(p) <= width) {
		for (q = p; *q;) {
			const char *start = q;
			uint32_t c = utf8_next(&q);

			if (c < 0x20 || c == 0x7f) {
				if (buf_addc(out, '?') != BUF_OK)
					return -1;
			} else if (buf_add(out, start, (size_t)(q - start)) != BUF_OK)
				return -1;
		}
		w = summary_width(p);
	} else {
		for (q = p; *q;) {
			const char *start = q;
			uint32_t c = utf8_next(&q);

			cw = cwidth(c);
			if (w + (size_t)cw > width - 1)
				break;
			if (c < 0x20 || c == 0x7f) {
				if (buf_addc(out, '?') != BUF_OK)
					return -1;
			} else if (buf_add(out, start, (size_t)(q - start)) != BUF_OK)
				return -1;
			w += (size_t)cw;
		}
		if (buf_adds(out, "\xe2\x80\xa6") != BUF_OK)
			return -1;
		w++;
	}
	for (; pad && w < width; w++)
		if (buf_addc(out, ' ') != BUF_OK)
			return -1;
	return 0;
}

static int
add_cell(buf_t *out, const char *s, size_t width)
{
	return summary_cell(out, s, width, 1);
}

/* Drops the spaces that end lines in out from byte `from` on. */
static void
rtrim_lines(buf_t *out, size_t from)
{
	size_t i, j = from;

	for (i = from; i < out->len; i++) {
		if (out->ptr[i] == '\n')
			while (j > from && out->ptr[j - 1] == ' ')
				j--;
		out->ptr[j++] = out->ptr[i];
	}
	out->len = j;
	if (out->ptr)
		out->ptr[j] = '\0';
}

static int
add_bar(buf_t *out, double frac, size_t width)
{
	size_t i, full;

	if (!(frac >= 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	full = (size_t)lround(frac * (double)width);
	for (i = 0; i < width; i++)
		if (buf_adds(out, i < full ? "\xe2\x96\x88" : "\xe2\x96\x91") != BUF_OK)
			return -1;
	return 0;
}

/* A ratio as a right-aligned percentage in width columns, "-" when null. */
static int
add_pct(buf_t *out, const json_t *v, int width)
{
	double d;

	if (json_num_double(v, &d) != 0)
		return buf_addf(out, "%*s", width, "-") == BUF_OK ? 0 : -1;
	return buf_addf(out, "%*.0f%%", width - 1, d * 100) == BUF_OK ? 0 : -1;
}

static long long
num_of(const json_t *v)
{
	int64_t n = 0;

	json_num_int(v, &n);
	return (long long)n;
}

static const char *
str_or(const json_t *v, const char *def)
{
	const char *s = json_str(v);

	return s ? s : def;
}

/* An amount in at most 8 columns: 950, 12.5k, 3.2M, 1.1B. */
static void
compact(char *out, size_t n, double v)
{
	if (!(v == v))
		snprintf(out, n, "-");
	else if (v < 10000)
		snprintf(out, n, "%.0f", v);
	else if (v < 1e6)
		snprintf(out, n, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(out, n, "%.1fM", v / 1e6);
	else
		snprintf(out, n, "%.1fB", v / 1e9);
}

/* The Wilson interval as "lo-hi%" in 7 columns, "-" without one. */
static int
add_interval(buf_t *out, const json_t *g)
{
	double lo, hi;
	char t[32];

	if (json_num_double(json_get(g, "ci_low"), &lo) != 0 ||
	    json_num_double(json_get(g, "ci_high"), &hi) != 0)
		return buf_addf(out, " %7s", "-") == BUF_OK ? 0 : -1;
	snprintf(t, sizeof t, "%.0f-%.0f%%", lo * 100, hi * 100);
	return buf_addf(out, " %7s", t) == BUF_OK ? 0 : -1;
}

/*
 * Columns: value 22, bar 10 | deals 6 | of won 7 | of lost 8 | win 7 (a '*'
 * under SUMMARY_FEW_DEALS deals) | 95% CI 8 | won revenue 10: 79 in all.
 */
static int
segments_table(buf_t *out, const char *title, const json_t *segs)
{
	size_t i;
	long long max = 1;
	double rev, rate;
	char t[32];

	if (buf_addf(out, "\n%-35s%5s%7s%8s%6s %8s%10s\n", title, "deals", "of won", "of lost",
	    "win", "95% CI", "won rev.") != BUF_OK)
		return -1;
	if (json_len(segs) == 0)
		return buf_adds(out, "  (none)\n") == BUF_OK ? 0 : -1;
	for (i = 0; i < json_len(segs); i++)
		if (num_of(json_get(json_at(segs, i), "deals")) > max)
			max = num_of(json_get(json_at(segs, i), "deals"));
	for (i = 0; i < json_len(segs); i++) {
		const json_t *g = json_at(segs, i);
		long long d = num_of(json_get(g, "deals"));

		if (json_num_double(json_get(g, "won_revenue"), &rev) != 0)
			rev = 0;
		compact(t, sizeof t, rev);
		if (buf_adds(out, "  ") != BUF_OK ||
		    add_cell(out, json_str(json_get(g, "value")), 22) != 0 ||
		    buf_addc(out, ' ') != BUF_OK ||
		    add_bar(out, (double)d / (double)max, 10) != 0 ||
		    buf_addf(out, " %4lld", d) != BUF_OK ||
		    add_pct(out, json_get(g, "share_won"), 7) != 0 ||
		    add_pct(out, json_get(g, "share_lost"), 8) != 0)
			return -1;
		if (json_num_double(json_get(g, "win_rate"), &rate) == 0) {
			if (buf_addf(out, " %4.0f%%%c", rate * 100,
			    json_bool(json_get(g, "few_deals")) == 1 ? '*' : ' ') != BUF_OK)
				return -1;
		} else if (buf_addf(out, " %5s ", "-") != BUF_OK)
			return -1;
		if (add_interval(out, g) != 0 || buf_addf(out, " %9s\n", t) != BUF_OK)
			return -1;
	}
	return 0;
}

static int
tenure_line(buf_t *out, const char *label, const json_t *t)
{
	double a, m;

	if (json_num_double(json_get(t, "average"), &a) != 0 ||
	    json_num_double(json_get(t, "median"), &m) != 0)
		return buf_addf(out, "  %-6s no tenure known\n", label) == BUF_OK ? 0 : -1;
	return buf_addf(out, "  %-6s average %6.1f  median %6.1f  (%lld contacts)\n", label, a, m,
	    num_of(json_get(t, "contacts"))) == BUF_OK ? 0 : -1;
}

static int
coverage_line(buf_t *out, const char *label, long long num, long long den, const char *what)
{
	if (buf_addf(out, "  %-8s ", label) != BUF_OK ||
	    add_bar(out, den > 0 ? (double)num / (double)den : 0, 20) != 0 ||
	    buf_addf(out, " %lld of %lld %s", num, den, what) != BUF_OK)
		return -1;
	if (den > 0 && buf_addf(out, " (%.0f%%)", 100.0 * (double)num / (double)den) != BUF_OK)
		return -1;
	return buf_addc(out, '\n') == BUF_OK ? 0 : -1;
}

/* The champions and buyers who moved, newest first: who, role, where to, as what, since. */
static int
moved_table(buf_t *out, const json_t *m)
{
	const json_t *rows = json_get(m, "newest");
	size_t i;

	if (buf_addf(out, "\nCHAMPIONS AND BUYERS WHO MOVED (%lld, newest first)\n",
	    num_of(json_get(m, "contacts"))) != BUF_OK)
		return -1;
	if (json_len(rows) == 0)
		return buf_adds(out, "  (none)\n") == BUF_OK ? 0 : -1;
	if (buf_addf(out, "  %-16s %-14s %-18s %-16s %s\n", "name", "role", "now at", "as",
	    "since") != BUF_OK)
		return -1;
	for (i = 0; i < json_len(rows); i++) {
		const json_t *r = json_at(rows, i);

		if (buf_adds(out, "  ") != BUF_OK ||
		    add_cell(out, str_or(json_get(r, "name"), str_or(json_get(r, "email"), "-")),
		    16) != 0 || buf_addc(out, ' ') != BUF_OK ||
		    add_cell(out, str_or(json_get(r, "buying_role"), "-"), 14) != 0 ||
		    buf_addc(out, ' ') != BUF_OK ||
		    add_cell(out, str_or(json_get(r, "new_company"), "-"), 18) != 0 ||
		    buf_addc(out, ' ') != BUF_OK ||
		    add_cell(out, str_or(json_get(r, "new_title"), "-"), 16) != 0 ||
		    buf_addc(out, ' ') != BUF_OK ||
		    add_cell(out, str_or(json_get(r, "since"), "-"), 10) != 0 ||
		    buf_addc(out, '\n') != BUF_OK)
			return -1;
	}
	return 0;
}

static int
summary_table_(const json_t *s, buf_t *out)
{
	const json_t *w = json_get(s, "window"), *d = json_get(s, "deals");
	const json_t *c = json_get(s, "coverage"), *f = json_get(s, "findings");
	const json_t *ap = json_get(c, "apollo"), *t = json_get(f, "tenure");
	const json_t *li = json_get(c, "linkedin");
	static const struct { const char *key, *title; } lists[] = {
		{ "industries", "INDUSTRIES" }, { "size_bands", "COMPANY SIZE" },
		{ "seniorities", "SENIORITY" }, { "departments", "DEPARTMENTS" },
		{ "buying_roles", "BUYING ROLES" }, { "signal_types", "SIGNALS" },
	};
	size_t i;
	double rev;
	char rv[32], avg[32];

	if (buf_adds(out, "Enrichment summary: ") != BUF_OK ||
	    add_cell(out, str_or(json_get(s, "workspace"), "-"),
	    summary_width(str_or(json_get(s, "workspace"), "-")) > 58 ? 58 :
	    summary_width(str_or(json_get(s, "workspace"), "-"))) != 0 ||
	    buf_addc(out, '\n') != BUF_OK)
		return -1;
	if (json_str(json_get(w, "from"))) {
		if (buf_addf(out, "Deals closed %s to %s (%lld months)\n", json_str(json_get(w, "from")),
		    str_or(json_get(w, "to"), "-"), num_of(json_get(w, "months"))) != BUF_OK)
			return -1;
	} else if (buf_adds(out, "Every closed deal\n") != BUF_OK)
		return -1;
	if (json_num_double(json_get(d, "won_revenue"), &rev) != 0)
		rev = 0;
	compact(rv, sizeof rv, rev);
	compact(avg, sizeof avg, json_num_double(json_get(d, "avg_won_deal"), &rev) == 0 ? rev :
	    NAN);
	if (buf_addf(out, "Deals %lld: won %lld, lost %lld; enriched %lld, partial %lld, "
	    "failed %lld\nWon revenue %s, average won deal %s\n", num_of(json_get(d, "total")),
	    num_of(json_get(d, "won")), num_of(json_get(d, "lost")),
	    num_of(json_get(d, "enriched")), num_of(json_get(d, "partial")),
	    num_of(json_get(d, "failed")), rv, avg) != BUF_OK ||
	    buf_addf(out, "Last run %s; last enrichment %s\n",
	    str_or(json_get(s, "last_run_at"), "never"),
	    str_or(json_get(s, "last_enriched_at"), "never")) != BUF_OK)
		return -1;
	if (buf_adds(out, "\nCOVERAGE\n") != BUF_OK ||
	    coverage_line(out, "apollo", num_of(json_get(ap, "enriched")),
	    num_of(json_get(c, "contacts")), "contacts") != 0 ||
	    buf_addf(out, "  %-8s %lld not found, %lld failed, %lld skipped\n", "",
	    num_of(json_get(ap, "not_found")), num_of(json_get(ap, "failed")),
	    num_of(json_get(ap, "skipped"))) != BUF_OK ||
	    coverage_line(out, "linkedin", num_of(json_get(li, "enriched")),
	    num_of(json_get(c, "contacts")), "contacts") != 0 ||
	    buf_addf(out, "  %-8s %lld mismatch, %lld not found, %lld failed, %lld skipped, "
	    "%lld not asked\n", "", num_of(json_get(li, "mismatch")),
	    num_of(json_get(li, "not_found")), num_of(json_get(li, "failed")),
	    num_of(json_get(li, "skipped")), num_of(json_get(li, "not_asked"))) != BUF_OK ||
	    coverage_line(out, "any", num_of(json_path(c, "any_source.enriched")),
	    num_of(json_get(c, "contacts")), "contacts by any source") != 0 ||
	    coverage_line(out, "signals", num_of(json_path(c, "signals.with_signals")),
	    num_of(json_path(c, "signals.accounts")), "accounts") != 0 ||
	    coverage_line(out, "roles", num_of(json_path(c, "roles.resolved")),
	    num_of(json_get(c, "contacts")), "contacts") != 0)
		return -1;
	for (i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		if (segments_table(out, lists[i].title, json_get(f, lists[i].key)) != 0)
			return -1;
		if (strcmp(lists[i].key, "size_bands") == 0 &&
		    (buf_adds(out, "\nTENURE (months)\n") != BUF_OK ||
		    tenure_line(out, "all", t) != 0 ||
		    tenure_line(out, "won", json_get(t, "won")) != 0 ||
		    tenure_line(out, "lost", json_get(t, "lost")) != 0))
			return -1;
	}
	if (buf_addf(out, "\n* fewer than %d deals: the win rate says little; 95%% CI: the Wilson "
	    "interval\n", SUMMARY_FEW_DEALS) != BUF_OK)
		return -1;
	return moved_table(out, json_get(s, "moved"));
}

int
summary_table_deals_header(buf_t *out)
{
	return buf_addf(out, "%-12s %-10s %-4s %-8s %4s %6s %5s %s\n", "deal_id", "closed", "W/L",
	    "status", "cont", "apollo", "roles", "name") == BUF_OK ? 0 : -1;
}

static int
summary_table_deal_row_(const json_t *r, buf_t *out)
{
	const char *stage = str_or(json_get(r, "stage"), "-");

	if (add_cell(out, str_or(json_get(r, "deal_id"), "-"), 12) != 0 ||
	    buf_addc(out, ' ') != BUF_OK ||
	    add_cell(out, str_or(json_get(r, "close_date"), "-"), 10) != 0 ||
	    buf_addf(out, " %-4s %-8s %4lld %6lld %5lld ",
	    strcmp(stage, "closed_won") == 0 ? "won" : strcmp(stage, "closed_lost") == 0 ?
	    "lost" : "open", str_or(json_get(r, "status"), "-"),
	    num_of(json_get(r, "contacts")), num_of(json_get(r, "apollo_enriched")),
	    num_of(json_get(r, "roles_resolved"))) != BUF_OK ||
	    add_cell(out, str_or(json_get(r, "deal_name"), "-"), 22) != 0 ||
	    buf_addc(out, '\n') != BUF_OK)
		return -1;
	return 0;
}

static int
summary_table_committee_(const json_t *c, buf_t *out)
{
	const json_t *cm = json_get(c, "committee"), *sig = json_get(c, "signals");
	const json_t *items = json_get(sig, "items"), *firmo = json_path(c, "account.firmographics");
	char line[64];
	double d;
	size_t i;

	if (buf_adds(out, "Deal ") != BUF_OK ||
	    add_cell(out, str_or(json_get(c, "deal_id"), "-"), 20) != 0 ||
	    buf_adds(out, " ") != BUF_OK ||
	    add_cell(out, str_or(json_get(c, "deal_name"), "-"), 50) != 0 ||
	    buf_addf(out, "\n  %s, closed %s, enrichment %s\n",
	    str_or(json_get(c, "stage_normalized"), "-"), str_or(json_get(c, "close_date"), "-"),
	    str_or(json_get(c, "status"), "-")) != BUF_OK)
		return -1;
	if (buf_adds(out, "  account ") != BUF_OK ||
	    add_cell(out, str_or(json_path(c, "account.name"), "-"), 30) != 0 ||
	    buf_adds(out, " ") != BUF_OK ||
	    add_cell(out, str_or(json_get(firmo, "industry"), "-"), 24) != 0 ||
	    buf_addc(out, ' ') != BUF_OK ||
	    add_cell(out, str_or(json_get(firmo, "size_band"), "-"), 12) != 0 ||
	    buf_addc(out, '\n') != BUF_OK)
		return -1;
	if (buf_addf(out, "\nBUYING COMMITTEE\n  %-16s %-19s %4s %-18s %-9s %s\n", "name", "role",
	    "conf", "source", "seniority", "tenure") != BUF_OK)
		return -1;
	for (i = 0; i < json_len(cm); i++) {
		const json_t *m = json_at(cm, i);

		if (json_num_double(json_get(m, "role_confidence"), &d) == 0)
			snprintf(line, sizeof line, "%4.2f", d);
		else
			snprintf(line, sizeof line, "   -");
		if (buf_adds(out, "  ") != BUF_OK ||
		    add_cell(out, str_or(json_get(m, "name"), str_or(json_get(m, "email"), "-")),
		    16) != 0 || buf_addc(out, ' ') != BUF_OK ||
		    add_cell(out, str_or(json_get(m, "buying_role"), "-"), 19) != 0 ||
		    buf_addf(out, " %s ", line) != BUF_OK ||
		    add_cell(out, str_or(json_get(m, "role_source"), "-"), 18) != 0 ||
		    buf_addc(out, ' ') != BUF_OK ||
		    add_cell(out, str_or(json_get(m, "seniority"), "-"), 9) != 0)
			return -1;
		if (json_num_double(json_get(m, "tenure_months"), &d) == 0 && d > -1e6 && d < 1e6) {
			if (buf_addf(out, " %4.0fm\n", d) != BUF_OK)
				return -1;
		} else if (buf_adds(out, "     -\n") != BUF_OK)
			return -1;
	}
	if (!json_is(sig, JSON_OBJECT))
		return buf_adds(out, "\nSIGNALS\n  none\n") == BUF_OK ? 0 : -1;
	if (buf_addf(out, "\nSIGNALS (%s", str_or(json_get(sig, "status"), "-")) != BUF_OK)
		return -1;
	if (json_num_double(json_get(sig, "score"), &d) == 0 &&
	    buf_addf(out, ", score %.2f", d) != BUF_OK)
		return -1;
	if (buf_adds(out, ")\n") != BUF_OK)
		return -1;
	for (i = 0; i < json_len(items); i++) {
		const json_t *it = json_at(items, i);

		if (buf_adds(out, "  ") != BUF_OK ||
		    add_cell(out, str_or(json_get(it, "type"), "-"), 17) != 0 ||
		    buf_addc(out, ' ') != BUF_OK ||
		    add_cell(out, str_or(json_get(it, "date"), ""), 10) != 0 ||
		    buf_addc(out, ' ') != BUF_OK ||
		    add_cell(out, str_or(json_get(it, "signal"), "-"), 48) != 0 ||
		    buf_addc(out, '\n') != BUF_OK)
			return -1;
	}
	return 0;
}

int
summary_table(const json_t *s, buf_t *out)
{
	size_t from = out->len;

	if (summary_table_(s, out) != 0)
		return -1;
	rtrim_lines(out, from);
	return 0;
}

int
summary_table_deal_row(const json_t *r, buf_t *out)
{
	size_t from = out->len;

	if (summary_table_deal_row_(r, out) != 0)
		return -1;
	rtrim_lines(out, from);
	return 0;
}

int
summary_table_committee(const json_t *c, buf_t *out)
{
	size_t from = out->len;

	if (summary_table_committee_(c, out) != 0)
		return -1;
	rtrim_lines(out, from);
	return 0;
}
