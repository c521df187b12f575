#!/usr/bin/env bash
# serper-signals on Serper's batch endpoint (CONTRACTS §2.3): fewer requests,
# the same credits and records as one query a request, one cache for both; a
# refused batch falls back to single requests for the rest of the run; a batch
# answer of the wrong length or order, or one query failing in it, is a failure
# of those queries only; the key is never in an output.
source "$(dirname "$0")/../lib.sh"

IN=$DATA/serper/deals30.ndjson
t_start_fakeapi || exit 1
export SERPER_API_KEY=test-serper-key

# run NAME [ARGS...]: a run in a fresh db; $T/NAME.{out,err,rc}
run() { t_run "$1" serper-signals --db "$T/db.$1" --delay-ms 0 "${@:2}" <"${RUN_IN:-$IN}"; }
# records NAME: the records without the time of the search and whether it was
# cached (an account met again in a later window, or on a rerun, is)
records() { jq -c 'del(.account.signals.fetched_at, .account.signals.cached)' "$T/$1.out"; }
status_count() { jq -c "select(.account.signals.status==\"$2\")" "$T/$1.out" | wc -l; }
requests() { fake_stat '.calls["serper.search"] // 0'; }
Q2=(--query '"{company}" funding' --query 'news:{domain} hiring')

# --- one query a request, then batches: fewer requests, same credits, same records
fake_post reset '{}'
run single --search-batch 1
t_eq "single: exit 0" 0 "$(cat "$T/single.rc")"
t_eq "single: 12 requests" 12 "$(requests)"
t_eq "single: 12 credits" 12 "$(fake_stat '.credits.serper')"
fake_post reset '{}'
run batch
t_eq "batch: exit 0" 0 "$(cat "$T/batch.rc")"
t_eq "batch: nothing on stderr" "" "$(cat "$T/batch.err")"
n=$(requests)
t_check "batch: fewer requests ($n)" test "$n" -lt 12
t_eq "batch: every request a batch" "$n" "$(fake_stat '[.requests[] | select(.provider=="serper" and .body_size > 0)] | length')"
t_eq "batch: each query asked once" 12 "$(fake_stat '.asked.serper | unique | length')"
t_eq "batch: 12 credits" 12 "$(fake_stat '.credits.serper')"
t_eq "batch: the records of one query a request" "$(records single | md5sum)" "$(records batch | md5sum)"
t_eq "batch: all enriched" 30 "$(status_count batch enriched)"
fake_post reset '{}'
run one --concurrency 1
t_eq "one in flight: one batch of 12" "1 12" "$(requests) $(fake_stat '.asked.serper | length')"
t_eq "one in flight: the same records" "$(records single | md5sum)" "$(records one | md5sum)"
fake_post reset '{}'
run cap --concurrency 1 --search-batch 5
t_eq "--search-batch 5: 12 queries in 3 requests" 3 "$(requests)"

# /news queries ride in the batch to /search with "type":"news"
fake_post reset '{}'
run single2 --search-batch 1 "${Q2[@]}"
fake_post reset '{}'
run batch2 "${Q2[@]}"
t_eq "two queries: 24 asked in batches" "24 0" "$(fake_stat '.asked.serper | length') $(fake_calls serper.news)"
t_eq "two queries: the records of one query a request" "$(records single2 | md5sum)" "$(records batch2 | md5sum)"

# --- one cache: what one mode paid for, the other reads
fake_post reset '{}'
serper-signals --db "$T/db.single" <"$IN" >"$T/again.out"
t_eq "cache: a batch run after a single one asks nothing" 0 "$(fake_stat '.total')"
serper-signals --db "$T/db.batch2" --search-batch 1 "${Q2[@]}" <"$IN" >"$T/again2.out"
t_eq "cache: a single run after a batch one asks nothing" 0 "$(fake_stat '.total')"
t_eq "cache: all from the cache" 30 "$(jq -c 'select(.account.signals.cached==true)' "$T/again2.out" | wc -l)"

