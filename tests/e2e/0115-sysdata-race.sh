#!/bin/sh
# A change of system data is computed from what the master has under the
# type's lock, held until its query ends: an edit racing a delete of the
# same item does not bring it back, and two edits at once keep both their
# fields.  Every query is held 800 ms between its fan-out and its commit,
# so that the second call surely comes while the first is in flight.
. "$(dirname "$0")/lib.sh"

HOSTFLEET_TEST_COMMIT_DELAY_MS=800 start_master
fast_policy 300 3 3000
add_node_ns 2 fw1 web
wait_for "n2 ready" 30 node_is 2 ready
wait_for "join synchronised" 20 no_desync
in_flight() { [ -n "$("$HF" dump -s "$MSTATE" intents)" ]; }

# an edit while the item's delete is in flight: the item stays deleted
out=$(api firewall.edit sok=ok action=allow proto=tcp port=22 comment=ssh)
id=$(jf "$out" .id)
assert_eq "rule made" "" "$(jf "$out" .ok)"
api firewall.delete elid="$id" >"$WORK/del.out" &
del=$!
wait_for "the delete in flight" 10 in_flight
out=$(api firewall.edit sok=ok elid="$id" comment=changed)
wait $del
assert_eq "the delete done" "" "$(jf "$(cat "$WORK/del.out")" .ok)"
assert_eq "the edit after it finds nothing" missing "$(jf "$out" .error.type)"
assert_eq "the rule is gone on the master" 0 "$(api firewall | jq '.elem | length')"
assert_eq "and on the node" "" "$(live_rule_ids 2)"

# two edits at once: both fields kept
out=$(api firewall.edit sok=ok action=allow proto=tcp port=80 comment=web)
id=$(jf "$out" .id)
api firewall.edit sok=ok elid="$id" comment=first >"$WORK/e1.out" &
e1=$!
wait_for "the first edit in flight" 10 in_flight
out=$(api firewall.edit sok=ok elid="$id" port=8080)
wait $e1
assert_eq "first edit done" "" "$(jf "$(cat "$WORK/e1.out")" .ok)"
assert_eq "second edit done" "" "$(jf "$out" .ok)"
out=$(api firewall.edit elid="$id")
assert_eq "the first edit's field kept" first "$(jf "$out" .comment)"
assert_eq "the second edit's field" 8080 "$(jf "$out" .port)"
assert_converged firewall 15 2
