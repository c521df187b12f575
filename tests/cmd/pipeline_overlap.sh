#!/usr/bin/env bash
# pipelines/enrich-closed-deals overlapped (the default: a background
# serper-signals searches the extracted deals' accounts while apollo-enrich
# works) against --sequential, on the example exports (make demo's) and the
# fake API: the same records in the same order, every field but the times;
# each email, account query and account classification asked once; the
# background search did the searching; --limit, a Serper budget, a dry run, an
# interrupted run.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key \
	DEEPSEEK_API_KEY=test-deepseek-key RAPIDAPI_KEY=test-rapidapi-key
P=$DE_ROOT/pipelines/enrich-closed-deals
E=$DE_ROOT/examples
INPUTS=("$E/hubspot-deals.csv" "$E/hubspot-contacts.csv" "$E/salesforce-opportunities.csv"
	"$E/salesforce-contact-roles.csv" "$E/deals.ndjson")
WIN=(--today 2026-11-30 --lookback-months 24)
# deals-load, keeping a copy of the records it is given in $CAPTURE.
printf '#!/bin/bash\ntee "$CAPTURE" | deals-load "$@"\n' >"$T/capture-load"
chmod +x "$T/capture-load"
export DEAL_ENRICH_LOAD=$T/capture-load
# The records without the times they were fetched or enriched at.
untimed() { jq -c 'walk(if type == "object" then del(.fetched_at, .enriched_at) else . end)' "$1"; }

# run NAME ARGS...: a run in a db of its own, the fake's counters reset first
# (answers 50 ms late, so that the two searches overlap). $T/NAME.{json,err,
# ndjson,stats}, the exit status in $rc.
run() {
	local name=$1
	shift
	fake_post reset '{}'
	fake_post latency '{"ms":50}'
	[ -n "${SLOW_APOLLO:-}" ] && fake_post fault "{\"provider\":\"apollo\",\"kind\":\"slow\",\"delay_ms\":$SLOW_APOLLO}"
	DEAL_ENRICH_DB=$T/db.$name CAPTURE=$T/$name.ndjson "$P" --workspace acme "${WIN[@]}" "$@" \
		"${INPUTS[@]}" >"$T/$name.json" 2>"$T/$name.err"
	rc=$?
	fake_stat . >"$T/$name.stats"
}
jqse() { jq -se "$@" >/dev/null; }
asked() { jq -r ".asked[\"$2\"] // [] | .[]" "$T/$1.stats" | tr 'A-Z' 'a-z' | sort; }
stage_msg() { jq -r ".stages[] | select(.stage == \"$2\") | .message" "$T/$1.json"; }

# --- the whole of the example exports, both ways
run seq --no-limit --sequential
t_eq "sequential: exit 0, ok" "0 ok" "$rc $(jq -r .status "$T/seq.json")"
t_eq "sequential: no background search" 6 "$(jq '.stages | length' "$T/seq.json")"
# The background search's first searches are surely claimed before apollo-enrich
# lets the first record go: Apollo's first answer comes 2 s late.
SLOW_APOLLO=2000 run ovl --no-limit --verbose
t_eq "overlapped: exit 0, ok" "0 ok" "$rc $(jq -r .status "$T/ovl.json")"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/ovl.err" | tail -n 5
t_eq "overlapped: the background search in the report, exit 0" "serper-prefetch 0 true" \
	"$(jq -r '.stages[6] | "\(.stage) \(.exit) \(.background)"' "$T/ovl.json")"
n=$(wc -l <"$T/seq.ndjson")
t_check "the exports give deals ($n)" test "$n" -ge 15
deals-extract --workspace acme "${WIN[@]}" --no-limit "${INPUTS[@]}" 2>/dev/null | jq -r .deal_id >"$T/extracted.ids"
t_eq "both: the records in the order deals-extract wrote them" "$(cat "$T/extracted.ids") $(cat "$T/extracted.ids")" \
	"$(jq -r .deal_id "$T/seq.ndjson") $(jq -r .deal_id "$T/ovl.ndjson")"
t_check "both: the records differ in their times only (they have them)" \
	test "$(jq -c .account.signals.fetched_at "$T/ovl.ndjson" | grep -c '"20')" -gt 0
t_eq "both: the same records, every field but the times" "$(untimed "$T/seq.ndjson")" "$(untimed "$T/ovl.ndjson")"
t_check "overlapped: signals enriched, fetched by this run (not cached), classified by DeepSeek" jqse '
	[.[].account.signals | select(.status == "enriched")] | length > 10
	and all(.[]; .cached == false and .classifier == "llm")' "$T/ovl.ndjson"
t_eq "both: the same report figures" \
	"$(jq -c '{deals, enriched_deals, partial_deals, contacts, apollo_enriched, roles_resolved, accounts_with_signals}' "$T/seq.json")" \
	"$(jq -c '{deals, enriched_deals, partial_deals, contacts, apollo_enriched, roles_resolved, accounts_with_signals}' "$T/ovl.json")"

