#!/bin/sh
# /metrics: Prometheus' text format, accepted by promtool, readable with
# the scrape token or an administrator's credentials only; its values move
# with what happens: a failed login, a node stopped, a firewall change, a
# proxied listing, the synchronizer's pushes, the services a node runs.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || { fail "promtool is missing (tools/deps.sh installs prometheus)"; exit 1; }
TOKEN=scrape-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

start_master
fast_policy 300 2 3000
add_node_ns 2 m1 web
add_node_ns 3 m2 web
for i in 2 3; do wait_for "n$i ready" 30 node_is $i ready; done
wait_for "joins synchronised" 20 no_desync

# scrape [curl args]: /metrics with the token
scrape() { capi -H "Authorization: Bearer $TOKEN" "$MURL/metrics"; }
# metric SERIES: the value of one series (name with its labels, as
# written), empty when absent
metric() { scrape | awk -v s="$1" '$1 == s { print $2 }'; }
code() { capi -o /dev/null -w '%{http_code}' "$@"; }

# ---- who may read it ----
assert_eq "no credentials: 401" 401 "$(code "$MURL/metrics")"
assert_eq "no token set yet: 401" 401 "$(code -H "Authorization: Bearer $TOKEN" "$MURL/metrics")"
out=$(api cluster.policy sok=ok metrics_token="$TOKEN")
is_ok "token set" "$out"
assert_eq "the token is not shown by the policy" null "$(jf "$(api cluster.policy)" .metrics_token)"
assert_eq "the store keeps its hash only" 0 "$(master_dump nodes >/dev/null; sqlite3 "$MSTATE/master.db" "SELECT count(*) FROM policy WHERE value LIKE '%$TOKEN%'")"
assert_eq "the action log hides it" "(secret)" "$(api actionlog function=cluster.policy limit=1 | jq -r '.elem[0].params | fromjson | .metrics_token')"
assert_nomatch "the token is nowhere in the action log" "$TOKEN" "$(api actionlog limit=10000)"
assert_eq "with the token: 200" 200 "$(code -H "Authorization: Bearer $TOKEN" "$MURL/metrics")"
assert_eq "a wrong token: 401" 401 "$(code -H "Authorization: Bearer ${TOKEN}x" "$MURL/metrics")"
assert_eq "admin's authinfo: 200" 200 "$(code -G "$MURL/metrics" --data-urlencode "authinfo=admin:$ADMINPW")"
sid=$(capi "$MURL/ispmgr" -d func=auth -d username=admin --data-urlencode "password=$ADMINPW" -d out=json | jq -r '.doc.auth["$id"]')
assert_eq "admin's session: 200" 200 "$(code -G "$MURL/metrics" --data-urlencode "auth=$sid")"
assert_eq "admin's session cookie: 200" 200 "$(code -b "ispmgrses5=$sid" "$MURL/metrics")"
assert_eq "a cookie of no session: 401" 401 "$(code -b "ispmgrses5=0000" "$MURL/metrics")"
api user.edit sok=ok name=carol passwd=carol-pass-1 >/dev/null
assert_eq "a user's authinfo: 403" 403 "$(code -G "$MURL/metrics" --data-urlencode "authinfo=carol:carol-pass-1")"
out=$(api cluster.policy sok=ok metrics_token="bad-token-with a space")
is_err "a bad token is refused" value "$out"
assert_nomatch "without echoing it" 'bad-token' "$out"
assert_nomatch "nor logging it" 'bad-token' "$(api actionlog limit=10000)"

# ---- the format ----
scrape >"$WORK/m1.txt"
check "promtool check metrics accepts it" sh -c "promtool check metrics <'$WORK/m1.txt' >'$WORK/promtool.out' 2>&1"
assert_eq "content type" "text/plain; version=0.0.4; charset=utf-8" \
    "$(capi -o /dev/null -w '%{content_type}' -H "Authorization: Bearer $TOKEN" "$MURL/metrics")"
for s in 'hostfleet_node_status{node="m1",status="ready"}' \
    'hostfleet_node_status{node="m2",status="ready"}'; do
	assert_eq "$s" 1 "$(metric "$s")"
done
assert_eq "m2 is not unavailable" 0 "$(metric 'hostfleet_node_status{node="m2",status="unavailable"}')"
assert_eq "no desync entries" 0 "$(metric 'hostfleet_node_desync_entries{node="m1"}')"
assert_match "last seen lately" '^[0-9]$' "$(metric 'hostfleet_node_last_seen_age_seconds{node="m1"}')"
check "the synchronizer pushed the firewall to the nodes at their join" \
    [ "$(metric 'hostfleet_sync_pushes_total{type="firewall"}')" -ge 2 ]
