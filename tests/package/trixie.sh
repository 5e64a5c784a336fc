#!/bin/bash
# Debian 13 "trixie", the base of today's Raspberry Pi OS, inside make
# check: a debootstrapped trixie root (kept under BUILD/trixie as a
# tarball) in which onair builds warning-free (-Werror) with gcc 14 against
# libgpiod 2 (drivers/gpioline_gpiod2.c), its unit, system and MQTT tests
# pass (against trixie's mosquitto), the hardware bench's GPIO and display
# tests pass with that onaird on gpio-sim lines, and dpkg-buildpackage makes the
# trixie package (version suffix +deb13), lintian clean, which installs,
# runs, is removed and purged there.
# Usage: tests/package/trixie.sh BUILD
# Prints PASS/FAIL/SKIP lines and "trixie: N passed, N failed, N skipped".
set -u
build=$(realpath -m "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$build/trixie
SUITE=trixie
. "$src/tests/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	skip "a chroot needs root"
	finish
fi
command -v debootstrap > /dev/null || { fail "no debootstrap: run ./install-packages"; finish; }

mkdir -p "$work"
root=$work/root
base=$work/trixie-build.tar
mirror=$(debian_mirror)
cleanup() {
	umount "$root/dev/pts" 2> /dev/null
	umount "$root/dev" "$root/proc" 2> /dev/null
	rm -rf "$root"
}
trap cleanup EXIT
cleanup
# What building, testing and packaging need, as on a fresh Raspberry Pi OS
# (perl-openssl-defaults by name: debootstrap does not resolve the virtual
# perl-openssl-abi-3 that lintian's dependencies need).
deps=build-essential,pkgconf,libinih-dev,libcjson-dev,libgpiod-dev,libusb-1.0-0-dev,libmosquitto-dev
deps=$deps,libasound2-dev,libmicrohttpd-dev,nettle-dev,libexpat1-dev,libebur128-dev,libcurl4-openssl-dev,libcmocka-dev,python3,python3-jsonschema,mosquitto,mosquitto-clients,openssl,debhelper,dpkg-dev
deps=$deps,fakeroot,lintian,perl-openssl-defaults,procps,systemd
# The arm64 package for today's Raspberry Pi OS, cross-built in the same
# root (debootstrap installs only the root's own arch: apt adds these;
# --force-overwrite for libpsl-dev's man page, which differs between its
# amd64 and arm64 builds in Debian 13: install-packages says more).
cross="crossbuild-essential-arm64 qemu-user libinih-dev:arm64 libcjson-dev:arm64 libgpiod-dev:arm64
	libusb-1.0-0-dev:arm64 libmosquitto-dev:arm64 libasound2-dev:arm64 libmicrohttpd-dev:arm64
	nettle-dev:arm64 libexpat1-dev:arm64 libebur128-dev:arm64 libcurl4-openssl-dev:arm64 libcmocka-dev:arm64 pkgconf:arm64"
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}
# A cached root made with other packages is made again.
key=$(printf '%s %s' "$deps" "$cross" | tr -s ' \t\n' ' ')
[ -s "$base" ] && [ "$(cat "$base.deps" 2> /dev/null)" != "$key" ] && rm -f "$base"
if [ ! -s "$base" ]; then
	if ! debootstrap --variant=minbase $(debootstrap_cache) --include="$deps" trixie "$root" "$mirror" \
		> "$work/debootstrap.log" 2>&1; then
		tail -n 20 "$work/debootstrap.log"
		fail "debootstrap of a Debian 13 root (log: $work/debootstrap.log)"
		finish
	fi
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc"
	# shellcheck disable=SC2086 # one word per package
	if ! { in_root dpkg --add-architecture arm64 && in_root apt-get update &&
		in_root apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-overwrite $cross; } \
		> "$work/cross.log" 2>&1; then
		umount "$root/proc"
		tail -n 20 "$work/cross.log"
		fail "the arm64 cross toolchain and libraries in the trixie root (log: $work/cross.log)"
		finish
	fi
	in_root apt-get clean
	umount "$root/proc"
	tar -C "$root" -cf "$base" .
	echo "$key" > "$base.deps"
	rm -rf "$root"
