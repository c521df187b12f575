#include "account.h"

#include <ctype.h>
#include <string.h>

static int
add_lower(buf_t *out, const char *s)
{
	const char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	for (; s < end; s++)
		if (buf_addc(out, (char)tolower((unsigned char)*s)) != BUF_OK)
			return -1;
	return 0;
}

static int
nonblank(const char *s)
{
	if (s == NULL)
		return 0;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 1;
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
	if (nonblank(domain))
		return add_lower(out, domain);
	if (nonblank(id))
		return buf_adds(out, "id:") == BUF_OK ? add_lower(out, id) : -1;
	if (nonblank(name))
		return buf_adds(out, "name:") == BUF_OK ? add_lower(out, name) : -1;
	return 1;
}
