#!/bin/sh
# Firewall rules are live on every node: each node's network namespace
# holds real TCP and UDP listeners, and connections made from inside it
# show what each rule does.  A port works before a rule; `deny` makes it
# silent (the client times out, which is not a refusal); `reject` makes it
# refuse at once (ECONNREFUSED, from a TCP reset or an ICMP port
# unreachable); deleting the rule makes it work again.  A rule limited by
# its source address lets one client in and refuses the others, seen from a
# second namespace joined to a node by a veth pair.
. "$(dirname "$0")/lib.sh"

OPEN=8080	# never ruled: it must answer throughout
SHUT=8081	# the port the rules are about
ALL="2 3 4"

start_master
fast_policy 300 3 3000
add_node_ns 2 fw1 web
add_node_ns 3 fw2 web
add_node_ns 4 fw3 web
for i in $ALL; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync

for i in $ALL; do
	ns_listen "lsn$i" "$(netns_of $i)" $OPEN $SHUT
	wait_for "n$i listener" 20 probe_is open "$(netns_of $i)" tcp 127.0.0.1 $SHUT
done

# every node: the listener answers before any rule
for i in $ALL; do
	ns=$(netns_of $i)
	assert_probe "n$i tcp $OPEN before" open "$ns" tcp 127.0.0.1 $OPEN
	assert_probe "n$i tcp $SHUT before" open "$ns" tcp 127.0.0.1 $SHUT
	assert_probe "n$i udp $SHUT before" open "$ns" udp 127.0.0.1 $SHUT
done

# deny: dropped silently; the client gets no answer at all
out=$(api firewall.edit sok=ok action=deny proto=tcp port=$SHUT comment="live deny")
assert_eq "deny ok" "" "$(jf "$out" .ok)"
R=$(jf "$out" .id)
assert_converged firewall 10 $ALL
for i in $ALL; do
	ns=$(netns_of $i)
	assert_match "n$i deny rule is a drop" "tcp dport $SHUT counter packets [0-9]+ bytes [0-9]+ drop comment \"hf-$R" \
	    "$(ip netns exec "$ns" nft list table inet hostfleet)"
	assert_probe "n$i tcp $SHUT denied: times out" timeout "$ns" tcp 127.0.0.1 $SHUT
	assert_probe "n$i tcp $OPEN still open" open "$ns" tcp 127.0.0.1 $OPEN
	assert_probe "n$i udp $SHUT not ruled" open "$ns" udp 127.0.0.1 $SHUT
done

# the same rule turned to reject: refused at once, on every node
out=$(api firewall.edit sok=ok elid="$R" action=reject)
assert_eq "reject ok" "" "$(jf "$out" .ok)"
assert_eq "action stored" reject "$(api firewall.edit elid="$R" | jq -r .action)"
assert_converged firewall 10 $ALL
for i in $ALL; do
	ns=$(netns_of $i)
	assert_match "n$i reject rule is a tcp reset" "tcp dport $SHUT counter packets [0-9]+ bytes [0-9]+ reject with tcp reset comment \"hf-$R" \
	    "$(ip netns exec "$ns" nft list table inet hostfleet)"
	assert_probe "n$i tcp $SHUT rejected: refused" refused "$ns" tcp 127.0.0.1 $SHUT
	assert_probe "n$i tcp $OPEN still open" open "$ns" tcp 127.0.0.1 $OPEN
done

# UDP: reject answers with an ICMP port unreachable, deny with nothing
out=$(api firewall.edit sok=ok action=reject proto=udp port=$SHUT)
U=$(jf "$out" .id)
assert_converged firewall 10 $ALL
for i in $ALL; do
	assert_probe "n$i udp $SHUT rejected: refused" refused "$(netns_of $i)" udp 127.0.0.1 $SHUT
	assert_probe "n$i udp $OPEN still open" open "$(netns_of $i)" udp 127.0.0.1 $OPEN
done
api firewall.edit sok=ok elid="$U" action=deny >/dev/null
assert_converged firewall 10 $ALL
for i in $ALL; do
	assert_probe "n$i udp $SHUT denied: times out" timeout "$(netns_of $i)" udp 127.0.0.1 $SHUT
done

# deleting the rules opens the ports again
out=$(api firewall.delete elid="$R, $U")
assert_eq "delete ok" "" "$(jf "$out" .ok)"
assert_converged firewall 10 $ALL
for i in $ALL; do
	ns=$(netns_of $i)
	assert_probe "n$i tcp $SHUT open after delete" open "$ns" tcp 127.0.0.1 $SHUT
	assert_probe "n$i udp $SHUT open after delete" open "$ns" udp 127.0.0.1 $SHUT
	assert_probe "n$i tcp $OPEN open after delete" open "$ns" tcp 127.0.0.1 $OPEN
done

# by source: a client namespace on node 2 with two addresses; only one of
# them is let in, every other source (the node's own loopback too) refused
CNS=$(netns_of c)
ns_client "$CNS" "$(netns_of 2)" 10.99.0.1/24 10.99.0.2/24 10.99.0.3/24
assert_probe "good client before" open "$CNS" tcp 10.99.0.1 $SHUT 10.99.0.2
assert_probe "other client before" open "$CNS" tcp 10.99.0.1 $SHUT 10.99.0.3
out=$(api firewall.edit sok=ok action=allow proto=tcp port=$SHUT src=10.99.0.2 order=10 comment="the one client")
A=$(jf "$out" .id)
out=$(api firewall.edit sok=ok action=reject proto=tcp port=$SHUT order=20 comment="everyone else")
B=$(jf "$out" .id)
assert_converged firewall 10 $ALL
assert_probe "good client let in" open "$CNS" tcp 10.99.0.1 $SHUT 10.99.0.2
assert_probe "other client refused" refused "$CNS" tcp 10.99.0.1 $SHUT 10.99.0.3
assert_probe "other port open to it" open "$CNS" tcp 10.99.0.1 $OPEN 10.99.0.3
for i in $ALL; do
	assert_probe "n$i loopback refused" refused "$(netns_of $i)" tcp 127.0.0.1 $SHUT
done
# first match wins: the allow moved after the reject lets nobody in
api firewall.edit sok=ok elid="$A" order=30 >/dev/null
assert_converged firewall 10 $ALL
assert_probe "allow after reject: refused" refused "$CNS" tcp 10.99.0.1 $SHUT 10.99.0.2
api firewall.delete elid="$A, $B" >/dev/null
assert_converged firewall 10 $ALL
assert_probe "good client after delete" open "$CNS" tcp 10.99.0.1 $SHUT 10.99.0.2
assert_probe "other client after delete" open "$CNS" tcp 10.99.0.1 $SHUT 10.99.0.3
assert_probe "n2 loopback after delete" open "$(netns_of 2)" tcp 127.0.0.1 $SHUT

assert_eq "no desync left" 0 "$(desync_count)"
for i in $ALL; do assert_eq "n$i ready" ready "$(node_field $i status)"; done
