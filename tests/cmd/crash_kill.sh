#!/usr/bin/env bash
# Crash (issue 8): SIGKILL of each stage in the middle of a pipeline run
# against a slow fake, then a rerun: the store holds every deal once,
# deals-load's report is right, and no paid answer is asked for again.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi --apollo-limit-minute 100000 || exit 1
printf 'apollo_api_key = test-apollo-key\nserper_api_key = test-serper-key\n' | t_workspace acme
IN=$DATA/apollo/deals10.ndjson
norm() { tr 'A-Z' 'a-z' | sed 's/^ *//; s/ *$//'; }
# st NAME CMD...: runs CMD with its pid in $T/pid.NAME
st() { local n=$1; shift; sh -c 'echo $$ >"$0"; exec "$@"' "$T/pid.$n" "$@"; }
pipeline() {
	st apollo apollo-enrich --delay-ms 0 --batch-size 2 --concurrency 2 --unbuffered <"$IN" |
	st serper serper-signals --classifier rules --delay-ms 0 --concurrency 1 --window 1 --unbuffered |
	st roles role-resolve --unbuffered | st load deals-load >"$1" 2>/dev/null
}
for s in apollo serper roles load; do
	fake_post reset '{}'; rm -rf "$DEAL_ENRICH_DB" "$T"/pid.*
	fake_post latency '{"ms": 250}'
	pipeline "$T/rep1" 2>"$T/e1" &
	pp=$!
	for i in $(seq 200); do [ "$(fake_stat '.asked.apollo // [] | length')" -ge 4 ] && break; sleep 0.05; done
	[ $s = serper ] || [ $s = roles ] || [ $s = load ] && for i in $(seq 200); do [ "$(fake_stat '.asked.serper // [] | length')" -ge 2 ] && break; sleep 0.05; done
	kill -9 "$(cat "$T/pid.$s")" 2>/dev/null; t_eq "$s: killed mid-run" 0 $?
	wait $pp
	fake_post latency '{"ms": 0}'
	fake_stat '.asked.apollo // [] | .[]' | norm | sort >"$T/a1"
	fake_stat '.asked.serper // [] | .[]' | sort >"$T/s1"
	pipeline "$T/rep2" 2>"$T/e2"; t_eq "$s: the rerun exits 0" 0 $?
	fake_stat '.asked.apollo // [] | .[]' | norm | sort >"$T/a2"
	fake_stat '.asked.serper // [] | .[]' | sort >"$T/s2"
	# An answer in flight when the process died was paid for but never received:
	# at most those calls (2 of 2 emails, 1 query) are asked again.
	t_check "$s: asked twice: at most the Apollo calls in flight ($(uniq -d "$T/a2" | wc -l))" test "$(uniq -d "$T/a2" | wc -l)" -le 4
	t_check "$s: asked twice: at most the Serper query in flight ($(uniq -d "$T/s2" | wc -l))" test "$(uniq -d "$T/s2" | wc -l)" -le 1
	echo "# $s: asked again after the kill: $(uniq -d "$T/a2" | wc -l) emails, $(uniq -d "$T/s2" | wc -l) queries" >&3
	t_eq "$s: every email answered" "$(jq -r '.contacts[].email' "$IN" | norm | grep @ | sort -u)" "$(sort -u "$T/a2")"
	t_eq "$s: deals-load's report: 10 deals" 10 "$(jq .deals "$T/rep2")"
	mdb_dump -s deals -p "$DEAL_ENRICH_DB" | sed '1,/HEADER=END/d; /DATA=END/d' | awk 'NR % 2 == 1' >"$T/keys"
	t_eq "$s: the store holds every deal once" 10 "$(sort -u "$T/keys" | wc -l)"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/e1" "$T/e2"; then t_fail "$s: sanitizer report"; fi
done
