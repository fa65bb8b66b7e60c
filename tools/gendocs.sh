#!/bin/sh
# Rewrites the function index of docs/api.md (between the functions:begin
# and functions:end markers) from the function table of the binary.
set -e
cd "$(dirname "$0")/.."
make -s build/hostfleet
./build/hostfleet functions >build/functions.md
awk -v table=build/functions.md '
	/<!-- functions:begin -->/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
	/<!-- functions:end -->/ { skip = 0 }
	!skip { print }' docs/api.md >build/api.md
mv build/api.md docs/api.md
