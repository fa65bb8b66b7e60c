#!/bin/sh
# 0520-enroll-retry: a step of an enrollment over SSH that fails leaves
# the node in error with that step failed and its output kept, the later
# steps not run; a retry runs again from the failed step: as root with
# the password given again while ispmaster is not set up (refused
# without it), then as ispmaster with the master's key; after the fix the
# node is ready.  The failures: a read-only /etc/sudoers.d (the account
# step), then a read-only /etc/apt/keyrings (the repository step).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/box.sh"
. "$TOP/tests/e2e/enroll.sh"

box_tree || exit 1
box_local_repo || exit 1
start_master
fast_policy 500 4 2000
enroll_publish || exit 1
box_start m3 'root pass 3' || exit 1
A3=$(box_addr m3)
ro() { box_exec m3 sh -c "mkdir -p $1 && mount --bind $1 $1 && mount -o remount,bind,ro $1"; }
rw() { box_exec m3 umount "$1"; }
out_of() { api cluster.node.enroll elid="$ID" | jq -r ".elem[] | select(.name == \"$1\") | .output"; }

# ---- the account step fails ----
ro /etc/sudoers.d
out=$(api cluster.node.enroll sok=ok name=m3 addr="$A3" password='root pass 3')
is_ok "enroll m3" "$out"
ID=$(jf "$out" .id)
enroll_watch "$ID" "$WORK/v1"
check "the steps moved in order: $(in_order "$WORK/v1")" in_order "$WORK/v1"
assert_eq "the account step failed, the later ones waiting" "connect:done account:failed key:waiting repository:waiting install:waiting config:waiting join:waiting start:waiting sync:waiting" "$(steps "$ID")"
assert_eq "the node is in error" error "$(node_st "$ID")"
assert_match "its message names the step" 'enrollment step "account" failed: .*cluster.node.enroll elid=' "$(api cluster.node.edit elid="$ID" | jq -r .status_msg)"
assert_match "the step's output is kept" 'Read-only file system' "$(out_of account)"
assert_match "...with its exit status" 'exit status [0-9]' "$(out_of account)"
check "nothing of the join: no certificate on the node" box_exec m3 test ! -e /var/lib/hostfleet/node/node.pem
out=$(api cluster.node.enroll.retry elid="$ID")
is_err "a retry without the password while ispmaster is not set up" empty "$out"
assert_match "...says why" 'ispmaster is not set up' "$(jf "$out" .error.msg)"
out=$(api cluster.node.enroll.retry elid="$ID" password='wrong')
is_err "a retry with a wrong password" auth "$out"
assert_eq "...changes nothing" "connect:done account:failed key:waiting repository:waiting install:waiting config:waiting join:waiting start:waiting sync:waiting" "$(steps "$ID")"

# ---- fixed; the repository step fails ----
rw /etc/sudoers.d
ro /etc/apt/keyrings
out=$(api cluster.node.enroll.retry elid="$ID" password='root pass 3')
is_ok "retry with the password" "$out"
assert_eq "...from the failed step" account "$(jf "$out" .from)"
enroll_watch "$ID" "$WORK/v2"
check "the steps moved in order: $(in_order "$WORK/v2")" in_order "$WORK/v2"
assert_eq "the repository step failed" "connect:done account:done key:done repository:failed install:waiting config:waiting join:waiting start:waiting sync:waiting" "$(steps "$ID")"
assert_eq "the node is in error again" error "$(node_st "$ID")"
assert_match "its output is kept" 'Read-only file system' "$(out_of repository)"
check "no source added while the key is not in place" box_exec m3 test ! -e /etc/apt/sources.list.d/hostfleet.list

# as ispmaster now, with the master's key: still read-only, fails again
out=$(api cluster.node.enroll.retry elid="$ID")
is_ok "retry without a password: ispmaster" "$out"
enroll_watch "$ID" "$WORK/v3"
assert_match "...connected as ispmaster" 'as ispmaster; host key SHA256:.* \(as recorded\)' "$(out_of connect)"
assert_eq "...and the same step fails" "connect:done account:done key:done repository:failed install:waiting config:waiting join:waiting start:waiting sync:waiting" "$(steps "$ID")"

# ---- fixed: to ready ----
rw /etc/apt/keyrings
out=$(api cluster.node.enroll.retry elid="$ID")
is_ok "retry as ispmaster after the fix" "$out"
assert_eq "...from the failed step" repository "$(jf "$out" .from)"
enroll_watch "$ID" "$WORK/v4"
check "the steps moved in order: $(in_order "$WORK/v4")" in_order "$WORK/v4"
assert_eq "every step done" "connect:done account:done key:done repository:done install:done config:done join:done start:done sync:done" "$(steps "$ID")"
status_watch "$ID" "$WORK/s4"
assert_match "the install went through sudo" 'hostfleet' "$(out_of install)"
out=$(api cluster.node.enroll.retry elid="$ID")
is_err "a complete enrollment is not retried" value "$out"
check "the password is not in the master's state" sh -c "! grep -rqF 'root pass 3' '$MSTATE'"

# ---- a master killed while a step runs ----
box_start m4 'root pass 4' || exit 1
out=$(api cluster.node.enroll sok=ok name=m4 addr="$(box_addr m4)" password='root pass 4')
is_ok "enroll m4" "$out"
ID4=$(jf "$out" .id)
install_runs() { steps "$ID4" | grep -q 'install:running'; }
wait_for "m4's install step running" 60 install_runs
kill -KILL "$(pid_of master)"; wait "$(pid_of master)" 2>/dev/null
start_master
assert_eq "the step cut short is failed at the next start" "connect:done account:done key:done repository:done install:failed config:waiting join:waiting start:waiting sync:waiting" "$(steps "$ID4")"
assert_match "...said in its output" 'the master stopped while this step ran' "$(api cluster.node.enroll elid="$ID4" | jq -r '.elem[4].output')"
assert_eq "...and the node in error" error "$(node_st "$ID4")"
assert_match "...its message says why" 'enrollment step "install" failed: the master stopped while it ran' "$(api cluster.node.edit elid="$ID4" | jq -r .status_msg)"
out=$(api cluster.node.enroll.retry elid="$ID4")
is_ok "retry m4 as ispmaster" "$out"
assert_eq "...from the step cut short" install "$(jf "$out" .from)"
enroll_watch "$ID4" "$WORK/v5"
assert_eq "m4: every step done" "connect:done account:done key:done repository:done install:done config:done join:done start:done sync:done" "$(steps "$ID4")"
status_watch "$ID4" "$WORK/s5"
