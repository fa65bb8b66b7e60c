#!/bin/sh
# ACME DNS-01 clients: the API driven exactly as third-party ISPmanager /
# DNSmanager hooks and deploy scripts drive it — plain curl against the
# master's HTTPS API, GET query strings and POST form bodies, one-shot
# authinfo=user:pass, answers in out=JSONdata, sjson, json and xml, each
# read with the path such a client reads.  The cycle: find the zone, add
# the _acme-challenge TXT record (absolute and relative names), find its
# rkey in the record list, delete it by rkey; the zone file on the DNS node
# follows and named-checkzone accepts it at every step.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 5000
add_node 3 dns1 dns
wait_for "n3 ready" 30 node_is 3 ready
Q="$MURL/ispmgr"
check "the API URL is https" [ "${MURL#https://}" != "$MURL" ]

# a password with characters a client must encode
PW='Acme pass+1&x=y%'
out=$(api user.edit sok=ok name=certuser passwd="$PW")
assert_eq "user created" "" "$(jf "$out" .ok)"
enc() { jq -rn --arg s "$1" '$s | @uri'; }
AI="authinfo=$(enc "certuser:$PW")"
Z=example.com
ZF="$WORK/n3/root/etc/bind/hostfleet/zones/$Z.db"
zone_ok() { named-checkzone -q "$Z" "$ZF"; }

# the zone, made by the user over the API (a POST form, sjson)
out=$(capi "$Q" --data-urlencode "authinfo=certuser:$PW" -d out=sjson \
    -d func=domain.edit -d sok=ok -d name=$Z -d ip=192.0.2.10)
assert_eq "zone created: doc.ok" object "$(jf "$out" '.doc.ok | type')"
check "zone file on dns1" [ -f "$ZF" ]
check "named-checkzone accepts the new zone" zone_ok

# ---- find the zone: func=domain ----
out=$(capi "$Q?$AI&out=sjson&func=domain")
assert_eq "domain, sjson: doc.elem[].name.\$" $Z "$(jf "$out" '.doc.elem[] | select(.name["$"] == "example.com") | .name["$"]')"
out=$(capi "$Q?$AI&out=JSONdata&func=domain")
assert_eq "domain, JSONdata: elem[].name" $Z "$(jf "$out" '.elem[] | select(.name == "example.com") | .name')"
out=$(capi "$Q?$AI&out=json&func=domain")
assert_eq "domain, json: doc.elem[].name.\$" $Z "$(jf "$out" '.doc.elem[0].name["$"]')"
out=$(capi "$Q?$AI&out=xml&func=domain")
assert_eq "domain, xml: /doc/elem/name" $Z "$(printf '%s' "$out" | xmllint --xpath 'string(/doc/elem[name="example.com"]/name)' -)"
# a hook finding the zone of www.example.com tries the name, then its parents
out=$(capi "$Q?$AI&out=JSONdata&func=domain")
for cand in www.example.com example.com com; do
	hit=$(printf '%s' "$out" | jq -r --arg c "$cand" '.elem[] | select(.name == $c) | .name')
	[ -n "$hit" ] && break
done
assert_eq "the zone of www.example.com" $Z "$hit"

# rkeys: RK VALUE NAME(absolute, with the dot)
V1=LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo
V2=9ihDbjxKoqdFW2ax_rDh-ODkcTZqmf-3b8VqBvJq0Vc
V3=R0f7yQr1N2Mg4rmMxmCzqB3dItaQ5RxE6e6R0zq5Xmg
V4=qW3hH2kY5xzZ7_ab-cdEFghIJklmNOpQrStuVWxyZ01
RK1="_acme-challenge.www.$Z. TXT  $V1"
RK2="_acme-challenge.$Z. TXT  $V2"
RK3="_acme-challenge.www.$Z. TXT  $V3"
RK4="_acme-challenge.$Z. TXT  $V4"

