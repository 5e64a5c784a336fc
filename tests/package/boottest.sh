#!/bin/sh
# Inside the VM that tests/package/boot.sh boots, as a oneshot service after
# onaird.service: the installed package's unit under a real systemd. One
# "BOOTTEST ok|FAIL what" line per check on the serial console, then off.
ok() { echo "BOOTTEST ok $*"; }
bad() { echo "BOOTTEST FAIL $*"; }
ctl() { runuser -u tech -- onairctl "$@"; }
field() { ctl status --json | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p"; }
prop() { systemctl show -p "$1" --value onaird; }
why() { systemctl status onaird --no-pager 2>&1 | tail -n 6 | tr '\n' ' '; }

wait_active() {
	n=0
	while [ $n -lt 100 ]; do
		[ "$(systemctl is-active onaird)" = active ] && ctl ping > /dev/null 2>&1 && return 0
		sleep 0.2
		n=$((n + 1))
	done
	return 1
}

if wait_active; then
	ok "the hardened onaird.service starts (Type=notify, as user $(prop User), groups: $(id -nG onair))"
else
	bad "onaird.service did not start: $(why)"
fi
# Lamps are configured, so selftest.required (auto) holds the show until a
# self-test passes; the operator can go past it, and that is logged.
gate=$(ctl start 2>&1)
if [ "$(field state)" = standby ] && echo "$gate" | grep -q "no self-test has run"; then
	ok "the gate before going live refuses start with no self-test: $gate"
else
	bad "start before any self-test: state $(field state), answer: $gate"
fi
if ctl start --override boot test without a sound card > /dev/null && ctl next > /dev/null &&
	[ "$(field state)" = live ]; then
	ok "a member of group onair steps the show with onairctl (start --override)"
else
	bad "onairctl as a member of group onair: $(ctl status 2>&1 | tr '\n' ' ')"
fi
if ctl log | grep -q '"event":"override".*boot test without a sound card'; then
	ok "the override and its reason are in the show log"
else
	bad "no override line in the show log: $(ctl log 5 2>&1 | tr '\n' ' ')"
fi
sim=$(ls -d /sys/devices/platform/gpio-sim.*/gpiochip* 2> /dev/null | head -n 1)
chip=${sim##*/}
if [ -n "$chip" ] && [ "$(stat -c %G "/dev/$chip")" = gpio ]; then
	ok "udev gave /dev/$chip to group gpio (60-onair.rules)"
else
	bad "the simulated chip: '$chip', /dev/$chip group $(stat -c %G "/dev/$chip" 2>&1)"
fi
if [ -n "$sim" ] && [ "$(cat "$sim/sim_gpio17/value")" = 1 ]; then
	ok "the sandboxed daemon drives the tally line (DevicePolicy=closed, DeviceAllow char-gpiochip)"
else
	bad "the tally line (GPIO17) is not lit: $(journalctl -u onaird --no-pager | grep -i 'lamps\|gpio' | tail -n 3 | tr '\n' ' ')"
fi
segment=$(field segment)
pid=$(prop MainPID)
kill -9 "$pid"
n=0
while [ $n -lt 50 ] && { [ "$(prop MainPID)" = "$pid" ] || [ "$(prop MainPID)" = 0 ] || ! ctl ping > /dev/null 2>&1; }; do
	sleep 0.2
	n=$((n + 1))
done
if [ "$(prop NRestarts)" = 1 ] && [ "$(systemctl is-active onaird)" = active ]; then
	ok "after kill -9 systemd restarts it ($(prop RestartUSec) later)"
else
	bad "no restart after kill -9: NRestarts $(prop NRestarts), $(why)"
fi
if journalctl -u onaird --no-pager | grep -q 'all outputs safe'; then
	ok "after kill -9 ExecStopPost left every output safe"
else
	bad "no 'all outputs safe' from ExecStopPost in the journal"
fi
if [ "$(field state)" = live ] && [ "$(field segment)" = "$segment" ]; then
	ok "the restarted daemon resumed the show at segment $segment"
else
	bad "after the restart: state $(field state), segment $(field segment), was live at $segment"
fi
systemctl reload onaird
sleep 1
if [ "$(systemctl is-active onaird)" = active ] && journalctl -u onaird --no-pager | grep -q 'reload: config'; then
	ok "systemctl reload re-reads the config"
else
	bad "reload: $(why)"
fi
# Past one watchdog period (WatchdogSec=10): fed by the loop, not restarted.
sleep 12
if [ "$(prop NRestarts)" = 1 ] && [ "$(prop WatchdogUSec)" = 10s ]; then
	ok "the watchdog (10 s) is fed: no restart after 12 s"
else
	bad "watchdog: $(prop WatchdogUSec), NRestarts $(prop NRestarts)"
fi
if journalctl -b --no-pager | grep -q 'status=31/SYS\|SIGSYS\|Bad system call'; then
	bad "the system call filter refused a call: $(journalctl -b --no-pager | grep 'status=31/SYS\|SIGSYS\|Bad system call' | head -n 3 | tr '\n' ' ')"
else
	ok "nothing refused by the system call filter"
fi
systemctl stop onaird
if [ "$(prop Result)" = success ] && journalctl -u onaird --no-pager | grep -q 'stopped; all outputs safe' &&
	[ "$(cat "$sim/sim_gpio17/value" 2> /dev/null)" = 0 ]; then
	ok "systemctl stop: a clean exit with every output safe"
else
	bad "stop: result $(prop Result), $(why)"
fi
echo "BOOTTEST end"
systemctl poweroff -ff
