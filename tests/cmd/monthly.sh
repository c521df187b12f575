#!/usr/bin/env bash
# pipelines/monthly: follow-ups only when something was enriched, in order, with
# the workspace and the run report, after icp-profile and lead-score on the
# export's open deals (their files under the state directory); a failing
# follow-up does not stop the next;
# a second concurrent run exits 75; every configured workspace; the crontab line.
source "$(dirname "$0")/../lib.sh"
jqe() { jq -e "$@" >/dev/null; }

t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key
M=$DE_ROOT/pipelines/monthly
E=$DE_ROOT/examples
STATE=$XDG_STATE_HOME/deal-enrich
TODAY=(--today 2026-11-30)   # the last month: 2026-10-30 to 2026-11-30

# A follow-up that records how it was called.
cat >"$T/fu" <<'EOF'
#!/bin/bash
# fu NAME WORKSPACE REPORT: one line in $FU_LOG; the report it got on stdin kept.
echo "$1 ws=$2 report=$3 env_ws=$DEAL_ENRICH_WORKSPACE env_report=$DEAL_ENRICH_REPORT leads=$(test -s "$FU_LEADS" && echo yes)" >>"$FU_LOG"
cat >"$FU_DIR/$1.stdin"
EOF
chmod +x "$T/fu"
export FU_LOG=$T/fu.log FU_DIR=$T FU_LEADS=$STATE/acme.leads.ndjson
t_workspace acme <<EOF
# the HubSpot example exports
crm_export = $E/hubspot-deals.csv
crm_contacts = $E/hubspot-contacts.csv
after_enrich_2 = $T/fu third "\$1" "\$2"
after_enrich = $T/fu first "\$1" "\$2"
after_enrich_1 = "$T/fu second \$1 \$2; exit 3"
after_enrich_10 = $T/fu tenth "\$1" "\$2"
EOF

# --- first run: one deal closed in the last month, enriched; the follow-ups run
"$M" --workspace acme "${TODAY[@]}" >"$T/m1.json" 2>"$T/m1.err"
rc=$?
t_eq "a failing follow-up: exit 1" 1 "$rc"
t_eq "one JSON line" 1 "$(wc -l <"$T/m1.json")"
t_check "the run enriched something (lookback 1 month, limit 20)" jqe '.enriched_deals >= 1 and .lookback_months == 1
	and .limit == 20 and .run.status == "ok" and .run_exit == 0' "$T/m1.json"
t_eq "the follow-ups ran in order: after_enrich, then _1, _2, _10" "first second third tenth" \
	"$(cut -d' ' -f1 "$FU_LOG" | xargs)"
t_eq "each got the workspace and the report (args and environment)" \
	"first ws=acme report=$STATE/acme.last-run.json env_ws=acme env_report=$STATE/acme.last-run.json leads=yes" \
	"$(head -n 1 "$FU_LOG")"
t_check "the report file is the run's report" jqe '.pipeline == "enrich-closed-deals" and .workspace == "acme"
	and .enriched_deals >= 1' "$STATE/acme.last-run.json"
t_check "the report on stdin too" cmp -s "$T/first.stdin" "$STATE/acme.last-run.json"
t_eq "a failing follow-up does not stop the next: statuses" "after_enrich:0 after_enrich_1:3 after_enrich_2:0 after_enrich_10:0" \
	"$(jq -r '[.follow_ups[] | "\(.key):\(.exit)"] | join(" ")' "$T/m1.json")"
t_check "... and is reported on stderr" grep -q "monthly: acme: follow-up after_enrich_1 failed (exit 3)" "$T/m1.err"
t_eq "the monthly line: degraded" degraded "$(jq -r .status "$T/m1.json")"
t_check "the run log holds the run and the monthly line" jqe -s 'map(.pipeline) == ["enrich-closed-deals", "monthly"]
	and (.[1] | has("run") | not)' "$STATE/runs.ndjson"

# the ICP chain ran before the follow-ups (they saw the ranked leads: leads=yes above)
t_check "icp-profile's JSON in the state directory, also kept in the db" jqe '.workspace == "acme" and .deals >= 1' \
	"$STATE/acme.icp-profile.json"
t_check "its HTML report" grep -q "<h1>Who buys from us: acme</h1>" "$STATE/acme.icp-report.html"
deals-extract --workspace acme --all --no-limit --quiet --contacts "$E/hubspot-contacts.csv" -- "$E/hubspot-deals.csv" |
	jq -r 'select(.stage_normalized == "open") | .deal_id' | sort >"$T/open.want"
t_check "the export has open deals" test -s "$T/open.want"
t_eq "every open deal of the export scored, and only those" "$(cat "$T/open.want")" \
	"$(jq -r 'select(.lead_score.score | type == "number") | .deal_id' "$STATE/acme.leads.ndjson" | sort)"
t_check "ranked by score" jqe -s '[.[].lead_score.score] as $s | $s == ($s | sort | reverse)' "$STATE/acme.leads.ndjson"
t_eq "the line says what the chain did" \
	"0 $STATE/acme.icp-report.html export 0 $STATE/acme.leads.ndjson $(wc -l <"$T/open.want")" \
	"$(jq -r '.icp | "\(.profile_exit) \(.report) \(.lead_source) \(.leads_exit) \(.leads) \(.leads_scored)"' "$T/m1.json")"
lead-score --workspace acme </dev/null; t_eq "the profile is the workspace's current one in the db" 0 $?

# --- second run: nothing new (--pending); no follow-up
: >"$FU_LOG"
"$M" --workspace acme "${TODAY[@]}" --quiet >"$T/m2.json" 2>"$T/m2.err"
t_eq "nothing new: exit 0" 0 "$?"
t_eq "nothing new: no follow-up ran" "" "$(cat "$FU_LOG")"
t_eq "nothing new: the line says so" "0 0 []" "$(jq -c '"\(.enriched_deals) \(.partial_deals) \(.follow_ups)"' -r "$T/m2.json")"
t_eq "--quiet: nothing on stderr" "" "$(grep -v '^$' "$T/m2.err")"

