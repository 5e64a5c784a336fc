#!/bin/sh
# The tests of "make check" (quick: the layers, the unit tests and the
# system suites on the plain build, a fuzz smoke) or of "make check-all"
# (all: the same on the plain and both sanitizer builds, then the pages,
# OBS, the soaks, the packages, Debian 13, the hardware bench and the
# fuzzers). Prints one closing line with the counts.
# Usage: tests/run-all.sh BUILD [quick|all]
set -u
build=$1
mode=${2:-all}
here=$(dirname "$0")
SUITE=check
. "$here/lib.sh"

suite_failed() { failed=$((failed + 1)); echo "FAIL $1"; }

# Add a suite's own counts (see log_counts).
add_counts() { # log-file exit-code suite-name
	log_counts "$1"
	passed=$((passed + ${log_passed:-0}))
	failed=$((failed + ${log_failed:-0}))
	skipped=$((skipped + ${log_skipped:-0}))
	# A crash or an exit code that its counts do not explain still fails.
	if [ "$2" -ne 0 ] && [ "${log_failed:-0}" -eq 0 ]; then suite_failed "$3 (exit $2)"; fi
	if [ -z "$log_passed" ] && [ -z "$log_failed" ]; then suite_failed "$3 (no counts)"; fi
}

# suite_run LOG COMMAND...: run one suite into LOG, its exit code in LOG.rc.
suite_run() {
	log=$1
	shift
	"$@" > "$log" 2>&1
	echo $? > "$log.rc"
}

# suite_count LOG NAME: show a suite's log and count it. A suite that
# cannot run at all says SKIP and why, and gives no counts.
suite_count() {
	log=$1 name=$2
	rc=$(cat "$log.rc" 2>/dev/null || echo 1)
	cat "$log"
	if grep -q '^SKIP' "$log" && ! grep -q ' passed, ' "$log"; then
		skipped=$((skipped + 1))
	else
		add_counts "$log" "$rc" "$name"
	fi
}

# suite LOG NAME COMMAND...: run one suite into LOG, show it and count it.
suite() {
	log=$1 name=$2
	shift 2
	suite_run "$log" "$@"
	suite_count "$log" "$name"
}

# The layers: no include points up (core < drivers < daemon).
suite "$build/layers.log" "layers" "$here/layers.sh"
# Every USB id a driver claims has its udev rule, and no rule more.
suite "$build/usbids.log" "usb ids" "$here/usbids.sh"
# Every command word is in the README's command table.
suite "$build/docs.log" "docs" "$here/docs.sh" "$build"

fuzz_smoke_run() {
	[ -x "$build/fuzz/fuzz_conf" ] || return 0
	"$here/fuzz/run.sh" "$build" "$1" > "$build/fuzz/smoke.log" 2>&1
	echo $? > "$build/fuzz/smoke.log.rc"
}

# The fuzz smoke's counts (run by fuzz_smoke_run, or now with SECONDS).
fuzz_smoke() {
	if [ -x "$build/fuzz/fuzz_conf" ]; then
		[ -n "${1:-}" ] && fuzz_smoke_run "$1"
		rc=$(cat "$build/fuzz/smoke.log.rc" 2> /dev/null || echo 1)
		cat "$build/fuzz/smoke.log"
		passed=$((passed + $(grep -c '^PASS' "$build/fuzz/smoke.log")))
		failed=$((failed + $(grep -c '^FAIL' "$build/fuzz/smoke.log")))
		[ $rc -ne 0 ] && ! grep -q '^FAIL' "$build/fuzz/smoke.log" && suite_failed "fuzz smoke (exit $rc)"
	else
		echo "SKIP fuzz smoke: clang with libFuzzer is not installed"
		skipped=$((skipped + 1))
	fi
}

# System suites run in a place of their own below, not with the others.
OWN_PLACE="storage obs floor_net"

