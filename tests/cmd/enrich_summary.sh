#!/usr/bin/env bash
# enrich-summary: every number equals what jq computes on its own from the
# loaded NDJSON (tests/data/store/lib.jq), for several windows, on hand-written
# and on 600 generated deals, after a worse run too; --deals; --deal; the
# table at 80 columns; exit codes; the man page.
source "$(dirname "$0")/../lib.sh"

S=$DATA/store
GOOD=$S/good.ndjson
LIB="include \"lib\" {search: \"$S\"};"
AS_OF=2026-11-15
# want FILE WS MONTHS TOP: the summary jq computes, without last_run_at
want() {
	local from=null
	[ "$3" -gt 0 ] && from="\"$(date -u -d "$AS_OF -$3 month" +%F)\""
	jq -s -S -c "$LIB summary(\"$2\"; $3; $from; \"$AS_OF\"; $4)" "$1"
}
got() { enrich-summary --workspace "$1" --as-of "$AS_OF" --months "$2" --top "$3" "${@:4}" | jq -S -c 'del(.last_run_at)'; }
# Display width of every line of a file, the widest first (East Asian wide = 2).
widest() {
	python3 -c 'import sys, unicodedata
w = [sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) or c == "\u200d" else 1 for c in l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")]
print(max(w) if w else 0)' "$1"
}

# ---- help, man, usage errors ----
enrich-summary --help >"$T/help"; t_eq "--help exits 0" 0 $?
for o in --workspace --months --as-of --top --deals --deal --raw --moved --format --db --help --version; do
	t_contains "--help lists $o" "$T/help" "$o"
done
t_check "--version" test -n "$(enrich-summary --version)"
man -l "$DE_ROOT/man/enrich-summary.1" >"$T/man" 2>"$T/manerr"; t_eq "man page renders" 0 $?
t_eq "man page renders cleanly" "" "$(cat "$T/manerr")"
for o in --months --as-of --top --deals --deal --raw --moved --format; do t_contains "man page documents $o" "$T/man" "$o"; done
for bad in "" "--months 121" "--months x" "--top 0" "--as-of 2026-02-30" "--as-of 26-1-1" "--format xml" \
	"--deals --deal 1" "--raw" "--deal 1 --raw --format table" "extra" "--moved --deals" \
	"--moved --format table" "--deals --format html" "--deal 1 --format html"; do
	# shellcheck disable=SC2086
	enrich-summary $( [ -n "$bad" ] && echo --workspace acme ) $bad >/dev/null 2>&1
	t_eq "usage error${bad:+ ($bad)}: 64" 64 $?
done

# ---- an empty store ----
enrich-summary --workspace acme --as-of "$AS_OF" >"$T/empty"; t_eq "no db: exit 0" 0 $?
t_eq "no db: zeros, the same as jq on no record" "$(want /dev/null acme 6 10)" "$(jq -S -c 'del(.last_run_at)' "$T/empty")"
t_check "no db created" test ! -e "$DEAL_ENRICH_DB"
enrich-summary --workspace acme --deal 1001 >/dev/null 2>"$T/nodeal"; t_eq "--deal with no db: 1" 1 $?

# ---- the hand-written deals ----
deals-load <"$GOOD" >"$T/rep"
for m in 6 0 1 12 24; do
	t_eq "good deals, --months $m: every number equals jq's" "$(want "$GOOD" acme $m 10)" "$(got acme $m 10)"
done
t_eq "good deals, --top 2" "$(want "$GOOD" acme 6 2)" "$(got acme 6 2)"
enrich-summary --workspace acme --as-of "$AS_OF" >"$T/s1"
t_eq "last_run_at is the load's run_at" "$(jq -r .run_at "$T/rep")" "$(jq -r .last_run_at "$T/s1")"
t_eq "by hand: 5 deals, 3 won, 2 lost, 4 with an answer" '5 3 2 4' \
	"$(jq -r '"\(.deals.total) \(.deals.won) \(.deals.lost) \(.total_deals_enriched)"' "$T/s1")"
