# lib.sh - the harness of the end-to-end tests: real master and node agent
# processes on 127.N.0.x, each with its own state dir and host root.
#
# A test is tests/e2e/NNNN-name.sh; it sources this file, which gives it a
# work dir, its own /24 of loopback addresses (127.<NNNN mod 250>.0.0/24, so
# tests can run side by side), helpers to start and stop processes, to call
# the API and to wait for conditions with a bound.  At exit every process
# is stopped and every daemon's stderr is scanned for sanitizer reports.

set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HF=${HF:-$TOP/build/asan/hostfleet}
TNAME=$(basename "$0" .sh)
TNUM=$(echo "$TNAME" | sed 's/^0*\([0-9][0-9]*\)-.*/\1/')
# HF_NET_OFFSET moves a run's addresses and namespaces elsewhere, so that
# two checkouts can run the same test at once.
TNUM=$(( TNUM + ${HF_NET_OFFSET:-0} ))
NET="127.$(( (TNUM % 250) + 1 )).0"
WORK=$(mktemp -d "/tmp/hf-$TNAME.XXXXXX")
# the nodes' services run as their own users (www-data, bind, postfix,
# dovecot): they must reach the host roots
chmod 755 "$WORK"
PIDS=""
LO_ADDRS=""
FAILED=0
CHECKS=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

say() { printf '%s: %s\n' "$TNAME" "$*"; }
fail() { say "FAIL: $*"; FAILED=$((FAILED + 1)); }
ok() { CHECKS=$((CHECKS + 1)); }

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	d=$1; shift
	if "$@"; then ok; else fail "$d"; fi
}

# assert_eq DESCRIPTION EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then ok; else fail "$1: expected [$2], got [$3]"; fi
}

# assert_match DESCRIPTION REGEX STRING
assert_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok
	else fail "$1: [$3] does not match /$2/"; fi
}

assert_nomatch() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then fail "$1: [$3] matches /$2/"
	else ok; fi
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls every 0.1 s.
wait_for() {
	d=$1; t=$2; shift 2
	end=$(( $(date +%s%N) / 1000000 + t * 1000 ))
	while [ $(( $(date +%s%N) / 1000000 )) -lt $end ]; do
		if "$@" >/dev/null 2>&1; then ok; return 0; fi
		sleep 0.1  # poll interval
	done
	fail "timed out after ${t}s waiting for: $d"
	return 1
}

# bg NAME COMMAND...: starts a daemon with its stderr in $WORK/NAME.err.
bg() {
	n=$1; shift
	"$@" >"$WORK/$n.out" 2>"$WORK/$n.err" &
	eval "PID_$n=$!"
	PIDS="$PIDS $!"
}

pid_of() { eval "echo \${PID_$1:-}"; }

# start_master [extra master flags]: MSTATE, MURL, ADMINPW are set.  With
# NODE_CERT_LIFETIME set, the nodes' certificates live that many seconds.
MPORT=1500
# UIDMIN: the first UID of this run's users, a range of 1000 of its own
# (a node kills a deleted account's processes by UID: runs at once on one
# machine must not share UIDs)
UIDMIN=$(( 20000 + TNUM * 1000 ))

start_master() {
	MSTATE=$WORK/master
	mkdir -p "$MSTATE"
	ADMINPW=${ADMINPW:-adminpass-$$}
	_life=
	[ -z "${NODE_CERT_LIFETIME:-}" ] ||
	    _life="\"node_cert_lifetime_s\": $NODE_CERT_LIFETIME,"
	cat >"$WORK/master.json" <<JSON
{ "state_dir": "$MSTATE", "listen": "$NET.1", "port": $MPORT, $_life
  "admin_password": "$ADMINPW", "session_idle_s": ${SESSION_IDLE:-3600},
  "uid_min": $UIDMIN }
JSON
	bg master "$HF" master -c "$WORK/master.json" "$@"
	wait_for "master API" 30 "$HF" call -s "$MSTATE" whoami || exit 1
	MURL=$(cat "$MSTATE/api.url")
}

stop_master() {
	p=$(pid_of master); kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
}

# api FUNC [k=v...]: the API as admin through `hostfleet call`, JSONdata.
api() { "$HF" call -s "$MSTATE" -o JSONdata "$@"; }

# capi [curl args] QUERY: the API with curl, trusting the cluster CA.
capi() { curl -sS --cacert "$MSTATE/ca.pem" "$@"; }

