# The hardware part of the soak (make soak runs more rounds; make check a
# few): random button taps, pedal presses, pedal and relay unplugs, SIGHUP
# with a good and a broken config. Invariants: the daemon stays up, every
# press is in the show log exactly once, the relay gets the whole state
# after every replug, descriptors and memory stay flat, and everything is
# off after the exit.
SOAK_ROUNDS=$(sed -n 's/.*onair\.soak_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)

soak_fds() { ls /proc/$DAEMON/fd | wc -l; }
soak_rss() { awk '/^VmRSS:/ { print $2 }' /proc/$DAEMON/status; }

# soak_press HOW: one press; waits until the show's seq moved by one.
soak_press() {
	seq=$(status_field seq)
	case $1 in
	button) tap $NEXT 60000 ;;
	pedal) send deck $RIGHT_DOWN && send deck $ALL_UP ;;
	esac
	presses=$((presses + 1))
	n=30
	while [ "$(status_field seq)" = "$seq" ] && [ $n -gt 0 ]; do usleep 50000; n=$((n - 1)); done
	[ $n -gt 0 ] || fail "a $1 press did not change the show"
}

t_soak_hardware() {
	usb_gadgets && usb_lights || return
	daemon_start /hil/soak.conf || return
	wait_present deck true && wait_present sign true || return
	$CTL start > /dev/null
	wait_line $TALLY 1 || return
	wait_report sign '01000000000000$' $RELAY1_ON || return
	fds0=$(soak_fds) rss0=$(soak_rss)
	[ -n "$rss0" ] || fail "cannot read the daemon's resident memory"
	presses=0 unplugs=0 reloads=0 rounds=${SOAK_ROUNDS:-12} i=0
	while [ $i -lt $rounds ]; do
		i=$((i + 1))
		case $((RANDOM % 6)) in
		0 | 1) soak_press button ;;
		2 | 3) soak_press pedal ;;
		4)
			unplugs=$((unplugs + 1))
			if [ $((RANDOM % 2)) = 0 ]; then
				unplug deck && wait_present deck false && replug deck && wait_present deck true
			else
				want=$(last_report sign '01000000000000$')
				unplug sign && wait_present sign false || return
				: > /tmp/sign.reports
				replug sign && wait_present sign true || return
				# The board forgot its state: the daemon writes it whole again.
				wait_report sign '01000000000000$' "$want"
			fi
			;;
		5)
			reloads=$((reloads + 1))
			if [ $((RANDOM % 2)) = 0 ]; then
				kill -HUP $DAEMON
			else
				cp /hil/soak.conf /tmp/soak-good.conf
				printf '[device.lamps]\ntally = no_such_line\n[broken\n' >> /hil/soak.conf
				kill -HUP $DAEMON
				usleep 500000
				cp /tmp/soak-good.conf /hil/soak.conf
				grep -q 'soak.conf:' "$D/log" || fail "the broken config's error was not named"
			fi
			usleep 300000
			;;
		esac
		alive || return
		[ $i = $((rounds / 2)) ] && rss_mid=$(soak_rss)
	done
	logged=$(grep -c '"source":"\(button\|pedal\)"' "$D"/shows/*.jsonl)
	[ "$logged" = "$presses" ] || fail "$presses presses, $logged in the show log"
	fds1=$(soak_fds) rss1=$(soak_rss)
	[ "$fds1" -le "$fds0" ] || fail "descriptors grew from $fds0 to $fds1: $(ls -l /proc/$DAEMON/fd)"
	# The first half warms the heap and libusb up (about 0.7 MiB, seen over
	# 150 rounds); the second must not grow. A few rounds are all warm-up.
	if [ $rounds -ge 40 ]; then
		[ $((rss1 - rss_mid)) -le 128 ] || fail "resident memory grew from $rss_mid to $rss1 KiB in the second half"
	fi

	# The tally says what the show says (on red when live and on hold).
	wait_line $TALLY 1 || return
	daemon_stop
	for l in $TALLY $ONAIR; do wait_line $l 0 5 || return; done
	wait_report sign '01000000000000$' $RELAY1_OFF 10
	echo "HIL measure soak: $rounds rounds, $presses presses (all in the show log once), $unplugs unplugs, $reloads reloads, descriptors $fds0 → $fds1, RSS $rss0 → $rss_mid → $rss1 KiB"
}
