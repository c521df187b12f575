#!/usr/bin/env bash
# linkedin-enrich: only the contacts Apollo missed with a profile URL are asked
# for, once (rerun and concurrent runs included); the identity gate; tenure at
# the close date; a move confirmed by two sources; no key = skipped; dry run;
# the key in no output.
source "$(dirname "$0")/../lib.sh"

KEY=li-secret-4242-rapid
export FAKEAPI_KEYS=test-apollo-key,$KEY
t_start_fakeapi || exit 1
IN=$T/in.ndjson
LI=https://www.linkedin.com/in

# A contact as apollo-enrich leaves it: found (with Apollo's fields) or missed.
found() { # email [job_changed]
	jq -nc --arg e "$1" --argjson jc "${2:-false}" '{email:$e, apollo:{status:"enriched",
		person:{title:"CFO"}}, seniority_verified:"c_level", department_verified:"finance",
		tenure_months:40, job_changed:$jc, enrichment_status:"enriched"}'
}
missed() { # email status [linkedin_url]
	jq -nc --arg e "$1" --arg s "$2" --arg u "${3:-}" '{email:$e, apollo:{status:$s,
		reason:"x"}, seniority_verified:null, department_verified:null, tenure_months:null,
		job_changed:null, enrichment_status:$s} + (if $u == "" then {} else {linkedin_url:$u} end)'
}
deal() { # id account-json close contacts...
	local id=$1 acct=$2 close=$3; shift 3
	printf '%s\n' "$@" | jq -sc --arg id "$id" --argjson a "$acct" --arg c "$close" \
		'{workspace_id:"acme", deal_id:$id, close_date:$c, account:$a, contacts:.}'
}
# 12 contacts: 8 found by Apollo, 4 missed, 3 of those with a URL.
{
	deal 1 '{"name":"Globex","domain":"globex.com"}' 2026-03-14 \
		"$(found pat@globex.com)" "$(found sam@globex.com)" "$(found lee@globex.com)" \
		"$(found kim@globex.com)" \
		"$(missed nobody.ana@globex.com not_found "$LI/Ana-Diaz-at-globex-since-2021-03/")" \
		"$(missed missing.bo@globex.com error "linkedin.com/in/bo-chen-at-initech-was-hooli")"
	deal 2 '{"name":"Hooli","domain":"hooli.com"}' 2025-06-30 \
		"$(found gav@hooli.com)" "$(found erl@hooli.com)" \
		"$(missed "" skipped "$LI/cy-ray-at-umbrella-was-hooli")"
	deal 3 '{"name":"Acme","domain":"acme.com"}' 2026-01-10 \
		"$(found wile@acme.com)" "$(found road@acme.com)" "$(missed nobody.x@acme.com not_found)"
} >"$IN"
t_eq "input: 12 contacts" 12 "$(jq -s 'map(.contacts|length)|add' "$IN")"
t_workspace acme <<EOF
linkedin_rapidapi_key = $KEY
EOF

# --- help, version, man page
linkedin-enrich --help >"$T/help"; t_eq "help exits 0" 0 "$?"
for o in verify-moves all dry-run budget refresh cache-days window concurrency delay-ms \
	retries backoff-ms retry-429 backoff-429-ms timeout-ms max-failures db workspace rejects quiet; do
	t_contains "help lists --$o" "$T/help" "--$o"
done
t_eq "version" "linkedin-enrich 0.1.0" "$(linkedin-enrich --version)"
t_status "unknown option is usage" 64 linkedin-enrich --bogus </dev/null
t_status "bad --concurrency" 64 linkedin-enrich --concurrency 0 </dev/null
t_status "--retries above 20 is usage" 64 linkedin-enrich --retries 21 </dev/null
t_status "a bad LINKEDIN_BASE_URL is configuration" 78 env LINKEDIN_BASE_URL=ftp://x linkedin-enrich </dev/null
t_status "--backoff-ms is the shared retry option" 0 linkedin-enrich --backoff-ms 10 --dry-run </dev/null
t_check "man page renders" bash -c "man -l '$DE_ROOT/man/linkedin-enrich.1' >/dev/null 2>&1"
for o in verify-moves all dry-run budget refresh cache-days window concurrency delay-ms \
	retries retry-429 backoff-429-ms timeout-ms max-failures; do
	t_contains "man page documents --$o" "$DE_ROOT/man/linkedin-enrich.1" "Fl \\-$o"
