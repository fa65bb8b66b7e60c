#!/bin/sh
# `ok` means live: each node runs its own nginx, PHP-FPM, named, Postfix
# and Dovecot on its own address, wired and reloaded by the node; after the
# API answers, a real request proves the change: curl with the Host header,
# dig, swaks and IMAP.  Isolation between users on a web node, suspend as
# a real 503, a killed service shown down and restarted through the API.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 10000
add_node_ns 2 web1 web
add_node_ns 3 dns1 dns
add_node_ns 4 mail1 mail
add_node_ns 5 spare web
for i in 2 3 4 5; do wait_for "n$i ready" 30 node_is $i ready; done
R2=$WORK/n2/root

# a role's services are wired (one marked line), started, and when the
# role goes, unwired and stopped; the new role's come up
R5=$WORK/n5/root
MARK='hostfleet: wired by the node agent'
wired5() { grep -q "$MARK" "$R5/etc/nginx/nginx.conf" && [ -S "$R5/run/php/php8.2-fpm.sock" ]; }
wait_for "web role wired on spare" 20 wired5
assert_eq "one include line" 1 "$(grep -c "include $R5/etc/nginx/hostfleet/sites.conf;" "$R5/etc/nginx/nginx.conf")"
out=$(api cluster.node.edit sok=ok elid="$NODEID_5" roles=dns)
assert_eq "role changed" "" "$(jf "$out" .ok)"
unwired5() {
	! grep -q "$MARK" "$R5/etc/nginx/nginx.conf" &&
	    { [ ! -s "$R5/run/nginx.pid" ] || ! kill -0 "$(cat "$R5/run/nginx.pid")" 2>/dev/null; } &&
	    grep -q "$MARK" "$R5/etc/bind/named.conf" &&
	    [ "$(dig +short +time=1 +tries=1 @"$NET.5" nothing.example SOA >/dev/null 2>&1; echo $?)" = 0 ]
}
wait_for "web unwired and stopped, dns wired and answering" 30 unwired5

api user.edit sok=ok name=alice passwd=alice-pass-1 >/dev/null
api user.edit sok=ok name=bob passwd=bob-pass-123 >/dev/null

# ---- web: a site answers as soon as the API says ok ----
out=$(ua webdomain.edit sok=ok name=alice.example.com php_mode=php_fpm)
assert_eq "site ok" "" "$(jf "$out" .ok)"
assert_eq "the new site answers at once (no index yet: 403)" 403 "$(http_code 2 alice.example.com)"
DOC=$R2/var/www/alice/data/www/alice.example.com
echo "hello from alice" >"$DOC/index.html"
chown "$UIDMIN:$UIDMIN" "$DOC/index.html"
assert_eq "the document root's file" "hello from alice" "$(http_body 2 alice.example.com)"
assert_eq "by its www alias too" "hello from alice" "$(http_body 2 www.alice.example.com)"
assert_eq "an unknown name gets nothing" 000 "$(http_code 2 nobody.example.com)"
# PHP runs as the owner, in the owner's pool
printf '<?php echo posix_geteuid(), " ", getmyuid();' >"$DOC/id.php"
chown "$UIDMIN:$UIDMIN" "$DOC/id.php"
assert_eq "PHP runs as alice (uid $UIDMIN)" "$UIDMIN $UIDMIN" "$(http_body 2 alice.example.com id.php)"
check "alice's pool socket" [ -S "$R2/run/php/php8.2-fpm-alice.sock" ]

