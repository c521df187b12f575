/*
 * store: the deal store that deals-load writes and enrich-status,
 * enrich-summary, deals-extract --pending and role-resolve read (DESIGN §4).
 *
 * Tables and formats (shared with the other programs):
 *   DB_DEALS  db_key(ws, deal_id)
 *             {"status":"enriched"|"partial"|"failed","loaded_at":"...Z",
 *              "record":{...the merged deal record...}}
 *   DB_INDEX  db_key(ws, "role", account_key, lowercased email, deal_id)
 *             {"buying_role":..,"role_confidence":..,"role_source":..,"close_date":..}
 *             one per contact that has an email and a role, except roles that were
 *             themselves inferred from other deals (role_source cross_deal_pattern),
 *             so that an inference never becomes evidence.
 *   DB_INDEX  db_key(ws, "facts", deal_id)
 *             the deal's facts (store_facts()): the few fields enrich-status and
 *             enrich-summary count, so that they read a few hundred bytes a deal
 *             instead of the whole record.
 *   DB_META   db_key(ws, "deals-load", "last_run") "YYYY-MM-DDTHH:MM:SSZ"
 *
 * The module, one concern a file, each header its manual:
 *   store_schema.h  statuses, ranks, confidences, a deal's id, facts, numbers
 *   store_merge.h   the merge of a new record over the stored one
 *   store_load.h    the loader (deals-load's writes), the last run time
 *   store_read.h    a deal's value, the facts and role index as trees
 *   store_fdeal.h   the facts as a struct, without a tree
 *   store_count.h   counting deals and accounts, enrich-status's stats
 *
 * Ownership: functions returning json_t * hand the caller a new value to
 * json_free(); NULL means memory ran out.
 */
#ifndef DE_STORE_H
#define DE_STORE_H

#include "store_schema.h"
#include "store_merge.h"
#include "store_load.h"
#include "store_read.h"
#include "store_fdeal.h"
#include "store_count.h"

#endif
