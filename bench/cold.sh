#!/usr/bin/env bash
# bench/cold.sh [SCENARIO...]: the cold figures of issue 18 against the fake
# API answering in fixed times under given limits, each next to the least
# time the limits allow. Scenarios (default: deals5 apollo1k100 apollo1k600
# serper100; apollo20k100 and apollo20k600 take 21 and 4 minutes):
#
#   deals5        5 deals end to end, Apollo and Serper at 1 s: the stages
#                 piped (apollo-enrich | serper-signals --classifier rules |
#                 role-resolve | deals-load), then pipelines/enrich-closed-deals
#                 --sequential, then enrich-closed-deals (the accounts searched
#                 in the background while apollo-enrich works); no DeepSeek key,
#                 so the rules classify
#   apolloNkL     N new emails (1k: 1,000, 20k: 20,000; 10 a call) through
#                 apollo-enrich --concurrency C (default 10), at 0.5 s a call
#                 and L calls a minute (100 or 600)
#   serper100     serper-signals on 100 uncached accounts, at 1 s a request: one
#                 query a request (--search-batch 1), then in batches (the default)
#
# The least time of apollo-enrich: its calls at L a minute, (calls - 1) x 60 s
# / L, plus one call's latency (the limit as a rate, the pace a client that
# never passes it in any 60 s can keep). Each row also says the 429s the
# fake answered (goal 0). Uses bin/ (make) or BENCH_BIN; the fake runs on a
# free port of 127.0.0.1 and stops with the script.
set -eu
cd "$(dirname "$0")/.."
bin=${BENCH_BIN:-bin}
conc=${CONCURRENCY:-10}
for p in deals-extract apollo-enrich serper-signals linkedin-enrich role-resolve deals-load; do
	[ -x "$bin/$p" ] || { echo "bench: $bin/$p missing: run make first" >&2; exit 1; }
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/deal-enrich-bench-cold.XXXXXX")
fake=
cleanup() { [ -n "$fake" ] && kill "$fake" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key DEEPSEEK_API_KEY= RAPIDAPI_KEY=
export XDG_CONFIG_HOME=$dir/config XDG_STATE_HOME=$dir/state

# fake LATENCY_MS MINUTE_LIMIT: a fresh fake (no hourly or daily limit, as paid plans)
fake() {
	[ -n "$fake" ] && { kill "$fake" 2>/dev/null; wait "$fake" 2>/dev/null || true; }
	rm -f "$dir/port"
	python3 tests/fakeapi/fakeapi.py --port 0 --port-file "$dir/port" --latency-ms "$1" \
		--apollo-limit-minute "$2" --apollo-limit-hourly 0 --apollo-limit-daily 0 \
		2>"$dir/fake.log" &
	fake=$!
	for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
	[ -s "$dir/port" ] || { echo "bench: the fake API did not start: $(cat "$dir/fake.log")" >&2; exit 1; }
	url=http://127.0.0.1:$(cat "$dir/port")
	export APOLLO_BASE_URL=$url SERPER_BASE_URL=$url DEEPSEEK_BASE_URL=$url
	rm -rf "$dir/db"
	export DEAL_ENRICH_DB=$dir/db
}
stat() { curl -s "$url/_fake/stats" | python3 -c "import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

# deals N CONTACTS: N deals of distinct accounts, CONTACTS new emails each
deals() {
	awk -v n="$1" -v c="$2" -v r="$RANDOM$RANDOM" 'BEGIN {
		for (i = 1; i <= n; i++) {
			s = ""
			for (j = 1; j <= c; j++)
				s = s (j > 1 ? "," : "") sprintf("{\"contact_id\":\"%d-%d\",\"email\":\"p%s.%d.%d@corp%d.com\",\"first_name\":\"Pat\",\"last_name\":\"Ng\"}", i, j, r, i, j, i)
			printf "{\"workspace_id\":\"bench\",\"deal_id\":\"%.0f\",\"close_date\":\"2026-10-15\",\"stage\":\"closed_won\",\"amount\":1000,\"account\":{\"account_id\":\"%d\",\"name\":\"Corp%s %d\",\"domain\":\"corp%d.com\"},\"contacts\":[%s]}\n", 9000000000 + i, i, r, i, i, s
		}
	}'
}

now() { date +%s.%N; }
secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }
row() {   # NAME SECONDS LEAST 429S GOAL
	awk -v n="$1" -v t="$2" -v l="$3" -v z="$4" -v g="$5" 'BEGIN {
		printf "| %s | %.2f s | %.2f s | %+.0f%% | %d | %s |\n", n, t, l, (t / l - 1) * 100, z, g }'
}

