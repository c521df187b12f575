#include "signals.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "date.h"
#include "str.h"

/*
 * THE KEYWORD TABLE. The one place the rules classifier's knowledge lives;
 * man/serper-signals.1 lists it (a test checks that every keyword here is in
 * the page). Order is priority: the first rule that matches wins.
 */
static const char *const kw_negative_press[] = {
	"lawsuit", "lawsuits", "sued", "sues", "suing", "class action", "files suit",
	"data breach", "breach", "hacked", "hackers", "cyberattack", "ransomware",
	"investigation", "investigated", "probe", "probes", "scandal", "fraud", "fined", "fines",
	"penalty", "penalised", "penalized", "recall", "recalls", "recalled", "outage",
	"bankruptcy", "chapter 11", "insolvency", "accused", "accuses", "allegations", "alleges",
	"alleged", "misconduct", "violations", "antitrust", "charged with", "indicted",
	"shares plunge", "shares plunged", "shares tumble", "shares fall", "stock plunges",
	"stock falls", "plummet*", "plunge*", "tumble*", "downgrade*", "earnings miss",
	"misses estimates", "misses expectations", "profit warning", "short seller", "delisted",
	"backlash", "boycott", "controversy", "criticised", "criticized",
	NULL
};
static const char *const kw_layoff[] = {
	"layoff", "layoffs", "lay off", "lays off", "laid off", "laying off", "job cuts",
	"cuts jobs", "cut jobs", "cutting jobs", "cut # jobs", "cuts # jobs", "cutting # jobs",
	"cut # positions", "cuts # positions", "cut # roles", "cuts # roles", "eliminat* # jobs",
	"eliminat* # positions", "eliminat* # roles", "# of staff", "# of its staff",
	"# of workforce", "# of its workforce", "# of employees", "# of its employees",
	"workforce reduction", "reduction in force", "reduce* workforce", "reduce* its workforce",
	"reduce* headcount", "cuts workforce", "trims workforce", "trims staff", "restructuring",
	"downsiz*", "furlough*", "job losses", "redundancies", "cost cutting", "hiring freeze",
	"shuts down", "shutting down", "to close # offices", "closes office",
	NULL
};
static const char *const kw_acquisition[] = {
	"acquires", "acquired", "acquire", "acquiring", "acquisition", "acquisitions",
	"to buy", "buys", "bought", "agrees to buy", "buyout", "merger", "merges", "merge",
	"to merge", "takeover", "snaps up", "completes purchase", "purchase of",
	"!talent acquisition", "!customer acquisition", "!data acquisition",
	NULL
};
static const char *const kw_funding[] = {
	"raises", "raised", "raise", "raising", "funding", "funding round", "series a",
	"series b", "series c", "series d", "series e", "series f", "seed round", "pre seed",
	"seed funding", "venture funding", "venture capital", "investment from",
	"investment led", "growth investment", "strategic investment", "led by", "backed by",
	"valuation", "valued at", "unicorn", "ipo", "goes public", "go public",
	"secures #", "lands #", "closes #", "# round", "financing", "capital injection",
	"!raises prices", "!raise prices", "!raised prices", "!raises concerns",
	"!raises questions", "!raised concerns", "!raises awareness", "!raises guidance",
	NULL
};
static const char *const kw_leadership_change[] = {
	"appoints", "appointed", "appointment", "names new", "named new", "as new", "new ceo",
	"new cfo", "new cto", "new coo", "new cro", "new cmo", "new cio", "new president",
	"new chief", "new chair", "new chairman", "as ceo", "as cfo", "as cto", "as coo",
	"as cro", "as cmo", "as president", "as chief", "chief * officer", "named ceo",
	"named cfo", "named president", "steps down", "step down", "stepping down", "resigns",
	"resigned", "resignation", "retires", "to retire", "departs", "ousted", "successor",
	"succeeds", "promoted to", "promotes", "joins * as", "taps * as", "taps * to lead",
	"leadership change", "leadership transition", "shake up", "shakeup", "board of directors",
	NULL
};
static const char *const kw_regulatory[] = {
	"regulatory", "regulator", "regulators", "regulation", "regulations", "fda", "ema",
	"approval", "approvals", "approves", "approved", "clearance", "510 k", "ce mark",
	"compliance", "compliant", "certification", "certified", "soc 2", "iso #", "gdpr",
	"hipaa", "fedramp", "license", "licence", "permit", "authorization", "authorisation",
	NULL
};
static const char *const kw_partnership[] = {
	"partners with", "partnered with", "partnering with", "partner with", "partnership",
	"partnerships", "strategic alliance", "alliance", "teams up", "team up", "joins forces",
	"collaborat*", "integrates with", "integration with", "agreement with",
	"signs * agreement", "signs * deal", "inks * deal", "inks deal", "reseller",
	"joint venture", "selected by", "chosen by", "contract with", "wins * contract",
	"wins contract", "awarded * contract", "awarded contract",
	NULL
};
static const char *const kw_hiring[] = {
	"hiring", "hires", "to hire", "recruit*", "job openings", "open roles", "open positions",
	"new jobs", "# jobs", "# new jobs", "add # jobs", "adds # jobs", "to add #", "plans to add",
	"create # jobs", "creates # jobs", "creating # jobs", "headcount", "staff up",
	"talent", "workforce growth", "grows team", "expands team", "doubles team",
	NULL
};
static const char *const kw_expansion[] = {
	"opens", "opened", "opening", "new office", "new offices", "new headquarters",
	"headquarters", "expands", "expand", "expanding", "expansion", "enters", "entering",
	"new market", "new markets", "new region", "international", "new facility",
	"new plant", "manufacturing plant", "factory", "new data center", "new location",
	"new locations", "new store", "new stores", "establishes", "relocat*", "breaks ground",
	"launches in", "now available in", "hub in", "office in",
	NULL
};
static const char *const kw_product_launch[] = {
	"launches", "launched", "launch", "launching", "unveils", "unveiled", "unveiling",
	"introduces", "introduced", "introducing", "debuts", "debuted", "rolls out",
	"rolled out", "releases", "released", "new product", "new version", "new feature",
	"new features", "now available", "general availability", "generally available",
	"beta", "announces new", "next generation",
	NULL
};
static const char *const kw_award[] = {
	"award", "awards", "awarded", "wins", "won", "winner", "recognized", "recognised",
	"recognition", "honored", "honoured", "named a leader", "named to", "named one of",
	"ranked", "ranks", "ranking", "top workplace", "top workplaces", "best place* to work",
	"best employer", "of the year", "inc 5000", "fast 500", "most innovative",
	NULL
};