# --- refused: single requests for those queries and the rest of the run
fake_post reset '{}'
fake_post config '{"serper_batch":false}'
run refused --concurrency 1 --window 10
t_eq "refused: exit 0" 0 "$(cat "$T/refused.rc")"
t_eq "refused: one batch refused, then none tried" 1 "$(fake_stat '.statuses.serper["400"] // 0')"
t_eq "refused: each query answered once" "12 12" "$(fake_stat '.asked.serper | length') $(fake_stat '.asked.serper | unique | length')"
t_eq "refused: 12 credits" 12 "$(fake_stat '.credits.serper')"
t_eq "refused: the records of one query a request" "$(records single | md5sum)" "$(records refused | md5sum)"
t_eq "refused: said once" 1 "$(grep -c 'refused a batch' "$T/refused.err")"
t_contains "refused: says why" "$T/refused.err" "Batch requests are not available on your plan"
fake_post reset '{}'
run refused5
t_eq "refused, 5 in flight: exit 0" 0 "$(cat "$T/refused5.rc")"
t_eq "refused, 5 in flight: each query answered once" 12 "$(fake_stat '.asked.serper | length')"
t_eq "refused, 5 in flight: the records of one query a request" "$(records single | md5sum)" "$(records refused5 | md5sum)"

# --- partial failures
# one query of a batch failing on its own: that account only, and a rerun asks it alone
fake_post reset '{}'
fake_post config '{"serper_batch_answer":"item_error"}'
run item --concurrency 1
t_eq "item error: exit 1 (one account in error)" 1 "$(cat "$T/item.rc")"
t_eq "item error: one batch" 1 "$(requests)"
second=$(jq -r '.account.account_id' "$IN" | awk '!s[$0]++' | sed -n 2p)
t_eq "item error: that account's records marked error" \
	"$(jq -c "select(.account.account_id==\"$second\")" "$IN" | wc -l)" "$(status_count item error)"
t_contains "item error: says why" "$T/item.out" "HTTP 500: Internal error"
t_eq "item error: the others enriched, as alone" "$(records single | jq -c "select(.account.account_id!=\"$second\")" | md5sum)" \
	"$(records item | jq -c "select(.account.account_id!=\"$second\")" | md5sum)"
fake_post reset '{}'
serper-signals --db "$T/db.item" <"$IN" >"$T/item2.out"
t_eq "item error: a rerun asks the failed query alone" 1 "$(fake_stat '.asked.serper | length')"
t_eq "item error: then the records of one query a request" "$(records single | md5sum)" "$(records item2 | md5sum)"
# an answer of the wrong length, or out of order: none of it used, nothing cached
for mode in short reversed; do
	fake_post reset '{}'
	fake_post config "{\"serper_batch_answer\":\"$mode\"}"
	run "$mode" --concurrency 2
	t_eq "$mode: exit 69 (every search failed)" 69 "$(cat "$T/$mode.rc")"
	t_eq "$mode: every record marked error" 30 "$(status_count "$mode" error)"
	fake_post reset '{}'
	serper-signals --db "$T/db.$mode" <"$IN" >/dev/null
	t_eq "$mode: nothing cached: a rerun asks all 12" 12 "$(fake_stat '.asked.serper | length')"
done
t_contains "short: says why" "$T/short.out" "a batch answer of 5 results for 6 queries"
t_contains "reversed: says why" "$T/reversed.out" "a batch answer out of order (result 1 is query 6's)"
# a batch that fails once is retried whole
fake_fault serper 500 1
run retry --concurrency 1
t_eq "retried batch: exit 0" 0 "$(cat "$T/retry.rc")"
t_eq "retried batch: 2 requests" 2 "$(requests)"
t_eq "retried batch: the records of one query a request" "$(records single | md5sum)" "$(records retry | md5sum)"
# a batch down throughout: the streak counts requests
head -20 "$IN" | jq -c '.account.name = "Outage \(input_line_number)" |
	.account.domain = "outage\(input_line_number).com"' >"$T/twenty.ndjson"
fake_fault serper 503 -1
RUN_IN=$T/twenty.ndjson run down --concurrency 2
t_eq "down: exit 69" 69 "$(cat "$T/down.rc")"
t_eq "down: every record marked error" 20 "$(status_count down error)"
n=$(requests)
t_check "down: at most 3 requests x 3 attempts ($n)" test "$n" -le 9

# --- the key is never in an output
outputs=("$T"/*.err "$T"/*.out)
t_check "outputs and dbs to search (${#outputs[@]} files)" test -s "$T/batch.out" -a -d "$T/db.batch"
t_eq "key not in outputs" "" "$(grep -la -e test-serper-key "${outputs[@]}")"
t_check "key not in any db" bash -c "! grep -rqa -e test-serper-key '$T'/db.*"
