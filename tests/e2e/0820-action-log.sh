#!/bin/sh
# The action log: every change made through the API, with who made it,
# from where, its parameters without secrets, its outcome, and each node's
# result for a distributed query; read back with `actionlog` (admin only,
# with filters), in the master's store, kept for the policy's days.  A
# password given to the API is found nowhere: not in the answers, not in
# the store's files, not in the master's log.
. "$(dirname "$0")/lib.sh"

PW=Sup3r-Secret-Pw-$$
PW2=Other-Secret-Pw-$$
start_master
fast_policy 300 2 3000
add_node_ns 2 a1 web
add_node_ns 3 a2 web
for i in 2 3; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync

# last FUNC [filters]: the newest entry of FUNC, in JSONdata
last() { f=$1; shift; api actionlog function="$f" limit=1 "$@" | jq -c '.elem[0]'; }

# ---- a user made with user.add, with a password: logged, the password
# not ----
n0=$(api actionlog limit=10000 | jq '.elem | length')
out=$(api user.add sok=ok name=dave passwd="$PW" confirm="$PW" fullname="Dave D" webdomain_name=dave-site.example.com)
is_ok "user made with his site" "$out"
e=$(last user.add)
assert_eq "who" admin "$(jf "$e" .user)"
assert_eq "as" admin "$(jf "$e" .as)"
assert_match "from the caller's address" '^127\.' "$(jf "$e" .addr)"
assert_eq "outcome" ok "$(jf "$e" .outcome)"
assert_eq "no error" "" "$(jf "$e" .error)"
assert_eq "params: the name" dave "$(jf "$e" '.params | fromjson | .name')"
assert_eq "params: the full name" "Dave D" "$(jf "$e" '.params | fromjson | .fullname')"
assert_eq "params: the site" dave-site.example.com "$(jf "$e" '.params | fromjson | .webdomain_name')"
assert_eq "params: the password hidden" "(secret)" "$(jf "$e" '.params | fromjson | .passwd')"
assert_eq "params: its confirmation hidden" "(secret)" "$(jf "$e" '.params | fromjson | .confirm')"
assert_eq "no node results for a user" "" "$(jf "$e" .results)"
check "a time" [ "$(jf "$e" .time)" -ge "$(( $(date +%s) - 60 ))" ]
assert_eq "one entry for the call and its parts" $((n0 + 1)) "$(api actionlog limit=10000 | jq '.elem | length')"
# a user.add that fails (the name is taken): logged as an error
out=$(api user.add sok=ok name=dave passwd="$PW2")
is_err "a taken name" exists "$out"
e=$(last user.add outcome=error)
assert_match "the error" '^exists: ' "$(jf "$e" .error)"
assert_eq "its password hidden" "(secret)" "$(jf "$e" '.params | fromjson | .passwd')"
n0=$((n0 + 1))

# a read is not a change: nothing logged
api user >/dev/null; api firewall >/dev/null; api user.edit elid=dave >/dev/null
assert_eq "reads are not logged" $((n0 + 1)) "$(api actionlog limit=10000 | jq '.elem | length')"

# ---- a change by the user himself, logged in with his password ----
user_via dave authinfo "$PW"
out=$(capi "$MURL/ispmgr" -d func=auth -d username=dave --data-urlencode "password=$PW" -d out=json)
SID=$(jf "$out" '.doc.auth["$id"]')
out=$(capi "$MURL/ispmgr" -d func=webdomain.edit -d sok=ok -d name=dave.example.com --data-urlencode "auth=$SID" -d out=JSONdata)
is_ok "dave's site, by a session" "$out"
e=$(last webdomain.edit)
assert_eq "the user who made it" dave "$(jf "$e" .user)"
assert_eq "the session id is not logged" null "$(jf "$e" '.params | fromjson | .auth')"
out=$(call_as dave webdomain.delete elid=dave.example.com)
is_ok "dave's site removed, by authinfo" "$out"
e=$(last webdomain.delete)
assert_eq "by dave" dave "$(jf "$e" .user)"
assert_eq "authinfo is not logged" null "$(jf "$e" '.params | fromjson | .authinfo')"
assert_eq "the object" dave.example.com "$(jf "$e" '.params | fromjson | .elid')"

