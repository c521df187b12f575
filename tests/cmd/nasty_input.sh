#!/bin/bash
# Hostile input (issue 8): every program on tests/data/nasty/ and on generated
# monsters (a 10 MB string, a line past --max-line, deep nesting): no crash,
# each bad line reported with its number and exit 65, the others passing
# through whole, and every output line valid JSON in valid UTF-8.
source "$(dirname "$0")/../lib.sh"
N=$DATA/nasty
t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key

# valid_out NAME FILE LINES: FILE is LINES complete lines of JSON objects in UTF-8
valid_out() {
	local why
	why=$(python3 - "$2" "$3" <<'PY'
import json, sys
b = open(sys.argv[1], 'rb').read()
if b and not b.endswith(b'\n'): print('half line at the end'); sys.exit()
lines = b.split(b'\n')[:-1] if b else []
if sys.argv[2] != '-' and len(lines) != int(sys.argv[2]): print('%d lines' % len(lines)); sys.exit()
for i, l in enumerate(lines, 1):
    try: s = l.decode('utf-8')
    except UnicodeDecodeError as e: print('line %d not UTF-8: %s' % (i, e)); sys.exit()
    try: v = json.loads(s)
    except ValueError as e: print('line %d not JSON: %s' % (i, e)); sys.exit()
    if not isinstance(v, dict): print('line %d not an object' % i); sys.exit()
PY
)
	t_eq "$1" "" "$why"
}
no_crash() { t_lacks "$1 (no sanitizer report)" "$2" "Sanitizer"; t_lacks "$1 (no runtime error)" "$2" "runtime error"; }

declare -A ARGS=(
	[deals-extract]="--format ndjson --all --no-limit --today 2026-04-01"
	[deals-filter]=""
	[apollo-enrich]="--delay-ms 0"
	[serper-signals]="--delay-ms 0 --classifier rules"
	[role-resolve]=""
	[deals-load]="--tee"
)
BADLINES="2 4 6 8 10 12 14 16 18"
for p in deals-extract deals-filter apollo-enrich serper-signals role-resolve deals-load; do
	# bad.ndjson: the even lines are broken; each is named, exit 65, the rest pass
	$p ${ARGS[$p]} <"$N/bad.ndjson" >"$T/out" 2>"$T/err"; rc=$?
	t_eq "$p bad lines: exit 65" 65 "$rc"
	no_crash "$p bad lines" "$T/err"
	miss=
	for l in $BADLINES; do grep -q "^$p: stdin:$l: " "$T/err" || miss="$miss $l"; done
	t_eq "$p names every bad line" "" "$miss"
	valid_out "$p bad lines: the 10 good records out, whole" "$T/out" 10
	t_eq "$p bad lines: the good ones in order" "1 3 5 7 9 11 13 15 17 19" \
		"$(jq -r .deal_id "$T/out" | tr '\n' ' ' | sed 's/ $//')"

	# good.ndjson: odd but valid records pass through (or are named, exit 65)
	$p ${ARGS[$p]} <"$N/good.ndjson" >"$T/out" 2>"$T/err"; rc=$?
	no_crash "$p odd records" "$T/err"
	named=$(grep -c "^$p: stdin:[0-9]*: " "$T/err")
	case $rc in
	0) t_eq "$p odd records: exit 0, none named" 0 "$named" ;;
	65) t_check "$p odd records: exit 65 names a line" test "$named" -gt 0 ;;
	*) t_fail "$p odd records: exit $rc" "$(head -c 300 "$T/err")" ;;
	esac
	valid_out "$p odd records: the others out, whole, UTF-8" "$T/out" $((20 - named))
done

# what the odd records became in the store: status and summary stay valid JSON
deals-load <"$N/good.ndjson" >/dev/null 2>"$T/err"
no_crash "deals-load odd records into the store" "$T/err"
enrich-status --workspace nasty >"$T/out" 2>"$T/err"; rc=$?
t_eq "enrich-status over the odd records: exit 0" 0 "$rc"
valid_out "enrich-status over the odd records: valid" "$T/out" -
enrich-summary --workspace nasty --months 0 --deals >"$T/out" 2>"$T/err"; rc=$?
t_eq "enrich-summary over the odd records: exit 0" 0 "$rc"
valid_out "enrich-summary over the odd records: valid" "$T/out" -
no_crash "enrich-summary" "$T/err"
for d in 4 12b 13 000123; do
	enrich-summary --workspace nasty --deal "$d" >"$T/out" 2>"$T/err"
	no_crash "enrich-summary --deal $d" "$T/err"
	valid_out "enrich-summary --deal $d: valid" "$T/out" -
done

# generated monsters: a 10 MB string passes whole; a 20 MB line is named
# (past --max-line) and the next record still passes; 64 levels pass, 65 not
python3 - "$T/big.ndjson" <<'PY'
import json, sys
f = open(sys.argv[1], 'w')
def rec(i, **k):
    r = {"workspace_id": "nasty", "deal_id": str(i), "close_date": "2026-03-14",
         "account": {"name": "Big", "domain": "big.com"}, "contacts": [{"email": "a@big.com"}]}
    r.update(k); return json.dumps(r, ensure_ascii=False)
f.write(rec(1, note="é" * (5 * 1024 * 1024)) + "\n")
f.write(rec(2, note="x" * (20 * 1024 * 1024)) + "\n")
f.write(rec(3, deep=json.loads("[" * 60 + "]" * 60)) + "\n")
f.write(rec(4, deep=json.loads("[" * 70 + "]" * 70)) + "\n")
f.write(rec(5, n=int("7" * 400), emails=["\"o'neil\"@x.com", "δοκιμή@παράδειγμα.ελ"]) + "\n")
PY
for p in deals-filter deals-load; do
	args=; [ $p = deals-load ] && args=--tee
	$p $args <"$T/big.ndjson" >"$T/out" 2>"$T/err"; rc=$?
	t_eq "$p monsters: exit 65" 65 "$rc"
	no_crash "$p monsters" "$T/err"
	t_check "$p monsters: the 20 MB line named" grep -q "^$p: stdin:2: " "$T/err"
	t_check "$p monsters: 70 levels named" grep -q "^$p: stdin:4: " "$T/err"
	valid_out "$p monsters: 3 records out, whole" "$T/out" 3
	t_eq "$p monsters: the 10 MB string intact" $((5 * 1024 * 1024)) \
		"$(head -1 "$T/out" | jq -r '.note | length')"
	t_check "$p monsters: 400 digits kept" grep -q '"n":7777777777' "$T/out"
done
