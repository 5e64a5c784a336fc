#!/bin/sh
# Every test of "make check": unit tests and system tests on the plain build
# and on the sanitizer build, then a short run of every fuzzer. Prints one
# closing line with the counts. Usage: tests/run-all.sh BUILD
set -u
build=$1
here=$(dirname "$0")
passed=0
failed=0
skipped=0

count() { # suite-name exit-code
	if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1"; fi
}

for b in "$build" "$build/san"; do
	for t in "$b"/tests/test_*; do
		# cmocka prints its own counts per group; each group counts once here.
		"$t" > "$t.log" 2>&1
		rc=$?
		tail -n 1 "$t.log" | sed "s|^|$(basename "$t") ($b): |"
		[ $rc -ne 0 ] && cat "$t.log"
		count "$t" $rc
	done
	python3 "$here/system/test_daemon.py" "$b"
	count "system tests ($b)" $?
done

if [ -x "$build/fuzz/fuzz_conf" ]; then
	"$here/fuzz/run.sh" "$build" "${FUZZ_SMOKE_SECONDS:-8}"
	count "fuzz smoke" $?
else
	echo "SKIP fuzz smoke: clang with libFuzzer is not installed"
	skipped=$((skipped + 1))
fi

echo "check: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
