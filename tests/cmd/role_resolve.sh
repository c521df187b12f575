#!/usr/bin/env bash
# role-resolve: every layer on real records (CRM label, deal field matched by
# name, Apollo seniority, cross-deal in one stream, titles in six languages),
# precedence, input roles kept, order and unknown keys kept, null without
# evidence, unknown CRM labels reported, the CLI conventions.
source "$(dirname "$0")/../lib.sh"

IN=$DATA/roles/deals.ndjson
role-resolve <"$IN" >"$T/out" 2>"$T/err"; t_eq "runs" 0 "$?"
role() { # DEAL CONTACT_INDEX -> role/confidence/source
	jq -r --arg d "$1" --argjson i "$2" \
		'select(.deal_id==$d) | .contacts[$i] | "\(.buying_role)/\(.role_confidence)/\(.role_source)"' "$T/out"
}

t_eq "7 records out, in input order" "$(jq -r .deal_id "$IN" | paste -sd,)" "$(jq -r .deal_id "$T/out" | paste -sd,)"
t_eq "unknown keys and their order kept" \
	"$(jq -c 'del(.contacts, .roles_summary)' "$IN")" "$(jq -c 'del(.contacts, .roles_summary)' "$T/out")"
t_eq "contact keys kept, three added at the end" \
	"$(jq -c '[.contacts[]? | del(.buying_role, .role_confidence, .role_source)]' "$IN")" \
	"$(jq -c '[.contacts[]? | del(.buying_role, .role_confidence, .role_source)]' "$T/out")"
t_eq "every contact has the three fields" 0 \
	"$(jq '[.contacts[]? | select((has("buying_role") and has("role_confidence") and has("role_source")) | not)] | length' "$T/out" | paste -sd+ | bc)"

# layer 1: the CRM's contact role
t_eq "CRM label Economic Buyer: 0.95" "economic_buyer/0.95/crm_contact_role" "$(role 9100000001 0)"
t_eq "CRM label beats Apollo founder and the title" "technical_evaluator/0.95/crm_contact_role" "$(role 9100000005 1)"
# layer 2: deal fields naming a contact
t_eq "champion_name names Sam Ng, not Pat Ng" "champion/0.85/crm_deal_field" "$(role 9100000001 1)"
t_eq "Mary A. Smith is Mary Ann Smith" "decision_maker/0.85/crm_deal_field" "$(role 9100000003 0)"
t_eq "... and not John Smith" "influencer/0.5/title_inference" "$(role 9100000003 1)"
t_eq "Juergen Mueller is Jürgen Müller" "economic_buyer/0.85/crm_deal_field" "$(role 9100000003 2)"
t_eq "Mary Elizabeth Jones is not Mary Ann Jones" "end_user/0.5/title_inference" "$(role 9100000003 3)"
t_eq "P. Ng fits Pat and Paul Ng: neither" "influencer/0.5/title_inference|technical_evaluator/0.5/title_inference" \
	"$(role 9100000004 0)|$(role 9100000004 1)"
t_eq "José Núñez is JOSE NUNEZ" "blocker/0.85/crm_deal_field" "$(role 9100000004 2)"
role-resolve <<<'{"deal_id":"m","custom_fields":{"champion_name":"Ana María Kim"},"contacts":[{"first_name":"Bo","last_name":"Kim"},{"first_name":"ANA","last_name":"KIM"}]}' >"$T/mid" 2>/dev/null
t_eq "a champion field with a middle name (and an accent): Ana Kim, not Bo Kim" "null|champion" \
	"$(jq -r '[.contacts[].buying_role | tostring] | join("|")' "$T/mid")"
# layer 3: Apollo seniority
t_eq "c_suite beats the title Head of Sales" "decision_maker/0.75/apollo_seniority" "$(role 9100000005 0)"
t_eq "seniority senior says nothing: the title" "end_user/0.5/title_inference" "$(role 9100000005 2)"
# layer 4: cross-deal, the same email on an earlier deal of the account in this stream
t_eq "Pat (Pat@Globex.com, GLOBEX.com) was the economic buyer on the earlier deal" \
	"economic_buyer/0.7/cross_deal_pattern" "$(role 9100000002 0)"
t_eq "Sam was named champion on the earlier deal: beats his new title" \
	"champion/0.7/cross_deal_pattern" "$(role 9100000002 1)"
t_eq "Kim is new to the account: title" "end_user/0.5/title_inference" "$(role 9100000002 2)"
# layer 5: titles, in several languages
t_eq "titles: de fr es it nl pt, a trainee and no title" \
	"decision_maker,economic_buyer,technical_evaluator,null,influencer,technical_evaluator,economic_buyer,null" \
	"$(jq -r 'select(.deal_id=="9100000006") | [.contacts[].buying_role | tostring] | join(",")' "$T/out")"
