#!/bin/sh
# Login: sessions bound to the client address with an idle timeout,
# one-shot authinfo, bad passwords slowed down, every output format.
. "$(dirname "$0")/lib.sh"

SESSION_IDLE=3 start_master

Q="$MURL/ispmgr"

# session login, in json: doc.auth.$id
out=$(capi "$Q?func=auth&username=admin&password=$ADMINPW&out=json")
SID=$(jf "$out" '.doc.auth["$id"]')
assert_match "auth id" '^[0-9a-f]{64}$' "$SID"
assert_eq "auth id twice" "$SID" "$(jf "$out" '.doc.auth["$"]')"
out=$(capi "$Q?func=whoami&auth=$SID&out=JSONdata")
assert_eq "whoami with session" admin "$(jf "$out" .name)"

# xml login, as DNSmanager-era clients parse it
out=$(capi "$Q?func=auth&username=admin&password=$ADMINPW")
assert_match "xml auth" '<auth id="[0-9a-f]{64}" level="admin">' "$out"

# form POST works as GET does
out=$(capi -d "func=whoami&out=JSONdata&auth=$SID" "$Q")
assert_eq "POST form" admin "$(jf "$out" .name)"

# an answer reaches a client that closes after it, over HTTP/1.0 and 1.1,
# and several on one kept-alive connection (small answers leave in one TLS
# record, flushed when the request completes)
out=$(capi -H 'Connection: close' "$Q?func=whoami&auth=$SID&out=JSONdata")
assert_eq "answer before a close" admin "$(jf "$out" .name)"
out=$(capi --http1.0 "$Q?func=whoami&auth=$SID&out=JSONdata")
assert_eq "answer over HTTP/1.0" admin "$(jf "$out" .name)"
out=$(capi "$Q?func=whoami&auth=$SID&out=JSONdata" "$Q?func=whoami&auth=$SID&out=JSONdata" "$Q?func=functions&auth=$SID&out=JSONdata")
assert_eq "three answers on one connection" 3 "$(printf '%s' "$out" | jq -s 'length')"
assert_match "a large one last" '"elem"' "$out"

# the session used from another source address is refused
out=$(capi --interface "$NET.77" "$Q?func=whoami&auth=$SID&out=json")
assert_eq "session from another address" auth "$(jf "$out" '.doc.error["$type"]')"
# ... and still works from its own
out=$(capi "$Q?func=whoami&auth=$SID&out=JSONdata")
assert_eq "session still valid at home" admin "$(jf "$out" .name)"

# one-shot authinfo, no session
out=$(capi "$Q?func=whoami&authinfo=admin:$ADMINPW&out=JSONdata")
assert_eq "authinfo" admin "$(jf "$out" .name)"

# bad password: error auth, in every format
out=$(capi "$Q?func=auth&username=admin&password=wrong-one&out=json")
assert_eq "bad password json type" auth "$(jf "$out" '.doc.error["$type"]')"
assert_match "bad password json msg" 'invalid username or password' \
    "$(jf "$out" '.doc.error.msg["$"]')"
out=$(capi "$Q?func=auth&username=nosuchuser&password=wrong-one&out=xml")
assert_match "bad user xml" '<error type="auth" object="badpassword" lang="en"><msg>' "$out"
out=$(capi "$Q?func=whoami&authinfo=admin:wrong-one&out=text")
assert_match "bad authinfo text" '^ERROR auth\(badpassword\): ' "$out"
out=$(capi "$Q?func=whoami&out=JSONdata")
assert_eq "no credentials" auth "$(jf "$out" .error.type)"
out=$(capi "$Q?func=whoami&auth=0000&out=JSONdata")
assert_eq "unknown session" auth "$(jf "$out" .error.type)"

