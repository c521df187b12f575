/* domain: see domain.h. */
#include "domain.h"
#include "str.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Trims blanks (and surrounding angle brackets or quotes) off [*s, *e). */
static void trim(const char **s, const char **e)
{
	str_trim_blanks(s, e);
	while (*e - *s >= 2 && ((**s == '<' && (*e)[-1] == '>') ||
	    (**s == '"' && (*e)[-1] == '"') || (**s == '\'' && (*e)[-1] == '\''))) {
		(*s)++;
		(*e)--;
		str_trim_blanks(s, e);
	}
}

static int fail(char *out, size_t outlen)
{
	if (out && outlen)
		out[0] = '\0';
	return -1;
}

/* Validates and copies a host [s, e) lowercased; strips "www." and a trailing dot. */
static int host_out(const char *s, const char *e, char *out, size_t outlen)
{
	size_t n;
	int dot = 0;
	while (e > s && e[-1] == '.')
		e--;
	while (s < e && *s == '.')
		s++;
	if (e - s > 4 && strncasecmp(s, "www.", 4) == 0)
		s += 4;
	n = (size_t)(e - s);
	if (n == 0 || n + 1 > outlen || n > 253)
		return fail(out, outlen);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (i == 0 || s[i - 1] == '.')
				return fail(out, outlen);
			dot = 1;
		} else if (!(isalnum(c) || c == '-' || c == '_' || c >= 0x80)) {
			return fail(out, outlen);
		}
		out[i] = (char)(c < 0x80 ? tolower(c) : c);
	}
	out[n] = '\0';
	if (!dot)
		return fail(out, outlen);
	return 0;
}

int domain_normalize(const char *in, char *out, size_t outlen)
{
	const char *s, *e, *p;
	if (!out || !outlen)
		return -1;
	if (!in)
		return fail(out, outlen);
	s = in;
	e = in + strlen(in);
	trim(&s, &e);
	/* scheme: letters, digits, + - . then "://"; or "mailto:" */
	for (p = s; p < e && (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.'); p++)
		;
	if (p < e && e - p >= 3 && p > s && memcmp(p, "://", 3) == 0)
		s = p + 3;
	else if (e - s > 7 && strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	else if (e - s >= 2 && s[0] == '/' && s[1] == '/')
		s += 2;
	/* the authority ends at the first '/', '?', '#' */
	for (p = s; p < e && *p != '/' && *p != '?' && *p != '#'; p++)
		;
	e = p;
	/* user info */
	p = memrchr(s, '@', (size_t)(e - s));
	if (p)
		s = p + 1;
	/* port */
	p = memchr(s, ':', (size_t)(e - s));
	if (p)
		e = p;
	return host_out(s, e, out, outlen);
}

/* 1 when s[0..n) is valid UTF-8 (no surrogates, no overlongs). */
static int utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, len, k;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		if ((s[i] == 0xe0 && s[i + 1] < 0xa0) || (s[i] == 0xed && s[i + 1] >= 0xa0) ||
		    (s[i] == 0xf0 && s[i + 1] < 0x90) || (s[i] == 0xf4 && s[i + 1] >= 0x90))
			return 0;
		i += len;
	}
	return 1;
}

int domain_email_normalize(const char *in, char *out, size_t outlen)
{
	const char *s, *e, *at;
	size_t n;
	int ascii = 1, room;
	if (!out || !outlen)
		return -1;
	out[0] = '\0';
	if (!in)
		return 1;
	s = in;
	e = in + strlen(in);
	trim(&s, &e);
	if (e - s > 7 && (*s | 0x20) == 'm' && strncasecmp(s, "mailto:", 7) == 0)
		s += 7;
	n = (size_t)(e - s);
	if (n == 0)
		return 1;
	at = memrchr(s, '@', n);
	if (!at || at == s || at == e - 1)
		return 1;
	/*
	 * One pass checks and, when out has room, lowercases (ASCII only) into
	 * it; blanks and control bytes are all at or below the space.
	 */
	room = n + 1 <= outlen;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			ascii = 0;
		else if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';') {
			out[0] = '\0';
			return 1;
		}
		if (room)
			out[i] = (char)((unsigned)(c - 'A') < 26u ? c + ('a' - 'A') : c);
	}
	if ((!ascii && !utf8_valid(s, n)) || (n == strlen(DOMAIN_EMAIL_PLACEHOLDER) &&
	    strncasecmp(s, DOMAIN_EMAIL_PLACEHOLDER, n) == 0)) {
		out[0] = '\0';
		return 1;
	}
	if (!room) {
		out[0] = '\0';
		return -1;
	}
	out[n] = '\0';
	return 0;
}

