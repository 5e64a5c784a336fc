# Helpers for the tests inside the bench VM (busybox sh). Every assertion
# reads what the kernel devices show: gpio-sim line values, pulls and the
# gpio tracepoint; the daemon's own status is only used to wait for it.
SIMCFG=/sys/kernel/config/gpio-sim/onair
SIM=
D=/tmp/onair
CTL="/hil/bin/onairctl"
export ONAIR_SOCKET=$D/onaird.sock
failures=0
t_name=

# The simulated board: one bank labelled onair-sim with the Pi header's names.
sim_create() {
	mkdir -p "$SIMCFG/bank0"
	echo onair-sim > "$SIMCFG/bank0/label"
	echo 28 > "$SIMCFG/bank0/num_lines"
	i=0
	while [ $i -lt 28 ]; do
		mkdir "$SIMCFG/bank0/line$i"
		echo "GPIO$i" > "$SIMCFG/bank0/line$i/name"
		i=$((i + 1))
	done
	echo 1 > "$SIMCFG/live"
	SIM=/sys/devices/platform/$(cat "$SIMCFG/dev_name")/$(cat "$SIMCFG/bank0/chip_name")
	SIMCHIP=$(cat "$SIMCFG/bank0/chip_name")
}

line() { cat "$SIM/sim_gpio$1/value"; }
# A button between the line and ground: pressed pulls it down.
press() { echo pull-down > "$SIM/sim_gpio$1/pull"; }
release() { echo pull-up > "$SIM/sim_gpio$1/pull"; }
tap() { press "$1"; usleep "${2:-80000}"; release "$1"; }

fail() { echo "HIL FAIL $t_name: $*"; failures=$((failures + 1)); return 1; }

# wait_line LINE VALUE [TENTHS]: the line shows VALUE within the time.
wait_line() {
	n=${3:-30}
	while [ "$n" -gt 0 ]; do
		[ "$(line "$1")" = "$2" ] && return 0
		usleep 100000
		n=$((n - 1))
	done
	fail "GPIO$1 is $(line "$1"), expected $2"
}

# seen_line LINE VALUE TENTHS: the line shows VALUE at some moment (a flash).
seen_line() {
	n=$3
	while [ "$n" -gt 0 ]; do
		[ "$(line "$1")" = "$2" ] && return 0
		usleep 20000
		n=$((n - 1))
	done
	fail "GPIO$1 never showed $2"
}

status_field() { $CTL --json status | sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p"; }

wait_status() { # FIELD VALUE [TENTHS]
	n=${3:-30}
	while [ "$n" -gt 0 ]; do
		[ "$(status_field "$1")" = "$2" ] && return 0
		usleep 100000
		n=$((n - 1))
	done
	fail "status $1 is \"$(status_field "$1")\", expected \"$2\""
}

daemon_start() { # CONFIG [more onaird args]
	rm -rf "$D"; mkdir -p "$D"
	conf=$1; shift
	/hil/bin/onaird -c "$conf" --state-dir "$D" --socket "$D/onaird.sock" "$@" > "$D/log" 2>&1 &
	DAEMON=$!
	n=50
	while [ $n -gt 0 ]; do
		$CTL ping > /dev/null 2>&1 && return 0
		kill -0 $DAEMON 2> /dev/null || break
		usleep 100000
		n=$((n - 1))
	done
	cat "$D/log"
	fail "daemon did not answer"
}

daemon_stop() {
	kill -TERM $DAEMON 2> /dev/null
	wait $DAEMON
	rc=$?
	[ $rc -eq 0 ] || fail "daemon exited with $rc"
}

alive() { kill -0 $DAEMON 2> /dev/null || fail "daemon died: $(tail -n 5 "$D/log")"; }

run_test() {
	t_name=$1
	before=$failures
	"$1"
	[ $failures -eq $before ] && echo "HIL ok $1"
	kill -9 $DAEMON 2> /dev/null
	wait $DAEMON 2> /dev/null
	return 0
}
