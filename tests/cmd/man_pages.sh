#!/usr/bin/env bash
# Every program and pipeline has a man page in one dialect (mdoc, .Dd first)
# that renders without a message and names every option its --help lists;
# with mandoc installed (optional), `mandoc -T lint -W warning` finds nothing.
source "$(dirname "$0")/../lib.sh"

cd "$DE_ROOT" || exit 1
have_mandoc=0
command -v mandoc >/dev/null && have_mandoc=1
pages=0
# check NAME PAGE HELP_CMD...
check() {
	local n=$1 page=$2 opts missing o lint; shift 2
	pages=$((pages + 1))
	if [ ! -f "$page" ]; then t_fail "$n: a man page" "no $page"; return; fi
	t_eq "$n: mdoc (.Dd first)" ".Dd" "$(grep -v '^\.\\"' "$page" | head -1 | cut -d' ' -f1)"
	LC_ALL=C MANWIDTH=3000 man -l "$page" >"$T/$n.man" 2>"$T/$n.err"
	t_eq "$n: man page renders" 0 "$?"
	t_eq "$n: man page renders without a message" "" "$(cat "$T/$n.err")"
	opts=$("$@" --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
	t_check "$n: --help lists options" test -n "$opts"
	missing=
	for o in $opts; do
		grep -qE -- "$o([^a-z0-9-]|\$)" "$T/$n.man" || missing="$missing $o"
	done
	t_eq "$n: the man page names every option of --help" "" "$missing"
	if [ $have_mandoc = 1 ]; then
		lint=$(mandoc -T lint -W warning "$page" 2>&1)
		t_eq "$n: mandoc -T lint -W warning" "" "$lint"
	else
		t_skip "$n: mandoc -T lint -W warning" "mandoc is not installed (optional)"
	fi
}
for c in cmd/*.c; do
	n=$(basename "$c" .c)
	check "$n" "man/$n.1" "$n"
done
for p in pipelines/*; do
	[ -x "$p" ] || continue
	n=deal-enrich-$(basename "$p")
	check "$n" "man/$n.1" "$p"
done
t_check "pages checked: $pages" test "$pages" -ge 11
