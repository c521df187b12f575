#!/usr/bin/env bash
# apollo-enrich costs: a budget of 15 credits for 20 new emails (flag, workspace
# setting, environment), "not found" costs nothing, the ledger, Apollo's
# rate-limit headers stopping the calls before a 429, and the dry run's least
# time from the limits Apollo reported.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi --apollo-limit-minute 1000 || exit 1
printf 'apollo_api_key = test-apollo-key\n' | t_workspace acme
calls() { fake_stat '.calls["apollo.bulk_match"] // 0'; }
statuses() { jq -r '.contacts[].apollo.status' "$1" | sort | uniq -c | awk '{printf "%s %s,", $2, $1}'; }
ledger() { mdb_dump -p -s usage "${1:-$T/db}" | grep -a '"credits"' | sed 's/^ //' | jq -r '"\(.calls) \(.credits)"'; }
FAST="--delay-ms 5"

t_deals 4 5 acme b >"$T/in20"

# ---- --budget 15 for 20 new emails ----
apollo-enrich $FAST --budget 15 <"$T/in20" >"$T/o" 2>"$T/e"; t_eq "budget 15: exit 75" 75 $?
t_eq "budget 15: 15 enriched, 5 quota_exhausted" "enriched 15,quota_exhausted 5," "$(statuses "$T/o")"
t_eq "budget 15: Apollo charged 15 credits, no more" 15 "$(fake_stat '.credits.apollo')"
t_eq "budget 15: two calls asking 15 people (10, then 5)" "2 15" "$(calls) $(fake_stat '.asked.apollo | length')"
t_eq "budget 15: the ledger says 2 calls, 15 credits" "2 15" "$(ledger)"
t_contains "budget 15: said on stderr" "$T/e" "budget of 15 credits reached"
t_contains "budget 15: reason on the contact" "$T/o" "monthly Apollo budget of 15 credits reached"
t_eq "budget 15: every record out" 4 "$(wc -l <"$T/o")"

# The month's budget is spent: the cache still answers, no call is made.
fake_post reset '{}'
apollo-enrich $FAST --budget 15 <"$T/in20" >"$T/o" 2>"$T/e"; t_eq "spent budget: exit 75" 75 $?
t_eq "spent budget: no call" 0 "$(calls)"
t_eq "spent budget: 15 from the cache, 5 quota_exhausted" "enriched 15,quota_exhausted 5," "$(statuses "$T/o")"
# A bigger budget pays for the 5 left, and only them.
apollo-enrich $FAST --max-credits 100 <"$T/in20" >"$T/o" 2>"$T/e"; t_eq "--max-credits 100: exit 0" 0 $?
t_eq "--max-credits 100: the 5 left asked, once" "1 5" "$(calls) $(fake_stat '.asked.apollo | length')"
t_eq "--max-credits 100: all enriched" "enriched 20," "$(statuses "$T/o")"

# ---- the workspace setting and the environment ----
printf 'apollo_api_key = test-apollo-key\napollo_monthly_budget = 15\n' | t_workspace acme
fake_post reset '{}'
apollo-enrich $FAST --db "$T/db2" <"$T/in20" >"$T/o" 2>"$T/e"; t_eq "apollo_monthly_budget = 15: exit 75" 75 $?
t_eq "apollo_monthly_budget = 15: 15 credits" 15 "$(fake_stat '.credits.apollo')"
printf 'apollo_api_key = test-apollo-key\n' | t_workspace acme
fake_post reset '{}'
DEAL_ENRICH_APOLLO_BUDGET=12 apollo-enrich $FAST --db "$T/db3" <"$T/in20" >"$T/o" 2>"$T/e"
t_eq "DEAL_ENRICH_APOLLO_BUDGET=12: exit 75" 75 $?
t_eq "DEAL_ENRICH_APOLLO_BUDGET=12: 12 credits" "12 enriched 12,quota_exhausted 8," "$(fake_stat '.credits.apollo') $(statuses "$T/o")"
apollo-enrich --budget lots </dev/null 2>/dev/null; t_eq "--budget lots: 64" 64 $?

