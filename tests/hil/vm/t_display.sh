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
	$CTL --json status | grep -o 'longest loop hold [0-9.]* ms' | sed 's/^/HIL measure display /'
	daemon_stop
	wait_display tm1637_shows '^off$' 5 && wait_display max7219_shows '^off$' 5
}

# A TM1637 that does not answer: DIO released on the ninth clock stays
# high (the module's pull-up and no chip pulling it low). gpio-sim's pull
# is what a released open-drain line reads, so pull-up is "no chip".
t_a_silent_tm1637_is_not_present() {
	daemon_start /hil/gpio.conf || return
	$CTL start > /dev/null
	wait_present clock true || return
	echo pull-up > "$SIM/sim_gpio21/pull"
	wait_present clock false || return
	grep -q 'display: no acknowledgement on' "$D/log" || fail "the silence is not said"
	echo pull-down > "$SIM/sim_gpio21/pull"
	wait_present clock true || return
	grep -q 'answers again' "$D/log" || fail "the return is not said"
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
