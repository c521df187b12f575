#!/usr/bin/env bash
# Claims across pid namespaces (containers sharing one db): an apollo-enrich
# in its own pid namespace holds its claims while it asks Apollo, and one
# outside waits for its answers instead of judging the claim by a pid that
# means nothing outside. Before, the claim looked dead from outside (no such
# pid here) and the emails were paid for twice.
source "$(dirname "$0")/../lib.sh"

if ! unshare -p -f --mount-proc true 2>/dev/null; then
	t_skip "claims across pid namespaces" "unshare -p -f --mount-proc is not allowed here (needs root)"
	exit 0
fi
t_start_fakeapi || exit 1
printf 'apollo_api_key = test-apollo-key\n' | t_workspace acme
calls() { fake_stat '.calls["apollo.bulk_match"] // 0'; }
t_deals 1 3 acme ns >"$T/in"     # 3 emails: one call

# A pid that no process has out here: the contained apollo-enrich gets it in
# its namespace (ns_last_pid), so that a check by pid from here finds it dead.
P=''
for p in $(seq 31000 -7 20000); do [ -e "/proc/$p" ] || { P=$p; break; }; done
t_check "a pid free out here ($P)" test -n "$P"

fake_post latency '{"ms": 1500}'
unshare -p -f --mount-proc bash -c '
	echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid || exit 1
	apollo-enrich --workspace acme <"$2/in" >"$2/o.in" 2>"$2/e.in" &
	echo $! >"$2/pid.in"
	wait $!' inner "$P" "$T" &
inner=$!
# Its call is in flight: it holds the claims.
for i in $(seq 400); do [ "$(fake_stat '.in_flight.apollo // 0')" = 1 ] && break; sleep 0.05; done
t_eq "the contained apollo-enrich runs as pid $P in its namespace" "$P" "$(cat "$T/pid.in" 2>/dev/null)"
t_check "... a pid no process has out here" test ! -e "/proc/$P"
t_eq "... and it is asking Apollo" 1 "$(fake_stat '.in_flight.apollo // 0')"

apollo-enrich --workspace acme <"$T/in" >"$T/o.out" 2>"$T/e.out"
t_eq "outside: exit 0" 0 "$?"
wait $inner
t_eq "inside: exit 0" 0 "$?"
t_eq "Apollo asked once for the 3 emails, not by both" "1 3" \
	"$(calls) $(fake_stat '.asked.apollo | length')"
t_eq "outside: every contact enriched from the contained run's answer" "true true true" \
	"$(jq -r '.contacts[] | .apollo.status == "enriched" and .apollo.cached' "$T/o.out" | xargs)"
t_eq "inside: every contact enriched" "enriched enriched enriched" \
	"$(jq -r '.contacts[].apollo.status' "$T/o.in" | xargs)"
t_eq "no claim left in the db" 0 "$(mdb_dump -s meta -p "$DEAL_ENRICH_DB" | grep -c 'claim')"
fake_post latency '{"ms": 0}'