# ---- not found costs nothing ----
t_deals 2 5 acme nobody >"$T/nf"
fake_post reset '{}'
apollo-enrich $FAST --db "$T/db4" --budget 5 <"$T/nf" >"$T/o" 2>"$T/e"; t_eq "not found under a budget of 5: exit 0" 0 $?
t_eq "not found: two calls of 5, all not_found, 0 credits" "2 not_found 10, 0 0" \
	"$(calls) $(statuses "$T/o") $(fake_stat '.credits.apollo // 0') $(ledger "$T/db4" | cut -d' ' -f2)"

# ---- dry run against the budget: what the run needs, what is left, who would
# be quota_exhausted (20 credits spent this month in $T/db) ----
t_deals 1 5 acme d >"$T/in5"
apollo-enrich --dry-run --stats-json --budget 15 <"$T/in5" >"$T/o" 2>"$T/e"; t_eq "dry run: exit 0" 0 $?
t_contains "dry run, budget spent: all 5 would be quota_exhausted" "$T/e" \
	"dry run: workspace acme: apollo budget: needs 5 credits, 0 left this month: 5 contacts would be quota_exhausted (of 15 a month)"
apollo-enrich --dry-run --budget 30 <"$T/in5" >"$T/o" 2>"$T/e"
t_contains "dry run, enough left" "$T/e" "apollo budget: needs 5 credits, 10 left this month: enough"
apollo-enrich --dry-run --quiet --budget 23 <"$T/in5" >"$T/o" 2>"$T/e"
t_eq "dry run, 3 left (even with --quiet): 2 would be quota_exhausted" \
	"apollo-enrich: dry run: workspace acme: apollo budget: needs 5 credits, 3 left this month: 2 contacts would be quota_exhausted (of 23 a month)" \
	"$(cat "$T/e")"
fake_post reset '{}'
apollo-enrich $FAST --budget 23 <"$T/in5" >"$T/o" 2>"$T/e"
t_eq "... and the run does what the dry run said" "75 enriched 3,quota_exhausted 2," "$? $(statuses "$T/o")"

# ---- rate-limit headers: stop before Apollo's hourly limit, no 429 ----
fake_post reset '{}'
fake_post config '{"apollo_limit_hourly": 2}'
t_deals 6 5 acme r >"$T/in30"
apollo-enrich $FAST --db "$T/db5" <"$T/in30" >"$T/o" 2>"$T/e"; t_eq "hourly limit: exit 75" 75 $?
t_eq "hourly limit: 2 calls, the third not made" 2 "$(calls)"
t_eq "hourly limit: Apollo never had to answer 429" 0 "$(fake_stat '[.requests[] | select(.status==429)] | length')"
t_eq "hourly limit: 20 enriched, 10 quota_exhausted" "enriched 20,quota_exhausted 10," "$(statuses "$T/o")"
t_contains "hourly limit: said why" "$T/e" "hourly rate limit is reached"
# The dry run's least time uses the limits Apollo reported: 30 new emails,
# 3 calls, 2 an hour -> at least one hour.
t_deals 6 5 acme s >"$T/in30b"
apollo-enrich --dry-run --stats-json --db "$T/db5" <"$T/in30b" >/dev/null 2>"$T/e"
t_eq "dry run: least time from the reported hourly limit" '[3,3600]' \
	"$(grep '^{' "$T/e" | jq -c '[.calls, .least_seconds]')"
t_contains "dry run: the limits used" "$T/e" "2/hour"
# Without reported limits: the delay between calls.
apollo-enrich --dry-run --stats-json --delay-ms 2000 --db "$T/db6" <"$T/in30b" >/dev/null 2>"$T/e"
t_eq "dry run: least time from --delay-ms" '[3,4]' "$(grep '^{' "$T/e" | jq -c '[.calls, .least_seconds]')"
