#!/bin/sh
# Access to user data and users: two users and the administrator against
# every user-data and user function.  Each function answers an allowed
# call, refuses another's object (or an admin-only function, or su= from a
# user) with an "access" error, and answers "missing" where the caller may
# know that something is absent (an administrator; a user's own zone).  A
# refusal never tells whether another user has the object: bob's answer
# for alice's object is his answer for a name nobody has, but for the
# name.  The users come as real users do: over HTTPS with their own
# credentials (alice with a func=auth session and POST forms, bob with
# one-shot authinfo= in GET query strings).
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 5000
add_node 2 web1 web
add_node 3 dns1 dns
add_node 4 mail1 mail
for i in 2 3 4; do wait_for "n$i ready" 30 node_is $i ready; done
Q="$MURL/ispmgr"

PA=alice-pass-1
PB=bob-pass-12
for u in "alice $PA" "bob $PB" "carol carol-pass-1"; do
	set -- $u
	out=$(api user.edit sok=ok name="$1" passwd="$2")
	assert_eq "user $1 created" "" "$(jf "$out" .ok)"
done

# alice logs in: a session, bound to this address
out=$(capi "$Q" -d func=auth -d username=alice --data-urlencode "password=$PA" -d out=JSONdata)
SA=$(jf "$out" .auth)
assert_match "alice's session" '^[0-9a-f]{32,}$' "$SA"
out=$(capi "$Q" -d func=whoami -d "auth=$SA" -d out=JSONdata)
assert_eq "alice is a user" "alice user" "$(jf "$out" '.name + " " + .level')"

user_via alice session "$SA"
user_via bob authinfo "$PB"
out=$(ub whoami)
assert_eq "bob is a user" "bob user" "$(jf "$out" '.name + " " + .level')"

A=alice.example.com
B=bob.example.net
G=ghost.example.org

# ---- every user's data, created by its owner over HTTPS ----
out=$(ua webdomain.edit sok=ok name=$A)
is_ok "alice: site" "$out"
out=$(ub webdomain.edit sok=ok name=$B)
is_ok "bob: site" "$out"
out=$(ua domain.edit sok=ok name=$A ip=192.0.2.10)
is_ok "alice: zone" "$out"
out=$(ub domain.edit sok=ok name=$B ip=192.0.2.20)
is_ok "bob: zone" "$out"
out=$(ua domain.record.edit sok=ok plid=$A name=_acme-challenge rtype=txt ttl=360 value=alice-token)
is_ok "alice: TXT record" "$out"
RKA="_acme-challenge.$A. TXT  alice-token"
assert_eq "alice: the record's id is its rkey" "$RKA" "$(jf "$out" .id)"
out=$(ub domain.record.edit sok=ok plid=$B name=_acme-challenge rtype=txt ttl=360 value=bob-token)
is_ok "bob: TXT record" "$out"
RKB="_acme-challenge.$B. TXT  bob-token"
out=$(ua emaildomain.edit sok=ok name=$A)
is_ok "alice: mail domain" "$out"
out=$(ub emaildomain.edit sok=ok name=$B)
is_ok "bob: mail domain" "$out"
out=$(ua email.edit sok=ok name=info domainname=$A passwd=mail-pass-1)
is_ok "alice: mailbox" "$out"
out=$(ub email.edit sok=ok name=info domainname=$B passwd=mail-pass-2)
is_ok "bob: mailbox" "$out"
MA=info@$A
MB=info@$B
MG=info@$G

# ---- webdomain, webdomain.edit, webdomain.delete ----
out=$(ua webdomain)
assert_eq "webdomain: alice lists hers" "$A" "$(names "$out")"
out=$(ub webdomain)
assert_eq "webdomain: bob lists his" "$B" "$(names "$out")"
assert_nomatch "webdomain: bob's list has nothing of alice's" alice "$out"
out=$(api webdomain)
assert_eq "webdomain: admin lists both" "$A $B" "$(names "$out")"
out=$(api webdomain su=nosuchuser)
is_err "webdomain: admin as an absent user" missing "$out"
out=$(ub webdomain su=alice)
is_err "webdomain: a user can't su" access "$out"
assert_nomatch "webdomain: su refused shows nothing of alice's" alice "$out"

