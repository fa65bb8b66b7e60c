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
# one-shot authinfo= in GET query strings).  The requests and their
# answers are tests/e2e/cases/0210-access.cases; what the nodes' files
# show is checked here between its sections.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 5000
add_node 2 web1 web
add_node 3 dns1 dns
add_node 4 mail1 mail
for i in 2 3 4; do wait_for "n$i ready" 30 node_is $i ready; done
Q="$MURL/ispmgr"
CASES=0210-access.cases

PA=alice-pass-1
PB=bob-pass-12
run_cases $CASES users

# alice logs in: a session, bound to this address
out=$(capi "$Q" -d func=auth -d username=alice --data-urlencode "password=$PA" -d out=JSONdata)
SA=$(jf "$out" .auth)
assert_match "alice's session" '^[0-9a-f]{32,}$' "$SA"
user_via alice session "$SA"
user_via bob authinfo "$PB"
user_via carol authinfo carol-pass-1

A=alice.example.com
B=bob.example.net
G=ghost.example.org
RKA="_acme-challenge.$A. TXT  alice-token"
RKB="_acme-challenge.$B. TXT  bob-token"
MA=info@$A
MB=info@$B
MG=info@$G
SITES=$WORK/n2/root/etc/nginx/hostfleet/sites
ZONES=$WORK/n3/root/etc/bind/hostfleet/zones
USERS=$WORK/n4/root/etc/dovecot/hostfleet/users

run_cases $CASES data

run_cases $CASES webdomain
check "webdomain.delete: bob's server block still there" [ -f "$SITES/$B.conf" ]
check "webdomain.delete: alice's server block still there" [ -f "$SITES/$A.conf" ]

run_cases $CASES domain
check "domain.delete: zone file gone" [ ! -f "$ZONES/tmp.example.com.db" ]
run_cases $CASES domain.delete
check "domain.delete: bob's zone file still there" [ -f "$ZONES/$B.db" ]

run_cases $CASES domain.record
check "domain.record.edit: nothing of bob's in alice's zone file" [ -z "$(grep 192.0.2.66 "$ZONES/$A.db")" ]
check "domain.record.edit: no such record in either zone file" [ -z "$(grep -h bob-in-alice "$ZONES/$A.db" "$ZONES/$B.db")" ]
check "domain.record.delete: alice's record still in her zone file" grep -q alice-token "$ZONES/$A.db"
check "domain.record.delete: his record kept" grep -q bob-token "$ZONES/$B.db"
check "domain.record.delete: named-checkzone accepts alice's zone" named-checkzone -q $A "$ZONES/$A.db"

run_cases $CASES emaildomain

run_cases $CASES email
check "email.delete: gone from dovecot" [ -z "$(grep "^tmp@$A:" "$USERS")" ]
run_cases $CASES email.delete
check "email.delete: alice's mailbox still in dovecot" grep -q "^$MA:" "$USERS"
check "email.delete: bob's mailbox still in dovecot" grep -q "^$MB:" "$USERS"

run_cases $CASES squatting
check "squatting: no server block under bob's zone" [ ! -f "$SITES/shop.$B.conf" ]
check "squatting: alice's server block has no alias under bob's zone" [ -z "$(grep "shop.$B" "$SITES/$A.conf")" ]
check "squatting: no zone file under bob's zone" [ ! -f "$ZONES/sub.shop.$B.db" ]
run_cases $CASES "squatting owner"
run_cases $CASES suffix
check "suffix: no zone file for co.uk" [ ! -f "$ZONES/co.uk.db" ]
check "suffix: no server block for github.io" [ ! -f "$SITES/github.io.conf" ]

run_cases $CASES user
run_cases $CASES user.suspend
run_cases $CASES user.delete
run_cases $CASES user.placement
run_cases $CASES user.usage
run_cases $CASES su

# a user's session does not serve another address
out=$(capi --interface "$NET.77" "$Q" -d func=webdomain -d "auth=$SA" -d out=JSONdata)
is_err "session bound to alice's address" auth "$out"
