# Sourced by every command test (tests/cmd/*.sh). Gives each script a private
# temp dir, db, config and home, the binaries on PATH, and TAP helpers.
# Every check prints "ok - NAME" or "not ok - NAME". A check that cannot run
# here says why with t_skip ("ok - NAME # SKIP REASON"); tests/run fails a
# script that reports no check at all, and a skip without a reason.
set -u
DE_ROOT=${DE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
DE_BIN=${DE_BIN:-$DE_ROOT/bin}
DATA=$DE_ROOT/tests/data
T=$(mktemp -d "${TMPDIR:-/tmp}/de-test.XXXXXX")
export HOME=$T/home XDG_CONFIG_HOME=$T/config XDG_DATA_HOME=$T/data XDG_STATE_HOME=$T/state
export DEAL_ENRICH_DB=$T/db
mkdir -p "$HOME" "$XDG_CONFIG_HOME/deal-enrich/workspaces"
unset APOLLO_API_KEY SERPER_API_KEY RAPIDAPI_KEY DEEPSEEK_API_KEY HUBSPOT_TOKEN HUBSPOT_ACCESS_TOKEN \
	APOLLO_BASE_URL SERPER_BASE_URL DEEPSEEK_BASE_URL HUBSPOT_BASE_URL LINKEDIN_BASE_URL \
	SALESFORCE_CLIENT_ID SALESFORCE_CLIENT_SECRET SALESFORCE_REFRESH_TOKEN SALESFORCE_LOGIN_URL SALESFORCE_BASE_URL
export PATH="$DE_BIN:$PATH"
_t_pids=()
_t_cleanup() {
	local p
	for p in "${_t_pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap _t_cleanup EXIT

# Under VALGRIND=1 (make check-valgrind) programs run under valgrind; a leak or
# an error makes them exit 99.
_t_valgrind=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99)
if [ "${VALGRIND:-0}" = 1 ]; then
	_t_wrap() { "${_t_valgrind[@]}" "$@"; }
	for _p in "$DE_BIN"/*; do
		_n=$(basename "$_p")
		eval "$_n() { _t_wrap \"$_p\" \"\$@\"; }"
	done
fi

# t_kill9 PID: SIGKILL to PID and to every process under it, children first:
# under VALGRIND=1 a program started with & is valgrind, a child of the
# subshell whose pid $! gives.
t_kill9() {
	local f line fields c
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		read -r -a fields <<<"${line##*) }"   # after the name, which may hold spaces
		[ "${fields[1]}" = "$1" ] || continue
		c=${f#/proc/}
		t_kill9 "${c%/stat}"
	done
	kill -9 "$1" 2>/dev/null
}

# t_no_override PROG ARGS...: runs the program PROG of DE_BIN held to the mode
# bits of files as any user is: as root, without CAP_DAC_OVERRIDE (setpriv), so
# a file without write permission cannot be written. Exits 125 when root and
# setpriv is missing (check t_can_no_override first).
t_can_no_override() { [ "$(id -u)" != 0 ] || command -v setpriv >/dev/null; }
t_no_override() {
	local p=$DE_BIN/$1 pre=(); shift
	[ "${VALGRIND:-0}" = 1 ] && pre=("${_t_valgrind[@]}")
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || return 125
		pre=(setpriv --inh-caps=-dac_override --bounding-set=-dac_override -- "${pre[@]}")
	fi
	"${pre[@]}" "$p" "$@"
}

# TAP lines go to the script's own stdout (fd 3), so that a check written as
# `t_status NAME 0 prog >file` still reports instead of landing in the file.
exec 3>&1
t_ok() { echo "ok - $1" >&3; }
t_fail() { echo "not ok - $1${2:+: $2}" >&3; }
# t_skip NAME REASON: the check NAME did not run here, for REASON.
t_skip() {
	if [ -n "${2:-}" ]; then echo "ok - $1 # SKIP $2" >&3; else
		t_fail "$1" "skipped without a reason"; fi
}

# t_check NAME CMD...: ok when CMD exits 0.
t_check() {
	local name=$1; shift
	if "$@"; then t_ok "$name"; else t_fail "$name" "command failed: $*"; fi
}

# t_eq NAME EXPECTED ACTUAL
t_eq() {
	if [ "$2" = "$3" ]; then t_ok "$1"; else
		t_fail "$1" "expected [$2], got [$3]"; fi
}

# t_status NAME EXPECTED_STATUS CMD...: ok when CMD exits with that status.
t_status() {
	local name=$1 want=$2 got; shift 2
	"$@"; got=$?
	t_eq "$name" "$want" "$got"
}

# t_contains NAME FILE TEXT: ok when FILE holds TEXT (fixed string).
t_contains() {
	if grep -qF -- "$3" "$2"; then t_ok "$1"; else
		t_fail "$1" "$(basename "$2") lacks [$3]: $(head -c 400 "$2")"; fi
}
t_lacks() {
	if grep -qF -- "$3" "$2"; then t_fail "$1" "$(basename "$2") holds [$3]"; else t_ok "$1"; fi
}

# Starts the fake API on a free port: sets FAKEAPI_PORT and FAKEAPI_URL and
# points every provider's base URL at it. Extra arguments go to the server.
t_start_fakeapi() {
	local pf=$T/fakeapi.port i
	python3 "$DE_ROOT/tests/fakeapi/fakeapi.py" --port 0 --port-file "$pf" "$@" \
		2>"$T/fakeapi.log" &
	_t_pids+=($!)
	for i in $(seq 100); do [ -s "$pf" ] && break; sleep 0.1; done
	[ -s "$pf" ] || { echo "not ok - fake API did not start: $(cat "$T/fakeapi.log")"; return 1; }
	FAKEAPI_PORT=$(cat "$pf")
	FAKEAPI_URL=http://127.0.0.1:$FAKEAPI_PORT
	export FAKEAPI_PORT FAKEAPI_URL
	export APOLLO_BASE_URL=$FAKEAPI_URL SERPER_BASE_URL=$FAKEAPI_URL \
		DEEPSEEK_BASE_URL=$FAKEAPI_URL HUBSPOT_BASE_URL=$FAKEAPI_URL \
		LINKEDIN_BASE_URL=$FAKEAPI_URL
}

# fake_stat JQ_FILTER: reads the fake API's counters, e.g. fake_stat '.calls["apollo.bulk_match"] // 0'
fake_stat() { curl -s "$FAKEAPI_URL/_fake/stats" | jq -r "$1"; }
fake_post() { curl -s -X POST -H 'Content-Type: application/json' -d "$2" "$FAKEAPI_URL/_fake/$1" >/dev/null; }
# fake_calls ENDPOINT: how many calls the fake API counted, e.g. fake_calls serper.search
fake_calls() { fake_stat ".calls[\"$1\"] // 0"; }
# fake_fault PROVIDER KIND COUNT [MORE]: the fake API's counters and faults
# reset, then that fault armed (MORE: other members, e.g. '"retry_after":0').
fake_fault() {
	fake_post reset '{}'
	fake_post fault "{\"provider\":\"$1\",\"kind\":\"$2\",\"count\":$3${4:+,$4}}"
}

# t_run NAME CMD [ARGS...]: runs CMD; its stdout, stderr and exit status in
# $T/NAME.out, $T/NAME.err and $T/NAME.rc.
t_run() {
	local name=$1; shift
	"$@" >"$T/$name.out" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
}

# t_deals N PER WS PREFIX: N deals of workspace WS, PER contacts each, every
# email distinct (PREFIX.i.j@corpi.com): NDJSON on stdout.
t_deals() {
	local n=$1 per=$2 ws=$3 p=$4 i j c
	for ((i = 1; i <= n; i++)); do
		c=
		for ((j = 1; j <= per; j++)); do
			c+="${c:+,}{\"contact_id\":\"$i-$j\",\"email\":\"$p.$i.$j@corp$i.com\"}"
		done
		printf '{"workspace_id":"%s","deal_id":"%s-%d","close_date":"2026-01-15","account":{"name":"Corp%d","domain":"corp%d.com"},"contacts":[%s]}\n' \
			"$ws" "$p" "$i" "$i" "$i" "$c"
	done
}

# A workspace file with mode 600, from "key = value" lines on stdin.
t_workspace() {
	local f=$XDG_CONFIG_HOME/deal-enrich/workspaces/$1.conf
	cat >"$f"; chmod 600 "$f"
}
