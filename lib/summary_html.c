#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

#define HTML_ROWS 25     /* rows of a finding's chart */

/* A number of the report's JSON; NAN (dnum) or 0 (inum) when it holds none. */
#define dnum(v) json_num_or((v), NAN)
#define inum(v) ((long long)json_int_or((v), 0))

static int
pct_cell(buf_t *out, double v)
{
	return (isnan(v) ? buf_adds(out, "<td class=\"n\">-</td>") :
	    buf_addf(out, "<td class=\"n\">%.0f%%</td>", v * 100)) == BUF_OK ? 0 : -1;
}

static int
finding(buf_t *out, const char *title, const json_t *segs, double base)
{
	struct html_rate r[HTML_ROWS];
	size_t i, n = json_len(segs) < HTML_ROWS ? json_len(segs) : HTML_ROWS;

	if (html_elem(out, "h2", title) != 0)
		return -1;
	if (n == 0)
		return buf_adds(out, "<p class=\"muted\">none</p>\n") == BUF_OK ? 0 : -1;
	for (i = 0; i < n; i++) {
		const json_t *g = json_at(segs, i);

		r[i].label = json_str(json_get(g, "value"));
		r[i].rate = dnum(json_get(g, "win_rate"));
		r[i].lo = dnum(json_get(g, "ci_low"));
		r[i].hi = dnum(json_get(g, "ci_high"));
		r[i].mark = 0;
		r[i].few = json_bool(json_get(g, "few_deals")) == 1;
	}
	if (html_rate_chart(out, r, n, base, "Win rate per value with its 95% interval; hollow: "
	    "fewer than 10 deals") != 0 ||
	    buf_adds(out, "<table>\n<tr><th>value</th><th class=\"n\">deals</th><th class=\"n\">of "
	    "won</th><th class=\"n\">of lost</th><th class=\"n\">win rate</th><th class=\"n\">95% "
	    "interval</th><th class=\"n\">won revenue</th><th class=\"n\">average won deal</th>"
	    "<th></th></tr>\n") != BUF_OK)
		return -1;
	for (i = 0; i < json_len(segs); i++) {
		const json_t *g = json_at(segs, i);
		double avg = dnum(json_get(g, "avg_won_deal"));

		if (buf_adds(out, "<tr><td>") != BUF_OK ||
		    html_text(out, json_str(json_get(g, "value"))) != 0 ||
		    buf_addf(out, "</td><td class=\"n\">%lld</td>", inum(json_get(g, "deals"))) != BUF_OK ||
		    pct_cell(out, dnum(json_get(g, "share_won"))) != 0 ||
		    pct_cell(out, dnum(json_get(g, "share_lost"))) != 0 ||
		    pct_cell(out, dnum(json_get(g, "win_rate"))) != 0 ||
		    buf_addf(out, "<td class=\"n\">%.0f&ndash;%.0f%%</td><td class=\"n\">%.0f</td>",
		    dnum(json_get(g, "ci_low")) * 100, dnum(json_get(g, "ci_high")) * 100,
		    dnum(json_get(g, "won_revenue"))) != BUF_OK ||
		    (isnan(avg) ? buf_adds(out, "<td class=\"n\">-</td>") :
		    buf_addf(out, "<td class=\"n\">%.0f</td>", avg)) != BUF_OK ||
		    buf_addf(out, "<td class=\"muted\">%s</td></tr>\n",
		    json_bool(json_get(g, "few_deals")) == 1 ? "few deals" : "") != BUF_OK)
			return -1;
	}
	return buf_adds(out, "</table>\n") == BUF_OK ? 0 : -1;
}

static int
moved(buf_t *out, const json_t *m)
{
	static const char *const cols[] = { "name", "buying_role", "account", "title",
	    "new_company", "new_title", "since" };
	static const char *const heads[] = { "who", "role", "was at", "as", "now at", "as",
	    "since" };
	const json_t *rows = json_get(m, "newest");
	size_t i, j;

	if (html_elem(out, "h2", "Champions and buyers who moved") != 0 ||
	    buf_addf(out, "<p>%lld contacts of won deals have moved to another company; the warmest "
	    "leads there are. Newest first.</p>\n", inum(json_get(m, "contacts"))) != BUF_OK)
		return -1;
	if (json_len(rows) == 0)
		return 0;
	if (buf_adds(out, "<table>\n<tr>") != BUF_OK)
		return -1;
	for (j = 0; j < sizeof heads / sizeof heads[0]; j++)
		if (html_elem(out, "th", heads[j]) != 0)
			return -1;
	if (buf_adds(out, "</tr>\n") != BUF_OK)
		return -1;
	for (i = 0; i < json_len(rows); i++) {
		if (buf_adds(out, "<tr>") != BUF_OK)
			return -1;
		for (j = 0; j < sizeof cols / sizeof cols[0]; j++) {
			const char *v = json_str(json_get(json_at(rows, i), cols[j]));

			if (j == 0 && v == NULL)
				v = json_str(json_get(json_at(rows, i), "email"));
			if (buf_adds(out, "<td>") != BUF_OK || html_text(out, v) != 0 ||
			    buf_adds(out, "</td>") != BUF_OK)
				return -1;
		}
		if (buf_adds(out, "</tr>\n") != BUF_OK)
			return -1;
	}
	return buf_adds(out, "</table>\n") == BUF_OK ? 0 : -1;
}

