# The audio watch on a real, paced card: snd-aloop, the tone helper
# playing into device 0, onaird listening on device 1 (audio.conf).

showlog_events() { cat "$D"/shows/show-*.jsonl 2> /dev/null | sed -n 's/.*"event":"\([a-z_]*\)".*/\1/p'; }

t_watch_hears_a_silence_on_a_real_card() {
	daemon_start /hil/audio.conf -o show.preroll=0
	$CTL start > /dev/null || fail "start"
	# Talk, a 2 s pause (nothing), talk, a 7 s silence (said at 5 s, over
	# 1 s into the talk after it), talk.
	(
		/hil/bin/tone hw:Loopback,0,0 sine 3
		/hil/bin/tone hw:Loopback,0,0 silence 2
		/hil/bin/tone hw:Loopback,0,0 sine 2
		/hil/bin/tone hw:Loopback,0,0 silence 7
		/hil/bin/tone hw:Loopback,0,0 sine 3
	) &
	player=$!
	wait $player
	usleep 1500000
	alive
	said=$(showlog_events | grep -E '^(silence|silence_end)$' | tr '\n' ' ')
	[ "$said" = "silence silence_end " ] || fail "the show log says \"$said\", expected one silence and its end"
	grep -h '"event":"silence"' "$D"/shows/show-*.jsonl | grep -q 'for 5.0 s' ||
		fail "silence not said at 5 s: $(grep -h '"event":"silence"' "$D"/shows/show-*.jsonl)"
	$CTL --json status | grep -q '"input":"ok"' || fail "input: $($CTL --json status)"
	$CTL --json status | grep -q '"xruns":0' || fail "overruns on a paced card: $($CTL --json status)"
	echo "HIL measure watch: $(grep -h '"event":"silence"' "$D"/shows/show-*.jsonl | sed -n 's/.*"detail":"\([^"]*\)".*/\1/p')"
	daemon_stop
}

t_watch_lends_the_card_to_the_selftest() {
	daemon_start /hil/audio.conf
	/hil/bin/tone hw:Loopback,0,0 sine 4 &
	player=$!
	usleep 300000
	out=$($CTL selftest)
	wait $player
	echo "$out" | grep -q 'audio.capture.*PASS\|PASS.*audio.capture' ||
		fail "the self-test could not hear the card the watch holds: $out"
	wait_for 30 sh -c "$CTL --json status | grep -q '\"input\":\"ok\"'" ||
		fail "the watch did not take the card back: $($CTL --json status)"
	alive
	daemon_stop
}

# The card vanishes mid-show, as a USB interface pulled out does: the
# kernel's own hot-unplug path (snd-aloop's device unbound from its driver,
# snd_card_disconnect), with the watch holding the capture open. The watch
# says audio_lost at once and lets the card go (the unbind waits for every
# holder to close it), the show goes on, and when the card is bound again
# the watch finds it by itself.
input_ok() { $CTL --json status | grep -q '"input":"ok"'; }
lost_said() { showlog_events | grep -qx audio_lost; }
card_gone() { ! kill -0 "$unbind" 2> /dev/null; }

t_watch_survives_the_card_vanishing() {
	drv=/sys/bus/platform/drivers/snd_aloop
	[ -e "$drv/snd_aloop.0" ] || { fail "snd-aloop's device is not on its driver: $(ls $drv 2> /dev/null)"; return; }
	daemon_start /hil/audio.conf -o show.preroll=0
	$CTL start > /dev/null || fail "start"
	/hil/bin/tone hw:Loopback,0,0 sine 2 > /dev/null
	wait_for 100 input_ok || fail "the watch never heard the card"
	t0=$(date +%s)
	echo snd_aloop.0 > "$drv/unbind" &
	unbind=$!
	wait_for 50 lost_said || fail "no audio_lost within 5 s of the card vanishing: $($CTL --json status)"
	wait_for 100 card_gone || { fail "the card could not go: something still holds it"; daemon_stop; return; }
	[ -e "$drv/snd_aloop.0" ] && fail "the card is still bound"
	$CTL --json status | grep -q '"state":"live"' || fail "the show stopped with the card: $($CTL --json status)"
	alive
	echo snd_aloop.0 > "$drv/bind" || { fail "could not bind the card again"; daemon_stop; return; }
	/hil/bin/tone hw:Loopback,0,0 sine 3 > /dev/null &
	player=$!
	wait_for 100 input_ok || fail "the watch did not find the card again: $($CTL --json status)"
	wait $player
	said=$(showlog_events | grep -E '^audio_(lost|back)$' | tr '\n' ' ')
	[ "$said" = "audio_lost audio_back " ] || fail "the show log says \"$said\", expected audio_lost then audio_back"
	$CTL --json status | grep -q '"state":"live"' || fail "the show did not go on: $($CTL --json status)"
	echo "HIL measure watch: the card gone and back in $(($(date +%s) - t0)) s, the show live throughout"
	alive
	daemon_stop
}

# The meters on a real card: EBU Tech 3341's 1 kHz stereo sine at -23 dBFS
# reads -23.0 LUFS integrated (within 0.1 LU, as the test case asks; the
# same signal made by sox reads -23.0 in ffmpeg's ebur128 and bs1770gain:
# tests/system/test_watch.py), and at -33 dBFS -33.0; then a dead right
# channel, a DC offset and clipped bursts are each said.
lufs_of() { $CTL --json status | sed -n 's/.*"integrated_lufs":\(-\{0,1\}[0-9.]*\).*/\1/p'; }
within() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; exit !(a != "" && x <= d && x >= -d) }'; }

t_watch_measures_on_a_real_card() {
	for level in -23 -33; do
		daemon_start /hil/audio.conf -o show.preroll=0
		$CTL start > /dev/null || fail "start"
		/hil/bin/tone hw:Loopback,0,0 sine 12 "$level" > /dev/null
		usleep 500000
		got=$(lufs_of)
		echo "HIL measure watch: a 1 kHz sine at $level dBFS reads $got LUFS integrated on snd-aloop"
		within "$got" "$level" 0.1 || fail "a sine at $level dBFS reads \"$got\" LUFS, not $level.0 ± 0.1"
		daemon_stop
	done
	daemon_start /hil/audio.conf -o show.preroll=0
	$CTL start > /dev/null || fail "start"
	/hil/bin/tone hw:Loopback,0,0 dead-right 7 > /dev/null
	/hil/bin/tone hw:Loopback,0,0 dc 7 > /dev/null
	/hil/bin/tone hw:Loopback,0,0 clipped 2 > /dev/null
	usleep 500000
	for alarm in dead_channel dc_offset clipping; do
		showlog_events | grep -qx "$alarm" || fail "$alarm not said on the real card: $(showlog_events | tr '\n' ' ')"
	done
	alive
	daemon_stop
}