static const struct signals_rule rules[SIGNALS_NTYPES] = {
	{ "negative_press", 0.70, -0.6, kw_negative_press },
	{ "layoff", 0.85, -0.7, kw_layoff },
	{ "acquisition", 0.85, 0.3, kw_acquisition },
	{ "funding", 0.90, 0.6, kw_funding },
	{ "leadership_change", 0.80, 0.3, kw_leadership_change },
	{ "regulatory", 0.60, 0.1, kw_regulatory },
	{ "partnership", 0.65, 0.3, kw_partnership },
	{ "hiring", 0.75, 0.5, kw_hiring },
	{ "expansion", 0.70, 0.5, kw_expansion },
	{ "product_launch", 0.60, 0.3, kw_product_launch },
	{ "award", 0.50, 0.1, kw_award },
};

const struct signals_rule *
signals_rules(size_t *n)
{
	if (n)
		*n = SIGNALS_NTYPES;
	return rules;
}

int
signals_type_index(const char *name)
{
	char norm[40];
	size_t i, j = 0;

	if (name == NULL)
		return -1;
	while (isspace((unsigned char)*name))
		name++;
	for (i = 0; name[i] && j < sizeof norm - 1; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == ' ' || c == '-' || c == '_')
			c = '_';
		else if (!isalpha(c))
			return -1;
		norm[j++] = (char)tolower(c);
	}
	while (j > 0 && norm[j - 1] == '_')
		j--;
	norm[j] = '\0';
	if (name[i] != '\0')
		return -1;
	for (i = 0; i < SIGNALS_NTYPES; i++)
		if (strcmp(norm, rules[i].type) == 0)
			return (int)i;
	return -1;
}

