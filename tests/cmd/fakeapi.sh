#!/usr/bin/env bash
# Self-test of the fake API server (tests/fakeapi/fakeapi.py): shapes, errors,
# rate-limit headers, faults and the control plane, checked with curl and jq.
source "$(dirname "$0")/../lib.sh"

t_start_fakeapi || exit 1
U=$FAKEAPI_URL
AK='x-api-key: test-apollo-key'
SK='X-API-KEY: test-serper-key'
DK='Authorization: Bearer test-deepseek-key'
HK='Authorization: Bearer test-hubspot-key'
RK='X-RapidAPI-Key: test-rapidapi-key'
JS='Content-Type: application/json'

# req ARGS...: runs curl; body in $T/b, headers in $T/h, prints the HTTP status.
req() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
# jqb FILTER: ok when FILTER is true on the last body.
jqb() { jq -e "$1" "$T/b" >/dev/null 2>&1; }
jqf() { jq -e "$1" "$2" >/dev/null 2>&1; }
hdr() { tr -d '\r' <"$T/h" | awk -F': ' -v n="$(echo "$1" | tr A-Z a-z)" 'tolower($1)==n {print $2}'; }

t_check "port file holds a port" test "$FAKEAPI_PORT" -gt 0

# --- Apollo
bulk='{"details":[{"email":"pat.ng@globex.com"},{"email":"nobody@globex.com"},{"email":"locked.one@initech.com"}]}'
t_eq "apollo bulk_match 200" 200 "$(req -H "$AK" -H "$JS" -d "$bulk" "$U/api/v1/people/bulk_match")"
t_check "apollo bulk_match envelope" jqb '.status=="success" and .error_code==null and .error_message==null
	and .total_requested_enrichments==3 and .unique_enriched_records==2 and .missing_records==1
	and .credits_consumed==2 and (.matches|length)==3'
t_check "apollo miss is null, in place" jqb '.matches[1]==null and .matches[0].email=="pat.ng@globex.com"'
t_check "apollo person fields" jqb '.matches[0] | .first_name=="Pat" and .last_name=="Ng" and .name=="Pat Ng"
	and (.title|type)=="string" and (.seniority|type)=="string" and (.departments|type)=="array"
	and (.email_status|type)=="string" and (.linkedin_url|startswith("http://www.linkedin.com/in/"))'
t_check "apollo one current job, open-ended" jqb '.matches[0].employment_history
	| ([.[]|select(.current==true)]|length)==1
	and ([.[]|select(.current==true)][0] | .end_date==null and (.start_date|test("^[0-9]{4}-[0-9]{2}-01$")))'
t_check "apollo locked email placeholder" jqb '.matches[2].email=="email_not_unlocked@domain.com"'
for h in x-rate-limit-minute x-minute-usage x-minute-requests-left x-rate-limit-hourly x-hourly-usage \
	x-hourly-requests-left x-rate-limit-daily x-daily-usage x-daily-requests-left \
	x-rate-limit-24-hour x-24-hour-usage x-24-hour-requests-left; do
	t_check "apollo header $h" test -n "$(hdr "$h")"
done
t_eq "apollo minute limit is the free plan's" 50 "$(hdr x-rate-limit-minute)"
req -H "$AK" -d "$bulk" "$U/v1/people/bulk_match" >/dev/null
t_eq "apollo usage counts calls (old /v1 prefix too)" 2 "$(hdr x-minute-usage)"
t_eq "apollo minute requests left" 48 "$(hdr x-minute-requests-left)"
t_eq "apollo 24-hour usage" 2 "$(hdr x-24-hour-usage)"
t_eq "apollo daily left = 600 - 2" 598 "$(hdr x-daily-requests-left)"

