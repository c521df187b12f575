#!/usr/bin/env bash
# deals-extract: the example exports come out as canonical records (every closed
# deal of the window once, with its contacts, no open deal); malformed lines are
# named, rejected raw, and the rest goes on (65); passthrough byte for byte;
# /dev/full fails; limits, lookback, --pending, stage maps, encodings, usage.
source "$(dirname "$0")/../lib.sh"

EX=$DE_ROOT/examples
D=$DATA/deals-extract
TODAY=--today=2026-11-28

# ---- the examples ----
deals-extract $TODAY "$EX/hubspot-deals.csv" "$EX/hubspot-contacts.csv" >"$T/hs" 2>"$T/hs.err"
t_eq "hubspot examples exit 0" 0 $?
t_check "hubspot examples: the expected records" cmp "$T/hs" "$D/hubspot.ndjson"
t_check "hubspot examples: jq reads every line" jq -e . "$T/hs" >/dev/null
t_eq "hubspot examples: stderr is empty" "" "$(cat "$T/hs.err")"
t_eq "hubspot: every closed deal of the window once, newest first" \
	"9000000010,9000000001,9000000012,9000000002,9000000003,9000000005,9000000006," \
	"$(jq -r .deal_id "$T/hs" | tr '\n' ,)"
t_eq "hubspot: no open deal" 0 "$(jq -s '[.[] | select(.stage_normalized == "open")] | length' "$T/hs")"
t_eq "hubspot: every deal has its contacts" "2,3,3,4,3,3,2," "$(jq -r '.contacts | length' "$T/hs" | tr '\n' ,)"
t_eq "hubspot: keys in the canonical order" \
	"workspace_id,deal_id,deal_name,stage,stage_normalized,close_date,amount,currency,owner,source,custom_fields,account,contacts" \
	"$(jq -r 'keys_unsorted | join(",")' "$T/hs" | sort -u)"
t_eq "hubspot: contact keys in order (linkedin_url where the export has one)" \
	"contact_id,email,first_name,last_name,title,crm_role
contact_id,email,first_name,last_name,title,crm_role,linkedin_url" \
	"$(jq -r '.contacts[] | keys_unsorted | join(",")' "$T/hs" | sort -u)"
t_eq "hubspot: the LinkedIn URL column, on the two contacts that have one" "222 225" \
	"$(jq -r '.contacts[] | select(.linkedin_url) | .contact_id' "$T/hs" | sort | paste -sd' ')"
t_eq "hubspot: ids are strings" '"string"' "$(jq -c '[.deal_id, .account.account_id, .contacts[].contact_id] | map(type) | unique | .[]' "$T/hs" | sort -u)"
t_eq "hubspot: \$310,500.00 is 310500 USD, a URL is a domain" '[310500,"USD","umbrella-corp.com"]' \
	"$(jq -c 'select(.deal_id=="9000000003") | [.amount, .currency, .account.domain]' "$T/hs")"
t_eq "hubspot: a quoted field with a comma and a line end" '"Security review done,\nsend MSA; legal signed off"' \
	"$(jq -c 'select(.deal_id=="9000000003") | .custom_fields.deal_description' "$T/hs")"
t_eq "hubspot: domain from work emails, never gmail" vandelay-industries.com \
	"$(jq -r 'select(.deal_id=="9000000012") | .account.domain' "$T/hs")"
t_eq "hubspot: the placeholder email is no email" null \
	"$(jq -r 'select(.deal_id=="9000000002") | .contacts[] | select(.contact_id=="225") | .email' "$T/hs")"
t_eq "hubspot: the same contact on two deals of one account" 2 \
	"$(jq -r '.contacts[] | select(.email=="pat@globex.com") | .email' "$T/hs" | wc -l)"

deals-extract $TODAY "$EX/salesforce-contact-roles.csv" "$EX/salesforce-opportunities.csv" >"$T/sf" 2>"$T/sf.err"
t_eq "salesforce examples exit 0" 0 $?
t_check "salesforce examples: the expected records" cmp "$T/sf" "$D/salesforce.ndjson"
t_eq "salesforce: closed deals of the window, footers skipped" \
	"0065g00000AbCdIAAV,0065g00000AbCdFAAV,0065g00000AbCdEAAV,0065g00000AbCdHAAV,0065g00000AbCdLAAV," \
	"$(jq -r .deal_id "$T/sf" | tr '\n' ,)"
