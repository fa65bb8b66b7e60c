#!/bin/sh
# 0510-enroll: a node added over SSH (DESIGN.md §3.1): the master logs in
# to a Debian 12 machine (box.sh) as root, with the password and with a
# key, records its host key, makes ispmaster with the master's key, adds
# its signed repository, installs hostfleet from it, joins the node and
# starts its agent; the steps are seen in order while they run, and the
# node goes on to ready.  A wrong password, an address with nothing
# there and a changed host key are refused, leaving no node; the changed
# key of a reinstalled machine is accepted when hostkey= gives its
# fingerprint, which the refusal names.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/box.sh"
. "$TOP/tests/e2e/enroll.sh"

box_tree || exit 1
box_local_repo || exit 1
start_master
fast_policy 500 4 2000
enroll_publish || exit 1

box_start m1 'root pass 1' || exit 1
A1=$(box_addr m1)
nodes() { api cluster.node | jq -r '[.elem[].name] | join(" ")'; }

# ---- refusals: nothing recorded ----
out=$(api cluster.node.enroll sok=ok name=m1 addr="$A1" password='wrong pass')
is_err "a wrong password" auth "$out"
assert_match "...says so" 'password of "root" was refused' "$(jf "$out" .error.msg)"
assert_eq "...no node" "" "$(nodes)"
check "...no host key recorded" sh -c "! grep -q '$A1' '$MSTATE/ssh/known_hosts' 2>/dev/null"
out=$(api cluster.node.enroll sok=ok name=m1 addr="$A1" password='root pass 1' hostkey="SHA256:$(printf '%043d' 0)")
is_err "a first host key other than the hostkey= given" hostkey "$out"
assert_eq "...no node" "" "$(nodes)"
check "...no host key recorded" sh -c "! grep -q '$A1' '$MSTATE/ssh/known_hosts' 2>/dev/null"
out=$(api cluster.node.enroll sok=ok name=m1 addr="$(box_gw m1)" ssh_port=1 password=x)
is_err "an address with no SSH server" unreachable "$out"
assert_match "...says so" 'cannot connect to' "$(jf "$out" .error.msg)"
assert_eq "...no node" "" "$(nodes)"
out=$(api cluster.node.enroll sok=ok name=m1 addr="$A1")
is_err "no password or key" empty "$out"

# ---- with the password ----
t0=$(date +%s%N)
out=$(api cluster.node.enroll sok=ok name=m1 addr="$A1" password='root pass 1')
is_ok "enroll m1 with the password" "$out"
ID1=$(jf "$out" .id)
enroll_watch "$ID1" "$WORK/m1.views"
assert_eq "every step done" "connect:done account:done key:done repository:done install:done config:done join:done start:done sync:done" "$(steps "$ID1")"
check "the steps moved in order: $(in_order "$WORK/m1.views")" in_order "$WORK/m1.views"
check "some step seen running" grep -q ':running' "$WORK/m1.views"
status_watch "$ID1" "$WORK/m1.status"
check "m1: installing, syncing, ready: $(tr '\n' ' ' <"$WORK/m1.status")" statuses_in_order "$WORK/m1.status"
say "m1: add to ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
check "m1's host key recorded" grep -q "$A1" "$MSTATE/ssh/known_hosts"
check "the password is not in the master's state" sh -c "! grep -rqF 'root pass 1' '$MSTATE'"
api cluster.node.enroll elid="$ID1" >"$WORK/m1.steps"
assert_match "the install step's output" 'hostfleet' "$(jq -r '.elem[4].output' "$WORK/m1.steps")"
if [ "$BOX_INIT_MODE" = systemd ]; then
	assert_match "the start step: systemd's unit" 'systemd: hostfleet-node.service enabled and restarted' "$(jq -r '.elem[7].output' "$WORK/m1.steps")"
	assert_eq "...which runs the agent" active "$(box_exec m1 systemctl is-active hostfleet-node.service)"
else
	assert_match "the start step: no systemd here" 'no systemd: started the agent' "$(jq -r '.elem[7].output' "$WORK/m1.steps")"
