#!/bin/sh
# ISPmanager's clients unchanged: the API at /ispmgr, /manager/ispmgr and
# /dnsmgr alike; the session cookie func=auth sets, alone enough for later
# calls; single sign-on keys from session.newkey, good for one login (a
# key given twice too).  A password changed on a cookie session keeps
# that session; the panel's logout ends the panel's session even with
# ISPmanager's cookie beside it.
. "$(dirname "$0")/lib.sh"

start_master

# one user to log in as
is_ok "user made" "$(api user.edit sok=ok name=carol passwd=carol-pass-1)"

# ---- the same answers on every path ----
for p in ispmgr manager/ispmgr dnsmgr; do
	out=$(capi "$MURL/$p?func=whoami&authinfo=admin:$ADMINPW&out=JSONdata")
	assert_eq "whoami at /$p" admin "$(jf "$out" .name)"
	# a form POST, URL-encoded, as billing modules send it
	out=$(capi --data-urlencode "authinfo=admin:$ADMINPW" \
	    -d 'func=user&out=json' "$MURL/$p")
	assert_eq "user list at /$p" carol \
	    "$(jf "$out" '[.doc.elem[].name["$"]] | map(select(. == "carol")) | .[0]')"
	# an error, in xml, parsed as a DOM
	out=$(capi "$MURL/$p?func=nosuch&authinfo=admin:$ADMINPW")
	assert_eq "error at /$p" func "$(printf '%s' "$out" |
	    xmllint --xpath 'string(/doc/error/@type)' -)"
done
assert_eq "another path" 404 "$(capi -o /dev/null -w '%{http_code}' \
    "$MURL/billmgr?func=whoami")"

