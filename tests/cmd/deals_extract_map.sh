#!/usr/bin/env bash
# deals-extract on a CSV with columns no export alias knows (issue 14): through
# --map and --accounts, and the same through map.FIELD lines of the workspace
# file, to canonical records with the account's industry and size and the
# contact's LinkedIn URL (which linkedin-enrich reads); a typo'd map key (option: 64, workspace file: 78) and
# a map to a missing column (65) are clear errors; the CRM's firmographics
# survive apollo-enrich (the fake API), which fills only what they lack, and
# enrich-summary shows them.
source "$(dirname "$0")/../lib.sh"

D=$DATA/deals-extract
TODAY=--today=2026-11-30
MAP=(--map deal_id=opportunity_id --map deal_name=opp_name --map stage=deal_stage
	--map close_date=closed_on --map amount=close_value --map account.name=account
	--map account.industry=sector --map account.employees=Employees
	--map account.annual_revenue=revenue --map account.domain=web --map contact.email=contact_email)

# ---- --map and --accounts ----
deals-extract $TODAY --all "${MAP[@]}" --accounts "$D/map-accounts.csv" "$D/map-deals.csv" \
	>"$T/all" 2>"$T/all.err"
t_eq "--map --accounts: exit 0" 0 $?
t_eq "--map --accounts: stderr is empty" "" "$(cat "$T/all.err")"
t_eq "Won, Lost and Engaging are closed_won, closed_lost and open" \
	"OPP-3:open,OPP-1:closed_won,OPP-2:closed_lost,OPP-4:closed_won," \
	"$(jq -r '"\(.deal_id):\(.stage_normalized)"' "$T/all" | tr '\n' ,)"
deals-extract $TODAY "${MAP[@]}" --accounts "$D/map-accounts.csv" "$D/map-deals.csv" >"$T/closed"
t_eq "closed deals only without --all" "OPP-1,OPP-2,OPP-4," "$(jq -r .deal_id "$T/closed" | tr '\n' ,)"
t_eq "the canonical fields from the mapped columns" \
	'["Globex renewal","Won","2026-10-01",25000,"USD","Globex Corp","globex.com"]' \
	"$(jq -c 'select(.deal_id=="OPP-1") | [.deal_name, .stage, .close_date, .amount, .currency, .account.name, .account.domain]' "$T/closed")"
t_eq "industry from the deals file, size from the accounts file (joined by name, case and blanks aside)" \
	'{"industry":"oil & energy","employees":1600,"size_band":"1001-5000","annual_revenue":null,"source":"csv"}' \
	"$(jq -c 'select(.deal_id=="OPP-1") | .account.firmographics' "$T/closed")"
t_eq "the CRM's own copy, the same values" \
	"$(jq -c 'select(.deal_id=="OPP-1") | .account.firmographics' "$T/closed")" \
	"$(jq -c 'select(.deal_id=="OPP-1") | .account.crm_firmographics' "$T/closed")"
t_eq "'  initech ' joins Initech: its size and revenue" '[250,"201-500",40000000,"initech.com"]' \
	"$(jq -c 'select(.deal_id=="OPP-2") | .account | [.firmographics.employees, .firmographics.size_band, .firmographics.annual_revenue, .domain]' "$T/closed")"
t_eq "an account with no firmographics gets none" '["umbrella-corp.com",null,null]' \
	"$(jq -c 'select(.deal_id=="OPP-4") | .account | [.domain, .firmographics, .crm_firmographics]' "$T/closed")"
t_eq "the LinkedIn URL column is the contact's linkedin_url, mapped columns are no custom field" \
	'["pat.ng@globex.com","https://www.linkedin.com/in/pat-ng",{}]' \
	"$(jq -c 'select(.deal_id=="OPP-1") | [.contacts[0].email, .contacts[0].linkedin_url, .custom_fields]' "$T/closed")"

# ---- the same from the workspace file ----
t_workspace crmx <<'CONF'
map.deal_id = opportunity_id
map.deal_name = opp_name
map.stage = deal_stage
map.close_date = closed_on
map.amount = close_value
map.account.name = account
map.account.industry = sector
map.account.employees = Employees
map.account.annual_revenue = revenue
map.account.domain = web
map.contact.email = contact_email
CONF
deals-extract $TODAY --workspace crmx --accounts "$D/map-accounts.csv" "$D/map-deals.csv" >"$T/ws" 2>"$T/ws.err"
t_eq "map.* lines: exit 0" 0 $?
t_eq "map.* lines: the records --map gives" "$(jq -c 'del(.workspace_id)' "$T/closed")" "$(jq -c 'del(.workspace_id)' "$T/ws")"
deals-extract $TODAY --workspace crmx --map amount=opportunity_id --accounts "$D/map-accounts.csv" \
	"$D/map-deals.csv" 2>/dev/null | jq -r .amount >"$T/amt"
t_eq "--map wins over the file's map.amount" "" "$(grep -v null "$T/amt" | tr '\n' ,)"
RAPIDAPI_KEY=test-rapidapi-key linkedin-enrich --workspace crmx --dry-run <"$T/ws" >"$T/li" 2>"$T/li.err"
t_eq "linkedin-enrich --dry-run: exit 0" 0 $?
t_eq "linkedin-enrich takes the LinkedIn URL column's profile, and only it" "dry_run,skipped,skipped," \
	"$(jq -r '.contacts[].linkedin.status' "$T/li" | tr '\n' ,)"
