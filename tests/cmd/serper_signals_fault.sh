#!/usr/bin/env bash
# serper-signals under allocation failure: every single allocation of a run
# fails once in turn (tests/fault/sweep.py), and every run ends cleanly: no
# crash, no sanitizer report, only whole lines, a message when it fails, all
# records when it exits 0. Without a key, asking Serper (rules), asking Serper
# and DeepSeek, a dry run, and from the cache.
source "$(dirname "$0")/../lib.sh"

FAULT_BIN=${FAULT_BIN:-$DE_ROOT/build/fault/bin}
if [ "${VALGRIND:-0}" = 1 ]; then
	t_skip "allocation failure sweep" "the fault build is an ASan build, which valgrind cannot run"
	exit 0
fi
[ -x "$FAULT_BIN/serper-signals" ] || { t_fail "no $FAULT_BIN/serper-signals (make san)"; exit 0; }
mkdir -p "$T/fault" && cp "$FAULT_BIN/serper-signals" "$T/fault/"
sweep() { python3 "$DE_ROOT/tests/fault/sweep.py" "$1" "$2" "$T/fault/$3" "${@:4}"; }
# One deal and few results per search keep the number of runs (one per allocation) small.
head -1 "$DATA/serper/deals30.ndjson" >"$T/one.ndjson"
IN=$T/one.ndjson

sweep "serper-signals without a key" "$IN" serper-signals

t_start_fakeapi || exit 1
export SERPER_API_KEY=test-serper-key
sweep "serper-signals asking Serper, rules" "$IN" serper-signals --delay-ms 0 --num 1
DEEPSEEK_API_KEY=test-deepseek-key sweep "serper-signals asking Serper and DeepSeek" "$IN" \
	serper-signals --delay-ms 0 --num 2
sweep "serper-signals --dry-run" "$IN" serper-signals --dry-run
DEEPSEEK_API_KEY=test-deepseek-key serper-signals --db "$T/warm" --delay-ms 0 --num 2 <"$IN" >/dev/null 2>&1
t_eq "warm db ready" 0 $?
DEEPSEEK_API_KEY=test-deepseek-key sweep "serper-signals from the cache" "$IN" \
	serper-signals --db "$T/warm" --num 2