fake_post config '{"apollo_limit_hourly":0,"apollo_limit_daily":0}'
req -H "$AK" -d "$bulk" "$U/api/v1/people/bulk_match" >/dev/null
t_check "apollo: no hourly header without an hourly limit" test -z "$(hdr x-rate-limit-hourly)$(hdr x-hourly-requests-left)"
t_check "apollo: no daily headers without a daily limit" test -z "$(hdr x-rate-limit-daily)$(hdr x-24-hour-usage)"
t_eq "apollo: the minute's headers still sent" 47 "$(hdr x-minute-requests-left)"
fake_post config '{"apollo_limit_hourly":200,"apollo_limit_daily":600}'
t_eq "statuses counted per provider" 3 "$(fake_stat '.statuses.apollo["200"]')"
fake_post apollo_usage '{"minute":49}'
t_eq "apollo usage set: the last call of the minute" 200 "$(req -H "$AK" -d "$bulk" "$U/api/v1/people/bulk_match")"
t_eq "apollo usage set: then 429" 429 "$(req -H "$AK" -d "$bulk" "$U/api/v1/people/bulk_match")"
t_eq "the 429 counted" 1 "$(fake_stat '.statuses.apollo["429"]')"
fake_post apollo_usage '{"minute":3}'
t_eq "apollo bad key 401" 401 "$(req -H 'x-api-key: nope' -d "$bulk" "$U/api/v1/people/bulk_match")"
t_check "apollo 401 is text/plain" bash -c "[[ '$(hdr content-type)' == text/plain* ]]"
t_eq "apollo 401 body" "Invalid access credentials." "$(cat "$T/b")"
t_eq "apollo key as Bearer is 401" 401 \
	"$(req -H 'Authorization: Bearer test-apollo-key' -d "$bulk" "$U/api/v1/people/bulk_match")"
eleven=$(jq -cn '{details:[range(11)|{email:"p\(.)@acme.com"}]}')
t_eq "apollo 11 details is 422" 422 "$(req -H "$AK" -d "$eleven" "$U/api/v1/people/bulk_match")"
t_check "apollo 422 body" jqb '.error|type=="string"'
t_eq "apollo people/match via query string" 200 \
	"$(req -X POST -H "$AK" "$U/api/v1/people/match?email=dana.lopez@acme.com")"
t_check "apollo match person+organization" jqb '.person.name=="Dana Lopez" and .person.organization.primary_domain=="acme.com"'
t_eq "apollo organizations/enrich" 200 "$(req -H "$AK" "$U/api/v1/organizations/enrich?domain=acme.com")"
t_check "apollo organization fields" jqb '.organization | .name=="Acme" and .primary_domain=="acme.com"
	and (.estimated_num_employees|type)=="number" and has("annual_revenue") and has("founded_year")'

# --- Serper
t_eq "serper search 200" 200 "$(req -H "$SK" -H "$JS" -d '{"q":"\"Globex\" news","num":10}' "$U/search")"
t_check "serper search shape" jqb '.searchParameters.q=="\"Globex\" news" and .searchParameters.type=="search"
	and .credits==1 and (.organic|length)>=3
	and all(.organic[]; (.title|type)=="string" and (.link|startswith("http")) and (.snippet|type)=="string"
	                    and (.position|type)=="number")'
t_check "serper organic mentions the company" jqb '[.organic[].title|test("Globex")]|all'
t_eq "serper search via query string" 200 "$(req -X POST -H "$SK" "$U/search?q=globex&num=2")"
t_check "serper num honoured" jqb '(.organic|length)==2 and .organic[1].position==2'
t_eq "serper news 200" 200 "$(req -H "$SK" -d '{"q":"Acme"}' "$U/news")"
t_check "serper news shape" jqb '.searchParameters.type=="news" and (.news|length)>=3
	and all(.news[]; (.date|test("ago$|^[A-Z][a-z]{2} [0-9]{1,2}, [0-9]{4}$")) and (.source|type)=="string")'
t_eq "serper batch array" 200 "$(req -H "$SK" -d '[{"q":"acme"},{"q":"globex","type":"news"}]' "$U/search")"
t_check "serper batch answers an array in order" jqb 'type=="array" and length==2 and .[0].searchParameters.q=="acme"
	and (.[1].news|type)=="array"'
fake_post config '{"serper_batch":false}'
t_eq "serper batch refused when switched off" 400 "$(req -H "$SK" -d '[{"q":"acme"}]' "$U/search")"
t_eq "serper single query still answered" 200 "$(req -H "$SK" -d '{"q":"acme"}' "$U/search")"
fake_post config '{"serper_batch":true}'
t_eq "serper bad key 403" 403 "$(req -H 'X-API-KEY: wrong' -d '{"q":"x"}' "$U/search")"
t_check "serper 403 body" jqb '.message=="Unauthorized." and .statusCode==403'

