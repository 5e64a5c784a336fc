#!/usr/bin/env python3
"""A floor's alerts to the team's phones, from outside. A real central
mosquitto, a floor onaird, synthetic rooms publishing states shaped like
onaird's (mosquitto_pub), and webhook sinks on 127.0.0.1 that stand in for
WeCom, DingTalk and Feishu: each checks its service's documented payload
and, where the service signs, the signature with Python's own hmac and
base64 (not onair's code), and answers as the service does. Real delivery
to the services' servers is not testable here (no network).
Usage: test_alerts.py BUILD"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onairtest import (ONAIRD, SRC, Broker, Daemon, check, ctl, free_port, status, summary, test,  # noqa: E402
                       wait_for, write)

if not shutil.which("mosquitto") or not shutil.which("mosquitto_pub"):
    print("SKIP alerts: mosquitto and mosquitto-clients are not installed")
    print("alerts: 0 passed, 0 failed, 1 skipped")
    sys.exit(0)

DING_SECRET = "SEC0123456789abcdef"
FEISHU_SECRET = "feishu-signing-secret"


class Robots:
    """The four services on one port, told apart by path. Each message
    taken is kept as (service, text, mention_all, body); a service can be
    told to fail (503), hang (answer nothing) or refuse."""

    def __init__(self):
        self.taken, self.tries = [], {}
        self.mode = {}
        self.lock = threading.Lock()
        robots = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, code, obj):
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(url.query)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service = url.path.split("/")[1]
                with robots.lock:
                    robots.tries[service] = robots.tries.get(service, 0) + 1
                    mode = robots.mode.get(service, "ok")
                if mode == "hang":
                    time.sleep(15)
                    return
                if mode == "down":
                    return self.answer(503, {})
                if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                    return self.answer(400, {"error": "not json"})
                msg = json.loads(body)
                bad = robots.verify(service, query, msg)
                if bad:
                    code = {"ding": {"errcode": 310000, "errmsg": bad}, "feishu": {"code": 19021, "msg": bad},
                            "wecom": {"errcode": 40058, "errmsg": bad}}.get(service, {"error": bad})
                    with robots.lock:
                        robots.taken.append((service, "REFUSED " + bad, False, msg))
                    return self.answer(200 if service != "hook" else 400, code)
                text, mention = robots.text_of(service, msg)
                with robots.lock:
                    robots.taken.append((service, text, mention, msg))
                self.answer(200, {"code": 0, "msg": "success"} if service == "feishu"
                            else {"errcode": 0, "errmsg": "ok"})

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verify(self, service, query, msg):
        """What the service would refuse, in its words; "" when none."""
        if service == "wecom":
            if query.get("key") != ["wecom-key"]:
                return "invalid webhook url"
            if msg.get("msgtype") != "text" or len(msg["text"]["content"].encode()) > 2048:
                return "content exceed max length"
        elif service == "ding":
            if query.get("access_token") != ["ding-token"]:
                return "token is not exist"
            ts, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            want = base64.b64encode(hmac.new(self.ding_secret.encode(), f"{ts}\n{self.ding_secret}".encode(),
                                             hashlib.sha256).digest()).decode()
            if sign != want:
                return "sign not match"
            if abs(time.time() * 1000 - int(ts)) > 3600 * 1000:
                return "timestamp too old"
            if msg.get("msgtype") != "text" or "onair" not in msg["text"]["content"]:
                return "keywords not in content"
        elif service == "feishu":
            ts = msg.get("timestamp", "")
            want = base64.b64encode(hmac.new(f"{ts}\n{FEISHU_SECRET}".encode(), b"",
                                             hashlib.sha256).digest()).decode()
            if msg.get("sign") != want or abs(time.time() - int(ts or 0)) > 3600:
                return "sign match fail or timestamp is not within one hour from current time"
            if msg.get("msg_type") != "text":
                return "params error, msg_type need"
        elif service == "hook":
            if msg.get("source") != "onair" or not isinstance(msg.get("alerts"), list):
                return "not onair's shape"
        return ""

    ding_secret = DING_SECRET

    def text_of(self, service, msg):
        if service == "wecom":
            return msg["text"]["content"], msg["text"].get("mentioned_list") == ["@all"]
        if service == "ding":
            return msg["text"]["content"], msg["at"]["isAtAll"]
        if service == "feishu":
            text = msg["content"]["text"]
            return text, text.startswith('<at user_id="all">')
        return msg["text"], msg["mention_all"]

    def of(self, service, head=""):
        with self.lock:
            return [t for t in self.taken if t[0] == service and head in t[1]]

    def events(self):
        """The plain webhook's structured alerts: (event, room, rule)."""
        with self.lock:
            return [(a["event"], a["room"], a["rule"]) for s, _, _, m in self.taken if s == "hook"
                    for a in m["alerts"]]

    def stop(self):
        self.server.shutdown()


