#!/usr/bin/env bash
# serper-signals: searches once per account, in parallel within limits, records in
# input order, cache across runs, rules without a DeepSeek key, no key = skipped,
# dry run, options and exit codes.
source "$(dirname "$0")/../lib.sh"

IN=$DATA/serper/deals30.ndjson
t_start_fakeapi || exit 1

# --- help and version
serper-signals --help >"$T/help"; t_eq "help exits 0" 0 "$?"
for o in query num recency gl hl concurrency delay-ms timeout-ms classifier model batch \
	llm-timeout-ms llm-retries llm-backoff-ms llm-retry-429 llm-backoff-429-ms \
	cache-days budget window refresh dry-run run-id db workspace rejects max-line max-depth \
	unbuffered quiet verbose help version; do
	t_contains "help lists --$o" "$T/help" "--$o"
done
t_eq "version" "serper-signals 0.1.0" "$(serper-signals --version)"
t_status "unknown option is usage" 64 serper-signals --bogus </dev/null
t_status "bad --concurrency" 64 serper-signals --concurrency 0 </dev/null
t_status "bad --query" 64 serper-signals --query 'no placeholder' </dev/null
t_status "a bad SERPER_BASE_URL is configuration" 78 env SERPER_BASE_URL=ftp://x serper-signals </dev/null
t_status "bad --classifier" 64 serper-signals --classifier magic </dev/null
t_status "empty --run-id" 64 serper-signals --run-id '' </dev/null
t_check "man page renders" bash -c "man -l '$DE_ROOT/man/serper-signals.1' >/dev/null 2>&1"

# --- no key: every record passes through, skipped, one notice, exit 0, no call
serper-signals <"$IN" >"$T/nokey.out" 2>"$T/nokey.err"; t_eq "no key: exit 0" 0 "$?"
t_eq "no key: 30 records out" 30 "$(wc -l <"$T/nokey.out")"
t_eq "no key: all skipped" 30 "$(jq -c 'select(.account.signals=={"status":"skipped","reason":"no Serper key"})' "$T/nokey.out" | wc -l)"
t_eq "no key: one notice" 1 "$(wc -l <"$T/nokey.err")"
t_contains "no key: the notice says which key" "$T/nokey.err" "SERPER_API_KEY"
t_eq "no key: no call" 0 "$(fake_stat '.total')"
t_eq "no key: records otherwise untouched" "$(jq -c . "$IN" | md5sum)" \
	"$(jq -c 'del(.account.signals)' "$T/nokey.out" | md5sum)"

# --- 30 deals over 12 accounts, with latency so that requests overlap
export SERPER_API_KEY=test-serper-key
fake_post latency '{"ms":300}'
serper-signals --delay-ms 0 <"$IN" >"$T/run1.out" 2>"$T/run1.err"; t_eq "run: exit 0" 0 "$?"
t_eq "run: nothing on stderr" "" "$(cat "$T/run1.err")"
t_eq "run: 12 searches for 12 accounts" 12 "$(fake_stat '.asked.serper | length')"
t_eq "run: 12 queries in 5 batches, spread over the 5 in flight" 5 "$(fake_stat '.calls["serper.search"] // 0')"
t_eq "run: 12 distinct queries" 12 "$(fake_stat '.asked.serper | unique | length')"
t_eq "run: the default query" '"Globex" news' "$(fake_stat '.asked.serper | map(select(startswith("\"Globex"))) | .[0]')"
max=$(fake_stat '.max_in_flight.serper')
t_check "run: never more than 5 in flight (saw $max)" test "$max" -le 5
t_eq "run: 30 records out" 30 "$(wc -l <"$T/run1.out")"
t_eq "run: input order" "$(jq -r .deal_id "$IN" | tr '\n' ' ')" "$(jq -r .deal_id "$T/run1.out" | tr '\n' ' ')"
t_eq "run: what it does not own passes through" "$(jq -c . "$IN" | md5sum)" \
	"$(jq -c 'del(.account.signals)' "$T/run1.out" | md5sum)"