# every output format of a list and of an error
api cluster.node.edit sok=ok name=alpha addr="$NET.50" roles=web >/dev/null
AI="authinfo=admin:$ADMINPW"
out=$(capi "$Q?func=cluster.node&$AI&out=json")
assert_eq "json list" alpha "$(jf "$out" '.doc.elem[0].name["$"]')"
out=$(capi "$Q?func=cluster.node&$AI&out=sjson")
assert_eq "sjson list" alpha "$(jf "$out" '.doc.elem[0].name["$"]')"
out=$(capi "$Q?func=cluster.node&$AI&out=JSONdata")
assert_eq "JSONdata list" alpha "$(jf "$out" '.elem[0].name')"
out=$(capi "$Q?func=cluster.node&$AI&out=xml")
assert_match "xml list" '<elem><id>1</id><name>alpha</name>' "$out"
out=$(capi "$Q?func=cluster.node&$AI&out=text")
assert_match "text list" '^id=1 name=alpha addr=' "$out"
out=$(capi "$Q?func=cluster.node.edit&$AI&out=sjson&sok=ok&elid=1&weight=5")
assert_eq "sjson ok" '{}' "$(jf "$out" '.doc.ok|tojson')"
out=$(capi "$Q?func=cluster.node.edit&$AI&out=JSONdata&sok=ok&elid=1&weight=6")
assert_eq "JSONdata ok" '' "$(jf "$out" .ok)"
out=$(capi "$Q?func=cluster.node.edit&$AI&out=xml&sok=ok&elid=1&weight=7")
assert_match "xml ok" '<ok/>' "$out"
out=$(capi "$Q?func=cluster.node.edit&$AI&out=text&sok=ok&elid=1&weight=8")
assert_match "text ok" '^OK' "$out"
out=$(capi "$Q?func=no.such.func&$AI&out=json")
assert_eq "unknown function" func "$(jf "$out" '.doc.error["$type"]')"
out=$(capi "$Q?func=whoami&$AI&out=yaml")
assert_match "unknown out is answered in xml" '<error type="value" object="out"' "$out"
out=$(capi "$Q?func=whoami&$AI&out=json&bad%0Akey=1")
assert_eq "bad parameter name" value "$(jf "$out" '.doc.error["$type"]')"
out=$(capi "$Q?func=whoami&$AI&out=json&x=a%00b")
assert_match "NUL in a value" 'NUL' "$(jf "$out" '.doc.error.msg["$"]')"

# logout ends the session
out=$(capi "$Q?func=auth&username=admin&password=$ADMINPW&out=JSONdata")
S2=$(jf "$out" .auth)
capi "$Q?func=logout&auth=$S2&out=JSONdata" >/dev/null
out=$(capi "$Q?func=whoami&auth=$S2&out=JSONdata")
assert_eq "after logout" auth "$(jf "$out" .error.type)"

# idle timeout: the first session expires when unused for 3 s
session_dead() {
	o=$(capi "$Q?func=whoami&auth=$SID&out=JSONdata")
	[ "$(jf "$o" .error.type)" = auth ]
}
after() { [ "$(date +%s)" -ge "$1" ]; }
# (it was used a moment ago: wait for the timeout to pass without using
# it, then try it once)
last=$(date +%s)
wait_for "idle for more than 3 s" 10 after $((last + 5))
check "session idle timeout" session_dead

# the idle time counts from the last use, to the second: a session used
# 2 s after its login is alive 4 s after it, and dies once idle for more
# than 3 s
SID2=$(capi "$Q?func=auth&username=admin&password=$ADMINPW&out=JSONdata" | jq -r .auth)
t0=$(date +%s)
wait_for "2 s after the login" 10 after $((t0 + 2))
out=$(capi "$Q?func=whoami&auth=$SID2&out=JSONdata")
assert_eq "used 2 s after the login" admin "$(jf "$out" .name)"
wait_for "4 s after the login" 10 after $((t0 + 4))
out=$(capi "$Q?func=whoami&auth=$SID2&out=JSONdata")
assert_eq "used 2 s ago: alive 4 s after the login" admin "$(jf "$out" .name)"
last=$(date +%s)
wait_for "idle for more than 3 s" 10 after $((last + 5))
out=$(capi "$Q?func=whoami&auth=$SID2&out=JSONdata")
assert_eq "idle for more than 3 s: ended" auth "$(jf "$out" .error.type)"