# ---- cookie sessions ----
J=$WORK/jar
hdr=$(capi -D - -o /dev/null -c "$J" -d "func=auth&username=carol&password=carol-pass-1&checkcookie=no" "$MURL/ispmgr")
sc=$(printf '%s' "$hdr" | tr -d '\r' | grep -i '^set-cookie:')
assert_match "auth sets ispmgrses5" '^[Ss]et-[Cc]ookie: ispmgrses5=[0-9a-f]{64}; ' "$sc"
assert_match "cookie HttpOnly" '; HttpOnly' "$sc"
assert_match "cookie Secure" '; Secure' "$sc"
assert_match "cookie SameSite=Strict" '; SameSite=Strict' "$sc"
# the cookie alone is enough, on GET and POST
out=$(capi -b "$J" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "cookie only, GET" carol "$(jf "$out" .name)"
out=$(capi -b "$J" -d 'func=whoami&out=JSONdata' "$MURL/ispmgr")
assert_eq "cookie only, POST" carol "$(jf "$out" .name)"
out=$(capi -b "$J" -F func=whoami -F out=JSONdata "$MURL/manager/ispmgr")
assert_eq "cookie only, multipart POST" carol "$(jf "$out" .name)"
# the cookie is the session: it is what auth= answered
sid=$(sed -n 's/.*ispmgrses5[[:space:]]*//p' "$J")
out=$(capi "$MURL/ispmgr?func=whoami&auth=$sid&out=JSONdata")
assert_eq "cookie value is the session id" carol "$(jf "$out" .name)"
# dnsmgr has its own cookie name
hdr=$(capi -D - -o /dev/null "$MURL/dnsmgr?func=auth&username=carol&password=carol-pass-1")
assert_match "dnsmgr sets dnsmgrses5" 'dnsmgrses5=[0-9a-f]{64};' "$hdr"
# a forged cookie is refused, as a forged auth= is
out=$(capi -b "ispmgrses5=$(printf '%064d' 0)" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "forged cookie" auth "$(jf "$out" .error.type)"
# the session is bound to the client address, the cookie too
out=$(capi --interface "$NET.77" -b "$J" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "cookie from another address" auth "$(jf "$out" .error.type)"
# logout ends it and clears the cookie
hdr=$(capi -D - -o /dev/null -b "$J" "$MURL/ispmgr?func=logout")
assert_match "logout clears the cookie" 'ispmgrses5=; Path=/; Max-Age=0' "$hdr"
out=$(capi -b "$J" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "cookie after logout" auth "$(jf "$out" .error.type)"

# ---- single sign-on ----
KEY=billing-key-0123456789abcdef
out=$(capi "$MURL/ispmgr?func=session.newkey&username=carol&key=$KEY&authinfo=admin:$ADMINPW&out=JSONdata")
is_ok "newkey" "$out"
# a user may not make keys
out=$(capi "$MURL/ispmgr?func=session.newkey&username=admin&key=$KEY&authinfo=carol:carol-pass-1&out=JSONdata")
assert_eq "newkey by a user" access "$(jf "$out" .error.type)"
# a wrong key for the name logs no one in
out=$(capi "$MURL/ispmgr?func=auth&username=admin&key=$KEY&out=JSONdata")
assert_eq "key of another user" auth "$(jf "$out" .error.type)"
# the key logs carol in once, with a cookie, as the panel's redirect does
hdr=$(capi -D - -c "$J.sso" "$MURL/ispmgr?func=auth&username=carol&key=$KEY&checkcookie=no&out=xml")
assert_match "key login sets the cookie" 'ispmgrses5=[0-9a-f]{64};' "$hdr"
assert_eq "key login answers the session" user "$(printf '%s' "$hdr" |
    sed '1,/^\r*$/d' | xmllint --xpath 'string(/doc/auth/@level)' -)"
out=$(capi -b "$J.sso" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "logged in by key" carol "$(jf "$out" .name)"
out=$(capi "$MURL/ispmgr?func=auth&username=carol&key=$KEY&out=JSONdata")
assert_eq "the key dies at its use" auth "$(jf "$out" .error.type)"
# a key made without key= is answered, and works once
out=$(api session.newkey username=carol)
K2=$(jf "$out" .key)
assert_match "made key" '^[0-9a-f]{64}$' "$K2"
out=$(capi -d "func=auth&username=carol&key=$K2&out=json" "$MURL/ispmgr")
assert_match "made key logs in" '^[0-9a-f]{64}$' "$(jf "$out" '.doc.auth["$id"]')"
# a key of a bad shape is refused by its grammar
out=$(api session.newkey username=carol key=short)
assert_eq "short key" value "$(jf "$out" .error.type)"
# wrong keys are failed logins: an address that guesses is slowed down
for i in 1 2 3 4 5 6; do
	out=$(capi --interface "$NET.55" "$MURL/ispmgr?func=auth&username=carol&key=guess-guess-guess-$i&out=JSONdata")
done
assert_eq "key guesses throttled" throttled "$(jf "$out" .error.object)"

# ---- a key given twice still opens one login ----
K3=billing-key-twice-0123456789ab
is_ok "newkey" "$(api session.newkey username=carol key=$K3)"
is_ok "the same key again" "$(api session.newkey username=carol key=$K3)"
out=$(capi "$MURL/ispmgr?func=auth&username=carol&key=$K3&out=JSONdata")
assert_match "the key logs in" '^[0-9a-f]{64}$' "$(jf "$out" .auth)"
out=$(capi "$MURL/ispmgr?func=auth&username=carol&key=$K3&out=JSONdata")
assert_eq "...once only" auth "$(jf "$out" .error.type)"

# ---- the panel's logout ends the panel's session, not the cookie's ----
capi -o /dev/null -c "$J.c" -d "func=auth&username=carol&password=carol-pass-1" "$MURL/ispmgr"
capi -o "$WORK/panel.json" -c "$J.c" -b "$J.c" -H 'X-Hostfleet-Panel: 1' \
    -d "func=auth&username=admin&password=$ADMINPW&out=JSONdata" "$MURL/ispmgr"
TOK=$(jq -r .csrf "$WORK/panel.json")
assert_eq "the panel's session" admin "$(jf "$(capi -b "$J.c" -H "X-CSRF-Token: $TOK" "$MURL/ispmgr?func=whoami&out=JSONdata")" .name)"
hdr=$(capi -D - -o /dev/null -b "$J.c" -H "X-CSRF-Token: $TOK" -d 'func=logout' "$MURL/ispmgr")
assert_match "the panel's logout clears its cookie" 'hfpanel=; Path=/; Max-Age=0' "$hdr"
PSID=$(sed -n 's/.*hfpanel[[:space:]]*//p' "$J.c")
out=$(capi -b "hfpanel=$PSID" -H "X-CSRF-Token: $TOK" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "...and ends its session, even with ispmgrses5 beside it" auth "$(jf "$out" .error.type)"
assert_eq "carol's cookie session is not the one ended" carol "$(jf "$(capi -b "ispmgrses5=$(sed -n 's/.*ispmgrses5[[:space:]]*//p' "$J.c")" "$MURL/ispmgr?func=whoami&out=JSONdata")" .name)"

# ---- a password changed on a cookie session keeps that session ----
capi -o /dev/null -c "$J.pw" -d "func=auth&username=admin&password=$ADMINPW" "$MURL/ispmgr"
OTHER=$(capi "$MURL/ispmgr?func=auth&username=admin&password=$ADMINPW&out=JSONdata" | jq -r .auth)
is_ok "the admin's new password, set through the cookie" "$(capi -b "$J.pw" -d 'func=user.edit&elid=admin&sok=ok&passwd=admin-pass-new-1&out=JSONdata' "$MURL/ispmgr")"
assert_eq "...the cookie's session lives on" admin "$(jf "$(capi -b "$J.pw" "$MURL/ispmgr?func=whoami&out=JSONdata")" .name)"
assert_eq "...the other session ended" auth "$(jf "$(capi "$MURL/ispmgr?func=whoami&auth=$OTHER&out=JSONdata")" .error.type)"
