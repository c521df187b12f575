#!/usr/bin/env bash
# bench/deals-load.sh [DEALS]: deals-load and enrich-summary on DEALS enriched
# deals (default 100000, from tests/data/store/gen-deals.py), next to `jq -c .`
# on the same input: deals-load's records per second (first load, an unchanged
# reload, --sql), and the seconds enrich-summary and enrich-status take.
# Goal: the summary under a second for 100,000 deals. Uses bin/ (make all);
# the input is made once in $BENCH_DIR (default /tmp/deal-enrich-bench).
set -eu
cd "$(dirname "$0")/.."
n=${1:-100000}
dir=${BENCH_DIR:-/tmp/deal-enrich-bench}
in=$dir/store-$n.ndjson
db=$dir/store-db-$n
mkdir -p "$dir"
for p in bin/deals-load bin/enrich-summary bin/enrich-status; do
	[ -x "$p" ] || { echo "bench: $p is missing: run make first" >&2; exit 1; }
done
[ -s "$in" ] || python3 tests/data/store/gen-deals.py "$n" 42 bench >"$in"
deals=$(wc -l <"$in")
contacts=$(jq -n '[inputs | .contacts | length] | add' "$in")
echo "input: $deals deals, $contacts contacts, $(($(wc -c <"$in") / 1048576)) MiB"
export DEAL_ENRICH_DB=$db XDG_CONFIG_HOME=$dir/config
# t CMD...: "wall cpu" seconds of one run (cpu = user + sys: what the program
# costs on a busy machine, where wall time also measures the others)
t() {
	local TIMEFORMAT='%R %U %S' out
	out=$( { time "$@" >/dev/null 2>/dev/null; } 2>&1 )
	echo "$out" | awk '{printf "%.2f %.2f", $1, $2 + $3}'
}
rate() { # NAME WALL CPU
	awk -v name="$1" -v w="$2" -v c="$3" -v d="$deals" 'BEGIN{
		printf "%-34s wall %6.2f s  cpu %6.2f s  %8.0f deals/s (cpu)\n", name, w, c, d / (c > 0 ? c : 0.001) }'
}
secs() { # NAME WALL CPU
	printf '%-34s wall %6.2f s  cpu %6.2f s\n' "$1" "$2" "$3"
}
read -r jw jc <<<"$(t sh -c "jq -c . <'$in'")"
rate "jq -c ." "$jw" "$jc"
rm -rf "$db"
read -r w c <<<"$(t sh -c "bin/deals-load <'$in'")"; rate "deals-load (empty store)" "$w" "$c"
lc=$c
read -r w c <<<"$(t sh -c "bin/deals-load <'$in'")"; rate "deals-load (same records again)" "$w" "$c"
read -r w c <<<"$(t sh -c "bin/deals-load --sql <'$in'")"; rate "deals-load --sql" "$w" "$c"
read -r sw sc <<<"$(t bin/enrich-summary --workspace bench --months 0)"; secs "enrich-summary (every deal)" "$sw" "$sc"
read -r w c <<<"$(t bin/enrich-summary --workspace bench)"; secs "enrich-summary (6 months)" "$w" "$c"
read -r w c <<<"$(t bin/enrich-summary --workspace bench --months 0 --format table)"; secs "enrich-summary --format table" "$w" "$c"
read -r w c <<<"$(t bin/enrich-summary --workspace bench --months 0 --deals)"; secs "enrich-summary --deals" "$w" "$c"
read -r w c <<<"$(t bin/enrich-status --workspace bench)"; secs "enrich-status" "$w" "$c"
echo "store: $(du -sh "$db" | cut -f1)"
awk -v a="$jc" -v b="$lc" 'BEGIN{printf "deals-load is %.2fx as fast as jq -c . (cpu)\n", a/b}'
awk -v s="$sc" -v n="$deals" 'BEGIN{printf "enrich-summary: %.2f s of cpu for %d deals %s\n", s, n,
	(s < 1 ? "- under a second, as the goal says" : "- OVER the goal of a second")}'
