#!/usr/bin/env bash
# Every program treats a db directory that exists but holds no db yet (a fresh
# volume, a directory a user made) as it treats an absent one: the same exit
# status and the same records out. role-resolve exited 74 there ("No such file
# or directory") and wrote nothing.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key
t_deals 3 2 acme empty >"$T/deals"
E=$DE_ROOT/examples

# run NAME DBDIR PROGRAM ARGS...: stdin from $T/in, status and stdout kept.
run() {
	local name=$1 db=$2; shift 2
	DEAL_ENRICH_DB=$db "$@" <"$T/in" >"$T/$name.out" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
}

# same LABEL PROGRAM ARGS...: runs it on an absent and on an empty db directory.
same() {
	local label=$1; shift
	rm -rf "$T/absent" "$T/empty"; mkdir "$T/empty"
	run absent "$T/absent" "$@"
	run empty "$T/empty" "$@"
	t_eq "$label: the same status on an empty db directory as on none" \
		"$(cat "$T/absent.rc")" "$(cat "$T/empty.rc")"
	t_eq "$label: the same records out" \
		"$(jq -c 'del(..|.fetched_at?, .enriched_at?, .run_at?)' "$T/absent.out" 2>/dev/null | wc -l)" \
		"$(jq -c 'del(..|.fetched_at?, .enriched_at?, .run_at?)' "$T/empty.out" 2>/dev/null | wc -l)"
	t_lacks "$label: no 'No such file' on an empty db directory" "$T/empty.err" "No such file"
}

cp "$T/deals" "$T/in"
same deals-extract deals-extract --workspace acme --pending --today 2026-11-30 "$E/deals.ndjson"
same apollo-enrich apollo-enrich --workspace acme --delay-ms 0
same serper-signals serper-signals --workspace acme
same role-resolve role-resolve --workspace acme
t_eq "role-resolve: exit 0 on an empty db directory" 0 "$(cat "$T/empty.rc")"
t_eq "role-resolve: every record out on an empty db directory" 3 "$(wc -l <"$T/empty.out")"
same deals-load deals-load --workspace acme
same lead-score lead-score --workspace acme
: >"$T/in"
same enrich-status enrich-status --workspace acme
same enrich-summary enrich-summary --workspace acme
same icp-profile icp-profile --workspace acme --no-save
