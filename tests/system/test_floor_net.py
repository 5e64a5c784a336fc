#!/usr/bin/env python3
"""A base of many rooms on real networks: each room in its own network
namespace with its own mosquitto, bridged by the shipped
configs/mosquitto/bridge.conf (address and room changed) over a veth to
the base's namespace, where the central mosquitto and the floor onaird
run. Two rooms are real onaird leaders, the rest synthetic rooms publishing
states like onaird's (mosquitto_pub). Links are cut (ip link down), healed
and flapped, and where the kernel has netem, made lossy and slow. The
floor's alerts go to a JSON sink in the test's namespace.
Usage: test_floor_net.py BUILD [ROOMS]"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onairtest import (SRC, Daemon, Skip, check, ctl, free_port, status, summary, test,  # noqa: E402
                       wait_for, write)

ROOMS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
REAL = ("hall-1", "hall-2")
NS = "oa-base"
HOST_IP, BASE_IP = "10.29.255.1", "10.29.255.2"
VANISH_S = 5


def sh(*args, check_rc=True):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=30)
    if check_rc and p.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: {p.stderr.strip()}")
    return p


def room_name(i):
    return REAL[i] if i < len(REAL) else f"room-{i:02d}"


def can_netns():
    if os.geteuid() != 0:
        return "not root: network namespaces need CAP_NET_ADMIN"
    if not shutil.which("ip"):
        return "no ip (iproute2)"
    p = subprocess.run(["ip", "netns", "add", "oa-probe"], capture_output=True, text=True)
    if p.returncode != 0:
        return "ip netns add refused: " + p.stderr.strip()
    p = subprocess.run(["ip", "-n", "oa-probe", "link", "add", "oa-pa", "type", "veth", "peer", "name", "oa-pb"],
                       capture_output=True, text=True)
    subprocess.run(["ip", "netns", "del", "oa-probe"], capture_output=True)
    if p.returncode != 0:
        return "this kernel makes no veth pairs: " + p.stderr.strip()
    return ""


def netem_works():
    """The kernel has sch_netem (Debian's does; some VMs' kernels do not)."""
    subprocess.run(["modprobe", "sch_netem"], capture_output=True)
    p = subprocess.run(["ip", "netns", "exec", NS, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay",
                        "1ms"], capture_output=True, text=True)
    subprocess.run(["ip", "netns", "exec", NS, "tc", "qdisc", "del", "dev", "lo", "root"], capture_output=True)
    return p.returncode == 0


class Base:
    """The namespaces, links, brokers and rooms; torn down whatever happens."""

    def __init__(self, tmp, rooms):
        self.tmp, self.n = tmp, rooms
        self.procs, self.daemons = [], {}
        self.fields = {}
        self.stopping = threading.Event()
        self.teardown_ns()
        sh("ip", "netns", "add", NS)
        sh("ip", "-n", NS, "link", "set", "lo", "up")
        # The test's own way in: a veth to the base, so it can read the
        # floor page and the central broker, and the floor can reach the
        # test's webhook sink.
        sh("ip", "link", "add", "oa-host", "type", "veth", "peer", "name", "oa-hostb", "netns", NS)
        sh("ip", "addr", "add", f"{HOST_IP}/30", "dev", "oa-host")
        sh("ip", "link", "set", "oa-host", "up")
        sh("ip", "-n", NS, "addr", "add", f"{BASE_IP}/30", "dev", "oa-hostb")
        sh("ip", "-n", NS, "link", "set", "oa-hostb", "up")
        self.central = self.spawn(NS, "central", "mosquitto", "-c", write(
            tmp, "central.conf", "listener 1883 0.0.0.0\nallow_anonymous true\npersistence false\n"))
        with open(os.path.join(SRC, "configs", "mosquitto", "bridge.conf"), encoding="utf-8") as f:
            self.bridge = f.read()
        for i in range(rooms):
            self.add_room(i)

    def spawn(self, ns, name, *cmd):
        log = open(os.path.join(self.tmp, name + ".log"), "ab")
        p = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def add_room(self, i):
        ns, name = f"oa-r{i}", room_name(i)
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", ns, "link", "add", "uplink", "type", "veth", "peer", "name", f"r{i}", "netns", NS)
        sh("ip", "-n", ns, "addr", "add", f"10.29.{i}.2/30", "dev", "uplink")
        sh("ip", "-n", ns, "link", "set", "uplink", "up")
        sh("ip", "-n", NS, "addr", "add", f"10.29.{i}.1/30", "dev", f"r{i}")
        sh("ip", "-n", NS, "link", "set", f"r{i}", "up")
        # The shipped bridge: only the address and the room's name change
        # (no TLS on a test network).
        bridge = "\n".join(line for line in self.bridge.replace("hall-a", name).splitlines()
                           if not line.startswith(("bridge_cafile", "remote_password")))
        bridge = bridge.replace("address central.example.net:8883", f"address 10.29.{i}.1:1883")
        conf = write(self.tmp, f"{name}-broker.conf",
                     f"listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\n{bridge}\n")
        self.spawn(ns, f"{name}-broker", "mosquitto", "-c", conf)
        wait_for(lambda: subprocess.run(["ip", "netns", "exec", ns, "mosquitto_pub", "-p", "1883", "-t", "probe",
                                         "-m", "x"], capture_output=True, timeout=10).returncode == 0, 10,
                 f"{name}'s broker does not listen")
        if name in REAL:
            home = os.path.join(self.tmp, name)
            os.makedirs(home, exist_ok=True)
            d = Daemon.__new__(Daemon)
            d.tmp, d.env = home, None
            d.sock, d.state = os.path.join(home, "onaird.sock"), os.path.join(home, "state")
            d.out = open(os.path.join(home, "onaird.out"), "ab")
            d.args = ["ip", "netns", "exec", ns, BUILD_ONAIRD, "-c", os.path.join(SRC, "configs", "minimal.conf"),
                      "--state-dir", d.state, "--socket", d.sock, "-o", "device.console.mode=lines",
                      "-o", "node.name=desk", "-o", "node.role=leader", "-o", f"node.studio={name}",
                      "-o", "mqtt.host=127.0.0.1", "-o", "mqtt.heartbeat=1", "-o", "show.preroll=0"]
            d.start()
            self.daemons[name] = d
        else:
            p = subprocess.Popen(["ip", "netns", "exec", ns, "mosquitto_pub", "-p", "1883", "-t",
                                  f"onair/{name}/state", "-r", "-l"], stdin=subprocess.PIPE, text=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append(p)
            self.fields[i] = p

    def beat(self, model):
        while not self.stopping.is_set():
            for i, p in self.fields.items():
                state = dict(model, show=f"Room {i}", leader=f"leader{i}", phase="live",
                             sent_wall=int(time.time() * 1000))
                try:
                    p.stdin.write(json.dumps(state) + "\n")
                    p.stdin.flush()
                except (BrokenPipeError, OSError):
                    pass
            self.stopping.wait(1)

    def link(self, i, up):
        sh("ip", "-n", NS, "link", "set", f"r{i}", "up" if up else "down")

    def teardown_ns(self):
        names = sh("ip", "netns", "list", check_rc=False).stdout.split()
        for n in names:
            if n == NS or (n.startswith("oa-r") and n[4:].isdigit()):
                subprocess.run(["ip", "netns", "del", n], capture_output=True)
        subprocess.run(["ip", "link", "del", "oa-host"], capture_output=True)

    def stop(self):
        self.stopping.set()
        for d in self.daemons.values():
            if d.proc.poll() is None:
                d.stop()
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.teardown_ns()


class Sink:
    """The floor's plain JSON webhook, in the test's namespace."""

    def __init__(self):
        self.events, self.messages, self.lock = [], [], threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with sink.lock:
                    sink.events += [(a["event"], a["room"], a["rule"], time.monotonic()) for a in body["alerts"]]
                    sink.messages.append(body["alerts"])
                self.send_response(204)
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer((HOST_IP, 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, event=None, room=None, rule=None):
        with self.lock:
            return [e for e in self.events if (event is None or e[0] == event) and (room is None or e[1] == room)
                    and (rule is None or e[2] == rule)]


def floor_rooms(web):
    with urllib.request.urlopen(f"http://{BASE_IP}:{web}/floor.json", timeout=5) as r:
        return {t["studio"]: t for t in json.loads(r.read())["rooms"]}


def each_within(web, names, unreachable, limit):
    """How long each room's tile took to turn unreachable (or back), from
    now, in seconds; those that did not within limit are left out."""
    t0, seen = time.monotonic(), {}
    while len(seen) < len(names) and time.monotonic() - t0 < limit:
        tiles = floor_rooms(web)
        for n in names:
            if n not in seen and bool(tiles[n].get("unreachable")) == unreachable:
                seen[n] = time.monotonic() - t0
        time.sleep(0.1)
    return seen


def start_floor(tmp, base, sink):
    """The floor onaird in the base's namespace, its alerts to sink."""
    url = write(tmp, "hook.url", f"http://{HOST_IP}:{sink.server.server_address[1]}/hook\n")
    os.chmod(url, 0o600)
    web = free_port()
    floor_conf = write(tmp, "floor.conf", f"""[show]
segment = 1:00 | floor
[node]
name = floor
role = floor
studio = base
[mqtt]
host = 127.0.0.1
[floor]
vanish_after = {VANISH_S}
alert_after = 2
alert_resolve_after = 2
alert_escalate_after = 0
; the real room's show runs past its segment during the test: only the
; network's alerts are counted here
alert_overrun = 1:00:00
[web]
listen = 0.0.0.0:{web}
root = {os.path.join(SRC, 'daemon', 'web')}
[alert.hook]
type = json
url_file = {url}
""")
    fhome = os.path.join(tmp, "floor")
    os.makedirs(fhome)
    floor = Daemon.__new__(Daemon)
    floor.tmp, floor.env = fhome, None
    floor.sock, floor.state = os.path.join(fhome, "onaird.sock"), os.path.join(fhome, "state")
    floor.out = open(os.path.join(fhome, "onaird.out"), "ab")
    floor.args = ["ip", "netns", "exec", NS, BUILD_ONAIRD, "-c", floor_conf, "--state-dir", floor.state,
                  "--socket", floor.sock, "-o", "device.console.mode=lines"]
    floor.start()
    base.daemons["floor"] = floor
    return web, floor


