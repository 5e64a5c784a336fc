# Benchmarks inside the VM (make bench): from an input to the tally line,
# timed by the kernel's trace clock: a trace mark written just before the
# input, the tally's gpio_value event after it.
PRESSES=${PRESSES:-100}

# latency_stats NAME: the gaps in ms, summarised on one HIL measure line.
latency_stats() {
	awk -v tally="$(gpio_global 17)" '
		function ts(   i) { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^(gpio_value|tracing_mark_write):$/) return substr($i, 1, length($i) - 1) + 0 }
		/tracing_mark_write: onair-press/ { t = ts(); pending = 1; next }
		pending && $0 ~ ("gpio_value: " tally " set ") { printf "%.3f\n", (ts() - t) * 1000; pending = 0 }
	' $TRACE/trace | sort -n > /tmp/gaps
	n=$(wc -l < /tmp/gaps)
	[ "$n" -ge $((PRESSES * 9 / 10)) ] || fail "$1: only $n of $PRESSES presses reached the tally"
	p50=$(sed -n "$(((n + 1) / 2))p" /tmp/gaps)
	p99=$(sed -n "$(((n * 99 + 99) / 100))p" /tmp/gaps)
	max=$(tail -n 1 /tmp/gaps)
	echo "HIL measure $1: p50 $p50 ms, p99 $p99 ms, max $max ms over $n presses (qemu TCG, this machine)"
}

# The same presses with the state folder on tmpfs and on a real slow disk
# (dm-delay, 20 and 100 ms a write or flush: an SD card's range): the lamp
# must not wait for the disk.
b_input_latency() {
	# Without dmsetup in the VM (the arm64 bench), tmpfs only.
	delays="0 20 100"
	[ -x /hil/bin/dmsetup ] || delays=0
	for ms in $delays; do
		input_latency "$ms" || return
	done
}

input_latency() {
	usb_gadgets || return
	state=
	what=
	if [ "$1" -gt 0 ]; then
		slowdisk "$1" || return
		state="--state-dir /slow/state"
		what=", state on a $1 ms disk"
	fi
	daemon_start /hil/latency.conf $state || return
	wait_present deck true || return
	$CTL start > /dev/null
	wait_line $TALLY 1 || return
	trace_start
	/hil/bin/latency "$PRESSES" 100 "$HIDG_deck" $RIGHT_DOWN $ALL_UP || fail "latency helper"
	latency_stats "pedal report → tally line$what"
	trace_start
	/hil/bin/latency "$PRESSES" 100 "$SIM/sim_gpio$NEXT/pull" =pull-down =pull-up || fail "latency helper"
	latency_stats "button edge → tally line$what"
	[ "$1" -eq 0 ] && $CTL --json status | grep -o 'longest loop hold [0-9.]* ms' | sed 's/^/HIL measure display /'
	kill -TERM $DAEMON 2> /dev/null
	wait $DAEMON 2> /dev/null
	slowdisk_off
}

# A switcher's TSL 3.1 packet on loopback → the camera box's tally line
# (address 1 on program, then off), state on tmpfs.
b_tsl_latency() {
	daemon_start /hil/latency.conf -o source.sw.type=tsl31 -o source.sw.listen=udp:127.0.0.1:8900 \
		-o source.sw.camera=1 || return
	# Settle the camera's state (unknown flashes) before tracing.
	/hil/bin/latency udp 1 100 8900 813020202020202020202020202020202020 813020202020202020202020202020202020 ||
		fail "latency helper"
	usleep 200000
	trace_start
	/hil/bin/latency udp "$PRESSES" 100 8900 813120202020202020202020202020202020 \
		813020202020202020202020202020202020 || fail "latency helper"
	latency_stats "TSL 3.1 packet → camera tally line"
	kill -TERM $DAEMON 2> /dev/null
	wait $DAEMON 2> /dev/null
}

# A switcher's GPI contact (camera 1 on program while closed, debounce 0:
# the contact's own edge) → the camera box's tally line.
b_gpi_latency() {
	daemon_start /hil/latency.conf -o source.gpi.type=gpi -o "source.gpi.program=1 | GPIO16 active-low pull-up" \
		-o source.gpi.camera=1 -o source.gpi.debounce_ms=0 || return
	echo pull-up > "$SIM/sim_gpio16/pull"
	usleep 200000
	trace_start
	/hil/bin/latency "$PRESSES" 100 "$SIM/sim_gpio16/pull" =pull-down =pull-up || fail "latency helper"
	latency_stats "GPI contact → camera tally line"
	kill -TERM $DAEMON 2> /dev/null
	wait $DAEMON 2> /dev/null
}

