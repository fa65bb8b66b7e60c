#!/bin/sh
# `make demo` as a user meets it: `./build/hostfleet demo` from the top of
# a checkout, with its defaults (./var/demo, port 1500, nodes on
# 127.0.0.1-3), then the README's walkthrough typed line by line from the
# same directory: the site answers, the record resolves, the mail lands.
# Then a query reaches a node's namespace, and Ctrl-C stops every process
# of the demo, its nodes' services too.
. "$(dirname "$0")/lib.sh"

# a checkout's directory: README.md and build/hostfleet (the sanitizer
# build, so that the demo's daemons are checked too)
CO=$WORK/checkout
mkdir -p "$CO/build"
cp "$TOP/README.md" "$CO/"
ln -s "$HF" "$CO/build/hostfleet"
cd "$CO" || exit 1
bg demo ./build/hostfleet demo
MSTATE=$CO/var/demo/master
printed() { grep -q 'hostfleet demo is running' "$WORK/demo.out"; }
wait_for "demo prints its address and password" 60 printed
assert_match "admin password shown" 'login: +admin / [0-9a-f]{16}' "$(cat "$WORK/demo.out")"
three_ready() { [ "$(api cluster.node | jq '[.elem[] | select(.status == "ready")] | length')" = 3 ]; }
wait_for "three demo nodes ready" 90 three_ready
assert_eq "demo roles" "web,dns,mail web,mail web,dns" "$(api cluster.node | jq -r '[.elem[].roles] | join(" ")')"
services_up() {
	api cluster.node.service elid=1 | jq -e '[.elem[] | select(.state == "running")] | length == 5' >/dev/null
}
wait_for "node1 runs its five services" 60 services_up

# the README's walkthrough, each line as typed
sed -n '/^## The demo/,/^## /p' README.md | grep '^    ' | sed 's/^    //' >"$WORK/walk.sh"
check "the README has a walkthrough" [ "$(wc -l <"$WORK/walk.sh")" -ge 8 ]
n=0
while IFS= read -r line; do
	n=$((n + 1))
	out=$(sh -c "$line" 2>&1)
	rc=$?
	# mail is delivered a moment after it is queued: look again, as a
	# user would, for a bounded time
	case "$line" in ls*)
		t=0
		while [ $rc -ne 0 ] && [ $t -lt 50 ]; do
			sleep 0.2; t=$((t + 1))
			out=$(sh -c "$line" 2>&1); rc=$?
		done ;;
	esac
	echo "$ $line" >>"$WORK/walk.log"
	echo "$out" >>"$WORK/walk.log"
	if [ $rc -ne 0 ]; then
		fail "README line $n exited $rc: $line: $out"
		continue
	fi
	ok
	case "$line" in
	*"call "*)
		assert_nomatch "README line $n answers no error" '"?error"?|ERROR' "$out" ;;
	curl*)
		assert_eq "the demo site answers" "hello from demo.test" "$out" ;;
	dig*)
		assert_eq "the demo record resolves" 127.0.0.1 "$out" ;;
	swaks*)
		assert_match "the demo mailbox takes the mail" "250 2.0.0 Ok: queued" "$out" ;;
	ls*)
		assert_match "the mail landed in the Maildir" "^[0-9]+\." "$out" ;;
	esac
done <"$WORK/walk.sh"

out=$(api firewall.edit sok=ok action=allow proto=tcp port=2222)
assert_eq "a query on the demo" "" "$(jf "$out" .ok)"
in_ns() { ip netns exec hostfleet-demo-2 nft list table inet hostfleet | grep -q 'dport 2222'; }
wait_for "rule live in the demo node's namespace" 10 in_ns
api firewall.delete elid="$(jf "$out" .id)" >/dev/null

kill -INT "$(pid_of demo)"
stopped() {
	! pgrep -f "hostfleet (master|node) -s $CO/var/demo" >/dev/null &&
	    ! pgrep -f "$CO/var/demo/node./root" >/dev/null
}
wait_for "Ctrl-C stops every process of the demo, services too" 30 stopped
wait_for "the loopback addresses it added are gone" 20 sh -c "! ip -4 addr show dev lo | grep -q 'inet 127.0.0.2/32'"
# the demo's daemons log under its directory: the master's and each
# node's log is there, written, and holds no sanitizer report
logs=0
for f in "$CO"/var/demo/*.log; do
	[ -f "$f" ] || continue
	logs=$((logs + 1))
	check "$(basename "$f") written" test -s "$f"
	check "no sanitizer report in $(basename "$f")" \
	    sh -c "! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$f'"
done
check "the master's log is there" test -s "$CO/var/demo/master.log"
check "the master's and the two nodes' logs ($logs)" [ "$logs" -ge 3 ]
cd "$TOP" || exit 1