out=$(ua webdomain.edit elid=$A)
assert_eq "webdomain.edit: alice shows hers" "$A alice" "$(jf "$out" '.name + " " + .owner')"
out=$(ua webdomain.edit sok=ok elid=$A php_mode=php_fpm php_version=8.2)
is_ok "webdomain.edit: alice changes hers" "$out"
out=$(api webdomain.edit elid=$A)
assert_eq "webdomain.edit: admin shows alice's" "php_fpm" "$(jf "$out" .php_mode)"
e1=$(ub webdomain.edit elid=$A); e2=$(ub webdomain.edit elid=$G)
same_refusal "webdomain.edit: bob shows alice's" "$e1" $A "$e2" $G
e1=$(ub webdomain.edit sok=ok elid=$A php_mode=none); e2=$(ub webdomain.edit sok=ok elid=$G php_mode=none)
same_refusal "webdomain.edit: bob changes alice's" "$e1" $A "$e2" $G
assert_eq "webdomain.edit: alice's site unchanged" php_fpm "$(api webdomain.edit elid=$A | jq -r .php_mode)"
out=$(ub webdomain.edit sok=ok name=bob2.example.net owner=alice)
is_err "webdomain.edit: bob can't create for alice" access "$out"
out=$(ua webdomain.edit elid=$G)
is_err "webdomain.edit: a user on an absent site" access "$out"
out=$(api webdomain.edit elid=$G)
is_err "webdomain.edit: admin on an absent site" missing "$out"
assert_eq "webdomain.edit: admin's message" "web domain \"$G\" not found" "$(jf "$out" .error.msg)"
out=$(api webdomain.edit sok=ok elid=$G php_mode=none)
is_err "webdomain.edit: admin changes an absent site" missing "$out"

out=$(ua webdomain.edit sok=ok name=tmp.$A)
is_ok "webdomain.delete: alice's second site" "$out"
out=$(ua webdomain.delete elid=tmp.$A)
is_ok "webdomain.delete: alice deletes hers" "$out"
assert_eq "webdomain.delete: gone" "$A $B" "$(names "$(api webdomain)")"
e1=$(ub webdomain.delete elid=$A); e2=$(ub webdomain.delete elid=$G)
same_refusal "webdomain.delete: bob deletes alice's" "$e1" $A "$e2" $G
e1=$(ub webdomain.delete elid="$B, $A"); e2=$(ub webdomain.delete elid="$B, $G")
same_refusal "webdomain.delete: bob deletes \"his, alice's\"" "$e1" $A "$e2" $G
assert_eq "webdomain.delete: nothing deleted" "$A $B" "$(names "$(api webdomain)")"
assert_eq "webdomain.delete: bob's still his" "$B" "$(names "$(ub webdomain)")"
check "webdomain.delete: bob's server block still there" [ -f "$WORK/n2/root/etc/nginx/hostfleet/sites/$B.conf" ]
check "webdomain.delete: alice's server block still there" [ -f "$WORK/n2/root/etc/nginx/hostfleet/sites/$A.conf" ]
out=$(api webdomain.delete elid=$G)
is_err "webdomain.delete: admin deletes an absent site" missing "$out"
out=$(api webdomain.delete elid="$A, $G")
is_err "webdomain.delete: admin deletes \"alice's, absent\"" missing "$out"
assert_eq "webdomain.delete: alice's kept" "$A $B" "$(names "$(api webdomain)")"

