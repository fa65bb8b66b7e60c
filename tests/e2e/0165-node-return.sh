#!/bin/sh
# A node back from a short outage is sent what it missed as soon as it
# answers again, not when the backoff of the pushes that failed while it
# was away would next allow: its desync entry is settled before its
# next_try.  (The outage is shorter than the heartbeats that would call
# it unavailable, as a restart is.)
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 1000 30 1000
for i in 2 3 4; do add_node $i n$i web; done
for i in 2 3 4; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync

stop_node 3
out=$(api scheduler.edit sok=ok minute=5 command=/usr/bin/true)
say "a change while n3 is away: $(jf "$out" '.error.msg // "ok"')"
entry() { api cluster.desync | jq -r ".elem[] | select(.node == \"$NODEID_3\" and .type == \"scheduler\") | .$1"; }
backed_off() { [ "$(entry attempts)" -ge 5 ] 2>/dev/null; }
# five failed pushes: the next waits 8 s
wait_for "n3's pushes backed off" 30 backed_off
next=$(entry next_try)
check "its next try is some seconds away ($next vs $(date +%s))" [ "$next" -ge $(($(date +%s) + 3)) ]
check "n3 not yet called unavailable ($(node_field 3 status))" [ "$(node_field 3 status)" != unavailable ]

start_node 3
wait_for "n3 converged" 30 no_desync
done_at=$(date +%s)
check "settled before the backoff's next try ($done_at < $next)" [ "$done_at" -lt "$next" ]
assert_converged scheduler 10 2 3 4
