#!/bin/sh
# The web panel adds a node over SSH (cluster.node.enroll) in Debian's
# chromium: a wrong password refused in the form, then the right one, and
# the enrollment's steps followed on the page, without a reload, until
# the node is ready (tests/browser/panel.mjs, phase enroll).  The machine
# is box.sh's Debian 12 with its own sshd.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/box.sh"
. "$TOP/tests/e2e/enroll.sh"

BR=$TOP/tests/browser
if [ ! -d "$BR/node_modules/playwright-core" ] || [ ! -x /usr/bin/chromium ]; then
	fail "the browser tests need chromium and tests/browser/node_modules: make deps"
	exit 1
fi

box_tree || exit 1
box_local_repo || exit 1
start_master
fast_policy 500 4 2000
enroll_publish || exit 1
box_start m1 'root pass 1' || exit 1

OUT=$TOP/build/panel-test
mkdir -p "$OUT"
export PANEL_URL="$MURL/" ADMINPW NET OUT ENROLL_ADDR="$(box_addr m1)" \
    ENROLL_PASSWORD='root pass 1'
node "$BR/panel.mjs" enroll >"$WORK/browser-enroll.log" 2>&1
rc=$?
browser_checks "$WORK/browser-enroll.log" $rc

# what the page showed is what the master did
ID=$(api cluster.node | jq -r '.elem[] | select(.name == "m1") | .id')
assert_eq "every step done" "connect:done account:done key:done repository:done install:done config:done join:done start:done sync:done" "$(steps "$ID")"
assert_eq "m1 ready" ready "$(api cluster.node | jq -r '.elem[] | select(.name == "m1") | .status')"
check "the password is not in the master's state" sh -c "! grep -rqF 'root pass 1' '$MSTATE'"
