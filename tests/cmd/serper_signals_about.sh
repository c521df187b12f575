#!/usr/bin/env bash
# serper-signals keeps only results about the account: a result must name the
# company (its normalized name, or its domain) in its title or snippet, and no
# result of a query Google corrected the spelling of is kept; what was left
# out is counted in signals.dropped, for fresh and cached answers alike.
source "$(dirname "$0")/../lib.sh"

mkdir -p "$T/data"
cat >"$T/data/serper_results.json" <<'JSON'
{"bolt": {"organic": [
  {"title": "Bolt raises $100M Series D", "link": "https://n.example/bolt-1",
   "snippet": "The ride-hailing company announced a new funding round."},
  {"title": "Lightning startup raises $20M Series A", "link": "https://n.example/other-1",
   "snippet": "A payments startup closed a funding round."},
  {"title": "Ride-hailing firm opens new office in Lyon", "link": "https://n.example/bolt-2",
   "snippet": "Read more at www.bolt.eu/news."},
  {"title": "Thunderbolt 5 docks reviewed", "link": "https://n.example/other-2",
   "snippet": "Faster docks for laptops, and a lawsuit over a patent."}]},
 "hooli": {"organic": [
  {"title": "Hooli raises $50M Series C", "link": "https://n.example/hooli-1", "snippet": "Hooli announced"},
  {"title": "Hooli is hiring 120 engineers", "link": "https://n.example/hooli-2", "snippet": "Hooli plans"}],
  "spelling": {"spelling": "hoolie news"}},
 "pied piper": {"organic": [
  {"title": "Pied Piper acquires a startup", "link": "https://n.example/pp-1", "snippet": "Pied Piper"}],
  "searchParameters": {"q": "\"Pied Pipe\" news"}},
 "initech": {"organic": [
  {"title": "Initech raises $12M", "link": "https://n.example/initech-1", "snippet": "Initech announced"},
  {"title": "Layoffs at INITECH Corp.", "link": "https://n.example/initech-2", "snippet": "The company"}]}}
JSON
t_start_fakeapi --data "$T/data" || exit 1
export SERPER_API_KEY=test-serper-key
rec() { echo "{\"workspace_id\":\"acme\",\"deal_id\":\"$1\",\"account\":{\"account_id\":\"$1\",\"name\":\"$2\"${3:+,\"domain\":\"$3\"}},\"contacts\":[]}"; }
{ rec 1 Bolt bolt.eu; rec 2 Hooli; rec 3 "Pied Piper"; rec 4 "Initech Corporation" initech.com; } >"$T/in"
summary() { jq -r '.account.signals | "\(.status) dropped=\(.dropped) \([.items[].source_url] | sort | join(" "))"' "$1"; }

serper-signals --classifier rules --delay-ms 0 <"$T/in" >"$T/o1" 2>"$T/e1"; t_eq "exit 0" 0 "$?"
t_eq "4 searches" 4 "$(fake_stat '.calls["serper.search"] // 0')"
t_eq "a short name: results that name neither Bolt nor bolt.eu are left out and counted" \
	"enriched dropped=2 https://n.example/bolt-1 https://n.example/bolt-2" "$(summary "$T/o1" | sed -n 1p)"
t_eq "a query Google corrected (a spelling member): nothing kept, all counted" \
	"not_found dropped=2 " "$(summary "$T/o1" | sed -n 2p)"
t_eq "a query Google corrected (searchParameters.q not the query sent): nothing kept" \
	"not_found dropped=1 " "$(summary "$T/o1" | sed -n 3p)"
t_eq "results that name the account (legal form and case aside) are all kept" \
	"enriched dropped=0 https://n.example/initech-1 https://n.example/initech-2" "$(summary "$T/o1" | sed -n 4p)"
t_eq "dropped is a JSON number" number "$(jq -r '.account.signals.dropped | type' "$T/o1" | sort -u)"

# from the cache: the same decisions, the same counts
serper-signals --classifier rules --delay-ms 0 <"$T/in" >"$T/o2" 2>"$T/e2"; t_eq "rerun: exit 0" 0 "$?"
t_eq "rerun: no new search" 4 "$(fake_stat '.calls["serper.search"] // 0')"
t_eq "rerun: from the cache" true "$(jq -s 'all(.account.signals.cached)' "$T/o2")"
t_eq "rerun: the same results kept and dropped" "$(summary "$T/o1")" "$(summary "$T/o2")"