/* ---- matching ---- */

#define MAX_TEXT 2000
#define MAX_TOKENS 400

struct toks {
	char text[MAX_TEXT + 1];
	const char *tok[MAX_TOKENS];
	size_t n;
};

static int
tokch(unsigned char c)
{
	return isalnum(c) || c >= 0x80;
}

/* Splits s into lowercase words: letters, digits and UTF-8 runs, with '.', ','
 * and '\'' kept inside, '$' kept before a digit and '%' after one. */
static void
tokenize(const char *s, struct toks *t)
{
	size_t i, j = 0, len = s ? strlen(s) : 0;

	t->n = 0;
	if (len > MAX_TEXT)
		len = MAX_TEXT;
	for (i = 0; i < len && t->n < MAX_TOKENS; ) {
		unsigned char c = (unsigned char)s[i];
		int start = tokch(c) || (c == '$' && i + 1 < len && isdigit((unsigned char)s[i + 1]));

		if (!start) {
			i++;
			continue;
		}
		t->tok[t->n++] = t->text + j;
		t->text[j++] = (char)tolower(c);
		i++;
		while (i < len) {
			c = (unsigned char)s[i];
			if (tokch(c))
				t->text[j++] = (char)tolower(c);
			else if ((c == '.' || c == ',' || c == '\'') && i + 1 < len &&
			    tokch((unsigned char)s[i + 1]) && tokch((unsigned char)s[i - 1]))
				t->text[j++] = (char)c;
			else if (c == '%' && isdigit((unsigned char)s[i - 1]))
				t->text[j++] = (char)c;
			else
				break;
			i++;
		}
		t->text[j++] = '\0';
	}
}

static int
word_match(const char *pat, size_t plen, const char *tok)
{
	if (plen == 1 && pat[0] == '*')
		return 1;
	if (plen == 1 && pat[0] == '#')
		return isdigit((unsigned char)tok[0]) ||
		    (tok[0] == '$' && isdigit((unsigned char)tok[1]));
	if (pat[plen - 1] == '*')
		return strncmp(tok, pat, plen - 1) == 0;
	return strlen(tok) == plen && strncmp(tok, pat, plen) == 0;
}

/* 1 when the keyword's words appear in a row in t. */
static int
phrase_match(const char *kw, const struct toks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const char *p = kw;
		size_t k = i;

		for (;;) {
			size_t plen = strcspn(p, " ");

			if (k >= t->n || !word_match(p, plen, t->tok[k]))
				break;
			k++;
			p += plen;
			while (*p == ' ')
				p++;
			if (*p == '\0')
				return 1;
		}
	}
	return 0;
}

static int
rule_match(const struct signals_rule *r, const struct toks *t)
{
	const char *const *k;
	int hit = 0;

	for (k = r->keywords; *k; k++) {
		if ((*k)[0] == '!') {
			if (phrase_match(*k + 1, t))
				return 0;
		} else if (!hit && phrase_match(*k, t))
			hit = 1;
	}
	return hit;
}

static int
first_rule(const char *text)
{
	struct toks *t;
	int i, r = -1;

	if (text == NULL || *text == '\0' || (t = malloc(sizeof *t)) == NULL)
		return -1;
	tokenize(text, t);
	for (i = 0; i < SIGNALS_NTYPES; i++)
		if (rule_match(&rules[i], t)) {
			r = i;
			break;
		}
	free(t);
	return r;
}

int
signals_match(const char *title, const char *snippet, int *in_title)
{
	int r = first_rule(title);

	if (in_title)
		*in_title = r >= 0;
	if (r < 0)
		r = first_rule(snippet);
	return r;
}

/* ---- results ---- */

static double
round2(double v)
{
	return floor(v * 100 + 0.5) / 100;
}