# ---- add the TXT record: func=domain.record.edit ----
# GET, absolute name with the trailing dot, JSONdata (ISPmanager hooks)
out=$(capi "$Q?$AI&out=JSONdata&func=domain.record.edit&sok=ok&plid=$Z&name=_acme-challenge.www.$Z.&rtype=txt&ttl=360&value=$V1")
assert_eq "add, GET JSONdata: {\"ok\":\"\"}" '""' "$(jf "$out" '.ok | tojson')"
assert_eq "add, JSONdata: no error" null "$(jf "$out" .error)"
check "V1 in the zone file" grep -q "$V1" "$ZF"
check "named-checkzone accepts it" zone_ok
# POST form, relative name (certbot-dns-ispmgr), elid= empty, sjson
out=$(capi "$Q" -d "$AI" -d out=sjson -d func=domain.record.edit -d sok=ok \
    -d elid= -d plid=$Z -d name=_acme-challenge -d rtype=txt -d ttl=360 \
    --data-urlencode "value=$V2")
assert_eq "add, POST sjson relative name: doc.ok" object "$(jf "$out" '.doc.ok | type')"
assert_eq "add, sjson: no doc.error" null "$(jf "$out" .doc.error)"
check "V2 in the zone file" grep -q "$V2" "$ZF"
check "named-checkzone accepts it" zone_ok
# GET with elid= empty, relative name with a label, out=json
out=$(capi "$Q?$AI&out=json&func=domain.record.edit&elid=&sok=ok&plid=$Z&name=_acme-challenge.www&rtype=TXT&ttl=360&value=$V3")
assert_eq "add, GET json relative name with a label: doc.ok" object "$(jf "$out" '.doc.ok | type')"
# POST form with every field URL-encoded, absolute name, xml
out=$(capi "$Q" --data-urlencode "authinfo=certuser:$PW" --data-urlencode out=xml \
    --data-urlencode func=domain.record.edit --data-urlencode sok=ok \
    --data-urlencode "plid=$Z" --data-urlencode "name=_acme-challenge.$Z." \
    --data-urlencode rtype=txt --data-urlencode ttl=360 --data-urlencode "value=$V4")
assert_eq "add, POST xml: <ok/>" 1 "$(printf '%s' "$out" | xmllint --xpath 'count(/doc/ok)' -)"
check "V3 and V4 in the zone file" grep -q "$V3" "$ZF"
check "V4 in the zone file" grep -q "$V4" "$ZF"
check "named-checkzone accepts it" zone_ok
assert_match "the TXT line in the file" "^_acme-challenge\\.www\\.example\\.com\\.[[:space:]]+360[[:space:]]+IN[[:space:]]+TXT[[:space:]]+\"$V1\"" "$(grep "$V1" "$ZF")"

# ---- find the rkey: func=domain.record&elid=ZONE ----
out=$(capi "$Q?$AI&out=sjson&func=domain.record&elid=$Z")
assert_eq "list, sjson: doc.elem[].rkey.\$" "$RK1" "$(printf '%s' "$out" | jq -r --arg v "$V1" '.doc.elem[] | select(.rtype["$"] == "TXT" and .value["$"] == $v) | .rkey["$"]')"
assert_eq "list, sjson: relative name listed absolute" "$RK2" "$(printf '%s' "$out" | jq -r --arg v "$V2" '.doc.elem[] | select(.value["$"] == $v) | .rkey["$"]')"
assert_eq "list, sjson: name.\$ of the record" "_acme-challenge.www.$Z." "$(printf '%s' "$out" | jq -r --arg v "$V3" '.doc.elem[] | select(.value["$"] == $v) | .name["$"]')"
assert_eq "list, sjson: ttl.\$" 360 "$(printf '%s' "$out" | jq -r --arg v "$V1" '.doc.elem[] | select(.value["$"] == $v) | .ttl["$"]')"
out=$(capi "$Q?$AI&out=JSONdata&func=domain.record&elid=$Z")
assert_eq "list, JSONdata: elem[].rkey" "$RK1" "$(printf '%s' "$out" | jq -r --arg v "$V1" '.elem[] | select(.rtype == "TXT" and .value == $v) | .rkey')"
assert_eq "list, JSONdata: four TXT records" 4 "$(jf "$out" '[.elem[] | select(.rtype == "TXT")] | length')"
out=$(capi "$Q?$AI&out=json&func=domain.record&elid=$Z")
assert_eq "list, json: doc.elem[].rkey.\$" "$RK3" "$(printf '%s' "$out" | jq -r --arg v "$V3" '.doc.elem[] | select(.value["$"] == $v) | .rkey["$"]')"
out=$(capi "$Q" -d "$AI" -d out=xml -d func=domain.record -d elid=$Z)
assert_eq "list, xml: <elem><rkey>" "$RK4" "$(printf '%s' "$out" | xmllint --xpath "string(/doc/elem[rtype='TXT' and value='$V4']/rkey)" -)"
out=$(capi "$Q?$AI&out=sjson&func=domain.record&plid=$Z")
assert_eq "list by plid=, sjson" "$RK1" "$(printf '%s' "$out" | jq -r --arg v "$V1" '.doc.elem[] | select(.value["$"] == $v) | .rkey["$"]')"

