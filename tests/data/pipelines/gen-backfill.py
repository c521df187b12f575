#!/usr/bin/env python3
"""Writes backfill.ndjson: 40 closed deals over 12 accounts (several deals per
account, contacts repeated across an account's deals, CRM roles on some, a
champion field on others), for the shard test. Deterministic."""
import json

accounts = [("Globex", "globex.com"), ("Initech", "initech.com"), ("Hooli", "hooli.com"),
            ("Umbrella", "umbrella-corp.com"), ("Wonka", "wonka.com"), ("Stark", "starkindustries.com"),
            ("Cyberdyne", "cyberdyne.com"), ("Tyrell", "tyrell.com"), ("Oscorp", "oscorp.com"),
            ("Vandelay", "vandelay-industries.com"), ("Aviato", "aviato.com"), ("Soylent", "soylent.com")]
people = [("pat", "ng", "CFO", "Economic Buyer"), ("sam", "rivera", "VP Engineering", None),
          ("lee", "park", "Software Engineer", None), ("dana", "lopez", "Head of IT", "Decision Maker"),
          ("kim", "osei", "Director of Operations", None), ("ali", "khan", "Procurement Manager", "Influencer")]
roles = [None, "Champion", None, "Technical Buyer"]
out = []
for i in range(40):
    name, dom = accounts[(i * 7) % len(accounts)]
    won = i % 3 != 0
    contacts = []
    for j in range(1 + i % 3):
        f, l, title, role = people[(i + j * 2) % len(people)]
        crm_role = role if (i + j) % 2 == 0 else roles[(i + j) % len(roles)]
        contacts.append({"contact_id": "c%d-%d" % (i, j), "email": "%s.%s@%s" % (f, l, dom),
                         "first_name": f.capitalize(), "last_name": l.capitalize(), "title": title,
                         "crm_role": crm_role})
    cf = {}
    if i % 4 == 1:
        c = contacts[-1]
        cf["champion_name"] = "%s %s" % (c["first_name"], c["last_name"])
    out.append({"workspace_id": "acme", "deal_id": "77%08d" % i,
                "deal_name": "%s - deal %d" % (name, i),
                "stage": "Closed Won" if won else "Closed Lost",
                "stage_normalized": "closed_won" if won else "closed_lost",
                "close_date": "2026-%02d-%02d" % (1 + i % 11, 1 + (i * 5) % 28),
                "amount": 1000 * (i + 1) + 0.5, "currency": "USD", "owner": "Jo Smith",
                "source": "hubspot", "custom_fields": cf,
                "account": {"account_id": str(300 + (i * 7) % len(accounts)), "name": name, "domain": dom},
                "contacts": contacts})
with open("backfill.ndjson", "w") as fh:
    for r in out:
        fh.write(json.dumps(r, separators=(",", ":")) + "\n")
