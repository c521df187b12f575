/*
 * tls: where the programs take an extra CA from. TLS verification is always
 * on (lib/http.h); DEAL_ENRICH_CA_FILE names a PEM bundle trusted besides the
 * system's (a company proxy's CA, a test server's). Read here only, so that
 * every program that calls a provider honours the same variable.
 */
#ifndef DE_TLS_H
#define DE_TLS_H

#include "http.h"

#define TLS_CA_ENV "DEAL_ENRICH_CA_FILE"

/* Sets o->ca_file from DEAL_ENRICH_CA_FILE when it is set and not empty. */
void tls_opts(struct http_opts *o);

#endif
