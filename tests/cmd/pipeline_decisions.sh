#!/usr/bin/env bash
# What every stage decided on the example exports, against the fake API,
# compared field by field with the projection recorded before issue 13's
# refactor (tests/data/pipeline/decisions.txt): which deals are closed and
# kept, the statuses, roles, role sources and confidences, seniority,
# department, firmographics, signal types, scores, roles_summary and what
# linkedin-enrich decided (status, identity, the fields it filled). Times,
# and what follows from today's date (tenure), are left out.
# DE_RECORD=1 rewrites the recorded projection (only on purpose, with a
# commit that says why the decisions changed).
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key DEEPSEEK_API_KEY=test-deepseek-key \
	RAPIDAPI_KEY=test-rapidapi-key
E=$DE_ROOT/examples
WANT=$DATA/pipeline/decisions.txt
common=(--workspace acme)

# Every line "stage deal_id path = value" of one stage's records.
project() {
	jq -r --arg stage "$1" '
	def contact: {contact_id, email, crm_role, enrichment_status, job_changed,
		seniority_verified, department_verified, buying_role, role_confidence, role_source,

		apollo: (.apollo | if . then {status, cached, reason, error,
			person: (.person | if . then {id, seniority, departments, title} else null end)} else null end)}
		+ (if .linkedin then {linkedin: (.linkedin | {status, reason, identity, identity_by,
			company})} else {} end)
		+ (if .field_sources then {field_sources} else {} end);
	def record: {stage_normalized, status, enrichment_status,
		account: (.account | if . then {account_id, domain, firmographics,
			signals: (.signals | if . then {status, cached, classifier, score, summary,
				items: [.items[]? | {type, relevance, source_url}]} else null end)} else null end),
		contacts: [.contacts[]? | contact], roles_summary};
	(.record // .) as $r | ($r.deal_id // "-") as $id
	| (if .record then {stored_status: .status} + ($r | record) else $r | record end)
	| paths(type != "object" and type != "array") as $p | "\($stage) \($id) \($p | map(tostring) | join(".")) = \(getpath($p) | tojson)"'
}

deals-extract "${common[@]}" --today 2026-11-30 --lookback-months 24 --no-limit \
	"$E/hubspot-deals.csv" "$E/hubspot-contacts.csv" "$E/salesforce-opportunities.csv" \
	"$E/salesforce-contact-roles.csv" "$E/deals.ndjson" >"$T/extract" 2>"$T/err"
t_eq "deals-extract: exit 0" 0 "$?"
deals-filter --shard 1/2 <"$T/extract" >"$T/filter" 2>>"$T/err"
t_eq "deals-filter: exit 0" 0 "$?"
apollo-enrich "${common[@]}" <"$T/extract" >"$T/apollo" 2>>"$T/err"
t_eq "apollo-enrich: exit 0" 0 "$?"
serper-signals "${common[@]}" <"$T/apollo" >"$T/serper" 2>>"$T/err"
t_eq "serper-signals: exit 0" 0 "$?"
linkedin-enrich "${common[@]}" --delay-ms 0 <"$T/serper" >"$T/linkedin" 2>>"$T/err"
t_eq "linkedin-enrich: exit 0" 0 "$?"
role-resolve "${common[@]}" <"$T/linkedin" >"$T/roles" 2>>"$T/err"
t_eq "role-resolve: exit 0" 0 "$?"
role-resolve "${common[@]}" --llm <"$T/linkedin" >"$T/roles_llm" 2>>"$T/err"
t_eq "role-resolve --llm: exit 0" 0 "$?"
deals-load "${common[@]}" <"$T/roles_llm" >"$T/load" 2>>"$T/err"
t_eq "deals-load: exit 0" 0 "$?"
: >"$T/stored"
for id in $(jq -r .deal_id "$T/extract"); do
	enrich-summary "${common[@]}" --deal "$id" --raw >>"$T/stored" 2>>"$T/err" ||
		echo "{\"deal_id\":\"$id\",\"missing\":true}" >>"$T/stored"
done
t_lacks "no key on stderr" "$T/err" "test-"

{
	jq -r '"filter kept \(.deal_id)"' "$T/filter"
	for s in extract apollo serper linkedin roles roles_llm stored; do project "$s" <"$T/$s"; done
	jq -r 'del(.run_at) | to_entries[] | "load report \(.key) = \(.value | tojson)"' "$T/load"
} >"$T/got"

if [ "${DE_RECORD:-0}" = 1 ]; then cp "$T/got" "$WANT"; echo "# recorded $WANT"; fi
t_check "the projection covers every stage" test "$(cut -d' ' -f1 "$T/got" | sort -u | wc -l)" = 9
t_check "the recorded projection is not empty" test "$(wc -l <"$WANT")" -gt 1000
# One check per stage, naming each field that changed.
for s in filter extract apollo serper linkedin roles roles_llm stored load; do
	d=$(diff <(grep "^$s " "$WANT") <(grep "^$s " "$T/got") | grep '^[<>]' | head -n 20)
	t_eq "$s: every decision as recorded" "" "$d"
done
