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
# (it is alive right now, and used: wait for the timeout to pass)
wait_for "session idle timeout" 10 session_dead

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

# the API is HTTPS: plain HTTP to its port gets no answer
check "no plain HTTP on the API port" sh -c "! curl -s -m 5 http://$NET.1:$MPORT/ispmgr?func=whoami | grep -q doc"
