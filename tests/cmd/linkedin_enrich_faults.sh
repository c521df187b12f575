#!/usr/bin/env bash
# linkedin-enrich against RapidAPI's failures: 429, the monthly quota, 402,
# 403, 5xx throughout, the old endpoint path, and a budget. Each gives its
# status and exit code, every record goes out, and nothing failed is cached.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi || exit 1
export RAPIDAPI_KEY=test-rapidapi-key
IN=$T/in.ndjson
# 5 deals of one workspace, one contact Apollo missed each, each with a profile at the account.
for i in 1 2 3 4 5; do
	jq -nc --arg i "$i" '{workspace_id:"acme", deal_id:$i, close_date:"2026-03-14",
		account:{name:"Globex",domain:"globex.com"},
		contacts:[{email:("nobody\($i)@globex.com"), apollo:{status:"not_found"},
			linkedin_url:("https://www.linkedin.com/in/p\($i)-at-globex")}]}'
done >"$IN"
statuses() { jq -r '.contacts[].linkedin.status' "$1" | sort | uniq -c | awk '{print $2"="$1}' | paste -sd' '; }
run() { # name: runs on a fresh db, output in $T/name.out, stderr in .err, status in $st
	export DEAL_ENRICH_DB=$T/db-$1
	linkedin-enrich --delay-ms 0 --concurrency 1 --backoff-429-ms 10 "${@:2}" \
		<"$IN" >"$T/$1.out" 2>"$T/$1.err"
	st=$?
}
calls() { fake_stat '(.calls["linkedin.person"] // 0) + (.calls["linkedin.person_old"] // 0)'; }

# --- 429 to the last retry: quota_exhausted, try later (75), no more calls, nothing lost
fake_fault linkedin 429 -1
run r429 --retry-429 1
t_eq "429: exit 75" 75 "$st"
t_eq "429: 5 records out" 5 "$(wc -l <"$T/r429.out")"
t_eq "429: all quota_exhausted" "quota_exhausted=5" "$(statuses "$T/r429.out")"
t_contains "429: the reason says rate limited" "$T/r429.out" "rate limited (429 Too many requests)"
t_eq "429: one call and its retry, then no more" 2 "$(calls)"
t_contains "429: one notice" "$T/r429.err" "no more LinkedIn calls"
fake_post reset '{}'
DEAL_ENRICH_DB=$T/db-r429 linkedin-enrich --delay-ms 0 <"$IN" >"$T/r429b.out" 2>/dev/null
t_eq "429: nothing cached, the rerun asks again" 5 "$(calls)"
t_eq "429: the rerun enriches" "enriched=5" "$(statuses "$T/r429b.out")"

# --- the monthly quota (429 with RapidAPI's text): stops the calls at once
fake_fault linkedin quota -1
run quota --retry-429 0
t_eq "quota: exit 75" 75 "$st"
t_eq "quota: all quota_exhausted" "quota_exhausted=5" "$(statuses "$T/quota.out")"
t_contains "quota: the reason quotes RapidAPI" "$T/quota.out" "monthly quota used up (429 You have exceeded the MONTHLY quota"
t_eq "quota: 1 call" 1 "$(calls)"

# --- 402 credits out, with two answers cached before
fake_post reset '{}'
head -n 2 "$IN" >"$T/two.ndjson"
DEAL_ENRICH_DB=$T/db-402 linkedin-enrich --delay-ms 0 --concurrency 1 <"$T/two.ndjson" >/dev/null 2>&1
fake_fault linkedin credits -1
DEAL_ENRICH_DB=$T/db-402 linkedin-enrich --delay-ms 0 --concurrency 1 <"$IN" >"$T/402.out" 2>"$T/402.err"
t_eq "402: exit 75" 75 "$?"
t_eq "402: the 2 cached answered, the 3 others quota_exhausted" "enriched=2 quota_exhausted=3" "$(statuses "$T/402.out")"
t_contains "402: the reason says credits" "$T/402.out" "credits used up (402"
t_eq "402: 1 call" 1 "$(calls)"

# --- 403 not subscribed: error, configuration (78), one call
fake_fault linkedin 403 -1
run r403
t_eq "403: exit 78" 78 "$st"
t_eq "403: all error" "error=5" "$(statuses "$T/r403.out")"
t_contains "403: the reason quotes RapidAPI" "$T/r403.out" "RapidAPI refused the key (403 You are not subscribed to this API.)"
t_eq "403: 1 call" 1 "$(calls)"
t_eq "403: 5 records out" 5 "$(wc -l <"$T/r403.out")"
RAPIDAPI_KEY=wrong-key DEAL_ENRICH_DB=$T/db-wrong linkedin-enrich <"$IN" >"$T/wrong.out" 2>&1
t_eq "a wrong key: exit 78" 78 "$?"
t_lacks "a wrong key: not in the output" "$T/wrong.out" "wrong-key"

