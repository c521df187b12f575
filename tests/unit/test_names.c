#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "names.h"

static char *
fold(const char *s, int flags)
{
	static char out[512];
	buf_t b;

	buf_init(&b, sizeof out - 1);
	assert_int_equal(names_fold(s, strlen(s), flags, &b), BUF_OK);
	memcpy(out, buf_ptr(&b), buf_len(&b) + 1);
	buf_free(&b);
	return out;
}

static void
folding_latin_letters(void **state)
{
	(void)state;
	assert_string_equal(fold("José Ñúñez-García", 0), "jose nunez garcia");
	assert_string_equal(fold("  Zoë  O'Brien ", 0), "zoe obrien");
	assert_string_equal(fold("O\xe2\x80\x99" "Brien", 0), "obrien");            /* O’Brien */
	assert_string_equal(fold("Straße Æsir Øre Łukasz Þór", 0), "strasse aesir ore lukasz thor");
	assert_string_equal(fold("Müller", 0), "muller");
	assert_string_equal(fold("Müller", NAMES_FOLD_GERMAN), "mueller");
	assert_string_equal(fold("Mu\xcc\x88ller", NAMES_FOLD_GERMAN), "mueller");  /* u + U+0308 */
	assert_string_equal(fold("Mu\xcc\x88ller", 0), "muller");
	assert_string_equal(fold("Ștefan Țurcanu", 0), "stefan turcanu");
	assert_string_equal(fold("ŁÓDŹ ČESKÝ", 0), "lodz cesky");
	assert_string_equal(fold("Dir.\xc2\xa0" "Finance/IT & Ops", 0), "dir finance it ops");
	assert_string_equal(fold("ИВАН Петров", 0), "иван петров");                /* Cyrillic lowercased */
	assert_string_equal(fold("山田 太郎", 0), "山田 太郎");                        /* kept */
	assert_string_equal(fold("", 0), "");
	assert_string_equal(fold("---", 0), "");
}

static void
folding_bad_bytes_separate(void **state)
{
	(void)state;
	assert_string_equal(fold("ab\xff" "cd", 0), "ab cd");
	assert_string_equal(fold("ab\xc3", 0), "ab");
}

/* A deal's contacts for the picking tests. */
static struct names_name people[8];
static size_t npeople;

static void
add(const char *first, const char *last, const char *email)
{
	assert_int_equal(names_contact(first, last, NULL, email, &people[npeople]), 0);
	npeople++;
}

static long
pick(const char *s)
{
	return names_pick(s, people, npeople, NULL);
}

static void
same_last_name_needs_the_first(void **state)
{
	(void)state;
	npeople = 0;
	add("Pat", "Ng", "pat@globex.com");
	add("Sam", "Ng", "sam@globex.com");
	assert_int_equal(pick("Pat Ng"), 0);
	assert_int_equal(pick("Sam Ng"), 1);
	assert_int_equal(pick("PAT NG"), 0);
	assert_int_equal(pick("Ng, Sam"), 1);
	assert_int_equal(pick("P. Ng"), 0);        /* initial: only Pat starts with P */
	assert_int_equal(pick("S Ng"), 1);
	assert_int_equal(pick("Ng"), -1);          /* a last name alone names nobody */
	assert_int_equal(pick("Pat"), -1);
	assert_int_equal(pick("Patricia Ng"), -1); /* no nicknames guessed */
	assert_int_equal(pick("Lee Ng"), -1);
	assert_int_equal(pick("Pat Ngo"), -1);
	assert_int_equal(pick(""), -1);
}

static void
two_matches_are_none(void **state)
{
	(void)state;
	npeople = 0;
	add("Pat", "Ng", NULL);
	add("Paul", "Ng", NULL);
	assert_int_equal(pick("P. Ng"), -1);       /* Pat or Paul: never both, so none */
	assert_int_equal(pick("Paul Ng"), 1);
	/* the same name twice on a deal: none */
	npeople = 0;
	add("Pat", "Ng", "pat@globex.com");
	add("Pat", "Ng", "pat.ng@globex.com");
	assert_int_equal(pick("Pat Ng"), -1);
	assert_int_equal(pick("pat.ng@globex.com"), 1);   /* an email tells them apart */
}

static void
middle_names(void **state)
{
	int level;

	(void)state;
	npeople = 0;
	add("Mary Ann", "Smith", NULL);
	add("Mary", "Jones", NULL);
	assert_int_equal(names_pick("Mary Ann Smith", people, npeople, &level), 0);
	assert_int_equal(level, 3);
	assert_int_equal(names_pick("Mary Smith", people, npeople, &level), 0);
	assert_int_equal(level, 2);
	assert_int_equal(names_pick("Mary A. Smith", people, npeople, &level), 0);
	assert_int_equal(level, 2);
	assert_int_equal(pick("Mary Beth Smith"), -1);     /* a middle name that disagrees */
	assert_int_equal(pick("Mary Elizabeth Jones"), 1); /* the champion field has a middle name */
	assert_int_equal(pick("Jones, Mary E."), 1);
	assert_int_equal(pick("Dr. Mary Jones, PhD"), 1);  /* honorific and suffix */
	assert_int_equal(pick("M. Jones"), 1);
}

