#!/usr/bin/env python3
"""The web server from outside, with raw sockets and urllib: the pages and
the view, the ops token, messages (say/ack) in the log and the report, and
bad input: oversized headers and bodies, slowloris, 500 connections, HTML
and invalid UTF-8 in messages, wrong tokens, paths outside the page folder.
The show must be untouched and the daemon up after each.
Usage: test_web.py BUILD"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onairtest import (SRC, ONAIRD, Daemon, free_port, Skip, ctl, status, check, test, write, summary)  # noqa: E402

MINIMAL = os.path.join(SRC, "configs", "minimal.conf")
TOKEN = "ops-token-for-tests-1"


def web_daemon(tmp, *extra):
    port = free_port()
    token = write(tmp, "token", TOKEN + "\n")
    d = Daemon(tmp, MINIMAL, "-o", f"web.listen=127.0.0.1:{port}", "-o",
               f"web.root={os.path.join(SRC, 'daemon', 'web')}", "-o", f"web.token_file={token}",
               "-o", "web.message=speed_up | 加快节奏 Speed up", "-o", "show.preroll=0", *extra)
    d.port = port
    return d


def http(d, path, method="GET", body=None, token=None, timeout=5):
    req = urllib.request.Request(f"http://127.0.0.1:{d.port}{path}", method=method,
                                 data=body.encode() if isinstance(body, str) else body)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def raw(d, data, timeout=5):
    s = socket.create_connection(("127.0.0.1", d.port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out


def still_fine(d, seq):
    s = status(d)
    check(s["seq"] == seq, f"the show changed: seq {s['seq']}, was {seq}")
    check(http(d, "/view.json")[0] == 200, "the server no longer answers")


@test
def pages_view_and_events(tmp):
    d = web_daemon(tmp)
    try:
        for path, kind in (("/", "text/html"), ("/ops", "text/html"), ("/onair.css", "text/css"),
                           ("/onair.js", "text/javascript"), ("/anchor.js", "text/javascript"),
                           ("/ops.js", "text/javascript")):
            code, headers, body = http(d, path)
            check(code == 200 and headers["Content-Type"].startswith(kind), (path, code, headers))
            check("default-src 'self'" in headers["Content-Security-Policy"], headers)
            check(b"http://" not in body and b"https://" not in body, f"{path} loads from outside")
        code, _, body = http(d, "/view.json")
        v = json.loads(body)
        check(code == 200 and v["state"] == "standby" and len(v["rundown"]) == 4, v)
        check(v["canned"] == [{"key": "speed_up", "text": "加快节奏 Speed up"}], v["canned"])
        # The same field names and values as onairctl status --json.
        s = status(d)
        for key in ("state", "segment", "segments", "next_title", "cue", "display", "seq"):
            check(v[key] == s[key], (key, v[key], s[key]))
        # Events: the view at once, a beat within a second.
        sock = socket.create_connection(("127.0.0.1", d.port), timeout=3)
        sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        got, t0 = b"", time.monotonic()
        while b"event: beat" not in got and time.monotonic() - t0 < 3:
            got += sock.recv(65536)
        check(b"text/event-stream" in got and b"event: view" in got and b"event: beat" in got, got[:400])
        ctl(d, "next")
        got = b""
        while b"\"state\":\"live\"" not in got and time.monotonic() - t0 < 6:
            got += sock.recv(65536)
        check(b"\"state\":\"live\"" in got, "no view event after next")
        # Stopping with a page still listening: a clean exit (the sanitizer
        # builds check what the stop frees).
        rc = d.stop()
        check(rc == 0, f"onaird exited {rc} with a page listening")
        sock.close()
    finally:
        d.stop()


@test
def the_ops_token(tmp):
    d = web_daemon(tmp)
    try:
        seq = status(d)["seq"]
        code, _, body = http(d, "/cmd", "POST", "next")
        check(code == 401 and b"token" in body, (code, body))
        check(http(d, "/cmd", "POST", "next", token="wrong-token-x")[0] == 401, "a wrong token")
        check(status(d)["seq"] == seq, "a command without the token changed the show")
        code, _, body = http(d, "/cmd", "POST", "next", token=TOKEN)
        check(code == 200 and json.loads(body)["ok"], body)
        check(status(d)["state"] == "live", status(d))
        code, _, body = http(d, "/cmd", "POST", "goto 99", token=TOKEN)
        check(code == 400 and b"out of range" in body or code == 409, (code, body))
        code, _, body = http(d, "/cmd", "POST", "dance", token=TOKEN)
        check(code == 400 and b"unknown command" in body, (code, body))
        # Wrong tokens are limited per address, and logged without flooding.
        for _ in range(6):
            http(d, "/cmd", "POST", "next", token="guess-" + str(_))
        code, _, body = http(d, "/cmd", "POST", "prev", token=TOKEN)
        check(code == 429, f"after 6 wrong tokens: {code} {body}")
        check(d.log().count("wrong ops token") <= 2, "every wrong token logged")
        check(http(d, "/ack", "POST", "")[0] == 403, "a tap acknowledged with anchor_ack off")
    finally:
        d.stop()
    other = os.path.join(tmp, "look")
    os.mkdir(other)
    port = free_port()
    d = Daemon(other, MINIMAL, "-o", f"web.listen=127.0.0.1:{port}", "-o",
               f"web.root={os.path.join(SRC, 'daemon', 'web')}")
    d.port = port
    try:
        code, _, body = http(d, "/cmd", "POST", "next", token=TOKEN)
        check(code == 403 and b"only look" in body, (code, body))
    finally:
        d.stop()


@test
def messages_to_the_anchor(tmp):
    d = web_daemon(tmp, "-o", "web.anchor_ack=yes", "-o", "show.message_time=5")
    try:
        ctl(d, "start")
        rc, out, err = ctl(d, "say", "加快节奏 <b>now</b>")
        check(rc == 0, err)
        s = status(d)
        check(s["message"]["text"] == "加快节奏 <b>now</b>" and s["message"]["standing"], s["message"])
        check(s["cue"] == "message" and s["lamp_colours"]["cue"] == "yellow", s["cue"])
        # The ops page's canned message and the anchor's tap.
        check(http(d, "/ack", "POST", "")[0] == 200, "tap ack")
        check(not status(d)["message"]["standing"] and status(d)["message"]["acked"], status(d)["message"])
        check(http(d, "/cmd", "POST", "say --canned speed_up", token=TOKEN)[0] == 200, "canned")
        check(status(d)["message"]["text"] == "加快节奏 Speed up", status(d)["message"])
        rc, out, err = ctl(d, "say", "--canned", "nope")
        check(rc != 0 and "speed_up" in err, err)
        # Unacknowledged, it expires by itself.
        time.sleep(5.5)
        check(not status(d)["message"]["standing"] and not status(d)["message"]["acked"], status(d)["message"])
        # Through MQTT's grammar too: the same words (here, the socket's).
        rc, _, err = ctl(d, "say", "\u5feb")
        check(rc == 0, err)
        ctl(d, "ack")
        log = ctl(d, "log")[1]
        check(log.count('"event":"say"') == 3 and log.count('"event":"message_ack"') == 2 and
              log.count('"event":"message_expired"') == 1, log)
        report = ctl(d, "report")[1]
        check("Messages: 3 sent, 2 acknowledged" in report and "1 expired" in report, report)
    finally:
        d.stop()


@test
def bad_input_leaves_the_show_alone(tmp):
    d = web_daemon(tmp)
    try:
        ctl(d, "next")
        seq = status(d)["seq"]
        # Paths outside the page folder, and ones that are not ours.
        for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/anchor.html", "/web/anchor.js",
                     "//etc/passwd", "/view.json/..", "/ops/"):
            code = http(d, path)[0]
            check(code == 404, f"{path}: {code}")
        check(http(d, "/", "DELETE")[0] == 405, "DELETE /")
        # Oversized headers: refused, the daemon up.
        out = raw(d, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
        check(out.startswith(b"HTTP/1.1 431") or out.startswith(b"HTTP/1.1 413") or out == b"",
              out[:80])
        # An oversized body.
        code, _, body = http(d, "/cmd", "POST", "say " + "x" * 5000, token=TOKEN)
        check(code == 413, (code, body[:80]))
        # Invalid UTF-8 and control characters in a message.
        for bad in (b"say \xff\xfe", b"say a\x1b[31mred", b"say \xc0\xaf"):
            code, _, body = http(d, "/cmd", "POST", bad, token=TOKEN)
            check(code == 400, (bad, code, body))
        still_fine(d, seq)
        # Slowloris: a request trickled over more than the server's 10 s.
        slow = socket.create_connection(("127.0.0.1", d.port), timeout=20)
        slow.sendall(b"GET / HTTP/1.1\r\n")
        closed = False
        t0 = time.monotonic()
        while time.monotonic() - t0 < 16:
            try:
                slow.sendall(b"X-a: b\r\n")
                if slow.recv(1, socket.MSG_DONTWAIT) == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            except OSError:
                closed = True
                break
            time.sleep(1)
        check(closed, "a trickling request was never closed")
        # 500 connections at once: refused past the limit, the show answers.
        conns = []
        for _ in range(500):
            try:
                conns.append(socket.create_connection(("127.0.0.1", d.port), timeout=2))
            except OSError:
                break
        t0 = time.monotonic()
        check(ctl(d, "status")[0] == 0 and time.monotonic() - t0 < 1, "the control socket stalled")
        for c in conns:
            c.close()
        time.sleep(0.3)
        still_fine(d, seq)
        check(d.proc.poll() is None, "onaird died")
    finally:
        d.stop()


@test
def the_token_is_read_like_every_secret(tmp):
    """Issue 24: the web token was the one secret read without the mode
    check, --check never looked at it and a reload never re-read it."""
    d = web_daemon(tmp)
    try:
        token = os.path.join(tmp, "token")
        os.chmod(token, 0o644)
        p = subprocess.run([ONAIRD, "-c", MINIMAL, "--check", "-o", f"web.token_file={token}",
                            "-o", "web.listen=127.0.0.1:9"], capture_output=True, text=True, timeout=10)
        check(p.returncode == 0 and "can be read by others than its owner (mode 644)" in p.stderr, p.stderr)
        p = subprocess.run([ONAIRD, "-c", MINIMAL, "--check", "-o", f"web.token_file={token}.gone",
                            "-o", "web.listen=127.0.0.1:9"], capture_output=True, text=True, timeout=10)
        check("web.token_file: cannot read" in p.stderr and "runs without it" in p.stderr, p.stderr)
        check(http(d, "/cmd", "POST", "start", token=TOKEN)[0] == 200, "the first token")
        # A new token takes effect at a reload; the old one is refused.
        write(tmp, "token", "a-new-ops-token-2\n")
        check(ctl(d, "reload")[0] == 0, "reload")
        check("the ops token changed" in d.log(), d.log()[-800:])
        check(http(d, "/cmd", "POST", "next", token=TOKEN)[0] == 401, "the old token still works")
        check(http(d, "/cmd", "POST", "next", token="a-new-ops-token-2")[0] == 200, "the new token")
    finally:
        d.stop()


def hold(d, source_ip, count, partial=b"GET / HTTP/1.1\r\nHost: x\r\n"):
    """count connections from source_ip that begin a request and never
    finish it, as a stranger holding the server's table would."""
    held = []
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", d.port), timeout=2, source_address=(source_ip, 0))
            s.sendall(partial)
            held.append(s)
        except OSError:
            break
    return held


