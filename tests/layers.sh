#!/bin/sh
# The house in layers: core/ (pure logic, helpers) < drivers/ < daemon/.
# A file includes headers of its own layer or the ones below, never above;
# each wrong-way include is named with its file and line. Usage:
# tests/layers.sh [TREE]
cd "${1:-$(dirname "$0")/..}" || exit 2
bad=0
# layer FOLDER FORBIDDEN...: no file in FOLDER includes from those folders.
layer() {
	dir=$1
	shift
	for above in "$@"; do
		hits=$(grep -Hn "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"\(\.\./\)*$above/" \
			"$dir"/*.c "$dir"/*.h 2>/dev/null)
		if [ -n "$hits" ]; then
			echo "$hits" | sed "s|\$|  <- $dir/ must not include $above/ (it is above it)|"
			bad=$((bad + $(echo "$hits" | wc -l)))
		fi
	done
}
layer core drivers daemon
layer drivers daemon
files=$(ls core/*.[ch] drivers/*.[ch] daemon/*.[ch] | wc -l)
if [ "$bad" -eq 0 ]; then
	echo "layers: $files files, every include points down"
	echo "layers: 1 passed, 0 failed"
else
	echo "layers: $bad wrong-way include(s)"
	echo "layers: 0 passed, 1 failed"
	exit 1
fi