# ---- delete by rkey: func=domain.record.delete&plid=ZONE&elid=RKEY ----
# GET with the rkey URL-encoded in the query string, sjson
out=$(capi "$Q?$AI&out=sjson&func=domain.record.delete&plid=$Z&elid=$(enc "$RK1")")
assert_eq "delete, GET sjson: doc.ok" object "$(jf "$out" '.doc.ok | type')"
# POST form with the rkey --data-urlencode'd, JSONdata
out=$(capi "$Q" -d "$AI" -d out=JSONdata -d func=domain.record.delete \
    --data-urlencode "plid=$Z" --data-urlencode "elid=$RK2")
assert_eq "delete, POST JSONdata: {\"ok\":\"\"}" '""' "$(jf "$out" '.ok | tojson')"
# curl -G --data-urlencode (spaces as %20 or +), xml
out=$(capi -G "$Q" --data-urlencode "authinfo=certuser:$PW" -d out=xml \
    -d func=domain.record.delete --data-urlencode "plid=$Z" --data-urlencode "elid=$RK3")
assert_eq "delete, GET xml: <ok/>" 1 "$(printf '%s' "$out" | xmllint --xpath 'count(/doc/ok)' -)"
# the rkey with the spaces as '+' (form encoding), json
RK4P=$(printf '%s' "$RK4" | sed 's/ /+/g')
out=$(capi "$Q?$AI&out=json&func=domain.record.delete&plid=$Z&elid=$RK4P")
assert_eq "delete, '+' for spaces, json: doc.ok" object "$(jf "$out" '.doc.ok | type')"

out=$(capi "$Q?$AI&out=JSONdata&func=domain.record&elid=$Z")
assert_eq "every challenge record gone from the list" 0 "$(jf "$out" '[.elem[] | select(.rtype == "TXT")] | length')"
assert_match "the zone's other records kept" '^[1-9]' "$(jf "$out" '[.elem[] | select(.rtype != "TXT")] | length')"
for v in "$V1" "$V2" "$V3" "$V4"; do
	check "$v gone from the zone file" [ -z "$(grep -e "$v" "$ZF")" ]
done
check "no _acme-challenge left in the file" [ -z "$(grep _acme-challenge "$ZF")" ]
check "named-checkzone accepts the file after the deletes" zone_ok
out=$(named-checkzone "$Z" "$ZF")
assert_match "named-checkzone: OK" "OK" "$out"

