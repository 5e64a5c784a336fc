# Storage on a real slow disk: the state folder on dm-delay (100 ms a write
# or a flush, a slow SD card). Every press still counts.

# 50 double taps at human speed on the button and 50 on the pedal: 200
# presses, each a hold or resume in the show log, none swallowed by the
# debounce however late the loop read them.
t_no_press_lost_on_a_slow_disk() {
	usb_gadgets || return
	slowdisk 100 || return
	daemon_start /hil/latency.conf --state-dir /slow/state || return
	wait_present deck true || return
	$CTL start > /dev/null
	wait_line $TALLY 1 || return
	/hil/bin/latency taps 50 "$SIM/sim_gpio$NEXT/pull" =pull-down =pull-up || fail "taps helper (button)"
	/hil/bin/latency taps 50 "$HIDG_deck" $RIGHT_DOWN $ALL_UP || fail "taps helper (pedal)"
	usleep 500000
	$CTL log > /tmp/taps.log || fail "onairctl log"
	button=$(grep -c '"source":"button"' /tmp/taps.log)
	pedal=$(grep -c '"source":"pedal"' /tmp/taps.log)
	[ "$button" -eq 100 ] || fail "button: $button presses of 100 in the show log"
	[ "$pedal" -eq 100 ] || fail "pedal: $pedal presses of 100 in the show log"
	grep -q '"state":' /slow/state/shows/*.jsonl || fail "the show log carries no state"
	alive
}
