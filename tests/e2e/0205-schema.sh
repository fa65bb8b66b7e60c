#!/bin/sh
# One declaration per data type: a function takes exactly its type's
# fields and the control parameters, a misspelled or unknown parameter is
# refused by name on the master and on the node, a field's grammar is
# checked before the call is routed, `functions` describes every form from
# the declarations, and a default is the declaration's on both sides.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 5000
add_node 2 web1 web
add_node 3 mail1 mail
for i in 2 3; do wait_for "n$i ready" 30 node_is $i ready; done
mail_up() { [ "$(api cluster.node.service elid="$NODEID_3" | jq '[.elem[] | select(.state == "running")] | length')" = 2 ]; }
wait_for "mail services running" 60 mail_up
out=$(api user.edit sok=ok name=alice passwd=alice-pass-1)
assert_eq "alice created" "" "$(jf "$out" .ok)"

# unknown and misspelled parameters: refused, named, nothing made
out=$(ua webdomain.edit sok=ok name=a.example.com php_mod=php_fpm)
assert_eq "misspelled field refused" param "$(jf "$out" .error.type)"
assert_eq "the refusal names it" php_mod "$(jf "$out" .error.object)"
assert_match "the message says where the parameters are" 'functions elid=webdomain.edit' "$(jf "$out" .error.msg)"
assert_eq "nothing was made" 0 "$(ua webdomain | jq '.elem | length')"
out=$(api firewall.edit sok=ok action=allow proto=tcp prot=22)
assert_eq "system data: unknown field refused" prot "$(jf "$out" .error.object)"
assert_eq "no rule was added" 0 "$(api firewall | jq '.elem | length')"
out=$(api cluster.policy sok=ok heartbeat_miss=9)
assert_eq "policy: unknown field refused" param "$(jf "$out" .error.type)"
out=$(api cluster.node.edit sok=ok name=x addr=$NET.9 wieght=5)
assert_eq "node: unknown field refused" param "$(jf "$out" .error.type)"
assert_eq "no node was added" 2 "$(api cluster.node | jq '.elem | length')"
out=$(api user.edit sok=ok name=bob passwd=bob-pass-12 limit_webdomain=3)
assert_eq "user: unknown field refused" limit_webdomain "$(jf "$out" .error.object)"
out=$(ua webdomain php_mode=none)
assert_eq "a listing takes no field" param "$(jf "$out" .error.type)"
out=$(ua webdomain.delete elid=a.example.com aliases=x)
assert_eq "a delete takes no field" param "$(jf "$out" .error.type)"
# the control parameters are known everywhere
out=$(ua webdomain lang=en sfrom=ajax p_num=1 p_cnt=50 clicked_button=ok)
assert_eq "control parameters taken" array "$(jf "$out" '.elem | type')"
out=$(api whoami lang=ru)
assert_eq "control parameters taken by any function" admin "$(jf "$out" .name)"

# a field's grammar is checked on the master before the call is routed
out=$(ua webdomain.edit sok=ok name=b.example.com php_version=9.9)
assert_eq "bad value refused" value "$(jf "$out" .error.type)"
assert_eq "bad value named" php_version "$(jf "$out" .error.object)"
assert_eq "nothing placed for a refused call" "" "$(api user.placement elid=alice | jq -r '.elem[] | select(.role == "web") | .node')"

# defaults: the declaration's, the same on master and node
out=$(ua webdomain.edit sok=ok name=c.example.com)
assert_eq "site created" "" "$(jf "$out" .ok)"
out=$(ua webdomain.edit elid=c.example.com)
assert_eq "aliases default" www.c.example.com "$(jf "$out" .aliases)"
assert_eq "home default" www/c.example.com "$(jf "$out" .home)"
assert_eq "php_mode default" none "$(jf "$out" .php_mode)"
assert_eq "log_access default" on "$(jf "$out" .log_access)"
out=$(ua webdomain.edit sok=ok name=d.example.com aliases=www.c.example.com)
assert_eq "the master reserved the default alias" exists "$(jf "$out" .error.type)"
assert_eq "... naming aliases" aliases "$(jf "$out" .error.object)"