# no evidence
t_eq "an intern with an unknown CRM label: null, null, null" "null/null/null" "$(role 9100000001 2)"
t_eq "the unknown CRM label stays as the CRM wrote it" "Legal Counsel" \
	"$(jq -r 'select(.deal_id=="9100000001") | .contacts[2].crm_role' "$T/out")"
t_contains "unknown CRM labels reported once" "$T/err" '"Legal Counsel" (1)'
t_eq "one line on stderr" 1 "$(wc -l <"$T/err")"
# input roles
t_eq "a stronger role on the input stays" "blocker/0.9/manual" "$(role 9100000005 3)"
t_eq "a weaker one is redone" "decision_maker/0.5/title_inference" "$(role 9100000005 4)"
# the summary
t_eq "roles_summary counts per role, all seven" \
	'{"decision_maker":2,"economic_buyer":0,"champion":0,"technical_evaluator":1,"influencer":0,"end_user":1,"blocker":1}' \
	"$(jq -c 'select(.deal_id=="9100000005") | .roles_summary' "$T/out")"
t_eq "a deal without contacts: zeros" 0 \
	"$(jq 'select(.deal_id=="9100000007") | .roles_summary | add' "$T/out")"

# a rerun over its own output changes nothing
role-resolve <"$T/out" >"$T/out2" 2>/dev/null; t_eq "rerun" 0 "$?"
t_eq "idempotent" "$(md5sum <"$T/out")" "$(md5sum <"$T/out2")"

# the in-stream memory can be turned off
role-resolve --stream-memory 0 <"$IN" 2>/dev/null >"$T/out3"
t_eq "--stream-memory 0: no cross-deal" "influencer/0.5/title_inference" \
	"$(jq -r 'select(.deal_id=="9100000002") | .contacts[0] | "\(.buying_role)/\(.role_confidence)/\(.role_source)"' "$T/out3")"

# --workspace decides the workspace, also for the in-stream memory
jq -c 'if .deal_id=="9100000001" then .workspace_id="other" else . end' "$IN" >"$T/mixed"
role-resolve <"$T/mixed" 2>/dev/null >"$T/out4"
t_eq "another workspace's deal is no evidence" "influencer/0.5/title_inference" \
	"$(jq -r 'select(.deal_id=="9100000002") | .contacts[0] | "\(.buying_role)/\(.role_source)"' "$T/out4" | sed 's|/|/0.5/|')"
role-resolve --workspace acme <"$T/mixed" 2>/dev/null >"$T/out5"
t_eq "--workspace acme: one workspace again" "economic_buyer/cross_deal_pattern" \
	"$(jq -r 'select(.deal_id=="9100000002") | .contacts[0] | "\(.buying_role)/\(.role_source)"' "$T/out5")"

# --crm-label and --deal-field extend the tables
role-resolve --crm-label 'Legal Counsel=blocker' --deal-field 'Sponsor__c=decision_maker' \
	<<<'{"deal_id":"1","Sponsor__c":"Lo, Kim","contacts":[{"crm_role":"legal counsel","title":"CFO"},{"first_name":"Kim","last_name":"Lo"}]}' \
	>"$T/out6" 2>"$T/err6"
t_eq "--crm-label maps an unknown label" "blocker/crm_contact_role" "$(jq -r '.contacts[0] | "\(.buying_role)/\(.role_source)"' "$T/out6")"
t_eq "--deal-field adds a field (Last, First)" "decision_maker/crm_deal_field" "$(jq -r '.contacts[1] | "\(.buying_role)/\(.role_source)"' "$T/out6")"
t_eq "no unknown-label notice then" "" "$(cat "$T/err6")"

# --explain and --print-tables
t_eq "--explain" "Directeur financier	economic_buyer	rule 13: @finance & @senior" \
	"$(role-resolve --explain 'Directeur financier')"
t_eq "--explain an unresolved title" "Stagiaire	null	rule 1" "$(role-resolve --explain Stagiaire | cut -d: -f1)"
role-resolve --print-tables >"$T/tables"
t_contains "--print-tables: CRM labels" "$T/tables" "$(printf '  %-28s %s' 'economic decision maker' economic_buyer)"
t_contains "--print-tables: title rules" "$T/tables" "@finance & @senior"

