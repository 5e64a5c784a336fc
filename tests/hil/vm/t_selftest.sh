# The pre-live self-test against real kernel devices: snd-aloop for audio,
# gpio-sim lines and displays, USB gadgets (one unplugged), a missing chip.

# check_of JSON NAME: the check's object, on one line.
check_of() { echo "$1" | sed 's/},{"name"/}\n{"name"/g' | grep "\"name\":\"$2\""; }
verdict_of() { check_of "$1" "$2" | sed -n 's/.*"verdict":"\([A-Z]*\)".*/\1/p'; }

selftest() { /hil/bin/onaird --state-dir /tmp/st --selftest --json "$@" 2> /tmp/selftest.err; }

t_selftest_judges_what_the_microphone_sends() {
	for case in "silence FAIL silence" "sine PASS levels fine" "clipped FAIL clipping" \
		"dc WARN DC offset" "dead-right FAIL channel 2 dead"; do
		set -- $case
		kind=$1 want=$2
		shift 2
		/hil/bin/tone hw:Loopback,0,0 "$kind" 4 &
		player=$!
		usleep 300000
		out=$(selftest -c /hil/audio.conf)
		kill $player 2> /dev/null
		wait $player 2> /dev/null
		got=$(verdict_of "$out" audio.capture)
		[ "$got" = "$want" ] || fail "$kind: audio.capture is \"$got\", expected $want: $(check_of "$out" audio.capture)"
		check_of "$out" audio.capture | grep -q "$*" || fail "$kind: reason lacks \"$*\": $(check_of "$out" audio.capture)"
	done
	# The figures are in the report: a -20 dBFS sine reads -20 (AES17).
	/hil/bin/tone hw:Loopback,0,0 sine 4 &
	player=$!
	usleep 300000
	out=$(selftest -c /hil/audio.conf)
	wait $player
	check_of "$out" audio.capture | grep -Eq '"rms_dbfs_ch1":-(19\.9|20(\.[01])?)[,}]' ||
		fail "sine level: $(check_of "$out" audio.capture)"
}

t_selftest_measures_the_loopback_tone() {
	out=$(selftest -c /hil/audio.conf -o audio.playback=hw:Loopback,0,0 -o audio.loopback=yes)
	[ "$(verdict_of "$out" audio.loopback)" = PASS ] || fail "loopback: $(check_of "$out" audio.loopback)"
	check_of "$out" audio.loopback | grep -Eq '"tone_dbfs":-(19|20|21)(\.[0-9])?[,}]' || fail "tone level: $(check_of "$out" audio.loopback)"
	check_of "$out" audio.loopback | grep -q '"latency_ms":[0-9]' || fail "no latency"
	echo "HIL measure audio loopback: $(check_of "$out" audio.loopback | sed -n 's/.*"reason":"\([^"]*\)".*/\1/p')"
}

t_selftest_fails_cleanly_without_the_card() {
	out=$(selftest -c /hil/audio.conf -o audio.capture=hw:9,0)
	[ $? -ne 0 ] || true
	[ "$(verdict_of "$out" audio.capture)" = FAIL ] || fail "absent card: $(check_of "$out" audio.capture)"
	check_of "$out" audio.capture | grep -q 'hw:9,0' || fail "reason does not name the device"
}

t_selftest_checks_lamps_displays_and_usb() {
	usb_gadgets || return
	trace_start
	out=$(selftest -c /hil/usb.conf)
	rc=$?
	for dev in lamps wall deck vec; do
		[ "$(verdict_of "$out" device.$dev)" = PASS ] || fail "device.$dev: $(check_of "$out" device.$dev)"
	done
	[ $rc -eq 0 ] || grep -q '"verdict":"FAIL"' <<EOF2 || fail "exit $rc without a FAIL"
$out
EOF2
	# The lamp walk lit the tally, and the display showed 8888 then went dark.
	grep -q "gpio_value: $(gpio_global 17) set 1" $TRACE/trace || fail "the lamp walk never lit the tally"
	words=$(awk -v proto=max7219 -v din="$(gpio_global 10)" -v clk="$(gpio_global 11)" \
		-v load="$(gpio_global 8)" -f /hil/decode.awk $TRACE/trace)
	echo "$words" | grep -q '^W 08 FF$' || fail "no 8888 test pattern on the MAX7219"
	[ "$(echo "$words" | grep '^W 0C ' | tail -n 1)" = "W 0C 00" ] || fail "display not dark after the test"
	# An unplugged pedal and a missing chip are FAILs with their reasons.
	unplug deck
	usleep 500000
	sed 's/^din = max7219_din/din = nosuchchip:1/' /hil/usb.conf > /tmp/broken.conf
	sed -i 's|^board = boards/|board = /hil/boards/|' /tmp/broken.conf
	out=$(selftest -c /tmp/broken.conf)
	[ $? -eq 1 ] || fail "exit code is not 1 with FAILs"
	check_of "$out" device.deck | grep -q '"verdict":"FAIL".*missing: no 0fd9:0086' || fail "$(check_of "$out" device.deck)"
	check_of "$out" device.wall | grep -q '"verdict":"FAIL".*no such chip' || fail "$(check_of "$out" device.wall)"
	replug deck
}

t_selftest_on_air_leaves_the_lamps_alone() {
	usb_gadgets || return
	daemon_start /hil/usb.conf -o audio.capture=hw:Loopback,1,0 -o audio.window=1 || return
	wait_present deck true || return
	$CTL start > /dev/null
	wait_line $TALLY 1 || return
	trace_start
	/hil/bin/tone hw:Loopback,0,0 sine 3 &
	player=$!
	usleep 300000
	out=$($CTL --json selftest)
	wait $player
	[ "$(verdict_of "$out" audio.capture)" = PASS ] || fail "audio: $(check_of "$out" audio.capture)"
	check_of "$out" device.lamps | grep -q 'test pattern skipped: on air' || fail "$(check_of "$out" device.lamps)"
	[ "$(verdict_of "$out" device.deck)" = PASS ] || fail "$(check_of "$out" device.deck)"
	# The tally never left the line's on state while the checks ran.
	grep -q "gpio_value: $(gpio_global 17) set 0" $TRACE/trace && fail "the tally went dark during the self-test"
	[ "$(line $TALLY)" = 1 ] || fail "tally not lit"
	alive
}
