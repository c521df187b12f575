#!/usr/bin/env bash
# apollo-enrich: 10 deals, 25 contacts, 5 repeated emails -> 2 bulk calls of 20
# distinct emails; every field mapped; order kept; a rerun makes 0 calls; the
# key never reaches stderr or the db; no key -> skipped; a key file others can
# read -> 78.
source "$(dirname "$0")/../lib.sh"

KEY=sekrit-apollo-5c1e7d9a
export FAKEAPI_KEYS=$KEY
t_start_fakeapi --data "$DATA/apollo" --apollo-limit-minute 1000 || exit 1
IN=$DATA/apollo/deals10.ndjson
calls() { fake_stat '.calls["apollo.bulk_match"] // 0'; }
printf 'apollo_api_key = %s\n' "$KEY" | t_workspace acme

# ---- first run: reordered answers, cold cache ----
fake_post config '{"apollo_reorder": true}'
apollo-enrich --delay-ms 5 <"$IN" >"$T/out1" 2>"$T/err1"; t_eq "first run exits 0" 0 $?
t_eq "exactly 2 bulk calls" 2 "$(calls)"
t_eq "20 emails asked" 20 "$(fake_stat '.asked.apollo | length')"
t_eq "20 distinct emails asked" 20 "$(fake_stat '.asked.apollo | unique | length')"
t_eq "10 records out" 10 "$(wc -l <"$T/out1")"
t_eq "records in input order" "$(jq -r .deal_id "$IN" | tr '\n' ,)" "$(jq -r .deal_id "$T/out1" | tr '\n' ,)"
t_eq "unknown keys kept" "kept as is|Dana Lopez" "$(jq -r 'select(.x_note) | "\(.x_note)|\(.custom_fields.champion_name)"' "$T/out1")"
t_eq "every contact answered: 22 enriched, 3 not_found" "enriched 22,not_found 3," \
	"$(jq -r '.contacts[].apollo.status' "$T/out1" | sort | uniq -c | awk '{printf "%s %s,", $2, $1}')"
t_eq "enrichment_status mirrors apollo.status" 0 \
	"$(jq -s '[.[].contacts[] | select(.enrichment_status != .apollo.status)] | length' "$T/out1")"
t_eq "nothing cached on the first run" 0 "$(jq -s '[.[].contacts[] | select(.apollo.cached)] | length' "$T/out1")"
t_eq "enriched_at is the fetch time" 0 \
	"$(jq -s '[.[].contacts[] | select(.apollo.status=="enriched" and .enriched_at != .apollo.fetched_at)] | length' "$T/out1")"

dana=$(jq -c 'select(.deal_id=="9000000001") | .contacts[0] | [.seniority_verified, .department_verified, .tenure_months, .job_changed, .apollo.person.title, .apollo.person.organization.estimated_num_employees, (.apollo.person|has("photo_url"))]' "$T/out1")
t_eq "Dana: vp, sales, 60 months at close, same company, numbers from strings, subset only" \
	'["vp","sales",60,false,"VP Sales",1600,false]' "$dana"
t_eq "Dana on a later deal: 61 months at its close date" 61 \
	"$(jq 'select(.deal_id=="9000000006") | .contacts[0].tenure_months' "$T/out1")"
t_eq "Dana on another company's deal: job_changed" true \
	"$(jq 'select(.deal_id=="9000000004") | .contacts[2].job_changed' "$T/out1")"
firmo=$(jq -c 'select(.deal_id=="9000000001") | .account.firmographics' "$T/out1")
t_eq "Acme firmographics: strings read as numbers, null kept, size band" \
	'{"industry":"information technology & services","employees":1600,"size_band":"1001-5000","annual_revenue":100000000,"founded_year":null,"source":"apollo"}' "$firmo"
sam=$(jq -c 'select(.deal_id=="9000000002") | .contacts[0] | [.seniority_verified, .department_verified, .tenure_months, .job_changed, .new_employer]' "$T/out1")
t_eq "Sam: c_level, tenure from the Globex entry covering the close date, moved to Initech" \
	'["c_level","c_suite",80,true,{"name":"Initech","domain":"initech.com","title":"CTO","since":"2025-10-01"}]' "$sam"
