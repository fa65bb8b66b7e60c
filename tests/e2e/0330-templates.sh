#!/bin/sh
# Templates: the admin's lines that every node renders into every site,
# PHP-FPM pool and Dovecot configuration, a system data type changed by
# distributed queries.  A template reaches every web node's nginx and
# PHP-FPM as soon as the API says ok (a response header, a PHP setting,
# seen with curl); one that nginx -t refuses is refused as a whole, naming
# the nodes, and nothing changes anywhere (I1): the master keeps its
# templates, every node serves as before; a delete takes the lines away.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 10000
add_node 2 web1 web
add_node 3 web2 web
add_node 4 mail1 mail
for i in 2 3 4; do wait_for "n$i ready" 30 node_is $i ready; done

api user.edit sok=ok name=alice passwd=alice-pass-1 >/dev/null
api user.edit sok=ok name=bob passwd=bob-pass-123 >/dev/null
out=$(ua webdomain.edit sok=ok name=alice.example.com php_mode=php_fpm)
assert_eq "alice's site ok" "" "$(jf "$out" .ok)"
out=$(ub webdomain.edit sok=ok name=bob.example.net php_mode=php_fpm)
assert_eq "bob's site ok" "" "$(jf "$out" .ok)"

# which web node serves which site: one each (placement spreads users)
hdr() { curl -s -o /dev/null -D - -H "Host: $2" "http://$NET.$1/" | tr -d '\r' | grep -i '^x-hostfleet-test:' | sed 's/^[^:]*: *//'; }
SITES=""
for s in alice.example.com bob.example.net; do
	for n in 2 3; do
		if [ "$(http_code $n $s)" != 000 ]; then
			SITES="$SITES $n:$s"
			owner=${s%%.*}
			doc=$WORK/n$n/root/var/www/$owner/data/www/$s
			echo "hello from $owner" >"$doc/index.html"
			printf '<?php echo ini_get("memory_limit");' >"$doc/mem.php"
			chown "$(stat -c %u "$doc")" "$doc/index.html" "$doc/mem.php"
		fi
	done
done
check "a site on each web node ($SITES)" [ "$(echo "$SITES" | tr ' ' '\n' | cut -d: -f1 | sort -u | tr -d '\n')" = 23 ]
for ns in $SITES; do
	assert_eq "${ns#*:}: no header before a template" "" "$(hdr ${ns%%:*} ${ns#*:})"
