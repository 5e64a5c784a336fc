#!/bin/sh
# Installs the pinned puppeteer-core (tests/web/package-lock.json) into
# BUILD/web-test once, from the npm registry, with the test scripts beside
# it. Debian's chromium is the browser: nothing is downloaded for it.
# Usage: tests/web/setup.sh BUILD; prints a FAIL line and exits 1 when a
# tool or the install is missing.
set -u
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
for tool in node npm chromium; do
	if ! command -v $tool > /dev/null; then
		echo "FAIL browser tests: $tool is not installed (run ./install-packages)"
		exit 1
	fi
done
work=$build/web-test
# npm's own cache, outside the tree (tests/lib.sh): a second clone installs
# offline; npm checks every package against the lockfile's integrity hash.
. "$here/../lib.sh"
npm_cache=$(cache_dir npm) && npm_cache="--cache $npm_cache --prefer-offline" || npm_cache=
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/puppeteer-core" ] || [ ! -d "$work/node_modules/obs-websocket-js" ] || [ ! -d "$work/node_modules/vmix-js-utils" ] || [ ! -d "$work/node_modules/atem-connection" ]; then
	cp "$here/package.json" "$here/package-lock.json" "$work/"
	if ! (cd "$work" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund $npm_cache > npm.log 2>&1); then
		tail -n 20 "$work/npm.log"
		echo "FAIL browser tests: npm ci of puppeteer-core (log: $work/npm.log)"
		exit 1
	fi
fi
cp "$here/browser.js" "$here/bench.js" "$here/tsl-send.js" "$here/obs-ctl.js" "$here/vmix-check.js" "$here/tsl-listen.js" "$here/atem-check.js" "$work/"
