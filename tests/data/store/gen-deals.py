#!/usr/bin/env python3
"""Writes N enriched deal records (DESIGN §3 shapes) as NDJSON, varied on purpose:
every Apollo and signals status, missing and blank fields, shared accounts and
emails, Unicode names. Usage: gen-deals.py N [SEED] [WORKSPACE]"""
import json
import random
import sys

n = int(sys.argv[1])
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
rnd = random.Random(seed)
# LinkedIn's answers from their own sequence: the other fields stay as they were.
lrnd = random.Random(seed + 7919)
ws = sys.argv[3] if len(sys.argv) > 3 else "acme"

industries = ["oil & energy", "computer software", "internet", "retail", "banking",
              "hospital & health care", "logistics", "biotechnology", "telecommunications",
              "construction", "education", "insurance", "媒体", "automotive", "Électricité"]
bands = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+"]
seniorities = ["c_level", "vp", "director", "manager", "senior", "entry", "owner", "founder"]
departments = ["finance", "engineering", "sales", "marketing", "operations", "executive", "it"]
roles = ["decision_maker", "economic_buyer", "champion", "technical_evaluator", "influencer",
         "end_user", "blocker"]
sources = [("crm_contact_role", 0.95), ("crm_deal_field", 0.85), ("apollo_seniority", 0.75),
           ("cross_deal_pattern", 0.7), ("llm", 0.6), ("title_inference", 0.5)]
statuses = ["enriched"] * 6 + ["not_found", "error", "quota_exhausted", "skipped", "dry_run", None]
li_statuses = ["enriched"] * 3 + ["mismatch", "not_found", "error", "quota_exhausted", "skipped",
                                  "dry_run", "", None]
sig_types = ["funding", "hiring", "expansion", "leadership_change", "partnership", "product_launch",
             "acquisition", "layoff", "regulatory", "award", "negative_press"]
accounts = [("acct%d" % i, "Company %d" % i, ("c%d.example" % i) if i % 7 else None)
            for i in range(max(3, n // 3))]


def when(day):
    return "2026-%02d-%02dT%02d:%02d:00Z" % (1 + day % 12, 1 + day % 28, day % 24, day % 60)


def contact(i, acct_dom):
    st = rnd.choice(statuses)
    email = rnd.choice(["p%d@%s" % (rnd.randrange(n * 2 + 5), acct_dom or "mail.example"), "", None,
                        "P%d@Shared.Example" % rnd.randrange(5)])
    c = {"contact_id": str(100000 + i), "email": email, "first_name": "Pat", "last_name": "Ng%d" % i,
         "title": rnd.choice(["CFO", "VP Engineering", "Analyst", "Директор", "部長"])}
    if st is not None:
        at = when(rnd.randrange(400))
        a = {"status": st, "cached": rnd.random() < 0.5}
        if st == "enriched":
            a["fetched_at"] = at
            a["person"] = {"id": "p%d" % i, "seniority": "c_suite", "departments": ["master_finance"]}
        c["apollo"] = a
        enriched = st == "enriched"
        c["seniority_verified"] = rnd.choice(seniorities + [None]) if enriched else None
        c["department_verified"] = rnd.choice(departments + [None]) if enriched else None
        c["tenure_months"] = rnd.choice([rnd.randrange(0, 240), None]) if enriched else None
        c["enrichment_status"] = st
        c["enriched_at"] = at if st in ("enriched", "not_found") else None
    # linkedin-enrich: mostly the contacts Apollo missed, some it found (--verify-moves)
    lst = lrnd.choice(li_statuses) if st != "enriched" or lrnd.random() < 0.2 else None
    if lst is not None:
        c["linkedin"] = {"status": lst}
        if lst == "enriched" and c.get("seniority_verified") is None:
            c["seniority_verified"] = lrnd.choice(seniorities)
            c["field_sources"] = {"seniority_verified": ["linkedin"]}
    if rnd.random() < 0.7:
        s, conf = rnd.choice(sources)
        c["buying_role"] = rnd.choice(roles)
        c["role_confidence"] = conf
        c["role_source"] = s
    else:
        c["buying_role"] = None
    return c


for i in range(n):
    aid, name, dom = rnd.choice(accounts)
    stage = rnd.choice(["closed_won", "closed_won", "closed_lost", "closed_lost", "open"])
    close = rnd.choice(["20%02d-%02d-%02d" % (rnd.choice([25, 26, 26, 26]), rnd.randrange(1, 13),
                                              rnd.randrange(1, 29))] * 9 + [None])
    acct = {"account_id": aid, "name": name}
    if dom:
        acct["domain"] = dom
    if rnd.random() < 0.8:
        acct["firmographics"] = {"industry": rnd.choice(industries + [None]),
                                 "employees": rnd.randrange(1, 20000),
                                 "size_band": rnd.choice(bands + [None]), "source": "apollo"}
    sst = rnd.choice(["enriched", "enriched", "enriched", "error", "skipped", None])
    if sst:
        items = [{"type": rnd.choice(sig_types), "signal": "s", "source_url": "https://x.example",
                  "relevance": 0.5, "date": "2026-03-03"} for _ in range(rnd.randrange(0, 4))]
        acct["signals"] = {"status": sst, "cached": False, "fetched_at": when(i),
                           "classifier": "rules", "items": items if sst == "enriched" else [],
                           "summary": "x", "score": round(rnd.uniform(-1, 1), 2)}
    cs = [contact(i * 10 + k, dom) for k in range(rnd.randrange(0, 6))]
    rs = {}
    for c in cs:
        if c.get("buying_role"):
            rs[c["buying_role"]] = rs.get(c["buying_role"], 0) + 1
    rec = {"workspace_id": ws, "deal_id": str(9000000000 + i), "deal_name": "%s - Deal %d" % (name, i),
           "stage": stage.replace("_", " ").title(), "stage_normalized": stage, "close_date": close,
           "amount": rnd.randrange(1000, 200000), "currency": "USD", "owner": "Jo", "source": "hubspot",
           "custom_fields": {}, "account": acct, "contacts": cs, "roles_summary": rs}
    sys.stdout.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