# --- asked once: the fake's record of what it answered (paid)
for p in apollo serper deepseek.accounts linkedin; do
	asked seq "$p" >"$T/seq.$p"
	asked ovl "$p" >"$T/ovl.$p"
	t_check "overlapped: $p asked ($(wc -l <"$T/ovl.$p"))" test -s "$T/ovl.$p"
	t_eq "overlapped: no $p question asked twice" "" "$(uniq -d "$T/ovl.$p")"
	t_eq "overlapped: $p asked what the sequential run asked" "$(cat "$T/seq.$p")" "$(cat "$T/ovl.$p")"
done
jq -r '.contacts[]?.email // empty' "$T/seq.ndjson" | tr 'A-Z' 'a-z' | sort -u >"$T/emails"
t_eq "each email of the deals asked of Apollo once" "$(cat "$T/emails")" "$(cat "$T/ovl.apollo")"
t_eq "each account with a name or domain searched once (one query each)" \
	"$(jq -r '.account | select(.signals.status != "skipped") | .domain // .name' "$T/seq.ndjson" | sort -u | wc -l)" \
	"$(wc -l <"$T/ovl.serper")"
t_eq "the same calls of each endpoint" "$(jq -cS .calls "$T/seq.stats")" "$(jq -cS .calls "$T/ovl.stats")"
nacc=$(wc -l <"$T/ovl.serper")
t_contains "the background search did the searching and the classifying" <(stage_msg ovl serper-prefetch) \
	"$nacc searches ($nacc credits), 2 DeepSeek calls"
t_contains "... serper-signals found it all in the cache" <(stage_msg ovl serper-signals) \
	"0 searches (0 credits), 0 DeepSeek calls (0 tokens), $nacc classified by DeepSeek ($nacc cached)"
t_eq "no claim left in the db" 0 "$(mdb_dump -s meta -p "$T/db.ovl" | grep -c claim)"
t_lacks "no key in the report" "$T/ovl.json" "test-"
t_lacks "no key on stderr" "$T/ovl.err" "test-"

# --- --limit: the background search sees the deals deals-extract kept
run seq3 --limit 3 --sequential
run ovl3 --limit 3
t_eq "--limit 3: both exit 0, 3 deals" "0 3 3" "$rc $(jq .deals "$T/seq3.json") $(jq .deals "$T/ovl3.json")"
t_eq "--limit 3: the same records" "$(untimed "$T/seq3.ndjson")" "$(untimed "$T/ovl3.ndjson")"
t_eq "--limit 3: only their accounts searched, once" "$(asked seq3 serper)" "$(asked ovl3 serper)"
t_check "--limit 3: fewer than all the accounts" test "$(asked ovl3 serper | wc -l)" -lt "$nacc"

# --- a Serper budget: the two searches spend one budget
DEAL_ENRICH_SERPER_BUDGET=5 run seqb --no-limit --sequential
seqb_rc=$rc
DEAL_ENRICH_SERPER_BUDGET=5 run ovlb --no-limit
t_eq "budget 5: both exit 75, degraded" "75 75 degraded degraded" \
	"$seqb_rc $rc $(jq -r .status "$T/seqb.json") $(jq -r .status "$T/ovlb.json")"
t_eq "budget 5: 5 searches each" "5 5" "$(asked seqb serper | wc -l) $(asked ovlb serper | wc -l)"
t_eq "budget 5: the same records (the same accounts quota_exhausted)" \
	"$(untimed "$T/seqb.ndjson")" "$(untimed "$T/ovlb.ndjson")"
t_check "budget 5: some accounts quota_exhausted" jqse \
	'any(.[].account.signals; .status == "quota_exhausted")' "$T/ovlb.ndjson"

# --- a dry run: nothing to search ahead
run dry --no-limit --dry-run
t_eq "dry run: exit 0, no call" "0 0" "$rc $(jq .total "$T/dry.stats")"
t_eq "dry run: no background search" "" "$(jq -r '.stages[] | select(.background) | .stage' "$T/dry.json")"

# --- interrupted (Ctrl-C: SIGINT to the run's process group): the background
# search stops with the rest, what it was paid for in the cache. (env: this
# test's own background jobs ignore SIGINT, a terminal's do not.)
fake_post reset '{}'
fake_post latency '{"ms":1000}'
DEAL_ENRICH_DB=$T/db.int setsid env --default-signal=INT "$P" --workspace acme "${WIN[@]}" --no-limit "${INPUTS[@]}" \
	>"$T/int.json" 2>"$T/int.err" &
pid=$!
for _ in $(seq 200); do [ "$(fake_stat '.calls["serper.search"] // 0')" -gt 0 ] && break; sleep 0.1; done
t_check "interrupted: the background search had begun" test "$(fake_stat '.calls["serper.search"] // 0')" -gt 0
kill -INT -- "-$pid"
wait "$pid"
t_eq "interrupted: exit 130" 130 "$?"
for _ in $(seq 100); do pgrep -g "$pid" >/dev/null || break; sleep 0.1; done
left=$(ps -o pid=,args= -g "$pid")
t_eq "interrupted: no process of the run left" "" "$left"
[ -n "$left" ] && pkill -TERM -g "$pid"
n=$(fake_stat '.calls["serper.search"] // 0')
t_check "interrupted: the background search stopped short of the $nacc accounts ($n)" test "$n" -lt "$nacc"
fake_post latency '{"ms":0}'
