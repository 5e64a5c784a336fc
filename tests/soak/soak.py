#!/usr/bin/env python3
"""make soak (and, short, part of make check): a leader and two followers on
a local mosquitto, while a driver sends random valid and invalid commands
from every source (MQTT with a response topic, the control socket, presses
on followers, stale commands, garbage) and injects faults (broker kill -9
and restart, kill -9 and restart of a daemon, SIGTERM and restart, SIGHUP
with a good and with a broken config). Invariants are checked after every
step and at the end:

- no daemon died unless the driver killed it;
- every command the leader acknowledged (an "ok" on the MQTT response
  topic, exit 0 from onairctl) is in the show log exactly once (one seq),
  no forwarded press is in it twice, and no stale or rejected command was
  applied;
- after each fault heals, every follower shows the leader's state within
  CONVERGE_S (docs/mqtt.md);
- a restarted leader resumes at the seq it had (nothing recorded is lost);
- every clean exit ends with all outputs safe;
- file descriptors and resident memory of each daemon stay flat.

Usage: soak.py BUILD [--seconds N] [--seed N]
Prints the counts: commands sent, faults injected, invariants checked,
violations (must be 0); exit 1 on any violation."""
import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("build")
ap.add_argument("--seconds", type=int, default=600)
ap.add_argument("--seed", type=int, default=None)
opt = ap.parse_args()
BUILD = os.path.abspath(opt.build)
SEED = opt.seed if opt.seed is not None else random.randrange(1 << 30)
rng = random.Random(SEED)
# Under AddressSanitizer freed memory waits in a quarantine, so resident
# memory says nothing there; LeakSanitizer judges leaks at each exit instead.
SANITIZED = subprocess.run(["grep", "-q", "__asan_init", os.path.join(BUILD, "onaird")]).returncode == 0
CONVERGE_S = 12.0  # one 10 s reconnect backoff step, then the retained state
STUDIO = "onair/soak/"

tmp = tempfile.mkdtemp(prefix="onair-soak-")
counts = {"commands sent": 0, "commands acknowledged": 0, "commands rejected": 0,
          "invalid inputs sent": 0, "stale commands sent": 0, "follower presses": 0,
          "faults injected": 0, "invariants checked": 0, "violations": 0}
faults = {}
fault_trail = []
violations = []
ok_ids, rejected_ids, stale_ids = set(), set(), set()
# onairctl's pid is its identity in the show log; over minutes pids wrap,
# so each pid counts the commands acknowledged under it.
ctl_pids = {}
convergence = []


def violation(what):
    counts["violations"] += 1
    violations.append(what)
    print(f"VIOLATION: {what}", flush=True)


def invariant(cond, what):
    counts["invariants checked"] += 1
    if not cond:
        violation(what)
    return cond


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()