# --- DeepSeek
user=$(jq -cn '{accounts:[{company:"Globex",items:[
	{title:"Globex raises $20M Series B",snippet:"led by Accel",link:"https://n.example/1",date:"Mar 3, 2026"},
	{title:"Globex announces layoffs",snippet:"cuts 10% of staff",link:"https://n.example/2",date:"3 days ago"},
	{title:"Globex homepage",snippet:"Welcome",link:"https://globex.com/"}]},
	{company:"Initech",items:[]}]}')
dbody=$(jq -cn --arg u "Classify these accounts, answer in json: $user" '{model:"deepseek-flash",
	messages:[{role:"system",content:"You return json."},{role:"user",content:$u}],
	response_format:{type:"json_object"},thinking:{type:"disabled"}}')
t_eq "deepseek 200" 200 "$(req -H "$DK" -H "$JS" -d "$dbody" "$U/chat/completions")"
t_check "deepseek envelope" jqb '.object=="chat.completion" and (.id|test("^[0-9a-f-]{36}$"))
	and .model=="deepseek-flash" and .choices[0].finish_reason=="stop"
	and (.usage.prompt_tokens|type)=="number" and .usage.total_tokens==(.usage.prompt_tokens+.usage.completion_tokens)'
jq -r '.choices[0].message.content' "$T/b" >"$T/content"
t_check "deepseek content is JSON" jqf . "$T/content"
t_check "deepseek classifies items" jqf '.accounts|length==2 and .[0].company=="Globex"
	and ([.[0].signals[].type]==["funding","layoff"]) and .[0].signals[0].date=="2026-03-03"
	and .[0].signals[0].source_url=="https://n.example/1" and (.[0].score|type)=="number"
	and .[1].signals==[]' "$T/content"
t_eq "deepseek /v1 path, generic prompt" 200 "$(req -H "$DK" \
	-d '{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hello"}]}' "$U/v1/chat/completions")"
t_eq "deepseek generic answer" '{"result":null}' "$(jq -c '.choices[0].message.content|fromjson' "$T/b" 2>/dev/null)"
t_eq "deepseek retired model 400" 400 "$(req -H "$DK" \
	-d '{"model":"deepseek-chat","messages":[{"role":"user","content":"hi"}]}' "$U/chat/completions")"
t_check "deepseek retired model message" jqb '.error.message|test("but you passed deepseek-chat")'
t_eq "deepseek bad key 401" 401 "$(req -H 'Authorization: Bearer sk-nope1234' \
	-d '{"model":"deepseek-flash","messages":[{"role":"user","content":"hi"}]}' "$U/chat/completions")"
t_check "deepseek 401 envelope" jqb '.error.type=="authentication_error" and (.error.message|test("^Authentication Fails"))'

# --- HubSpot: page through closed deals 2 at a time
search='{"filterGroups":[{"filters":[{"propertyName":"hs_is_closed","operator":"EQ","value":"true"}]}],
	"properties":["dealname","amount"],"limit":2,"after":"AFTER"}'
after=0 pages=0 ids="" total=""
while :; do
	code=$(req -H "$HK" -H "$JS" -d "${search/AFTER/$after}" "$U/crm/v3/objects/deals/search")
	[ "$code" = 200 ] || break
	pages=$((pages + 1))
	ids="$ids $(jq -r '.results[].id' "$T/b")"
	total=$(jq -r .total "$T/b")
	after=$(jq -r '.paging.next.after // empty' "$T/b")
	[ -n "$after" ] && [ $pages -lt 10 ] || break