# bob, on the same node: his PHP cannot read alice's home, and a link he
# makes into it serves nothing
out=$(ub webdomain.edit sok=ok name=bob.example.net php_mode=php_fpm)
assert_eq "bob's site ok" "" "$(jf "$out" .ok)"
BDOC=$R2/var/www/bob/data/www/bob.example.net
printf '<?php $s = @file_get_contents("%s/index.html"); echo $s === false ? "denied" : $s;' "$DOC" >"$BDOC/peek.php"
ln -s "$DOC/index.html" "$BDOC/stolen.html"
chown -h $((UIDMIN + 1)):$((UIDMIN + 1)) "$BDOC/peek.php" "$BDOC/stolen.html"
assert_eq "bob's PHP cannot read alice's files" denied "$(http_body 2 bob.example.net peek.php)"
assert_eq "a link into alice's home serves nothing" 403 "$(http_code 2 bob.example.net stolen.html)"
ln -s "$BDOC/peek.php" "$BDOC/own-link.php"
chown -h $((UIDMIN + 1)):$((UIDMIN + 1)) "$BDOC/own-link.php"
echo "bob's own" >"$BDOC/own.txt"; chown $((UIDMIN + 1)):$((UIDMIN + 1)) "$BDOC/own.txt"
ln -s "$BDOC/own.txt" "$BDOC/own-link.txt"; chown -h $((UIDMIN + 1)):$((UIDMIN + 1)) "$BDOC/own-link.txt"
assert_eq "a link to bob's own file serves it" "bob's own" "$(http_body 2 bob.example.net own-link.txt)"

# suspend: a real 503; resume: served again
out=$(api user.suspend elid=alice)
assert_eq "suspend ok" "" "$(jf "$out" .ok)"
assert_eq "suspended site answers 503" 503 "$(http_code 2 alice.example.com)"
out=$(api user.resume elid=alice)
assert_eq "resumed site served" "hello from alice" "$(http_body 2 alice.example.com)"

# delete: gone from nginx at once
out=$(ub webdomain.delete elid=bob.example.net)
assert_eq "delete ok" "" "$(jf "$out" .ok)"
assert_eq "the deleted site no longer answers" 000 "$(http_code 2 bob.example.net)"
check "bob's pool went with his last PHP site" [ ! -e "$WORK/n2/root/etc/php/8.2/fpm/hostfleet/bob.conf" ]

# ---- dns: a record resolves as soon as the API says ok ----
out=$(ua domain.edit sok=ok name=alice.example.com ip=192.0.2.10)
assert_eq "zone ok" "" "$(jf "$out" .ok)"
assert_eq "the new zone answers at once" 192.0.2.10 "$(dig_at 3 alice.example.com A)"
s1=$(dig_at 3 alice.example.com SOA | awk '{print $3}')
out=$(ua domain.record.edit sok=ok plid=alice.example.com name=_acme-challenge rtype=txt value=TOKEN-1)
assert_eq "record ok" "" "$(jf "$out" .ok)"
assert_eq "the TXT record resolves at once" '"TOKEN-1"' "$(dig_at 3 _acme-challenge.alice.example.com TXT)"
s2=$(dig_at 3 alice.example.com SOA | awk '{print $3}')
check "the SOA serial rose ($s1 -> $s2)" [ "$s2" -gt "$s1" ]
rkey=$(ua domain.record elid=alice.example.com plid=alice.example.com | jq -r '.elem[] | select(.rtype == "TXT") | .rkey')
out=$(ua domain.record.delete plid=alice.example.com elid="$rkey")
assert_eq "record delete ok" "" "$(jf "$out" .ok)"
assert_eq "the TXT record is gone at once" "" "$(dig_at 3 _acme-challenge.alice.example.com TXT)"
out=$(ua domain.delete elid=alice.example.com)
assert_eq "zone delete ok" "" "$(jf "$out" .ok)"
assert_match "the deleted zone is refused" "REFUSED" "$(dig +time=2 +tries=1 @"$NET.3" alice.example.com SOA)"

