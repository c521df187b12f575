#!/usr/bin/env bash
# apollo-enrich: cache_days end to end. An answer older than cache_days (90
# by default, the workspace's cache_days, or --cache-days) is asked again; a
# younger one is not; "not found" ages the same way.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi --data "$DATA/apollo" --apollo-limit-minute 1000 || exit 1
IN=$DATA/apollo/deals10.ndjson
calls() { fake_stat '.calls["apollo.bulk_match"] // 0'; }
asked() { fake_stat '.asked.apollo | length'; }
printf 'apollo_api_key = test-apollo-key\n' | t_workspace acme

# Rewrites the fetch time of every cached Apollo answer to DAYS days ago.
age_cache() {
	local at=$(( $(date +%s) - $1 * 86400 ))
	mdb_dump -p -s cache "$DEAL_ENRICH_DB" >"$T/dump" || return 1
	sed -E "/^db_pagesize=/d; s/^ [0-9]+\\\\0a/ $at\\\\0a/" "$T/dump" >"$T/dump.aged"
	mdb_load -s cache -f "$T/dump.aged" "$DEAL_ENRICH_DB"
}
run() { fake_post reset '{}'; apollo-enrich --delay-ms 0 "$@" <"$IN" >"$T/out" 2>"$T/err"; }

run; t_eq "cold cache: 20 emails asked" 20 "$(asked)"
nf=$(jq -r '.contacts[] | select(.apollo.status == "not_found") | .email | ascii_downcase' "$T/out" | sort -u | wc -l)
t_check "some emails are not found" test "$nf" -gt 0
t_eq "cache: 20 answers, $nf of them not found" "20 $nf" \
	"$(mdb_dump -p -s cache "$DEAL_ENRICH_DB" | grep -c '^ apollo') $(mdb_dump -p -s cache "$DEAL_ENRICH_DB" | grep -c 'not_found')"

age_cache 40
run; t_eq "40 days old, default 90: 0 calls" 0 "$(calls)"
t_eq "40 days old: every answer from the cache" 25 \
	"$(jq -s '[.[].contacts[] | select(.apollo.cached)] | length' "$T/out")"
t_eq "40 days old: fetched_at is the cached time" \
	"$(date -u -d "@$(( $(date +%s) - 40 * 86400 ))" +%Y-%m-%d)" \
	"$(jq -r '.contacts[0].apollo.fetched_at[0:10]' "$T/out" | head -1)"

run --cache-days 30; t_eq "--cache-days 30: all 20 asked again" 20 "$(asked)"
t_eq "--cache-days 30: none from the cache" 0 \
	"$(jq -s '[.[].contacts[] | select(.apollo.cached)] | length' "$T/out")"
run; t_eq "answers asked again are fresh: 0 calls" 0 "$(calls)"

age_cache 40
printf 'apollo_api_key = test-apollo-key\ncache_days = 30\n' | t_workspace acme
run; t_eq "workspace cache_days = 30: all 20 asked again" 20 "$(asked)"
age_cache 40
run --cache-days 60; t_eq "--cache-days 60 over the workspace's 30: 0 calls" 0 "$(calls)"

printf 'apollo_api_key = test-apollo-key\n' | t_workspace acme
age_cache 91
run; t_eq "91 days old, default 90: all 20 asked again, not found included" 20 "$(asked)"
t_eq "91 days old: exit 0" 0 "$(apollo-enrich --delay-ms 0 <"$IN" >/dev/null 2>&1; echo $?)"
