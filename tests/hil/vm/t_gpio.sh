# GPIO lamps and buttons on gpio-sim. Lines of the simulated board (the Pi
# header's names): tally GPIO17, onair GPIO27, cue_red GPIO22, cue_green
# GPIO23, cue_blue GPIO24, button_next GPIO5, footswitch GPIO13.
TALLY=17 ONAIR=27 RED=22 GREEN=23 BLUE=24 NEXT=5 FOOT=13

t_outputs_safe_at_start_and_exit() {
	daemon_start /hil/gpio.conf || return
	for l in $TALLY $ONAIR $RED $GREEN $BLUE; do wait_line $l 0 5 || return; done
	$CTL start > /dev/null
	wait_line $TALLY 1 && wait_line $ONAIR 1 && wait_line $GREEN 1 || return
	daemon_stop
	for l in $TALLY $ONAIR $RED $GREEN $BLUE; do wait_line $l 0 5 || return; done
}

t_button_press_advances_the_show() {
	daemon_start /hil/gpio.conf || return
	wait_line $TALLY 0 5 || return
	# "next" from standby starts the show: the tally lights.
	tap $NEXT
	wait_line $TALLY 1 || return
	wait_status segment 1 || return
	tap $NEXT
	wait_status segment 2 || return
	wait_line $TALLY 1 5 || return
	# The foot switch is mapped to prev.
	tap $FOOT
	wait_status segment 1 || return
	grep -q '"source":"button"' "$D"/shows/*.jsonl || fail "no button press in the show log"
}

t_long_press_holds_and_resumes() {
	daemon_start /hil/gpio.conf || return
	$CTL start > /dev/null
	wait_line $GREEN 1 || return
	press $NEXT
	usleep 1200000
	release $NEXT
	wait_status state hold || return
	# Hold flashes the cue light cyan: green and blue together, red dark.
	seen_line $BLUE 1 100 || return
	[ "$(line $RED)" = 0 ] || fail "red lit during hold"
	[ "$(status_field segment)" = 1 ] || fail "a long press also stepped the show"
	press $NEXT
	usleep 1200000
	release $NEXT
	wait_status state live || return
	wait_line $GREEN 1 && wait_line $BLUE 0
}

t_bounce_is_one_press() {
	daemon_start /hil/gpio.conf || return
	$CTL start > /dev/null
	wait_status segment 1 || return
	# Contacts that chatter (shell builtins only, so a few ms in all) are
	# one press each: the foot switch's prev is refused on segment 1.
	f=$SIM/sim_gpio$FOOT/pull n=$SIM/sim_gpio$NEXT/pull
	echo pull-down > $f; echo pull-up > $f; echo pull-down > $f; echo pull-up > $f
	echo pull-down > $n; echo pull-up > $n; echo pull-down > $n; echo pull-up > $n
	echo pull-down > $n; echo pull-up > $n; echo pull-down > $n
	usleep 100000
	release $NEXT
	wait_status segment 2 || return
	usleep 500000
	[ "$(status_field segment)" = 2 ] || fail "bounces stepped the show more than once"
}

t_missing_line_and_chip_leave_the_rest_working() {
	cat > /tmp/bad.conf <<CONF
[daemon]
board = /hil/boards/sim.conf
[show]
preroll = 0
segment = 1:00 | one
[device.lamps]
driver = gpio
tally = tally
[device.ghost]
driver = gpio
tally = GPIO99
[device.nochip]
driver = gpio
cue = nosuchchip:3
[selftest]
required = no
CONF
	daemon_start /tmp/bad.conf || return
	grep -q 'no line named "GPIO99"' "$D/log" || fail "no message about GPIO99: $(cat "$D/log")"
	grep -q 'gpio chip "nosuchchip": no such chip' "$D/log" || fail "no message about the chip"
	$CTL start > /dev/null
	wait_line $TALLY 1 || return
	alive
	daemon_stop
}

t_check_names_bad_flags() {
	printf '[show]\nsegment = 1:00 | one\n[device.x]\ndriver = gpio\ntally = GPIO17 inverted\npress = next\n' > /tmp/check.conf
	out=$(/hil/bin/onaird -c /tmp/check.conf --check 2>&1) && fail "--check passed a bad config"
	echo "$out" | grep -q '/tmp/check.conf:5: tally: unknown line flag "inverted"' || fail "$out"
	echo "$out" | grep -q '/tmp/check.conf:6: press needs a "button" line' || fail "$out"
}

t_line_in_use_is_reported() {
	daemon_start /hil/gpio.conf || return
	mkdir -p /tmp/second
	/hil/bin/onaird -c /hil/gpio.conf --state-dir /tmp/second --socket /tmp/second/s.sock \
		> /tmp/second/log 2>&1 &
	second=$!
	usleep 1500000
	kill $second
	wait $second
	grep -q 'in use by "onair-lamps"' /tmp/second/log || fail "$(cat /tmp/second/log)"
	alive
}
