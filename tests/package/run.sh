#!/bin/bash
# make check-package (and part of make check): builds the onair .deb for this
# machine and, on amd64, cross-built for arm64 (its unit tests run under
# qemu-user inside the build); lintian must find no error; then install,
# upgrade (a technician's edited config kept) and purge in a throwaway
# Debian 12 root made by debootstrap.
# Usage: tests/package/run.sh BUILD
# Prints PASS/FAIL/SKIP lines and "package: N passed, N failed, N skipped".
set -u
build=$(realpath -m "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$build/pkg
SUITE=package
. "$src/tests/lib.sh"

native=$(dpkg --print-architecture)
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
missing=
for tool in dpkg-buildpackage dh lintian debootstrap; do
	command -v $tool > /dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	# Debian has them all: their absence is a missing install step, not a skip.
	fail "no$missing: run ./install-packages"
	finish
fi

# A copy of the tree as git sees it, so the package is built from what
# would be committed and dpkg-buildpackage writes only under build/.
rm -rf "$work/src" "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo
copy_tree "$src" "$work/src/onair"

# build_deb ARCH [dpkg-buildpackage options]: the .deb lands in $work.
build_deb() {
	local arch=$1 log=$work/build-$1.log
	shift
	rm -rf "$work/src/onair/debian/build"
	if (cd "$work/src/onair" && dpkg-buildpackage -us -uc -b -j2 "$@") > "$log" 2>&1; then
		mv "$work"/src/onair_"$version"_"$arch".* "$work"/src/onair-dbgsym_* "$work"/ 2>/dev/null
		mv "$work"/src/*.buildinfo "$work"/src/*.changes "$work"/ 2>/dev/null
		return 0
	fi
	tail -n 30 "$log"
	return 1
}

if build_deb "$native"; then
	pass "dpkg-buildpackage builds onair_${version}_$native.deb (unit tests run in the build)"
else
	fail "dpkg-buildpackage for $native (log: $work/build-$native.log)"
	finish
fi
deb=$work/onair_${version}_$native.deb

# lintian: errors fail; its warnings are printed for whoever reads the log.
if lintian --fail-on error --suppress-tags bad-distribution-in-changes-file \
	"$work/onair_${version}_$native.changes" > "$work/lintian.log" 2>&1; then
	pass "lintian finds no error ($(grep -c '^W:' "$work/lintian.log") warnings, in $work/lintian.log)"
else
	grep '^E:' "$work/lintian.log"
	fail "lintian errors"
fi

if [ "$native" = amd64 ]; then
	if ! command -v aarch64-linux-gnu-gcc > /dev/null || ! dpkg -s libinih-dev:arm64 > /dev/null 2>&1; then
		fail "the arm64 cross toolchain or the :arm64 libraries are missing (./install-packages installs them)"
	elif build_deb arm64 -aarm64 -Pcross; then
		if grep -q "PASS debian/build/tests/test_" "$work/build-arm64.log"; then
			pass "arm64 .deb cross-built; $(grep -c 'PASS debian/build/tests/test_' "$work/build-arm64.log") unit test programs passed under qemu-aarch64"
		else
			fail "arm64 .deb built but no unit test ran under qemu"
		fi
		x=$work/arm64-root
		rm -rf "$x" && dpkg-deb -x "$work/onair_${version}_arm64.deb" "$x"
		if readelf -h "$x/usr/sbin/onaird" | grep -q AArch64 &&
			qemu-aarch64 "$x/usr/sbin/onaird" --version 2>&1 | grep -q "$version"; then
			pass "the arm64 onaird is an aarch64 program and says its version under qemu-aarch64"
		else
			fail "the arm64 onaird does not run under qemu-aarch64"
		fi
	else
		fail "cross build for arm64 (log: $work/build-arm64.log)"
	fi
fi

if [ "$(id -u)" -ne 0 ]; then
	skip "install/upgrade/purge: a chroot needs root"
	finish
fi

# The throwaway root: Debian 12 minbase with systemd (sysusers, tmpfiles)
# and onair's libraries, so dpkg -i needs no network. Kept between runs as
# a tarball; each run unpacks a fresh copy.
root=$work/root
base=$work/bookworm-base.tar
cleanup() {
	umount "$root/proc" 2> /dev/null
	rm -rf "$root"
}
trap cleanup EXIT
cleanup
libs=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | grep -v '^$' | paste -sd,)
# A cached root made for other dependencies is made again.
[ -s "$base" ] && [ "$(cat "$base.deps" 2> /dev/null)" != "$libs" ] && rm -f "$base"
if [ ! -s "$base" ]; then
	# kmod and udev as on a Pi: the boot test loads gpio-sim and lets udev
	# apply the package's rules to the GPIO chip.
	if ! debootstrap --variant=minbase $(debootstrap_cache) --include="$libs,kmod,udev" bookworm "$root" "$(debian_mirror)" \
		> "$work/debootstrap.log" 2>&1; then
		tail -n 20 "$work/debootstrap.log"
		fail "debootstrap of a Debian 12 root (log: $work/debootstrap.log)"
		finish
	fi
	tar -C "$root" -cf "$base" .
	echo "$libs" > "$base.deps"
	rm -rf "$root"
fi
mkdir -p "$root" && tar -C "$root" -xf "$base"
mount -t proc proc "$root/proc"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

# check WHAT COMMAND…: one invariant inside the root.
check() {
	local what=$1
	shift
	if in_root sh -c "$*" > "$work/check.log" 2>&1; then
		pass "$what"
	else
		cat "$work/check.log"
		fail "$what"
	fi
}

# step WHAT LOG COMMAND…: one dpkg run inside the root; its output is shown
# when it fails.
step() {
	local what=$1 log=$work/$2.log
	shift 2
	if in_root "$@" < /dev/null > "$log" 2>&1; then
		pass "$what"
		return 0
	fi
	cat "$log"
	fail "$what"
	return 1
}

cp "$deb" "$root/tmp/onair.deb"
step "dpkg -i into a fresh Debian 12 root" install dpkg -i /tmp/onair.deb || finish
check "onaird and onairctl run with the libraries the package depends on" \
	"onaird --version | grep -q '$version' && onairctl --version | grep -q '$version'"
check "the default /etc/onair/onair.conf passes onaird --check" "onaird --check -c /etc/onair/onair.conf"
check "libmosquitto (loaded only for MQTT) is found: the self-test reaches for the broker" \
	"onaird -c /etc/onair/onair.conf -o node.role=leader -o mqtt.host=127.0.0.1 -o mqtt.port=1 --selftest --json | grep -q 'no connection to 127.0.0.1:1'"
check "/etc/onair/onair.conf and rundown.csv are conffiles" \
	"dpkg-query -W -f='\${Conffiles}' onair | grep -q /etc/onair/onair.conf && dpkg-query -W -f='\${Conffiles}' onair | grep -q /etc/onair/rundown.csv"
check "user onair exists and is in gpio and plugdev" \
	"id -nG onair | tr ' ' '\n' | grep -qx gpio && id -nG onair | tr ' ' '\n' | grep -qx plugdev"
check "/var/lib/onair belongs to onair, mode 0750" "[ \"\$(stat -c %U:%a /var/lib/onair)\" = onair:750 ]"
check "unit, udev rules, boards and examples are in place" \
	"[ -f /lib/systemd/system/onaird.service ] && [ -f /usr/lib/udev/rules.d/60-onair.rules ] && [ -f /usr/share/onair/boards/rpi4.conf ] && [ -f /usr/share/doc/onair/examples/studio.conf ]"
check "the service is installed but not enabled" \
	"! ls /etc/systemd/system/multi-user.target.wants/onaird.service 2> /dev/null"

# Upgrade: the technician edited the config and a show log exists; the new
# version ships a changed default config. dpkg keeps the edit (the new one
# beside it as .dpkg-dist) and nothing under /var/lib/onair is touched.
in_root sh -c "echo '; edited by the technician' >> /etc/onair/onair.conf; echo '{}' > /var/lib/onair/shows/kept.jsonl"
next=$work/next
rm -rf "$next" && dpkg-deb -R "$deb" "$next"
sed -i "s/^Version: .*/Version: $version+upgrade1/" "$next/DEBIAN/control"
echo "; a new default in the next version" >> "$next/etc/onair/onair.conf"
(cd "$next" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) \
	> "$next/DEBIAN/md5sums"
dpkg-deb -b --root-owner-group "$next" "$root/tmp/onair-next.deb" > /dev/null
step "upgrade with dpkg -i to $version+upgrade1" upgrade \
	dpkg -i --force-confdef --force-confold /tmp/onair-next.deb
check "the upgraded package is the new version" "dpkg-query -W -f='\${Version}' onair | grep -qx '$version+upgrade1'"
check "the technician's edit survives the upgrade, the new default is beside it" \
	"grep -q 'edited by the technician' /etc/onair/onair.conf && grep -q 'a new default' /etc/onair/onair.conf.dpkg-dist"
check "show logs survive the upgrade" "[ -f /var/lib/onair/shows/kept.jsonl ]"

step "dpkg -r" remove dpkg -r onair
check "remove takes the programs and keeps the config" "[ ! -e /usr/sbin/onaird ] && [ -f /etc/onair/onair.conf ]"
step "dpkg -P" purge dpkg -P onair
check "purge leaves no /etc/onair, no /var/lib/onair and no dpkg record" \
	"[ ! -e /etc/onair ] && [ ! -e /var/lib/onair ] && ! dpkg-query -W onair > /dev/null 2>&1"
cleanup

# The same root booted with systemd as PID 1 and the package installed.
"$src/tests/package/boot.sh" "$build" "$deb" "$base" > "$work/boot.out" 2>&1
cat "$work/boot.out"
passed=$((passed + $(grep -c '^PASS' "$work/boot.out")))
failed=$((failed + $(grep -c '^FAIL' "$work/boot.out")))
skipped=$((skipped + $(grep -c '^SKIP' "$work/boot.out")))
finish