int
summary_html(const json_t *s, buf_t *out)
{
	static const struct { const char *key, *title; } lists[] = {
		{ "industries", "Industries" }, { "size_bands", "Company size" },
		{ "seniorities", "Seniority" }, { "departments", "Departments" },
		{ "buying_roles", "Buying roles" }, { "signal_types", "Signals" },
	};
	const json_t *w = json_get(s, "window"), *d = json_get(s, "deals");
	const json_t *c = json_get(s, "coverage"), *f = json_get(s, "findings");
	long long total = inum(json_get(d, "total")), won = inum(json_get(d, "won"));
	double base = total ? (double)won / (double)total : 0;
	struct html_bar bars[5];
	char title[300], notes[5][96];
	size_t i;

	snprintf(title, sizeof title, "Enrichment summary: %s",
	    json_str(json_get(s, "workspace")) ? json_str(json_get(s, "workspace")) : "-");
	if (html_begin(out, title) != 0 || buf_adds(out, "<p class=\"lead\">") != BUF_OK)
		return -1;
	if (json_str(json_get(w, "from")) ? buf_addf(out, "Deals closed %s to %s: ",
	    json_str(json_get(w, "from")), json_str(json_get(w, "to"))) != BUF_OK :
	    buf_adds(out, "Every closed deal: ") != BUF_OK)
		return -1;
	if (buf_addf(out, "%lld deals, %lld won and %lld lost (win rate %.0f%%). Won revenue %.0f, "
	    "average won deal %.0f.</p>\n", total, won, inum(json_get(d, "lost")), base * 100,
	    dnum(json_get(d, "won_revenue")), isnan(dnum(json_get(d, "avg_won_deal"))) ? 0 :
	    dnum(json_get(d, "avg_won_deal"))) != BUF_OK)
		return -1;
	bars[0].label = "apollo (contacts)";
	bars[0].share = dnum(json_path(c, "apollo.share"));
	snprintf(notes[0], sizeof notes[0], "%lld of %lld", inum(json_path(c, "apollo.enriched")),
	    inum(json_get(c, "contacts")));
	bars[1].label = "linkedin (contacts)";
	bars[1].share = dnum(json_path(c, "linkedin.share"));
	snprintf(notes[1], sizeof notes[1], "%lld of %lld; %lld mismatch",
	    inum(json_path(c, "linkedin.enriched")), inum(json_get(c, "contacts")),
	    inum(json_path(c, "linkedin.mismatch")));
	bars[2].label = "any source (contacts)";
	bars[2].share = dnum(json_path(c, "any_source.share"));
	snprintf(notes[2], sizeof notes[2], "%lld of %lld: Apollo or LinkedIn",
	    inum(json_path(c, "any_source.enriched")), inum(json_get(c, "contacts")));
	bars[3].label = "signals (accounts)";
	bars[3].share = dnum(json_path(c, "signals.share"));
	snprintf(notes[3], sizeof notes[3], "%lld of %lld",
	    inum(json_path(c, "signals.with_signals")), inum(json_path(c, "signals.accounts")));
	bars[4].label = "buying roles (contacts)";
	bars[4].share = dnum(json_path(c, "roles.share"));
	snprintf(notes[4], sizeof notes[4], "%lld of %lld", inum(json_path(c, "roles.resolved")),
	    inum(json_get(c, "contacts")));
	for (i = 0; i < 5; i++)
		bars[i].note = notes[i];
	if (html_elem(out, "h2", "Coverage") != 0 ||
	    html_bar_chart(out, bars, 5, "What the enrichment found") != 0)
		return -1;
	for (i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (finding(out, lists[i].title, json_get(f, lists[i].key), base) != 0)
			return -1;
	if (moved(out, json_get(s, "moved")) != 0)
		return -1;
	return html_end(out);
}
