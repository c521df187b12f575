#!/usr/bin/env bash
# icp-profile and lead-score on generated deals (tests/icp/gen.py): a planted
# model is found with the right directions and almost nothing else, and
# lead-score ranks held-out deals nearly as well as the true probabilities;
# outcomes independent of the attributes flag nothing and validate as chance;
# lost deals with amount 0 do not make amount a driver nor inflate the
# validation; 25 deals are too few. The profile in the db, --profile FILE,
# "no data", bytes kept, exit codes, --help, the man pages.
source "$(dirname "$0")/../lib.sh"

GEN="python3 $DE_ROOT/tests/icp/gen.py"
AS_OF=2026-11-15
prof() { icp-profile --workspace "$1" --as-of "$AS_OF" "${@:2}"; }
# auc FILE SCORE_JQ: the AUC of a score against custom_fields.outcome
auc() {
	jq -r "[($2), .custom_fields.outcome] | @tsv" "$1" | python3 -c '
import sys
rows = sorted(tuple(map(float, l.split())) for l in sys.stdin)
pos = sum(y for _, y in rows); neg = len(rows) - pos; s = below = 0; i = 0
while i < len(rows):
    j = i; tp = tn = 0
    while j < len(rows) and rows[j][0] == rows[i][0]:
        tp += rows[j][1]; tn += 1 - rows[j][1]; j += 1
    s += tp * (below + tn / 2); below += tn; i = j
print("%.4f" % (s / (pos * neg)))'
}

# ---- help, man, usage ----
for p in icp-profile lead-score; do
	$p --help >"$T/help"; t_eq "$p --help exits 0" 0 $?
	man -l "$DE_ROOT/man/$p.1" >"$T/man" 2>"$T/manerr"; t_eq "$p man page renders" 0 $?
	t_eq "$p man page renders cleanly" "" "$(cat "$T/manerr")"
	t_check "$p --version" test -n "$($p --version)"
done
icp-profile --help >"$T/help"
for o in --workspace --months --as-of --format --no-save --db; do
	t_contains "icp-profile --help lists $o" "$T/help" "$o"
	t_contains "icp-profile.1 documents $o" <(man -l "$DE_ROOT/man/icp-profile.1" 2>/dev/null) "$o"
done
for bad in "" "--months 121" "--as-of 2026-13-01" "--format xml" "extra"; do
	# shellcheck disable=SC2086
	icp-profile $( [ -n "$bad" ] && echo --workspace acme ) $bad >/dev/null 2>&1
	t_eq "icp-profile usage error${bad:+ ($bad)}: 64" 64 $?
done
lead-score </dev/null >/dev/null 2>&1; t_eq "lead-score without a profile source: 64" 64 $?
lead-score --workspace acme --profile x </dev/null >/dev/null 2>&1
t_eq "lead-score with both sources: 64" 64 $?
lead-score --workspace acme </dev/null >/dev/null 2>"$T/err"; t_eq "lead-score, no profile: 78" 78 $?
t_contains "it says to run icp-profile" "$T/err" "run icp-profile --workspace acme"

# ---- 25 closed deals: too few ----
$GEN --n 25 --seed 3 --ws few | deals-load >/dev/null
prof few >"$T/few"; t_eq "25 deals: exit 0" 0 $?
t_eq "25 deals: too few deals, nothing flagged, no model" \
	'"too few deals to profile: 25 closed deals, 40 needed" 0 0 null' \
	"$(jq -c '.validation.verdict, .flagged, ([.drivers[] | select(.significant)] | length), .model' "$T/few" | paste -sd' ')"
echo '{"deal_id":"x","account":{"firmographics":{"industry":"retail"}}}' |
	lead-score --workspace few >"$T/fewscored"
t_eq "a profile with no model gives the base rate and says so" \
	"$(jq -c '[.base_win_rate, "no model"]' "$T/few")" \
	"$(jq -c '[.lead_score.win_probability, .lead_score.reasons[0].value]' "$T/fewscored")"

# ---- the planted model ----
$GEN --mode planted --n 1500 --seed 7 | deals-load >/dev/null
prof acme >"$T/planted"; t_eq "planted: exit 0" 0 $?
planted='["account.firmographics.industry","computer software",true]
["account.firmographics.industry","retail",false]
["account.signals.type","funding",true]
["account.signals.type","layoff",false]
["contacts.buying_role","economic_buyer",true]'
t_eq "planted: the five planted values flagged, each in its direction" "$planted" \
	"$(jq -c '.drivers[] | select(.significant) | [.attribute, .value, .lift > 1]' "$T/planted" |
		grep -F -x -f <(echo "$planted") | sort)"
others=$(jq '[.drivers[] | select(.significant)] | length - 5' "$T/planted")
t_check "planted: almost nothing else flagged ($others)" test "$others" -le 1
t_eq "planted: validation ranks better than chance" \
	'"ranks a won deal above a lost one' "$(jq -c .validation.verdict "$T/planted" | cut -c1-34)"
t_check "planted: the AUC interval lies above 0.5" \
	test "$(jq '.validation.auc_ci[0] > 0.5 and .validation.train_deals == 1050 and .validation.test_deals == 450' "$T/planted")" = true
t_eq "every driver: Wilson interval around its rate, few_deals under 10, q only from 10" \
	0 "$(jq '[.drivers[] | select(.ci_low > .win_rate or .ci_high < .win_rate or
		(.few_deals != (.deals < 10)) or ((.deals < 10) != (.q_value == null)) or
		(.deals < 10 and .significant))] | length' "$T/planted")"
t_eq "no driver is our side of the deal or the amount" 0 \
	"$(jq '[.drivers[] | select(.attribute | test("amount|owner|source|product"))] | length' "$T/planted")"
