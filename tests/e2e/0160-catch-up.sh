#!/bin/sh
# 1,000 changes made while a node was down: on return it converges in one
# push of the full state, not 1,000.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 1000 2 3000
for i in 2 3 4; do add_node_ns $i "n$i" web; done
for i in 2 3 4; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync

stop_node 4
wait_for "n4 unavailable" 10 node_is 4 unavailable
# 1,000 changes, each its own distributed query, over one kept-alive
# connection: 800 cron jobs added, then 200 of them deleted one by one
A="authinfo=admin:$ADMINPW&out=JSONdata"
: >"$WORK/urls"
for n in $(seq 1 800); do
	printf 'url = "%s/ispmgr?func=scheduler.edit&%s&sok=ok&minute=%d&command=/usr/bin/job-%d"\noutput = /dev/null\n' \
	    "$MURL" "$A" $((n % 60)) "$n" >>"$WORK/urls"
done
capi -K "$WORK/urls"
: >"$WORK/urls"
for id in $(api scheduler | jq -r '.elem[].id' | head -200); do
	printf 'url = "%s/ispmgr?func=scheduler.delete&%s&elid=%s"\noutput = /dev/null\n' \
	    "$MURL" "$A" "$id" >>"$WORK/urls"
done
capi -K "$WORK/urls"
assert_eq "600 jobs left" 600 "$(api scheduler | jq '.elem | length')"
ncommitted=$(api cluster.query limit=2000 | jq '[.elem[] | select(.outcome == "committed" and .type == "scheduler")] | length')
assert_eq "1,000 committed queries while n4 was down" 1000 "$ncommitted"
assert_eq "one desync entry for n4" 1 "$(api cluster.desync | jq "[.elem[] | select(.node == \"$NODEID_4\" and .type == \"scheduler\")] | length")"

start_node_ns 4
assert_converged scheduler 30 2 3 4
pushes=$(capi --cert "$MSTATE/master.pem" --key "$MSTATE/master.key" "https://$NET.4:1501/v1/stats" | jq .versions.scheduler.pushes)
assert_eq "converged in one push" 1 "$pushes"
assert_eq "600 jobs in n4's cron file" 600 "$(grep -c '/usr/bin/job-' "$WORK/n4/root/etc/cron.d/hostfleet")"
wait_for "no desync left" 20 no_desync
