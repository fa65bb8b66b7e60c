#!/bin/sh
# A node killed in the middle of an apply (new file in place, store not yet
# written) and restarted converges to the master's state (I2).
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 200 2 2000
for i in 2 3 4 5 6; do add_node_ns $i "n$i" web; done
for i in 2 3 4 5 6; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync
out=$(api firewall.edit sok=ok action=allow proto=tcp port=22)
assert_converged firewall 10 2 3 4 5 6

# n3 stops for 10 s between installing a file and storing the change
node_down 3
HOSTFLEET_TEST_APPLY_DELAY_MS=10000 start_node_ns 3
wait_for "n3 back" 20 node_is 3 ready
(api firewall.edit sok=ok action=allow proto=tcp port=8080 >"$WORK/q.out") &
QPID=$!
applied() { ip netns exec "$(netns_of 3)" nft list table inet hostfleet | grep -q 'dport 8080'; }
wait_for "n3 in the middle of the apply" 10 applied
kill -9 "$(pid_of n3)"
wait "$QPID"
assert_eq "query failed on the killed node" cluster "$(jf "$(cat "$WORK/q.out")" .error.type)"
assert_eq "master unchanged" 1 "$(api firewall | jq '.elem | length')"
start_node_ns 3
assert_converged firewall 20 2 3 4 5 6
assert_nomatch "the half-applied rule is gone" 'dport 8080' "$(ip netns exec "$(netns_of 3)" nft list table inet hostfleet)"
wait_for "no desync left" 20 no_desync

# killed in the middle of a synchronizer push
node_down 5
out=$(api firewall.edit sok=ok action=allow proto=tcp port=9090)
assert_eq "query with n5 down" "" "$(jf "$out" .ok)"
HOSTFLEET_TEST_APPLY_DELAY_MS=10000 start_node_ns 5
pushed() { ip netns exec "$(netns_of 5)" nft list table inet hostfleet | grep -q 'dport 9090'; }
wait_for "n5 in the middle of a push" 20 pushed
kill -9 "$(pid_of n5)"
start_node_ns 5
assert_converged firewall 20 2 3 4 5 6
wait_for "no desync left" 20 no_desync
