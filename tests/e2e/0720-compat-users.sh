#!/bin/sh
# What billing systems call to provision: presets (user templates of
# limits), user.add with a web domain, a mail domain and a preset in one
# call, all or nothing; the user list with quota_total and limits;
# email.suspend and email.resume for mailboxes, several at once.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 5000
add_node_ns 3 n3 "web mail"
wait_for "n3 ready" 60 node_is 3 ready
Q="$MURL/ispmgr"
AA="authinfo=admin:$ADMINPW"

# ---- presets ----
out=$(capi -d "$AA&out=JSONdata&func=preset.edit&sok=ok&name=basic&limit_webdomains=3&limit_emails=10&limit_quota=500" "$Q")
is_ok "preset made" "$out"
out=$(capi -d "$AA&out=json&func=preset.edit&sok=ok&name=basic" "$Q")
assert_eq "a preset twice: exists" exists "$(jf "$out" '.doc.error["$type"]')"
assert_eq "a preset twice: group" preset "$(jf "$out" '.doc.error.group["$"]')"
is_ok "second preset" "$(api preset.edit sok=ok name=big limit_quota=9000)"
out=$(capi "$Q?$AA&func=preset")
assert_eq "preset list, xml" "basic big" "$(printf '%s' "$out" | xmllint --xpath '/doc/elem/name/text()' - | tr '\n' ' ' | sed 's/ $//')"
out=$(capi "$Q?$AA&func=preset.edit&elid=basic&out=json")
assert_eq "preset form: elid" basic "$(jf "$out" '.doc.elid["$"]')"
assert_eq "preset form: limit" 500 "$(jf "$out" '.doc.limit_quota["$"]')"
is_ok "preset changed" "$(api preset.edit sok=ok elid=basic limit_domains=2)"
assert_eq "the change kept the rest" "2 3 500" \
    "$(api preset.edit elid=basic | jq -r '[.limit_domains, .limit_webdomains, .limit_quota] | join(" ")')"
out=$(api preset.edit sok=ok name='bad name')
assert_eq "preset name grammar" value "$(jf "$out" .error.type)"

# ---- user.add, all in one ----
out=$(capi "$Q" --data-urlencode "$AA" -d out=json -d func=user.add -d sok=ok \
    -d name=erin -d passwd=erin-pass-123 -d confirm=erin-pass-123 \
    -d preset=basic -d webdomain_name=erin.example.com \
    -d emaildomain_name=erin.example.com)
assert_eq "user.add" object "$(jf "$out" '.doc.ok | type')"
out=$(capi "$Q?$AA&out=json&func=user")
e() { jf "$out" ".doc.elem[] | select(.name[\"\$\"] == \"erin\") | .$1[\"\$\"]"; }
assert_eq "list: quota_total from the preset" 500 "$(e quota_total)"
assert_eq "list: limit_webdomains" 3 "$(e limit_webdomains)"
assert_eq "list: limit_emails" 10 "$(e limit_emails)"
assert_eq "list: limit_domains" 2 "$(e limit_domains)"
out=$(capi "$Q?$AA&out=JSONdata&func=webdomain&su=erin")
assert_eq "the site was made" erin.example.com "$(jf "$out" '.elem[0].name')"
check "its nginx block" [ -f "$WORK/n3/root/etc/nginx/hostfleet/sites/erin.example.com.conf" ]
out=$(capi "$Q?$AA&out=JSONdata&func=emaildomain&su=erin")
assert_eq "the mail domain was made" erin.example.com "$(jf "$out" '.elem[0].name')"
# a preset's limits, overridden by those given beside it
is_ok "user.edit with preset" "$(api user.edit sok=ok name=fay passwd=fay-pass-1234 preset=big limit_quota=100 limit_emails=4)"
out=$(api user)
assert_eq "explicit limit wins" 100 "$(jf "$out" '.elem[] | select(.name == "fay") | .quota_total')"
assert_eq "preset limit where none given" 0 "$(jf "$out" '.elem[] | select(.name == "fay") | .limit_webdomains')"
out=$(api user.edit sok=ok name=gus passwd=gus-pass-1234 preset=nosuch)
assert_eq "unknown preset" missing "$(jf "$out" .error.type)"
check "no user for an unknown preset" [ -z "$(api user | jq -r '.elem[] | select(.name == "gus") | .name')" ]