static double
clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Bytes of s to keep so that it is at most max bytes and not cut inside a UTF-8 sequence. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* s trimmed, runs of blanks as one space, cut at max bytes; NULL when blank or no memory. */
static json_t *
clean_line(const char *s, size_t max)
{
	buf_t b;
	int space = 0;
	json_t *v;

	if (s == NULL)
		return NULL;
	buf_init(&b, 1 << 16);
	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			space = buf_len(&b) > 0;
			continue;
		}
		if ((space && buf_addc(&b, ' ') != BUF_OK) || buf_addc(&b, *s) != BUF_OK) {
			buf_free(&b);
			return NULL;
		}
		space = 0;
	}
	if (buf_len(&b) == 0) {
		buf_free(&b);
		return NULL;
	}
	v = json_new_strn(buf_ptr(&b), utf8_cut(buf_ptr(&b), buf_len(&b), max));
	buf_free(&b);
	return v;
}

/* The one-line signal of a result: its title without a trailing " | Site" or
 * " - <source>", else the snippet. */
static json_t *
signal_line(const json_t *item)
{
	const char *title = json_str(json_get(item, "title"));
	const char *source = json_str(json_get(item, "source"));
	char *copy, *cut;
	json_t *v;

	if (title == NULL || *title == '\0')
		return clean_line(json_str(json_get(item, "snippet")), 200);
	if ((copy = strdup(title)) == NULL)
		return NULL;
	cut = strstr(copy, " | ");
	if (cut && cut - copy >= 15)
		*cut = '\0';
	if (source && *source && (cut = strrchr(copy, '-')) != NULL && cut > copy &&
	    cut[-1] == ' ' && cut[1] == ' ' && strcasecmp(cut + 2, source) == 0 && cut - copy >= 15)
		cut[-1] = '\0';
	v = clean_line(copy, 200);
	free(copy);
	return v;
}

static int
days_old(const char *iso, time_t now)
{
	date_t d;

	if (iso == NULL || date_parse_iso(iso, &d) != 0)
		return -1;
	return (int)(date_to_days(date_from_time(now)) - date_to_days(d));
}

static double
age_factor(const char *iso, time_t now)
{
	int age = days_old(iso, now);

	return age > 365 ? 0.5 : age > 180 ? 0.75 : 1.0;
}

double
signals_score(const json_t *sig_items)
{
	double sum = 0, rel;
	size_t i;
	int t;

	for (i = 0; i < json_len(sig_items); i++) {
		const json_t *s = json_at(sig_items, i);

		if ((t = signals_type_index(json_str(json_get(s, "type")))) < 0)
			continue;
		if (json_num_double(json_get(s, "relevance"), &rel) != 0)
			rel = rules[t].relevance;
		sum += rules[t].weight * clamp(rel, 0, 1);
	}
	return round2(clamp(sum, -1, 1));
}

static int
seen_link(const json_t *sigs, const char *link)
{
	size_t i;

	if (link == NULL)
		return 0;
	for (i = 0; i < json_len(sigs); i++) {
		const char *l = json_str(json_get(json_at(sigs, i), "source_url"));

		if (l && strcmp(l, link) == 0)
			return 1;
	}
	return 0;
}

/* "funding, hiring and layoff" */
static int
add_type_list(buf_t *b, const json_t *sigs)
{
	const char *seen[SIGNALS_NTYPES];
	size_t n = 0, i, k;

	for (i = 0; i < json_len(sigs); i++) {
		const char *t = json_str(json_get(json_at(sigs, i), "type"));

		for (k = 0; k < n; k++)
			if (strcmp(seen[k], t) == 0)
				break;
		if (t && k == n && n < SIGNALS_NTYPES)
			seen[n++] = t;
	}
	for (i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " and " : ", ";
		char name[40];
		size_t j;

		for (j = 0; seen[i][j] && j < sizeof name - 1; j++)
			name[j] = seen[i][j] == '_' ? ' ' : seen[i][j];
		name[j] = '\0';
		if (buf_addf(b, "%s%s", sep, name) != BUF_OK)
			return -1;
	}
	return 0;
}

