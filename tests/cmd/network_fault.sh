#!/usr/bin/env bash
# Network faults (issue 8) for every provider stage: refused connection, reset
# mid-body, stalled body (short --timeout-ms), huge body past the cap, invalid
# JSON, HTML instead of JSON, and a 429 storm (every request, count -1). Each
# time every record comes out, in order, marked, and the exit code says what
# happened (DESIGN §7: 1 some records carry an error, 69 unavailable
# throughout, 75 rate limit: try later).
source "$(dirname "$0")/../lib.sh"
# Two halves (each under 40 s): this file does apollo-enrich and serper-signals;
# network_fault_llm.sh sets NF_PART=llm for the DeepSeek stages.
NF_PART=${NF_PART:-http}

t_start_fakeapi --apollo-limit-minute 100000 || exit 1
printf 'apollo_api_key = test-apollo-key\nserper_api_key = test-serper-key\n' | t_workspace acme
printf 'serper_api_key = test-serper-key\ndeepseek_api_key = test-deepseek-key\n' | t_workspace llmws
head -2 "$DATA/apollo/deals10.ndjson" >"$T/in"
sed 's/"workspace_id":"acme"/"workspace_id":"llmws"/' "$T/in" >"$T/in-llm"
sed 's/"workspace_id":"acme"/"workspace_id":"llmws"/' "$DATA/roles/llm.ndjson" >"$T/in-roles"
ids() { jq -r .deal_id "$1" | tr '\n' ,; }
faults=0 runs=0

