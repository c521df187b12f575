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
head -2 "$DATA/deals-extract/map-deals.csv" >"$T/mapped.csv"
head -2 "$DATA/deals-extract/map-accounts.csv" >"$T/accounts.csv"
sweep "deals-extract through --map and --accounts" "$T/mapped.csv" deals-extract --all --no-limit \
	--map deal_id=opportunity_id --map stage=deal_stage --map account.employees=Employees \
	--accounts "$T/accounts.csv"
cat >"$T/profile.json" <<'PROFILE'
{"base_win_rate":0.5,"profile_at":"2026-12-01T00:00:00Z","window":{"to":"2026-11-15"},
 "model":{"intercept":0.1,"calibration":{"a":0,"b":1},
  "weights":[{"attribute":"account.firmographics.industry","value":"oil & energy","weight":1},
   {"attribute":"contacts.buying_role","value":"economic_buyer","weight":0.5}]}}
PROFILE
head -2 "$DE_ROOT/tests/data/store/good.ndjson" >"$T/two.ndjson"
sweep "lead-score on two records" "$T/two.ndjson" lead-score --profile "$T/profile.json"
