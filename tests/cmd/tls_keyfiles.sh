#!/bin/bash
# Secrets (issue 8): a workspace file holding a key that others can read is
# refused by every program that reads keys (exit 78, with the chmod to run);
# TLS verification is never off: against a self-signed HTTPS server a call
# fails, and succeeds once DEAL_ENRICH_CA_FILE names its CA.
source "$(dirname "$0")/../lib.sh"
rec='{"workspace_id":"acme","deal_id":"1","close_date":"2026-03-14","account":{"name":"Hooli","domain":"hooli.com"},"contacts":[{"email":"lee.kim@hooli.com","title":"Head of Growth"}]}'

# ---- key files readable by others ----
f=$XDG_CONFIG_HOME/deal-enrich/workspaces/acme.conf
for mode in 644 640 604; do
	printf 'apollo_api_key = test-apollo-key\nserper_api_key = test-serper-key\ndeepseek_api_key = test-deepseek-key\n' >"$f"
	chmod $mode "$f"
	for p in apollo-enrich serper-signals "role-resolve --llm"; do
		echo "$rec" | $p >"$T/out" 2>"$T/err"; rc=$?
		t_eq "$p refuses a mode $mode key file: exit 78" 78 "$rc"
		t_contains "$p mode $mode: says how to fix it" "$T/err" "chmod 600"
		t_lacks "$p mode $mode: the key is not echoed" "$T/err" "test-"
		t_lacks "$p mode $mode: the key is not in the output" "$T/out" "test-"
	done
done
chmod 600 "$f"

# ---- TLS ----
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null ||
	{ t_fail "openssl makes a certificate"; exit 0; }
cat >"$T/https.py" <<'PY'
import http.server, json, os, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get('Content-Length') or 0); self.rfile.read(n)
        with open(sys.argv[2], 'a') as f: f.write(self.path + '\n')
        if 'bulk_match' in self.path: body = {"matches": [None], "credits_consumed": 0}
        else: body = {"organic": [{"title": "Hooli raises $20M", "link": "https://n.example/h"}], "credits": 1}
        b = json.dumps(body).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[3], sys.argv[4])
s.socket = ctx.wrap_socket(s.socket, server_side=True)
open(sys.argv[1] + '.tmp', 'w').write(str(s.server_address[1])); os.rename(sys.argv[1] + '.tmp', sys.argv[1])
s.serve_forever()
PY
python3 "$T/https.py" "$T/port" "$T/served" "$T/cert.pem" "$T/key.pem" 2>"$T/https.log" &
_t_pids+=($!)
for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
U=https://127.0.0.1:$(cat "$T/port")
export APOLLO_BASE_URL=$U SERPER_BASE_URL=$U
: >"$T/served"
echo "$rec" | apollo-enrich --retries 0 --delay-ms 0 >"$T/out" 2>"$T/err"; rc=$?
t_eq "apollo-enrich: a self-signed server is refused (exit 69)" 69 "$rc"
t_contains "apollo-enrich: says it is the certificate" "$T/err" "certificate"
t_eq "apollo-enrich: the record still comes out, marked error" error \
	"$(jq -r '.contacts[0].apollo.status' "$T/out")"
echo "$rec" | serper-signals --classifier rules --delay-ms 0 >"$T/out" 2>"$T/err"; rc=$?
t_eq "serper-signals: a self-signed server is refused (exit 69)" 69 "$rc"
t_eq "serper-signals: the record still comes out" 1 "$(wc -l <"$T/out")"
t_eq "no request was served without verification" 0 "$(wc -l <"$T/served")"

export DEAL_ENRICH_CA_FILE=$T/cert.pem
echo "$rec" | apollo-enrich --delay-ms 0 >"$T/out" 2>"$T/err"; rc=$?
t_eq "apollo-enrich with DEAL_ENRICH_CA_FILE: exit 0" 0 "$rc"
t_eq "apollo-enrich with the CA: Apollo answered" not_found "$(jq -r '.contacts[0].apollo.status' "$T/out")"
echo "$rec" | serper-signals --classifier rules --delay-ms 0 >"$T/out" 2>"$T/err"; rc=$?
t_eq "serper-signals with DEAL_ENRICH_CA_FILE: exit 0" 0 "$rc"
t_check "serper-signals with the CA: a funding signal" grep -q funding "$T/out"
t_check "the server was reached with the CA" test "$(wc -l <"$T/served")" -ge 2

# another CA (not the server's) does not help: verification stays on
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other -keyout "$T/k2.pem" \
	-out "$T/other.pem" 2>/dev/null
export DEAL_ENRICH_CA_FILE=$T/other.pem
echo '{"workspace_id":"acme","deal_id":"2","account":{"name":"Initech","domain":"initech.com"},"contacts":[{"email":"x@initech.com"}]}' |
	apollo-enrich --retries 0 --delay-ms 0 >"$T/out" 2>"$T/err"; rc=$?
t_eq "apollo-enrich with a wrong CA: refused (exit 69)" 69 "$rc"
