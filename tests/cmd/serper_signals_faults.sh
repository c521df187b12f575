#!/usr/bin/env bash
# serper-signals when Serper fails: 403 stops calling, "Not enough credits" is
# quota_exhausted, transient errors are retried, a service down throughout is 69,
# the monthly budget stops searches; every record always comes out, marked.
source "$(dirname "$0")/../lib.sh"

IN=$DATA/serper/deals30.ndjson
t_start_fakeapi || exit 1
export SERPER_API_KEY=test-serper-key

# run NAME [ARGS...]: a run in a fresh db, one query a request (the batches'
# failures: serper_signals_batch.sh); $T/NAME.{out,err,rc}
run() { t_run "$1" serper-signals --db "$T/db.$1" --delay-ms 0 --search-batch 1 "${@:2}" <"${RUN_IN:-$IN}"; }
status_count() { jq -c "select(.account.signals.status==\"$2\")" "$T/$1.out" | wc -l; }
all_out() { t_eq "$1: every record out, in order" "$(jq -r .deal_id "${RUN_IN:-$IN}" | tr '\n' ' ')" \
	"$(jq -r .deal_id "$T/$1.out" | tr '\n' ' ')"; }

# --- 403: the key is bad; no more calls; records marked error; exit 78
fake_fault serper 403 -1
run k403 --concurrency 1
t_eq "403: exit 78" 78 "$(cat "$T/k403.rc")"
t_eq "403: one call, then no more" 1 "$(fake_calls serper.search)"
all_out k403
t_eq "403: every record marked error" 30 "$(status_count k403 error)"
t_contains "403: the record says why" "$T/k403.out" "Serper refused the key (HTTP 403"
t_eq "403: said once" 1 "$(grep -c "refused the key" "$T/k403.err")"
t_lacks "403: the key is not in stderr" "$T/k403.err" "test-serper-key"
fake_fault serper 403 -1
run k403b
t_check "403: at most the requests in flight (5)" test "$(fake_calls serper.search)" -le 5
fake_post reset '{}'
serper-signals --db "$T/db.k403" --dry-run <"$IN" >/dev/null 2>"$T/k403d.err"
t_contains "403: a later run would search again" "$T/k403d.err" "12 accounts, 0 cached, 12 searches"

# --- "Not enough credits": quota_exhausted, no more calls, exit 75
fake_fault serper credits -1
run cred --concurrency 1
t_eq "credits: exit 75" 75 "$(cat "$T/cred.rc")"
t_eq "credits: one call, then no more" 1 "$(fake_calls serper.search)"
all_out cred
t_eq "credits: every record quota_exhausted" 30 "$(status_count cred quota_exhausted)"
t_contains "credits: the record says why" "$T/cred.out" "Not enough credits"
t_eq "credits: said once" 1 "$(wc -l <"$T/cred.err")"

# --- transient errors are retried: 500 and 429 (Retry-After) once, then served
fake_fault serper 500 1
fake_post fault '{"provider":"serper","kind":"429","count":1,"retry_after":0}'
run retry
t_eq "retried: exit 0" 0 "$(cat "$T/retry.rc")"
t_eq "retried: 12 + 2 requests" 14 "$(fake_calls serper.search)"
t_eq "retried: all enriched" 30 "$(status_count retry enriched)"

# --- a cut body and invalid JSON are retried or marked, never fatal
fake_fault serper badjson 1
run bad --concurrency 1
t_eq "invalid JSON: exit 1 (one account in error)" 1 "$(cat "$T/bad.rc")"
all_out bad
t_eq "invalid JSON: that account's records marked error" "$(jq -r 'select(.account.account_id=="301")|.deal_id' "$IN" | wc -l)" "$(status_count bad error)"
t_eq "invalid JSON: the others enriched" 11 "$(jq -r 'select(.account.signals.status=="enriched")|.account.account_id' "$T/bad.out" | sort -u | wc -l)"
fake_post reset '{}'
serper-signals --db "$T/db.bad" <"$IN" >"$T/bad2.out"
t_eq "invalid JSON: a rerun searches only the failed account" 1 "$(fake_calls serper.search)"

# --- down throughout: every record marked error, exit 69
head -3 "$IN" >"$T/three.ndjson"
fake_fault serper 503 -1
RUN_IN=$T/three.ndjson run down
t_eq "down: exit 69" 69 "$(cat "$T/down.rc")"
RUN_IN=$T/three.ndjson all_out down
t_eq "down: every record marked error" 3 "$(status_count down error)"
t_contains "down: says why" "$T/down.out" "HTTP 503"
t_eq "down: 3 accounts x 3 attempts" 9 "$(fake_calls serper.search)"
# --- an outage costs a few requests, not one per account (issue 17)
head -20 "$IN" | jq -c '.account.name = "Outage \(input_line_number)" |
	.account.domain = "outage\(input_line_number).com"' >"$T/twenty.ndjson"
