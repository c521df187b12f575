/*
 * domain: company domains and email addresses as keys.
 *
 * A normalized domain is lowercase, has no scheme, no user, no "www.", no
 * port, no path, query or fragment, no trailing dot, and at least one dot
 * inside ("globex.com"). A normalized email is trimmed and lowercased.
 * Outputs go into caller buffers of DOMAIN_MAX / DOMAIN_EMAIL_MAX bytes.
 * Nothing here allocates, exits or prints.
 */
#ifndef DE_DOMAIN_H
#define DE_DOMAIN_H

#include <stddef.h>

#define DOMAIN_MAX 256        /* a DNS name is at most 253 bytes, plus NUL */
#define DOMAIN_EMAIL_MAX 321  /* 64 + 1 + 255, plus NUL */

/* The locked placeholder Apollo returns instead of an email (counts as none). */
#define DOMAIN_EMAIL_PLACEHOLDER "email_not_unlocked@domain.com"

/*
 * Normalizes a domain or URL: " https://WWW.Globex.com:443/about?x " ->
 * "globex.com"; "mailto:pat@globex.com" and "pat@globex.com" -> "globex.com".
 * Returns 0, or -1 when nothing usable remains (empty, no dot, a blank or a
 * character that has no place in a host name, or longer than outlen - 1);
 * out is "" then. Bytes >= 0x80 (an IDN in UTF-8) are kept as they are.
 */
int domain_normalize(const char *in, char *out, size_t outlen);

/*
 * The normalized domain of an email ("Pat@Globex.COM " -> "globex.com").
 * Returns 0, or -1 when email is not an address (no '@', empty local part,
 * bad domain) or is the placeholder; out is "" then.
 */
int domain_of_email(const char *email, char *out, size_t outlen);

/*
 * 1 when the (normalized) domain is a free or consumer mail provider, whose
 * domain says nothing about the employer: gmail.com, googlemail.com, yahoo.*,
 * hotmail.*, outlook.*, live.*, icloud.com, me.com, aol.*, proton.me, gmx.*,
 * web.de, yandex.*, mail.ru, qq.com, 163.com and the rest of the table in
 * domain.c. 0 otherwise (also for NULL or "").
 */
int domain_is_freemail(const char *domain);

/*
 * Normalizes an email: trimmed, lowercased, a leading "mailto:" removed.
 * Returns 0 with out set; 1 when there is no email (NULL, empty, no '@' with
 * text on both sides, blanks or control bytes inside, not UTF-8, or the
 * placeholder), out ""; -1 when it
 * does not fit in outlen, out "".
 */
int domain_email_normalize(const char *in, char *out, size_t outlen);

#endif
