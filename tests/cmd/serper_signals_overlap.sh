#!/usr/bin/env bash
# serper-signals classifies a window's accounts as soon as their searches are
# over, while its other searches are under way (issue 18): the same records as
# when every search ends first, and each account classified once. No timing is
# asserted: the fake records what was in flight when each request began.
source "$(dirname "$0")/../lib.sh"

IN=$DATA/serper/deals30.ndjson
t_start_fakeapi || exit 1
export SERPER_API_KEY=test-serper-key DEEPSEEK_API_KEY=test-deepseek-key

# run NAME [ARGS...]: a run in a fresh db, 2 accounts a DeepSeek call; $T/NAME.{out,err,rc}
run() { t_run "$1" serper-signals --db "$T/db.$1" --batch 2 "${@:2}" <"$IN"; }
records() { jq -c 'del(.account.signals.fetched_at, .account.signals.cached)' "$T/$1.out"; }
# DeepSeek requests that began while a Serper request was under way
during() { fake_stat '[.requests[] | select(.provider=="deepseek" and (.in_flight.serper // 0) > 0)] | length'; }

# --- one search request for the 12 accounts: classification can only follow it
fake_post reset '{}'
run seq --concurrency 1
t_eq "searches first: exit 0" 0 "$(cat "$T/seq.rc")"
t_eq "searches first: one search request" 1 "$(fake_calls serper.search)"
t_eq "searches first: no classification while it ran" 0 "$(during)"
t_eq "searches first: 12 accounts classified by DeepSeek" 30 \
	"$(jq -c 'select(.account.signals.classifier=="llm")' "$T/seq.out" | wc -l)"
calls=$(fake_calls deepseek.chat)

# --- two search requests of 6 queries, 300 ms apart; the first answers at
# 0.5 s, the second at 3.3 s: the first 6 accounts are classified meanwhile
fake_post reset '{}'
fake_post fault '{"provider":"serper","kind":"slow","count":1,"delay_ms":500}'
fake_post fault '{"provider":"serper","kind":"slow","count":1,"delay_ms":3000}'
run ovl --concurrency 2 --delay-ms 300
t_eq "overlapped: exit 0" 0 "$(cat "$T/ovl.rc")"
t_eq "overlapped: two search requests" 2 "$(fake_calls serper.search)"
t_eq "overlapped: the first 6 accounts' 3 calls began while the other search was under way" 3 "$(during)"
t_eq "overlapped: as many DeepSeek calls ($calls)" "$calls" "$(fake_calls deepseek.chat)"
t_eq "overlapped: each account classified once" "12 12" \
	"$(fake_stat '.asked["deepseek.accounts"] | "\(length) \(unique | length)"')"
t_eq "overlapped: the records of searches first" "$(records seq | md5sum)" "$(records ovl | md5sum)"
t_eq "overlapped: input order" "$(jq -r .deal_id "$IN" | tr '\n' ' ')" "$(jq -r .deal_id "$T/ovl.out" | tr '\n' ' ')"
t_eq "overlapped: no claim left" 0 "$(mdb_dump -s meta -p "$T/db.ovl" | grep -c claim)"
