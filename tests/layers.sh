#!/bin/sh
# The house in layers and rooms. Layers: core/ (pure logic, helpers) <
# drivers/ (hardware and devices) < daemon/ (the composition). daemon/ is
# in rooms, each a folder, in the order below: a room includes headers of
# its own room, of a room before it, or of core/ and drivers/; never of a
# room after it nor of daemon/'s top (main, onairctl, the command door),
# which may include any room. And no two files' modules (a .c with its .h)
# include each other, directly or round about. Each wrong-way include is
# named with its file and line. Usage: tests/layers.sh [TREE]
cd "${1:-$(dirname "$0")/..}" || exit 2
bad=0
failed=0
passed=0

# The rooms, bottom first. A new room is placed here, where it belongs.
ROOMS="sources config control show signal tally mqtt selftest floor link http"

say_bad() { # HITS WHY
	echo "$1" | sed "s|\$|  <- $2|"
	bad=$((bad + $(echo "$1" | wc -l)))
}

includes() { # FILES...: "file:line:path" for each quoted include
	grep -Hn "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"" "$@" 2>/dev/null |
		sed 's|^\([^:]*:[0-9]*\):[^"]*"\([^"]*\)".*|\1:\2|'
}

# layer FOLDER FORBIDDEN...: no file in FOLDER (or below) includes from those.
layer() {
	dir=$1
	shift
	for above in "$@"; do
		hits=$(includes $(find "$dir" -name '*.[ch]') | grep ":\(\.\./\)*$above/")
		[ -n "$hits" ] && say_bad "$hits" "$dir/ must not include $above/ (it is above it)"
	done
}
layer core drivers daemon
layer drivers daemon
if [ "$bad" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# The rooms.
before=$bad
for dir in daemon/*/; do
	room=$(basename "$dir")
	[ "$room" = web ] && continue	# the pages, no C
	case " $ROOMS " in
	*" $room "*) ;;
	*) echo "daemon/$room/ is not in tests/layers.sh's ROOMS: place it in the order"
	   bad=$((bad + 1)) ;;
	esac
done
rank=0
for room in $ROOMS; do
	rank=$((rank + 1))
	[ -d "daemon/$room" ] || { echo "daemon/$room/ is in ROOMS but not in the tree"; bad=$((bad + 1)); continue; }
	for inc in $(includes daemon/"$room"/*.[ch]); do
		path=${inc#*:*:}
		case $path in
		../../*) continue ;;	# core/ and drivers/: the layers above
		../*/*) other=${path#../}; other=${other%%/*} ;;
		../*) say_bad "${inc%:*}" "daemon/$room/ must not include daemon/'s top ($path)"; continue ;;
		*) continue ;;	# its own room
		esac
		orank=0 n=0
		for r in $ROOMS; do n=$((n + 1)); [ "$r" = "$other" ] && orank=$n; done
		if [ "$orank" -eq 0 ]; then
			say_bad "${inc%:*}" "daemon/$room/ includes $path: no such room"
		elif [ "$orank" -gt "$rank" ]; then
			say_bad "${inc%:*}" "daemon/$room/ must not include daemon/$other/ (it is above it)"
		fi
	done
done
if [ "$bad" -eq "$before" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# No circle between modules: "dir/name" of the includer and the included.
before=$bad
edges=$(for f in $(find core drivers daemon -name '*.[ch]'); do
	d=$(dirname "$f")
	m=$d/$(basename "$f"); m=${m%.*}
	includes "$f" | while IFS=: read -r _ _ path; do
		t=$(realpath -m --relative-to=. "$d/$path"); t=${t%.*}
		[ "$t" != "$m" ] && [ -e "$t.h" ] && echo "$m $t"
	done
done | sort -u)
loop=$(echo "$edges" | tsort 2>&1 >/dev/null | grep -v 'input contains a loop')
if [ -n "$loop" ]; then
	echo "modules that include each other round about:" $(echo "$loop" | sed 's/^tsort: //' | sort -u)
	bad=$((bad + 1))
fi
if [ "$bad" -eq "$before" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

files=$(find core drivers daemon -name '*.[ch]' | wc -l)
if [ "$failed" -eq 0 ]; then
	echo "layers: $files files in $(echo $ROOMS | wc -w) rooms, every include points down, no circle"
else
	echo "layers: $bad wrong-way include(s) or circle(s)"
fi
echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
