# Shell helpers the suites share (POSIX sh; sourced, not run). Set SUITE
# before sourcing: it names every PASS/FAIL/SKIP line and the closing
# "SUITE: N passed, N failed, N skipped" that tests/run-all.sh counts.
passed=0 failed=0 skipped=0
pass() { echo "PASS $SUITE: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $SUITE: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP $SUITE: $*"; skipped=$((skipped + 1)); }
finish() {
	echo "$SUITE: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

# log_counts LOG: sets log_passed, log_failed and log_skipped from the last
# count line of a suite's log: cmocka's "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s)", or "NAME: N passed, M failed[, K skipped]".
# Each is empty when the log has none.
log_counts() {
	log_passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/.*: \([0-9]*\) passed, [0-9]* failed.*/\1/p' "$1" | tail -n 1)
	log_failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/.*: [0-9]* passed, \([0-9]*\) failed.*/\1/p' "$1" | tail -n 1)
	log_skipped=$(sed -n 's/.*: [0-9]* passed, [0-9]* failed, \([0-9]*\) skipped.*/\1/p' "$1" | tail -n 1)
}

# The Debian mirror this machine's apt uses (debootstrap takes it too).
debian_mirror() {
	m=$(sed -n 's/^URIs: *//p; s/^deb \(http[^ ]*\) .*/\1/p' /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list 2> /dev/null | grep -v security | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

# copy_tree SRC DEST: the tree as git sees it, so what is built and tested
# is what would be committed.
copy_tree() {
	mkdir -p "$2"
	(cd "$1" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - 2> /dev/null) | tar -xf - -C "$2"
}
