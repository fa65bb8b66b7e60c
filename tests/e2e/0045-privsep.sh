#!/bin/sh
# Privilege separation (STYLE.md "Processes and privilege"): the node
# agent's network process runs as its own unprivileged user, in an empty
# chroot, with no_new_privs and a seccomp filter, holding no file; it
# cannot run a program; the privileged parent refuses every message
# outside the grammar and serves on; each process goes when the other
# does.  The master runs as its own user, not root.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	fail "needs root: the processes give root up"; exit 1
fi

# status_field PID FIELD: a line of /proc/PID/status, without its name.
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' '  '; }
# net_pid INDEX: the network process node INDEX logged at start.
net_pid() {
	sed -n 's/.*listening on .*, network process \([0-9][0-9]*\)$/\1/p' \
	    "$WORK/n$1.err" | tail -1
}
has_net_pid() { [ -n "$(net_pid "$1")" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
stats() {
	curl -sS --cacert "$MSTATE/ca.pem" --cert "$MSTATE/master.pem" \
	    --key "$MSTATE/master.key" "$@"
}

start_master
fast_policy 200 2 2000

# ---- the master ----
mp=$(pid_of master)
hu=$(id -u hostfleet)
check "the system user hostfleet exists" [ -n "$hu" ]
assert_eq "the master's uids (real, effective, saved, fs) are hostfleet's" \
    "$hu $hu $hu $hu" "$(status_field "$mp" Uid)"
assert_nomatch "the master has no supplementary group" '[0-9]' \
    "$(status_field "$mp" Groups)"
assert_eq "its state dir is hostfleet's" hostfleet "$(stat -c %U "$MSTATE")"
assert_eq "and its database" hostfleet "$(stat -c %U "$MSTATE/master.db")"

# ---- the node: n2 also puts messages outside the grammar to its parent
export HOSTFLEET_TEST_PRIVSEP=1
add_node_ns 2 n2 web
unset HOSTFLEET_TEST_PRIVSEP
add_node_ns 3 n3 dns
wait_for "n2 ready" 30 node_is 2 ready
wait_for "n3 ready" 30 node_is 3 ready
wait_for "n2 names its network process" 10 has_net_pid 2
np=$(net_pid 2)
p2=$(pid_of n2)
nu=$(id -u hostfleet-net)

assert_eq "the network process is the agent's child" "$p2" \
    "$(status_field "$np" PPid)"
assert_eq "the agent itself stays root" "0 0 0 0" "$(status_field "$p2" Uid)"
assert_nomatch "the network process's uid is not 0" '(^| )0( |$)' \
    "$(status_field "$np" Uid)"
assert_eq "it is hostfleet-net in all four uids" "$nu $nu $nu $nu" \
    "$(status_field "$np" Uid)"
assert_nomatch "nor its gid" '(^| )0( |$)' "$(status_field "$np" Gid)"
assert_nomatch "no supplementary group" '[0-9]' "$(status_field "$np" Groups)"
assert_eq "no_new_privs set" 1 "$(status_field "$np" NoNewPrivs)"
assert_eq "a seccomp filter loaded" 2 "$(status_field "$np" Seccomp)"
assert_eq "no capability left" 0000000000000000 "$(status_field "$np" CapEff)"
assert_eq "its root is the empty directory" "$WORK/n2/state/empty" \
    "$(readlink "/proc/$np/root")"
assert_eq "which is empty" "" "$(ls -A "$WORK/n2/state/empty")"
assert_eq "its working directory is that root" "$WORK/n2/state/empty" \
    "$(readlink "/proc/$np/cwd")"
assert_eq "its stdin and stdout are /dev/null" "/dev/null /dev/null" \
    "$(readlink "/proc/$np/fd/0") $(readlink "/proc/$np/fd/1")"
assert_eq "its stderr is the agent's log" "$WORK/n2.err" \
    "$(readlink "/proc/$np/fd/2")"
# beyond its standard streams it holds sockets only (the channel, the
# listening one, the master's connections) and libmicrohttpd's eventfd: no
# file, not the store
others=""
for f in /proc/"$np"/fd/*; do
	n=${f##*/}
	[ "$n" -le 2 ] && continue
	case "$(readlink "$f")" in socket:*|'anon_inode:[eventfd]') ;; *) others="$others $(readlink "$f")" ;; esac
done
assert_eq "the network process holds no file" "" "$others"
check "while the parent holds the store" sh -c \
    "ls -l /proc/$p2/fd | grep -q 'n2/state/node.db'"
assert_match "it cannot run a program" \
    'privsep test: execv "/bin/true": Operation not permitted' \
    "$(cat "$WORK/n2.err")"

# ---- messages outside the grammar are refused, each logged ----
refusals() { grep -c 'privsep: refused message' "$WORK/n2.err"; }
four_refused() { [ "$(refusals)" -ge 4 ]; }
wait_for "the parent refused the test messages" 10 four_refused
log=$(cat "$WORK/n2.err")
assert_match "a type outside the grammar" 'refused message [0-9]+ from the network process: unknown message type 99' "$log"
assert_match "a call outside the grammar" 'refused message [0-9]+ from the network process: unknown call 77' "$log"
assert_match "a body that is not JSON" 'refused message [0-9]+ from the network process: call /v1/sync/: the body is not a JSON object' "$log"
assert_match "roles that are not canonical" 'refused message [0-9]+ from the network process: call /v1/stats: malformed roles or peer' "$log"
for i in 0 1 2 3; do
	assert_match "message $i answered 400" "privsep test: message $i answered 400" "$log"
done

# the master's own requests: a body that is not JSON is refused by the
# parent too, not only by the handler
code=$(stats -o "$WORK/o1" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary 'not json' "https://$NET.2:1501/v1/sync/firewall")
assert_eq "a body that is not JSON: 400" 400 "$code"
assert_match "said by the privileged process" 'refused by the node.s privileged process' "$(cat "$WORK/o1")"
code=$(stats -o /dev/null -w '%{http_code}' -X DELETE "https://$NET.2:1501/v1/stats")
assert_eq "a method the call does not take: 405" 405 "$code"
code=$(stats -o /dev/null -w '%{http_code}' "https://$NET.2:1501/v1/sys/nosuch")
assert_eq "a path the protocol does not have: 404" 404 "$code"

# and the agent serves on, with the same network process
assert_match "stats still answered" '"machine_id"' "$(stats "https://$NET.2:1501/v1/stats")"
check "the network process is still the same" kill -0 "$np"
out=$(api firewall.edit sok=ok action=allow proto=tcp port=8080 src=192.0.2.0/24)
assert_eq "a change is applied by both nodes (all targets acknowledged)" "" "$(jf "$out" .ok)"

# ---- each process goes with the other ----
# the network process killed: the agent stops rather than serve deaf
kill -9 "$np"
wait_for "the agent stops when its network process is gone" 10 gone "$p2"
wait "$p2"
assert_eq "with a failure status" 1 "$?"
assert_match "and says why" 'privsep: the network process is gone' "$(cat "$WORK/n2.err")"
# the agent killed: its network process dies with it
np3=$(net_pid 3)
check "n3's network process is there" kill -0 "$np3"
kill -9 "$(pid_of n3)"
wait_for "the network process goes with its agent" 10 gone "$np3"
# both come back
start_node_ns 2
start_node_ns 3
wait_for "n2 ready after a restart" 30 node_is 2 ready
wait_for "n3 ready after a restart" 30 node_is 3 ready
