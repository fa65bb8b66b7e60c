#!/bin/sh
# Scheduler jobs are live: a real Debian cron per node reads the file the
# node writes in its ROOT/etc/cron.d (start_cron) and runs the jobs the
# master sent; an inactive job never runs; a deleted job stops running
# while the other job goes on, which shows that cron is alive and read the
# change.  Proof from two sides: what the jobs wrote, and cron's own log
# (RELOAD of the file, CMD of each run, no complaint about the file).
. "$(dirname "$0")/lib.sh"

ALL="2 3"
start_master
fast_policy 300 3 3000
add_node_ns 2 cron1 web
add_node_ns 3 cron2 web
for i in $ALL; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync
for i in $ALL; do start_cron $i || exit 1; done

# A goes, B is the heartbeat that stays, C is inactive; '%' reaches the
# shell as '%' (the node escapes it for cron)
out=$(api scheduler.edit sok=ok minute='*' command="date +%s >> $WORK/out/a" comment="live a")
assert_eq "job a ok" "" "$(jf "$out" .ok)"
JA=$(jf "$out" .id)
out=$(api scheduler.edit sok=ok minute='*' command="date +%s >> $WORK/out/b" comment="heartbeat")
JB=$(jf "$out" .id)
out=$(api scheduler.edit sok=ok minute='*' command="date +%s >> $WORK/out/c" active=off)
JC=$(jf "$out" .id)
assert_converged scheduler 10 $ALL
for i in $ALL; do
	f=$WORK/n$i/root/etc/cron.d/hostfleet
	# what cron demands of a file in cron.d: root's, not group- or
	# other-writable, one link, a name without a dot
	assert_eq "n$i cron file owner, mode, links" "0 644 1" "$(stat -c '%u %a %h' "$f")"
	assert_match "n$i job a in the file" "^\* \* \* \* \* root date \+\\\\%s >> $WORK/out/a$" "$(grep 'out/a' "$f")"
done

# every node's cron runs both active jobs within a minute or so
for i in $ALL; do
	wait_for "n$i ran a and b" 75 sh -c "[ -s $WORK/cron$i/out/a ] && [ -s $WORK/cron$i/out/b ]"
done
for i in $ALL; do
	assert_match "n$i a wrote epoch seconds" '^[0-9]{10}$' "$(out_last $i a)"
	assert_match "n$i b wrote epoch seconds" '^[0-9]{10}$' "$(out_last $i b)"
	check "n$i inactive c never ran" test ! -e "$WORK/cron$i/out/c"
	log=$(cron_log $i)
	assert_match "n$i cron read the node's file" '\(\*system\*hostfleet\) RELOAD \(/etc/cron.d/hostfleet\)' "$log"
	assert_match "n$i cron ran a" "\(root\) CMD \(.*date \+%s >> $WORK/out/a\)" "$log"
	assert_nomatch "n$i cron took the file as it is" 'WRONG|INSECURE|ORPHAN|bad (minute|hour|day|month|command|username|time)|Error' "$log"
done

# delete a.  Not in the second of the minute when cron reads its files:
# cron sees a change by the directory's mtime in whole seconds.
wait_for "clock past the minute's start" 10 sh -c '[ $(date +%S | sed s/^0//) -ge 3 ] && [ $(date +%S | sed s/^0//) -le 55 ]'
out=$(api scheduler.delete elid="$JA")
assert_eq "delete ok" "" "$(jf "$out" .ok)"
assert_converged scheduler 10 $ALL
NEXT=$(( ($(date +%s) / 60 + 1) * 60 ))	# the first minute cron runs after the delete
for i in $ALL; do
	assert_nomatch "n$i a gone from the file" 'out/a' "$(cat "$WORK/n$i/root/etc/cron.d/hostfleet")"
	eval "A_$i=$(out_lines $i a) RELOADS_$i=$(cron_count $i RELOAD)"
done
# b runs again in the next minute on every node: cron is alive and read
# the new file; a did not run with it
for i in $ALL; do
	wait_for "n$i heartbeat after the delete" 75 sh -c "[ \$(tail -n 1 $WORK/cron$i/out/b) -ge $NEXT ]"
	wait_for "n$i jobs of that minute ended" 10 sh -c \
	    "[ \$(grep -c ' CMD (' $WORK/cron$i/cron.log) = \$(grep -c ' END (' $WORK/cron$i/cron.log) ]"
done
for i in $ALL; do
	assert_eq "n$i a wrote nothing after the delete" "$(eval echo \$A_$i)" "$(out_lines $i a)"
	check "n$i a's last run before the delete" test "$(out_last $i a)" -lt "$NEXT"
	check "n$i cron reloaded after the delete" test "$(cron_count $i RELOAD)" -gt "$(eval echo \$RELOADS_$i)"
	assert_eq "n$i cron logged no run of a after the delete" "$(eval echo \$A_$i)" "$(cron_count $i "CMD \(.*$WORK/out/a\)")"
	check "n$i inactive c never ran" test ! -e "$WORK/cron$i/out/c"
done

# a file cron would skip (group-writable) is reported and written again
chmod 664 "$WORK/n3/root/etc/cron.d/hostfleet"
wait_for "n3 file put right" 30 sh -c "[ \"\$(stat -c '%u %a %h' $WORK/n3/root/etc/cron.d/hostfleet)\" = '0 644 1' ]"
assert_converged scheduler 10 $ALL

api scheduler.delete elid="$JB, $JC" >/dev/null
assert_converged scheduler 10 $ALL
wait_for "no desync left" 20 no_desync
for i in $ALL; do assert_eq "n$i ready" ready "$(node_field $i status)"; done