t_check "Globex firmographics do not come from Sam's new employer" \
	test "$(jq -r 'select(.deal_id=="9000000002") | .account.firmographics.industry' "$T/out1")" != "defense & space"
t_eq "Globex firmographics are Globex's (from its other contacts)" globex.com \
	"$(jq -r 'select(.deal_id=="9000000002") | .contacts[1].apollo.person.organization.primary_domain' "$T/out1")"
lee=$(jq -c 'select(.deal_id=="9000000003") | .contacts[0] | [.seniority_verified, .department_verified, .tenure_months, .job_changed, (.apollo.person|has("organization"))]' "$T/out1")
t_eq "Lee: no organization in the match; ic; current entry (not the first); same company by name" \
	'["ic","engineering_technical",77,false,false]' "$lee"
jo=$(jq -c 'select(.deal_id=="9000000001") | .contacts[1] | [.apollo.status, .apollo.person.email, .apollo.person.id, .seniority_verified]' "$T/out1")
t_eq "Jo: locked placeholder email, matched back by name despite the reordering" \
	'["enriched",null,"88bb00000000000000000002","director"]' "$jo"
t_eq "not found has no person and null fields" '["not_found",null,null]' \
	"$(jq -c 'select(.deal_id=="9000000001") | .contacts[2] | [.apollo.status, .apollo.person, .seniority_verified]' "$T/out1")"
t_eq "the same email answers alike on every deal" 1 \
	"$(jq -c '.contacts[] | select(.email|ascii_downcase|test("sam.ng")) | .apollo.person' "$T/out1" | sort -u | wc -l)"
ledger() { mdb_dump -p -s usage "$T/db" | grep -a '"credits"' | sed 's/^ //'; }
t_eq "ledger: the calls and the credits Apollo reported" \
	"2 $(fake_stat '.credits.apollo')" "$(ledger | jq -r '"\(.calls) \(.credits)"')"

# ---- rerun: everything from the cache ----
fake_post reset '{}'
apollo-enrich --delay-ms 5 <"$IN" >"$T/out2" 2>"$T/err2"; t_eq "rerun exits 0" 0 $?
t_eq "rerun makes 0 calls" 0 "$(calls)"
t_eq "rerun: every contact cached" 25 "$(jq -s '[.[].contacts[] | select(.apollo.cached)] | length' "$T/out2")"
strip='del(.contacts[].apollo.cached)'
t_eq "rerun gives the same records" "$(jq -c "$strip" "$T/out1" | md5sum)" "$(jq -c "$strip" "$T/out2" | md5sum)"

# ---- --refresh asks again, once per email ----
apollo-enrich --delay-ms 5 --refresh <"$IN" >"$T/out3" 2>"$T/err3"; t_eq "--refresh exits 0" 0 $?
t_eq "--refresh: 2 calls again" 2 "$(calls)"
t_eq "--refresh: 20 distinct emails, each once" "20 20" \
	"$(fake_stat '.asked.apollo | length') $(fake_stat '.asked.apollo | unique | length')"

# ---- a small window: more calls, still each email once, order kept ----
fake_post reset '{}'
apollo-enrich --delay-ms 5 --refresh --window 2 <"$IN" >"$T/out4" 2>"$T/err4"; t_eq "--window 2 exits 0" 0 $?
t_eq "--window 2: each email asked once" "20 20" \
	"$(fake_stat '.asked.apollo | length') $(fake_stat '.asked.apollo | unique | length')"
t_check "--window 2: more, smaller calls" test "$(calls)" -gt 2
t_eq "--window 2: order kept" "$(jq -r .deal_id "$IN" | tr '\n' ,)" "$(jq -r .deal_id "$T/out4" | tr '\n' ,)"
notime='del(.contacts[] | .apollo.cached, .apollo.fetched_at, .enriched_at)'
t_eq "--window 2: same answers" "$(jq -c "$notime" "$T/out1" | md5sum)" "$(jq -c "$notime" "$T/out4" | md5sum)"

