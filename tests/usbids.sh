#!/bin/sh
# Every USB id a driver claims has its udev line (systemd/60-onair.rules),
# and every udev line names an id a driver claims: one list kept in step
# with the other by this check, not by hand. Prints one closing line.
here=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0
ids=$(cd "$here" && {
	# "#define X_VID 0x27b8" / "#define X_PID 0x01ed" pairs, and the
	# pedal table's { 0xVVVV, 0xPPPP } pairs.
	for f in drivers/*.c; do
		vid=$(sed -n 's/^#define [A-Z0-9_]*_VID 0x\([0-9a-fA-F]\{4\}\).*/\1/p' "$f")
		pid=$(sed -n 's/^#define [A-Z0-9_]*_PID 0x\([0-9a-fA-F]\{4\}\).*/\1/p' "$f")
		[ -n "$vid" ] && [ -n "$pid" ] && echo "$vid:$pid"
	done
	grep -o '{ 0x[0-9a-fA-F]\{4\}, 0x[0-9a-fA-F]\{4\} }' drivers/pedal.c | sed 's/{ 0x\(....\), 0x\(....\) }/\1:\2/'
} | tr 'A-F' 'a-f' | sort -u)
rules=$(sed -n 's/.*ATTR{idVendor}=="\([0-9a-f]\{4\}\)", ATTR{idProduct}=="\([0-9a-f]\{4\}\)".*/\1:\2/p' \
	"$here/systemd/60-onair.rules" | sort -u)
if [ -z "$ids" ]; then
	echo "FAIL usbids: no USB id found in drivers/ (has the way they are written changed?)"
	failed=$((failed + 1))
fi
for id in $ids; do
	if echo "$rules" | grep -qx "$id"; then
		passed=$((passed + 1))
	else
		echo "FAIL usbids: $id is claimed by a driver and has no line in systemd/60-onair.rules"
		failed=$((failed + 1))
	fi
done
for id in $rules; do
	echo "$ids" | grep -qx "$id" && continue
	echo "FAIL usbids: systemd/60-onair.rules lets the onair group at $id, which no driver claims"
	failed=$((failed + 1))
done
echo "usbids: $passed passed, $failed failed"
[ $failed -eq 0 ]