done
t_eq "hubspot search pages" "200 3" "$code $pages"
t_eq "hubspot total = results seen" 5 "$(echo $ids | wc -w)"
t_eq "hubspot total" 5 "$total"
t_check "hubspot last page has no paging" jqb 'has("paging")|not'
t_check "hubspot properties are strings or null" jqb 'all(.results[].properties[]; .==null or type=="string")'
t_eq "hubspot dated path" 200 "$(req -H "$HK" -d '{"limit":1}' "$U/crm/objects/2026-03/deals/search")"
t_check "hubspot paging.next.after" jqb '.paging.next.after=="1" and (.results|length)==1'
t_eq "hubspot limit 201 is 400" 400 "$(req -H "$HK" -d '{"limit":201}' "$U/crm/v3/objects/deals/search")"
t_eq "hubspot v4 associations" 200 "$(req -H "$HK" -d '{"inputs":[{"id":"9000000001"}]}' \
	"$U/crm/v4/associations/deals/contacts/batch/read")"
t_check "hubspot toObjectId is a number" jqb '.status=="COMPLETE" and (.results[0].to[0].toObjectId|type)=="number"'
t_eq "hubspot no token 401" 401 "$(req -d '{}' "$U/crm/v3/objects/deals/search")"
t_check "hubspot 401 body" jqb '.status=="error" and .category=="INVALID_AUTHENTICATION" and (.correlationId|length)>0'

t_eq "hubspot pipelines" 200 "$(req -H "$HK" "$U/crm/v3/pipelines/deals")"
t_check "hubspot pipeline stages: labels, isClosed as strings" jqb '.results[0].stages
	| any(.id=="closedwon" and .label=="Closed Won" and .metadata.isClosed=="true")'
t_eq "hubspot dated pipelines path" 200 "$(req -H "$HK" "$U/crm/pipelines/2026-03/deals")"
t_check "hubspot rate-limit headers count calls" test "$(hdr x-hubspot-ratelimit-max)" -gt \
	"$(hdr x-hubspot-ratelimit-remaining)"
req -H "$HK" -d '{"inputs":[{"id":"9000000001"}]}' "$U/crm/associations/2026-03/deals/contacts/batch/read" >/dev/null
t_check "hubspot association label next to the unlabeled type" jqb '.results[0].to[]
	| select(.toObjectId=="201") | [.associationTypes[].label] == [null, "Decision Maker"]'
req -H "$HK" -d '{"properties":["industry","numberofemployees"],"inputs":[{"id":"301"}]}' \
	"$U/crm/v3/objects/companies/batch/read" >/dev/null
t_check "hubspot company firmographics" jqb '.results[0].properties | .industry=="OIL_ENERGY" and .numberofemployees=="1600"'
fake_post config '{"hubspot_search_cap":4}'
t_eq "hubspot search past the cap is 400" 400 "$(req -H "$HK" -d '{"limit":2,"after":"3"}' "$U/crm/v3/objects/deals/search")"
fake_post config '{"hubspot_limit_interval":1000,"hubspot_limit_daily":0}'
t_eq "hubspot daily limit 429" 429 "$(req -H "$HK" -d '{}' "$U/crm/v3/objects/deals/search")"
t_check "hubspot DAILY policy" jqb '.policyName=="DAILY" and .errorType=="RATE_LIMIT"'
fake_post config '{"hubspot_limit_interval":0,"hubspot_limit_daily":100}'
t_eq "hubspot ten-secondly limit 429" 429 "$(req -H "$HK" -d '{}' "$U/crm/v3/objects/deals/search")"
t_check "hubspot TEN_SECONDLY_ROLLING policy" jqb '.policyName=="TEN_SECONDLY_ROLLING"'
fake_post reset '{}'
fake_post fault '{"provider":"hubspot","kind":"403"}'
t_eq "hubspot 403 fault" 403 "$(req -H "$HK" -d '{}' "$U/crm/v3/objects/deals/search")"
t_check "hubspot 403 MISSING_SCOPES names the scope" jqb '.category=="MISSING_SCOPES"
	and .errors[0].context.requiredGranularScopes[0]=="crm.objects.deals.read"'

# --- Salesforce: token, SOQL pages, session expiry, API limit
SFT='grant_type=refresh_token&client_id=test-sf-client-id&client_secret=test-sf-client-secret&refresh_token=test-sf-refresh-token'
t_eq "salesforce token" 200 "$(req -d "$SFT" "$U/services/oauth2/token")"
t_check "salesforce token answer" jqb '.token_type=="Bearer" and (.instance_url|startswith("http://127.0.0.1:"))
	and (.access_token|length)>20 and has("refresh_token")==false'
