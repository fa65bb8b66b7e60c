#!/bin/sh
# Node registry: five real node agents join with tokens, become ready,
# report stats; nodes are edited and removed; bad fields are refused.
. "$(dirname "$0")/lib.sh"

start_master
fast_policy 300 3 2000

add_node 2 web1 web
add_node 3 web2 web,mail weight=50
add_node 4 dns1 dns
add_node 5 mail1 mail userlocked=on
add_node 6 all1 "mail dns web" is_local=on

all_ready() {
	n=$(api cluster.node | jq '[.elem[] | select(.status == "ready")] | length')
	[ "$n" = 5 ]
}
wait_for "five nodes ready" 30 all_ready
# the version each node runs, from its reports
want=$("$HF" --version | sed 's/^hostfleet //')
assert_eq "every node's version shown" "$want $want $want $want $want" \
    "$(api cluster.node | jq -r '[.elem[].version] | join(" ")')"

list=$(api cluster.node)
assert_eq "node count" 5 "$(jf "$list" '.elem | length')"
assert_eq "roles canonical" "web,dns,mail" "$(node_field 6 roles)"
assert_eq "weight kept" 50 "$(node_field 3 weight)"
assert_eq "userlocked flag" on "$(node_field 5 userlocked)"
assert_eq "is_local flag" on "$(node_field 6 is_local)"
assert_eq "joined" on "$(node_field 2 joined)"
assert_match "machine id reported" '^[0-9a-f]{32}$' "$(node_field 2 machine_id)"
# each node has its own machine id
ids=$(jf "$list" '[.elem[].machine_id] | unique | length')
assert_eq "machine ids distinct" 5 "$ids"

# sysinfo_stat: load, memory, disk and the services of each node's roles
st=$(api sysinfo_stat)
assert_eq "stats for every node" 5 "$(jf "$st" '.elem | length')"
e=$(jf "$st" '.elem[] | select(.name == "all1")')
assert_match "load" '^[0-9]+\.[0-9]{2}$' "$(jf "$e" .load1)"
assert_match "memory" '^[1-9][0-9]+$' "$(jf "$e" .mem_total)"
assert_match "disk" '^[1-9][0-9]+$' "$(jf "$e" .disk_total)"
assert_match "services of web,dns,mail" 'nginx:.*named:.*postfix:.*dovecot:' "$(jf "$e" .services)"
e=$(jf "$st" '.elem[] | select(.name == "dns1")')
assert_match "dns node reports named" 'named:' "$(jf "$e" .services)"
assert_nomatch "dns node does not report nginx" 'nginx' "$(jf "$e" .services)"
# a running service is seen through its pid file under the host root
mkdir -p "$WORK/n4/root/run"
echo $$ >"$WORK/n4/root/run/named.pid"
named_running() { api sysinfo_stat | jq -r '.elem[] | select(.name == "dns1") | .services' | grep -q 'named:running'; }
wait_for "named seen running" 10 named_running

# one node's stats
one=$(api sysinfo_stat elid="$NODEID_3")
assert_eq "sysinfo_stat elid" web2 "$(jf "$one" '.elem[0].name')"
assert_eq "sysinfo_stat elid only" 1 "$(jf "$one" '.elem | length')"

# show a node as a form
f=$(api cluster.node.edit elid="$NODEID_2")
assert_eq "form name" web1 "$(jf "$f" .name)"
assert_eq "form addr" "$NET.2" "$(jf "$f" .addr)"

# edit: roles, weight, maintenance, userlocked, comment
out=$(api cluster.node.edit sok=ok elid="$NODEID_2" roles="web,dns" weight=7 \
    maintenance=on userlocked=on comment="rack 4, shelf 2")
assert_eq "edit ok" "" "$(jf "$out" .ok)"
f=$(api cluster.node.edit elid="$NODEID_2")
assert_eq "roles changed" web,dns "$(jf "$f" .roles)"
assert_eq "weight changed" 7 "$(jf "$f" .weight)"
assert_eq "maintenance on" on "$(jf "$f" .maintenance)"
assert_eq "comment" "rack 4, shelf 2" "$(jf "$f" .comment)"
# in maintenance it is not synchronised: the new role's data waits
check "web1 syncing in maintenance" node_is 2 syncing
assert_match "its data is pending" 'firewall' "$(api cluster.desync | jq -r "[.elem[] | select(.node == \"$NODEID_2\") | .type] | join(\" \")")"

api cluster.node.edit sok=ok elid="$NODEID_2" maintenance=off >/dev/null
wait_for "web1 ready once out of maintenance" 20 node_is 2 ready

# bad fields: nothing changes
for bad in 'name=UPPER' 'name=a;b' 'name=x%0Ay' 'roles=web,ftp' 'roles=web,web' \
    'weight=0' 'weight=1001' 'weight=12a' 'weight=-1' 'port=70000' \
    'maintenance=yes' 'comment=a%0Ab' "addr=10.0.0.1" 'ssh_port=0'; do
	out=$(capi "$MURL/ispmgr?func=cluster.node.edit&out=JSONdata&authinfo=admin:$ADMINPW&sok=ok&elid=$NODEID_3&$bad")
	assert_eq "refused $bad" value "$(jf "$out" .error.type)"
done
f=$(api cluster.node.edit elid="$NODEID_3")
assert_eq "unchanged after bad input" "web2 web,mail 50 off" \
    "$(jf "$f" '[.name, .roles, .weight, .maintenance] | join(" ")')"

# a new node with a bad name or address
out=$(api cluster.node.edit sok=ok name='x"}' addr="$NET.40")
assert_eq "bad new name" value "$(jf "$out" .error.type)"
out=$(api cluster.node.edit sok=ok name=ok1 addr="$NET.400")
assert_eq "bad new addr" value "$(jf "$out" .error.type)"
out=$(api cluster.node.edit sok=ok name=ok1)
assert_eq "missing addr" empty "$(jf "$out" .error.type)"
# duplicates
out=$(api cluster.node.edit sok=ok name=web1 addr="$NET.41")
assert_eq "duplicate name" exists "$(jf "$out" .error.type)"
out=$(api cluster.node.edit sok=ok name=other addr="$NET.2")
assert_eq "duplicate address" exists "$(jf "$out" .error.type)"
assert_eq "still five nodes" 5 "$(api cluster.node | jq '.elem | length')"

# delete: a missing id refuses the whole list
out=$(api cluster.node.delete elid="$NODEID_5, 999")
assert_eq "delete missing" missing "$(jf "$out" .error.type)"
assert_eq "nothing deleted" 5 "$(api cluster.node | jq '.elem | length')"
out=$(api cluster.node.delete elid="$NODEID_5, $NODEID_6")
assert_eq "delete two" "" "$(jf "$out" .ok)"
assert_eq "three left" "web1 web2 dns1" "$(api cluster.node | jq -r '[.elem[].name] | join(" ")')"