done

# --- the run: 3 profile calls, not 12
linkedin-enrich --delay-ms 0 <"$IN" >"$T/run1.out" 2>"$T/run1.err"; t_eq "run: exit 0" 0 "$?"
t_eq "run: nothing on stderr" "" "$(cat "$T/run1.err")"
t_eq "run: 3 profile calls" 3 "$(fake_stat '.calls["linkedin.person"] // 0')"
t_eq "run: on the new path only" 0 "$(fake_stat '.calls["linkedin.person_old"] // 0')"
t_eq "run: the 3 URLs asked" "https://www.linkedin.com/in/ana-diaz-at-globex-since-2021-03/ https://www.linkedin.com/in/bo-chen-at-initech-was-hooli/ https://www.linkedin.com/in/cy-ray-at-umbrella-was-hooli/" \
	"$(fake_stat '.asked.linkedin | sort | join(" ")')"
t_eq "run: 3 records in order" "1 2 3" "$(jq -r .deal_id "$T/run1.out" | paste -sd' ')"
t_eq "run: Apollo's contacts untouched" "$(jq -c '[.contacts[]|select(.apollo.status=="enriched")]' "$IN" | md5sum)" \
	"$(jq -c '[.contacts[]|select(.apollo.status=="enriched")]' "$T/run1.out" | md5sum)"
t_eq "run: the records but their contacts unchanged" "$(jq -c 'del(.contacts)' "$IN" | md5sum)" \
	"$(jq -c 'del(.contacts)' "$T/run1.out" | md5sum)"
t_check "run: every contact keeps its keys, in order" jq -e -n >/dev/null --slurpfile i "$IN" --slurpfile o "$T/run1.out" \
	'[range($i|length) as $d | range($i[$d].contacts|length) as $c
	  | ($i[$d].contacts[$c]|keys_unsorted) as $k | ($o[$d].contacts[$c]|keys_unsorted)[:($k|length)] == $k] | all'
ana() { jq -c "$2" <(jq -c '.contacts[]|select(.email=="nobody.ana@globex.com")' "$1"); }
t_eq "current employer: enriched" '"enriched"' "$(ana "$T/run1.out" .linkedin.status)"
t_eq "current employer: identity current" '"current"' "$(ana "$T/run1.out" .linkedin.identity)"
t_eq "current employer: the profile kept" '["Globex","globex.com",2021,3,false]' \
	"$(ana "$T/run1.out" '[.linkedin.company,.linkedin.company_domain,.linkedin.start_year,.linkedin.start_month,.linkedin.cached]')"
t_eq "tenure at the close date from the start month (2021-03 to 2026-03-14)" 60 "$(ana "$T/run1.out" .tenure_months)"
t_eq "seniority and department from the title (Operations Manager)" '["Operations Manager","manager","operations"]' \
	"$(ana "$T/run1.out" '[.linkedin.title,.seniority_verified,.department_verified]')"
t_eq "filled fields name LinkedIn" '[["linkedin"],["linkedin"],["linkedin"],["linkedin"]]' \
	"$(ana "$T/run1.out" '[.field_sources.seniority_verified,.field_sources.department_verified,.field_sources.tenure_months,.field_sources.job_changed]')"
t_eq "still there: no move" false "$(ana "$T/run1.out" .job_changed)"
bo() { jq -c "$1" <(jq -c '.contacts[]|select(.email=="missing.bo@globex.com")' "$T/run1.out"); }
t_eq "another company: mismatch" '"mismatch"' "$(bo .linkedin.status)"
t_eq "mismatch: nothing filled" '[null,null,null,null,null,null]' \
	"$(bo '[.seniority_verified,.department_verified,.tenure_months,.job_changed,.field_sources,.linkedin.company]')"
cy() { jq -c "$1" <(jq -c '.contacts[]|select(.linkedin_url|tostring|test("cy-ray"))' "$T/run1.out"); }
t_eq "a past company is the account: accepted, moved" '["enriched","past",true]' \
	"$(cy '[.linkedin.status,.linkedin.identity,.job_changed]')"
t_eq "moved: new_employer from LinkedIn" '"Umbrella"' "$(cy .new_employer.name)"
t_eq "no URL: skipped" '{"status":"skipped","reason":"no LinkedIn profile URL"}' \
	"$(jq -c '.contacts[]|select(.email=="nobody.x@acme.com")|.linkedin' "$T/run1.out")"