# --- a window with no deal at all: no follow-up
echo '{"deal_id":"1","stage":"Closed Won","close_date":"2026-01-15","account":{"name":"Old","domain":"old.example"},"contacts":[{"email":"a@old.example"}]}' >"$T/old.ndjson"
"$M" --workspace acme "${TODAY[@]}" --input "$T/old.ndjson" >"$T/m3.json" 2>/dev/null
t_eq "no deal in the window: exit 0, no follow-up" "0 0 " "$? $(jq .run.extracted "$T/m3.json") $(cat "$FU_LOG")"

# --- a second concurrent run exits 75
cat >"$T/slow-apollo" <<EOF
#!/bin/bash
touch "$T/started"
for i in \$(seq 600); do [ -e "$T/go" ] && break; sleep 0.1; done
exec apollo-enrich "\$@"
EOF
chmod +x "$T/slow-apollo"
t_workspace busy <<EOF
crm_export = $E/hubspot-deals.csv
crm_contacts = $E/hubspot-contacts.csv
EOF
DEAL_ENRICH_APOLLO=$T/slow-apollo "$M" --workspace busy "${TODAY[@]}" >"$T/first.json" 2>"$T/first.err" &
first=$!
for i in $(seq 300); do [ -e "$T/started" ] && break; sleep 0.1; done
t_check "the first run is under way" test -e "$T/started"
"$M" --workspace busy "${TODAY[@]}" >"$T/second.json" 2>"$T/second.err"
t_eq "a second concurrent run: exit 75" 75 "$?"
t_check "... with a clear message naming the holder" grep -q "monthly: busy: another run is in progress (pid $first (monthly) since .* holds $STATE/busy.lock); not starting a second one, try later" "$T/second.err"
t_eq "... and nothing on stdout" "" "$(cat "$T/second.json")"
"$DE_ROOT/pipelines/on-close" --workspace busy "${TODAY[@]}" >/dev/null 2>"$T/onclose.err"
t_eq "on-close takes the same lock: 75" 75 "$?"
"$M" --workspace acme "${TODAY[@]}" --no-follow-ups >/dev/null 2>&1
t_eq "another workspace is not locked" 0 "$?"
touch "$T/go"
wait "$first"
t_eq "the first run finishes well" "0 ok" "$? $(jq -r .status "$T/first.json")"
"$M" --workspace busy "${TODAY[@]}" >/dev/null 2>&1
t_eq "after it, the lock is free again" 0 "$?"

# --- every configured workspace
: >"$FU_LOG"
"$M" "${TODAY[@]}" --no-follow-ups >"$T/all.json" 2>/dev/null
t_eq "without --workspace: every *.conf, in order" "acme busy" "$(jq -r .workspace "$T/all.json" | xargs)"

# --- settings: monthly_limit, monthly_lookback_months; flags win
t_workspace lim <<EOF
monthly_limit = 2
monthly_lookback_months = 12
EOF
"$M" --workspace lim "${TODAY[@]}" --no-follow-ups --input "$E/hubspot-deals.csv" \
	--contacts "$E/hubspot-contacts.csv" >"$T/lim.json" 2>/dev/null
t_eq "monthly_limit and monthly_lookback_months from the workspace" "12 2 2" \
	"$(jq -r '"\(.lookback_months) \(.limit) \(.run.extracted)"' "$T/lim.json")"
"$M" --workspace lim "${TODAY[@]}" --no-follow-ups --limit 3 --lookback-months 6 --dry-run \
	--input "$E/hubspot-deals.csv" --contacts "$E/hubspot-contacts.csv" >"$T/lim2.json" 2>/dev/null
t_eq "flags win over the workspace" "6 3" "$(jq -r '"\(.lookback_months) \(.limit)"' "$T/lim2.json")"
"$M" --workspace lim --limit 500 >/dev/null 2>"$T/lim3.err"
t_eq "--limit out of range: 64" 64 "$?"

# --- unsafe and malformed workspace files
t_workspace unsafe <<EOF
crm_export = $E/hubspot-deals.csv
crm_contacts = $E/hubspot-contacts.csv
after_enrich = $T/fu unsafe "\$1" "\$2"
EOF
chmod 620 "$XDG_CONFIG_HOME/deal-enrich/workspaces/unsafe.conf"
: >"$FU_LOG"
"$M" --workspace unsafe "${TODAY[@]}" >/dev/null 2>"$T/unsafe.err"
t_eq "follow-ups in a file others can write: 78, not run" "78 " "$? $(cat "$FU_LOG")"
t_check "... with how to fix it" grep -q "chmod go-w" "$T/unsafe.err"
t_workspace broken <<EOF
crm_export = x
this line has no equals sign
EOF
"$M" --workspace broken >/dev/null 2>"$T/broken.err"
t_eq "a malformed workspace file: 78" 78 "$?"
t_check "... naming the file and line" grep -q "broken.conf:2: expected 'key = value'" "$T/broken.err"

# --- the crontab line
"$M" --print-crontab >"$T/cron"
t_eq "--print-crontab exits 0" 0 "$?"
line=$(grep -v '^#' "$T/cron")
t_check "the crontab line: 7 AM on the 1st, this script, --quiet" bash -c "[[ '$line' =~ ^0\ 7\ 1\ \\*\ \\*\ (/[^ ]+)\ --quiet$ ]] && test -x \"\${BASH_REMATCH[1]}\""
t_status "--help exits 0" 0 "$M" --help >/dev/null