# jf JSON FILTER: one field with jq, raw.
jf() { printf '%s' "$1" | jq -r "$2"; }

# add_node INDEX NAME ROLES [extra k=v]: registers node INDEX at $NET.INDEX
# and starts its agent with the join token.
add_node() {
	i=$1; name=$2; roles=$3; shift 3
	out=$(api cluster.node.edit sok=ok name="$name" addr="$NET.$i" \
	    roles="$roles" "$@")
	tok=$(jf "$out" .token)
	id=$(jf "$out" .id)
	if [ -z "$tok" ] || [ "$tok" = null ]; then
		fail "add node $name: $out"; return 1
	fi
	eval "NODEID_$i=$id"
	start_node "$i" -j "$MURL" "$tok"
}

# start_node INDEX [extra flags]: (re)starts the agent of node INDEX, with
# $NODE_FLAGS too when the test sets it, and under $NODE_WRAP (a command
# and its arguments, such as faketime) when that is set.
start_node() {
	i=$1; shift
	mkdir -p "$WORK/n$i/state" "$WORK/n$i/root"
	# the node's address on an interface, as on a real machine: named
	# listens only on addresses that interfaces have
	if ! ip -4 addr show dev lo | grep -q "inet $NET.$i/32"; then
		ip addr add "$NET.$i/32" dev lo 2>/dev/null &&
		    LO_ADDRS="$LO_ADDRS $NET.$i"
	fi
	# shellcheck disable=SC2086 # NODE_FLAGS and NODE_WRAP are lists of words
	bg "n$i" ${NODE_WRAP:-} "$HF" node -s "$WORK/n$i/state" -a "$NET.$i" \
	    -r "$WORK/n$i/root" --services-addr "$NET.$i" ${NODE_FLAGS:-} "$@"
}

# stop_services: every daemon a node started under its host root (they
# outlive their node agent, as on a real machine).
stop_services() {
	pidfiles=$(find "$WORK" \( -name '*.pid' -path '*/run/*' \) -o \
	    \( -name master.pid -path '*/spool/postfix/pid/*' \) 2>/dev/null)
	[ -n "$pidfiles" ] || return 0
	# only a service's own process: a pid file left behind (Postfix
	# keeps its own) may name a pid given since to another process
	live=""
	for f in $pidfiles; do
		p=$(tr -d ' \n' <"$f" 2>/dev/null)
		[ -n "$p" ] || continue
		case "$(cat "/proc/$p/comm" 2>/dev/null)" in
		nginx|php-fpm*|named|master|dovecot)
			kill "$p" 2>/dev/null && live="$live $p" ;;
		esac
	done
	# bounded: each had 5 s to go
	n=0
	while [ $n -lt 50 ]; do
		left=0
		for p in $live; do
			kill -0 "$p" 2>/dev/null && left=1
		done
		[ $left = 0 ] && break
		sleep 0.1; n=$((n + 1))
	done
}

stop_node() {
	p=$(pid_of "n$1"); kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}

# node_down INDEX: stops node INDEX and waits until the master has seen it
# down, so that a later "ready" is the restarted node's and not a stale one.
node_down() {
	stop_node "$1"
	wait_for "n$1 seen down" 20 node_is "$1" unavailable
}

# node_field INDEX FIELD: a field of node INDEX in cluster.node.
node_field() {
	api cluster.node | jq -r --arg a "$NET.$1" \
	    ".elem[] | select(.addr == \$a) | .$2"
}

node_is() { [ "$(node_field "$1" status)" = "$2" ]; }

# fast_policy: poll often so that status changes show quickly.
fast_policy() {
	api cluster.policy sok=ok heartbeat_interval_ms=${1:-200} \
	    heartbeat_misses=${2:-2} node_timeout_ms=${3:-400} >/dev/null
}

