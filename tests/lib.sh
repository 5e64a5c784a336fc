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

# The downloads (kernel packages, Debian roots' packages, npm packages)
# are kept outside the tree, so a second clean clone does not fetch them
# again: ONAIR_CACHE, else $XDG_CACHE_HOME/onair, else ~/.cache/onair.
# Every file taken from it is checked by its hash first (apt's index,
# debootstrap's, npm's lockfile), so a stale or broken copy is fetched
# again, never used. cache_dir PART prints the folder, made; nothing when
# it cannot be made (then the suite downloads into the tree, as before).
cache_dir() {
	local dir=${ONAIR_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/onair}/$1
	mkdir -p "$dir" 2> /dev/null && (cd "$dir" && pwd)
}

# apt_fetch DIR NAME[:ARCH]=VERSION...: each package's .deb into DIR,
# copied from the cache when the copy there has the SHA-256 that apt's
# index gives, else downloaded with apt-get (which checks it) and kept.
apt_fetch() {
	local dest=$1 cache spec sha pool base fetch deb
	shift
	cache=$(cache_dir apt) || cache=
	for spec in "$@"; do
		sha=$(apt-cache show "$spec" 2> /dev/null | awk '/^SHA256:/ { print $2; exit }')
		pool=$(apt-cache show "$spec" 2> /dev/null | awk '/^Filename:/ { print $2; exit }')
		base=${pool##*/}
		if [ -n "$cache" ] && [ -n "$sha" ] && [ -n "$base" ] && [ -f "$cache/$base" ] &&
			echo "$sha  $cache/$base" | sha256sum -c --status; then
			cp "$cache/$base" "$dest/$base" || return 1
			continue
		fi
		fetch=$(mktemp -d "$dest/.fetch.XXXXXX") && chmod 755 "$fetch" || return 1
		(cd "$fetch" && apt-get download -q "$spec" >&2) || { rm -rf "$fetch"; return 1; }
		for deb in "$fetch"/*.deb; do
			[ -n "$cache" ] && [ -n "$base" ] && cp "$deb" "$cache/$base.tmp" && mv "$cache/$base.tmp" "$cache/$base"
			mv "$deb" "$dest/"
		done
		rm -rf "$fetch"
	done
}

# debootstrap's option to keep a root's packages in the cache (it checks
# each against the suite's index before using it), or nothing.
debootstrap_cache() {
	local dir
	dir=$(cache_dir debootstrap) && echo "--cache-dir=$dir"
}
