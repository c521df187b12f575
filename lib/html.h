/*
 * html: the pieces of the one-file HTML reports (enrich-summary and
 * icp-profile --format html): a page whose style is inline and whose charts
 * are inline SVG, with a Content-Security-Policy that lets the browser load
 * nothing at all (no script, font, image or stylesheet from anywhere), so
 * the file reads the same mailed, opened offline or archived.
 *
 * Every function appends to out and returns 0, or -1 when out cannot grow
 * (its cap, or memory). Text given is escaped here.
 */
#ifndef DE_HTML_H
#define DE_HTML_H

#include <stddef.h>
#include "buf.h"

/* The page up to and including <h1>title</h1>. */
int html_begin(buf_t *out, const char *title);
/* Closes the page. */
int html_end(buf_t *out);
/* s (NULL: "-") with & < > " ' escaped. */
int html_text(buf_t *out, const char *s);
/* <tag>text</tag> (tag a literal such as "h2" or "p"). */
int html_elem(buf_t *out, const char *tag, const char *text);

/*
 * A win-rate chart: one row per value, its rate as a dot, its interval as a
 * line, against the base rate's dashed line. mark 1 (significantly above),
 * -1 (below) or 0 colours the row; few draws it hollow (fewer than 10 deals).
 */
struct html_rate {
	const char *label;
	double rate, lo, hi;
	int mark, few;
};
int html_rate_chart(buf_t *out, const struct html_rate *r, size_t n, double base,
    const char *caption);

/* Horizontal bars of shares (0-1), each with its label and a note after it. */
struct html_bar {
	const char *label;
	double share;
	const char *note;
};
int html_bar_chart(buf_t *out, const struct html_bar *b, size_t n, const char *caption);

#endif
