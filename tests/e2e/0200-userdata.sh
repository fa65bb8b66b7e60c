#!/bin/sh
# Users and their data: a user is placed on one node per role, by the
# lowest users/weight/free score; web sites, zones, records, mail domains
# and mailboxes land on that node's store and in files its services' own
# checkers accepted; the OS account exists on every node with their data,
# with one UID; names are unique cluster-wide; suspend stops sites and
# mail, resume restores them; deleting a user clears every node.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 5000
add_node 2 web1 web
add_node 3 web2 web weight=50
add_node 4 dns1 dns
add_node 5 mail1 mail
for i in 2 3 4 5; do wait_for "n$i ready" 30 node_is $i ready; done

# users: UIDs from the master's uid_min ($UIDMIN here); names unique, refused when bad
run_cases 0200-userdata.cases users

# web: alice's first site places her; web1 (weight 100, 0 users) beats web2
# (weight 50, 0 users) only on free resources, so look at what was chosen
out=$(ua webdomain.edit sok=ok name=Alice.Example.COM php_mode=php_fpm php_version=8.2)
assert_eq "site created" "" "$(jf "$out" .ok)"
assert_eq "canonical name" alice.example.com "$(jf "$out" .id)"
wnode=$(ua user.placement | jq -r '.elem[] | select(.role == "web") | .node')
assert_match "alice placed on a web node" '^web[12]$' "$wnode"
# bob goes to the other web node: the one with fewer users per weight
out=$(ub webdomain.edit sok=ok name=bob.example.net)
assert_eq "bob site" "" "$(jf "$out" .ok)"
bnode=$(ub user.placement | jq -r '.elem[] | select(.role == "web") | .node')
check "bob on the other web node" [ "$bnode" != "$wnode" ]
wi=$( [ "$wnode" = web1 ] && echo 2 || echo 3 )
bi=$( [ "$bnode" = web1 ] && echo 2 || echo 3 )
# the second site of alice stays on her node
out=$(ua webdomain.edit sok=ok name=alice2.example.com)
assert_eq "second site" "" "$(jf "$out" .ok)"
check "second site on alice's node" [ -f "$WORK/n$wi/root/etc/nginx/hostfleet/sites/alice2.example.com.conf" ]
check "not on bob's node" [ ! -f "$WORK/n$bi/root/etc/nginx/hostfleet/sites/alice2.example.com.conf" ]
out=$(ua webdomain.edit sok=ok name=alice3.example.com)
assert_eq "limit of 2 sites" limit "$(jf "$out" .error.type)"

# the rendered server block, checked by nginx -t, and the OS account
conf=$(cat "$WORK/n$wi/root/etc/nginx/hostfleet/sites/alice.example.com.conf")
assert_match "server_name" "server_name alice.example.com www.alice.example.com;" "$conf"
assert_match "php-fpm socket" "php8.2-fpm" "$conf"
check "passwd line on alice's web node" grep -q "^alice:x:$UIDMIN:$UIDMIN:Alice Liddell:/var/www/alice:" "$WORK/n$wi/root/etc/passwd"
check "group line" grep -q "^alice:x:$UIDMIN:" "$WORK/n$wi/root/etc/group"
assert_eq "docroot owned by alice" "$UIDMIN" "$(stat -c %u "$WORK/n$wi/root/var/www/alice/data/www/alice.example.com")"
check "no alice account on bob's web node" [ -z "$(grep '^alice:' "$WORK/n$bi/root/etc/passwd" 2>/dev/null)" ]

# names are unique cluster-wide, and so are sites' aliases
run_cases 0200-userdata.cases names
assert_match "on her node too" 'server_name alice.example.com shop.alice.example.com;' "$(cat "$WORK/n$wi/root/etc/nginx/hostfleet/sites/alice.example.com.conf")"
WNODE=$(eval echo \$NODEID_$wi)
run_cases 0200-userdata.cases "names freed"

# DNS: zone with default records, the ACME-style record, rkeys
run_cases 0200-userdata.cases zones
zf="$WORK/n4/root/etc/bind/hostfleet/zones/alice.example.com.db"
check "zone file" [ -f "$zf" ]
check "named-checkzone accepts it" named-checkzone -q alice.example.com "$zf"
s1=$(named-checkzone alice.example.com "$zf" | sed -n 's/.*serial \([0-9]*\).*/\1/p')
out=$(ua domain.record.edit sok=ok plid=alice.example.com name=_acme-challenge.www.alice.example.com. rtype=txt ttl=360 value=abc-123_XYZ)
assert_eq "TXT added" "" "$(jf "$out" .ok)"
s2=$(named-checkzone alice.example.com "$zf" | sed -n 's/.*serial \([0-9]*\).*/\1/p')
check "serial rises ($s1 -> $s2)" [ "$s2" -gt "$s1" ]
rk=$(ua domain.record elid=alice.example.com | jq -r '.elem[] | select(.rtype == "TXT") | .rkey')
assert_eq "rkey" "_acme-challenge.www.alice.example.com. TXT  abc-123_XYZ" "$rk"
check "TXT in the zone file" grep -q 'abc-123_XYZ' "$zf"
out=$(ua domain.record.edit sok=ok plid=alice.example.com name=evil rtype=txt value="$(printf 'a\nb IN A 1.2.3.4')")
assert_eq "newline in TXT refused" value "$(jf "$out" .error.type)"
out=$(ua domain.record.delete plid=alice.example.com elid="$rk")
assert_eq "TXT deleted" "" "$(jf "$out" .ok)"
check "gone from the file" [ -z "$(grep abc-123_XYZ "$zf")" ]