ST="Authorization: Bearer $(jq -r .access_token "$T/b")"
t_eq "salesforce bad refresh token 400" 400 "$(req -d "${SFT/refresh_token=test/refresh_token=x}" "$U/services/oauth2/token")"
t_check "salesforce invalid_grant" jqb '.error=="invalid_grant"'
fake_post config '{"salesforce_batch_size":2}'
soql='SELECT Id, Name, (SELECT Role, Contact.Email FROM OpportunityContactRoles) FROM Opportunity
	WHERE IsClosed = true AND (LastModifiedDate > 2020-01-01T00:00:00Z OR CloseDate = LAST_N_MONTHS:6)
	ORDER BY LastModifiedDate ASC'
t_eq "salesforce query" 200 "$(req -G -H "$ST" --data-urlencode "q=$soql" "$U/services/data/v60.0/query")"
t_check "salesforce first page" jqb '.totalSize==4 and .done==false and (.records|length)==2
	and (.nextRecordsUrl|startswith("/services/data/v60.0/query/"))'
t_check "salesforce Sforce-Limit-Info" test "$(hdr sforce-limit-info)" = "api-usage=1/15000"
t_eq "salesforce next page" 200 "$(req -H "$ST" "$U$(jq -r .nextRecordsUrl "$T/b")")"
t_check "salesforce last page: done, a null subquery" jqb '.done==true and has("nextRecordsUrl")==false
	and any(.records[]; .OpportunityContactRoles==null) and any(.records[]; .OpportunityContactRoles.records[0].attributes.type=="OpportunityContactRole")'
t_eq "salesforce CurrencyIsoCode in a single-currency org" 400 \
	"$(req -G -H "$ST" --data-urlencode "q=SELECT Id, CurrencyIsoCode FROM Opportunity" "$U/services/data/v60.0/query")"
t_check "salesforce INVALID_FIELD is an array" jqb '.[0].errorCode=="INVALID_FIELD"'
fake_post config '{"salesforce_expire_after":3}'
t_eq "salesforce expired session 401" 401 "$(req -G -H "$ST" --data-urlencode "q=$soql" "$U/services/data/v60.0/query")"
t_check "salesforce INVALID_SESSION_ID" jqb '.[0].errorCode=="INVALID_SESSION_ID"'
t_eq "salesforce stays expired" 401 "$(req -G -H "$ST" --data-urlencode "q=$soql" "$U/services/data/v60.0/query")"
fake_post config '{"salesforce_api_limit":3}'
req -d "$SFT" "$U/services/oauth2/token" >/dev/null
ST="Authorization: Bearer $(jq -r .access_token "$T/b")"
t_eq "salesforce REQUEST_LIMIT_EXCEEDED 403" 403 "$(req -G -H "$ST" --data-urlencode "q=$soql" "$U/services/data/v60.0/query")"
t_check "salesforce limit body" jqb '.[0].errorCode=="REQUEST_LIMIT_EXCEEDED"'
fake_post reset '{}'

# --- LinkedIn
t_eq "linkedin enrich-lead" 200 "$(req -H "$RK" -H 'X-RapidAPI-Host: fresh-linkedin-profile-data.p.rapidapi.com' \
	"$U/enrich-lead?linkedin_url=https://www.linkedin.com/in/dana-lopez/")"
t_check "linkedin profile shape" jqb '.message=="ok" and .data.first_name=="Dana"
	and ([.data.experiences[]|select(.is_current)][0].end_year=="")'
t_eq "linkedin bad key 403" 403 "$(req -H 'X-RapidAPI-Key: x' "$U/get-company-by-domain?domain=acme.com")"
t_check "linkedin 403 body" jqb '.message=="You are not subscribed to this API."'
t_eq "linkedin old path" 200 "$(req -H "$RK" "$U/get-linkedin-profile?linkedin_url=https://www.linkedin.com/in/pat-ng-at-wonka-was-globex-since-2021-03")"
t_check "linkedin slug names the companies" jqb '.data.company=="Wonka" and .data.company_domain=="wonka.com"
	and .data.current_company_join_year==2021 and .data.current_company_join_month==3
	and .data.experiences[1].company=="Globex" and .data.experiences[1].start_month==""'
