#!/bin/sh
# Drift of user data: a site's or zone's file changed, removed or added by
# hand on a node is reported in the node's stats (sysinfo_stat) and put
# back by the node from its store, live in the real nginx and named; a
# node told not to restore (--drift-interval 0) only reports; a node
# without drift reports none.
. "$(dirname "$0")/lib.sh"

# the canonical configuration and its bounds
out=$("$HF" node -n -s "$WORK/x")
assert_eq "drift_interval_s defaults to 60" 60 "$(jf "$out" .drift_interval_s)"
out=$("$HF" node -n -s "$WORK/x" --drift-interval 0)
assert_eq "0 is allowed (report only)" 0 "$(jf "$out" .drift_interval_s)"
out=$("$HF" node -n -s "$WORK/x" --drift-interval 86401 2>&1)
assert_match "a drift interval too long refused" 'drift-interval "86401": out of range 0..86400' "$out"
echo '{"drift_interval_s": -1}' >"$WORK/n.json"
out=$("$HF" node -n -c "$WORK/n.json" 2>&1)
assert_match "so is a negative one in the config" 'drift_interval_s: out of range 0..86400' "$out"

start_master
fast_policy 300 3 10000
NODE_FLAGS="--drift-interval 1"
add_node 2 wd1 web,dns
NODE_FLAGS="--drift-interval 0"
add_node 3 wd2 web,dns userlocked=on
for i in 2 3; do wait_for "n$i ready" 30 node_is $i ready; done
R2=$WORK/n2/root
R3=$WORK/n3/root
SITES=etc/nginx/hostfleet/sites
ZONES=etc/bind/hostfleet/zones

stat_of() { api sysinfo_stat | jq -r --arg a "$NET.$1" ".elem[] | select(.addr == \$a) | .$2"; }

api user.edit sok=ok name=alice passwd=alice-pass-1 >/dev/null
out=$(ua webdomain.edit sok=ok name=alice.example.com)
assert_eq "site ok" "" "$(jf "$out" .ok)"
out=$(ua domain.edit sok=ok name=alice.example.com ip=192.0.2.10)
assert_eq "zone ok" "" "$(jf "$out" .ok)"
check "alice's data is on n2" [ -f "$R2/$SITES/alice.example.com.conf" ]
DOC=$R2/var/www/alice/data/www/alice.example.com
echo "hello from alice" >"$DOC/index.html"
chown "$UIDMIN:$UIDMIN" "$DOC/index.html"
assert_eq "the site answers" "hello from alice" "$(http_body 2 alice.example.com)"
assert_eq "the zone answers" 192.0.2.10 "$(dig_at 2 alice.example.com A)"
SITE=$(cat "$R2/$SITES/alice.example.com.conf")
ZONE=$(cat "$R2/$ZONES/alice.example.com.db")

# ---- no drift: none reported ----
fresh() { [ "$(stat_of 2 usage_at)" != null ] && [ -n "$(stat_of 2 drift_files)" ]; }
wait_for "n2 stats with drift fields" 10 fresh
assert_eq "n2 reports no drift" "" "$(stat_of 2 drift)"
assert_eq "n2 drift_files 0" 0 "$(stat_of 2 drift_files)"
assert_eq "n2 restored nothing" 0 "$(stat_of 2 drift_restored)"
assert_eq "n3 reports no drift" "" "$(stat_of 3 drift)"
assert_nomatch "no drift logged by the node" 'was changed on the node' "$(cat "$WORK/n2.err")"

# ---- a site's server_name changed by hand, and nginx reloaded on it ----
sed -i 's/server_name alice.example.com/server_name evil.example.com/' "$R2/$SITES/alice.example.com.conf"
kill -HUP "$(cat "$R2/run/nginx.pid")"
restored_log() { grep -q "user data: $1 file \"$R2/$2\" was changed on the node; restored" "$WORK/n2.err"; }
wait_for "the site's edit restored and logged" 10 restored_log web "$SITES/alice.example.com.conf"
assert_eq "the site's file is the rendered one again" "$SITE" "$(cat "$R2/$SITES/alice.example.com.conf")"
serves() { [ "$(http_body 2 alice.example.com)" = "hello from alice" ]; }
wait_for "the site answers by its name again" 10 serves
reported() { [ "$(stat_of 2 drift_restored)" -ge "$1" ] 2>/dev/null; }
wait_for "sysinfo_stat counts the restore" 10 reported 1
assert_match "the master logs it" 'wd1.*user-data files restored by the node' "$(cat "$WORK/master.err")"

