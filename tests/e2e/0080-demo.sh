#!/bin/sh
# `hostfleet demo` (what `make demo` runs): a master and three nodes on
# 127.0.0.1-3 come up ready, take a query, and Ctrl-C stops them all.
. "$(dirname "$0")/lib.sh"

bg demo "$HF" demo --dir "$WORK/demo" --port 15700
MSTATE=$WORK/demo/master
printed() { grep -q 'hostfleet demo is running' "$WORK/demo.out"; }
wait_for "demo prints its address and password" 60 printed
assert_match "admin password shown" 'login: +admin / [0-9a-f]{16}' "$(cat "$WORK/demo.out")"
three_ready() { [ "$(api cluster.node | jq '[.elem[] | select(.status == "ready")] | length')" = 3 ]; }
wait_for "three demo nodes ready" 60 three_ready
assert_eq "demo roles" "web,dns,mail web,mail web,dns" "$(api cluster.node | jq -r '[.elem[].roles] | join(" ")')"
out=$(api firewall.edit sok=ok action=allow proto=tcp port=2222)
assert_eq "a query on the demo" "" "$(jf "$out" .ok)"
in_ns() { ip netns exec hostfleet-demo-2 nft list table inet hostfleet | grep -q 'dport 2222'; }
wait_for "rule live in the demo node's namespace" 10 in_ns
api firewall.delete elid="$(jf "$out" .id)" >/dev/null
# the user-data lines the demo prints work as printed
out=$(api user.edit sok=ok name=demo passwd=demo-pass-1)
assert_eq "demo user" "" "$(jf "$out" .ok)"
out=$(api webdomain.edit sok=ok name=example.test su=demo)
assert_eq "demo site" "" "$(jf "$out" .ok)"
node=$(api user.placement elid=demo | jq -r '.elem[] | select(.role == "web") | .node')
assert_match "placed on a demo node" '^node[123]$' "$node"
check "its server block under that node's root" test -f "$WORK/demo/$node/root/etc/nginx/hostfleet/sites/example.test.conf"
kill -INT "$(pid_of demo)"
stopped() { ! pgrep -f "hostfleet (master|node) -s $WORK/demo" >/dev/null; }
wait_for "Ctrl-C stops every process of the demo" 20 stopped
# the demo's daemons log under its directory: no sanitizer report there
for f in "$WORK"/demo/*.log; do
	check "no sanitizer report in $(basename "$f")" \
	    sh -c "! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$f'"
done
