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
	next_chatters_once "$n"
}

# The next button's contacts chatter (shell builtins only, a few ms in all)
# then settle pressed: the show steps once, to segment 2.
next_chatters_once() {
	echo pull-down > "$1"; echo pull-up > "$1"; echo pull-down > "$1"; echo pull-up > "$1"
	echo pull-down > "$1"; echo pull-up > "$1"; echo pull-down > "$1"
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

# A second simulated chip that looks like a Pi 5's: label pinctrl-rp1 and
# line names NAME0…NAME27. Its number is whatever the kernel gives it (not
# 0: onair-sim came first), as the RP1's moved between kernels.
pi5_create() { # NAME-PREFIX
	mkdir -p /sys/kernel/config/gpio-sim/pi5/bank0
	echo pinctrl-rp1 > /sys/kernel/config/gpio-sim/pi5/bank0/label
	echo 28 > /sys/kernel/config/gpio-sim/pi5/bank0/num_lines
	i=0
	while [ $i -lt 28 ]; do
		mkdir /sys/kernel/config/gpio-sim/pi5/bank0/line$i
		echo "$1$i" > /sys/kernel/config/gpio-sim/pi5/bank0/line$i/name
		i=$((i + 1))
	done
	echo 1 > /sys/kernel/config/gpio-sim/pi5/live
	PI5=/sys/devices/platform/$(cat /sys/kernel/config/gpio-sim/pi5/dev_name)/$(cat /sys/kernel/config/gpio-sim/pi5/bank0/chip_name)
	PI5CHIP=$(cat /sys/kernel/config/gpio-sim/pi5/bank0/chip_name)
}

pi5_remove() {
	echo 0 > /sys/kernel/config/gpio-sim/pi5/live
	rmdir /sys/kernel/config/gpio-sim/pi5/bank0/line* /sys/kernel/config/gpio-sim/pi5/bank0 \
		/sys/kernel/config/gpio-sim/pi5
}

t_the_pi5_board_finds_its_chip_by_label() {
	pi5_create GPIO
	[ "$PI5CHIP" != gpiochip0 ] || fail "the Pi 5-like chip is gpiochip0: the test shows nothing"
	printf '[daemon]\nboard = /hil/boards/rpi5.conf\n[show]\npreroll = 0\nsegment = 1:00 | one\n[device.lamps]\ndriver = gpio\ntally = tally\n[selftest]\nrequired = no\n' > /tmp/pi5.conf
	daemon_start /tmp/pi5.conf || { pi5_remove; return 1; }
	grep -q "$PI5CHIP line 17 (GPIO17)" "$D/log" || $CTL --json status | grep -q "$PI5CHIP line 17" ||
		fail "the tally is not on $PI5CHIP line 17: $(cat "$D/log")"
	$CTL start > /dev/null
	n=30
	while [ $n -gt 0 ] && [ "$(cat "$PI5/sim_gpio17/value")" != 1 ]; do usleep 100000; n=$((n - 1)); done
	[ "$(cat "$PI5/sim_gpio17/value")" = 1 ] || fail "GPIO17 of $PI5CHIP did not light"
	[ "$(line 17)" = 0 ] || fail "onair-sim's GPIO17 lit instead"
	daemon_stop
	pi5_remove
}

t_a_pi_whose_lines_are_named_otherwise_is_told_the_names() {
	pi5_create PIN
	printf '[daemon]\nboard = /hil/boards/rpi5.conf\n[show]\nsegment = 1:00 | one\n[device.lamps]\ndriver = gpio\ntally = tally\n' > /tmp/pi5.conf
	out=$(/hil/bin/onaird -c /tmp/pi5.conf --check 2>&1)
	echo "$out" | grep -q 'has no line named "GPIO17"; its lines are "PIN0", "PIN1"' ||
		fail "--check does not name the lines it found: $out"
	echo "$out" | grep -q '(28 lines)' || fail "--check does not say how many lines: $out"
	pi5_remove
}

# debounce = kernel: with libgpiod 2 the kernel's debouncer (gpio-sim has
# none of its own: gpiolib's software one in the kernel) takes the bounce;
# with libgpiod 1.6 onaird says it cannot and debounces itself. Either way
# chatter is one press.
t_debounce_by_the_kernel_where_it_can() {
	daemon_start /hil/gpio.conf -o device.next.debounce=kernel || return
	if grep -q "button: the kernel debounces (20 ms)" "$D/log"; then
		echo "HIL measure debounce: by the kernel (libgpiod 2)"
	elif grep -q "the kernel cannot debounce here (libgpiod 1.6 has no debounce): onaird does" "$D/log"; then
		echo "HIL measure debounce: by onaird (libgpiod 1.6)"
	else
		fail "neither the kernel nor onaird says it debounces: $(grep button "$D/log")"
	fi
	$CTL start > /dev/null
	wait_status segment 1 || return
	next_chatters_once "$SIM/sim_gpio$NEXT/pull" || return
	daemon_stop
}

# GPI tally: a switcher's contact closures on two input lines (program and
# preview of camera 2, to ground with pull-ups) light this box's tally as
# the switcher says, a bouncing relay settles on its last level, and the
# show is not touched.
GPI_PGM=16 GPI_PVW=26
t_gpi_tally_follows_the_switchers_contacts() {
	release $GPI_PGM
	release $GPI_PVW
	printf '[daemon]\nboard = /hil/boards/sim.conf\n[show]\npreroll = 0\nsegment = 1:00 | one\n[device.lamps]\ndriver = gpio\ntally = tally\n[source.gpi]\ntype = gpi\ncamera = 2\nprogram = 2 | GPIO%s active-low pull-up\npreview = 2 | GPIO%s active-low pull-up\n[selftest]\nrequired = no\n' $GPI_PGM $GPI_PVW > /tmp/gpi.conf
	daemon_start /tmp/gpi.conf || return
	wait_status camera_tally off || return
	wait_line $TALLY 0 5 || return
	press $GPI_PGM
	wait_line $TALLY 1 || return
	wait_status camera_tally program || return
	release $GPI_PGM
	wait_line $TALLY 0 || return
	press $GPI_PVW
	wait_status camera_tally preview || return
	release $GPI_PVW
	wait_status camera_tally off || return
	# A relay that bounces and settles closed: program, and it stays.
	f=$SIM/sim_gpio$GPI_PGM/pull
	echo pull-down > $f; echo pull-up > $f; echo pull-down > $f; echo pull-up > $f; echo pull-down > $f
	wait_line $TALLY 1 || return
	usleep 300000
	line_is $TALLY 1 || fail "the tally did not settle on program after the bounce"
	status_is camera_tally program || fail "status says $(status_field camera_tally) after the bounce"
	status_is state standby || fail "a contact changed the show: $(status_field state)"
	release $GPI_PGM
	daemon_stop
}
