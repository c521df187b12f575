#!/usr/bin/env bash
# pipelines/enrich-closed-deals with every real program, on the example exports,
# against the fake API: every closed deal in the store, enriched, with roles and
# signals; the run report and the run log; a crashed stage; a provider down;
# a dry run; a --pending rerun.
source "$(dirname "$0")/../lib.sh"
jqe() { jq -e "$@" >/dev/null; }
jqse() { jq -se "$@" >/dev/null; }

t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key DEEPSEEK_API_KEY=test-deepseek-key
P=$DE_ROOT/pipelines/enrich-closed-deals
E=$DE_ROOT/examples
INPUTS=("$E/hubspot-deals.csv" "$E/hubspot-contacts.csv" "$E/salesforce-opportunities.csv"
	"$E/salesforce-contact-roles.csv" "$E/deals.ndjson")
WIN=(--today 2026-11-30 --lookback-months 24)
LOG=$XDG_STATE_HOME/deal-enrich/runs.ndjson

# What the store must hold: every closed deal of the exports, by deals-extract itself.
deals-extract --workspace acme "${WIN[@]}" --no-limit "${INPUTS[@]}" >"$T/closed.ndjson" 2>/dev/null
n_closed=$(wc -l <"$T/closed.ndjson")
t_check "the exports hold closed deals" test "$n_closed" -ge 15
# Deals with at least one contact email can be enriched; the others are stored as failed.
jq -r 'select([.contacts[]?.email | select(. != null and . != "")] | length > 0) | .deal_id' \
	"$T/closed.ndjson" | sort >"$T/enrichable"
jq -r .deal_id "$T/closed.ndjson" | sort >"$T/closed.ids"

# --- the full run, on a dry run first
"$P" --workspace acme "${WIN[@]}" --no-limit --dry-run "${INPUTS[@]}" >"$T/dry.json" 2>"$T/dry.err"
t_eq "dry run: exit 0" 0 "$?"
t_eq "dry run: no call at all" 0 "$(fake_stat '.total')"
t_check "dry run: the estimates of apollo-enrich and serper-signals are in the report" \
	jq -e '(.estimates["apollo-enrich"] | length) > 0 and (.estimates["serper-signals"] | length) > 0' "$T/dry.json"
t_check "dry run: nothing stored" bash -c "! enrich-summary --workspace acme --deal $(head -n 1 "$T/closed.ids") >/dev/null 2>&1"
t_eq "dry run, no budget set: no budget figures" "{}" "$(jq -c .budget "$T/dry.json")"

# --- a dry run past the budgets: the report carries the figures as numbers
emails=$(apollo-enrich --workspace acme --dry-run --stats-json <"$T/closed.ndjson" 2>&1 >/dev/null |
	grep '^{' | jq .emails_asked)
t_check "the exports ask Apollo for more than 5 emails ($emails)" test "$emails" -gt 5
DEAL_ENRICH_APOLLO_BUDGET=5 DEAL_ENRICH_SERPER_BUDGET=2 \
	"$P" --workspace acme "${WIN[@]}" --no-limit --dry-run "${INPUTS[@]}" >"$T/drybud.json" 2>"$T/drybud.err"
t_eq "dry run past the budgets: exit 0, no call" "0 0" "$? $(fake_stat '.total')"
t_eq "dry run past the budgets: Apollo's figures" \
	"{\"needed\":$emails,\"left\":5,\"would_be_exhausted\":$((emails - 5))}" "$(jq -c .budget.apollo "$T/drybud.json")"
t_check "dry run past the budgets: Serper's, numbers, 2 left, some accounts short" jqe '.budget.serper
	| (.needed | type) == "number" and .needed > 2 and .left == 2 and .would_be_exhausted > 0' "$T/drybud.json"
t_contains "dry run past the budgets: the last line says so" "$T/drybud.err" \
	"apollo budget: needs $emails credits, 5 left this month: $((emails - 5)) would be quota_exhausted"

"$P" --workspace acme "${WIN[@]}" --no-limit "${INPUTS[@]}" >"$T/run.json" 2>"$T/run.err"
rc=$?
t_eq "full pipeline: exit 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/# /' "$T/run.err" | tail -n 5
t_eq "full pipeline: status ok" ok "$(jq -r .status "$T/run.json")"
t_eq "report: every closed deal extracted and stored" "$n_closed $n_closed" "$(jq -r '"\(.extracted) \(.deals)"' "$T/run.json")"
t_eq "report: enriched deals = the deals with an email" "$(wc -l <"$T/enrichable")" "$(jq .enriched_deals "$T/run.json")"
t_check "report: every stage exit 0, 6 stages and the background search, timed" jqe '(.stages | length) == 7
	and .stages[6].stage == "serper-prefetch" and .stages[6].background
	and all(.stages[]; .exit == 0 and (.elapsed_ms | type) == "number")' "$T/run.json"
t_eq "report: the stages saw every record" "$n_closed $n_closed $n_closed $n_closed $n_closed $n_closed" \
	"$(jq -r '[.stages[] | select(.background | not) | .records_out] | join(" ")' "$T/run.json")"
t_eq "run log: the report appended" "$(cat "$T/run.json")" "$(tail -n 1 "$LOG")"
t_lacks "no key in the report" "$T/run.json" "test-apollo-key"
t_lacks "no key on stderr" "$T/run.err" "test-"
t_check "the last line says ok" bash -c "tail -n 1 '$T/run.err' | grep -q '^enrich-closed-deals: acme: ok: $n_closed deals stored'"