/* The rules' summary of a result's signals. */
static json_t *
summary_of(const char *company, const json_t *sigs, size_t nresults, double score)
{
	const json_t *best = NULL;
	double br = -1, r;
	const char *date;
	buf_t b;
	json_t *v;
	size_t i;

	if (company == NULL || *company == '\0')
		company = "this account";
	buf_init(&b, 1 << 16);
	if (nresults == 0) {
		if (buf_addf(&b, "No recent news found for %s.", company) != BUF_OK)
			goto fail;
	} else if (json_len(sigs) == 0) {
		if (buf_addf(&b, "No buying or risk signals in %zu recent result%s for %s.",
		    nresults, nresults == 1 ? "" : "s", company) != BUF_OK)
			goto fail;
	} else {
		for (i = 0; i < json_len(sigs); i++)
			if (json_num_double(json_get(json_at(sigs, i), "relevance"), &r) == 0 && r > br) {
				br = r;
				best = json_at(sigs, i);
			}
		if (buf_addf(&b, "%s: ", company) != BUF_OK || add_type_list(&b, sigs) != 0 ||
		    buf_addf(&b, " in recent news.") != BUF_OK)
			goto fail;
		if (best) {
			date = json_str(json_get(best, "date"));
			if (buf_addf(&b, " Most relevant: %s", json_str(json_get(best, "signal"))) != BUF_OK ||
			    (date && buf_addf(&b, " (%s)", date) != BUF_OK) || buf_addc(&b, '.') != BUF_OK)
				goto fail;
		}
		if (buf_addf(&b, " %s (score %.2f).", score >= 0.2 ? "Leans toward buying" :
		    score <= -0.2 ? "Leans toward risk" : "Mixed or neutral", score) != BUF_OK)
			goto fail;
	}
	v = clean_line(buf_ptr(&b), 600);
	buf_free(&b);
	return v;
fail:
	buf_free(&b);
	return NULL;
}

static json_t *
make_result(const char *company, json_t *sigs, size_t nresults)
{
	json_t *res = json_new_object(), *sum;
	double score = signals_score(sigs);

	if (res == NULL || json_set(res, "items", sigs) != JSON_OK) {
		if (res == NULL)
			json_free(sigs);
		json_free(res);
		return NULL;
	}
	if ((sum = summary_of(company, sigs, nresults, score)) == NULL ||
	    json_set(res, "summary", sum) != JSON_OK || json_set_double(res, "score", score) != JSON_OK) {
		json_free(res);
		return NULL;
	}
	return res;
}

static json_t *
new_signal(const char *type, json_t *line, const char *url, double rel, const char *date)
{
	json_t *s = json_new_object();

	if (s == NULL || json_set_str(s, "type", type) != JSON_OK) {
		json_free(line);   /* not yet handed to s */
		json_free(s);
		return NULL;
	}
	if (json_set(s, "signal", line) != JSON_OK) {   /* json_set took line, even failing */
		json_free(s);
		return NULL;
	}
	if ((url ? json_set_str(s, "source_url", url) : json_set_null(s, "source_url")) != JSON_OK ||
	    json_set_double(s, "relevance", round2(clamp(rel, 0, 1))) != JSON_OK ||
	    (date ? json_set_str(s, "date", date) : json_set_null(s, "date")) != JSON_OK) {
		json_free(s);
		return NULL;
	}
	return s;
}

json_t *
signals_classify_rules(const char *company, const json_t *items, time_t now)
{
	json_t *sigs = json_new_array(), *line, *s;
	size_t i;

	if (sigs == NULL)
		return NULL;
	for (i = 0; i < json_len(items) && json_len(sigs) < SIGNALS_MAX_ITEMS; i++) {
		const json_t *it = json_at(items, i);
		const char *link = json_str(json_get(it, "link"));
		const char *date = json_str(json_get(it, "date"));
		int in_title, r = signals_match(json_str(json_get(it, "title")),
		    json_str(json_get(it, "snippet")), &in_title);
		double rel;

		if (r < 0 || seen_link(sigs, link))
			continue;
		if ((line = signal_line(it)) == NULL)
			continue;   /* blank, or memory: the result is skipped either way */
		rel = rules[r].relevance * (in_title ? 1.0 : 0.8) * age_factor(date, now);
		if ((s = new_signal(rules[r].type, line, link, rel, date)) == NULL ||
		    json_push(sigs, s) != JSON_OK) {
			json_free(sigs);
			return NULL;
		}
	}
	return make_result(company, sigs, json_len(items));
}

