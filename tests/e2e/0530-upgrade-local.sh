#!/bin/sh
# 0530-upgrade-local: the package upgraded on a node by the master, and
# the master's own machine enrolled as its local node.
#   - A node added over SSH runs the package of the master's repository;
#     a newer one, built from this tree with a new changelog entry as a
#     packager makes one, is published, and cluster.node.upgrade installs
#     it there and restarts the agent: ok once cluster.node shows the new
#     version and the node is ready.
#   - A master installed from the package on a machine (box.sh) enrolls
#     that machine over SSH: it becomes a node, installing nothing since
#     its role's software is there, serves a zone, and is removed (the
#     package stays: the master runs from it) and added again.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/box.sh"
. "$TOP/tests/e2e/enroll.sh"

box_tree || exit 1
box_local_repo || exit 1
start_master
fast_policy 500 4 2000
enroll_publish || exit 1
V1=$(dpkg-deb -f "$DEB" Version)
version_of() { api cluster.node | jq -r --arg id "$1" '.elem[] | select(.id == $id) | .version'; }

# ---- the upgrade, driven by the master ----
box_start u1 'root pass u' || exit 1
AU=$(box_addr u1)
out=$(api cluster.node.enroll sok=ok name=u1 addr="$AU" roles=dns password='root pass u')
is_ok "enroll u1" "$out"
IDU=$(jf "$out" .id)
enroll_watch "$IDU" "$WORK/u1.views"
status_watch "$IDU" "$WORK/u1.status" 300
assert_eq "u1 runs the published version" "$V1" "$(version_of "$IDU")"

# the next version: this tree with a new changelog entry, built and
# packaged as a packager would
mkdir -p "$WORK/next"
cp -R "$TOP/src" "$TOP/packaging" "$TOP/tools" "$TOP/docs" "$TOP/Makefile" \
    "$TOP/README.md" "$WORK/next/"
V2="$V1+up1"
{
	printf 'hostfleet (%s) unstable; urgency=medium\n\n' "$V2"
	printf '  * A build for the upgrade test.\n\n'
	printf ' -- hostfleet test <test@hostfleet.invalid>  %s\n\n' "$(date -R)"
	cat "$TOP/packaging/changelog"
} >"$WORK/next/packaging/changelog"
t0=$(date +%s)
make -s -C "$WORK/next" -j2 build/rel/hostfleet >"$WORK/next.log" 2>&1 ||
    fail "building $V2: $(tail -5 "$WORK/next.log")"
say "built $V2 in $(( $(date +%s) - t0 )) s"
DEB2=$(sh "$WORK/next/tools/mkdeb.sh" "$WORK/next/build/rel/hostfleet" \
    "$WORK/deb2" 2>"$WORK/mkdeb2.err") && [ -f "$DEB2" ] ||
    fail "mkdeb $V2: $(tail -5 "$WORK/mkdeb2.err")"
assert_eq "the new package's version" "$V2" "$(dpkg-deb -f "$DEB2" Version)"
check "published in the master's repository" "$HF" repo -s "$MSTATE" add "$DEB2"
assert_eq "u1 still runs $V1 before the upgrade" "$V1" "$(version_of "$IDU")"

