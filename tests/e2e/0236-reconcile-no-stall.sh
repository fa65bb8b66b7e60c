#!/bin/sh
# I6 for user data: a DNS node that hangs (SIGSTOP) with unfinished
# creates on it does not hold up the synchronizer.  The user-data
# reconciler has work for the hung node, yet a system-data change still
# reaches another node while the hung one stays stopped.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 5000
api cluster.policy sok=ok min_ready_percent=0 >/dev/null
add_node_ns 2 web1 web
add_node_ns 3 dns1 dns
add_node_ns 4 web2 web
for i in 2 3 4; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync
api user.edit sok=ok name=alice passwd=alice-pass-1 >/dev/null
is_ok "alice's first zone" "$(ua domain.edit sok=ok name=first.example.org ip=192.0.2.1)"

# the node hangs; creates on it are sent and never answered, so their
# index rows stay pending for the reconciler
kill -STOP "$(pid_of n3)"
N=24
P=""
for k in $(seq 1 $N); do
	(ua domain.edit sok=ok name=p$k.example.org ip=192.0.2.2 >/dev/null 2>&1) &
	P="$P $!"
done
for p in $P; do wait "$p"; done
npending() { master_dump uindex | jq -s '[.[] | select(.state == "pending")] | length'; }
assert_eq "$N creates left pending on the hung node" $N "$(npending)"
wait_for "dns1 seen unavailable" 30 node_is 3 unavailable
# the reconciler takes a pending row once it is older than the node
# timeout and 5 s: wait until all of them are
due() {
	t=$(( $(date +%s) - 5 - 5 - 1 ))
	[ "$(master_dump uindex | jq -s --argjson t $t \
	    '[.[] | select(.state == "pending" and .since < $t)] | length')" = $N ]
}
wait_for "the pending rows are due" 30 due

# a system-data change that web1 gets from the synchronizer: it is down
# when the change is made, and pushed the change when it is back
stop_node 2
wait_for "web1 seen down" 20 node_is 2 unavailable
is_ok "a cron job added" "$(api scheduler.edit sok=ok minute=7 command=/usr/bin/hf-no-stall)"
start_node_ns 2
assert_converged scheduler 20 2 4
assert_eq "dns1 is still stopped meanwhile" T \
    "$(awk '{print $3}' "/proc/$(pid_of n3)/stat")"

# the hung node wakes: its unfinished creates are settled
kill -CONT "$(pid_of n3)"
wait_for "dns1 back" 30 node_is 3 ready
nopending() { [ "$(npending)" = 0 ]; }
wait_for "every unfinished create settled" 60 nopending
for k in 1 2 3; do
	check "p$k settled on dns1" [ ! -f "$WORK/n3/root/etc/bind/hostfleet/zones/p$k.example.org.db" ]
done
