#!/usr/bin/env bash
# deals-load into the LMDB store: the run report equals what jq computes from
# the input; loading the same records twice leaves the store byte for byte the
# same; a worse run over a better one loses nothing; the role index; --tee;
# bad lines; exit codes; --help and the man page.
source "$(dirname "$0")/../lib.sh"

S=$DATA/store
GOOD=$S/good.ndjson
WORSE=$S/worse.ndjson
dumpdb() { mdb_dump -p -s "$1" "$DEAL_ENRICH_DB"; }
# key<TAB>value lines of a table (non-printing bytes as \xx, 0x1f as \1f)
pairs() { dumpdb "$1" | sed -n '/^HEADER=END$/,/^DATA=END$/p' | sed '1d;$d;s/^ //' | paste - -; }
stored() { enrich-summary --workspace acme --deal "$1" --raw; }

# ---- help, version, man page ----
deals-load --help >"$T/help"; t_eq "--help exits 0" 0 $?
for o in --tee --sql --no-schema --sql-schema --batch --db --workspace --rejects --max-line \
	--max-depth --unbuffered --quiet --verbose --help --version; do
	t_contains "--help lists $o" "$T/help" "$o"
done
t_check "--version" test -n "$(deals-load --version)"
man -l "$DE_ROOT/man/deals-load.1" >"$T/man" 2>"$T/manerr"; t_eq "man page renders" 0 $?
t_lacks "man page renders without warnings" "$T/manerr" "warning"
for o in --tee --sql --sql-schema --no-schema --batch; do
	t_contains "man page documents $o" "$T/man" "$o"
done
deals-load --bogus </dev/null >/dev/null 2>&1; t_eq "unknown option: 64" 64 $?
deals-load --batch 0 </dev/null >/dev/null 2>&1; t_eq "--batch 0: 64" 64 $?
deals-load --sql --tee </dev/null >/dev/null 2>&1; t_eq "--sql with --tee: 64" 64 $?
deals-load --workspace 'a b' </dev/null >/dev/null 2>&1; t_eq "bad --workspace: 64" 64 $?