# ---- the key never leaves ----
t_lacks "key not in stderr (1)" "$T/err1" "$KEY"
t_lacks "key not in stderr (2)" "$T/err3" "$KEY"
t_lacks "key not in the output" "$T/out1" "$KEY"
t_eq "key bytes not in any db file" 0 "$(cat "$T"/db/* | grep -a -c -F "$KEY")"
t_check "the db is where the cache went" test -s "$T/db/data.mdb"

# ---- --budget in dry run: nothing asked, cost printed ----
fake_post reset '{}'
apollo-enrich --dry-run --stats-json --refresh <"$IN" >"$T/dry" 2>"$T/dryerr"; t_eq "dry run exits 0" 0 $?
t_eq "dry run makes no call" 0 "$(calls)"
# The least time: 2 calls at the pace of the plan the fake reported (1,000 a
# minute less 3%: 62 ms apart).
t_eq "dry run figures" '[25,25,0,2,20,20,0.062]' \
	"$(grep '^{' "$T/dryerr" | jq -c '[.contacts,.with_email,.cache_hits,.calls,.emails_asked,.credits_max,.least_seconds]')"
t_contains "dry run says it in words" "$T/dryerr" "2 calls for 20 emails, at most 20 credits"
t_eq "dry run marks every contact dry_run" 25 "$(jq -s '[.[].contacts[] | select(.apollo.status=="dry_run" and .enrichment_status=="dry_run")] | length' "$T/dry")"
apollo-enrich --dry-run --stats-json <"$IN" >/dev/null 2>"$T/dryerr2"; t_eq "warm dry run exits 0" 0 $?
t_eq "warm dry run: all hits, no call, no credit" '[25,0,0]' \
	"$(grep '^{' "$T/dryerr2" | jq -c '[.cache_hits,.calls,.credits_max]')"

# ---- no key: pass-through, skipped, one notice, exit 0, no call ----
rm -f "$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf"
fake_post reset '{}'
apollo-enrich --db "$T/db2" <"$IN" >"$T/nokey" 2>"$T/nokeyerr"; t_eq "no key: exit 0" 0 $?
t_eq "no key: zero calls" 0 "$(calls)"
t_eq "no key: one notice" 1 "$(wc -l <"$T/nokeyerr")"
t_contains "no key: the notice says so" "$T/nokeyerr" "no Apollo key"
t_eq "no key: every contact skipped" 25 "$(jq -s '[.[].contacts[] | select(.apollo.status=="skipped" and .apollo.reason=="no Apollo key")] | length' "$T/nokey")"
owned='del(.contacts[] | .apollo, .seniority_verified, .department_verified, .tenure_months, .job_changed, .job_changed_by, .enrichment_status, .enriched_at)'
t_eq "no key: records otherwise untouched" "$(jq -c . "$IN" | md5sum)" "$(jq -c "$owned" "$T/nokey" | md5sum)"
t_check "no key: no db created" test ! -e "$T/db2"
apollo-enrich --quiet <"$IN" >/dev/null 2>"$T/quiet"; t_eq "no key --quiet: exit 0" 0 $?
t_eq "--quiet: no notice" 0 "$(wc -c <"$T/quiet")"

# ---- platform key from the environment ----
fake_post reset '{}'
APOLLO_API_KEY=$KEY apollo-enrich --refresh --delay-ms 5 <"$IN" >"$T/env" 2>"$T/enverr"
t_eq "APOLLO_API_KEY used without a workspace file" 2 "$(calls)"

# ---- the locked placeholder and a missing email count as no email ----
fake_post reset '{}'
printf '%s\n' '{"workspace_id":"acme","deal_id":"p1","contacts":[{"email":"email_not_unlocked@domain.com"},{"email":""},{"first_name":"No"},"not an object"]}' >"$T/noemail"
APOLLO_API_KEY=$KEY apollo-enrich --delay-ms 5 <"$T/noemail" >"$T/noemail.out" 2>"$T/noemail.err"; t_eq "no email: exit 0" 0 $?
t_eq "no email: no call" 0 "$(calls)"
t_eq "no email: skipped with the reason, a non-object contact kept as is" '["no email","no email","no email","not an object"]' \
	"$(jq -c '[.contacts[] | if type == "object" then .apollo.reason else . end]' "$T/noemail.out")"