# ---- a zone's file edited by hand and loaded by named; then deleted ----
sed -i 's/192\.0\.2\.10/192.0.2.99/' "$R2/$ZONES/alice.example.com.db"
kill -HUP "$(cat "$R2/run/named/named.pid")"
wait_for "the zone's edit restored and logged" 10 restored_log dns "$ZONES/alice.example.com.db"
zone_back() { [ "$(cat "$R2/$ZONES/alice.example.com.db")" = "$ZONE" ]; }
check "the zone file is the rendered one again" zone_back
answers() { [ "$(dig_at 2 alice.example.com A)" = 192.0.2.10 ]; }
wait_for "named answers the stored address again" 10 answers
n0=$(grep -c "user data: dns file" "$WORK/n2.err")
rm "$R2/$ZONES/alice.example.com.db"
more_logs() { [ "$(grep -c "user data: dns file" "$WORK/n2.err")" -gt "$n0" ]; }
wait_for "the deleted zone file restored and logged" 10 more_logs
wait_for "the zone file is back" 10 zone_back
check "named still answers" answers

# ---- a stray site file dropped into the node's sites directory ----
sed 's/alice.example.com/stray.example.net/g' "$R2/$SITES/alice.example.com.conf" >"$R2/$SITES/stray.example.net.conf"
gone() { [ ! -e "$R2/$SITES/stray.example.net.conf" ]; }
wait_for "the stray file is removed" 10 gone
wait_for "its removal logged" 10 restored_log web "$SITES/stray.example.net.conf"
assert_eq "nothing answers for the stray name" "" "$(http_body 2 stray.example.net)"

# ---- an edit that breaks nginx's configuration ----
echo 'this is { not nginx' >>"$R2/$SITES/alice.example.com.conf"
site_back() { [ "$(cat "$R2/$SITES/alice.example.com.conf")" = "$SITE" ]; }
wait_for "the broken site file restored" 10 site_back
check "the site still answers" serves
wait_for "sysinfo_stat counts every restore" 10 reported 5
settled() { [ "$(stat_of 2 drift_files)" = 0 ] && [ "$(stat_of 2 drift)" = "" ]; }
wait_for "n2 reports no drift left" 10 settled
assert_nomatch "no restore failed" 'not restored' "$(cat "$WORK/n2.err")"

# ---- a node with --drift-interval 0 reports and leaves the file ----
api cluster.node.edit sok=ok elid="$NODEID_3" userlocked=off >/dev/null
api cluster.node.edit sok=ok elid="$NODEID_2" userlocked=on >/dev/null
api user.edit sok=ok name=bob passwd=bob-pass-123 >/dev/null
out=$(ub webdomain.edit sok=ok name=bob.example.net)
assert_eq "bob's site ok" "" "$(jf "$out" .ok)"
check "bob's data is on n3" [ -f "$R3/$SITES/bob.example.net.conf" ]
echo '# changed by hand' >>"$R3/$SITES/bob.example.net.conf"
shown() { [ "$(stat_of 3 drift)" = "web:$SITES/bob.example.net.conf" ]; }
wait_for "sysinfo_stat shows the drifted file" 10 shown
assert_eq "one drifted file" 1 "$(stat_of 3 drift_files)"
logged() { grep -q "wd2.*user data changed on the node.*bob.example.net.conf" "$WORK/master.err"; }
wait_for "the master logs the drift" 10 logged
assert_match "the file stays as edited" '# changed by hand' "$(cat "$R3/$SITES/bob.example.net.conf")"
assert_eq "nothing restored on n3" 0 "$(stat_of 3 drift_restored)"
assert_eq "n2 still reports none" "" "$(stat_of 2 drift)"
