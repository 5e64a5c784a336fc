#!/usr/bin/env python3
"""The audio watch from outside. The programme is made by sox; onaird reads
it through alsa-lib's own file plugin (no sound card needed: the plugin
captures from a file, faster than real time, and the watch judges in
sample time so the alarms come at the same points of the programme). Its
loudness is checked against two meters onair did not write, ffmpeg's
ebur128 filter and bs1770gain, on the same file. The qemu bench's snd-aloop
is the paced, real card.
Usage: test_watch.py BUILD"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onairtest import (BUILD, Broker, Daemon, Skip, check, ctl, free_port, status, summary, test,  # noqa: E402
                       wait_for, write)

RATE, CHANNELS = 48000, 2


def sox(tmp, name, *effect):
    """S16 stereo raw made by sox, undithered (silence is digital zero)."""
    path = os.path.join(tmp, name)
    subprocess.run(["sox", "-D", "-n", "-r", str(RATE), "-c", str(CHANNELS), "-b", "16", "-e", "signed-integer",
                    "-t", "raw", path, *effect], check=True)
    with open(path, "rb") as f:
        return f.read()


def programme(tmp):
    """Talk (a 1 kHz sine at -18 dBFS), a 2 s pause, talk, a 7 s silence,
    talk, a 0.5 s burst at full scale, talk, and digital silence. The
    plugin repeats the last buffer after the end: silence."""
    talk = sox(tmp, "talk.raw", "synth", "3", "sine", "1000", "vol", "-18dB")
    pause = sox(tmp, "pause.raw", "trim", "0", "2")
    gap = sox(tmp, "gap.raw", "trim", "0", "7")
    hot = sox(tmp, "hot.raw", "synth", "0.5", "sine", "1000", "vol", "0dB")
    return talk + pause + talk + gap + talk + hot + talk + pause


def alsa_home(tmp, infile):
    """A HOME whose .asoundrc names the file as a capture device."""
    home = os.path.join(tmp, "home")
    os.makedirs(home, exist_ok=True)
    write(home, ".asoundrc", 'pcm.programme {\n  type file\n  slave.pcm null\n  file "/dev/null"\n'
          f'  infile "{infile}"\n  format "raw"\n}}\n')
    return dict(os.environ, HOME=home)


def meters(tmp, raw):
    """Integrated loudness by ffmpeg's ebur128 and by bs1770gain."""
    path = os.path.join(tmp, "meter.raw")
    with open(path, "wb") as f:
        f.write(raw)
    p = subprocess.run(["ffmpeg", "-nostats", "-hide_banner", "-f", "s16le", "-ar", str(RATE), "-ac", str(CHANNELS),
                        "-i", path, "-af", "ebur128", "-f", "null", "-"], capture_output=True, text=True)
    ff = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", p.stderr)[-1])
    if not shutil.which("bs1770gain"):
        print("note: bs1770gain is not in this release: ffmpeg's ebur128 alone checks the loudness")
        return ff, ff
    wav = os.path.join(tmp, "meter.wav")
    subprocess.run(["sox", "-t", "raw", "-r", str(RATE), "-c", str(CHANNELS), "-b", "16", "-e", "signed-integer",
                    path, wav], check=True)
    p = subprocess.run(["bs1770gain", wav], capture_output=True, text=True)
    bs = float(re.findall(r"integrated[^:]*:\s*(-?[\d.]+) LUFS", p.stdout + p.stderr)[-1])
    return ff, bs


