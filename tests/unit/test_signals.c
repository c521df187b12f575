/*
 * lib/signals: the rules classifier on real-looking headlines, its results,
 * and the checks on what an LLM answers; the man page lists every keyword.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "signals.h"

/* 2026-03-10 12:00:00 UTC */
#define NOW ((time_t)1773144000)

#include "fixture.h"

static const struct {
	const char *title, *snippet, *type;   /* type NULL: no signal */
} headlines[] = {
	/* funding */
	{ "Acme raises $20M Series B led by Sequoia", NULL, "funding" },
	{ "Globex secures $150 million in new funding to expand its platform", NULL, "funding" },
	{ "Initech closes $8M seed round", NULL, "funding" },
	{ "Hooli files for IPO on Nasdaq", NULL, "funding" },
	{ "Stark Industries lands $45M growth investment from Insight Partners", NULL, "funding" },
	{ "Soylent valued at $2 billion after latest round", NULL, "funding" },
	/* hiring */
	{ "Umbrella Corp is hiring 200 engineers in Austin", NULL, "hiring" },
	{ "Wayne Enterprises plans to add 500 jobs by year end", NULL, "hiring" },
	{ "Massive Dynamic ramps up recruiting for new AI team", NULL, "hiring" },
	{ "Cyberdyne to create 300 new jobs in Ohio", NULL, "hiring" },
	{ "Vandelay Industries grows headcount by 40% as demand surges", NULL, "hiring" },
	/* layoff */
	{ "Globex to cut 1,200 jobs in restructuring", NULL, "layoff" },
	{ "Initech lays off 10% of its workforce", NULL, "layoff" },
	{ "Hooli announces layoffs amid slowing growth", NULL, "layoff" },
	{ "Acme reduces headcount by 15% in cost-cutting push", NULL, "layoff" },
	{ "Soylent eliminates 300 positions after acquisition by Globex", NULL, "layoff" },
	/* leadership_change */
	{ "Acme names Jane Doe as new CEO", NULL, "leadership_change" },
	{ "Globex CFO steps down after eight years", NULL, "leadership_change" },
	{ "Initech appoints former Google exec as Chief Revenue Officer", NULL, "leadership_change" },
	{ "Hooli co-founder resigns as chief executive", NULL, "leadership_change" },
	{ "Stark Industries hires Maria Chen as Chief Technology Officer", NULL, "leadership_change" },
	/* acquisition */
	{ "Acme acquires data startup Foo for $300M", NULL, "acquisition" },
	{ "Globex to be acquired by Oracle in $2B deal", NULL, "acquisition" },
	{ "Initech completes merger with Hooli", NULL, "acquisition" },
	{ "Microsoft agrees to buy Vandelay Industries", NULL, "acquisition" },
	{ "Stark Industries snaps up robotics firm", NULL, "acquisition" },
	/* partnership */
	{ "Acme partners with Snowflake to bring data sharing to retailers", NULL, "partnership" },
	{ "Globex and SAP announce strategic partnership", NULL, "partnership" },
	{ "Initech teams up with Shopify on checkout", NULL, "partnership" },
	{ "Hooli signs distribution agreement with Ingram Micro", NULL, "partnership" },
	{ "Wayne Enterprises joins forces with Stark Industries on clean energy", NULL, "partnership" },
	/* product_launch */
	{ "Acme launches AI-powered analytics suite", NULL, "product_launch" },
	{ "Globex unveils next-generation payments API", NULL, "product_launch" },
	{ "Initech introduces mobile app for field teams", NULL, "product_launch" },
	{ "Hooli rolls out new enterprise plan", NULL, "product_launch" },
	{ "Soylent debuts plant-based product line", NULL, "product_launch" },
	/* expansion */
	{ "Acme opens new office in London", NULL, "expansion" },
	{ "Globex expands into Latin American market", NULL, "expansion" },
	{ "Initech to build $500M manufacturing plant in Texas", NULL, "expansion" },
	{ "Hooli establishes European headquarters in Dublin", NULL, "expansion" },
	{ "Massive Dynamic enters Japanese market", NULL, "expansion" },
	/* award */
	{ "Acme wins 2026 Best Place to Work award", NULL, "award" },
	{ "Globex named a Leader in the Gartner Magic Quadrant", NULL, "award" },
	{ "Initech recognized as one of Fast Company's Most Innovative Companies", NULL, "award" },
	{ "Hooli honored on the Deloitte Technology Fast 500", NULL, "award" },
	/* regulatory */
	{ "Acme receives FDA clearance for its glucose monitor", NULL, "regulatory" },
	{ "Globex receives regulatory approval for its banking license", NULL, "regulatory" },
	{ "Hooli achieves SOC 2 Type II compliance", NULL, "regulatory" },
	{ "Stark Industries earns ISO 27001 certification", NULL, "regulatory" },
	{ "Wayne Enterprises wins FDA approval for cardiac device", NULL, "regulatory" },
	/* negative_press */
	{ "Acme hit with class-action lawsuit over data breach", NULL, "negative_press" },
	{ "Globex fined $5M by SEC for misleading investors", NULL, "negative_press" },
	{ "Initech shares plunge after earnings miss", NULL, "negative_press" },
	{ "Hooli recalls 50,000 devices over battery fire risk", NULL, "negative_press" },
	{ "Former employees accuse Soylent of fraud", NULL, "negative_press" },
	{ "Massive Dynamic suffers major outage", NULL, "negative_press" },
	{ "Cyberdyne under investigation for accounting irregularities", NULL, "negative_press" },
	/* the snippet decides when the title says nothing */
	{ "Globex - Business Wire", "Globex announced today it has raised $30M in Series C funding.", "funding" },
	{ "Update from Initech", "Initech will cut about 8% of its workforce as part of a restructuring plan.", "layoff" },
	/* no signal */
	{ "Acme - Official Site", "Acme provides software and services to businesses worldwide.", NULL },
	{ "Globex Corporation | LinkedIn", "Globex Corporation | 12,345 followers on LinkedIn.", NULL },
	{ "Who owns Initech?", "Initech is a privately held company based in Austin.", NULL },
	{ "Hooli raises prices for its cloud plans", NULL, NULL },
	{ "Acme uses talent acquisition software to find engineers", NULL, "hiring" },
};