t_eq "linkedin old path counted apart" 1 "$(fake_stat '.calls["linkedin.person_old"]')"
t_eq "linkedin other host 403" 403 "$(req -H "$RK" -H 'X-RapidAPI-Host: linkedin-data-api.p.rapidapi.com' \
	"$U/enrich-lead?linkedin_url=https://www.linkedin.com/in/dana-lopez/")"
fake_post config '{"linkedin_old_path_gone":true}'
t_eq "linkedin old path gone 404" 404 "$(req -H "$RK" "$U/get-linkedin-profile?linkedin_url=https://www.linkedin.com/in/x")"
t_check "linkedin endpoint 404 body" jqb '.message=="Endpoint '"'"'/get-linkedin-profile'"'"' does not exist"'
fake_post fault '{"provider":"linkedin","kind":"quota"}'
t_eq "linkedin quota 429" 429 "$(req -H "$RK" "$U/enrich-lead?linkedin_url=https://www.linkedin.com/in/x")"
t_check "linkedin quota text" jqb '.message|startswith("You have exceeded the MONTHLY quota")'
fake_post fault '{"provider":"linkedin","kind":"credits"}'
t_eq "linkedin credits 402" 402 "$(req -H "$RK" "$U/enrich-lead?linkedin_url=https://www.linkedin.com/in/x")"

# --- faults
fake_post reset '{}'
t_eq "fault accepted" 200 "$(req -H "$JS" -d '{"provider":"apollo","kind":"429","count":1,"retry_after":5}' "$U/_fake/fault")"
t_eq "fault 429" 429 "$(req -H "$AK" -d "$bulk" "$U/api/v1/people/bulk_match")"
t_eq "fault 429 Retry-After" 5 "$(hdr retry-after)"
t_check "fault 429 Apollo body" jqb '.message|test("maximum number of api calls")'
t_eq "after the fault: normal answer" 200 "$(req -H "$AK" -d "$bulk" "$U/api/v1/people/bulk_match")"
t_check "after the fault: no Retry-After" test -z "$(hdr retry-after)"
fake_post fault '{"provider":"serper","kind":"429"}'
t_eq "serper 429 without retry_after" 429 "$(req -H "$SK" -d '{"q":"x"}' "$U/search")"
t_check "serper 429 has no Retry-After" test -z "$(hdr retry-after)"
fake_post fault '{"provider":"serper","kind":"credits"}'
t_eq "serper credits fault is 400" 400 "$(req -H "$SK" -d '{"q":"x"}' "$U/search")"
t_check "serper credits body" jqb '.message=="Not enough credits"'
fake_post fault '{"provider":"deepseek","kind":"credits"}'
t_eq "deepseek credits fault is 402" 402 "$(req -H "$DK" -d "$dbody" "$U/chat/completions")"
fake_post fault '{"provider":"deepseek","kind":"blank"}'
req -H "$DK" -d "$dbody" "$U/chat/completions" >/dev/null
t_eq "deepseek blank content" '"   " stop' "$(jq -r '(.choices[0].message.content|tojson)+" "+.choices[0].finish_reason' "$T/b")"
fake_post fault '{"provider":"apollo","kind":"cut"}'
curl -s -o /dev/null -H "$AK" -d "$bulk" "$U/api/v1/people/bulk_match"
t_eq "cut body: curl sees a partial file" 18 "$?"
fake_post fault '{"provider":"apollo","kind":"reset"}'
t_eq "reset: no response" 000 "$(curl -s -o /dev/null -w '%{http_code}' -H "$AK" -d "$bulk" "$U/api/v1/people/bulk_match")"
fake_post fault '{"provider":"hubspot","kind":"badjson"}'
req -H "$HK" -d '{}' "$U/crm/v3/objects/deals/search" >/dev/null
t_check "badjson is not JSON" bash -c "! jq . '$T/b' >/dev/null 2>&1"
t_eq "unknown fault kind is 400" 400 "$(req -d '{"provider":"apollo","kind":"nope"}' "$U/_fake/fault")"

