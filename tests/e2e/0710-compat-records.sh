#!/bin/sh
# DNSmanager's and ISPmanager 6's names for the same objects, as their
# clients call them: domain.sublist* with sdtype/addr/prio/wght and key,
# record targets as domain= and ip=, deletes by a key however its name
# and target were typed, several elids joined by ", "; site* for web
# domains with site_name; and the answers' shapes: lists without empty
# fields (xml read as a DOM with xmllint), forms with their elid, errors
# with param and group, out=bjson with booleans.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 5000
add_node_ns 3 n3 "web dns"
wait_for "n3 ready" 60 node_is 3 ready
Q="$MURL/dnsmgr"
is_ok "user" "$(api user.edit sok=ok name=dave passwd=dave-pass-12)"
AI="authinfo=dave:dave-pass-12"
Z=example.org
ZF="$WORK/n3/root/etc/bind/hostfleet/zones/$Z.db"
zone_has() { grep -q "$1" "$ZF"; }
out=$(capi "$Q" -d "$AI" -d out=json -d func=domain.edit -d sok=ok -d name=$Z \
    --data-urlencode "ns=ns1.example.net ns2.example.net")
assert_eq "zone made" object "$(jf "$out" '.doc.ok | type')"

# ---- records, the way DNSmanager's clients add them ----
# acme.sh's dns_ispmanager: a GET, relative name, sdtype and addr
out=$(capi "$Q?$AI&out=xml&func=domain.sublist.edit&sok=yes&plid=$Z&name=_acme-challenge.www&sdtype=TXT&addr=tok-1")
assert_eq "TXT by sdtype/addr" 1 "$(printf '%s' "$out" | xmllint --xpath 'count(/doc/ok)' -)"
wait_for "TXT in the zone file" 10 zone_has 'tok-1'
# the Perl client: absolute name with its dot, A with prio= wght= port= empty
out=$(capi "$Q?$AI&out=json&name=host.$Z.&sdtype=A&addr=192.0.2.7&prio=&wght=&port=&func=domain.sublist.edit&elid=&plid=$Z&sok=ok")
assert_eq "A, empty prio/wght/port" object "$(jf "$out" '.doc.ok | type')"
# ISPmanager's own names: ip= for A, domain= for targets, priority=
out=$(capi -d "$AI&out=JSONdata&func=domain.record.edit&sok=ok&plid=$Z&name=www&rtype=A&ip=192.0.2.8" "$MURL/ispmgr")
is_ok "A by ip=" "$out"
out=$(capi -d "$AI&out=JSONdata&func=domain.record.edit&sok=ok&plid=$Z&name=@&rtype=MX&domain=mx1.example.net.&priority=20" "$MURL/ispmgr")
is_ok "MX by domain= priority=" "$out"
out=$(capi -d "$AI&out=JSONdata&func=domain.record.edit&sok=ok&plid=$Z&name=alias&rtype=CNAME&domain=www" "$MURL/ispmgr")
is_ok "CNAME by domain=, relative" "$out"
out=$(capi -d "$AI&out=JSONdata&func=domain.sublist.edit&sok=ok&plid=$Z&name=_sip._tcp&sdtype=SRV&addr=sip.example.net.&prio=10&wght=5&port=5060" "$Q")
is_ok "SRV by prio/wght/port" "$out"
# the list, with DNSmanager's fields, read as a DOM
out=$(capi "$Q?$AI&func=domain.sublist&elid=$Z")
x() { printf '%s' "$out" | xmllint --xpath "$1" -; }
assert_eq "sublist: the MX's addr" "mx1.example.net." "$(x "string(/doc/elem[sdtype='MX']/addr)")"
assert_eq "sublist: the MX's prio" 20 "$(x "string(/doc/elem[sdtype='MX']/prio)")"
assert_eq "sublist: the SRV's wght" 5 "$(x "string(/doc/elem[sdtype='SRV']/wght)")"
assert_eq "sublist: the SRV's port" 5060 "$(x "string(/doc/elem[sdtype='SRV']/port)")"
assert_eq "sublist: the CNAME made absolute in the zone" "www.$Z." "$(x "string(/doc/elem[sdtype='CNAME']/addr)")"
assert_eq "sublist: key is the rkey" "$(x "string(/doc/elem[sdtype='A' and addr='192.0.2.8']/rkey)")" \
    "$(x "string(/doc/elem[sdtype='A' and addr='192.0.2.8']/key)")"
assert_eq "sublist: an A has no prio element" 0 "$(x "count(/doc/elem[addr='192.0.2.8']/prio)")"
assert_eq "domain.record has no DNSmanager fields" 0 \
    "$(capi "$MURL/ispmgr?$AI&func=domain.record&elid=$Z" | xmllint --xpath 'count(/doc/elem/key)' -)"
# a form answers its elid
K=$(x "string(/doc/elem[sdtype='A' and addr='192.0.2.8']/key)")
out=$(capi -G "$Q" -d "$AI" -d out=json -d func=domain.sublist.edit -d plid=$Z --data-urlencode "elid=$K")
assert_eq "record form carries elid" "$K" "$(jf "$out" '.doc.elid["$"]')"
assert_eq "record form: addr" 192.0.2.8 "$(jf "$out" '.doc.addr["$"]')"