t_eq "won revenue is the sum of the won deals' amounts" \
	"$($GEN --mode planted --n 1500 --seed 7 | jq -s '[.[] | select(.stage_normalized == "closed_won") | .amount] | add')" \
	"$(jq .won_revenue "$T/planted")"

# lead-score on held-out deals of the same model
$GEN --mode planted --n 2000 --seed 99 --open --prefix h >"$T/open"
lead-score --workspace acme <"$T/open" >"$T/scored"; t_eq "lead-score: exit 0" 0 $?
t_eq "lead-score: one record out per record in" 2000 "$(wc -l <"$T/scored")"
a_model=$(auc "$T/scored" .lead_score.win_probability); a_true=$(auc "$T/scored" .custom_fields.true_p)
t_check "lead-score ranks within 0.03 of the true probabilities' AUC ($a_model vs $a_true)" \
	python3 -c "import sys; sys.exit(not abs($a_model - $a_true) <= 0.03)"
t_check "lead-score keeps every other byte: the record, then lead_score before its brace" python3 -c '
import json, sys
for o, s in zip(open(sys.argv[1]), open(sys.argv[2])):
    o, s = o.rstrip("\n"), s.rstrip("\n")
    head = o[:-1] + ",\"lead_score\":"
    assert s.startswith(head) and s.endswith("}"), s
    json.loads(s[len(head):-1])' "$T/open" "$T/scored"
t_eq "scores are 0-100, the probability in percent rounded half up" 0 \
	"$(jq -c '.lead_score | select(.score != ((((.win_probability * 10000) | round) + 50) / 100 | floor) or .score < 0 or .score > 100)' "$T/scored" | wc -l)"
t_eq "reasons name the record's own industry" 0 "$(jq -c '. as $r | select([.lead_score.reasons[] |
	select(.attribute == "account.firmographics.industry" and .value != $r.account.firmographics.industry)] | length > 0)' "$T/scored" | wc -l)"
t_check "reasons are given" test "$(jq -c 'select(.lead_score.reasons | length > 0)' "$T/scored" | wc -l)" -eq 2000
echo '{"deal_id":"bare","stage_normalized":"open"}' | lead-score --workspace acme >"$T/bare"
t_eq "a record with no attribute: the base rate, reason no data" \
	"$(jq -c '[.base_win_rate, "no data", (.base_win_rate * 100 | round)]' "$T/planted")" \
	"$(jq -c '[.lead_score.win_probability, .lead_score.reasons[0].value, .lead_score.score]' "$T/bare")"
head -3 "$T/scored" | lead-score --workspace acme >"$T/rescored"
t_eq "scoring a scored record replaces its lead_score" 3 "$(grep -o '"lead_score"' "$T/rescored" | wc -l)"
jq -c . "$T/planted" >"$T/profile.json"
head -50 "$T/open" | lead-score --profile "$T/profile.json" >"$T/byfile"
t_eq "--profile FILE scores as the workspace's stored profile" "$(head -50 "$T/scored")" "$(cat "$T/byfile")"
printf '%s\nnot json\n' "$(head -1 "$T/open")" | lead-score --workspace acme >"$T/bad" 2>"$T/err"
t_eq "a bad line: exit 65" 65 $?
t_contains "the error has its line number" "$T/err" "stdin:2:"
t_eq "the good line is still scored" 1 "$(wc -l <"$T/bad")"
head -1 "$T/open" | lead-score --workspace acme >/dev/full 2>/dev/null; t_eq "lead-score > /dev/full: 74" 74 $?
prof acme >/dev/full 2>/dev/null; t_eq "icp-profile > /dev/full: 74" 74 $?
prof acme --format table >"$T/table"; t_eq "--format table: exit 0" 0 $?
t_contains "the table gives the verdict" "$T/table" "ranks a won deal above a lost one"
t_contains "the table marks a planted value" "$T/table" "+ firmographics.industry = computer software"
t_contains "and one below the base rate" "$T/table" "- firmographics.industry = retail"
t_check "the table fits 80 columns" python3 -c 'import sys; sys.exit(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")) > 80)' "$T/table"

# ---- outcomes independent of the attributes ----
$GEN --mode null --n 600 --seed 1 --ws null | deals-load >/dev/null
prof null >"$T/null"
t_eq "null: nothing flagged" 0 "$(jq .flagged "$T/null")"
t_eq "null: not better than chance" '"does not separate won from lost better than chance"' \
	"$(jq .validation.verdict "$T/null")"
t_contains "null: the profile says won and lost look alike" "$T/null" "won and lost deals look alike"

# ---- lost deals recorded with amount 0 ----
$GEN --mode amount0 --n 600 --seed 2 --ws zero | deals-load >/dev/null
prof zero >"$T/zero"
t_eq "amount 0 on lost deals: nothing flagged, amount no attribute" '0 0' \
	"$(jq -r '"\(.flagged) \([.drivers[] | select(.attribute | test("amount"))] | length)"' "$T/zero")"
t_eq "amount 0 on lost deals: validation not inflated" '"does not separate won from lost better than chance"' \
	"$(jq .validation.verdict "$T/zero")"
t_check "amount 0 on lost deals: the AUC interval holds 0.5" \
	test "$(jq '.validation.auc_ci[0] <= 0.5 and .validation.auc_ci[1] >= 0.5' "$T/zero")" = true
t_eq "the amount is reported: every won deal's, the amount-weighted win rate 1 everywhere" \
	'true' "$(jq '[.drivers[] | select(.won > 0) | .amount_win_rate == 1] | all' "$T/zero")"
