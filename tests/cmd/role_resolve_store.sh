#!/usr/bin/env bash
# role-resolve and the store: a contact whose earlier deal deals-load stored
# gets that deal's role (cross_deal_pattern, 0.70); the current deal itself,
# title guesses, other accounts and other workspaces are no evidence;
# --no-store; the db is only read.
source "$(dirname "$0")/../lib.sh"

IN=$DATA/roles/deals.ndjson
d1=$(sed -n 1p "$IN")
d2=$(sed -n 2p "$IN")
rr() { jq -r ".contacts[$1] | \"\(.buying_role)/\(.role_confidence)/\(.role_source)\"" "$2"; }

# deal 1 (Pat: CRM economic buyer; Sam: named champion) and deal 2 go to the store
printf '%s\n%s\n' "$d1" "$d2" | role-resolve 2>/dev/null | deals-load >"$T/report"
t_eq "deals-load stored 2 deals" 2 "$(jq .deals "$T/report")"
md5_before=$(md5sum <"$DEAL_ENRICH_DB/data.mdb")

# deal 2 again, alone: its contacts' roles on deal 1 come from the store
role-resolve <<<"$d2" >"$T/out" 2>"$T/err"; t_eq "exit 0" 0 "$?"
t_eq "Pat: economic buyer on the stored deal 1" "economic_buyer/0.7/cross_deal_pattern" "$(rr 0 "$T/out")"
t_eq "Sam: champion on the stored deal 1" "champion/0.7/cross_deal_pattern" "$(rr 1 "$T/out")"
t_eq "Kim: a title guess on deal 2 itself is no evidence" "end_user/0.5/title_inference" "$(rr 2 "$T/out")"
t_eq "the db was only read" "$md5_before" "$(md5sum <"$DEAL_ENRICH_DB/data.mdb")"

# a new deal of the account with Kim: deal 2's title guess is not evidence either
new='{"workspace_id":"acme","deal_id":"9100000099","account":{"domain":"globex.com"},"contacts":[{"email":"kim@globex.com","title":"Senior Software Engineer"},{"email":"PAT@GLOBEX.COM"}]}'
role-resolve <<<"$new" >"$T/out2" 2>/dev/null
t_eq "Kim on a new deal: her title, not deal 2's guess" "technical_evaluator/0.5/title_inference" "$(rr 0 "$T/out2")"
t_eq "Pat on a new deal, no title: the store's strongest, latest role" \
	"economic_buyer/0.7/cross_deal_pattern" "$(rr 1 "$T/out2")"

# deal 1 itself, its CRM role gone: the store's entry for deal 1 is not another deal
jq -c '.contacts[0] |= del(.crm_role) | .custom_fields = {}' <<<"$d1" >"$T/d1b"
role-resolve <"$T/d1b" >"$T/out3" 2>/dev/null
t_eq "deal 1 is no evidence for deal 1: Pat from his title" "economic_buyer/0.5/title_inference" "$(rr 0 "$T/out3")"
t_eq "... and Sam from his (deal 2 named nobody)" "technical_evaluator/0.5/title_inference" "$(rr 1 "$T/out3")"

# another account, another workspace, --no-store
jq -c '.account.domain = "initech.com"' <<<"$d2" | role-resolve 2>/dev/null >"$T/out4"
t_eq "another account: no cross-deal" "influencer/0.5/title_inference" "$(rr 0 "$T/out4")"
role-resolve --workspace beta <<<"$d2" 2>/dev/null >"$T/out5"
t_eq "another workspace: no cross-deal" "influencer/0.5/title_inference" "$(rr 0 "$T/out5")"
role-resolve --no-store <<<"$d2" 2>/dev/null >"$T/out6"
t_eq "--no-store: no cross-deal" "influencer/0.5/title_inference" "$(rr 0 "$T/out6")"
role-resolve --db "$T/elsewhere" <<<"$d2" 2>/dev/null >"$T/out7"
t_eq "--db elsewhere (none there): no cross-deal" "influencer/0.5/title_inference" "$(rr 0 "$T/out7")"
t_check "... and nothing created there" test ! -e "$T/elsewhere"

# the whole pipeline a second time: roles stay (the loaded roles do not feed on themselves)
role-resolve <"$IN" 2>/dev/null >"$T/all1"
role-resolve <"$IN" 2>/dev/null | deals-load >/dev/null
role-resolve <"$IN" 2>/dev/null >"$T/all2"
t_eq "after loading everything, a rerun gives the same roles" \
	"$(jq -c '[.contacts[]? | .buying_role]' "$T/all1")" "$(jq -c '[.contacts[]? | .buying_role]' "$T/all2")"

# a db that cannot be read: exit 74
echo x >"$T/afile"
role-resolve --db "$T/afile" <<<"$d2" >/dev/null 2>"$T/err8"; t_eq "a db that is a file: 74" 74 "$?"
t_contains "says why" "$T/err8" "$T/afile"
