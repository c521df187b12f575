#!/usr/bin/env bash
# pipelines/enrich-closed-deals, its control flow, with stand-in stages
# (DEAL_ENRICH_<STAGE> overrides): the run report, the run log, ok vs degraded
# vs failed, the stage named on the last line, SIGPIPE of early-exiting readers.
source "$(dirname "$0")/../lib.sh"
jqe() { jq -e "$@" >/dev/null; }
jqse() { jq -se "$@" >/dev/null; }

P=$DE_ROOT/pipelines/enrich-closed-deals
S=$T/stubs
mkdir -p "$S"
# stub-extract: N records (env N, default 10) over 4 domains; records its args.
cat >"$S/stub-extract" <<'EOF'
#!/bin/bash
echo "extract $*" >>"$STUB_LOG"
for ((i = 1; i <= ${N:-10}; i++)); do
	printf '{"workspace_id":"acme","deal_id":"%d","close_date":"2026-%02d-15","amount":0.1,"big":12345678901234567891,"account":{"domain":"d%d.example"},"contacts":[]}\n' \
		$i $((i % 9 + 1)) $((i % 4))
done
exit "${EXTRACT_EXIT:-0}"
EOF
# stub-pass NAME [EXIT]: passes every record, records its args, exits EXIT.
cat >"$S/stub-pass" <<'EOF'
#!/bin/bash
name=$1 rc=$2; shift 2
echo "$name $*" >>"$STUB_LOG"
cat
[ "$rc" = 0 ] || echo "$name: trouble (exit $rc)" >&2
exit "$rc"
EOF
# stub-load: a deals-load report counting its input.
cat >"$S/stub-load" <<'EOF'
#!/bin/bash
echo "load $*" >>"$STUB_LOG"
if [ -n "${LOAD_COPY:-}" ]; then n=$(tee "$LOAD_COPY" | wc -l); else n=$(wc -l); fi
printf '{"workspace":"acme","deals":%d,"enriched_deals":%d,"partial_deals":0,"contacts":0,"roles_resolved":0,"apollo_enriched":0,"accounts_with_signals":0,"run_at":"2026-03-01T00:00:00Z"}\n' "$n" "$n"
EOF
cat >"$S/stub-segv" <<'EOF'
#!/bin/bash
head -n 2
kill -SEGV $$
EOF
cat >"$S/stub-drop" <<'EOF'
#!/bin/bash
head -n 3
cat >/dev/null
EOF
cat >"$S/stub-epipe" <<'EOF'
#!/bin/bash
# Ignores SIGPIPE, as a program might, and says so the way cli_close_output does.
trap '' PIPE
if ! cat 2>/dev/null; then echo "apollo-enrich: error writing stdout: Broken pipe" >&2; exit 74; fi
EOF
# stub-bg WHAT: serper-signals (stub-pass), except as the background search
# (its output dropped): WHAT is fail (says why, exit 70) or hang (until killed).
cat >"$S/stub-bg" <<'EOF'
#!/bin/bash
what=$1; shift
if [ "$(readlink /proc/$$/fd/1)" = /dev/null ]; then
	case $what in
	fail) echo "serper-signals: the background one broke" >&2; exit 70 ;;
	hang) exec sleep 60 ;;
	esac
