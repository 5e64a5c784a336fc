# The power-cut test's two halves (tests/hil/powercut.sh boots them): the
# state folder on a virtio disk that the host writes through (cache=none),
# so what the guest synced is on the host's disk when qemu is killed; seen
# through dm-delay (50 ms a write or flush, an SD card's pace) while the
# commands run, so that an answer given before its sync would be caught.

# Commands from three operators at once, each printed as it is
# acknowledged; the host kills the VM somewhere in the middle.
p_cut() {
	slowdisk 50 /dev/vda || return
	daemon_start /hil/powercut.conf --state-dir /slow/onair || return
	$CTL goto 1 > /dev/null || fail "goto"
	for who in a b c; do
		(while :; do
			seq=$($CTL --json extend +1 | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
			[ -n "$seq" ] && echo "HIL acked $seq"
		done) &
	done
	echo "HIL cutting"
	sleep 600
}

# After the cut: the show resumes and every acknowledged command is in the
# show log exactly once (the host compares).
p_check() {
	mkdir -p /state
	mount -t ext4 /dev/vda /state || { fail "mount /dev/vda after the cut"; return; }
	daemon_start /hil/powercut.conf --state-dir /state/onair || return
	phase=$(status_field state)
	seq=$(status_field seq)
	echo "HIL resumed $phase $seq"
	grep -q 'cut short' "$D/log" && echo "HIL torn"
	$CTL log > /tmp/cut.log || fail "onairctl log"
	grep -o '"event":"extend","seq":[0-9]*' /tmp/cut.log | sed 's/.*:/HIL logged /'
	daemon_stop
	umount /state
}