@test
def strangers_holding_connections_leave_the_anchor_view_room(tmp):
    """Issue 25.7: three addresses holding connections kept the anchor
    view from loading (0 of 8 loads), and a trickled request lived past
    45 s. Each address gets 32, the request that has been arriving the
    longest gives way past 112, and a request is whole within 10 s."""
    d = web_daemon(tmp)
    held = []
    try:
        for i in range(2, 7):
            held += hold(d, f"127.0.0.{i}", 48)
        time.sleep(0.3)
        web = status(d)["web"]
        check(web["connections"] <= 128, web)
        loaded = 0
        for _ in range(8):
            try:
                loaded += http(d, "/", timeout=3)[0] == 200
            except OSError:
                pass
        check(loaded == 8, f"the anchor view loaded {loaded} of 8 times while strangers held connections")
        web = status(d)["web"]
        check(web["closed_for_room"] > 0, web)
        for s in held:
            s.close()
        held = []
        # One byte every 2 s: MHD's own timeout (silence) never fires.
        slow = socket.create_connection(("127.0.0.1", d.port), timeout=20)
        t0 = time.monotonic()
        slow.sendall(b"GET / HTTP/1.1\r\n")
        lived = None
        while time.monotonic() - t0 < 20:
            try:
                slow.sendall(b"X")
                if slow.recv(1, socket.MSG_DONTWAIT) == b"":
                    lived = time.monotonic() - t0
                    break
            except BlockingIOError:
                pass
            except OSError:
                lived = time.monotonic() - t0
                break
            time.sleep(2)
        slow.close()
        check(lived is not None and lived < 13, f"a trickled request lived {lived} s (deadline 10 s)")
        check(status(d)["web"]["closed_slow"] >= 1, status(d)["web"])
        check(d.proc.poll() is None, "onaird died")
    finally:
        for s in held:
            s.close()
        d.stop()


