#!/usr/bin/env bash
# docs/scheduling.md: its crontab lines are what --print-crontab prints, and
# its systemd units, taken from the page as they are, pass systemd-analyze verify.
source "$(dirname "$0")/../lib.sh"

DOC=$DE_ROOT/docs/scheduling.md
t_check "docs/scheduling.md exists" test -f "$DOC"

# --- cron
for p in monthly on-close; do
	printed=$("$DE_ROOT/pipelines/$p" --print-crontab | grep -v '^#')
	# The page shows the installed name under /usr/local/bin.
	want=${printed/$DE_ROOT\/pipelines\/$p//usr/local/bin/deal-enrich-$p}
	t_check "the page shows the $p crontab line ($want)" grep -qxF "    $want" "$DOC"
	t_check "the page shows the $p comment line" grep -qxF "    $("$DE_ROOT/pipelines/$p" --print-crontab | grep '^#')" "$DOC"
done
t_check "the monthly line: 7 AM on the 1st" grep -qxF "    0 7 1 * * /usr/local/bin/deal-enrich-monthly --quiet" "$DOC"

# --- systemd: the four units, as the page gives them
mkdir -p "$T/units"
awk -v dir="$T/units" '
	/^`deal-enrich-[a-z-]+\.(service|timer)`$/ { f = dir "/" substr($0, 2, length($0) - 2); next }
	f != "" && /^    / { sub(/^    /, ""); print > f; next }
	f != "" && /^$/ { print "" > f; next }
	/^[^ ]/ { f = "" }' "$DOC"
t_eq "the page gives four units" "deal-enrich-monthly.service deal-enrich-monthly.timer deal-enrich-on-close.service deal-enrich-on-close.timer" \
	"$(cd "$T/units" && ls | xargs)"
t_check "the monthly timer: 7 AM on the 1st, persistent" bash -c "grep -qx 'OnCalendar=\*-\*-01 07:00:00' '$T/units/deal-enrich-monthly.timer' &&
	grep -qx 'Persistent=true' '$T/units/deal-enrich-monthly.timer'"
t_check "the services run the installed scripts, --quiet" bash -c "
	grep -qx 'ExecStart=/usr/local/bin/deal-enrich-monthly --quiet' '$T/units/deal-enrich-monthly.service' &&
	grep -qx 'ExecStart=/usr/local/bin/deal-enrich-on-close --quiet' '$T/units/deal-enrich-on-close.service'"
if command -v systemd-analyze >/dev/null; then
	# Verify against this tree's scripts (the installed path does not exist here).
	sed -i "s#/usr/local/bin/deal-enrich-#$DE_ROOT/pipelines/#" "$T/units"/*.service
	(cd "$T/units" && systemd-analyze verify ./*.timer ./*.service) >"$T/verify" 2>&1
	t_eq "systemd-analyze verify: the units are valid" 0 "$?"
	[ -s "$T/verify" ] && sed 's/^/# /' "$T/verify" | head -n 5
	systemd-analyze calendar --iterations 2 '*-*-01 07:00:00' >"$T/cal" 2>&1
	t_check "the calendar: the 1st of the month at 07:00" grep -Eq 'Next elapse: .* [0-9]{4}-[0-9]{2}-01 07:00:00' "$T/cal"
else
	t_skip "systemd-analyze verify: the units are valid" "systemd-analyze is not installed"
fi
