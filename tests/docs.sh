#!/bin/sh
# What the README promises a newcomer stays true: every command word of the
# one grammar (core/cmd.c) is in its command table, and every key the
# console driver takes is in its key line, and configs/studio.conf and
# onair.conf(5) have every key (given the build: tests/docs.sh BUILD).
# Prints one closing line.
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
# has_every_key WHERE HAVE: HAVE ("[section] key" lines) has each of $keys.
has_every_key() {
	missing=$(echo "$keys" | while read -r line; do echo "$2" | grep -qxF "$line" || echo "$line"; done)
	if [ -n "$missing" ]; then
		echo "FAIL docs: $1 lacks keys --dump-config prints:" $missing
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}
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
	has_every_key "configs/studio.conf" "$have"
fi
# onair.conf(5) is written by docs/confman.py from configs/studio.conf
# (which has every key, above): it is current, has every key in its
# section, and groff has nothing to say of it.
page=$here/docs/onair.conf.5
if python3 "$here/docs/confman.py" "$here/configs/studio.conf" | cmp -s - "$page"; then
	passed=$((passed + 1))
else
	echo "FAIL docs: docs/onair.conf.5 is not what docs/confman.py writes: python3 docs/confman.py configs/studio.conf > docs/onair.conf.5"
	failed=$((failed + 1))
fi
if [ -n "${keys:-}" ]; then
	has_every_key "docs/onair.conf.5" \
		"$(awk '/^\.SS / { section = $2 } /^\.B[IR]? "[a-z_]+ = / { k = $2; sub(/^"/, "", k); print section " " k }' "$page" | sort -u)"
fi
if command -v groff > /dev/null; then
	said=$(groff -Tutf8 -man -ww -z "$page" 2>&1)
	if [ -n "$said" ]; then
		echo "FAIL docs: groff on docs/onair.conf.5: $said"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
else
	echo "FAIL docs: groff is not installed (groff-base: ./install-packages --tests): docs/onair.conf.5 not typeset"
	failed=$((failed + 1))
fi
echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