def post_from(d, source_ip, path, body, token=None, headers=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5, source_address=(source_ip, 0))
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    c.request("POST", path, body=body, headers=h)
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


@test
def the_ops_door_holds_against_guessing_and_other_sites(tmp):
    """Issue 25.8, 25.9, 25.12: wrong tokens from many addresses are
    limited together (the right one from an address it came from before
    still gets in); a request without a token is not a guess; a page of
    another site cannot act or acknowledge; ambiguous requests are refused."""
    d = web_daemon(tmp, "-o", "web.anchor_ack=yes")
    try:
        check(post_from(d, "127.0.0.1", "/cmd", "start", TOKEN) == 200, "the operator's first command")
        # Tokenless POSTs, as a page open on the phone makes: refused, not counted.
        for _ in range(12):
            check(post_from(d, "127.0.0.1", "/cmd", "next") == 401, "a tokenless POST")
        check(post_from(d, "127.0.0.1", "/cmd", "next", TOKEN) == 200, "locked out by tokenless POSTs")
        # Another site's page: refused before the token is looked at.
        evil = {"Origin": "http://evil.example"}
        check(post_from(d, "127.0.0.1", "/cmd", "prev", TOKEN, evil) == 403, "a cross-site command")
        check(post_from(d, "127.0.0.1", "/ack", "", None, evil) == 403, "a cross-site acknowledgement")
        check(post_from(d, "127.0.0.1", "/cmd", "prev", TOKEN, {"Sec-Fetch-Site": "cross-site"}) == 403,
              "Sec-Fetch-Site: cross-site")
        same = {"Origin": f"http://127.0.0.1:{d.port}", "Sec-Fetch-Site": "same-origin"}
        check(post_from(d, "127.0.0.1", "/cmd", "prev", TOKEN, same) == 200, "the ops page itself")
        # Guessing from 40 addresses: after 30 wrong tokens in a minute a new
        # address is not heard at all, while the operator's still is.
        codes = [post_from(d, f"127.0.0.{10 + i}", "/cmd", "next", f"guess-{i:04d}") for i in range(40)]
        check(codes[:30] == [401] * 30 and set(codes[30:]) == {429}, codes)
        check(post_from(d, "127.0.0.99", "/cmd", "next", TOKEN) == 429, "a new address was heard")
        check(post_from(d, "127.0.0.1", "/cmd", "next", TOKEN) == 200, "the operator was locked out")
        check("only addresses the right token came from are heard" in d.log(), "not said")
        # Two Content-Length headers, and HTTP/1.1 without Host.
        out = raw(d, b"POST /cmd HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 0\r\n\r\nnext")
        check(out.startswith(b"HTTP/1.1 400"), out[:200])
        out = raw(d, b"GET /view.json HTTP/1.1\r\nConnection: close\r\n\r\n")
        check(out.startswith(b"HTTP/1.1 400") and b"no Host" in out, out[:300])
        check(d.proc.poll() is None, "onaird died")
    finally:
        d.stop()