# --- the identity gate is company_same's rule (apollo-enrich's too): a "Wonka"
# profile on the account "Wonka Industries, Inc." is the contact; one at Acme
# (acme.com) on the account "Acme Bank" is someone else.
{
	deal 5 '{"name":"Wonka Industries, Inc."}' 2026-01-31 \
		"$(missed charlie@wonka.example not_found "$LI/charlie-bucket-at-wonka-since-2020-01")"
	deal 6 '{"name":"Acme Bank","domain":"acmebank.com"}' 2026-01-31 \
		"$(missed wile@acmebank.example not_found "$LI/wile-coyote-at-acme-was-initech")"
} >"$T/gate.in"
DEAL_ENRICH_DB=$T/db-gate linkedin-enrich <"$T/gate.in" >"$T/gate.out" 2>"$T/gate.err"
t_eq "gate: exit 0" 0 "$?"
gate() { jq -c ".contacts[0]|$2" <(sed -n "$1p" "$T/gate.out"); }
t_eq "gate: Wonka on Wonka Industries, Inc. accepted, by name" '["enriched","current","name","Wonka"]' \
	"$(gate 1 '[.linkedin.status,.linkedin.identity,.linkedin.identity_by,.linkedin.company]')"
t_eq "gate: Wonka's fields filled (2020-01 to 2026-01-31)" '[72,false,["linkedin"]]' \
	"$(gate 1 '[.tenure_months,.job_changed,.field_sources.tenure_months]')"
t_eq "gate: Acme on Acme Bank: mismatch" '"mismatch"' "$(gate 2 .linkedin.status)"
t_eq "gate: mismatch fills nothing, keeps nothing of the profile" '[null,null,null,null,null,null,null]' \
	"$(gate 2 '[.seniority_verified,.department_verified,.tenure_months,.job_changed,.field_sources,.linkedin.company,.linkedin.headline]')"

# --- a rerun: 0 calls, the same answers from the cache
fake_post reset '{}'
linkedin-enrich <"$IN" >"$T/run2.out" 2>"$T/run2.err"; t_eq "rerun: exit 0" 0 "$?"
t_eq "rerun: 0 calls" 0 "$(fake_stat '.providers.linkedin // 0')"
t_eq "rerun: from the cache" '[true,true,true]' \
	"$(jq -c '[.contacts[]|select(.linkedin.status=="enriched" or .linkedin.status=="mismatch")|.linkedin.cached]' "$T/run2.out" | jq -sc add)"
t_eq "rerun: the same contacts" "$(jq -c 'del(.contacts[].linkedin.cached)' "$T/run1.out" | md5sum)" \
	"$(jq -c 'del(.contacts[].linkedin.cached)' "$T/run2.out" | md5sum)"
t_eq "rerun of its own output: unchanged" "$(jq -c 'del(.contacts[].linkedin.cached)' "$T/run1.out" | md5sum)" \
	"$(linkedin-enrich <"$T/run1.out" | jq -c 'del(.contacts[].linkedin.cached)' | md5sum)"

# --- two runs at once on one fresh db: 3 calls in all
fake_post reset '{}'
fake_post latency '{"ms":300}'
export DEAL_ENRICH_DB=$T/db2
linkedin-enrich --concurrency 1 <"$IN" >"$T/c1.out" 2>"$T/c1.err" & p1=$!
linkedin-enrich --concurrency 1 <"$IN" >"$T/c2.out" 2>"$T/c2.err" & p2=$!
wait $p1; s1=$?; wait $p2; s2=$?
t_eq "concurrent: both exit 0" "0 0" "$s1 $s2"
t_eq "concurrent: 3 calls in all" 3 "$(fake_stat '.providers.linkedin // 0')"
t_eq "concurrent: the same contacts" "$(jq -c 'del(.contacts[].linkedin.cached)' "$T/c1.out" | md5sum)" \
	"$(jq -c 'del(.contacts[].linkedin.cached)' "$T/c2.out" | md5sum)"
fake_post latency '{"ms":0}'

