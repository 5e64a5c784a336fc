# USB lights as gadgets: a blink(1) (27b8:01ed) on dummy_udc.2 and a
# USBRelay2 board (16c0:05df) on dummy_udc.3. What the daemon sets arrives
# as SET_REPORT(Feature) on the gadget's /dev/hidgN.
BLINK_RED=016eff00000000000000 BLINK_DARK=016e00000000000000000
RELAY1_ON=ff01000000000000 RELAY1_OFF=fd01000000000000 RELAY2_ON=ff02000000000000

usb_lights() {
	[ -n "$HIDG_light" ] && return 0
	gadget light 2 27b8 01ed 9 1 "$DESC_BLINK1" "blink(1) mk2" &&
		gadget sign 3 16c0 05df 8 1 "$DESC_RELAY" "USBRelay2" &&
		capture light && capture sign
}

t_usb_lights_follow_the_tally() {
	usb_lights || return
	daemon_start /hil/usb-lights.conf || return
	wait_present light true && wait_present sign true || return
	$CTL start > /dev/null
	wait_report light '^016e' 016eff000000000000 || return
	wait_report sign '01000000000000$' $RELAY1_ON || return
	wait_report sign '02000000000000$' $RELAY2_ON || return
	$CTL end > /dev/null
	wait_report light '^016e' 016e00000000000000 || return
	wait_report sign '01000000000000$' $RELAY1_OFF
}

t_blink1_watchdog_is_fed_and_stops_with_the_daemon() {
	usb_lights || return
	daemon_start /hil/usb-lights.conf || return
	wait_present light true || return
	: > /tmp/light.reports
	sleep 2
	n=$(grep -c '^0144' /tmp/light.reports)
	[ "$n" -ge 2 ] || fail "$n watchdog tickles in 2 s (every 0.5 s expected)"
	grep -q '^01440100640000' /tmp/light.reports || fail "tickle is not on/1000 ms: $(grep '^0144' /tmp/light.reports | tail -n 1)"
	# A crash stops the tickles, so the light falls to its own pattern.
	kill -9 $DAEMON
	wait $DAEMON 2> /dev/null
	usleep 300000
	: > /tmp/light.reports
	sleep 1
	[ "$(grep -c '^0144' /tmp/light.reports)" = 0 ] || fail "tickles after the daemon died"
	# A clean stop turns the watchdog off and the light dark.
	daemon_start /hil/usb-lights.conf || return
	wait_present light true || return
	daemon_stop
	wait_report light '^0144' 014400000000000000 10
}

t_relay_state_is_rewritten_after_replug() {
	usb_lights || return
	daemon_start /hil/usb-lights.conf || return
	wait_present sign true || return
	$CTL start > /dev/null
	wait_report sign '01000000000000$' $RELAY1_ON || return
	unplug sign
	wait_present sign false || return
	: > /tmp/sign.reports
	replug sign
	wait_present sign true || return
	# The board lost power: the daemon writes the whole state again, every
	# configured relay (relay 2 is the tally, on as well).
	wait_report sign '01000000000000$' $RELAY1_ON && wait_report sign '02000000000000$' $RELAY2_ON
}

t_relay_is_switched_off_after_a_kill_9() {
	usb_lights || return
	daemon_start /hil/usb-lights.conf || return
	wait_present sign true || return
	$CTL start > /dev/null
	wait_report sign '01000000000000$' $RELAY1_ON || return
	# Nothing runs in a killed process: the relay board keeps ON AIR lit.
	kill -9 $DAEMON
	wait $DAEMON 2> /dev/null
	: > /tmp/sign.reports
	usleep 300000
	[ -s /tmp/sign.reports ] && fail "the relay was written after kill -9: $(cat /tmp/sign.reports)"
	# What the unit's ExecStopPost runs switches it off.
	/hil/bin/onaird -c /hil/usb-lights.conf --safe-outputs > "$D/safe.log" 2>&1 ||
		fail "--safe-outputs failed: $(cat "$D/safe.log")"
	wait_report sign "01000000000000$" $RELAY1_OFF 10 && wait_report sign "02000000000000$" fd02000000000000 10
}