# ---- domain, domain.edit, domain.delete ----
out=$(ua domain)
assert_eq "domain: alice lists hers" "$A" "$(names "$out")"
out=$(ub domain)
assert_eq "domain: bob lists his" "$B" "$(names "$out")"
assert_nomatch "domain: bob's list has nothing of alice's" alice "$out"
out=$(api domain)
assert_eq "domain: admin lists both" "$A $B" "$(names "$out")"
out=$(api domain su=nosuchuser)
is_err "domain: admin as an absent user" missing "$out"
out=$(ub domain su=alice)
is_err "domain: a user can't su" access "$out"

out=$(ua domain.edit elid=$A)
assert_eq "domain.edit: alice shows hers" "$A 192.0.2.10" "$(jf "$out" '.name + " " + .ip')"
out=$(ua domain.edit sok=ok elid=$A ip=192.0.2.11)
is_ok "domain.edit: alice changes hers" "$out"
e1=$(ub domain.edit elid=$A); e2=$(ub domain.edit elid=$G)
same_refusal "domain.edit: bob shows alice's" "$e1" $A "$e2" $G
e1=$(ub domain.edit sok=ok elid=$A ip=192.0.2.66); e2=$(ub domain.edit sok=ok elid=$G ip=192.0.2.66)
same_refusal "domain.edit: bob changes alice's" "$e1" $A "$e2" $G
assert_eq "domain.edit: alice's zone unchanged" 192.0.2.11 "$(api domain.edit elid=$A | jq -r .ip)"
out=$(api domain.edit elid=$G)
is_err "domain.edit: admin on an absent zone" missing "$out"
assert_eq "domain.edit: admin's message" "DNS domain \"$G\" not found" "$(jf "$out" .error.msg)"

out=$(ua domain.edit sok=ok name=tmp.example.com ip=192.0.2.12)
is_ok "domain.delete: alice's second zone" "$out"
out=$(ua domain.delete elid=tmp.example.com)
is_ok "domain.delete: alice deletes hers" "$out"
check "domain.delete: zone file gone" [ ! -f "$WORK/n3/root/etc/bind/hostfleet/zones/tmp.example.com.db" ]
e1=$(ub domain.delete elid=$A); e2=$(ub domain.delete elid=$G)
same_refusal "domain.delete: bob deletes alice's" "$e1" $A "$e2" $G
e1=$(ub domain.delete elid="$B, $A"); e2=$(ub domain.delete elid="$B, $G")
same_refusal "domain.delete: bob deletes \"his, alice's\"" "$e1" $A "$e2" $G
assert_eq "domain.delete: nothing deleted" "$A $B" "$(names "$(api domain)")"
check "domain.delete: bob's zone file still there" [ -f "$WORK/n3/root/etc/bind/hostfleet/zones/$B.db" ]
out=$(api domain.delete elid=$G)
is_err "domain.delete: admin deletes an absent zone" missing "$out"

# ---- domain.record, domain.record.edit, domain.record.delete ----
out=$(ua domain.record elid=$A)
is_list "domain.record: alice lists her zone" "$out"
assert_eq "domain.record: her TXT's rkey" "$RKA" "$(jf "$out" '.elem[] | select(.rtype == "TXT") | .rkey')"
out=$(ua domain.record plid=$A)
assert_eq "domain.record: plid= form" "$RKA" "$(jf "$out" '.elem[] | select(.rtype == "TXT") | .rkey')"
out=$(api domain.record elid=$A)
assert_eq "domain.record: admin lists alice's zone" "$RKA" "$(jf "$out" '.elem[] | select(.rtype == "TXT") | .rkey')"
e1=$(ub domain.record elid=$A); e2=$(ub domain.record elid=$G)
same_refusal "domain.record: bob lists alice's zone" "$e1" $A "$e2" $G
assert_nomatch "domain.record: bob sees no record of alice's" alice-token "$e1"
out=$(api domain.record elid=$G)
is_err "domain.record: admin lists an absent zone" missing "$out"

