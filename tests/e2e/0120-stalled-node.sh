#!/bin/sh
# A node stopped (SIGSTOP) during a query: the query waits no longer than
# the node timeout, fails, commits nothing; every target that took the
# change is restored; the stopped node converges after SIGCONT (I1, I2, I6).
. "$(dirname "$0")/lib.sh"

start_master
# polls far apart, so that the stopped node is still "ready" for the query
fast_policy 60000 3 1500
for i in 2 3 4 5 6; do add_node_ns $i "n$i" web; done
wait_for_ready() { for i in 2 3 4 5 6; do node_is $i ready || return 1; done; }
api cluster.policy sok=ok heartbeat_interval_ms=200 >/dev/null
wait_for "all ready" 30 wait_for_ready
wait_for "joins synchronised" 20 no_desync
out=$(api firewall.edit sok=ok action=allow proto=tcp port=22)
R1=$(jf "$out" .id)
assert_converged firewall 10 2 3 4 5 6
api cluster.policy sok=ok heartbeat_interval_ms=60000 >/dev/null

kill -STOP "$(pid_of n4)"
# (how long the query takes with a stalled node: bench/stall)
out=$(api firewall.edit sok=ok action=deny proto=tcp port=23)
assert_eq "query failed" cluster "$(jf "$out" .error.type)"
assert_match "names the stalled node and the timeout" 'n4: no answer within 1500 ms' "$(jf "$out" .error.msg)"
assert_eq "master unchanged (I1)" "$R1" "$(api firewall | jq -r '[.elem[].id] | join(" ")')"
q=$(api cluster.query limit=1)
assert_eq "logged as failed" failed "$(jf "$q" .elem[0].outcome)"
assert_match "per-node results" '"n2":"ok".*"n4":"no answer' "$(jf "$q" .elem[0].results)"
assert_eq "the stalled node desynchronised" 1 \
    "$(api cluster.desync | jq "[.elem[] | select(.type == \"firewall\" and .node == \"$NODEID_4\")] | length")"
# every other target took the change and is restored by a full push
pushes() { capi --cert "$MSTATE/master.pem" --key "$MSTATE/master.key" "https://$NET.$1:1501/v1/stats" | jq .versions.firewall.pushes; }
restored() { for i in 2 3 5 6; do [ "$(pushes $i)" -ge 2 ] || return 1; done; }
wait_for "the other targets pushed the master's state again" 15 restored
api cluster.policy sok=ok heartbeat_interval_ms=200 >/dev/null
assert_converged firewall 15 2 3 5 6
kill -CONT "$(pid_of n4)"
assert_converged firewall 20 2 3 4 5 6
wait_for "no desync left" 20 no_desync
wait_for "n4 ready" 10 node_is 4 ready
# the late change the stalled node found on waking took no effect: it
# refused it, by the master's clock
assert_match "n4 refused the late change" 'firewall version [0-9]* refused: the change arrived [0-9]* ms after its deadline' "$(cat "$WORK/n4.err")"
assert_nomatch "no port 23 anywhere" 'dport 23 ' "$(ip netns exec "$(netns_of 4)" nft list table inet hostfleet)"
# and the cluster takes queries again
out=$(api firewall.edit sok=ok action=deny proto=tcp port=23)
assert_eq "next query ok" "" "$(jf "$out" .ok)"
assert_converged firewall 10 2 3 4 5 6