int domain_of_email(const char *email, char *out, size_t outlen)
{
	char tmp[DOMAIN_EMAIL_MAX];
	const char *at;
	if (!out || !outlen)
		return -1;
	if (domain_email_normalize(email, tmp, sizeof tmp) != 0)
		return fail(out, outlen);
	at = strrchr(tmp, '@');
	return host_out(at + 1, at + 1 + strlen(at + 1), out, outlen);
}

/* Exact free-mail domains. */
static const char *const freemail_exact[] = {
	"gmail.com", "googlemail.com", "icloud.com", "me.com", "mac.com",
	"proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com",
	"tutanota.de", "tuta.io", "tutamail.com", "web.de", "mail.ru", "inbox.ru",
	"list.ru", "bk.ru", "rambler.ru", "qq.com", "foxmail.com", "163.com",
	"126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com", "aliyun.com",
	"139.com", "naver.com", "hanmail.net", "daum.net", "rediffmail.com",
	"zoho.com", "zohomail.com", "fastmail.com", "fastmail.fm", "hey.com",
	"mail.com", "email.com", "usa.com", "inbox.com", "rocketmail.com",
	"ymail.com", "msn.com", "passport.com", "att.net", "sbcglobal.net",
	"bellsouth.net", "comcast.net", "verizon.net", "cox.net", "charter.net",
	"earthlink.net", "optonline.net", "juno.com", "netzero.net",
	"btinternet.com", "sky.com", "virginmedia.com", "ntlworld.com",
	"talktalk.net", "blueyonder.co.uk", "orange.fr", "wanadoo.fr", "free.fr",
	"sfr.fr", "laposte.net", "t-online.de", "freenet.de", "arcor.de",
	"posteo.de", "mailbox.org", "libero.it", "virgilio.it", "tiscali.it",
	"alice.it", "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl",
	"bigpond.com", "optusnet.com.au", "shaw.ca", "rogers.com", "sympatico.ca",
	"uol.com.br", "bol.com.br", "terra.com.br", "ig.com.br", "rediff.com",
	"mail.ee", "hushmail.com", "lycos.com", "excite.com", "runbox.com",
	"disroot.org", "riseup.net", "cock.li", "mailinator.com",
	"guerrillamail.com", "10minutemail.com", "yopmail.com", "temp-mail.org",
	"duck.com", "skiff.com", "gmx.com", "gmx.net", "gmx.de", "ya.ru",
	NULL
};

/* Families: the provider's name under any country domain (yahoo.co.uk, gmx.at). */
static const char *const freemail_family[] = {
	"yahoo", "hotmail", "outlook", "live", "aol", "gmx", "yandex", "windowslive",
	NULL
};

/* 1 when rest (after "family.") looks like a public suffix: 1-2 short labels. */
static int country_suffix(const char *rest)
{
	int labels = 0;
	size_t len = 0;
	for (const char *p = rest;; p++) {
		if (*p == '.' || *p == '\0') {
			if (len == 0 || len > 4)
				return 0;
			labels++;
			len = 0;
			if (*p == '\0')
				break;
		} else if (isalpha((unsigned char)*p)) {
			len++;
		} else {
			return 0;
		}
	}
	return labels >= 1 && labels <= 2;
}

int domain_is_freemail(const char *domain)
{
	char d[DOMAIN_MAX];
	size_t n;
	if (!domain || !*domain)
		return 0;
	if (domain_normalize(domain, d, sizeof d) != 0)
		return 0;
	for (int i = 0; freemail_exact[i]; i++)
		if (strcmp(d, freemail_exact[i]) == 0)
			return 1;
	for (int i = 0; freemail_family[i]; i++) {
		n = strlen(freemail_family[i]);
		if (strncmp(d, freemail_family[i], n) == 0 && d[n] == '.' &&
		    country_suffix(d + n + 1))
			return 1;
	}
	return 0;
}
