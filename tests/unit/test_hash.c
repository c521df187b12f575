#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hash.h"

/* FNV-1a's published test vectors: hash_str is the standard function. */
static void
standard_values(void **state)
{
	(void)state;
	assert_true(hash_str("") == 0xcbf29ce484222325ULL);
	assert_true(hash_str("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(hash_str("foobar") == 0x85944171f73967e8ULL);
	assert_true(hash_add(HASH_FNV_OFFSET, "foobar", 6) == hash_str("foobar"));
	assert_true(hash_add(hash_add(HASH_FNV_OFFSET, "foo", 3), "bar", 3) == hash_str("foobar"));
}

/* deals-extract's synthetic deal IDs are made of these: the values users hold. */
static void
case_folded_values_are_pinned(void **state)
{
	uint64_t h;

	(void)state;
	assert_true(hash_add_ci(HASH_FNV_OFFSET, "FooBar") == hash_str("foobar"));
	assert_true(hash_add_ci(HASH_FNV_OFFSET, NULL) == HASH_FNV_OFFSET);
	h = hash_add_ci(HASH_FNV_OFFSET, "Globex Corp");
	h = hash_add(h, "\x1f", 1);
	h = hash_add_ci(h, "RENEWAL 2026");
	assert_true(h == 0xd24680b7c55307c5ULL);
}

/*
 * The short-basis variant: db_key's digest of an over-long key and
 * deals-filter --shard depend on these values; a change would orphan keys in
 * users' dbs and move deals between shards.
 */
static void
short_basis_values_are_pinned(void **state)
{
	char x[500];

	(void)state;
	assert_true(hash_short("", 0) == HASH_FNV_OFFSET_SHORT);
	assert_true(hash_short("", 0) == 0x14650fb0739d0383ULL);
	assert_true(hash_short("a", 1) == 0x44bd8ad473cd9906ULL);
	assert_true(hash_short("foobar", 6) == 0x88fad7c0a8ff07f2ULL);
	assert_true(hash_short("acme\x1f" "deal:42", 12) == 0xd7292746a4aebdc4ULL);
	memset(x, 'x', sizeof x);
	assert_true(hash_short(x, sizeof x) == 0x3406b44310c2a6b3ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(standard_values),
		cmocka_unit_test(case_folded_values_are_pinned),
		cmocka_unit_test(short_basis_values_are_pinned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
