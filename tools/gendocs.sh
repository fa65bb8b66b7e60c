#!/bin/sh
# Rewrites the generated parts of docs/api.md from the binary's function
# table and data types: the function index (between the functions:begin
# and functions:end markers) and each field table (between
# fields:TYPE:begin and fields:TYPE:end).
set -e
cd "$(dirname "$0")/.."
make -s build/hostfleet
./build/hostfleet functions >build/functions.md
for t in $(sed -n 's/^<!-- fields:\([a-z.]*\):begin -->$/\1/p' docs/api.md); do
	./build/hostfleet functions --fields "$t" >"build/fields-$t.md"
done
awk '
	/^<!-- functions:begin -->$/ { print; while ((getline l < "build/functions.md") > 0) print l; skip = 1; next }
	/^<!-- fields:[a-z.]*:begin -->$/ {
		t = $0; sub(/^<!-- fields:/, "", t); sub(/:begin -->$/, "", t)
		print; f = "build/fields-" t ".md"
		while ((getline l < f) > 0) print l
		skip = 1; next
	}
	/^<!-- (functions|fields:[a-z.]*):end -->$/ { skip = 0 }
	!skip { print }' docs/api.md >build/api.md
mv build/api.md docs/api.md
