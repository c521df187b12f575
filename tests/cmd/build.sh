#!/usr/bin/env bash
# The build's own promises: install/uninstall with PREFIX and DESTDIR, and
# `make deps` telling a non-root user the exact command.
source "$(dirname "$0")/../lib.sh"

cd "$DE_ROOT" || exit 1
shopt -s nullglob
root=$T/destdir
if make -s install PREFIX=/opt/de DESTDIR="$root" >"$T/install.log" 2>&1; then
	t_ok "make install succeeds"
else
	t_fail "make install succeeds" "$(tail -5 "$T/install.log")"
fi
n_progs=0
for p in cmd/*.c; do
	n=$(basename "$p" .c)
	n_progs=$((n_progs + 1))
	[ -x "$root/opt/de/bin/$n" ] || t_fail "installed $n" "missing $root/opt/de/bin/$n"
	[ -f "$root/opt/de/share/man/man1/$n.1" ] || t_fail "installed man page of $n"
done
# Exactly the programs and the pipelines (deal-enrich-NAME), nothing else: a
# program may itself be named deal-enrich-* (deal-enrich-config).
want=$( { for p in cmd/*.c; do basename "$p" .c; done
	for p in pipelines/*; do [ -f "$p" ] && [[ $p != *.md ]] && echo "deal-enrich-$(basename "$p")"; done; } | sort)
t_eq "every program was installed ($n_progs), and the pipelines, nothing else" "$want" "$(ls "$root/opt/de/bin" | sort)"
for p in pipelines/*; do
	[ -f "$p" ] || continue
	case $p in *.md) continue;; esac
	t_check "pipeline $(basename "$p") installed" test -x "$root/opt/de/bin/deal-enrich-$(basename "$p")"
done
first=$(basename "$(ls cmd/*.c | head -1)" .c)
t_check "an installed program runs ($first --version)" "$root/opt/de/bin/$first" --version
make -s uninstall PREFIX=/opt/de DESTDIR="$root" >"$T/uninstall.log" 2>&1
left=$(find "$root" -type f | wc -l)
t_eq "make uninstall removes every installed file" 0 "$left"

# make deps as a user who cannot install: the exact command, exit 1.
if id nobody >/dev/null 2>&1 && command -v runuser >/dev/null; then
	# The script on stdin: a checkout under a private directory (mktemp -d) is
	# not readable by nobody.
	out=$(runuser -u nobody -- sh -s de-no-such-package-xyz <tools/deps 2>&1); rc=$?
	t_eq "deps as non-root exits 1" 1 "$rc"
	case $out in
	*"sudo apt-get install -y de-no-such-package-xyz"*) t_ok "deps prints the apt-get command" ;;
	*) t_fail "deps prints the apt-get command" "$out" ;;
	esac
else
	t_skip "deps as non-root exits 1" "no user nobody or no runuser here"
fi
t_check "deps with everything installed says nothing and succeeds" sh tools/deps make