static void
headlines_are_classified(void **state)
{
	size_t i, n = sizeof headlines / sizeof headlines[0], bad = 0;
	const struct signals_rule *rules = signals_rules(NULL);

	(void)state;
	assert_true(n >= 40);
	for (i = 0; i < n; i++) {
		int r = signals_match(headlines[i].title, headlines[i].snippet, NULL);
		const char *got = r >= 0 ? rules[r].type : NULL;

		if ((got == NULL) != (headlines[i].type == NULL) ||
		    (got && strcmp(got, headlines[i].type) != 0)) {
			print_error("\"%s\": expected %s, got %s\n", headlines[i].title,
			    headlines[i].type ? headlines[i].type : "none", got ? got : "none");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
every_type_has_a_headline(void **state)
{
	size_t n, i, k;
	const struct signals_rule *rules = signals_rules(&n);

	(void)state;
	assert_int_equal(n, SIGNALS_NTYPES);
	for (i = 0; i < n; i++) {
		size_t hits = 0;

		for (k = 0; k < sizeof headlines / sizeof headlines[0]; k++)
			if (headlines[k].type && strcmp(headlines[k].type, rules[i].type) == 0)
				hits++;
		assert_true(hits >= 3);
	}
}

static void
type_names_are_normalized(void **state)
{
	(void)state;
	assert_int_equal(signals_type_index("funding"), 3);
	assert_true(signals_type_index("Leadership Change") >= 0);
	assert_int_equal(signals_type_index("leadership-change"), signals_type_index("leadership_change"));
	assert_int_equal(signals_type_index(" NEGATIVE_PRESS "), 0);
	assert_int_equal(signals_type_index("ipo"), -1);
	assert_int_equal(signals_type_index("funding2"), -1);
	assert_int_equal(signals_type_index(""), -1);
	assert_int_equal(signals_type_index(NULL), -1);
}

static void
word_boundaries_and_wildcards(void **state)
{
	(void)state;
	/* "fine" in "fine-tuned" is not "fined"; "raise" needs to be a word */
	assert_int_equal(signals_match("Acme fine-tuned its models", NULL, NULL), -1);
	assert_int_equal(signals_match("Acme praises its team", NULL, NULL), -1);
	/* # is a number, * a word, pre* a prefix */
	assert_true(signals_match("Acme to cut 1,200 jobs", NULL, NULL) == 1);
	assert_true(signals_match("Acme to cut many jobs", NULL, NULL) != 1);
	assert_int_equal(signals_match("Acme names Jo Chief Marketing Officer", NULL, NULL), 4);
	assert_int_equal(signals_match("ACME RECRUITING NOW", NULL, NULL), 7);
}

static void
rules_result_shape(void **state)
{
	json_t *items = J("["
	    "{\"title\":\"Globex raises $20M Series B\",\"link\":\"https://n.example/1\",\"date\":\"2026-03-03\"},"
	    "{\"title\":\"Globex - Official Site\",\"link\":\"https://globex.com/\"},"
	    "{\"title\":\"Globex to cut 200 jobs | Reuters\",\"link\":\"https://n.example/2\",\"date\":\"2024-01-01\"},"
	    "{\"title\":\"Globex raises $20M Series B\",\"link\":\"https://n.example/1\"},"
	    "{\"title\":\"Quarterly note\",\"snippet\":\"Globex is hiring 50 engineers.\",\"link\":\"https://n.example/3\"}]");
	json_t *res = signals_classify_rules("Globex", items, NOW);
	const json_t *s, *it;
	double d;

	(void)state;
	assert_non_null(res);
	it = json_get(res, "items");
	assert_int_equal(json_len(it), 3);
	s = json_at(it, 0);
	assert_string_equal(json_str(json_get(s, "type")), "funding");
	assert_string_equal(json_str(json_get(s, "signal")), "Globex raises $20M Series B");
	assert_string_equal(json_str(json_get(s, "source_url")), "https://n.example/1");
	assert_string_equal(json_str(json_get(s, "date")), "2026-03-03");
	assert_int_equal(json_num_double(json_get(s, "relevance"), &d), 0);
	assert_true(d > 0.89 && d < 0.91);
	s = json_at(it, 1);
	assert_string_equal(json_str(json_get(s, "type")), "layoff");
	assert_string_equal(json_str(json_get(s, "signal")), "Globex to cut 200 jobs");
	assert_int_equal(json_num_double(json_get(s, "relevance"), &d), 0);
	assert_true(d > 0.42 && d < 0.44);   /* 0.85, halved: older than a year */
	s = json_at(it, 2);
	assert_string_equal(json_str(json_get(s, "type")), "hiring");
	assert_true(json_is(json_get(s, "date"), JSON_NULL));
	assert_int_equal(json_num_double(json_get(s, "relevance"), &d), 0);
	assert_true(d > 0.59 && d < 0.61);   /* 0.75 * 0.8: in the snippet only */
	/* 0.6*0.9 - 0.7*0.43 + 0.5*0.6 = 0.54 */
	assert_int_equal(json_num_double(json_get(res, "score"), &d), 0);
	assert_true(d > 0.53 && d < 0.55);
	assert_non_null(strstr(json_str(json_get(res, "summary")), "Globex"));
	assert_non_null(strstr(json_str(json_get(res, "summary")), "funding"));
	json_free(res);
	json_free(items);
}

static void
rules_without_results(void **state)
{
	json_t *items = json_new_array(), *res;
	double d;

	(void)state;
	res = signals_classify_rules("Nobody Inc", items, NOW);
	assert_int_equal(json_len(json_get(res, "items")), 0);
	assert_int_equal(json_num_double(json_get(res, "score"), &d), 0);
	assert_true(d == 0);
	assert_string_equal(json_str(json_get(res, "summary")), "No recent news found for Nobody Inc.");
	json_free(res);
	json_free(items);
}

static void
score_is_clamped(void **state)
{
	json_t *sigs = J("[{\"type\":\"funding\",\"relevance\":1},{\"type\":\"funding\",\"relevance\":1},"
	    "{\"type\":\"hiring\",\"relevance\":1}]");
	json_t *neg = J("[{\"type\":\"layoff\",\"relevance\":1},{\"type\":\"negative_press\",\"relevance\":1}]");

	(void)state;
	assert_true(signals_score(sigs) == 1);
	assert_true(signals_score(neg) == -1);
	json_free(sigs);
	json_free(neg);
}

static void
llm_answers_are_checked(void **state)
{
	json_t *items = J("[{\"title\":\"Globex raises $20M\",\"link\":\"https://n.example/1\",\"date\":\"2026-03-03\"},"
	    "{\"title\":\"Globex hires\",\"link\":\"https://n.example/2\",\"date\":null}]");
	json_t *entry = J("{\"id\":\"1\",\"company\":\"Globex\",\"signals\":["
	    "{\"type\":\"Funding\",\"signal\":\"  Raised a $20M\\nSeries B \",\"source_url\":\"https://n.example/1\",\"relevance\":\"1.7\",\"date\":null},"
	    "{\"type\":\"rumor\",\"signal\":\"Might be sold\",\"source_url\":\"https://n.example/9\",\"relevance\":0.5},"
	    "{\"type\":\"hiring\",\"signal\":\"Hiring 50\",\"source_url\":\"https://n.example/2\",\"relevance\":-3,\"date\":\"3 days ago\"},"
	    "{\"type\":\"award\",\"signal\":\"Won\",\"source_url\":\"javascript:alert(1)\",\"relevance\":85,\"date\":\"2099-01-01\"}],"
	    "\"score\":7}");
	json_t *res;
	const json_t *it, *s;
	double d;
	int unusable;

	(void)state;
	res = signals_from_llm("Globex", entry, items, NOW, &unusable);
	assert_non_null(res);
	it = json_get(res, "items");
	assert_int_equal(json_len(it), 3);   /* the unknown type is dropped */
	s = json_at(it, 0);
	assert_string_equal(json_str(json_get(s, "type")), "funding");
	assert_string_equal(json_str(json_get(s, "signal")), "Raised a $20M Series B");
	assert_int_equal(json_num_double(json_get(s, "relevance"), &d), 0);
	assert_true(d == 1);                 /* clamped */
	assert_string_equal(json_str(json_get(s, "date")), "2026-03-03");   /* from the result */
	s = json_at(it, 1);
	assert_int_equal(json_num_double(json_get(s, "relevance"), &d), 0);
	assert_true(d == 0);
	assert_string_equal(json_str(json_get(s, "date")), "2026-03-07");   /* 3 days before NOW */
	s = json_at(it, 2);
	assert_true(json_is(json_get(s, "source_url"), JSON_NULL));
	assert_int_equal(json_num_double(json_get(s, "relevance"), &d), 0);
	assert_true(d > 0.84 && d < 0.86);   /* 85 read as a percentage */
	assert_true(json_is(json_get(s, "date"), JSON_NULL));   /* not in the future */
	assert_int_equal(json_num_double(json_get(res, "score"), &d), 0);
	assert_true(d == 1);
	assert_non_null(json_str(json_get(res, "summary")));   /* written when missing */
	json_free(res);

	res = signals_from_llm("Globex", items /* an array: not an entry */, items, NOW, &unusable);
	assert_null(res);
	assert_int_equal(unusable, 1);
	json_free(entry);
	json_free(items);
}

static void
llm_entries_are_found(void **state)
{
	json_t *ans = J("{\"accounts\":[{\"id\":1,\"company\":\"Acme\",\"signals\":[]},"
	    "{\"id\":\"x\",\"company\":\"GLOBEX \",\"signals\":[]},"
	    "{\"company\":\"Other\",\"domain\":\"initech.com\",\"signals\":[]}]}");
	json_t *one = J("{\"company\":\"Hooli\",\"signals\":[],\"summary\":\"s\",\"score\":0}");
	json_t *arr = J("[{\"id\":\"2\",\"company\":\"B\",\"signals\":[]}]");

	(void)state;
	assert_ptr_equal(signals_llm_find(ans, "1", "Nope", NULL, 0), json_at(json_get(ans, "accounts"), 0));
	assert_ptr_equal(signals_llm_find(ans, "7", "globex", NULL, 0), json_at(json_get(ans, "accounts"), 1));
	assert_ptr_equal(signals_llm_find(ans, "8", "Initech", "initech.com", 0), json_at(json_get(ans, "accounts"), 2));
	assert_null(signals_llm_find(ans, "9", "Hooli", "hooli.com", 0));
	assert_ptr_equal(signals_llm_find(one, "1", "Hooli", NULL, 1), one);
	assert_null(signals_llm_find(one, "1", "Hooli", NULL, 0));
	assert_ptr_equal(signals_llm_find(arr, "2", "X", NULL, 0), json_at(arr, 0));
	json_free(ans);
	json_free(one);
	json_free(arr);
}

static void
llm_input_is_stable(void **state)
{
	json_t *items = J("[{\"title\":\"T\",\"link\":\"https://x/1\",\"snippet\":\"S\",\"date\":\"2026-03-01\",\"source\":\"Reuters\",\"date_text\":\"9 days ago\"}]");
	json_t *a = signals_llm_input("Acme", "acme.com", items), *b;
	buf_t x, y, u;

	(void)state;
	assert_non_null(a);
	b = json_clone(a);
	assert_non_null(b);
	buf_init(&x, 1 << 20);
	buf_init(&y, 1 << 20);
	buf_init(&u, 1 << 20);
	assert_int_equal(json_dump(a, &x), JSON_OK);
	assert_string_equal(buf_ptr(&x), "{\"company\":\"Acme\",\"domain\":\"acme.com\",\"items\":"
	    "[{\"title\":\"T\",\"snippet\":\"S\",\"link\":\"https://x/1\",\"date\":\"2026-03-01\"}]}");
	assert_int_equal(json_dump(b, &y), JSON_OK);
	assert_string_equal(buf_ptr(&x), buf_ptr(&y));
	json_free(b);
	assert_int_equal(json_push(b = json_new_array(), a), JSON_OK);
	assert_int_equal(signals_llm_user(b, &u), 0);
	assert_non_null(strstr(buf_ptr(&u), "json"));
	assert_non_null(strstr(buf_ptr(&u), "{\"accounts\":[{\"company\":\"Acme\""));
	assert_non_null(strstr(signals_llm_system(), "json"));
	assert_non_null(strstr(signals_llm_system(), "negative_press"));
	buf_free(&x);
	buf_free(&y);
	buf_free(&u);
	json_free(b);
	json_free(items);
}

/* The man page documents the table: every type and keyword is in it. */
static void
man_page_lists_every_keyword(void **state)
{
	FILE *f = fopen("man/serper-signals.1", "r");
	char *text;
	long len;
	size_t n, i;
	const struct signals_rule *rules = signals_rules(&n);
	const char *const *k;

	(void)state;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (i = 0; i < n; i++) {
		char head[64];
		const char *sect, *end;

		snprintf(head, sizeof head, ".It Li %s ( No relevance", rules[i].type);
		sect = strstr(text, head);
		if (sect == NULL)
			fail_msg("man page lacks the rule %s", rules[i].type);
		end = strstr(sect + 1, ".It ");
		for (k = rules[i].keywords; *k; k++) {
			const char *kw = (*k)[0] == '!' ? *k + 1 : *k;
			const char *at = strstr(sect, kw);

			if (at == NULL || (end && at > end))
				fail_msg("man page lacks keyword '%s' of %s", kw, rules[i].type);
		}
	}
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(headlines_are_classified),
		cmocka_unit_test(every_type_has_a_headline),
		cmocka_unit_test(type_names_are_normalized),
		cmocka_unit_test(word_boundaries_and_wildcards),
		cmocka_unit_test(rules_result_shape),
		cmocka_unit_test(rules_without_results),
		cmocka_unit_test(score_is_clamped),
		cmocka_unit_test(llm_answers_are_checked),
		cmocka_unit_test(llm_entries_are_found),
		cmocka_unit_test(llm_input_is_stable),
		cmocka_unit_test(man_page_lists_every_keyword),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
