#!/bin/sh
# The pages in Debian's chromium: installs the pinned puppeteer-core from
# package-lock.json into BUILD/web-test (once, from the npm registry), then
# runs browser.js. Screenshots are kept in BUILD/web.
# Usage: tests/web/run.sh BUILD
set -u
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
for tool in node npm chromium; do
	if ! command -v $tool > /dev/null; then
		echo "FAIL browser tests: $tool is not installed (run ./install-packages)"
		echo "browser: 0 passed, 1 failed"
		exit 1
	fi
done
work=$build/web-test
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/puppeteer-core" ]; then
	cp "$here/package.json" "$here/package-lock.json" "$work/"
	# No browser download: the system's chromium is the one tested.
	if ! (cd "$work" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund > npm.log 2>&1); then
		tail -n 20 "$work/npm.log"
		echo "FAIL browser tests: npm ci of puppeteer-core (log: $work/npm.log)"
		echo "browser: 0 passed, 1 failed"
		exit 1
	fi
fi
cp "$here/browser.js" "$work/"
exec node "$work/browser.js" "$build" "$src" "$build/web"