echo "| run | time | least time | over | 429s | goal |"
echo "| --- | --- | --- | --- | --- | --- |"
for sc in "${@:-deals5 apollo1k100 apollo1k600 serper100}"; do
	for s in $sc; do
	case $s in
	deals5)
		deals 5 2 >"$dir/in"
		for how in piped sequential overlapped; do
			fake 1000 1000
			t0=$(now)
			case $how in
			piped)
				"$bin/apollo-enrich" --quiet <"$dir/in" | "$bin/serper-signals" --quiet --classifier rules |
					"$bin/role-resolve" --quiet | "$bin/deals-load" >/dev/null ;;
			sequential)
				PATH=$PWD/$bin:$PATH pipelines/enrich-closed-deals --workspace bench --quiet --no-run-log \
					--format ndjson --sequential "$dir/in" >"$dir/report" ;;
			overlapped)
				PATH=$PWD/$bin:$PATH pipelines/enrich-closed-deals --workspace bench --quiet --no-run-log \
					--format ndjson "$dir/in" >"$dir/report" ;;
			esac
			t1=$(now)
			# Apollo: its calls one after another (1 s each); Serper: its requests
			# 200 ms apart, 5 in flight (serper-signals' pace), the last one's second.
			a=$(stat 's["calls"].get("apollo.bulk_match",0)')
			r=$(stat 's["calls"].get("serper.search",0) + s["calls"].get("serper.news",0)')
			least=$(awk -v a="$a" -v r="$r" -v h="$how" 'BEGIN { s = (r - 1) * 0.2 + 1
				printf "%.2f", h == "overlapped" ? (a > s ? a : s) : a + s }')
			row "5 deals end to end, Apollo 1 s, Serper 1 s ($how)" "$(secs "$t0" "$t1")" "$least" \
				"$(stat 's["statuses"].get("apollo",{}).get("429",0)')" "under 3.5 s"
			[ "$how" = piped ] || awk -F'\t' '{ printf "|   %s | %.2f s | | | | |\n", $1, $2 / 1000 }' \
				< <(jq -r '.stages[] | [.stage, .elapsed_ms] | @tsv' "$dir/report")
		done
		;;
	apollo*)
		n=${s#apollo}; n=${n%k*}; lim=${s##*k}
		fake 500 "$lim"
		deals $((n * 200)) 5 >"$dir/in"
		t0=$(now)
		"$bin/apollo-enrich" --quiet --concurrency "$conc" <"$dir/in" >"$dir/out"
		t1=$(now)
		calls=$(stat 's["calls"].get("apollo.bulk_match",0)')
		least=$(awk -v c="$calls" -v l="$lim" 'BEGIN { printf "%.2f", (c - 1) * 60 / l + 0.5 }')
		goal="within 10%"
		[ "$s" = apollo1k600 ] && goal="under 15 s, within 10%"
		row "$((n * 1000)) new emails ($calls calls), 0.5 s a call, $lim/min, $conc in flight" \
			"$(secs "$t0" "$t1")" "$least" "$(stat 's["statuses"].get("apollo",{}).get("429",0)')" "$goal"
		;;
	serper100)
		# One query a request (--search-batch 1), then the batch endpoint (the default).
		for sb in 1 100; do
			fake 1000 1000
			deals 100 0 >"$dir/in"
			t0=$(now)
			"$bin/serper-signals" --quiet --classifier rules --search-batch "$sb" <"$dir/in" >"$dir/out"
			t1=$(now)
			req=$(stat 's["calls"].get("serper.search",0) + s["calls"].get("serper.news",0)')
			q=$(stat 'len(s["asked"].get("serper",[]))')
			# 5 requests in flight, 200 ms apart (serper-signals' default pacing), 1 s
			# each: the last starts once 200 ms have passed since the one before
			# and a request of the 5 before it has ended.
			least=$(awk -v r="$req" 'BEGIN { w = (r - 1) * 0.2; s = int((r - 1) / 5); if (s > w) w = s; printf "%.2f", w + 1 }')
			how="one query a request"
			[ "$sb" -gt 1 ] && how="batches"
			row "100 accounts of Serper, $how ($q queries in $req requests), 1 s a request" \
				"$(secs "$t0" "$t1")" "$least" "$(stat 's["statuses"].get("serper",{}).get("429",0)')" "within 10%"
		done
		;;
	*) echo "bench: unknown scenario $s" >&2; exit 64 ;;
	esac
	done
done
