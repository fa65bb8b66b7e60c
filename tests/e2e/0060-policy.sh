#!/bin/sh
# Policy: shown with defaults, changed as a whole or refused as a whole.
. "$(dirname "$0")/lib.sh"

start_master
p=$(api cluster.policy)
assert_eq "defaults" "50 lowest_score 5000 5000 3" \
    "$(jf "$p" '[.min_ready_percent, .placement, .node_timeout_ms, .heartbeat_interval_ms, .heartbeat_misses] | join(" ")')"

out=$(api cluster.policy sok=ok min_ready_percent=75 node_timeout_ms=1500 heartbeat_misses=4)
assert_eq "change ok" "" "$(jf "$out" .ok)"
p=$(api cluster.policy)
assert_eq "changed" "75 1500 4" \
    "$(jf "$p" '[.min_ready_percent, .node_timeout_ms, .heartbeat_misses] | join(" ")')"

for bad in min_ready_percent=100 min_ready_percent=-1 min_ready_percent=abc \
    min_ready_percent=07 min_ready_percent=1e2 'min_ready_percent=5%0A' \
    'min_ready_percent=5;' 'min_ready_percent=%7B%7D' min_ready_percent= \
    node_timeout_ms=10 node_timeout_ms=999999999999 heartbeat_interval_ms=0 \
    heartbeat_misses=0 placement=random 'placement=lowest_score%22' \
    join_token_ttl_s=0 'min_ready_percent=%C3%A9'; do
	out=$(capi "$MURL/ispmgr?func=cluster.policy&out=JSONdata&authinfo=admin:$ADMINPW&sok=ok&heartbeat_misses=9&$bad")
	assert_eq "refused $bad" value "$(jf "$out" .error.type)"
	assert_eq "message names the field ($bad)" "${bad%%=*}" "$(jf "$out" .error.object)"
done
# nothing of a refused change was written, not even its valid fields
p=$(api cluster.policy)
assert_eq "unchanged after refusals" "75 1500 4" \
    "$(jf "$p" '[.min_ready_percent, .node_timeout_ms, .heartbeat_misses] | join(" ")')"

# invalid UTF-8 is refused by the parameter layer
out=$(capi "$MURL/ispmgr?func=cluster.policy&out=JSONdata&authinfo=admin:$ADMINPW&sok=ok&placement=%FF")
assert_eq "invalid UTF-8" value "$(jf "$out" .error.type)"

# the policy survives a master restart
stop_master
start_master
p=$(api cluster.policy)
assert_eq "kept across restart" 75 "$(jf "$p" .min_ready_percent)"