static void
a_strictly_better_match_wins(void **state)
{
	int level;

	(void)state;
	npeople = 0;
	add("Pat", "Ng", NULL);
	add("Pat J.", "Ng", NULL);
	assert_int_equal(names_pick("Pat Ng", people, npeople, &level), 0);  /* 3 beats 2 */
	assert_int_equal(level, 3);
	assert_int_equal(names_pick("Pat J Ng", people, npeople, &level), 1);
}

static void
accents_and_case(void **state)
{
	(void)state;
	npeople = 0;
	add("José", "Núñez", NULL);
	add("Jürgen", "Müller", NULL);
	add("Chloé", "O'Brien", NULL);
	assert_int_equal(pick("Jose Nunez"), 0);
	assert_int_equal(pick("JOSÉ NÚÑEZ"), 0);
	assert_int_equal(pick("Nunez, Jose"), 0);
	assert_int_equal(pick("Jurgen Muller"), 1);
	assert_int_equal(pick("Juergen Mueller"), 1);   /* the German spelling without umlauts */
	assert_int_equal(pick("Chloe OBrien"), 2);
	assert_int_equal(pick("chloé o’brien"), 2);
	assert_int_equal(pick("Jose Muller"), -1);
}

static void
compound_last_names(void **state)
{
	(void)state;
	npeople = 0;
	add("Gabriel", "García Márquez", NULL);
	add("Jan", "van der Berg", NULL);
	add("Anne-Marie", "Dupont", NULL);
	assert_int_equal(pick("Gabriel Garcia Marquez"), 0);
	assert_int_equal(pick("Garcia Marquez, Gabriel"), 0);
	assert_int_equal(pick("Gabriel García"), -1);  /* part of a last name is not enough */
	assert_int_equal(pick("Jan van der Berg"), 1);
	assert_int_equal(pick("Jan Berg"), -1);
	assert_int_equal(pick("Anne-Marie Dupont"), 2);
	assert_int_equal(pick("Anne Marie Dupont"), 2);
	assert_int_equal(pick("A.-M. Dupont"), 2);
}

static void
emails_and_full_names(void **state)
{
	struct names_name c;
	int level;

	(void)state;
	npeople = 0;
	add("Pat", "Ng", "Pat@Globex.com");
	add(NULL, NULL, "sam@globex.com");
	assert_int_equal(names_pick(" pat@globex.COM ", people, npeople, &level), 0);
	assert_int_equal(level, 4);
	assert_int_equal(pick("Sam Lee <sam@globex.com>"), 1);
	assert_int_equal(pick("nobody@globex.com"), -1);
	/* a contact known only by its full name */
	assert_int_equal(names_contact(NULL, NULL, "Lee J. Park", NULL, &c), 0);
	people[npeople++] = c;
	assert_int_equal(pick("Lee Park"), 2);
	assert_int_equal(names_contact(NULL, NULL, "Kim, Ana", NULL, &c), 0);
	people[npeople++] = c;
	assert_int_equal(pick("Ana Kim"), 3);
	/* nothing usable */
	assert_int_equal(names_contact(NULL, NULL, NULL, NULL, &c), -1);
	assert_int_equal(names_contact("Pat", NULL, NULL, NULL, &c), -1);
}

static void
unusable_names(void **state)
{
	struct names_name g;
	char big[2000];

	(void)state;
	assert_int_equal(names_parse(NULL, &g), -1);
	assert_int_equal(names_parse("   ", &g), -1);
	assert_int_equal(names_parse(", ,", &g), -1);
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(names_parse(big, &g), -1);   /* a word too long */
	assert_int_equal(names_parse("a b c d e f g h i j k l m n", &g), -1);  /* too many words */
	assert_int_equal(names_parse("Pat Ng, PhD", &g), 0);
	assert_int_equal(g.split, 0);                /* ", PhD" is not "Last, First" */
	assert_int_equal(g.nall, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(folding_latin_letters),
		cmocka_unit_test(folding_bad_bytes_separate),
		cmocka_unit_test(same_last_name_needs_the_first),
		cmocka_unit_test(two_matches_are_none),
		cmocka_unit_test(middle_names),
		cmocka_unit_test(a_strictly_better_match_wins),
		cmocka_unit_test(accents_and_case),
		cmocka_unit_test(compound_last_names),
		cmocka_unit_test(emails_and_full_names),
		cmocka_unit_test(unusable_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
