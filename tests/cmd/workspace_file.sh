#!/usr/bin/env bash
# Every program that reads a workspace file reads it through lib/workspace: an
# unknown key is exit 78 naming the file, the line and the closest known key;
# cache_days is 1..3650 and DEAL_ENRICH_CACHE_DAYS counts in every program.
source "$(dirname "$0")/../lib.sh"

F=$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf
printf 'apollo_api_key = secret-apollo-key\n# spend\n\napollo_monthy_budget = 10\n' | t_workspace acme
want="$F:4: unknown key 'apollo_monthy_budget' (did you mean apollo_monthly_budget?)"
rec='{"workspace_id":"acme","deal_id":"1","account":{"name":"Acme","domain":"acme.com"},"contacts":[{"email":"a@acme.com","title":"CFO"}]}'

check() { # check NAME CMD...: exit 78, the message on stderr, no key
	local name=$1; shift
	echo "$rec" | "$@" >"$T/out" 2>"$T/err"
	t_eq "$name: an unknown key is exit 78" 78 "$?"
	t_contains "$name: names the file, the line and the closest key" "$T/err" "$want"
	t_lacks "$name: the key is not in the message" "$T/err" "secret-apollo-key"
}
check apollo-enrich apollo-enrich
check serper-signals env SERPER_API_KEY=k serper-signals
check "role-resolve --llm" role-resolve --llm
check linkedin-enrich env RAPIDAPI_KEY=k linkedin-enrich
check deals-extract deals-extract --workspace acme --no-limit
check enrich-status enrich-status --workspace acme

# cache_days: one range, the variable honoured by apollo-enrich too.
t_workspace acme </dev/null
echo "$rec" | apollo-enrich --cache-days 3651 >/dev/null 2>"$T/err"
t_eq "apollo-enrich --cache-days 3651: usage error" 64 "$?"
echo "$rec" | DEAL_ENRICH_CACHE_DAYS=36500 apollo-enrich >/dev/null 2>"$T/err"
t_eq "apollo-enrich reads DEAL_ENRICH_CACHE_DAYS (36500 is out of range)" 78 "$?"
t_contains "... and says where the value came from" "$T/err" "DEAL_ENRICH_CACHE_DAYS: cache_days '36500' is not an integer from 1 to 3650"
DEAL_ENRICH_CACHE_DAYS=12 enrich-status --workspace acme >"$T/st" 2>"$T/err"
t_eq "enrich-status shows DEAL_ENRICH_CACHE_DAYS" 12 "$(jq .config.cache_days "$T/st")"
printf 'cache_days = 36500\n' | t_workspace acme
enrich-status --workspace acme >/dev/null 2>"$T/err"
t_eq "enrich-status: cache_days 36500 in the file is exit 78" 78 "$?"
