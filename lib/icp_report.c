#include "icp_report.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "html.h"
#include "summary.h"

/* A number of the report's JSON; NAN (dnum) or 0 (inum) when it holds none. */
#define dnum(v) json_num_or((v), NAN)
#define inum(v) ((long long)json_int_or((v), 0))

static const char *
sor(const json_t *v, const char *def)
{
	return json_str(v) ? json_str(v) : def;
}

/* The short name of an attribute: its last two parts ("firmographics.industry"). */
static const char *
short_attr(const char *a)
{
	const char *p = a ? strrchr(a, '.') : NULL, *q;

	if (p == NULL)
		return a ? a : "-";
	for (q = p - 1; q > a && *q != '.'; q--)
		;
	return *q == '.' ? q + 1 : a;
}

/* '+' above and '-' below the base rate when significant; '~' few deals. */
static char
mark(const json_t *d)
{
	if (json_bool(json_get(d, "significant")) == 1)
		return dnum(json_get(d, "lift")) >= 1 ? '+' : '-';
	return json_bool(json_get(d, "few_deals")) == 1 ? '~' : ' ';
}

static int
window_line(const json_t *p, char *line, size_t n)
{
	const json_t *w = json_get(p, "window");

	if (json_str(json_get(w, "from")))
		return snprintf(line, n, "deals closed %s to %s", json_str(json_get(w, "from")),
		    sor(json_get(w, "to"), "-"));
	return snprintf(line, n, "every closed deal up to %s", sor(json_get(w, "to"), "-"));
}

int
icp_report_table(const json_t *p, buf_t *out)
{
	const json_t *v = json_get(p, "validation"), *ds = json_get(p, "drivers");
	const json_t *ci = json_get(p, "base_ci"), *aci = json_get(v, "auc_ci");
	char line[512];
	size_t i;

	window_line(p, line, sizeof line);
	if (buf_adds(out, "ICP profile: ") != BUF_OK ||
	    summary_cell(out, sor(json_get(p, "workspace"), "-"), 40, 0) != 0 ||
	    buf_addf(out, "\n%s: %lld (won %lld, lost %lld)\nbase win rate %.0f%% (95%% CI "
	    "%.0f-%.0f%%); won revenue %.0f, average won deal %.0f\n", line,
	    inum(json_get(p, "deals")), inum(json_get(p, "won")), inum(json_get(p, "lost")),
	    dnum(json_get(p, "base_win_rate")) * 100, dnum(json_at(ci, 0)) * 100,
	    dnum(json_at(ci, 1)) * 100, dnum(json_get(p, "won_revenue")),
	    dnum(json_get(p, "avg_won_deal"))) != BUF_OK)
		return -1;
	if (buf_addf(out, "\n%s\nValidation: %s", sor(json_get(p, "conclusion"), "-"),
	    sor(json_get(v, "verdict"), "-")) != BUF_OK)
		return -1;
	if (json_len(aci) == 2 && buf_addf(out, "\n  AUC %.2f (95%% CI %.2f-%.2f) on the %lld newest "
	    "deals; trained on %lld older", dnum(json_get(v, "auc")), dnum(json_at(aci, 0)),
	    dnum(json_at(aci, 1)), inum(json_get(v, "test_deals")),
	    inum(json_get(v, "train_deals"))) != BUF_OK)
		return -1;
	if (buf_addf(out, "\n\nDRIVERS (+ above, - below the base rate after correction; "
	    "~ few deals)\n  %-42s %5s %5s %9s %5s %7s\n", "attribute = value", "deals", "win",
	    "95% CI", "lift", "q") != BUF_OK)
		return -1;
	for (i = 0; i < json_len(ds) && i < ICP_REPORT_DRIVERS; i++) {
		const json_t *d = json_at(ds, i);
		double q = dnum(json_get(d, "q_value"));

		snprintf(line, sizeof line, "%s = %s", short_attr(json_str(json_get(d, "attribute"))),
		    sor(json_get(d, "value"), "-"));
		if (buf_addf(out, "%c ", mark(d)) != BUF_OK || summary_cell(out, line, 42, 1) != 0 ||
		    buf_addf(out, " %5lld %4.0f%% %3.0f-%3.0f%% %5.2f ", inum(json_get(d, "deals")),
		    dnum(json_get(d, "win_rate")) * 100, dnum(json_get(d, "ci_low")) * 100,
		    dnum(json_get(d, "ci_high")) * 100, dnum(json_get(d, "lift"))) != BUF_OK ||
		    (isnan(q) ? buf_addf(out, "%7s\n", "-") : buf_addf(out, "%7.4f\n", q)) != BUF_OK)
			return -1;
	}
	if (json_len(ds) > ICP_REPORT_DRIVERS && buf_addf(out, "  ... %zu more in --format json\n",
	    json_len(ds) - ICP_REPORT_DRIVERS) != BUF_OK)
		return -1;
	return 0;
}

static int
driver_rows(const json_t *ds, size_t n, struct html_rate *r, char (*labels)[200])
{
	size_t i;

	for (i = 0; i < n; i++) {
		const json_t *d = json_at(ds, i);
		char m = mark(d);

		snprintf(labels[i], 200, "%s = %s", short_attr(json_str(json_get(d, "attribute"))),
		    sor(json_get(d, "value"), "-"));
		r[i].label = labels[i];
		r[i].rate = dnum(json_get(d, "win_rate"));
		r[i].lo = dnum(json_get(d, "ci_low"));
		r[i].hi = dnum(json_get(d, "ci_high"));
		r[i].mark = m == '+' ? 1 : m == '-' ? -1 : 0;
		r[i].few = m == '~';
	}
	return 0;
}

