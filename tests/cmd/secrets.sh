#!/bin/bash
# Secrets (issues 8, 15): with known keys, from the workspace file and from the
# platform variables, no key shows in `ps` while a slow run is in flight, in
# any stderr line (also --verbose, and on the 401/402/403 error paths), in the
# output, in the db (store, cache, ledger: the files' bytes), in the run log of
# enrich-closed-deals, nor in any file left after a stage crashes.
source "$(dirname "$0")/../lib.sh"
M=MARK7731Q                               # every key holds it: grep for it
KA=sk-apollo-$M KS=sk-serper-$M KD=sk-deepseek-$M KL=sk-rapidapi-$M
PA=sk-plat-apollo-$M PS=sk-plat-serper-$M PD=sk-plat-deepseek-$M
WRONG=sk-wrong-$M
export FAKEAPI_KEYS=$KA,$KS,$KD,$KL,$PA,$PS,$PD
t_start_fakeapi || exit 1
t_workspace acme <<EOC
apollo_api_key = $KA
serper_api_key = $KS
deepseek_api_key = $KD
linkedin_rapidapi_key = $KL
EOC
IN=$DATA/serper/deals30.ndjson
head -5 "$IN" >"$T/in5"
E=$T/err; mkdir -p "$E"
secret_free() {   # NAME PATH...: none of the files holds the marker
	local hits
	hits=$(grep -rlaF -- "$M" "${@:2}" 2>/dev/null | head -3)
	t_eq "$1" "" "$hits"
}

# ---- ps while a slow run is in flight ----
fake_post latency '{"ms":1500}'
apollo-enrich --verbose --delay-ms 0 --batch-size 1 <"$T/in5" >"$T/ps-out" 2>"$E/ps" &
pid=$!
seen=0
for i in $(seq 40); do
	if [ "$(fake_stat '.in_flight.apollo // 0')" -gt 0 ]; then seen=1; break; fi
	sleep 0.1
done
ps -eww -o pid,args >"$T/ps.txt"
cat /proc/$pid/cmdline 2>/dev/null | tr '\0' ' ' >"$T/cmdline.txt"
t_eq "a call was in flight while ps ran" 1 "$seen"
t_contains "ps saw apollo-enrich" "$T/ps.txt" apollo-enrich
secret_free "no key in ps output or the command line" "$T/ps.txt" "$T/cmdline.txt"
wait $pid
fake_post latency '{"ms":0}'

# ---- successful runs, verbose, workspace keys ----
apollo-enrich --verbose --delay-ms 0 <"$IN" >"$T/a.out" 2>"$E/a"
t_eq "apollo-enrich ran" 30 "$(wc -l <"$T/a.out")"
linkedin-enrich --verbose --all --delay-ms 0 <"$T/a.out" >"$T/li.out" 2>"$E/li"
t_check "linkedin-enrich asked RapidAPI" test "$(fake_stat '.providers.linkedin // 0')" -gt 0
serper-signals --verbose --classifier llm --delay-ms 0 <"$T/a.out" >"$T/s.out" 2>"$E/s"
t_check "serper-signals asked DeepSeek" test "$(fake_stat '.calls["deepseek.chat"] // 0')" -gt 0
role-resolve --verbose --llm <"$T/s.out" >"$T/r.out" 2>"$E/r"
deals-load --verbose <"$T/r.out" >"$T/l.out" 2>"$E/l"
enrich-status --workspace acme --verbose >"$T/st.out" 2>"$E/st"
enrich-summary --workspace acme --months 0 --deals >"$T/su.out" 2>"$E/su"
t_check "the store has the deals" grep -q '"deals":30' "$T/l.out"

# ---- platform keys only ----
t_workspace plat </dev/null
export APOLLO_API_KEY=$PA SERPER_API_KEY=$PS DEEPSEEK_API_KEY=$PD
sed 's/"workspace_id":"acme"/"workspace_id":"plat"/' "$T/in5" |
	apollo-enrich --verbose --delay-ms 0 2>"$E/pa" |
	serper-signals --verbose --classifier llm --delay-ms 0 2>"$E/ps2" |
	role-resolve --verbose --llm 2>"$E/pr" | deals-load --verbose >"$T/pl.out" 2>"$E/pl"
t_check "platform keys worked (Apollo answered plat)" grep -q '"workspace":"plat"' "$T/pl.out"

