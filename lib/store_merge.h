/*
 * store_merge: the merge of a new record over the stored one, which never
 * loses data. A contact keeps its Apollo answer when the new one is worse
 * (enriched > not_found > error, quota_exhausted, skipped, dry_run > none),
 * its LinkedIn answer too (a mismatch ranks with not_found), with the fields
 * its field_sources credit to LinkedIn where the new record leaves them empty
 * (field_sources follows its fields, never filled in whole), a role is
 * replaced only by one of equal or higher confidence, the account
 * keeps its signals and firmographics the same way, enriched_at is never
 * touched, and keys, contacts and values (non-null) that only the stored
 * record has are kept.
 */
#ifndef DE_STORE_MERGE_H
#define DE_STORE_MERGE_H

#include "store_schema.h"

/*
 * The merge of rec (the new record) over old (the stored record, NULL when
 * none): rec's keys and order, the rules above, old's extras appended. A new
 * value the caller frees with json_free(); NULL when memory runs out.
 */
json_t *store_merge(const json_t *old, const json_t *rec);

#endif