def secret(tmp, name, text):
    path = write(tmp, name, text + "\n")
    os.chmod(path, 0o600)
    return path


def floor_config(tmp, broker, robots, web, escalate="6", extra=""):
    base = f"http://127.0.0.1:{robots.port}"
    return write(tmp, "floor.conf", f"""[show]
title = Base
segment = 1:00 | x
[node]
name = floor
role = floor
studio = base
[mqtt]
host = 127.0.0.1
port = {broker.port}
keepalive = 5
[floor]
vanish_after = 4
alert_after = 2
alert_resolve_after = 2
alert_escalate_after = {escalate}
[web]
listen = 127.0.0.1:{web}
root = {os.path.join(SRC, 'daemon', 'web')}
[alert.wecom]
type = wecom
url_file = {secret(tmp, 'wecom.url', base + '/wecom/cgi-bin/webhook/send?key=wecom-key')}
[alert.ding]
type = dingtalk
url_file = {secret(tmp, 'ding.url', base + '/ding/robot/send?access_token=ding-token')}
secret_file = {secret(tmp, 'ding.secret', DING_SECRET)}
[alert.feishu]
type = feishu
url_file = {secret(tmp, 'feishu.url', base + '/feishu/open-apis/bot/v2/hook/abc')}
secret_file = {secret(tmp, 'feishu.secret', FEISHU_SECRET)}
[alert.hook]
type = json
url_file = {secret(tmp, 'hook.url', base + '/hook/onair')}
{extra}""")


class Rooms:
    """Synthetic rooms: each says its state once a second (retained), as
    onaird's leaders do, with what the test sets for it."""

    def __init__(self, broker, model, n):
        self.broker, self.model = broker, model
        self.fields = {i: {} for i in range(n)}
        self.quiet = set()
        self.procs = {i: subprocess.Popen(["mosquitto_pub", "-p", str(broker.port), "-t", f"onair/room-{i:02d}/state",
                                           "-r", "-l"], stdin=subprocess.PIPE, text=True) for i in range(n)}
        self.stopping = threading.Event()
        self.last = {}
        threading.Thread(target=self.beat, daemon=True).start()

    def say(self, i):
        state = dict(self.model, show=f"Room {i}", leader=f"leader{i}", title=f"产品 {i}",
                     sent_wall=int(time.time() * 1000), **self.fields[i])
        line = json.dumps(state, ensure_ascii=False)
        self.last[i] = line
        self.procs[i].stdin.write(line + "\n")
        self.procs[i].stdin.flush()

    def beat(self):
        while not self.stopping.is_set():
            for i in list(self.procs):
                if i not in self.quiet:
                    self.say(i)
            self.stopping.wait(1)

    def stop(self):
        self.stopping.set()
        for p in self.procs.values():
            p.kill()


MODEL = {"version": 1, "schema": 2, "phase": "standby", "segment": -1, "seq": 1, "call": "none", "cue": "idle",
         "display": "", "remaining_ms": None, "segment_end": None, "message": None}
DOWN = {"onair": "stream", "state": "down", "disagreement": "stream_down", "outage": True}


def tear_down(rooms, floor, robots, central):
    if rooms:
        rooms.stop()
    if floor and floor.proc.poll() is None:
        floor.stop()
    robots.stop()
    central.kill9()


def floor_json(web):
    with urllib.request.urlopen(f"http://127.0.0.1:{web}/floor.json", timeout=5) as r:
        return json.loads(r.read())