# the services of a web node, as it reports them
svc_up() { [ "$(metric 'hostfleet_node_service_up{node="m1",service="nginx"}')" = 1 ]; }
wait_for "nginx of m1 up in the metrics" 30 svc_up
assert_eq "its state" 1 "$(metric 'hostfleet_node_service_state{node="m1",service="nginx",state="running"}')"

# ---- a failed login moves the counter ----
f0=$(metric hostfleet_login_failures_total)
out=$(capi "$MURL/ispmgr" -d func=auth -d username=admin -d password=not-the-password -d out=JSONdata)
is_err "a wrong password" auth "$out"
assert_eq "login failures + 1" $((f0 + 1)) "$(metric hostfleet_login_failures_total)"

# ---- a firewall change moves the query counters and histogram ----
q0=$(metric 'hostfleet_queries_total{type="firewall",outcome="committed"}')
h0=$(metric 'hostfleet_query_duration_seconds_count{type="firewall"}')
i0=$(metric 'hostfleet_query_duration_seconds_bucket{type="firewall",le="+Inf"}')
a0=$(metric 'hostfleet_api_request_duration_seconds_count{function="firewall.edit"}')
out=$(api firewall.edit sok=ok action=allow proto=tcp port=8443 comment=metrics)
is_ok "firewall change" "$out"
assert_eq "committed queries + 1" $((q0 + 1)) "$(metric 'hostfleet_queries_total{type="firewall",outcome="committed"}')"
assert_eq "query histogram count + 1" $((h0 + 1)) "$(metric 'hostfleet_query_duration_seconds_count{type="firewall"}')"
assert_eq "query histogram +Inf + 1" $((i0 + 1)) "$(metric 'hostfleet_query_duration_seconds_bucket{type="firewall",le="+Inf"}')"
assert_eq "API histogram of firewall.edit + 1" $((${a0:-0} + 1)) "$(metric 'hostfleet_api_request_duration_seconds_count{function="firewall.edit"}')"
check "the query's time is in the sum" awk "BEGIN { exit !($(metric 'hostfleet_query_duration_seconds_sum{type="firewall"}') > 0) }"

# ---- a listing across users goes to the nodes: the proxy counters ----
p0=$(metric hostfleet_proxy_duration_seconds_count)
c0=$(metric hostfleet_proxy_calls_total)
is_list "every site" "$(api webdomain)"
assert_eq "proxy batches + 1" $((p0 + 1)) "$(metric hostfleet_proxy_duration_seconds_count)"
assert_eq "proxy calls + 2 (both web nodes)" $((c0 + 2)) "$(metric hostfleet_proxy_calls_total)"

# ---- a stopped node shows unavailable ----
node_down 3
assert_eq "m2 unavailable" 1 "$(metric 'hostfleet_node_status{node="m2",status="unavailable"}')"
assert_eq "m2 no longer ready" 0 "$(metric 'hostfleet_node_status{node="m2",status="ready"}')"
assert_eq "m1 still ready" 1 "$(metric 'hostfleet_node_status{node="m1",status="ready"}')"
# with half the targets down the policy refuses a change: counted too
r0=$(metric 'hostfleet_queries_total{type="firewall",outcome="refused"}')
is_err "refused by the policy" policy "$(api firewall.edit sok=ok action=allow proto=tcp port=8444)"
assert_eq "refused queries + 1" $((r0 + 1)) "$(metric 'hostfleet_queries_total{type="firewall",outcome="refused"}')"
# the proxy's failures: a listing that reaches one node of two
pf0=$(metric hostfleet_proxy_failures_total)
api webdomain >/dev/null
assert_eq "proxy failures + 1" $((pf0 + 1)) "$(metric hostfleet_proxy_failures_total)"
scrape >"$WORK/m2.txt"
check "promtool check metrics accepts it with a node down" sh -c "promtool check metrics <'$WORK/m2.txt'"

# ---- throttled logins: counted apart from failures ----
t0=$(metric hostfleet_login_throttled_total)
f0=$(metric hostfleet_login_failures_total)
nthr=0
for k in 1 2 3 4 5 6 7 8; do
	out=$(capi "$MURL/ispmgr" -d func=auth -d username=admin -d password=wrong-$k -d out=JSONdata)
	[ "$(jf "$out" .error.object)" = throttled ] && nthr=$((nthr + 1))
done
check "some of 8 quick failures were throttled" [ "$nthr" -ge 1 ]
assert_eq "throttled logins counted" $((t0 + nthr)) "$(metric hostfleet_login_throttled_total)"
assert_eq "the others counted as failures" $((f0 + 8 - nthr)) "$(metric hostfleet_login_failures_total)"