# --- --verify-moves: Apollo's move, confirmed by LinkedIn, is said by both
export DEAL_ENRICH_DB=$T/db3
fake_post reset '{}'
deal 4 '{"name":"Globex Corporation","domain":"globex.com"}' 2026-02-01 \
	"$(found dee@hooli.com true | jq -c --arg u "$LI/dee-moss-at-hooli-was-globex" '. + {linkedin_url:$u, new_employer:{name:"Hooli"}}')" \
	"$(found eve@globex.com false | jq -c --arg u "$LI/eve-fox-at-globex" '. + {linkedin_url:$u}')" >"$T/moves.in"
linkedin-enrich <"$T/moves.in" >"$T/moves0.out"
t_eq "default: Apollo's found contacts are not asked" 0 "$(fake_stat '.providers.linkedin // 0')"
t_eq "default: nothing added to them" "$(jq -c . "$T/moves.in")" "$(cat "$T/moves0.out")"
linkedin-enrich --verify-moves <"$T/moves.in" >"$T/moves.out"; t_eq "verify-moves: exit 0" 0 "$?"
t_eq "verify-moves: only the moved contact asked" 1 "$(fake_stat '.providers.linkedin // 0')"
dee() { jq -c "$1" <(jq -c '.contacts[0]' "$T/moves.out"); }
t_eq "verify-moves: job_changed confirmed by two sources" '[true,["apollo","linkedin"],"past"]' \
	"$(dee '[.job_changed,.field_sources.job_changed,.linkedin.identity]')"
t_eq "verify-moves: Apollo's values stay" '["c_level","finance",40,{"name":"Hooli"}]' \
	"$(dee '[.seniority_verified,.department_verified,.tenure_months,.new_employer]')"
t_eq "verify-moves: no other field claimed" '["job_changed"]' "$(dee '.field_sources|keys')"
linkedin-enrich --all <"$T/moves.in" >"$T/all.out"
t_eq "--all: every contact with a URL asked" 2 "$(fake_stat '.providers.linkedin // 0')"
t_eq "--all: LinkedIn agrees she stayed" '[false,["apollo","linkedin"]]' \
	"$(jq -c '.contacts[1]|[.job_changed,.field_sources.job_changed]' "$T/all.out")"

# --- dry run: nothing asked, the cost said
export DEAL_ENRICH_DB=$T/db4
fake_post reset '{}'
linkedin-enrich --dry-run <"$IN" >"$T/dry.out" 2>"$T/dry.err"; t_eq "dry run: exit 0" 0 "$?"
t_eq "dry run: no call" 0 "$(fake_stat '.total')"
t_eq "dry run: 3 contacts dry_run" 3 "$(jq -c '.contacts[]|select(.linkedin.status=="dry_run")' "$T/dry.out" | wc -l)"
t_contains "dry run: the calls it would make" "$T/dry.err" "3 profile calls"
t_eq "dry run: nothing cached" 0 "$(linkedin-enrich --dry-run <"$IN" 2>&1 >/dev/null | grep -c '[1-9][0-9]* cache hits')"

# --- no key: pass-through marked skipped, one notice, exit 0
export DEAL_ENRICH_DB=$T/db5
fake_post reset '{}'
mv "$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf" "$T/acme.conf.saved"
linkedin-enrich <"$IN" >"$T/nokey.out" 2>"$T/nokey.err"; t_eq "no key: exit 0" 0 "$?"
t_eq "no key: no call" 0 "$(fake_stat '.total')"
t_eq "no key: the 4 missed contacts skipped" 4 \
	"$(jq -c '.contacts[]|select(.linkedin=={"status":"skipped","reason":"no RapidAPI key"})' "$T/nokey.out" | wc -l)"
t_eq "no key: one notice" 1 "$(wc -l <"$T/nokey.err")"
t_contains "no key: the notice names the key" "$T/nokey.err" "RAPIDAPI_KEY"
RAPIDAPI_KEY=$KEY linkedin-enrich <"$IN" >"$T/envkey.out" 2>&1; t_eq "RAPIDAPI_KEY: exit 0" 0 "$?"
t_eq "RAPIDAPI_KEY: used" 3 "$(fake_stat '.providers.linkedin // 0')"
mv "$T/acme.conf.saved" "$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf"

# --- the key in no output: stdout, stderr, the db, argv
for f in "$T"/*.out "$T"/*.err; do
	t_lacks "key not in $(basename "$f")" "$f" "$KEY"
done
t_eq "key not in any db" "" "$(grep -rlaF "$KEY" "$T"/db* "$DEAL_ENRICH_DB" 2>/dev/null)"