sanitizer_scan() {
	for f in "$WORK"/*.err; do
		[ -f "$f" ] || continue
		if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$f"; then
			fail "sanitizer report in $(basename "$f"):"
			grep -E -A30 'ERROR: |runtime error:' "$f" | head -60
		fi
	done
}

# at_exit COMMAND: COMMAND (evaluated) at exit, first thing in teardown,
# before the processes are stopped: for harnesses such as box.sh.
EXIT_HOOKS=""
at_exit() { EXIT_HOOKS="$EXIT_HOOKS$1;"; }

teardown() {
	eval "$EXIT_HOOKS"
	for p in $PIDS; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	for p in $PIDS; do
		# bounded: a daemon that does not stop within 10 s is killed
		n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 100 ]; do
			sleep 0.1; n=$((n + 1))
		done
		if kill -0 "$p" 2>/dev/null; then
			fail "process $p did not stop on SIGTERM"
			kill -9 "$p" 2>/dev/null
		fi
		wait "$p" 2>/dev/null
	done
	stop_services
	for ad in $LO_ADDRS; do ip addr del "$ad/32" dev lo 2>/dev/null; done
	sanitizer_scan
	if [ "$FAILED" -eq 0 ]; then
		say "ok ($CHECKS checks)"
		[ -n "${KEEP:-}" ] || rm -rf "$WORK"
		exit 0
	fi
	say "FAILED ($FAILED of $((CHECKS + FAILED)) checks); logs in $WORK"
	for f in "$WORK"/*.err; do
		[ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }
	done
	exit 1
}
trap teardown EXIT

# browser_checks LOG RC: counts the checks a browser run
# (tests/browser/*.mjs) printed in LOG, "ok ..." and "FAIL ...", RC its
# exit status.  When it failed, the last 20 of its other lines (where each
# flow was, with times, a stack, the pages it had open) are said first,
# so that the tail of a CI log shows them with the failures after them.
browser_checks() {
	if [ "$2" -ne 0 ]; then
		grep -v '^ok \|^FAIL ' "$1" | tail -20 | while IFS= read -r line; do
			say "browser: $line"
		done
	fi
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok ;;
		"FAIL "*) fail "${line#FAIL }" ;;
		esac
	done <"$1"
	if [ "$2" -ne 0 ] && ! grep -q '^FAIL ' "$1"; then
		fail "the browser stopped (exit $2)"
	fi
	say "browser: $(grep -c '^ok ' "$1") checks passed ($1)"
}

# ---- calls as users, and their answers ----

# NL: a newline, for values that must hold one.
NL='
'

# user_via USER su | session ID | authinfo PASSWORD: how call_as reaches
# USER: su=USER through `hostfleet call` (the default), or as real clients
# do, over HTTPS: a session (auth=ID in a POST form body), or one-shot
# authinfo=USER:PASSWORD in a GET query string.
user_via() { eval "VIA_$1=\$2 VIA_ARG_$1=\${3:-}"; }

# call_as WHO FUNC [k=v...]: the API as WHO (admin, or a user's name), in
# JSONdata.
call_as() {
	_who=$1; _f=$2; shift 2
	if [ "$_who" = admin ]; then api "$_f" "$@"; return; fi
	eval "_via=\${VIA_$_who:-su} _arg=\${VIA_ARG_$_who:-}"
	if [ "$_via" = su ]; then
		"$HF" call -s "$MSTATE" -o JSONdata "$_f" "$@" su="$_who"
		return
	fi
	_n=$#
	for _kv; do set -- "$@" --data-urlencode "$_kv"; done
	shift "$_n"
	if [ "$_via" = session ]; then
		capi "$MURL/ispmgr" --data-urlencode "func=$_f" \
		    --data-urlencode "auth=$_arg" -d out=JSONdata "$@"
	else
		capi -G "$MURL/ispmgr" --data-urlencode "func=$_f" \
		    --data-urlencode "authinfo=$_who:$_arg" -d out=JSONdata "$@"
	fi
}
ua() { call_as alice "$@"; }
ub() { call_as bob "$@"; }

# is_ok DESCRIPTION ANSWER: a success ({"ok":""}).
is_ok() { assert_eq "$1" "" "$(jf "$2" 'if .error then .error.type + ": " + .error.msg else .ok end')"; }
# is_err DESCRIPTION TYPE ANSWER: an error of TYPE.
is_err() { assert_eq "$1" "$2" "$(jf "$3" '.error.type // "no error"')"; }
# is_list DESCRIPTION ANSWER: a list.
is_list() { assert_eq "$1" array "$(jf "$2" '.elem | type')"; }
# names ANSWER: the names of a list, joined by spaces.
names() { jf "$1" '[.elem[].name] | join(" ")'; }

# hide ANSWER NAME: the answer with NAME replaced, to compare two answers.
hide() {
	printf '%s' "$1" | jq -c --arg n "$2" 'tostring | split($n) | join("<NAME>")'
}
# same_refusal DESCRIPTION ANSWER1 NAME1 ANSWER2 NAME2: both are "access"
# errors, and the same answer but for the name: a refusal of another's
# object does not tell whether it exists.
same_refusal() {
	assert_eq "$1: refused (existing)" access "$(jf "$2" .error.type)"
	assert_eq "$1: refused (absent)" access "$(jf "$4" .error.type)"
	assert_eq "$1: the refusal does not tell whether it exists" \
	    "$(hide "$4" "$5")" "$(hide "$2" "$3")"
}

# http_code NODE HOST [PATH]: the HTTP status of http://NODE's address/PATH
# for Host: HOST, 000 when nothing answered.
http_code() {
	curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "Host: $2" \
	    "http://$NET.$1/${3:-}"
}
# http_body NODE HOST [PATH]: the body of that answer.
http_body() { curl -s --max-time 10 -H "Host: $2" "http://$NET.$1/${3:-}"; }
# dig_at NODE NAME [TYPE]: dig +short at NODE's address.
dig_at() { _d=$1; shift; dig +short +time=2 +tries=1 @"$NET.$_d" "$@"; }

# ---- case files ----

# subst STRING FROM TO: STRING with every FROM replaced by TO.
subst() {
	_s=$1; _r=
	while [ -n "$2" ]; do
		case $_s in
		*"$2"*) _r=$_r${_s%%"$2"*}$3; _s=${_s#*"$2"} ;;
		*) break ;;
		esac
	done
	printf '%s' "$_r$_s"
}

# Case files: tests/e2e/cases/NNNN-name.cases, one API request a line and
# what its answer must be, run in order by run_cases:
#
#   WHO FUNC [PARAM=VALUE...] => EXPECTATION [=> EXPECTATION...]
#   => EXPECTATION            one more of the request above (same answer)
#   [SECTION]                 starts a section: run_cases FILE SECTION
#   # comment                 (and blank lines) skipped
#
# WHO is admin or a user's name, called with call_as.  The request and
# each expectation are read as sh words: the test's variables ($A) are
# expanded, a value with spaces or any of | & ; < > ( ) is quoted.  An
# expectation is one of
#   ok                        success
#   error TYPE                an error of TYPE (access, missing, value ...)
#   list                      a list (its elem is an array)
#   names [LIST]              the names of the list, joined by spaces
#   JQ = VALUE                `jq -r JQ` of the answer is VALUE
#   JQ =~ REGEX, JQ !~ REGEX  ... matches REGEX, does not match it
#   same refusal with X as Y  the request again with X replaced by Y in
#                             its parameters: both are "access" errors, the
#                             same but for X and Y (three checks)
#   same answer with X as Y   the same but for X and Y
# Each is a check, named by FILE:LINE, the request and the expectation.

# run_cases FILE [SECTION]: the cases of FILE, or of its SECTION.
run_cases() {
	_cf=$1; _cwant=${2:-}; _csec=; _cln=0; _creq=; _cout=; _cany=
	if [ ! -f "$TOP/tests/e2e/cases/$_cf" ]; then
		fail "no case file tests/e2e/cases/$_cf"; return 1
	fi
	while IFS= read -r _cline || [ -n "$_cline" ]; do
		_cln=$((_cln + 1))
		_cline=${_cline#"${_cline%%[![:space:]]*}"}
		case $_cline in
		''|'#'*) continue ;;
		'['*']') _csec=${_cline#?}; _csec=${_csec%?}; continue ;;
		esac
		[ -z "$_cwant" ] || [ "$_csec" = "$_cwant" ] || continue
		_cany=1
		case $_cline in
		'=> '*)
			_cexp=${_cline#'=> '}
			if [ -z "$_creq" ]; then
				fail "$_cf:$_cln: no request before \"=>\""; continue
			fi ;;
		*' => '*)
			_creq=${_cline%%' => '*}
			_cexp=${_cline#*' => '}
			eval "set -- $_creq"
			_cout=$(call_as "$@" </dev/null) ;;
		*)
			fail "$_cf:$_cln: no \" => \" in [$_cline]"; continue ;;
		esac
		while :; do
			_ce=${_cexp%%' => '*}
			case_expect "$_cf:$_cln: $_creq => $_ce" "$_ce"
			[ "$_ce" = "$_cexp" ] && break
			_cexp=${_cexp#*' => '}
		done
	done <"$TOP/tests/e2e/cases/$_cf"
	[ -n "$_cany" ] || fail "$_cf: no cases${_cwant:+ in [$_cwant]}"
}

# case_expect NAME EXPECTATION: one expectation of run_cases on the answer
# $_cout to the request $_creq.
case_expect() {
	_cn=$1
	eval "set -- $2"
	case $1 in
	ok) is_ok "$_cn" "$_cout" ;;
	error) is_err "$_cn" "${2-}" "$_cout" ;;
	list) is_list "$_cn" "$_cout" ;;
	names) assert_eq "$_cn" "${2-}" "$(names "$_cout")" ;;
	same)
		if [ $# -ne 6 ] || [ "$3" != with ] || [ "$5" != as ]; then
			fail "$_cn: not \"same refusal|answer with X as Y\""
			return
		fi
		_cother=$(case_again "$4" "$6")
		case $2 in
		refusal) same_refusal "$_cn" "$_cout" "$4" "$_cother" "$6" ;;
		answer) assert_eq "$_cn" "$(hide "$_cother" "$6")" \
		    "$(hide "$_cout" "$4")" ;;
		*) fail "$_cn: not \"same refusal|answer with X as Y\"" ;;
		esac ;;
	*)
		case ${2-} in
		=) assert_eq "$_cn" "${3-}" "$(jf "$_cout" "$1")" ;;
		=~) assert_match "$_cn" "${3-}" "$(jf "$_cout" "$1")" ;;
		'!~') assert_nomatch "$_cn" "${3-}" "$(jf "$_cout" "$1")" ;;
		*) fail "$_cn: unknown expectation" ;;
		esac ;;
	esac
}

# case_again FROM TO: the answer to the request $_creq with FROM replaced
# by TO in its parameters.
case_again() {
	_cfrom=$1; _cto=$2
	eval "set -- $_creq"
	_cw=$1; _cfn=$2; shift 2
	_cn2=$#
	for _ca; do set -- "$@" "$(subst "$_ca" "$_cfrom" "$_cto")"; done
	shift "$_cn2"
	call_as "$_cw" "$_cfn" "$@" </dev/null
}

# ---- the master's store, read through `hostfleet dump` ----

# master_dump WHAT: `hostfleet dump` of the master's store (nodes, uindex,
# intents), one JSON object a line.
master_dump() { "$HF" dump -s "$MSTATE" "$@"; }
# uindex_state NAME: the state (pending, live) of NAME's row in the
# master's user-data index, nothing when it has none.
uindex_state() {
	master_dump uindex | jq -r --arg n "$1" 'select(.name == $n) | .state'
}

# ---- system data ----

# Each node gets its own network namespace for nft, removed at teardown.
NETNS_LIST=""
netns_of() { echo "hf$TNUM-$1"; }
# start_node_ns INDEX [flags]: start_node with the node's own netns.
start_node_ns() {
	i=$1; shift
	ns=$(netns_of "$i")
	if ! ip netns list | grep -qw "$ns"; then
		ip netns add "$ns" || { fail "ip netns add $ns"; return 1; }
		NETNS_LIST="$NETNS_LIST $ns"
	fi
	start_node "$i" --netns "$ns" "$@"
}
# add_node_ns INDEX NAME ROLES [k=v]: add_node with the node's own netns.
add_node_ns() {
	i=$1; name=$2; roles=$3; shift 3
	out=$(api cluster.node.edit sok=ok name="$name" addr="$NET.$i" \
	    roles="$roles" "$@")
	tok=$(jf "$out" .token)
	if [ -z "$tok" ] || [ "$tok" = null ]; then
		fail "add node $name: $out"; return 1
	fi
	eval "NODEID_$i=$(jf "$out" .id)"
	start_node_ns "$i" -j "$MURL" "$tok"
}

# The node's applied items of a type, from its own store, normalised.
node_items() {
	"$HF" dump -s "$WORK/n$1/state" items "$2" 2>/dev/null |
	    jq -s -c 'map(.id |= tostring) | sort_by(.id | tonumber)'
}
# The master's items of a type, from the API, normalised the same way.
master_items() {
	api "$1" | jq -c '.elem | sort_by(.id | tonumber)'
}
# The hostfleet rules in the node's live ruleset: "hf-ID" comments, sorted.
live_rule_ids() {
	ip netns exec "$(netns_of "$1")" nft list table inet hostfleet 2>/dev/null |
	    sed -n 's/.*comment "hf-\([0-9]*\).*/\1/p' | sort -n | tr '\n' ' '
}
master_rule_ids() {
	api firewall | jq -r '.elem[].id' | sort -n | tr '\n' ' '
}

