/*
 * names: careful matching of person names, for deal fields that name a
 * contact ("champion_name": "Pat Ng") and for anything else that compares
 * names or titles written by people.
 *
 * Folding (names_fold): ASCII letters are lowercased; Latin letters with
 * diacritics become their base letters (é -> e, ß -> ss, æ -> ae, ø -> o,
 * ł -> l, þ -> th); combining marks are dropped (a decomposed "e" + U+0301 is
 * "e"); Greek and Cyrillic capitals are lowercased; apostrophes (' ’ ʼ `)
 * vanish so that O'Brien is obrien; every other character that is not a
 * letter or a digit (blanks of any kind, '-', '.', ',', '/', '&'...) separates
 * words. Letters of other scripts are kept as they are.
 * With NAMES_FOLD_GERMAN, ä ö ü become ae oe ue (Müller -> mueller), the
 * spelling used when umlauts are unavailable.
 *
 * Matching (names_match, names_pick): a name given as "First [Middle...] Last",
 * "Last, First [Middle...]" or an email address, with leading honorifics
 * (Mr, Mrs, Ms, Dr, Prof, Herr, Frau, Mme, Sra...) and trailing suffixes
 * (Jr, Sr, II, III, PhD, MBA...) ignored, matches a contact (first name, last
 * name, email) when:
 *   - it is an email address equal to the contact's (case-insensitive): level 4;
 *   - its last words are all of the contact's last name, and its first word
 *     is the contact's first name: level 3 when every given middle name equals
 *     the contact's, level 2 when one side has a middle name the other lacks
 *     or gives only its initial;
 *   - as above but with only the initial of the first name ("P. Ng"): level 1.
 * Words compare folded, and also folded the German way (so Müller, Muller and
 * Mueller are one name). Middle names that are given on both sides must agree
 * (equal, or one an initial of the other): "Mary Beth Smith" is not "Mary Ann
 * Smith". A single word ("Ng", "Pat") never matches. Nicknames are not guessed
 * (Pat is not Patricia).
 * names_pick() looks at every contact of a deal: the one contact with the
 * strictly best level is the answer; when two or more share the best level the
 * name matches none, so a name never marks two contacts.
 *
 * Nothing here allocates beyond the caller's buffers, exits or prints.
 */
#ifndef DE_NAMES_H
#define DE_NAMES_H

#include <stddef.h>
#include "buf.h"

enum {
	NAMES_FOLD_GERMAN = 1
};

/*
 * Appends the folded form of s[0..n) to out, words separated by one blank, no
 * blank at either end. Returns BUF_OK, BUF_ENOMEM or BUF_ETOOBIG.
 */
int names_fold(const char *s, size_t n, int flags, buf_t *out);

#define NAMES_MAX_WORDS 12
#define NAMES_MAX_WORD 48
#define NAMES_EMAIL_MAX 321

/* A parsed name: folded words, plain and German-folded. */
struct names_name {
	char first[NAMES_MAX_WORDS][NAMES_MAX_WORD];      /* first and middle names */
	char first_de[NAMES_MAX_WORDS][NAMES_MAX_WORD];
	size_t nfirst;
	char last[NAMES_MAX_WORDS][NAMES_MAX_WORD];       /* last name (all its words) */
	char last_de[NAMES_MAX_WORDS][NAMES_MAX_WORD];
	size_t nlast;
	/* For a free-form name without a comma: every word, split later. */
	char all[NAMES_MAX_WORDS][NAMES_MAX_WORD];
	char all_de[NAMES_MAX_WORDS][NAMES_MAX_WORD];
	size_t nall;
	int split;                       /* 1: first/last known; 0: only all[] */
	char email[NAMES_EMAIL_MAX];     /* normalized email, or "" */
};

/*
 * Parses a name as a person wrote it: "Pat Ng", "Ng, Pat", "Dr. Pat J. Ng
 * Jr.", "pat@globex.com", "Pat Ng <pat@globex.com>". Words past
 * NAMES_MAX_WORDS or longer than NAMES_MAX_WORD - 1 bytes make the name
 * unusable. Returns 0, or -1 when nothing usable is left (the name then
 * matches nothing).
 */
int names_parse(const char *s, struct names_name *out);

/*
 * A contact's name from its parts; any of them may be NULL. A contact with no
 * first or last name but a full name ("name") is parsed like names_parse().
 * Returns 0, or -1 when the contact has neither a usable name nor an email.
 */
int names_contact(const char *first, const char *last, const char *full,
    const char *email, struct names_name *out);

/* How well a parsed name matches a contact: 0 (not at all) to 4 (email). */
int names_match(const struct names_name *given, const struct names_name *contact);

/*
 * The contact (index into contacts[0..n)) that the name s designates, or -1
 * when none does or when two or more match equally well. *level (may be
 * NULL) gets the level of the match.
 */
long names_pick(const char *s, const struct names_name *contacts, size_t n, int *level);

#endif
