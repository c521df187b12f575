/*
 * account: what identifies a deal's account across deals and runs.
 *
 * The key is the account's domain when it has one (lowercased), else
 * "id:<account_id>", else "name:<lowercased name>". Serper's cache, the
 * cross-deal role index and the store all use it, so that the same company
 * is one account everywhere.
 */
#ifndef DE_ACCOUNT_H
#define DE_ACCOUNT_H

#include "buf.h"
#include "json.h"

/*
 * Writes the key of rec's "account" into out (reset first). Returns 0, 1 when
 * the record has no usable account (out empty), or -1 when memory runs out.
 */
int account_key(const json_t *rec, buf_t *out);

#endif
