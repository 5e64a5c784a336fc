"""Shared by the system tests: the real onaird in a temporary directory,
driven by the real onairctl. BUILD_DIR is the first argument."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.path.abspath(sys.argv[1])
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ONAIRD = os.path.join(BUILD, "onaird")
ONAIRCTL = os.path.join(BUILD, "onairctl")
results = {"passed": 0, "failed": 0, "skipped": 0}


class Skip(Exception):
    """Raised by a test that cannot run here for want of something the
    machine cannot give (said, with why, and counted as skipped)."""


class Daemon:
    def __init__(self, tmp, config, *extra, env=None):
        self.tmp = tmp
        self.env = env
        self.sock = os.path.join(tmp, "onaird.sock")
        self.state = os.path.join(tmp, "state")
        self.out = open(os.path.join(tmp, "onaird.out"), "ab")
        self.args = [ONAIRD, "-c", config, "--state-dir", self.state, "--socket", self.sock,
                     "-o", "device.console.mode=lines", *extra]
        self.start()

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=self.out, stderr=self.out,
                                     stdin=subprocess.DEVNULL, env=self.env)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("onaird exited at start: " + self.log())
            if ctl(self, "ping")[0] == 0:
                return
            time.sleep(0.02)
        raise AssertionError("onaird did not answer within 10 s")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            rc = self.proc.wait(timeout=10)
        else:
            rc = self.proc.returncode
        sanitizer_clean(self.log())
        return rc

    def log(self):
        self.out.flush()
        with open(os.path.join(self.tmp, "onaird.out"), "rb") as f:
            return f.read().decode("utf-8", "replace")


SANITIZER_LINES = ("runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer")


def sanitizer_clean(text):
    """A sanitizer's report is a failure even when everything else passed."""
    for line in text.splitlines():
        if any(s in line for s in SANITIZER_LINES):
            raise AssertionError("sanitizer: " + line)


class CtlStream:
    """One control connection, as a busy operator's tool uses it: requests
    sent without waiting (each send time kept, CLOCK_MONOTONIC ns), each
    answer timed as it arrives, in order, one per request."""

    def __init__(self, sock_path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sock_path)
        self.sent, self.answered, self.buf = [], [], b""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def send(self, line):
        self.sent.append(time.monotonic_ns())
        self.s.sendall(line.encode() + b"\n")

    def _read(self):
        while True:
            try:
                data = self.s.recv(65536)
            except OSError:
                return  # closed by the caller
            if not data:
                return
            self.buf += data
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                self.answered.append((time.monotonic_ns(), json.loads(line)))

    def wait(self, n, timeout):
        """Wait for n answers, then close; True when they all came."""
        deadline = time.monotonic() + timeout
        while len(self.answered) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        self.s.close()
        return len(self.answered) >= n


def ctl(d, *args):
    env = dict(os.environ, ONAIR_SOCKET=d.sock)
    p = subprocess.run([ONAIRCTL, *args], capture_output=True, env=env, timeout=10)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def status(d):
    rc, out, err = ctl(d, "status", "--json")
    assert rc == 0, f"status failed: {err}"
    return json.loads(out)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def test(fn):
    # ONAIR_ONLY=name,name runs just those (while working on them); make check sets nothing.
    only = os.environ.get("ONAIR_ONLY")
    if only and fn.__name__ not in only.split(","):
        return fn
    with tempfile.TemporaryDirectory(prefix="onair-sys-") as tmp:
        try:
            fn(tmp)
            left = left_running(tmp)
            if left:
                raise AssertionError("left running (now killed): " + "; ".join(left))
            results["passed"] += 1
            print(f"PASS {fn.__name__}")
        except Skip as e:
            results["skipped"] += 1
            print(f"SKIP {fn.__name__}: {e}")
        except Exception as e:  # noqa: BLE001 - a test's failure of any kind
            results["failed"] += 1
            print(f"FAIL {fn.__name__}: {e}")
        finally:
            left_running(tmp)
    return fn


def processes_of(tmp):
    """Every process whose command line names the test's own folder (each
    daemon, broker, emulator and client it started is given a file there),
    and their children, so suites running side by side never see each
    other's."""
    cmds, parent = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmds[int(pid)] = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
            with open(f"/proc/{pid}/stat", "rb") as f:
                parent[int(pid)] = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found = {pid for pid, cmd in cmds.items() if tmp in cmd}
    grew = True
    while grew:
        more = {pid for pid, ppid in parent.items() if ppid in found and cmds.get(pid)} - found
        found |= more
        grew = bool(more)
    return {pid: cmds[pid] for pid in found if cmds.get(pid)}


def left_running(tmp):
    """What a test left running after it ended: given 3 s to finish going,
    then killed, and said (so the next test's timings are its own)."""
    end = time.monotonic() + 3
    while processes_of(tmp) and time.monotonic() < end:
        time.sleep(0.05)
    left = processes_of(tmp)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return [f"pid {pid}: {cmd[:120]}" for pid, cmd in left.items()]


def wait_for(cond, seconds, what, every=0.05, tolerate=()):
    """cond's first true value within seconds, asked every `every` seconds
    (an exception of a kind in tolerate counts as not yet: a status still
    without the field), else a failure saying what (a callable: called
    then, so it can show the state at the deadline)."""
    end = time.monotonic() + seconds
    while True:
        try:
            v = cond()
            if v:
                return v
        except tolerate:
            pass
        if time.monotonic() >= end:
            raise AssertionError(what() if callable(what) else what)
        time.sleep(every)


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path




def summary(name):
    skipped = f", {results['skipped']} skipped" if results["skipped"] else ""
    print(f"{name} ({os.path.basename(BUILD)}): {results['passed']} passed, {results['failed']} failed{skipped}")
    sys.exit(1 if results["failed"] else 0)


def free_port(kind=socket.SOCK_STREAM):
    """A port on 127.0.0.1 free now (TCP, or UDP with SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Broker:
    """A real mosquitto on 127.0.0.1, a free port, for the studio's boxes."""

    def __init__(self, tmp):
        self.port = free_port()
        self.conf = write(tmp, "mosquitto.conf",
                          f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                          "set_tcp_nodelay true\n")
        self.log = open(os.path.join(tmp, "mosquitto.log"), "ab")
        self.start()

    def start(self):
        self.proc = subprocess.Popen(["mosquitto", "-c", self.conf], stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 5
        while not port_open(self.port):
            if time.monotonic() > deadline:
                raise AssertionError("broker did not listen")
            time.sleep(0.05)

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def pub(self, topic, payload, *extra):
        subprocess.run(["mosquitto_pub", "-p", str(self.port), "-t", topic, "-m", payload, *extra],
                       check=True, timeout=10)

    def retained(self, topic):
        p = subprocess.run(["mosquitto_sub", "-p", str(self.port), "-t", topic, "-C", "1", "-W", "3"],
                           capture_output=True, timeout=10)
        return p.stdout.decode().strip()