# The button with the kernel's debouncer (debounce = kernel): every press
# reaches the tally only once the line has held for debounce_ms.
b_kernel_debounce_latency() {
	daemon_start /hil/latency.conf -o device.next.debounce=kernel || return
	grep -q "the kernel debounces" "$D/log" || echo "HIL measure (this onaird debounces itself: libgpiod 1.6)"
	$CTL start > /dev/null
	wait_line $TALLY 1 || return
	trace_start
	/hil/bin/latency "$PRESSES" 100 "$SIM/sim_gpio$NEXT/pull" =pull-down =pull-up || fail "latency helper"
	latency_stats "button edge → tally line, debounce = kernel"
	kill -TERM $DAEMON 2> /dev/null
	wait $DAEMON 2> /dev/null
}

# The same GPI contact while the audio watch judges a tone on snd-aloop:
# the watch must not move the lamp (issue 28: p99 by under 1 ms).
b_gpi_latency_with_watch() {
	daemon_start /hil/latency.conf -o source.gpi.type=gpi -o "source.gpi.program=1 | GPIO16 active-low pull-up" \
		-o source.gpi.camera=1 -o source.gpi.debounce_ms=0 -o audio.capture=hw:Loopback,1,0 \
		-o selftest.required=no || return
	/hil/bin/tone hw:Loopback,0,0 sine 60 > /dev/null &
	player=$!
	$CTL start > /dev/null
	echo pull-up > "$SIM/sim_gpio16/pull"
	usleep 500000
	$CTL --json status | grep -q '"input":"ok"' || fail "the watch does not hear the card: $($CTL --json status)"
	trace_start
	/hil/bin/latency "$PRESSES" 100 "$SIM/sim_gpio16/pull" =pull-down =pull-up || fail "latency helper"
	latency_stats "GPI contact → camera tally line, audio watch listening"
	kill $player 2> /dev/null
	wait $player 2> /dev/null
	kill -TERM $DAEMON 2> /dev/null
	wait $DAEMON 2> /dev/null
}

# From the first silent sample the tone helper wrote to the show log's
# "silence" line, less the configured 2 s: what the watch adds (ALSA's
# buffers on both sides of snd-aloop, the 100 ms block).
b_watch_alarm_latency() {
	rounds=${WATCH_ROUNDS:-10}
	daemon_start /hil/audio.conf -o show.preroll=0 -o audio.watch_silence_after=2 -o audio.watch_release=1 || return
	$CTL start > /dev/null
	: > /tmp/silence-starts
	i=0
	while [ $i -lt "$rounds" ]; do
		/hil/bin/tone hw:Loopback,0,0 sine 2 > /dev/null
		/hil/bin/tone hw:Loopback,0,0 silence 3 >> /tmp/silence-starts
		i=$((i + 1))
	done
	/hil/bin/tone hw:Loopback,0,0 sine 2 > /dev/null
	grep -h '"event":"silence"' "$D"/shows/show-*.jsonl | sed -n 's/.*"wall_ms":\([0-9]*\).*/\1/p' > /tmp/silence-said
	paste /tmp/silence-starts /tmp/silence-said | awk 'NF == 2 { printf "%.3f\n", $2 - $1 - 2000 }' | sort -n > /tmp/gaps
	n=$(wc -l < /tmp/gaps)
	[ "$n" -eq "$rounds" ] || fail "$n silences said for $rounds played"
	p50=$(sed -n "$(((n + 1) / 2))p" /tmp/gaps)
	p99=$(sed -n "$(((n * 99 + 99) / 100))p" /tmp/gaps)
	max=$(tail -n 1 /tmp/gaps)
	echo "HIL measure watch silence alarm beyond its 2 s: p50 $p50 ms, p99 $p99 ms, max $max ms over $n silences (qemu TCG, this machine)"
	kill -TERM $DAEMON 2> /dev/null
	wait $DAEMON 2> /dev/null
}

# What the watch costs: onaird's CPU time (utime + stime, /proc) over 10 s
# of a 48 kHz stereo sine on snd-aloop, with the watch and without it. In
# the VM (TCG: every instruction emulated) the figures are far above a
# real board's; they compare the two and the two architectures.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

b_watch_cpu() {
	for watch in no auto; do
		daemon_start /hil/audio.conf -o show.preroll=0 -o audio.watch=$watch || return
		$CTL start > /dev/null
		usleep 500000
		before=$(cpu_ticks $DAEMON)
		/hil/bin/tone hw:Loopback,0,0 sine 10 > /dev/null
		after=$(cpu_ticks $DAEMON)
		eval "cpu_$watch=$(awk -v t=$((after - before)) 'BEGIN { printf "%.1f", t / 10 }')"
		daemon_stop
	done
	echo "HIL measure watch cpu: $cpu_auto % of one core with the watch, $cpu_no % without (10 s of a 48 kHz stereo sine; qemu TCG, not a board)"
}