@test
def a_dead_anchor_view_says_so_everywhere(tmp):
    """Issue 26.5: with web.listen on a port already taken onaird started,
    logged one line with no hint, and status, the self-test and --check all
    said nothing. Now status carries the web server's state, the self-test
    FAILs, the log says what to do, --check names a page folder that lacks
    a page."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    d = Daemon(tmp, MINIMAL, "-o", f"web.listen=127.0.0.1:{port}",
               "-o", f"web.root={os.path.join(SRC, 'daemon', 'web')}")
    try:
        web = status(d)["web"]
        check(web["serving"] is False and "another program has the port" in web["error"], web)
        check("NOT served" in d.log(), d.log()[-600:])
        rc, out, _ = ctl(d, "selftest", "--json")
        checks = {c["name"]: c for c in json.loads(out)["checks"]}
        check(rc == 1 and checks["web"]["verdict"] == "FAIL", checks.get("web"))
    finally:
        d.stop()
        taken.close()
    empty = os.path.join(tmp, "nopages")
    os.makedirs(empty)
    p = subprocess.run([ONAIRD, "-c", MINIMAL, "--check", "-o", "web.listen=127.0.0.1:9",
                        "-o", f"web.root={empty}"], capture_output=True, text=True, timeout=10)
    check("has no anchor.html" in p.stderr, p.stderr)


def metric(text, name, **labels):
    """The value of one sample in a text exposition, or None."""
    want = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
    for line in text.splitlines():
        if line.startswith(want + " "):
            return float(line.split(" ")[-1])
    return None


@test
def metrics_for_prometheus(tmp):
    """Issue 29: /metrics in Prometheus's text format, linted by promtool
    (Debian's prometheus), counting what happened: the show's state and
    segment, commands taken and refused by where they came from, the
    devices, a tally source and its camera; and the shipped alert rules
    pass promtool's own rule tests."""
    promtool = subprocess.run(["sh", "-c", "command -v promtool"], capture_output=True, text=True).stdout.strip()
    if not promtool:
        raise Skip("promtool is not installed (./install-packages --tests installs Debian's prometheus)")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    tsl_port = udp.getsockname()[1]
    udp.close()
    d = web_daemon(tmp, "-o", "source.sw.type=tsl31", "-o", f"source.sw.listen=udp:127.0.0.1:{tsl_port}",
                   "-o", "source.sw.camera=3")
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.sendto(bytes([0x83, 0x01]) + b"CAM 3".ljust(16), ("127.0.0.1", tsl_port))
        check(ctl(d, "start")[0] == 0, "start")
        ctl(d, "goto", "99")                     # refused: no such segment
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not status(d)["sources"][0]["present"]:
            time.sleep(0.05)
        code, headers, body = http(d, "/metrics")
        check(code == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4"), (code, headers))
        text = body.decode()
        lint = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True)
        check(lint.returncode == 0, lint.stdout.decode() + lint.stderr.decode())
        check(metric(text, "onair_show_state", state="live") == 1 and
              metric(text, "onair_show_state", state="standby") == 0, text)
        check(metric(text, "onair_show_segment") == 1 and metric(text, "onair_segment_remaining_seconds") > 0, text)
        check(metric(text, "onair_commands_total", source="cli", result="done") >= 1, text)
        check(metric(text, "onair_commands_total", source="cli", result="refused") >= 1, text)
        check(metric(text, "onair_device_present", device="console", driver="console") == 1, text)
        check(metric(text, "onair_source_present", source="sw", type="tsl31") == 1, text)
        check(metric(text, "onair_camera_tally", camera="3", tally="program") == 1 and
              metric(text, "onair_camera_tally", camera="3", tally="off") == 0, text)
        check(metric(text, "onair_onair_lamp") == 1, text)
    finally:
        d.stop()
    rules = subprocess.run([promtool, "test", "rules", "onair-rules.test.yml"], capture_output=True, text=True,
                           cwd=os.path.join(SRC, "configs", "prometheus"))
    check(rules.returncode == 0 and "SUCCESS" in rules.stdout, rules.stdout + rules.stderr)
    conf = subprocess.run([promtool, "check", "config", "prometheus.yml"], capture_output=True, text=True,
                          cwd=os.path.join(SRC, "configs", "prometheus"))
    check(conf.returncode == 0, conf.stdout + conf.stderr)


summary("web")