t_eq "outage: 20 accounts" 20 "$(jq -r '.account.domain // .account.name' "$T/twenty.ndjson" | sort -u | wc -l)"
fake_fault serper 503 -1
RUN_IN=$T/twenty.ndjson run out1 --concurrency 1
t_eq "outage, one at a time: exit 69" 69 "$(cat "$T/out1.rc")"
t_eq "outage, one at a time: 3 searches x 3 attempts" 9 "$(fake_calls serper.search)"
RUN_IN=$T/twenty.ndjson all_out out1
t_eq "outage: every record marked error" 20 "$(status_count out1 error)"
t_eq "outage: the unsearched say why" 17 "$(grep -c 'not searched, 3 searches in a row failed' "$T/out1.out")"
t_eq "outage: said once" 1 "$(grep -c 'no more searches this run' "$T/out1.err")"
fake_fault serper 503 -1
RUN_IN=$T/twenty.ndjson run out5
t_eq "outage, 5 in flight: exit 69" 69 "$(cat "$T/out5.rc")"
n=$(fake_calls serper.search)
t_check "outage, 5 in flight: at most 5 searches x 3 attempts ($n)" test "$n" -le 15
t_eq "outage, 5 in flight: every record marked error" 20 "$(status_count out5 error)"
fake_fault serper 503 -1
RUN_IN=$T/twenty.ndjson run out9 --concurrency 1 --max-failures 5
t_eq "--max-failures 5: 5 searches x 3 attempts" 15 "$(fake_calls serper.search)"
fake_post reset '{}'
SERPER_BASE_URL=http://127.0.0.1:9 RUN_IN=$T/three.ndjson run refused --timeout-ms 2000
t_eq "connection refused: exit 69" 69 "$(cat "$T/refused.rc")"
t_contains "connection refused: says so" "$T/refused.out" "no answer"

# --- the monthly budget: searches stop before it is passed, across runs
fake_post reset '{}'
run bud --budget 5 --concurrency 1
t_eq "budget: exit 75" 75 "$(cat "$T/bud.rc")"
t_eq "budget: 5 searches" 5 "$(fake_calls serper.search)"
all_out bud
t_eq "budget: 5 accounts enriched" 5 "$(jq -r 'select(.account.signals.status=="enriched")|.account.account_id' "$T/bud.out" | sort -u | wc -l)"
t_eq "budget: 7 accounts quota_exhausted" 7 "$(jq -r 'select(.account.signals.status=="quota_exhausted")|.account.account_id' "$T/bud.out" | sort -u | wc -l)"
t_contains "budget: says why" "$T/bud.err" "serper_monthly_budget"
fake_post reset '{}'
serper-signals --db "$T/db.bud" --budget 5 <"$IN" >"$T/bud2.out" 2>/dev/null
t_eq "budget: next run, spent: 75" 75 "$?"
t_eq "budget: next run, no search" 0 "$(fake_stat '.total')"
t_eq "budget: next run, the paid ones from the cache" 5 "$(jq -r 'select(.account.signals.status=="enriched")|.account.account_id' "$T/bud2.out" | sort -u | wc -l)"
# Another process spends from the budget while this one runs: a pipeline's
# background serper-signals. This one opens the workspace (and reads the
# budget) at once, then gets its records only after the other has spent it all.
fake_post reset '{}'
( while [ ! -e "$T/spent" ]; do sleep 0.1; done; cat "$IN" ) |
	serper-signals --db "$T/db.share" --workspace acme --budget 5 --verbose >"$T/share.out" 2>"$T/share.err" &
pshare=$!
for _ in $(seq 300); do grep -q 'signals classified by' "$T/share.err" && break; sleep 0.1; done
t_contains "shared budget: the waiting process has read it" "$T/share.err" "signals classified by"
serper-signals --db "$T/db.share" --workspace acme --budget 5 --concurrency 1 <"$IN" >/dev/null 2>&1
t_eq "shared budget: the other process spends it: 75" 75 "$?"
touch "$T/spent"
wait "$pshare"
t_eq "shared budget: the first one then finds it spent: 75" 75 "$?"
t_eq "shared budget: 5 searches in all, not 10" 5 "$(fake_stat '.asked.serper | length')"
t_eq "shared budget: 5 accounts from the cache, 7 quota_exhausted" "5 7" \
	"$(jq -r 'select(.account.signals.status=="enriched")|.account.account_id' "$T/share.out" | sort -u | wc -l) $(jq -r 'select(.account.signals.status=="quota_exhausted")|.account.account_id' "$T/share.out" | sort -u | wc -l)"
printf 'serper_monthly_budget = 7\n' | t_workspace acme
fake_post reset '{}'
serper-signals --db "$T/db.bud" <"$IN" >/dev/null 2>&1
t_eq "budget from the workspace file: 2 more searches" 2 "$(fake_stat '.asked.serper | length')"
serper-signals --db "$T/db.bud" --dry-run <"$IN" >/dev/null 2>"$T/bud3.err"
t_contains "budget: the dry run says none is left" "$T/bud3.err" \
	"dry run: workspace acme: serper budget: needs 5 credits, 0 left this month: 5 accounts would be quota_exhausted (of 7 a month)"
serper-signals --db "$T/db.bud" --dry-run --budget 9 <"$IN" >/dev/null 2>"$T/bud4.err"
t_contains "budget: 2 left, the dry run says 3 accounts would be quota_exhausted" "$T/bud4.err" \
	"serper budget: needs 5 credits, 2 left this month: 3 accounts would be quota_exhausted"
fake_post reset '{}'
serper-signals --db "$T/db.bud" --budget 9 --concurrency 1 <"$IN" >"$T/bud4.out" 2>/dev/null
t_eq "... and the run does: 2 searches, 3 accounts quota_exhausted" "2 3" \
	"$(fake_stat '.asked.serper | length') $(jq -r 'select(.account.signals.status=="quota_exhausted")|.account.account_id' "$T/bud4.out" | sort -u | wc -l)"

# --- a db that cannot be written: 74
mkdir -p "$T/rodb"
serper-signals --db "$T/rodb" <"$IN" >/dev/null 2>&1
chmod -R a-w "$T/rodb"
if t_can_no_override; then
	t_no_override serper-signals --db "$T/rodb" --refresh <"$IN" >/dev/null 2>"$T/ro.err"
	t_eq "read-only db: 74" 74 "$?"
	t_contains "read-only db: says why" "$T/ro.err" "rodb: Permission denied"
else
	t_skip "read-only db: 74" "root, and no setpriv to drop CAP_DAC_OVERRIDE"
fi
chmod -R u+w "$T/rodb"
