# TM1637 (display_clk GPIO20, display_dio GPIO21) and MAX7219 (din GPIO10,
# clk GPIO11, load GPIO8), decoded from the gpio tracepoint.

t_displays_follow_the_show() {
	trace_start
	daemon_start /hil/gpio.conf || return
	$CTL start > /dev/null
	$CTL hold > /dev/null
	wait_display tm1637_shows '^(01:00|00:59)$' || return
	wait_display max7219_shows '^01__(01\.00|00\.59)$' || return
	# A button press steps the show; both displays show segment 2's time.
	tap $NEXT
	wait_display max7219_shows '^02__0[01]\.[0-9][0-9]$' || return
	wait_display tm1637_shows '^0[01]:[0-9][0-9]$' || return
	# While it counts, the figure changes every second.
	a=$(tm1637_shows)
	usleep 1500000
	b=$(tm1637_shows)
	[ "$a" != "$b" ] || fail "the TM1637 stayed at $a while counting"
	# Its acknowledgement is read from a real kernel line (gpio-sim keeps a
	# released open-drain line at its last driven level, so it "answers").
	present_is clock true || fail "the TM1637 is not present: $($CTL status | grep clock)"
	$CTL --json status | grep -o 'longest loop hold [0-9.]* ms' | sed 's/^/HIL measure display /'
	daemon_stop
	wait_display tm1637_shows '^off$' 5 && wait_display max7219_shows '^off$' 5
}

t_overrun_shows_a_minus() {
	sed 's/^segment = 1:00 | one/segment = 0:02 | short/' /hil/gpio.conf > /tmp/short.conf
	sed -i 's|^board = boards/|board = /hil/boards/|' /tmp/short.conf
	trace_start
	daemon_start /tmp/short.conf || return
	$CTL start > /dev/null
	wait_display tm1637_shows '^-0:0[1-9]$' 60 || return
	wait_display max7219_shows '^01__-0\.0[1-9]$' 30
}