fi
check "ispmaster exists" box_exec m1 id -u ispmaster >/dev/null
assert_eq "the master's key for ispmaster" "$(cut -d' ' -f1,2 "$MSTATE/ssh/id_ed25519.pub" 2>/dev/null || true)" "$(box_exec m1 cut -d' ' -f1,2 /home/ispmaster/.ssh/authorized_keys)"
assert_match "signed-by in the source" "signed-by=/etc/apt/keyrings/hostfleet.gpg\\] $MURL/repo hostfleet main" "$(box_exec m1 cat /etc/apt/sources.list.d/hostfleet.list)"
MHOST=${MURL#https://}; MHOST=${MHOST%:*}
assert_eq "the CA for the master's host" "Acquire::https::$MHOST::CaInfo \"/etc/hostfleet/master-ca.pem\";" "$(box_exec m1 cat /etc/apt/apt.conf.d/90hostfleet)"
assert_match "hostfleet installed from the master's repository" "$MURL/repo" "$(box_exec m1 apt-cache policy hostfleet)"
# the master reaches the node as ispmaster with its own key
assert_eq "ispmaster with the master's key, root through sudo" 0 "$(ssh -i "$MSTATE/ssh/id_ed25519" -o BatchMode=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$WORK/box-m1/known_hosts" \
    -o LogLevel=ERROR ispmaster@"$A1" sudo -n id -u)"

# ---- with a key ----
box_start m2 'root pass 2' || exit 1
A2=$(box_addr m2)
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id_root" -C enroll-test
box_authorize m2 "$WORK/id_root.pub"
out=$(api cluster.node.enroll sok=ok name=m2 addr="$A2" roles=dns ssh_key="$(cat "$WORK/id_root")")
is_ok "enroll m2 with root's key" "$out"
ID2=$(jf "$out" .id)
enroll_watch "$ID2" "$WORK/m2.views"
check "m2: the steps moved in order: $(in_order "$WORK/m2.views")" in_order "$WORK/m2.views"
assert_match "m2: connected with the key" 'connected to .* as root' "$(api cluster.node.enroll elid="$ID2" | jq -r '.elem[0].output')"
status_watch "$ID2" "$WORK/m2.status" 300
check "m2: installing, syncing, ready: $(tr '\n' ' ' <"$WORK/m2.status")" statuses_in_order "$WORK/m2.status"
assert_match "m2 runs named for its role" 'running' "$(api cluster.node.service elid="$ID2" | jq -r '.elem[] | select(.name == "named") | .state')"
check "the key is not in the master's state" sh -c "! grep -rqF '$(sed -n 4p "$WORK/id_root")' '$MSTATE'"

# ---- m2 uninstalled and removed: refused while it holds data ----
is_ok "user alice" "$(api user.edit sok=ok name=alice passwd=alice-pass-1)"
is_ok "alice's zone, on m2 (the one dns node)" "$(api domain.edit sok=ok name=alice.test ip="$A2" su=alice)"
out=$(api cluster.node.remove elid="$ID2")
is_err "removing a node with users' data" value "$out"
assert_match "...says so" 'holds the data of 1 user role' "$(jf "$out" .error.msg)"
agent_runs() { box_exec "$1" pgrep -x hostfleet >/dev/null; }
check "...the agent still runs" agent_runs m2
out=$(api cluster.node.remove elid="$ID2" force=on)
is_ok "removed with force=on" "$out"
assert_eq "m2 is gone from the cluster" "m1" "$(nodes)"
assert_eq "...with its desync entries" 0 "$(desync_count)"
check "no ispmaster left on m2" box_exec m2 sh -c '! id ispmaster 2>/dev/null'
check "no sudoers file left" box_exec m2 test ! -e /etc/sudoers.d/hostfleet-ispmaster
check "the package purged" box_exec m2 sh -c '! dpkg-query -W -f="\${Status}" hostfleet 2>/dev/null | grep -q "ok installed"'
check "the agent stopped" box_exec m2 sh -c '! pgrep -x hostfleet'
check "the node's state removed" box_exec m2 test ! -e /var/lib/hostfleet/node
check "the repository removed" box_exec m2 test ! -e /etc/apt/sources.list.d/hostfleet.list
out=$(api cluster.node.enroll sok=ok name=m2 addr="$A2" roles=dns ssh_key="$(cat "$WORK/id_root")")
is_ok "m2 added again" "$out"
ID2=$(jf "$out" .id)
enroll_watch "$ID2" "$WORK/m2b.views"
status_watch "$ID2" "$WORK/m2b.status" 300
assert_eq "every step done again" "connect:done account:done key:done repository:done install:done config:done join:done start:done sync:done" "$(steps "$ID2")"

