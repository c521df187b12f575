#include "account.h"
#include "str.h"

#include <ctype.h>
#include <string.h>

static int
add_lower(buf_t *out, const char *s)
{
	const char *end = s + strlen(s);

	str_trim_blanks(&s, &end);
	for (; s < end; s++)
		if (buf_addc(out, (char)tolower((unsigned char)*s)) != BUF_OK)
			return -1;
	return 0;
}

int
account_key(const json_t *rec, buf_t *out)
{
	const json_t *acct = json_get(rec, "account");
	const char *domain = json_str(json_get(acct, "domain"));
	const char *id = json_str(json_get(acct, "account_id"));
	const char *name = json_str(json_get(acct, "name"));

	buf_reset(out);
	if (!str_blank(domain))
		return add_lower(out, domain);
	if (!str_blank(id))
		return buf_adds(out, "id:") == BUF_OK ? add_lower(out, id) : -1;
	if (!str_blank(name))
		return buf_adds(out, "name:") == BUF_OK ? add_lower(out, name) : -1;
	return 1;
}