# mail: domain, mailbox, postfix maps and dovecot users
out=$(ua emaildomain.edit sok=ok name=alice.example.com)
assert_eq "mail domain" "" "$(jf "$out" .ok)"
out=$(ua email.edit sok=ok name=info domainname=alice.example.com passwd=mail-pass-1 maxsize=100 forward=ops@example.org)
assert_eq "mailbox" "" "$(jf "$out" .ok)"
assert_eq "mailbox id" info@alice.example.com "$(jf "$out" .id)"
mroot="$WORK/n5/root"
check "dovecot user" grep -q '^info@alice.example.com:{ARGON2ID}' "$mroot/etc/dovecot/hostfleet/users"
check "postfix mailbox map" grep -q '^info@alice.example.com ' "$mroot/etc/postfix/hostfleet/vmailboxes"
out=$(ub email.edit sok=ok name=x domainname=alice.example.com passwd=mail-pass-1)
assert_eq "bob can't add to alice's domain" access "$(jf "$out" .error.type)"

# suspend: the site answers 503, the mailbox is gone from dovecot; resume
out=$(api user.suspend elid=alice)
assert_eq "suspend" "" "$(jf "$out" .ok)"
assert_match "site stopped" "return 503" "$(cat "$WORK/n$wi/root/etc/nginx/hostfleet/sites/alice.example.com.conf")"
check "mailbox stopped" [ -z "$(grep '^info@' "$mroot/etc/dovecot/hostfleet/users")" ]
out=$(ua webdomain.edit sok=ok name=alice9.example.com)
assert_eq "suspended user can't create" access "$(jf "$out" .error.type)"
out=$(api user.resume elid=alice)
assert_eq "resume" "" "$(jf "$out" .ok)"
assert_nomatch "site back" "return 503" "$(cat "$WORK/n$wi/root/etc/nginx/hostfleet/sites/alice.example.com.conf")"
check "mailbox back" grep -q '^info@alice.example.com:' "$mroot/etc/dovecot/hostfleet/users"

# admin listing across users: merged from both web nodes, by name
assert_eq "admin sees every site" "alice.example.com alice2.example.com bob.example.net" \
    "$(api webdomain | jq -r '[.elem[].name] | join(" ")')"
assert_eq "alice sees hers" "alice.example.com alice2.example.com" \
    "$(ua webdomain | jq -r '[.elem[].name] | join(" ")')"

# deleting a user clears every node that had their data, and first stops
# what runs as them there: a process of alice's uid is killed, one of
# bob's is not
running() {
	s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -n "$s" ] && [ "$s" != Z ]
}
setpriv --reuid=$UIDMIN --regid=$UIDMIN --clear-groups sleep 600 </dev/null >/dev/null 2>&1 &
apid=$!
setpriv --reuid=$((UIDMIN + 1)) --regid=$((UIDMIN + 1)) --clear-groups sleep 600 </dev/null >/dev/null 2>&1 &
bpid=$!
wait_for "a process of alice's uid" 10 sh -c "[ \"\$(stat -c %u /proc/$apid)\" = $UIDMIN ]"
wait_for "a process of bob's uid" 10 sh -c "[ \"\$(stat -c %u /proc/$bpid)\" = $((UIDMIN + 1)) ]"
out=$(api user.delete elid=alice)
assert_eq "user deleted" "" "$(jf "$out" .ok)"
if running "$apid"; then
	fail "alice's process runs on after her deletion"
	kill -KILL "$apid"
else
	ok
fi
wait "$apid" 2>/dev/null
assert_eq "alice's process was killed (SIGKILL)" 137 "$?"
check "bob's process runs on" running "$bpid"
kill -KILL "$bpid"; wait "$bpid" 2>/dev/null
check "site file gone" [ ! -f "$WORK/n$wi/root/etc/nginx/hostfleet/sites/alice.example.com.conf" ]
check "zone gone" [ ! -f "$zf" ]
check "account gone on web" [ -z "$(grep '^alice:' "$WORK/n$wi/root/etc/passwd")" ]
check "account gone on mail" [ -z "$(grep '^alice:' "$mroot/etc/passwd")" ]
check "home gone" [ ! -d "$WORK/n$wi/root/var/www/alice" ]
# with alice's zone gone the names under it are free: bob takes one back
out=$(ub webdomain.edit sok=ok elid=bob.example.net aliases="www.bob.example.net www.alice.example.com")
assert_eq "a name under a deleted zone is free" "" "$(jf "$out" .ok)"
out=$(ub webdomain.edit sok=ok name=alice.example.com)
assert_eq "its default alias is bob's already" exists "$(jf "$out" .error.type)"
out=$(ub webdomain.edit sok=ok name=alice.example.com aliases=)
assert_eq "the name is free again" "" "$(jf "$out" .ok)"
# UIDs are never given twice, even after their user is gone
api user.edit sok=ok name=erin passwd=erin-pass-12 >/dev/null
assert_eq "a new UID past every one given (alice's $UIDMIN is not reused)" $((UIDMIN + 3)) "$(api user.edit elid=erin | jq -r .uid)"
