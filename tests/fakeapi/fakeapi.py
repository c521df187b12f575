#!/usr/bin/env python3
"""fakeapi: a local fake of the external APIs used by deal-enrich.

Apollo.io, Serper, DeepSeek, HubSpot and "Fresh LinkedIn Profile Data" (RapidAPI),
all on one port of 127.0.0.1, with the request/response shapes, errors and
rate-limit headers of ../../shared/api/CONTRACTS.md (copied in the project docs).
Python 3.11 standard library only.

    python3 tests/fakeapi/fakeapi.py --port 0 --port-file FILE [--data DIR]
                                     [--latency-ms N] [--verbose]

See tests/fakeapi/README.md for the control plane (/_fake/...), fault kinds,
data files and the DeepSeek classification format.
"""

import argparse
import copy
import datetime as dt
import hashlib
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

PROG = "fakeapi"
DEFAULT_KEYS = ["test-apollo-key", "test-serper-key", "test-deepseek-key",
                "test-hubspot-key", "test-rapidapi-key"]
PROVIDERS = ("apollo", "serper", "deepseek", "hubspot", "linkedin", "salesforce")
# Salesforce's connected app, as the token endpoint knows it (FAKEAPI_SF_* override).
SF_CLIENT_ID = os.environ.get("FAKEAPI_SF_CLIENT_ID", "test-sf-client-id")
SF_CLIENT_SECRET = os.environ.get("FAKEAPI_SF_CLIENT_SECRET", "test-sf-client-secret")
SF_REFRESH_TOKEN = os.environ.get("FAKEAPI_SF_REFRESH_TOKEN", "test-sf-refresh-token")
FAULT_KINDS = ("429", "500", "502", "503", "504", "401", "403", "credits", "quota", "slow",
               "cut", "reset", "badjson", "blank", "leading_blank", "queued", "drop_company",
               "html", "huge")
MAX_BODY = 64 * 1024 * 1024

JSON_CT = "application/json; charset=utf-8"


class Reply(Exception):
    """Raised by handlers to answer at once (errors)."""

    def __init__(self, status, body, ctype=JSON_CT, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.ctype = ctype
        self.headers = headers or {}


# ---------------------------------------------------------------------------
# helpers

def h64(*parts):
    """Stable 64-bit hash of strings."""
    s = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(s).digest()[:8], "big")


def hexid(*parts, n=24):
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:n]