out=$(ua domain.record.edit plid=$A elid="$RKA")
assert_eq "domain.record.edit: alice shows her record" alice-token "$(jf "$out" .value)"
out=$(ua domain.record.edit sok=ok plid=$A name=shop rtype=a value=192.0.2.13)
is_ok "domain.record.edit: alice adds a record" "$out"
assert_match "domain.record.edit: listed with its rkey" "shop\\.$A\\. A  192\\.0\\.2\\.13" "$(ua domain.record elid=$A | jq -r '[.elem[].rkey] | join(",")')"
e1=$(ub domain.record.edit plid=$A elid="$RKA"); e2=$(ub domain.record.edit plid=$G elid="_acme-challenge.$G. TXT  alice-token")
same_refusal "domain.record.edit: bob shows alice's record" "$e1" $A "$e2" $G
e1=$(ub domain.record.edit sok=ok plid=$A name=evil rtype=a value=192.0.2.66)
e2=$(ub domain.record.edit sok=ok plid=$G name=evil rtype=a value=192.0.2.66)
same_refusal "domain.record.edit: bob adds to alice's zone" "$e1" $A "$e2" $G
check "domain.record.edit: nothing of bob's in alice's zone file" [ -z "$(grep 192.0.2.66 "$WORK/n3/root/etc/bind/hostfleet/zones/$A.db")" ]
out=$(ub domain.record.edit sok=ok plid=$B name=_acme-challenge.$A. rtype=txt value=bob-in-alice)
is_err "domain.record.edit: bob can't reach alice's zone through a name outside his" value "$out"
check "domain.record.edit: no such record in either zone file" [ -z "$(grep -h bob-in-alice "$WORK/n3/root/etc/bind/hostfleet/zones/$A.db" "$WORK/n3/root/etc/bind/hostfleet/zones/$B.db")" ]
out=$(ua domain.record.edit plid=$A elid="nope.$A. TXT  nothing")
is_err "domain.record.edit: alice on an absent record of her zone" missing "$out"
out=$(ua domain.record.edit sok=ok plid=$A elid="nope.$A. TXT  nothing" name=nope rtype=txt value=x)
is_err "domain.record.edit: alice changes an absent record" missing "$out"
out=$(api domain.record.edit plid=$A elid="nope.$A. TXT  nothing")
is_err "domain.record.edit: admin on an absent record" missing "$out"
out=$(api domain.record.edit plid=$G elid="nope.$G. TXT  nothing")
is_err "domain.record.edit: admin on an absent zone" missing "$out"
out=$(ua domain.record.edit plid=$G elid="nope.$G. TXT  nothing")
is_err "domain.record.edit: a user on an absent zone" access "$out"

e1=$(ub domain.record.delete plid=$A elid="$RKA"); e2=$(ub domain.record.delete plid=$G elid="_acme-challenge.$G. TXT  alice-token")
same_refusal "domain.record.delete: bob deletes alice's record" "$e1" $A "$e2" $G
check "domain.record.delete: alice's record still in her zone file" grep -q alice-token "$WORK/n3/root/etc/bind/hostfleet/zones/$A.db"
out=$(ub domain.record.delete plid=$B elid="$RKB, nope.$B. TXT  nothing")
is_err "domain.record.delete: bob deletes \"his, absent\" in his zone" missing "$out"
check "domain.record.delete: his record kept" grep -q bob-token "$WORK/n3/root/etc/bind/hostfleet/zones/$B.db"
out=$(ua domain.record.delete plid=$A elid="nope.$A. TXT  nothing")
is_err "domain.record.delete: alice deletes an absent record" missing "$out"
out=$(api domain.record.delete plid=$G elid="nope.$G. TXT  nothing")
is_err "domain.record.delete: admin in an absent zone" missing "$out"
out=$(ua domain.record.delete plid=$A elid="shop.$A. A  192.0.2.13")
is_ok "domain.record.delete: alice deletes her record" "$out"
out=$(ua domain.record elid=$A)
assert_nomatch "domain.record.delete: gone from the list" "shop\\.$A\\. A  192\\.0\\.2\\.13" "$(jf "$out" '[.elem[].rkey] | join(",")')"
check "domain.record.delete: named-checkzone accepts alice's zone" named-checkzone -q $A "$WORK/n3/root/etc/bind/hostfleet/zones/$A.db"

