#!/usr/bin/env bash
# bench/icp.sh [DEALS]: icp-profile on DEALS closed deals (default 100000) and
# lead-score on as many open deals, next to `jq -c .` on the same records.
# The deals come from tests/icp/gen.py (a planted model, ~1.5 KB a deal), made
# once in $BENCH_DIR (default /tmp/deal-enrich-bench) and loaded with
# deals-load. Goals (issue 16): the profile under a second for 100,000 deals;
# lead-score at least as fast as jq -c . Uses bin/ (make all). Each figure is
# the best of 3 runs, wall and CPU (user + sys) seconds.
set -eu
cd "$(dirname "$0")/.."
n=${1:-100000}
dir=${BENCH_DIR:-/tmp/deal-enrich-bench}
closed=$dir/icp-closed-$n.ndjson
open=$dir/icp-open-$n.ndjson
db=$dir/icp-db-$n
mkdir -p "$dir"
for p in bin/deals-load bin/icp-profile bin/lead-score; do
	[ -x "$p" ] || { echo "bench: $p is missing: run make first" >&2; exit 1; }
done
[ -s "$closed" ] || python3 tests/icp/gen.py --n "$n" --seed 42 --ws bench >"$closed"
[ -s "$open" ] || python3 tests/icp/gen.py --n "$n" --seed 43 --ws bench --open --prefix o >"$open"
export DEAL_ENRICH_DB=$db XDG_CONFIG_HOME=$dir/config
if [ ! -e "$db/.loaded" ]; then
	rm -rf "$db"
	bin/deals-load --quiet <"$closed" >/dev/null
	touch "$db/.loaded"
fi
echo "input: $n closed deals ($(($(wc -c <"$closed") / 1048576)) MiB loaded in the store), $n open deals ($(($(wc -c <"$open") / 1048576)) MiB)"
# best CMD...: "wall cpu" seconds, the best of 3 runs by cpu
best() {
	local TIMEFORMAT='%R %U %S' i out bw= bc=
	for i in 1 2 3; do
		out=$( { time "$@" >/dev/null 2>/dev/null; } 2>&1 )
		read -r w c <<<"$(echo "$out" | awk '{printf "%.2f %.2f", $1, $2 + $3}')"
		if [ -z "$bc" ] || awk "BEGIN{exit !($c < $bc)}"; then bw=$w bc=$c; fi
	done
	echo "$bw $bc"
}
line() { printf '%-44s wall %6.2f s  cpu %6.2f s\n' "$1" "$2" "$3"; }
read -r pw pc <<<"$(best bin/icp-profile --workspace bench --months 0 --as-of 2026-11-15 --no-save)"
line "icp-profile, $n deals (json)" "$pw" "$pc"
read -r w c <<<"$(best bin/icp-profile --workspace bench --months 0 --as-of 2026-11-15 --no-save --format html)"
line "icp-profile, $n deals (html)" "$w" "$c"
bin/icp-profile --workspace bench --months 0 --as-of 2026-11-15 >/dev/null
read -r lw lc <<<"$(best sh -c "bin/lead-score --workspace bench <'$open'")"
line "lead-score, $n open deals" "$lw" "$lc"
read -r jw jc <<<"$(best sh -c "jq -c . <'$open'")"
line "jq -c ., the same open deals" "$jw" "$jc"
awk -v p="$pc" -v n="$n" 'BEGIN{printf "icp-profile: %.2f s of cpu for %d deals %s\n", p, n,
	(p < 1 ? "- under a second, as the goal says" : "- OVER the goal of a second")}'
awk -v l="$lc" -v j="$jc" 'BEGIN{printf "lead-score is %.2fx as fast as jq -c . (cpu) %s\n", j / l,
	(l <= j ? "- at least as fast, as the goal says" : "- SLOWER than the goal")}'