agent_pid() {
	if [ "$BOX_INIT_MODE" = systemd ]; then
		box_exec "$1" systemctl show -P MainPID hostfleet-node.service
	else
		box_exec "$1" cat /run/hostfleet-node.pid
	fi
}
P1=$(agent_pid u1)
out=$(api cluster.node.upgrade elid="$IDU")
is_ok "cluster.node.upgrade u1" "$out"
assert_eq "...answers the version installed" "$V2" "$(jf "$out" .version)"
assert_eq "...and the one before" "$V1" "$(jf "$out" .previous)"
# ok means it runs: no waiting here
assert_eq "cluster.node shows $V2 for u1 at once" "$V2" "$(version_of "$IDU")"
assert_eq "u1 is ready" ready "$(node_st "$IDU")"
assert_eq "dpkg on u1 has $V2" "$V2" "$(box_exec u1 dpkg-query -W -f='${Version}' hostfleet)"
assert_eq "the executable on u1 is $V2" "hostfleet $V2" "$(box_exec u1 hostfleet --version)"
P2=$(agent_pid u1)
check "the agent was restarted (pid $P1, now $P2)" test -n "$P2" -a "$P1" != "$P2"
# the upgraded agent serves: a zone made after it resolves there
is_ok "user bob" "$(api user.edit sok=ok name=bob passwd=bob-pass-1)"
is_ok "bob's zone, on u1" "$(api domain.edit sok=ok name=bob.test ip=192.0.2.7 su=bob)"
assert_eq "u1's named answers for it" 192.0.2.7 "$(dig +short +time=2 +tries=2 @"$AU" bob.test A)"
out=$(api cluster.node.upgrade elid="$IDU")
is_ok "an upgrade to the version it runs: nothing to do, ok" "$out"
assert_eq "...the same version" "$V2" "$(jf "$out" .version)"
out=$(api cluster.node.upgrade elid=999)
is_err "an upgrade of no node" missing "$out"
# a node not added over SSH: no way in
out=$(api cluster.node.edit sok=ok name=hand addr="$NET.9" roles=dns)
IDH=$(jf "$out" .id)
out=$(api cluster.node.upgrade elid="$IDH")
is_err "an upgrade of a node the master has no SSH access to" node "$out"
assert_match "...says why" 'ispmaster' "$(jf "$out" .error.msg)"
is_ok "that node deleted" "$(api cluster.node.delete elid="$IDH")"

# ---- the master's own machine, enrolled as its local node ----
box_start l1 'root pass l' || exit 1
AL=$(box_addr l1)
box_exec l1 sh -c 'cat >/tmp/hostfleet.deb' <"$DEB"
box_exec l1 sh -c 'apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q -y install /tmp/hostfleet.deb' \
    >"$WORK/l1-install.log" 2>&1 || fail "installing the package on l1: $(tail -5 "$WORK/l1-install.log")"
LPW=local-admin-pass
box_exec l1 sh -c "cat >/etc/hostfleet/master.json" <<JSON
{ "state_dir": "/var/lib/hostfleet/master", "listen": "$AL", "port": 1500,
  "admin_password": "$LPW" }
JSON
if [ "$BOX_INIT_MODE" = systemd ]; then
	box_exec l1 systemctl start hostfleet-master.service ||
	    fail "l1: $(box_exec l1 journalctl -u hostfleet-master -n 20 --no-pager)"
else
	box_exec l1 sh -c 'setsid hostfleet master -c /etc/hostfleet/master.json \
	    </dev/null >>/var/log/hostfleet-master.log 2>&1 &'
fi
# from here, as an admin elsewhere: the URL, its CA and the password
LSTATE=/proc/$(box_pid l1)/root/var/lib/hostfleet/master
LURL=https://$AL:1500
lcall() { "$HF" call -u "$LURL" -C "$LSTATE/ca.pem" -a "admin:$LPW" "$@"; }
lapi() { lcall -o JSONdata "$@"; }
l1_log() {
	if [ "$BOX_INIT_MODE" = systemd ]; then
		box_exec l1 journalctl -u hostfleet-master -n 30 --no-pager
	else
		box_exec l1 tail -n 30 /var/log/hostfleet-master.log
	fi
}
wait_for "l1's master API" 30 lcall whoami || {
	l1_log; exit 1; }
box_exec l1 hostfleet repo -s /var/lib/hostfleet/master add /tmp/hostfleet.deb \
    >"$WORK/l1-repo.log" 2>&1 || fail "l1: repo add: $(cat "$WORK/l1-repo.log")"
