#!/usr/bin/env bash
# The README's pipeline commands, verbatim: every indented code line of
# README.md that starts with "pipelines/" or "tail " is run from the top of the
# tree, in order, against the sandbox, as a new user would (HOME's defaults, no
# XDG variables); each must exit 0. A line that installs a crontab is not run.
source "$(dirname "$0")/../lib.sh"

README=${DE_README:-$DE_ROOT/README.md}   # DE_README: try a draft
grep -E '^    (pipelines/[a-z-]+( |$)|tail )' "$README" | sed 's/^    //' | grep -vF '| crontab -' >"$T/cmds"
n=$(wc -l <"$T/cmds")
t_check "README.md shows the pipeline commands (pipelines/enrich-closed-deals, monthly, on-close)" \
	bash -c "grep -q '^pipelines/enrich-closed-deals ' '$T/cmds' && grep -q '^pipelines/monthly ' '$T/cmds' &&
		grep -q '^pipelines/on-close ' '$T/cmds'"
t_check "README.md points to docs/scheduling.md and docs/parallel.md" \
	bash -c "grep -q 'docs/scheduling.md' '$README' && grep -q 'docs/parallel.md' '$README'"

t_start_fakeapi || exit 1
export APOLLO_API_KEY=test-apollo-key SERPER_API_KEY=test-serper-key DEEPSEEK_API_KEY=test-deepseek-key
unset XDG_CONFIG_HOME XDG_STATE_HOME XDG_DATA_HOME DEAL_ENRICH_DB
cd "$DE_ROOT" || exit 1
touch "$T/mark"
i=0
while IFS= read -r cmd; do
	i=$((i + 1))
	bash -o pipefail -c "$cmd" </dev/null >"$T/out.$i" 2>"$T/err.$i"
	rc=$?
	t_eq "README: $cmd" 0 "$rc"
	[ "$rc" = 0 ] || tail -n 3 "$T/err.$i" | sed 's/^/# /'
done <"$T/cmds"
t_check "README: at least 4 commands run" test "$i" -ge 4
t_check "README: the runs went to HOME's default places" test -s "$HOME/.local/state/deal-enrich/runs.ndjson" -a -d "$HOME/.local/share/deal-enrich"
t_eq "README: nothing written into the tree" "" "$(find examples pipelines docs -newer "$T/mark" 2>/dev/null)"
