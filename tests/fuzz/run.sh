#!/bin/sh
# Run every libFuzzer target for SECONDS each, starting from the seed corpus
# in tests/fuzz/corpus (copied, so new inputs stay under the build folder).
# Usage: tests/fuzz/run.sh BUILD SECONDS
set -eu
build=$1
seconds=$2
here=$(dirname "$0")
status=0
for target in $(ls "$here/corpus"); do
	work="$build/fuzz/corpus-$target"
	mkdir -p "$work"
	cp "$here/corpus/$target"/* "$work/"
	if "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
		-print_final_stats=0 "$work" > "$build/fuzz/fuzz_$target.log" 2>&1; then
		echo "PASS fuzz_$target ($seconds s, $(ls "$work" | wc -l) corpus inputs)"
	else
		echo "FAIL fuzz_$target: see $build/fuzz/fuzz_$target.log"
		tail -30 "$build/fuzz/fuzz_$target.log"
		status=1
	fi
done
exit $status