@test
def alerts_reach_each_robot_once_signed_escalated_and_resolved(tmp):
    """A stream down on air (after alert_after), a silent mic (at once) and
    a room that falls silent reach all four robots, each once, signed as
    the service checks it; a stream down 1 s raises nothing; the same
    states again, a stale replay of the vanished room's state and a reload
    say nothing twice; what stands is escalated with everyone mentioned;
    each end is said once."""
    central = Broker(tmp)
    robots = Robots()
    web = free_port()
    rooms = floor = None
    try:
        floor = Daemon(tmp, floor_config(tmp, central, robots, web))
        rooms = Rooms(central, MODEL, 4)
        rooms.fields[0] = {"phase": "live", "stream": DOWN}
        rooms.fields[1] = {"phase": "live", "alarms": ["silence"]}
        rooms.fields[2] = {"phase": "live"}
        wait_for(lambda: len(floor_json(web)["rooms"]) == 4, 10, "rooms did not reach the floor")
        # A blip shorter than alert_after (2 s): nothing. Cleared as soon
        # as the floor shows it, so it stands one state (about 1 s), well
        # inside the hold whatever the beat's phase.
        rooms.fields[2] = {"phase": "live", "stream": DOWN}
        wait_for(lambda: any(t["studio"] == "room-02" and "stream" in t["trouble"] for t in floor_json(web)["rooms"]),
                 5, "the blip never reached the floor")
        rooms.fields[2] = {"phase": "live"}
        wait_for(lambda: ("alert", "room-00", "stream") in robots.events(), 10,
                 lambda: f"no stream alert: {robots.events()}")
        wait_for(lambda: ("alert", "room-01", "silence") in robots.events(), 5, "no silence alert")
        for service in ("wecom", "ding", "feishu"):
            wait_for(lambda: sum("room-00: 推流中断" in t for _, t, _, _ in robots.of(service, "告警")) == 1, 5,
                     lambda: f"{service}: {robots.of(service)}")
            check(any("room-01: 麦克风无声" in t for _, t, _, _ in robots.of(service, "告警")), robots.of(service))
            check(not robots.of(service, "REFUSED"), robots.of(service, "REFUSED"))
            check(not any(m for _, _, m, _ in robots.of(service, "告警")), "an alert mentioned everyone")
        # The room that falls silent: unreachable after vanish_after (4 s).
        rooms.quiet.add(3)
        wait_for(lambda: ("alert", "room-03", "unreachable") in robots.events(), 10, "no unreachable alert")
        stale = rooms.last[3]
        # The same states again, a bridge's replay of the vanished room's
        # last state, and a reload: nothing new is said.
        central.pub("onair/room-03/state", stale, "-r")
        check(ctl(floor, "reload")[0] == 0, "reload")
        time.sleep(3)
        ev = robots.events()
        check(ev.count(("alert", "room-00", "stream")) == 1 and ev.count(("alert", "room-03", "unreachable")) == 1,
              ev)
        check(("resolved", "room-03", "unreachable") not in ev, f"a stale replay resolved the room: {ev}")
        check(not any(r == "room-02" for _, r, _ in ev), f"a 1 s blip was alerted: {ev}")
        # Escalated after alert_escalate_after (6 s), everyone mentioned.
        wait_for(lambda: ("escalated", "room-00", "stream") in robots.events(), 10, "not escalated")
        for service in ("wecom", "ding", "feishu"):
            wait_for(lambda: robots.of(service, "升级"), 5, f"{service}: no escalation")
            check(all(m for _, _, m, _ in robots.of(service, "升级")), f"{service}: escalation mentions no one")
        # The ends.
        rooms.fields[0] = {"phase": "live"}
        rooms.fields[1] = {"phase": "live"}
        rooms.quiet.discard(3)
        for room, rule in (("room-00", "stream"), ("room-01", "silence"), ("room-03", "unreachable")):
            wait_for(lambda: ("resolved", room, rule) in robots.events(), 10, f"{room} {rule} not resolved")
        time.sleep(2.5)
        ev = robots.events()
        for e in set(ev):
            check(ev.count(e) == 1, f"{e} said {ev.count(e)} times: {ev}")
        for service in ("wecom", "ding", "feishu"):
            check(any("room-00: 推流中断" in t for _, t, _, _ in robots.of(service, "恢复")), robots.of(service))
        s = status(floor)["alerts"]
        check(s["active"] == [] and all(k["sent"] >= 4 and k["queued"] == 0 for k in s["sinks"]), s)
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/metrics", timeout=5) as r:
            metrics = r.read().decode()
        check('onair_alert_messages_total{sink="ding",result="sent"}' in metrics, metrics)
        # ./install-packages --tests installs promtool: its absence is a failure, not a quiet pass.
        check(shutil.which("promtool"), "promtool is not installed (./install-packages --tests)")
        p = subprocess.run(["promtool", "check", "metrics"], input=metrics, capture_output=True, text=True,
                           timeout=30)
        check(p.returncode == 0, p.stdout + p.stderr)
        check(floor.stop() == 0, "floor exit")
    finally:
        tear_down(rooms, floor, robots, central)


