#!/usr/bin/env bash
# deals-load --sql into a real PostgreSQL 15 server this test starts (initdb in
# a temporary folder, a unix socket there, no TCP): loaded twice with the same
# rows; a worse run loses nothing, as in the LMDB store; quotes, backslashes,
# $$, newlines, emoji and CJK come back intact, also with
# standard_conforming_strings off; the original service's verification query;
# who moved and lead scores in their columns; the README's SQL blocks as written;
# a cut stream loads nothing. Without PostgreSQL this test fails.
source "$(dirname "$0")/../lib.sh"

S=$DATA/store
GOOD=$S/good.ndjson
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ] || ! command -v psql >/dev/null; then
	t_fail "PostgreSQL 15 is installed ($PGBIN/initdb, pg_ctl, psql; make deps installs it)"
	exit 1
fi

# ---- a private server ----
PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/de-pg.XXXXXX")
PGPORT=$((20000 + RANDOM % 20000))
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres: "$PGDIR"
pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1; rm -rf "$PGDIR"; }
trap 'pg_stop; _t_cleanup' EXIT
as_pg "$PGBIN/initdb" -D "$PGDIR/data" -E UTF8 --locale=C -A trust -U postgres >"$T/initdb.log" 2>&1 ||
	{ t_fail "initdb" "$(tail -5 "$T/initdb.log")"; exit 1; }
as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 60 \
	-o "-c listen_addresses='' -k $PGDIR -p $PGPORT -c fsync=off" start >/dev/null 2>&1 ||
	{ t_fail "the server starts" "$(tail -5 "$PGDIR/log" 2>/dev/null)"; exit 1; }
