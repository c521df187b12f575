#!/usr/bin/env bash
# apollo-enrich against a failing Apollo: 429 with and without Retry-After,
# 500 twice, a cut-off body, a slow answer past the timeout, invalid JSON, an
# HTML page, 5xx throughout, 401 as plain text for one workspace while another
# goes on, 403, a persistent 429. Every record always comes out.
source "$(dirname "$0")/../lib.sh"

KEY=test-apollo-key
t_start_fakeapi --apollo-limit-minute 1000 || exit 1
printf 'apollo_api_key = %s\n' "$KEY" | t_workspace acme
calls() { fake_stat '.calls["apollo.bulk_match"] // 0'; }

statuses() { jq -r '.contacts[].apollo.status' "$1" | sort | uniq -c | awk '{printf "%s %s,", $2, $1}'; }
fresh() { rm -rf "$T/db"; fake_post reset '{}'; }
FAST="--delay-ms 5 --backoff-ms 10"

t_deals 2 3 acme a >"$T/in"   # 6 emails, 1 call

# ---- 429 with Retry-After: 1, then success ----
fresh
fake_post fault '{"provider":"apollo","kind":"429","count":1,"retry_after":1}'
apollo-enrich $FAST <"$T/in" >"$T/o" 2>"$T/e"; t_eq "429 + Retry-After: exit 0" 0 $?
t_eq "429 + Retry-After: retried once" 2 "$(calls)"
t_eq "429 + Retry-After: all enriched" "enriched 6," "$(statuses "$T/o")"

# ---- 429 without Retry-After: the --backoff-429-ms flag ----
fresh
fake_post fault '{"provider":"apollo","kind":"429","count":1}'
apollo-enrich $FAST --backoff-429-ms 20 <"$T/in" >"$T/o" 2>"$T/e"; t_eq "429 no Retry-After: exit 0" 0 $?
t_eq "429 no Retry-After: retried once" 2 "$(calls)"
t_eq "429 no Retry-After: all enriched" "enriched 6," "$(statuses "$T/o")"

# ---- 429 that persists: quota_exhausted, exit 75, nothing cached ----
fresh
fake_post fault '{"provider":"apollo","kind":"429","count":2}'
apollo-enrich $FAST --backoff-429-ms 20 --retry-429 1 <"$T/in" >"$T/o" 2>"$T/e"; t_eq "429 twice with 1 retry: exit 75" 75 $?
t_eq "429 twice: 2 attempts" 2 "$(calls)"
t_eq "429 twice: contacts quota_exhausted" "quota_exhausted 6," "$(statuses "$T/o")"
t_contains "429 twice: reason given" "$T/o" "rate limit"
t_eq "429 twice: every record out" 2 "$(wc -l <"$T/o")"
apollo-enrich $FAST <"$T/in" >"$T/o" 2>"$T/e"; t_eq "after the 429: rerun exit 0" 0 $?
t_eq "after the 429: rerun enriches" "enriched 6," "$(statuses "$T/o")"

# ---- 500 twice, then success ----
fresh
fake_post fault '{"provider":"apollo","kind":"500","count":2}'
apollo-enrich $FAST --retries 2 <"$T/in" >"$T/o" 2>"$T/e"; t_eq "500 twice: exit 0" 0 $?
t_eq "500 twice: 3 attempts" 3 "$(calls)"
t_eq "500 twice: all enriched" "enriched 6," "$(statuses "$T/o")"
t_eq "500 twice: paid once" 6 "$(fake_stat '.asked.apollo | length')"

# ---- a cut-off body is retried ----
fresh
fake_post fault '{"provider":"apollo","kind":"cut","count":1}'
apollo-enrich $FAST <"$T/in" >"$T/o" 2>"$T/e"; t_eq "cut-off body: exit 0" 0 $?
t_eq "cut-off body: retried" 2 "$(calls)"
t_eq "cut-off body: all enriched" "enriched 6," "$(statuses "$T/o")"

# ---- a slow answer past --timeout-ms is retried ----
fresh
fake_post fault '{"provider":"apollo","kind":"slow","count":1,"delay_ms":3000}'
apollo-enrich $FAST --timeout-ms 400 <"$T/in" >"$T/o" 2>"$T/e"; t_eq "timeout: exit 0" 0 $?
t_eq "timeout: retried" 2 "$(calls)"
t_eq "timeout: all enriched" "enriched 6," "$(statuses "$T/o")"

