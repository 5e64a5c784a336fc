#!/bin/sh
# The pages in Debian's chromium (browser.js), screenshots kept in BUILD/web.
# Usage: tests/web/run.sh BUILD
set -u
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
if ! "$here/setup.sh" "$build"; then
	echo "browser: 0 passed, 1 failed"
	exit 1
fi
exec node "$build/web-test/browser.js" "$build" "$(cd "$here/../.." && pwd)" "$build/web"
