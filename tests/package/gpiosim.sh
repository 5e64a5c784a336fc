#!/bin/sh
# Inside the boot test's VM, before onaird: the hardware bench's simulated
# bank (label onair-sim, lines GPIO0..GPIO27, as boards/sim.conf expects).
set -e
m=/lib/modules/$(uname -r)/extra
insmod $m/configfs.ko 2> /dev/null || true
insmod $m/gpio-sim-oot.ko
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
b=/sys/kernel/config/gpio-sim/onair/bank0
mkdir -p $b
echo onair-sim > $b/label
echo 28 > $b/num_lines
for i in $(seq 0 27); do
	mkdir $b/line$i
	echo GPIO$i > $b/line$i/name
done
echo 1 > /sys/kernel/config/gpio-sim/onair/live
udevadm settle
