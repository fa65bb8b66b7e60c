#!/bin/sh
# A managed file changed or removed by hand on a node is reported and
# restored; a node whose store was wiped is detected by its version.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 200 2 2000
for i in 2 3 4; do add_node_ns $i "n$i" "web,mail"; done
for i in 2 3 4; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync
api scheduler.edit sok=ok minute=15 command='/usr/local/bin/backup' >/dev/null
api firewall.edit sok=ok action=allow proto=tcp port=22 >/dev/null
api blacklist.edit sok=ok pattern=bad.example >/dev/null
assert_converged scheduler 10 2 3 4
good=$(cat "$WORK/n3/root/etc/cron.d/hostfleet")

echo '* * * * * root /tmp/evil' >>"$WORK/n3/root/etc/cron.d/hostfleet"
reported() { grep -q 'scheduler: a managed file was changed on the node' "$WORK/master.err"; }
wait_for "hand edit reported" 10 reported
restored() { [ "$(cat "$WORK/n3/root/etc/cron.d/hostfleet")" = "$good" ]; }
wait_for "cron file restored" 10 restored

rm "$WORK/n4/root/etc/nftables.d/hostfleet.nft"
ip netns exec "$(netns_of 4)" nft delete table inet hostfleet
back() { test -s "$WORK/n4/root/etc/nftables.d/hostfleet.nft"; }
wait_for "removed nft file restored" 10 back
assert_converged firewall 10 2 3 4

sed -i 's/bad.example/good.example/' "$WORK/n2/root/etc/postfix/hostfleet_sender_blacklist"
fixed() { grep -q '^bad.example	REJECT$' "$WORK/n2/root/etc/postfix/hostfleet_sender_blacklist"; }
wait_for "blacklist restored" 10 fixed
wait_for "no desync left" 20 no_desync
