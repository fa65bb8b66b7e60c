#!/bin/sh
# A node executes only calls that authenticate as its master (I4): plain
# HTTP, no certificate, a self-signed certificate, another cluster's master
# and a node's own certificate are all refused; the master's is accepted.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 200 2 2000
add_node 2 n2 web
add_node 3 n3 dns
wait_for "n2 ready" 20 node_is 2 ready
wait_for "n3 ready" 20 node_is 3 ready
N2="https://$NET.2:1501/v1/stats"
# A refusal is an answer from a node that is there: 403, or a TLS
# handshake it broke off (curl's 000 with an SSL or receive error), never
# "could not connect" (7) or a timeout (28), which a dead node gives too.
refused() { [ "$1" = 403 ] || { [ "$1" = 000 ] && [ "$2" != 7 ] && [ "$2" != 28 ] && [ "$2" != 0 ]; }; }
alive() { curl -s -o /dev/null --cacert "$MSTATE/ca.pem" --cert "$MSTATE/master.pem" --key "$MSTATE/master.key" "$N2"; }

# the real master's client certificate works
out=$(curl -sS --cacert "$MSTATE/ca.pem" --cert "$MSTATE/master.pem" \
    --key "$MSTATE/master.key" "$N2")
assert_match "master accepted" '"machine_id"' "$out"

# plain HTTP on the node's port: no HTTP answer at all
code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://$NET.2:1501/v1/stats")
rc=$?
check "plain HTTP refused (HTTP $code, curl exit $rc)" refused "$code" "$rc"
check "the node is there" alive

# TLS without a client certificate
code=$(curl -s -o "$WORK/o1" -w '%{http_code}' --cacert "$MSTATE/ca.pem" "$N2")
assert_eq "no certificate refused" 403 "$code"
assert_nomatch "no stats without certificate" machine_id "$(cat "$WORK/o1")"

# a self-signed certificate that claims to be the master
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/self.key" -out "$WORK/self.pem" -days 2 \
    -subj "/CN=hostfleet-master" -addext "extendedKeyUsage=clientAuth" 2>/dev/null
code=$(curl -s -o "$WORK/o2" -w '%{http_code}' --cacert "$MSTATE/ca.pem" \
    --cert "$WORK/self.pem" --key "$WORK/self.key" "$N2")
rc=$?
check "self-signed refused (HTTP $code, curl exit $rc)" refused "$code" "$rc"
assert_nomatch "no stats for self-signed" machine_id "$(cat "$WORK/o2")"

# another cluster's master: a real master with its own CA
mkdir -p "$WORK/other"
bg other "$HF" master -s "$WORK/other" -l "$NET.1" -p 1600
wait_for "other master" 30 test -s "$WORK/other/master.pem"
code=$(curl -s -o "$WORK/o3" -w '%{http_code}' --cacert "$MSTATE/ca.pem" \
    --cert "$WORK/other/master.pem" --key "$WORK/other/master.key" "$N2")
rc=$?
check "other cluster's master refused (HTTP $code, curl exit $rc)" refused "$code" "$rc"
assert_nomatch "no stats for the other master" machine_id "$(cat "$WORK/o3")"

# a node's own certificate (same CA, but a server certificate of a node)
code=$(curl -s -o "$WORK/o4" -w '%{http_code}' --cacert "$MSTATE/ca.pem" \
    --cert "$WORK/n3/state/node.pem" --key "$WORK/n3/state/node.key" "$N2")
rc=$?
check "another node refused (HTTP $code, curl exit $rc)" refused "$code" "$rc"
check "the node is still there" alive

# the refusals are logged by the node
assert_match "refusal logged" 'refused GET /v1/stats' "$(cat "$WORK/n2.err")"

# and the master pins the node: a process with another certificate on the
# node's address is not trusted (the master's poll fails, the node becomes
# unavailable)
stop_node 2
bg fake "$HF" master -s "$WORK/fake" -l "$NET.2" -p 1501
wait_for "n2 unavailable behind an impostor" 20 node_is 2 unavailable
assert_match "impostor reason" 'stats:' "$(node_field 2 status_msg)"
