#!/bin/sh
# What the README promises a newcomer stays true: every command word of the
# one grammar (core/cmd.c) is in its command table, and every key the
# console driver takes is in its key line, and configs/studio.conf has
# every key (given the build: tests/docs.sh BUILD). Prints one closing line.
here=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0
words=$(grep -o '{ "[a-z-]*", CMD_' "$here/core/cmd.c" | sed 's/{ "\(.*\)", CMD_/\1/')
if [ -z "$words" ]; then
	echo "FAIL docs: no command word found in core/cmd.c (has the table's shape changed?)"
	failed=$((failed + 1))
fi
table=$(grep '^| `onairctl ' "$here/README.md")
for w in $words; do
	# "`onairctl WORD", or "/ `WORD`" and ", `WORD`" beside another.
	if echo "$table" | grep -q -e "\`onairctl $w[\` ]" -e "[/,] \`$w[\` ]"; then
		passed=$((passed + 1))
	else
		echo "FAIL docs: the command '$w' (core/cmd.c) is not in README.md's command table"
		failed=$((failed + 1))
	fi
done
# configs/studio.conf says it has every key: each one --dump-config prints
# (a section's key, written or commented out) is there.
onaird=${1:-}/onaird
if [ -n "${1:-}" ] && [ -x "$onaird" ]; then
	keys=$("$onaird" -c "$here/configs/minimal.conf" -o tally.order= --dump-config |
		awk '/^\[/ { section = $0 } /^[a-z_]+ =/ && section !~ /device|source|output/ && $1 != "segment" { print section " " $1 }' | sort -u)
	if [ -z "$keys" ]; then
		echo "FAIL docs: onaird --dump-config printed no keys"
		failed=$((failed + 1))
	fi
	have=$(awk '/^;?\[/ { section = $0; sub(/^;/, "", section) } /^;?[a-z_]+ *=/ { k = $1; sub(/^;/, "", k); print section " " k }' \
		"$here/configs/studio.conf" | sort -u)
	missing=$(echo "$keys" | while read -r line; do echo "$have" | grep -qxF "$line" || echo "$line"; done)
	if [ -n "$missing" ]; then
		echo "FAIL docs: configs/studio.conf lacks keys --dump-config prints:" $missing
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
fi
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