@test
def a_robot_down_hanging_or_refusing_holds_nothing_up(tmp):
    """WeCom answering 503 is tried again with backoff and gets the message
    once; Feishu hanging is given up on after 10 s and tried again while
    the floor page answers at once and the others are delivered; DingTalk
    refusing the signature (a wrong secret) is said once, in its words, and
    not tried again; a manager's group (send = escalations) hears only
    escalations."""
    central = Broker(tmp)
    robots = Robots()
    robots.ding_secret = "SECanother"
    robots.mode.update(wecom="down", feishu="hang")
    web = free_port()
    rooms = floor = None
    try:
        floor = Daemon(tmp, floor_config(tmp, central, robots, web, escalate="0",
                                         extra="send = escalations\n"))
        rooms = Rooms(central, MODEL, 1)
        rooms.fields[0] = {"phase": "live", "alarms": ["audio_lost"]}
        wait_for(lambda: robots.tries.get("wecom", 0) >= 2, 10, "wecom not tried again")
        check(not robots.of("wecom"), "a 503 counted as taken")
        # The page answers while Feishu hangs.
        t0 = time.monotonic()
        floor_json(web)
        check(time.monotonic() - t0 < 0.5, f"the floor page took {time.monotonic() - t0:.2f} s")
        wait_for(lambda: robots.of("ding", "REFUSED"), 10, "dingtalk not tried")
        robots.mode["wecom"] = "ok"
        wait_for(lambda: robots.of("wecom", "告警"), 15, "wecom never got the alert after coming back")
        wait_for(lambda: any(k["name"] == "feishu" and k["retries"] >= 1 for k in status(floor)["alerts"]["sinks"]),
                 20, lambda: status(floor)["alerts"])
        robots.mode["feishu"] = "ok"
        wait_for(lambda: robots.of("feishu", "告警"), 20, "feishu never got the alert after answering again")
        sinks = {k["name"]: k for k in status(floor)["alerts"]["sinks"]}
        check(sinks["ding"]["refused"] == 1 and "310000" in sinks["ding"]["last_error"], sinks["ding"])
        check(robots.tries["ding"] == 1, f"a refused message was tried {robots.tries['ding']} times")
        check(len(robots.of("wecom", "告警")) == 1 and sinks["wecom"]["retries"] >= 1, sinks["wecom"])
        check(robots.tries.get("hook", 0) == 0, "the manager's group heard a first alert")
        log = floor.log()
        check("alert ding: refused for good: dingtalk code 310000" in log, log[-2000:])
        check(floor.stop() == 0, "floor exit")
    finally:
        tear_down(rooms, floor, robots, central)


@test
def bad_alert_settings_are_named(tmp):
    """--check names each bad [alert.NAME] setting by file and line, and a
    robot's address readable by others is warned of."""
    url = secret(tmp, "u", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    loose = write(tmp, "loose", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\n")
    os.chmod(loose, 0o644)
    conf = write(tmp, "bad.conf", f"""[show]
segment = 1:00 | x
[node]
role = floor
[mqtt]
host = 127.0.0.1
[alert.a]
type = slack
url_file = {url}
[alert.b]
type = wecom
rules = stream, mic_dead
[alert.c]
type = wecom
url_file = {url}
secret_file = {url}
send = sometimes
[alert.d]
type = json
url_file = {url}
mention = loudly
""")
    p = subprocess.run([ONAIRD, "--check", "-c", conf], capture_output=True, text=True, timeout=20)
    out = p.stdout + p.stderr
    check(p.returncode != 0, out)
    for want in ("bad.conf:8: [alert.a] type must be wecom, dingtalk, feishu or json",
                 "bad.conf:12: [alert.b] rule \"mic_dead\" is not one of",
                 "[alert.b] needs url_file",
                 "bad.conf:17: [alert.c] send must be all or escalations",
                 "[alert.c] secret_file signs DingTalk and Feishu messages only",
                 "bad.conf:21: [alert.d] mention must be"):
        check(want in out, f"missing {want!r} in:\n{out}")
    # A valid floor: the robot's address (its key) readable by others is
    # warned of, as the other secrets are.
    ok = write(tmp, "ok.conf", f"[show]\nsegment = 1:00 | x\n[node]\nrole = floor\n[mqtt]\nhost = 127.0.0.1\n"
               f"[alert.d]\ntype = json\nurl_file = {loose}\n")
    p = subprocess.run([ONAIRD, "--check", "-c", ok], capture_output=True, text=True, timeout=20)
    check(p.returncode == 0 and f"[alert.d] url_file: {loose} can be read by others" in p.stdout + p.stderr,
          p.stdout + p.stderr)
    studio = write(tmp, "studio.conf", f"[show]\nsegment = 1:00 | x\n[alert.a]\ntype = wecom\nurl_file = {url}\n")
    p = subprocess.run([ONAIRD, "--check", "-c", studio], capture_output=True, text=True, timeout=20)
    check(p.returncode != 0 and "is a floor's: set node.role = floor" in p.stdout + p.stderr, p.stdout + p.stderr)


summary("alerts")