done
first=${SITES# }; first=${first%% *}
MEM0=$(http_body "${first%%:*}" "${first#*:}" mem.php)
check "PHP answers ($MEM0)" [ -n "$MEM0" ]

# ---- a template: the header on every site of every web node ----
out=$(api templates.edit sok=ok name=nginx_site_extra body='add_header X-Hostfleet-Test yes;
client_max_body_size 16m;')
assert_eq "template ok" "" "$(jf "$out" .ok)"
for ns in $SITES; do
	assert_eq "${ns#*:} on n${ns%%:*}: the header at once" yes "$(hdr ${ns%%:*} ${ns#*:})"
	assert_eq "${ns#*:}: still its page" "hello from $(echo ${ns#*:} | cut -d. -f1)" "$(http_body ${ns%%:*} ${ns#*:})"
done
TID=$(api templates | jq -r '.elem[0].id')
check "the site file has the lines" grep -q 'add_header X-Hostfleet-Test yes;' "$WORK/n2/root/etc/nginx/hostfleet/sites/"*.conf
check "the mail node took the set too" [ -s "$WORK/n4/root/etc/hostfleet/templates.json" ]

# PHP-FPM: a pool setting, seen by PHP itself
out=$(api templates.edit sok=ok name=php_pool_extra body='php_admin_value[memory_limit] = 77M')
assert_eq "pool template ok" "" "$(jf "$out" .ok)"
for ns in $SITES; do
	assert_eq "${ns#*:}: PHP runs with the pool's template" 77M "$(http_body ${ns%%:*} ${ns#*:} mem.php)"
done

# ---- refused by the grammar on the master: nothing sent ----
for bad in '}' 'add_header X y' 'include /etc/passwd;' 'a "b;'; do
	out=$(api templates.edit sok=ok name=nginx_site_extra body="$bad")
	assert_eq "grammar refuses '$bad'" value "$(jf "$out" .error.type)"
done
out=$(api templates.edit sok=ok name=php_pool_extra body='user = root')
assert_eq "a pool template may not set the user" value "$(jf "$out" .error.type)"
out=$(api templates.edit sok=ok name=no_such_slot body='x;')
assert_eq "an unknown slot" value "$(jf "$out" .error.type)"

# ---- refused by nginx -t on the nodes: nothing changes anywhere ----
before=$(api templates | jq -c '[.elem[] | {id, name, body}]')
v0=$(api templates | jq -r .version)
f2=$(cat "$WORK/n2/root/etc/hostfleet/templates.json")
out=$(api templates.edit sok=ok elid="$TID" body='add_header;')
assert_eq "a template nginx refuses is refused" cluster "$(jf "$out" .error.type)"
assert_match "the error names web1" 'web1: ' "$(jf "$out" .error.msg)"
assert_match "the error names web2" 'web2: ' "$(jf "$out" .error.msg)"
assert_match "the error is nginx's" 'add_header' "$(jf "$out" .error.msg)"
assert_eq "the master's templates unchanged" "$before" "$(api templates | jq -c '[.elem[] | {id, name, body}]')"
assert_eq "the master's version unchanged" "$v0" "$(api templates | jq -r .version)"
assert_eq "the node's templates unchanged" "$f2" "$(cat "$WORK/n2/root/etc/hostfleet/templates.json")"
for ns in $SITES; do
	assert_eq "${ns#*:}: the old header still served" yes "$(hdr ${ns%%:*} ${ns#*:})"
done
check "no staged file left" [ -z "$(find "$WORK/n2/root/etc/nginx" "$WORK/n3/root/etc/nginx" -name '.*.new')" ]
# the nodes that were sent it are restored by the synchronizer (to what
# they have already) and are ready again
wait_for "nodes back in sync" 30 no_desync
for i in 2 3 4; do wait_for "n$i ready again" 30 node_is $i ready; done
# an unknown directive: the same
out=$(api templates.edit sok=ok elid="$TID" body='no_such_directive on;')
assert_eq "an unknown directive is refused" cluster "$(jf "$out" .error.type)"
assert_match "nginx names it" 'no_such_directive' "$(jf "$out" .error.msg)"
assert_eq "the master's templates still unchanged" "$before" "$(api templates | jq -c '[.elem[] | {id, name, body}]')"
wait_for "nodes back in sync" 30 no_desync
for i in 2 3 4; do wait_for "n$i ready again" 30 node_is $i ready; done
for ns in $SITES; do
	assert_eq "${ns#*:}: served as before" yes "$(hdr ${ns%%:*} ${ns#*:})"
done

# a change that nginx takes: the new value everywhere
out=$(api templates.edit sok=ok elid="$TID" body='add_header X-Hostfleet-Test changed;')
assert_eq "change ok" "" "$(jf "$out" .ok)"
for ns in $SITES; do
	assert_eq "${ns#*:}: the changed header" changed "$(hdr ${ns%%:*} ${ns#*:})"
done

# ---- delete: the lines go ----
out=$(api templates.delete elid="$TID")
assert_eq "delete ok" "" "$(jf "$out" .ok)"
for ns in $SITES; do
	assert_eq "${ns#*:}: no header after the delete" "" "$(hdr ${ns%%:*} ${ns#*:})"
	assert_eq "${ns#*:}: the pool template stays" 77M "$(http_body ${ns%%:*} ${ns#*:} mem.php)"
done
PID2=$(api templates | jq -r '.elem[0].id')
out=$(api templates.delete elid="$PID2")
assert_eq "pool template delete ok" "" "$(jf "$out" .ok)"
for ns in $SITES; do
	assert_eq "${ns#*:}: PHP's default again" "$MEM0" "$(http_body ${ns%%:*} ${ns#*:} mem.php)"
done
check "no template left in the site files" [ -z "$(grep -l '# template' "$WORK"/n[23]/root/etc/nginx/hostfleet/sites/*.conf "$WORK"/n[23]/root/etc/php/8.2/fpm/hostfleet/*.conf)" ]
