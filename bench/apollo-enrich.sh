#!/usr/bin/env bash
# Benchmark of apollo-enrich on a warm cache (issue 3): records per second and
# MB/s next to `jq -c .` on the same file, and peak memory, for CONTACTS
# contacts (default 1000000) in deals of 5, drawn from DISTINCT emails
# (default 2000) that a first run against the fake Apollo puts in the cache.
#
#   bench/apollo-enrich.sh [CONTACTS [DISTINCT]]     (after `make`)
#
# Times are CPU seconds, the best of RUNS runs (default 5), apollo-enrich and
# jq taking turns: on a shared machine a single run measures the neighbours
# too. PERF=FILE also records a
# profile of apollo-enrich (perf record --call-graph dwarf) into FILE.
#
# Goals: at least 3 times jq's speed; peak memory flat, under 30 MB, whatever
# the input size (compare two sizes: the peak must not grow).
set -eu
cd "$(dirname "$0")/.."
contacts=${1:-1000000}
distinct=${2:-2000}
bin=${BIN:-bin}
W=$(mktemp -d "${TMPDIR:-/tmp}/de-bench.XXXXXX")
fpid=
trap '[ -n "$fpid" ] && kill "$fpid" 2>/dev/null; rm -rf "$W"' EXIT
export XDG_CONFIG_HOME=$W/config DEAL_ENRICH_DB=$W/db
mkdir -p "$XDG_CONFIG_HOME/deal-enrich/workspaces"
printf 'apollo_api_key = test-apollo-key\n' >"$XDG_CONFIG_HOME/deal-enrich/workspaces/bench.conf"
chmod 600 "$XDG_CONFIG_HOME/deal-enrich/workspaces/bench.conf"

# deals: 5 contacts each, emails cycling over the distinct pool.
gen() {
	awk -v n="$1" -v d="$2" 'BEGIN {
		deals = int((n + 4) / 5); k = 0
		for (i = 1; i <= deals; i++) {
			printf "{\"workspace_id\":\"bench\",\"deal_id\":\"%d\",\"deal_name\":\"Deal %d\",\"stage_normalized\":\"closed_won\",\"close_date\":\"2026-03-14\",\"amount\":25000,\"currency\":\"USD\",\"account\":{\"account_id\":\"a%d\",\"name\":\"Corp%d\",\"domain\":\"corp%d.com\"},\"contacts\":[", i, i, i % d, i % d, i % d
			for (j = 0; j < 5; j++) {
				e = k % d; k++
				printf "%s{\"contact_id\":\"c%d\",\"email\":\"person.%d@corp%d.com\",\"first_name\":\"P\",\"last_name\":\"N%d\",\"title\":\"VP Sales\"}", (j ? "," : ""), e, e, e % d, e
			}
			printf "]}\n"
		}
	}'
}

python3 tests/fakeapi/fakeapi.py --port 0 --port-file "$W/port" --apollo-limit-minute 1000000 --apollo-limit-hourly 1000000 --apollo-limit-daily 1000000 2>"$W/fake.log" &
fpid=$!
for i in $(seq 100); do [ -s "$W/port" ] && break; sleep 0.1; done
export APOLLO_BASE_URL=http://127.0.0.1:$(cat "$W/port")

gen "$distinct" "$distinct" >"$W/warm.ndjson"
gen "$contacts" "$distinct" >"$W/big.ndjson"
gen $((contacts / 10)) "$distinct" >"$W/small.ndjson"
"$bin/apollo-enrich" --delay-ms 0 --quiet --stats-json <"$W/warm.ndjson" >/dev/null 2>"$W/warm.err" || { cat "$W/warm.err" >&2; exit 1; }
kill "$fpid"; fpid=
unset APOLLO_BASE_URL   # warm: no call may be made (a call would fail and show)

# One run of NAME: CPU seconds (user + sys) and peak KB appended to $W/NAME.times.
run_once() {   # NAME FILE CMD...
	local name=$1 file=$2; shift 2
	/usr/bin/time -f '%U %S %M' -o "$W/time" "$@" <"$file" >/dev/null 2>"$W/$name.err" ||
		{ echo "$name failed: $(head -3 "$W/$name.err")" >&2; exit 1; }
	tail -1 "$W/time" >>"$W/$name.times"
}
# "best_cpu_seconds largest_peak_kb" of NAME's runs.
best_of() {
	awk 'NR == 1 || $1 + $2 < best { best = $1 + $2 } $3 > kb { kb = $3 }
	    END { printf "%.2f %d\n", best, kb }' "$W/$1.times"
}
records=$(wc -l <"$W/big.ndjson")
mb=$(du -m "$W/big.ndjson" | cut -f1)
if [ -n "${PERF:-}" ]; then
	perf record --call-graph dwarf -F 1000 -o "$PERF" "$bin/apollo-enrich" --quiet \
	    <"$W/big.ndjson" >/dev/null 2>&1
fi
# apollo-enrich and jq take turns, so that both meet the same neighbours.
for i in $(seq "${RUNS:-5}"); do
	run_once apollo "$W/big.ndjson" "$bin/apollo-enrich" --quiet
	run_once jq "$W/big.ndjson" jq -c .
	run_once apollo_small "$W/small.ndjson" "$bin/apollo-enrich" --quiet
done
read -r ae_s ae_kb < <(best_of apollo)
read -r _ ae_small_kb < <(best_of apollo_small)
read -r jq_s jq_kb < <(best_of jq)
awk -v r="$records" -v c="$contacts" -v mb="$mb" -v as="$ae_s" -v ak="$ae_kb" -v sk="$ae_small_kb" \
    -v js="$jq_s" -v jk="$jq_kb" 'BEGIN {
	if (as <= 0) as = 0.01; if (js <= 0) js = 0.01
	printf "input: %d records, %d contacts, %d MB, warm cache\n", r, c, mb
	printf "apollo-enrich: %.2f s CPU, %.0f records/s, %.1f MB/s, peak %.1f MB (%.1f MB on a tenth of the input)\n", as, r / as, mb / as, ak / 1024, sk / 1024
	printf "jq -c .:       %.2f s CPU, %.0f records/s, %.1f MB/s, peak %.1f MB\n", js, r / js, mb / js, jk / 1024
	printf "speed-up over jq: %.2fx (goal 3x); peak memory goal: under 30 MB and flat\n", js / as
}'
