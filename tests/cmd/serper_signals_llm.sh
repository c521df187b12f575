#!/usr/bin/env bash
# serper-signals with a DeepSeek key: batches of 10 accounts, a single-account
# call for one a batch answer leaves out, robust answers, 402 and other failures
# falling back to the rules, the cache of answers.
source "$(dirname "$0")/../lib.sh"

IN=$DATA/serper/deals30.ndjson
t_start_fakeapi || exit 1
export SERPER_API_KEY=test-serper-key DEEPSEEK_API_KEY=test-deepseek-key

# run NAME [ARGS...]: a run in a fresh db; $T/NAME.{out,err,rc}
run() { t_run "$1" serper-signals --db "$T/db.$1" --delay-ms 0 "${@:2}" <"$IN"; }
classified() { jq -c "select(.account.signals.classifier==\"$2\")" "$T/$1.out" | wc -l; }

# --- 12 accounts: 2 classification calls (10 + 2)
fake_post reset '{}'
run llm
t_eq "llm: exit 0" 0 "$(cat "$T/llm.rc")"
t_eq "llm: nothing on stderr" "" "$(cat "$T/llm.err")"
t_eq "llm: 12 searches" 12 "$(fake_stat '.asked.serper | length')"
t_eq "llm: 2 classification calls" 2 "$(fake_calls deepseek.chat)"
t_eq "llm: 12 accounts asked" 12 "$(fake_stat '.asked["deepseek.accounts"] | length')"
t_eq "llm: the model" '["deepseek-flash"]' "$(fake_stat '.asked.deepseek | unique | tojson')"
t_eq "llm: every record classified by the LLM" 30 "$(classified llm llm)"
t_eq "llm: input order" "$(jq -r .deal_id "$IN" | tr '\n' ' ')" "$(jq -r .deal_id "$T/llm.out" | tr '\n' ' ')"
t_check "llm: valid items and scores" jq -e -s 'all(.[].account.signals; .score>=-1 and .score<=1
	and (.summary|length)>0 and all(.items[]; .relevance>=0 and .relevance<=1
	and (.date==null or (.date|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")))))' "$T/llm.out"
t_check "llm: the fake's summary came through" jq -e -s 'any(.[].account.signals.summary; test("signals? \\("))' "$T/llm.out"

# --- a rerun: 0 searches, 0 classification calls
fake_post reset '{}'
serper-signals --db "$T/db.llm" <"$IN" >"$T/llm2.out"
t_eq "rerun: exit 0" 0 "$?"
t_eq "rerun: 0 calls at all" 0 "$(fake_stat '.total')"
t_eq "rerun: still the LLM's" 30 "$(classified llm2 llm)"
t_eq "rerun: same signals" "$(jq -c 'del(.account.signals.cached)' "$T/llm.out" | md5sum)" \
	"$(jq -c 'del(.account.signals.cached)' "$T/llm2.out" | md5sum)"
# --batch 5 over the same results: the answers are cached per account
fake_post reset '{}'
serper-signals --db "$T/db.llm" --batch 5 <"$IN" >/dev/null
t_eq "rerun, other batches: 0 calls" 0 "$(fake_stat '.total')"
# another model is another answer
fake_post reset '{}'
serper-signals --db "$T/db.llm" --model deepseek-v4-flash <"$IN" >/dev/null
t_eq "another model: 2 calls" 2 "$(fake_calls deepseek.chat)"
t_eq "another model: no search" 0 "$(fake_stat '.providers.serper // 0')"

# --- a batch answer leaves a company out: exactly one more call, for it
fake_fault deepseek drop_company 1
run drop
t_eq "drop: exit 0" 0 "$(cat "$T/drop.rc")"
t_eq "drop: 3 classification calls" 3 "$(fake_calls deepseek.chat)"
t_eq "drop: 13 accounts asked, one twice" 13 "$(fake_stat '.asked["deepseek.accounts"] | length')"
t_eq "drop: the extra call was for one company" 12 "$(fake_stat '.asked["deepseek.accounts"] | unique | length')"
t_eq "drop: all classified by the LLM" 30 "$(classified drop llm)"

# --- blank JSON content: asked again once
fake_fault deepseek blank 1
run blank
t_eq "blank: exit 0" 0 "$(cat "$T/blank.rc")"
t_eq "blank: one more call" 3 "$(fake_calls deepseek.chat)"
t_eq "blank: all classified by the LLM" 30 "$(classified blank llm)"
fake_fault deepseek blank -1
run blank2 --batch 20
t_eq "always blank: exit 0" 0 "$(cat "$T/blank2.rc")"
t_eq "always blank: asked twice, no more" 2 "$(fake_calls deepseek.chat)"
t_eq "always blank: the rules took over" 30 "$(classified blank2 rules)"
t_eq "always blank: said once" 1 "$(grep -c 'DeepSeek' "$T/blank2.err")"

# --- leading blank lines before the body
fake_fault deepseek leading_blank -1
run lead
t_eq "leading blank lines: exit 0" 0 "$(cat "$T/lead.rc")"
t_eq "leading blank lines: 2 calls" 2 "$(fake_calls deepseek.chat)"
t_eq "leading blank lines: classified by the LLM" 30 "$(classified lead llm)"

# --- DeepSeek's queue: the headers, then empty lines over 1.2 s, then the body
fake_fault deepseek queued -1 '"delay_ms":1200'
run queued
t_eq "queued: exit 0" 0 "$(cat "$T/queued.rc")"
t_eq "queued: 2 calls, none again" 2 "$(fake_calls deepseek.chat)"
t_eq "queued: the empty lines skipped, classified by the LLM" 30 "$(classified queued llm)"
# --llm-timeout-ms bounds the wait, queueing included; --llm-retries 0: no second call
fake_fault deepseek queued -1 '"delay_ms":4000'
run qtimeout --llm-timeout-ms 1000 --llm-retries 0
t_eq "queued past --llm-timeout-ms: exit 0" 0 "$(cat "$T/qtimeout.rc")"
t_eq "queued past --llm-timeout-ms: one call per batch, not retried" 2 "$(fake_calls deepseek.chat)"
t_eq "queued past --llm-timeout-ms: the rules took over" 30 "$(classified qtimeout rules)"
# the retry flags have apollo-enrich's meaning: N retries of a 5xx, M after a 429
fake_fault deepseek 503 -1
run r503 --batch 20 --llm-retries 1 --llm-backoff-ms 0
t_eq "--llm-retries 1: 503 asked twice" 2 "$(fake_calls deepseek.chat)"
fake_fault deepseek 429 -1
run r429 --batch 20 --llm-retry-429 2 --llm-backoff-429-ms 0
t_eq "--llm-retry-429 2: 429 asked three times" 3 "$(fake_calls deepseek.chat)"
t_eq "--llm-retry-429 2: the rules took over" 30 "$(classified r429 rules)"
t_status "--llm-retries out of range: 64" 64 serper-signals --llm-retries 21 </dev/null
t_status "--llm-timeout-ms 0: 64" 64 serper-signals --llm-timeout-ms 0 </dev/null

# --- 402: the rules, said once, exit 0
fake_fault deepseek credits -1
run bal --batch 1
t_eq "402: exit 0" 0 "$(cat "$T/bal.rc")"
t_eq "402: every record by the rules" 30 "$(classified bal rules)"
t_eq "402: said once" 1 "$(grep -c '402' "$T/bal.err")"
t_contains "402: says why" "$T/bal.err" "Insufficient Balance"
calls=$(fake_calls deepseek.chat)
t_check "402: no call after it but those already in flight ($calls of 12 batches)" test "$calls" -le 4
t_eq "402: all enriched" 30 "$(jq -c 'select(.account.signals.status=="enriched")' "$T/bal.out" | wc -l)"

# --- a bad key: the rules, the key not in the message
fake_post reset '{}'
DEEPSEEK_API_KEY=wrong-deepseek-key-9876 serper-signals --db "$T/db.badkey" <"$IN" >"$T/badkey.out" 2>"$T/badkey.err"
t_eq "bad DeepSeek key: exit 0" 0 "$?"
t_eq "bad DeepSeek key: rules" 30 "$(classified badkey rules)"
t_eq "bad DeepSeek key: said once" 1 "$(wc -l <"$T/badkey.err")"
t_lacks "bad DeepSeek key: not in stderr" "$T/badkey.err" "9876"

# --- a retired model name: 400, the rules, said once
fake_post reset '{}'
run retired --model deepseek-chat
t_eq "retired model: exit 0" 0 "$(cat "$T/retired.rc")"
t_contains "retired model: DeepSeek's message" "$T/retired.err" "deepseek-v4-flash"
t_eq "retired model: rules" 30 "$(classified retired rules)"

# --- 5xx: retried, then served
fake_fault deepseek 503 1
run srv
t_eq "503 once: exit 0" 0 "$(cat "$T/srv.rc")"
t_eq "503 once: classified by the LLM" 30 "$(classified srv llm)"

# --- --classifier rules never calls; --classifier llm needs a key
fake_post reset '{}'
run rules --classifier rules
t_eq "classifier rules: 0 calls" 0 "$(fake_stat '.providers.deepseek // 0')"
t_eq "classifier rules: rules" 30 "$(classified rules rules)"
DEEPSEEK_API_KEY= serper-signals --db "$T/db.nokey" --classifier llm <"$IN" >/dev/null 2>"$T/need.err"
t_eq "classifier llm without a key: 78" 78 "$?"
t_contains "classifier llm without a key: says so" "$T/need.err" "DEEPSEEK_API_KEY"

# --- the DeepSeek budget stops calls (tokens)
fake_post reset '{}'
DEAL_ENRICH_DEEPSEEK_BUDGET=1 serper-signals --db "$T/db.dsb" --batch 1 <"$IN" >"$T/dsb.out" 2>"$T/dsb.err"
t_eq "deepseek budget: exit 0" 0 "$?"
# DeepSeek says what a call cost only in its answer: the calls already under
# way when the first answer spends the budget still end (4 may be in flight;
# how many are depends on how soon the searches let accounts be classified).
n=$(fake_calls deepseek.chat)
t_check "deepseek budget: calls stop after it is spent ($n of 12, at most the 4 in flight)" \
	test "$n" -ge 1 -a "$n" -le 4
t_contains "deepseek budget: said" "$T/dsb.err" "deepseek_monthly_budget"

# --- two processes at once on one db: each account classified once
fake_post reset '{}'
fake_post latency '{"ms":300}'
serper-signals --db "$T/db.two" --delay-ms 0 <"$IN" >"$T/two1.out" 2>"$T/two1.err" &
p1=$!
serper-signals --db "$T/db.two" --delay-ms 0 <"$IN" >"$T/two2.out" 2>"$T/two2.err"
rc2=$?
wait "$p1"
t_eq "two at once: both exit 0" "0 0" "$? $rc2"
fake_post latency '{"ms":0}'
t_eq "two at once: 12 accounts searched, none twice" "12 12" \
	"$(fake_stat '.asked.serper | "\(length) \(unique | length)"')"
t_eq "two at once: 12 accounts classified, none twice" "12 12" \
	"$(fake_stat '.asked["deepseek.accounts"] | "\(length) \(unique | length)"')"
t_eq "two at once: both classified every record by the LLM" "30 30" "$(classified two1 llm) $(classified two2 llm)"
t_eq "two at once: the same signals" "$(jq -c '.account.signals | del(.cached, .fetched_at)' "$T/two1.out" | md5sum)" \
	"$(jq -c '.account.signals | del(.cached, .fetched_at)' "$T/two2.out" | md5sum)"
t_eq "two at once: no claim left" 0 "$(mdb_dump -s meta -p "$T/db.two" | grep -c claim)"

# --- keys never in stderr, stdout or the db
outputs=("$T"/*.err "$T"/*.out)
t_check "outputs and dbs to search (${#outputs[@]} files)" test -s "$T/dsb.out" -a -d "$T/db.llm"
t_eq "keys not in outputs" "" "$(grep -la -e test-deepseek-key -e test-serper-key "${outputs[@]}")"
t_check "keys not in any db" bash -c "! grep -rqa -e test-deepseek-key -e test-serper-key '$T'/db.*"
