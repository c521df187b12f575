#!/usr/bin/env bash
# crm-pull against the fake HubSpot and Salesforce: 450 deals over 3 pages with
# their companies, contacts and labels; a custom pipeline's stage labels; past
# the search cap; the modification cursor (a backdated deal edited after the
# last run comes back, an untouched one does not, a failed run moves nothing);
# both 429 policies, 401 and 403; Salesforce's pages, session expiry, null
# contact roles and request limit. No token in any output.
source "$(dirname "$0")/../lib.sh"
jqe() { jq -e "$@" >/dev/null 2>&1; }

TOKEN=pat-na1-0c0ffee0-dead-beef-0000-secret4242
export FAKEAPI_KEYS=$TOKEN
mkdir -p "$T/data"
# 450 closed deals (30 of them in a "Partners" pipeline with its own stage ids,
# without hs_is_closed_won), 20 open ones, 2 closed 8 months ago: 9100000001
# (to be edited later) and 9100000002 (never touched). Each closed deal has 2
# contacts, the first labelled "Decision Maker" on every third deal, and a company.
NOW=$(date -u +%s)
gen() {
	python3 - "$1" "$NOW" <<'PY'
import json, sys, datetime as dt
edited = sys.argv[1]
now = dt.datetime.fromtimestamp(int(sys.argv[2]), dt.timezone.utc)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
deals, dc, dco, contacts, companies = [], {}, {}, [], []
for i in range(1, 471):
    did = "80000%05d" % i
    closed = i <= 450
    partner = closed and i % 15 == 0
    close = now - dt.timedelta(days=10 + i % 100)
    p = {"dealname": "Deal %d" % i, "amount": str(1000 * i), "closedate": iso(close),
         "pipeline": "partners" if partner else "default",
         "dealstage": ("p-won" if i % 2 else "p-lost") if partner else
                      (("closedwon" if i % 3 else "closedlost") if closed else "qualifiedtobuy"),
         "hs_is_closed": "true" if closed else "false",
         "hs_lastmodifieddate": iso(close + dt.timedelta(minutes=i)), "deal_currency_code": "EUR"}
    if not partner:
        p["hs_is_closed_won"] = "true" if closed and i % 3 else "false"
    deals.append({"id": did, "properties": p})
    c1, c2 = "7%05d1" % i, "7%05d2" % i
    dc[did] = [{"id": c1, "label": "Decision Maker"} if i % 3 == 0 else c1, c2]
    dco[did] = ["6%04d" % (i % 50)]
    for c in (c1, c2):
        contacts.append({"id": c, "properties": {"email": "p%s@corp%d.com" % (c, i % 50),
                         "firstname": "F" + c, "lastname": "L" + c, "jobtitle": "VP Sales"}})
for k in range(50):
    companies.append({"id": "6%04d" % k, "properties": {"name": "Corp %d" % k, "domain": "corp%d.com" % k,
                      "industry": "COMPUTER_SOFTWARE" if k % 2 else None,
                      "numberofemployees": str(100 + k), "annualrevenue": None}})
old = now - dt.timedelta(days=240)
for n, did in ((1, "9100000001"), (2, "9100000002")):
    mod = now - dt.timedelta(minutes=1) if (edited == "1" and n == 1) else old + dt.timedelta(hours=n)
    deals.append({"id": did, "properties": {"dealname": "Backdated %d" % n, "amount": "5000",
                  "closedate": iso(old), "pipeline": "default", "dealstage": "closedwon",
                  "hs_is_closed": "true", "hs_is_closed_won": "true", "hs_lastmodifieddate": iso(mod)}})
    dco[did] = ["60001"]
pipes = [{"id": "default", "label": "Sales Pipeline", "stages": [
            {"id": "qualifiedtobuy", "label": "Qualified To Buy", "metadata": {"isClosed": "false", "probability": "0.4"}},
            {"id": "closedwon", "label": "Closed Won", "metadata": {"isClosed": "true", "probability": "1.0"}},
            {"id": "closedlost", "label": "Closed Lost", "metadata": {"isClosed": "true", "probability": "0.0"}}]},
         {"id": "partners", "label": "Partners", "stages": [
            {"id": "p-won", "label": "Signed", "metadata": {"isClosed": "true", "probability": "1.0"}},
            {"id": "p-lost", "label": "Walked away", "metadata": {"isClosed": "true", "probability": "0.0"}}]}]
print(json.dumps({"deals": deals, "contacts": contacts, "companies": companies,
                  "deal_contacts": dc, "deal_companies": dco, "pipelines": pipes}))
PY
}
gen 0 >"$T/data/hubspot.json"
t_start_fakeapi --data "$T/data" || exit 1
t_workspace acme <<EOF
crm = hubspot
hubspot_access_token = $TOKEN
EOF
pull() { crm-pull --workspace acme "$@"; }
calls() { fake_stat ".calls[\"hubspot.$1\"] // 0"; }