# ---- emaildomain, emaildomain.edit, emaildomain.delete ----
out=$(ua emaildomain)
assert_eq "emaildomain: alice lists hers" "$A" "$(names "$out")"
out=$(ub emaildomain)
assert_eq "emaildomain: bob lists his" "$B" "$(names "$out")"
assert_nomatch "emaildomain: bob's list has nothing of alice's" alice "$out"
out=$(api emaildomain)
assert_eq "emaildomain: admin lists both" "$A $B" "$(names "$out")"
out=$(api emaildomain su=nosuchuser)
is_err "emaildomain: admin as an absent user" missing "$out"
out=$(ub emaildomain su=alice)
is_err "emaildomain: a user can't su" access "$out"

out=$(ua emaildomain.edit elid=$A)
assert_eq "emaildomain.edit: alice shows hers" "$A" "$(jf "$out" .name)"
out=$(ua emaildomain.edit sok=ok elid=$A defaction=reject)
is_ok "emaildomain.edit: alice changes hers" "$out"
e1=$(ub emaildomain.edit elid=$A); e2=$(ub emaildomain.edit elid=$G)
same_refusal "emaildomain.edit: bob shows alice's" "$e1" $A "$e2" $G
e1=$(ub emaildomain.edit sok=ok elid=$A defaction=ignore); e2=$(ub emaildomain.edit sok=ok elid=$G defaction=ignore)
same_refusal "emaildomain.edit: bob changes alice's" "$e1" $A "$e2" $G
assert_eq "emaildomain.edit: alice's unchanged" "$(ua emaildomain.edit elid=$A | jq -r .defaction)" "$(api emaildomain.edit elid=$A | jq -r .defaction)"
out=$(api emaildomain.edit elid=$G)
is_err "emaildomain.edit: admin on an absent mail domain" missing "$out"

out=$(api emaildomain.edit sok=ok name=tmp.example.com owner=alice)
is_ok "emaildomain.delete: admin makes one for alice (owner=)" "$out"
assert_eq "emaildomain.delete: alice lists it" "$A tmp.example.com" "$(names "$(ua emaildomain)")"
out=$(ua emaildomain.delete elid=tmp.example.com)
is_ok "emaildomain.delete: alice deletes hers" "$out"
e1=$(ub emaildomain.delete elid=$A); e2=$(ub emaildomain.delete elid=$G)
same_refusal "emaildomain.delete: bob deletes alice's" "$e1" $A "$e2" $G
e1=$(ub emaildomain.delete elid="$B, $A"); e2=$(ub emaildomain.delete elid="$B, $G")
same_refusal "emaildomain.delete: bob deletes \"his, alice's\"" "$e1" $A "$e2" $G
assert_eq "emaildomain.delete: nothing deleted" "$A $B" "$(names "$(api emaildomain)")"
out=$(api emaildomain.delete elid=$G)
is_err "emaildomain.delete: admin deletes an absent mail domain" missing "$out"

# ---- email, email.edit, email.delete ----
out=$(ua email)
assert_eq "email: alice lists hers" "$MA" "$(names "$out")"
out=$(ub email)
assert_eq "email: bob lists his" "$MB" "$(names "$out")"
assert_nomatch "email: bob's list has nothing of alice's" alice "$out"
e1=$(ub email plid=$A); e2=$(ub email plid=$G)
assert_eq "email: bob's list of alice's domain is empty" "" "$(names "$e1")"
assert_eq "email: ... as for an absent domain" "$(hide "$e2" $G)" "$(hide "$e1" $A)"
out=$(api email)
assert_eq "email: admin lists both" "$MA $MB" "$(names "$out")"
out=$(api email su=nosuchuser)
is_err "email: admin as an absent user" missing "$out"
out=$(ub email su=alice)
is_err "email: a user can't su" access "$out"

