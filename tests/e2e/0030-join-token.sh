#!/bin/sh
# Join tokens: one use only, the exact secret, a lifetime, and the master's
# key pin inside the token.
. "$(dirname "$0")/lib.sh"

start_master
out=$(api cluster.node.edit sok=ok name=n2 addr="$NET.2" roles=web)
TOK=$(jf "$out" .token)
ID=$(jf "$out" .id)
assert_match "token shape" "^$ID\\.[0-9a-f]{32}\\.[A-Za-z0-9_-]{43}\$" "$TOK"

# a wrong secret
BAD="$ID.00000000000000000000000000000000.${TOK##*.}"
check "wrong token differs" test "$BAD" != "$TOK"
check "wrong token refused" sh -c "! '$HF' node join -s '$WORK/x1' '$MURL' '$BAD' 2>'$WORK/x1.log'"
assert_match "wrong token message" 'unknown join token' "$(cat "$WORK/x1.log")"

# a token whose pin is not this master's key: the node refuses the master
OTHERPIN=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
MITM=$(echo "$TOK" | sed "s/\.[A-Za-z0-9_-]*\$/.$OTHERPIN/")
check "wrong pin refused" sh -c "! '$HF' node join -s '$WORK/x2' '$MURL' '$MITM' 2>'$WORK/x2.log'"
check "wrong pin: no certificate written" test ! -f "$WORK/x2/node.pem"

# garbage
check "malformed token refused" sh -c "! '$HF' node join -s '$WORK/x3' '$MURL' 'not-a-token' 2>/dev/null"

# the right token works once
check "join" "$HF" node join -s "$WORK/n2/state" "$MURL" "$TOK" 2>/dev/null
check "certificate written" test -s "$WORK/n2/state/node.pem"
check "key private" test "$(stat -c %a "$WORK/n2/state/node.key")" = 600
check "reused token refused" sh -c "! '$HF' node join -s '$WORK/x4' '$MURL' '$TOK' 2>'$WORK/x4.log'"
assert_match "reused message" 'already used' "$(cat "$WORK/x4.log")"

# the node's certificate names the node and its address, from the cluster CA
subj=$(openssl x509 -in "$WORK/n2/state/node.pem" -noout -subject -ext subjectAltName)
assert_match "cert CN" "CN ?= ?node-$ID" "$subj"
assert_match "cert SAN" "IP Address:$NET.2" "$subj"
check "cert verifies against the CA" sh -c "openssl verify -CAfile '$MSTATE/ca.pem' '$WORK/n2/state/node.pem' >/dev/null"

# the joined node starts and becomes ready
fast_policy 200 2 2000
start_node 2
wait_for "node ready" 20 node_is 2 ready

# an expired token
out=$(api cluster.node.edit sok=ok name=n3 addr="$NET.3" roles=dns token_ttl=1)
T3=$(jf "$out" .token)
EXP=$(jf "$out" .token_expires)
past() { [ "$(date +%s)" -gt "$1" ]; }
wait_for "token lifetime over" 5 past "$EXP"
check "expired token refused" sh -c "! '$HF' node join -s '$WORK/x5' '$MURL' '$T3' 2>'$WORK/x5.log'"
assert_match "expired message" 'expired' "$(cat "$WORK/x5.log")"
# a new token for the node works, and kills the old one
out=$(api cluster.node.token elid="$(jf "$out" .id)")
T3b=$(jf "$out" .token)
check "new token joins" "$HF" node join -s "$WORK/n3/state" "$MURL" "$T3b" 2>/dev/null
# the token in the node's config file
out=$(api cluster.node.edit sok=ok name=n4 addr="$NET.4" roles=mail)
# the host root reachable by the services' own users (postfix)
mkdir -p "$WORK/n4/root"
cat >"$WORK/n4.json" <<JSON
{ "state_dir": "$WORK/n4/state", "addr": "$NET.4", "root": "$WORK/n4/root",
  "services_addr": "$NET.4",
  "join_url": "$MURL", "join_token": "$(jf "$out" .token)" }
JSON
bg n4 "$HF" node -c "$WORK/n4.json"
wait_for "node joined from its config file" 20 node_is 4 ready
