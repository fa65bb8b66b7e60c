#!/bin/sh
# The web panel in a real browser: Debian's chromium, driven by
# playwright-core (tests/browser/panel.mjs), against a real master and
# real nodes.  Its files and headers with curl first.
. "$(dirname "$0")/lib.sh"

BR=$TOP/tests/browser
if [ ! -d "$BR/node_modules/playwright-core" ] || [ ! -x /usr/bin/chromium ]; then
	fail "the browser tests need chromium and tests/browser/node_modules: make deps"
	exit 1
fi

start_master
fast_policy 300 3 2000
add_node_ns 2 web1 web
add_node_ns 3 dns1 dns
for i in 2 3; do wait_for "n$i ready" 30 node_is $i ready; done

# ---- the files: at /, embedded, with strict headers
hdr=$(capi -s -D - -o "$WORK/index.html" "$MURL/")
assert_match "the panel at /" '^HTTP/1.1 200' "$hdr"
assert_match "its page loads the modules" '<script type="module" src="/panel/app.js">' "$(cat "$WORK/index.html")"
assert_nomatch "no inline script" '<script>' "$(cat "$WORK/index.html")"
csp=$(printf '%s' "$hdr" | tr -d '\r' | sed -n 's/^Content-Security-Policy: //p')
assert_match "a CSP without inline script" "script-src 'self';" "$csp"
assert_nomatch "no unsafe-inline anywhere in the CSP" "unsafe-inline|unsafe-eval" "$csp"
assert_match "the CSP forbids frames" "frame-ancestors 'none'" "$csp"
assert_match "nosniff" 'X-Content-Type-Options: nosniff' "$hdr"
assert_match "no referrer" 'Referrer-Policy: no-referrer' "$hdr"
js=$(capi -s -D - -o /dev/null -H 'Accept-Encoding: gzip' "$MURL/panel/app.js" | tr -d '\r')
assert_match "a module's type" 'Content-Type: text/javascript' "$js"
assert_match "compressed" 'Content-Encoding: gzip' "$js"
etag=$(printf '%s' "$js" | sed -n 's/^ETag: //p')
assert_match "a strong ETag" '^"[0-9a-f]{32}"$' "$etag"
assert_eq "304 for the same tag" 304 "$(capi -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$MURL/panel/app.js")"
capi -s -o "$WORK/app.js" "$MURL/panel/app.js"
assert_eq "the file as it is in the tree" "$(sha256sum <"$TOP/src/master/panel/app.js")" "$(sha256sum <"$WORK/app.js")"
assert_eq "an unknown file: 404" 404 "$(capi -s -o /dev/null -w '%{http_code}' "$MURL/panel/nothing.js")"
assert_eq "no path out of the tree" 404 "$(capi -s -o /dev/null -w '%{http_code}' --path-as-is "$MURL/panel/../panel.c")"
assert_eq "POST to a file: 405" 405 "$(capi -s -o /dev/null -w '%{http_code}' -d x=1 "$MURL/panel/app.js")"

# ---- the login of the panel: a cookie, and a token for every call
out=$(capi -s -D "$WORK/login.hdr" -H 'X-Hostfleet-Panel: 1' "$MURL/ispmgr?func=auth&username=admin&password=$ADMINPW&out=JSONdata")
cookies=$(tr -d '\r' <"$WORK/login.hdr" | grep '^Set-Cookie: ')
assert_match "the session cookie" '^Set-Cookie: hfpanel=[0-9a-f]{64}; Path=/; Secure; HttpOnly; SameSite=Strict$' "$(echo "$cookies" | grep hfpanel=)"
sid=$(echo "$cookies" | sed -n 's/^Set-Cookie: hfpanel=\([0-9a-f]*\);.*/\1/p')
tok=$(jf "$out" .csrf)
assert_nomatch "the answer does not hold the session id" "$sid" "$out"
out=$(capi -s -b "hfpanel=$sid" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "the cookie without the token: refused" auth/csrf "$(jf "$out" '.error.type + "/" + .error.object')"
out=$(capi -s -b "hfpanel=$sid" -H "X-CSRF-Token: $tok" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "with the token" admin "$(jf "$out" .name)"
out=$(capi -s -b "hfpanel=$sid" -H "X-CSRF-Token: $tok" --interface "$NET.77" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "the cookie from another address: refused as a session is" auth "$(jf "$out" .error.type)"
out=$(capi -s "$MURL/ispmgr?func=whoami&out=JSONdata&auth=$sid")
assert_eq "an API client's auth= is unchanged" admin "$(jf "$out" .name)"
out=$(capi -s -b "hfpanel=0000" -H "X-CSRF-Token: $tok" "$MURL/ispmgr?func=whoami&out=JSONdata")
assert_eq "an unknown session cookie" auth "$(jf "$out" .error.type)"
# the throttle of the API: after its free failures (5) an address waits
# before its next attempt (1 s, then longer), the panel's login too
: >"$WORK/throttle"
for i in 1 2 3 4 5 6 7 8; do
	capi -s --interface "$NET.9" -H 'X-Hostfleet-Panel: 1' "$MURL/ispmgr?func=auth&username=admin&password=bad$i&out=JSONdata" |
	    jq -r .error.object >>"$WORK/throttle"
done
bad=$(grep -c badpassword "$WORK/throttle")
thr=$(grep -c throttled "$WORK/throttle")
check "the panel's login: the free failures checked ($bad)" [ "$bad" -ge 5 ]
check "...then throttled as the API's logins are ($thr)" [ "$thr" -ge 1 ]
assert_eq "...and nothing else" 8 $((bad + thr))

# a list longer than a page: 55 firewall rules (each node with its own
# network namespace, so that no node sees another's rules as drift; one a
# node is still syncing after its join may be refused by the policy: asked
# again)
rule() { api firewall.edit sok=ok action=allow proto=tcp port=$((3000 + $1)) comment="rule $1" | jq -e 'has("ok")'; }
for i in $(seq 55); do
	wait_for "rule $i" 20 rule "$i"
done
assert_eq "55 rules" 55 "$(api firewall | jq '.elem | length')"

# ---- the flows in chromium
OUT=$TOP/build/panel-test
rm -rf "$OUT"; mkdir -p "$OUT"
export PANEL_URL="$MURL/" ADMINPW NET OUT
counted() { browser_checks "$WORK/browser-$1.log" "$2"; }
node "$BR/panel.mjs" flows >"$WORK/browser-flows.log" 2>&1
counted flows $?

# a node stopped while the dashboard is open, and started again
node "$BR/panel.mjs" live >"$WORK/browser-live.log" 2>&1 &
bpid=$!
has() { [ -e "$OUT/$1" ]; }
wait_for "the dashboard open" 60 has dash-open
stop_node 3
wait_for "the dashboard shows dns1 unavailable" 90 has saw-unavailable
start_node_ns 3
wait $bpid
counted live $?
say "screenshots in $OUT"