# Wilson at 2 of 3: (2/3 + z²/6 ± z sqrt(2/27 + z²/36)) / (1 + z²/3) = 0.2077, 0.9385;
# the won revenue is 1001's and 1008's 25000 each, never the lost 1006's.
t_eq "by hand: oil & energy, 3 deals, 2 won of 3, 1 lost of 2, win rate 2/3 in [0.21, 0.94], 50000 won" \
	'{"value":"oil & energy","deals":3,"won":2,"lost":1,"share_won":0.6667,"share_lost":0.5,"win_rate":0.6667,"ci_low":0.2077,"ci_high":0.9385,"few_deals":true,"won_revenue":50000,"avg_won_deal":25000}' \
	"$(jq -c '.findings.industries[0]' "$T/s1")"
t_eq "by hand: tenure 55,20,30,41 won; 12,53 lost" '{"contacts":6,"average":35.17,"median":35.5,"won":{"contacts":4,"average":36.5,"median":35.5},"lost":{"contacts":2,"average":32.5,"median":32.5}}' \
	"$(jq -c '.findings.tenure' "$T/s1")"
t_eq "by hand: excluded open 1004, old 1005, undated 1007" '{"open":1,"outside_window":1,"no_close_date":1}' \
	"$(jq -c '.deals.excluded' "$T/s1")"

# ---- after a worse run: the merged records ----
deals-load <"$S/worse.ndjson" >/dev/null
for d in $(jq -r .deal_id "$GOOD"); do enrich-summary --workspace acme --deal "$d" --raw | jq -c .record; done >"$T/merged"
t_eq "after a worse run: equals jq over the merged records" "$(want "$T/merged" acme 6 10)" "$(got acme 6 10)"
t_eq "... 6 enriched contacts kept, 2 newly answered" 8 "$(got acme 6 10 | jq .coverage.apollo.enriched)"

# ---- 600 generated deals, two workspaces ----
# Every 9th deal's first contact moved (every other one with no since date),
# in both workspaces, on won and lost deals alike.
python3 "$S/gen-deals.py" 500 21 acme | jq -c 'if (.deal_id | tostring | explode | add) % 9 == 0 and
	(.contacts | length) > 0 then .contacts[0] += {job_changed: true, new_employer: {name: "New \(.deal_id)",
	domain: null, title: "VP", since: (if (.deal_id | tostring | explode | add) % 2 == 0 then null
	else "2026-0\((.deal_id | tostring | explode | add) % 7 + 1)-01" end)}} else . end' >"$T/gen"
python3 "$S/gen-deals.py" 100 22 beta >>"$T/gen"
export DEAL_ENRICH_DB=$T/db2
deals-load <"$T/gen" >/dev/null
for args in "acme 6 10" "acme 0 1000" "acme 3 5" "acme 18 10" "beta 6 10" "beta 0 3"; do
	set -- $args
	t_eq "generated deals, $1 --months $2 --top $3: every number equals jq's" "$(want "$T/gen" "$@")" "$(got "$@")"
done
from=$(date -u -d "$AS_OF -6 month" +%F)
t_eq "generated deals: --deals rows equal jq's" \
	"$(jq -s -S -c "$LIB deal_rows(\"acme\"; \"$from\"; \"$AS_OF\")" "$T/gen")" \
	"$(enrich-summary --workspace acme --as-of "$AS_OF" --deals | jq -S -c '.deals | map(del(.loaded_at))')"
t_check "generated deals: some contacts of won deals moved" \
	test "$(enrich-summary --workspace acme --as-of "$AS_OF" | jq .moved.contacts)" -gt 5
enrich-summary --workspace acme --moved >"$T/moved"; t_eq "--moved exits 0" 0 $?
t_eq "--moved: every moved contact of a won deal, any window, newest first, as jq finds them" \
	"$(jq -s -S -c "$LIB moved_rows(\"acme\")[]" "$T/gen")" "$(jq -S -c . "$T/moved")"
