#!/bin/sh
# A node starts while one of its services' checkers hangs: it answers the
# master at once (ready, its start-up shown as not done), user-data calls
# get a clear "starting" error meanwhile, and at the checker's timeout the
# checker is killed with what it started, the kill is logged, and the node
# finishes its start-up and serves its user data.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 10000
add_node 2 dns1 dns
wait_for "n2 ready" 30 node_is 2 ready
api user.edit sok=ok name=alice passwd=alice-pass-1 >/dev/null
out=$(ua domain.edit sok=ok name=alice.example.com ip=192.0.2.10)
assert_eq "zone ok" "" "$(jf "$out" .ok)"
assert_eq "the zone answers" 192.0.2.10 "$(dig_at 2 alice.example.com A)"

# the node stops; its zone file is changed by hand meanwhile, so that its
# start-up renders it again from its store and checks it
p=$(pid_of n2); kill "$p"; wait "$p" 2>/dev/null
ZF=$WORK/n2/root/etc/bind/hostfleet/zones/alice.example.com.db
check "the zone file" test -f "$ZF"
echo "; edited by hand" >>"$ZF"

# the first of BIND's checkers the node runs hangs (a test double: the real
# checkers do not hang on demand); the ones after are the real ones
HANG=$WORK/hang
mkdir -p "$HANG"
for c in named-checkconf named-checkzone; do
	real=$(command -v $c)
	cat >"$HANG/$c" <<SH
#!/bin/sh
if mkdir "$HANG/once" 2>/dev/null; then
	echo \$\$ >"$HANG/pid"
	sleep 600 &
	echo \$! >"$HANG/child"
	wait
fi
exec "$real" "\$@"
SH
	chmod 755 "$HANG/$c"
done
NODE_WRAP="env PATH=$HANG:$PATH" start_node 2
hung() { [ -s "$HANG/child" ] && kill -0 "$(cat "$HANG/child")" 2>/dev/null; }
wait_for "a checker hangs" 20 hung
stats() { capi --cert "$MSTATE/master.pem" --key "$MSTATE/master.key" "https://$NET.2:1501/v1/stats"; }
# while it hangs: the node answers, the master has it ready, user data
# calls are told why they wait
wait_for "the node answers while its checker hangs" 20 stats
assert_eq "start-up not done yet" false "$(stats | jq .started)"
wait_for "n2 ready while its checker hangs" 20 node_is 2 ready
out=$(ua domain.record.edit sok=ok plid=alice.example.com name=host2 rtype=a value=192.0.2.11)
assert_match "a user-data call is told the node is starting" 'dns1.*is starting' "$(jf "$out" .error.msg)"
check "the checker still hangs" hung

# at its timeout (30 s) the checker and what it started are killed
started() { [ "$(stats | jq .started)" = true ]; }
wait_for "start-up done" 60 started
assert_match "the kill is logged" 'named-check(conf|zone): no answer within 30000 ms, killed' "$(cat "$WORK/n2.err")"
gone() { ! kill -0 "$(cat "$HANG/pid")" 2>/dev/null && ! kill -0 "$(cat "$HANG/child")" 2>/dev/null; }
wait_for "the hung checker and its child are gone" 10 gone
out=$(ua domain.record.edit sok=ok plid=alice.example.com name=host2 rtype=a value=192.0.2.11)
assert_eq "user data served again" "" "$(jf "$out" .ok)"
assert_eq "the new record resolves" 192.0.2.11 "$(dig_at 2 host2.alice.example.com A)"
assert_eq "the zone answers" 192.0.2.10 "$(dig_at 2 alice.example.com A)"
