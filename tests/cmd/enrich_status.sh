#!/usr/bin/env bash
# enrich-status: config (configured, never the key), stats equal to what jq
# computes from the loaded NDJSON, usage from the ledger next to budgets, the
# cache's size and age; a new user gets zeros; exit codes; the man page.
source "$(dirname "$0")/../lib.sh"

S=$DATA/store
GOOD=$S/good.ndjson
LIB="include \"lib\" {search: \"$S\"};"
# Writes one entry into a table of the db (mdb_load -T: \xx escapes, \1f the key separator).
mdbput() { printf '%s\n%s\n' "$2" "$3" | mdb_load -s "$1" -T "$DEAL_ENRICH_DB"; }

# ---- help, man, usage errors ----
enrich-status --help >"$T/help"; t_eq "--help exits 0" 0 $?
for o in --workspace --month --db --help --version; do t_contains "--help lists $o" "$T/help" "$o"; done
t_check "--version" test -n "$(enrich-status --version)"
man -l "$DE_ROOT/man/enrich-status.1" >"$T/man" 2>"$T/manerr"; t_eq "man page renders" 0 $?
t_eq "man page renders cleanly" "" "$(cat "$T/manerr")"
t_contains "man page documents --month" "$T/man" "--month"
enrich-status >/dev/null 2>"$T/e"; t_eq "no --workspace: 64" 64 $?
t_contains "says what is missing" "$T/e" "--workspace"
enrich-status --workspace acme --month 2026-13 >/dev/null 2>&1; t_eq "bad --month: 64" 64 $?
enrich-status --workspace 'a/b' >/dev/null 2>&1; t_eq "bad workspace: 64" 64 $?

# ---- a new user: no db, no workspace file ----
enrich-status --workspace acme >"$T/new" 2>"$T/newerr"; t_eq "a new user: exit 0" 0 $?
t_eq "one JSON line" 1 "$(wc -l <"$T/new")"
t_eq "defaults" '{"apollo_configured":false,"serper_configured":false,"linkedin_configured":false,"deepseek_configured":false,"auto_enrich_on_close":true,"lookback_months":6,"cache_days":90}' \
	"$(jq -c .config "$T/new")"
t_eq "no CRM named: crm is null" null "$(jq -c .crm "$T/new")"
t_eq "zero stats" '{"total_closed_deals":0,"enriched_deals":0,"partial_deals":0,"failed_deals":0,"total_deal_contacts":0,"roles_resolved":0,"apollo_enriched":0,"accounts_with_signals":0,"last_run_at":null}' \
	"$(jq -c .stats "$T/new")"
t_eq "zero usage, no budget" '0 0 null' "$(jq -r '"\(.usage.apollo.calls) \(.usage.apollo.credits) \(.usage.apollo.budget)"' "$T/new")"
t_eq "empty cache" '0 0' "$(jq -r '"\(.cache.entries) \(.cache.providers.apollo.entries)"' "$T/new")"
t_check "no db created" test ! -e "$DEAL_ENRICH_DB"
t_eq "nothing on stderr" "" "$(cat "$T/newerr")"

# ---- config: keys configured, never shown ----
K1=sekrit-apollo-41d7f0 K2=sekrit-serper-9a8b7c
printf 'apollo_api_key = %s\nlookback_months = 12\ncache_days = 30\nauto_enrich_on_close = false\napollo_monthly_budget = 50\n' "$K1" |
	t_workspace acme
SERPER_API_KEY=$K2 enrich-status --workspace acme >"$T/cfg" 2>"$T/cfgerr"; t_eq "configured: exit 0" 0 $?
t_eq "apollo from the file, serper from the platform variable" '{"apollo_configured":true,"serper_configured":true,"linkedin_configured":false,"deepseek_configured":false,"auto_enrich_on_close":false,"lookback_months":12,"cache_days":30}' \
	"$(jq -c .config "$T/cfg")"