# ---- mail: delivery, IMAP, sender lists, quota ----
out=$(ua emaildomain.edit sok=ok name=alice.example.org)
assert_eq "mail domain ok" "" "$(jf "$out" .ok)"
out=$(ua email.edit sok=ok name=info domainname=alice.example.org passwd=mail-pass-1 maxsize=1)
assert_eq "mailbox ok" "" "$(jf "$out" .ok)"
swk() { swaks --server "$NET.4" --timeout 10 "$@" 2>&1; }
out=$(swk --to info@alice.example.org --from friend@example.net --header "Subject: first")
assert_match "SMTP accepts mail for the mailbox" "250 2.0.0 Ok: queued" "$out"
MD=$WORK/n4/root/var/www/alice/data/email/alice.example.org/info
wait_for "the message lands in the Maildir" 10 sh -c "ls '$MD'/new/* 2>/dev/null | grep -q ."
check "delivered as alice" [ "$(stat -c %u "$(ls "$MD"/new/* | head -1)")" = "$UIDMIN" ]
out=$(swk --to nobody@alice.example.org --from friend@example.net)
assert_match "an unknown mailbox is refused" "550 5.1.1" "$out"
imap=$(curl -s --max-time 10 --url "imap://$NET.4/INBOX" --user 'info@alice.example.org:mail-pass-1' -X 'EXAMINE INBOX')
assert_match "IMAP login with the mailbox's password" "1 EXISTS" "$imap"
imap=$(curl -s --max-time 10 --url "imap://$NET.4/INBOX" --user 'info@alice.example.org:wrong-pass' -X 'EXAMINE INBOX'; echo "rc=$?")
assert_match "a wrong password is refused" "rc=67" "$imap"
# sender lists are system data: live on the mail node
out=$(api blacklist.edit sok=ok pattern=spammer.example)
assert_eq "blacklist ok" "" "$(jf "$out" .ok)"
out=$(swk --to info@alice.example.org --from boss@spammer.example)
assert_match "a blacklisted sender is refused" "554 5.7.1" "$out"
out=$(api whitelist.edit sok=ok pattern=good@spammer.example)
out=$(swk --to info@alice.example.org --from good@spammer.example)
assert_match "a whitelisted sender is accepted" "250 2.0.0 Ok: queued" "$out"
# (IMAP moved what it saw to cur/)
delivered() { ls "$MD"/new "$MD"/cur | grep -c '^[0-9]'; }
two() { [ "$(delivered)" = 2 ]; }
wait_for "and its mail lands" 10 two
# over maxsize (1 MiB) the mailbox refuses
head -c 1500000 /dev/urandom | base64 >"$WORK/big.txt"
n0=$(delivered)
# (from an address of the node's own domain: the bounce stays on the node)
out=$(swk --to info@alice.example.org --from nobody@alice.example.org --attach "@$WORK/big.txt")
wait_for "the over-quota delivery is refused and logged" 10 grep -q "said: 552 5.2.2 <info@alice.example.org> Quota exceeded" "$WORK/n4/root/var/log/mail.log"
assert_eq "nothing more landed" "$n0" "$(delivered)"

# ---- services: listed, a killed one shows down, restarted by the API ----
out=$(api cluster.node.service elid="$NODEID_2")
assert_eq "nginx listed running" running "$(jf "$out" '.elem[] | select(.name == "nginx") | .state')"
np=$(cat "$R2/run/nginx.pid")
kill -9 $np $(cat /proc/$np/task/*/children)
wait_for "nginx shown down in the node's stats" 10 sh -c "$HF call -s $MSTATE -o JSONdata sysinfo_stat | jq -r '.elem[] | select(.name == \"web1\") | .services' | grep -q nginx:stopped"
assert_eq "the node's status says why" "nginx is not running" "$(node_field 2 status_msg)"
out=$(ua webdomain.edit sok=ok name=alice2.example.com)
assert_eq "a change while nginx is down: an error naming node and service" service "$(jf "$out" .error.type)"
assert_match "the error names the node and nginx" 'node "web1".*nginx' "$(jf "$out" .error.msg)"
check "and nothing of it was kept" [ ! -e "$R2/etc/nginx/hostfleet/sites/alice2.example.com.conf" ]
out=$(api cluster.node.service.restart elid="$NODEID_2" name=nginx)
assert_eq "restart ok" "" "$(jf "$out" .ok)"
msg_clear() { [ -z "$(node_field 2 status_msg)" ]; }
wait_for "the node's status says nothing more" 10 msg_clear
assert_eq "served again after the restart" "hello from alice" "$(http_body 2 alice.example.com)"
out=$(ua webdomain.edit sok=ok name=alice2.example.com)
assert_eq "and changes go live again" "" "$(jf "$out" .ok)"
