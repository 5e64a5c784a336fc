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
