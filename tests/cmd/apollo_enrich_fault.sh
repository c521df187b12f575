#!/usr/bin/env bash
# apollo-enrich under allocation failure: every single allocation of a run
# fails once in turn (tests/fault/sweep.py), and every run ends cleanly: no
# crash, no sanitizer report, only whole lines, a message when it fails, all
# records when it exits 0. Cold (asking the fake Apollo), warm (the cache),
# dry run, and without a key.
source "$(dirname "$0")/../lib.sh"

FAULT_BIN=${FAULT_BIN:-$DE_ROOT/build/fault/bin}
if [ "${VALGRIND:-0}" = 1 ]; then
	t_skip "allocation failure sweep" "the fault build is an ASan build, which valgrind cannot run"
	exit 0
fi
[ -x "$FAULT_BIN/apollo-enrich" ] || { t_fail "no $FAULT_BIN/apollo-enrich (make san)"; exit 0; }
mkdir -p "$T/fault" && cp "$FAULT_BIN/apollo-enrich" "$T/fault/"
sweep() { python3 "$DE_ROOT/tests/fault/sweep.py" "$1" "$2" "$T/fault/$3" "${@:4}"; }
IN=$DATA/apollo/one.ndjson

sweep "apollo-enrich without a key" "$IN" apollo-enrich

t_start_fakeapi --data "$DATA/apollo" --apollo-limit-minute 1000000 --apollo-limit-hourly 1000000 \
	--apollo-limit-daily 1000000 || exit 1
printf 'apollo_api_key = test-apollo-key\n' | t_workspace acme
sweep "apollo-enrich asking Apollo" "$IN" apollo-enrich --delay-ms 0 --retries 0
sweep "apollo-enrich --dry-run" "$IN" apollo-enrich --dry-run
apollo-enrich --db "$T/warm" --delay-ms 0 <"$IN" >/dev/null 2>&1
t_eq "warm db ready" 0 $?
sweep "apollo-enrich from the cache" "$IN" apollo-enrich --db "$T/warm"
