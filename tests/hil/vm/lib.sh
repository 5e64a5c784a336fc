# Helpers for the tests inside the bench VM (busybox sh). Every assertion
# reads what the kernel devices show: gpio-sim line values, pulls and the
# gpio tracepoint; the daemon's own status is only used to wait for it.
SIMCFG=/sys/kernel/config/gpio-sim/onair
SIM=
D=/tmp/onair
CTL="/hil/bin/onairctl"
export ONAIR_SOCKET=$D/onaird.sock
failures=0
t_name=

# The simulated board: one bank labelled onair-sim with the Pi header's names.
sim_create() {
	mkdir -p "$SIMCFG/bank0"
	echo onair-sim > "$SIMCFG/bank0/label"
	echo 28 > "$SIMCFG/bank0/num_lines"
	i=0
	while [ $i -lt 28 ]; do
		mkdir "$SIMCFG/bank0/line$i"
		echo "GPIO$i" > "$SIMCFG/bank0/line$i/name"
		i=$((i + 1))
	done
	echo 1 > "$SIMCFG/live"
	SIM=/sys/devices/platform/$(cat "$SIMCFG/dev_name")/$(cat "$SIMCFG/bank0/chip_name")
	SIMCHIP=$(cat "$SIMCFG/bank0/chip_name")
}

line() { cat "$SIM/sim_gpio$1/value"; }
# A button between the line and ground: pressed pulls it down.
press() { echo pull-down > "$SIM/sim_gpio$1/pull"; }
release() { echo pull-up > "$SIM/sim_gpio$1/pull"; }
tap() { press "$1"; usleep "${2:-80000}"; release "$1"; }

fail() { echo "HIL FAIL $t_name: $*"; failures=$((failures + 1)); return 1; }

# wait_for TENTHS COMMAND…: true once the command succeeds within the time.
wait_for() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		usleep 100000
		n=$((n - 1))
	done
	return 1
}

line_is() { [ "$(line "$1")" = "$2" ]; }

# wait_line LINE VALUE [TENTHS]: the line shows VALUE within the time.
wait_line() {
	wait_for "${3:-30}" line_is "$1" "$2" || fail "GPIO$1 is $(line "$1"), expected $2"
}

# seen_line LINE VALUE TENTHS: the line shows VALUE at some moment (a flash).
seen_line() {
	n=$3
	while [ "$n" -gt 0 ]; do
		[ "$(line "$1")" = "$2" ] && return 0
		usleep 20000
		n=$((n - 1))
	done
	fail "GPIO$1 never showed $2"
}

status_field() { $CTL --json status | sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p"; }

status_is() { [ "$(status_field "$1")" = "$2" ]; }

wait_status() { # FIELD VALUE [TENTHS]
	wait_for "${3:-30}" status_is "$1" "$2" ||
		fail "status $1 is \"$(status_field "$1")\", expected \"$2\""
}

daemon_start() { # CONFIG [more onaird args]
	rm -rf "$D"; mkdir -p "$D"
	conf=$1; shift
	/hil/bin/onaird -c "$conf" --state-dir "$D" --socket "$D/onaird.sock" "$@" > "$D/log" 2>&1 &
	DAEMON=$!
	n=50
	while [ $n -gt 0 ]; do
		$CTL ping > /dev/null 2>&1 && return 0
		kill -0 $DAEMON 2> /dev/null || break
		usleep 100000
		n=$((n - 1))
	done
	cat "$D/log"
	fail "daemon did not answer"
}

daemon_stop() {
	kill -TERM $DAEMON 2> /dev/null
	wait $DAEMON
	rc=$?
	[ $rc -eq 0 ] || fail "daemon exited with $rc"
}

alive() { kill -0 $DAEMON 2> /dev/null || fail "daemon died: $(tail -n 5 "$D/log")"; }

run_test() {
	t_name=$1
	before=$failures
	"$1"
	[ $failures -eq $before ] && echo "HIL ok $1"
	kill -9 $DAEMON 2> /dev/null
	wait $DAEMON 2> /dev/null
	slowdisk_off
	return 0
}

# The display frames: trace every GPIO level change from now on.
TRACE=/sys/kernel/tracing
trace_start() {
	echo 0 > $TRACE/tracing_on
	echo 4096 > $TRACE/buffer_size_kb
	echo 1 > $TRACE/events/gpio/gpio_value/enable
	echo > $TRACE/trace
	echo 1 > $TRACE/tracing_on
}
# The tracepoint prints global numbers: the legacy sysfs names chips by
# their base, so find ours by label.
gpio_global() {
	for c in /sys/class/gpio/gpiochip*; do
		[ "$(cat "$c/label")" = onair-sim ] && { echo $(($(cat "$c/base") + $1)); return; }
	done
}

# A glyph (A = bit0 … G = bit6) as a character; unknown ones as '?'.
glyph_char() {
	case $(($1 & 127)) in
	63) echo 0 ;; 6) echo 1 ;; 91) echo 2 ;; 79) echo 3 ;; 102) echo 4 ;;
	109) echo 5 ;; 125) echo 6 ;; 7) echo 7 ;; 127) echo 8 ;; 111) echo 9 ;;
	64) echo - ;; 0) echo _ ;; *) echo '?' ;;
	esac
}

