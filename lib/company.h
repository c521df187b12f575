/*
 * company: whether two employers are one company, for apollo-enrich's
 * job_changed and tenure (and any gate that asks "is this the account?"), and
 * whether a text names a company (serper-signals keeps only such results).
 *
 * Identity is decided by domain first, then by name:
 *   - both domains known: the same when equal or one a subdomain of the other
 *     (eu.globex.com is globex.com); decided "by domain". Different domains
 *     with the same name (a rebrand, a regional site) are still one company,
 *     decided "by name".
 *   - otherwise both normalized names known: decided "by name".
 *   - otherwise it cannot be told.
 *
 * Names compare normalized (company_norm): lowercased; apostrophes and
 * periods vanish (Ben & Jerry's -> ben jerrys, S.A. -> sa, Inc. -> inc);
 * every other ASCII character that is not a letter or digit separates words;
 * a leading "the" is dropped; legal forms (inc, incorporated, llc, llp, ltd,
 * limited, corp, corporation, co, plc, gmbh, ag, sa, sas, sarl, bv, nv, srl,
 * spa, pty, pte) are dropped after the first word.
 * Two normalized names are one company when they are equal, or when the
 * words of one are a leading whole-word prefix of the other's and every word
 * left over is generic (industries, industry, group, holdings, holding,
 * company, companies, technologies, technology, systems, solutions,
 * services, enterprises, international, global, worldwide): "Wonka" is
 * "Wonka Industries, Inc.", "The Acme Group" is "Acme"; "Acme Bank" is not
 * "Acme Corp" (bank is not generic), "Wonkabar" is not "Wonka" (whole words).
 *
 * Nothing here allocates, exits or prints.
 */
#ifndef DE_COMPANY_H
#define DE_COMPANY_H

#include <stddef.h>

/* What decided company_same. */
enum { COMPANY_BY_NONE, COMPANY_BY_DOMAIN, COMPANY_BY_NAME };

/* "domain", "name", or NULL for COMPANY_BY_NONE. */
const char *company_by_name(int by);

/*
 * The normalized name of s (NULL: none) into out[n], words separated by one
 * blank; "" when nothing is left. A name longer than n - 1 is cut at a word.
 */
void company_norm(const char *s, char *out, size_t n);

/*
 * Whether (domain_a, name_a) and (domain_b, name_b) are one company: 1, 0, or
 * -1 when it cannot be told. Domains are normalized (domain_normalize) and
 * names normalized (company_norm); NULL or "" is unknown. *by (may be NULL)
 * gets what decided, COMPANY_BY_NONE with -1.
 */
int company_same(const char *domain_a, const char *name_a, const char *domain_b,
    const char *name_b, int *by);

/* The most of a text company_named_in() reads. */
#define COMPANY_TEXT_MAX 4096

/*
 * Whether text (a search result's title or snippet) names the company of
 * name and domain (either may be NULL or ""): 1, 0, or -1 when neither is
 * known. Named means any of:
 *   - the normalized name, without its trailing generic words ("The Acme
 *     Group" -> "acme"), among text's words as whole words; text is
 *     normalized as a name is but keeps "the" and legal forms; the last word
 *     may carry a possessive or plural s ("Acme's", "Acmes");
 *   - the normalized domain in text, case-insensitively, not inside a longer
 *     word or host name ("www.acme.com", "acme.com." name acme.com;
 *     "notacme.com", "acme.com.evil.org" do not);
 *   - the domain's label before its suffix as a word: "globex" of
 *     eu.globex.co.uk (co, com, org, net, gov, ac, edu, ltd, plc, ne, or, go
 *     under a two-letter domain are suffixes), "bbc" of news.bbc.com; not a
 *     label of two letters ("go" of go.dev: too often a word).
 * Only the first COMPANY_TEXT_MAX - 1 bytes of text are read.
 */
int company_named_in(const char *name, const char *domain, const char *text);

#endif