fi
mkdir -p "$root" && tar -C "$root" -xf "$base"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
# Pseudo-terminals too: the system tests run onaird on one (a hang-up stops it).
mount --bind /dev/pts "$root/dev/pts"
# The tree as git sees it, so what is tested is what would be committed.
copy_tree "$src" "$root/src/onair"

gpiod=$(in_root pkg-config --modversion libgpiod)
gcc=$(in_root gcc -dumpversion)
if in_root sh -c 'cd /src/onair && WERROR=1 make -j2 all unit' > "$work/build.log" 2>&1 &&
	[ -f "$root/src/onair/build/drivers/gpioline_gpiod2.o" ]; then
	pass "gcc $gcc builds onair -Werror against libgpiod $gpiod (the libgpiod 2 backend)"
else
	tail -n 30 "$work/build.log"
	fail "build with gcc $gcc and libgpiod $gpiod (log: $work/build.log)"
	finish
fi

# The README's two commands on a fresh Debian 13 (a root shell, no sudo):
# everything each would install resolves here (apt-get -s: nothing
# installed): the build-and-run set, and the test stack of --tests.
for args in "" "--tests"; do
	if in_root env INSTALL_PACKAGES_SIMULATE=1 sh /src/onair/install-packages $args > "$work/install-packages.log" 2>&1; then
		pass "./install-packages $args resolves on Debian 13 from a root shell without sudo ($(grep -c '^Inst ' "$work/install-packages.log") packages it would install)"
	else
		tail -n 20 "$work/install-packages.log"
		fail "./install-packages $args on Debian 13 (log: $work/install-packages.log)"
	fi
done