# an admin acting as a user
out=$(api webdomain.edit sok=ok name=su.example.com su=dave)
is_ok "a site made as dave" "$out"
e=$(last webdomain.edit)
assert_eq "su: who" admin "$(jf "$e" .user)"
assert_eq "su: as" dave "$(jf "$e" .as)"

# ---- a failed call: logged with its error ----
out=$(api user.edit sok=ok name='Bad Name' passwd="$PW2")
is_err "a bad name" value "$out"
e=$(last user.edit outcome=error)
assert_eq "failed: outcome" error "$(jf "$e" .outcome)"
assert_match "failed: the error" '^value: .*name' "$(jf "$e" .error)"
assert_eq "failed: its password hidden too" "(secret)" "$(jf "$e" '.params | fromjson | .passwd')"
# a parameter the function does not take: refused, its value not logged
out=$(api user.edit sok=ok name=eve pasword="$PW2")
is_err "a mistyped parameter" param "$out"
e=$(last user.edit outcome=error)
assert_eq "an unknown parameter's value is withheld" "(not a parameter: withheld)" "$(jf "$e" '.params | fromjson | .pasword')"
# a caller that does not log in: logged, with no one as its author
out=$(capi -G "$MURL/ispmgr" --data-urlencode func=firewall.edit -d sok=ok -d action=allow -d proto=tcp -d port=9 --data-urlencode "authinfo=admin:$PW2" -d out=JSONdata)
is_err "a wrong password" auth "$out"
e=$(last firewall.edit outcome=error)
assert_eq "no author" "" "$(jf "$e" .user)"
assert_match "auth error" '^auth: ' "$(jf "$e" .error)"

# ---- a firewall change: each node's result ----
out=$(api firewall.edit sok=ok action=allow proto=tcp port=8080 comment=logged)
is_ok "firewall change" "$out"
e=$(last firewall.edit outcome=ok)
assert_eq "node results" '{"a1":"ok","a2":"ok"}' "$(jf "$e" '.results | fromjson | tojson')"
assert_eq "its params" 8080 "$(jf "$e" '.params | fromjson | .port')"
# a node that refuses: its error in the results, the other's ok
node_down 3
api cluster.policy sok=ok min_ready_percent=0 >/dev/null
out=$(api firewall.edit sok=ok action=allow proto=tcp port=8081)
is_ok "with a node down it goes to the ready one" "$out"
e=$(last firewall.edit outcome=ok)
assert_eq "a1 ok" ok "$(jf "$e" '.results | fromjson | .a1')"
assert_match "a2 not sent" '^not sent: unavailable' "$(jf "$e" '.results | fromjson | .a2')"
e=$(last cluster.policy)
assert_eq "a policy change is logged" 0 "$(jf "$e" '.params | fromjson | .min_ready_percent')"

# ---- the filters, and who may read it ----
assert_eq "by user" "dave" "$(api actionlog user=dave | jq -r '[.elem[].user] | unique | join(" ")')"
assert_eq "by function" "user.add" "$(api actionlog function=user.add | jq -r '[.elem[].function] | unique | join(" ")')"
assert_eq "by outcome" "error" "$(api actionlog outcome=error | jq -r '[.elem[].outcome] | unique | join(" ")')"
assert_eq "limit" 2 "$(api actionlog limit=2 | jq '.elem | length')"
id=$(api actionlog limit=1 | jq -r '.elem[0].id')
assert_eq "by elid" "$id" "$(api actionlog elid="$id" | jq -r '.elem[0].id')"
assert_eq "until: nothing before the epoch's second 1" 0 "$(api actionlog until=1 | jq '.elem | length')"
check "since: now-60 has them" [ "$(api actionlog since=$(( $(date +%s) - 60 )) | jq '.elem | length')" -gt 5 ]
is_err "a bad filter" value "$(api actionlog outcome=maybe)"
is_err "a bad function name" value "$(api actionlog function='x y')"
is_err "a user may not read it" access "$(call_as dave actionlog)"
# XML, parsed as a DOM
xml=$(capi -G "$MURL/ispmgr" -d func=actionlog -d limit=3 --data-urlencode "authinfo=admin:$ADMINPW")
assert_eq "xml: three entries" 3 "$(printf '%s' "$xml" | xmllint --xpath 'count(/doc/elem)' -)"
assert_eq "xml: the newest's function" "$(api actionlog limit=1 | jq -r '.elem[0].function')" "$(printf '%s' "$xml" | xmllint --xpath 'string(/doc/elem[1]/function)' -)"