# a new password ends the user's sessions; the admin's own goes on
api user.edit sok=ok name=pat passwd=pat-pass-123 >/dev/null
P1=$(capi "$Q?func=auth&username=pat&password=pat-pass-123&out=JSONdata" | jq -r .auth)
P2=$(capi "$Q?func=auth&username=pat&password=pat-pass-123&out=JSONdata" | jq -r .auth)
SID3=$(capi "$Q?func=auth&username=admin&password=$ADMINPW&out=JSONdata" | jq -r .auth)
assert_eq "pat's session" pat "$(capi "$Q?func=whoami&auth=$P1&out=JSONdata" | jq -r .name)"
out=$(capi "$Q?func=user.edit&sok=ok&elid=pat&passwd=pat-pass-456&auth=$SID3&out=JSONdata")
assert_eq "pat's password changed" "" "$(jf "$out" .ok)"
assert_eq "pat's first session ended" auth "$(capi "$Q?func=whoami&auth=$P1&out=JSONdata" | jq -r .error.type)"
assert_eq "pat's second session ended" auth "$(capi "$Q?func=whoami&auth=$P2&out=JSONdata" | jq -r .error.type)"
assert_eq "the admin's session goes on" admin "$(capi "$Q?func=whoami&auth=$SID3&out=JSONdata" | jq -r .name)"
out=$(api user.edit sok=ok elid=admin passwd=admin-pass-new1)
assert_eq "the admin changes their own password" "" "$(jf "$out" .ok)"
assert_eq "which ends their sessions but the caller's" auth "$(capi "$Q?func=whoami&auth=$SID3&out=JSONdata" | jq -r .error.type)"
ADMINPW=admin-pass-new1

# repeated failures from one address are slowed down: after 5 failures a
# correct password from that address is refused for a while, other
# addresses are not affected
for i in 1 2 3 4 5 6; do
	capi --interface "$NET.9" "$Q?func=whoami&authinfo=admin:bad$i&out=JSONdata" >/dev/null
done
out=$(capi --interface "$NET.9" "$Q?func=whoami&authinfo=admin:$ADMINPW&out=JSONdata")
assert_eq "throttled address" throttled "$(jf "$out" .error.object)"
out=$(capi --interface "$NET.10" "$Q?func=whoami&authinfo=admin:$ADMINPW&out=JSONdata")
assert_eq "other address not throttled" admin "$(jf "$out" .name)"

# logins at once from one address: each is counted before its password
# is checked, so no more pass the throttle than one by one would
jobs=""
for i in $(seq 60); do
	capi --interface "$NET.11" "$Q?func=whoami&authinfo=admin:wrong$i&out=JSONdata" >"$WORK/par$i" &
	jobs="$jobs $!"
done
wait $jobs
bad=$(cat "$WORK"/par* | jq -r .error.object | grep -c badpassword)
throttled=$(cat "$WORK"/par* | jq -r .error.object | grep -Ec 'throttled|busy')
check "the 5 free failures and at most two late ones checked ($bad)" [ "$bad" -ge 5 -a "$bad" -le 7 ]
assert_eq "the rest refused before any hash" 60 $((bad + throttled))

# logins at once from 60 addresses all need their hash: at most a few
# Argon2id hashes (64 MiB each) run at once, the others wait their turn
pid=$(pid_of master)
echo 5 >/proc/$pid/clear_refs	# the peak starts again from now
hwm0=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
jobs=""
for i in $(seq 60); do
	capi --interface "$NET.$((100 + i))" "$Q?func=whoami&authinfo=admin:wrong$i&out=JSONdata" >"$WORK/many$i" &
	jobs="$jobs $!"
done
wait $jobs
assert_eq "every one checked" 60 "$(cat "$WORK"/many* | jq -r .error.object | grep -c badpassword)"
hwm1=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)
say "master peak memory: $hwm0 -> $hwm1 kB"
check "the master's peak memory grew less than 600 MB ($hwm0 -> $hwm1 kB)" [ $((hwm1 - hwm0)) -lt 614400 ]

# the API is HTTPS: plain HTTP to its port gets no answer
check "no plain HTTP on the API port" sh -c "! curl -s -m 5 http://$NET.1:$MPORT/ispmgr?func=whoami | grep -q doc"
