/* tls: the extra CA of DEAL_ENRICH_CA_FILE (see tls.h). */
#include <stdlib.h>

#include "tls.h"

void
tls_opts(struct http_opts *o)
{
	const char *ca = getenv(TLS_CA_ENV);

	if (ca != NULL && *ca != '\0')
		o->ca_file = ca;
}
