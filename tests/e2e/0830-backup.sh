#!/bin/sh
# `hostfleet master backup` while the master runs, with nodes and data;
# the master stopped and its state dir removed; `hostfleet master restore`
# into a new state dir, and a master started there on the same address:
# the nodes accept it (mutual TLS with the restored CA and keys), converge
# to its state, take a change of system data made after the restore, and
# users' data still answers through it.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 2 3000
add_node_ns 2 b1 web
add_node_ns 3 b2 web
for i in 2 3; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync

api user.edit sok=ok name=alice passwd=alice-pass-1 >/dev/null
is_ok "alice's site" "$(ua webdomain.edit sok=ok name=alice.example.com)"
is_ok "a job before the backup" "$(api scheduler.edit sok=ok minute=5 command='echo before')"
assert_converged scheduler 20 2 3
ALICE_NODE=$(api user.placement elid=alice | jq -r '.elem[] | select(.role == "web") | .node')

# ---- the backup, while the master runs and is being written to ----
for k in 1 2 3 4 5 6; do api firewall.edit sok=ok action=allow proto=tcp port=$((7000 + k)) >/dev/null; done &
writer=$!
out=$("$HF" master backup -s "$MSTATE" "$WORK/backup.db" 2>&1)
assert_eq "backup exits 0" 0 $?
wait $writer
assert_match "backup says so" '^backed up' "$out"
assert_eq "mode 0600" 600 "$(stat -c %a "$WORK/backup.db")"
check "no temporary file left" sh -c "! ls '$WORK' | grep -q 'backup.db.tmp'"
assert_eq "a sound SQLite file" ok "$(sqlite3 "$WORK/backup.db" 'PRAGMA integrity_check')"
files=$(sqlite3 "$WORK/backup.db" "SELECT path FROM hostfleet_backup_file WHERE kind = 'file' ORDER BY path" | tr '\n' ' ')
for f in ca.pem ca.key api.pem api.key master.pem master.key ssh/id_ed25519 \
    repo-gnupg/pubring.kbx repo/dists/hostfleet/InRelease; do
	assert_match "holds $f" "(^| )$f " "$files"
done
assert_nomatch "not the key of this start (local.key)" '(^| )local.key ' "$files"
assert_nomatch "not the store's own files" 'master.db' "$files"
assert_eq "the CA key as it is" "$(sha256sum <"$MSTATE/ca.key")" \
    "$(sqlite3 "$WORK/backup.db" "SELECT writefile('$WORK/ca.key.out', data) FROM hostfleet_backup_file WHERE path = 'ca.key'" >/dev/null; sha256sum <"$WORK/ca.key.out")"
assert_eq "the key's mode" 600 "$(printf '%o' "$(sqlite3 "$WORK/backup.db" "SELECT mode FROM hostfleet_backup_file WHERE path = 'ca.key'")")"
assert_eq "the users" "admin alice" "$(sqlite3 "$WORK/backup.db" 'SELECT name FROM user ORDER BY id' | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the nodes" "b1 b2" "$(sqlite3 "$WORK/backup.db" 'SELECT name FROM node ORDER BY id' | tr '\n' ' ' | sed 's/ $//')"
backup_fw=$(sqlite3 "$WORK/backup.db" "SELECT count(*) FROM sys_item WHERE type = 'firewall'")
check "a consistent state: the firewall items of one moment (0-6)" [ "$backup_fw" -le 6 ]

# bad uses
check "a backup of no master fails" sh -c "! '$HF' master backup -s '$WORK/none' '$WORK/x.db' 2>/dev/null"
check "and leaves no file" [ ! -e "$WORK/x.db" ]
mkdir -p "$WORK/full" && touch "$WORK/full/something"
check "a restore into a state dir in use is refused" sh -c "! '$HF' master restore -s '$WORK/full' '$WORK/backup.db' 2>'$WORK/e1'"
assert_match "saying why" 'not empty' "$(cat "$WORK/e1")"
echo 'not a backup' >"$WORK/junk.db"
check "a file that is no backup is refused" sh -c "! '$HF' master restore -s '$WORK/new1' '$WORK/junk.db' 2>/dev/null"
check "and makes no state dir" [ ! -e "$WORK/new1" ]
cp "$WORK/backup.db" "$WORK/evil.db"
sqlite3 "$WORK/evil.db" "INSERT INTO hostfleet_backup_file VALUES ('../escaped', 'file', 420, X'41')"
check "a backup with a path out of the state dir is refused" sh -c "! '$HF' master restore -s '$WORK/new2' '$WORK/evil.db' 2>'$WORK/e2'"
assert_match "saying which" 'escaped' "$(cat "$WORK/e2")"
check "nothing escaped" [ ! -e "$WORK/escaped" ]
check "and no state dir" [ ! -e "$WORK/new2" ]

