#!/bin/sh
# Node certificates: they live node_cert_lifetime_s; a node renews its own
# before the end over its mutual-TLS channel and goes on serving with the
# new one, without a restart; the master then refuses the old one, refuses
# the certificate of a removed node, and an expired one cannot be renewed.
. "$(dirname "$0")/lib.sh"

LIFE=45
NODE_CERT_LIFETIME=$LIFE start_master
fast_policy 200 2 2000
# n3 is down for most of the test: changes go to the nodes that are up
api cluster.policy sok=ok min_ready_percent=0 >/dev/null
N2S=$WORK/n2/state
N3S=$WORK/n3/state

# serial FILE: a certificate's serial, lower-case hex
serial() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f'; }
# enddate FILE: when it ends, in seconds since the epoch
enddate() { date -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')" +%s; }
# snap PREFIX: copies node 2's certificate and key to PREFIX.pem and
# PREFIX.key, again if it renewed meanwhile, until the copy is accepted
snap() {
	for _i in 1 2 3; do
		cp "$N2S/node.pem" "$1.pem"; cp "$N2S/node.key" "$1.key"
		[ "$(mcode "$1")" = 200 ] && return 0
	done
	return 1
}
# mcode PREFIX [curl args]: the HTTP status of GET /v1/node/cert with
# PREFIX.pem and PREFIX.key as client certificate, the body in PREFIX.out
# and curl's exit status in $WORK/rc
mcode() {
	_p=$1; shift
	curl -s -o "$_p.out" -w '%{http_code}' -m 10 --cacert "$MSTATE/ca.pem" \
	    --cert "$_p.pem" --key "$_p.key" "$@" "$MURL/v1/node/cert"
	echo $? >"$WORK/rc"
}
code_is() { [ "$(mcode "$2")" = "$1" ]; }
# the master is there and answers other clients
master_alive() { [ "$(curl -s -o /dev/null -w '%{http_code}' -m 5 --cacert "$MSTATE/ca.pem" "$MURL/")" = 200 ]; }
# served_serial INDEX: the serial of the certificate node INDEX serves now,
# on a new connection with the master's client certificate
served_serial() {
	openssl s_client -connect "$NET.$1:1501" -cert "$MSTATE/master.pem" \
	    -key "$MSTATE/master.key" </dev/null 2>/dev/null |
	    openssl x509 -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f'
}

add_node_ns 2 n2 dns
add_node_ns 3 n3 dns
wait_for "n2 joined" 20 test -s "$N2S/node.pem"
wait_for "n3 joined" 20 test -s "$N3S/node.pem"
cp "$N2S/node.pem" "$WORK/old.pem"
cp "$N2S/node.key" "$WORK/old.key"
S1=$(serial "$WORK/old.pem")
wait_for "n2 ready" 30 node_is 2 ready
wait_for "n3 ready" 30 node_is 3 ready
# n3 stops: its certificate runs out meanwhile
stop_node 3

# the configured lifetime, counted from when the node got it
life=$(( $(enddate "$WORK/old.pem") - $(stat -c %Y "$WORK/old.pem") ))
# (issued a moment before the node wrote it)
check "lifetime is ${LIFE}s (got $life)" [ "$life" -ge $((LIFE - 10)) -a "$life" -le $((LIFE + 1)) ]
check "client and server usage" sh -c "openssl x509 -in '$WORK/old.pem' -noout -ext extendedKeyUsage | grep -q 'TLS Web Client Authentication'"

# the node's current certificate is accepted by the master
assert_eq "current certificate accepted" 200 "$(mcode "$WORK/old")"
assert_eq "the master names its serial" "$S1" "$(jf "$(cat "$WORK/old.out")" .serial)"

# the node renews by itself at two thirds of the lifetime
renewed() { [ -s "$N2S/node.pem" ] && [ "$(serial "$N2S/node.pem")" != "$S1" ]; }
wait_for "n2 renewed its certificate" $((LIFE + 10)) renewed
S2=$(serial "$N2S/node.pem")
check "new serial ($S1 -> $S2)" [ -n "$S2" -a "$S2" != "$S1" ]
check "new certificate verifies against the CA" sh -c "openssl verify -CAfile '$MSTATE/ca.pem' '$N2S/node.pem' >/dev/null"
check "new key is the new certificate's" [ "$(openssl x509 -in "$N2S/node.pem" -noout -pubkey)" = "$(openssl pkey -in "$N2S/node.key" -pubout)" ]
check "key still private" test "$(stat -c %a "$N2S/node.key")" = 600
check "no half-done renewal left" test ! -e "$N2S/node.pem.new" -a ! -e "$N2S/node.key.new"
assert_match "renewal logged" 'renewed the node certificate' "$(cat "$WORK/n2.err")"
# the same agent serves the new certificate on new connections
check "n2 not restarted" kill -0 "$(pid_of n2)"
cur_or_later() { s=$(served_serial 2); [ -n "$s" ] && [ "$s" != "$S1" ]; }
wait_for "n2 serves its new certificate" 10 cur_or_later

# the old certificate is refused once the node uses the new one
wait_for "old certificate refused" 10 code_is 403 "$WORK/old"
assert_match "old refusal says why" 'not the current one' "$(cat "$WORK/old.out")"
check "the master is alive" master_alive
check "new certificate accepted" snap "$WORK/cur"

# and the node keeps working: a system-data change reaches it
wait_for "n2 ready after renewal" 20 node_is 2 ready
out=$(api firewall.edit sok=ok action=allow proto=tcp port=2222)
is_ok "firewall change after renewal" "$out"
assert_converged firewall 20 2

# an expired certificate cannot be renewed: the node says to join again
past_end() { [ "$(date +%s)" -gt "$(enddate "$N3S/node.pem")" ]; }
wait_for "n3 certificate expired" $((LIFE + 10)) past_end
cp "$N3S/node.pem" "$WORK/n3old.pem"
cp "$N3S/node.key" "$WORK/n3old.key"
assert_eq "expired certificate refused" 403 "$(mcode "$WORK/n3old")"
assert_match "expiry refusal says why" 'expired' "$(cat "$WORK/n3old.out")"
start_node_ns 3
wait_for "n3 says it must join again" 20 grep -q 'expired .*join the cluster again' "$WORK/n3.err"
check "n3 certificate unchanged" cmp -s "$N3S/node.pem" "$WORK/n3old.pem"

# removal: the removed node's certificate is refused at once
check "n2 certificate accepted before removal" snap "$WORK/last"
out=$(api cluster.node.delete elid="$NODEID_2")
is_ok "n2 removed" "$out"
code=$(mcode "$WORK/last")
assert_eq "removed node's certificate refused (curl exit $(cat "$WORK/rc"))" 403 "$code"
assert_match "removal refusal says why" 'not the current one of an existing node' "$(cat "$WORK/last.out")"
check "the master is alive after the refusal" master_alive
# nor can it renew
out=$(curl -s -w ' %{http_code}' -m 10 --cacert "$MSTATE/ca.pem" \
    --cert "$WORK/last.pem" --key "$WORK/last.key" -H 'Content-Type: application/json' \
    -d '{"csr": "x"}' "$MURL/v1/node/renew")
assert_match "removed node cannot renew" ' 403$' "$out"
assert_match "refusals logged by the master" 'refused GET /v1/node/cert' "$(cat "$WORK/master.err")"