# --- stats and reset
fake_post reset '{}'
t_eq "reset clears total" 0 "$(fake_stat .total)"
req -H "$AK" -d "$bulk" "$U/api/v1/people/bulk_match" >/dev/null
req -H "$AK" -d "$bulk" "$U/v1/people/bulk_match" >/dev/null
req -H "$SK" -d '{"q":"Initech funding"}' "$U/search" >/dev/null
t_eq "stats counts apollo.bulk_match" 2 "$(fake_stat '.calls["apollo.bulk_match"]')"
t_eq "stats counts serper.search" 1 "$(fake_stat '.calls["serper.search"]')"
t_eq "stats total" 3 "$(fake_stat .total)"
t_eq "stats asked apollo" "pat.ng@globex.com nobody@globex.com locked.one@initech.com" \
	"$(fake_stat '.asked.apollo[0:3]|join(" ")')"
t_eq "stats asked serper" "Initech funding" "$(fake_stat '.asked.serper|join(",")')"
t_eq "stats requests log" "apollo /api/v1/people/bulk_match POST" \
	"$(fake_stat '.requests[0]|"\(.provider) \(.path) \(.method)"')"
fake_post latency '{"ms":400}'
cpids=()
for i in $(seq 20); do curl -s -o /dev/null -H "$SK" -d "{\"q\":\"c$i\"}" "$U/search" & cpids+=($!); done
wait "${cpids[@]}"
t_check "20 concurrent requests overlap (max_in_flight >= 10)" test "$(fake_stat '.max_in_flight.serper')" -ge 10
t_eq "all 20 answered" 21 "$(fake_stat '.calls["serper.search"]')"
fake_post fault '{"provider":"apollo","kind":"500","count":-1}'
fake_post reset '{}'
t_eq "reset clears calls" '{}' "$(fake_stat '.calls|tojson')"
t_eq "reset clears faults" 200 "$(req -H "$AK" -d "$bulk" "$U/api/v1/people/bulk_match")"
t_eq "reset clears latency" 0 "$(fake_stat .latency_ms)"

# --- data dir, port file, verbose log without keys, clean exit on SIGTERM
mkdir -p "$T/fd"
echo '{"Pat@Custom.com":{"id":"p1","name":"Custom Person","email":"pat@custom.com","title":"Chief Buyer"}}' \
	>"$T/fd/apollo_people.json"
echo '{"deals":[{"id":"7","properties":{"dealname":"Only deal","amount":5,"dealstage":"closedwon"}}]}' \
	>"$T/fd/hubspot.json"
python3 "$DE_ROOT/tests/fakeapi/fakeapi.py" --port 0 --port-file "$T/p2" --data "$T/fd" --verbose \
	>"$T/out2" 2>"$T/log2" &
pid2=$!
_t_pids+=("$pid2")
for i in $(seq 100); do [ -s "$T/p2" ] && break; sleep 0.1; done
U2=http://127.0.0.1:$(cat "$T/p2")
t_check "second server port file, no .tmp left" test -s "$T/p2" -a ! -e "$T/p2.tmp"
req -H "$AK" -d '{"details":[{"email":"pat@custom.com"}]}' "$U2/api/v1/people/bulk_match" >/dev/null
t_check "apollo_people.json person returned as is" jqb '.matches[0]=={"id":"p1","name":"Custom Person","email":"pat@custom.com","title":"Chief Buyer"}'
req -H "$HK" -d '{}' "$U2/crm/v3/objects/deals/search" >/dev/null
t_check "hubspot.json deals, values as strings" jqb '.total==1 and .results[0].properties.amount=="5"'
kill -TERM "$pid2"
wait "$pid2"
t_eq "exits 0 on SIGTERM" 0 "$?"
t_check "verbose log names the request" grep -q 'apollo.bulk_match 200 .*key=<set>' "$T/log2"
t_check "no key value in the log" bash -c "! grep -q 'test-apollo-key\|test-hubspot-key' '$T/log2'"
t_check "nothing on stdout" test ! -s "$T/out2"
