# What enrich-status and enrich-summary should say, computed from the loaded
# NDJSON on its own (tests/cmd/enrich_*.sh). Written from the definitions in
# man/enrich-status.1 and man/enrich-summary.1, not from the C code.

def nonblank: type == "string" and test("\\S");
def rank: if . == null or . == "" then 0 elif . == "enriched" then 3
  elif . == "not_found" then 2 else 1 end;
def apollo_status: (.apollo.status // .enrichment_status);
def has_email: .email | nonblank;
def has_role: .buying_role | nonblank;
def contacts: [.contacts[]? | select(type == "object")];
def trim: sub("^\\s+"; "") | sub("\\s+$"; "");
def account_key:
  .account as $a
  | if ($a.domain | nonblank) then $a.domain | trim | ascii_downcase
    elif ($a.account_id | nonblank) then "id:" + ($a.account_id | trim | ascii_downcase)
    elif ($a.name | nonblank) then "name:" + ($a.name | trim | ascii_downcase)
    else null end;
def deal_status:
  [contacts[] | select(has_email)] as $e
  | ([$e[] | select((apollo_status | rank) >= 2)] | length) as $a
  | if ($e | length) == 0 or $a == 0 then "failed"
    elif $a == ($e | length) then "enriched" else "partial" end;
def closed: .stage_normalized == "closed_won" or .stage_normalized == "closed_lost";
def won: .stage_normalized == "closed_won";
def r4: . * 10000 | round / 10000;
def r2: . * 100 | round / 100;
def ratio($n; $d): if $d > 0 then ($n / $d | r4) else null end;
def num: if type == "number" then . elif type == "string" then (tonumber? // null) else null end;
# The Wilson 95% interval of $k of $n, z = the normal's 0.975 quantile.
def wilson($k; $n):
  1.959963984540054 as $z | ($k / $n) as $p | (1 + $z * $z / $n) as $d
  | (($p + $z * $z / (2 * $n)) / $d) as $c
  | ($z * (($p * (1 - $p) / $n + $z * $z / (4 * $n * $n)) | sqrt) / $d) as $h
  | {ci_low: ([$c - $h, 0] | max | r4), ci_high: ([$c + $h, 1] | min | r4)};
# A won deal's amount (a lost deal's is never summed).
def won_amount: if won then (.amount | num // 0) else 0 end;
def revenue($amounts; $won):
  ($amounts | add // 0) as $r
  | {won_revenue: $r, avg_won_deal: (if $won > 0 then ($r / $won | round) else null end)};

# enrich-status's stats of the closed deals of workspace $ws.
def status_stats($ws):
  [.[] | select(.workspace_id == $ws and closed)] as $d
  | {
      total_closed_deals: ($d | length),
      enriched_deals: [$d[] | select(deal_status == "enriched")] | length,
      partial_deals: [$d[] | select(deal_status == "partial")] | length,
      failed_deals: [$d[] | select(deal_status == "failed")] | length,
      total_deal_contacts: [$d[] | contacts[]] | length,
      roles_resolved: [$d[] | contacts[] | select(has_role)] | length,
      apollo_enriched: [$d[] | contacts[] | select((apollo_status | rank) == 3)] | length,
      accounts_with_signals: [$d[] | select(.account.signals.status == "enriched")
        | account_key | select(. != null)] | unique | length
    };

# The window: "in", "open", "outside", "nodate".
def window($from; $to):
  if closed | not then "open"
  elif $from == null then "in"
  elif (.close_date | type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")) | not then "nodate"
  elif .close_date >= $from and .close_date <= $to then "in"
  else "outside" end;

def segments($W; $L; $top; $with_contacts):
  group_by(.value)
  | map({value: .[0].value, deals: length,
         contacts: (map(.contacts) | add),
         won: map(select(.won)) | length, lost: map(select(.won | not)) | length,
         amounts: map(.amount)})
  | sort_by(-.deals, .value)
  | .[:$top]
  | map({value, deals} + (if $with_contacts then {contacts} else {} end)
        + {won, lost, share_won: ratio(.won; $W), share_lost: ratio(.lost; $L),
           win_rate: ratio(.won; .won + .lost)} + wilson(.won; .won + .lost)
        + {few_deals: (.deals < 10)} + revenue(.amounts; .won));

# One entry per deal and distinct value of a contact field.
def contact_values($f):
  . as $deal
  | [contacts[] | .[$f] | select(nonblank)] | group_by(.)
  | map({value: .[0], won: ($deal | won), contacts: length, amount: ($deal | won_amount)})[];

def tenure_of:
  map(select(. != null and . >= 0)) | sort
  | length as $n
  | {contacts: $n,
     average: (if $n > 0 then (add / $n | r2) else null end),
     median: (if $n == 0 then null elif $n % 2 == 1 then (.[($n - 1) / 2] | r2)
              else ((.[$n / 2 - 1] + .[$n / 2]) / 2 | r2) end)};

# The contacts of won deals who moved (any window), newest first.
def moved_rows($ws):
  [.[] | select(.workspace_id == $ws and won) | . as $r | contacts[] | select(.job_changed == true)
   | {workspace: $ws, deal_id: $r.deal_id, deal_name: $r.deal_name, close_date: $r.close_date,
      account: $r.account.name, contact_id,
      name: ([.first_name, .last_name] | map(select(nonblank)) | join(" ")
             | if . == "" then null else . end),
      email, buying_role, title, new_company: .new_employer.name,
      new_domain: .new_employer.domain, new_title: .new_employer.title,
      since: .new_employer.since}]
  | sort_by(.since, .close_date, .deal_id, .contact_id) | reverse;

# enrich-summary's summary (without last_run_at) of workspace $ws.
def summary($ws; $months; $from; $to; $top):
  [.[] | select(.workspace_id == $ws)] as $all
  | [$all[] | select(window($from; $to) == "in")] as $d
  | ([$d[] | select(won)] | length) as $W
  | ([$d[] | select(won | not)] | length) as $L
  | [$d[] | contacts[]] as $c
  | [$d[] | deal_status] as $st
  | {
      workspace: $ws,
      window: {months: $months, from: $from, to: (if $from == null then null else $to end)},
      total_deals_enriched: [$st[] | select(. != "failed")] | length,
      last_enriched_at: ([$d[] | contacts[] | select((apollo_status | rank) >= 2)
                          | .enriched_at | select(type == "string")] | max),
      deals: ({total: ($d | length), won: $W, lost: $L} + revenue([$d[] | won_amount]; $W) + {
              enriched: [$st[] | select(. == "enriched")] | length,
              partial: [$st[] | select(. == "partial")] | length,
              failed: [$st[] | select(. == "failed")] | length,
              excluded: {open: [$all[] | select(window($from; $to) == "open")] | length,
                         outside_window: [$all[] | select(window($from; $to) == "outside")] | length,
                         no_close_date: [$all[] | select(window($from; $to) == "nodate")] | length}}),
      coverage: {
        contacts: ($c | length),
        contacts_with_email: [$c[] | select(has_email)] | length,
        apollo: {enriched: [$c[] | select((apollo_status | rank) == 3)] | length,
                 not_found: [$c[] | select((apollo_status | rank) == 2)] | length,
                 failed: [$c[] | select(apollo_status == "error" or apollo_status == "quota_exhausted")] | length,
                 skipped: [$c[] | select((apollo_status | rank) <= 1 and apollo_status != "error"
                                         and apollo_status != "quota_exhausted")] | length,
                 share: ratio([$c[] | select((apollo_status | rank) == 3)] | length; $c | length)},
        linkedin: ([$c[] | .linkedin.status | if nonblank then . else null end] as $l
          | {enriched: [$l[] | select(. == "enriched")] | length,
             mismatch: [$l[] | select(. == "mismatch")] | length,
             not_found: [$l[] | select(. == "not_found")] | length,
             failed: [$l[] | select(. == "error" or . == "quota_exhausted")] | length,
             skipped: [$l[] | select(. != null and . != "enriched" and . != "mismatch"
                                     and . != "not_found" and . != "error"
                                     and . != "quota_exhausted")] | length,
             not_asked: [$l[] | select(. == null)] | length,
             share: ratio([$l[] | select(. == "enriched")] | length; $c | length)}),
        any_source: ([$c[] | select((apollo_status | rank) == 3 or .linkedin.status == "enriched")]
          | length as $n | {enriched: $n, share: ratio($n; $c | length)}),
        signals: (([$d[] | account_key | select(. != null and test("\\S"))] | unique | length) as $A
          | ([$d[] | select(.account.signals.status == "enriched") | account_key
              | select(. != null and test("\\S"))] | unique | length) as $S
          | {accounts: $A, with_signals: $S, share: ratio($S; $A)}),
        roles: (([$c[] | select(has_role)] | length) as $R
          | {resolved: $R, unresolved: (($c | length) - $R), share: ratio($R; $c | length)})
      },
      findings: {
        industries: [$d[] | select(.account.firmographics.industry | nonblank)
                     | {value: .account.firmographics.industry, won: won, contacts: 0, amount: won_amount}]
                    | segments($W; $L; $top; false),
        size_bands: [$d[] | select(.account.firmographics.size_band | nonblank)
                     | {value: .account.firmographics.size_band, won: won, contacts: 0, amount: won_amount}]
                    | segments($W; $L; $top; false),
        tenure: (([$d[] | contacts[] | .tenure_months | num] | tenure_of)
          + {won: ([$d[] | select(won) | contacts[] | .tenure_months | num] | tenure_of),
             lost: ([$d[] | select(won | not) | contacts[] | .tenure_months | num] | tenure_of)}),
        seniorities: [$d[] | contact_values("seniority_verified")] | segments($W; $L; $top; true),
        departments: [$d[] | contact_values("department_verified")] | segments($W; $L; $top; true),
        buying_roles: [$d[] | contact_values("buying_role")] | segments($W; $L; $top; true),
        signal_types: [$d[] | . as $deal | [.account.signals.items[]?.type | select(nonblank)] | unique
                       | .[] | {value: ., won: ($deal | won), contacts: 0, amount: ($deal | won_amount)}]
                      | segments($W; $L; $top; false)
      },
      moved: (moved_rows($ws) | {contacts: length, newest: .[:$top]})
    };

# enrich-summary --deals: the rows (without loaded_at), in deal_id order.
def deal_rows($ws; $from; $to):
  [.[] | select(.workspace_id == $ws and window($from; $to) == "in")]
  | sort_by(.deal_id | tostring | explode)
  | map(. as $r | contacts as $c | {
      deal_id: (.deal_id | tostring), deal_name, stage: .stage_normalized, close_date,
      amount: (.amount | num), currency, status: deal_status,
      account: .account.name, industry: .account.firmographics.industry,
      size_band: .account.firmographics.size_band,
      roles: ([$c[] | select(has_role) | .buying_role] | group_by(.) | map({key: .[0], value: length}) | from_entries),
      contacts: ($c | length),
      contacts_with_email: [$c[] | select(has_email)] | length,
      apollo_enriched: [$c[] | select((apollo_status | rank) == 3)] | length,
      roles_resolved: [$c[] | select(has_role)] | length,
      signals: .account.signals.status,
      signal_types: ([.account.signals.items[]?.type | select(nonblank)] | reduce .[] as $t ([]; if index([$t]) then . else . + [$t] end)),
      signal_score: .account.signals.score
    });