# same_state INDEX TYPE: the node holds exactly the master's items, and for
# the firewall its live ruleset has exactly the master's rules.
same_state() {
	[ "$(node_items "$1" "$2")" = "$(master_items "$2")" ] || return 1
	if [ "$2" = firewall ]; then
		[ "$(live_rule_ids "$1")" = "$(master_rule_ids)" ] || return 1
	fi
	return 0
}

# converged TYPE INDEX...: every listed node has the master's state.
converged() {
	t=$1; shift
	for i in "$@"; do same_state "$i" "$t" || return 1; done
	return 0
}

# assert_converged TYPE SECONDS INDEX...: waits, then shows what differs.
assert_converged() {
	t=$1; s=$2; shift 2
	if ! wait_for "$t converged on nodes $*" "$s" converged "$t" "$@"; then
		say "master $t: $(master_items "$t")"
		for i in "$@"; do
			say "node $i $t: $(node_items "$i" "$t") live: $(live_rule_ids "$i")"
		done
	fi
}

desync_count() { api cluster.desync | jq '.elem | length'; }
no_desync() { [ "$(desync_count)" = 0 ]; }

teardown_netns() {
	for ns in $NETNS_LIST; do ip netns del "$ns" 2>/dev/null; done
}
trap 'teardown_netns; teardown' EXIT

