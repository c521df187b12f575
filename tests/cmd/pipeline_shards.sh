#!/usr/bin/env bash
# docs/parallel.md: a backfill split by account into 4 shards run at once on one
# db leaves the same store as 1 shard, and pays for nothing twice.
source "$(dirname "$0")/../lib.sh"
jqe() { jq -e "$@" >/dev/null; }
jqse() { jq -se "$@" >/dev/null; }

t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key DEEPSEEK_API_KEY=test-deepseek-key
P=$DE_ROOT/pipelines/enrich-closed-deals
IN=$DATA/pipelines/backfill.ndjson   # 40 deals, 12 accounts (tests/data/pipelines/gen-backfill.py)
common=(--workspace acme --no-limit --lookback-months 24 --today 2026-11-30 --no-run-log --quiet)

"$P" "${common[@]}" --db "$T/db1" "$IN" >"$T/one.json" 2>"$T/one.err"
t_eq "1 shard: exit 0" "0 ok" "$? $(jq -r .status "$T/one.json")"
t_eq "1 shard: 40 deals stored" 40 "$(jq .deals "$T/one.json")"
one_searches=$(fake_stat '.asked.serper | length')
one_apollo=$(fake_stat '.asked.apollo | length')
fake_post reset '{}'

# The recipe of docs/parallel.md, GNU parallel when installed, else xargs.
if command -v parallel >/dev/null; then
	runner="GNU parallel"
	parallel -j4 --line-buffer "$P" "${common[@]}" --db "$T/db4" --shard {}/4 "$IN" \
		::: 1 2 3 4 >"$T/four.ndjson" 2>"$T/four.err"
else
	runner="xargs -P4"
	printf '%s\n' 1 2 3 4 | xargs -P4 -I{} "$P" "${common[@]}" --db "$T/db4" --shard {}/4 "$IN" \
		>"$T/four.ndjson" 2>"$T/four.err"
fi
t_eq "4 shards ($runner): 4 reports, all ok" "4 ok" \
	"$(jq -r .status "$T/four.ndjson" | sort | uniq -c | awk '{print $1, $2}')"
t_eq "4 shards: the shards are 1/4 to 4/4" "1/4 2/4 3/4 4/4" "$(jq -r .shard "$T/four.ndjson" | sort | xargs)"
t_eq "4 shards: 40 deals stored in all" 40 "$(jq -s 'map(.deals) | add' "$T/four.ndjson")"
t_check "4 shards: every shard had deals (the split is real)" jqse 'all(.[]; .deals > 0)' "$T/four.ndjson"
t_eq "4 shards: as many searches as 1 shard (one per account)" "$one_searches" "$(fake_stat '.asked.serper | length')"
t_eq "4 shards: as many emails asked of Apollo as 1 shard" "$one_apollo" "$(fake_stat '.asked.apollo | length')"
t_eq "... each email once" "$one_apollo" "$(fake_stat '.asked.apollo | unique | length')"

# The stores: every deal's stored value, times and cache flags aside, and the
# cross-deal role index, byte for byte.
dump_deals() {
	local id
	for id in $(jq -r .deal_id "$IN"); do
		enrich-summary --db "$1" --workspace acme --deal "$id" --raw |
			jq -cS 'walk(if type == "object" then
				del(.loaded_at, .enriched_at, .fetched_at, .cached, .run_at, .first_loaded_at, .updated_at)
				else . end)'
	done
}
dump_deals "$T/db1" >"$T/deals1"
dump_deals "$T/db4" >"$T/deals4"
t_eq "the store holds the 40 deals" 40 "$(grep -c '"deal_id"' "$T/deals1")"
t_check "4 shards leave the same deals as 1 shard" cmp -s "$T/deals1" "$T/deals4"
cmp -s "$T/deals1" "$T/deals4" || diff "$T/deals1" "$T/deals4" | head -n 6 | cut -c1-300 | sed 's/^/# /'
t_check "... with roles and signals in them" jqse 'any(.[]; .record.contacts[]?.buying_role != null)
	and any(.[]; (.record.account.signals.items | length) > 0)' "$T/deals1"
# The index db (roles by account, and the summary's per-deal rows), times aside.
dump_index() {
	mdb_dump -p -s index "$1" 2>&1 | sed -e '1,/^HEADER=END/d' \
		-E -e 's/"(loaded_at|enriched_at|fetched_at|run_at)":"[^"]*"/"\1":"-"/g'
}
dump_index "$T/db1" >"$T/index1"
dump_index "$T/db4" >"$T/index4"
t_check "the role index is not empty" test "$(wc -l <"$T/index1")" -gt 5
t_check "4 shards leave the same index (roles by account) as 1 shard" cmp -s "$T/index1" "$T/index4"
cmp -s "$T/index1" "$T/index4" || diff "$T/index1" "$T/index4" | head -n 8 | cut -c1-300 | sed "s/^/# /"