out=$(ua email.edit elid=$MA)
assert_eq "email.edit: alice shows hers" "$MA" "$(jf "$out" .name)"
out=$(ua email.edit sok=ok elid=$MA maxsize=200)
is_ok "email.edit: alice changes hers" "$out"
e1=$(ub email.edit elid=$MA); e2=$(ub email.edit elid=$MG)
same_refusal "email.edit: bob shows alice's" "$e1" $MA "$e2" $MG
e1=$(ub email.edit sok=ok elid=$MA passwd=stolen-pass-1); e2=$(ub email.edit sok=ok elid=$MG passwd=stolen-pass-1)
same_refusal "email.edit: bob changes alice's" "$e1" $MA "$e2" $MG
assert_eq "email.edit: alice's unchanged" 200 "$(api email.edit elid=$MA | jq -r .maxsize)"
e1=$(ub email.edit sok=ok name=x domainname=$A passwd=mail-pass-3); e2=$(ub email.edit sok=ok name=x domainname=$G passwd=mail-pass-3)
same_refusal "email.edit: bob adds to alice's mail domain" "$e1" $A "$e2" $G
out=$(api email.edit elid=$MG)
is_err "email.edit: admin on an absent mailbox" missing "$out"

out=$(ua email.edit sok=ok name=tmp domainname=$A passwd=mail-pass-4)
is_ok "email.delete: alice's second mailbox" "$out"
out=$(ua email.delete elid=tmp@$A)
is_ok "email.delete: alice deletes hers" "$out"
check "email.delete: gone from dovecot" [ -z "$(grep "^tmp@$A:" "$WORK/n4/root/etc/dovecot/hostfleet/users")" ]
e1=$(ub email.delete elid=$MA); e2=$(ub email.delete elid=$MG)
same_refusal "email.delete: bob deletes alice's" "$e1" $MA "$e2" $MG
e1=$(ub email.delete elid="$MB, $MA"); e2=$(ub email.delete elid="$MB, $MG")
same_refusal "email.delete: bob deletes \"his, alice's\"" "$e1" $MA "$e2" $MG
assert_eq "email.delete: nothing deleted" "$MA $MB" "$(names "$(api email)")"
check "email.delete: alice's mailbox still in dovecot" grep -q "^$MA:" "$WORK/n4/root/etc/dovecot/hostfleet/users"
check "email.delete: bob's mailbox still in dovecot" grep -q "^$MB:" "$WORK/n4/root/etc/dovecot/hostfleet/users"
out=$(api email.delete elid=$MG)
is_err "email.delete: admin deletes an absent mailbox" missing "$out"

# ---- user, user.edit, user.delete, user.suspend, user.resume ----
out=$(api user)
assert_eq "user: admin lists every user" "admin alice bob carol" "$(jf "$out" '[.elem[].name] | join(" ")')"
for f in user user.edit user.delete user.suspend user.resume cluster.node; do
	e1=$(ub $f elid=alice); e2=$(ub $f elid=nosuchuser)
	same_refusal "$f: admin-only, bob on alice" "$e1" alice "$e2" nosuchuser
	assert_eq "$f: the message" "function \"$f\" needs the admin level" "$(jf "$e1" .error.msg)"
	out=$(ua $f elid=alice)
	is_err "$f: admin-only, alice on herself" access "$out"
done
out=$(ub user.edit sok=ok name=mallory passwd=mallory-pass-1)
is_err "user.edit: a user can't create users" access "$out"
out=$(ub user.edit sok=ok elid=bob level=admin)
is_err "user.edit: a user can't raise himself" access "$out"
out=$(ub user.edit sok=ok elid=bob level=admin su=admin)
is_err "user.edit: nor through su=admin" access "$out"
out=$(api user.edit elid=bob)
assert_eq "user.edit: bob still a user" user "$(jf "$out" .level)"
out=$(api user su=nosuchuser)
is_err "user: admin as an absent user" missing "$out"