static int
drivers_table(buf_t *out, const json_t *ds, size_t n)
{
	size_t i;

	if (buf_adds(out, "<table>\n<tr><th>attribute</th><th>value</th><th class=\"n\">deals</th>"
	    "<th class=\"n\">win rate</th><th class=\"n\">95% interval</th><th class=\"n\">lift</th>"
	    "<th class=\"n\">q-value</th><th class=\"n\">won revenue</th><th></th></tr>\n") != BUF_OK)
		return -1;
	for (i = 0; i < n; i++) {
		const json_t *d = json_at(ds, i);
		char m = mark(d);
		double q = dnum(json_get(d, "q_value"));

		if (buf_adds(out, "<tr><td>") != BUF_OK ||
		    html_text(out, json_str(json_get(d, "attribute"))) != 0 ||
		    buf_adds(out, "</td><td>") != BUF_OK ||
		    html_text(out, json_str(json_get(d, "value"))) != 0 ||
		    buf_addf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">%.0f%%</td>"
		    "<td class=\"n\">%.0f&ndash;%.0f%%</td><td class=\"n\">%.2f</td>",
		    inum(json_get(d, "deals")), dnum(json_get(d, "win_rate")) * 100,
		    dnum(json_get(d, "ci_low")) * 100, dnum(json_get(d, "ci_high")) * 100,
		    dnum(json_get(d, "lift"))) != BUF_OK ||
		    (isnan(q) ? buf_adds(out, "<td class=\"n\">-</td>") : q < 1e-4 ?
		    buf_adds(out, "<td class=\"n\">&lt;0.0001</td>") :
		    buf_addf(out, "<td class=\"n\">%.4f</td>", q)) != BUF_OK ||
		    buf_addf(out, "<td class=\"n\">%.0f</td><td%s>%s</td></tr>\n",
		    dnum(json_get(d, "won_revenue")), m == '+' ? " class=\"up\"" : m == '-' ?
		    " class=\"down\"" : "", m == '+' ? "wins more" : m == '-' ? "wins less" :
		    m == '~' ? "few deals" : "") != BUF_OK)
			return -1;
	}
	return buf_adds(out, "</table>\n") == BUF_OK ? 0 : -1;
}

int
icp_report_html(const json_t *p, buf_t *out)
{
	const json_t *v = json_get(p, "validation"), *ds = json_get(p, "drivers");
	const json_t *cov = json_get(p, "coverage"), *aci = json_get(v, "auc_ci");
	struct html_rate r[ICP_REPORT_DRIVERS];
	struct html_bar bars[32];
	char labels[ICP_REPORT_DRIVERS][200], notes[32][64], line[512], title[300];
	size_t i, n = json_len(ds) < ICP_REPORT_DRIVERS ? json_len(ds) : ICP_REPORT_DRIVERS, nb;

	snprintf(title, sizeof title, "Who buys from us: %s", sor(json_get(p, "workspace"), "-"));
	if (html_begin(out, title) != 0 ||
	    buf_adds(out, "<p class=\"lead\">") != BUF_OK ||
	    html_text(out, json_str(json_get(p, "conclusion"))) != 0)
		return -1;
	window_line(p, line, sizeof line);
	line[0] = (char)toupper((unsigned char)line[0]);
	if (buf_adds(out, "</p>\n<p>") != BUF_OK || html_text(out, line) != 0 ||
	    buf_addf(out, ": %lld closed deals, %lld won and %lld lost; base win rate %.0f%%. "
	    "Won revenue %.0f, average won deal %.0f. Profile made %s.</p>\n",
	    inum(json_get(p, "deals")), inum(json_get(p, "won")), inum(json_get(p, "lost")),
	    dnum(json_get(p, "base_win_rate")) * 100, dnum(json_get(p, "won_revenue")),
	    dnum(json_get(p, "avg_won_deal")), sor(json_get(p, "profile_at"), "-")) != BUF_OK)
		return -1;
	if (buf_adds(out, "<h2>Can the profile tell a buyer?</h2>\n<p>The model, trained on the "
	    "older deals, ") != BUF_OK || html_text(out, json_str(json_get(v, "verdict"))) != 0 ||
	    buf_adds(out, ".") != BUF_OK)
		return -1;
	if (json_len(aci) == 2 && buf_addf(out, " AUC %.2f (95%% interval %.2f&ndash;%.2f) on the "
	    "%lld newest deals.", dnum(json_get(v, "auc")), dnum(json_at(aci, 0)),
	    dnum(json_at(aci, 1)), inum(json_get(v, "test_deals"))) != BUF_OK)
		return -1;
	if (buf_adds(out, "</p>\n<h2>What sets won deals apart</h2>\n<p class=\"muted\">Each value's "
	    "win rate against the base rate, with its 95% interval. Green and red survive the "
	    "correction for testing many values at once; hollow dots have fewer than 10 deals."
	    "</p>\n") != BUF_OK)
		return -1;
	driver_rows(ds, n, r, labels);
	if (html_rate_chart(out, r, n, dnum(json_get(p, "base_win_rate")),
	    "Win rate per value, most telling first") != 0 || drivers_table(out, ds, n) != 0)
		return -1;
	nb = json_len(cov) < 32 ? json_len(cov) : 32;
	for (i = 0; i < nb; i++) {
		const json_t *c = json_at(cov, i);

		bars[i].label = short_attr(json_str(json_get(c, "attribute")));
		bars[i].share = dnum(json_get(c, "share"));
		snprintf(notes[i], sizeof notes[i], "%lld deals", inum(json_get(c, "deals")));
		bars[i].note = notes[i];
	}
	if (buf_adds(out, "<h2>How much the deals tell</h2>\n") != BUF_OK ||
	    html_bar_chart(out, bars, nb, "Share of the closed deals that have each attribute") != 0)
		return -1;
	return html_end(out);
}