fi
exec "$(dirname "$0")/stub-pass" serper 0 "$@"
EOF
cat >"$S/stub-dash" <<'EOF'
#!/bin/bash
cat
echo "--workspace: a last line that looks like an option" >&2
EOF
chmod +x "$S"/*
export STUB_LOG=$T/stub.log
export DEAL_ENRICH_EXTRACT=$S/stub-extract
export DEAL_ENRICH_APOLLO="$S/stub-pass apollo 0"
export DEAL_ENRICH_SERPER="$S/stub-pass serper 0"
export DEAL_ENRICH_LINKEDIN="$S/stub-pass linkedin 0"
export DEAL_ENRICH_ROLES="$S/stub-pass roles 0"
export DEAL_ENRICH_LOAD=$S/stub-load
LOG=$XDG_STATE_HOME/deal-enrich/runs.ndjson

# run NAME ARGS...: runs the pipeline; stdout in $T/NAME.out, stderr in
# $T/NAME.err, the exit status in $rc.
run() {
	local name=$1; shift
	"$P" "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
}
jqo() { jq -r "$2" "$T/$1.out"; }
lastline() { tail -n 1 "$T/$1.err"; }

# --- help, version, usage
t_status "--help exits 0" 0 "$P" --help >"$T/help" 2>&1
t_contains "--help names the stage overrides" "$T/help" DEAL_ENRICH_APOLLO
t_contains "--help lists --dry-run" "$T/help" --dry-run
t_status "--version exits 0" 0 "$P" --version >/dev/null
t_status "no --workspace is a usage error" 64 "$P" 2>/dev/null
t_status "an unknown option is a usage error" 64 "$P" --workspace acme --nope 2>/dev/null
t_status "a bad --closed-since is a usage error" 64 "$P" --workspace acme --closed-since 3/1/2026 2>/dev/null
DEAL_ENRICH_APOLLO=/nonexistent/apollo run missing --workspace acme
t_eq "a stage that cannot be found: exit 78" 78 "$rc"
t_contains "... naming it" "$T/missing.err" "apollo-enrich: '/nonexistent/apollo' not found"

# --- all well
: >"$STUB_LOG"
run ok --workspace acme --pending --lookback-months 3 --limit 7
t_eq "all stages exit 0: exit 0" 0 "$rc"
t_eq "the report is one JSON line" 1 "$(jq -c . "$T/ok.out" | wc -l)"
t_eq "report: status, workspace, exit" "ok acme 0" "$(jqo ok '"\(.status) \(.workspace) \(.exit)"')"
t_eq "report: deals-load's fields merged" "10 10 2026-03-01T00:00:00Z" "$(jqo ok '"\(.deals) \(.enriched_deals) \(.run_at)"')"
t_eq "report: the stages in order, then the background search" \
	"deals-extract apollo-enrich serper-signals linkedin-enrich role-resolve deals-load serper-prefetch" \
	"$(jqo ok '[.stages[].stage]|join(" ")')"
t_eq "report: each stage's exit and records" "0/10 0/10 0/10 0/10 0/10 0/10 0/null" \
	"$(jqo ok '[.stages[]|"\(.exit)/\(.records_out)"]|join(" ")')"
t_eq "report: the background search is marked so" "serper-prefetch" "$(jqo ok '.stages[] | select(.background) | .stage')"
t_eq "the background search and serper-signals got the same arguments (one run id)" \
	"$(grep '^serper ' "$STUB_LOG" | head -n 1)" "$(grep '^serper ' "$STUB_LOG" | tail -n 1)"
t_check "report: each stage's timing" jqe 'all(.stages[]; (.elapsed_ms|type) == "number" and .elapsed_ms >= 0)
	and (.elapsed_ms|type) == "number" and (.started_at|test("^[0-9-]{10}T[0-9:]{8}Z$"))' "$T/ok.out"
t_eq "report: no stage blamed" "null null" "$(jqo ok '"\(.stage) \(.reason)"')"
t_check "the last line says ok" grep -q "^enrich-closed-deals: acme: ok: 10 deals stored" "$T/ok.err"
t_eq "deals-extract got the input options" \
	"extract --workspace acme --pending --lookback-months 3 --limit 7" "$(grep '^extract' "$STUB_LOG")"
t_eq "every stage and the background search got --workspace" 7 "$(grep -c -- '--workspace acme' "$STUB_LOG")"
t_eq "the run log holds the report" "$(cat "$T/ok.out")" "$(tail -n 1 "$LOG")"
run quiet --workspace acme --quiet
t_eq "--quiet: nothing on stderr when ok" "" "$(cat "$T/quiet.err")"
t_eq "each run appends one line to the run log" 2 "$(wc -l <"$LOG")"
run nolog --workspace acme --no-run-log
t_eq "--no-run-log appends nothing" 2 "$(wc -l <"$LOG")"
run otherlog --workspace acme --run-log "$T/other.ndjson"
t_eq "--run-log FILE appends there" ok "$(jq -r .status "$T/other.ndjson")"

lines=$(wc -l <"$LOG")
"$P" --workspace acme 2>"$T/closed.err" | head -c 0
t_eq "a reader of the report that exits at once: the run still exits 0" 0 "${PIPESTATUS[0]}"
t_eq "... the run log still gets the report" $((lines + 1)) "$(wc -l <"$LOG")"
t_check "... and the last line still comes" grep -q "acme: ok: 10 deals stored" "$T/closed.err"

DEAL_ENRICH_LINKEDIN=$S/stub-dash run dash --workspace acme
t_eq "a stage's last line that looks like an option: in the report as it is" \
	"0 --workspace: a last line that looks like an option" \
	"$rc $(jqo dash '.stages[] | select(.stage == "linkedin-enrich") | .message')"

# --- --sequential: no background search
: >"$STUB_LOG"
run seq --workspace acme --sequential
t_eq "--sequential: exit 0, the six stages only" \
	"0 deals-extract apollo-enrich serper-signals linkedin-enrich role-resolve deals-load" \
	"$rc $(jqo seq '[.stages[].stage]|join(" ")')"
t_eq "--sequential: serper-signals once, no run id" "serper --workspace acme" "$(grep '^serper' "$STUB_LOG")"

# --- the background search failing: said and reported; serper-signals did its
# work, so the run's status is its stages'. 3000 records: more than the FIFO holds.
N=3000 DEAL_ENRICH_SERPER="$S/stub-bg fail" run bgfail --workspace acme
t_eq "background search fails: the run exits 0, every record stored" "0 ok 3000" "$rc $(jqo bgfail '"\(.status) \(.deals)"')"
t_eq "... its exit and why in the report" "70 serper-signals: the background one broke" \
	"$(jqo bgfail '.stages[] | select(.stage == "serper-prefetch") | "\(.exit) \(.message)"')"
t_contains "... and on stderr" "$T/bgfail.err" \
	"acme: the background search (serper-prefetch) exited 70 (internal error): serper-signals: the background one broke; serper-signals did what it left"
# A stage that fails stops the background search: no record will be stored.
DEAL_ENRICH_SERPER="$S/stub-bg hang" DEAL_ENRICH_APOLLO=false run bgstop --workspace acme
t_eq "a stage fails: the background search is stopped" "70 143 stopped: a stage failed" \
	"$rc $(jqo bgstop '.stages[] | select(.stage == "serper-prefetch") | "\(.exit) \(.message)"')"
t_lacks "... and not said as its own failure" "$T/bgstop.err" "background search"

# --- a stage that crashes: false in place of apollo-enrich
DEAL_ENRICH_APOLLO=false run false --workspace acme
t_check "apollo-enrich replaced by false: exit non-zero" test "$rc" -ne 0
t_eq "... exit 70" 70 "$rc"
t_check "... the last line names the stage" bash -c "tail -n 1 '$T/false.err' | grep -q '^enrich-closed-deals: acme: failed (exit 70): apollo-enrich exited 1'"
t_eq "... the report blames it" "failed apollo-enrich" "$(jqo false '"\(.status) \(.stage)"')"
t_eq "... and is logged too" failed "$(tail -n 1 "$LOG" | jq -r .status)"
for st in SERPER ROLES LOAD; do
	env "DEAL_ENRICH_$st=false" "$P" --workspace acme >"$T/f.out" 2>"$T/f.err"
	rc=$?
	want=$(case $st in SERPER) echo serper-signals ;; ROLES) echo role-resolve ;; LOAD) echo deals-load ;; esac)
	t_eq "$want replaced by false: exit 70, named" "70 $want" "$rc $(jq -r .stage "$T/f.out")"
done
DEAL_ENRICH_EXTRACT=false run efalse --workspace acme
t_eq "deals-extract replaced by false: exit 70, named" \
	"70 failed deals-extract" "$rc $(jqo efalse '"\(.status) \(.stage)"')"

# --- SIGPIPE: a reader that exits early; the writers killed by SIGPIPE are not the cause
N=60000 DEAL_ENRICH_LOAD=false run sigpipe --workspace acme
t_eq "deals-load exits at once on a big input: it is the one named" "70 deals-load" "$rc $(jqo sigpipe .stage)"
t_check "... while upstream stages died of SIGPIPE (141)" jqe '[.stages[].exit] | index(141) != null' "$T/sigpipe.out"
t_lacks "... and no 141 is blamed" "$T/sigpipe.err" "exited 141"
N=60000 DEAL_ENRICH_APOLLO=$S/stub-epipe DEAL_ENRICH_SERPER=false run epipe --workspace acme
t_eq "a writer that ignores SIGPIPE and exits 74 on EPIPE is not the cause" "70 serper-signals" "$rc $(jqo epipe .stage)"

# --- crashes and lost records
DEAL_ENRICH_SERPER=$S/stub-segv run segv --workspace acme
t_eq "a stage killed by SIGSEGV: exit 70, named" "70 serper-signals" "$rc $(jqo segv .stage)"
t_check "... the reason says so" grep -q 'serper-signals exited 139 (killed by signal SEGV)' "$T/segv.err"
DEAL_ENRICH_ROLES=$S/stub-drop run drop --workspace acme
t_eq "a stage that exits 0 but passes on 3 of 10: failed, named" "70 role-resolve" "$rc $(jqo drop .stage)"
t_check "... the reason counts" grep -q 'role-resolve exited 0 and passed on 3 of 10 records' "$T/drop.err"
DEAL_ENRICH_LOAD="$S/stub-pass load 74" run io --workspace acme
t_eq "deals-load exits 74 (db unwritable): exit 74, named" "74 deals-load" "$rc $(jqo io .stage)"
t_check "... quoting its last message" bash -c "tail -n 1 '$T/io.err' | grep -q 'deals-load exited 74 (I/O error): load: trouble (exit 74)'"
DEAL_ENRICH_APOLLO="$S/stub-pass apollo 78" run conf --workspace acme
t_eq "a stage exiting 78: exit 78" "78 failed" "$rc $(jqo conf .status)"

# --- degraded: the records flow
DEAL_ENRICH_SERPER="$S/stub-pass serper 69" run down --workspace acme
t_eq "a provider down (69): degraded, exit 69" "69 degraded" "$rc $(jqo down .status)"
t_eq "... every record stored" "10 10" "$(jqo down '"\(.extracted) \(.deals)"')"
t_check "... the last line says which stage and why" bash -c "tail -n 1 '$T/down.err' | grep -q 'degraded (exit 69): 10 deals stored.*serper-signals exited 69 (a provider was unavailable): serper: trouble'"
DEAL_ENRICH_APOLLO="$S/stub-pass apollo 1" DEAL_ENRICH_SERPER="$S/stub-pass serper 75" run worst --workspace acme
t_eq "degraded: the highest status wins (1 and 75: 75)" "75 serper-signals" "$rc $(jqo worst .stage)"
EXTRACT_EXIT=65 run bad --workspace acme
t_eq "bad input lines (65): degraded, exit 65" "65 degraded" "$rc $(jqo bad .status)"

# --- dry run
: >"$STUB_LOG"
lines=$(wc -l <"$LOG")
DEAL_ENRICH_APOLLO="$S/stub-pass apollo 0" run dry --workspace acme --dry-run
t_eq "--dry-run: exit 0" 0 "$rc"
t_eq "--dry-run: deals-load does not run" 0 "$(grep -c '^load' "$STUB_LOG")"
t_eq "--dry-run: the provider stages get --dry-run" "apollo linkedin serper" \
	"$(grep -- '--dry-run' "$STUB_LOG" | cut -d' ' -f1 | sort | xargs)"
t_eq "--dry-run: role-resolve does not run without --llm" 0 "$(grep -c '^roles' "$STUB_LOG")"
t_eq "--dry-run: the report says so" "true 10" "$(jqo dry '"\(.dry_run) \(.extracted)"')"
t_eq "--dry-run: nothing logged" "$lines" "$(wc -l <"$LOG")"
: >"$STUB_LOG"
run dryllm --workspace acme --dry-run --llm
t_eq "--dry-run --llm: role-resolve --llm --dry-run" "roles --workspace acme --llm --dry-run" "$(grep '^roles' "$STUB_LOG")"

# --- the filter stage (the real deals-filter)
if command -v deals-filter >/dev/null; then
	run since --workspace acme --closed-since 2026-08-01
	t_eq "--closed-since inserts deals-filter" "deals-extract deals-filter apollo-enrich" \
		"$(jqo since '[.stages[0:3][].stage]|join(" ")')"
	t_eq "--closed-since keeps the deals closed since (months 8 and 9)" "0 2" "$rc $(jqo since .deals)"
	total=0
	for k in 1 2 3 4; do
		LOAD_COPY=$T/shard$k.ndjson "$P" --workspace acme --shard $k/4 --no-run-log >"$T/s$k.out" 2>/dev/null
		total=$((total + $(jq .deals "$T/s$k.out")))
	done
	t_eq "4 shards together hold every deal" 10 "$total"
	t_eq "each domain in exactly one shard" "d0.example:1 d1.example:1 d2.example:1 d3.example:1" \
		"$(for k in 1 2 3 4; do jq -r .account.domain "$T/shard$k.ndjson" | sort -u; done | sort | uniq -c |
			awk '{printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1}')"
else
	t_fail "--closed-since inserts deals-filter" "no deals-filter on PATH ($DE_BIN)"
fi

# --- numbers and unknown keys reach the last stage untouched
LOAD_COPY=$T/seen.ndjson run passthru --workspace acme --no-run-log
t_check "records reach deals-load byte for byte" grep -q '"amount":0.1,"big":12345678901234567891,' "$T/seen.ndjson"