t_lacks "the Apollo key is not printed" "$T/cfg" "$K1"
t_lacks "the Serper key is not printed" "$T/cfg" "$K2"
t_lacks "... nor on stderr" "$T/cfgerr" "sekrit"
K3=sekrit-rapidapi-5e6f70
RAPIDAPI_KEY=$K3 enrich-status --workspace acme >"$T/cfg3"
t_eq "linkedin from RAPIDAPI_KEY" true "$(jq .config.linkedin_configured "$T/cfg3")"
t_lacks "the RapidAPI key is not printed" "$T/cfg3" "$K3"
printf 'linkedin_rapidapi_key = %s\n' "$K3" | t_workspace li
enrich-status --workspace li >"$T/cfg4" 2>&1
t_eq "linkedin from the workspace file" '[true,false]' "$(jq -c '[.config.linkedin_configured,.config.apollo_configured]' "$T/cfg4")"
t_lacks "... not printed either" "$T/cfg4" "$K3"
DEAL_ENRICH_CACHE_DAYS=45 enrich-status --workspace acme | jq .config.cache_days >"$T/cd"
t_eq "the environment beats the file" 45 "$(cat "$T/cd")"
enrich-status --workspace other | jq -c '[.config.apollo_configured, .config.lookback_months]' >"$T/other"
t_eq "another workspace has its own settings" '[false,6]' "$(cat "$T/other")"
printf 'lookback_months = 99\n' | t_workspace bad
enrich-status --workspace bad >/dev/null 2>"$T/baderr"; t_eq "a setting out of range: 78" 78 $?
t_contains "says which" "$T/baderr" "lookback_months"
printf 'apollo_api_key = %s\n' "$K1" | t_workspace open && chmod 644 "$XDG_CONFIG_HOME/deal-enrich/workspaces/open.conf"
enrich-status --workspace open >/dev/null 2>"$T/permerr"; t_eq "a key file others can read: 78" 78 $?
t_contains "says how to fix it" "$T/permerr" "chmod"
t_lacks "without showing the key" "$T/permerr" "$K1"

# ---- stats: what jq computes from the loaded NDJSON ----
deals-load <"$GOOD" >"$T/rep"
enrich-status --workspace acme >"$T/st1"
t_eq "stats equal jq's over the loaded records" "$(jq -s -c "$LIB status_stats(\"acme\")" "$GOOD")" \
	"$(jq -c '.stats | del(.last_run_at)' "$T/st1")"
t_eq "stats by hand: 7 closed, 5 enriched, 1 partial, 1 failed, 12 contacts, 10 roles, 8 enriched, 3 accounts" \
	'7 5 1 1 12 10 8 3' "$(jq -r '.stats | "\(.total_closed_deals) \(.enriched_deals) \(.partial_deals) \(.failed_deals) \(.total_deal_contacts) \(.roles_resolved) \(.apollo_enriched) \(.accounts_with_signals)"' "$T/st1")"
t_eq "last_run_at is the load's run_at" "$(jq -r .run_at "$T/rep")" "$(jq -r .stats.last_run_at "$T/st1")"
# after a worse run: jq over the merged records the store holds
deals-load <"$S/worse.ndjson" >/dev/null
for d in $(jq -r .deal_id "$GOOD"); do enrich-summary --workspace acme --deal "$d" --raw | jq -c .record; done >"$T/merged"
t_eq "after a worse run: stats equal jq's over the merged records" "$(jq -s -c "$LIB status_stats(\"acme\")" "$T/merged")" \
	"$(enrich-status --workspace acme | jq -c '.stats | del(.last_run_at)')"
# 400 varied deals, with another workspace beside them
python3 "$S/gen-deals.py" 400 11 acme >"$T/gen"
python3 "$S/gen-deals.py" 50 12 beta >>"$T/gen"
DEAL_ENRICH_DB=$T/db2 deals-load <"$T/gen" >/dev/null
for w in acme beta; do
	t_eq "400+50 generated deals: $w's stats equal jq's" "$(jq -s -c "$LIB status_stats(\"$w\")" "$T/gen")" \
		"$(DEAL_ENRICH_DB=$T/db2 enrich-status --workspace "$w" | jq -c '.stats | del(.last_run_at)')"
done

# ---- usage: the ledger next to the budget ----
month=$(date -u +%Y-%m)
mdbput usage "acme\\1fapollo\\1f$month" '{"calls":5,"credits":42,"tokens":0}'
mdbput usage "acme\\1fdeepseek\\1f$month" '{"calls":2,"credits":0.5,"tokens":1234}'
mdbput usage "acme\\1fapollo\\1f2020-01" '{"calls":9,"credits":9,"tokens":0}'
mdbput usage "beta\\1fapollo\\1f$month" '{"calls":7,"credits":7,"tokens":0}'
printf 'serper_monthly_budget = 10000\n' >>"$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf"
enrich-status --workspace acme >"$T/use"
t_eq "usage month" "$month" "$(jq -r .usage.month "$T/use")"
t_eq "apollo: this month's calls and credits, budget 50, 8 left" '{"calls":5,"credits":42,"tokens":0,"budget":50,"remaining":8}' \
	"$(jq -c .usage.apollo "$T/use")"
t_eq "serper: nothing used, budget from the file" '{"calls":0,"credits":0,"tokens":0,"budget":10000,"remaining":10000}' \
	"$(jq -c .usage.serper "$T/use")"
t_eq "deepseek: tokens, no budget" '{"calls":2,"credits":0.5,"tokens":1234,"budget":null,"remaining":null}' \
	"$(jq -c .usage.deepseek "$T/use")"