t_eq "run: all enriched, by the rules, fresh" 30 "$(jq -c 'select(.account.signals | .status=="enriched"
	and .classifier=="rules" and .cached==false and (.fetched_at|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")))' "$T/run1.out" | wc -l)"
t_eq "run: signals key sits last in account" '"signals"' "$(jq -c '.account|keys_unsorted|last' "$T/run1.out" | sort -u)"
t_check "run: items have the 11 types, relevance, dates" jq -e -s '[.[].account.signals.items[]] | length > 0 and all(
	(.type|IN("funding","hiring","expansion","leadership_change","partnership","product_launch","acquisition","layoff","regulatory","award","negative_press"))
	and (.signal|type)=="string" and (.source_url|startswith("https://"))
	and .relevance>=0 and .relevance<=1 and (.date==null or (.date|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))))' "$T/run1.out"
t_check "run: score within [-1,1], a summary" jq -e -s 'all(.[].account.signals; .score>=-1 and .score<=1 and (.summary|length)>10)' "$T/run1.out"
t_eq "run: a deal's signals are its account's" 1 "$(jq -c 'select(.account.account_id=="301") | .account.signals | del(.cached)' "$T/run1.out" | sort -u | wc -l)"
t_check "run: the fake's funding headline is funding" jq -e -s '[.[].account.signals.items[] | select(.signal|test("raises \\$[0-9]+M Series"))] | length>0 and all(.type=="funding")' "$T/run1.out"

# --- a rerun: 0 searches, 0 classification calls, same signals, cached
fake_post reset '{}'
serper-signals <"$IN" >"$T/run2.out"; t_eq "rerun: exit 0" 0 "$?"
t_eq "rerun: 0 searches" 0 "$(fake_stat '.providers.serper // 0')"
t_eq "rerun: 0 classification calls" 0 "$(fake_stat '.providers.deepseek // 0')"
t_eq "rerun: all cached" 30 "$(jq -c 'select(.account.signals.cached==true)' "$T/run2.out" | wc -l)"
t_eq "rerun: same signals" "$(jq -c 'del(.account.signals.cached)' "$T/run1.out" | md5sum)" \
	"$(jq -c 'del(.account.signals.cached)' "$T/run2.out" | md5sum)"

# --- --run-id: what another process of the run fetched is fetched, not cached
fake_post reset '{}'
serper-signals --db "$T/rundb" --run-id r1 <"$IN" >/dev/null; t_eq "run id: first process" 0 "$?"
serper-signals --db "$T/rundb" --run-id r1 <"$IN" >"$T/runid.out"; t_eq "run id: second process" 0 "$?"
t_eq "run id: the second process asks nothing" 12 "$(fake_stat '.asked.serper | length')"
t_eq "run id: ... and its records say fetched, not cached" 30 \
	"$(jq -c 'select(.account.signals | .status == "enriched" and .cached == false)' "$T/runid.out" | wc -l)"
t_eq "run id: the same signals as a run of one" "$(jq -c 'del(.account.signals.fetched_at)' "$T/run1.out" | md5sum)" \
	"$(jq -c 'del(.account.signals.fetched_at)' "$T/runid.out" | md5sum)"
serper-signals --db "$T/rundb" --run-id r2 <"$IN" >"$T/runid2.out"
t_eq "run id: another run finds them cached" 30 "$(jq -c 'select(.account.signals.cached == true)' "$T/runid2.out" | wc -l)"
serper-signals --db "$T/rundb" <"$IN" >"$T/runid3.out"
t_eq "run id: so does a run without one" 30 "$(jq -c 'select(.account.signals.cached == true)' "$T/runid3.out" | wc -l)"
t_eq "run id: still 12 searches in all" 12 "$(fake_stat '.asked.serper | length')"

# --- --concurrency 1 is one at a time; --refresh searches again
fake_post reset '{}'
serper-signals --refresh --concurrency 1 --delay-ms 0 <"$IN" >/dev/null; t_eq "refresh, one at a time" 0 "$?"
t_eq "refresh: 12 searches again" 12 "$(fake_stat '.asked.serper | length')"
t_eq "refresh: one batch when one request may be in flight" 1 "$(fake_stat '.calls["serper.search"] // 0')"
t_eq "concurrency 1: 1 in flight" 1 "$(fake_stat '.max_in_flight.serper')"
fake_post latency '{"ms":0}'

