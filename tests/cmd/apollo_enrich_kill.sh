#!/usr/bin/env bash
# apollo-enrich killed with SIGKILL in the middle of a run against a slow
# Apollo: the rerun asks only for the emails not answered before, and every
# record comes out. Two processes on one db at once both finish and the cache
# and the ledger are consistent.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi --apollo-limit-minute 1000 || exit 1
printf 'apollo_api_key = test-apollo-key\n' | t_workspace acme
calls() { fake_stat '.calls["apollo.bulk_match"] // 0'; }
emails() { jq -r '.contacts[].email' "$1" | sort -u; }

# ---- SIGKILL mid-run ----
t_deals 6 10 acme k >"$T/in"     # 60 emails, 6 calls
emails "$T/in" >"$T/all"
fake_post latency '{"ms": 600}'
apollo-enrich --delay-ms 5 <"$T/in" >"$T/o1" 2>"$T/e1" &
pid=$!
# The kill comes once a first answer is in the cache (the run reads it with a
# dry run, which makes no call): how long that takes is the program's own
# pace (slower under valgrind), not a guess.
cached_now() {
	apollo-enrich --dry-run <"$T/in" 2>/dev/null |
		jq -r '.contacts[] | select(.apollo.cached) | .email' | sort -u | wc -l
}
for i in $(seq 400); do [ "$(cached_now)" -ge 10 ] && break; sleep 0.05; done
t_kill9 $pid
wait $pid; t_eq "killed with SIGKILL" 137 $?
fake_post latency '{"ms": 0}'
fake_stat '.asked.apollo[]' | sort -u >"$T/paid1"

# What the killed run committed: the dry run says which emails are cached.
apollo-enrich --dry-run <"$T/in" >"$T/dry" 2>/dev/null; t_eq "dry run after the kill: exit 0" 0 $?
jq -r '.contacts[] | select(.apollo.cached) | .email' "$T/dry" | sort -u >"$T/cached"
n=$(wc -l <"$T/cached")
t_check "the kill came mid-run: some answers cached ($n)" test "$n" -ge 10
t_check "the kill came mid-run: not all answers cached ($n)" test "$n" -lt 60
t_eq "everything cached was paid for once" "" "$(comm -23 "$T/cached" "$T/paid1")"
t_check "paid but lost: at most the batch in flight ($(comm -23 "$T/paid1" "$T/cached" | wc -l))" \
	test "$(comm -23 "$T/paid1" "$T/cached" | wc -l)" -le 10
t_check "the killed run wrote only whole records" jq -e . "$T/o1" >/dev/null

# The killed run's last request is still being answered by the fake (its
# latency): let it end, or its answer would be counted after the reset.
for i in $(seq 100); do [ "$(fake_stat '.in_flight.apollo // 0')" = 0 ] && break; sleep 0.05; done
fake_post reset '{}'
apollo-enrich --delay-ms 5 <"$T/in" >"$T/o2" 2>"$T/e2"; t_eq "rerun: exit 0" 0 $?
fake_stat '.asked.apollo // [] | .[]' | sort >"$T/asked2"
t_eq "rerun asks nothing cached before" "" "$(comm -12 "$T/asked2" "$T/cached")"
t_eq "rerun asks each missing email once" "$(sort -u "$T/asked2" | wc -l)" "$(wc -l <"$T/asked2")"
t_eq "rerun + before = every email" "$(cat "$T/all")" "$(sort -u "$T/asked2" "$T/cached")"
t_eq "rerun: every record out, in order" "$(jq -r .deal_id "$T/in" | tr '\n' ,)" "$(jq -r .deal_id "$T/o2" | tr '\n' ,)"
t_eq "rerun: every contact enriched" 60 "$(jq -s '[.[].contacts[] | select(.apollo.status=="enriched")] | length' "$T/o2")"
t_eq "rerun: the cached ones came from the cache" "$n" "$(jq -s '[.[].contacts[] | select(.apollo.cached)] | length' "$T/o2")"

# ---- two processes on one db at once ----
fake_post reset '{}'
t_deals 4 10 acme x >"$T/x"                 # 40 emails
{ t_deals 2 10 acme x; t_deals 2 10 acme y; } >"$T/y"   # 20 of x's, 20 new
fake_post latency '{"ms": 150}'
apollo-enrich --delay-ms 5 --db "$T/db2" <"$T/x" >"$T/ox" 2>"$T/ex" &
p1=$!
apollo-enrich --delay-ms 5 --db "$T/db2" <"$T/y" >"$T/oy" 2>"$T/ey" &
p2=$!
wait $p1; t_eq "concurrent run 1: exit 0" 0 $?
wait $p2; t_eq "concurrent run 2: exit 0" 0 $?
fake_post latency '{"ms": 0}'
t_eq "concurrent: all 80 contacts enriched" 80 "$(jq -s '[.[].contacts[] | select(.apollo.status=="enriched")] | length' "$T/ox" "$T/oy")"
t_eq "concurrent: the shared emails got the same person" 20 \
	"$(jq -r '.contacts[] | "\(.email) \(.apollo.person.id)"' "$T/ox" "$T/oy" | sort | uniq -d | wc -l)"
ledger_calls=$(mdb_dump -p -s usage "$T/db2" | grep -a '"calls"' | sed 's/^ //' | jq -r .calls)
t_eq "concurrent: the ledger counted every call of both" "$(calls)" "$ledger_calls"
fake_post reset '{}'
cat "$T/x" "$T/y" | apollo-enrich --delay-ms 5 --db "$T/db2" >"$T/oz" 2>"$T/ez"; t_eq "after both: exit 0" 0 $?
t_eq "after both: 0 calls, everything in the cache" 0 "$(calls)"
t_eq "after both: the cache agrees with both runs" \
	"$(jq -r '.contacts[] | "\(.email) \(.apollo.person.id)"' "$T/ox" "$T/oy" | sort -u | md5sum)" \
	"$(jq -r '.contacts[] | "\(.email) \(.apollo.person.id)"' "$T/oz" | sort -u | md5sum)"
