#!/usr/bin/env bash
# Every program answers --help and --version alike (cli_help_version): on
# stdout, exit 0, and a stdout that cannot be written is exit 74 with a message.
source "$(dirname "$0")/../lib.sh"

cd "$DE_ROOT" || exit 1
n_progs=0
for c in cmd/*.c; do
	n=$(basename "$c" .c)
	n_progs=$((n_progs + 1))
	out=$($n --version 2>"$T/err"); rc=$?
	t_eq "$n --version: exit 0, its name and version" "0 $n " "$rc ${out%%[0-9]*}"
	t_eq "$n --version: nothing on stderr" "" "$(cat "$T/err")"
	$n --help >"$T/help" 2>"$T/err"; rc=$?
	t_eq "$n --help: exit 0, usage on stdout" "0 usage: $n " "$rc $(head -c $((8 + ${#n})) "$T/help")"
	t_check "$n --help: the common options" grep -q -- "--version" "$T/help"
	if [ -w /dev/full ]; then
		$n --help >/dev/full 2>"$T/err"; rc=$?
		t_eq "$n --help >/dev/full: exit 74, said" "74 $n: error writing stdout" "$rc $(cut -d: -f1,2 "$T/err")"
		$n --version >/dev/full 2>"$T/err"; rc=$?
		t_eq "$n --version >/dev/full: exit 74" 74 "$rc"
	else
		t_skip "$n --help >/dev/full" "no writable /dev/full here"
	fi
done
t_check "programs checked: $n_progs" test "$n_progs" -ge 8
