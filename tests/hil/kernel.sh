#!/bin/bash
# Fetch the kernel that Debian's linux-image-amd64 (or, with HIL_ARCH=arm64,
# linux-image-arm64) points at (downloaded and unpacked, never installed)
# and build gpio-sim for it as an out-of-tree module, since Debian does not
# build it: for arm64 with the cross compiler, the arm64 headers and the
# host's own kbuild tools. Built under BUILD/hil/kernel-VER; the packages
# are kept in the downloads' cache (tests/lib.sh) for the next clone.
# Prints that folder; exit 77 with a reason when the packages cannot be had.
# Usage: [HIL_ARCH=arm64] tests/hil/kernel.sh BUILD
set -euo pipefail
build=$(realpath "$1")
arch=${HIL_ARCH:-amd64}
cannot() { echo "$*" >&2; exit 77; }
. "$(dirname "$0")/../lib.sh"

[ "$(uname -m)" = x86_64 ] || cannot "the bench runs on an amd64 machine; this one is $(uname -m)"
img=$(apt-cache depends "linux-image-$arch:$arch" 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { sub(/:.*/, "", $2); print $2; exit }')
[ -n "$img" ] || cannot "apt-cache does not know linux-image-$arch (run apt-get update; dpkg --add-architecture $arch)"
kver=${img#linux-image-}
pkgver=$(apt-cache show "$img:$arch" | awk '/^Version:/ { print $2; exit }')
dir=$build/hil/kernel-$kver
if [ -e "$dir/ready" ]; then echo "$dir"; exit 0; fi

rm -rf "$dir"
mkdir -p "$dir/deb" "$dir/root" "$dir/gpio-sim"
# A foreign arch's dependencies show as <name:arch> with the name below.
common=$(apt-cache depends "linux-headers-$kver:$arch" | grep -o 'linux-headers-[^ :<>]*-common' | head -n 1)
kbuild=$(apt-cache depends "linux-headers-$kver:$arch" | grep -o 'linux-kbuild-[0-9.]*' | head -n 1)
source=linux-source-${kbuild#linux-kbuild-}
echo "hil: fetching $img $pkgver ($arch) and what gpio-sim needs to build" >&2
# kbuild's tools run here: the host's own build of them, whatever the arch.
apt_fetch "$dir/deb" "$img:$arch=$pkgver" "linux-headers-$kver:$arch=$pkgver" \
	"$common=$pkgver" "$kbuild=$pkgver" "$source=$pkgver" ||
	cannot "apt-get download of $img $pkgver failed"
for deb in "$dir"/deb/linux-{image,headers,kbuild}-*.deb; do dpkg -x "$deb" "$dir/root"; done

# The headers' Makefile includes the common half by absolute path.
hdr=$dir/root/usr/src/linux-headers-$kver
sed -i "s|/usr/src/|$dir/root/usr/src/|" "$hdr/Makefile"

# gpio-sim needs three files of the source; irq_to_desc is not exported to
# modules, and generic_handle_irq does the same for a simple irq.
src=linux-source-${kbuild#linux-kbuild-}
dpkg --fsys-tarfile "$dir"/deb/"$source"_*.deb | tar -xO "./usr/src/$src.tar.xz" |
	tar -xJ -C "$dir/gpio-sim" --strip-components=3 "$src/drivers/gpio/gpio-sim.c" \
		"$src/drivers/gpio/gpiolib.h"
dpkg --fsys-tarfile "$dir"/deb/"$source"_*.deb | tar -xO "./usr/src/$src.tar.xz" |
	tar -xJ -C "$dir/gpio-sim" --strip-components=3 "$src/kernel/irq/irq_sim.c"
grep -q 'handle_simple_irq(irq_to_desc(irqnum));' "$dir/gpio-sim/irq_sim.c" ||
	{ echo "hil: irq_sim.c of $src has changed; the patch does not apply" >&2; exit 1; }
sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$dir/gpio-sim/irq_sim.c"
printf 'obj-m := gpio-sim-oot.o\ngpio-sim-oot-y := gpio-sim.o irq_sim.o\n' > "$dir/gpio-sim/Kbuild"
cross=()
[ "$arch" = arm64 ] && cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
make -s -C "$hdr" M="$dir/gpio-sim" "${cross[@]}" modules >&2 2> >(grep -v 'Skipping BTF' >&2)
cp "$dir/root/boot/vmlinuz-$kver" "$dir/vmlinuz"
rm -rf "$dir/deb"
echo "$kver" > "$dir/ready"
echo "$dir"
