#!/usr/bin/env bash
# role-resolve --llm against the fake DeepSeek: only contacts no rule placed are
# asked about (never trainees, never the resolved, never twice the same facts),
# in one call; answers land with source llm 0.60; a rerun asks nothing; no key
# -> said once, rules stand; --dry-run; 402; the monthly budget; the key stays
# secret.
source "$(dirname "$0")/../lib.sh"

KEY=sekrit-deepseek-7f3a91c2
export FAKEAPI_KEYS=$KEY
t_start_fakeapi || exit 1
IN=$DATA/roles/llm.ndjson
calls() { fake_stat '.calls["deepseek.chat"] // 0'; }
roles() { jq -r '[.contacts[] | "\(.buying_role)/\(.role_source)"] | join(",")' "$1" | paste -sd'|'; }
rules_only=$(role-resolve <"$IN" 2>/dev/null | jq -r '[.contacts[] | "\(.buying_role)/\(.role_source)"] | join(",")' | paste -sd'|')

# ---- no key: said once, the rules stand, no call ----
role-resolve --llm <"$IN" >"$T/out0" 2>"$T/err0"; t_eq "no key: exit 0" 0 "$?"
t_eq "no key: said once (two deals of one workspace)" 1 "$(grep -c 'no DeepSeek key' "$T/err0")"
t_eq "no key: the rules' roles" "$rules_only" "$(roles "$T/out0")"
t_eq "no key: no call" 0 "$(calls)"

printf 'deepseek_api_key = %s\n' "$KEY" | t_workspace acme

# ---- dry run: nothing asked, the count told ----
role-resolve --llm --dry-run <"$IN" >"$T/outd" 2>"$T/errd"; t_eq "dry run: exit 0" 0 "$?"
t_eq "dry run: no call" 0 "$(calls)"
t_contains "dry run: 4 questions in 1 call" "$T/errd" "4 questions would go to DeepSeek in 1 call"
t_eq "dry run: the rules' roles" "$rules_only" "$(roles "$T/outd")"

# ---- the real run ----
role-resolve --llm <"$IN" >"$T/out1" 2>"$T/err1"; t_eq "exit 0" 0 "$?"
t_eq "one call" 1 "$(calls)"
t_eq "only the unresolved were asked, each set of facts once" \
	'["Friend of the family","Legal Counsel","Partner Relations","Purchasing"]' \
	"$(fake_stat '.asked["deepseek.contacts"] | sort' | jq -c .)"
t_eq "the answers, with source llm; the rest untouched" \
	"blocker/llm,economic_buyer/llm,economic_buyer/title_inference,null/null,null/null,null/null|blocker/llm,influencer/llm,champion/crm_contact_role|influencer/title_inference" \
	"$(roles "$T/out1")"
t_eq "confidence 0.60" 0.6 "$(jq -r 'select(.deal_id=="9200000001") | .contacts[0].role_confidence' "$T/out1")"
t_eq "roles_summary counts the llm's roles" \
	'{"decision_maker":0,"economic_buyer":2,"champion":0,"technical_evaluator":0,"influencer":0,"end_user":0,"blocker":1}' \
	"$(jq -c 'select(.deal_id=="9200000001") | .roles_summary' "$T/out1")"
t_eq "records in input order" "$(jq -r .deal_id "$IN" | paste -sd,)" "$(jq -r .deal_id "$T/out1" | paste -sd,)"
t_eq "no notice" "" "$(cat "$T/err1")"
sent=$(fake_stat '.requests[] | select(.endpoint=="deepseek.chat") | .body // empty' 2>/dev/null | head -c 100000)
t_lacks "no email in what was sent" <(echo "$sent") "@umbrella.com"