/* ---- the LLM classifier ---- */

const char *
signals_llm_system(void)
{
	return
	    "You classify recent news about companies into B2B sales signals for a sales team.\n"
	    "Signal types: funding, hiring, expansion, leadership_change, partnership, "
	    "product_launch, acquisition, layoff, regulatory, award, negative_press.\n"
	    "For each account, read its search results (title, snippet, link, date) and keep only "
	    "news about that company itself: at most one signal per result; skip home pages, "
	    "directory listings and news about other companies.\n"
	    "Answer with one json object and nothing else:\n"
	    "{\"accounts\":[{\"id\":\"<the account's id>\",\"company\":\"<its name>\","
	    "\"signals\":[{\"type\":\"<one of the types>\",\"signal\":\"<one line, at most 120 "
	    "characters>\",\"source_url\":\"<the result's link>\",\"relevance\":<0 to 1>,"
	    "\"date\":\"YYYY-MM-DD or null\"}],\"summary\":\"<two or three sentences for a sales "
	    "rep>\",\"score\":<-1 (risk) to 1 (buying)>}]}\n"
	    "Include every account of the input, in input order, with an empty signals list when "
	    "nothing qualifies.";
}

static int
set_cut(json_t *obj, const char *key, const char *s, size_t max)
{
	json_t *v;

	if (s == NULL)
		return json_set_null(obj, key) == JSON_OK ? 0 : -1;
	if ((v = clean_line(s, max)) == NULL)
		v = json_new_str("");
	return v && json_set(obj, key, v) == JSON_OK ? 0 : -1;
}

json_t *
signals_llm_input(const char *company, const char *domain, const json_t *items)
{
	json_t *in = json_new_object(), *arr = json_new_array(), *it;
	size_t i;

	if (in == NULL || arr == NULL) {
		json_free(in);
		json_free(arr);
		return NULL;
	}
	if (set_cut(in, "company", company ? company : domain, 200) != 0 ||
	    (domain && set_cut(in, "domain", domain, 200) != 0))
		goto fail;
	for (i = 0; i < json_len(items) && i < 20; i++) {
		const json_t *r = json_at(items, i);

		if ((it = json_new_object()) == NULL)
			goto fail;
		if (json_push(arr, it) != JSON_OK)
			goto fail;   /* json_push freed it; arr is still ours */
		if (set_cut(it, "title", json_str(json_get(r, "title")), 300) != 0 ||
		    set_cut(it, "snippet", json_str(json_get(r, "snippet")), 400) != 0 ||
		    set_cut(it, "link", json_str(json_get(r, "link")), 500) != 0 ||
		    set_cut(it, "date", json_str(json_get(r, "date")), 20) != 0)
			goto fail;
	}
	if (json_set(in, "items", arr) != JSON_OK) {
		json_free(in);
		return NULL;
	}
	return in;
fail:
	json_free(arr);
	json_free(in);
	return NULL;
}

int
signals_llm_user(const json_t *accounts, buf_t *out)
{
	buf_reset(out);
	if (buf_adds(out, "Classify the search results of each account below. Answer in json.\n"
	    "{\"accounts\":") != BUF_OK || json_dump(accounts, out) != JSON_OK ||
	    buf_addc(out, '}') != BUF_OK)
		return -1;
	return 0;
}

/* Equal ignoring case and blanks around. */
static int
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && !str_blank(a) && str_eq_ci_trimmed(a, b);
}

/* The id as text whether the LLM wrote it as a string or a number. */
static int
id_is(const json_t *v, const char *id)
{
	const char *s = json_str(v);

	if (s == NULL)
		s = json_num_text(v);
	return s && id && strcmp(s, id) == 0;
}

