#!/usr/bin/env python3
"""make bench, MQTT part: a leader and two followers on a local mosquitto;
the helper publishes commands and times the leader's new state on the
broker and a bare round trip (the floor); the followers' console lines time
when their outputs changed, and how far apart the two followers change for
the same moment of the countdown (skew). All on CLOCK_MONOTONIC.
Usage: mqtt_bench.py BUILD N"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.argv = [sys.argv[0], sys.argv[1], *sys.argv[2:]]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system"))
from onairtest import BUILD, SRC  # noqa: E402

N = int(sys.argv[2]) if len(sys.argv) > 2 else 500
SKEW_SEGMENTS = 10 if N >= 1000 else 3


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, (len(xs) * p + 99) // 100 - 1)] if xs else float("nan")


def main():
    tmp = tempfile.mkdtemp(prefix="onair-bench-")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conf = os.path.join(tmp, "m.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n")
    broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    # Three-second segments whose cue light changes at every second (wrap-up,
    # danger, overrun): moments both followers compute from the same anchor.
    show = os.path.join(tmp, "show.conf")
    with open(show, "w") as f:
        f.write("[show]\n" + "".join(f"segment = 0:03 | s{i} | wrapup=2 | danger=1\n"
                                      for i in range(SKEW_SEGMENTS)))
    common = ["-c", show, "-o", "mqtt.host=127.0.0.1", "-o", f"mqtt.port={port}",
              "-o", "show.preroll=0", "-o", "device.console.mode=lines"]
    procs = []
    for name, role in (("desk", "leader"), ("cam1", "follower"), ("cam2", "follower")):
        home = os.path.join(tmp, name)
        os.makedirs(home)
        procs.append(subprocess.Popen([os.path.join(BUILD, "onaird"), *common, "--state-dir", home,
                                       "--socket", os.path.join(home, "s"), "-o", f"node.name={name}",
                                       "-o", f"node.role={role}"],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
    lines, lines2 = [], []

    def read(proc, into):
        for line in proc.stdout:
            into.append((time.monotonic_ns(), line))
    threading.Thread(target=read, args=(procs[1], lines), daemon=True).start()
    threading.Thread(target=read, args=(procs[2], lines2), daemon=True).start()
    threading.Thread(target=lambda: [None for _ in procs[0].stdout], daemon=True).start()
    time.sleep(1)
    subprocess.run(["mosquitto_pub", "-p", str(port), "-t", "onair/studio/cmd", "-m", '{"cmd":"start"}'])
    time.sleep(1)
    helper = os.path.join(BUILD, "mqtt_latency")
    out = subprocess.run([helper, str(port), "onair/studio/", str(N), "20"], capture_output=True,
                         timeout=600).stdout.decode().split("\n")
    time.sleep(0.5)
    cmd, floor, follower = [], [], []
    warm = max(1, N // 20)
    samples = [l.split() for l in out if l]
    for i, (kind, t0, t1) in enumerate(samples):
        t0, t1 = int(t0), int(t1)
        if kind == "floor":
            floor.append((t1 - t0) / 1e6)
            continue
        cmd.append((t1 - t0) / 1e6)
        after = [t for t, l in lines if t > t0 and b"console:" in l]
        if after:
            follower.append((after[0] - t0) / 1e6)
    cmd, floor, follower = cmd[warm:], floor[warm:], follower[warm:]
    # Skew: the same countdown moments on both followers.
    mark = time.monotonic_ns()
    for i in range(1, SKEW_SEGMENTS + 1):
        subprocess.run(["mosquitto_pub", "-p", str(port), "-t", "onair/studio/cmd",
                        "-m", f'{{"cmd":"goto","arg":{i}}}'])
        time.sleep(3.6)

    def moments(ls):
        return [(t, l.split(b"(")[-1]) for t, l in ls if t > mark and b"console:" in l
                and any(w in l for w in (b"(wrapup)", b"(danger)", b"(overrun)"))]
    a, b = moments(lines), moments(lines2)
    skew = [abs(x[0] - y[0]) / 1e6 for x, y in zip(a, b) if x[1] == y[1]]
    for p in procs:
        p.terminate()
    broker.terminate()
    print(f"mqtt bench: {len(cmd)} commands after {warm} warm-up discarded (loopback, this machine)")
    for name, xs in (("command → leader's state on the broker", cmd),
                     ("command → follower's outputs changed", follower),
                     ("floor: bare libmosquitto round trip", floor),
                     (f"skew between two followers' countdown changes ({len(skew)} moments)", skew)):
        print(f"bench: {name}: p50 {pct(xs, 50):.3f} ms, p99 {pct(xs, 99):.3f} ms, max {max(xs or [0]):.3f} ms")
    ok = len(cmd) >= N * 0.9 - warm and len(follower) >= N * 0.9 - warm and len(skew) >= 2 * SKEW_SEGMENTS
    sys.exit(0 if ok else 1)


main()