# ---- the password is nowhere ----
all=$(api actionlog limit=10000)
assert_nomatch "not in the log's answer" "$PW|$PW2" "$all"
assert_nomatch "not in the xml answer" "$PW|$PW2" "$xml"
for f in "$MSTATE"/master.db*; do
	assert_eq "not in $(basename "$f")" 0 "$(grep -ac -e "$PW" -e "$PW2" "$f")"
done
assert_eq "not in the store's action_log table (sqlite3)" 0 \
    "$(sqlite3 "$MSTATE/master.db" "SELECT count(*) FROM action_log WHERE params LIKE '%$PW%' OR params LIKE '%$PW2%'")"
assert_eq "the store has the entries" "$(jf "$all" '.elem | length')" "$(sqlite3 "$MSTATE/master.db" "SELECT count(*) FROM action_log")"
assert_eq "not in the master's log" 0 "$(grep -c -e "$PW" -e "$PW2" "$WORK/master.err")"

# ---- retention: entries older than actionlog_days go ----
is_ok "retention set" "$(api cluster.policy sok=ok actionlog_days=2)"
assert_eq "retention shown" 2 "$(jf "$(api cluster.policy)" .actionlog_days)"
is_err "retention out of range" value "$(api cluster.policy sok=ok actionlog_days=0)"
stop_master
cp "$WORK/master.err" "$WORK/master-first.err"
old=$(( $(date +%s) - 3 * 86400 ))
sqlite3 "$MSTATE/master.db" "INSERT INTO action_log (time, user, as_user, addr, func, params, outcome) VALUES ($old, 'admin', 'admin', '127.0.0.1', 'old.one', '{}', 'ok'), ($(( $(date +%s) - 86400 )), 'admin', 'admin', '127.0.0.1', 'recent.one', '{}', 'ok')"
start_master
gone() { [ "$(sqlite3 "$MSTATE/master.db" "SELECT count(*) FROM action_log WHERE func = 'old.one'")" = 0 ]; }
wait_for "the entry of three days ago purged" 30 gone
assert_eq "the entry of one day ago kept" 1 "$(sqlite3 "$MSTATE/master.db" "SELECT count(*) FROM action_log WHERE func = 'recent.one'")"

# ---- syslog: the master started with /dev/log a socket of the test's, in
# a mount namespace of its own (this machine has no syslog daemon) ----
stop_master
cp "$WORK/master.err" "$WORK/master-second.err"
log_socket syslog "$WORK/log.sock" "$WORK/syslog.txt"
bg master timeout "$LIVE_MAX" unshare --mount --propagation private sh -c '
	mount -t tmpfs -o mode=755 tmpfs /dev
	mknod -m 666 /dev/null c 1 3
	mknod -m 666 /dev/zero c 1 5
	mknod -m 666 /dev/random c 1 8
	mknod -m 666 /dev/urandom c 1 9
	ln -s "$1" /dev/log
	exec "$2" master -c "$3"' sh "$WORK/log.sock" "$HF" "$WORK/master.json"
wait_for "master in its namespace" 30 "$HF" call -s "$MSTATE" whoami
PW3=Third-Secret-Pw-$$
is_ok "a user made" "$(api user.edit sok=ok name=frank passwd="$PW3")"
is_ok "a rule" "$(api firewall.edit sok=ok action=allow proto=tcp port=8082)"
wait_for "the user's entry in syslog" 10 grep -q 'user.edit {"sok":"ok","name":"frank"' "$WORK/syslog.txt"
rule_nodes() { grep 'action [0-9]*: nodes {' "$WORK/syslog.txt" | grep '"a1":"ok"' | grep -q '"a2":"not sent: unavailable"'; }
wait_for "the rule's result on each node in syslog" 10 rule_nodes
assert_match "ident, level (LOG_DAEMON|LOG_INFO = 30) and author" '^<30>.* hostfleet\[[0-9]+\]: action [0-9]+: admin from 127\.' \
    "$(grep 'name":"frank' "$WORK/syslog.txt")"
assert_match "the password hidden there" '"passwd":"\(secret\)"' "$(grep 'name":"frank' "$WORK/syslog.txt")"
assert_eq "the password nowhere in syslog" 0 "$(grep -c -e "$PW3" -e "$PW" -e "$PW2" "$WORK/syslog.txt")"