const json_t *
signals_llm_find(const json_t *answer, const char *id, const char *company, const char *domain,
    int single)
{
	const json_t *list = answer, *e;
	size_t i;

	if (json_is(answer, JSON_OBJECT)) {
		list = json_get(answer, "accounts");
		if (!json_is(list, JSON_ARRAY)) {
			if (single && (json_get(answer, "signals") || json_get(answer, "items") ||
			    json_get(answer, "summary")))
				return answer;
			return NULL;
		}
	}
	if (!json_is(list, JSON_ARRAY))
		return NULL;
	for (i = 0; i < json_len(list); i++)
		if (id_is(json_get(e = json_at(list, i), "id"), id))
			return e;
	for (i = 0; i < json_len(list); i++) {
		e = json_at(list, i);
		if (same(json_str(json_get(e, "company")), company) ||
		    same(json_str(json_get(e, "name")), company))
			return e;
	}
	for (i = 0; i < json_len(list); i++)
		if (same(json_str(json_get(e = json_at(list, i), "domain")), domain))
			return e;
	if (single && json_len(list) == 1 && json_is(json_at(list, 0), JSON_OBJECT))
		return json_at(list, 0);
	return NULL;
}

static const json_t *
item_by_link(const json_t *items, const char *link)
{
	size_t i;

	for (i = 0; link && i < json_len(items); i++)
		if (same(json_str(json_get(json_at(items, i), "link")), link))
			return json_at(items, i);
	return NULL;
}

json_t *
signals_from_llm(const char *company, const json_t *entry, const json_t *items, time_t now,
    int *unusable)
{
	const json_t *list, *src;
	json_t *sigs, *res, *line, *s, *sum;
	double v, score;
	size_t i;

	*unusable = 0;
	if (!json_is(entry, JSON_OBJECT)) {
		*unusable = 1;
		return NULL;
	}
	list = json_get(entry, "signals");
	if (list == NULL)
		list = json_get(entry, "items");
	if ((sigs = json_new_array()) == NULL)
		return NULL;
	for (i = 0; i < json_len(list) && json_len(sigs) < SIGNALS_MAX_ITEMS; i++) {
		const json_t *e = json_at(list, i);
		const char *url = json_str(json_get(e, "source_url"));
		const char *dtext = json_str(json_get(e, "date"));
		char iso[DATE_STRLEN];
		const char *date = NULL;
		int t = signals_type_index(json_str(json_get(e, "type")));
		double rel;

		if (t < 0)
			continue;
		if (url == NULL)
			url = json_str(json_get(e, "link"));
		if (url && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
			url = NULL;
		src = item_by_link(items, url);
		if ((line = clean_line(json_str(json_get(e, "signal")), 200)) == NULL &&
		    (src == NULL || (line = signal_line(src)) == NULL))
			continue;
		if (json_num_double(json_get(e, "relevance"), &rel) != 0 || isnan(rel))
			rel = rules[t].relevance;
		if (rel > 1 && rel <= 100 && rel == floor(rel))
			rel /= 100;   /* a whole percentage: 85 is 0.85 */
		if (dtext && date_display_to_iso(dtext, now, iso) == 0 &&
		    days_old(iso, now) >= -1)
			date = iso;
		else if (src)
			date = json_str(json_get(src, "date"));
		if (seen_link(sigs, url)) {
			json_free(line);
			continue;
		}
		if ((s = new_signal(rules[t].type, line, url, rel, date)) == NULL ||
		    json_push(sigs, s) != JSON_OK) {
			json_free(sigs);
			return NULL;
		}
	}
	if (json_num_double(json_get(entry, "score"), &v) == 0 && !isnan(v))
		score = round2(clamp(v, -1, 1));
	else
		score = signals_score(sigs);
	if ((res = json_new_object()) == NULL) {
		json_free(sigs);
		return NULL;
	}
	if (json_set(res, "items", sigs) != JSON_OK)
		goto fail;
	sum = clean_line(json_str(json_get(entry, "summary")), 600);
	if (sum == NULL && (sum = summary_of(company, json_get(res, "items"), json_len(items),
	    score)) == NULL)
		goto fail;
	if (json_set(res, "summary", sum) != JSON_OK || json_set_double(res, "score", score) != JSON_OK)
		goto fail;
	return res;
fail:
	json_free(res);
	return NULL;
}
