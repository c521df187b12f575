#!/usr/bin/env python3
"""Enriched deal records with a planted model, for icp-profile and lead-score.

    gen.py --mode planted|null|amount0 --n N --seed S [--open] [--moved K]

planted: the log-odds of winning are BASE plus PLANTED's effects for the
values a deal has; every other attribute is noise. null: every deal is won
with probability 0.45 whatever it looks like. amount0: null outcomes, and the
amount is 0 on every lost deal (as many CRMs record it). --open writes open
deals instead, each with its true win probability and a drawn outcome in
custom_fields (held-out deals for lead-score). --moved K: K contacts of won
deals moved to another company (job_changed, new_employer).
Deals close over the 24 months before AS_OF, evenly.
"""
import argparse, datetime, json, math, random

AS_OF = datetime.date(2026, 11, 15)
BASE = -0.2
INDUSTRIES = ["computer software", "financial services", "hospital & health care",
              "retail", "oil & energy", "education", "logistics", "marketing"]
SIZES = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+"]
COUNTRIES = ["United States", "Germany", "United Kingdom", "Canada"]
SENIORITIES = ["c_level", "vp", "director", "manager", "senior", "entry"]
DEPARTMENTS = ["engineering", "sales", "finance", "marketing", "operations"]
ROLES = ["decision_maker", "economic_buyer", "champion", "technical_evaluator",
         "influencer", "end_user", None, None]
SIGNALS = ["funding", "hiring", "expansion", "leadership_change", "partnership",
           "product_launch", "acquisition", "layoff", "regulatory", "award", "negative_press"]
# (attribute, value, effect on the log-odds): what icp-profile must find.
PLANTED = [("account.firmographics.industry", "computer software", 1.6),
           ("account.firmographics.industry", "retail", -1.6),
           ("contacts.buying_role", "economic_buyer", 1.3),
           ("account.signals.type", "funding", 1.2),
           ("account.signals.type", "layoff", -1.4)]


def deal(i, rng, args):
    ind = rng.choice(INDUSTRIES)
    emp = rng.choice([5, 30, 120, 350, 800, 2500, 7000, 20000])
    contacts, roles = [], set()
    for c in range(rng.randint(1, 4)):
        role = rng.choice(ROLES)
        if role == "economic_buyer" and rng.random() < 0.5:
            role = None    # keeps the planted role in about a quarter of the deals
        con = {"contact_id": "%d%02d" % (i, c), "email": "p%d.%d@c%d.example" % (c, i, i),
               "first_name": "P%d" % c, "last_name": "L%d" % i, "title": "Title",
               "apollo": {"status": "enriched"}, "seniority_verified": rng.choice(SENIORITIES),
               "department_verified": rng.choice(DEPARTMENTS),
               "tenure_months": rng.randint(1, 120), "job_changed": False,
               "enrichment_status": "enriched", "enriched_at": "2026-11-01T00:00:00Z"}
        if role:
            con.update({"buying_role": role, "role_confidence": 0.95,
                        "role_source": "crm_contact_role"})
            roles.add(role)
        contacts.append(con)
    types = sorted(set(rng.sample(SIGNALS, rng.randint(0, 3))))
    account = {"account_id": "a%d" % i, "name": "Company %d" % i, "domain": "c%d.example" % i,
               "country": rng.choice(COUNTRIES),
               "firmographics": {"industry": ind, "employees": emp,
                                 "size_band": SIZES[[5, 30, 120, 350, 800, 2500, 7000, 20000].index(emp)],
                                 "annual_revenue": int(10 ** rng.uniform(5, 10)),
                                 "founded_year": rng.randint(1950, 2024), "source": "apollo"},
               "signals": {"status": "enriched", "items": [
                   {"type": t, "signal": "About " + t, "date": "2026-10-01"} for t in types],
                   "score": round(rng.uniform(-1, 1), 2)}}
    have = {("account.firmographics.industry", ind)} | \
        {("contacts.buying_role", r) for r in roles} | {("account.signals.type", t) for t in types}
    if args.mode == "planted":
        z = BASE + sum(e for a, v, e in PLANTED if (a, v) in have)
        p = 1 / (1 + math.exp(-z))
    else:
        p = 0.45
    won = rng.random() < p
    close = AS_OF - datetime.timedelta(days=int(730 * (args.n - 1 - i) / max(args.n, 1)))
    amount = rng.randint(5, 100) * 1000
    if args.mode == "amount0" and not won:
        amount = 0
    rec = {"workspace_id": args.ws, "deal_id": "%s%d" % (args.prefix, i),
           "deal_name": "Company %d - New" % i, "currency": "USD", "owner": "Jo",
           "source": "hubspot", "custom_fields": {}, "account": account, "contacts": contacts}
    if args.open:
        rec.update({"stage": "Negotiation", "stage_normalized": "open", "close_date": None,
                    "amount": amount})
        rec["custom_fields"] = {"true_p": round(p, 6), "outcome": int(won)}
    else:
        rec.update({"stage": "Closed Won" if won else "Closed Lost",
                    "stage_normalized": "closed_won" if won else "closed_lost",
                    "close_date": close.isoformat(), "amount": amount})
    return rec, won


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="planted", choices=["planted", "null", "amount0"])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ws", default="acme")
    ap.add_argument("--prefix", default="d")
    ap.add_argument("--open", action="store_true")
    ap.add_argument("--moved", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    moved = args.moved
    for i in range(args.n):
        rec, won = deal(i, rng, args)
        if moved and won and not args.open:
            c = rec["contacts"][0]
            c["job_changed"] = True
            c["new_employer"] = {"name": "NewCo %d" % i, "domain": "newco%d.example" % i,
                                 "title": "VP Moved %d" % i, "since": "2026-0%d-01" % (1 + moved % 9)}
            moved -= 1
        print(json.dumps(rec, separators=(",", ":")))


main()
