#!/bin/sh
# Software synchronization through the real dpkg and apt, without the
# internet: tiny packages built with dpkg-deb are published in a local
# file: repository that apt learns of by an update scoped to it.  A
# package added to a role's list is installed by the nodes of the role,
# which are installing meanwhile and ready after; a package whose
# postinst fails puts its node in error with apt's output; a fixed
# version and an administrator's retry make it ready; a role added to a
# node brings that role's packages.  The packages, the sources file and
# its lists are removed at the end, whatever happens.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v dpkg-scanpackages >/dev/null; then
	fail "needs root and dpkg-scanpackages (dpkg-dev)"; exit 1
fi
PKGS="hostfleet-test-a hostfleet-test-b hostfleet-test-c"
REPO=$WORK/repo
SRC=/etc/apt/sources.list.d/hostfleet-test-$TNUM-$$.list
mkdir -p "$REPO"
# apt reads file: repositories as its sandbox user
chmod 755 "$WORK"

apt_cleanup() {
	for i in 2 3; do stop_node "$i" 2>/dev/null; done
	# an install the agents started may still hold dpkg's lock
	apt-get purge -y -q -o DPkg::Lock::Timeout=120 $PKGS >/dev/null 2>&1 ||
		dpkg --purge $PKGS >/dev/null 2>&1
	rm -f "$SRC"
	rm -f /var/lib/apt/lists/*"$(basename "$WORK")"_repo_* 2>/dev/null
	rm -rf /usr/share/hostfleet-test
}
trap 'apt_cleanup; teardown_netns; teardown' EXIT
trap 'exit 1' INT TERM

# mkpkg NAME VERSION [fail]: a package that installs
# /usr/share/hostfleet-test/LETTER; with fail, its postinst exits 1.
mkpkg() {
	d=$WORK/build/$1-$2
	mkdir -p "$d/DEBIAN" "$d/usr/share/hostfleet-test"
	echo "$1 $2" >"$d/usr/share/hostfleet-test/${1#hostfleet-test-}"
	cat >"$d/DEBIAN/control" <<EOF
Package: $1
Version: $2
Architecture: all
Maintainer: hostfleet tests <root@localhost>
Description: hostfleet software synchronization test
 One file, for tests/e2e/0320-software.sh.
EOF
	if [ "${3:-}" = fail ]; then
		printf '#!/bin/sh\necho "hostfleet-test: this postinst fails"\nexit 1\n' \
		    >"$d/DEBIAN/postinst"
		chmod 755 "$d/DEBIAN/postinst"
	fi
	dpkg-deb --build --root-owner-group "$d" "$REPO/${1}_${2}_all.deb" \
	    >/dev/null || fail "dpkg-deb $1 $2"
}

# publish: the repository's index, and apt's lists of it alone.
publish() {
	(cd "$REPO" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null)
	echo "deb [trusted=yes] file:$REPO ./" >"$SRC"
	apt-get update -qq -o Dir::Etc::sourcelist="$SRC" \
	    -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 \
	    >"$WORK/apt-update.out" 2>&1 || {
		fail "scoped apt-get update: $(cat "$WORK/apt-update.out")"
		exit 1
	}
	# a package apt cannot locate would make the node update every list
	for deb in "$REPO"/*.deb; do
		p=$(dpkg-deb -f "$deb" Package)
		apt-cache policy "$p" | grep -q 'Candidate: [0-9]' || {
			fail "apt does not see $p"; exit 1; }
	done
}

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}
sw_state() { api sysinfo_stat elid="$1" | jq -r '.elem[0].software'; }
ready_done() {
	node_is "$1" ready && [ "$(sw_state "$(eval echo \$NODEID_$1)")" = done ]
}

for p in $PKGS; do
	installed "$p" && { fail "$p is installed before the test"; exit 1; }
done

start_master
fast_policy 200 3 3000
NODE_FLAGS=--no-nft
add_node 2 web1 web
add_node 3 dns1 dns
wait_for "n2 ready" 60 node_is 2 ready
wait_for "n3 ready" 60 node_is 3 ready

# the defaults: what tools/deps.sh installs, so nothing was downloaded
out=$(api software)
assert_eq "default list" \
    "*:cron *:nftables dns:bind9 dns:bind9-utils mail:dovecot-core mail:dovecot-imapd mail:dovecot-lmtpd mail:postfix web:nginx-light web:php-fpm" \
    "$(jf "$out" '[.elem[] | "\(if .role == "" then "*" else .role end):\(.package)"] | sort | join(" ")')"
assert_eq "list version" 1 "$(jf "$out" .version)"
assert_eq "n2 software done" done "$(sw_state "$NODEID_2")"

# bad input never reaches a node
for bad in 'package=a;b' 'package=-oAPT::x' 'package=Nginx' 'package=a' \
    'role=db' 'package=nginx%0Ax' 'package=a%20b'; do
	out=$(capi "$MURL/ispmgr?func=software.edit&out=JSONdata&authinfo=admin:$ADMINPW&sok=ok&package=okname&$bad")
	assert_eq "refused $bad" value "$(jf "$out" .error.type)"
done
out=$(api software.edit sok=ok role=web)
assert_eq "package required" empty "$(jf "$out" .error.type)"

# a package added to the web role: the web node installs it
mkpkg hostfleet-test-a 1.0
publish
out=$(api software.edit sok=ok role=web package=hostfleet-test-a)
assert_eq "add a ok" "" "$(jf "$out" .ok)"
wait_for "hostfleet-test-a installed" 120 installed hostfleet-test-a
check "its file" test -f /usr/share/hostfleet-test/a
wait_for "n2 ready, software done" 60 ready_done 2
assert_eq "n3 still ready" ready "$(node_field 3 status)"
assert_match "the node's list file" '^web hostfleet-test-a$' \
    "$(cat "$WORK/n2/root/var/lib/hostfleet/software.list")"

# a package whose postinst fails: the DNS node is in error, apt's output
# in status_msg; the web node stays ready
mkpkg hostfleet-test-b 1.0 fail
publish
out=$(api software.edit sok=ok role=dns package=hostfleet-test-b)
assert_eq "add b ok" "" "$(jf "$out" .ok)"
IDB=$(jf "$out" .id)
wait_for "n3 in error" 120 node_is 3 error
msg=$(node_field 3 status_msg)
assert_match "apt's output in status_msg" 'hostfleet-test-b' "$msg"
assert_match "the failing step" 'post-installation script|exit status 1|returned an error' "$msg"
assert_eq "n3 software failed" failed "$(sw_state "$NODEID_3")"
assert_match "the log in sysinfo_stat" 'this postinst fails' \
    "$(api sysinfo_stat elid="$NODEID_3" | jq -r '.elem[0].software_log')"
assert_eq "n2 not affected" ready "$(node_field 2 status)"
# no retry by itself: still in error a few polls later
n0=$(api sysinfo_stat elid="$NODEID_3" | jq -r '.elem[0].last_seen')
wait_for "two more polls of n3" 10 sh -c "[ \$('$HF' call -s '$MSTATE' -o JSONdata sysinfo_stat elid=$NODEID_3 | jq -r '.elem[0].last_seen') -gt $((n0 + 1)) ]"
assert_eq "still in error" error "$(node_field 3 status)"
# a firewall rule waits for n3: it is not ready (and is not a query's
# target: the policy lets one ready node of two be enough)
api cluster.policy sok=ok min_ready_percent=40 >/dev/null
out=$(api firewall.edit sok=ok action=allow proto=tcp port=2222)
assert_eq "query committed without n3" "" "$(jf "$out" .ok)"
assert_eq "n3 keeps its desync" 1 "$(api cluster.desync | jq "[.elem[] | select(.node == \"$NODEID_3\" and .type == \"firewall\")] | length")"

# a fixed version, and the administrator's retry: ready
mkpkg hostfleet-test-b 1.1
publish
out=$(api cluster.node.retry elid="$NODEID_3")
assert_eq "retry ok" "" "$(jf "$out" .ok)"
wait_for "n3 ready again" 120 ready_done 3
check "hostfleet-test-b installed" installed hostfleet-test-b
assert_eq "the fixed version" 1.1 "$(dpkg-query -W -f='${Version}' hostfleet-test-b)"
assert_eq "status_msg cleared" "" "$(node_field 3 status_msg)"
wait_for "n3 got the firewall after its software" 20 no_desync

# a role added to a node brings its packages
mkpkg hostfleet-test-c 1.0
publish
out=$(api software.edit sok=ok role=mail package=hostfleet-test-c)
assert_eq "add c ok" "" "$(jf "$out" .ok)"
wait_for "the list at every node" 20 sh -c "grep -q hostfleet-test-c '$WORK/n2/root/var/lib/hostfleet/software.list'"
check "no mail node: c not installed" sh -c "! dpkg-query -W -f='\${Status}' hostfleet-test-c 2>/dev/null | grep -q 'ok installed'"
out=$(api cluster.node.edit sok=ok elid="$NODEID_2" roles=web,mail)
assert_eq "role added" "" "$(jf "$out" .ok)"
wait_for "hostfleet-test-c installed" 120 installed hostfleet-test-c
wait_for "n2 ready with mail" 60 ready_done 2

# a package taken off a list stays installed; the list follows
out=$(api software.delete elid="$IDB")
assert_eq "delete ok" "" "$(jf "$out" .ok)"
wait_for "b off n3's list" 20 sh -c "! grep -q hostfleet-test-b '$WORK/n3/root/var/lib/hostfleet/software.list'"
check "b still installed" installed hostfleet-test-b
wait_for "all ready at the end" 30 sh -c "[ \"\$('$HF' call -s '$MSTATE' -o JSONdata cluster.node | jq '[.elem[] | select(.status != \"ready\")] | length')\" = 0 ]"