# bad input lines: reported with their number, the others pass, exit 65
printf '%s\nnot json\n%s\n' "$(head -1 "$IN")" "$(sed -n 2p "$IN")" >"$T/bad"
role-resolve --rejects "$T/rej" <"$T/bad" >"$T/out7" 2>"$T/err7"; t_eq "a bad line: exit 65" 65 "$?"
t_eq "the good records still out" 2 "$(wc -l <"$T/out7")"
t_contains "line number" "$T/err7" "stdin:2:"
t_eq "rejects file holds the line" "not json" "$(cat "$T/rej")"

# the CLI
role-resolve --help >"$T/help"; t_eq "--help exits 0" 0 "$?"
missing=""
for o in llm model llm-batch cache-days dry-run no-store stream-memory crm-label deal-field \
	print-tables explain db workspace rejects max-line max-depth unbuffered quiet verbose version help; do
	t_contains "--help lists --$o" "$T/help" "--$o"
done
t_eq "--version" "role-resolve 0.1.0" "$(role-resolve --version)"
t_status "unknown option: 64" 64 role-resolve --frobnicate </dev/null 2>/dev/null
t_status "--llm-batch 0: 64" 64 role-resolve --llm-batch 0 </dev/null 2>/dev/null
t_status "--stream-memory x: 64" 64 role-resolve --stream-memory x </dev/null 2>/dev/null
t_status "--crm-label without a role: 64" 64 role-resolve --crm-label Foo </dev/null 2>/dev/null
t_status "--crm-label to no role name: 64" 64 role-resolve --crm-label Foo=boss </dev/null 2>/dev/null
t_status "--dry-run without --llm: 64" 64 role-resolve --dry-run </dev/null 2>/dev/null
t_status "an argument: 64" 64 role-resolve file.ndjson </dev/null 2>/dev/null
t_status "stdout to /dev/full: 74" 74 role-resolve <"$IN" >/dev/full 2>/dev/null
t_status "--help to /dev/full: 74" 74 role-resolve --help >/dev/full 2>/dev/null
role-resolve </dev/null >"$T/empty"; t_eq "empty input: 0" 0 "$?"
t_eq "empty input: nothing out" 0 "$(wc -c <"$T/empty")"
role-resolve --unbuffered <"$IN" >"$T/out8" 2>/dev/null; t_eq "--unbuffered" 0 "$?"
t_eq "--unbuffered: same output" "$(md5sum <"$T/out")" "$(md5sum <"$T/out8")"
role-resolve --quiet <"$IN" >/dev/null 2>"$T/errq"
t_eq "--quiet: nothing on stderr" "" "$(cat "$T/errq")"
role-resolve --verbose <"$IN" >/dev/null 2>"$T/errv"
t_contains "--verbose: counts by source" "$T/errv" "by source: crm_contact_role 2, crm_deal_field 4, apollo_seniority 1, cross_deal_pattern 2"
t_check "no db was created by reading" test ! -e "$DEAL_ENRICH_DB"

# the man page renders and documents both tables (and the deal fields) as the code has them
MANWIDTH=3000 LC_ALL=C.UTF-8 man -l "$DE_ROOT/man/role-resolve.1" >"$T/man" 2>"$T/manerr"; t_eq "man page renders" 0 "$?"
t_eq "man page: no warnings" "" "$(cat "$T/manerr")"
sed -i 's/\xe2\x80\x90/-/g' "$T/man"   # groff's hyphen
missing=""
while IFS= read -r line; do
	grep -qF -- "$line" "$T/man" || missing="$missing[$line]"
done < <(role-resolve --print-tables | awk '
	/^CRM contact-role labels/ {s=1; next} /^Deal fields/ {s=2; next} /^Apollo/ {s=0}
	/^Title rules/ {s=3; next}
	s==1 && NF { sub(/^  /, ""); sub(/ +[a-z_()]+( [a-z)]+)?$/, ""); print }
	s==2 && /^  / { sub(/^  /, ""); sub(/ +[a-z_]+$/, ""); print }
	s==3 && /e\.g\./ { sub(/^ +e\.g\. /, ""); print }')
t_eq "man page: every CRM label, deal field and title rule example" "" "$missing"
t_eq "man page: every title rule" "$(role-resolve --print-tables | grep -cE '^ +[0-9]+ ')" \
	"$(grep -cE '^ +[0-9]+\. (unresolved|decision_maker|economic_buyer|champion|technical_evaluator|influencer|end_user|blocker)$' "$T/man")"
missing=""
for o in llm model llm-batch cache-days dry-run no-store stream-memory crm-label deal-field \
	print-tables explain db workspace rejects max-line max-depth unbuffered quiet verbose version help; do
	grep -qF -- "--$o" "$T/man" || missing="$missing --$o"
done
t_eq "man page documents every option" "" "$missing"