# inject PROVIDER KIND: a fault on every request until the next reset; prints the base URL.
inject() {
	fake_post reset '{}'
	rm -rf "$DEAL_ENRICH_DB"
	if [ "$2" = refused ]; then echo http://127.0.0.1:9; return; fi
	fake_post fault "{\"provider\":\"$1\",\"kind\":\"$2\",\"count\":-1,\"delay_ms\":4000,\"size\":20000000,\"retry_after\":0}"
	echo "$FAKEAPI_URL"
}
# want NAME RC ALLOWED...: ok when RC is one of ALLOWED.
want() {
	local n=$1 rc=$2 a; shift 2
	for a; do [ "$rc" = "$a" ] && { t_ok "$n: exit $rc"; return; }; done
	t_fail "$n" "exit $rc, want one of $*: $(head -c 300 "$T/e")"
}
sanitizer() { if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/e"; then t_fail "$1: sanitizer report" "$(head -5 "$T/e")"; fi; }

for f in refused reset cut slow huge badjson html 429; do
	case $f in
	429) A=75 S=75 ;;
	badjson|html) A="1 69" S="1 69" ;;
	*) A=69 S=69 ;;
	esac
	if [ "$NF_PART" = http ]; then
	# apollo-enrich
	U=$(inject apollo $f); faults=$((faults + 1)); runs=$((runs + 1))
	APOLLO_BASE_URL=$U apollo-enrich --delay-ms 0 --retries 1 --backoff-ms 10 --retry-429 1 \
		--backoff-429-ms 10 --timeout-ms 700 --connect-timeout-ms 500 <"$T/in" >"$T/o" 2>"$T/e"
	want "apollo-enrich, $f" $? $A
	t_eq "apollo-enrich, $f: every record out, in order" "$(ids "$T/in")" "$(ids "$T/o")"
	t_eq "apollo-enrich, $f: every contact marked error or quota_exhausted" 0 \
		"$(jq -s '[.[].contacts[] | select((.apollo.status|IN("error","quota_exhausted")|not) or (.enrichment_status != .apollo.status))] | length' "$T/o")"
	t_check "apollo-enrich, $f: a message on stderr" test -s "$T/e"
	sanitizer "apollo-enrich, $f"

	# serper-signals, rules classifier
	U=$(inject serper $f); faults=$((faults + 1)); runs=$((runs + 1))
	SERPER_BASE_URL=$U serper-signals --classifier rules --delay-ms 0 --timeout-ms 1000 \
		<"$T/in" >"$T/o" 2>"$T/e"
	want "serper-signals, $f" $? $S
	t_eq "serper-signals, $f: every record out, in order" "$(ids "$T/in")" "$(ids "$T/o")"
	t_eq "serper-signals, $f: every account marked error, with the reason" 0 \
		"$(jq -s '[.[] | select(.account.signals.status != "error" or (.account.signals.error|type) != "string")] | length' "$T/o")"
	t_contains "serper-signals, $f: a message on stderr" "$T/e" "carry a Serper error"
	sanitizer "serper-signals, $f"
	continue
	fi

	# serper-signals with a DeepSeek key: Serper answers, DeepSeek fails -> the rules classify.
	U=$(inject deepseek $f); faults=$((faults + 1)); runs=$((runs + 1))
	DEEPSEEK_BASE_URL=$U serper-signals --delay-ms 0 --timeout-ms 1000 --llm-timeout-ms 1000 \
		--llm-retries 1 --llm-backoff-ms 10 --llm-backoff-429-ms 10 <"$T/in-llm" >"$T/o" 2>"$T/e"
	want "serper-signals+DeepSeek, $f" $? 0
	t_eq "serper-signals+DeepSeek, $f: every record out" "$(ids "$T/in-llm")" "$(ids "$T/o")"
	t_eq "serper-signals+DeepSeek, $f: every account marked classifier rules" 0 \
		"$(jq -s '[.[] | select(.account.signals.status != "enriched" or .account.signals.classifier != "rules")] | length' "$T/o")"
	t_contains "serper-signals+DeepSeek, $f: says DeepSeek failed" "$T/e" "DeepSeek failed"
	sanitizer "serper-signals+DeepSeek, $f"

	# role-resolve --llm
	U=$(inject deepseek $f); faults=$((faults + 1)); runs=$((runs + 1))
	DEEPSEEK_BASE_URL=$U role-resolve --llm --timeout-ms 1000 --retries 1 --backoff-ms 10 \
		--backoff-429-ms 10 <"$T/in-roles" >"$T/o" 2>"$T/e"
	want "role-resolve --llm, $f" $? 1
	t_eq "role-resolve --llm, $f: every record out, in order" "$(ids "$T/in-roles")" "$(ids "$T/o")"
	t_eq "role-resolve --llm, $f: every contact kept" "$(jq -s '[.[].contacts[]] | length' "$T/in-roles")" \
		"$(jq -s '[.[].contacts[]] | length' "$T/o")"
	t_eq "role-resolve --llm, $f: the rules' roles still there" "$(jq -s '[.[].contacts[] | select(.role_source)] | length > 0' "$T/o")" true
	t_eq "role-resolve --llm, $f: the 5 contacts asked about carry role_error" 5 \
		"$(jq -s '[.[].contacts[] | select(.role_error | type == "string")] | length' "$T/o")"
	t_contains "role-resolve --llm, $f: says questions went unanswered" "$T/e" "left unanswered"
	sanitizer "role-resolve --llm, $f"
done

[ "$NF_PART" = http ] || { echo "# $faults faults injected in $runs runs" >&3; exit 0; }
# After the storm: the same runs against a healthy fake succeed and pay once.
fake_post reset '{}'; rm -rf "$DEAL_ENRICH_DB"
apollo-enrich --delay-ms 0 <"$T/in" >"$T/o" 2>"$T/e"; t_eq "healthy again: apollo-enrich exit 0" 0 $?
t_eq "healthy again: nothing of the failed runs was cached as an answer" \
	"$(jq -r '.contacts[].email' "$T/in" | tr A-Z a-z | sed 's/^ *//; s/ *$//' | sort -u | wc -l)" \
	"$(fake_stat '.asked.apollo | length')"
echo "# $faults faults injected in $runs runs" >&3
