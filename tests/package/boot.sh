#!/bin/bash
# The installed package under a real systemd: the Debian 12 root that
# tests/package/run.sh made, with the .deb installed and the service
# enabled, booted in qemu with systemd as PID 1. Inside, boottest.sh checks
# that the hardened unit (system call filter, device policy, namespaces)
# really starts, answers an operator, is restarted after kill -9 with its
# ExecStopPost run and the show resumed, reloads and stops cleanly.
# Usage: tests/package/boot.sh BUILD DEB BASE-TAR [RELEASE]
# (RELEASE names the root in the output and its work folder; bookworm by
# default.) Prints PASS/FAIL/SKIP lines (the caller counts them).
set -u
build=$(realpath -m "$1") deb=$2 base=$3 release=${4:-bookworm}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build/pkg"
work=$build/pkg/boot-$release
if [ "$(uname -m)" != x86_64 ]; then
	echo "SKIP package: boot under systemd: the package booted is this machine's, and the bench kernel is amd64"
	exit 0
fi
if ! command -v qemu-system-x86_64 > /dev/null; then
	echo "FAIL package: boot under systemd: qemu-system-x86_64 is not installed: run ./install-packages"
	exit 0
fi
if ! kdir=$("$here/../hil/kernel.sh" "$build" 2> "$build/pkg/kernel.log"); then
	echo "SKIP package: boot under systemd: no Debian kernel ($(tail -n 1 "$build/pkg/kernel.log"))"
	exit 0
fi

rm -rf "$work" && mkdir -p "$work/root"
root=$work/root
tar -C "$root" -xf "$base"
# Only what a boot needs: the image is unpacked into memory by the kernel.
rm -rf "$root"/usr/share/{doc,man,locale,info} "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
cp "$deb" "$root/tmp/onair.deb"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2> /dev/null' EXIT
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
if ! in_root dpkg -i /tmp/onair.deb > "$work/install.log" 2>&1 ||
	! in_root useradd -m -G onair tech > /dev/null 2>&1 ||
	! in_root systemctl enable onaird > /dev/null 2>&1; then
	cat "$work/install.log"
	echo "FAIL package: boot under systemd ($release): preparing the root"
	exit 1
fi
umount "$root/proc"
rm -f "$root/tmp/onair.deb"
# The hardware bench's simulated GPIO bank, made before onaird starts;
# udev gives its chip to group gpio by the package's rules.
kver=$(cat "$kdir/ready")
mkdir -p "$root/lib/modules/$kver/extra"
cp "$kdir/gpio-sim/gpio-sim-oot.ko" "$(find "$kdir/root/lib/modules/$kver" -name configfs.ko)" \
	"$root/lib/modules/$kver/extra/"
install -m 755 "$here/gpiosim.sh" "$root/usr/local/sbin/onair-gpiosim"
cat > "$root/etc/systemd/system/onair-gpiosim.service" << 'UNIT'
[Unit]
Description=simulated GPIO bank for the boot test
Before=onaird.service
After=systemd-udevd.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/onair-gpiosim
UNIT
mkdir -p "$root/etc/systemd/system/onaird.service.requires"
ln -s /etc/systemd/system/onair-gpiosim.service "$root/etc/systemd/system/onaird.service.requires/"
sed -i 's|^\[daemon\]$|[daemon]\nboard = sim|' "$root/etc/onair/onair.conf"
printf '\n; added by the boot test: lamps on the simulated bank\n[device.lamps]\ndriver = gpio\ntally = tally\nonair = onair\n' \
	>> "$root/etc/onair/onair.conf"
install -m 755 "$here/boottest.sh" "$root/usr/local/sbin/onair-boottest"
cat > "$root/etc/systemd/system/onair-boottest.service" << 'EOF'
[Unit]
Description=onair boot test
After=onaird.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/onair-boottest
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
[Install]
WantedBy=multi-user.target
EOF
ln -s /etc/systemd/system/onair-boottest.service "$root/etc/systemd/system/multi-user.target.wants/"
# A quiet console for the test's lines: no login prompt on it.
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
echo onair-test > "$root/etc/hostname"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/root.cpio.gz"
rm -rf "$root"

timeout 400 qemu-system-x86_64 -accel tcg -m 1536 -smp 1 -nographic -no-reboot \
	-kernel "$kdir/vmlinuz" -initrd "$work/root.cpio.gz" \
	-append "console=ttyS0 rdinit=/lib/systemd/systemd panic=-1 quiet loglevel=3 systemd.show_status=0" \
	< /dev/null > "$work/console.log" 2>&1
sed -n 's/\r//g; s/.*BOOTTEST \(ok\|FAIL\) \(.*\)/\1 \2/p' "$work/console.log" |
	while read -r verdict what; do
		case $verdict in
		ok) echo "PASS package: under systemd ($release): $what" ;;
		*) echo "FAIL package: under systemd ($release): $what" ;;
		esac
	done
if ! grep -q 'BOOTTEST end' "$work/console.log"; then
	tail -n 30 "$work/console.log"
	echo "FAIL package: boot under systemd ($release): the test did not finish (console: $work/console.log)"
fi