# --- more queries, /news, recency; the cache entry keeps each query's answer
fake_post reset '{}'
serper-signals --query '"{company}" funding' --query 'news:{domain} hiring' \
	--recency w --search-batch 1 <"$IN" >"$T/q.out"; t_eq "queries: exit 0" 0 "$?"
t_eq "queries: 12 /search" 12 "$(fake_stat '.calls["serper.search"] // 0')"
t_eq "queries: 12 /news" 12 "$(fake_stat '.calls["serper.news"] // 0')"
t_check "queries: {domain}, else the name" bash -c "curl -s $FAKEAPI_URL/_fake/stats | jq -e '.asked.serper | index(\"globex.com hiring\") and index(\"Tyrell hiring\")' >/dev/null"
fake_post reset '{}'
serper-signals --query 'news:{domain} hiring' --recency w <"$IN" >/dev/null; t_eq "queries: one of them again" 0 "$?"
t_eq "queries: cached per query, no call" 0 "$(fake_stat '.total')"
serper-signals <"$IN" >/dev/null; t_eq "queries: the default one is still cached" 0 "$?"
t_eq "queries: still no call" 0 "$(fake_stat '.total')"
serper-signals --query 'news:{domain} hiring' --recency m <"$IN" >/dev/null; t_eq "queries: another recency is another query" 0 "$?"
t_eq "queries: 12 new searches" 12 "$(fake_stat '.asked.serper | length')"

# --- dry run: no call, the cost; in a fresh db it would search every account
fake_post reset '{}'
serper-signals --db "$T/drydb" --dry-run <"$IN" >"$T/dry.out" 2>"$T/dry.err"; t_eq "dry run: exit 0" 0 "$?"
t_eq "dry run: no call" 0 "$(fake_stat '.total')"
t_eq "dry run: records marked" 30 "$(jq -c 'select(.account.signals=={"status":"dry_run","cached":false})' "$T/dry.out" | wc -l)"
t_contains "dry run: searches and credits" "$T/dry.err" "12 accounts, 0 cached, 12 searches (12 Serper credits), 0 DeepSeek calls"
t_contains "dry run: least time, one batch" "$T/dry.err" "at least 0.0 s"
serper-signals --db "$T/drydb" --dry-run --search-batch 1 <"$IN" >/dev/null 2>"$T/dry1.err"
t_contains "dry run: least time, one a request 200 ms apart" "$T/dry1.err" "at least 2.2 s"
DEEPSEEK_API_KEY=test-deepseek-key serper-signals --db "$T/drydb" --dry-run --window 7 <"$IN" >/dev/null 2>"$T/dry2.err"
t_contains "dry run: accounts counted once across windows" "$T/dry2.err" "12 accounts, 0 cached, 12 searches"
t_contains "dry run: classification calls" "$T/dry2.err" "DeepSeek call"
serper-signals --dry-run <"$IN" >"$T/dry3.out" 2>"$T/dry3.err"; t_eq "dry run on the cached db" 0 "$?"
t_contains "dry run: all cached, nothing to pay" "$T/dry3.err" "12 accounts, 12 cached, 0 searches (0 Serper credits)"
t_eq "dry run: cached marked" 30 "$(jq -c 'select(.account.signals.cached==true)' "$T/dry3.out" | wc -l)"

# --- small windows keep the order and still search each account once
fake_post reset '{}'
serper-signals --db "$T/windb" --window 4 <"$IN" >"$T/win.out"; t_eq "window 4: exit 0" 0 "$?"
t_eq "window 4: 12 searches" 12 "$(fake_stat '.asked.serper | length')"
t_eq "window 4: input order" "$(jq -r .deal_id "$IN" | tr '\n' ' ')" "$(jq -r .deal_id "$T/win.out" | tr '\n' ' ')"

