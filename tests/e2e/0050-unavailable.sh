#!/bin/sh
# A node stopped with SIGSTOP misses its polls and becomes unavailable,
# without delaying the polls of the others (I6); after SIGCONT it is ready
# again.  A killed node too.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 200 2 1000
for i in 2 3 4 5 6; do add_node $i "n$i" web; done
for i in 2 3 4 5 6; do wait_for "n$i ready" 30 node_is $i ready; done

kill -STOP "$(pid_of n4)"
wait_for "n4 unavailable" 10 node_is 4 unavailable
assert_match "reason shown" 'no answer within 1000 ms' "$(node_field 4 status_msg)"

# the others are still polled every round while n4 hangs
s1=$(node_field 2 last_seen)
advanced() { [ "$(node_field 2 last_seen)" -gt "$1" ]; }
wait_for "n2 still polled while n4 hangs" 5 advanced "$s1"
for i in 2 3 5 6; do assert_eq "n$i still ready" ready "$(node_field $i status)"; done

# a stats call to the cluster answers despite the hung node, from what the
# polls found (how long it takes with a stalled node: bench/stall)
out=$(api sysinfo_stat)
assert_eq "sysinfo_stat shows the hung node unavailable" unavailable "$(jf "$out" '.elem[] | select(.name == "n4") | .status')"
assert_eq "and the others ready" "ready ready ready ready" "$(jf "$out" '[.elem[] | select(.name != "n4") | .status] | join(" ")')"

kill -CONT "$(pid_of n4)"
wait_for "n4 ready again after SIGCONT" 10 node_is 4 ready
assert_eq "misses reset" 0 "$(node_field 4 misses)"

# a killed node, restarted
stop_node 5
wait_for "n5 unavailable when killed" 10 node_is 5 unavailable
start_node 5
wait_for "n5 ready after restart" 20 node_is 5 ready