t_contains "linkedin-enrich: one profile call" "$T/li.err" "1 profile calls in all"

# ---- errors ----
deals-extract $TODAY --map stgae=deal_stage "$D/map-deals.csv" >"$T/o" 2>"$T/e"
t_eq "--map typo: exit 64" 64 $?
t_contains "--map typo: names the closest field" "$T/e" "--map stgae=deal_stage: 'stgae' is not a field (did you mean stage?"
t_eq "--map typo: no output" "" "$(cat "$T/o")"
t_workspace typo <<'CONF'
map.deal_id = opportunity_id
map.stgae = deal_stage
CONF
deals-extract $TODAY --workspace typo "$D/map-deals.csv" >"$T/o" 2>"$T/e"
t_eq "map.stgae in the workspace file: exit 78" 78 $?
t_contains "map.stgae: the file, the line and the closest field" "$T/e" "typo.conf:2: unknown key 'map.stgae' (did you mean map.stage?"
t_workspace typo <<'CONF'
lookbak_months = 6
CONF
deals-extract $TODAY --workspace typo "$D/map-deals.csv" >/dev/null 2>"$T/e"
t_eq "other typos are still caught: exit 78" 78 $?
t_contains "other typos: did you mean" "$T/e" "did you mean lookback_months"
deals-extract $TODAY "${MAP[@]}" --map owner=rep --rejects "$T/rej" --accounts "$D/map-accounts.csv" \
	"$D/map-deals.csv" >"$T/o" 2>"$T/e"
t_eq "a map to a missing column: exit 65" 65 $?
t_contains "a missing column: named, with the map and the header's columns" "$T/e" \
	"map-deals.csv:1: no column 'rep' (--map owner=rep); the header's columns: 'opportunity_id', 'opp_name', 'deal_stage'"
t_eq "a missing column: the header is rejected" "$(head -n 1 "$D/map-deals.csv")" "$(cat "$T/rej")"
t_eq "a missing column: no half records" "" "$(cat "$T/o")"
deals-extract $TODAY "${MAP[@]}" "$D/map-deals.csv" >/dev/null 2>"$T/e"
t_eq "an accounts column with no --accounts file: exit 65" 65 $?
t_contains "an accounts column with no --accounts file: named" "$T/e" "no column 'Employees' (--map account.employees=Employees)"
printf 'Account,Employees,Revenue,Web\nGlobex Corp,many,,\nInitech,250,,\n' >"$T/badacc.csv"
deals-extract $TODAY "${MAP[@]}" --accounts "$T/badacc.csv" "$D/map-deals.csv" >"$T/o" 2>"$T/e"
t_eq "a bad accounts row: exit 65" 65 $?
t_contains "a bad accounts row: its line and why" "$T/e" "badacc.csv:2: employees 'many' is not a number"
t_eq "a bad accounts row: the other deals still go out" "OPP-1,OPP-2,OPP-4," "$(jq -r .deal_id "$T/o" | tr '\n' ,)"

# ---- the CRM's firmographics survive apollo-enrich, and enrich-summary shows them ----
t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key
apollo-enrich --workspace crmx <"$T/ws" >"$T/ap" 2>"$T/ap.err"
t_eq "apollo-enrich: exit 0" 0 $?
t_eq "apollo-enrich: every contact enriched" "enriched,enriched,enriched," \
	"$(jq -r '.contacts[].apollo.status' "$T/ap" | tr '\n' ,)"
t_eq "the CRM's industry and size stay; Apollo fills the revenue it lacked" \
	'["oil & energy",1600,"1001-5000","csv","apollo",true,true]' \
	"$(jq -c 'select(.deal_id=="OPP-1") | .account.firmographics | [.industry, .employees, .size_band, .source, .filled_by, (.annual_revenue > 0), (.founded_year > 0)]' "$T/ap")"
t_eq "crm_firmographics is untouched" \
	"$(jq -c 'select(.deal_id=="OPP-1") | .account.crm_firmographics' "$T/ws")" \
	"$(jq -c 'select(.deal_id=="OPP-1") | .account.crm_firmographics' "$T/ap")"
t_eq "Apollo fills the industry the CRM left empty, not the size it had" \
	'[true,250,40000000,"csv"]' \
	"$(jq -c 'select(.deal_id=="OPP-2") | .account.firmographics | [(.industry | type == "string"), .employees, .annual_revenue, .source]' "$T/ap")"
t_eq "the contact's linkedin_url passes through" "https://www.linkedin.com/in/pat-ng" \
	"$(jq -r 'select(.deal_id=="OPP-1") | .contacts[0].linkedin_url' "$T/ap")"
deals-load --workspace crmx <"$T/ap" >/dev/null 2>"$T/load.err"
t_eq "deals-load: exit 0" 0 $?
enrich-summary --workspace crmx --deal OPP-1 >"$T/sum" 2>"$T/sum.err"
t_eq "enrich-summary --deal: exit 0" 0 $?
t_eq "enrich-summary shows the CRM's industry and size" '["oil & energy","1001-5000","csv"]' \
	"$(jq -c '.account.firmographics | [.industry, .size_band, .source]' "$T/sum")"
enrich-summary --workspace crmx --deal OPP-1 --format table >"$T/tab" 2>/dev/null
t_contains "enrich-summary's table shows the CRM's industry" "$T/tab" "oil & energy"