DEAL_ENRICH_APOLLO_BUDGET=40 enrich-status --workspace acme | jq -c '.usage.apollo | [.budget, .remaining]' >"$T/b40"
t_eq "a budget from the environment; none left is 0" '[40,0]' "$(cat "$T/b40")"
t_eq "--month 2020-01" '9 null' "$(enrich-status --workspace acme --month 2020-01 | jq -r '"\(.usage.apollo.calls) \(.usage.deepseek.budget)"')"

# ---- the cache: size and age ----
now=$(date -u +%s)
mdbput cache "apollo\\1facme\\1fa@x.com" "$((now - 100 * 86400))\\0a{\"person\":null}"
mdbput cache "apollo\\1facme\\1fb@x.com" "$((now - 11 * 86400))\\0a{\"person\":{}}"
mdbput cache "apollo\\1facme\\1fc@x.com" "$((now - 3600))\\0a{\"person\":{}}"
mdbput cache "apollo\\1fbeta\\1fd@x.com" "$((now - 900 * 86400))\\0a{}"
mdbput cache "serper\\1facme\\1fglobex.com" "$((now - 20 * 86400))\\0a{}"
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
enrich-status --workspace acme >"$T/cache"
t_eq "cache entries of every workspace" 5 "$(jq .cache.entries "$T/cache")"
t_check "db bytes" test "$(jq .cache.db_bytes "$T/cache")" -gt 0
t_eq "apollo: 3 entries, oldest, newest, age, 1 older than cache_days 30" \
	"{\"entries\":3,\"oldest_fetched_at\":\"$(iso $((now - 100 * 86400)))\",\"newest_fetched_at\":\"$(iso $((now - 3600)))\",\"oldest_age_days\":100,\"expired\":1}" \
	"$(jq -c .cache.providers.apollo "$T/cache")"
t_eq "serper: 1 entry, 20 days old, not expired" '1 20 0' "$(jq -r '.cache.providers.serper | "\(.entries) \(.oldest_age_days) \(.expired)"' "$T/cache")"
t_eq "deepseek: none" '0 null' "$(jq -r '.cache.providers.deepseek | "\(.entries) \(.oldest_fetched_at)"' "$T/cache")"
t_eq "cache_days 10 (environment): 2 apollo entries expired" 2 \
	"$(DEAL_ENRICH_CACHE_DAYS=10 enrich-status --workspace acme | jq .cache.providers.apollo.expired)"
t_eq "beta sees its own entry" '1 900' "$(enrich-status --workspace beta | jq -r '.cache.providers.apollo | "\(.entries) \(.oldest_age_days)"')"

# ---- LinkedIn: a real linkedin-enrich run's ledger and cache ----
export FAKEAPI_KEYS=$K3
t_start_fakeapi || exit 1
for i in 1 2; do
	jq -nc --arg i "$i" '{workspace_id:"li", deal_id:$i, close_date:"2026-03-14",
		account:{name:"Globex",domain:"globex.com"}, contacts:[{apollo:{status:"not_found"},
		linkedin_url:("https://www.linkedin.com/in/p\($i)-at-globex")}]}'
done >"$T/li.in"
printf 'linkedin_monthly_budget = 5\n' >>"$XDG_CONFIG_HOME/deal-enrich/workspaces/li.conf"
DEAL_ENRICH_DB=$T/dbli linkedin-enrich --delay-ms 0 <"$T/li.in" >/dev/null 2>"$T/li.err"
t_eq "linkedin-enrich ran: 2 calls" 2 "$(fake_stat '.providers.linkedin // 0')"
DEAL_ENRICH_DB=$T/dbli enrich-status --workspace li >"$T/lis"
t_eq "linkedin: the ledger's calls and credits, budget 5, 3 left" '{"calls":2,"credits":2,"tokens":0,"budget":5,"remaining":3}' \
	"$(jq -c .usage.linkedin "$T/lis")"
t_eq "linkedin: its 2 cached profiles" '2 0' "$(jq -r '.cache.providers.linkedin | "\(.entries) \(.expired)"' "$T/lis")"
t_eq "linkedin: no other provider used" '0 0 0' "$(jq -r '[.usage.apollo.calls,.usage.serper.calls,.usage.deepseek.calls]|join(" ")' "$T/lis")"
t_lacks "the RapidAPI key in no status" "$T/lis" "$K3"

# ---- I/O ----
enrich-status --workspace acme >/dev/full 2>/dev/null; t_eq "stdout /dev/full: 74" 74 $?
echo x >"$T/afile"; mkdir -p "$T/notadb" && echo x >"$T/notadb/data.mdb"
enrich-status --workspace acme --db "$T/notadb" >/dev/null 2>"$T/dberr"; t_eq "a db that is not one: 74" 74 $?
t_contains "says which" "$T/dberr" "$T/notadb"
