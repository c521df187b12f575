#!/usr/bin/env bash
# bench/serper-signals.sh [ACCOUNTS] [LATENCY_MS]: serper-signals on ACCOUNTS
# (default 100) uncached accounts against the fake Serper answering in
# LATENCY_MS (default 300), with 5 requests in flight, next to the same run
# with 1 in flight (the original service's per-account loop). Both runs leave
# out the 200 ms pacing (--delay-ms 0) so that only the concurrency differs;
# a third line shows the default pacing. Goal: 5 in flight at least 4.5 times
# faster than 1. Uses bin/ (make all) and a fresh db per run; the fake runs on
# a free port of 127.0.0.1 and stops with the script.
set -eu
cd "$(dirname "$0")/.."
n=${1:-100}
latency=${2:-300}
[ -x bin/serper-signals ] || { echo "bench: run make first" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/deal-enrich-bench-serper.XXXXXX")
fake=
cleanup() { [ -n "$fake" ] && kill "$fake" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

python3 tests/fakeapi/fakeapi.py --port 0 --port-file "$dir/port" --latency-ms "$latency" 2>"$dir/fake.log" &
fake=$!
for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
[ -s "$dir/port" ] || { echo "bench: the fake API did not start: $(cat "$dir/fake.log")" >&2; exit 1; }
url=http://127.0.0.1:$(cat "$dir/port")

python3 - "$n" "$dir/in.ndjson" <<'PY'
import json, sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    for i in range(n):
        f.write(json.dumps({"workspace_id": "bench", "deal_id": str(9000000000 + i),
                            "account": {"account_id": str(i), "name": "Benchco %d" % i,
                                        "domain": "benchco%d.com" % i}}) + "\n")
PY

# run NAME ARGS...: prints the wall time in seconds of one run in a fresh db
run() {
	local name=$1 s e; shift
	s=$(date +%s.%N)
	SERPER_API_KEY=test-serper-key SERPER_BASE_URL=$url DEEPSEEK_API_KEY= \
		bin/serper-signals --db "$dir/db.$name" --quiet "$@" <"$dir/in.ndjson" >"$dir/$name.out"
	e=$(date +%s.%N)
	[ "$(grep -c '"status":"enriched"' "$dir/$name.out")" -eq "$n" ] ||
		{ echo "bench: $name: not every account was enriched" >&2; exit 1; }
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }'
}

echo "serper-signals: $n uncached accounts, fake Serper at $latency ms"
t1=$(run one --concurrency 1 --delay-ms 0)
echo "  1 in flight (per-account loop)   ${t1} s"
t5=$(run five --concurrency 5 --delay-ms 0)
echo "  5 in flight                      ${t5} s"
td=$(run paced)
echo "  5 in flight, 200 ms apart        ${td} s  (the default pacing)"
ratio=$(awk -v a="$t1" -v b="$t5" 'BEGIN { printf "%.2f", a / b }')
if awk -v r="$ratio" 'BEGIN { exit !(r >= 4.5) }'; then
	echo "  speedup ${ratio}x (goal 4.5x): met"
else
	echo "  speedup ${ratio}x (goal 4.5x): NOT met"
	exit 1
fi
