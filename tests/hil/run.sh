#!/bin/bash
# The hardware-in-the-loop bench: boots Debian's own kernel in qemu with
# gpio-sim, runs the daemon from BUILD inside it against the simulated
# devices and prints "hil: N passed, N failed, N skipped".
# With HIL_ARCH=arm64: Debian's arm64 kernel under qemu-system-aarch64
# (virt, cortex-a72, TCG), an arm64 busybox, and the onaird the arm64 .deb
# ships (BUILD/pkg/arm64-root, unpacked by the package suite).
# Usage: [HIL_ARCH=arm64] tests/hil/run.sh BUILD [test …]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SUITE=hil
. "$here/../lib.sh"	# apt_fetch; this suite keeps its own counts
build=$(realpath "$1")
shift
tests=$(IFS=,; echo "$*")
arch=${HIL_ARCH:-amd64}
out=$build/hil
[ "$arch" = amd64 ] || out=$build/hil/$arch
mkdir -p "$out"

skip() { echo "SKIP hil: $*"; echo "hil: 0 passed, 0 failed, 1 skipped"; exit 0; }
# Debian has these tools on every architecture: their absence is a missing
# install step, not a reason to skip.
missing() { echo "FAIL hil: $* is not installed: run ./install-packages"; echo "hil: 0 passed, 1 failed, 0 skipped"; exit 1; }
if [ "$arch" = arm64 ]; then
	qemu=(qemu-system-aarch64 -M virt -cpu cortex-a72)
	console=ttyAMA0
	cc=aarch64-linux-gnu-gcc
	pkgconfig=aarch64-linux-gnu-pkg-config
	command -v qemu-system-aarch64 > /dev/null || missing "qemu-system-aarch64 (qemu-system-arm)"
	command -v $cc > /dev/null || missing "$cc (crossbuild-essential-arm64)"
	[ -x "$build/pkg/arm64-root/usr/sbin/onaird" ] ||
		{ echo "FAIL hil: no arm64 package unpacked in $build/pkg/arm64-root (the package suite makes it)"
		  echo "hil: 0 passed, 1 failed, 0 skipped"; exit 1; }
	# An arm64 busybox, downloaded once (the host's is amd64).
	busybox=$build/hil/busybox-arm64/bin/busybox
	if [ ! -x "$busybox" ]; then
		rm -rf "$build/hil/busybox-arm64" && mkdir -p "$build/hil/busybox-arm64/deb"
		apt_fetch "$build/hil/busybox-arm64/deb" busybox-static:arm64 > /dev/null 2>&1 &&
			dpkg -x "$build"/hil/busybox-arm64/deb/busybox-static_*.deb "$build/hil/busybox-arm64" ||
			skip "busybox-static:arm64 cannot be had"
	fi
else
	qemu=(qemu-system-x86_64)
	console=ttyS0
	cc=${CC:-cc}
	pkgconfig=pkg-config
	busybox=/bin/busybox
	command -v qemu-system-x86_64 > /dev/null || missing "qemu-system-x86_64 (qemu-system-x86)"
	[ -x /bin/busybox ] || missing "busybox (busybox-static)"
fi
command -v cpio > /dev/null || missing cpio
kdir=$("$here/kernel.sh" "$build")
rc=$?
[ $rc -eq 77 ] && skip "kernel packages cannot be had"
[ $rc -ne 0 ] && { echo "FAIL hil: preparing the kernel failed"; echo "hil: 0 passed, 1 failed, 0 skipped"; exit 1; }
kver=$(cat "$kdir/ready")

stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage"/{bin,hil/bin,hil/boards,proc,sys,dev,tmp,run,lib/modules/"$kver"/extra}
cp "$busybox" "$stage/bin/busybox"
install -m 755 "$here/init" "$stage/init"
cp "$here"/vm/* "$stage/hil/"
cp "$here/../../boards/sim.conf" "$here/../../boards/rpi5.conf" "$stage/hil/boards/"
cp "$kdir/gpio-sim/gpio-sim-oot.ko" "$stage/lib/modules/$kver/extra/"

# The latency helper, static so it needs nothing in the VM.
$cc -O2 -static -o "$stage/hil/bin/latency" "$here/latency.c" ||
	{ echo "FAIL hil: cannot build the latency helper"; echo "hil: 0 passed, 1 failed, 0 skipped"; exit 1; }

# The signal player for the audio checks, with its libraries (below) and
# the ALSA configuration alsa-lib needs to find a card by name.
$cc -O2 -o "$stage/hil/bin/tone" "$here/tone.c" $($pkgconfig --cflags --libs alsa) -lm ||
	{ echo "FAIL hil: cannot build the tone helper"; echo "hil: 0 passed, 1 failed, 0 skipped"; exit 1; }
mkdir -p "$stage/usr/share/alsa"
cp -r /usr/share/alsa/alsa.conf /usr/share/alsa/cards /usr/share/alsa/pcm "$stage/usr/share/alsa/"

# Kernel modules the tests load, with what they depend on.
mods=$kdir/root/lib/modules/$kver
add_module() {
	local f dep
	f=$(find "$mods/kernel" -name "$1.ko" | head -n 1)
	[ -n "$f" ] || { echo "hil: module $1 not in $kver" >&2; return 1; }
	[ -e "$stage/lib/modules/$kver/${f#"$mods/"}" ] && return 0
	mkdir -p "$(dirname "$stage/lib/modules/$kver/${f#"$mods/"}")"
	cp "$f" "$stage/lib/modules/$kver/${f#"$mods/"}"
	for dep in $(grep -a -o 'depends=[a-z0-9_,-]*' "$f" | head -n 1 | cut -d= -f2 | tr ',' ' '); do
		add_module "$dep"
	done
}
for m in configfs dummy_hcd libcomposite usb_f_hid usbhid hid-generic hid-led snd-aloop \
	brd dm-mod dm-delay ext4 crc32c_generic virtio_pci virtio_blk; do add_module "$m" || exit 1; done

# The daemon as built, with the shared libraries it links.
# dmsetup, to put a real slow disk (dm-delay) under the state folder.
dmsetup=$(command -v dmsetup || echo /sbin/dmsetup)
[ -x "$dmsetup" ] && cp "$dmsetup" "$stage/hil/bin/"
# HIL_DAEMON_ROOT=DIR with HIL_DAEMON_DIR=PATH (inside DIR): the daemon
# built in another Debian root (the trixie one, against libgpiod 2); its
# libraries come from that root and it runs under that root's loader.
daemon_dir=$build
[ -n "${HIL_DAEMON_ROOT:-}" ] && daemon_dir=$HIL_DAEMON_ROOT$HIL_DAEMON_DIR
if [ "$arch" = arm64 ]; then
	cp "$build/pkg/arm64-root/usr/sbin/onaird" "$build/pkg/arm64-root/usr/bin/onairctl" "$stage/hil/bin/"
	rm -f "$stage/hil/bin/dmsetup"
	# No ldd for a foreign arch: the NEEDED entries, found in the arm64
	# library folders, and theirs, and the loader.
	arm64_libs() {
		local f lib path
		for f in "$@"; do
			for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
				for path in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
					[ -e "$path/$lib" ] || continue
					[ -e "$stage$path/$lib" ] && break
					mkdir -p "$stage$path"
					cp -L "$path/$lib" "$stage$path/$lib"
					arm64_libs "$path/$lib"
					break
				done
			done
		done
	}
	arm64_libs "$stage/hil/bin/onaird" "$stage/hil/bin/onairctl" "$stage/hil/bin/tone"
	mkdir -p "$stage/lib"
	cp -L /lib/ld-linux-aarch64.so.1 "$stage/lib/"
fi
for b in onaird onairctl tone dmsetup; do
	[ "$arch" = arm64 ] && break
	case $b in onaird | onairctl) from=$daemon_dir ;; *) from=$build ;; esac
	[ -e "$from/$b" ] && cp "$from/$b" "$stage/hil/bin/"
	[ -e "$stage/hil/bin/$b" ] || continue
	if [ "$from" != "$build" ]; then
		libs=$(chroot "$HIL_DAEMON_ROOT" ldd "$HIL_DAEMON_DIR/$b" | grep -o '/[^ ]*')
		for lib in $libs; do
			mkdir -p "$stage/other$(dirname "$lib")"
			cp -L "$HIL_DAEMON_ROOT$lib" "$stage/other$lib"
		done
		loader=$(echo "$libs" | grep '/ld-linux' | head -n 1)
		paths=$(echo "$libs" | grep -v '/ld-linux' | xargs -n 1 dirname | sort -u | sed 's|^|/other|' | paste -sd:)
		mv "$stage/hil/bin/$b" "$stage/hil/bin/$b.bin"
		printf '#!/bin/sh\nexec /other%s --library-path %s /hil/bin/%s.bin "$@"\n' "$loader" "$paths" "$b" \
			> "$stage/hil/bin/$b"
		chmod 755 "$stage/hil/bin/$b"
		continue
	fi
	for lib in $(ldd "$stage/hil/bin/$b" | grep -o '/[^ ]*'); do
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
done

(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initramfs.gz"
# The power-cut test boots this initramfs itself, with a disk.
[ -n "${HIL_BUILD_ONLY:-}" ] && { echo "$kdir"; exit 0; }
echo "hil: booting $kver in qemu (TCG, $arch)"
start=$(date +%s)
timeout "${HIL_TIMEOUT:-300}" "${qemu[@]}" -accel tcg -m 512 -smp 1 -nographic -no-reboot \
	-kernel "$kdir/vmlinuz" -initrd "$out/initramfs.gz" \
	-append "console=$console panic=-1 quiet loglevel=3 onair.tests=$tests onair.soak_rounds=${SOAK_ROUNDS:-12}" \
	< /dev/null > "$out/console.log" 2>&1
qrc=$?
# The firmware's escape sequences may share a line with the first result.
sed -n 's/\r//g; s/.*\(HIL [a-zA-Z]* .*\)/\1/p; s/.*\(HIL end\)$/\1/p' "$out/console.log" > "$out/results"
sed 's/^HIL /hil: /' "$out/results"
passed=$(grep -c '^HIL ok ' "$out/results")
failed=$(grep -c '^HIL FAIL ' "$out/results")
boot=$(grep -c '^HIL booted ' "$out/results")
ended=$(grep -c '^HIL end' "$out/results")
if [ "$boot" -ne 1 ] || [ "$ended" -ne 1 ] || grep -q '^HIL BOOTFAIL' "$out/results"; then
	echo "FAIL hil: the VM did not boot and finish (qemu exit $qrc); its console:"
	tail -n 40 "$out/console.log"
	failed=$((failed + 1))
fi
echo "hil: $((passed)) passed, $failed failed, 0 skipped ($(($(date +%s) - start)) s in the VM)"
[ "$failed" -eq 0 ]
