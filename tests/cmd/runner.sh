#!/usr/bin/env bash
# tests/run itself: how it tallies scripts that pass, fail, report nothing,
# die, or skip (DE_CMD_TESTS points it at scripts written here).
source "$(dirname "$0")/../lib.sh"

cases=$T/cases
mkdir -p "$cases"
script() { printf '#!/usr/bin/env bash\n%s\n' "$2" >"$cases/$1.sh"; }
# run_cases: the runner on the scripts of $cases, its output in $T/out, its status returned.
run_cases() {
	DE_CMD_TESTS=$cases "$DE_ROOT/tests/run" --cmd-only "$DE_BIN" >"$T/out" 2>&1
}
failed() { grep -q "^FAIL cmd/$1 " "$T/out"; }

script pass 'echo "ok - one"; echo "ok - two"'
run_cases; t_eq "two passing checks: exit 0" 0 "$?"
t_eq "two passing checks: counted" "2 passed, 0 failed" "$(tail -1 "$T/out")"

script silent 'echo "some output, no TAP line"; exit 0'
run_cases; t_eq "a script reporting no check: exit 1" 1 "$?"
t_check "... named as failed" failed silent
t_contains "... as reporting no check" "$T/out" "not ok - cmd/silent reported no check"
t_eq "... counted as one failure" "2 passed, 1 failed" "$(tail -1 "$T/out")"
rm "$cases/silent.sh"

script empty ''
run_cases; t_eq "an empty script: exit 1" 1 "$?"
t_check "... named as failed" failed empty
rm "$cases/empty.sh"

script fail 'echo "ok - first"; echo "not ok - second: expected [1], got [2]"'
run_cases; t_eq "a failing check: exit 1" 1 "$?"
t_eq "... counted" "3 passed, 1 failed" "$(tail -1 "$T/out")"
t_contains "... its line shown" "$T/out" "    not ok - second: expected [1], got [2]"
rm "$cases/fail.sh"

script crash 'echo "ok - before the crash"; kill -SEGV $$'
run_cases; t_eq "a script killed after a passing check: exit 1" 1 "$?"
t_contains "... its status said" "$T/out" "not ok - cmd/crash exited with status 139"
t_eq "... counted" "3 passed, 1 failed" "$(tail -1 "$T/out")"
rm "$cases/crash.sh"

script silentcrash 'exit 3'
run_cases; t_eq "a script that exits 3 saying nothing: exit 1" 1 "$?"
t_contains "... its status said" "$T/out" "not ok - cmd/silentcrash exited with status 3"
t_eq "... one failure" "2 passed, 1 failed" "$(tail -1 "$T/out")"
rm "$cases/silentcrash.sh"

script skip 'echo "ok - needs a thing # SKIP the thing is not installed"'
run_cases; t_eq "a skip with a reason: exit 0" 0 "$?"
t_eq "... not counted as a pass" "2 passed, 0 failed" "$(tail -1 "$T/out")"
t_contains "... counted as a skip" "$T/out" "1 skipped"
t_contains "... its reason shown" "$T/out" "    ok - needs a thing # SKIP the thing is not installed"

script skip 'echo "ok - needs a thing # SKIP"'
run_cases; t_eq "a skip without a reason: exit 1" 1 "$?"
t_contains "... said" "$T/out" "not ok - cmd/skip: 1 skip(s) without a reason"

# t_skip, as the command tests write it
script skip "source '$DE_ROOT/tests/lib.sh'; t_skip 'a check' 'no reason to run it'"
run_cases; t_eq "t_skip with a reason: exit 0" 0 "$?"
t_contains "... the line" "$T/out" "    ok - a check # SKIP no reason to run it"
script skip "source '$DE_ROOT/tests/lib.sh'; t_skip 'a check'"
run_cases; t_eq "t_skip without a reason: exit 1" 1 "$?"
t_contains "... said" "$T/out" "not ok - a check: skipped without a reason"