# ---- error paths: a wrong key (401/403 from the fake), injected 401/402/403 ----
export APOLLO_API_KEY=$WRONG SERPER_API_KEY=$WRONG DEEPSEEK_API_KEY=$WRONG
sed 's/"workspace_id":"acme"/"workspace_id":"plat"/' "$T/in5" >"$T/inp"
apollo-enrich --verbose --refresh --delay-ms 0 <"$T/inp" >"$T/e1" 2>"$E/wa"; rc=$?
t_eq "apollo-enrich with a wrong key: exit 1 (its contacts marked error)" 1 "$rc"
t_contains "apollo-enrich: the key was refused" "$E/wa" "refused the API key"
serper-signals --verbose --refresh --classifier rules --delay-ms 0 <"$T/inp" >"$T/e2" 2>"$E/ws"; rc=$?
t_eq "serper-signals with a wrong key: exit 78" 78 "$rc"
role-resolve --verbose --llm --cache-days 1 <"$DATA/roles/deals.ndjson" >"$T/e3" 2>"$E/wr"
unset APOLLO_API_KEY SERPER_API_KEY DEEPSEEK_API_KEY
for f in 401 403 credits; do
	fake_post fault "{\"provider\":\"all\",\"kind\":\"$f\",\"count\":-1}"
	apollo-enrich --verbose --refresh --retries 0 --retry-429 0 --backoff-429-ms 0 --delay-ms 0 <"$T/in5" >"$T/f1" 2>"$E/fa$f"
	serper-signals --verbose --refresh --classifier llm --delay-ms 0 <"$T/in5" >"$T/f2" 2>"$E/fs$f"
	role-resolve --verbose --llm <"$DATA/roles/llm.ndjson" >"$T/f3" 2>"$E/fr$f"
	linkedin-enrich --verbose --all --refresh --retries 0 --retry-429 0 --delay-ms 0 <"$T/a.out" >"$T/f4" 2>"$E/fl$f"
	t_check "fault $f reached linkedin-enrich" grep -q '"status":"error"\|"status":"quota_exhausted"' "$T/f4"
	t_check "fault $f reached the programs" test -s "$E/fa$f"
	fake_post reset '{}'
done

# ---- the pipeline's run log ----
"$DE_ROOT/pipelines/enrich-closed-deals" --workspace acme --format ndjson --no-limit --today 2026-03-20 --llm \
	--verbose --run-log "$T/run.log" <"$IN" >"$T/p.out" 2>"$E/pipe"
t_check "the pipeline wrote its run log" test -s "$T/run.log"

# ---- a stage crashes mid-run (SIGABRT while a call is in flight) ----
# The key is in the process's memory while it runs; a core file is the user's
# choice (ulimit -c, core_pattern): the toolkit neither raises RLIMIT_CORE nor
# writes one. What it writes itself must hold no key, crash or not.
mkdir -p "$T/cwd"
fake_post latency '{"ms":3000}'
(cd "$T/cwd" && exec apollo-enrich --refresh --delay-ms 0 --batch-size 1 <"$T/in5" >"$T/c.out" 2>"$E/crash") &
pid=$!
for i in $(seq 40); do [ "$(fake_stat '.in_flight.apollo // 0')" -gt 0 ] && break; sleep 0.1; done
kill -ABRT $pid; wait $pid; rc=$?
t_check "the stage died of the signal" test "$rc" -ge 128
fake_post latency '{"ms":0}'

# ---- nothing the toolkit wrote holds a key ----
t_check "stderr was captured" test "$(cat "$E"/* | wc -l)" -gt 20
secret_free "no key in any stderr line" "$E"
secret_free "no key in any output" "$T"/*.out "$T"/e? "$T"/f?
secret_free "no key in the db files (store, cache, ledger)" "$DEAL_ENRICH_DB"
secret_free "no key in the run log" "$T/run.log"
secret_free "no key in any file left after the crash (cwd, state, data)" "$T/cwd" \
	"$XDG_STATE_HOME" "$XDG_DATA_HOME" "$HOME"
t_check "the db holds the ledger and cache (the grep had bytes to search)" \
	test "$(du -sk "$DEAL_ENRICH_DB" | cut -f1)" -gt 0
# the markers are findable: the grep itself can fail
echo "$KA" >"$T/probe"; t_check "the search finds a planted key" grep -qaF "$M" "$T/probe"
