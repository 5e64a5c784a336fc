#!/usr/bin/env python3
"""make bench, MQTT part: a leader and a follower on a local mosquitto; the
helper publishes commands and times the leader's new state on the broker
and a bare round trip (the floor); the follower's console lines time when
its outputs changed. All on CLOCK_MONOTONIC. Usage: mqtt_bench.py BUILD N"""
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.argv = [sys.argv[0], sys.argv[1], *sys.argv[2:]]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system"))
from onairtest import BUILD, SRC  # noqa: E402

N = int(sys.argv[2]) if len(sys.argv) > 2 else 500
MINIMAL = os.path.join(SRC, "configs", "minimal.conf")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, (len(xs) * p + 99) // 100 - 1)] if xs else float("nan")


def main():
    tmp = tempfile.mkdtemp(prefix="onair-bench-")
    port = 20000 + os.getpid() % 20000
    conf = os.path.join(tmp, "m.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n")
    broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    common = ["-c", MINIMAL, "-o", "mqtt.host=127.0.0.1", "-o", f"mqtt.port={port}",
              "-o", "show.preroll=0", "-o", "device.console.mode=lines"]
    procs = []
    for name, role in (("desk", "leader"), ("cam1", "follower")):
        home = os.path.join(tmp, name)
        os.makedirs(home)
        procs.append(subprocess.Popen([os.path.join(BUILD, "onaird"), *common, "--state-dir", home,
                                       "--socket", os.path.join(home, "s"), "-o", f"node.name={name}",
                                       "-o", f"node.role={role}"],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
    lines = []

    def read():
        for line in procs[1].stdout:
            lines.append((time.monotonic_ns(), line))
    threading.Thread(target=read, daemon=True).start()
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
    for p in procs:
        p.terminate()
    broker.terminate()
    print(f"mqtt bench: {len(cmd)} commands after {warm} warm-up discarded (loopback, this machine)")
    for name, xs in (("command → leader's state on the broker", cmd),
                     ("command → follower's outputs changed", follower),
                     ("floor: bare libmosquitto round trip", floor)):
        print(f"bench: {name}: p50 {pct(xs, 50):.3f} ms, p99 {pct(xs, 99):.3f} ms, max {max(xs or [0]):.3f} ms")
    ok = len(cmd) >= N * 0.9 - warm and len(follower) >= N * 0.9 - warm
    sys.exit(0 if ok else 1)


main()
