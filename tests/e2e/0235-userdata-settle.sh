#!/bin/sh
# User data that settles (docs/internals/userdata.md, "Intent first"):
# a password change and a suspend at once both survive; the master or the
# node killed at every step of a suspend, a resume, a change of full name,
# a delete, an alias dropped and a user deleted leaves master and nodes
# agreeing once they run again, with no name reserved for nothing; a
# COMMIT that fails, on the node or on the master, is answered as an error
# and nothing acknowledged vanishes.
. "$(dirname "$0")/lib.sh"

# the fault files, in a directory the master (which runs as its own user)
# may remove them from
mkdir -p "$WORK/faults" && chmod 0777 "$WORK/faults"
# test_point(): a process stops at the step this file names
export HOSTFLEET_TEST_STOP_FILE="$WORK/faults/stop"
# db.c: the next COMMIT of the change this file names fails
export HOSTFLEET_TEST_FAIL_COMMIT="$WORK/faults/failcommit"

start_master
fast_policy 300 3 3000
add_node 2 web1 web
add_node 3 dns1 dns
for i in 2 3; do wait_for "n$i ready" 30 node_is $i ready; done
api user.edit sok=ok name=alice passwd=alice-pass-1 fullname="Alice A" >/dev/null
is_ok "alice's site" "$(ua webdomain.edit sok=ok name=a.example.com aliases=)"
is_ok "alice's zone" "$(ua domain.edit sok=ok name=a.example.org ip=192.0.2.1)"

# ---- what the master and the nodes hold ----

# m_acct USER: "ACTIVE FULLNAME" of USER on the master (true/false).
m_acct() {
	api user | jq -r --arg n "$1" \
	    '.elem[] | select(.name == $n) | "\(.active == "on") \(.fullname)"'
}
# n_acct USER NODE: the same of USER's account on node NODE.
n_acct() {
	"$HF" dump -s "$WORK/n$2/state" udata account |
	    jq -r --arg n "$1" 'select(.name == $n) | "\(.active) \(.fullname)"'
}
# acct_agree USER: the master's account of USER is on both nodes.
acct_agree() {
	m=$(m_acct "$1")
	[ -n "$m" ] && [ "$(n_acct "$1" 2)" = "$m" ] &&
	    [ "$(n_acct "$1" 3)" = "$m" ]
}
# n_has NODE KIND NAME: the object is in node NODE's store.
n_has() {
	"$HF" dump -s "$WORK/n$1/state" udata "$2" |
	    jq -r --arg n "$3" 'select(.name == $n) | .name'
}
# settled NAME NODE KIND: the master's row of NAME is live and the node
# has the object, or neither has it.
settled() {
	_st=$(uindex_state "$1"); _has=$(n_has "$2" "$3" "$1")
	{ [ "$_st" = live ] && [ -n "$_has" ]; } ||
	    { [ -z "$_st" ] && [ -z "$_has" ]; }
}
# site_aliases: the aliases of a.example.com on web1, space-separated.
site_aliases() {
	"$HF" dump -s "$WORK/n2/state" udata webdomain | jq -r \
	    'select(.name == "a.example.com") | .aliases |
	    if type == "array" then join(" ") else . end'
}
# alias_settled NAME: NAME is a live row and an alias on web1, or neither.
alias_settled() {
	_st=$(uindex_state "$1")
	case " $(site_aliases) " in
	*" $1 "*) [ "$_st" = live ] ;;
	*) [ -z "$_st" ] ;;
	esac
}

