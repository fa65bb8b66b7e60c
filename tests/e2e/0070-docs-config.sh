#!/bin/sh
# docs/api.md lists exactly the function table; the daemons check their
# configuration and print it back in canonical form (-n).
. "$(dirname "$0")/lib.sh"

"$HF" functions >"$WORK/functions.md"
awk '/<!-- functions:begin -->/{on=1; next} /<!-- functions:end -->/{on=0} on' \
    "$TOP/docs/api.md" >"$WORK/doc-table.md"
check "docs/api.md index equals the function table (run make docs)" \
    cmp -s "$WORK/functions.md" "$WORK/doc-table.md"
# every field table is the one its data type's declaration gives
ntables=0
for t in $(sed -n 's/^<!-- fields:\([a-z.]*\):begin -->$/\1/p' "$TOP/docs/api.md"); do
	"$HF" functions --fields "$t" >"$WORK/fields-$t.md"
	awk -v t="$t" '$0 == "<!-- fields:" t ":begin -->" {on=1; next} $0 == "<!-- fields:" t ":end -->" {on=0} on' \
	    "$TOP/docs/api.md" >"$WORK/doc-fields-$t.md"
	check "docs/api.md field table of $t equals its declaration (run make docs)" \
	    cmp -s "$WORK/fields-$t.md" "$WORK/doc-fields-$t.md"
	ntables=$((ntables + 1))
done
assert_eq "every field table of docs/api.md is generated" 0 \
    "$(awk '/^\| field \|/ && !on {n++} /^<!-- fields:.*:begin -->$/ {on=1} /^<!-- fields:.*:end -->$/ {on=0} END {print n+0}' "$TOP/docs/api.md")"
check "docs/api.md has generated field tables" [ "$ntables" -ge 13 ]
for f in $("$HF" functions | sed -n 's/^| `\([^`]*\)`.*/\1/p'); do
	check "docs/api.md has a section for $f" grep -q "^### .*\`$f\`" "$TOP/docs/api.md"
done

# canonical configuration
cat >"$WORK/m.json" <<JSON
{"port": 1555, "listen": "$NET.1", "state_dir": "$WORK/s"}
JSON
out=$("$HF" master -n -c "$WORK/m.json")
assert_eq "canonical master config" "$(cat "$TOP/tests/e2e/golden/master-n.json" | sed "s#@NET@#$NET#; s#@WORK@#$WORK#")" "$out"
out=$("$HF" master -n -c "$WORK/m.json" -p 1600 | jq -r .port)
assert_eq "flag over file" 1600 "$out"
echo '{"prot": 1}' >"$WORK/bad1.json"
check "unknown key refused" sh -c "! '$HF' master -n -c '$WORK/bad1.json' 2>'$WORK/e1'"
assert_match "unknown key named" '"prot"' "$(cat "$WORK/e1")"
echo "{\"listen\": \"$NET.1\", \"plain_http\": true, \"listen\": \"0.0.0.0\"}" >"$WORK/bad2.json"
check "duplicate key refused" sh -c "! '$HF' master -n -c '$WORK/bad2.json' 2>/dev/null"
echo '{"listen": "0.0.0.0", "plain_http": true}' >"$WORK/bad3.json"
check "plain HTTP off loopback refused" sh -c "! '$HF' master -n -c '$WORK/bad3.json' 2>'$WORK/e3'"
assert_match "plain HTTP reason" 'loopback' "$(cat "$WORK/e3")"
echo '{"uid_min": 999}' >"$WORK/bad5.json"
check "a uid_min below 1000 refused" sh -c "! '$HF' master -n -c '$WORK/bad5.json' 2>'$WORK/e5'"
assert_match "...named" 'uid_min: out of range 1000' "$(cat "$WORK/e5")"
echo '{"listen": "1.2.3.4\n"}' >"$WORK/bad4.json"
check "bad listen refused" sh -c "! '$HF' master -n -c '$WORK/bad4.json' 2>/dev/null"
out=$("$HF" node -n -a "$NET.5" -s "$WORK/ns" -r "$WORK/nr")
assert_eq "canonical node config" "$NET.5 1501" "$(jf "$out" '[.addr, (.port|tostring)] | join(" ")')"
check "bad node address refused" sh -c "! '$HF' node -n -a 'x;y' 2>/dev/null"
check "a node that never joined says so" sh -c "! '$HF' node -s '$WORK/nj' -a '$NET.6' 2>'$WORK/e5'"
assert_match "not joined message" 'not joined' "$(cat "$WORK/e5")"

# plain HTTP on loopback when configured
mkdir -p "$WORK/pm"
bg plain "$HF" master -s "$WORK/pm" -l "$NET.1" -p 1501 --plain-http
wait_for "plain master" 20 test -s "$WORK/pm/api.url"
out=$(curl -s "http://$NET.1:1501/ispmgr?func=whoami&out=JSONdata")
assert_eq "plain HTTP answers on loopback" auth "$(jf "$out" .error.type)"
