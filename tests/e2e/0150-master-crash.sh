#!/bin/sh
# The master killed between the intent and the commit: at its next start
# the intent marks every target desynchronised and the cluster converges to
# the master's committed state; the refused change appears nowhere (I2).
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 200 2 2000
for i in 2 3 4 5 6; do add_node_ns $i "n$i" web; done
for i in 2 3 4 5 6; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync
out=$(api firewall.edit sok=ok action=allow proto=tcp port=22)
R1=$(jf "$out" .id)
assert_converged firewall 10 2 3 4 5 6

# a master that pauses after the fan-out, before the commit
stop_master
HOSTFLEET_TEST_COMMIT_DELAY_MS=30000 start_master
(api firewall.edit sok=ok action=deny proto=tcp port=3306 >/dev/null 2>&1) &
QPID=$!
took() { for i in 2 3 4 5 6; do ip netns exec "$(netns_of $i)" nft list table inet hostfleet | grep -q 'dport 3306' || return 1; done; }
wait_for "every node took the uncommitted change" 15 took
check "intent recorded" test "$(master_dump intents | wc -l)" = 1
kill -9 "$(pid_of master)"
wait "$QPID" 2>/dev/null
# a recovery that takes a while (a large store): the API does not answer
# before it is done, so its first answer already sees the recovered state
HOSTFLEET_TEST_RECOVER_DELAY_MS=3000 start_master
assert_match "recovered before the API's first answer" 'recovered 1 distributed quer' "$(cat "$WORK/master.err")"
check "no intent left at the first answer" test "$(master_dump intents | wc -l)" = 0
assert_eq "master has only the committed rule" "$R1" "$(api firewall | jq -r '[.elem[].id] | join(" ")')"
assert_converged firewall 20 2 3 4 5 6
for i in 2 3 4 5 6; do
	assert_nomatch "n$i: the uncommitted rule is gone" 'dport 3306' "$(ip netns exec "$(netns_of $i)" nft list table inet hostfleet)"
done
wait_for "no desync left" 20 no_desync
check "intent cleared" test "$(master_dump intents | wc -l)" = 0
out=$(api firewall.edit sok=ok action=deny proto=tcp port=3306)
assert_eq "the change made again goes through" "" "$(jf "$out" .ok)"
assert_converged firewall 10 2 3 4 5 6