class Broker:
    def __init__(self):
        self.conf = os.path.join(tmp, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write(f"listener {PORT} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "set_tcp_nodelay true\nmax_packet_size 65536\n")
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("mosquitto did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class Daemon:
    def __init__(self, name, role):
        self.name, self.role = name, role
        self.home = os.path.join(tmp, name)
        os.makedirs(self.home)
        self.sock = os.path.join(self.home, "sock")
        self.config = os.path.join(self.home, "onair.conf")
        self.write_config(good=True)
        self.incarnation = 0
        self.start()

    def write_config(self, good):
        with open(self.config, "w") as f:
            f.write("[show]\npreroll = 0\n" + "".join(f"segment = 1:00 | s{i}\n" for i in range(12)))
            f.write(f"[node]\nname = {self.name}\nrole = {self.role}\nstudio = soak\n")
            f.write(f"[mqtt]\nhost = 127.0.0.1\nport = {PORT}\n")
            f.write("[device.console]\ndriver = console\nmode = lines\n")
            if not good:
                f.write("[mqtt]\nport = not-a-port\n[nonsense\nfoo = \n")

    def start(self):
        self.incarnation += 1
        self.out_path = os.path.join(self.home, f"out.{self.incarnation}")
        self.out = open(self.out_path, "wb")
        self.proc = subprocess.Popen([os.path.join(BUILD, "onaird"), "-c", self.config, "--state-dir",
                                      self.home, "--socket", self.sock], stdout=self.out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.born = time.monotonic()
        self.first_sample = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if ctl(self, "ping")[0] == 0:
                return
            time.sleep(0.02)
        violation(f"{self.name} did not start: {self.output()[-500:]}")

    def output(self):
        if not self.out.closed:
            self.out.flush()
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def alive(self):
        return self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.out.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=10)
        self.out.close()
        lines = [l for l in self.output().splitlines() if l.startswith("console:")]
        invariant(rc == 0, f"{self.name} exited {rc} on SIGTERM")
        invariant(lines and lines[-1] == "console: all lamps off",
                  f"{self.name}: outputs not safe after exit (last output {lines[-1:]})")

    def sample(self):
        """(fds, RSS KiB) of the running process; fds as what they point at."""
        fds = []
        for fd in os.listdir(f"/proc/{self.proc.pid}/fd"):
            try:
                fds.append(os.readlink(f"/proc/{self.proc.pid}/fd/{fd}"))
            except FileNotFoundError:
                pass
        # The show log is open while a show runs and closed after "end":
        # one at most, and not part of what must stay flat.
        logs = [f for f in fds if "/shows/" in f]
        invariant(len(logs) <= 1, f"{self.name} has {len(logs)} show logs open")
        fds = [f for f in fds if "/shows/" not in f]
        with open(f"/proc/{self.proc.pid}/status") as f:
            rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        return fds, rss


def ctl(d, *args, timeout=10):
    p = subprocess.run([os.path.join(BUILD, "onairctl"), "--socket", d.sock, *args], capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def status(d):
    rc, out, _ = ctl(d, "status", "--json")
    return json.loads(out) if rc == 0 else None


broker = Broker()
leader = Daemon("desk", "leader")
followers = [Daemon("cam1", "follower"), Daemon("cam2", "follower")]
daemons = [leader] + followers
answers_path = os.path.join(tmp, "answers")
answers = None


def start_answers():
    global answers
    answers = subprocess.Popen(["mosquitto_sub", "-V", "mqttv5", "-p", str(PORT), "-t", "soak/answers",
                                "-F", "%p"], stdout=open(answers_path, "ab"), stderr=subprocess.DEVNULL)
    time.sleep(0.2)


def answered(ident, timeout=2.0):
    """The leader's answer to the command with this id: 'ok', 'error' or None."""
    deadline = time.monotonic() + timeout
    needle = f'"id":"{ident}"'
    while time.monotonic() < deadline:
        with open(answers_path, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                if needle in line:
                    return "ok" if line.startswith('{"ok":true') else "error"
        time.sleep(0.005)
    return None


def publish(payload, topic=STUDIO + "cmd", response=True):
    args = ["mosquitto_pub", "-V", "mqttv5", "-p", str(PORT), "-q", "1", "-t", topic, "-m", payload]
    if response:
        args[1:1] = ["-D", "publish", "response-topic", "soak/answers"]
    return subprocess.run(args, capture_output=True, timeout=10).returncode == 0


WORDS = ["next", "prev", "hold", "resume", "hold-toggle", "extend +30", "extend -10", "goto 3",
         "goto 7", "cue attention", "standby", "ack", "go", "aux 20", "aux cancel", "start", "end"]
WEIGHTS = [10, 6, 4, 4, 6, 3, 2, 2, 2, 2, 2, 2, 2, 1, 1, 2, 1]
serial = 0


def next_id(prefix):
    global serial
    serial += 1
    return f"{prefix}{serial}"


def mqtt_command():
    word, *arg = rng.choices(WORDS, WEIGHTS)[0].split()
    ident = next_id("m")
    msg = {"cmd": word, "id": ident, "from": "soak"}
    if arg:
        msg["arg"] = int(arg[0]) if arg[0].lstrip("+-").isdigit() and word == "goto" else arg[0]
    counts["commands sent"] += 1
    if not publish(json.dumps(msg)):
        return
    a = answered(ident)
    if a == "ok":
        ok_ids.add(ident)
        counts["commands acknowledged"] += 1
    elif a == "error":
        rejected_ids.add(ident)
        counts["commands rejected"] += 1


def ctl_command(word=None):
    word = word or rng.choices(WORDS, WEIGHTS)[0].split()
    counts["commands sent"] += 1
    p = subprocess.Popen([os.path.join(BUILD, "onairctl"), "--socket", leader.sock, *word],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if p.wait(timeout=10) == 0:
        ctl_pids[p.pid] = ctl_pids.get(p.pid, 0) + 1
        counts["commands acknowledged"] += 1
    else:
        counts["commands rejected"] += 1


def follower_press():
    f = rng.choice(followers)
    counts["commands sent"] += 1
    counts["follower presses"] += 1
    ctl(f, rng.choice(["next", "prev", "hold-toggle"]))


def stale_command():
    ident = next_id("s")
    counts["stale commands sent"] += 1
    stale_ids.add(ident)
    sent = int(time.time() * 1000) - rng.choice([2500, 60000, 3600000])
    publish(json.dumps({"cmd": "next", "id": ident, "from": "soak", "sent_wall": sent}))


GARBAGE = [b"", b"{", b"null", b"[]", b'{"cmd":42}', b'{"cmd":"next","arg":{"x":1}}', b'{"cmd":"status"}',
           b'{"cmd":"reboot"}', b'{"cmd":"goto","arg":99999}', b'{"cmd":"extend","arg":"+99999999999"}',
           b"\xff\xfe\x00garbage", b'{"cmd":"next","sent_wall":"yesterday"}', b"x" * 9000,
           b'{"cmd":"next","id":"' + b"i" * 300 + b'"}', b'{"cmd":"next"' + b',"a":1' * 2000 + b"}"]


def invalid_input():
    counts["invalid inputs sent"] += 1
    if rng.random() < 0.5:
        payload = rng.choice(GARBAGE)
        subprocess.run(["mosquitto_pub", "-p", str(PORT), "-q", "1", "-t", STUDIO + "cmd", "-s"],
                       input=payload, capture_output=True, timeout=10)
        return
    target = rng.choice(daemons)
    junk = rng.choice([b"\x00\x01\x02\n", b"next next next next\n", b"goto -5\n", b"extend banana\n",
                       b"a" * 5000 + b"\n", b"\xc3\x28\n", b"status --json --json\n", b"\n\n\n",
                       b'{"proto":1}\n', b"hold"])
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(target.sock)
            s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
    except OSError:
        pass


def quiesce():
    """Wait until every box is connected and every follower shows the
    leader's state; the time it took, or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < CONVERGE_S + 5:
        ls = status(leader)
        fs = [status(f) for f in followers]
        if ls and all(fs) and all(x.get("node", {}).get("connected") for x in [ls] + fs) and \
                all(f["seq"] == ls["seq"] and f["state"] == ls["state"] and f["segment"] == ls["segment"]
                    for f in fs):
            return time.monotonic() - t0
        time.sleep(0.05)
    return None


def converge(after):
    """After a fault has healed: one more command to the leader, and every
    follower must show its result within CONVERGE_S."""
    ctl_command(["hold-toggle"])
    took = quiesce()
    convergence.append(took if took is not None else float("inf"))
    invariant(took is not None and took <= CONVERGE_S,
              f"followers did not converge to the leader within {CONVERGE_S} s after {after}")


def fault():
    kind = rng.choice(["broker restart", "leader kill -9", "follower kill -9", "SIGTERM restart",
                       "SIGHUP good config", "SIGHUP broken config"])
    counts["faults injected"] += 1
    faults[kind] = faults.get(kind, 0) + 1
    fault_trail.append(kind)
    if kind == "broker restart":
        broker.kill()
        time.sleep(rng.uniform(0.2, 3))
        broker.start()
        if answers.poll() is not None:
            start_answers()
    elif kind == "leader kill -9":
        quiesce()
        before = status(leader)
        leader.kill9()
        time.sleep(rng.uniform(0, 2))
        leader.start()
        after = status(leader)
        invariant(before and after and after["seq"] == before["seq"] and after["state"] == before["state"]
                  and after["segment"] == before["segment"],
                  f"the restarted leader lost what it had recorded: before {before and before['seq']}, "
                  f"after {after and after['seq']}")
    elif kind == "follower kill -9":
        f = rng.choice(followers)
        f.kill9()
        time.sleep(rng.uniform(0, 2))
        f.start()
    elif kind == "SIGTERM restart":
        d = rng.choice(daemons)
        d.stop()
        d.start()
    else:
        d = rng.choice(daemons)
        segments = (status(d) or {}).get("segments")
        d.write_config(good=kind == "SIGHUP good config")
        d.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        st = status(d)
        invariant(d.alive() and st is not None and st["segments"] == segments,
                  f"{d.name} after {kind}: alive {d.alive()}, status {st and st['segments']}")
        if kind == "SIGHUP broken config":
            invariant("not-a-port" in d.output() or "onair.conf:" in d.output(),
                      f"{d.name} did not name the broken config's error")
            d.write_config(good=True)
    converge(kind)


def check_alive():
    """A death the driver did not cause is one violation; the daemon is
    started again so the soak goes on finding more."""
    for d in daemons:
        if not invariant(d.alive(), f"{d.name} died (exit {d.proc.poll()}): {d.output()[-300:]}"):
            d.out.close()
            d.start()
    if not invariant(broker.proc.poll() is None, "mosquitto died"):
        broker.start()


def check_leaks(final=False):
    """Descriptors and memory of each daemon's current incarnation, against
    its first sample (taken once it has run 5 s and everything converged)."""
    for d in daemons:
        if time.monotonic() - d.born < 5 or not d.alive():
            continue
        fds, rss = d.sample()
        if d.first_sample is None or d.first_sample[0] != d.incarnation:
            d.first_sample = (d.incarnation, fds, rss)
            continue
        f0, r0 = d.first_sample[1:]
        # At the end, after things settled, descriptors must be back where
        # they were; in between a reconnect may hold one or two more for a
        # moment, so only a runaway count is judged then.
        if final or len(fds) > len(f0) + 4:
            grown = sorted(set(fds) - set(f0)) if len(fds) > len(f0) else []
            invariant(len(fds) <= len(f0), f"{d.name}: file descriptors grew from {len(f0)} to "
                      f"{len(fds)} (new: {', '.join(grown)}; faults since: {', '.join(fault_trail[-6:])})")
        if final and not SANITIZED:
            invariant(rss - r0 <= 256, f"{d.name}: resident memory grew from {r0} to {rss} KiB")


def check_logs():
    """The show log against what the driver knows was acknowledged."""
    seqs = {}
    rejected_who = set()
    for path in sorted(os.listdir(os.path.join(leader.home, "shows"))):
        with open(os.path.join(leader.home, "shows", path), encoding="utf-8") as f:
            for line in f:
                e = json.loads(line)
                who = e.get("who", "")
                if e.get("event") == "rejected":
                    rejected_who.add(who)
                elif "seq" in e and who:
                    # seq starts again with each show: a show log and a seq name one step
                    seqs.setdefault(who, set()).add((path, e["seq"]))
    for ident in ok_ids:
        got = seqs.get(f'via cmd, says "soak" id {ident}', set())
        invariant(len(got) == 1, f"acknowledged MQTT command {ident} is in the show log {len(got)} times")
    for pid, acked in ctl_pids.items():
        got = seqs.get(f"uid {os.getuid()} pid {pid}", set())
        invariant(len(got) == acked, f"{acked} acknowledged control commands from pid {pid} are "
                  f"{len(got)} times in the show log")
    for ident in rejected_ids | stale_ids:
        invariant(f'via cmd, says "soak" id {ident}' not in seqs, f"rejected or stale command {ident} was applied")
    forwarded = [w for w in seqs if re.match(r"via cmd/cam\d id cam\d-", w)]
    for who in forwarded:
        invariant(len(seqs[who]) == 1, f"forwarded press {who} applied {len(seqs[who])} times")
    return len(forwarded)


def main():
    start_answers()
    time.sleep(1)
    publish(json.dumps({"cmd": "start", "id": next_id("m"), "from": "soak"}))
    converge("start")
    t_end = time.monotonic() + opt.seconds
    next_fault = time.monotonic() + rng.uniform(3, 8)
    while time.monotonic() < t_end:
        r = rng.random()
        if r < 0.45:
            mqtt_command()
        elif r < 0.70:
            ctl_command()
        elif r < 0.80:
            follower_press()
        elif r < 0.85:
            stale_command()
        else:
            invalid_input()
        check_alive()
        if time.monotonic() >= next_fault:
            fault()
            check_leaks()
            next_fault = time.monotonic() + rng.uniform(3, 10)
    converge("the last command")
    check_leaks()
    time.sleep(1)
    check_leaks(final=True)
    for d in daemons:
        d.stop()
    answers.terminate()
    broker.kill()
    forwarded = check_logs()
    print(f"soak ({opt.seconds} s, seed {SEED}, this machine): "
          + ", ".join(f"{v} {k}" for k, v in counts.items()))
    print("faults: " + ", ".join(f"{v} {k}" for k, v in sorted(faults.items())))
    conv = sorted(c for c in convergence if c != float("inf"))
    if conv:
        print(f"convergence after a fault: max {conv[-1]:.2f} s, median {conv[len(conv) // 2]:.2f} s "
              f"(limit {CONVERGE_S} s); {forwarded} forwarded presses reached the leader's log once each")
    for v in violations[:20]:
        print(f"violation: {v}")
    print(f"soak: {counts['violations']} violations")
    sys.exit(1 if counts["violations"] else 0)


try:
    main()
finally:
    for d in daemons:
        if d.alive():
            d.proc.kill()
    if broker.proc.poll() is None:
        broker.proc.kill()
    if answers and answers.poll() is None:
        answers.kill()