# Three builds: plain, gcc's sanitizers, clang's (whose UBSan also checks
# float-to-integer casts, which gcc's lacks); the storage suite, which
# preloads a slow-sync shim, runs on the first two.
builds="$build"
[ "$mode" = all ] && builds="$build $build/san $build/clang"
for b in $builds; do
	for t in "$b"/tests/test_*; do
		case "$t" in *.log) continue ;; esac
		"$t" > "$t.log" 2>&1
		rc=$?
		tail -n 1 "$t.log" | sed "s|^|$(basename "$t") ($b): |"
		[ $rc -ne 0 ] && cat "$t.log"
		add_counts "$t.log" $rc "$t"
	done
	# Each system suite is test_NAME.py, logged as NAME.log; the ones
	# with a place of their own below are left out here. make check runs
	# them in two lanes side by side (the fuzz smoke in the first): they
	# mostly wait on the daemon, and each test's processes and files are
	# its own (onairtest.py: a folder each; what a test leaves running is
	# its failure). make check-all runs them one after another.
	lane1="" lane2=""
	for f in "$here"/system/test_*.py; do
		t=$(basename "$f" .py); t=${t#test_}
		case " $OWN_PLACE " in *" $t "*) continue ;; esac
		if [ ${#lane1} -le ${#lane2} ]; then lane1="$lane1 $t"; else lane2="$lane2 $t"; fi
	done
	if [ "$mode" = quick ]; then
		(for t in $lane1; do suite_run "$b/$t.log" python3 "$here/system/test_$t.py" "$b"; done
		 fuzz_smoke_run "${FUZZ_SMOKE_SECONDS:-3}") &
		(for t in $lane2; do suite_run "$b/$t.log" python3 "$here/system/test_$t.py" "$b"; done) &
		wait
		for t in $lane1 $lane2; do suite_count "$b/$t.log" "$t tests ($b)"; done
	else
		for t in $lane1 $lane2; do suite "$b/$t.log" "$t tests ($b)" python3 "$here/system/test_$t.py" "$b"; done
	fi
	[ "$mode" = quick ] || [ "$b" = "$build/clang" ] ||
		suite "$b/storage.log" "storage tests ($b)" python3 "$here/system/test_storage.py" "$b"
done

if [ "$mode" = quick ]; then
	fuzz_smoke
	echo "check: $passed passed, $failed failed, $skipped skipped"
	[ $failed -eq 0 ]
	exit
fi

# A base of rooms in network namespaces: cuts, heals, flaps and a lossy
# uplink between the rooms' brokers and the central one (plain build).
suite "$build/floor-net.log" "floor network tests" python3 "$here/system/test_floor_net.py" "$build"

# The anchor view and the ops page in Debian's chromium (screenshots in
# $build/web).
suite "$build/browser.log" "browser tests" "$here/web/run.sh" "$build"

# ON AIR against a real OBS (under Xvfb, streaming to nginx-rtmp), driven
# by obs-websocket-js; plain and under the sanitizers. After the browser
# suite: it installs the pinned npm packages.
for b in "$build" "$build/san"; do
	suite "$b/obs.log" "obs tests ($b)" python3 "$here/system/test_obs.py" "$b"
done

# The soak, short: 40 s on the plain build, 30 s under the sanitizers
# (make soak runs it for minutes). Its seed is printed, to replay a failure.
for b in "$build:40" "$build/san:30"; do
	if command -v mosquitto > /dev/null; then
		python3 "$here/soak/soak.py" "${b%:*}" --seconds "${b#*:}" > "${b%:*}/soak.log" 2>&1
		rc=$?
		grep -v '^VIOLATION' "${b%:*}/soak.log"
		if [ $rc -eq 0 ] && grep -q '^soak: 0 violations' "${b%:*}/soak.log"; then
			echo "PASS soak (${b%:*})"
			passed=$((passed + 1))
		else
			echo "FAIL soak (${b%:*}, exit $rc)"
			failed=$((failed + 1))
		fi
	else
		echo "SKIP soak: mosquitto is not installed"
		skipped=$((skipped + 1))
	fi
done

# A smoke run of the MQTT benchmark harness, so it does not rot (make bench
# runs it in full; its figures are not judged here).
if [ -x "$build/mqtt_latency" ] && [ -x "$build/stamp" ] && command -v mosquitto > /dev/null; then
	if python3 "$here/bench/bench.py" "$build" --smoke > "$build/bench-smoke.log" 2>&1; then
		echo "PASS bench smoke: $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["figures"]))' "$build/bench-smoke.json") figures"
		passed=$((passed + 1))
	else
		echo "FAIL bench smoke:"
		cat "$build/bench-smoke.log"
		failed=$((failed + 1))
	fi
else
	echo "SKIP bench smoke: mosquitto or the bench helper is missing"
	skipped=$((skipped + 1))
fi

# The service's hardening, scored by systemd itself: exposure at most 2.0.
if command -v systemd-analyze > /dev/null; then
	sed 's|@SBINDIR@|/usr/sbin|g; s|@SYSCONFDIR@|/etc|g' "$here/../systemd/onaird.service.in" \
		> "$build/onaird.service"
	if systemd-analyze security --offline=yes --threshold=20 "$build/onaird.service" \
		> "$build/security.log" 2>&1; then
		echo "PASS service hardening: $(tail -n 1 "$build/security.log")"
		passed=$((passed + 1))
	else
		echo "FAIL service hardening: $(tail -n 1 "$build/security.log")"
		failed=$((failed + 1))
	fi
else
	echo "SKIP service hardening: systemd-analyze is not installed"
	skipped=$((skipped + 1))
fi

# The Debian packages: build, lintian, install/upgrade/purge in a chroot.
suite "$build/package.log" "package tests" "$here/package/run.sh" "$build"
# Debian 13 (today's Raspberry Pi OS): build, tests and package in a trixie root.
suite "$build/trixie.log" "trixie" "$here/package/trixie.sh" "$build"

# The hardware-in-the-loop bench: the plain build inside a qemu VM.
suite "$build/hil.log" "hil bench" "$here/hil/run.sh" "$build"
# The same bench on arm64: Debian's arm64 kernel under qemu-system-aarch64
# and the onaird of the arm64 package (the package suite unpacked it). The
# soak and the slow-disk tests stay on amd64 (no arm64 dmsetup in the VM).
arm64_tests=$(sed -n 's/^\(t_[a-z0-9_]*\)() {$/\1/p' "$here"/hil/vm/t_*.sh |
	grep -v -e '^t_soak_hardware$' -e '^t_no_press_lost_on_a_slow_disk$')
# shellcheck disable=SC2086 # one word per test
suite "$build/hil-arm64.log" "hil bench (arm64)" env HIL_ARCH=arm64 HIL_TIMEOUT=900 "$here/hil/run.sh" "$build" $arm64_tests
# Power cuts in the same VM, on a disk written through to this machine's.
suite "$build/powercut.log" "power cuts" "$here/hil/powercut.sh" "$build" "${POWERCUT_ROUNDS:-20}"

fuzz_smoke "${FUZZ_SMOKE_SECONDS:-8}"

echo "check: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