# --- 503 throughout: unavailable (69) after --max-failures calls
fake_fault linkedin 503 -1
run r503 --retries 0 --max-failures 2
t_eq "503: exit 69" 69 "$st"
t_eq "503: 2 calls, then no more" 2 "$(calls)"
t_eq "503: all error" "error=5" "$(statuses "$T/r503.out")"

# --- a budget of 2: the dry run says 3 would be quota_exhausted; the run makes
# 2 calls, the rest quota_exhausted, 75; the ledger holds 2
fake_post reset '{}'
run budgetdry --budget 2 --dry-run
t_contains "budget 2, dry run: 3 contacts would be quota_exhausted" "$T/budgetdry.err" \
	"linkedin-enrich: dry run: workspace acme: linkedin budget: needs 5 credits, 2 left this month: 3 contacts would be quota_exhausted (of 2 a month)"
t_eq "budget 2, dry run: no call" 0 "$(calls)"
run budget --budget 2
t_eq "budget 2: exit 75" 75 "$st"
t_eq "budget 2: 2 calls" 2 "$(calls)"
t_eq "budget 2: 2 enriched, 3 quota_exhausted" "enriched=2 quota_exhausted=3" "$(statuses "$T/budget.out")"
t_contains "budget 2: the reason names the setting" "$T/budget.out" "linkedin_monthly_budget reached (2 of 2"
fake_post reset '{}'
DEAL_ENRICH_DB=$T/db-budget DEAL_ENRICH_LINKEDIN_BUDGET=2 linkedin-enrich <"$IN" >"$T/budget2.out" 2>/dev/null
t_eq "budget 2: the next run finds it spent (ledger)" 0 "$(calls)"
t_eq "budget 2: the next run: the 2 cached, 3 still waiting" "enriched=2 quota_exhausted=3" "$(statuses "$T/budget2.out")"
t_workspace acme <<'EOF'
linkedin_monthly_budget = 3
EOF
DEAL_ENRICH_DB=$T/db-budget linkedin-enrich <"$IN" >/dev/null 2>&1
t_eq "budget in the workspace file: one more call" 1 "$(calls)"
rm "$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf"

# --- the endpoint's old path: RapidAPI says /enrich-lead does not exist
fake_post reset '{}'
fake_post config '{"linkedin_new_path_missing":true}'
run oldpath
t_eq "old path: exit 0" 0 "$st"
t_eq "old path: all enriched" "enriched=5" "$(statuses "$T/oldpath.out")"
t_eq "old path: 5 answers on the old path" 5 "$(fake_calls linkedin.person_old)"
t_eq "old path: one try of the new one" 1 "$(fake_calls linkedin.person)"
t_contains "old path: said once" "$T/oldpath.err" "asking /get-linkedin-profile instead"
fake_post reset '{}'
fake_post config '{"linkedin_new_path_missing":true,"linkedin_old_path_gone":true}'
run nopath --max-failures 9
t_eq "neither path: errors, exit 1" 1 "$st"
t_eq "neither path: all error" "error=5" "$(statuses "$T/nopath.out")"
t_eq "neither path: 2 calls" 2 "$(calls)"

# --- a malformed line: reported with its number, the others go on, 65
fake_post reset '{}'
{ head -n 1 "$IN"; echo '{"deal_id": oops}'; tail -n 1 "$IN"; } >"$T/bad.ndjson"
DEAL_ENRICH_DB=$T/db-bad linkedin-enrich <"$T/bad.ndjson" >"$T/bad.out" 2>"$T/bad.err"
t_eq "bad line: exit 65" 65 "$?"
t_contains "bad line: its number" "$T/bad.err" "stdin:2:"
t_eq "bad line: the 2 others out" 2 "$(wc -l <"$T/bad.out")"
t_status "stdout full: 74" 74 bash -c "DEAL_ENRICH_DB=$T/db-bad linkedin-enrich <'$IN' >/dev/full 2>/dev/null"

# --- the key in no output of the error paths (403 and 402 quote RapidAPI's answer)
t_check "outputs to search" test "$(cat "$T"/*.out "$T"/*.err | wc -l)" -gt 30
t_eq "key in no output, no stderr" "" "$(grep -laF "$RAPIDAPI_KEY" "$T"/*.out "$T"/*.err)"
t_eq "key in no db" "" "$(grep -rlaF "$RAPIDAPI_KEY" "$T"/db-* 2>/dev/null)"
