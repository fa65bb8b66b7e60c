#!/bin/sh
# The policy gate: a query runs only when more than min_ready_percent of its
# targets are ready; a refused query changes nothing anywhere.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 200 2 1000
for i in 2 3 4 5 6; do add_node_ns $i "n$i" web; done
for i in 2 3 4 5 6; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync
out=$(api firewall.edit sok=ok action=allow proto=tcp port=443)
R1=$(jf "$out" .id)
assert_converged firewall 10 2 3 4 5 6
nq=$(api cluster.query | jq '.elem | length')

# 3 of 5 down: 40% ready, not more than 50%
stop_node 4; stop_node 5; stop_node 6
for i in 4 5 6; do wait_for "n$i unavailable" 10 node_is $i unavailable; done
before2=$(node_items 2 firewall)
out=$(api firewall.edit sok=ok action=deny proto=tcp port=25)
assert_eq "refused by the policy" policy "$(jf "$out" .error.type)"
assert_match "says why" 'only 2 of 5 target nodes are ready \(40%\).*more than 50%.*nothing was changed' "$(jf "$out" .error.msg)"
out=$(api firewall.delete elid="$R1")
assert_eq "delete refused too" policy "$(jf "$out" .error.type)"
assert_eq "master unchanged" "$R1" "$(api firewall | jq -r '[.elem[].id] | join(" ")')"
assert_eq "ready node unchanged" "$before2" "$(node_items 2 firewall)"
assert_converged firewall 2 2 3
assert_eq "no query was logged" "$nq" "$(api cluster.query | jq '.elem | length')"
assert_eq "nothing registered" 0 "$(api cluster.desync | jq '[.elem[] | select(.reason | test("query"))] | length')"

# lowering the policy lets it through; the down nodes are desynchronised
api cluster.policy sok=ok min_ready_percent=30 >/dev/null
out=$(api firewall.edit sok=ok action=deny proto=tcp port=25)
assert_eq "allowed at 30%" "" "$(jf "$out" .ok)"
assert_converged firewall 10 2 3
assert_eq "three down nodes desynchronised" "n4 n5 n6" \
    "$(api cluster.desync | jq -r '[.elem[] | select(.type == "firewall") | .name] | sort | join(" ")')"
# they converge when they return
for i in 4 5 6; do start_node_ns $i; done
for i in 4 5 6; do wait_for "n$i ready" 30 node_is $i ready; done
assert_converged firewall 20 2 3 4 5 6
wait_for "no desync left" 20 no_desync

# maintenance nodes are not targets and do not count
api cluster.node.edit sok=ok elid="$NODEID_6" maintenance=on >/dev/null
out=$(api firewall.edit sok=ok action=allow proto=udp port=53)
assert_eq "query with a node in maintenance" "" "$(jf "$out" .ok)"
q=$(api cluster.query limit=1)
assert_eq "maintenance node not a target" 4 "$(jf "$q" '.elem[0].targets | fromjson | length')"
api cluster.node.edit sok=ok elid="$NODEID_6" maintenance=off >/dev/null
assert_converged firewall 20 2 3 4 5 6