# What the TM1637 on display_clk/display_dio shows now ("05:00", "off").
tm1637_shows() {
	awk -v proto=tm1637 -v clk="$(gpio_global 20)" -v dio="$(gpio_global 21)" \
		-f /hil/decode.awk $TRACE/trace > /tmp/tm1637.frames
	last=$(grep -E '^T (C0 .*|8.)$' /tmp/tm1637.frames | tail -n 1)
	case $last in
	"T 80") echo off; return ;;
	"T 8"?) last=$(grep '^T C0 ' /tmp/tm1637.frames | tail -n 1) ;;
	"") echo nothing; return ;;
	esac
	set -- $last
	shift 2
	out=
	i=0
	for b in "$@"; do
		v=$((0x$b))
		out=$out$(glyph_char $v)
		[ $i -eq 1 ] && [ $((v & 128)) -ne 0 ] && out=$out:
		i=$((i + 1))
	done
	echo "$out"
}

# What the MAX7219 on max7219_din/clk/load shows now ("03_05.00", "off").
max7219_shows() {
	awk -v proto=max7219 -v din="$(gpio_global 10)" -v clk="$(gpio_global 11)" \
		-v load="$(gpio_global 8)" -f /hil/decode.awk $TRACE/trace > /tmp/max7219.words
	[ "$(grep '^W 0C ' /tmp/max7219.words | tail -n 1)" = "W 0C 00" ] && { echo off; return; }
	out=
	for reg in 08 07 06 05 04 03 02 01; do
		w=$(grep "^W $reg " /tmp/max7219.words | tail -n 1)
		[ -n "$w" ] || { echo nothing; return; }
		v=$((0x${w##* }))
		# DP = D7, A = D6 … G = D0, back to A = bit0.
		g=0
		b=0
		while [ $b -lt 7 ]; do
			[ $((v & (1 << (6 - b)))) -ne 0 ] && g=$((g | (1 << b)))
			b=$((b + 1))
		done
		out=$out$(glyph_char $g)
		[ $((v & 128)) -ne 0 ] && out=$out.
	done
	echo "$out"
}

# wait_display FUNCTION PATTERN [TENTHS]: the display shows text matching
# the grep pattern within the time.
display_matches() { shown=$($1); echo "$shown" | grep -qE "$2"; }

wait_display() {
	wait_for "${3:-30}" display_matches "$1" "$2" || fail "$1: shows \"$shown\", expected /$2/"
}

# USB gadgets on dummy_hcd: each device its own controller (dummy_udc.N),
# so its port path is "BUS-1". gadget NAME UDC VID PID LENGTH NO_OUT DESC
# (report descriptor in hex) [PRODUCT]; sets HIDG to its /dev/hidgN.
GADGETS=/sys/kernel/config/usb_gadget
gadget() {
	g=$GADGETS/$1
	mkdir -p "$g/strings/0x409" "$g/configs/c.1" "$g/functions/hid.usb0"
	echo "0x$3" > "$g/idVendor"
	echo "0x$4" > "$g/idProduct"
	echo "${8:-onair bench $1}" > "$g/strings/0x409/product"
	echo "$1-0001" > "$g/strings/0x409/serialnumber"
	echo 0 > "$g/functions/hid.usb0/protocol"
	echo 0 > "$g/functions/hid.usb0/subclass"
	echo "$5" > "$g/functions/hid.usb0/report_length"
	echo "$6" > "$g/functions/hid.usb0/no_out_endpoint"
	echo "$7" | xxd -r -p > "$g/functions/hid.usb0/report_desc"
	ln -s "$g/functions/hid.usb0" "$g/configs/c.1/"
	echo "dummy_udc.$2" > "$g/UDC"
	eval "UDC_$1=dummy_udc.$2"
	HIDG=/dev/hidg$(cut -d: -f2 "$g/functions/hid.usb0/dev")
	eval "HIDG_$1=$HIDG"
	wait_for 30 test -e "$HIDG" || fail "no $HIDG"
}
unplug() { echo "" > "$GADGETS/$1/UDC"; }
replug() { eval "echo \$UDC_$1" > "$GADGETS/$1/UDC"; }
# send NAME HEX: one input report from the gadget to the host.
send() { eval "h=\$HIDG_$1"; echo "$2" | xxd -r -p > "$h"; }

# Vendor page, report id 1, 6 bytes: the Stream Deck Pedal's 7-byte report.
DESC_STREAMDECK=0600ff0901a1018501150026ff007508950609018102c0
# Three buttons in the low bits of byte 0, then padding: two bytes, no id.
DESC_INFINITY=050c0901a10105091901290315002501750195038102750595018103750895018103c0
device_present() { # NAME: the daemon's status says whether it is present
	$CTL --json status | tr '{' '\n' | grep "\"name\":\"$1\"" | grep -o '"present":[a-z]*' | cut -d: -f2
}
present_is() { [ "$(device_present "$1")" = "$2" ]; }
wait_present() { # NAME true|false [TENTHS]
	wait_for "${3:-50}" present_is "$1" "$2" || fail "device $1: present is $(device_present "$1"), expected $2"
}
# Vendor page feature reports: blink(1) with report id 1 and 8 bytes, the
# relay board with 8 bytes and no id.
DESC_BLINK1=0600ff0901a1018501150026ff00750895080900b102c0
DESC_RELAY=0600ff0901a101150026ff00750895080900b102c0

# capture NAME: record every report the host sets on the gadget, one hex
# line each (f_hid keeps only the latest one until it is read).
capture() {
	eval "h=\$HIDG_$1"
	: > "/tmp/$1.reports"
	(while :; do dd if="$h" bs=64 count=1 2> /dev/null | xxd -p; done) >> "/tmp/$1.reports" &
	eval "CAPTURE_$1=$!"
}
last_report() { grep "$2" "/tmp/$1.reports" | tail -n 1; }
report_is() { [ "$(last_report "$1" "$2")" = "$3" ]; }
wait_report() { # NAME PREFIX-PATTERN EXPECTED [TENTHS]
	wait_for "${4:-30}" report_is "$1" "$2" "$3" ||
		fail "$1: last report matching $2 is \"$(last_report "$1" "$2")\", expected \"$3\""
}

# slowdisk MS [DEVICE]: a real slow disk on /slow: an ext4 file system on
# DEVICE (else a fresh one on a RAM disk) seen through dm-delay, every
# read, write and flush held MS milliseconds (an SD card's 20-100 ms).
# slowdisk_off takes it away.
slowdisk() {
	slowdisk_off
	[ -x /hil/bin/dmsetup ] || { fail "no dmsetup in the VM (install-packages installs it)"; return 1; }
	base=${2:-/dev/ram0}
	if [ -z "${2:-}" ]; then
		mke2fs -q /dev/ram0 > /dev/null 2>&1 || { fail "mke2fs /dev/ram0"; return 1; }
	fi
	sectors=$(cat "/sys/block/${base##*/}/size")
	if [ "$1" -gt 0 ]; then
		DM_DISABLE_UDEV=1 /hil/bin/dmsetup create slow --noudevsync \
			--table "0 $sectors delay $base 0 $1 $base 0 $1 $base 0 $1" ||
			{ fail "dmsetup create"; return 1; }
		# devtmpfs made its node: find it by the mapping's name.
		dev=
		for b in /sys/block/dm-*; do
			[ "$(cat "$b/dm/name" 2> /dev/null)" = slow ] && dev=/dev/${b##*/}
		done
		[ -b "$dev" ] || { fail "no block device for the slow disk ($(ls /dev/dm-* 2>&1))"; return 1; }
	else
		dev=$base
	fi
	mkdir -p /slow
	mount -t ext4 "$dev" /slow 2> /tmp/mount.err ||
		{ fail "mount $dev: $(cat /tmp/mount.err; dmesg | tail -n 3 | tr '\n' ' ')"; return 1; }
	SLOW_MS=$1
}
slowdisk_off() {
	umount /slow 2> /dev/null
	DM_DISABLE_UDEV=1 /hil/bin/dmsetup remove slow --noudevsync 2> /dev/null
	return 0
}
