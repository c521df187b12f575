#!/usr/bin/env bash
# Concurrency (issue 8): four pipelines on one db at once, with overlapping
# deals and emails. All finish; the cache holds one entry per email and per
# account; the store one record per deal; no API answer is asked for twice.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi --apollo-limit-minute 100000 || exit 1
printf 'apollo_api_key = test-apollo-key\nserper_api_key = test-serper-key\n' | t_workspace acme
IN=$DATA/apollo/deals10.ndjson
# Four inputs of 6 deals each, every deal in two or more of them, in different orders.
sed -n '1,6p' "$IN" >"$T/in1"
sed -n '3,8p' "$IN" | tac >"$T/in2"
sed -n '5,10p' "$IN" >"$T/in3"
{ sed -n '1,3p' "$IN"; sed -n '8,10p' "$IN"; } | tac >"$T/in4"
norm() { tr 'A-Z' 'a-z' | sed 's/^ *//; s/ *$//'; }
jq -r '.contacts[].email // empty' "$IN" | norm | grep @ | sort -u >"$T/emails"
jq -r '.deal_id' "$IN" | sort -u >"$T/deals"
fake_post latency '{"ms": 150}'   # so that the four runs overlap

pids=()
for i in 1 2 3 4; do
	( apollo-enrich --delay-ms 0 --batch-size 2 <"$T/in$i" |
		serper-signals --classifier rules --delay-ms 0 |
		role-resolve | deals-load >"$T/rep$i" 2>"$T/e$i.load"
	  echo "${PIPESTATUS[*]}" >"$T/rc$i" ) 2>"$T/e$i" &
	pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3 4; do sed "s/^/# pipeline $i: /" "$T/e$i" "$T/e$i.load" | head -5 >&3; done
for i in 1 2 3 4; do
	t_eq "pipeline $i: every stage exit 0" "0 0 0 0" "$(cat "$T/rc$i")"
	t_eq "pipeline $i: deals-load stored its 6 deals" 6 "$(jq .deals "$T/rep$i")"
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/e$i" "$T/e$i.load"; then
		t_fail "pipeline $i: sanitizer report" "$(head -5 "$T/e$i")"; fi
done

# The store: one record per deal.
mdb_dump -s deals -p "$DEAL_ENRICH_DB" | sed '1,/HEADER=END/d; /DATA=END/d' | awk 'NR % 2 == 1' >"$T/keys"
t_eq "store: one record per deal (10)" 10 "$(wc -l <"$T/keys")"
t_eq "store: no key twice" "$(sort -u "$T/keys" | wc -l)" "$(wc -l <"$T/keys")"
# The cache: one entry per email and one per account.
mdb_dump -s cache -p "$DEAL_ENRICH_DB" | sed '1,/HEADER=END/d; /DATA=END/d' | awk 'NR % 2 == 1' >"$T/ckeys"
t_eq "cache: one Apollo entry per email ($(wc -l <"$T/emails"))" "$(wc -l <"$T/emails")" \
	"$(grep -c '^ apollo' "$T/ckeys")"
t_eq "cache: no key twice" "$(sort -u "$T/ckeys" | wc -l)" "$(wc -l <"$T/ckeys")"
# The fake's counts: every answer paid for once.
fake_stat '.asked.apollo[]' | norm | sort >"$T/asked.apollo"
t_eq "Apollo: every email asked" "$(cat "$T/emails")" "$(sort -u "$T/asked.apollo")"
t_eq "Apollo: no email asked twice across the four" "" "$(uniq -d "$T/asked.apollo")"
echo "# Apollo: $(wc -l <"$T/asked.apollo") emails asked, $(sort -u "$T/asked.apollo" | wc -l) distinct" >&3
fake_stat '.asked.serper[]' | sort >"$T/asked.serper"
t_eq "Serper: no query asked twice across the four" "" "$(uniq -d "$T/asked.serper")"
# The claims are gone with their holders' answers.
t_eq "no claim left in the db" 0 "$(mdb_dump -s meta -p "$DEAL_ENRICH_DB" | grep -c 'claim')"
t_eq "Serper: every account asked" "$(jq -r '.account.domain' "$IN" | sort -u | wc -l)" "$(sort -u "$T/asked.serper" | wc -l)"
# Within one run nothing is asked twice: the same four inputs one after another on a fresh db.
fake_post reset '{}'; rm -rf "$DEAL_ENRICH_DB"
for i in 1 2 3 4; do
	apollo-enrich --delay-ms 0 <"$T/in$i" | serper-signals --classifier rules --delay-ms 0 |
		role-resolve | deals-load >/dev/null 2>&1
done
fake_stat '.asked.apollo[]' | norm | sort >"$T/asked.apollo"
t_eq "one after another: no email asked twice" "" "$(uniq -d "$T/asked.apollo")"
t_eq "one after another: no Serper query asked twice" "" "$(fake_stat '.asked.serper[]' | sort | uniq -d)"
