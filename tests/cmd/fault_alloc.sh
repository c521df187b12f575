#!/usr/bin/env bash
# Allocation failure, every n: each program of the fault build (build/fault/,
# see tests/fault/alloc.c) runs once per allocation it makes on a small input,
# with that one allocation failing (tests/fault/sweep.py says what a clean end is).
source "$(dirname "$0")/../lib.sh"

FAULT_BIN=${FAULT_BIN:-$DE_ROOT/build/fault/bin}
if [ "${VALGRIND:-0}" = 1 ]; then
	t_skip "allocation failure sweep" "the fault build is an ASan build, which valgrind cannot run"
	exit 0
fi
# A private copy: a rebuild while the sweep runs must not pull a binary away.
mkdir -p "$T/fault" && cp "$FAULT_BIN"/* "$T/fault/"
sweep() { python3 "$DE_ROOT/tests/fault/sweep.py" "$1" "$2" "$T/fault/$3" "${@:4}"; }

head -1 "$DE_ROOT/examples/deals.ndjson" >"$T/deal.ndjson"
head -3 "$DE_ROOT/examples/hubspot-deals.csv" >"$T/deals.csv"
sweep "deals-extract on NDJSON" "$T/deal.ndjson" deals-extract --all --no-limit
sweep "deals-extract on a HubSpot CSV" "$T/deals.csv" deals-extract --all --no-limit \
	--contacts "$DE_ROOT/examples/hubspot-contacts.csv"
