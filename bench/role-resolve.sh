#!/usr/bin/env bash
# bench/role-resolve.sh [CONTACTS]: role-resolve (rules only, no --llm) on
# CONTACTS contacts (default 1000000, four per deal), next to `jq -c .` on the
# same input. Goal: faster than jq. Uses bin/ (make all); the input is made
# once in $BENCH_DIR (default /tmp/deal-enrich-bench).
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000000}
dir=${BENCH_DIR:-/tmp/deal-enrich-bench}
in=$dir/roles-$n.ndjson
mkdir -p "$dir"
[ -x bin/role-resolve ] || { echo "bench: run make first" >&2; exit 1; }
if [ ! -s "$in" ]; then
	python3 - "$n" "$in" <<'PY'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
titles = ["CFO", "VP Finance", "Director of Finance", "Head of IT", "VP of Engineering",
          "Senior Software Engineer", "Sales Manager", "Account Executive", "Data Analyst",
          "Marketing Intern", "CEO", "Geschäftsführer", "Directeur financier",
          "Director de Tecnología", "Product Manager", "Operations Manager", "Chief of Staff",
          "Procurement Lead", "Legal Counsel", "Customer Success Associate", ""]
labels = ["", "", "", "", "Economic Buyer", "Decision Maker", "Champion", "Influencer",
          "Technical Buyer", "Legal Counsel"]
first = ["Pat", "Sam", "Alex", "Jordan", "Robin", "Casey", "Morgan", "Taylor", "José", "Jürgen"]
last = ["Ng", "Lopez", "Smith", "Okafor", "Kowalski", "Tanaka", "Müller", "Dubois", "Rossi"]
seniority = ["c_suite", "vp", "director", "manager", "senior", "entry", "founder", "owner"]
deals = (n + 3) // 4
with open(path, "w", encoding="utf-8") as f:
    made = 0
    for d in range(deals):
        acct = rnd.randrange(max(1, deals // 3))
        contacts = []
        for i in range(min(4, n - made)):
            fn, ln = rnd.choice(first), rnd.choice(last)
            c = {"contact_id": str(d * 4 + i), "email": "%s.%s%d@acct%d.com" % (fn.lower(), ln.lower(), rnd.randrange(50), acct),
                 "first_name": fn, "last_name": ln, "title": rnd.choice(titles), "crm_role": rnd.choice(labels)}
            if rnd.random() < 0.5:
                c["apollo"] = {"status": "enriched", "cached": True, "person": {"title": c["title"], "seniority": rnd.choice(seniority), "departments": ["master_finance"]}}
                c["seniority_verified"] = "director"
            contacts.append(c)
        made += len(contacts)
        rec = {"workspace_id": "bench", "deal_id": str(9000000000 + d), "deal_name": "Deal %d" % d,
               "stage": "Closed Won", "stage_normalized": "closed_won", "close_date": "2026-%02d-%02d" % (1 + d % 12, 1 + d % 28),
               "amount": 1000 + d % 90000, "currency": "USD", "owner": "Jo Smith", "source": "hubspot",
               "custom_fields": {"champion_name": "%s %s" % (contacts[0]["first_name"], contacts[0]["last_name"])} if d % 3 == 0 else {},
               "account": {"account_id": str(acct), "name": "Acct %d" % acct, "domain": "acct%d.com" % acct},
               "contacts": contacts}
        f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
PY
fi
deals=$(wc -l <"$in")
echo "input: $deals deals, $n contacts, $(($(wc -c <"$in") / 1048576)) MiB"
# t CMD...: "wall cpu" seconds (cpu = user + sys: what the program costs on a
# busy machine, where wall time also measures the others)
t() {
	local TIMEFORMAT='%R %U %S' out
	out=$( { time "$@" <"$in" >/dev/null 2>/dev/null; } 2>&1 )
	echo "$out" | awk '{printf "%.2f %.2f", $1, $2 + $3}'
}
line() { # NAME WALL CPU
	awk -v name="$1" -v w="$2" -v c="$3" -v d="$deals" -v n="$n" 'BEGIN{
		printf "%-28s wall %6.2f s  cpu %6.2f s  %8.0f records/s  %9.0f contacts/s (cpu)\n",
			name, w, c, d / c, n / c }'
}
if command -v jq >/dev/null; then
	read -r jw jc <<<"$(t jq -c .)"
	line "jq -c ." "$jw" "$jc"
fi
read -r rw rc <<<"$(t bin/role-resolve --no-store --quiet)"
line "role-resolve --no-store" "$rw" "$rc"
if [ -n "${jc:-}" ]; then
	awk -v a="$jc" -v b="$rc" 'BEGIN{printf "role-resolve is %.2fx as fast as jq -c . (cpu) %s\n", a/b,
		(b < a ? "- faster, as the goal says" : "- SLOWER than the goal")}'
fi