# ---- deletes by key, however typed ----
del() { capi -G "$Q" -d "$AI" -d out=JSONdata -d func=domain.sublist.delete -d plid=$Z --data-urlencode "elid=$1"; }
# acme.sh: relative name, two spaces
is_ok "delete TXT, relative key" "$(del "_acme-challenge.www TXT  tok-1")"
wait_for "TXT gone from the zone file" 10 sh -c "! grep -q tok-1 '$ZF'"
# the Perl client's "host. A  ip": a relative name written with a dot
is_ok "delete A, 'host.' key" "$(del "host. A  192.0.2.7")"
# a target typed absolute without its dot, one space
is_ok "delete MX, target without the dot" "$(del "@ MX 20 mx1.example.net")"
# two at once, joined by ", ", the CNAME's target relative as it was given
out=$(del "alias CNAME  www, _sip._tcp.$Z. SRV  10 5 5060 sip.example.net.")
is_ok "two deleted, joined by ', '" "$out"
out=$(capi "$Q?$AI&out=JSONdata&func=domain.sublist&elid=$Z")
assert_eq "left: NS, and the A by ip=" "A NS NS" "$(jf "$out" '[.elem[].rtype] | sort | join(" ")')"
# a query string written by hand, spaces as '+' and as %20, not encoded
# by any tool (the Perl client's and acme.sh's)
out=$(capi "$Q?$AI&out=JSONdata&func=domain.sublist.edit&sok=ok&plid=$Z&name=_acme-challenge&sdtype=TXT&addr=tok-2")
is_ok "TXT tok-2" "$out"
out=$(capi "$Q?$AI&out=JSONdata&func=domain.sublist.delete&plid=$Z&elid=_acme-challenge.+TXT++tok-2")
is_ok "delete, '+' for spaces" "$out"
is_ok "TXT tok-3" "$(capi "$Q?$AI&out=JSONdata&func=domain.sublist.edit&sok=ok&plid=$Z&name=_acme-challenge&sdtype=TXT&addr=tok-3")"
out=$(capi "$Q?$AI&out=JSONdata&func=domain.sublist.delete&plid=$Z&elid=_acme-challenge%20TXT%20%20tok-3")
is_ok "delete, %20 for spaces" "$out"
wait_for "tok-2 and tok-3 gone from the zone file" 10 sh -c "! grep -q 'tok-[23]' '$ZF'"
# a key of no record deletes nothing, and says so
out=$(del "www A  192.0.2.8, nosuch A  192.0.2.99")
assert_eq "one missing key: nothing deleted" missing "$(jf "$out" .error.type)"
out=$(capi "$Q?$AI&out=JSONdata&func=domain.sublist&elid=$Z")
assert_eq "the A is still there" 1 "$(jf "$out" '[.elem[] | select(.rtype == "A")] | length')"

# ---- sites: ISPmanager 6's names ----
out=$(capi -d "$AI&out=JSONdata&func=site.edit&sok=ok&site_name=shop.$Z&site_aliases=www.shop.$Z" "$MURL/ispmgr")
is_ok "site.edit with site_name" "$out"
out=$(capi "$MURL/ispmgr?$AI&out=JSONdata&func=webdomain")
assert_eq "the site is a webdomain" "shop.$Z" "$(jf "$out" '.elem[0].name')"
assert_eq "its aliases as given" "www.shop.$Z" "$(jf "$out" '.elem[0].aliases')"
out=$(capi "$MURL/ispmgr?$AI&func=site")
x() { printf '%s' "$out" | xmllint --xpath "$1" -; }
assert_eq "site list: id" "shop.$Z" "$(x 'string(/doc/elem/id)')"
assert_eq "site list: active" on "$(x 'string(/doc/elem/active)')"
assert_eq "site list: empty ipaddr left out" 0 "$(x 'count(/doc/elem/ipaddr)')"
out=$(capi "$MURL/ispmgr?$AI&func=site&out=bjson")
assert_eq "bjson: active is a boolean" true "$(jf "$out" '.doc.elem[0].active["$"]')"
assert_eq "bjson: a name stays a string" string "$(jf "$out" '.doc.elem[0].name["$"] | type')"
out=$(capi "$MURL/ispmgr?$AI&func=site.edit&elid=shop.$Z&out=json")
assert_eq "site form carries elid" "shop.$Z" "$(jf "$out" '.doc.elid["$"]')"
# "already exists", recognisable by a re-run: type, group and param
out=$(capi -d "$AI&out=json&func=site.edit&sok=ok&site_name=shop.$Z" "$MURL/ispmgr")
assert_eq "exists: type" exists "$(jf "$out" '.doc.error["$type"]')"
assert_eq "exists: group" webdomain "$(jf "$out" '.doc.error.group["$"]')"
assert_eq "exists: param" name "$(jf "$out" '.doc.error.param["$"]')"
out=$(capi "$MURL/ispmgr?$AI&func=site.edit&sok=ok&site_name=bad..name")
assert_eq "bad value, xml: param" name "$(printf '%s' "$out" | xmllint --xpath 'string(/doc/error/param)' -)"
assert_eq "bad value, xml: group" webdomain "$(printf '%s' "$out" | xmllint --xpath 'string(/doc/error/group)' -)"
is_ok "site.delete" "$(capi -d "$AI&out=JSONdata&func=site.delete&elid=shop.$Z" "$MURL/ispmgr")"
out=$(capi "$MURL/ispmgr?$AI&out=JSONdata&func=webdomain")
assert_eq "no site left" 0 "$(jf "$out" '.elem | length')"