# ---- live system data ----

# LIVE_MAX: the longest any helper process below lives, in seconds, so a
# test killed without its teardown leaves nothing running for long.
LIVE_MAX=${LIVE_MAX:-300}

# ns_listen NAME NS PORT...: in network namespace NS (lo brought up), a
# listener on 0.0.0.0 for each PORT, over TCP (it writes "hf-live" and
# closes) and UDP (it answers "hf-live" to any datagram); stops by itself
# after LIVE_MAX s, and at teardown.
ns_listen() {
	n=$1; ns=$2; shift 2
	ip netns exec "$ns" ip link set lo up || { fail "lo up in $ns"; return 1; }
	bg "$n" ip netns exec "$ns" python3 -c '
import select, socket, sys, time
end = time.monotonic() + float(sys.argv[1])
tcp, udp = [], []
for p in sys.argv[2:]:
    t = socket.socket()
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("0.0.0.0", int(p)))
    t.listen(64)
    tcp.append(t)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", int(p)))
    udp.append(u)
while time.monotonic() < end:
    r, _, _ = select.select(tcp + udp, [], [], 1)
    for s in r:
        if s in tcp:
            c, _ = s.accept()
            c.sendall(b"hf-live")
            c.close()
        else:
            d, a = s.recvfrom(64)
            s.sendto(b"hf-live", a)
