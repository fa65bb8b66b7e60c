#!/bin/sh
# Nodes whose wall clocks are 6 s ahead of the master's and 6 s behind it
# (libfaketime under their agents, and under every command they run) take
# every change of a distributed query: the deadline of a change is on the
# master's own clock, which the node reckons from the stamps on the
# master's requests, not on the node's wall clock.
. "$(dirname "$0")/lib.sh"

LIB=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketime\.so\.1$')
[ -n "$LIB" ] || { fail "libfaketime is not installed (tools/deps.sh)"; exit 1; }
# preloaded into the agent itself (the faketime command would fork), so
# that the agent's pid is the test's; ASan must not insist on coming first
SKEWED="env LD_PRELOAD=$LIB ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 FAKETIME="

start_master
fast_policy 300 3 3000
add_node_ns 2 on-time web
NODE_WRAP="${SKEWED}+6s" add_node_ns 3 ahead web
NODE_WRAP="${SKEWED}-6s" add_node_ns 4 behind web
for i in 2 3 4; do wait_for "n$i ready" 40 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync

# the skew is real: the agents run with the preload, and their clocks say so
for i in 3 4; do
	assert_match "n$i runs under libfaketime" libfaketime \
	    "$(cat "/proc/$(pid_of n$i)/maps" 2>/dev/null)"
done
now=$(date +%s)
ahead=$(${SKEWED}+6s date +%s)
assert_eq "n3's clock is 6 s ahead" 1 "$(( ahead - now >= 5 && ahead - now <= 8 ))"

# changes through distributed queries: ok on every node, at once
for p in 2201 2202 2203; do
	out=$(api firewall.edit sok=ok action=allow proto=tcp port=$p)
	assert_eq "firewall.edit port $p ok" "" "$(jf "$out" .ok)"
	assert_eq "no error for port $p" "" "$(jf "$out" '.error.msg // ""')"
done
q=$(api cluster.query limit=3)
assert_eq "three queries committed" "committed committed committed" \
    "$(printf '%s' "$q" | jq -r '[.elem[].outcome] | join(" ")')"
assert_converged firewall 10 2 3 4
assert_eq "no node desynchronised" 0 "$(desync_count)"
for i in 2 3 4; do
	assert_match "port 2203 live on n$i" 'dport 2203 ' \
	    "$(ip netns exec "$(netns_of $i)" nft list table inet hostfleet)"
done

# a restarted master is a new clock: its first change is taken too
stop_master
start_master
out=$(api firewall.edit sok=ok action=allow proto=tcp port=2204)
assert_eq "first change after a master restart ok" "" "$(jf "$out" .ok)"
assert_converged firewall 10 2 3 4
