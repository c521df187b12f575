#!/usr/bin/env bash
# deal-enrich-config: settings as the programs read them, secrets never printed,
# the follow-ups in order, unknown keys named with the closest known one.
source "$(dirname "$0")/../lib.sh"

t_workspace acme <<'C'
apollo_api_key = very-secret-key
monthly_limit = 7
auto_enrich_on_close = off
crm_export = "/data/deals export.csv"
after_enrich_10 = ten "$1"
after_enrich = zero
after_enrich_2 = two
after_enrich_3 =
C
t_eq "an integer" 7 "$(deal-enrich-config acme monthly_limit)"
t_eq "a boolean, normalized" false "$(deal-enrich-config acme auto_enrich_on_close)"
t_eq "quotes removed" "/data/deals export.csv" "$(deal-enrich-config acme crm_export)"
t_eq "a default" 90 "$(deal-enrich-config acme cache_days)"
t_eq "the environment first" 30 "$(DEAL_ENRICH_CACHE_DAYS=30 deal-enrich-config acme cache_days)"
deal-enrich-config acme apollo_api_key >"$T/out" 2>"$T/err"
t_eq "a secret: exit 0 when set" 0 "$?"
t_eq "... and only 'set'" set "$(cat "$T/out")"
t_lacks "... never the key" "$T/out" very-secret
deal-enrich-config acme serper_api_key >"$T/out" 2>&1
t_eq "a secret not set: exit 1" 1 "$?"
t_eq "... and nothing printed" "" "$(cat "$T/out")"
t_eq "the platform variable counts" set "$(SERPER_API_KEY=x deal-enrich-config acme serper_api_key)"
deal-enrich-config acme crm_contacts >"$T/out"
t_eq "no value: exit 1" 1 "$?"
t_eq "the follow-ups in order, empty ones left out" \
	"$(printf 'after_enrich\tzero\nafter_enrich_2\ttwo\nafter_enrich_10\tten "$1"')" \
	"$(deal-enrich-config --follow-ups acme)"
t_eq "the file's path" "$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf" "$(deal-enrich-config --path acme)"
t_workspace beta </dev/null
t_eq "the workspaces with a file" "$(printf 'acme\nbeta')" "$(deal-enrich-config --list)"
t_check "every key of this wave is known" bash -c "deal-enrich-config --list-keys | cut -f1 |
	grep -qx linkedin_rapidapi_key && deal-enrich-config --list-keys | cut -f1 | grep -qx 'map.FIELD'"

deal-enrich-config acme montly_limit >"$T/out" 2>"$T/err"
t_eq "an unknown key asked: exit 78" 78 "$?"
t_contains "... with the closest known key" "$T/err" "did you mean monthly_limit?"
printf 'apollo_api_key = very-secret-key\nmonthly_limt = 3\n' | t_workspace acme
deal-enrich-config acme monthly_limit >"$T/out" 2>"$T/err"
t_eq "an unknown key in the file: exit 78" 78 "$?"
t_contains "... naming the file and the line" "$T/err" "acme.conf:2: unknown key 'monthly_limt' (did you mean monthly_limit?)"
t_lacks "... never the key" "$T/err" very-secret
printf 'monthly_limit = 500\n' | t_workspace acme
deal-enrich-config acme monthly_limit >"$T/out" 2>"$T/err"
t_eq "out of range: exit 78" 78 "$?"
t_contains "... saying the range" "$T/err" "from 1 to 100"
deal-enrich-config '../x' cache_days 2>/dev/null
t_eq "a bad workspace name: exit 78" 78 "$?"
deal-enrich-config acme 2>/dev/null
t_eq "a missing key: usage" 64 "$?"
deal-enrich-config acme cache_days >/dev/full 2>/dev/null
t_eq "stdout full: exit 74" 74 "$?"
t_check "no bash in pipelines/ parses a workspace file" bash -c \
	"! grep -nE 'IFS=.*read.*line|conf_read|CONF\\[' '$DE_ROOT/pipelines/monthly' '$DE_ROOT/pipelines/on-close'"