# --- the first pull: the lookback window (6 months), 3 pages
pull --verbose >"$T/p1" 2>"$T/p1.err"
t_eq "hubspot: exit 0" 0 "$?"
t_eq "hubspot: 450 closed deals" 450 "$(wc -l <"$T/p1")"
t_eq "hubspot: 3 searches of 200" 3 "$(calls deals_search)"
t_eq "hubspot: every deal once" 450 "$(jq -r .deal_id "$T/p1" | sort -u | wc -l)"
t_check "hubspot: no open deal, none closed 8 months ago" jqe -s 'all(.[]; .stage_normalized != "open"
	and (.deal_id | startswith("8")))' "$T/p1"
t_check "hubspot: associations asked 100 deals at a time" jqe '[.requests[]
	| select(.endpoint == "hubspot.assoc_contacts")] | length == 5' <(curl -s "$FAKEAPI_URL/_fake/stats")
t_check "hubspot: canonical record" jqe -s '.[] | select(.deal_id == "8000000004") | .workspace_id == "acme"
	and .deal_name == "Deal 4" and .stage == "Closed Won" and .stage_normalized == "closed_won"
	and .amount == 4000 and .currency == "EUR" and .source == "hubspot"
	and (.close_date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
	and .account.account_id == "60004" and .account.domain == "corp4.com"
	and (.contacts | length) == 2 and .contacts[0].email == "p7000041@corp4.com"
	and .contacts[0].first_name == "F7000041" and .contacts[0].title == "VP Sales"' "$T/p1"
t_eq "hubspot: labels become crm_role (every third deal)" 150 \
	"$(jq -s '[.[].contacts[] | select(.crm_role == "Decision Maker")] | length' "$T/p1")"
t_eq "hubspot: unlabelled contacts have no role" 750 \
	"$(jq -s '[.[].contacts[] | select(.crm_role == null)] | length' "$T/p1")"
t_check "hubspot: a Partners deal's stage label from the pipelines endpoint" jqe -s '
	(map(select(.deal_id == "8000000015"))[0] | .stage == "Signed" and .stage_normalized == "closed_won"
	 and .custom_fields.pipeline == "Partners")
	and (map(select(.deal_id == "8000000030"))[0] | .stage == "Walked away" and .stage_normalized == "closed_lost")' "$T/p1"
t_eq "hubspot: pipelines read once" 1 "$(calls pipelines)"
t_check "hubspot: CRM firmographics on the account, with their source" jqe -s '.[] | select(.deal_id == "8000000001")
	| .account.crm_firmographics == {"industry":"computer software","employees":101,"size_band":"51-200",
	  "annual_revenue":null,"source":"hubspot"} and .account.firmographics.source == "hubspot"' "$T/p1"
t_contains "hubspot: --verbose reports the limits left" "$T/p1.err" "limits left: daily"

# --- the records go on: apollo-enrich keeps the CRM's firmographics
# --- incremental: a deal closed 8 months ago, edited since, comes back
pull --commit 2>/dev/null
t_status "commit: exit 0" 0 pull --commit --quiet
gen 1 >"$T/data/hubspot.json"
fake_post reset '{}'
pull >"$T/p2" 2>"$T/p2.err"
t_eq "incremental: exit 0" 0 "$?"
t_eq "incremental: only the edited backdated deal" "9100000001" "$(jq -r .deal_id "$T/p2" | tr '\n' ' ' | sed 's/ $//')"
t_check "incremental: searched by modification time" jqe '.requests | any(.endpoint == "hubspot.deals_search")' \
	<(curl -s "$FAKEAPI_URL/_fake/stats")

# --- not committed (as when deals-load failed): the next run asks again
pull >"$T/p3" 2>/dev/null
t_eq "uncommitted run: the same deal again" "9100000001" "$(jq -r .deal_id "$T/p3")"
pull --commit --quiet
pull >"$T/p4" 2>/dev/null
t_eq "after commit: nothing new" 0 "$(wc -l <"$T/p4")"

# --- DAILY 429: exit 75, the cursor stays where it was
gen 0 >"$T/data/hubspot.json"
python3 - "$T/data/hubspot.json" <<'PY'
import json, sys, datetime as dt
p = sys.argv[1]; d = json.load(open(p))
now = dt.datetime.now(dt.timezone.utc)
for x in d["deals"]:
    if x["id"] in ("8000000007", "9100000001"):
        x["properties"]["hs_lastmodifieddate"] = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
json.dump(d, open(p, "w"))
PY
fake_post reset '{}'
fake_post fault '{"provider":"hubspot","kind":"credits"}'
pull >"$T/p5" 2>"$T/p5.err"
t_eq "DAILY: exit 75" 75 "$?"
t_contains "DAILY: says so" "$T/p5.err" "daily API limit"
t_status "DAILY: nothing pending to commit" 0 pull --commit --quiet
pull >"$T/p6" 2>/dev/null
t_eq "after DAILY: the run is redone from the old cursor" "8000000007 9100000001" \
	"$(jq -r .deal_id "$T/p6" | sort | tr '\n' ' ' | sed 's/ $//')"

# --- TEN_SECONDLY_ROLLING 429: waits, then finishes
fake_post reset '{}'
fake_post fault '{"provider":"hubspot","kind":"429","count":2,"retry_after":1}'
pull --full --verbose >"$T/p7" 2>"$T/p7.err"
t_eq "TEN_SECONDLY: exit 0" 0 "$?"
t_eq "TEN_SECONDLY: every closed deal" 452 "$(wc -l <"$T/p7")"
t_contains "TEN_SECONDLY: the waits are counted" "$T/p7.err" "2 waits for the 10-second window"

# --- past the search cap: a new search from the last modification time
fake_post config '{"hubspot_search_cap":300}'
echo "hubspot_search_cap = 300" >>"$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf"
pull --full >"$T/p8" 2>"$T/p8.err"
t_eq "search cap 300: exit 0" 0 "$?"
t_eq "search cap 300: all 452 deals, once each" "452 452" \
	"$(wc -l <"$T/p8") $(jq -r .deal_id "$T/p8" | sort -u | wc -l)"
sed -i '/hubspot_search_cap/d' "$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf"

# --- dated API paths
fake_post reset '{}'
HUBSPOT_API_VERSION=2026-03 pull --lookback-months 1 >"$T/p9" 2>/dev/null
t_eq "dated paths: exit 0" 0 "$?"
t_check "dated paths: contacts and companies joined by string ids" jqe -s 'length > 0
	and all(.[]; (.contacts | length) == 2 and .account.account_id != null)' "$T/p9"
t_check "dated paths: /crm/objects/2026-03/... asked" jqe '[.requests[].path] | any(startswith("/crm/objects/2026-03/deals/search"))
	and any(startswith("/crm/associations/2026-03/")) and any(startswith("/crm/pipelines/2026-03/"))
	and (any(startswith("/crm/v3/")) | not)' <(curl -s "$FAKEAPI_URL/_fake/stats")

# --- a pull of a window saw no edits to older deals: it never moves the cursor
pull --commit --quiet
pull --lookback-months 1 >/dev/null 2>&1
pull --since 2026-01-01 >/dev/null 2>&1
pull --commit >/dev/null 2>"$T/c1.err"
t_contains "window pulls: nothing to commit" "$T/c1.err" "no pull to commit"

# --- --dry-run: counts with one search
fake_post reset '{}'
pull --full --dry-run >"$T/d1" 2>"$T/d1.err"
t_eq "dry run: exit 0, no record" "0 0" "$? $(wc -c <"$T/d1")"
t_contains "dry run: deals and pages" "$T/d1.err" "452 deals, 3 pages"
t_eq "dry run: one call" 1 "$(fake_stat .total)"

# --- 401 and 403: exit 78, what to fix, never the token
fake_post fault '{"provider":"hubspot","kind":"401"}'
pull >"$T/e1" 2>"$T/e1.err"
t_eq "401: exit 78" 78 "$?"
t_contains "401: names the setting" "$T/e1.err" "hubspot_access_token"
fake_post fault '{"provider":"hubspot","kind":"403"}'
pull >"$T/e2" 2>"$T/e2.err"
t_eq "403: exit 78" 78 "$?"
t_contains "403: names the scope" "$T/e2.err" "crm.objects.deals.read"
HUBSPOT_ACCESS_TOKEN=$TOKEN crm-pull --crm hubspot --workspace other >"$T/e3" 2>"$T/e3.err"
t_eq "platform token: exit 0" 0 "$?"
crm-pull --crm hubspot --workspace other >"$T/e4" 2>"$T/e4.err"
t_eq "no token: exit 78" 78 "$?"
t_contains "no token: says how to set it" "$T/e4.err" "HUBSPOT_ACCESS_TOKEN"

# --- Salesforce: two pages, a session that expires, null contact roles
export SALESFORCE_LOGIN_URL=$FAKEAPI_URL
SF_SECRET=test-sf-client-secret SF_REFRESH=test-sf-refresh-token
t_workspace sfco <<EOF
crm = salesforce
salesforce_client_id = test-sf-client-id
salesforce_client_secret = $SF_SECRET
salesforce_refresh_token = $SF_REFRESH
EOF
sfcalls() { fake_stat ".calls[\"salesforce.$1\"] // 0"; }
fake_post reset '{}'
fake_post config '{"salesforce_batch_size":2,"salesforce_expire_after":1}'
crm-pull --workspace sfco --verbose >"$T/s1" 2>"$T/s1.err"
t_eq "salesforce: exit 0" 0 "$?"
t_eq "salesforce: the 4 closed Opportunities" 4 "$(wc -l <"$T/s1")"
t_contains "salesforce: two pages via nextRecordsUrl" "$T/s1.err" "4 deals, 2 pages"
# the second page is asked twice: refused with the expired session, then answered
t_eq "salesforce: one query, the next page asked again after the refresh" "1 2" \
	"$(sfcalls query) $(sfcalls query_more)"
t_eq "salesforce: the expired session refreshed once" 2 "$(sfcalls token)"
t_check "salesforce: canonical record, role mapped" jqe -s '.[] | select(.deal_id == "0065g00000Opp001")
	| .workspace_id == "sfco" and .stage == "Closed Won" and .stage_normalized == "closed_won"
	and .amount == 25000 and .owner == "Jo Smith" and .source == "salesforce"
	and .account.domain == "globex.com" and .account.crm_firmographics.employees == 1600
	and .account.crm_firmographics.annual_revenue == 100000000
	and .contacts[0].crm_role == "Economic Buyer" and .contacts[1].crm_role == null' "$T/s1"
t_check "salesforce: null contact roles: no contacts" jqe -s '.[] | select(.deal_id == "0065g00000Opp002")
	| .contacts == [] and .stage_normalized == "closed_lost"' "$T/s1"
t_contains "salesforce: --verbose reports Sforce-Limit-Info" "$T/s1.err" "api-usage="
enrich-status --workspace sfco >"$T/s1.status" 2>&1
t_check "salesforce: enrich-status reports Sforce-Limit-Info" jqe '.crm.name == "salesforce"
	and .crm.configured and (.crm.limits | test("^api-usage=[0-9]+/[0-9]+$")) and .crm.limits_at != null
	and .crm.cursor == null' "$T/s1.status"
enrich-status --workspace acme >"$T/p1.status" 2>&1
t_check "hubspot: enrich-status: configured, the committed cursor" jqe '.crm.name == "hubspot"
	and .crm.configured and (.crm.cursor | test("^20[0-9-]+T[0-9:.]+Z$"))
	and (.crm.limits | startswith("daily-remaining="))' "$T/p1.status"

fake_post reset '{}'
fake_post config '{"salesforce_batch_size":2,"salesforce_api_limit":1}'
crm-pull --workspace sfco >"$T/s2" 2>"$T/s2.err"
t_eq "salesforce REQUEST_LIMIT_EXCEEDED: exit 75" 75 "$?"
t_contains "salesforce REQUEST_LIMIT_EXCEEDED: says so" "$T/s2.err" "REQUEST_LIMIT_EXCEEDED"
t_status "salesforce: nothing pending after the failure" 0 crm-pull --workspace sfco --commit --quiet

fake_post reset '{}'
fake_post fault '{"provider":"salesforce","kind":"401","count":-1}'
crm-pull --workspace sfco >"$T/s3" 2>"$T/s3.err"
t_eq "salesforce: refused refresh token: exit 78" 78 "$?"
t_contains "salesforce: names the setting" "$T/s3.err" "salesforce_refresh_token"

# --- the workspace file: every key known, every secret private
t_workspace typo <<EOF
crm = hubspot
hubspot_acces_token = $TOKEN
EOF
crm-pull --workspace typo >"$T/w1" 2>"$T/w1.err"
t_eq "unknown key: exit 78" 78 "$?"
t_contains "unknown key: the key it meant" "$T/w1.err" "did you mean hubspot_access_token"
t_workspace sfid <<EOF
crm = salesforce
salesforce_client_id = test-sf-client-id
EOF
chmod 644 "$XDG_CONFIG_HOME/deal-enrich/workspaces/sfid.conf"
crm-pull --workspace sfid >"$T/w2" 2>"$T/w2.err"
t_eq "client id readable by others: exit 78" 78 "$?"
t_contains "client id readable by others: how to fix" "$T/w2.err" "chmod 600"
t_check "client id readable by others: not printed" bash -c "! grep -qF test-sf-client-id $T/w2.err"

# --- usage errors
t_status "two modes: exit 64" 64 crm-pull --workspace acme --full --since 2026-01-01 2>/dev/null
t_status "unknown crm: exit 64" 64 crm-pull --workspace acme --crm pipedrive 2>/dev/null
t_status "no crm: exit 78" 78 crm-pull --workspace nocrm 2>/dev/null
t_status "--help: exit 0" 0 crm-pull --help >/dev/null
t_status "stdout full: exit 74" 74 crm-pull --workspace acme --full >/dev/full 2>/dev/null

# --- no secret in any output or in the db
t_check "no token or secret in any output" bash -c "! grep -rlF -e '$TOKEN' -e '$SF_SECRET' -e '$SF_REFRESH' -e '00DFAKE' $T/p* $T/e* $T/s* $T/d* $T/w* $T/*.status"
t_check "no token or secret in the db" bash -c "! grep -rlaF -e '$TOKEN' -e '$SF_SECRET' -e '$SF_REFRESH' -e '00DFAKE' $DEAL_ENRICH_DB"