' "$LIVE_MAX" "$@"
}

# ns_probe NS PROTO ADDR PORT [SRC]: from inside NS, one connection (tcp)
# or one datagram and its answer (udp) to ADDR:PORT, from SRC when given;
# prints what happened: "open" (the listener answered), "refused"
# (ECONNREFUSED: a TCP reset or an ICMP port unreachable), "timeout"
# (nothing came back within PROBE_TIMEOUT s, as with a dropped packet) or
# "error ..." for anything else.
PROBE_TIMEOUT=${PROBE_TIMEOUT:-2}
ns_probe() {
	ip netns exec "$1" python3 -c '
import socket, sys
proto, addr, port, t = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
src = sys.argv[5] if len(sys.argv) > 5 else None
s = socket.socket(socket.AF_INET,
    socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.settimeout(t)
try:
    if src:
        s.bind((src, 0))
    s.connect((addr, port))
    if proto == "udp":
        s.send(b"ping")
    d = s.recv(64)
    print("open" if d == b"hf-live" else "error answer %r" % d)
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
except OSError as e:
    print("error %s" % e)
' "$2" "$3" "$4" "$PROBE_TIMEOUT" ${5:+"$5"}
}

# probe_is EXPECTED NS PROTO ADDR PORT [SRC]: ns_probe printed EXPECTED.
probe_is() {
	e=$1; shift
	[ "$(ns_probe "$@")" = "$e" ]
}

# assert_probe DESCRIPTION EXPECTED NS PROTO ADDR PORT [SRC]
assert_probe() {
	d=$1; e=$2; shift 2
	assert_eq "$d" "$e" "$(ns_probe "$@")"
}

# ns_client NAME NODE_NS ADDR/PLEN PEER_ADDR/PLEN...: a namespace NAME
# (removed at teardown) joined to NODE_NS by a veth pair whose ends live
# only in the two namespaces: ADDR on the node's end, every PEER_ADDR on
# the client's.  Nothing is added to the host's own network.
ns_client() {
	c=$1; nns=$2; na=$3; shift 3
	ip netns add "$c" || { fail "ip netns add $c"; return 1; }
	NETNS_LIST="$NETNS_LIST $c"
	ip -n "$nns" link add hfv0 type veth peer name hfv1 netns "$c" &&
	    ip -n "$nns" addr add "$na" dev hfv0 &&
	    ip -n "$nns" link set hfv0 up &&
	    ip -n "$c" link set lo up &&
	    ip -n "$c" link set hfv1 up || { fail "veth $nns - $c"; return 1; }
	for a in "$@"; do
		ip -n "$c" addr add "$a" dev hfv1 || { fail "addr $a in $c"; return 1; }
	done
}

# log_socket NAME SOCKET FILE: a datagram socket SOCKET (mode 0666) such
# as /dev/log is, whose messages land in FILE one a line; its listener
# stops at teardown or after LIVE_MAX s.
log_socket() {
	bg "$1" python3 -c '
import socket, sys, time
end = time.monotonic() + float(sys.argv[1])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[2])
s.settimeout(1)
with open(sys.argv[3], "ab", buffering=0) as f:
    while time.monotonic() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        f.write(d.rstrip(b"\0\n") + b"\n")
' "$LIVE_MAX" "$2" "$3"
	wait_for "$1 socket" 10 test -S "$2" || return 1
	chmod 666 "$2"
}

