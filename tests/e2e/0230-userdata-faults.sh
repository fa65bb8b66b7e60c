#!/bin/sh
# User data under failure (DESIGN.md §3.2, I3, I6): two users creating the
# same names at once on different nodes end with exactly one owner each;
# an unreachable node gives an error naming it and leaves nothing behind;
# a create whose answer is lost (stalled node, master killed, node killed
# mid-apply) is undone on the node and forgotten by the master, so the
# name is free again and no node keeps an object nobody was told of.
. "$(dirname "$0")/lib.sh"

start_master
# a long node timeout while 16 creates race: a loaded machine must not turn
# a slow nginx -t into a lost answer; the faults below use a short one
fast_policy 300 3 15000
add_node 2 web1 web
add_node 3 web2 web
add_node 4 dns1 dns
for i in 2 3 4; do wait_for "n$i ready" 30 node_is $i ready; done
api user.edit sok=ok name=alice passwd=alice-pass-1 >/dev/null
api user.edit sok=ok name=bob passwd=bob-pass-12 >/dev/null
ua webdomain.edit sok=ok name=a.example.com >/dev/null
ub webdomain.edit sok=ok name=b.example.com >/dev/null
wa=$(ua user.placement | jq -r '.elem[] | select(.role == "web") | .node')
wb=$(ub user.placement | jq -r '.elem[] | select(.role == "web") | .node')
check "alice and bob on different web nodes ($wa, $wb)" [ "$wa" != "$wb" ]

# the same names at the same moment: one owner each, on one node
RACERS=""
for k in 1 2 3 4 5 6 7 8; do
	(ua webdomain.edit sok=ok name=race$k.example.com >"$WORK/ra$k") &
	RACERS="$RACERS $!"
	(ub webdomain.edit sok=ok name=race$k.example.com >"$WORK/rb$k") &
	RACERS="$RACERS $!"
done
for p in $RACERS; do wait "$p"; done
for k in 1 2 3 4 5 6 7 8; do
	a=$(jf "$(cat "$WORK/ra$k")" '.ok // .error.type')
	b=$(jf "$(cat "$WORK/rb$k")" '.ok // .error.type')
	assert_match "race$k: one wins, one is told it exists ($a/$b)" '^(/exists|exists/)$' "$a/$b"
	n=$(ls "$WORK"/n2/root/etc/nginx/hostfleet/sites/race$k.example.com.conf \
	    "$WORK"/n3/root/etc/nginx/hostfleet/sites/race$k.example.com.conf 2>/dev/null | wc -l)
	assert_eq "race$k: on exactly one node" 1 "$n"
done
assert_eq "admin sees each name once" 10 "$(api webdomain | jq '[.elem[].name] | unique | length')"
assert_eq "and no more" 10 "$(api webdomain | jq '.elem | length')"

# an unreachable node: a clear error naming it, nothing half-done
fast_policy 300 3 1500
stop_node 4
out=$(ua domain.edit sok=ok name=down.example.com ip=192.0.2.1)
assert_eq "create on a dead node fails" node "$(jf "$out" .error.type)"
assert_match "the error names the node" 'dns1' "$(jf "$out" .error.msg)"
out=$(ua domain)
assert_eq "listing on a dead node fails" node "$(jf "$out" .error.type)"
assert_match "naming it" 'dns1' "$(jf "$out" .error.msg)"
check "nothing in the index" [ -z "$(uindex_state down.example.com)" ]
wait_for "dns1 seen down" 20 node_is 4 unavailable
start_node 4
wait_for "dns1 back" 30 node_is 4 ready
out=$(ua domain.edit sok=ok name=down.example.com ip=192.0.2.1)
assert_eq "the same create works once it is back" "" "$(jf "$out" .ok)"

# a stalled node: the create times out; when the node wakes and applies
# it late, the master undoes it there and frees the name
listening() { python3 -c "import socket; socket.create_connection(('$NET.$1', 1501), 1)"; }
zf() { echo "$WORK/n4/root/etc/bind/hostfleet/zones/$1.db"; }
kill -STOP "$(pid_of n4)"
out=$(ua domain.edit sok=ok name=stall.example.com ip=192.0.2.2)
assert_eq "create on a stalled node fails" node "$(jf "$out" .error.type)"
assert_match "naming it" 'dns1' "$(jf "$out" .error.msg)"
kill -CONT "$(pid_of n4)"
gone() { [ ! -f "$(zf stall.example.com)" ] && [ -z "$(uindex_state stall.example.com)" ]; }
wait_for "the late create undone and forgotten" 30 gone
assert_match "settled in the log" 'settled the unfinished create of domain "stall.example.com"' "$(cat "$WORK/master.err")"
out=$(ub domain.edit sok=ok name=stall.example.com ip=192.0.2.2)
assert_eq "the name is free for anyone" "" "$(jf "$out" .ok)"

# the master killed while the node applies a create
node_down 4
HOSTFLEET_TEST_UD_DELAY_MS=3000 start_node 4
wait_for "dns1 back" 30 node_is 4 ready
(ua domain.edit sok=ok name=crash.example.com ip=192.0.2.3 >/dev/null 2>&1) &
QPID=$!
pending() { [ "$(uindex_state crash.example.com)" = pending ]; }
wait_for "create in flight" 10 pending
kill -9 "$(pid_of master)"
wait "$QPID" 2>/dev/null
start_master
node_down 4
start_node 4
wait_for "dns1 back" 30 node_is 4 ready
gone() { [ ! -f "$(zf crash.example.com)" ] && [ -z "$(uindex_state crash.example.com)" ]; }
wait_for "the unanswered create undone after the restart" 40 gone
out=$(ua domain.edit sok=ok name=crash.example.com ip=192.0.2.3)
assert_eq "created again" "" "$(jf "$out" .ok)"

# the node killed between installing the files and storing the change
node_down 4
HOSTFLEET_TEST_UD_DELAY_MS=3000 start_node 4
wait_for "dns1 back" 30 node_is 4 ready
(ua domain.edit sok=ok name=half.example.com ip=192.0.2.4 >/dev/null 2>&1) &
QPID=$!
wait_for "zone file installed" 10 test -f "$(zf half.example.com)"
kill -9 "$(pid_of n4)"
wait "$QPID" 2>/dev/null
start_node 4
wait_for "dns1 listening again" 30 listening 4
check "restart put the files back in line with the store" [ ! -f "$(zf half.example.com)" ]
gone() { [ -z "$(uindex_state half.example.com)" ]; }
wait_for "the master forgot it" 30 gone
check "the zones left are the ones created" [ "$(ls "$WORK/n4/root/etc/bind/hostfleet/zones/" | sort | tr '\n' ' ')" = "crash.example.com.db down.example.com.db stall.example.com.db " ]
