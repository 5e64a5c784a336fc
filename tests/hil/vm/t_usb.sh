# USB pedals as gadgets on dummy_hcd: a Stream Deck Pedal (0fd9:0086) on
# dummy_udc.0 (port 1-1) and an Infinity (05f3:00ff) on dummy_udc.1 (2-1).
RIGHT_DOWN=01000000000001 ALL_UP=01000000000000

usb_gadgets() {
	[ -n "$HIDG_deck" ] && return 0
	gadget deck 0 0fd9 0086 7 0 "$DESC_STREAMDECK" "Stream Deck Pedal" &&
		gadget vec 1 05f3 00ff 8 0 "$DESC_INFINITY" "VEC USB Footpedal"
}

t_pedal_steps_the_show_and_display() {
	usb_gadgets || return
	trace_start
	daemon_start /hil/usb.conf || return
	wait_present deck true || return
	# The kernel's HID driver was detached so the daemon could claim it.
	[ -e /sys/bus/usb/drivers/usbhid/1-1:1.0 ] && fail "usbhid still bound to the pedal"
	send deck $RIGHT_DOWN
	send deck $ALL_UP
	wait_line $TALLY 1 || return
	wait_display max7219_shows '^01__' || return
	send deck $RIGHT_DOWN
	send deck $ALL_UP
	wait_display max7219_shows '^02__' || return
	# The left pedal goes back; the middle one holds.
	send deck 01000000010000
	send deck $ALL_UP
	wait_display max7219_shows '^01__' || return
	send deck 01000000000100
	send deck $ALL_UP
	wait_status state hold
	grep -q '"source":"pedal"' "$D"/shows/*.jsonl || fail "no pedal press in the show log"
}

t_pedal_unplugged_and_back() {
	usb_gadgets || return
	daemon_start /hil/usb.conf || return
	wait_present deck true || return
	send deck $RIGHT_DOWN
	send deck $ALL_UP
	wait_line $TALLY 1 || return
	unplug deck
	wait_present deck false || return
	$CTL --json status | grep -q 'missing: no 0fd9:0086' || fail "no missing description"
	# Lamps are not affected while it is away.
	usleep 500000
	[ "$(line $TALLY)" = 1 ] || fail "tally changed while the pedal was away"
	replug deck
	wait_present deck true || return
	send deck $RIGHT_DOWN
	send deck $ALL_UP
	wait_status segment 2
	alive
}

t_bad_reports_change_nothing() {
	usb_gadgets || return
	daemon_start /hil/usb.conf || return
	wait_present vec true || return
	$CTL start > /dev/null
	wait_status segment 1 || return
	send vec 04            # short: one byte
	send vec 0400000000    # oversized: five bytes
	usleep 300000
	grep -q 'device vec: malformed report ignored (short report: 1 bytes, expected 2)' "$D/log" ||
		fail "no message about the short report: $(grep vec "$D/log")"
	grep -q 'oversized' "$D/log" || fail "no message about the oversized report"
	[ "$(status_field segment)" = 1 ] || fail "a malformed report stepped the show"
	alive
	# A good report from the right pedal still works.
	send vec 0400
	send vec 0000
	wait_status segment 2
}

# A Stream Deck-family pedal whose input reports are 512 bytes (report id
# 1 and 511 bytes, one 512-byte packet), then a zero-length packet. The
# deck gadget is reconfigured (usb_f_hid has four minors, all in use by
# the bench's gadgets) and put back afterwards.
DESC_LONG=0600ff0901a1018501150026ff00750896ff0109018102c0
hid_function() { # NAME LENGTH DESC: rewrite an unplugged gadget's report
	g=$GADGETS/$1
	rm "$g/configs/c.1/hid.usb0"
	echo "$2" > "$g/functions/hid.usb0/report_length"
	echo "$3" | xxd -r -p > "$g/functions/hid.usb0/report_desc"
	ln -s "$g/functions/hid.usb0" "$g/configs/c.1/"
}
t_long_reports_and_empty_packets() {
	usb_gadgets || return
	unplug deck
	hid_function deck 512 "$DESC_LONG"
	replug deck
	daemon_start /hil/usb.conf || return
	wait_present deck true || return
	pad=$(printf '%01010d' 0)
	send deck "01000000000001$pad"
	send deck "01000000000000$pad"
	wait_status state live || return
	/hil/bin/latency zlp "$HIDG_deck" || fail "the gadget took no empty write"
	usleep 300000
	desc=$($CTL --json status | tr '{' '\n' | grep '"name":"deck"')
	# f_hid ends each whole-packet report with a zero-length packet too.
	echo "$desc" | grep -qE '2 reports, 0 malformed, [1-9][0-9]* empty, reads of 512 bytes' ||
		fail "long reports or the empty packet miscounted: $desc"
	alive
	daemon_stop
	unplug deck
	hid_function deck 7 "$DESC_STREAMDECK"
	replug deck
}

t_pedal_on_another_port_is_not_taken() {
	usb_gadgets || return
	sed 's/^port = 2-1/port = 3-1/' /hil/usb.conf > /tmp/port.conf
	sed -i 's|^board = boards/|board = /hil/boards/|' /tmp/port.conf
	daemon_start /tmp/port.conf || return
	usleep 500000
	[ "$(device_present vec)" = false ] || fail "took the Infinity on port 2-1 for one on 3-1"
	$CTL --json status | grep -q 'missing: no 05f3:00ff plugged in on port 3-1' || fail "status"
}
