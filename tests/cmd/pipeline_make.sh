#!/usr/bin/env bash
# examples/Makefile: each stage writes a file target; make redoes only the
# stages whose input changed, and a failed stage is where the next make starts.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key
cp "$DE_ROOT/examples/hubspot-deals.csv" "$T/deals.csv"
cp "$DE_ROOT/examples/hubspot-contacts.csv" "$T/contacts.csv"
O=$T/out
mk() { make --no-print-directory -f "$DE_ROOT/examples/Makefile" OUT="$O" DB="$T/mdb" \
	DEALS="$T/deals.csv" CONTACTS="$T/contacts.csv" WS=acme "$@"; }
# ran LOG: the stages whose recipe make ran, in order.
ran() { grep -oE '^(deals-extract|apollo-enrich|serper-signals|role-resolve|deals-load) ' "$1" | xargs; }
ALL="deals-extract apollo-enrich serper-signals role-resolve deals-load"

mk >"$T/m1" 2>"$T/m1.err"
t_eq "first make: exit 0" 0 "$?"
t_eq "first make: every stage, in order" "$ALL" "$(ran "$T/m1")"
for f in deals.ndjson apollo.ndjson signals.ndjson roles.ndjson load.json; do
	t_check "file target $f" test -s "$O/$f"
done
n=$(wc -l <"$O/deals.ndjson")
t_check "the deals went through every stage" test "$n" -gt 3 -a "$(wc -l <"$O/roles.ndjson")" = "$n"
t_eq "load.json is deals-load's report" "$n" "$(jq .deals "$O/load.json")"
t_check "the stages did their work" bash -c "head -n 1 '$O/roles.ndjson' |
	jq -e '.account.signals.status == \"enriched\" and (.contacts[0].buying_role != null)' >/dev/null"
calls=$(fake_stat .total)

mk >"$T/m2" 2>&1
t_eq "second make: nothing to do" "" "$(ran "$T/m2")"
t_eq "second make: no call" "$calls" "$(fake_stat .total)"

sleep 1   # make compares modification times, to the second on some file systems
touch "$O/signals.ndjson"
mk >"$T/m3" 2>&1
t_eq "signals.ndjson changed: only role-resolve and deals-load run" "role-resolve deals-load" "$(ran "$T/m3")"

sleep 1
echo '299,New,Person,new.person@globex.com,CTO,,Globex Corporation,9000000001,' >>"$T/contacts.csv"
mk >"$T/m4" 2>&1
t_eq "the contacts export changed: every stage again" "$ALL" "$(ran "$T/m4")"
t_eq "... Apollo asked only for the new email (the cache has the rest)" "new.person@globex.com" \
	"$(fake_stat '.asked.apollo | .[-1]')"

# A stage that fails leaves no file: the next make starts there.
sleep 1
touch "$T/deals.csv"
mk APOLLO_FLAGS=--batch-size=99 >"$T/m5" 2>&1
t_check "a stage that fails stops make" test "$?" -ne 0
t_check "... and leaves its file as it was, older than its input" test "$O/apollo.ndjson" -ot "$O/deals.ndjson"
t_eq "... after deals-extract ran" "deals-extract apollo-enrich" "$(ran "$T/m5")"
mk >"$T/m6" 2>&1
t_eq "the next make starts at the failed stage" "apollo-enrich serper-signals role-resolve deals-load" "$(ran "$T/m6")"

mk summary >"$T/summary" 2>&1
t_contains "make summary: the table" "$T/summary" "COVERAGE"
mk clean >/dev/null 2>&1
t_check "make clean removes the targets" test ! -e "$O/deals.ndjson" -a ! -e "$O/load.json"
