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

b_input_latency() {
	usb_gadgets || return
	daemon_start /hil/latency.conf || return
	wait_present deck true || return
	$CTL start > /dev/null
	wait_line $TALLY 1 || return
	trace_start
	/hil/bin/latency "$PRESSES" 100 "$HIDG_deck" $RIGHT_DOWN $ALL_UP || fail "latency helper"
	latency_stats "pedal report → tally line"
	trace_start
	/hil/bin/latency "$PRESSES" 100 "$SIM/sim_gpio$NEXT/pull" =pull-down =pull-up || fail "latency helper"
	latency_stats "button edge → tally line"
	$CTL --json status | grep -o 'longest loop hold [0-9.]* ms' | sed 's/^/HIL measure display /'
}