# --- the store, deal by deal
: >"$T/stored"
for id in $(cat "$T/closed.ids"); do
	enrich-summary --workspace acme --deal "$id" --raw >>"$T/stored" 2>/dev/null || echo "{\"missing\":\"$id\"}" >>"$T/stored"
done
t_eq "every closed deal is in the store" "$(cat "$T/closed.ids")" "$(jq -r '.record.deal_id // .missing' "$T/stored" | sort)"
t_eq "no open deal in the store" "" "$(jq -r 'select(.record.stage_normalized == "open") | .record.deal_id' "$T/stored")"
t_eq "the deals with an email are stored as enriched" "$(cat "$T/enrichable")" \
	"$(jq -r 'select(.status == "enriched") | .record.deal_id' "$T/stored" | sort)"
t_check "every contact with an email: Apollo data" jqse '[.[].record.contacts[]? | select(.email != null)]
	| length > 20 and all(.[]; .enrichment_status == "enriched" and .apollo.status == "enriched"
	                      and (.seniority_verified | type) == "string")' "$T/stored"
t_check "every contact with an email: a buying role, confidence and source" jqse '
	[.[].record.contacts[]? | select(.email != null)] | all(.[]; (.buying_role | type) == "string"
	 and (.role_confidence | type) == "number" and (.role_source | type) == "string")' "$T/stored"
t_check "roles from the CRM outrank the others where the CRM gave one" jqse '
	[.[].record.contacts[]? | select(.crm_role != null and .crm_role != "" and .email != null)]
	| length > 5 and all(.[]; .role_source == "crm_contact_role")' "$T/stored"
t_check "every deal with an email: a roles_summary" jqse '[.[] | select(.status == "enriched") | .record.roles_summary]
	| all(.[]; type == "object" and length > 0)' "$T/stored"
t_check "every enriched deal's account: signals with items, a summary and a score" jqse '
	[.[] | select(.status == "enriched") | .record.account.signals]
	| all(.[]; .status == "enriched" and (.items | length) > 0 and (.summary | length) > 0
	           and .score >= -1 and .score <= 1)' "$T/stored"
t_check "firmographics on the accounts (from Apollo's organizations)" jqse '[.[] | select(.status == "enriched") | .record.account.firmographics]
	| (map(select((.industry? | type) == "string")) | length) >= (length * 3 / 4)' "$T/stored"
t_check "the CRM's own fields kept (amount, custom fields)" jqse '
	any(.[]; .record.deal_id == "9000000001" and .record.amount == 125000
	         and .record.custom_fields.champion_name == "Pat Ng")' "$T/stored"

# --- a rerun with --pending: nothing paid twice
calls=$(fake_stat '(.calls["apollo.bulk_match"] // 0) + (.calls["serper.search"] // 0)')
"$P" --workspace acme "${WIN[@]}" --no-limit --pending "${INPUTS[@]}" >"$T/again.json" 2>"$T/again.err"
t_eq "--pending rerun: exit 0" 0 "$?"
t_eq "--pending rerun: only the deals not enriched come again" \
	"$((n_closed - $(wc -l <"$T/enrichable")))" "$(jq .extracted "$T/again.json")"
t_eq "--pending rerun: no Apollo or Serper call" "$calls" \
	"$(fake_stat '(.calls["apollo.bulk_match"] // 0) + (.calls["serper.search"] // 0)')"

# --- a stage that crashes, with the real programs around it
DEAL_ENRICH_ROLES=false "$P" --workspace crash "${WIN[@]}" --no-limit "${INPUTS[@]}" >"$T/crash.json" 2>"$T/crash.err"
rc=$?
t_check "role-resolve replaced by false: exit non-zero" test "$rc" -ne 0
t_check "... the last line names role-resolve" bash -c "tail -n 1 '$T/crash.err' | grep -q 'failed (exit $rc): role-resolve exited 1'"
t_eq "... the report says failed, role-resolve" "failed role-resolve" "$(jq -r '"\(.status) \(.stage)"' "$T/crash.json")"

# --- a provider down: degraded, every record stored
fake_post reset '{}'
fake_post fault '{"provider":"apollo","kind":"500","count":-1}'
DEAL_ENRICH_APOLLO="apollo-enrich --retries 0 --max-failures 1" \
	"$P" --workspace down "${WIN[@]}" --no-limit "${INPUTS[@]}" >"$T/down.json" 2>"$T/down.err"
rc=$?
t_check "Apollo down: degraded exit (1 or 69)" test "$rc" = 69 -o "$rc" = 1
t_eq "Apollo down: status degraded, apollo-enrich named" "degraded apollo-enrich" "$(jq -r '"\(.status) \(.stage)"' "$T/down.json")"
t_eq "Apollo down: every record stored" "$n_closed" "$(jq .deals "$T/down.json")"
t_check "Apollo down: the last line says degraded and why" bash -c "tail -n 1 '$T/down.err' | grep -q 'degraded (exit $rc): $n_closed deals stored.*apollo-enrich exited $rc'"
t_check "Apollo down: the other providers still ran" test "$(fake_stat '.calls["serper.search"] // 0')" -gt 0
fake_post reset '{}'
