#!/bin/sh
# Distributed queries reach every target: firewall rules land in every
# node's live nft ruleset (each node in its own network namespace), cron
# jobs in cron.d, mail lists on mail nodes only; edits and deletes too; the
# query log records each; every node's applied state equals the master's
# item by item.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 3000
add_node_ns 2 web1 web
add_node_ns 3 web2 web
add_node_ns 4 dns1 dns
add_node_ns 5 mail1 mail
add_node_ns 6 mail2 "web,mail"
ALL="2 3 4 5 6"
for i in $ALL; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync

# firewall: add three rules, in order
out=$(api firewall.edit sok=ok action=allow proto=tcp port=22 src=10.0.0.0/8 comment="ssh from the LAN" order=10)
assert_eq "rule 1 ok" "" "$(jf "$out" .ok)"
R1=$(jf "$out" .id)
out=$(api firewall.edit sok=ok action=deny proto=udp port=5000-5100 src=2001:DB8::/32)
R2=$(jf "$out" .id)
out=$(api firewall.edit sok=ok action=allow proto=icmp order=5)
R3=$(jf "$out" .id)
assert_eq "three rules" 3 "$(api firewall | jq '.elem | length')"
assert_eq "listed in order" "$R3 $R1 $R2" "$(api firewall | jq -r '[.elem[].id] | join(" ")')"
assert_eq "IPv6 canonical" "2001:db8::/32" "$(api firewall | jq -r ".elem[] | select(.id == \"$R2\") | .src")"
assert_converged firewall 10 $ALL
for i in $ALL; do
	live=$(ip netns exec "$(netns_of $i)" nft list table inet hostfleet)
	assert_match "n$i live ssh rule" "ip saddr 10.0.0.0/8 tcp dport 22 .*accept comment \"hf-$R1: ssh from the LAN\"" "$live"
	assert_match "n$i live udp range" "ip6 saddr 2001:db8::/32 udp dport 5000-5100 .*drop" "$live"
done

# edit one rule: only it changes
out=$(api firewall.edit sok=ok elid="$R1" port=2222)
assert_eq "edit ok" "" "$(jf "$out" .ok)"
assert_eq "edited" "2222 allow 10.0.0.0/8" \
    "$(api firewall.edit elid="$R1" | jq -r '[.port, .action, .src] | join(" ")')"
assert_converged firewall 10 $ALL
assert_match "live edit" "tcp dport 2222" "$(ip netns exec "$(netns_of 4)" nft list table inet hostfleet)"

# delete two at once
out=$(api firewall.delete elid="$R2, $R3")
assert_eq "delete ok" "" "$(jf "$out" .ok)"
assert_eq "one left" "$R1" "$(api firewall | jq -r '[.elem[].id] | join(" ")')"
assert_converged firewall 10 $ALL
out=$(api firewall.delete elid="$R1, 999")
assert_eq "delete with a missing id" missing "$(jf "$out" .error.type)"
assert_eq "nothing deleted" "$R1" "$(api firewall | jq -r '[.elem[].id] | join(" ")')"

# scheduler: cron.d on every node, '%' escaped, inactive jobs not rendered
out=$(api scheduler.edit sok=ok minute='*/5' hour=3 command='date +%F >> /var/log/hf-date' comment="daily stamp")
J1=$(jf "$out" .id)
out=$(api scheduler.edit sok=ok minute=0 hour=0 command='/usr/bin/true' active=off)
J2=$(jf "$out" .id)
assert_converged scheduler 10 $ALL
for i in $ALL; do
	f=$(cat "$WORK/n$i/root/etc/cron.d/hostfleet")
	assert_match "n$i cron job" '^\*/5 3 \* \* \* root date \+\\%F >> /var/log/hf-date$' "$(printf '%s\n' "$f" | grep hf-date)"
	assert_nomatch "n$i inactive job absent" '/usr/bin/true' "$f"
done

