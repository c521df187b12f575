#!/usr/bin/env bash
# Concurrent loads of one deal lose nothing (issue 17): 8 deals-load processes
# at once, each loading a different contact of the same 40 deals, one deal per
# transaction (--batch 1). Every deal ends with all 8 contacts. The merge used to
# read the stored deal and write it in a later transaction: a deal another
# loader wrote in between lost that loader's contact.
source "$(dirname "$0")/../lib.sh"

t_deals 40 8 acme d >"$T/all"
for i in 1 2 3 4 5 6 7 8; do
	jq -c --argjson i "$i" '.contacts |= [.[$i - 1]]' "$T/all" >"$T/in$i"
done
pids=()
for i in 1 2 3 4 5 6 7 8; do
	( deals-load --workspace acme --batch 1 <"$T/in$i" >/dev/null 2>"$T/e$i"; echo $? >"$T/rc$i" ) &
	pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3 4 5 6 7 8; do
	t_eq "loader $i: exit 0" 0 "$(cat "$T/rc$i")"
	t_lacks "loader $i: no sanitizer report" "$T/e$i" "Sanitizer"
done
short=0
for n in $(seq 1 40); do
	got=$(enrich-summary --workspace acme --deal "d-$n" --raw | jq -r ".record.contacts[].contact_id" | sort -V | paste -sd' ')
	want=$(seq 1 8 | sed "s/^/$n-/" | paste -sd' ')
	if [ "$got" != "$want" ]; then
		short=$((short + 1))
		echo "# deal d-$n holds: $got" >&3
	fi
done
t_eq "every contact of every deal is stored (deals missing some)" 0 "$short"