# ---- reruns ask nothing ----
role-resolve --llm <"$IN" >"$T/out2" 2>/dev/null; t_eq "rerun: exit 0" 0 "$?"
t_eq "rerun of the same input: no new call (cache)" 1 "$(calls)"
t_eq "rerun: the same roles" "$(roles "$T/out1")" "$(roles "$T/out2")"
role-resolve --llm <"$T/out1" >"$T/out3" 2>/dev/null
t_eq "rerun over the output: no new call" 1 "$(calls)"
t_eq "rerun over the output: the same roles" "$(roles "$T/out1")" "$(roles "$T/out3")"
role-resolve --llm --dry-run <"$IN" >/dev/null 2>"$T/errd2"
t_contains "dry run after: all from the cache" "$T/errd2" "5 contacts without a role could be asked about: 5 answered from the cache, 0 questions would go to DeepSeek in 0 calls"

# ---- batches ----
mk() { # titles... -> one deal with those titles
	local t c=""
	for t in "$@"; do c="$c${c:+,}{\"email\":\"$RANDOM@x.com\",\"title\":\"$t\"}"; done
	echo "{\"workspace_id\":\"acme\",\"deal_id\":\"$RANDOM\",\"account\":{\"domain\":\"x.com\"},\"contacts\":[$c]}"
}
mk "Compliance Auditor" "Procurement" "User Experience Researcher" >"$T/three"
role-resolve --llm --llm-batch 1 <"$T/three" >"$T/out4" 2>/dev/null; t_eq "--llm-batch 1: exit 0" 0 "$?"
t_eq "--llm-batch 1: a call per question" 4 "$(calls)"
t_eq "--llm-batch 1: the answers" "blocker/llm,economic_buyer/llm,end_user/llm" "$(roles "$T/out4")"

# ---- DeepSeek refuses: 402 ----
mk "Counsel" "Ombudsperson" >"$T/two"
mk "Board Observer" >"$T/one"
fake_post fault '{"provider":"deepseek","kind":"credits","count":-1}'
cat "$T/two" "$T/one" | role-resolve --llm --llm-batch 1 >"$T/out5" 2>"$T/err5"; t_eq "402: exit 1" 1 "$?"
t_eq "402: one call, then no more" 5 "$(calls)"
t_eq "402: said once" 1 "$(grep -c 'Insufficient Balance' "$T/err5")"
t_eq "402: every record out" 2 "$(wc -l <"$T/out5")"
t_eq "402: no role from the llm" 0 "$(jq '[.contacts[] | select(.role_source=="llm")] | length' "$T/out5" | paste -sd+ | bc)"
t_eq "402: every contact asked about, or left unasked after the refusal, carries role_error" \
	"true,true|true" \
	"$(jq -r '[.contacts[] | .role_error // "" | test("Insufficient Balance")] | join(",")' "$T/out5" | paste -sd'|')"
fake_post reset '{}'

# ---- DeepSeek unavailable: the contacts it was asked about are marked, a rerun asks again ----
marked() { jq -r '[.contacts[] | if .role_error then "E" elif .buying_role then "R" else "-" end] | join("")' "$1" | paste -sd'|'; }
fake_post fault '{"provider":"deepseek","kind":"503","count":-1}'
DEAL_ENRICH_DB=$T/db503 role-resolve --llm <"$IN" >"$T/out8" 2>"$T/err8"; t_eq "503: exit 1" 1 "$?"
t_eq "503: exactly the 5 contacts asked about carry role_error; the rules' roles stand" \
	"EER--E|EER|R" "$(marked "$T/out8")"
t_eq "503: role_error says why" 5 "$(jq '[.contacts[] | select(.role_error // "" | test("^DeepSeek: HTTP 503"))] | length' "$T/out8" | paste -sd+ | bc)"
t_eq "503: no role from the llm" 0 "$(jq '[.contacts[] | select(.role_source=="llm")] | length' "$T/out8" | paste -sd+ | bc)"
fake_post reset '{}'
DEAL_ENRICH_DB=$T/db503 role-resolve --llm <"$T/out8" >"$T/out9" 2>"$T/err9"; t_eq "503, rerun over the output: exit 0" 0 "$?"
t_eq "503, rerun: asked again, in one call" 1 "$(calls)"
t_eq "503, rerun: the roles of a healthy run" "$(roles "$T/out1")" "$(roles "$T/out9")"
t_eq "503, rerun: no role_error left" 0 "$(jq '[.contacts[] | select(has("role_error"))] | length' "$T/out9" | paste -sd+ | bc)"
fake_post reset '{}'