# kill_at WHO STEP COMMAND...: runs COMMAND in the background; WHO (master,
# or nodes: whichever node gets there) stops at STEP and is killed there
# (SIGKILL) and started again.
kill_at() {
	_who=$1; _step=$2; shift 2
	echo "$_step" >"$HOSTFLEET_TEST_STOP_FILE"
	("$@" >"$WORK/kill_at.out" 2>&1) &
	_cp=$!
	_hit=""
	_end=$(( $(date +%s) + 30 ))
	while [ -z "$_hit" ] && [ "$(date +%s)" -lt $_end ]; do
		for _p in $([ "$_who" = master ] && echo master || echo n2 n3); do
			if grep -q "test point $_step reached" "$WORK/$_p.err"; then
				_hit=$_p
			fi
		done
		sleep 0.1  # poll interval
	done
	rm -f "$HOSTFLEET_TEST_STOP_FILE"
	if [ -z "$_hit" ]; then
		fail "$_who never reached $_step"
		wait "$_cp" 2>/dev/null
		return 1
	fi
	ok
	kill -9 "$(pid_of "$_hit")"
	wait "$(pid_of "$_hit")" 2>/dev/null
	wait "$_cp" 2>/dev/null
	if [ "$_hit" = master ]; then
		start_master
	else
		start_node "${_hit#n}"
		wait_for "$_hit ready again" 30 node_is "${_hit#n}" ready
	fi
}

# ---- a password change and a suspend at once ----

for k in 1 2 3 4; do
	(api user.edit sok=ok elid=alice passwd=alice-new-$k >"$WORK/pw") &
	p1=$!
	(api user.suspend elid=alice >"$WORK/su") &
	p2=$!
	wait $p1; wait $p2
	is_ok "round $k: the password changed" "$(cat "$WORK/pw")"
	is_ok "round $k: suspended" "$(cat "$WORK/su")"
	assert_eq "round $k: the suspend survived the password change" \
	    "false Alice A" "$(m_acct alice)"
	wait_for "round $k: the nodes agree" 20 acct_agree alice
	is_ok "round $k: resumed" "$(api user.resume elid=alice)"
	out=$(capi -G "$MURL/ispmgr" --data-urlencode func=whoami \
	    --data-urlencode "authinfo=alice:alice-new-$k" -d out=JSONdata)
	assert_eq "round $k: the password survived the suspend" none \
	    "$(jf "$out" '.error.type // "none"')"
done

# ---- the account: suspend, resume, full name; each step killed ----

