#!/usr/bin/env bash
# role-resolve under allocation failure: every single allocation of a run on
# the test deals fails once in turn (tests/fault/sweep.py), and every run ends
# cleanly: no crash, no sanitizer report, only whole lines, a message when it
# fails, all records when it exits 0.
source "$(dirname "$0")/../lib.sh"

FAULT_BIN=${FAULT_BIN:-$DE_ROOT/build/fault/bin}
if [ "${VALGRIND:-0}" = 1 ]; then
	t_skip "allocation failure sweep" "the fault build is an ASan build, which valgrind cannot run"
	exit 0
fi
[ -x "$FAULT_BIN/role-resolve" ] || { t_fail "no $FAULT_BIN/role-resolve (make san)"; exit 0; }
mkdir -p "$T/fault" && cp "$FAULT_BIN/role-resolve" "$T/fault/"
sweep() { python3 "$DE_ROOT/tests/fault/sweep.py" "$1" "$2" "$T/fault/$3" "${@:4}"; }

sweep "role-resolve on the test deals" "$DATA/roles/deals.ndjson" role-resolve
# --llm without a key: the workspace file is read, the notice said, the rules stand
sweep "role-resolve --llm without a key" "$DATA/roles/llm.ndjson" role-resolve --llm
