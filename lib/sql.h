/*
 * sql: deal records as PostgreSQL statements for the original service's
 * tables (deals-load --sql, --sql-schema).
 *
 * Tables (sql_schema() has the DDL): accounts, account_signals, deals,
 * contacts, deal_contacts. Row ids are text: "<workspace>:<deal_id>",
 * "<workspace>:<account key>" (lib/account.h), "<workspace>:<contact key>"
 * (the lowercased email, else "id:<contact_id>", else "name:<first last>");
 * a workspace id holds no ':', so ids never collide across workspaces.
 * deal_contacts rows are unique by (deal_id, contact_id).
 *
 * Every statement is an idempotent upsert that keeps what the store keeps
 * (lib/store.h): a column never goes back to NULL, a contact's Apollo
 * columns are replaced only by an answer at least as good, a role only by
 * one of equal or higher confidence, an account's signals only by signals at
 * least as good; the deal's enrichment_status and roles_summary are
 * recomputed from its deal_contacts rows.
 *
 * Quoting: every text goes out as an E'' literal with quotes, backslashes and
 * control characters escaped, so any text is safe whatever
 * standard_conforming_strings says; the output sets client_encoding to UTF8
 * so every Unicode letter arrives as it is. NUL (which PostgreSQL text and
 * jsonb cannot hold) becomes U+FFFD. Numbers too large for numeric become
 * NULL (in columns) or strings (inside jsonb), so no record can make the
 * transaction fail.
 *
 * All functions append to out and return 0, or -1 when the buffer fails
 * (memory or its cap).
 */
#ifndef DE_SQL_H
#define DE_SQL_H

#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "json.h"

/* The DDL: CREATE TABLE / INDEX IF NOT EXISTS, safe to run again. */
const char *sql_schema(void);

/* An E'' literal for s[0..n). */
int sql_quote(buf_t *out, const char *s, size_t n);
/* v as a jsonb literal (E'...'::jsonb), or NULL for NULL/JSON null. */
int sql_quote_jsonb(buf_t *out, const json_t *v);

/* "SET client_encoding ...; BEGIN;" and the schema when with_schema. */
int sql_begin(buf_t *out, int with_schema);
/* "COMMIT;" */
int sql_commit(buf_t *out);

/*
 * The upserts of one deal record of workspace ws loaded at now. Returns 0,
 * 1 when the record has no usable deal_id (nothing appended), -1 on failure.
 */
int sql_record(buf_t *out, const char *ws, const json_t *rec, time_t now);

#endif