# ISPmanager's spellings are declared fields
out=$(ua emaildomain.edit sok=ok name=c.example.com)
assert_eq "mail domain created" "" "$(jf "$out" .ok)"
out=$(ua email.edit sok=ok name=info domainname=c.example.com password=info-pass-123 dontsave=on forward=x@y.example)
assert_eq "mailbox created with spellings" "" "$(jf "$out" .ok)"
out=$(ua email.edit elid=info@c.example.com)
assert_eq "dontsave is keep_copy's opposite" off "$(jf "$out" .keep_copy)"
assert_eq "a secret is never answered" null "$(jf "$out" .passwd)"
assert_eq "nor its hash" null "$(jf "$out" .pwhash)"
assert_eq "maxsize default" 0 "$(jf "$out" .maxsize)"

# the node refuses unknown parameters too: a call straight to its agent
body='{"type":"webdomain","op":"edit","func":"webdomain.edit","owner":"alice","params":{"sok":"ok","name":"e.example.com","php_mod":"x"}}'
out=$(capi --cert "$MSTATE/master.pem" --key "$MSTATE/master.key" -H "Content-Type: application/json" -d "$body" "https://$NET.2:1501/v1/ud")
assert_eq "node: unknown parameter refused" param "$(jf "$out" .error.type)"
assert_eq "node: refusal names it" php_mod "$(jf "$out" .error.object)"
body='{"func":"webdomain.edit","owner":"alice","params":{"sok":"ok","name":"e.example.com"}}'
out=$(capi --cert "$MSTATE/master.pem" --key "$MSTATE/master.key" -H "Content-Type: application/json" -d "$body" "https://$NET.2:1501/v1/ud")
assert_match "node: a call without its type refused" 'type' "$(jf "$out" .error)"

# functions: the metadata forms are built from
out=$(ua functions elid=webdomain.edit)
assert_eq "form: its data type" webdomain "$(jf "$out" .datatype)"
assert_eq "form: its operation" edit "$(jf "$out" .op)"
assert_eq "form: a field's label" "Domain name" "$(jf "$out" '.elem[] | select(.name == "name") | .label')"
assert_eq "form: name is required" on "$(jf "$out" '.elem[] | select(.name == "name") | .required')"
assert_eq "form: name is fixed" on "$(jf "$out" '.elem[] | select(.name == "name") | .fixed')"
assert_eq "form: a boolean is a checkbox" checkbox "$(jf "$out" '.elem[] | select(.name == "redirect_http") | .input')"
assert_eq "form: an enumerated field is a select" select "$(jf "$out" '.elem[] | select(.name == "php_mode") | .input')"
assert_eq "form: its options" "none php_fpm php_cgi" "$(jf "$out" '.elem[] | select(.name == "php_mode") | .options')"
assert_eq "form: free text has none" "" "$(jf "$out" '.elem[] | select(.name == "home") | .options')"
assert_eq "form: a default" none "$(jf "$out" '.elem[] | select(.name == "php_mode") | .default')"
assert_eq "form: docroot is answered only" output "$(jf "$out" '.elem[] | select(.name == "docroot") | .input')"
assert_eq "form: every field the function takes" \
    "$("$HF" functions | grep '^| `webdomain.edit`' | cut -d'|' -f7 | sed 's/^ elid, //; s/ $//')" \
    "$(jf "$out" '[.elem[] | select(.param == "on") | .name] | join(", ")')"
out=$(ua functions elid=email.edit)
assert_eq "form: a password field" password "$(jf "$out" '.elem[] | select(.name == "passwd") | .input')"
assert_eq "form: a spelling says of what" keep_copy "$(jf "$out" '.elem[] | select(.name == "dontsave") | .spelling_of')"
out=$(ua functions elid=firewall.edit)
assert_eq "a user does not see an admin's form" missing "$(jf "$out" .error.type)"
out=$(api functions elid=firewall.edit)
assert_eq "system data form: action required" on "$(jf "$out" '.elem[] | select(.name == "action") | .required')"
out=$(api functions elid=templates.edit)
assert_eq "form: several lines are a textarea" textarea "$(jf "$out" '.elem[] | select(.name == "body") | .input')"
assert_eq "form: a select offers the slots" "nginx_site_extra php_pool_extra dovecot_extra" "$(jf "$out" '.elem[] | select(.name == "name") | .options')"
out=$(api functions elid=webdomain)
assert_eq "a listing describes its columns" on "$(jf "$out" '[.elem[] | .column] | unique | join(",")')"
out=$(api functions)
assert_eq "the listing gives each function's fields" "action,proto,port,src,comment,order" "$(jf "$out" '.elem[] | select(.name == "firewall.edit") | .params')"