# its role's software there already: the enrollment installs nothing
box_exec l1 sh -c 'DEBIAN_FRONTEND=noninteractive apt-get -q -y install nftables cron bind9 bind9-utils' \
    >"$WORK/l1-roles.log" 2>&1 || fail "installing bind9 on l1: $(tail -5 "$WORK/l1-roles.log")"
H0=$(box_exec l1 cat /var/log/apt/history.log | grep -c '^Start-Date')
lapi cluster.policy sok=ok heartbeat_interval_ms=500 heartbeat_misses=4 node_timeout_ms=2000 >/dev/null
out=$(lapi cluster.node.enroll sok=ok name=local addr="$AL" roles=dns password='root pass l')
is_ok "l1's master enrolls its own machine" "$out"
IDL=$(jf "$out" .id)
lsteps() { lapi cluster.node.enroll elid="$1" | jq -r '[.elem[] | .name + ":" + .state] | join(" ")'; }
l_running() { lapi cluster.node.enroll elid="$1" | jq -e '.elem[] | select(.state == "running" or .state == "waiting")' >/dev/null; }
l_done() { ! l_running "$1"; }
l_ready() { [ "$(lstatus "$1")" = ready ]; }
lstatus() { lapi cluster.node.edit elid="$1" | jq -r .status; }
wait_for "l1's enrollment done" 300 l_done "$IDL"
assert_eq "every step done" "connect:done account:done key:done repository:done install:done config:done join:done start:done sync:done" "$(lsteps "$IDL")"
assert_match "the account step says it is the master's machine" 'this machine runs the master: it becomes its local node' \
    "$(lapi cluster.node.enroll elid="$IDL" | jq -r '.elem[1].output')"
wait_for "the local node ready" 300 l_ready "$IDL"
assert_eq "the local node is ready" ready "$(lstatus "$IDL")"
assert_eq "its software was there: apt installed nothing (apt's history: $H0 runs)" "$H0" \
    "$(box_exec l1 cat /var/log/apt/history.log | grep -c '^Start-Date')"
assert_match "...the install step found hostfleet there" 'hostfleet is already the newest version' \
    "$(lapi cluster.node.enroll elid="$IDL" | jq -r '.elem[4].output')"
assert_eq "...running $V1" "$V1" "$(lapi cluster.node | jq -r '.elem[0].version')"
is_ok "user carol on l1's master" "$(lapi user.edit sok=ok name=carol passwd=carol-pass-1)"
is_ok "carol's zone, on the local node" "$(lapi domain.edit sok=ok name=carol.test ip=192.0.2.9 su=carol)"
assert_eq "l1's named answers for it" 192.0.2.9 "$(dig +short +time=2 +tries=2 @"$AL" carol.test A)"
out=$(lapi cluster.node.upgrade elid="$IDL")
is_err "upgrading the master's own machine from the master" node "$out"
assert_match "...says why" 'this machine runs the master' "$(jf "$out" .error.msg)"
out=$(lapi cluster.node.remove elid="$IDL" force=on)
is_ok "the local node removed" "$out"
assert_eq "no node left" 0 "$(lapi cluster.node | jq '.elem | length')"
check "the package stays: the master runs from it" box_exec l1 sh -c 'dpkg-query -W -f="\${Status}" hostfleet | grep -q "ok installed"'
check "the master still answers" lcall whoami
check "the node's agent stopped" box_exec l1 sh -c '! pgrep -f "^(/usr/bin/)?hostfleet node"'
check "no ispmaster left" box_exec l1 sh -c '! id ispmaster 2>/dev/null'
out=$(lapi cluster.node.enroll sok=ok name=local addr="$AL" roles=dns password='root pass l')
is_ok "the local node added again" "$out"
IDL=$(jf "$out" .id)
wait_for "the local node ready again" 300 l_ready "$IDL"
assert_eq "ready again" ready "$(lstatus "$IDL")"

