#!/usr/bin/env bash
# apollo-enrich paced by Apollo's plan (issue 18): several calls in flight when
# the limits allow, and never past a per-minute limit that the fake enforces
# with 429, even when another client of the team has used most of the minute.
source "$(dirname "$0")/../lib.sh"

KEY=test-apollo-key
# A paid plan: a minute's limit, none by the hour or the day (no headers for them).
t_start_fakeapi --apollo-limit-minute 1000 --apollo-limit-hourly 0 --apollo-limit-daily 0 || exit 1
printf 'apollo_api_key = %s\n' "$KEY" | t_workspace acme
calls() { fake_stat '.calls["apollo.bulk_match"] // 0'; }
statuses() { jq -r '.contacts[].apollo.status' "$1" | sort | uniq -c | awk '{printf "%s %s,", $2, $1}'; }
n429() { fake_stat '.statuses.apollo["429"] // 0'; }
notime='del(.contacts[].enriched_at, .contacts[].apollo.fetched_at)'

# ---- a high limit: several calls in flight ----
t_deals 40 5 acme p >"$T/in"     # 200 emails: 20 full calls
fake_post latency '{"ms": 300}'
apollo-enrich --concurrency 4 <"$T/in" >"$T/o" 2>"$T/e"; t_eq "high limit: exit 0" 0 $?
t_eq "high limit: 20 full calls" 20 "$(calls)"
inflight=$(fake_stat '.max_in_flight.apollo')
t_check "high limit: several calls in flight at once ($inflight)" test "$inflight" -gt 1
t_check "high limit: never more than --concurrency" test "$inflight" -le 4
t_eq "high limit: all enriched" "enriched 200," "$(statuses "$T/o")"
t_eq "high limit: records in input order" "$(jq -r .deal_id "$T/in" | md5sum)" \
	"$(jq -r .deal_id "$T/o" | md5sum)"
t_eq "high limit: no 429" 0 "$(n429)"

# One call at a time gives the same records.
rm -rf "$T/db"
fake_post reset '{}'
fake_post config '{"apollo_limit_hourly":0,"apollo_limit_daily":0}'
fake_post latency '{"ms": 20}'
apollo-enrich --concurrency 1 <"$T/in" >"$T/o1" 2>"$T/e"; t_eq "--concurrency 1: exit 0" 0 $?
t_eq "--concurrency 1: one call in flight" 1 "$(fake_stat '.max_in_flight.apollo')"
t_eq "--concurrency 1: the same records, field by field" "$(jq -c "$notime" "$T/o" | md5sum)" \
	"$(jq -c "$notime" "$T/o1" | md5sum)"

# ---- another client used 296 of the minute's 300: 4 calls, then the next minute ----
# Start early in a wall-clock minute (the fake's windows), so the four calls
# left fall in the same minute as the other client's.
rm -rf "$T/db"
fake_post reset '{}'
fake_post config '{"apollo_limit_minute":300,"apollo_limit_hourly":0,"apollo_limit_daily":0}'
fake_post latency '{"ms": 50}'
t_deals 10 10 acme q >"$T/in2"   # 100 emails: 10 calls
while [ "$(date +%-S)" -ge 45 ]; do sleep 1; done
fake_post apollo_usage '{"minute":296}'
apollo-enrich --verbose --concurrency 4 <"$T/in2" >"$T/o2" 2>"$T/e2"; t_eq "minute used up: exit 0" 0 $?
t_eq "minute used up: Apollo never answered 429" 0 "$(n429)"
t_eq "minute used up: 10 calls, each once" 10 "$(calls)"
t_eq "minute used up: all enriched" "enriched 100," "$(statuses "$T/o2")"
t_contains "minute used up: it waited for the next minute" "$T/e2" "per-minute limit is used up"
t_lacks "minute used up: no rate-limit failure" "$T/e2" "rate limit reached"
t_lacks "key not in stderr" "$T/e2" "$KEY"
