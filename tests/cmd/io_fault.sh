#!/usr/bin/env bash
# I/O faults (issue 8): stdout to /dev/full, a closed stdout, a db on a full
# and on a read-only file system, and write()/pwrite() failing on the db's
# files (an LD_PRELOAD shim): a clear message, exit 74, the db intact.
#
# A closed stdout: with SIGPIPE at its default the programs die of SIGPIPE,
# quietly, as cat, grep and jq do (the shell sees 141; pipefail reports it).
# That is the Unix convention for a filter whose reader left, so it is kept.
# With SIGPIPE ignored (a parent such as Python's subprocess, or
# `trap '' PIPE`), the write fails with EPIPE and the program says
# "stdout: Broken pipe" and exits 74. Either way: no crash, no sanitizer report.
source "$(dirname "$0")/../lib.sh"

EX=$DE_ROOT/examples/deals.ndjson
IN=$DATA/apollo/deals10.ndjson
progs=(deals-extract deals-filter apollo-enrich serper-signals role-resolve deals-load enrich-status enrich-summary)
deals-load <"$IN" >/dev/null 2>&1   # a store for enrich-status/-summary
# run_prog NAME: runs the program on a small input with stdout as the caller set it.
run_prog() {
	case $1 in
	deals-extract) deals-extract --lookback-months 24 "$EX" ;;
	enrich-status|enrich-summary) "$1" --workspace acme ;;
	deals-load) deals-load --db "$T/db2" <"$IN" ;;
	*) "$1" --quiet <"$IN" ;;
	esac
}
sanitizer() { grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$1"; }

# ---- stdout to /dev/full ----
for p in "${progs[@]}"; do
	run_prog "$p" >/dev/full 2>"$T/e"; rc=$?
	t_eq "$p >/dev/full: exit 74" 74 "$rc"
	t_contains "$p >/dev/full: says stdout" "$T/e" "stdout: No space left on device"
	sanitizer "$T/e" && t_fail "$p >/dev/full: sanitizer report" "$(head -5 "$T/e")"
done

# ---- a closed stdout (the reader of the pipe gone before the first write) ----
# closedpipe.py DEFAULT|IGNORE CMD...: stdout is a pipe whose read end is closed.
cat >"$T/closedpipe.py" <<'PY'
import os, signal, subprocess, sys
r, w = os.pipe()
os.close(r)
if sys.argv[1] == "IGNORE":
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    p = subprocess.run(sys.argv[2:], stdout=w, restore_signals=False)
else:
    p = subprocess.run(sys.argv[2:], stdout=w, restore_signals=True)
print(p.returncode)
PY
export -f run_prog
export IN EX
for p in "${progs[@]}"; do
	rc=$(python3 "$T/closedpipe.py" DEFAULT bash -c "$(declare -f run_prog); run_prog $p" 2>"$T/e")
	t_eq "$p | (closed), SIGPIPE default: ended by SIGPIPE, quietly" "141" "$rc"
	sanitizer "$T/e" && t_fail "$p | (closed): sanitizer report" "$(head -5 "$T/e")"
	rc=$(python3 "$T/closedpipe.py" IGNORE bash -c "$(declare -f run_prog); run_prog $p" 2>"$T/e")
	t_eq "$p | (closed), SIGPIPE ignored: exit 74" 74 "$rc"
	t_contains "$p | (closed), SIGPIPE ignored: says Broken pipe" "$T/e" "Broken pipe"
	sanitizer "$T/e" && t_fail "$p | (closed) EPIPE: sanitizer report" "$(head -5 "$T/e")"
done
# The ordinary case, a reader that leaves early on a long stream.
for i in $(seq 40); do sed "s/\"deal_id\":\"9/\"deal_id\":\"$i/" "$IN"; done >"$T/long"
for p in deals-filter apollo-enrich serper-signals role-resolve; do
	"$p" --quiet <"$T/long" 2>"$T/e" | head -1 >"$T/h"; rc=${PIPESTATUS[0]}
	t_check "$p | head -1: one whole record reaches head" jq -e .deal_id "$T/h" >/dev/null
	t_check "$p | head -1: SIGPIPE or 74 ($rc), not a crash" test "$rc" = 141 -o "$rc" = 74
	sanitizer "$T/e" && t_fail "$p | head -1: sanitizer report" "$(head -5 "$T/e")"
done

# ---- the db on a full and on a read-only file system (a private mount namespace) ----
if unshare -m true 2>/dev/null; then
	sed 's/"deal_id":"9/"deal_id":"7/' "$IN" >"$T/more"
	for i in $(seq 40); do sed "s/\"deal_id\":\"9/\"deal_id\":\"$i/" "$IN"; done >"$T/many"
	printf 'apollo_api_key = test-apollo-key\n' | t_workspace acme
	cat >"$T/fs.sh" <<'SH'
M=$T/m; mkdir -p "$M"
mount -t tmpfs -o size=1m tmpfs "$M" || { echo "mount failed"; exit 9; }
export DEAL_ENRICH_DB=$M/db
deals-load <"$IN" >/dev/null 2>"$T/fs.e0" || { echo "first load failed"; exit 9; }
mdb_dump -s deals -p "$M/db" >"$T/before.dump"
dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null
deals-load <"$T/many" >"$T/full.out" 2>"$T/full.e"; echo "full_load=$?"
APOLLO_BASE_URL=http://127.0.0.1:9 apollo-enrich --quiet --retries 0 --delay-ms 0 <"$T/many" >/dev/null 2>"$T/full.ae"; echo "full_apollo=$?"
rm -f "$M/fill"
mdb_dump -s deals -p "$M/db" >"$T/after-full.dump"; echo "full_dump=$?"
mount -o remount,ro "$M"
deals-load <"$T/more" >/dev/null 2>"$T/ro.e"; echo "ro_load=$?"
APOLLO_BASE_URL=http://127.0.0.1:9 apollo-enrich --quiet --retries 0 <"$T/more" >/dev/null 2>"$T/ro.ae"; echo "ro_apollo=$?"
mdb_dump -s deals -p "$M/db" >"$T/after-ro.dump"; echo "ro_dump=$?"
enrich-status --db "$M/db" --workspace acme >"$T/ro.status" 2>"$T/ro.se"; echo "ro_status=$?"
mount -o remount,rw "$M"
deals-load <"$T/more" >/dev/null 2>"$T/rw.e"; echo "rw_load=$?"
mdb_dump -s deals -p "$M/db" >"$T/after-rw.dump"
SH
	T=$T IN=$IN unshare -m bash "$T/fs.sh" >"$T/fs.out" 2>&1
	v() { sed -n "s/^$1=//p" "$T/fs.out"; }
	t_eq "full fs: deals-load exits 74" 74 "$(v full_load)"
	t_contains "full fs: deals-load says why" "$T/full.e" "No space left on device"
	t_eq "full fs: apollo-enrich (caching its answers) exits 74 or 69, not 0 ($(v full_apollo))" 1 \
		"$( [ "$(v full_apollo)" = 74 ] || [ "$(v full_apollo)" = 69 ]; echo $((1 - $?)))"
	t_eq "full fs: the db still opens" 0 "$(v full_dump)"
	t_eq "full fs: the store holds what it held before" "$(grep -c . "$T/before.dump")" \
		"$(grep -cF -f "$T/before.dump" "$T/after-full.dump")"
	t_eq "read-only fs: deals-load exits 74" 74 "$(v ro_load)"
	t_contains "read-only fs: deals-load says why" "$T/ro.e" "Read-only file system"
	t_eq "read-only fs: apollo-enrich exits 74" 74 "$(v ro_apollo)"
	t_contains "read-only fs: apollo-enrich says why" "$T/ro.ae" "Read-only file system"
	t_eq "read-only fs: the db still opens" 0 "$(v ro_dump)"
	t_eq "read-only fs: the store unchanged" "$(sed "1,/HEADER=END/d" "$T/after-full.dump")" "$(sed "1,/HEADER=END/d" "$T/after-ro.dump")"
	t_eq "read-only fs: enrich-status still reads it" 0 "$(v ro_status)"
	t_eq "writable again: deals-load works" 0 "$(v rw_load)"
	t_eq "writable again: 10 more deals stored" $(( $(grep -c . "$T/after-ro.dump") + 20 )) "$(grep -c . "$T/after-rw.dump")"
	for f in "$T"/full.e "$T"/full.ae "$T"/ro.e "$T"/ro.ae; do
		sanitizer "$f" && t_fail "fs faults: sanitizer report in $(basename "$f")" "$(head -5 "$f")"
	done
else
	t_fail "unshare -m is not available here (needs root)"
fi

# ---- write()/pwrite() failing on the db's files ----
cc -shared -fPIC -O1 -o "$T/failwrite.so" "$DE_ROOT/tests/fault/failwrite.c" -ldl 2>"$T/cc.e"
t_eq "the failwrite shim builds" "" "$(cat "$T/cc.e")"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
D=$T/db3
deals-load --db "$D" <"$IN" >/dev/null 2>&1
mdb_dump -s deals -p "$D" >"$T/fw.before"
sed 's/"deal_id":"9/"deal_id":"7/' "$IN" >"$T/more"
for after in 0 1 3; do
	FAILWRITE_MATCH=$D FAILWRITE_AFTER=$after LD_PRELOAD=$T/failwrite.so \
		deals-load --db "$D" <"$T/more" >/dev/null 2>"$T/fw.e"; rc=$?
	t_eq "write() fails after $after db writes: deals-load exits 74" 74 "$rc"
	t_contains "write() fails after $after: says Input/output error" "$T/fw.e" "Input/output error"
	sanitizer "$T/fw.e" && t_fail "failwrite $after: sanitizer report" "$(head -5 "$T/fw.e")"
	mdb_dump -s deals -p "$D" >"$T/fw.after"; t_eq "write() fails after $after: the db opens" 0 $?
	t_eq "write() fails after $after: the store holds what it held" "$(grep -c . "$T/fw.before")" \
		"$(grep -cF -f "$T/fw.before" "$T/fw.after")"
done
printf 'apollo_api_key = test-apollo-key\n' | t_workspace acme
t_start_fakeapi || exit 1
FAILWRITE_MATCH=$D LD_PRELOAD=$T/failwrite.so \
	apollo-enrich --db "$D" --quiet --delay-ms 0 <"$IN" >"$T/fw.out" 2>"$T/fw.e"; rc=$?
t_eq "write() fails on the cache: apollo-enrich exits 74" 74 "$rc"
t_contains "write() fails on the cache: says db" "$T/fw.e" "Input/output error"
sanitizer "$T/fw.e" && t_fail "failwrite apollo: sanitizer report" "$(head -5 "$T/fw.e")"
deals-load --db "$D" <"$T/more" >/dev/null 2>"$T/fw.e"; t_eq "after the faults: deals-load works" 0 $?
mdb_dump -s deals -p "$D" >"$T/fw.after"
t_eq "after the faults: the store has the old and the new deals" $(( $(grep -c . "$T/fw.before") + 20 )) "$(grep -c . "$T/fw.after")"
