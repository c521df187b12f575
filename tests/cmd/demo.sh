#!/usr/bin/env bash
# make demo from a clean clone: builds, runs the pipeline on the example
# exports against the sandbox into build/demo/, prints the summary table, says
# the data is simulated and how to run with real keys, and stops the sandbox on
# exit and on Ctrl-C. (The clone holds what is committed.)
source "$(dirname "$0")/../lib.sh"
jqe() { jq -e "$@" >/dev/null; }

command -v git >/dev/null || { t_fail "git is needed to clone"; exit 0; }
C=$T/clone
git clone -q "$DE_ROOT" "$C" 2>"$T/clone.err"
t_check "a clean clone" test -f "$C/Makefile"
touch "$T/before"

# The user's own world must stay untouched: keys set here must not be used.
export APOLLO_API_KEY=real-looking-key-must-not-be-used
make -C "$C" demo >"$T/demo.out" 2>"$T/demo.err"
rc=$?
t_eq "make demo: exit 0" 0 "$rc"
[ "$rc" = 0 ] || tail -n 5 "$T/demo.err" | sed 's/^/# /'
t_contains "it says the provider data is simulated" "$T/demo.out" "SIMULATED"
t_contains "it says how to run with real keys" "$T/demo.out" "To run on your own deals with real keys"
t_contains "the pipeline ran ok" "$T/demo.err" "enrich-closed-deals: demo: ok:"
t_contains "enrich-summary --format table: coverage" "$T/demo.out" "COVERAGE"
t_contains "enrich-summary --format table: buying roles" "$T/demo.out" "BUYING ROLES"
t_contains "enrich-summary --format table: signals" "$T/demo.out" "SIGNALS"
t_contains "crm-pull reads the sandbox HubSpot's closed deals" "$T/demo.out" "hubspot: 5 deals"
t_check "the pulled deals are shown with their contacts' roles" grep -q '"crm_role":"Decision Maker"' "$T/demo.out"
t_lacks "no HubSpot token in the output" "$T/demo.out" "test-hubspot-key"
R=$C/build/demo/report.json
t_check "the run report: ok, every example deal stored, enriched, roles, signals" jqe '.status == "ok"
	and .deals >= 15 and .enriched_deals >= 15 and .roles_resolved > 20 and .accounts_with_signals >= 15' "$R"
t_check "the db is under the build folder" test -f "$C/build/demo/db/data.mdb"
t_lacks "the sandbox keys, not the environment's" "$T/demo.out" "real-looking-key"
t_lacks "no key in the report's commands" "$R" "test-apollo-key"
t_lacks "... nor the RapidAPI sandbox key" "$R" "test-rapidapi-key"
t_lacks "no RapidAPI key in the demo's output" "$T/demo.out" "test-rapidapi-key"
t_contains "LinkedIn fills two of the three contacts Apollo missed" "$T/demo.out" \
	"LinkedIn filled 2 of the 3 contacts Apollo had no data for (0 profiles at another company refused); by any source 38 of 39."
t_check "the summary table's LinkedIn coverage line" grep -Eq '^  linkedin .* 2 of 39 contacts \(5%\)$' "$T/demo.out"
t_check "... and by any source" grep -Eq '^  any .* 38 of 39 contacts by any source \(97%\)$' "$T/demo.out"
port=$(cat "$C/build/demo/sandbox.port")
t_check "the sandbox is stopped after the demo" bash -c "! curl -s -m 2 -o /dev/null http://127.0.0.1:$port/_fake/stats"
t_check "nothing written in the user's config, state or data" \
	test -z "$(find "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$XDG_DATA_HOME" "$DEAL_ENRICH_DB" -newer "$T/before" -type f 2>/dev/null)"
t_eq "the clone's tracked files are unchanged" "" "$(git -C "$C" status --porcelain)"

# --- Ctrl-C while the pipeline runs: a stage that hangs until interrupted.
cat >"$T/hang" <<EOF
#!/bin/bash
echo \$\$ >"$T/hang.pid"
exec sleep 300
EOF
chmod +x "$T/hang"
# A background job of a script ignores SIGINT; give the demo its default back,
# as a terminal's Ctrl-C would find it.
DEAL_ENRICH_APOLLO=$T/hang env --default-signal=INT "$C/examples/demo" >"$T/int.out" 2>"$T/int.err" &
demo=$!
for i in $(seq 300); do [ -s "$T/hang.pid" ] && break; sleep 0.1; done
t_check "the demo reached the pipeline" test -s "$T/hang.pid"
port=$(cat "$C/build/demo/sandbox.port")
t_check "the sandbox answers while the demo runs" curl -s -m 5 -o /dev/null "http://127.0.0.1:$port/_fake/stats"
kill -INT "$demo"
wait "$demo"
t_eq "Ctrl-C: the demo exits 130" 130 "$?"
t_contains "Ctrl-C: it says so" "$T/int.err" "demo: interrupted; the sandbox is stopped"
t_check "Ctrl-C: the sandbox is stopped" bash -c "! curl -s -m 2 -o /dev/null http://127.0.0.1:$port/_fake/stats"
hang=$(cat "$T/hang.pid")
for i in $(seq 100); do [ -e "/proc/$hang" ] && [ "$(cut -d' ' -f3 "/proc/$hang/stat" 2>/dev/null)" != Z ] || break; sleep 0.1; done
t_check "Ctrl-C: the pipeline's stages are stopped too" bash -c "! [ -e /proc/$hang ] || [ \"\$(cut -d' ' -f3 /proc/$hang/stat)\" = Z ]"
kill "$hang" 2>/dev/null || true