out=$(api user.edit elid=alice)
assert_eq "user.edit: admin shows alice" "alice user on" "$(jf "$out" '.name + " " + .level + " " + .active')"
out=$(api user.edit sok=ok elid=carol fullname="Carol C")
is_ok "user.edit: admin changes carol" "$out"
out=$(api user.edit elid=nosuchuser)
is_err "user.edit: admin on an absent user" missing "$out"
out=$(api user.edit sok=ok elid=nosuchuser fullname=X)
is_err "user.edit: admin changes an absent user" missing "$out"

out=$(api user.suspend elid=carol)
is_ok "user.suspend: admin suspends carol" "$out"
out=$(capi "$Q" -d func=whoami --data-urlencode "authinfo=carol:carol-pass-1" -d out=JSONdata)
is_err "user.suspend: carol can't log in" auth "$out"
out=$(api user.suspend elid=nosuchuser)
is_err "user.suspend: admin on an absent user" missing "$out"
out=$(ub user.suspend elid=alice)
assert_eq "user.suspend: alice still active after bob's try" on "$(api user.edit elid=alice | jq -r .active)"
out=$(api user.resume elid=carol)
is_ok "user.resume: admin resumes carol" "$out"
out=$(capi "$Q" -d func=whoami --data-urlencode "authinfo=carol:carol-pass-1" -d out=JSONdata)
assert_eq "user.resume: carol logs in again" carol "$(jf "$out" .name)"
out=$(api user.resume elid=nosuchuser)
is_err "user.resume: admin on an absent user" missing "$out"

out=$(api user.delete elid=carol)
is_ok "user.delete: admin deletes carol" "$out"
assert_eq "user.delete: carol gone" "admin alice bob" "$(api user | jq -r '[.elem[].name] | join(" ")')"
out=$(api user.delete elid=nosuchuser)
is_err "user.delete: admin on an absent user" missing "$out"
out=$(api user.delete elid="bob, nosuchuser")
is_err "user.delete: admin deletes \"bob, absent\"" missing "$out"
out=$(ub user.delete elid="bob, alice")
is_err "user.delete: bob deletes \"himself, alice\"" access "$out"
assert_eq "user.delete: nothing deleted" "admin alice bob" "$(api user | jq -r '[.elem[].name] | join(" ")')"
assert_eq "user.delete: alice's site kept" "$A $B" "$(names "$(api webdomain)")"

# ---- user.placement ----
out=$(ua user.placement)
assert_eq "user.placement: alice's own" "dns1 mail1 web1" "$(jf "$out" '[.elem[].node] | sort | join(" ")')"
out=$(ua user.placement elid=alice)
assert_eq "user.placement: alice's own by name" "dns1 mail1 web1" "$(jf "$out" '[.elem[].node] | sort | join(" ")')"
out=$(api user.placement elid=alice)
assert_eq "user.placement: admin on alice" "dns mail web" "$(jf "$out" '[.elem[].role] | sort | join(" ")')"
e1=$(ub user.placement elid=alice); e2=$(ub user.placement elid=nosuchuser)
same_refusal "user.placement: bob on alice's" "$e1" alice "$e2" nosuchuser
out=$(ub user.placement su=alice)
is_err "user.placement: bob with su=alice" access "$out"
out=$(api user.placement elid=nosuchuser)
is_err "user.placement: admin on an absent user" missing "$out"

# ---- su= as admin reaches the user's objects, not others' ----
out=$(api webdomain su=alice)
assert_eq "su: admin as alice lists hers" "$A" "$(names "$out")"
e1=$(api webdomain.edit elid=$B su=alice); e2=$(api webdomain.edit elid=$G su=alice)
same_refusal "su: admin as alice on bob's site" "$e1" $B "$e2" $G
out=$(api webdomain.edit elid=$A su=alice)
assert_eq "su: admin as alice shows hers" "$A" "$(jf "$out" .name)"

# a user's session does not serve another address
out=$(capi --interface "$NET.77" "$Q" -d func=webdomain -d "auth=$SA" -d out=JSONdata)
is_err "session bound to alice's address" auth "$out"