# ---- invalid JSON: error, not retried, nothing lost ----
fresh
fake_post fault '{"provider":"apollo","kind":"badjson","count":1}'
apollo-enrich $FAST <"$T/in" >"$T/o" 2>"$T/e"; t_eq "invalid JSON: exit 1" 1 $?
t_eq "invalid JSON: one attempt (it may have been charged)" 1 "$(calls)"
t_eq "invalid JSON: contacts error" "error 6," "$(statuses "$T/o")"
t_contains "invalid JSON: the reason" "$T/o" "invalid answer from Apollo"
t_eq "invalid JSON: every record out" 2 "$(wc -l <"$T/o")"
t_contains "invalid JSON: said on stderr" "$T/e" "6 contacts marked error"
apollo-enrich $FAST <"$T/in" >"$T/o" 2>"$T/e"; t_eq "invalid JSON: rerun exit 0" 0 $?
t_eq "invalid JSON: nothing was cached, the rerun asks and enriches" "2 enriched 6," "$(calls) $(statuses "$T/o")"

# ---- an HTML page with 200 ----
fresh
fake_post fault '{"provider":"apollo","kind":"html","count":1}'
apollo-enrich $FAST <"$T/in" >"$T/o" 2>"$T/e"; t_eq "HTML page: exit 1" 1 $?
t_eq "HTML page: contacts error" "error 6," "$(statuses "$T/o")"

# ---- 503 throughout: unavailable, 69, calls stop after --max-failures ----
fresh
t_deals 6 5 acme u >"$T/in30"   # 30 emails, 3 calls
fake_post fault '{"provider":"apollo","kind":"503","count":-1}'
apollo-enrich $FAST --retries 1 --max-failures 2 <"$T/in30" >"$T/o" 2>"$T/e"; t_eq "503 throughout: exit 69" 69 $?
t_eq "503 throughout: 2 calls of 2 attempts, then no more" 4 "$(calls)"
t_eq "503 throughout: every contact error" "error 30," "$(statuses "$T/o")"
t_eq "503 throughout: every record out, in order" "$(jq -r .deal_id "$T/in30" | tr '\n' ,)" "$(jq -r .deal_id "$T/o" | tr '\n' ,)"
t_contains "503 throughout: said so" "$T/e" "no more calls this run"

# ---- connection refused: unavailable, 69 ----
fresh
APOLLO_BASE_URL=http://127.0.0.1:1 apollo-enrich $FAST --retries 0 <"$T/in" >"$T/o" 2>"$T/e"
t_eq "connection refused: exit 69" 69 $?
t_eq "connection refused: contacts error" "error 6," "$(statuses "$T/o")"

# ---- 401 text/plain for one workspace; the other goes on ----
fresh
printf 'apollo_api_key = wrong-key\n' | t_workspace bad
{ t_deals 3 5 bad b; t_deals 2 5 acme g; t_deals 2 5 bad c; } >"$T/mixed"   # bad: 25 emails, acme: 10
apollo-enrich $FAST --window 3 <"$T/mixed" >"$T/o" 2>"$T/e"; t_eq "401: exit 1" 1 $?
t_eq "401: one call for the bad workspace, one for the good" 2 "$(calls)"
t_eq "401: the bad workspace's contacts are error" "error 25," \
	"$(jq -r 'select(.workspace_id=="bad") | .contacts[].apollo.status' "$T/o" | sort | uniq -c | awk '{printf "%s %s,", $2, $1}')"
t_eq "401: the good workspace's contacts are enriched" "enriched 10," \
	"$(jq -r 'select(.workspace_id=="acme") | .contacts[].apollo.status' "$T/o" | sort | uniq -c | awk '{printf "%s %s,", $2, $1}')"
t_contains "401: reason has Apollo's text" "$T/o" "Invalid access credentials."
t_eq "401: one message for the workspace" 1 "$(grep -c 'refused the API key' "$T/e")"
t_lacks "401: key not in stderr" "$T/e" "wrong-key"
t_lacks "401: key not in the output" "$T/o" "wrong-key"
t_eq "401: every record out, in order" "$(jq -r .deal_id "$T/mixed" | tr '\n' ,)" "$(jq -r .deal_id "$T/o" | tr '\n' ,)"

# ---- 403 ----
fresh
fake_post fault '{"provider":"apollo","kind":"403","count":1}'
apollo-enrich $FAST <"$T/in" >"$T/o" 2>"$T/e"; t_eq "403: exit 1" 1 $?
t_contains "403: the reason" "$T/o" "API_INACCESSIBLE"

# ---- flushed before waiting on the network ----
# Small records (not found) that a block buffer would hold back.
fresh
t_deals 3 5 acme nobody >"$T/in3"
fake_post latency '{"ms": 800}'
apollo-enrich --delay-ms 5 --window 1 <"$T/in3" >"$T/o" 2>"$T/e" &
pid=$!
for i in $(seq 300); do [ "$(calls)" -ge 2 ] && break; sleep 0.05; done
# The second call has begun: the first record must already be out.
t_eq "first record written before the second call's answer" 1 "$(wc -l <"$T/o")"
wait $pid; t_eq "flush test: exit 0" 0 $?
fake_post latency '{"ms": 0}'
t_eq "flush test: all out, not found" "not_found 15," "$(statuses "$T/o")"