t_eq "salesforce: roles joined by the 15-character ID, M/D/Y dates, currency column" \
	'["2026-09-15",84000,"USD","samir@initrode.com:Technical Buyer,joanna.lee@initrode.com:Economic Buyer"]' \
	"$(jq -c 'select(.deal_id=="0065g00000AbCdEAAV") | [.close_date, .amount, .currency, ([.contacts[] | "\(.email):\(.crm_role)"] | join(","))]' "$T/sf")"
t_eq "salesforce: GBP amount" '[250000,"GBP"]' \
	"$(jq -c 'select(.deal_id=="0065g00000AbCdHAAV") | [.amount, .currency]' "$T/sf")"
t_eq "salesforce: domain from work emails, not yahoo.com" weyland-yutani.com \
	"$(jq -r 'select(.deal_id=="0065g00000AbCdLAAV") | .account.domain' "$T/sf")"

deals-extract $TODAY "$EX/deals.ndjson" >"$T/nd" 2>"$T/nd.err"
t_eq "ndjson example exits 0" 0 $?
t_check "ndjson example: the expected records" cmp "$T/nd" "$D/ndjson.ndjson"
t_eq "ndjson: canonical, flat HubSpot and Salesforce rows, no open deal" \
	"9100000003,9100000002,9100000001,0065g00000XyZaBAAV," "$(jq -r .deal_id "$T/nd" | tr '\n' ,)"
t_eq "ndjson: canonical record keeps its order and unknown keys, gains stage_normalized" \
	'["workspace_id","deal_id","deal_name","stage","close_date","amount","owner","source","account","contacts","note","currency","stage_normalized"]' \
	"$(jq -c 'select(.deal_id=="9100000002") | keys_unsorted' "$T/nd")"