t_eq "--moved: newest first, the ones without a since date last" \
	"$(jq -r '.since // "0"' "$T/moved" | sort -r | sed 's/^0$/null/')" "$(jq -r '.since' "$T/moved")"
t_eq "--moved: nobody from a lost deal" 0 "$(jq -r .deal_id "$T/moved" | grep -c -F -x -f <(jq -r 'select(.workspace_id == "acme" and .stage_normalized != "closed_won") | .deal_id' "$T/gen"))"
t_eq "--deals: workspace and window" "{\"workspace\":\"acme\",\"window\":{\"months\":6,\"from\":\"$from\",\"to\":\"$AS_OF\"}}" \
	"$(enrich-summary --workspace acme --as-of "$AS_OF" --deals | jq -c 'del(.deals)')"
t_eq "--deals --months 0: every deal of the workspace but open ones" \
	"$(jq -s '[.[] | select(.workspace_id == "beta" and .stage_normalized != "open")] | length' "$T/gen")" \
	"$(enrich-summary --workspace beta --months 0 --deals | jq '.deals | length')"
# LinkedIn's coverage and "by any source", in the table as in the JSON (jq's, above)
enrich-summary --workspace acme --as-of "$AS_OF" --months 0 --format table >"$T/gtab"
li_want=$(want "$T/gen" acme 0 10 | jq -r '.coverage | "\(.linkedin.enriched) of \(.contacts) contacts \(.linkedin.mismatch) mismatch, \(.linkedin.not_found) not found, \(.linkedin.failed) failed, \(.linkedin.skipped) skipped, \(.linkedin.not_asked) not asked \(.any_source.enriched) of \(.contacts) contacts by any source"')
t_eq "table: linkedin and any-source coverage as jq counts them" "$li_want" \
	"$(grep -A2 '^  linkedin ' "$T/gtab" | sed -E 's/^ +[a-z]* +[█░]* *//; s/ \([0-9]+%\)$//' | paste -sd' ')"
enrich-summary --workspace acme --as-of "$AS_OF" --months 0 --format html >"$T/g.html"
t_contains "html: the linkedin bar, as jq counts" "$T/g.html" \
	"$(want "$T/gen" acme 0 10 | jq -r '.coverage | ">\(.linkedin.enriched) of \(.contacts); \(.linkedin.mismatch) mismatch<"')"
t_contains "html: the any-source bar, as jq counts" "$T/g.html" \
	"$(want "$T/gen" acme 0 10 | jq -r '.coverage | ">\(.any_source.enriched) of \(.contacts): Apollo or LinkedIn<"')"
t_check "generated deals: LinkedIn filled some contacts Apollo missed" test \
	"$(want "$T/gen" acme 0 10 | jq '.coverage | .any_source.enriched - .apollo.enriched')" -gt 10
export DEAL_ENRICH_DB=$T/db

# ---- --deal: the buying committee ----
enrich-summary --workspace acme --deal 1008 >"$T/c"; t_eq "--deal exits 0" 0 $?
t_eq "committee: the contacts' roles, confidences, sources, seniority, tenure" \
	"$(jq -c '[.contacts[] | {name: "\(.first_name) \(.last_name)", email, buying_role, role_confidence, role_source, seniority: .seniority_verified, tenure_months}]' <(sed -n 8p "$GOOD"))" \
	"$(jq -c '[.committee[] | {name, email, buying_role, role_confidence, role_source, seniority, tenure_months}]' "$T/c")"
t_eq "committee: the account's signals" "$(sed -n 8p "$GOOD" | jq -c '.account.signals | {status, score, summary, items}')" \
	"$(jq -c '.signals | {status, score, summary, items}' "$T/c")"
t_eq "committee: the deal" '["1008","Stark - Arc","enriched","oil & energy"]' \
	"$(jq -c '[.deal_id, .deal_name, .status, .account.firmographics.industry]' "$T/c")"