# mail lists: only mail nodes are targets
out=$(api whitelist.edit sok=ok pattern=Partner.Example.COM)
assert_eq "whitelist ok" "" "$(jf "$out" .ok)"
out=$(api blacklist.edit sok=ok pattern=spammer@bad.example)
assert_converged whitelist 10 5 6
assert_converged blacklist 10 5 6
assert_eq "lower-cased" "partner.example.com	OK" "$(grep -v '^#' "$WORK/n5/root/etc/postfix/hostfleet_sender_whitelist")"
assert_eq "blacklist map" "spammer@bad.example	REJECT" "$(grep -v '^#' "$WORK/n6/root/etc/postfix/hostfleet_sender_blacklist")"
check "no mail map on a web node" test ! -s "$WORK/n2/root/etc/postfix/hostfleet_sender_whitelist"
assert_eq "web node has no whitelist items" "[]" "$(node_items 2 whitelist)"
q=$(api cluster.query limit=1)
assert_eq "mail query targets" "2" "$(jf "$q" '.elem[0].targets | fromjson | length')"

# the query log: function, caller, targets, each node's result
q=$(api cluster.query limit=50)
e=$(jf "$q" "[.elem[] | select(.func == \"firewall.edit\")][-1]")
assert_eq "log caller" admin "$(jf "$e" .caller)"
assert_eq "log outcome" committed "$(jf "$e" .outcome)"
assert_eq "log targets" 5 "$(jf "$e" '.targets | fromjson | length')"
assert_eq "log results" "ok ok ok ok ok" "$(jf "$e" '.results | fromjson | [.[]] | join(" ")')"
assert_match "log params" '"action":"allow"' "$(jf "$e" .params)"
assert_nomatch "no secrets in the log" 'authinfo|password' "$(jf "$q" '[.elem[].params] | join(" ")')"

# hostile input never reaches a node: refused with the field named
for bad in 'comment=a"b' 'comment=x%0Ay' 'comment=a%5Cb' 'port=22;' \
    'port=0' 'port=2-1' 'src=10.0.0.1/8' 'src=10.0.0.0/33' 'src=evil.example' \
    'proto=sctp' 'action=accept' 'order=-1' 'order=70000' 'src=1.2.3.4%0A'; do
	out=$(capi "$MURL/ispmgr?func=firewall.edit&out=JSONdata&authinfo=admin:$ADMINPW&sok=ok&action=allow&proto=tcp&$bad")
	assert_eq "refused $bad" value "$(jf "$out" .error.type)"
done
out=$(api firewall.edit sok=ok action=allow proto=icmp port=22)
assert_eq "port with icmp" port "$(jf "$out" .error.object)"
for bad in 'minute=60' 'hour=*/0' 'dow=8' 'command=a%0Ab' 'command=' 'user=ro%20ot' \
    'minute=1%0A*' 'dom=0' 'month=13' 'active=yes'; do
	out=$(capi "$MURL/ispmgr?func=scheduler.edit&out=JSONdata&authinfo=admin:$ADMINPW&sok=ok&command=true&$bad")
	assert_match "refused $bad" '^(value|empty)$' "$(jf "$out" .error.type)"
done
for bad in 'pattern=a%0Ab.example' 'pattern=@x.example' 'pattern=x@localhost' \
    'pattern=%C3%A9t%C3%A9.example' 'pattern=a%20b.example' 'pattern=x.example%3B'; do
	out=$(capi "$MURL/ispmgr?func=whitelist.edit&out=JSONdata&authinfo=admin:$ADMINPW&sok=ok&$bad")
	assert_eq "refused $bad" value "$(jf "$out" .error.type)"
done
assert_eq "firewall unchanged by refusals" "$R1" "$(api firewall | jq -r '[.elem[].id] | join(" ")')"
# braces and semicolons in a comment are inert inside its quotes
out=$(api firewall.edit sok=ok action=allow proto=tcp port=80 comment='} accept; table x {')
R4=$(jf "$out" .id)
assert_converged firewall 10 $ALL
assert_match "inert comment in the live ruleset" "comment \"hf-$R4: } accept; table x {\"" \
    "$(ip netns exec "$(netns_of 3)" nft list table inet hostfleet)"
api firewall.delete elid="$R4" >/dev/null
assert_converged firewall 5 $ALL
assert_converged scheduler 5 $ALL
assert_eq "no desync left" 0 "$(desync_count)"
for i in $ALL; do assert_eq "n$i ready" ready "$(node_field $i status)"; done
