#!/usr/bin/env bash
# pipelines/on-close: the closed deals the store does not hold as enriched,
# whatever their close date (a deal backdated before the last run included); a
# second run right after the first enriches nothing new; off means nothing, quietly.
source "$(dirname "$0")/../lib.sh"
jqe() { jq -e "$@" >/dev/null; }

t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key
O=$DE_ROOT/pipelines/on-close
E=$DE_ROOT/examples
TODAY=(--today 2026-11-30)
paid() { fake_stat '(.calls["apollo.bulk_match"] // 0) + (.calls["serper.search"] // 0)'; }
pending() { deals-extract --workspace acme --pending "${TODAY[@]}" "$@" 2>/dev/null | jq -r .deal_id | sort | xargs; }
t_workspace acme <<EOF
crm_export = $E/hubspot-deals.csv
crm_contacts = $E/hubspot-contacts.csv
EOF

# --- first run: the deals closed within the workspace's lookback (6 months)
"$O" --workspace acme "${TODAY[@]}" >"$T/r1.json" 2>"$T/r1.err"
t_eq "first run: exit 0" 0 "$?"
t_check "first run: deals enriched, no since-day" jqe '.status == "ok" and .enriched_deals >= 5
	and (has("closed_since") | not)' "$T/r1.json"
calls=$(paid)
t_check "first run: the providers were called" test "$calls" -gt 0

# --- second run right after: nothing new
"$O" --workspace acme "${TODAY[@]}" >"$T/r2.json" 2>"$T/r2.err"
t_eq "second run: exit 0" 0 "$?"
t_eq "second run: enriches nothing new" "0 0" "$(jq -r '"\(.deals) \(.enriched_deals)"' "$T/r2.json")"
t_eq "second run: no Apollo or Serper call" "$calls" "$(paid)"

# --- deals that appear after the last run: one closed today, one backdated
# (its close date set, in the CRM, to a day well before the last run). Both
# are closed and not enriched, and on-close takes both (it used to select by
# close date after the last run and never enriched the backdated one).
cat >"$T/new.ndjson" <<'JSON'
{"deal_id":"5500000001","deal_name":"Newco - first","stage":"Closed Won","close_date":"2026-11-30","account":{"name":"Newco","domain":"newco.example"},"contacts":[{"email":"ceo@newco.example","title":"CEO"}]}
{"deal_id":"5500000002","deal_name":"Oldco - backdated","stage":"Closed Won","close_date":"2026-10-02","account":{"name":"Oldco","domain":"oldco.example"},"contacts":[{"email":"cfo@oldco.example","title":"CFO"}]}
JSON
t_eq "backdated: deals-extract --pending lists both" "5500000001 5500000002" "$(pending "$T/new.ndjson")"
"$O" --workspace acme "${TODAY[@]}" --input "$T/new.ndjson" >"$T/r3.json" 2>"$T/r3.err"
t_eq "backdated: exit 0" 0 "$?"
t_eq "backdated: both deals enriched, the backdated one too" "2 2" \
	"$(jq -r '"\(.deals) \(.enriched_deals)"' "$T/r3.json")"
t_eq "backdated: the store holds it as enriched" "enriched" \
	"$(enrich-summary --workspace acme --deal 5500000002 --raw | jq -r .status)"
t_eq "backdated: --pending lists neither now" "" "$(pending "$T/new.ndjson")"
calls=$(paid)
"$O" --workspace acme "${TODAY[@]}" --input "$T/new.ndjson" >"$T/r3b.json" 2>/dev/null
t_eq "backdated: the next run enriches nothing, calls nothing" "0 0 $calls" \
	"$? $(jq .deals "$T/r3b.json") $(paid)"

# --- a degraded run: the deal stays pending, the next run enriches it
echo '{"deal_id":"5500000003","stage":"Closed Won","close_date":"2026-11-26","account":{"name":"Third","domain":"third.example"},"contacts":[{"email":"vp@third.example"}]}' >"$T/third.ndjson"
fake_post fault '{"provider":"apollo","kind":"500","count":-1}'
DEAL_ENRICH_APOLLO="apollo-enrich --retries 0 --max-failures 1" \
	"$O" --workspace acme "${TODAY[@]}" --input "$T/third.ndjson" >"$T/r4.json" 2>"$T/r4.err"