BUILD_ONAIRD = os.path.join(os.path.abspath(sys.argv[1]), "onaird")
MODEL = {"version": 1, "schema": 2, "phase": "live", "segment": 0, "seq": 1, "call": "none", "cue": "live",
         "display": "", "remaining_ms": None, "segment_end": None, "message": None}


@test
def a_base_of_rooms_through_cuts_heals_and_flaps(tmp):
    """Rooms cut from the base keep their shows; the floor says each
    unreachable within vanish_after and sees it again after the heal
    within a stated time (the shipped bridge's keepalive and restart
    backoff); one alert and one end per cut room, none for the others,
    none doubled by the bridges' reconnects and replays; no command reaches
    any room."""
    why = can_netns()
    if why:
        raise Skip(why)
    for tool in ("mosquitto", "mosquitto_pub", "mosquitto_sub"):
        if not shutil.which(tool):
            raise Skip(f"{tool} is not installed")
    os.chmod(tmp, 0o755)
    base = sink = None
    try:
        base = Base(tmp, ROOMS)
        sink = Sink()
        threading.Thread(target=base.beat, args=(MODEL,), daemon=True).start()
        web, floor = start_floor(tmp, base, sink)
        # Anything published on a room's command topics, in every room.
        cmds = [subprocess.Popen(["ip", "netns", "exec", f"oa-r{i}", "mosquitto_sub", "-p", "1883", "-t",
                                  "onair/+/cmd", "-t", "onair/+/cmd/+", "-v"], stdout=subprocess.PIPE, text=True)
                for i in range(ROOMS)]
        base.procs += cmds
        wait_for(lambda: len(floor_rooms(web)) == ROOMS and
                 not any(t.get("unreachable") for t in floor_rooms(web).values()), 40,
                 lambda: f"the floor did not see every room: {sorted(floor_rooms(web))}")
        check(ctl(base.daemons["hall-1"], "start")[0] == 0, "start hall-1")
        wait_for(lambda: floor_rooms(web)["hall-1"].get("phase") == "live", 10, "hall-1 not live on the floor")
        # The centre publishes a command into the rooms: the bridge takes none in.
        subprocess.run(["ip", "netns", "exec", NS, "mosquitto_pub", "-p", "1883", "-t", "onair/hall-1/cmd", "-m",
                        '{"cmd":"goto","arg":2}'], check=True, timeout=10)

        cut = [0] + list(range(3, 8))
        cut_names = [room_name(i) for i in cut]
        for i in cut:
            base.link(i, False)
        seen_down = each_within(web, cut_names, True, VANISH_S + 10)
        check(len(seen_down) == len(cut), f"not unreachable: {set(cut_names) - set(seen_down)}")
        tiles = floor_rooms(web)
        check(not any(tiles[room_name(i)].get("unreachable") for i in range(ROOMS) if i not in cut),
              "a room that was not cut is unreachable")
        # The cut room goes on with its show.
        before = status(base.daemons["hall-1"])
        time.sleep(8)
        after = status(base.daemons["hall-1"])
        check(after["state"] == "live" and after["segment"] == before["segment"] == 1 and
              after["remaining_ms"] < before["remaining_ms"] - 6000, f"hall-1 cut off: {before} → {after}")
        for i in cut:
            base.link(i, True)
        seen_up = each_within(web, cut_names, False, 60)
        check(len(seen_up) == len(cut), f"not back 60 s after the heal: {set(cut_names) - set(seen_up)}")
        print(f"  cut: unreachable after {min(seen_down.values()):.1f} to {max(seen_down.values()):.1f} s "
              f"(vanish_after {VANISH_S} s); healed: seen after {min(seen_up.values()):.1f} to "
              f"{max(seen_up.values()):.1f} s")
        check(max(seen_down.values()) <= VANISH_S + 2, seen_down)
        check(max(seen_up.values()) <= 45, seen_up)
        tiles = floor_rooms(web)
        check(abs(tiles["hall-1"]["remaining_ms"] - status(base.daemons["hall-1"])["remaining_ms"]) < 2000,
              "hall-1's countdown on the floor is not its own after the heal")
        for n in cut_names:
            wait_for(lambda: sink.of("resolved", n, "unreachable"), 15, f"{n}: no end said")

        # A flapping link: down and up every second for 10 s.
        flap = 8
        for _ in range(5):
            base.link(flap, False)
            time.sleep(1)
            base.link(flap, True)
            time.sleep(1)
        wait_for(lambda: not floor_rooms(web)[room_name(flap)].get("unreachable"), 45, "the flapped room is not back")
        time.sleep(4)
        said = [e[:3] for e in sink.of()]
        for e in set(said):
            check(e[1] == room_name(flap) or said.count(e) == 1, f"{e} said {said.count(e)} times")
        for n in [room_name(i) for i in range(ROOMS)]:
            fired, ended = sink.of("alert", n, "unreachable"), sink.of("resolved", n, "unreachable")
            if n in cut_names:
                check(len(fired) == 1 and len(ended) == 1, f"{n}: {fired} {ended}")
            elif n == room_name(flap):
                check(len(fired) == len(ended) <= 1, f"{n}: {fired} {ended}")
            else:
                check(not fired, f"{n} was alerted: {fired}")
        flap_alerts = len(sink.of("alert", room_name(flap), "unreachable"))
        # A long cut: the bridges' keepalive (10 s) gives the connection
        # up, and they reconnect with the shipped backoff after the heal.
        long_cut = [10, 11]
        for i in long_cut:
            base.link(i, False)
        time.sleep(35)
        for i in long_cut:
            base.link(i, True)
        back = each_within(web, [room_name(i) for i in long_cut], False, 60)
        check(len(back) == len(long_cut), f"not back 60 s after a long cut's heal: {back}")
        print(f"  a 35 s cut: seen again {min(back.values()):.1f} to {max(back.values()):.1f} s after the heal")
        check(max(back.values()) <= 45, back)
        for i in long_cut:
            wait_for(lambda: sink.of("resolved", room_name(i), "unreachable"), 15, f"{room_name(i)}: no end said")
        # The base's own network fails: the central broker dies and comes
        # back. Every room is unreachable at once: one message, not one a
        # room; then every room is back, each end said once.
        sent_before = len(sink.messages)
        base.central.kill()
        base.central.wait()
        time.sleep(VANISH_S + 3)
        base.central = base.spawn(NS, "central2", "mosquitto", "-c", os.path.join(base.tmp, "central.conf"))
        wait_for(lambda: all(sink.of("resolved", room_name(i), "unreachable") and
                             len(sink.of("resolved", room_name(i), "unreachable")) ==
                             len(sink.of("alert", room_name(i), "unreachable")) for i in range(ROOMS)), 60,
                 lambda: f"not every room came back: {sink.of('alert')[-5:]}")
        outage = [[a for a in m if a["event"] == "alert" and a["rule"] == "unreachable"]
                  for m in sink.messages[sent_before:]]
        outage = [m for m in outage if m]
        check(len(outage) <= 2 and sum(len(m) for m in outage) == ROOMS,
              f"the base's outage was {len(outage)} messages: {[len(m) for m in outage]}")
        check(status(base.daemons["hall-1"])["segment"] == 1, "a command from the centre reached hall-1")
        for p in cmds:
            p.kill()
        out = "".join(p.stdout.read() for p in cmds)
        check(out == "", f"commands reached rooms: {out!r}")
    finally:
        if base:
            base.stop()
        if sink:
            sink.server.shutdown()