# count LOG: add a suite's counts (see log_counts) to the totals.
count() {
	log_counts "$1"
	passed=$((passed + ${log_passed:-0}))
	failed=$((failed + ${log_failed:-0}))
	skipped=$((skipped + ${log_skipped:-0}))
	[ -n "$log_passed$log_failed" ] || fail "$1 gave no counts"
}
for t in "$root"/src/onair/build/tests/test_*; do
	case "$t" in *.log) continue ;; esac
	name=${t#"$root"}
	in_root sh -c "cd /src/onair && $name" > "$t.log" 2>&1
	rc=$?
	echo "$(basename "$t") (trixie): $(tail -n 1 "$t.log")"
	[ $rc -ne 0 ] && cat "$t.log"
	count "$t.log"
	[ $rc -ne 0 ] && ! grep -q 'FAILED' "$t.log" && fail "$(basename "$t") exit $rc"
done
for suite in test_daemon test_mqtt; do
	in_root sh -c "cd /src/onair && python3 tests/system/$suite.py build" > "$work/$suite.log" 2>&1
	grep -v '^PASS' "$work/$suite.log" | sed 's/^/trixie /'
	count "$work/$suite.log"
done

# The libgpiod 2 backend on real kernel lines: the hardware bench's GPIO and
# display tests (gpio-sim in qemu) with this root's onaird and libraries.
HIL_DAEMON_ROOT=$root HIL_DAEMON_DIR=/src/onair/build "$src/tests/hil/run.sh" "$build" \
	t_outputs_safe_at_start_and_exit t_button_press_advances_the_show t_long_press_holds_and_resumes \
	t_bounce_is_one_press t_missing_line_and_chip_leave_the_rest_working t_check_names_bad_flags \
	t_line_in_use_is_reported t_displays_follow_the_show t_overrun_shows_a_minus \
	t_the_pi5_board_finds_its_chip_by_label t_a_pi_whose_lines_are_named_otherwise_is_told_the_names \
	t_debounce_by_the_kernel_where_it_can b_kernel_debounce_latency b_input_latency \
	> "$work/hil.log" 2>&1
sed 's/^hil/trixie hil/' "$work/hil.log"
count "$work/hil.log"

# The trixie package: the version says the release it was built for.
version=$(in_root dpkg-parsechangelog -l /src/onair/debian/changelog -S Version)+deb13
sed -i "1s/(\([^)]*\)) [a-z-]*;/(\1+deb13) trixie;/" "$root/src/onair/debian/changelog"
rm -rf "$root/src/onair/build"
if in_root sh -c 'cd /src/onair && dpkg-buildpackage -us -uc -b -j2' > "$work/dpkg-buildpackage.log" 2>&1; then
	pass "dpkg-buildpackage makes onair_${version}_amd64.deb in trixie (unit tests run in the build)"
else
	tail -n 30 "$work/dpkg-buildpackage.log"
	fail "dpkg-buildpackage in trixie (log: $work/dpkg-buildpackage.log)"
	finish
fi
arch=$(in_root dpkg --print-architecture)
deb=/src/onair_${version}_$arch.deb
if in_root lintian --fail-on error --suppress-tags bad-distribution-in-changes-file \
	"/src/onair_${version}_$arch.changes" > "$work/lintian.log" 2>&1; then
	pass "lintian (trixie's) finds no error ($(grep -c '^W:' "$work/lintian.log") warnings)"
else
	grep '^E:' "$work/lintian.log"
	fail "lintian errors in the trixie package"
fi
depends=$(in_root dpkg-deb -f "$deb" Depends)
if echo "$depends" | grep -q 'libgpiod3'; then
	pass "the trixie package depends on libgpiod3 ($depends)"
else
	fail "the trixie package's Depends: $depends"
fi
cp "$root$deb" "$work/"
if in_root dpkg -i "$deb" > "$work/install.log" 2>&1 &&
	in_root onaird --version | grep -q "${version%%[-+]*}" &&
	in_root onaird --check -c /etc/onair/onair.conf > "$work/check.log" 2>&1; then
	pass "dpkg -i in trixie: onaird runs and the shipped config passes --check"
else
	cat "$work/install.log" "$work/check.log"
	fail "install in trixie"
fi
# Upgrade, as on bookworm: the technician's edit to the config is kept
# (the new default beside it), a show log is untouched.
in_root sh -c "echo '; edited by the technician' >> /etc/onair/onair.conf; mkdir -p /var/lib/onair/shows; echo '{}' > /var/lib/onair/shows/kept.jsonl"
next=$work/next
rm -rf "$next" && dpkg-deb -R "$work/$(basename "$deb")" "$next"
sed -i "s/^Version: .*/Version: $version+upgrade1/" "$next/DEBIAN/control"
echo "; a new default in the next version" >> "$next/etc/onair/onair.conf"
(cd "$next" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$next/DEBIAN/md5sums"
dpkg-deb -b --root-owner-group "$next" "$root/tmp/onair-next.deb" > /dev/null
if in_root dpkg -i --force-confdef --force-confold /tmp/onair-next.deb > "$work/upgrade.log" 2>&1 &&
	[ "$(in_root dpkg-query -W -f='${Version}' onair)" = "$version+upgrade1" ] &&
	grep -q 'edited by the technician' "$root/etc/onair/onair.conf" &&
	grep -q 'a new default' "$root/etc/onair/onair.conf.dpkg-dist" && [ -f "$root/var/lib/onair/shows/kept.jsonl" ]; then
	pass "dpkg -i upgrades in trixie to $version+upgrade1: the edited config kept, the new one as .dpkg-dist, show logs kept"
else
	cat "$work/upgrade.log"
	fail "upgrade in trixie"
fi
if in_root dpkg -P onair > "$work/purge.log" 2>&1 && [ ! -e "$root/etc/onair" ] && [ ! -e "$root/usr/sbin/onaird" ]; then
	pass "dpkg -P in trixie leaves no /etc/onair and no onaird"
else
	cat "$work/purge.log"
	fail "purge in trixie"
fi

# The same package for arm64 (a Raspberry Pi on today's Raspberry Pi OS),
# cross-built here; its unit tests run under qemu-aarch64 in the build.
rm -rf "$root/src/onair/debian/build"
if in_root sh -c 'cd /src/onair && dpkg-buildpackage -us -uc -b -aarm64 -Pcross -j2' > "$work/build-arm64.log" 2>&1; then
	adeb=/src/onair_${version}_arm64.deb
	tests=$(grep -c 'PASS debian/build/tests/test_' "$work/build-arm64.log")
	adepends=$(in_root dpkg-deb -f "$adeb" Depends)
	rm -rf "$root/tmp/arm64" && in_root dpkg-deb -x "$adeb" /tmp/arm64
	if [ "$tests" -gt 0 ] && echo "$adepends" | grep -q 'libgpiod3' &&
		readelf -h "$root/tmp/arm64/usr/sbin/onaird" | grep -q AArch64 &&
		in_root qemu-aarch64 /tmp/arm64/usr/sbin/onaird --version | grep -q "${version%%[-+]*}"; then
		pass "onair_${version}_arm64.deb cross-built in trixie: $tests unit test programs passed under qemu-aarch64, Depends $adepends, its onaird runs"
	else
		fail "the trixie arm64 package: $tests unit tests, Depends $adepends (log: $work/build-arm64.log)"
	fi
	if in_root lintian --fail-on error --suppress-tags bad-distribution-in-changes-file \
		"/src/onair_${version}_arm64.changes" > "$work/lintian-arm64.log" 2>&1; then
		pass "lintian (trixie's) finds no error in the arm64 package"
	else
		grep '^E:' "$work/lintian-arm64.log"
		fail "lintian errors in the trixie arm64 package"
	fi
	cp "$root$adeb" "$work/"
else
	tail -n 30 "$work/build-arm64.log"
	fail "cross build of the trixie arm64 package (log: $work/build-arm64.log)"
fi

# The hardened unit as trixie's systemd-analyze scores it: exposure <= 2.0.
sed 's|@SBINDIR@|/usr/sbin|g; s|@SYSCONFDIR@|/etc|g' "$src/systemd/onaird.service.in" > "$root/tmp/onaird.service"
systemd=$(in_root systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
if in_root systemd-analyze security --offline=yes --threshold=20 /tmp/onaird.service > "$work/security.log" 2>&1; then
	pass "systemd $systemd's systemd-analyze: $(tail -n 1 "$work/security.log")"
else
	fail "systemd $systemd's systemd-analyze: $(tail -n 1 "$work/security.log")"
fi
cleanup

# The trixie package booted under trixie's systemd in qemu, in a root with
# only what it depends on (kept as a tarball like the build root).
runbase=$work/trixie-run.tar
libs=$(dpkg-deb -f "$work/$(basename "$deb")" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | grep -v '^$' | paste -sd,)
[ -s "$runbase" ] && [ "$(cat "$runbase.deps" 2> /dev/null)" != "$libs" ] && rm -f "$runbase"
if [ ! -s "$runbase" ]; then
	if ! debootstrap --variant=minbase $(debootstrap_cache) --include="$libs,kmod,udev" trixie "$work/runroot" \
		"$mirror" > "$work/debootstrap-run.log" 2>&1; then
		tail -n 20 "$work/debootstrap-run.log"
		fail "debootstrap of a Debian 13 root to boot (log: $work/debootstrap-run.log)"
		finish
	fi
	tar -C "$work/runroot" -cf "$runbase" .
	echo "$libs" > "$runbase.deps"
	rm -rf "$work/runroot"
fi
"$src/tests/package/boot.sh" "$build" "$work/$(basename "$deb")" "$runbase" trixie > "$work/boot.out" 2>&1
cat "$work/boot.out"
passed=$((passed + $(grep -c '^PASS' "$work/boot.out")))
failed=$((failed + $(grep -c '^FAIL' "$work/boot.out")))
skipped=$((skipped + $(grep -c '^SKIP' "$work/boot.out")))
finish