# a name taken by someone else: refused before anything is made
out=$(capi "$Q" -d "$AA&out=json&func=user.add&sok=ok&name=hal&passwd=hal-pass-1234&webdomain_name=erin.example.com")
assert_eq "taken site: exists" exists "$(jf "$out" '.doc.error["$type"]')"
assert_eq "taken site: group" webdomain "$(jf "$out" '.doc.error.group["$"]')"
assert_eq "taken site: param" webdomain_name "$(jf "$out" '.doc.error.param["$"]')"
check "no user hal" [ -z "$(api user | jq -r '.elem[] | select(.name == "hal") | .name')" ]
# a part that fails after others were made: everything is taken back
out=$(capi "$Q" -d "$AA&out=xml&func=user.add&sok=ok&name=ivy&passwd=ivy-pass-1234&webdomain_name=ivy.example.com&emaildomain_name=co.uk")
x() { printf '%s' "$out" | xmllint --xpath "$1" -; }
assert_eq "failed part: type" public_suffix "$(x 'string(/doc/error/@type)')"
assert_eq "failed part: group" emaildomain "$(x 'string(/doc/error/group)')"
assert_eq "failed part: param" emaildomain_name "$(x 'string(/doc/error/param)')"
assert_match "failed part: the message says what" 'emaildomain.edit of user "ivy" failed: .*removed' "$(x 'string(/doc/error/msg)')"
check "no user ivy" [ -z "$(api user | jq -r '.elem[] | select(.name == "ivy") | .name')" ]
check "no site of ivy" [ -z "$(api webdomain | jq -r '.elem[] | select(.name == "ivy.example.com") | .name')" ]
check "ivy's site gone from nginx" [ ! -f "$WORK/n3/root/etc/nginx/hostfleet/sites/ivy.example.com.conf" ]
# the name is free again
out=$(api user.add sok=ok name=ivy passwd=ivy-pass-1234 webdomain_name=ivy.example.com)
is_ok "ivy again, the site's name free" "$out"
out=$(api user.add sok=ok elid=ivy fullname=x)
assert_eq "user.add changes nobody" value "$(jf "$out" .error.type)"
out=$(api user.edit sok=ok elid=ivy webdomain_name=more.example.com)
assert_eq "a domain with a change of user: refused" value "$(jf "$out" .error.type)"

# ---- email.suspend, email.resume ----
for b in info sales; do
	is_ok "mailbox $b" "$(api email.edit sok=ok su=erin name=$b domainname=erin.example.com passwd=mail-pass-123)"
done
U=$WORK/n3/root/etc/dovecot/hostfleet/users
V=$WORK/n3/root/etc/postfix/hostfleet/vmailboxes
check "both in dovecot" [ "$(grep -c '@erin.example.com:' "$U")" = 2 ]
# as the user, with a session cookie only, both at once
J=$WORK/jar
capi -c "$J" -o /dev/null "$Q?func=auth&username=erin&password=erin-pass-123"
out=$(capi -b "$J" -G "$Q" -d out=JSONdata -d func=email.suspend --data-urlencode "elid=info@erin.example.com, sales@erin.example.com")
is_ok "email.suspend, two" "$out"
check "no login for them" [ "$(grep -c '@erin.example.com:' "$U")" = 0 ]
check "no delivery to them" [ "$(grep -c '@erin.example.com ' "$V")" = 0 ]
out=$(capi -b "$J" "$Q?out=bjson&func=email")
assert_eq "listed inactive (bjson false)" "false false" "$(jf "$out" '[.doc.elem[].active["$"]] | map(tostring) | join(" ")')"
out=$(capi -b "$J" "$Q?out=JSONdata&func=email.resume&elid=info@erin.example.com")
is_ok "email.resume, one" "$out"
check "info back in dovecot" grep -q '^info@erin.example.com:' "$U"
check "sales still out" [ -z "$(grep '^sales@' "$U")" ]
# one of another user's in the list: refused as one that does not exist
is_ok "user jo" "$(api user.edit sok=ok name=jo passwd=jo-pass-12345)"
out=$(capi "$Q?out=JSONdata&func=email.resume&elid=sales@erin.example.com&authinfo=jo:jo-pass-12345")
assert_eq "another's mailbox" access "$(jf "$out" .error.type)"
check "sales still out, after" [ -z "$(grep '^sales@' "$U")" ]
# the users made: deleted several at once
is_ok "user.delete, two" "$(api user.delete elid='fay, jo')"
check "fay and jo gone" [ -z "$(api user | jq -r '.elem[] | select(.name == "fay" or .name == "jo") | .name')" ]
is_ok "preset.delete, two" "$(api preset.delete elid='basic, big')"
out=$(api preset.delete elid='nosuch')
assert_eq "preset.delete, missing" missing "$(jf "$out" .error.type)"
assert_eq "no preset left" 0 "$(api preset | jq '.elem | length')"