k=0
for who_step in master:account-push master:account-pushed \
    nodes:account-applied; do
	who=${who_step%%:*}; step=${who_step#*:}
	k=$((k + 1))
	api user.resume elid=alice >/dev/null
	kill_at "$who" "$step" api user.suspend elid=alice
	wait_for "suspend, $who killed at $step: master and nodes agree" 40 \
	    acct_agree alice
	api user.suspend elid=alice >/dev/null
	kill_at "$who" "$step" api user.resume elid=alice
	wait_for "resume, $who killed at $step: master and nodes agree" 40 \
	    acct_agree alice
	kill_at "$who" "$step" api user.edit sok=ok elid=alice \
	    fullname="Alice $k"
	wait_for "full name, $who killed at $step: master and nodes agree" 40 \
	    acct_agree alice
done
is_ok "alice resumed" "$(api user.resume elid=alice)"
assert_eq "a change answered ok is everywhere" "true Alice 9" \
    "$(api user.edit sok=ok elid=alice fullname="Alice 9" >/dev/null; m_acct alice)"
wait_for "the nodes have it" 20 acct_agree alice

# ---- a delete, each step killed ----

k=0
for who_step in master:ud-delete-push master:ud-delete-pushed \
    nodes:ud-installed; do
	who=${who_step%%:*}; step=${who_step#*:}
	k=$((k + 1))
	is_ok "zone d$k" "$(ua domain.edit sok=ok name=d$k.example.org ip=192.0.2.5)"
	kill_at "$who" "$step" ua domain.delete elid=d$k.example.org
	wait_for "delete, $who killed at $step: master and node agree" 40 \
	    settled d$k.example.org 3 zone
done
# the node did it, the master was killed before it heard: the name is free
check "a delete the node did frees the name" [ -z "$(uindex_state d2.example.org)" ]
is_ok "bob may take it" "$(api user.edit sok=ok name=bob passwd=bob-pass-12 >/dev/null;
    call_as bob domain.edit sok=ok name=d2.example.org ip=192.0.2.6)"

# ---- an alias dropped, each step killed ----

k=0
for who_step in master:alias-push master:alias-pushed nodes:ud-installed; do
	who=${who_step%%:*}; step=${who_step#*:}
	k=$((k + 1))
	is_ok "alias al$k" "$(ua webdomain.edit sok=ok elid=a.example.com \
	    aliases=al$k.example.com)"
	kill_at "$who" "$step" ua webdomain.edit sok=ok elid=a.example.com aliases=
	wait_for "alias dropped, $who killed at $step: master and node agree" \
	    40 alias_settled al$k.example.com
done
check "an alias the node dropped is free" [ -z "$(uindex_state al2.example.com)" ]

# ---- a user deleted, each step killed ----

# user_settled USER: gone from the master and from every node, or on the
# master with their account on every node that holds their data
user_settled() {
	if [ -z "$(m_acct "$1")" ]; then
		[ -z "$(n_acct "$1" 2)" ] && [ -z "$(n_acct "$1" 3)" ] &&
		    [ -z "$(n_has 2 webdomain "$1.example.com")" ] &&
		    [ -z "$(n_has 3 zone "$1.example.org")" ] &&
		    [ -z "$(uindex_state "$1.example.com")" ] &&
		    [ -z "$(uindex_state "$1.example.org")" ]
	else
		acct_agree "$1" && settled "$1.example.com" 2 webdomain &&
		    settled "$1.example.org" 3 zone
	fi
}
k=0
for who_step in master:user-delete-push master:user-delete-pushed \
    nodes:ud-installed; do
	who=${who_step%%:*}; step=${who_step#*:}
	k=$((k + 1))
	u=carol$k
	api user.edit sok=ok name=$u passwd=carol-pass-1 >/dev/null
	is_ok "$u's site" "$(call_as $u webdomain.edit sok=ok name=$u.example.com)"
	is_ok "$u's zone" "$(call_as $u domain.edit sok=ok name=$u.example.org ip=192.0.2.7)"
	kill_at "$who" "$step" api user.delete elid=$u
	wait_for "user delete, $who killed at $step: master and nodes agree" \
	    40 user_settled $u
done

# ---- a COMMIT that fails ----

# on the node: the create is answered as an error, and nothing is left
echo "insert udata" >"$HOSTFLEET_TEST_FAIL_COMMIT"
out=$(ua domain.edit sok=ok name=cfail.example.org ip=192.0.2.8)
assert_eq "a create whose node store did not commit fails" internal \
    "$(jf "$out" '.error.type // "no error"')"
assert_match "saying so" 'node store' "$(jf "$out" .error.msg)"
check "the failure was injected" [ ! -f "$HOSTFLEET_TEST_FAIL_COMMIT" ]
kill -9 "$(pid_of n3)"; wait "$(pid_of n3)" 2>/dev/null
start_node 3
wait_for "dns1 ready again" 30 node_is 3 ready
wait_for "master and node agree on it" 30 settled cfail.example.org 3 zone

# on the master: the node made it, the master could not record it
echo "update uindex" >"$HOSTFLEET_TEST_FAIL_COMMIT"
out=$(ua domain.edit sok=ok name=mfail.example.org ip=192.0.2.9)
is_err "a create the master could not record fails" internal "$out"
assert_match "naming the node and the service" 'dns1.*dns|dns.*dns1' \
    "$(jf "$out" .error.msg)"
check "the failure was injected" [ ! -f "$HOSTFLEET_TEST_FAIL_COMMIT" ]
wait_for "master and node agree on it" 30 settled mfail.example.org 3 zone
out=$(ua domain.edit sok=ok name=mfail.example.org ip=192.0.2.9)
is_ok "created again" "$out"
check "and there" settled mfail.example.org 3 zone
check "live" [ "$(uindex_state mfail.example.org)" = live ]