# ---- a key file others can read: 78, message with the fix ----
printf 'apollo_api_key = %s\n' "$KEY" | t_workspace acme
chmod 644 "$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf"
fake_post reset '{}'
apollo-enrich <"$IN" >"$T/perm" 2>"$T/permerr"; t_eq "key file readable by others: exit 78" 78 $?
t_contains "78: says how to fix it" "$T/permerr" "chmod 600"
t_lacks "78: key not in the message" "$T/permerr" "$KEY"
t_eq "78: no call" 0 "$(calls)"
t_eq "78: the records still come out" 10 "$(wc -l <"$T/perm")"

# ---- usage, help, version, stdout errors ----
apollo-enrich --help >"$T/help"; t_eq "--help exits 0" 0 $?
for o in --delay-ms --retries --retry-429 --backoff-429-ms --backoff-ms --timeout-ms --window \
	--cache-days --dry-run --budget --refresh --batch-size --max-pause-ms --stats-json --db --workspace; do
	t_contains "--help lists $o" "$T/help" -- "$o"
done
apollo-enrich --version >/dev/null; t_eq "--version exits 0" 0 $?
apollo-enrich --delay-ms x </dev/null 2>/dev/null; t_eq "bad number: 64" 64 $?
apollo-enrich --batch-size 11 </dev/null 2>/dev/null; t_eq "--batch-size 11: 64" 64 $?
env APOLLO_BASE_URL=ftp://x apollo-enrich </dev/null 2>/dev/null; t_eq "bad base URL: 78" 78 $?
chmod 600 "$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf"
apollo-enrich <"$IN" >/dev/full 2>/dev/null; t_eq "stdout to /dev/full: 74" 74 $?
# A db that cannot open stops no record: all go out, their contacts marked.
apollo-enrich --db /proc/no/such/db <"$IN" >"$T/nodb" 2>"$T/nodb.err"; t_eq "db cannot open: 74" 74 $?
t_eq "db cannot open: every record out" 10 "$(wc -l <"$T/nodb")"
t_eq "db cannot open: their contacts marked error" 0 \
	"$(jq -c '.contacts[] | select(.email != null and .enrichment_status != "error")' "$T/nodb" | wc -l)"
# The first member named contacts, as json_get reads keys (cut at an escaped
# NUL), is the one enriched, however long the rest of its key.
long=$(printf 'A%.0s' $(seq 300))
printf '{"workspace_id":"acme","contacts\\u0000%s":[{"email":"sam.ng@globex.com"}],"contacts":[{"email":"dana.lopez@acme.com"}]}\n' \
	"$long" >"$T/nulkey.ndjson"
apollo-enrich <"$T/nulkey.ndjson" >"$T/nulkey.out" 2>/dev/null; t_eq "a key holding \\u0000: exit 0" 0 $?
t_eq "a key holding \\u0000: that member enriched" sam.ng@globex.com \
	"$(jq -r 'to_entries[] | select(.key != "contacts" and (.key | startswith("contacts"))) | .value[] | select(.apollo) | .email' "$T/nulkey.out")"
t_eq "a key holding \\u0000: the plain one as it came" '[{"email":"dana.lopez@acme.com"}]' \
	"$(jq -c '.contacts' "$T/nulkey.out")"
printf '%s\nnot json\n' "$(head -1 "$IN")" >"$T/bad.ndjson"
apollo-enrich <"$T/bad.ndjson" >"$T/badout" 2>"$T/baderr"; t_eq "bad input line: 65" 65 $?
t_contains "bad line reported with its number" "$T/baderr" "stdin:2:"
t_eq "good line still out" 1 "$(wc -l <"$T/badout")"
t_check "man page renders" sh -c "man -l '$DE_ROOT/man/apollo-enrich.1' >/dev/null 2>&1"
