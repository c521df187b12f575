#include "html.h"

#include <math.h>
#include <string.h>

static const char style[] =
"body{font:15px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1d2330;"
"max-width:60rem;margin:2rem auto;padding:0 1rem;background:#fff}"
"h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.2rem;margin:2rem 0 .5rem;"
"border-bottom:1px solid #d8dce3;padding-bottom:.2rem}"
".lead{font-size:1.1rem}.muted{color:#5d6675}"
"table{border-collapse:collapse;width:100%;font-size:.9rem}"
"th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eceef2}"
"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
".up{color:#17803d;font-weight:600}.down{color:#b42318;font-weight:600}"
"svg{max-width:100%;height:auto}svg text{font:12px sans-serif;fill:#1d2330}";

int
html_text(buf_t *out, const char *s)
{
	const char *p;

	if (s == NULL)
		s = "-";
	for (p = s; *p; p++) {
		const char *e = NULL;

		switch (*p) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		}
		if ((e ? buf_adds(out, e) : buf_addc(out, *p)) != BUF_OK)
			return -1;
	}
	return 0;
}

int
html_elem(buf_t *out, const char *tag, const char *text)
{
	if (buf_addf(out, "<%s>", tag) != BUF_OK || html_text(out, text) != 0 ||
	    buf_addf(out, "</%s>\n", tag) != BUF_OK)
		return -1;
	return 0;
}

int
html_begin(buf_t *out, const char *title)
{
	if (buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>") != BUF_OK || html_text(out, title) != 0 ||
	    buf_addf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style) != BUF_OK ||
	    html_elem(out, "h1", title) != 0)
		return -1;
	return 0;
}

int
html_end(buf_t *out)
{
	return buf_adds(out, "</body>\n</html>\n") == BUF_OK ? 0 : -1;
}

enum { LABEL_W = 250, PLOT_W = 420, ROW_H = 22, PAD = 24 };

/* The x of a rate in the plot. */
static double
xr(double v)
{
	if (!(v >= 0))
		v = 0;
	if (v > 1)
		v = 1;
	return LABEL_W + v * PLOT_W;
}

/* A label cut to fit its column (about 38 characters). */
static int
label(buf_t *out, const char *s)
{
	char cut[160];
	size_t n = strlen(s ? s : "");

	if (n <= 38)
		return html_text(out, s);
	n = 37;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(cut, s, n);
	memcpy(cut + n, "\xe2\x80\xa6", 4);
	return html_text(out, cut);
}

int
html_rate_chart(buf_t *out, const struct html_rate *r, size_t n, double base,
    const char *caption)
{
	size_t i, h = n * ROW_H + 2 * PAD;
	int t;

	if (buf_addf(out, "<figure>\n<svg viewBox=\"0 0 %d %zu\" "
	    "width=\"%d\" height=\"%zu\" role=\"img\" aria-label=\"", LABEL_W + PLOT_W + 60, h,
	    LABEL_W + PLOT_W + 60, h) != BUF_OK || html_text(out, caption) != 0 ||
	    buf_adds(out, "\">\n") != BUF_OK)
		return -1;
	for (t = 0; t <= 4; t++)
		if (buf_addf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%zu\" stroke=\"#eceef2\"/>"
		    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d%%</text>\n", xr(t / 4.0), PAD - 6,
		    xr(t / 4.0), h - PAD + 4, xr(t / 4.0), PAD - 10, t * 25) != BUF_OK)
			return -1;
	for (i = 0; i < n; i++) {
		double y = PAD + (double)i * ROW_H + ROW_H / 2.0;
		const char *col = r[i].mark > 0 ? "#17803d" : r[i].mark < 0 ? "#b42318" : "#7a8494";

		if (buf_addf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", LABEL_W - 8,
		    y + 4) != BUF_OK || label(out, r[i].label) != 0 ||
		    buf_addf(out, "</text><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"%s\" stroke-width=\"2\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" "
		    "fill=\"%s\" stroke=\"%s\" stroke-width=\"2\"/><text x=\"%d\" y=\"%.1f\">%.0f%%"
		    "</text>\n", xr(r[i].lo), y, xr(r[i].hi), y, col, xr(r[i].rate), y,
		    r[i].few ? "#fff" : col, col, LABEL_W + PLOT_W + 8, y + 4,
		    isfinite(r[i].rate) ? r[i].rate * 100 : 0) != BUF_OK)
			return -1;
	}
	if (buf_addf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%zu\" stroke=\"#1d2330\" "
	    "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%zu\" text-anchor=\"middle\">base rate "
	    "%.0f%%</text>\n</svg>\n<figcaption class=\"muted\">", xr(base), PAD - 4, xr(base),
	    h - PAD + 4, xr(base), h - 6, base * 100) != BUF_OK || html_text(out, caption) != 0 ||
	    buf_adds(out, "</figcaption>\n</figure>\n") != BUF_OK)
		return -1;
	return 0;
}

int
html_bar_chart(buf_t *out, const struct html_bar *b, size_t n, const char *caption)
{
	size_t i, h = n * ROW_H + PAD;

	if (buf_addf(out, "<figure>\n<svg viewBox=\"0 0 %d %zu\" "
	    "width=\"%d\" height=\"%zu\" role=\"img\" aria-label=\"", LABEL_W + PLOT_W + 200, h,
	    LABEL_W + PLOT_W + 200, h) != BUF_OK || html_text(out, caption) != 0 ||
	    buf_adds(out, "\">\n") != BUF_OK)
		return -1;
	for (i = 0; i < n; i++) {
		double y = PAD / 2.0 + (double)i * ROW_H, s = b[i].share;

		if (!(s >= 0))
			s = 0;
		if (s > 1)
			s = 1;
		if (buf_addf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", LABEL_W - 8,
		    y + 15) != BUF_OK || label(out, b[i].label) != 0 ||
		    buf_addf(out, "</text><rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"14\" "
		    "fill=\"#eceef2\"/><rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"14\" "
		    "fill=\"#3b6fd8\"/><text x=\"%d\" y=\"%.1f\">", LABEL_W, y + 4, PLOT_W, LABEL_W,
		    y + 4, s * PLOT_W, LABEL_W + PLOT_W + 8, y + 15) != BUF_OK ||
		    html_text(out, b[i].note) != 0 || buf_adds(out, "</text>\n") != BUF_OK)
			return -1;
	}
	if (buf_adds(out, "</svg>\n<figcaption class=\"muted\">") != BUF_OK ||
	    html_text(out, caption) != 0 || buf_adds(out, "</figcaption>\n</figure>\n") != BUF_OK)
		return -1;
	return 0;
}