# a change after the backup: the restored master does not have it, and
# the nodes are brought back to the master's state
is_ok "a job after the backup" "$(api scheduler.edit sok=ok minute=6 command='echo after')"
assert_converged scheduler 20 2 3

# ---- the master goes; a new one from the backup ----
stop_master
OLD=$MSTATE
API_FP=$(openssl x509 -noout -fingerprint -sha256 -in "$OLD/api.pem")
CA_SUM=$(sha256sum <"$OLD/ca.pem")
rm -rf "$OLD"
MSTATE=$WORK/restored/state
out=$("$HF" master restore -s "$MSTATE" "$WORK/backup.db" 2>&1)
assert_eq "restore exits 0" 0 $?
assert_match "restore says so" '^restored' "$out"
assert_eq "the state dir is the owner's alone" 700 "$(stat -c %a "$MSTATE")"
assert_eq "the CA key's mode" 600 "$(stat -c %a "$MSTATE/ca.key")"
check "no working dir left beside it" sh -c "! ls '$WORK/restored' | grep -q restore-"
assert_eq "the backup's tables are gone from the store" 0 \
    "$(sqlite3 "$MSTATE/master.db" "SELECT count(*) FROM sqlite_master WHERE name LIKE 'hostfleet_backup%'")"
cat >"$WORK/master2.json" <<JSON
{ "state_dir": "$MSTATE", "listen": "$NET.1", "port": $MPORT,
  "admin_password": "another-admin-pw" }
JSON
bg master2 "$HF" master -c "$WORK/master2.json"
wait_for "restored master API" 30 "$HF" call -s "$MSTATE" whoami
check "the admin password is the backup's, not the config's" sh -c \
    "curl -sS --cacert '$MSTATE/ca.pem' -G '$MURL/ispmgr' -d func=whoami -d out=JSONdata --data-urlencode 'authinfo=admin:$ADMINPW' | jq -e '.name == \"admin\"' >/dev/null"
served_fp=$(openssl s_client -connect "$NET.1:$MPORT" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256)
assert_eq "the API serves the certificate of before (clients pinned it)" "$API_FP" "$served_fp"
assert_eq "the cluster CA of before" "$CA_SUM" "$(sha256sum <"$MSTATE/ca.pem")"

# the nodes accept it: their polls answer (mutual TLS both ways)
for i in 2 3; do wait_for "n$i ready under the restored master" 30 node_is $i ready; done
check "b1 seen just now" [ "$(node_field 2 last_seen)" -ge "$(( $(date +%s) - 30 ))" ]
# and converge to its state: the job made after the backup goes
assert_eq "the master has the job of before only" "echo before" "$(api scheduler | jq -r '[.elem[].command] | join(",")')"
assert_converged scheduler 30 2 3
wait_for "no desync left" 30 no_desync
# a change of system data after the restore reaches every node
is_ok "a job after the restore" "$(api scheduler.edit sok=ok minute=7 command='echo restored')"
assert_converged scheduler 20 2 3
assert_eq "on b1's store" "echo before,echo restored" "$("$HF" dump -s "$WORK/n2/state" items scheduler | jq -r .command | sort | paste -sd, -)"
is_ok "a firewall rule after the restore" "$(api firewall.edit sok=ok action=allow proto=tcp port=9090)"
# users' data still answers, from the node that holds it
assert_eq "alice's placement" "$ALICE_NODE" "$(api user.placement elid=alice | jq -r '.elem[] | select(.role == "web") | .node')"
assert_eq "alice's site, listed by her" alice.example.com "$(names "$(ua webdomain)")"
assert_eq "alice logs in with her password" alice "$(capi -G "$MURL/ispmgr" -d func=whoami -d out=JSONdata --data-urlencode 'authinfo=alice:alice-pass-1' | jq -r .name)"
is_ok "alice adds a site" "$(ua webdomain.edit sok=ok name=shop.alice.example.com)"
assert_eq "both listed" "alice.example.com shop.alice.example.com" "$(names "$(ua webdomain)")"
