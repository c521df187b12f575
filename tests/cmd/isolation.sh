#!/bin/bash
# Workspace isolation (issue 8): an answer cached for one workspace is never
# served to another (apollo-enrich, serper-signals and its DeepSeek calls:
# workspace b with the same emails and domains makes its own calls); a
# summary or a status never counts another workspace's deals; role-resolve's
# cross-deal roles never come from another workspace's store.
source "$(dirname "$0")/../lib.sh"
t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key DEEPSEEK_API_KEY=test-deepseek-key
IN=$DATA/serper/deals30.ndjson
head -8 "$IN" | sed 's/"workspace_id":"acme"/"workspace_id":"wa"/' >"$T/a.ndjson"
sed 's/"workspace_id":"wa"/"workspace_id":"wb"/' "$T/a.ndjson" >"$T/b.ndjson"
apollo() { fake_stat '(.asked.apollo // []) | length'; }
serper() { fake_stat '.providers.serper // 0'; }
llm() { fake_stat '.calls["deepseek.chat"] // 0'; }

# apollo-enrich
apollo-enrich --delay-ms 0 <"$T/a.ndjson" >"$T/a1" 2>/dev/null
na=$(apollo)
t_check "workspace a asked Apollo" test "$na" -gt 0
apollo-enrich --delay-ms 0 <"$T/a.ndjson" >/dev/null 2>/dev/null
t_eq "a again: all from a's cache (the cache works)" "$na" "$(apollo)"
apollo-enrich --delay-ms 0 <"$T/b.ndjson" >"$T/b1" 2>/dev/null
t_eq "b, same emails: asks Apollo for every one itself" $((2 * na)) "$(apollo)"
t_eq "b's contacts are not marked cached" 0 \
	"$(jq '[.contacts[]? | select(.apollo.cached == true)] | length' "$T/b1" | paste -sd+ | bc)"
apollo-enrich --delay-ms 0 --workspace wc <"$T/a.ndjson" >/dev/null 2>/dev/null
t_eq "--workspace c over a's records: its own calls too" $((3 * na)) "$(apollo)"

# serper-signals, rules and DeepSeek
serper-signals --classifier llm --delay-ms 0 <"$T/a1" >"$T/a2" 2>/dev/null
sa=$(serper) la=$(llm)
t_check "workspace a searched and asked DeepSeek" test "$sa" -gt 0 -a "$la" -gt 0
serper-signals --classifier llm --delay-ms 0 <"$T/a1" >/dev/null 2>/dev/null
t_eq "a again: no search (a's cache)" "$sa" "$(serper)"
t_eq "a again: no DeepSeek call (a's cache)" "$la" "$(llm)"
serper-signals --classifier llm --delay-ms 0 <"$T/b1" >"$T/b2" 2>/dev/null
t_eq "b, same domains: its own searches" $((2 * sa)) "$(serper)"
t_eq "b: its own DeepSeek calls" $((2 * la)) "$(llm)"

# the store: status and summary count their own workspace only
role-resolve <"$T/a2" 2>/dev/null | deals-load >/dev/null 2>&1
sed 's/"workspace_id":"acme"/"workspace_id":"wb"/' "$IN" | deals-load >/dev/null 2>&1
enrich-status --workspace wa >"$T/sa" 2>/dev/null
enrich-status --workspace wb >"$T/sb" 2>/dev/null
enrich-status --workspace wz >"$T/sz" 2>/dev/null
t_eq "status of a: 8 deals" 8 "$(jq .stats.total_closed_deals "$T/sa")"
t_eq "status of b: 30 deals" 30 "$(jq .stats.total_closed_deals "$T/sb")"
t_eq "status of an empty workspace: no deals" 0 "$(jq '.stats.total_closed_deals // 0' "$T/sz")"
t_eq "status of a: a's 8 Apollo cache entries only" 8 "$(jq .cache.providers.apollo.entries "$T/sa")"
t_eq "status of a: a's own Apollo calls only" 1 "$(jq .usage.apollo.calls "$T/sa")"
enrich-summary --workspace wa --months 0 --deals >"$T/ma" 2>/dev/null
enrich-summary --workspace wb --months 0 --deals >"$T/mb" 2>/dev/null
t_eq "summary of a: a's 8 deals" 8 "$(jq -s '[.[] | .deals? // empty | if type == "array" then length else . end] | max' "$T/ma")"
t_eq "summary of b: b's 30 deals" 30 "$(jq -s '[.[] | .deals? // empty | if type == "array" then length else . end] | max' "$T/mb")"
t_lacks "summary of a names no deal only b has" "$T/ma" "$(sed -n 30p "$IN" | jq -r .deal_id)"

# role-resolve: another workspace's stored roles are no evidence
R=$DATA/roles/deals.ndjson
rr() { jq -r ".contacts[$1] | .role_source" "$2"; }
sed -n 1,2p "$R" | role-resolve --workspace beta 2>/dev/null | deals-load --workspace beta >/dev/null 2>&1
sed -n 2p "$R" | role-resolve --workspace beta >"$T/rb" 2>/dev/null
t_eq "beta's own store gives a cross-deal role (the store works)" cross_deal_pattern "$(rr 0 "$T/rb")"
sed -n 2p "$R" | role-resolve --workspace gamma >"$T/rg" 2>/dev/null
t_eq "gamma never reads beta's roles" title_inference "$(rr 0 "$T/rg")"
