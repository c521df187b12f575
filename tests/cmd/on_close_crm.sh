#!/usr/bin/env bash
# pipelines/on-close and monthly with a live CRM (the fake HubSpot): on-close
# pulls with crm-pull from the workspace's cursor; a run whose deals-load fails
# leaves the cursor (the next run gets the same deals), a stored one moves it
# (the next run gets nothing); an edited old deal comes back; monthly pulls its
# window without moving the cursor. No token in any output.
source "$(dirname "$0")/../lib.sh"
jqe() { jq -e "$@" >/dev/null; }

TOKEN=pat-na1-0c0ffee0-0000-4242-beef-oncloseCRM
export FAKEAPI_KEYS=$TOKEN
mkdir -p "$T/data"
# 4 closed deals (one closed 8 months ago, its last edit as old) and 1 open one.
NOW=$(date -u +%s)
gen() { # gen EDITED: 1 edits the old deal now
	python3 - "$1" "$NOW" <<'PY'
import json, sys, datetime as dt
now = dt.datetime.fromtimestamp(int(sys.argv[2]), dt.timezone.utc)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
deals, dc, dco = [], {}, {}
spec = [("1", 10, "closedwon"), ("2", 20, "closedlost"), ("3", 30, "closedwon"),
        ("4", 240, "closedwon"), ("5", -30, "qualifiedtobuy")]
for n, days, stage in spec:
    close = now - dt.timedelta(days=days)
    mod = now + dt.timedelta(seconds=1) if (n == "4" and sys.argv[1] == "1") else \
        close + dt.timedelta(hours=1)
    did = "930000000" + n
    deals.append({"id": did, "properties": {"dealname": "Deal " + n, "amount": "1000",
        "closedate": iso(close), "pipeline": "default", "dealstage": stage,
        "hs_is_closed": "false" if stage == "qualifiedtobuy" else "true",
        "hs_is_closed_won": "true" if stage == "closedwon" else "false",
        "hs_lastmodifieddate": iso(mod)}})
    dc[did] = [{"id": "80" + n, "label": "Decision Maker"}]
    dco[did] = ["70" + n]
contacts = [{"id": "80" + n, "properties": {"email": "vp%s@co%s.example" % (n, n),
             "firstname": "V", "lastname": "P" + n, "jobtitle": "VP Sales"}} for n, _, _ in spec]
companies = [{"id": "70" + n, "properties": {"name": "Co " + n, "domain": "co%s.example" % n,
              "industry": "COMPUTER_SOFTWARE", "numberofemployees": "120"}} for n, _, _ in spec]
print(json.dumps({"deals": deals, "contacts": contacts, "companies": companies,
                  "deal_contacts": dc, "deal_companies": dco}))
PY
}
gen 0 >"$T/data/hubspot.json"
t_start_fakeapi --data "$T/data" || exit 1
O=$DE_ROOT/pipelines/on-close
M=$DE_ROOT/pipelines/monthly
t_workspace acme <<EOS
crm = hubspot
hubspot_access_token = $TOKEN
EOS
searches() { fake_stat '.calls["hubspot.deals_search"] // 0'; }
stored() { enrich-status --workspace acme | jq -r .stats.total_closed_deals; }
# A deals-load that reads everything, stores nothing and fails.
cat >"$T/bad-load" <<'SH'
#!/bin/sh
cat >/dev/null
echo "deals-load: db: Input/output error" >&2
exit 74
SH
chmod +x "$T/bad-load"

# --- a failed load: the run failed, the cursor did not move
DEAL_ENRICH_LOAD=$T/bad-load "$O" --workspace acme >"$T/r1.json" 2>"$T/r1.err"
t_eq "failed load: exit 74" 74 "$?"
t_check "failed load: read from the CRM with crm-pull, cursor kept" jqe '.status == "failed"
	and .extracted == 3 and .stages[0].stage == "crm-pull" and .crm_cursor == "kept"' "$T/r1.json"
t_check "failed load: the CRM was searched" test "$(searches)" -gt 0
t_eq "failed load: nothing stored" 0 "$(stored)"

# --- the next run gets the same deals, stores them and moves the cursor
"$O" --workspace acme >"$T/r2.json" 2>"$T/r2.err"
t_eq "after the failure: exit 0" 0 "$?"
t_check "after the failure: the same 3 deals stored, cursor committed" jqe '.status == "ok"
	and .extracted == 3 and .deals == 3 and .crm_cursor == "committed"' "$T/r2.json"
t_eq "after the failure: the store holds them" 3 "$(stored)"
t_check "the records carry the CRM's roles and firmographics" bash -c \
	"enrich-summary --workspace acme --deal 9300000001 --raw | jq -e '.record.contacts[0].crm_role == \"Decision Maker\"
	and .record.account.crm_firmographics.industry == \"computer software\"' >/dev/null"

# --- nothing changed: nothing pulled
"$O" --workspace acme >"$T/r3.json" 2>"$T/r3.err"
t_eq "nothing new: exit 0" 0 "$?"
t_check "nothing new: no deal" jqe '.extracted == 0 and .crm_cursor == "committed"' "$T/r3.json"

# --- a deal closed 8 months ago and edited now comes back, alone
gen 1 >"$T/data/hubspot.json"
fake_post reset '{}'
"$O" --workspace acme >"$T/r4.json" 2>"$T/r4.err"
t_eq "edited old deal: exit 0" 0 "$?"
t_check "edited old deal: it alone, stored" jqe '.extracted == 1 and .deals == 1' "$T/r4.json"
t_eq "edited old deal: the store holds 4" 4 "$(stored)"

# --- monthly: the window's deals through deals-extract; on-close's cursor stays
"$M" --workspace acme --no-icp >"$T/m1.json" 2>"$T/m1.err"
t_eq "monthly: exit 0" 0 "$?"
t_check "monthly: crm-pull then deals-extract, the month's deal" jqe -s \
	'.[0] | .run.stages[0].stage == "crm-pull" and .run.stages[1].stage == "deals-extract"
	 and (.run.crm_cursor == null)' "$T/m1.json"
"$O" --workspace acme >"$T/r5.json" 2>"$T/r5.err"
t_check "monthly: on-close after it has nothing new" jqe '.extracted == 0' "$T/r5.json"

# --- a workspace without a CRM keeps the CSV path
t_workspace csv <<EOS
crm_export = $DE_ROOT/examples/hubspot-deals.csv
crm_contacts = $DE_ROOT/examples/hubspot-contacts.csv
EOS
"$O" --workspace csv --dry-run >"$T/c1.json" 2>"$T/c1.err"
t_check "no crm: deals-extract reads the export" jqe '.stages[0].stage == "deals-extract"
	and (has("crm_cursor") | not)' "$T/c1.json"

t_check "no token in any output" bash -c "! grep -rlF -e '$TOKEN' $T/*.json $T/*.err"