enrich-summary --workspace acme --deal 9999 >/dev/null 2>"$T/nf"; t_eq "an unknown deal: 1" 1 $?
t_contains "says so" "$T/nf" "no deal '9999'"
enrich-summary --workspace beta --deal 1008 >/dev/null 2>&1; t_eq "another workspace's deal: 1" 1 $?

# ---- --format table (the hand-written deals alone) ----
export DEAL_ENRICH_DB=$T/db4
deals-load <"$GOOD" >/dev/null
enrich-summary --workspace acme --as-of "$AS_OF" --format table >"$T/tab"; t_eq "table exits 0" 0 $?
t_check "table: at most 80 columns" test "$(widest "$T/tab")" -le 80
t_check "table: the oil & energy row (3 deals, 67% of won, 50% of lost, 67% win rate, few deals, 21-94%, 50.0k)" \
	grep -Eq '^  oil & energy +█+░* +3 +67% +50% +67%\* +21-94% +50\.0k$' "$T/tab"
t_check "table: the column headers, each over its column" \
	grep -Eq '^INDUSTRIES +deals of won of lost   win   95% CI  won rev\.$' "$T/tab"
t_contains "table: the * is explained" "$T/tab" "* fewer than 10 deals: the win rate says little"
t_contains "table: the won revenue" "$T/tab" "Won revenue 75.0k, average won deal 25.0k"
t_contains "table: the moved section, empty here" "$T/tab" "CHAMPIONS AND BUYERS WHO MOVED (0, newest first)"
t_check "table: tenure for won deals" grep -Eq '^  won +average +36\.5 +median +35\.5' "$T/tab"
t_check "table: apollo coverage 6 of 10" grep -q '6 of 10 contacts (60%)' "$T/tab"
t_check "table: no line ends in a space" bash -c "! grep -q ' \$' '$T/tab'"
enrich-summary --workspace acme --as-of "$AS_OF" --deals --format table >"$T/tabd"
t_check "deals table: at most 80 columns" test "$(widest "$T/tabd")" -le 80
t_eq "deals table: a header and a row per deal" 6 "$(wc -l <"$T/tabd")"
enrich-summary --workspace acme --deal 1001 --format table >"$T/tabc"
t_check "committee table: at most 80 columns" test "$(widest "$T/tabc")" -le 80
t_check "committee table: Pat, economic buyer, 0.95" grep -Eq '^  Pat Ng +economic_buyer +0\.95 crm_contact_role' "$T/tabc"
# nasty, wide and long values
DEAL_ENRICH_DB=$T/db3 deals-load <"$S/nasty.ndjson" >/dev/null
for a in "--months 0" "--months 0 --deals" "--deal nul"; do
	# shellcheck disable=SC2086
	DEAL_ENRICH_DB=$T/db3 enrich-summary --workspace acme $a --format table >"$T/tabn"
	t_check "nasty values, $a: table at most 80 columns" test "$(widest "$T/tabn")" -le 80
	t_check "nasty values, $a: no control character reaches the terminal" \
		python3 -c 'import sys; t = open(sys.argv[1], encoding="utf-8").read(); sys.exit(any(ord(c) < 32 and c != "\n" for c in t))' "$T/tabn"
done
DEAL_ENRICH_DB=$T/db3 enrich-summary --workspace acme --deal "q'\"\\ \$\$ 1" --format table >"$T/tabq"
t_eq "a deal id full of quotes is found" 0 $?
t_check "nasty committee table: at most 80 columns" test "$(widest "$T/tabq")" -le 80

# ---- I/O ----
export DEAL_ENRICH_DB=$T/db
enrich-summary --workspace acme >/dev/full 2>/dev/null; t_eq "stdout /dev/full: 74" 74 $?
enrich-summary --workspace acme --deals >/dev/full 2>/dev/null; t_eq "--deals to /dev/full: 74" 74 $?
mkdir -p "$T/notadb" && echo x >"$T/notadb/data.mdb"
enrich-summary --workspace acme --db "$T/notadb" >/dev/null 2>&1; t_eq "a db that is not one: 74" 74 $?
