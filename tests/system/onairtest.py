"""Shared by the system tests: the real onaird in a temporary directory,
driven by the real onairctl. BUILD_DIR is the first argument."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1])
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ONAIRD = os.path.join(BUILD, "onaird")
ONAIRCTL = os.path.join(BUILD, "onairctl")
results = {"passed": 0, "failed": 0}


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
            return self.proc.wait(timeout=10)
        return self.proc.returncode

    def log(self):
        self.out.flush()
        with open(os.path.join(self.tmp, "onaird.out"), "rb") as f:
            return f.read().decode("utf-8", "replace")


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
    with tempfile.TemporaryDirectory(prefix="onair-sys-") as tmp:
        try:
            fn(tmp)
            results["passed"] += 1
            print(f"PASS {fn.__name__}")
        except Exception as e:  # noqa: BLE001 - a test's failure of any kind
            results["failed"] += 1
            print(f"FAIL {fn.__name__}: {e}")
    return fn


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path




def summary(name):
    print(f"{name} ({os.path.basename(BUILD)}): {results['passed']} passed, {results['failed']} failed")
    sys.exit(1 if results["failed"] else 0)
