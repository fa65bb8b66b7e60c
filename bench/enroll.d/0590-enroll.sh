#!/bin/sh
# The body of bench/enroll (which says what it measures): a script of the
# e2e harness (lib.sh, box.sh), at a path of the form lib.sh reads.
HF=${HF:-$(cd "$(dirname "$0")/../.." && pwd)/build/hostfleet}
. "$(dirname "$0")/../../tests/e2e/lib.sh"
. "$TOP/tests/e2e/box.sh"
. "$TOP/tests/e2e/enroll.sh"
K=${K:-3}

make -s -C "$TOP" build/hostfleet || exit 1
box_tree || exit 1
box_local_repo || exit 1
start_master
fast_policy 500 4 2000
enroll_publish || exit 1
: >"$WORK/rows"
i=1
while [ "$i" -le "$K" ]; do
	box_start "b$i" "root pass $i" || exit 1
	t0=$(date +%s%3N)
	out=$(api cluster.node.enroll sok=ok name="b$i" addr="$(box_addr "b$i")" password="root pass $i")
	id=$(jf "$out" .id)
	[ -n "$id" ] && [ "$id" != null ] || { fail "enroll b$i: $out"; exit 1; }
	enroll_watch "$id" "$WORK/v$i" || exit 1
	status_watch "$id" "$WORK/s$i" 600 || exit 1
	t1=$(date +%s%3N)
	# call -> ready, then each step's ms, then last step end -> ready
	api cluster.node.enroll elid="$id" | jq -r --argjson t0 "$t0" --argjson t1 "$t1" '
	    [$t1 - $t0] + [.elem[] | (.ended | tonumber) - (.started | tonumber)] +
	    [$t1 - (.elem[-1].ended | tonumber)] | map(tostring) | join(" ")' >>"$WORK/rows"
	say "b$i: $(tail -1 "$WORK/rows")"
	box_stop "b$i"
	i=$((i + 1))
done
names="connect account key repository install config join start sync"
echo
echo "node added over SSH to ready, $K machines, mean ms (share of the total):"
awk -v names="$names" '
	{ for (i = 1; i <= NF; i++) s[i] += $i; n++ }
	END {
		split(names, nm, " ")
		printf "  %-28s %7.0f\n", "call -> ready", s[1] / n
		for (i = 2; i < NF; i++)
			printf "  step %-23s %7.0f  %4.1f%%\n", nm[i - 1], s[i] / n, 100 * s[i] / s[1]
		printf "  %-28s %7.0f  %4.1f%%\n", "last step -> ready", s[NF] / n, 100 * s[NF] / s[1]
	}' "$WORK/rows"