t_ok "PostgreSQL started on a unix socket in its own folder"
export PGHOST=$PGDIR PGPORT PGUSER=postgres PGDATABASE=postgres
unset PGOPTIONS
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
load() { psql -X -q -v ON_ERROR_STOP=1 >"$T/psql.out" 2>"$T/psql.err"; }
counts() { q "SELECT (SELECT count(*) FROM accounts) || ' ' || (SELECT count(*) FROM account_signals) || ' ' ||
	(SELECT count(*) FROM deals) || ' ' || (SELECT count(*) FROM contacts) || ' ' || (SELECT count(*) FROM deal_contacts)"; }
# Every table without its load times and generated ids, as sorted JSON lines.
snapshot() {
	local t
	for t in accounts account_signals deals contacts deal_contacts; do
		q "SELECT row_to_json(x)::jsonb - 'updated_at' - 'loaded_at' - 'id' FROM $t x" | LC_ALL=C sort
	done
}

t_eq "server version 15" 15 "$(q 'SHOW server_version' | cut -d. -f1)"

# ---- the schema alone ----
q "CREATE DATABASE schemaonly" && deals-load --sql-schema | PGDATABASE=schemaonly load
t_eq "--sql-schema creates the five tables" "account_signals accounts contacts deal_contacts deals" \
	"$(PGDATABASE=schemaonly q "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")"
deals-load --sql-schema | PGDATABASE=schemaonly load; t_eq "and again (IF NOT EXISTS)" 0 $?

# ---- the first load ----
deals-load --sql <"$GOOD" >"$T/good.sql" 2>"$T/rep"; t_eq "deals-load --sql exits 0" 0 $?
t_eq "the report on stderr" 8 "$(jq .deals "$T/rep")"
t_eq "one transaction" "BEGIN; COMMIT;" "$(grep -E '^(BEGIN|COMMIT);$' "$T/good.sql" | paste -sd' ')"
load <"$T/good.sql"; t_eq "psql loads it" 0 $?
t_eq "psql says nothing" "" "$(cat "$T/psql.err")"
want_counts=$(jq -s -r 'include "lib" {search: "'"$S"'"};
	"\([.[] | account_key] | unique | length) \([.[] | select(.account.signals) | account_key] | unique | length) \(length) \([.[] | contacts[] | if has_email then (.email | ascii_downcase) else "id:\(.contact_id)" end] | unique | length) \([.[] | contacts[]] | length)"' "$GOOD")
t_eq "row counts: accounts, account_signals, deals, contacts, deal_contacts" "$want_counts" "$(counts)"
t_eq "row counts, by hand" "6 5 8 11 13" "$(counts)"
snapshot >"$T/snap1"

# ---- the same input again: the same rows ----
deals-load --sql <"$GOOD" 2>/dev/null | load; t_eq "second load exits 0" 0 $?
t_eq "the same row counts" "6 5 8 11 13" "$(counts)"
snapshot >"$T/snap2"
t_check "the same rows, column for column" cmp -s "$T/snap1" "$T/snap2"

# ---- the original service's verification query ----
q "SELECT dc.deal_id, dc.buying_role, dc.enrichment_status, dc.apollo_data IS NOT NULL as has_apollo,
	dc.seniority_verified, dc.department_verified
	FROM deal_contacts dc JOIN deals d ON d.id = dc.deal_id
	WHERE d.workspace_id = 'acme' AND dc.enrichment_status IS NOT NULL
	ORDER BY 1, 2 NULLS LAST LIMIT 20" >"$T/verify"
cat >"$T/verify.want" <<'EOF'
acme:1001|economic_buyer|enriched|t|c_level|finance
acme:1001|technical_evaluator|enriched|t|vp|engineering
acme:1001||skipped|f||
acme:1002|champion|enriched|t|director|engineering
acme:1002||error|f||
acme:1003|decision_maker|skipped|f||
acme:1004|decision_maker|enriched|t|c_level|operations
acme:1005|economic_buyer|enriched|t|c_level|finance
acme:1006|economic_buyer|enriched|t|c_level|finance
acme:1006|influencer|not_found|f||
acme:1007|decision_maker|enriched|t|owner|operations
acme:1008|decision_maker|enriched|t|c_level|executive
acme:1008|economic_buyer|enriched|t|c_level|finance
EOF
t_check "the verification query returns the expected rows" cmp -s "$T/verify.want" "$T/verify"
t_eq "has_apollo matches the input's enriched contacts" \
	"$(jq -s 'include "lib" {search: "'"$S"'"}; [.[] | contacts[] | select((apollo_status | rank) == 3)] | length' "$GOOD")" \
	"$(q "SELECT count(*) FROM deal_contacts WHERE apollo_data IS NOT NULL")"
t_eq "deal statuses as the store computes them" \
	"$(jq -r 'include "lib" {search: "'"$S"'"}; "acme:\(.deal_id)|\(deal_status)"' "$GOOD" | sort | paste -sd,)" \
	"$(q "SELECT id || '|' || enrichment_status FROM deals ORDER BY 1" | paste -sd,)"
t_eq "roles_summary recomputed from the rows" '{"economic_buyer": 1, "technical_evaluator": 1}' \
	"$(q "SELECT roles_summary FROM deals WHERE id = 'acme:1001'")"
t_eq "firmographics columns" "oil & energy|1600|1001-5000|100000000|1998" \
	"$(q "SELECT industry || '|' || employees || '|' || size_band || '|' || annual_revenue || '|' || founded_year FROM accounts WHERE id = 'acme:globex.com'")"
t_eq "signals columns" '2|0.6|Summary.' \
	"$(q "SELECT jsonb_array_length(signals) || '|' || signal_score || '|' || signal_summary FROM account_signals WHERE account_id = 'acme:globex.com'")"

# ---- linkedin-enrich's fields (issue 15), and a later run without a RapidAPI key ----
q "CREATE DATABASE li"
# A schema from before LinkedIn: the load adds the columns.
deals-load --sql-schema | PGDATABASE=li load
PGDATABASE=li q "ALTER TABLE deal_contacts DROP COLUMN linkedin_status, DROP COLUMN linkedin_data, DROP COLUMN field_sources"
li_deal() { # ana's linkedin status, its fields (true: filled), bo's status
	jq -nc --arg a "$1" --argjson f "$2" --arg b "$3" '{workspace_id:"acme", deal_id:"li1",
		stage_normalized:"closed_won", close_date:"2026-03-14", account:{name:"Globex",domain:"globex.com"},
		contacts:[{contact_id:"1", email:"ana@globex.com", apollo:{status:"not_found"},
			enrichment_status:"not_found", linkedin:({status:$a} + if $a == "enriched" then
			{identity:"past", company:"Hooli"} else {reason:"no RapidAPI key"} end)}
			+ if $f then {seniority_verified:"manager", department_verified:"operations",
			tenure_months:60, job_changed:true, new_employer:{name:"Hooli", domain:"hooli.com"},
			field_sources:{seniority_verified:["linkedin"], department_verified:["linkedin"],
			tenure_months:["linkedin"], job_changed:["linkedin"]}}
			else {seniority_verified:null, department_verified:null, tenure_months:null,
			job_changed:null} end,
			{contact_id:"2", email:"bo@globex.com", apollo:{status:"error"},
			enrichment_status:"error", linkedin:{status:$b}}]}'
}
li_row() { PGDATABASE=li q "SELECT dc.linkedin_status || '|' || COALESCE(dc.linkedin_data->>'company', '') || '|' ||
	COALESCE(dc.seniority_verified, '') || '|' || COALESCE(dc.tenure_months::text, '') || '|' ||
	COALESCE(dc.job_changed::text, '') || '|' || COALESCE(dc.new_company, '') || '|' ||
	COALESCE(dc.field_sources->>'tenure_months', '') FROM deal_contacts dc JOIN contacts c ON c.id = dc.contact_id
	WHERE dc.deal_id = 'acme:li1' ORDER BY c.email"; }
li_deal enriched true mismatch | deals-load --sql 2>/dev/null | PGDATABASE=li load
t_eq "linkedin: a schema from before gets the columns; status, profile, the fields it filled, their source" \
	'enriched|Hooli|manager|60|true|Hooli|["linkedin"]
mismatch||||||' "$(li_row)"
li_deal skipped false skipped | deals-load --sql 2>/dev/null | PGDATABASE=li load
t_eq "linkedin: a run without a key loses nothing" \
	'enriched|Hooli|manager|60|true|Hooli|["linkedin"]
mismatch||||||' "$(li_row)"
li_deal enriched true enriched | jq -c '.contacts[0].tenure_months = 61' | deals-load --sql 2>/dev/null | PGDATABASE=li load
t_eq "linkedin: an answer as good replaces it" \
	'enriched|Hooli|manager|61|true|Hooli|["linkedin"]
enriched||||||' "$(li_row)"

# ---- who moved, lead scores, and the README's SQL as written ----
q "CREATE DATABASE readme"
cat >"$T/profile.json" <<'EOF'
{"base_win_rate":0.5,"profile_at":"2026-12-01T00:00:00Z","window":{"to":"2026-11-15"},
 "model":{"intercept":0,"calibration":{"a":0,"b":1},
  "weights":[{"attribute":"account.firmographics.industry","value":"oil & energy","weight":1},
   {"attribute":"account.firmographics.industry","value":"biotechnology","weight":2}]}}
EOF
{
	# 1001 (won): its first contact moved, 1002's did not; 1004 (open) and 1006 (lost)
	# scored, then 1006 loaded again unscored.
	jq -c 'if .deal_id == "1001" then .contacts[0] += {job_changed: true, new_employer:
		{name: "Initech", domain: "initech.com", title: "CFO", since: "2026-10-01"}}
		elif .deal_id == "1002" then .contacts[0] += {job_changed: false} else . end' "$GOOD"
	jq -c 'select(.deal_id == "1004" or .deal_id == "1006")' "$GOOD" | lead-score --profile "$T/profile.json"
	jq -c 'select(.deal_id == "1006")' "$GOOD"
} | deals-load --sql 2>/dev/null | PGDATABASE=readme load
t_eq "the moved contact's columns" "t|Initech|CFO|initech.com" "$(PGDATABASE=readme q "SELECT job_changed,
	new_company, new_title, new_employer->>'domain' FROM deal_contacts WHERE job_changed")"
t_eq "a contact who did not move: false, no employer" "f||" "$(PGDATABASE=readme q "SELECT job_changed,
	new_company, new_employer FROM deal_contacts WHERE deal_id = 'acme:1002' AND job_changed IS NOT NULL")"
t_eq "the lead score columns (sigmoid(2) = 0.8808, sigmoid(1) = 0.7311), kept by a load without a score" \
	"acme:1004|88|0.8808|biotechnology|2026-12-01 00:00:00+00
acme:1006|73|0.7311|oil & energy|2026-12-01 00:00:00+00" "$(PGDATABASE=readme q "SET timezone = 'UTC'; SELECT id, lead_score,
	win_probability, lead_score_reasons->0->>'value', lead_scored_at FROM deals WHERE lead_score IS NOT NULL ORDER BY id")"
awk '/^```sql$/ {on = 1; n++; next} /^```$/ {on = 0} on {print > (dir "/readme" n ".sql")}' \
	dir="$T" "$DE_ROOT/README.md"
t_eq "the README has its three SQL examples" 3 "$(ls "$T"/readme*.sql | wc -l)"
for f in "$T"/readme*.sql; do
	PGDATABASE=readme psql -X -q -At -v ON_ERROR_STOP=1 -f "$f" >"$f.out" 2>"$f.err"
	t_eq "README $(basename "$f") runs as written" "0 " "$? $(cat "$f.err")"
done
t_eq "README: the verification query's 13 rows" 13 "$(wc -l <"$T/readme1.sql.out")"
t_eq "README: who moved" "Pat|Ng|economic_buyer|Initech|CFO|2026-10-01|Globex - New Business" "$(cat "$T/readme2.sql.out")"
t_eq "README: the open deal by lead score, with its strongest reason" \
	"1004|$(jq -r 'select(.deal_id == "1004") | .deal_name' "$GOOD")|88|0.8808|biotechnology" \
	"$(head -1 "$T/readme3.sql.out")"
t_check "README: the win rate by industry has oil & energy" grep -q "^oil & energy|" "$T/readme3.sql.out"

# ---- a worse run over the better one: the same answers as the LMDB store ----
deals-load --sql <"$S/worse.ndjson" 2>/dev/null | load; t_eq "worse run loads" 0 $?
t_eq "row counts: nothing removed" "6 5 8 11 13" "$(counts)"
deals-load <"$GOOD" >/dev/null && deals-load <"$S/worse.ndjson" >/dev/null
for d in $(jq -r .deal_id "$GOOD"); do enrich-summary --workspace acme --deal "$d" --raw; done |
	jq -r '"acme:\(.record.deal_id)" as $d | .status as $s | .record.contacts[]
		| "\($d)|\(.email // "" | ascii_downcase)|\(.buying_role // "")|\(.role_source // "")|\(.apollo.status // "")|\(.enriched_at // "")|\(.seniority_verified // "")|\(.tenure_months // "")|\($s)"' |
	sort >"$T/lmdb"
q "SELECT d.id || '|' || COALESCE(c.email, '') || '|' || COALESCE(dc.buying_role, '') || '|' ||
	COALESCE(dc.role_source, '') || '|' || COALESCE(dc.enrichment_status, '') || '|' ||
	COALESCE(to_char(dc.enriched_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') || '|' ||
	COALESCE(dc.seniority_verified, '') || '|' || COALESCE(dc.tenure_months::text, '') || '|' || d.enrichment_status
	FROM deal_contacts dc JOIN deals d ON d.id = dc.deal_id JOIN contacts c ON c.id = dc.contact_id" |
	awk -F'|' -v OFS='|' '{ $2 = tolower($2); print }' | sort >"$T/pg"
t_check "after the worse run, PostgreSQL holds what the store holds (roles, answers, times, statuses)" \
	diff "$T/lmdb" "$T/pg"
t_eq "Pat keeps his CRM role and his answer" "economic_buyer|crm_contact_role|enriched|c_level" \
	"$(q "SELECT buying_role || '|' || role_source || '|' || enrichment_status || '|' || seniority_verified FROM deal_contacts WHERE deal_id = 'acme:1001' AND contact_id = 'acme:pat@globex.com'")"
t_eq "Globex keeps its firmographics and signals" "oil & energy|enriched|0.6" \
	"$(q "SELECT a.industry || '|' || s.status || '|' || s.signal_score FROM accounts a JOIN account_signals s ON s.account_id = a.id WHERE a.id = 'acme:globex.com'")"
t_eq "Hooli gains its firmographics and signals" "internet|enriched|0.1" \
	"$(q "SELECT a.industry || '|' || s.status || '|' || s.signal_score FROM accounts a JOIN account_signals s ON s.account_id = a.id WHERE a.id = 'acme:hooli.com'")"
t_eq "Globex - Renewal: the new name" "Globex - Renewal" "$(q "SELECT name FROM deals WHERE id = 'acme:1001'")"

# ---- nasty strings come back intact ----
N=$S/nasty.ndjson
deals-load --sql <"$N" 2>/dev/null | load; t_eq "nasty strings load" 0 $?
t_eq "psql says nothing about them" "" "$(cat "$T/psql.err")"
# The texts as the input has them (NUL as U+FFFD; 1e400 in jsonb as a string).
jq -c 'select(.deal_id != "nul") | {
	deal: .deal_id, name: .deal_name, owner, cf: (.custom_fields | .big = "1e400"),
	account: .account.name, industry: .account.firmographics.industry,
	summary: .account.signals.summary, items: .account.signals.items,
	email: .contacts[0].email, first: .contacts[0].first_name, last: .contacts[0].last_name,
	title: .contacts[0].title, crm_role: .contacts[0].crm_role, seniority: .contacts[0].seniority_verified,
	department: .contacts[0].department_verified, apollo: .contacts[0].apollo,
	last2: .contacts[1].last_name, title2: .contacts[1].title}' "$N" |
	sed 's/"big":1.7976931348623157e+308/"big":"1e400"/' | jq -S -c . >"$T/nasty.want"
q "SELECT json_build_object('deal', d.crm_deal_id, 'name', d.name, 'owner', d.owner, 'cf', d.custom_fields,
	'account', a.name, 'industry', a.industry, 'summary', s.signal_summary, 'items', s.signals,
	'email', c.email, 'first', c.first_name, 'last', c.last_name, 'title', c.title, 'crm_role', dc.crm_role,
	'seniority', dc.seniority_verified, 'department', dc.department_verified, 'apollo', dc.apollo_data,
	'last2', c2.last_name, 'title2', c2.title)
	FROM deals d JOIN accounts a ON a.id = d.account_id JOIN account_signals s ON s.account_id = a.id
	JOIN deal_contacts dc ON dc.deal_id = d.id JOIN contacts c ON c.id = dc.contact_id AND c.email IS NOT NULL
	JOIN deal_contacts dc2 ON dc2.deal_id = d.id JOIN contacts c2 ON c2.id = dc2.contact_id AND c2.email IS NULL
	WHERE d.crm_deal_id = 'q''\"\\ \$\$ 1'" | jq -S -c . >"$T/nasty.got"
t_check "quotes, backslashes, \$\$, newlines, tabs, emoji, CJK, RTL: all intact" diff "$T/nasty.want" "$T/nasty.got"
t_eq "the ids are quoted too" "acme:q'\"\\ \$\$ 1|acme:straße.example|acme:zoë.o'connor@straße.example" \
	"$(q "SELECT d.id || '|' || d.account_id || '|' || dc.contact_id FROM deals d JOIN deal_contacts dc ON dc.deal_id = d.id WHERE d.name LIKE 'O''Brien%' AND dc.crm_role IS NOT NULL")"
t_eq "NUL becomes U+FFFD, in text and in jsonb" "a�b|v�|�" \
	"$(q "SELECT d.name || '|' || (d.custom_fields->>'k') || '|' || (dc.apollo_data->'person'->>'t') FROM deals d JOIN deal_contacts dc ON dc.deal_id = d.id WHERE d.id = 'acme:nul'")"
t_eq "values a column cannot take are NULL: 2026-02-30, 1e999, a bad time, a huge tenure" "||||enriched" \
	"$(q "SELECT COALESCE(d.close_date::text, '') || '|' || COALESCE(d.amount::text, '') || '|' || COALESCE(dc.enriched_at::text, '') || '|' || COALESCE(dc.tenure_months::text, '') || '|' || dc.enrichment_status FROM deals d JOIN deal_contacts dc ON dc.deal_id = d.id WHERE d.id = 'acme:nul'")"

# ---- the same with standard_conforming_strings off, into a fresh database ----
q "CREATE DATABASE noconform"
deals-load --sql <"$N" 2>/dev/null | PGDATABASE=noconform PGOPTIONS='-c standard_conforming_strings=off' load
t_eq "loads with standard_conforming_strings off" 0 $?
t_eq "the backslashes are still intact" "$(jq -r 'select(.deal_id != "nul") | .owner' "$N")" \
	"$(PGDATABASE=noconform q "SELECT owner FROM deals WHERE id LIKE 'acme:q%'")"

# ---- a cut stream commits nothing ----
before=$(counts)
jq -c '.deal_id = "cut-" + .deal_id' "$GOOD" | deals-load --sql 2>/dev/null | head -c 20000 | load
t_eq "a stream cut before COMMIT adds no row" "$before" "$(counts)"
t_eq "no cut-* deal" 0 "$(q "SELECT count(*) FROM deals WHERE crm_deal_id LIKE 'cut-%'")"
