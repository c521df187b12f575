#!/usr/bin/env bash
# deals-filter: one shard by account, the deals closed since a day; records
# kept byte for byte, bad lines reported, output errors caught.
source "$(dirname "$0")/../lib.sh"

IN=$DATA/pipelines/backfill.ndjson   # 40 deals, 12 accounts

t_status "--help exits 0" 0 deals-filter --help >"$T/help"
t_contains "--help names --shard" "$T/help" "--shard K/N"
t_contains "--help names --closed-since" "$T/help" "--closed-since D"
t_status "--version exits 0" 0 deals-filter --version >/dev/null
t_status "--shard 0/4: usage" 64 deals-filter --shard 0/4 </dev/null 2>/dev/null
t_status "--shard 5/4: usage" 64 deals-filter --shard 5/4 </dev/null 2>/dev/null
t_status "--shard 2: usage" 64 deals-filter --shard 2 </dev/null 2>/dev/null
t_status "--shard 1/2000: usage" 64 deals-filter --shard 1/2000 </dev/null 2>/dev/null
t_status "--closed-since 3/1/2026: usage" 64 deals-filter --closed-since 3/1/2026 </dev/null 2>/dev/null
t_status "a file argument: usage (records come on stdin)" 64 deals-filter "$IN" 2>/dev/null

# --- no filter: every record, byte for byte
deals-filter <"$IN" >"$T/all"
t_eq "no filter: exit 0" 0 "$?"
t_check "no filter: the input byte for byte" cmp -s "$IN" "$T/all"

# --- shards
for k in 1 2 3 4; do deals-filter --shard $k/4 <"$IN" >"$T/s$k" || t_fail "shard $k exit"; done
t_eq "4 shards together: every record once" "$(sort "$IN")" "$(cat "$T"/s[1-4] | sort)"
t_check "each shard keeps input order" bash -c "for k in 1 2 3 4; do
	[ \"\$(jq -r .deal_id '$T/s'\$k)\" = \"\$(jq -r .deal_id '$T/s'\$k | sort)\" ] || exit 1; done"
t_eq "an account is in one shard only" 12 \
	"$(for k in 1 2 3 4; do jq -r .account.domain "$T/s$k" | sort -u; done | sort | uniq | wc -l)"
t_eq "... and no account in two" 12 \
	"$(for k in 1 2 3 4; do jq -r .account.domain "$T/s$k" | sort -u; done | wc -l)"
t_check "the split is real: no shard holds everything" bash -c "for k in 1 2 3 4; do
	[ \$(wc -l <'$T/s'\$k) -lt 40 ] || exit 1; done"
deals-filter --shard 1/1 <"$IN" >"$T/one"
t_check "--shard 1/1 keeps everything" cmp -s "$IN" "$T/one"
# The hash is FNV-1a 64 of the account key: stable across machines and releases.
t_eq "globex.com is in shard 4 of 4 (FNV-1a 64: 12248463893270554547 mod 4 = 3)" "4" "$(for k in 1 2 3 4; do
	echo '{"account":{"domain":"globex.com"}}' | deals-filter --shard $k/4 | grep -q . && echo $k; done)"
t_eq "the key is the account key: the domain, normalized as the programs do" \
	"$(echo '{"account":{"domain":"globex.com"}}' | deals-filter --shard 4/4 | wc -l)" \
	"$(echo '{"account":{"domain":"GLOBEX.com","name":"Other name"}}' | deals-filter --shard 4/4 | wc -l)"
printf '%s\n' '{"deal_id":"x1"}' '{"deal_id":"x2"}' '{"deal_id":"x3"}' '{"deal_id":"x4"}' '{"deal_id":"x5"}' >"$T/noacct"
t_eq "deals without an account are placed by deal_id, each once" 5 \
	"$(for k in 1 2 3; do deals-filter --shard $k/3 <"$T/noacct"; done | sort -u | wc -l)"

# --- closed since
deals-filter --closed-since 2026-10-01 <"$IN" >"$T/since"
t_eq "--closed-since: the deals closed that day or later" \
	"$(jq -r 'select(.close_date >= "2026-10-01") | .deal_id' "$IN")" "$(jq -r .deal_id "$T/since")"
t_check "--closed-since keeps some, leaves some" test "$(wc -l <"$T/since")" -gt 0 -a "$(wc -l <"$T/since")" -lt 40
t_eq "the day itself is kept" 1 "$(echo '{"close_date":"2026-10-01"}' | deals-filter --closed-since 2026-10-01 | wc -l)"
t_eq "a deal without close_date is left out" 0 "$(echo '{"deal_id":"1"}' | deals-filter --closed-since 2026-10-01 | wc -l)"
t_eq "both filters at once" \
	"$(deals-filter --shard 3/4 <"$T/since")" "$(deals-filter --closed-since 2026-10-01 --shard 3/4 <"$IN")"

# --- numbers and keys untouched; bad lines
printf '%s\n' '{"amount":0.1,"n":12345678901234567891,"x":{"keep":"me"},"account":{"domain":"a.example"}}' \
	'not json' '{"close_date":"2026-12-01","z":1}' >"$T/mixed"
deals-filter --rejects "$T/rej" <"$T/mixed" >"$T/mixed.out" 2>"$T/mixed.err"
t_eq "a bad line: exit 65" 65 "$?"
t_eq "the good records pass, byte for byte" "$(grep -v 'not json' "$T/mixed")" "$(cat "$T/mixed.out")"
t_check "the bad line named with its number" grep -q '^deals-filter: stdin:2: ' "$T/mixed.err"
t_eq "the bad line in --rejects" "not json" "$(cat "$T/rej")"
deals-filter --verbose --closed-since 2026-11-01 <"$T/mixed" >/dev/null 2>"$T/v.err"
t_check "--verbose counts" grep -q "1 records kept, 1 left out" "$T/v.err"

# --- output errors
if [ -w /dev/full ]; then
	deals-filter <"$IN" >/dev/full 2>"$T/full.err"
	t_eq "> /dev/full: exit 74" 74 "$?"
	t_check "... with a message" grep -q "deals-filter: " "$T/full.err"
else
	t_skip "> /dev/full: exit 74" "no writable /dev/full here"
fi

# --- every allocation failure ends cleanly (the fault build)
if [ "${VALGRIND:-0}" = 1 ]; then
	t_skip "deals-filter allocation failure sweep" "the fault build is an ASan build, which valgrind cannot run"
elif [ ! -x "$DE_ROOT/build/fault/bin/deals-filter" ]; then
	t_fail "deals-filter allocation failure sweep" "no $DE_ROOT/build/fault/bin/deals-filter (make san)"
else
	cp "$DE_ROOT/build/fault/bin/deals-filter" "$T/deals-filter.fault"
	head -n 3 "$IN" >"$T/three"
	python3 "$DE_ROOT/tests/fault/sweep.py" "deals-filter --shard" "$T/three" "$T/deals-filter.fault" --shard 2/3
	python3 "$DE_ROOT/tests/fault/sweep.py" "deals-filter --closed-since" "$T/three" "$T/deals-filter.fault" --closed-since 2026-02-01
fi