# ---- the first load: the report is what jq computes from the input ----
deals-load <"$GOOD" >"$T/rep1" 2>"$T/err1"; t_eq "first load exits 0" 0 $?
t_eq "one report line" 1 "$(wc -l <"$T/rep1")"
want=$(jq -s -c --arg ws acme 'include "lib" {search: "'"$S"'"};
	status_stats($ws) as $s | map(select(closed | not)) as $open |
	{workspace: $ws, deals: length,
	 enriched_deals: map(select(deal_status == "enriched")) | length,
	 partial_deals: map(select(deal_status == "partial")) | length,
	 failed_deals: map(select(deal_status == "failed")) | length,
	 contacts: [.[] | contacts[]] | length,
	 roles_resolved: [.[] | contacts[] | select(has_role)] | length,
	 apollo_enriched: [.[] | contacts[] | select((apollo_status | rank) == 3)] | length,
	 accounts_with_signals: [.[] | select(.account.signals.status == "enriched") | account_key] | unique | length,
	 unchanged_deals: 0, bad_lines: 0}' "$GOOD")
t_eq "report numbers equal jq's" "$want" "$(jq -c 'del(.run_at)' "$T/rep1")"
t_eq "report numbers, by hand" '8 6 1 1 13 11 9 4' \
	"$(jq -r '"\(.deals) \(.enriched_deals) \(.partial_deals) \(.failed_deals) \(.contacts) \(.roles_resolved) \(.apollo_enriched) \(.accounts_with_signals)"' "$T/rep1")"
t_check "run_at is a UTC time" grep -Eq '"run_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"' "$T/rep1"
t_eq "nothing on stderr" "" "$(cat "$T/err1")"
t_eq "8 deals stored" 8 "$(dumpdb deals | grep -c '^ acme\\1f')"
t_eq "stored value: status, loaded_at, record" '["status","loaded_at","record"]' "$(stored 1001 | jq -c keys_unsorted)"
t_eq "stored record is the input record" "$(sed -n 1p "$GOOD" | jq -S -c .)" "$(stored 1001 | jq -S -c .record)"
t_eq "deal statuses" "enriched partial failed enriched enriched enriched enriched enriched" \
	"$(for d in 1001 1002 1003 1004 1005 1006 1007 1008; do stored $d | jq -r .status; done | tr '\n' ' ' | sed 's/ $//')"
t_eq "statuses equal jq's" "$(jq -r 'include "lib" {search: "'"$S"'"}; deal_status' "$GOOD" | tr '\n' ' ')" \
	"$(for d in 1001 1002 1003 1004 1005 1006 1007 1008; do stored $d | jq -r .status; done | tr '\n' ' ')"

# ---- the role index role-resolve reads ----
pairs index | grep -F '\1frole\1f' >"$T/index"
t_check "index: Pat on deal 1001 (account key, lowercased email, deal)" \
	grep -qF 'acme\1frole\1fglobex.com\1fpat@globex.com\1f1001	{"buying_role":"economic_buyer","role_confidence":0.95,"role_source":"crm_contact_role","close_date":"2026-09-10"}' "$T/index"
t_check "index: Pat on deal 1005" grep -qF 'globex.com\1fpat@globex.com\1f1005	' "$T/index"
t_lacks "index: no entry for Pat's inferred cross-deal role on 1006" "$T/index" 'pat@globex.com\1f1006'
t_check "index: Kim on 1006 (title guess, kept with its source)" grep -qF 'kim@globex.com\1f1006	{"buying_role":"influencer","role_confidence":0.5,"role_source":"title_inference"' "$T/index"
t_lacks "index: no contact without an email" "$T/index" 'sam'
t_eq "index: one entry per emailed contact with a role, but cross-deal ones" \
	"$(jq -s 'include "lib" {search: "'"$S"'"}; [.[] | contacts[] | select(has_email and has_role and .role_source != "cross_deal_pattern")] | length' "$GOOD")" \
	"$(wc -l <"$T/index")"

# ---- the same records again: the store does not change ----
dumpdb deals >"$T/deals1"; dumpdb index >"$T/index1"
deals-load <"$GOOD" >"$T/rep2"; t_eq "second load exits 0" 0 $?
dumpdb deals >"$T/deals2"; dumpdb index >"$T/index2"
t_check "deals table byte for byte the same" cmp -s "$T/deals1" "$T/deals2"
t_check "index table byte for byte the same" cmp -s "$T/index1" "$T/index2"
t_eq "report: 8 unchanged" 8 "$(jq .unchanged_deals "$T/rep2")"
t_eq "report numbers the same" "$(jq -c 'del(.run_at, .unchanged_deals)' "$T/rep1")" "$(jq -c 'del(.run_at, .unchanged_deals)' "$T/rep2")"
# and with one record per transaction, shuffled: the same store
rm -rf "$T/db2"
tac "$GOOD" | DEAL_ENRICH_DB=$T/db2 deals-load --batch 1 >/dev/null
mdb_dump -p -s deals "$T/db2" | sed 's/"loaded_at":"[^"]*"//' >"$T/deals3"
sed 's/"loaded_at":"[^"]*"//' "$T/deals1" >"$T/deals1n"
t_check "another order, --batch 1: the same deals" cmp -s "$T/deals1n" "$T/deals3"

# ---- a worse run over the better one ----
deals-load <"$WORSE" >"$T/rep3"; t_eq "worse run exits 0" 0 $?
for d in 1001 1002 1003; do stored $d >"$T/s$d"; done
r1=$T/s1001
t_eq "1001: Pat keeps his Apollo answer over an error" \
	'["enriched","enriched","c_level","finance",55,"2026-11-02T07:00:12Z"]' \
	"$(jq -c '.record.contacts[0] | [.apollo.status, .enrichment_status, .seniority_verified, .department_verified, .tenure_months, .enriched_at]' "$r1")"
t_eq "1001: Pat keeps his CRM role over a title guess" '["economic_buyer",0.95,"crm_contact_role"]' \
	"$(jq -c '.record.contacts[0] | [.buying_role, .role_confidence, .role_source]' "$r1")"
t_eq "1001: Lee's equal-confidence title guess replaces the old one" '["end_user",0.5,"title_inference"]' \
	"$(jq -c '.record.contacts[1] | [.buying_role, .role_confidence, .role_source]' "$r1")"
t_eq "1001: Lee keeps his answer and its time" '["enriched","2026-11-03T08:00:00Z",20]' \
	"$(jq -c '.record.contacts[1] | [.apollo.status, .enriched_at, .tenure_months]' "$r1")"
t_eq "1001: Sam, missing from the new run, stays" 'Sam' "$(jq -r '.record.contacts[2].first_name' "$r1")"
t_eq "1001: firmographics and signals kept" '["oil & energy","enriched",2]' \
	"$(jq -c '.record.account | [.firmographics.industry, .signals.status, (.signals.items | length)]' "$r1")"
t_eq "1001: new name, new key, old extra key" '["Globex - Renewal",1,{"keep":"me"}]' \
	"$(jq -c '.record | [.deal_name, .x_new, .x_custom]' "$r1")"
t_eq "1001: roles_summary counts the kept roles" '{"economic_buyer":1,"end_user":1}' "$(jq -c '.record.roles_summary' "$r1")"
t_eq "1001: still enriched" enriched "$(jq -r .status "$r1")"
t_eq "1002: Bill's enriched answer stays over not_found; Peter's new answer comes in" \
	'["enriched","champion","enriched","2026-11-20T09:30:00Z"]' \
	"$(jq -c '.record.contacts | [.[0].apollo.status, .[0].buying_role, .[1].apollo.status, .[1].enriched_at]' "$T/s1002")"
t_eq "1002: firmographics and signals kept over quota_exhausted" '["computer software","enriched"]' \
	"$(jq -c '.record.account | [.firmographics.industry, .signals.status]' "$T/s1002")"
t_eq "1002: partial -> enriched" enriched "$(jq -r .status "$T/s1002")"
t_eq "1003: a stronger role replaces a weaker one" '["decision_maker",0.95,"crm_contact_role","enriched"]' \
	"$(jq -c '[.record.contacts[0] | .buying_role, .role_confidence, .role_source, .apollo.status]' "$T/s1003")"
t_eq "1003: failed -> enriched" enriched "$(jq -r .status "$T/s1003")"
# nothing lost, checked over every deal of the better run
for d in $(jq -r .deal_id "$GOOD"); do stored "$d" | jq -c .record; done >"$T/after"
lost=$(jq -n --slurpfile old "$GOOD" --slurpfile new "$T/after" '
	[range($old | length) as $i | $old[$i] as $o | $new[$i] as $n
	 | ($o.contacts[] | . as $oc
	    | ($n.contacts | map(select(.contact_id == $oc.contact_id)) | .[0]) as $nc
	    | select($nc == null
	        or (($oc.apollo.status == "enriched") and ($nc.apollo.status != "enriched"))
	        or ($oc.buying_role != null and (($nc.role_confidence // 0) < $oc.role_confidence))
	        or ($oc.enriched_at != null and $nc.enriched_at < $oc.enriched_at))
	    | "\($o.deal_id)/\($oc.contact_id)"),
	   (select($o.account.firmographics != null and $n.account.firmographics == null) | "\($o.deal_id) firmographics"),
	   (select($o.account.signals.status == "enriched" and $n.account.signals.status != "enriched") | "\($o.deal_id) signals"),
	   ($o | keys[] | select(. as $k | $n | has($k) | not) | "\($o.deal_id) key \(.)")]')
t_eq "no contact, answer, role, time, account data or key of the better run lost" '[]' "$(jq -c . <<<"$lost")"
deals-load <"$WORSE" >"$T/rep4"
t_eq "the worse run again changes nothing" 3 "$(jq .unchanged_deals "$T/rep4")"

# ---- --tee: records through, report on stderr ----
DEAL_ENRICH_DB=$T/dbtee deals-load --tee <"$GOOD" >"$T/tee" 2>"$T/teeerr"; t_eq "--tee exits 0" 0 $?
t_eq "--tee passes the records through unchanged" "$(jq -c . "$GOOD")" "$(jq -c . "$T/tee")"
t_eq "--tee: the report on stderr" 8 "$(jq .deals "$T/teeerr")"
DEAL_ENRICH_DB=$T/dbtee deals-load --tee --quiet <"$GOOD" >/dev/null 2>"$T/teeq"
t_eq "--tee --quiet: nothing on stderr" "" "$(cat "$T/teeq")"

# ---- workspaces ----
DEAL_ENRICH_DB=$T/dbws deals-load --workspace beta <"$GOOD" >"$T/repb"
t_eq "--workspace overrides workspace_id" beta "$(jq -r .workspace "$T/repb")"
t_eq "... and the deals are under it" 8 "$(mdb_dump -p -s deals "$T/dbws" | grep -c '^ beta\\1f')"
{ sed -n 1p "$GOOD"; sed -n 2p "$GOOD" | jq -c '.workspace_id = "other"'; } |
	DEAL_ENRICH_DB=$T/dbws deals-load >"$T/rep2ws"
t_eq "two workspaces: one report line each" 'acme 1,other 1' "$(jq -r '"\(.workspace) \(.deals)"' "$T/rep2ws" | paste -sd,)"

# ---- bad lines: reported, rejected, the rest loaded, exit 65 ----
{
	sed -n 1p "$GOOD"
	echo '{"workspace_id":"acme","deal_id":'
	sed -n 2p "$GOOD" | jq -c 'del(.deal_id)'
	sed -n 3p "$GOOD" | jq -c 'del(.workspace_id)'
	sed -n 4p "$GOOD" | jq -c '.workspace_id = "../etc"'
	sed -n 5p "$GOOD"
} >"$T/bad.ndjson"
DEAL_ENRICH_DB=$T/dbbad deals-load --rejects "$T/rej" <"$T/bad.ndjson" >"$T/repbad" 2>"$T/errbad"
t_eq "bad lines: exit 65" 65 $?
t_contains "line 2 reported" "$T/errbad" "deals-load: stdin:2:"
t_contains "line 3: no deal_id" "$T/errbad" "stdin:3: no deal_id"
t_contains "line 4: no workspace" "$T/errbad" "stdin:4: no workspace_id"
t_contains "line 5: bad workspace" "$T/errbad" "stdin:5: workspace_id is not a workspace id"
t_eq "4 lines in --rejects" 4 "$(wc -l <"$T/rej")"
t_eq "the good lines loaded" '2 4' "$(jq -r '"\(.deals) \(.bad_lines)"' "$T/repbad")"

# ---- I/O errors ----
deals-load <"$GOOD" >/dev/full 2>/dev/null; t_eq "stdout /dev/full: 74" 74 $?
echo x >"$T/afile"
deals-load --db "$T/afile" <"$GOOD" >/dev/null 2>"$T/errdb"; t_eq "a db that is a file: 74" 74 $?
t_contains "says which db" "$T/errdb" "$T/afile"

# ---- linkedin-enrich's fields in the store; a later run without a RapidAPI key loses none ----
export FAKEAPI_KEYS=test-rapidapi-key
t_start_fakeapi || exit 1
export DEAL_ENRICH_DB=$T/dbli
jq -nc '{workspace_id:"acme", deal_id:"li1", stage_normalized:"closed_won", close_date:"2026-03-14",
	account:{name:"Globex",domain:"globex.com"}, contacts:[{contact_id:"1", email:"ana@globex.com",
	apollo:{status:"not_found"}, enrichment_status:"not_found", seniority_verified:null,
	tenure_months:null, job_changed:null,
	linkedin_url:"https://www.linkedin.com/in/ana-diaz-at-hooli-was-globex-since-2024-01"}]}' >"$T/li.in"
RAPIDAPI_KEY=test-rapidapi-key linkedin-enrich --delay-ms 0 <"$T/li.in" >"$T/li1" 2>/dev/null
t_eq "linkedin-enrich answered" '"enriched"' "$(jq -c '.contacts[0].linkedin.status' "$T/li1")"
deals-load <"$T/li1" >/dev/null
linkedin-enrich <"$T/li.in" >"$T/li2" 2>/dev/null
t_eq "without a key: skipped" '"skipped"' "$(jq -c '.contacts[0].linkedin.status' "$T/li2")"
deals-load <"$T/li2" >/dev/null
stored() { enrich-summary --workspace acme --deal li1 --raw | jq -c ".record.contacts[0] | $1"; }
t_eq "the store keeps LinkedIn's answer and what it filled, with their source" \
	"$(jq -c '.contacts[0] | [.linkedin, .seniority_verified, .tenure_months, .job_changed, .new_employer, .field_sources]' "$T/li1")" \
	"$(stored '[.linkedin, .seniority_verified, .tenure_months, .job_changed, .new_employer, .field_sources]')"
t_eq "... and counts the contact as LinkedIn's in the summary" '1 1' \
	"$(enrich-summary --workspace acme --months 0 | jq -r '"\(.coverage.linkedin.enriched) \(.coverage.any_source.enriched)"')"