# --- workspace file key, --workspace, a file others can read
unset SERPER_API_KEY
printf 'serper_api_key = test-serper-key\ncache_days = 30\n' | t_workspace other
fake_post reset '{}'
serper-signals --db "$T/wsdb" --workspace other <"$IN" >"$T/ws.out"; t_eq "workspace file key" 0 "$?"
t_eq "workspace file key: 12 searches" 12 "$(fake_stat '.asked.serper | length')"
chmod 644 "$XDG_CONFIG_HOME/deal-enrich/workspaces/other.conf"
serper-signals --db "$T/wsdb" --workspace other <"$IN" >"$T/ws2.out" 2>"$T/ws2.err"; t_eq "key file others can read: 78" 78 "$?"
t_eq "key file others can read: no output" 0 "$(wc -c <"$T/ws2.out")"
chmod 600 "$XDG_CONFIG_HOME/deal-enrich/workspaces/other.conf"
serper-signals --workspace '../x' <"$IN" >/dev/null 2>&1; t_eq "bad --workspace name: 78" 78 "$?"

# --- records without what is needed
export SERPER_API_KEY=test-serper-key
cat >"$T/odd.ndjson" <<'EOF'
{"workspace_id":"acme","deal_id":"1","account":{"account_id":"77"}}
{"deal_id":"2","account":{"name":"Globex","domain":"globex.com"}}
{"workspace_id":"acme","deal_id":"3","z":1}
{"workspace_id":"acme","deal_id":"4","account":{"name":"Noresults Widgets"}}
EOF
fake_post reset '{}'
serper-signals <"$T/odd.ndjson" >"$T/odd.out" 2>"$T/odd.err"; t_eq "odd records: exit 0" 0 "$?"
t_eq "odd: no name or domain" "the account has no name or domain to search for" "$(jq -r 'select(.deal_id=="1") | .account.signals.reason' "$T/odd.out")"
t_eq "odd: no workspace" "skipped" "$(jq -r 'select(.deal_id=="2") | .account.signals.status' "$T/odd.out")"
t_contains "odd: no workspace notice" "$T/odd.err" "--workspace"
t_eq "odd: no account passes unchanged" '{"workspace_id":"acme","deal_id":"3","z":1}' "$(jq -c 'select(.deal_id=="3")' "$T/odd.out")"
t_eq "odd: no results is not_found" "not_found 0" "$(jq -r 'select(.deal_id=="4") | .account.signals | "\(.status) \(.items|length)"' "$T/odd.out")"
t_eq "odd: one search" 1 "$(fake_stat '.total')"

# --- bad lines, rejects, stdout errors
printf '%s\nnot json\n%s\n' "$(head -1 "$IN")" "$(sed -n 2p "$IN")" >"$T/bad.ndjson"
serper-signals --rejects "$T/rej" <"$T/bad.ndjson" >"$T/bad.out" 2>"$T/bad.err"; t_eq "bad line: 65" 65 "$?"
t_eq "bad line: both records out" 2 "$(wc -l <"$T/bad.out")"
t_contains "bad line: its number" "$T/bad.err" "stdin:2:"
t_eq "bad line: in the rejects file" "not json" "$(cat "$T/rej")"
serper-signals <"$IN" >/dev/full 2>/dev/null; t_eq "stdout full: 74" 74 "$?"

# --- the key is never in stderr, stdout or the db
serper-signals --verbose --refresh <"$IN" >"$T/v.out" 2>"$T/v.err"
t_contains "verbose: a summary" "$T/v.err" "30 records: 30 enriched"
t_lacks "key not in stderr" "$T/v.err" "test-serper-key"
t_lacks "key not in stdout" "$T/v.out" "test-serper-key"
t_check "key not in the db" bash -c "! grep -rqa test-serper-key '$DEAL_ENRICH_DB'"

# --- the ledger counted the credits
t_check "ledger: serper credits in the db" bash -c "mdb_dump -a -p '$DEAL_ENRICH_DB' 2>/dev/null | grep -q 'credits'"