# ---- errors, in the shapes clients parse ----
# deleting again: the record is absent
out=$(capi "$Q?$AI&out=sjson&func=domain.record.delete&plid=$Z&elid=$(enc "$RK1")")
assert_eq "delete absent, sjson: doc.error.\$type" missing "$(jf "$out" '.doc.error["$type"]')"
assert_match "delete absent, sjson: doc.error.msg.\$" "no record" "$(jf "$out" '.doc.error.msg["$"]')"
assert_eq "delete absent, sjson: no doc.ok" null "$(jf "$out" .doc.ok)"
out=$(capi "$Q?$AI&out=JSONdata&func=domain.record.delete&plid=$Z&elid=$(enc "$RK1")")
assert_eq "delete absent, JSONdata: error.type" missing "$(jf "$out" .error.type)"
assert_match "delete absent, JSONdata: error.msg" "no record" "$(jf "$out" .error.msg)"
assert_eq "delete absent, JSONdata: no ok" null "$(jf "$out" .ok)"
out=$(capi "$Q?$AI&out=xml&func=domain.record.delete&plid=$Z&elid=$(enc "$RK1")")
assert_eq "delete absent, xml: <error type=>" missing "$(printf '%s' "$out" | xmllint --xpath 'string(/doc/error/@type)' -)"
assert_match "delete absent, xml: <msg>" "no record" "$(printf '%s' "$out" | xmllint --xpath 'string(/doc/error/msg)' -)"
# a zone that is not the user's
out=$(api user.edit sok=ok name=other passwd=other-pass-1)
assert_eq "another user" "" "$(jf "$out" .ok)"
out=$(api domain.edit sok=ok name=example.net ip=192.0.2.20 su=other)
assert_eq "another user's zone" "" "$(jf "$out" .ok)"
out=$(capi "$Q?$AI&out=sjson&func=domain.record.edit&sok=ok&plid=example.net&name=_acme-challenge&rtype=txt&value=x")
assert_eq "another's zone, sjson: doc.error.\$type" access "$(jf "$out" '.doc.error["$type"]')"
assert_eq "another's zone, sjson: doc.error.\$object" domain "$(jf "$out" '.doc.error["$object"]')"
out=$(capi "$Q?$AI&out=JSONdata&func=domain.record&elid=example.net")
assert_eq "another's zone, JSONdata: error.type" access "$(jf "$out" .error.type)"
# a bad record
out=$(capi "$Q?$AI&out=JSONdata&func=domain.record.edit&sok=ok&plid=$Z&name=_acme-challenge&rtype=txt&ttl=360&value=")
assert_match "empty value, JSONdata: an error" '^(value|empty)$' "$(jf "$out" .error.type)"
check "named-checkzone still accepts the file" zone_ok
# wrong password: an error of type auth
out=$(capi "$Q?authinfo=certuser:wrong-password&out=sjson&func=domain")
assert_eq "wrong password, sjson: doc.error.\$type" auth "$(jf "$out" '.doc.error["$type"]')"
assert_eq "wrong password, sjson: no doc.elem" null "$(jf "$out" .doc.elem)"
out=$(capi "$Q" -d authinfo=certuser:wrong-password -d out=JSONdata -d func=domain.record -d elid=$Z)
assert_eq "wrong password, JSONdata: error.type" auth "$(jf "$out" .error.type)"
out=$(capi "$Q?authinfo=certuser:wrong-password&out=xml&func=domain")
assert_eq "wrong password, xml: <error type=auth>" auth "$(printf '%s' "$out" | xmllint --xpath 'string(/doc/error/@type)' -)"
out=$(capi "$Q?out=JSONdata&func=domain")
assert_eq "no credentials: error.type" auth "$(jf "$out" .error.type)"
# the right password still works after the failures
out=$(capi "$Q?$AI&out=JSONdata&func=domain")
assert_eq "the user's zone again" $Z "$(jf "$out" '.elem[0].name')"

# ---- the session flavour: func=auth, then auth= ----
out=$(capi "$Q" --data-urlencode username=certuser --data-urlencode "password=$PW" -d func=auth -d out=sjson)
SID=$(jf "$out" '.doc.auth["$id"]')
assert_match "func=auth, sjson: doc.auth.\$id" '^[0-9a-f]{32,}$' "$SID"
out=$(capi "$Q?auth=$SID&out=JSONdata&func=domain.record.edit&sok=ok&plid=$Z&name=_acme-challenge&rtype=txt&ttl=360&value=$V1")
assert_eq "add with a session" "" "$(jf "$out" .ok)"
RK=$(capi "$Q?auth=$SID&out=JSONdata&func=domain.record&elid=$Z" | jq -r --arg v "$V1" '.elem[] | select(.value == $v) | .rkey')
assert_eq "rkey with a session" "_acme-challenge.$Z. TXT  $V1" "$RK"
out=$(capi "$Q" -d "auth=$SID" -d out=JSONdata -d func=domain.record.delete -d plid=$Z --data-urlencode "elid=$RK")
assert_eq "delete with a session" "" "$(jf "$out" .ok)"
check "gone from the zone file" [ -z "$(grep -e "$V1" "$ZF")" ]
check "named-checkzone accepts the file at the end" zone_ok
