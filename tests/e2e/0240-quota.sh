#!/bin/sh
# The disk limit (limit_quota): every node measures the homes of the users
# it holds, never following a link out of them and counting a hard-linked
# file once, and the master adds the figures up across nodes.  A user whose
# homes take the whole limit gets no new site, mail domain or mailbox until
# some is freed; every mailbox of a limited user has a maxsize within the
# limit, so Dovecot bounds it.
. "$(dirname "$0")/lib.sh"

NODE_FLAGS="--usage-interval 1"
start_master
fast_policy 300 3 5000
add_node 2 web1 web
add_node 3 mail1 mail
add_node 4 dns1 dns
for i in 2 3 4; do wait_for "n$i ready" 30 node_is $i ready; done

out=$("$HF" node -n -s "$WORK/x" --usage-interval 0 2>&1)
assert_match "a usage interval of 0 refused" 'usage-interval "0": out of range 1..86400' "$out"
echo '{"usage_interval_s": 99999999999}' >"$WORK/n.json"
out=$("$HF" node -n -c "$WORK/n.json" 2>&1)
assert_match "so is one too long in the config" 'usage_interval_s: out of range 1..86400' "$out"
assert_match "the interval in the canonical config" '"usage_interval_s": 1' \
    "$("$HF" node -n -s "$WORK/x" --usage-interval 1)"

api user.edit sok=ok name=alice passwd=alice-pass-1 limit_quota=2 >/dev/null
api user.edit sok=ok name=bob passwd=bob-pass-12 >/dev/null
used() { api user | jq -r --arg u "$1" '.elem[] | select(.name == $u) | .quota_used'; }
used_is() { [ "$(used "$1")" = "$2" ]; }

out=$(ua webdomain.edit sok=ok name=a.example.com)
assert_eq "a site within the limit" "" "$(jf "$out" .ok)"
assert_eq "the limit listed" 2 "$(api user | jq -r '.elem[] | select(.name == "alice") | .limit_quota')"
wait_for "an empty home counts (almost) nothing" 10 used_is alice 1
DOC=$WORK/n2/root/var/www/alice/data/www/a.example.com
check "the document root is there" [ -d "$DOC" ]

# 3 MiB written into the site: over the limit of 2
dd if=/dev/urandom of="$DOC/big.bin" bs=1M count=3 2>/dev/null
wait_for "the master sees 3 MiB" 10 used_is alice 4
# a user's bytes in web1's last stats (the API shows only their sum)
on_web1() { master_dump nodes | jq -r --arg u "$1" 'select(.name == "web1") | .stats.usage[$u] // empty'; }
check "web1 reports alice's bytes" [ "$(on_web1 alice)" -gt 3000000 ]
assert_eq "web1 counts one home" 1 "$(api sysinfo_stat | jq -r '.elem[] | select(.name == "web1") | .homes')"
check "and their bytes" [ "$(api sysinfo_stat | jq -r '.elem[] | select(.name == "web1") | .homes_bytes')" -gt 3000000 ]
run_cases 0240-quota.cases "over the limit"
check "nothing reserved" [ -z "$(uindex_state b.example.com)" ]
check "no file rendered" [ ! -f "$WORK/n2/root/etc/nginx/hostfleet/sites/b.example.com.conf" ]

# a restarted node reports its last figures from its first answer, before
# it has walked the homes again
usage_at() { api sysinfo_stat | jq -r '.elem[] | select(.name == "web1") | .usage_at'; }
node_down 2
down_at=$(date +%s)
HOSTFLEET_TEST_USAGE_DELAY_MS=60000 start_node 2
wait_for "web1 back" 30 node_is 2 ready
at=$(usage_at)
check "the figures from before the restart ($at <= $down_at)" test "$at" -gt 0 -a "$at" -le "$down_at"
assert_eq "alice still counted after the restart" 4 "$(used alice)"
out=$(ua webdomain.edit sok=ok name=b.example.com)
assert_eq "and still refused" limit "$(jf "$out" .error.type)"
node_down 2
start_node 2
wait_for "web1 back" 30 node_is 2 ready
out=$(ua domain.edit sok=ok name=a.example.com ip=192.0.2.1)
assert_eq "a DNS zone is outside the homes: allowed" "" "$(jf "$out" .ok)"
out=$(ua webdomain.edit sok=ok elid=a.example.com php_mode=php_cgi)
assert_eq "the existing site can still be changed" "" "$(jf "$out" .ok)"
out=$(ub webdomain.edit sok=ok name=bob.example.com)
assert_eq "bob has no limit" "" "$(jf "$out" .ok)"

