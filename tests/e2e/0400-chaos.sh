#!/bin/sh
# Chaos: random system-data changes (firewall rules, cron jobs) and
# user-data changes (sites, zones and their records, mail domains and
# mailboxes, suspend and resume) by alice, bob and the admin, while random
# nodes are killed (at once or in the middle of a call, some restarted
# with a HOSTFLEET_TEST_* delay that widens the window), stopped with
# SIGSTOP for a few steps, and the master is killed (between calls or in
# the middle of one, restarted with or without a commit delay).
#
# At the end every process runs again; once the cluster has converged,
# the master, every node's store and the live services (nft rules, cron
# files, nginx, named, Postfix maps) are compared item by item, and every
# object must be in a state the API's answers allow: what was acknowledged
# is there, what was refused is not, what got no answer either (I1, I2,
# I3).  The driver, tests/e2e/chaos.py, says how it keeps the score.
#
#   CHAOS_SEED=N CHAOS_STEPS=M sh tests/e2e/0400-chaos.sh
#   make chaos SEED=N STEPS=M
#
# The seed (default: today's date) picks the calls and the faults; their
# outcomes depend on timing too, so a replay takes the same choices while
# the answers allow it.
. "$(dirname "$0")/lib.sh"

SEED=${CHAOS_SEED:-$(date +%Y%m%d)}
STEPS=${CHAOS_STEPS:-100}
say "chaos: seed $SEED, $STEPS steps (again: make chaos SEED=$SEED STEPS=$STEPS)"
ALL="2 3 4 5"

start_master
# a node timeout long enough that a loaded machine's slow checker is not
# a lost answer, short enough that a stopped node costs little
fast_policy 300 3 4000
add_node_ns 2 web1 web
add_node_ns 3 web2 web,mail
add_node_ns 4 dns1 dns
add_node_ns 5 mail1 dns,mail
for i in $ALL; do wait_for "n$i ready" 60 node_is $i ready || exit 1; done
wait_for "joins synchronised" 30 no_desync || exit 1
api user.edit sok=ok name=alice passwd=alice-pass-1 >/dev/null
api user.edit sok=ok name=bob passwd=bob-pass-12 >/dev/null

NODES=""
PROCLIST="master:$(pid_of master)"
for i in $ALL; do
	NODES="$NODES $i:$(eval echo \$NODEID_$i):$(node_field $i roles | tr -d ' ')"
	PROCLIST="$PROCLIST n$i:$(pid_of n$i)"
done
export HF MSTATE WORK NET NODES
export NSPREFIX="hf$TNUM" CHAOS_PROCS="$PROCLIST" CHAOS_SEED="$SEED" CHAOS_STEPS="$STEPS"

# adopt_pids: the processes the driver started are the teardown's to
# stop; lib.sh's that it killed are reaped here
adopt_pids() {
	[ -f "$WORK/chaos.pids" ] || return 0
	while read -r name pid; do
		if [ "$name" = gone ]; then
			wait "$pid" 2>/dev/null
		else
			eval "PID_$name=$pid"
			PIDS="$PIDS $pid"
		fi
	done <"$WORK/chaos.pids"
}

python3 "$TOP/tests/e2e/chaos.py" run >"$WORK/chaos.log" 2>&1
rc=$?
adopt_pids
cp "$WORK/chaos.log" "$TOP/build/chaos-$SEED.log" 2>/dev/null
grep '^summary' "$WORK/chaos.log" |
    while IFS= read -r l; do say "$l"; done
if [ $rc -ne 0 ]; then
	fail "the chaos driver failed (exit $rc): $(tail -3 "$WORK/chaos.log")"
	exit 1
fi

# convergence: every node ready, nothing out of sync, no create or delete
# in flight (the reconciler settles a row once it is older than the node
# timeout and its slack: a delete answered "finished when the node
# answers" at the last step stays "deleting" that long)
for i in $ALL; do wait_for "n$i ready after the chaos" 90 node_is $i ready; done
wait_for "no desync left after the chaos" 90 no_desync ||
    say "desync: $(api cluster.desync | jq -c .elem)"
no_pending() { ! master_dump uindex | grep -Eq '"state":"(pending|deleting)"'; }
wait_for "no pending create or delete left in the index" 90 no_pending ||
    say "unsettled: $(master_dump uindex | grep -E '"state":"(pending|deleting)"')"
assert_converged firewall 60 $ALL
assert_converged scheduler 60 $ALL

# item by item, against the API's answers
python3 "$TOP/tests/e2e/chaos.py" check >"$WORK/check.out" 2>&1
rc=$?
while IFS= read -r l; do
	case $l in
	"ok "*) ok ;;
	"FAIL "*) fail "${l#FAIL }" ;;
	*) say "check: $l" ;;
	esac
done <"$WORK/check.out"
[ $rc -eq 0 ] || fail "the chaos check failed (exit $rc)"
say "$(grep -c '^ok ' "$WORK/check.out") item checks passed"
[ "$FAILED" -eq 0 ] || say "the calls and faults: build/chaos-$SEED.log"