# start_cron INDEX: a real Debian cron (cron -f -L 15) running node INDEX's
# jobs, in a private mount namespace where the node's ROOT/etc/cron.d is
# /etc/cron.d, /etc/crontab and the users' spool are empty (the host's own
# jobs do not run), /run is its own (pid file, @reboot mark) and /dev/log
# is a socket whose lines land in $WORK/cronINDEX/cron.log.  $WORK/out is,
# for this cron's jobs only, $WORK/cronINDEX/out: one command given to
# every node writes each node's own file.  Both processes stop at teardown
# or after LIVE_MAX s.
start_cron() {
	i=$1; cdir=$WORK/cron$i
	mkdir -p "$cdir/spool" "$cdir/out" "$WORK/out" "$WORK/n$i/root/etc/cron.d"
	: >"$cdir/crontab"
	chmod 644 "$cdir/crontab"
	log_socket "cronlog$i" "$cdir/log.sock" "$cdir/cron.log" || return 1
	bg "cron$i" timeout "$LIVE_MAX" unshare --mount --propagation private \
	    sh -c 'set -e
		mount --bind "$1/etc/cron.d" /etc/cron.d
		mount --bind "$2/crontab" /etc/crontab
		mount --bind "$2/spool" /var/spool/cron/crontabs
		mount --bind "$2/out" "$3"
		mount -t tmpfs -o mode=755 tmpfs /run
		mount -t tmpfs -o mode=755 tmpfs /dev
		mknod -m 666 /dev/null c 1 3
		mknod -m 666 /dev/zero c 1 5
		mknod -m 666 /dev/urandom c 1 9
		ln -s "$2/log.sock" /dev/log
		exec cron -f -L 15' sh "$WORK/n$i/root" "$cdir" "$WORK/out"
	wait_for "cron$i started" 10 grep -q 'pidfile fd' "$cdir/cron.log"
}

# cron_log INDEX: what node INDEX's cron logged.
cron_log() { cat "$WORK/cron$1/cron.log" 2>/dev/null; }

# cron_count INDEX REGEX: lines of node INDEX's cron log that match.
cron_count() { cron_log "$1" | grep -Ec -- "$2"; }

# out_lines INDEX NAME: lines node INDEX's jobs wrote to $WORK/out/NAME.
out_lines() { cat "$WORK/cron$1/out/$2" 2>/dev/null | wc -l; }

# out_last INDEX NAME: the last line written there (0 when none).
out_last() {
	l=$(tail -n 1 "$WORK/cron$1/out/$2" 2>/dev/null)
	echo "${l:-0}"
}
