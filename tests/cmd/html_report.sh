#!/usr/bin/env bash
# --format html of icp-profile and enrich-summary opened in headless Chromium
# (Debian's chromium): the page renders (a screenshot that is not blank), the
# DOM holds the expected headings, and no request leaves the file: Chromium
# runs behind a proxy that records every request it is sent, with every host
# name unresolvable, and writes its net log; the page's requests are those
# the net log gives an origin as initiator, and every request the proxy saw
# must be one the net log gives as the browser's own. A control page with one
# remote image shows both catch a request when there is one.
source "$(dirname "$0")/../lib.sh"

if ! command -v chromium >/dev/null; then
	t_fail "chromium is installed (Makefile DEB_PKGS)"
	exit 0
fi
GEN="python3 $DE_ROOT/tests/icp/gen.py"
AS_OF=2026-11-15
$GEN --mode planted --n 300 --seed 7 --moved 3 | deals-load >/dev/null
icp-profile --workspace acme --as-of "$AS_OF" --format html >"$T/profile.html"
t_eq "icp-profile --format html: exit 0" 0 $?
enrich-summary --workspace acme --as-of "$AS_OF" --months 0 --format html >"$T/summary.html"
t_eq "enrich-summary --format html: exit 0" 0 $?
echo '<!DOCTYPE html><html><body><h1>control</h1><img src="http://example.invalid/x.png"></body></html>' \
	>"$T/control.html"

for f in profile summary; do
	t_check "$f.html: one file, no script, link, import, url() or remote source" \
		bash -c "! grep -Eiq '<script|<link|<iframe|<img|@import|url\\(|src=|href=|https?:|//[a-z]' '$T/$f.html'"
	t_contains "$f.html: a Content-Security-Policy that loads nothing" "$T/$f.html" \
		"content=\"default-src 'none'; style-src 'unsafe-inline'\""
	t_contains "$f.html: inline SVG charts" "$T/$f.html" "<svg viewBox"
done

# The recording proxy, and Chromium behind it with every host name unresolvable.
python3 "$DE_ROOT/tests/html/recorder.py" "$T/requests" "$T/port" &
_t_pids+=($!)
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
t_check "the proxy is up" test -s "$T/port"
# browse NAME FLAGS... URL: a run with its own net log ($T/NAME.net) and proxy log
# ($T/NAME.proxy). The binary itself, not Debian's wrapper, which adds
# --enable-remote-extensions (extension update checks).
browse() {
	local name=$1; shift
	: >"$T/requests"
	timeout 60 /usr/lib/chromium/chromium --headless --no-sandbox --disable-gpu \
		--hide-scrollbars --user-data-dir="$T/chromium" --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --no-pings --disable-domain-reliability --disable-breakpad \
		--metrics-recording-only --disable-extensions \
		--proxy-server="http://127.0.0.1:$(cat "$T/port")" --proxy-bypass-list="<-loopback>" \
		--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
		--log-net-log="$T/$name.net" "$@" 2>>"$T/chromium.log"
	local rc=$?
	cp "$T/requests" "$T/$name.proxy"
	return $rc
}
left() { python3 "$DE_ROOT/tests/html/netlog.py" "$T/$1.net" "$T/$1.proxy"; }

browse control --dump-dom "file://$T/control.html" >/dev/null
t_check "control: the net log gives the page's remote image" grep -qx "page http://example.invalid/x.png" <(left control)
t_check "control: the proxy saw it" grep -q "GET http://example.invalid/x.png" "$T/control.proxy"

for f in profile summary; do
	browse "$f" --dump-dom "file://$T/$f.html" >"$T/$f.dom"
	t_eq "$f: chromium --dump-dom exits 0" 0 $?
	t_eq "$f: no request left the page (net log and proxy)" "" "$(left "$f")"
	browse "$f-shot" --window-size=800,600 --screenshot="$T/$f.png" "file://$T/$f.html" >/dev/null
	t_check "$f: a screenshot" test -s "$T/$f.png"
	t_eq "$f: no request left the page while it was drawn" "" "$(left "$f-shot")"
	ink=$(python3 "$DE_ROOT/tests/html/png_ink.py" "$T/$f.png")
	t_check "$f: the screenshot is not blank ($ink% ink)" python3 -c "import sys; sys.exit(not $ink > 2)"
done
t_contains "profile DOM: its title" "$T/profile.dom" "<h1>Who buys from us: acme</h1>"
for h in "Can the profile tell a buyer?" "What sets won deals apart" "How much the deals tell"; do
	t_contains "profile DOM: heading $h" "$T/profile.dom" "<h2>$h</h2>"
done
t_contains "profile DOM: a planted value, marked" "$T/profile.dom" "wins more"
t_contains "summary DOM: its title" "$T/summary.dom" "<h1>Enrichment summary: acme</h1>"
for h in Coverage Industries "Company size" Seniority Departments "Buying roles" Signals \
	"Champions and buyers who moved"; do
	t_contains "summary DOM: heading $h" "$T/summary.dom" "<h2>$h</h2>"
done
t_contains "summary DOM: a contact who moved" "$T/summary.dom" "NewCo"