def lossy(base, web, sink, i):
    sh("ip", "netns", "exec", f"oa-r{i}", "tc", "qdisc", "add", "dev", "uplink", "root", "netem", "delay",
       "100ms", "loss", "5%")
    worst = 0
    end = time.monotonic() + 15
    while time.monotonic() < end:
        worst = max(worst, floor_rooms(web)[room_name(i)].get("last_heard_s", 99))
        time.sleep(0.2)
    sh("ip", "netns", "exec", f"oa-r{i}", "tc", "qdisc", "del", "dev", "uplink", "root")
    print(f"  lossy uplink: the room last heard at most {worst:.1f} s before")
    check(worst < VANISH_S, f"a lossy room went silent for {worst} s")
    check(not sink.of("alert", room_name(i)), sink.of("alert", room_name(i)))


@test
def a_slow_lossy_uplink_keeps_the_room_on_the_floor(tmp):
    """A room's uplink at 100 ms and 5 % loss (netem) for 15 s: the floor
    hears it often enough that it never turns unreachable, and nothing is
    alerted."""
    why = can_netns()
    if why:
        raise Skip(why)
    os.chmod(tmp, 0o755)
    base = sink = None
    try:
        base = Base(tmp, 3)
        if not netem_works():
            raise Skip("this kernel has no sch_netem (tc qdisc netem): loss and delay cannot be made")
        sink = Sink()
        threading.Thread(target=base.beat, args=(MODEL,), daemon=True).start()
        web, _ = start_floor(tmp, base, sink)
        wait_for(lambda: len(floor_rooms(web)) == 3 and
                 not any(t.get("unreachable") for t in floor_rooms(web).values()), 40, "the floor did not see the rooms")
        lossy(base, web, sink, 2)
    finally:
        if base:
            base.stop()
        if sink:
            sink.server.shutdown()


summary("floor network")