def need(*tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        raise Skip("not installed: " + ", ".join(missing) + " (./install-packages --tests installs them)")


def show_log(d):
    shows = os.path.join(d.state, "shows")
    lines = []
    for name in sorted(os.listdir(shows)):
        with open(os.path.join(shows, name), encoding="utf-8") as f:
            lines += [json.loads(line) for line in f if line.strip()]
    return lines


def watch_of(d):
    return status(d).get("audio_watch", {})


def urlopen(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


CONF = "[show]\npreroll = 0\nsegment = 30:00 | 开场 Opening\nsegment = 5:00 | 产品 Product\n" \
       "[audio]\ncapture = programme\n[selftest]\nrequired = no\n"


@test
def a_lost_input_then_a_programme_with_a_silence_and_a_clip(tmp):
    """No input at first: said once (status, show log), the show starts
    anyway. The programme comes: the 2 s pause raises nothing, the 7 s
    silence is said once and ends after the release, the burst is one
    clipping alarm; the loudness is the meters' within 0.1 LU and the
    segment's figures are in the show log when the segment ends."""
    need("sox", "ffmpeg")
    raw = programme(tmp)
    infile = os.path.join(tmp, "programme.raw")
    d = Daemon(tmp, write(tmp, "w.conf", CONF), env=alsa_home(tmp, infile))
    try:
        w = wait_for(lambda: watch_of(d).get("input") == "lost" and watch_of(d), 5,
                     lambda: f"a missing input was not said: {watch_of(d)}")
        check("audio_lost" in w["alarms"], w)
        check(ctl(d, "start")[0] == 0, "the show did not start without its input")
        with open(infile + ".part", "wb") as f:
            f.write(raw)
        os.rename(infile + ".part", infile)
        # Read about four times faster than real time, reopened within 2 s.
        wait_for(lambda: watch_of(d).get("heard_s", 0) >= len(raw) / 4 / RATE + 6, 40,
                 lambda: f"the programme was not heard: {watch_of(d)}")
        w = watch_of(d)
        check(w["input"] == "ok" and w["armed"] and w["reopened"] == 1, w)
        ff, bs = meters(tmp, raw)
        check(abs(w["integrated_lufs"] - ff) <= 0.1 and abs(w["integrated_lufs"] - bs) <= 0.1,
              f"integrated {w['integrated_lufs']} LUFS, ffmpeg {ff}, bs1770gain {bs}")
        print(f"figures: integrated {w['integrated_lufs']} LUFS; ffmpeg ebur128 {ff}; bs1770gain {bs}; "
              f"true peak {w['true_peak_dbtp']} dBTP")
        check(w["clipped"] > 0, w)
        check(ctl(d, "next")[0] == 0, "next")
        log = show_log(d)
        said = [e["event"] for e in log if e["event"] in
                ("audio_lost", "audio_back", "silence", "silence_end", "clipping", "clipping_end")]
        # The trailing silence (the end of the programme) is the second.
        check(said[:6] == ["audio_lost", "audio_back", "silence", "silence_end", "clipping", "clipping_end"],
              f"the show log says {said}")
        first = [e for e in log if e["event"] == "silence"][0]["detail"]
        check("5.0 s" in first, first)
        seg = [e["detail"] for e in log if e["event"] == "audio_segment"]
        check(len(seg) == 1 and seg[0].startswith("segment 1: ") and "clipped samples" in seg[0], seg)
        # 7 s of silence and the trailing one: 7 s, then 2 s and more.
        m = re.search(r"([\d.]+) s silent", seg[0])
        check(m and float(m.group(1)) >= 9, seg)
        rc, text, err = ctl(d, "report")
        check(rc == 0 and "The audio: 2 silences, 1 clipping burst" in text and 'segment 1 "开场 Opening": ' in text,
              text + err)
        check(d.proc.poll() is None, "onaird died")
    finally:
        d.stop()


@test
def the_watch_is_said_on_the_screens_and_a_reload_keeps_it(tmp):
    """The alarms are in the view the pages draw from; a reload that does
    not touch [audio] keeps the watch listening (no second audio_back);
    one that does listens again with the new limits."""
    need("sox")
    raw = sox(tmp, "quiet.raw", "trim", "0", "1")
    infile = os.path.join(tmp, "programme.raw")
    with open(infile, "wb") as f:
        f.write(raw)
    port = free_port()
    conf = write(tmp, "w.conf", CONF + f"[web]\nlisten = 127.0.0.1:{port}\n")
    d = Daemon(tmp, conf, env=alsa_home(tmp, infile))
    try:
        check(ctl(d, "start")[0] == 0, "start")
        wait_for(lambda: "silence" in watch_of(d).get("alarms", []), 15,
                 lambda: f"silence was not said: {watch_of(d)}")
        view = json.loads(urlopen(f"http://127.0.0.1:{port}/view.json"))
        check("silence" in view.get("alarms", []), view.get("alarms"))
        metrics = urlopen(f"http://127.0.0.1:{port}/metrics")
        for line in ('onair_audio_alarm{alarm="silence"} 1', 'onair_audio_alarm{alarm="clipping"} 0',
                     'onair_audio_input{state="ok"} 1'):
            check(line in metrics.splitlines(), f"{line!r} not in /metrics")
        promtool = shutil.which("promtool")
        if promtool:
            lint = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True, text=True)
            check(lint.returncode == 0, lint.stdout + lint.stderr)
        heard = watch_of(d)["heard_s"]
        check(ctl(d, "reload")[0] == 0, "reload")
        check(watch_of(d)["heard_s"] >= heard and "silence" in watch_of(d)["alarms"], watch_of(d))
        with open(conf, "a") as f:
            f.write("[audio]\nwatch_silence_after = 60\n")
        check(ctl(d, "reload")[0] == 0, "reload")
        w = watch_of(d)
        check(w["heard_s"] < heard + 5 and "silence" not in w["alarms"], f"the watch did not start again: {w}")
        check(d.proc.poll() is None, "onaird died")
    finally:
        d.stop()


@test
def a_follower_shows_the_leaders_alarm(tmp):
    """The leader's watch says silence: a follower's screens say it too
    (through the studio's state on a real mosquitto), and stop when it
    ends."""
    need("sox", "mosquitto")
    infile = os.path.join(tmp, "programme.raw")
    with open(infile, "wb") as f:
        f.write(sox(tmp, "quiet.raw", "trim", "0", "1"))
    broker = Broker(tmp)
    port = free_port()
    mqtt = ["-o", "mqtt.host=127.0.0.1", "-o", f"mqtt.port={broker.port}", "-o", "mqtt.heartbeat=1"]
    os.makedirs(os.path.join(tmp, "leader"))
    os.makedirs(os.path.join(tmp, "follower"))
    leader = Daemon(os.path.join(tmp, "leader"), write(tmp, "w.conf", CONF), "-o", "node.name=desk",
                    "-o", "node.role=leader", *mqtt, env=alsa_home(tmp, infile))
    follower = None
    try:
        follower = Daemon(os.path.join(tmp, "follower"), write(tmp, "f.conf", CONF.replace("capture = programme", "")),
                          "-o", "node.name=cam1", "-o", "node.role=follower", "-o", f"web.listen=127.0.0.1:{port}",
                          *mqtt)
        check(ctl(leader, "start")[0] == 0, "start")
        wait_for(lambda: "silence" in json.loads(urlopen(f"http://127.0.0.1:{port}/view.json")).get("alarms", []),
                 15, lambda: f"the follower does not show it: {watch_of(leader)}")
        check("audio_watch" not in status(follower), "the follower has no watch of its own")
        check(ctl(leader, "end")[0] == 0, "end")
        wait_for(lambda: json.loads(urlopen(f"http://127.0.0.1:{port}/view.json")).get("alarms") == [], 10,
                 "the follower still shows the alarm after the show ended")
    finally:
        if follower:
            follower.stop()
        leader.stop()
        broker.proc.terminate()


@test
def bad_watch_settings_are_named(tmp):
    d = subprocess.run([os.path.join(BUILD, "onaird"), "--check", "-c",
                        write(tmp, "bad.conf", "[audio]\nwatch = yes\nwatch_loudness_low = -10\n"
                              "watch_loudness_high = -20\nwatch_release = 0\n")],
                       capture_output=True, text=True)
    out = d.stdout + d.stderr
    check(d.returncode != 0, out)
    for what in ("audio.watch = yes needs audio.capture", "watch_loudness_low (-10) must be below",
                 "watch_release"):
        check(what in out, f"{what!r} not in: {out}")


summary("watch")