rc=$?
fake_post reset '{}'
t_check "Apollo down: degraded exit" test "$rc" = 69 -o "$rc" = 1
t_eq "Apollo down: the deal is still pending" "5500000003" "$(pending "$T/third.ndjson")"
"$O" --workspace acme "${TODAY[@]}" --input "$T/third.ndjson" >"$T/r5.json" 2>/dev/null
t_eq "the next run enriches it" "0 1" "$? $(jq .enriched_deals "$T/r5.json")"

# --- --limit reached: the rest next run
cat >"$T/two.ndjson" <<'JSON'
{"deal_id":"5500000004","stage":"Closed Won","close_date":"2026-11-27","account":{"name":"Four","domain":"four.example"},"contacts":[{"email":"a@four.example"}]}
{"deal_id":"5500000005","stage":"Closed Lost","close_date":"2026-11-28","account":{"name":"Five","domain":"five.example"},"contacts":[{"email":"b@five.example"}]}
JSON
"$O" --workspace acme "${TODAY[@]}" --limit 1 --input "$T/two.ndjson" >"$T/r6.json" 2>"$T/r6.err"
t_eq "--limit 1 with 2 new deals: exit 0, 1 deal" "0 1" "$? $(jq .deals "$T/r6.json")"
t_check "... and it says the rest come next run" grep -q "reached --limit 1; the rest next run" "$T/r6.err"
"$O" --workspace acme "${TODAY[@]}" --limit 1 --input "$T/two.ndjson" >"$T/r7.json" 2>/dev/null
t_eq "the next run takes the other one (--pending)" "0 1 5500000004" \
	"$? $(jq .deals "$T/r7.json") $(enrich-summary --workspace acme --deal 5500000004 --raw | jq -r .record.deal_id)"

# --- auto_enrich_on_close off: nothing, quietly
t_workspace off <<EOF
crm_export = $E/hubspot-deals.csv
auto_enrich_on_close = False
EOF
calls=$(paid)
"$O" --workspace off "${TODAY[@]}" >"$T/off.out" 2>"$T/off.err"
t_eq "off: exit 0" 0 "$?"
t_eq "off: nothing on stdout or stderr" "" "$(cat "$T/off.out" "$T/off.err")"
t_eq "off: no call" "$calls" "$(paid)"
"$O" --workspace off --verbose >/dev/null 2>"$T/offv.err"
t_check "off, --verbose: says why" grep -q "off: auto_enrich_on_close is off; nothing to do" "$T/offv.err"

# --- every configured workspace: the ones that are on
"$O" "${TODAY[@]}" --quiet >"$T/all.json" 2>"$T/all.err"
t_eq "all workspaces: only acme runs (off is off)" "0 acme" "$? $(jq -r .workspace "$T/all.json" | xargs)"
t_eq "--quiet: nothing on stderr" "" "$(cat "$T/all.err")"

# --- bad files
t_workspace bad <<EOF
auto_enrich_on_close = sometimes
EOF
"$O" --workspace bad >/dev/null 2>"$T/bad.err"
t_eq "auto_enrich_on_close not a boolean: 78" 78 "$?"
t_check "... naming the file" grep -q "bad.conf: auto_enrich_on_close 'sometimes' is not true or false" "$T/bad.err"

# --- the crontab line, help
line=$("$O" --print-crontab | grep -v '^#')
t_check "--print-crontab: hourly, this script, --quiet" bash -c "[[ '$line' =~ ^[0-9]+\ \\*\ \\*\ \\*\ \\*\ (/[^ ]+)\ --quiet$ ]] && test -x \"\${BASH_REMATCH[1]}\""
t_status "--help exits 0" 0 "$O" --help >/dev/null
t_status "--limit 0 is a usage error" 64 "$O" --limit 0 2>/dev/null