def jdump(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def now_utc():
    return dt.datetime.now(dt.timezone.utc)


def iso_ms(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def google_date(d):
    return "%s %d, %d" % (d.strftime("%b"), d.day, d.year)


def title_words(s):
    return " ".join(w[:1].upper() + w[1:] for w in s.split())


def as_int(v, default=None):
    try:
        if isinstance(v, bool):
            return default
        return int(str(v).strip())
    except (TypeError, ValueError):
        return default


def as_bool(v):
    if isinstance(v, bool):
        return v
    return str(v).strip().lower() in ("1", "true", "yes", "on")


def company_from_domain(domain):
    root = domain.lower().split(".")[0] if domain else "example"
    if root in ("www",) and domain.count(".") >= 2:
        root = domain.lower().split(".")[1]
    return title_words(re.sub(r"[-_]+", " ", root)) or "Example"


def slugify(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-") or "x"


# ---------------------------------------------------------------------------
# shared state

class State:
    def __init__(self, cfg):
        self.cfg = cfg
        self.lock = threading.Lock()
        self.started = time.time()
        self.data = {}
        self.load_data()
        self.reset()

    def load_data(self):
        data = {}
        d = self.cfg.data
        if d:
            for name in ("apollo_people.json", "serper_results.json", "hubspot.json",
                         "salesforce.json", "linkedin_profiles.json"):
                p = os.path.join(d, name)
                if os.path.exists(p):
                    with open(p, encoding="utf-8") as f:
                        data[name] = json.load(f)
        people = data.get("apollo_people.json") or {}
        self.apollo_people = {str(k).strip().lower(): v for k, v in people.items()}
        serper = data.get("serper_results.json") or {}
        self.serper_results = {str(k).strip().lower(): v for k, v in serper.items()}
        self.hubspot = HubSpotData(data.get("hubspot.json"))
        self.salesforce = SalesforceData(data.get("salesforce.json"))
        profiles = data.get("linkedin_profiles.json") or {}
        self.linkedin_profiles = {li_slug(k) or str(k).strip().lower(): v for k, v in profiles.items()}

    def reset(self):
        with self.lock:
            self.calls = {}
            self.providers = {}
            self.total = 0
            self.in_flight = {}
            self.max_in_flight = {}
            self.statuses = {}
            self.requests = deque(maxlen=200)
            self.asked = {}
            self.attempted = {}
            self.credits = {}
            self.faults = []
            self.latency_ms = self.cfg.latency_ms
            self.switches = {
                "apollo_reorder": False,
                "apollo_enforce_limits": not self.cfg.apollo_no_enforce,
                "apollo_limit_minute": self.cfg.apollo_limit_minute,
                "apollo_limit_hourly": self.cfg.apollo_limit_hourly,
                "apollo_limit_daily": self.cfg.apollo_limit_daily,
                "hubspot_enforce_limits": True,
                "hubspot_limit_interval": 100,
                "hubspot_limit_daily": 250000,
                "hubspot_search_cap": 10000,
                "salesforce_api_limit": 15000,
                "salesforce_batch_size": 0,
                "salesforce_expire_after": 0,
                "salesforce_multi_currency": False,
                "linkedin_old_path_gone": False,
                "linkedin_new_path_missing": False,
                "serper_batch": True,
                "serper_batch_answer": "ok",
            }
            self.apollo_usage = {"minute": [None, 0], "hourly": [None, 0], "daily": [None, 0]}
            self.hs_usage = {"interval": [None, 0], "daily": [None, 0]}
            self.sf_used = 0
            self.sf_tokens = {}      # access token -> API calls made with it
            self.sf_cursors = {}     # query locator -> records of the query

    # --- in-flight accounting
    def begin(self, provider, endpoint):
        with self.lock:
            self.total += 1
            self.calls[endpoint] = self.calls.get(endpoint, 0) + 1
            self.providers[provider] = self.providers.get(provider, 0) + 1
            n = self.in_flight.get(provider, 0) + 1
            self.in_flight[provider] = n
            if n > self.max_in_flight.get(provider, 0):
                self.max_in_flight[provider] = n
            return {p: k for p, k in self.in_flight.items() if k > 0}

    def end(self, provider, rec):
        with self.lock:
            self.in_flight[provider] = max(0, self.in_flight.get(provider, 0) - 1)
            self.requests.append(rec)
            st = self.statuses.setdefault(provider, {})
            st[str(rec["status"])] = st.get(str(rec["status"]), 0) + 1

    def add_asked(self, provider, items, paid):
        if not items:
            return
        with self.lock:
            self.attempted.setdefault(provider, []).extend(items)
            if paid:
                self.asked.setdefault(provider, []).extend(items)

    def add_credits(self, provider, n):
        with self.lock:
            self.credits[provider] = self.credits.get(provider, 0) + n

    # --- faults
    def add_fault(self, f):
        with self.lock:
            self.faults.append(f)

    def take_fault(self, provider):
        with self.lock:
            for i, f in enumerate(self.faults):
                if f["provider"] in (provider, "all"):
                    if f["count"] > 0:
                        f["count"] -= 1
                        if f["count"] == 0:
                            del self.faults[i]
                    return dict(f)
        return None

    # --- Apollo fixed-window usage
    def apollo_take(self):
        """Count one Apollo call. Returns (ok, headers, exceeded_window)."""
        t = time.time()
        windows = {"minute": int(t // 60), "hourly": int(t // 3600), "daily": int(t // 86400)}
        with self.lock:
            sw = self.switches
            limits = {"minute": sw["apollo_limit_minute"], "hourly": sw["apollo_limit_hourly"],
                      "daily": sw["apollo_limit_daily"]}
            for k, w in windows.items():
                u = self.apollo_usage[k]
                if u[0] != w:
                    u[0], u[1] = w, 0
            if sw["apollo_enforce_limits"]:
                for k in ("minute", "hourly", "daily"):
                    if limits[k] > 0 and self.apollo_usage[k][1] >= limits[k]:
                        return False, {}, (k, limits[k])
            for k in windows:
                self.apollo_usage[k][1] += 1
            used = {k: self.apollo_usage[k][1] for k in windows}
        # A window without a limit (0, as paid plans' hour and day) sends no headers.
        hdr = {}
        for k, name in (("minute", "minute"), ("hourly", "hourly"), ("daily", "daily"),
                        ("daily", "24-hour")):
            if limits[k] <= 0:
                continue
            hdr["x-rate-limit-" + name] = str(limits[k])
            hdr["x-%s-usage" % name] = str(used[k])
            hdr["x-%s-requests-left" % name] = str(max(0, limits[k] - used[k]))
        return True, hdr, None

    # --- HubSpot's per-portal windows: 10 s rolling (as fixed windows) and daily
    def hs_take(self):
        """Count one HubSpot call. Returns (headers, policy refused or None)."""
        t = time.time()
        windows = {"interval": int(t // 10), "daily": int(t // 86400)}
        with self.lock:
            sw = self.switches
            limits = {"interval": sw["hubspot_limit_interval"], "daily": sw["hubspot_limit_daily"]}
            for k, w in windows.items():
                u = self.hs_usage[k]
                if u[0] != w:
                    u[0], u[1] = w, 0
            refused = None
            if sw["hubspot_enforce_limits"]:
                if self.hs_usage["daily"][1] >= limits["daily"]:
                    refused = "DAILY"
                elif self.hs_usage["interval"][1] >= limits["interval"]:
                    refused = "TEN_SECONDLY_ROLLING"
            if refused is None:
                for k in windows:
                    self.hs_usage[k][1] += 1
            used = {k: self.hs_usage[k][1] for k in windows}
        hdr = {"X-HubSpot-RateLimit-Daily": str(limits["daily"]),
               "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, limits["daily"] - used["daily"])),
               "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
               "X-HubSpot-RateLimit-Max": str(limits["interval"]),
               "X-HubSpot-RateLimit-Remaining": str(max(0, limits["interval"] - used["interval"]))}
        return hdr, refused

    # --- Salesforce: rolling 24 h API usage (never resets here) and session tokens
    def sf_take(self, token):
        """Count one API call made with token. Returns (limit-info header, error or None)."""
        with self.lock:
            sw = self.switches
            limit = sw["salesforce_api_limit"]
            n = self.sf_tokens.get(token)
            if n is None or (sw["salesforce_expire_after"] > 0 and n >= sw["salesforce_expire_after"]):
                self.sf_tokens.pop(token, None)
                err = "session"
            elif self.sf_used >= limit:
                err = "limit"
            else:
                self.sf_tokens[token] = n + 1
                self.sf_used += 1
                err = None
            info = "api-usage=%d/%d" % (self.sf_used, limit)
        return {"Sforce-Limit-Info": info}, err

    def stats(self):
        with self.lock:
            return {
                "calls": dict(self.calls),
                "providers": dict(self.providers),
                "total": self.total,
                "in_flight": dict(self.in_flight),
                "max_in_flight": dict(self.max_in_flight),
                "statuses": copy.deepcopy(self.statuses),
                "asked": copy.deepcopy(self.asked),
                "attempted": copy.deepcopy(self.attempted),
                "credits": dict(self.credits),
                "faults": copy.deepcopy(self.faults),
                "latency_ms": self.latency_ms,
                "config": dict(self.switches),
                "apollo_usage": {k: v[1] for k, v in self.apollo_usage.items()},
                "hubspot_usage": {k: v[1] for k, v in self.hs_usage.items()},
                "salesforce_usage": self.sf_used,
                "requests": list(self.requests),
                "uptime_s": round(time.time() - self.started, 3),
            }


# ---------------------------------------------------------------------------
# Apollo

TITLES = [
    # title, seniority, departments, subdepartments, functions
    ("Chief Financial Officer", "c_suite", ["master_finance"], ["finance_executive"], ["finance"]),
    ("Chief Executive Officer", "c_suite", ["c_suite"], ["executive"], ["entrepreneurship"]),
    ("Founder", "founder", ["c_suite"], ["founder"], ["entrepreneurship"]),
    ("Owner", "owner", ["c_suite"], ["executive"], ["entrepreneurship"]),
    ("VP Sales", "vp", ["master_sales"], ["sales"], ["sales"]),
    ("VP of Engineering", "vp", ["master_engineering_technical"], ["engineering_technical"], ["engineering"]),
    ("Head of Procurement", "head", ["master_operations"], ["procurement"], ["operations"]),
    ("Director of Marketing", "director", ["master_marketing"], ["marketing"], ["marketing"]),
    ("Director of IT", "director", ["master_information_technology"], ["it_management"], ["information_technology"]),
    ("Finance Manager", "manager", ["master_finance"], ["finance"], ["finance"]),
    ("Operations Manager", "manager", ["master_operations"], ["operations"], ["operations"]),
    ("Senior Software Engineer", "senior", ["master_engineering_technical"], ["software_development"], ["engineering"]),
    ("Senior Data Analyst", "senior", ["master_information_technology"], ["data_science"], ["data_science"]),
    ("Account Executive", "entry", ["master_sales"], ["sales"], ["sales"]),
    ("Partner", "partner", ["master_legal"], ["legal"], ["legal"]),
    ("Marketing Intern", "intern", ["master_marketing"], ["marketing"], ["marketing"]),
]
LAST_NAMES = ["Lopez", "Ng", "Smith", "Okafor", "Kowalski", "Tanaka", "Brown", "Garcia",
              "Miller", "Rossi", "Dubois", "Singh", "Larsen", "Cohen", "Silva", "Kim"]
FIRST_NAMES = ["Dana", "Sam", "Alex", "Jordan", "Robin", "Casey", "Morgan", "Taylor"]
INDUSTRIES = ["information technology & services", "computer software", "financial services",
              "oil & energy", "hospital & health care", "retail", "marketing & advertising",
              "manufacturing", "internet", "telecommunications", "logistics & supply chain",
              "higher education"]
EMPLOYEES = [8, 35, 120, 450, 1600, 5200, 12000, 80000]
CITIES = [("Austin", "Texas", "United States"), ("San Francisco", "California", "United States"),
          ("New York", "New York", "United States"), ("Boston", "Massachusetts", "United States"),
          ("London", "England", "United Kingdom"), ("Berlin", "Berlin", "Germany"),
          ("Toronto", "Ontario", "Canada"), ("Chicago", "Illinois", "United States")]
PAST_ORGS = ["Initech", "Hooli", "Vandelay Industries", "Stark Industries", "Wayne Enterprises",
             "Soylent", "Cyberdyne", "Massive Dynamic"]
FUNDING_STAGES = ["Seed", "Series A", "Series B", "Series C", "Series D", "Private Equity", None]


def printed_money(n):
    if n is None:
        return None
    if n >= 1_000_000_000:
        return "%gB" % round(n / 1e9, 1)
    if n >= 1_000_000:
        return "%gM" % round(n / 1e6, 1)
    if n >= 1000:
        return "%gK" % round(n / 1e3, 1)
    return str(n)


def apollo_org(domain):
    domain = domain.lower().strip()
    if domain.startswith("www."):
        domain = domain[4:]
    h = h64("org", domain)
    name = company_from_domain(domain)
    emp = EMPLOYEES[h % len(EMPLOYEES)]
    rev = None if h % 11 == 0 else emp * (100_000 + (h >> 8) % 150_000)
    founded = None if h % 13 == 0 else 1950 + (h >> 16) % 74
    city, state, country = CITIES[(h >> 24) % len(CITIES)]
    industry = INDUSTRIES[(h >> 4) % len(INDUSTRIES)]
    stage = FUNDING_STAGES[(h >> 32) % len(FUNDING_STAGES)]
    funding = None if stage is None else ((h >> 36) % 300 + 1) * 1_000_000
    slug = slugify(name)
    return {
        "id": hexid("org", domain), "name": name,
        "website_url": "http://www.%s" % domain, "blog_url": None, "angellist_url": None,
        "linkedin_url": "http://www.linkedin.com/company/%s" % slug,
        "twitter_url": None, "facebook_url": None,
        "primary_phone": {}, "languages": [], "alexa_ranking": None, "phone": None,
        "linkedin_uid": str(1000 + h % 9_000_000), "founded_year": founded,
        "publicly_traded_symbol": None, "publicly_traded_exchange": None,
        "logo_url": None, "crunchbase_url": None, "primary_domain": domain,
        "industry": industry, "industries": [industry], "secondary_industries": [],
        "keywords": [industry.split(" ")[0], "b2b"],
        "estimated_num_employees": emp, "annual_revenue": rev,
        "annual_revenue_printed": printed_money(rev),
        "total_funding": funding, "total_funding_printed": printed_money(funding),
        "latest_funding_stage": stage,
        "latest_funding_round_date": None if stage is None else
        "%d-%02d-01T00:00:00.000+00:00" % (2018 + (h >> 40) % 8, 1 + (h >> 44) % 12),
        "city": city, "state": state, "country": country, "postal_code": None,
        "street_address": "", "raw_address": "%s, %s, %s" % (city, state, country),
        "short_description": "%s is a %s company." % (name, industry),
        "technology_names": ["Salesforce", "Google Workspace"][: 1 + h % 2],
        "industry_tag_id": hexid("ind", industry), "retail_location_count": 0,
        "owned_by_organization_id": None, "suborganizations": [], "num_suborganizations": 0,
        "snippets_loaded": True,
    }


def names_from_local(local, h):
    parts = [p for p in re.split(r"[._+\-]+", re.sub(r"\d+", "", local)) if p]
    first = parts[0].capitalize() if parts else FIRST_NAMES[h % len(FIRST_NAMES)]
    last = parts[-1].capitalize() if len(parts) > 1 else LAST_NAMES[(h >> 3) % len(LAST_NAMES)]
    return first, last


def apollo_person(email, with_org=True):
    """Deterministic person for an email, or None for a miss."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or not domain:
        return None
    if local.startswith("nobody") or local.startswith("missing"):
        return None
    h = h64("person", email)
    first, last = names_from_local(local, h)
    title, seniority, deps, subdeps, funcs = TITLES[h % len(TITLES)]
    org = apollo_org(domain)
    city, state, country = CITIES[(h >> 7) % len(CITIES)]
    start_y = 2014 + (h >> 11) % 12
    start_m = 1 + (h >> 15) % 12
    cur_start = "%d-%02d-01" % (start_y, start_m)
    past1_start = "%d-%02d-01" % (start_y - 3 - (h >> 19) % 4, 1 + (h >> 21) % 12)
    past2_start = "%d-%02d-01" % (int(past1_start[:4]) - 2 - (h >> 23) % 3, 1 + (h >> 25) % 12)
    past_org = PAST_ORGS[(h >> 27) % len(PAST_ORGS)]

    def job(key, current, jtitle, org_id, org_name, start, end):
        jid = hexid("job", email, key)
        return {"_id": jid, "id": jid, "key": jid, "current": current, "title": jtitle,
                "organization_id": org_id, "organization_name": org_name,
                "start_date": start, "end_date": end, "created_at": None, "updated_at": None,
                "degree": None, "description": None, "emails": None, "grade_level": None,
                "kind": None, "major": None, "raw_address": None}

    cur = job("cur", True, title, org["id"], org["name"], cur_start, None)
    past_title = "Senior Manager" if seniority in ("c_suite", "founder", "owner", "partner", "vp",
                                                   "head", "director") else "Associate"
    past1 = job("p1", False, past_title, hexid("org", past_org), past_org, past1_start,
                "%d-%02d-01" % (start_y, start_m))
    past2 = job("p2", False, "Analyst", None, PAST_ORGS[(h >> 31) % len(PAST_ORGS)],
                past2_start, past1_start)
    if h % 3 == 0:
        history = [past1, cur, past2]     # current job NOT first
    elif h % 3 == 1:
        history = [cur, past1]
    else:
        history = [past2, past1, cur]     # current job last
    status = ["verified", "verified", "verified", "guessed", "unavailable"][(h >> 33) % 5]
    slug = "%s-%s-%s" % (slugify(first), slugify(last), hexid("li", email, n=6))
    person = {
        "id": hexid("person", email), "first_name": first, "last_name": last,
        "name": "%s %s" % (first, last), "linkedin_url": "http://www.linkedin.com/in/%s" % slug,
        "title": title, "email_status": status, "photo_url": None, "twitter_url": None,
        "github_url": None, "facebook_url": None, "extrapolated_email_confidence": None,
        "headline": "%s at %s" % (title, org["name"]),
        "email": "email_not_unlocked@domain.com" if local.startswith("locked") else email,
        "organization_id": org["id"], "employment_history": history,
        "state": state, "city": city, "country": country,
        "departments": deps, "subdepartments": subdeps, "functions": funcs,
        "seniority": seniority, "is_likely_to_engage": bool(h % 2),
        "intent_strength": None, "show_intent": False, "revealed_for_current_team": True,
    }
    if with_org:
        person["organization"] = org
    return person


def apollo_lookup(state, detail, bulk):
    """detail: one object of details[]. Returns (key asked, person or None)."""
    email = str(detail.get("email") or "").strip().lower()
    if not email:
        first = str(detail.get("first_name") or "").strip()
        last = str(detail.get("last_name") or "").strip()
        if not (first or last) and detail.get("name"):
            nm = str(detail["name"]).split()
            first, last = (nm[0], nm[-1]) if len(nm) > 1 else (nm[0] if nm else "", "")
        domain = str(detail.get("domain") or "").strip().lower()
        domain = re.sub(r"^(https?://)?(www\.)?", "", domain).split("/")[0]
        if not domain and detail.get("organization_name"):
            domain = slugify(str(detail["organization_name"])).replace("-", "") + ".com"
        li = str(detail.get("linkedin_url") or "").strip().lower()
        if (first or last) and domain:
            email = "%s@%s" % (".".join(slugify(x) for x in (first, last) if x), domain)
        elif li:
            m = re.search(r"/in/([^/?#]+)", li)
            slug = m.group(1) if m else slugify(li)
            key = li
            if "nobody" in slug or "missing" in slug:
                return key, None
            email = "%s@%s" % (slug.replace("-", "."), "example.com")
            return key, apollo_person(email, with_org=not bulk or h64("o", email) % 7 != 0)
        else:
            return json.dumps(detail, sort_keys=True), None
    key = email
    if email in state.apollo_people:
        p = state.apollo_people[email]
        return key, copy.deepcopy(p) if p is not None else None
    with_org = not bulk or h64("person", email) % 7 != 0
    return key, apollo_person(email, with_org=with_org)


def apollo_auth(state, req):
    key = req.header("x-api-key")
    if key is not None and key.strip() in state.cfg.keys:
        return
    raise Reply(401, b"Invalid access credentials.", "text/plain")


def apollo_limit_reply(path, window, limit):
    unit = {"minute": "minute", "hourly": "hour", "daily": "day"}[window]
    msg = ("The maximum number of api calls allowed for %s is %d times per %s. Please upgrade "
           "your plan from https://app.apollo.io/#/settings/plans/upgrade." % (path, limit, unit))
    return Reply(429, jdump({"message": msg}))


def apollo_path(req):
    """'/v1/people/match' or '/api/v1/people/match' -> 'api/v1/people/match'."""
    p = req.path.lstrip("/")
    return p if p.startswith("api/") else "api/" + p


def h_apollo_bulk(state, req):
    apollo_auth(state, req)
    params = req.params()
    details = params.get("details")
    if not isinstance(details, list) or not details or len(details) > 10:
        n = len(details) if isinstance(details, list) else 0
        raise Reply(422, jdump({"error": "details must be an array of 1 to 10 people (got %d)" % n}))
    if not all(isinstance(d, dict) for d in details):
        raise Reply(422, jdump({"error": "each element of details must be an object"}))
    ok, hdr, exceeded = state.apollo_take()
    if not ok:
        raise apollo_limit_reply(apollo_path(req), *exceeded)
    keys, matches = [], []
    for d in details:
        k, p = apollo_lookup(state, d, bulk=True)
        keys.append(k)
        matches.append(p)
    req.asked = keys
    found = [m for m in matches if m is not None]
    uniq = len({m.get("id") or id(m) for m in found})
    with state.lock:
        reorder = state.switches["apollo_reorder"]
    if reorder:
        matches = list(reversed(matches))
    state.add_credits("apollo", len(found))
    body = {"status": "success", "error_code": None, "error_message": None,
            "total_requested_enrichments": len(details), "unique_enriched_records": uniq,
            "missing_records": len(details) - len(found), "credits_consumed": len(found),
            "matches": matches}
    return 200, body, hdr


def h_apollo_match(state, req):
    apollo_auth(state, req)
    params = req.params()
    if not any(params.get(k) for k in ("email", "first_name", "last_name", "name", "linkedin_url",
                                       "id", "hashed_email")):
        raise Reply(422, jdump({"error": "Please provide at least one identifier (email, name, "
                                         "linkedin_url or id)"}))
    ok, hdr, exceeded = state.apollo_take()
    if not ok:
        raise apollo_limit_reply(apollo_path(req), *exceeded)
    k, p = apollo_lookup(state, params, bulk=False)
    req.asked = [k]
    if p is not None:
        state.add_credits("apollo", 1)
    return 200, {"person": p}, hdr


def h_apollo_org(state, req):
    apollo_auth(state, req)
    params = req.params()
    domain = str(params.get("domain") or "").strip().lower()
    domain = re.sub(r"^(https?://)?(www\.)?", "", domain).split("/")[0]
    if not domain:
        raise Reply(422, jdump({"error": "domain is required"}))
    ok, hdr, exceeded = state.apollo_take()
    if not ok:
        raise apollo_limit_reply(apollo_path(req), *exceeded)
    req.asked = [domain]
    root = domain.split(".")[0]
    if root.startswith("nobody") or root.startswith("missing"):
        return 200, {}, hdr
    org = apollo_org(domain)
    org["account_id"] = hexid("acct", domain)
    org["funding_events"] = []
    org["current_technologies"] = [{"uid": slugify(t), "name": t, "category": "Other"}
                                   for t in org["technology_names"]]
    org["departmental_head_count"] = {"sales": org["estimated_num_employees"] // 10,
                                      "engineering": org["estimated_num_employees"] // 4}
    state.add_credits("apollo", 1)
    return 200, {"organization": org}, hdr


def h_apollo_org_bulk(state, req):
    apollo_auth(state, req)
    q = req.query()
    domains = q.get("domains[]", []) + q.get("domains", [])
    body = req.json_body(default={}) or {}
    if isinstance(body, dict) and isinstance(body.get("domains"), list):
        domains += [str(x) for x in body["domains"]]
    if not domains or len(domains) > 10:
        raise Reply(422, jdump({"error": "domains must list 1 to 10 domains"}))
    ok, hdr, exceeded = state.apollo_take()
    if not ok:
        raise apollo_limit_reply(apollo_path(req), *exceeded)
    orgs = []
    for d in domains:
        d = d.strip().lower()
        if not (d.startswith("nobody") or d.startswith("missing")):
            orgs.append(apollo_org(d))
    req.asked = [d.lower() for d in domains]
    state.add_credits("apollo", len(orgs))
    return 200, {"status": "success", "error_code": None, "error_message": None,
                 "total_requested_domains": len(domains), "unique_domains": len(set(domains)),
                 "unique_enriched_records": len(orgs), "missing_records": len(domains) - len(orgs),
                 "organizations": orgs}, hdr


# ---------------------------------------------------------------------------
# Serper

SIGNAL_TEMPLATES = {
    "funding": ("{c} raises ${amt}M Series {ser} to accelerate growth",
                "{c} announced it has raised ${amt}M in a Series {ser} funding round led by {inv}."),
    "hiring": ("{c} is hiring {n} engineers as demand grows",
               "{c} plans to add {n} engineers and account managers this year, according to job postings."),
    "layoff": ("{c} announces layoffs affecting {pct}% of staff",
               "{c} will cut about {pct}% of its workforce as part of a restructuring plan."),
    "leadership_change": ("{c} appoints new {role}",
                          "{c} has appointed {person} as {role}, effective immediately."),
    "acquisition": ("{c} acquires {target}",
                    "{c} has agreed to buy {target} for an undisclosed sum."),
    "partnership": ("{c} partners with {partner}",
                    "{c} and {partner} announced a strategic partnership for joint customers."),
    "product_launch": ("{c} launches {product}",
                       "{c} unveiled {product}, its newest platform release, at its annual conference."),
    "expansion": ("{c} opens new office in {city}",
                  "{c} opens new office in {city} to serve customers in the region."),
    "award": ("{c} wins {award} award",
              "{c} was recognized with the {award} award for the second year."),
    "negative_press": ("{c} faces lawsuit over {issue}",
                       "A lawsuit filed against {c} alleges {issue}."),
    "regulatory": ("{c} receives regulatory approval for {thing}",
                   "{c} received regulatory approval for {thing} from the national regulator."),
}
INVESTORS = ["Sequoia Capital", "Accel", "Index Ventures", "Insight Partners", "General Catalyst"]
PERSONS = ["Maria Chen", "David Park", "Laura Weiss", "Omar Haddad", "Grace Liu"]
ROLES = ["CFO", "CTO", "Chief Revenue Officer", "CEO", "VP of Sales"]
PRODUCTS = ["an AI analytics suite", "a new payments API", "a mobile app for field teams",
            "a data platform for retailers"]
PARTNERS = ["Microsoft", "Salesforce", "Snowflake", "Shopify", "SAP"]
AWARDS = ["Best Place to Work", "Fast Company Innovation", "Gartner Peer Insights", "Deloitte Fast 500"]
ISSUES = ["unpaid overtime", "a data privacy breach", "patent infringement"]
THINGS = ["its medical device", "its banking license", "its new drug candidate"]
SOURCES = ["TechCrunch", "Reuters", "Business Wire", "Bloomberg", "The Verge", "PR Newswire"]
STOP_WORDS = set("""news funding fund hiring hires hire layoffs layoff raises raised raise acquisition
acquires acquired acquire partnership partners launch launches product expansion award awards lawsuit
regulatory approval latest recent announcement announcements announces press release or and the
jobs job careers leadership executive series round investment merger site intitle inurl company
signals signal update updates""".split())
SUFFIXES = ("inc", "inc.", "corp", "corp.", "corporation", "llc", "ltd", "ltd.", "co", "co.",
            "gmbh", "plc", "sa", "ag", "group", "holdings")


def company_from_query(q):
    s = q.lower().replace("\u201c", '"').replace("\u201d", '"')
    s = re.sub(r"\b\w+:\S+", " ", s)            # site:, after:, intitle:...
    s = re.sub(r"(^|\s)-\S+", " ", s)          # -excluded terms
    s = s.replace('"', " ").replace("(", " ").replace(")", " ")
    toks = [t for t in re.findall(r"[\w&.'\-]+", s)
            if t not in STOP_WORDS and not re.fullmatch(r"(19|20)\d\d", t)]
    return " ".join(toks).strip(" .-")


def company_candidates(company):
    cands = [company]
    toks = company.split()
    while toks and toks[-1] in SUFFIXES:
        toks = toks[:-1]
    cands.append(" ".join(toks))
    if "." in company and " " not in company:
        cands.append(company.split(".")[0])
    return [c for i, c in enumerate(cands) if c and c not in cands[:i]]


def company_display(norm):
    if "." in norm and " " not in norm:
        return company_from_domain(norm)
    return title_words(norm) if norm else "Example"


def serper_data_entry(state, q):
    """The serper_results.json entry for the company of q, or None."""
    for c in company_candidates(company_from_query(q)):
        if c in state.serper_results:
            return state.serper_results[c]
    return None


def serper_items(state, q, kind, num):
    """Returns list of organic (kind 'search') or news (kind 'news') items."""
    company = company_from_query(q)
    cands = company_candidates(company)
    norm = cands[-1] if cands else ""
    if "." in norm and " " not in norm:
        norm = norm.split(".")[0]
    for c in cands:
        if c in state.serper_results:
            ov = state.serper_results[c]
            if isinstance(ov, dict):
                items = ov.get("news" if kind == "news" else "organic") or ov.get("organic") or []
            else:
                items = ov
            out = []
            for i, it in enumerate(items[:num]):
                it = dict(it)
                it.setdefault("position", i + 1)
                if kind == "news":
                    it.setdefault("source", SOURCES[i % len(SOURCES)])
                    it.setdefault("date", "%d days ago" % (i + 1))
                out.append(it)
            return out
    if not norm or norm.startswith("nobody") or norm.startswith("missing") or \
            norm.startswith("noresults"):
        return []
    disp = company_display(norm)
    h = h64("serper", norm)
    rng = random.Random(h)
    types = rng.sample(sorted(SIGNAL_TEMPLATES), 4)
    vals = {"c": disp, "amt": rng.choice([5, 12, 20, 35, 60, 120]), "ser": rng.choice("ABCD"),
            "inv": rng.choice(INVESTORS), "n": rng.choice([15, 25, 50, 120]),
            "pct": rng.choice([5, 8, 12, 20]), "role": rng.choice(ROLES),
            "person": rng.choice(PERSONS), "target": rng.choice(PAST_ORGS),
            "partner": rng.choice(PARTNERS), "product": rng.choice(PRODUCTS),
            "city": rng.choice([c[0] for c in CITIES]), "award": rng.choice(AWARDS),
            "issue": rng.choice(ISSUES), "thing": rng.choice(THINGS)}
    slug = slugify(disp)
    today = now_utc().date()
    rel = ["2 hours ago", "3 days ago", "1 week ago", "2 weeks ago"]
    items = []
    for i, t in enumerate(types):
        title, snip = SIGNAL_TEMPLATES[t]
        it = {"title": title.format(**vals), "link": "https://news.example.com/%s/%s-%d" %
              (slug, t.replace("_", "-"), h % 1000 + i), "snippet": snip.format(**vals)}
        if kind == "news":
            it["date"] = rel[i] if i < len(rel) else google_date(today - dt.timedelta(days=40))
            it["source"] = SOURCES[(h + i) % len(SOURCES)]
            if i % 2 == 0:
                it["imageUrl"] = "https://encrypted-tbn0.gstatic.com/images?q=tbn:%s" % hexid(slug, i, n=12)
        elif i != 2:   # organic dates are optional: omit one
            it["date"] = google_date(today - dt.timedelta(days=3 + 17 * i)) if i % 2 == 0 \
                else "%d days ago" % (2 + i)
        items.append(it)
    home = {"title": "%s - Official Site" % disp, "link": "https://www.%s.com/" % slug.replace("-", ""),
            "snippet": "%s provides software and services to businesses worldwide. Learn more about "
                       "our team and customers." % disp}
    if kind == "news":
        home["title"] = "%s shares quarterly update with customers" % disp
        home["date"] = google_date(today - dt.timedelta(days=60))
        home["source"] = SOURCES[h % len(SOURCES)]
        items.append(home)
    else:
        home["sitelinks"] = [{"title": "About", "link": home["link"] + "about"}]
        items.insert(0, home)
    items = items[:num]
    for i, it in enumerate(items):
        it["position"] = i + 1
    return items


def serper_one(state, params, default_type):
    if not isinstance(params, dict):
        raise Reply(400, jdump({"message": "Invalid request body", "statusCode": 400}))
    q = params.get("q")
    if q is None or str(q).strip() == "":
        raise Reply(400, jdump({"message": "Missing query parameter", "statusCode": 400}))
    q = str(q)
    typ = str(params.get("type") or default_type)
    num = as_int(params.get("num"), 10)
    if num is None or num < 1 or num > 100:
        raise Reply(400, jdump({"message": "num must be between 1 and 100", "statusCode": 400}))
    sp = {"q": q, "gl": params.get("gl", "us"), "hl": params.get("hl", "en"), "num": num}
    for k in ("tbs", "page", "location", "autocorrect"):
        if k in params:
            sp[k] = as_int(params[k], params[k]) if k == "page" else params[k]
    sp["type"] = typ
    sp["engine"] = "google"
    page = as_int(params.get("page"), 1) or 1
    out = {"searchParameters": sp}
    if typ == "news":
        out["news"] = serper_items(state, q, "news", num) if page == 1 else []
    else:
        items = serper_items(state, q, "search", num) if page == 1 else []
        norm = company_candidates(company_from_query(q))
        norm = norm[-1] if norm else ""
        h = h64("serper", norm)
        if items and h % 3 == 0 and page == 1:
            disp = company_display(norm)
            out["knowledgeGraph"] = {
                "title": disp, "type": "Company",
                "website": "https://www.%s.com/" % slugify(disp).replace("-", ""),
                "description": "%s is a company headquartered in %s." % (disp, CITIES[h % len(CITIES)][0]),
                "descriptionSource": "Wikipedia",
                "descriptionLink": "https://en.wikipedia.org/wiki/%s" % disp.replace(" ", "_"),
                "attributes": {"Founded": str(1950 + h % 74), "CEO": PERSONS[h % len(PERSONS)]}}
        out["organic"] = items
        if items:
            out["peopleAlsoAsk"] = [{"question": "Who owns %s?" % company_display(norm),
                                     "snippet": "...", "title": items[0]["title"],
                                     "link": items[0]["link"]}]
            out["relatedSearches"] = [{"query": "%s revenue" % norm}, {"query": "%s ceo" % norm}]
    ov = serper_data_entry(state, q)
    if isinstance(ov, dict):
        # a corrected query, in whichever shape the data gives (CONTRACTS §2 does not say)
        if isinstance(ov.get("searchParameters"), dict):
            sp.update(ov["searchParameters"])
        if "spelling" in ov:
            out["spelling"] = ov["spelling"]
    out["credits"] = 1
    return q, out


def h_serper(state, req, default_type):
    key = req.header("x-api-key")
    if key is None or key.strip() not in state.cfg.keys:
        raise Reply(403, jdump({"message": "Unauthorized.", "statusCode": 403}))
    body = req.json_body(default=None, err=lambda m: Reply(
        400, jdump({"message": "Invalid JSON body: %s" % m, "statusCode": 400})))
    if isinstance(body, list):
        with state.lock:
            batch = state.switches["serper_batch"]
        if not batch:
            raise Reply(400, jdump({"message": "Batch requests are not available on your plan",
                                    "statusCode": 400}))
        if not body or len(body) > 100:
            raise Reply(400, jdump({"message": "Batch must contain 1 to 100 queries",
                                    "statusCode": 400}))
        with state.lock:
            answer = state.switches["serper_batch_answer"]
        res = [serper_one(state, b, default_type) for b in body]
        if answer == "item_error" and len(res) > 1:
            # the second query failed on its own: not charged, not asked
            res[1] = (None, {"message": "Internal error", "statusCode": 500, "credits": 0})
        req.asked = [r[0] for r in res if r[0] is not None]
        state.add_credits("serper", sum(r[1]["credits"] for r in res))
        out = [r[1] for r in res]
        if answer == "short":
            out = out[:-1]
        elif answer == "reversed":
            out.reverse()
        return 200, out, {}
    params = {k: v[-1] for k, v in req.query().items()}
    if isinstance(body, dict):
        params.update(body)
    q, out = serper_one(state, params, default_type)
    req.asked = [q]
    state.add_credits("serper", out["credits"])
    return 200, out, {}


# ---------------------------------------------------------------------------
# DeepSeek
#
# Classification format (what serper-signals sends and what this fake answers).
#
# Request: POST /chat/completions (or /v1/chat/completions), Bearer key, body
#   {"model":"deepseek-flash","messages":[{"role":"system","content":"... json ..."},
#    {"role":"user","content":"<text, optional> {\"accounts\":[
#        {\"company\":\"Globex\",\"domain\":\"globex.com\",\"id\":\"301\",
#         \"items\":[{\"title\":\"...\",\"snippet\":\"...\",\"link\":\"https://...\",
#                     \"date\":\"3 days ago\"}]}]}"}],
#    "response_format":{"type":"json_object"},"thinking":{"type":"disabled"}}
# The LAST user message must contain that JSON object (a bare array of accounts is
# accepted too; leading/trailing prose is skipped). Per account the name is
# "company" (or "name", or "id"); items may be under "items", "results", "organic"
# or "news". With response_format json_object, some message must contain "json"
# (else 400, as the real API does).
#
# Answer: choices[0].message.content is a JSON string:
#   {"accounts":[{"company":"Globex","id":"301","domain":"globex.com",
#     "signals":[{"type":"funding","signal":"<item title>","source_url":"<item link>",
#                 "relevance":0.9,"date":"2026-03-03"}],
#     "summary":"Globex: 2 signals (funding, hiring). ...","score":0.45}]}
# Accounts come back in input order; "id"/"domain" are echoed only when given.
# One signal per item at most, by the first keyword rule that matches (priority:
# negative_press, layoff, regulatory, acquisition, funding, leadership_change, hiring,
# partnership, product_launch, expansion, award); items matching no rule give none.
# "date" is YYYY-MM-DD (relative dates resolved against today, UTC) or null.
# score = clamp(sum of type weights, -1, 1), rounded to 2 decimals.
# Any other user message: content {"result":null}.

SIGNAL_RULES = [
    ("negative_press", 0.7, -0.5, r"lawsuit|sued|\bsues\b|data breach|breach|investigation|scandal|"
                                  r"\bfined\b|\bfine\b|recall|outage|fraud"),
    ("layoff", 0.85, -0.6, r"layoffs?|lays off|laid off|job cuts|cut about|workforce reduction|"
                           r"restructuring|downsiz"),
    ("regulatory", 0.6, 0.1, r"regulatory|regulator|\bfda\b|approval|compliance|certification|licen[cs]e"),
    ("acquisition", 0.85, 0.3, r"acquires|acquired|acquisition|merger|to buy|buys\b"),
    ("funding", 0.9, 0.5, r"raises|raised|funding|series [a-f]\b|seed round|investment|valuation|ipo\b"),
    ("leadership_change", 0.8, 0.2, r"appoints|appointed|names new|new (ceo|cfo|cto|cro|coo)|"
                                    r"steps down|resigns|joins as|chief \w+ officer"),
    ("hiring", 0.75, 0.4, r"hiring|is hiring|recruit|job openings|headcount|add \d+ "),
    ("partnership", 0.65, 0.3, r"partners with|partnership|teams up|alliance|collaborat"),
    ("product_launch", 0.6, 0.3, r"launches|launched|unveil|introduces|new product|release"),
    ("expansion", 0.7, 0.4, r"opens new|new office|expands|expansion|new headquarters|enters"),
    ("award", 0.5, 0.1, r"award|wins\b|recognized|named a leader"),
]
RULES_RE = [(t, rel, w, re.compile(p, re.I)) for t, rel, w, p in SIGNAL_RULES]
MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                          "sep", "oct", "nov", "dec"])}


def norm_date(s):
    if s is None:
        return None
    s = str(s).strip().lower()
    today = now_utc()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        return m.group(0)
    m = re.match(r"^([a-z]{3})[a-z]*\.? (\d{1,2}), (\d{4})$", s)
    if m and m.group(1) in MONTHS:
        try:
            return dt.date(int(m.group(3)), MONTHS[m.group(1)], int(m.group(2))).isoformat()
        except ValueError:
            return None
    if s == "yesterday":
        return (today - dt.timedelta(days=1)).date().isoformat()
    m = re.match(r"^(\d+|an?) (minute|hour|day|week|month|year)s? ago$", s)
    if m:
        n = 1 if m.group(1) in ("a", "an") else int(m.group(1))
        days = {"minute": n / 1440, "hour": n / 24, "day": n, "week": 7 * n, "month": 30 * n,
                "year": 365 * n}[m.group(2)]
        return (today - dt.timedelta(days=days)).date().isoformat()
    return None


def classify_account(acc):
    name = acc.get("company") or acc.get("name") or acc.get("id") or ""
    items = None
    for k in ("items", "results", "organic", "news"):
        if isinstance(acc.get(k), list):
            items = acc[k]
            break
    signals = []
    for it in items or []:
        if not isinstance(it, dict):
            continue
        text = "%s %s" % (it.get("title") or "", it.get("snippet") or "")
        for t, rel, _w, rx in RULES_RE:
            if rx.search(text):
                sig = str(it.get("title") or it.get("snippet") or "").strip()[:200]
                signals.append({"type": t, "signal": sig,
                                "source_url": it.get("link") or it.get("source_url"),
                                "relevance": rel, "date": norm_date(it.get("date"))})
                break
    weights = {t: w for t, _r, w, _p in SIGNAL_RULES}
    score = round(max(-1.0, min(1.0, sum(weights[s["type"]] for s in signals))), 2)
    if signals:
        kinds = []
        for s in signals:
            if s["type"] not in kinds:
                kinds.append(s["type"])
        summary = "%s: %d signal%s (%s). Most notable: %s." % (
            name, len(signals), "" if len(signals) == 1 else "s", ", ".join(kinds),
            signals[0]["signal"])
    else:
        summary = "No notable signals found for %s." % name
    out = {"company": name}
    for k in ("id", "domain"):
        if k in acc:
            out[k] = acc[k]
    out.update({"signals": signals, "summary": summary, "score": score})
    return out


def find_accounts(text):
    """Find the accounts JSON in a user message; None if absent."""
    dec = json.JSONDecoder()
    cands = [text.strip()] if text.strip()[:1] in "{[" else []
    for m in re.finditer(r"[\[{]", text):
        cands.append(text[m.start():])
        if len(cands) > 200:
            break
    for c in cands:
        try:
            obj, _ = dec.raw_decode(c)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("accounts"), list):
            return [a for a in obj["accounts"] if isinstance(a, dict)]
        if isinstance(obj, list) and obj and all(isinstance(a, dict) for a in obj) and \
                any(any(k in a for k in ("items", "results", "organic", "news")) for a in obj):
            return obj
    return None


# Role questions (role-resolve --llm): the last user message holds
#   {"contacts":[{"id":"0","title":"...","current_title":"...","seniority":"...",
#                 "departments":[...],"crm_label":"..."}]}
# and the answer is {"contacts":[{"id":"0","role":"economic_buyer"|null}]}, in input order,
# by the first keyword rule below matching the title, current title or CRM label.
ROLE_RULES = [
    ("champion", r"champion"),
    ("blocker", r"legal|counsel|compliance|security review"),
    ("economic_buyer", r"procurement|purchasing|buyer|einkauf|compras"),
    ("influencer", r"consultant|advisor|adviser|partner"),
    ("end_user", r"\buser\b|operator|clerk"),
]
ROLE_RE = [(r, re.compile(p, re.I)) for r, p in ROLE_RULES]


def find_contacts(text):
    """The role questions in a user message; None if absent."""
    dec = json.JSONDecoder()
    for m in re.finditer(r"\{", text):
        try:
            obj, _ = dec.raw_decode(text[m.start():])
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("contacts"), list):
            return [c for c in obj["contacts"] if isinstance(c, dict)]
    return None


def classify_contact(c):
    text = " ".join(str(c.get(k) or "") for k in ("title", "current_title", "crm_label"))
    for role, rx in ROLE_RE:
        if rx.search(text):
            return {"id": c.get("id"), "role": role}
    return {"id": c.get("id"), "role": None}


def msg_text(m):
    c = m.get("content") if isinstance(m, dict) else None
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "".join(p.get("text", "") for p in c if isinstance(p, dict))
    return ""


def ds_error(status, message, typ="invalid_request_error"):
    return Reply(status, jdump({"error": {"message": message, "type": typ, "param": None,
                                          "code": "invalid_request_error"}}))


DS_MODELS = ("deepseek-flash", "deepseek-v4-flash", "deepseek-v4-pro")


def h_deepseek(state, req, fault):
    auth = req.header("authorization") or ""
    m = re.match(r"^\s*Bearer\s+(\S+)\s*$", auth, re.I)
    if not m or m.group(1) not in state.cfg.keys:
        tail = m.group(1)[-4:] if m else ""
        raise ds_error(401, "Authentication Fails, Your api key: ****%s is invalid" % tail,
                       "authentication_error")
    body = req.json_body(default=None, err=lambda e: ds_error(
        400, "Failed to deserialize the JSON body into the target type: %s" % e))
    if not isinstance(body, dict):
        raise ds_error(400, "Failed to deserialize the JSON body into the target type: "
                            "expected an object")
    model = body.get("model")
    req.asked = [str(model)]
    if model in ("deepseek-chat", "deepseek-reasoner"):
        raise ds_error(400, "The supported API model names are deepseek-v4-pro or "
                            "deepseek-v4-flash, but you passed %s." % model)
    if model not in DS_MODELS:
        raise ds_error(400, "Model Not Exist")
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs or not all(isinstance(x, dict) for x in msgs):
        raise ds_error(422, "Failed to deserialize the JSON body into the target type: messages: "
                            "invalid type, expected a non-empty sequence")
    rf = body.get("response_format")
    if isinstance(rf, dict) and rf.get("type") == "json_object" and \
            not any("json" in msg_text(x).lower() for x in msgs):
        raise ds_error(400, "Prompt must contain the word 'json' in some form to use "
                            "'response_format' of type 'json_object'.")
    user = [x for x in msgs if x.get("role") == "user"]
    accounts = find_accounts(msg_text(user[-1])) if user else None
    contacts = find_contacts(msg_text(user[-1])) if user and accounts is None else None
    if contacts is not None:
        res = [classify_contact(c) for c in contacts]
        if fault == "drop_company" and res:
            res = res[:-1]
        answer = {"contacts": res}
        with state.lock:
            state.asked.setdefault("deepseek.contacts", []).extend(
                str(c.get("title") or c.get("current_title") or c.get("crm_label") or "")
                for c in contacts)
    elif accounts is None:
        answer = {"result": None}
    else:
        res = [classify_account(a) for a in accounts]
        if fault == "drop_company" and res:
            res = res[:-1]
        answer = {"accounts": res}
        with state.lock:
            state.asked.setdefault("deepseek.accounts", []).extend(
                str(a.get("company") or a.get("name") or a.get("id") or "") for a in accounts)
    content = json.dumps(answer, ensure_ascii=False)
    if fault == "blank":
        content = "   "
    prompt_tokens = max(1, sum(len(msg_text(x)) for x in msgs) // 4 + 4 * len(msgs))
    completion_tokens = max(1, len(content) // 4)
    finish = "stop"
    mt = as_int(body.get("max_tokens"))
    if mt is not None and mt > 0 and completion_tokens > mt:
        content = content[: mt * 4]
        completion_tokens = mt
        finish = "length"
    message = {"role": "assistant", "content": content}
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
             "total_tokens": prompt_tokens + completion_tokens,
             "prompt_tokens_details": {"cached_tokens": 0},
             "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": prompt_tokens}
    thinking = body.get("thinking")
    if not (isinstance(thinking, dict) and thinking.get("type") == "disabled"):
        reasoning = "The user wants a JSON answer; classifying each item by keywords."
        message["reasoning_content"] = reasoning
        rt = len(reasoning) // 4
        usage["completion_tokens"] += rt
        usage["total_tokens"] += rt
        usage["completion_tokens_details"] = {"reasoning_tokens": rt}
    state.add_credits("deepseek", usage["total_tokens"])
    out = {"id": str(uuid.uuid4()), "object": "chat.completion", "created": int(time.time()),
           "model": model, "system_fingerprint": "fp_fake_prod0820",
           "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
           "usage": usage}
    if body.get("stream") is True:
        return 200, ("sse", out), {}
    return 200, out, {}


# ---------------------------------------------------------------------------
# HubSpot

DEAL_DEFAULT_PROPS = ["dealname", "amount", "closedate", "pipeline", "dealstage", "createdate",
                      "hs_lastmodifieddate", "hs_object_id"]
CONTACT_DEFAULT_PROPS = ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate",
                         "lastname"]
COMPANY_DEFAULT_PROPS = ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"]
OBJ_DEFAULTS = {"deals": DEAL_DEFAULT_PROPS, "contacts": CONTACT_DEFAULT_PROPS,
                "companies": COMPANY_DEFAULT_PROPS}
OBJ_LABEL = {"deals": "DEAL", "contacts": "CONTACT", "companies": "COMPANY"}


def hs_str(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


def builtin_hubspot():
    today = now_utc().replace(hour=17, minute=0, second=0, microsecond=0)
    deals_spec = [
        # id, name, stage, amount, company, contacts
        ("9000000001", "Globex - New Business", "closedwon", "25000", "301",
         [{"id": "201", "label": "Decision Maker"}, "202"]),
        ("9000000002", "Initech - Expansion", "closedlost", "12000", "302", ["203"]),
        ("9000000003", "Acme - Renewal", "closedwon", "48000", "303",
         [{"id": "204", "label": "Champion"}, "205"]),
        ("9000000004", "Umbrella - Pilot", "closedwon", None, "304", ["206"]),
        ("9000000005", "Globex - Services", "closedwon", "", "301", ["201"]),
        ("9000000006", "Hooli - Platform", "appointmentscheduled", "90000", "305", ["207"]),
    ]
    deals, dc, dco = [], {}, {}
    for i, (did, name, stage, amt, comp, contacts) in enumerate(deals_spec):
        close = today - dt.timedelta(days=12 + 23 * i)
        if stage == "appointmentscheduled":
            close = today + dt.timedelta(days=30)
        created = close - dt.timedelta(days=90)
        closed = stage in ("closedwon", "closedlost")
        deals.append({"id": did, "properties": {
            "dealname": name, "amount": amt, "closedate": close.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dealstage": stage, "pipeline": "default",
            "hs_is_closed_won": "true" if stage == "closedwon" else "false",
            "hs_is_closed": "true" if closed else "false",
            "createdate": iso_ms(created), "hs_lastmodifieddate": iso_ms(close),
            "hubspot_owner_id": "7001", "deal_currency_code": "USD"},
            "createdAt": iso_ms(created), "updatedAt": iso_ms(close)})
        dc[did] = contacts
        dco[did] = [comp]
    contacts = [
        ("201", "pat.ng@globex.com", "Pat", "Ng", "CFO"),
        ("202", "sam.lee@globex.com", "Sam", "Lee", "Head of IT"),
        ("203", "bill.lumbergh@initech.com", "Bill", "Lumbergh", "VP Operations"),
        ("204", "dana.lopez@acme.com", "Dana", "Lopez", "VP Sales"),
        ("205", "nobody.here@acme.com", "Nobody", "Here", "Analyst"),
        ("206", "locked.user@umbrella.io", "Lee", "Chan", "Director of Research"),
        ("207", "gavin.belson@hooli.com", "Gavin", "Belson", "CEO"),
    ]
    companies = [("301", "Globex", "globex.com", "OIL_ENERGY", "1600", "100000000"),
                 ("302", "Initech", "initech.com", "COMPUTER_SOFTWARE", "120", None),
                 ("303", "Acme", "acme.com", None, None, None),
                 ("304", "Umbrella", "umbrella.io", "BIOTECHNOLOGY", "5200", "900000000"),
                 ("305", "Hooli", "hooli.com", "INTERNET", "80000", None)]
    created = iso_ms(today - dt.timedelta(days=400))
    return {
        "deals": deals,
        "contacts": [{"id": c[0], "properties": {"email": c[1], "firstname": c[2], "lastname": c[3],
                                                 "jobtitle": c[4]},
                      "createdAt": created, "updatedAt": created} for c in contacts],
        "companies": [{"id": c[0], "properties": {"name": c[1], "domain": c[2], "industry": c[3],
                                                  "numberofemployees": c[4],
                                                  "annualrevenue": c[5]},
                       "createdAt": created, "updatedAt": created} for c in companies],
        "deal_contacts": dc, "deal_companies": dco,
    }


class HubSpotData:
    def __init__(self, raw):
        if not raw:
            raw = builtin_hubspot()
        self.objects = {}
        now = iso_ms(now_utc())
        for typ in ("deals", "contacts", "companies"):
            lst = []
            for rec in raw.get(typ) or []:
                rec = dict(rec)
                rid = str(rec.pop("id", rec.get("hs_object_id", "")))
                props = rec.get("properties") if isinstance(rec.get("properties"), dict) else \
                    {k: v for k, v in rec.items() if k not in ("createdAt", "updatedAt", "archived")}
                props = {k: hs_str(v) for k, v in props.items()}
                props["hs_object_id"] = rid
                created = rec.get("createdAt") or props.get("createdate") or now
                updated = rec.get("updatedAt") or props.get("hs_lastmodifieddate") or created
                props.setdefault("createdate", created)
                props.setdefault("hs_lastmodifieddate" if typ != "contacts" else "lastmodifieddate",
                                 updated)
                lst.append({"id": rid, "properties": props, "createdAt": created,
                            "updatedAt": updated, "archived": False})
            self.objects[typ] = lst
        self.by_id = {t: {o["id"]: o for o in lst} for t, lst in self.objects.items()}
        # deal id -> [(to id, [labels])]; an entry is "201" or {"id":"201","label":"Champion"}
        # ("labels":[...] for several); a deal's first company is its "Primary" one
        self.assoc = {}
        for key, typ in (("deal_contacts", "contacts"), ("deal_companies", "companies")):
            m = raw.get(key) or {}
            self.assoc[typ] = {}
            for k, v in m.items():
                lst = []
                for i, x in enumerate(v or []):
                    if isinstance(x, dict):
                        labels = x.get("labels") or ([x["label"]] if x.get("label") else [])
                        lst.append((str(x.get("id")), [str(l) for l in labels]))
                    else:
                        lst.append((str(x), []))
                    if typ == "companies" and i == 0 and "Primary" not in lst[-1][1]:
                        lst[-1][1].insert(0, "Primary")
                self.assoc[typ][str(k)] = lst
        self.pipelines = raw.get("pipelines") or builtin_pipelines()


def builtin_pipelines():
    stages = [("appointmentscheduled", "Appointment Scheduled", "0.2", "false"),
              ("qualifiedtobuy", "Qualified To Buy", "0.4", "false"),
              ("presentationscheduled", "Presentation Scheduled", "0.6", "false"),
              ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", "false"),
              ("contractsent", "Contract Sent", "0.9", "false"),
              ("closedwon", "Closed Won", "1.0", "true"),
              ("closedlost", "Closed Lost", "0.0", "true")]
    return [{"id": "default", "label": "Sales Pipeline", "displayOrder": 0,
             "stages": [{"id": i, "label": l, "displayOrder": n,
                         "metadata": {"isClosed": c, "probability": p}}
                        for n, (i, l, p, c) in enumerate(stages)]}]


def hs_assoc_types(to_typ, labels):
    """v4 association types: the unlabeled default, then one entry per label."""
    out = [{"category": "HUBSPOT_DEFINED", "typeId": 3 if to_typ == "contacts" else 341,
            "label": None}]
    for label in labels:
        if label == "Primary" and to_typ == "companies":
            out.append({"category": "HUBSPOT_DEFINED", "typeId": 5, "label": "Primary"})
        else:
            out.append({"category": "USER_DEFINED", "typeId": 100 + h64(label) % 900,
                        "label": label})
    return out


def h_hs_pipelines(state, req):
    hs_auth(state, req)
    created = "2024-01-01T00:00:00.000Z"
    out = []
    for p in state.hubspot.pipelines:
        p = copy.deepcopy(p)
        for st in p.get("stages") or []:
            md = st.setdefault("metadata", {})
            for k in list(md):
                md[k] = hs_str(md[k])
            st.setdefault("createdAt", created)
            st.setdefault("updatedAt", created)
            st.setdefault("archived", False)
            st.setdefault("writePermissions", "CRM_PERMISSIONS_ENFORCEMENT")
        p.setdefault("createdAt", created)
        p.setdefault("updatedAt", created)
        p.setdefault("archived", False)
        out.append(p)
    req.asked = ["pipelines deals"]
    return 200, {"results": out}, {}


def hs_error(status, message, category, **extra):
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4())}
    body.update(extra)
    body["category"] = category
    return Reply(status, jdump(body))


def hs_auth(state, req):
    auth = req.header("authorization") or ""
    m = re.match(r"^\s*Bearer\s+(\S+)\s*$", auth, re.I)
    if not m:
        raise hs_error(401, "Authentication credentials not found. This API supports OAuth 2.0 "
                            "authentication and you can find more details at "
                            "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                       "INVALID_AUTHENTICATION")
    if m.group(1) not in state.cfg.keys:
        raise hs_error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")


def hs_body(req):
    body = req.json_body(default=None, err=lambda e: hs_error(
        400, "Invalid input JSON on line 1: %s" % e, "VALIDATION_ERROR"))
    if not isinstance(body, dict):
        raise hs_error(400, "Invalid input JSON: expected an object", "VALIDATION_ERROR")
    return body


def to_num(v):
    """Number for comparisons: numbers, epoch-ms strings and ISO dates/datetimes."""
    if v is None:
        return None
    s = str(v).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", s):
        return float(s)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
                     r"(Z|[+-]\d{2}:?\d{2})?", s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hh, mi, ss = int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0)
        frac = float("0." + m.group(7)) if m.group(7) else 0.0
        try:
            t = dt.datetime(y, mo, d, hh, mi, ss, tzinfo=dt.timezone.utc)
        except ValueError:
            return None
        return t.timestamp() * 1000 + frac * 1000
    return None


def hs_cmp(a, b):
    na, nb = to_num(a), to_num(b)
    if na is not None and nb is not None:
        return (na > nb) - (na < nb)
    a, b = str(a).lower(), str(b).lower()
    return (a > b) - (a < b)


def hs_filter_ok(obj, f):
    prop = f.get("propertyName")
    op = str(f.get("operator") or "EQ").upper()
    val = obj["properties"].get(prop)
    if prop == "hs_object_id" or prop == "id":
        val = obj["id"]
    has = val not in (None, "")
    if op == "HAS_PROPERTY":
        return has
    if op == "NOT_HAS_PROPERTY":
        return not has
    if op in ("IN", "NOT_IN"):
        vals = [str(x).lower() for x in (f.get("values") or [])]
        inn = has and str(val).lower() in vals
        return inn if op == "IN" else not inn
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        tok = str(f.get("value") or "").lower().strip("*")
        c = has and tok in str(val).lower()
        return c if op == "CONTAINS_TOKEN" else not c
    if op == "BETWEEN":
        return has and hs_cmp(val, f.get("value")) >= 0 and hs_cmp(val, f.get("highValue")) <= 0
    if op == "NEQ":
        return not has or hs_cmp(val, f.get("value")) != 0
    if not has:
        return False
    c = hs_cmp(val, f.get("value"))
    return {"EQ": c == 0, "LT": c < 0, "LTE": c <= 0, "GT": c > 0, "GTE": c >= 0}.get(op, False)


def hs_render(obj, typ, props):
    want = list(OBJ_DEFAULTS[typ]) if not props else list(props) + ["hs_object_id", "createdate"] + (
        ["hs_lastmodifieddate"] if typ != "contacts" else ["lastmodifieddate"])
    if typ == "deals":
        want = list(dict.fromkeys(DEAL_DEFAULT_PROPS + list(props or [])))
    out = {}
    for p in dict.fromkeys(want):
        out[p] = obj["properties"].get(p)
    return {"id": obj["id"], "properties": out, "createdAt": obj["createdAt"],
            "updatedAt": obj["updatedAt"], "archived": False}


def h_hs_search(state, req, typ):
    hs_auth(state, req)
    if len(req.body) > 3000:
        raise hs_error(400, "Request body must be no longer than 3000 characters",
                       "VALIDATION_ERROR")
    body = hs_body(req)
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list) or len(groups) > 5:
        raise hs_error(400, "Too many filter groups (max 5)", "VALIDATION_ERROR")
    nf = 0
    for g in groups:
        fl = g.get("filters") or [] if isinstance(g, dict) else []
        if len(fl) > 6:
            raise hs_error(400, "Too many filters in a group (max 6)", "VALIDATION_ERROR")
        if not all(isinstance(f, dict) and f.get("propertyName") for f in fl):
            raise hs_error(400, "Each filter needs a propertyName", "VALIDATION_ERROR")
        nf += len(fl)
    if nf > 18:
        raise hs_error(400, "Too many filters (max 18)", "VALIDATION_ERROR")
    sorts = body.get("sorts") or []
    if len(sorts) > 1:
        raise hs_error(400, "Only one sort is allowed", "VALIDATION_ERROR")
    limit = as_int(body.get("limit"), 10)
    if limit is None or limit < 1 or limit > 200:
        raise hs_error(400, "limit must be between 1 and 200 (got %s)" % body.get("limit"),
                       "VALIDATION_ERROR")
    after = as_int(body.get("after") if body.get("after") not in (None, "") else 0)
    if after is None or after < 0:
        raise hs_error(400, "after must be a non-negative integer string", "VALIDATION_ERROR")
    with state.lock:
        cap = state.switches["hubspot_search_cap"]
    if after + limit > cap:
        raise hs_error(400, "The maximum number of results for a search is %s" % format(cap, ","),
                       "VALIDATION_ERROR")
    req.asked = ["%s/search after=%d" % (typ, after)]
    objs = state.hubspot.objects[typ]
    if groups:
        objs = [o for o in objs if any(all(hs_filter_ok(o, f) for f in (g.get("filters") or []))
                                       for g in groups if isinstance(g, dict))]
    query = str(body.get("query") or "").strip().lower()
    if query:
        objs = [o for o in objs if any(query in str(v).lower() for v in o["properties"].values()
                                       if v)]
    if sorts:
        s = sorts[0] if isinstance(sorts[0], dict) else {"propertyName": str(sorts[0])}
        prop = s.get("propertyName")
        desc = str(s.get("direction", "ASCENDING")).upper().startswith("DESC")

        def sk(o):
            v = o["id"] if prop in ("hs_object_id", "id") else o["properties"].get(prop)
            n = to_num(v)
            return (v is None, n if n is not None else 0, str(v or "").lower())
        objs = sorted(objs, key=sk, reverse=desc)
    else:
        objs = sorted(objs, key=lambda o: (to_num(o["id"]) or 0, o["id"]))
    page = objs[after: after + limit]
    props = body.get("properties") or []
    out = {"total": len(objs), "results": [hs_render(o, typ, props) for o in page]}
    if after + limit < len(objs):
        out["paging"] = {"next": {"after": str(after + limit),
                                  "link": "?after=%d" % (after + limit)}}
    return 200, out, {}


def h_hs_assoc(state, req, to_typ):
    hs_auth(state, req)
    body = hs_body(req)
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or len(inputs) > 1000:
        raise hs_error(400, "inputs must be an array of at most 1000 objects", "VALIDATION_ERROR")
    started = now_utc()
    results = []
    ids = []
    # v4 gives toObjectId as a number, the dated versions (2026-03) as a string
    v4 = req.path.startswith("/crm/v4/")
    for inp in inputs:
        did = str(inp.get("id") if isinstance(inp, dict) else inp)
        ids.append(did)
        to = state.hubspot.assoc[to_typ].get(did) or []
        if not to:
            continue
        results.append({"from": {"id": did},
                        "to": [{"toObjectId": as_int(t, t) if v4 else str(t),
                                "associationTypes": hs_assoc_types(to_typ, labels)}
                               for t, labels in to]})
    req.asked = ["deals->%s %s" % (to_typ, i) for i in ids]
    return 200, {"status": "COMPLETE", "results": results, "startedAt": iso_ms(started),
                 "completedAt": iso_ms(now_utc())}, {}


def h_hs_batch_read(state, req, typ):
    hs_auth(state, req)
    body = hs_body(req)
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or len(inputs) > 100:
        raise hs_error(400, "inputs must be an array of at most 100 objects", "VALIDATION_ERROR")
    idprop = body.get("idProperty")
    props = body.get("properties") or []
    started = now_utc()
    results, missing, ids = [], [], []
    for inp in inputs:
        rid = str(inp.get("id") if isinstance(inp, dict) else inp)
        ids.append(rid)
        if idprop:
            obj = next((o for o in state.hubspot.objects[typ]
                        if str(o["properties"].get(idprop) or "").lower() == rid.lower()), None)
        else:
            obj = state.hubspot.by_id[typ].get(rid)
        if obj is None:
            missing.append(rid)
        else:
            results.append(hs_render(obj, typ, props))
    req.asked = ["%s %s" % (typ, i) for i in ids]
    out = {"status": "COMPLETE", "results": results, "startedAt": iso_ms(started),
           "completedAt": iso_ms(now_utc())}
    if missing:
        out["numErrors"] = 1
        out["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                          "message": "Could not get some %s objects, they may be deleted or not "
                                     "exist. Check that ids are valid." % OBJ_LABEL[typ],
                          "context": {"ids": missing}}]
        return 207, out, {}
    return 200, out, {}


def h_hs_get(state, req, typ, rid):
    hs_auth(state, req)
    q = req.query()
    req.asked = ["%s %s" % (typ, rid)]
    obj = state.hubspot.by_id[typ].get(rid)
    if obj is None:
        raise hs_error(404, "Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND",
                       context={"id": [rid]})
    props = [p for v in q.get("properties", []) for p in v.split(",") if p]
    out = hs_render(obj, typ, props)
    assocs = [a for v in q.get("associations", []) for a in v.split(",") if a]
    if typ == "deals" and assocs:
        out_assoc = {}
        for a in assocs:
            a = a.strip().lower()
            to = state.hubspot.assoc.get(a, {}).get(rid) or []
            if to:
                kind = "deal_to_contact" if a == "contacts" else "deal_to_company"
                out_assoc[a] = {"results": [{"id": t, "type": kind} for t, _ in to]}
        if out_assoc:
            out["associations"] = out_assoc
    return 200, out, {}


# ---------------------------------------------------------------------------
# Salesforce (OAuth refresh-token flow, SOQL query of Opportunities)

SF_API_VERSION_RE = r"v\d+\.\d"


def sf_dt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+0000" % (t.microsecond // 1000)


def builtin_salesforce():
    today = now_utc().replace(hour=17, minute=0, second=0, microsecond=0)
    accounts = {
        "0015g00000Acc001": {"Id": "0015g00000Acc001", "Name": "Globex", "Website": "https://www.globex.com",
                             "Industry": "Energy", "NumberOfEmployees": 1600, "AnnualRevenue": 1.0E8,
                             "BillingCountry": "United States"},
        "0015g00000Acc002": {"Id": "0015g00000Acc002", "Name": "Initech", "Website": "initech.com",
                             "Industry": None, "NumberOfEmployees": None, "AnnualRevenue": None,
                             "BillingCountry": None},
        "0015g00000Acc003": {"Id": "0015g00000Acc003", "Name": "Acme", "Website": "acme.com",
                             "Industry": "Technology", "NumberOfEmployees": 450, "AnnualRevenue": None,
                             "BillingCountry": "Canada"},
    }

    def role(role, primary, cid, email, first, last, title):
        return {"Role": role, "IsPrimary": primary,
                "Contact": {"Id": cid, "Email": email, "FirstName": first, "LastName": last,
                            "Title": title}}
    spec = [
        # id, name, stage, amount, account, roles (None: no roles), days since close
        ("0065g00000Opp001", "Globex - Platform", "Closed Won", 25000.0, "0015g00000Acc001",
         [role("Economic Buyer", True, "0035g00000Con001", "pat.ng@globex.com", "Pat", "Ng", "CFO"),
          role(None, False, "0035g00000Con002", "sam.lee@globex.com", "Sam", "Lee", "Head of IT")], 10),
        ("0065g00000Opp002", "Initech - Expansion", "Closed Lost", None, "0015g00000Acc002", None, 40),
        ("0065g00000Opp003", "Acme - Renewal", "Closed Won", 48000.0, "0015g00000Acc003",
         [role("Technical Buyer", True, "0035g00000Con003", "dana.lopez@acme.com", "Dana", "Lopez",
               "VP Engineering")], 70),
        ("0065g00000Opp004", "Acme - Services", "Closed Won", 9000.0, "0015g00000Acc003",
         [role("Decision Maker", False, "0035g00000Con003", "dana.lopez@acme.com", "Dana", "Lopez",
               "VP Engineering")], 100),
        ("0065g00000Opp005", "Globex - Pilot", "Negotiation/Review", 5000.0, "0015g00000Acc001", None, -20),
    ]
    opps = []
    for oid, name, stage, amount, acc, roles, days in spec:
        close = today - dt.timedelta(days=days)
        closed = stage.startswith("Closed")
        opps.append({"Id": oid, "Name": name, "Amount": amount, "CloseDate": close.strftime("%Y-%m-%d"),
                     "StageName": stage, "IsClosed": closed, "IsWon": stage == "Closed Won",
                     "LastModifiedDate": sf_dt(min(close, today) + dt.timedelta(minutes=5)),
                     "Owner": {"Name": "Jo Smith"}, "Account": copy.deepcopy(accounts.get(acc)),
                     "OpportunityContactRoles": roles})
    return {"opportunities": opps}


class SalesforceData:
    def __init__(self, raw):
        if not raw:
            raw = builtin_salesforce()
        self.opportunities = [copy.deepcopy(o) for o in raw.get("opportunities") or []]


def sf_attrs(typ, rid):
    return {"type": typ, "url": "/services/data/v60.0/sobjects/%s/%s" % (typ, rid or "x")}


def sf_render(opp):
    """An Opportunity as the query answers it: attributes on every object, child rows wrapped."""
    out = {"attributes": sf_attrs("Opportunity", opp.get("Id"))}
    for k, v in opp.items():
        if k == "OpportunityContactRoles":
            if not v:
                out[k] = None
                continue
            recs = []
            for r in v:
                r = dict(r)
                c = r.get("Contact")
                if isinstance(c, dict):
                    r["Contact"] = dict({"attributes": sf_attrs("Contact", c.get("Id"))}, **c)
                recs.append(dict({"attributes": sf_attrs("OpportunityContactRole", None)}, **r))
            out[k] = {"totalSize": len(recs), "done": True, "records": recs}
        elif isinstance(v, dict):
            typ = "User" if k == "Owner" else k
            out[k] = dict({"attributes": sf_attrs(typ, v.get("Id"))}, **v)
        else:
            out[k] = v
    return out


def sf_error(status, code, message):
    return Reply(status, jdump([{"message": message, "errorCode": code}]))


SOQL_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<dt>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2}))"
                        r"|(?P<date>\d{4}-\d{2}-\d{2})|(?P<num>-?\d+(?:\.\d+)?)"
                        r"|(?P<op><=|>=|!=|<>|=|<|>|\(|\))|(?P<lit>[A-Za-z_]+:\d+)"
                        r"|(?P<id>[A-Za-z_][A-Za-z0-9_.]*))")


def soql_tokens(text):
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = SOQL_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise sf_error(400, "MALFORMED_QUERY", "unexpected token at: %s" % text[pos:pos + 20])
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def soql_value(tok):
    kind, v = tok
    if kind == "str":
        return ("s", v[1:-1].replace("\\'", "'"))
    if kind in ("dt", "date", "num"):
        return ("n", to_num(v.replace("+0000", "Z")))
    if kind == "lit":
        name, n = v.split(":")
        if name.upper() != "LAST_N_MONTHS":
            raise sf_error(400, "MALFORMED_QUERY", "unsupported date literal %s" % v)
        # from the first day of the month N months ago to the end of last month
        t = now_utc()
        y, m = t.year, t.month - int(n)
        while m < 1:
            y, m = y - 1, m + 12
        lo = dt.datetime(y, m, 1, tzinfo=dt.timezone.utc).timestamp() * 1000
        hi = dt.datetime(t.year, t.month, 1, tzinfo=dt.timezone.utc).timestamp() * 1000 - 1
        return ("r", (lo, hi))
    low = v.lower()
    if low in ("true", "false"):
        return ("b", low == "true")
    if low == "null":
        return ("null", None)
    raise sf_error(400, "MALFORMED_QUERY", "unexpected %s" % v)


def soql_field(rec, path):
    v = rec
    for part in path.split("."):
        if not isinstance(v, dict):
            return None
        v = next((x for k, x in v.items() if k.lower() == part.lower()), None)
    return v


def soql_where(tokens):
    """A predicate over records from WHERE's tokens: comparisons, AND, OR, NOT, parentheses."""
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else (None, None)

    def take():
        t = peek()
        pos[0] += 1
        return t

    def primary():
        t = peek()
        if t == ("op", "("):
            take()
            e = disj()
            if take() != ("op", ")"):
                raise sf_error(400, "MALFORMED_QUERY", "missing )")
            return e
        if t[0] == "id" and t[1].upper() == "NOT":
            take()
            e = primary()
            return lambda r: not e(r)
        if t[0] != "id":
            raise sf_error(400, "MALFORMED_QUERY", "expected a field, got %s" % t[1])
        field = take()[1]
        op = take()
        if op[0] != "op" or op[1] in ("(", ")"):
            raise sf_error(400, "MALFORMED_QUERY", "expected an operator after %s" % field)
        kind, val = soql_value(take())
        o = op[1]

        def cmp(r):
            v = soql_field(r, field)
            if kind == "null":
                return (v is None) == (o == "=") if o in ("=", "!=", "<>") else False
            if v is None:
                return o in ("!=", "<>")
            if kind == "b":
                eq = bool(v) == val
                return eq if o == "=" else not eq
            if kind == "r":
                n = to_num(str(v).replace("+0000", "Z"))
                inside = n is not None and val[0] <= n <= val[1]
                return inside if o == "=" else not inside
            if kind == "s":
                a, b = str(v).lower(), val.lower()
            else:
                a, b = to_num(str(v).replace("+0000", "Z")), val
                if a is None:
                    return False
            return {"=": a == b, "!=": a != b, "<>": a != b, "<": a < b, "<=": a <= b,
                    ">": a > b, ">=": a >= b}[o]
        return cmp

    def conj():
        e = primary()
        while peek()[0] == "id" and peek()[1].upper() == "AND":
            take()
            a, b = e, primary()
            e = (lambda a, b: lambda r: a(r) and b(r))(a, b)
        return e

    def disj():
        e = conj()
        while peek()[0] == "id" and peek()[1].upper() == "OR":
            take()
            a, b = e, conj()
            e = (lambda a, b: lambda r: a(r) or b(r))(a, b)
        return e

    if not tokens:
        return lambda r: True
    e = disj()
    if pos[0] != len(tokens):
        raise sf_error(400, "MALFORMED_QUERY", "unexpected %s" % peek()[1])
    return e


SOQL_RE = re.compile(r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)"
                     r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>[\w.]+)"
                     r"(?:\s+(?P<dir>ASC|DESC))?)?(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$", re.I | re.S)


def soql_run(state, q):
    sub = re.search(r"\(\s*SELECT\s.+?\sFROM\s+(\w+)\s*\)", q, re.I | re.S)
    if sub and sub.group(1) != "OpportunityContactRoles":
        raise sf_error(400, "INVALID_TYPE", "Didn't understand relationship '%s' in FROM part of "
                                            "query call." % sub.group(1))
    main = q[:sub.start()] + q[sub.end():] if sub else q
    m = SOQL_RE.match(main)
    if not m:
        raise sf_error(400, "MALFORMED_QUERY", "unexpected token: %s" % q[:40])
    if m.group("obj") != "Opportunity":
        raise sf_error(400, "INVALID_TYPE", "sObject type '%s' is not supported." % m.group("obj"))
    with state.lock:
        multi = state.switches["salesforce_multi_currency"]
    if not multi and re.search(r"\bCurrencyIsoCode\b", q):
        raise sf_error(400, "INVALID_FIELD", "\nSELECT Id, CurrencyIsoCode\n           ^\nERROR at Row:1:"
                                             "Column:12\nNo such column 'CurrencyIsoCode' on entity "
                                             "'Opportunity'.")
    pred = soql_where(soql_tokens(m.group("where") or ""))
    recs = [o for o in state.salesforce.opportunities if pred(o)]
    if m.group("order"):
        f = m.group("order")

        def sk(o):
            v = soql_field(o, f)
            n = to_num(str(v).replace("+0000", "Z")) if v is not None else None
            return (v is None, n if n is not None else 0, str(v or "").lower())
        recs.sort(key=sk, reverse=(m.group("dir") or "").upper() == "DESC")
    if m.group("limit"):
        recs = recs[:int(m.group("limit"))]
    if re.fullmatch(r"\s*COUNT\(\s*\)\s*", m.group("fields"), re.I):
        return len(recs), []
    return len(recs), [sf_render(o) for o in recs]


def sf_auth(state, req):
    auth = req.header("authorization") or ""
    mt = re.match(r"^\s*(?:Bearer|OAuth)\s+(\S+)\s*$", auth, re.I)
    hdr, err = state.sf_take(mt.group(1) if mt else "")
    if err == "session":
        raise Reply(401, jdump([{"message": "Session expired or invalid",
                                 "errorCode": "INVALID_SESSION_ID"}]), headers=hdr)
    if err == "limit":
        raise Reply(403, jdump([{"message": "TotalRequests Limit exceeded.",
                                 "errorCode": "REQUEST_LIMIT_EXCEEDED"}]), headers=hdr)
    return hdr


def sf_page(state, locator, recs, offset, batch):
    page = recs[offset: offset + batch]
    out = {"totalSize": len(recs), "done": offset + batch >= len(recs), "records": page}
    if not out["done"]:
        with state.lock:
            state.sf_cursors[locator] = (recs, batch)
        out["nextRecordsUrl"] = "/services/data/v60.0/query/%s-%d" % (locator, offset + batch)
    return out


def h_sf_query(state, req):
    hdr = sf_auth(state, req)
    q = (req.query().get("q") or [""])[-1]
    if not q.strip():
        raise sf_error(400, "MALFORMED_QUERY", "q: the query is empty")
    req.asked = ["query"]
    total, recs = soql_run(state, q)
    m = re.search(r"batchSize\s*=\s*(\d+)", req.header("Sforce-Query-Options") or "")
    batch = min(2000, max(200, int(m.group(1)))) if m else 2000
    with state.lock:
        if state.switches["salesforce_batch_size"] > 0:
            batch = state.switches["salesforce_batch_size"]
    locator = "01gFAKE" + hexid(q, time.time(), n=11).upper()
    out = sf_page(state, locator, recs, 0, batch)
    out["totalSize"] = total
    return 200, out, hdr


def h_sf_more(state, req, locator, offset):
    hdr = sf_auth(state, req)
    req.asked = ["query more"]
    with state.lock:
        cur = state.sf_cursors.get(locator)
    if cur is None:
        raise sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return 200, sf_page(state, locator, cur[0], offset, cur[1]), hdr


def h_sf_token(state, req):
    form = {k: v[-1] for k, v in parse_qs(req.body.decode("utf-8", "replace"),
                                          keep_blank_values=True).items()}
    req.asked = ["token"]
    if form.get("grant_type") != "refresh_token":
        raise Reply(400, jdump({"error": "unsupported_grant_type",
                                "error_description": "grant type not supported"}))
    if form.get("client_id") != SF_CLIENT_ID:
        raise Reply(400, jdump({"error": "invalid_client_id",
                                "error_description": "client identifier invalid"}))
    if form.get("client_secret") != SF_CLIENT_SECRET:
        raise Reply(400, jdump({"error": "invalid_client",
                                "error_description": "invalid client credentials"}))
    if form.get("refresh_token") != SF_REFRESH_TOKEN:
        raise Reply(400, jdump({"error": "invalid_grant",
                                "error_description": "expired access/refresh token"}))
    token = "00DFAKE000001!" + hexid(uuid.uuid4(), n=40)
    with state.lock:
        state.sf_tokens[token] = 0
    host = req.header("host") or "127.0.0.1"
    t = int(time.time() * 1000)
    return 200, {"access_token": token, "signature": hexid(token, n=20), "scope": "refresh_token api",
                 "instance_url": "http://%s" % host,
                 "id": "http://%s/id/00DFAKE000001/0055g00000User01" % host,
                 "token_type": "Bearer", "issued_at": str(t)}, {}


# ---------------------------------------------------------------------------
# LinkedIn (Fresh LinkedIn Profile Data on RapidAPI)

def li_auth(state, req):
    key = req.header("x-rapidapi-key")
    host = req.header("x-rapidapi-host")
    if key is None or key.strip() not in state.cfg.keys or \
            (host is not None and host.strip().lower() != LI_HOST):
        raise Reply(403, jdump({"message": "You are not subscribed to this API."}))


def li_headers():
    return {"x-ratelimit-requests-limit": "1000", "x-ratelimit-requests-remaining": "999",
            "x-ratelimit-requests-reset": "2592000"}


LI_HOST = "fresh-linkedin-profile-data.p.rapidapi.com"


def li_slug(url):
    """The profile's public id, lowercased, from a URL (or a bare slug); None when there is none."""
    u = str(url).strip()
    m = re.search(r"/in/([^/?#]+)", u)
    if m:
        return unquote(m.group(1)).lower()
    return u.lower() if re.fullmatch(r"[A-Za-z0-9_.%-]+", u) else None


def li_exp(title, comp, domain, sy, sm, ey, em, current, h):
    return {"title": title, "company": comp, "company_id": str(1000 + h % 9000),
            "company_linkedin_url": "https://www.linkedin.com/company/%s" % slugify(comp),
            "date_range": "%s%d - %s" % ("%s " % dt.date(2000, sm, 1).strftime("%b") if sm else "",
                                         sy, "Present" if current else ey),
            "duration": "", "start_month": sm or "", "start_year": sy,
            "end_month": em or "", "end_year": ey if not current else "",
            "is_current": current, "location": "", "description": "", "job_type": "", "skills": ""}


def li_profile(slug):
    """A deterministic profile. In the slug, "-at-<word>" names the current company
    (<Word>, <word>.com), "-was-<word>" a past one, "-since-YYYY-MM" the start of the
    current role; otherwise they come from a hash."""
    h = h64("li", slug)
    at = re.search(r"-at-([a-z0-9]+)", slug)
    was = re.search(r"-was-([a-z0-9]+)", slug)
    since = re.search(r"-since-(\d{4})-(\d{1,2})", slug)
    base = re.split(r"-(?:at|was|since)-", slug)[0]
    parts = [p for p in re.split(r"[-_]+", base) if p and not re.fullmatch(r"[0-9a-f]{4,}|\d+", p)]
    first = parts[0].capitalize() if parts else "Alex"
    last = parts[1].capitalize() if len(parts) > 1 else LAST_NAMES[h % len(LAST_NAMES)]
    title, *_ = TITLES[h % len(TITLES)]
    comp = at.group(1).capitalize() if at else ["Acme", "Globex", "Initech", "Umbrella", "Hooli"][(h >> 5) % 5]
    domain = "%s.com" % comp.lower()
    past = was.group(1).capitalize() if was else PAST_ORGS[(h >> 9) % len(PAST_ORGS)]
    city, st, country = CITIES[(h >> 13) % len(CITIES)]
    if since:
        sy, sm = int(since.group(1)), max(1, min(12, int(since.group(2))))
    else:
        sy, sm = 2015 + (h >> 17) % 10, 1 + (h >> 21) % 12
    today = now_utc().date()
    months = max(0, (today.year - sy) * 12 + today.month - sm)
    dur = "%d yrs %d mos" % (months // 12, months % 12)
    cur = li_exp(title, comp, domain, sy, sm, "", "", True, h)
    cur["duration"] = dur
    cur["location"] = "%s, %s" % (city, st)
    old = li_exp("Manager", past, None, sy - 4, None, sy, None, False, h >> 3)
    old["duration"] = "4 yrs"
    return {
        "full_name": "%s %s" % (first, last), "first_name": first, "last_name": last,
        "headline": "%s at %s" % (title, comp), "job_title": title, "company": comp,
        "company_domain": domain,
        "company_linkedin_url": "https://www.linkedin.com/company/%s" % comp.lower(),
        "company_industry": "Software Development", "company_employee_range": "1001-5000",
        "company_year_founded": "", "current_company_join_month": sm,
        "current_company_join_year": sy, "current_job_duration": dur,
        "location": "%s, %s, %s" % (city, st, country), "city": city, "state": st,
        "country": country, "linkedin_url": "https://www.linkedin.com/in/%s/" % slug,
        "public_id": slug, "profile_id": str(10_000_000 + h % 90_000_000),
        "urn": "ACoAA" + hexid("urn", slug, n=20), "follower_count": 100 + h % 5000,
        "connection_count": 500, "email": "", "phone": "", "about": "",
        "experiences": [cur, old],
        "educations": [{"school": "State University", "degree": "BA", "field_of_study": "Economics",
                        "date_range": "%d - %d" % (sy - 10, sy - 6), "start_month": "",
                        "start_year": sy - 10, "end_month": "", "end_year": sy - 6}],
    }


def h_li_person(state, req, old_path):
    li_auth(state, req)
    with state.lock:
        gone = state.switches["linkedin_old_path_gone"] if old_path else \
            state.switches["linkedin_new_path_missing"]
    if gone:   # RapidAPI's gateway for a path the API no longer (or not yet) has
        raise Reply(404, jdump({"message": "Endpoint '%s' does not exist" % req.path}))
    q = {k: v[-1] for k, v in req.query().items()}
    url = (q.get("linkedin_url") or "").strip()
    if not url:
        raise Reply(400, jdump({"message": "linkedin_url is required"}))
    req.asked = [url.lower()]
    if not re.search(r"/in/([^/?#]+)", url):
        raise Reply(400, jdump({"message": "Invalid linkedin_url"}))
    slug = li_slug(url)
    if slug in state.linkedin_profiles:
        data = state.linkedin_profiles[slug]
        if data is None:
            raise Reply(404, jdump({"message": "Profile not found"}))
    elif "nobody" in slug or "missing" in slug:
        raise Reply(404, jdump({"message": "Profile not found"}))
    else:
        data = li_profile(slug)
    data = dict(data)
    if as_bool(q.get("include_skills", "false")):
        data["skills"] = "Sales|Negotiation|Leadership"
    state.add_credits("linkedin", 1)
    return 200, {"data": data, "message": "ok"}, li_headers()


def h_li_company(state, req):
    li_auth(state, req)
    q = {k: v[-1] for k, v in req.query().items()}
    domain = re.sub(r"^(https?://)?(www\.)?", "", (q.get("domain") or "").strip().lower()).split("/")[0]
    if not domain:
        raise Reply(400, jdump({"message": "domain is required"}))
    req.asked = [domain]
    if domain.startswith("nobody") or domain.startswith("missing"):
        raise Reply(404, jdump({"message": "Company not found"}))
    org = apollo_org(domain)
    emp = org["estimated_num_employees"]
    rng = next(r for lim, r in ((10, "2-10"), (50, "11-50"), (200, "51-200"), (500, "201-500"),
                                (1000, "501-1000"), (5000, "1001-5000"), (10000, "5001-10000"),
                                (10 ** 12, "10001+")) if emp <= lim)
    data = {"company_id": org["linkedin_uid"], "company_name": org["name"], "domain": domain,
            "website": org["website_url"], "linkedin_url": org["linkedin_url"].replace(
                "http://www.", "https://www.") + "/",
            "industries": [title_words(org["industry"])], "employee_count": emp + 50,
            "employee_range": rng, "year_founded": org["founded_year"] or "",
            "follower_count": emp * 30, "hq_city": org["city"], "hq_region": org["state"],
            "hq_country": {"United States": "US", "United Kingdom": "GB", "Germany": "DE",
                           "Canada": "CA"}.get(org["country"], ""),
            "specialties": ", ".join(org["keywords"]), "description": org["short_description"],
            "funding_info": {"crunchbase_url": "", "num_funding_rounds": None,
                             "last_funding_round_type": org["latest_funding_stage"]},
            "locations": [], "affiliated_companies": []}
    state.add_credits("linkedin", 1)
    return 200, {"data": data, "message": "ok"}, li_headers()


# ---------------------------------------------------------------------------
# routing

def route(method, path):
    """Returns (provider, endpoint, handler_factory, allowed_methods) or None."""
    p = path.rstrip("/") or "/"
    m = re.fullmatch(r"(?:/api)?/v1/(people/bulk_match|people/match|organizations/enrich|"
                     r"organizations/bulk_enrich)", p)
    if m:
        ep = {"people/bulk_match": ("bulk_match", h_apollo_bulk, ("POST",)),
              "people/match": ("match", h_apollo_match, ("POST",)),
              "organizations/enrich": ("org_enrich", h_apollo_org, ("GET", "POST")),
              "organizations/bulk_enrich": ("org_bulk_enrich", h_apollo_org_bulk, ("POST",))}[m.group(1)]
        return "apollo", "apollo." + ep[0], lambda s, r, f: ep[1](s, r), ep[2]
    if p in ("/search", "/news"):
        typ = p[1:]
        return "serper", "serper." + typ, lambda s, r, f: h_serper(s, r, typ), ("POST", "GET")
    if p in ("/chat/completions", "/v1/chat/completions"):
        return "deepseek", "deepseek.chat", h_deepseek, ("POST",)
    m = re.fullmatch(r"/crm/(?:v3/objects|objects/[^/]+)/(deals|contacts|companies)/search", p)
    if m:
        typ = m.group(1)
        return "hubspot", "hubspot.%s_search" % typ, lambda s, r, f: h_hs_search(s, r, typ), ("POST",)
    m = re.fullmatch(r"/crm/(?:v3/pipelines|pipelines/[^/]+)/deals", p)
    if m:
        return "hubspot", "hubspot.pipelines", lambda s, r, f: h_hs_pipelines(s, r), ("GET",)
    m = re.fullmatch(r"/crm/(?:v4/associations|associations/[^/]+)/deals/(contacts|companies)/batch/read", p)
    if m:
        typ = m.group(1)
        return "hubspot", "hubspot.assoc_" + typ, lambda s, r, f: h_hs_assoc(s, r, typ), ("POST",)
    m = re.fullmatch(r"/crm/(?:v3/objects|objects/[^/]+)/(contacts|companies|deals)/batch/read", p)
    if m:
        typ = m.group(1)
        return "hubspot", "hubspot.%s_batch" % typ, lambda s, r, f: h_hs_batch_read(s, r, typ), ("POST",)
    m = re.fullmatch(r"/crm/(?:v3/objects|objects/[^/]+)/(deals|contacts|companies)/([^/]+)", p)
    if m and m.group(2) not in ("search", "batch"):
        typ, rid = m.group(1), unquote(m.group(2))
        return "hubspot", "hubspot.%s_get" % OBJ_LABEL[typ].lower(), lambda s, r, f: h_hs_get(s, r, typ, rid), ("GET",)
    if p == "/services/oauth2/token":
        return "salesforce", "salesforce.token", lambda s, r, f: h_sf_token(s, r), ("POST",)
    m = re.fullmatch(r"/services/data/%s/query" % SF_API_VERSION_RE, p)
    if m:
        return "salesforce", "salesforce.query", lambda s, r, f: h_sf_query(s, r), ("GET",)
    m = re.fullmatch(r"/services/data/%s/query/([^/]+)-(\d+)" % SF_API_VERSION_RE, p)
    if m:
        loc, off = m.group(1), int(m.group(2))
        return "salesforce", "salesforce.query_more", lambda s, r, f: h_sf_more(s, r, loc, off), ("GET",)
    if p == "/enrich-lead":
        return "linkedin", "linkedin.person", lambda s, r, f: h_li_person(s, r, False), ("GET",)
    if p == "/get-linkedin-profile":
        return "linkedin", "linkedin.person_old", lambda s, r, f: h_li_person(s, r, True), ("GET",)
    if p == "/get-company-by-domain":
        return "linkedin", "linkedin.company", lambda s, r, f: h_li_company(s, r), ("GET",)
    return None


# ---------------------------------------------------------------------------
# fault bodies

def fault_reply(provider, kind, path, retry_after):
    """Error replies for status-like fault kinds."""
    corr = str(uuid.uuid4())
    hdr = {}
    if retry_after is not None:
        hdr["Retry-After"] = str(retry_after)
    apath = path.lstrip("/")
    if provider == "apollo" and not apath.startswith("api/"):
        apath = "api/" + apath
    if kind == "quota":
        # RapidAPI's gateway once a plan's monthly requests are used up; others: their 429
        r = Reply(429, jdump({"message": "You have exceeded the MONTHLY quota for Requests on your "
                                         "current plan, BASIC. Upgrade your plan at "
                                         "https://rapidapi.com/freshdata-freshdata-default/api/"
                                         "fresh-linkedin-profile-data"})) if provider == "linkedin" \
            else fault_reply(provider, "429", path, None)
    elif kind in ("429", "credits"):
        if provider == "apollo":
            per, n = ("hour", 600) if kind == "429" else ("day", 600)
            r = Reply(429, jdump({"message": "The maximum number of api calls allowed for %s is %d "
                                             "times per %s. Please upgrade your plan from "
                                             "https://app.apollo.io/#/settings/plans/upgrade."
                                             % (apath, n, per)}))
        elif provider == "serper":
            r = Reply(429, jdump({"message": "Too many requests", "statusCode": 429})) if kind == "429" \
                else Reply(400, jdump({"message": "Not enough credits", "statusCode": 400}))
        elif provider == "deepseek":
            r = ds_error(429, "Rate Limit Reached", "rate_limit_error") if kind == "429" else \
                ds_error(402, "Insufficient Balance", "unknown_error")
        elif provider == "salesforce":
            r = sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        elif provider == "hubspot":
            policy, what = ("TEN_SECONDLY_ROLLING", "ten_secondly_rolling") if kind == "429" \
                else ("DAILY", "daily")
            r = Reply(429, jdump({"status": "error",
                                  "message": "You have reached your %s limit." % what,
                                  "errorType": "RATE_LIMIT", "correlationId": corr,
                                  "policyName": policy}))
        else:
            r = Reply(429, jdump({"message": "Too many requests"})) if kind == "429" else \
                Reply(402, jdump({"message": "You have run out of credits. Please upgrade your plan."}))
    elif kind == "401":
        if provider == "apollo":
            r = Reply(401, b"Invalid access credentials.", "text/plain")
        elif provider == "serper":
            r = Reply(401, jdump({"message": "Unauthorized.", "statusCode": 401}))
        elif provider == "deepseek":
            r = ds_error(401, "Authentication Fails, Your api key: ****abcd is invalid",
                         "authentication_error")
        elif provider == "hubspot":
            r = hs_error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        elif provider == "salesforce":
            r = sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        else:
            r = Reply(401, jdump({"message": "Invalid API key. Go to https://docs.rapidapi.com/docs/keys "
                                             "for more info."}))
    elif kind == "403":
        if provider == "apollo":
            r = Reply(403, jdump({"error": "%s is not accessible with this api_key" % apath,
                                  "error_code": "API_INACCESSIBLE"}))
        elif provider == "serper":
            r = Reply(403, jdump({"message": "Unauthorized.", "statusCode": 403}))
        elif provider == "deepseek":
            r = ds_error(403, "Forbidden", "permission_error")
        elif provider == "hubspot":
            r = hs_error(403, "This app hasn't been granted all required scopes to make this call.",
                         "MISSING_SCOPES", errors=[{"message": "One or more of the following scopes are "
                                                   "required.", "context": {"requiredGranularScopes":
                                                   ["crm.objects.deals.read"]}}])
        elif provider == "salesforce":
            r = sf_error(403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this "
                                                      "Organization.")
        else:
            r = Reply(403, jdump({"message": "You are not subscribed to this API."}))
    else:   # 500 502 503 504
        st = int(kind)
        if st in (502, 504):
            text = {502: "502 Bad Gateway", 504: "504 Gateway Time-out"}[st]
            r = Reply(st, ("<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s"
                           "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
                           % (text, text)).encode(), "text/html")
        elif provider == "apollo":
            r = Reply(st, jdump({"error": "Internal Server Error" if st == 500 else "Service Unavailable"}))
        elif provider == "serper":
            r = Reply(st, jdump({"message": "Internal server error" if st == 500 else
                                 "Service unavailable", "statusCode": st}))
        elif provider == "deepseek":
            r = ds_error(st, "Server Error" if st == 500 else "Server Overloaded", "server_error")
        elif provider == "hubspot":
            r = hs_error(st, "internal error" if st == 500 else "Service unavailable",
                         "INTERNAL_ERROR" if st == 500 else "SERVICE_UNAVAILABLE")
        elif provider == "salesforce":
            r = sf_error(st, "UNKNOWN_EXCEPTION" if st == 500 else "SERVER_UNAVAILABLE",
                         "An unexpected error occurred." if st == 500 else "Server unavailable")
        else:
            r = Reply(st, jdump({"message": "Internal Server Error" if st == 500 else
                                 "Service Unavailable"}))
    r.headers.update(hdr)
    return r


# ---------------------------------------------------------------------------
# HTTP handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeapi/1.0"
    sys_version = ""

    def version_string(self):
        return self.server_version
    timeout = 120

    # --- request helpers
    def header(self, name):
        v = self.headers.get(name)
        return v

    def query(self):
        return parse_qs(urlsplit(self.path_raw).query, keep_blank_values=True)

    def json_body(self, default=None, err=None):
        if not self.body.strip():
            return default
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            if err:
                raise err(str(e))
            raise Reply(400, jdump({"error": "invalid JSON body: %s" % e}))

    def params(self):
        """Query-string parameters merged with a JSON object body (body wins)."""
        out = {}
        for k, v in self.query().items():
            out[k] = v[-1]
        body = self.json_body(default=None)
        if isinstance(body, dict):
            out.update(body)
        return out

    def log_message(self, fmt, *args):
        if self.server.state.cfg.verbose:
            sys.stderr.write("%s: %s\n" % (PROG, fmt % args))

    def log_request(self, code="-", size="-"):
        pass    # logged by ourselves, without query strings

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += n
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(n))
                self.rfile.readline(3)
            return b"".join(chunks)
        n = as_int(self.headers.get("Content-Length"), 0) or 0
        if n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n > 0 else b""

    # --- output helpers
    def send_raw(self, status, body, ctype, headers=None, declared_len=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if declared_len is None else declared_len))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def dispatch(self, method):
        state = self.server.state
        self.path_raw = self.path
        self.path = urlsplit(self.path_raw).path
        self.asked = None
        try:
            self.body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_raw(413, jdump({"error": "request body too large or malformed"}), JSON_CT)
            return
        if self.path.startswith("/_fake/"):
            self.control(method)
            return
        r = route(method, self.path)
        if r is None:
            self.simple_log(method, "-", 404, 0)
            self.send_raw(404, jdump({"error": "Not Found", "path": self.path}), JSON_CT)
            return
        provider, endpoint, handler, methods = r
        busy = state.begin(provider, endpoint)
        t0 = time.time()
        status = 0
        try:
            status = self.serve_provider(state, method, provider, endpoint, handler, methods)
        finally:
            ms = int((time.time() - t0) * 1000)
            state.end(provider, {"provider": provider, "endpoint": endpoint, "path": self.path,
                                 "method": method, "body_size": len(self.body), "status": status,
                                 "ms": ms, "t": round(t0, 3), "in_flight": busy})
            self.simple_log(method, endpoint, status, ms)

    def simple_log(self, method, endpoint, status, ms):
        if not self.server.state.cfg.verbose:
            return
        keyed = any(self.headers.get(h) for h in ("x-api-key", "authorization", "x-rapidapi-key"))
        sys.stderr.write("%s: %s %s %s %s %dms key=%s\n" % (
            PROG, method, self.path, endpoint, status, ms, "<set>" if keyed else "<none>"))

    def serve_provider(self, state, method, provider, endpoint, handler, methods):
        with state.lock:
            latency = state.latency_ms
        if latency > 0:
            time.sleep(latency / 1000.0)
        fault = state.take_fault(provider)
        kind = fault["kind"] if fault else None
        if kind == "slow":
            time.sleep(max(0, fault.get("delay_ms", 3000)) / 1000.0)
        if kind == "reset":
            self.hard_close()
            self.record_asked(state, provider, False)
            return 0
        if kind in ("429", "500", "502", "503", "504", "401", "403", "credits", "quota"):
            rep = fault_reply(provider, kind, self.path, fault.get("retry_after"))
            if provider == "salesforce" and endpoint == "salesforce.token" and kind in ("401", "403"):
                rep = Reply(400, jdump({"error": "invalid_grant",
                                        "error_description": "expired access/refresh token"}))
            elif provider == "salesforce" and kind == "401":
                with state.lock:
                    state.sf_tokens.clear()     # an expired session stays expired
            self.record_asked(state, provider, False)
            self.send_raw(rep.status, rep.body, rep.ctype, rep.headers)
            return rep.status
        if kind == "badjson":
            self.record_asked(state, provider, False)
            body = b'{"matches": [{"id":"5f1e0c7d2a9b8c001f3e4d5a","first_name":"Pat","employ\x00\xff'
            self.send_raw(200, body, JSON_CT)
            return 200
        if kind == "html":
            self.record_asked(state, provider, False)
            body = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
                    b"<h1>Checking your browser before accessing the site.</h1></body></html>")
            self.send_raw(200, body, "text/html; charset=UTF-8")
            return 200
        if kind == "huge":
            self.record_asked(state, provider, False)
            self.send_huge(as_int(fault.get("size"), 64 * 1024 * 1024))
            return 200
        if kind == "blank" and provider != "deepseek":
            self.record_asked(state, provider, False)
            self.send_raw(200, b"   ", JSON_CT)
            return 200
        if method not in methods:
            self.send_raw(405, jdump({"error": "Method Not Allowed"}), JSON_CT, {"Allow": ", ".join(methods)})
            return 405
        headers = {}
        limit_headers = {}
        if provider == "hubspot":
            limit_headers, refused = state.hs_take()
            if refused:
                self.record_asked(state, provider, False)
                rep = fault_reply("hubspot", "429" if refused != "DAILY" else "credits", self.path, None)
                self.send_raw(rep.status, rep.body, rep.ctype, dict(limit_headers, **rep.headers))
                return rep.status
        try:
            status, body, headers = handler(state, self, kind)
            ctype = JSON_CT
            if isinstance(body, tuple) and body[0] == "sse":
                self.record_asked(state, provider, True)
                self.send_sse(body[1])
                return 200
            raw = jdump(body)
        except Reply as rep:
            status, raw, ctype = rep.status, rep.body, rep.ctype
            headers = rep.headers
        except Exception as e:     # a bug in the fake: say so instead of dropping the connection
            import traceback
            traceback.print_exc(file=sys.stderr)
            status, ctype, headers = 500, JSON_CT, {}
            raw = jdump({"error": "fakeapi internal error: %s: %s" % (type(e).__name__, e)})
        headers = dict(limit_headers, **(headers or {}))
        paid = 200 <= status < 300
        if kind == "cut":
            paid = False
        self.record_asked(state, provider, paid)
        if kind == "leading_blank":
            raw = b"\n\n" + raw
        if kind == "queued":
            self.send_queued(status, raw, ctype, headers, fault.get("delay_ms", 3000))
            return status
        if kind == "cut":
            half = raw[: max(1, len(raw) // 2)]
            self.close_connection = True
            try:
                self.send_raw(status, half, ctype, headers, declared_len=len(raw) + 100)
            except OSError:
                pass
            self.hard_close(rst=False)
            return status
        self.send_raw(status, raw, ctype, headers)
        return status

    def record_asked(self, state, provider, paid):
        """asked: what got a paid (2xx) answer; attempted: every request's ask."""
        if self.asked is None:
            # faulted or refused before the handler parsed it: peek, never paid
            state.add_asked(provider, self.peek_asked(provider), False)
            return
        state.add_asked(provider, self.asked, paid)

    def peek_asked(self, provider):
        try:
            body = json.loads(self.body.decode("utf-8")) if self.body.strip() else None
        except (ValueError, UnicodeDecodeError):
            body = None
        q = {k: v[-1] for k, v in self.query().items()}
        if provider == "apollo":
            if isinstance(body, dict) and isinstance(body.get("details"), list):
                return [str(d.get("email") or d.get("linkedin_url") or "").lower()
                        for d in body["details"] if isinstance(d, dict)]
            src = body if isinstance(body, dict) else q
            v = src.get("email") or src.get("domain") or src.get("linkedin_url")
            return [str(v).lower()] if v else []
        if provider == "serper":
            if isinstance(body, list):
                return [str(b.get("q")) for b in body if isinstance(b, dict)]
            src = body if isinstance(body, dict) else q
            return [str(src["q"])] if src.get("q") is not None else []
        if provider == "deepseek":
            return [str(body.get("model"))] if isinstance(body, dict) else []
        if provider == "linkedin":
            v = q.get("linkedin_url") or q.get("domain")
            return [v.lower()] if v else []
        return []

    def hard_close(self, rst=True):
        self.close_connection = True
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def send_queued(self, status, raw, ctype, headers, delay_ms, lines=4):
        """DeepSeek's queue (CONTRACTS §3): the headers at once, no length, then an
        empty line every delay_ms/lines while "queued", then the body; the end is the close."""
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.flush()
            for _ in range(lines):
                time.sleep(max(0, delay_ms) / 1000.0 / lines)
                self.wfile.write(b"\n")
                self.wfile.flush()
            self.wfile.write(raw)
            self.wfile.flush()
        except OSError:
            pass

    def send_huge(self, size):
        size = max(16, size)
        head, tail = b'{"padding":"', b'"}'
        pad = size - len(head) - len(tail)
        self.send_response(200)
        self.send_header("Content-Type", JSON_CT)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        try:
            self.wfile.write(head)
            chunk = b"x" * 65536
            while pad > 0:
                n = min(pad, len(chunk))
                self.wfile.write(chunk[:n])
                pad -= n
            self.wfile.write(tail)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def send_sse(self, out):
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        msg = out["choices"][0]["message"]
        base = {"id": out["id"], "object": "chat.completion.chunk", "created": out["created"],
                "model": out["model"], "system_fingerprint": out["system_fingerprint"]}
        chunks = [dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""},
                                       "logprobs": None, "finish_reason": None}])]
        chunks.append(dict(base, choices=[{"index": 0, "delta": {"content": msg["content"]},
                                           "logprobs": None, "finish_reason": None}]))
        chunks.append(dict(base, choices=[{"index": 0, "delta": {"content": ""}, "logprobs": None,
                                           "finish_reason": out["choices"][0]["finish_reason"]}],
                           usage=out["usage"]))
        try:
            self.wfile.write(b": keep-alive\n\n")
            for c in chunks:
                self.wfile.write(b"data: " + jdump(c) + b"\n\n")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except OSError:
            pass

    # --- control plane
    def control(self, method):
        state = self.server.state
        p = self.path.rstrip("/")
        try:
            if p == "/_fake/stats" and method == "GET":
                return self.send_raw(200, jdump(state.stats()), JSON_CT)
            if p == "/_fake/health" and method == "GET":
                return self.send_raw(200, jdump({"ok": True}), JSON_CT)
            if p == "/_fake/reset" and method == "POST":
                try:
                    state.load_data()
                except (OSError, ValueError) as e:
                    raise Reply(500, jdump({"error": "cannot reload data: %s" % e}))
                state.reset()
                return self.send_raw(200, jdump({"ok": True}), JSON_CT)
            if p == "/_fake/fault" and method == "POST":
                f = self.json_body(default=None)
                if not isinstance(f, dict):
                    raise Reply(400, jdump({"error": "expected a JSON object"}))
                prov = f.get("provider")
                kind = str(f.get("kind"))
                if prov not in PROVIDERS + ("all",):
                    raise Reply(400, jdump({"error": "provider must be one of %s or all" %
                                                     ", ".join(PROVIDERS)}))
                if kind not in FAULT_KINDS:
                    raise Reply(400, jdump({"error": "kind must be one of %s" % ", ".join(FAULT_KINDS)}))
                count = as_int(f.get("count", 1))
                if count is None or count == 0 or count < -1:
                    raise Reply(400, jdump({"error": "count must be a positive integer or -1"}))
                fault = {"provider": prov, "kind": kind, "count": count}
                if f.get("retry_after") is not None:
                    fault["retry_after"] = f["retry_after"]
                if kind in ("slow", "queued"):
                    fault["delay_ms"] = as_int(f.get("delay_ms"), 3000)
                if kind == "huge":
                    fault["size"] = as_int(f.get("size"), 64 * 1024 * 1024)
                state.add_fault(fault)
                return self.send_raw(200, jdump({"ok": True, "fault": fault}), JSON_CT)
            if p == "/_fake/apollo_usage" and method == "POST":
                # Calls another client of the same team made in the current windows.
                f = self.json_body(default=None)
                if not isinstance(f, dict) or not f or any(
                        k not in ("minute", "hourly", "daily") or as_int(v) is None or as_int(v) < 0
                        for k, v in f.items()):
                    raise Reply(400, jdump({"error": "expected {\"minute\"|\"hourly\"|\"daily\": N >= 0}"}))
                t = time.time()
                windows = {"minute": int(t // 60), "hourly": int(t // 3600), "daily": int(t // 86400)}
                with state.lock:
                    for k, v in f.items():
                        state.apollo_usage[k] = [windows[k], as_int(v)]
                    usage = {k: u[1] for k, u in state.apollo_usage.items()}
                return self.send_raw(200, jdump({"ok": True, "apollo_usage": usage}), JSON_CT)
            if p == "/_fake/latency" and method == "POST":
                f = self.json_body(default=None)
                ms = as_int(f.get("ms")) if isinstance(f, dict) else None
                if ms is None or ms < 0:
                    raise Reply(400, jdump({"error": "expected {\"ms\": N} with N >= 0"}))
                with state.lock:
                    state.latency_ms = ms
                return self.send_raw(200, jdump({"ok": True, "latency_ms": ms}), JSON_CT)
            if p == "/_fake/config" and method in ("GET", "POST"):
                if method == "POST":
                    f = self.json_body(default=None)
                    if not isinstance(f, dict):
                        raise Reply(400, jdump({"error": "expected a JSON object"}))
                    with state.lock:
                        for k, v in f.items():
                            if k not in state.switches:
                                raise Reply(400, jdump({"error": "unknown setting %s" % k}))
                        for k, v in f.items():
                            if isinstance(state.switches[k], bool):
                                state.switches[k] = as_bool(v)
                            elif isinstance(state.switches[k], str):
                                if k == "serper_batch_answer" and v not in \
                                        ("ok", "short", "reversed", "item_error"):
                                    raise Reply(400, jdump({"error": "%s: ok, short, reversed "
                                                            "or item_error" % k}))
                                state.switches[k] = str(v)
                            else:
                                n = as_int(v)
                                if n is None or n < 0:
                                    raise Reply(400, jdump({"error": "%s must be >= 0" % k}))
                                state.switches[k] = n
                with state.lock:
                    sw = dict(state.switches)
                return self.send_raw(200, jdump(sw), JSON_CT)
            raise Reply(404, jdump({"error": "unknown control endpoint %s %s" % (method, p)}))
        except Reply as rep:
            self.send_raw(rep.status, rep.body, rep.ctype, rep.headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError,
                            socket.timeout)):
            return
        if self.state.cfg.verbose or not isinstance(exc, OSError):
            super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description="Fake Apollo/Serper/DeepSeek/HubSpot/"
                                                        "LinkedIn APIs for deal-enrich tests.")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: pick a free one)")
    ap.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    ap.add_argument("--port-file", help="write the port number here once listening")
    ap.add_argument("--data", help="directory with apollo_people.json, serper_results.json, hubspot.json")
    ap.add_argument("--latency-ms", type=int, default=0, help="added to every provider request")
    ap.add_argument("--apollo-limit-minute", type=int, default=50)
    ap.add_argument("--apollo-limit-hourly", type=int, default=200)
    ap.add_argument("--apollo-limit-daily", type=int, default=600)
    ap.add_argument("--apollo-no-enforce", action="store_true",
                    help="report Apollo usage headers but never answer 429 for them")
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    cfg = ap.parse_args(argv)
    env_keys = os.environ.get("FAKEAPI_KEYS")
    keys = [k.strip() for k in env_keys.split(",") if k.strip()] if env_keys else DEFAULT_KEYS
    cfg.keys = frozenset(keys)
    if cfg.data and not os.path.isdir(cfg.data):
        sys.stderr.write("%s: --data %s: not a directory\n" % (PROG, cfg.data))
        return 2
    try:
        state = State(cfg)
    except (OSError, ValueError) as e:
        sys.stderr.write("%s: cannot load data: %s\n" % (PROG, e))
        return 2
    try:
        server = Server((cfg.host, cfg.port), Handler)
    except OSError as e:
        sys.stderr.write("%s: cannot listen on %s:%d: %s\n" % (PROG, cfg.host, cfg.port, e))
        return 1
    server.state = state
    port = server.server_address[1]

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if cfg.port_file:
        tmp = cfg.port_file + ".tmp"
        try:
            with open(tmp, "w") as f:
                f.write("%d\n" % port)
            os.replace(tmp, cfg.port_file)
        except OSError as e:
            sys.stderr.write("%s: cannot write %s: %s\n" % (PROG, cfg.port_file, e))
            server.server_close()
            return 1
    if cfg.verbose:
        sys.stderr.write("%s: listening on http://%s:%d\n" % (PROG, cfg.host, port))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