# ---- removed, added again; then a reinstalled machine ----
is_ok "m1 removed" "$(api cluster.node.delete elid="$ID1")"
out=$(api cluster.node.enroll sok=ok name=m1 addr="$A1" password='root pass 1')
is_ok "m1 added again" "$out"
ID1=$(jf "$out" .id)
enroll_watch "$ID1" "$WORK/m1b.views"
status_watch "$ID1" "$WORK/m1b.status"
assert_match "the same host key as recorded" 'as recorded' "$(api cluster.node.enroll elid="$ID1" | jq -r '.elem[0].output')"
is_ok "m1 removed again" "$(api cluster.node.delete elid="$ID1")"
# new host keys, as a reinstall makes
if [ "$BOX_INIT_MODE" = systemd ]; then
	box_exec m1 sh -c 'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null &&
	    systemctl restart ssh.service'
else
	box_exec m1 sh -c 'rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null &&
	    pkill -x sshd; sleep 0.2; /usr/sbin/sshd -E /var/log/sshd.log'
fi
wait_for "m1's sshd with new keys" 10 sh -c "ssh-keyscan -T 2 $A1 2>/dev/null | grep -q ."
out=$(api cluster.node.enroll sok=ok name=m1 addr="$A1" password='root pass 1')
is_err "a changed host key" hostkey "$out"
assert_match "...says so" "host key of $A1 port 22 changed: it is now SHA256:" "$(jf "$out" .error.msg)"
assert_eq "...no node left of it" "m2" "$(nodes)"
out=$(api cluster.node.enroll sok=ok name=m9 addr="$A1" password='root pass 1' ssh_key="$(cat "$WORK/id_root")")
is_err "a password and a key at once" value "$out"

# ---- the reinstalled machine's new key, accepted by its fingerprint ----
NEWFPR=$(api cluster.node.enroll sok=ok name=m1 addr="$A1" password='root pass 1' | jq -r .error.msg | sed -n 's/.* hostkey=\(SHA256:[A-Za-z0-9+\/]*\)$/\1/p')
check "the refusal names the new key: [$NEWFPR]" test -n "$NEWFPR"
has_key() { box_exec "$1" sh -c 'for f in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf "$f"; done' | grep -qF "$2"; }
check "...a key the machine has" has_key m1 "$NEWFPR"
out=$(api cluster.node.enroll sok=ok name=m1 addr="$A1" password='root pass 1' hostkey=SHA256:nope)
is_err "a hostkey= that is no fingerprint" value "$out"
out=$(api cluster.node.enroll sok=ok name=m1 addr="$A1" password='root pass 1' hostkey="SHA256:$(printf '%043d' 0)")
is_err "a hostkey= of another key" hostkey "$out"
assert_eq "...no node left of it" "m2" "$(nodes)"
out=$(api cluster.node.enroll sok=ok name=m1 addr="$A1" password='root pass 1' hostkey="$NEWFPR")
is_ok "the new key accepted with hostkey=" "$out"
ID1=$(jf "$out" .id)
assert_match "...said in the connect step" 'accepted by hostkey=: it replaced the one recorded' "$(api cluster.node.enroll elid="$ID1" | jq -r '.elem[0].output')"
enroll_watch "$ID1" "$WORK/m1c.views"
status_watch "$ID1" "$WORK/m1c.status"
assert_eq "one line for m1 in the known hosts" 1 "$(grep -c "^$A1 " "$MSTATE/ssh/known_hosts")"
out=$(api cluster.node.enroll sok=ok name=m9 addr="$A1" password='root pass 1' hostkey="$NEWFPR")
is_err "the same machine twice" exists "$out"
