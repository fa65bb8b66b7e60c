#!/bin/sh
# A node whose apply fails: the master is unchanged, the error is shown,
# every target converges back to the master's state; once the cause is
# gone the node converges too (I1, I2, I5).
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 200 2 2000
for i in 2 3 4 5 6; do add_node_ns $i "n$i" web; done
for i in 2 3 4 5 6; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync
out=$(api firewall.edit sok=ok action=allow proto=tcp port=22)
R1=$(jf "$out" .id)
assert_converged firewall 10 2 3 4 5 6

# n4's network namespace disappears: nft cannot check nor load anything
# (the polls are slowed down, so that the query meets the failure before
# the stats collector reports the node drifted)
api cluster.policy sok=ok heartbeat_interval_ms=60000 >/dev/null
ip netns del "$(netns_of 4)"
out=$(api firewall.edit sok=ok action=allow proto=tcp port=443)
assert_eq "query failed" cluster "$(jf "$out" .error.type)"
assert_match "node and cause named" 'n4: HTTP 422: nft -c: Cannot open network namespace' "$(jf "$out" .error.msg)"
assert_eq "master unchanged" "$R1" "$(api firewall | jq -r '[.elem[].id] | join(" ")')"
# the others took it, and are put back
assert_converged firewall 15 2 3 5 6
assert_nomatch "n2 restored" 'dport 443' "$(ip netns exec "$(netns_of 2)" nft list table inet hostfleet)"
# n4 keeps failing, with the error shown and a growing backoff
failing() { api cluster.desync | jq -e ".elem[] | select(.node == \"$NODEID_4\" and (.attempts | tonumber) >= 2 and (.last_error | test(\"nft\")))" >/dev/null; }
wait_for "n4's error shown with attempts" 15 failing
assert_eq "n4 syncing, not ready" syncing "$(node_field 4 status)"
# n4 still serves its previous rules: its store and file were not touched
assert_eq "n4 store unchanged" "$(master_items firewall)" "$(node_items 4 firewall)"

# the cause is fixed: n4 converges without a manual step
api cluster.policy sok=ok heartbeat_interval_ms=200 >/dev/null
ip netns add "$(netns_of 4)"
assert_converged firewall 40 2 3 4 5 6
wait_for "n4 ready" 40 node_is 4 ready