# ---- DeepSeek's queue and the HTTP options ----
fake_post fault '{"provider":"deepseek","kind":"queued","count":-1,"delay_ms":1200}'
DEAL_ENRICH_DB=$T/dbq role-resolve --llm <"$IN" >"$T/outq" 2>"$T/errq"; t_eq "queued: exit 0" 0 "$?"
t_eq "queued: one call" 1 "$(calls)"
t_eq "queued: the empty lines skipped, the roles of a healthy run" "$(roles "$T/out1")" "$(roles "$T/outq")"
fake_post reset '{}'
fake_post fault '{"provider":"deepseek","kind":"queued","count":-1,"delay_ms":4000}'
DEAL_ENRICH_DB=$T/dbq2 role-resolve --llm --timeout-ms 1000 --retries 0 <"$IN" >"$T/outq2" 2>"$T/errq2"
t_eq "queued past --timeout-ms: exit 1" 1 "$?"
t_eq "queued past --timeout-ms, --retries 0: one call" 1 "$(calls)"
t_eq "queued past --timeout-ms: the 5 contacts carry role_error" 5 \
	"$(jq '[.contacts[] | select(.role_error // "" | test("^DeepSeek: no answer"))] | length' "$T/outq2" | paste -sd+ | bc)"
fake_post reset '{}'
fake_post fault '{"provider":"deepseek","kind":"503","count":-1}'
DEAL_ENRICH_DB=$T/dbq3 role-resolve --llm --retries 1 --backoff-ms 0 <"$IN" >/dev/null 2>&1
t_eq "--retries 1: 503 asked twice" 2 "$(calls)"
fake_post reset '{}'
fake_post fault '{"provider":"deepseek","kind":"429","count":-1}'
DEAL_ENRICH_DB=$T/dbq4 role-resolve --llm --retry-429 0 <"$IN" >/dev/null 2>&1
t_eq "--retry-429 0: 429 asked once" 1 "$(calls)"
fake_post reset '{}'
t_status "--retries out of range: 64" 64 role-resolve --llm --retries 21 </dev/null
t_status "--backoff-429-ms not a number: 64" 64 role-resolve --llm --backoff-429-ms soon </dev/null

# ---- the monthly budget (tokens) ----
printf 'deepseek_api_key = %s\ndeepseek_monthly_budget = 1\n' "$KEY" | t_workspace acme
role-resolve --llm <"$T/two" >"$T/out6" 2>"$T/err6"; t_eq "budget reached: exit 75" 75 "$?"
t_eq "budget reached: no call" 0 "$(calls)"
t_contains "budget reached: said" "$T/err6" "deepseek_monthly_budget reached"
t_eq "budget reached: records out" 1 "$(wc -l <"$T/out6")"

# ---- the key stays secret ----
t_lacks "key not on stderr" <(cat "$T"/err*) "$KEY"
t_lacks "key not in the output" <(cat "$T"/out*) "$KEY"
t_check "key not in the db" bash -c "! grep -qa '$KEY' '$DEAL_ENRICH_DB/data.mdb'"
t_check "answers are in the cache" bash -c "grep -qa 'roles:' '$DEAL_ENRICH_DB/data.mdb'"

# ---- a key file others can read: 78 ----
chmod 644 "$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf"
role-resolve --llm <"$IN" >/dev/null 2>"$T/err7"; t_eq "readable key file: 78" 78 "$?"
t_contains "says how to fix it" "$T/err7" "chmod"
