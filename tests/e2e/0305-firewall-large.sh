#!/bin/sh
# A firewall whose live listing is larger than 64 KiB: the node reads the
# whole listing, so its rules are seen as in effect and the firewall is
# applied once, not again at every heartbeat (a listing cut short counted
# as drift forever).
. "$(dirname "$0")/lib.sh"

N=450
start_master
fast_policy 300 3 3000
add_node_ns 2 fw1 web
wait_for "n2 ready" 30 node_is 2 ready
wait_for "join synchronised" 20 no_desync

C=$(printf 'a rule with a long comment, as admins write them to say why the port is open, %04d' 0 | cut -c1-90)
i=1
while [ $i -le $N ]; do
	out=$(api firewall.edit sok=ok action=allow proto=tcp port=$((20000 + i)) comment="$C $(printf %04d $i)")
	[ "$(jf "$out" .ok)" = "" ] || { fail "rule $i: $out"; break; }
	i=$((i + 1))
done
assert_eq "every rule in the master's list" $N "$(api firewall | jq '.elem | length')"
size=$(ip netns exec "$(netns_of 2)" nft list table inet hostfleet | wc -c)
check "the live listing is larger than 64 KiB ($size bytes)" [ "$size" -gt 65536 ]
assert_eq "every rule live" $N "$(live_rule_ids 2 | wc -w)"

pushes() { capi --cert "$MSTATE/master.pem" --key "$MSTATE/master.key" "https://$NET.$1:1501/v1/stats" | jq .versions.firewall.pushes; }
wait_for "no desync" 20 no_desync
after() { [ "$(date +%s)" -ge "$1" ]; }
# a report from a poll crossing the last change may still cost one push:
# settle first (a listing cut short never settles: a push every heartbeat)
p0=$(pushes 2)
for k in 1 2 3 4 5; do
	wait_for "a second of heartbeats" 5 after $(($(date +%s) + 1))
	p1=$(pushes 2)
	[ "$p1" = "$p0" ] && break
	p0=$p1
done
applied0=$(grep -c 'firewall: version' "$WORK/n2.err")
# ten heartbeats, each of which would find drift in a listing cut short
t=$(($(date +%s) + 3))
wait_for "three seconds of heartbeats" 10 after $t
assert_eq "not pushed again" "$p0" "$(pushes 2)"
assert_eq "not applied again" "$applied0" "$(grep -c 'firewall: version' "$WORK/n2.err")"
assert_eq "no desync" 0 "$(desync_count)"