# every closed deal of every example once, backfill order
deals-extract $TODAY --no-limit --lookback-months 24 "$EX"/*.csv "$EX/deals.ndjson" >"$T/all" 2>/dev/null
t_eq "all examples, 24 months, no limit: every closed deal once" "19 19" \
	"$(jq -r .deal_id "$T/all" | wc -l) $(jq -r .deal_id "$T/all" | sort -u | wc -l)"
t_eq "--no-limit keeps input order" "9000000001,9000000002,9000000003," \
	"$(jq -r .deal_id "$T/all" | head -3 | tr '\n' ,)"
t_eq "no open deal among them" 0 "$(jq -s '[.[] | select(.stage_normalized=="open")] | length' "$T/all")"

# ---- passthrough ----
IN='{"amount":0.1,"n":12345678901234567891,"x":{"keep":"me"}}'
out=$(printf '%s\n' "$IN" | deals-extract --all 2>"$T/pt.err")
t_eq "passthrough with --all exits 0" 0 $?
t_eq "passthrough: byte for byte, then the fields it adds" \
	"${IN%\}},\"workspace_id\":\"default\",\"stage_normalized\":\"open\"}" "$out"
t_contains "a record without a stage is counted on stderr" "$T/pt.err" "1 record without a stage read as open"
out=$(printf '%s\n' "$IN" | deals-extract 2>"$T/pt2.err"); rc=$?
t_eq "without --all the stageless record is left out, exit 0" "0:" "$rc:$out"
t_contains "and stderr says so" "$T/pt2.err" "left out (--all keeps them)"
IN2='{"workspace_id":"acme","deal_id":"77","stage_normalized":"closed_won","close_date":"2026-11-01","amount":0.1,"n":12345678901234567891,"x":{"keep":"me"},"account":{"domain":"b.co","k":[]},"contacts":[{"email":"a@b.co","z":1.50}]}'
t_eq "a canonical closed record passes unchanged" "$IN2" "$(printf '%s\n' "$IN2" | deals-extract $TODAY)"

# ---- malformed lines ----
deals-extract $TODAY --rejects "$T/rej" "$D/malformed.ndjson" >"$T/m.out" 2>"$T/m.err"
t_eq "malformed ndjson exits 65" 65 $?
t_eq "every good record out" "m1,m2,m4,m6,m8,m12," "$(jq -r .deal_id "$T/m.out" | tr '\n' ,)"
for n in 3 5 7 10 11; do
	t_contains "bad line $n named" "$T/m.err" "deals-extract: $D/malformed.ndjson:$n: "
done
t_eq "5 bad lines, 5 messages" 5 "$(wc -l <"$T/m.err")"
t_eq "the raw lines in --rejects" "$(sed -n '3p;5p;7p;10p;11p' "$D/malformed.ndjson")" "$(cat "$T/rej")"

deals-extract $TODAY --no-limit --rejects "$T/crej" <"$D/malformed.csv" >"$T/c.out" 2>"$T/c.err"
t_eq "malformed csv on stdin exits 65" 65 $?
t_eq "every good row out, a stray quote costs one line" "c1,c2,c5,c10,c12," "$(jq -r .deal_id "$T/c.out" | tr '\n' ,)"
for n in 4 5 7 8 9 10 12; do
	t_contains "bad row $n named" "$T/c.err" "deals-extract: stdin:$n: "
done
t_contains "why: field count" "$T/c.err" "stdin:4: 4 fields, the header has 7"
t_contains "why: date" "$T/c.err" "stdin:5: close date 'not a date' is not a YYYY-MM-DD or M/D/Y date"
t_contains "why: quote" "$T/c.err" "stdin:10: a quoted field opened on this line is never closed"
t_eq "the raw rows in --rejects, CRLF and all" "$(sed -n '4,5p;7,10p;12p' "$D/malformed.csv" | od -c)" "$(od -c <"$T/crej")"

# ---- output errors ----
deals-extract $TODAY "$EX/hubspot-deals.csv" >/dev/full 2>"$T/full.err"
t_eq "> /dev/full exits 74" 74 $?
t_contains "> /dev/full says why" "$T/full.err" "No space left on device"
deals-extract $TODAY --no-limit --lookback-months 24 "$EX/hubspot-deals.csv" >/dev/full 2>"$T/full2.err"
t_eq "> /dev/full streaming exits 74" 74 $?
t_contains "> /dev/full streaming says why" "$T/full2.err" "deals-extract: "

# ---- limits and lookback ----
t_eq "--limit 3: the 3 newest closed" "9000000010,9000000001,9000000012," \
	"$(deals-extract $TODAY --limit 3 "$EX/hubspot-deals.csv" | jq -r .deal_id | tr '\n' ,)"
t_eq "--limit 1 over several files" 9000000010 \
	"$(deals-extract $TODAY --limit 1 "$EX/salesforce-opportunities.csv" "$EX/hubspot-deals.csv" | jq -r .deal_id)"
t_eq "--lookback-months 1: closed since 2026-10-28" 9000000010 \
	"$(deals-extract $TODAY --lookback-months 1 "$EX/hubspot-deals.csv" | jq -r .deal_id)"
t_eq "--lookback-months 24: the older ones too" 9 \
	"$(deals-extract $TODAY --lookback-months 24 "$EX/hubspot-deals.csv" | wc -l)"
t_eq "--all: open deals too (the lookback is for closed ones)" "closed_lost:2,closed_won:5,open:3," \
	"$(deals-extract $TODAY --all "$EX/hubspot-deals.csv" | jq -r .stage_normalized | sort | uniq -c | awk '{printf "%s:%s,", $2, $1}')"
printf 'lookback_months = 12\ncurrency = USD\n' | t_workspace acme
t_eq "workspace lookback_months = 12" 9 \
	"$(deals-extract $TODAY --workspace acme "$EX/hubspot-deals.csv" | wc -l)"
t_eq "the flag wins over the workspace" 7 \
	"$(deals-extract $TODAY --workspace acme --lookback-months 6 "$EX/hubspot-deals.csv" | wc -l)"
t_eq "--workspace sets workspace_id; the workspace currency fills the gaps" "acme USD" \
	"$(deals-extract $TODAY --workspace acme "$EX/hubspot-deals.csv" | jq -r '"\(.workspace_id) \(.currency)"' | sort -u)"
printf 'lookback_months = 30\n' | t_workspace bad
deals-extract $TODAY --workspace bad "$EX/hubspot-deals.csv" >/dev/null 2>"$T/ws.err"
t_eq "a lookback_months out of range in the workspace file: 78" 78 $?
t_contains "and the message gives the range" "$T/ws.err" "24"

# ---- usage errors ----
usage() { # NAME EXPECTED_TEXT ARGS...
	local name=$1 text=$2; shift 2
	deals-extract "$@" </dev/null >"$T/u.out" 2>"$T/u.err"
	t_eq "$name: exit 64" 64 $?
	t_contains "$name: message" "$T/u.err" "$text"
}
usage "--limit 0" "--limit: '0' is not an integer from 1 to 100" --limit 0
usage "--limit 101" "from 1 to 100" --limit 101
usage "--limit abc" "from 1 to 100" --limit abc
usage "--lookback-months 25" "--lookback-months: '25' is not an integer from 1 to 24" --lookback-months 25
usage "--lookback-months 0" "from 1 to 24" --lookback-months 0
usage "--limit with --no-limit" "exclude each other" --limit 5 --no-limit
usage "--format xml" "--format: 'xml' is not auto, csv, hubspot, salesforce or ndjson" --format xml
usage "--today bad" "--today: '2026-13-01' is not a YYYY-MM-DD date" --today 2026-13-01
usage "--date-order ymd" "--date-order: 'ymd' is not mdy or dmy" --date-order ymd
usage "unknown option" "unknown option" --frobnicate
usage "bad workspace" "--workspace: '../x' is not a workspace id" --workspace ../x
usage "--stage-map missing" "--stage-map: " --stage-map "$T/nope"
usage "--contacts ndjson" "takes a CSV contacts export" --contacts "$EX/deals.ndjson"

deals-extract --help >"$T/help"; t_eq "--help exits 0" 0 $?
for o in --format --contacts --all --lookback-months --limit --no-limit --pending --today \
	--stage-map --date-order --db --workspace --rejects --max-line --max-depth --unbuffered \
	--quiet --verbose --help --version; do
	t_contains "--help lists $o" "$T/help" "$o"
done
t_eq "--version" "deals-extract 0.1.0" "$(deals-extract --version)"
t_check "the man page renders" sh -c "man -l '$DE_ROOT/man/deals-extract.1' >/dev/null 2>&1"

# ---- inputs ----
deals-extract $TODAY "$T/missing.csv" >/dev/null 2>"$T/miss.err"
t_eq "a missing file: 74" 74 $?
t_contains "a missing file: named" "$T/miss.err" "missing.csv: No such file or directory"
printf 'foo,bar\n1,2\n' >"$T/unknown.csv"
deals-extract $TODAY "$T/unknown.csv" >/dev/null 2>"$T/unk.err"
t_eq "an export nobody can read: 65" 65 $?
t_contains "an export nobody can read: why" "$T/unk.err" "unknown.csv:1: cannot tell what export this is"
printf 'PK\003\004\024\000\006\000rest of a zip' >"$T/deals.xlsx"
deals-extract $TODAY "$T/deals.xlsx" >/dev/null 2>"$T/xlsx.err"
t_eq "an XLSX export: 65" 65 $?
t_contains "an XLSX export: how to convert it" "$T/xlsx.err" "deals.xlsx: an Excel workbook (XLSX/XLS), not CSV: export it as CSV"
t_eq "stdin with --contacts" "$(cat "$D/hubspot.ndjson")" \
	"$(deals-extract $TODAY --contacts "$EX/hubspot-contacts.csv" <"$EX/hubspot-deals.csv")"
iconv -f UTF-8 -t UTF-16 "$EX/hubspot-deals.csv" >"$T/u16.csv"
t_eq "UTF-16 export (two BOMs) read as UTF-8" "$(cat "$D/hubspot.ndjson")" \
	"$(deals-extract $TODAY "$T/u16.csv" "$EX/hubspot-contacts.csv")"
iconv -f UTF-8 -t UTF-16BE "$EX/hubspot-contacts.csv" | tail -c +3 >"$T/c16be.csv"
t_eq "UTF-16BE contacts without a BOM" "$(cat "$D/hubspot.ndjson")" \
	"$(deals-extract $TODAY "$EX/hubspot-deals.csv" "$T/c16be.csv")"
out=$(deals-extract $TODAY --date-order dmy "$D/semicolon.csv")
t_eq "';' separators, BOM, D/M/Y, euro amounts, Associated Contact labels" \
	'["702","2026-10-02",99000,"EUR",null,0]["701","2026-09-30",1234.56,"EUR","wonka.de",2]' \
	"$(jq -c '[.deal_id, .close_date, .amount, .currency, .account.domain, (.contacts|length)]' <<<"$out" | tr -d '\n')"
deals-extract $TODAY "$D/semicolon.csv" >/dev/null 2>"$T/dmy.err"
t_eq "the same dates as M/D/Y: bad rows" 65 $?
t_contains "no guessing: 30/09/2026 is not M/D/Y" "$T/dmy.err" "semicolon.csv:2: close date '30/09/2026'"
printf 'date_order = dmy\n' | t_workspace eu
t_eq "workspace date_order = dmy" 2 "$(deals-extract $TODAY --workspace eu "$D/semicolon.csv" | wc -l)"
t_eq "--format ndjson on a CSV: every line bad" 65 \
	"$(deals-extract $TODAY --format ndjson "$EX/hubspot-deals.csv" >/dev/null 2>&1; echo $?)"

# ---- stage maps ----
deals-extract $TODAY "$D/custom-pipeline.csv" >"$T/p.out" 2>"$T/p.err"
t_eq "custom stages without a map: read as open, left out" 0 "$(wc -l <"$T/p.out")"
t_contains "and named on stderr" "$T/p.err" "stage 'Contract Signed' (1 deal) read as open; map it with --stage-map"
t_eq "--stage-map FILE" "p1:closed_won,p2:closed_lost," \
	"$(deals-extract $TODAY --no-limit --stage-map "$D/stage-map.conf" "$D/custom-pipeline.csv" 2>/dev/null | jq -r '"\(.deal_id):\(.stage_normalized)"' | tr '\n' ,)"
printf 'stage_map = Contract Signed = closed_won; Verbal Yes = won\n' | t_workspace pipe
t_eq "workspace stage_map inline" "p1,p3," \
	"$(deals-extract $TODAY --no-limit --workspace pipe "$D/custom-pipeline.csv" 2>/dev/null | jq -r .deal_id | tr '\n' ,)"
t_eq "generic CSV: contact_email makes the contact and the domain" '["csv","globex.com","pat@globex.com"]' \
	"$(deals-extract $TODAY --stage-map "$D/stage-map.conf" "$D/custom-pipeline.csv" 2>/dev/null | jq -c 'select(.deal_id=="p1") | [.source, .account.domain, .contacts[0].email]')"

# ---- --pending against the store ----
mkdir -p "$T/store"
{
	printf 'default\\1f9000000001\n{"status":"enriched","loaded_at":"2026-11-20T00:00:00Z","record":{}}\n'
	printf 'default\\1f9000000003\n{"status":"partial","loaded_at":"2026-11-20T00:00:00Z","record":{}}\n'
	printf 'other\\1f9000000002\n{"status":"enriched","loaded_at":"2026-11-20T00:00:00Z","record":{}}\n'
	printf 'acme\\1f9000000005\n{"status":"enriched","loaded_at":"2026-11-20T00:00:00Z","record":{}}\n'
} | mdb_load -T -s deals "$T/store"
for tbl in cache usage index meta; do printf '' | mdb_load -T -s $tbl "$T/store"; done
t_eq "--pending leaves out the enriched, keeps partial and other workspaces' deals" \
	"9000000010,9000000012,9000000002,9000000003,9000000005,9000000006," \
	"$(deals-extract $TODAY --pending --db "$T/store" "$EX/hubspot-deals.csv" | jq -r .deal_id | tr '\n' ,)"
t_eq "--pending with --workspace acme" "9000000010,9000000001,9000000012,9000000002,9000000003,9000000006," \
	"$(DEAL_ENRICH_DB=$T/store deals-extract $TODAY --pending --workspace acme --lookback-months 6 "$EX/hubspot-deals.csv" | jq -r .deal_id | tr '\n' ,)"
t_eq "--pending without a store: every deal" 7 \
	"$(deals-extract $TODAY --pending --db "$T/none" --quiet "$EX/hubspot-deals.csv" | wc -l)"
t_check "--pending does not create a store" test ! -e "$T/none"

# The window ends on --today: a deal closed after it is not in the last N months.
printf '%s\n' '{"deal_id":"f1","stage_normalized":"closed_won","close_date":"2026-12-01","account":{"name":"A"},"contacts":[]}' \
	'{"deal_id":"f2","stage_normalized":"closed_won","close_date":"2026-11-01","account":{"name":"A"},"contacts":[]}' >"$T/future.ndjson"
t_eq "a deal closed after --today is left out" "f2" \
	"$(deals-extract --today 2026-11-28 "$T/future.ndjson" | jq -r .deal_id | tr '\n' ' ' | sed 's/ $//')"