# a link out of the home is not followed; a hard link is counted once
dd if=/dev/urandom of="$WORK/outside.bin" bs=1M count=8 2>/dev/null
ln -s "$WORK/outside.bin" "$DOC/link-out"
ln -s / "$DOC/link-root"
ln "$DOC/big.bin" "$DOC/big-again.bin"
mkdir -p "$DOC/deep/er/still"
ln "$DOC/big.bin" "$DOC/deep/er/still/third.bin"
# a measure that began after the links: one that ended two seconds later
linked=$(date +%s)
measured_since() { [ "$(usage_at)" -ge $(( $1 + 2 )) ]; }
wait_for "web1 measured again after the links" 15 measured_since "$linked"
assert_eq "links counted as they take" 4 "$(used alice)"

# freed: new objects again
rm -f "$DOC/big.bin" "$DOC/big-again.bin" "$DOC/deep/er/still/third.bin"
wait_for "the master sees it freed" 10 used_is alice 1
out=$(ua webdomain.edit sok=ok name=b.example.com)
assert_eq "a site once freed" "" "$(jf "$out" .ok)"
out=$(ua emaildomain.edit sok=ok name=a.example.com)
assert_eq "a mail domain once freed" "" "$(jf "$out" .ok)"

# mailboxes: bounded by the limit
run_cases 0240-quota.cases mailbox
check "written for Dovecot" grep -q 'info@a.example.com:.*userdb_quota_rule=\*:storage=2M' "$WORK/n3/root/etc/dovecot/hostfleet/users"
run_cases 0240-quota.cases "mailbox limits"

# the usage of a user's homes on two nodes adds up
MAIL=$WORK/n3/root/var/www/alice/data/email/a.example.com/info
mkdir -p "$MAIL/new"
dd if=/dev/urandom of="$DOC/web.bin" bs=1M count=1 2>/dev/null
dd if=/dev/urandom of="$MAIL/new/1.eml" bs=1M count=1 2>/dev/null
wait_for "web and mail add up" 10 used_is alice 3

# a limit above the largest mailbox: new mailboxes get the largest
api user.edit sok=ok elid=alice limit_quota=2000000 >/dev/null
out=$(ua email.edit sok=ok name=huge domainname=a.example.com passwd=mail-pass-1)
assert_eq "a mailbox under a limit of 2000000 MiB" "" "$(jf "$out" .ok)"
assert_eq "gets the largest maxsize" 1048576 "$(ua email.edit elid=huge@a.example.com | jq -r .maxsize)"
check "Dovecot's quota plugin enabled" grep -q '^mail_plugins = $mail_plugins quota' "$WORK/n3/root/etc/dovecot/hostfleet/dovecot.conf"

# names of what /var/www holds besides the homes are no user names
run_cases 0240-quota.cases "user names"

# no limit: nothing refused whatever the usage
api user.edit sok=ok elid=alice limit_quota=0 >/dev/null
out=$(ua webdomain.edit sok=ok name=c.example.com)
assert_eq "limit 0 is no limit" "" "$(jf "$out" .ok)"
out=$(ua email.edit sok=ok name=big domainname=a.example.com passwd=mail-pass-1 maxsize=0)
assert_eq "and mailboxes unbounded again" "" "$(jf "$out" .ok)"

# a deleted user's home is gone and measured no more
api user.delete elid=bob >/dev/null
gone() { [ -z "$(on_web1 bob)" ]; }
wait_for "bob no longer measured" 10 gone
check "nor his home there" [ ! -d "$WORK/n2/root/var/www/bob" ]
