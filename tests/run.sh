#!/bin/sh
# Runs every test of `make test`: the unit tests, a check that the master's
# files call one another without a cycle (tools/depcycles), the end-to-end
# tests and a short run of every fuzz harness, all built with ASan and
# UBSan; ends with one line "N passed, N failed".
#
#   E2E=0020 sh tests/run.sh     only the end-to-end tests matching 0020
#   FUZZ_SECONDS=5               seconds per fuzz harness (default 15)
cd "$(dirname "$0")/.." || exit 2
pass=0
failn=0
failed=""
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

result() {
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
	else
		failn=$((failn + 1))
		failed="$failed $1"
	fi
}

echo "== unit tests"
for t in build/asan/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	n=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	if [ "$rc" -ne 0 ]; then
		printf '%s\n' "$out" | grep -E 'FAIL|ERROR|error|Sanitizer' | head -20
	fi
	if printf '%s\n' "$out" | grep -Eq 'runtime error:|ERROR: (Address|Leak)Sanitizer'; then
		rc=1
		f=${f:-1}
	fi
	pass=$((pass + ${n:-0}))
	failn=$((failn + ${f:-0}))
	[ "$rc" -ne 0 ] && [ -z "$f" ] && failn=$((failn + 1))
	[ "$rc" -ne 0 ] && failed="$failed $(basename "$t")"
	echo "$(basename "$t"): ${n:-0} passed, ${f:-0} failed"
done

# no file of the master calls, through others, back into itself
echo "== call cycles between the master's files"
python3 tools/depcycles build/asan
rc=$?
[ $rc -eq 0 ] && echo "depcycles: none"
[ $rc -eq 1 ] && echo "depcycles: cycles, named by tools/depcycles -v build/asan"
result depcycles $rc

echo "== end-to-end tests"
for t in tests/e2e/[0-9]*.sh; do
	case "$t" in *"${E2E:-}"*) ;; *) continue ;; esac
	start=$(date +%s)
	timeout -k 10 600 sh "$t" >"build/$(basename "$t" .sh).log" 2>&1
	rc=$?
	grep -E '^[0-9]{4}-[a-z0-9-]+: ' "build/$(basename "$t" .sh).log" | tail -30
	[ $rc -eq 124 ] && echo "$(basename "$t"): timed out"
	echo "   ($(( $(date +%s) - start )) s)"
	result "$(basename "$t" .sh)" $rc
done

echo "== fuzz (${FUZZ_SECONDS:-15} s each)"
for f in build/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f" | sed 's/^fuzz_//')
	mkdir -p "build/corpus/$name"
	"$f" -max_total_time="${FUZZ_SECONDS:-15}" -rss_limit_mb=2048 \
	    -artifact_prefix="build/fuzz-$name-" "build/corpus/$name" \
	    "fuzz/corpus/$name" >"build/fuzz-$name.log" 2>&1
	rc=$?
	echo "fuzz_$name: $(grep -Eo 'Done [0-9]+ runs' "build/fuzz-$name.log" || echo 'no summary'), exit $rc"
	[ $rc -ne 0 ] && tail -30 "build/fuzz-$name.log"
	result "fuzz_$name" $rc
done

# the failures again at the end, where a truncated CI log still shows them
for name in $failed; do
	[ -f "build/$name.log" ] || continue
	echo "== $name"
	grep "^$name: " "build/$name.log" | head -20
	grep -Ev "^$name: " "build/$name.log" | tail -15
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $failn failed"
[ "$failn" -eq 0 ]
