"""A real OBS Studio for the tests and the bench: Xvfb, nginx's RTMP module
on loopback and OBS with its own home folder (obs-websocket on, a
password, two scenes over a colour source, x264 at 160x90), and an
outside obs-websocket client (tests/web/obs-ctl.js, obs-websocket-js from
npm) to drive it."""
import functools
import json
import os
import select
import signal
import socket
import subprocess
import threading
import time

from onairtest import free_port, port_open, wait_for

# OBS's latencies are measured: asked every 5 ms.
wait_for = functools.partial(wait_for, every=0.005)

PASSWORD = "studio-secret-1"
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"


class Studio:
    """Xvfb, nginx-rtmp and OBS with its own home folder."""

    def __init__(self, tmp, uplink=False):
        """uplink: OBS streams through an Uplink (self.uplink) whose rate
        a test can choke, as a congested upload would."""
        self.tmp = tmp
        self.ws_port, self.rtmp_port = free_port(), free_port()
        self.uplink = Uplink(self.rtmp_port) if uplink else None
        self.procs = {}
        self.write_config()
        self.start_x()
        self.start_nginx()
        self.start_obs()

    def write_config(self):
        home = os.path.join(self.tmp, "home")
        cfg = os.path.join(home, ".config", "obs-studio")
        os.makedirs(os.path.join(cfg, "basic", "scenes"))
        os.makedirs(os.path.join(cfg, "basic", "profiles", "Onair"))
        self.home = home
        # OBS 29 (obs-websocket 5.1) keeps the server's settings in global.ini.
        with open(os.path.join(cfg, "global.ini"), "w") as f:
            f.write("[General]\nFirstRun=true\nEnableAutoUpdates=false\nConfirmOnExit=false\n"
                    "[Basic]\nProfile=Onair\nProfileDir=Onair\nSceneCollection=Onair\n"
                    "SceneCollectionFile=Onair\n"
                    f"[OBSWebSocket]\nFirstLoad=false\nServerEnabled=true\nServerPort={self.ws_port}\n"
                    f"AlertsEnabled=false\nAuthRequired=true\nServerPassword={PASSWORD}\n")
        with open(os.path.join(cfg, "basic", "profiles", "Onair", "basic.ini"), "w") as f:
            f.write("[General]\nName=Onair\n[Video]\nBaseCX=160\nBaseCY=90\nOutputCX=160\n"
                    "OutputCY=90\nFPSType=0\nFPSCommon=10\n[Output]\nMode=Simple\n"
                    "[SimpleOutput]\nVBitrate=100\nABitrate=32\nStreamEncoder=x264\n"
                    "RecEncoder=x264\nPreset=ultrafast\n")
        with open(os.path.join(cfg, "basic", "profiles", "Onair", "service.json"), "w") as f:
            json.dump({"type": "rtmp_custom", "settings": {
                "server": f"rtmp://127.0.0.1:{self.uplink.port if self.uplink else self.rtmp_port}/live",
                "key": "studio"}}, f)
        with open(os.path.join(cfg, "basic", "scenes", "Onair.json"), "w") as f:
            json.dump({"name": "Onair", "current_scene": "Camera 1", "current_program_scene": "Camera 1",
                       "scene_order": [{"name": "Camera 1"}, {"name": "Camera 2"}],
                       "sources": [
                           {"id": "color_source_v3", "name": "Red",
                            "settings": {"color": 4278190335, "width": 160, "height": 90}},
                           {"id": "scene", "name": "Camera 1",
                            "settings": {"items": [{"name": "Red", "id": 1, "visible": True}],
                                         "id_counter": 1}},
                           {"id": "scene", "name": "Camera 2", "settings": {"items": [], "id_counter": 0}}],
                       "transitions": [], "current_transition": "Cut", "transition_duration": 0}, f)

    def spawn(self, name, args, env=None):
        out = open(os.path.join(self.tmp, name + ".log"), "ab")
        self.procs[name] = subprocess.Popen(args, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                            env=env, start_new_session=True)

    def start_x(self):
        r, w = os.pipe()
        out = open(os.path.join(self.tmp, "xvfb.log"), "ab")
        self.procs["xvfb"] = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24",
                                               "-nolisten", "tcp"], pass_fds=(w,), stdout=out, stderr=out,
                                              start_new_session=True)
        os.close(w)
        display = b""
        while not display.endswith(b"\n"):
            chunk = os.read(r, 16)
            if not chunk:
                raise AssertionError("Xvfb did not start: see " + out.name)
            display += chunk
        os.close(r)
        self.display = ":" + display.decode().strip()

    def start_nginx(self):
        conf = os.path.join(self.tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"load_module {RTMP_MODULE};\ndaemon off;\npid {self.tmp}/nginx.pid;\n"
                    f"error_log {self.tmp}/nginx-error.log info;\nevents {{ worker_connections 64; }}\n"
                    f"rtmp {{ server {{ listen 127.0.0.1:{self.rtmp_port}; "
                    "application live { live on; record off; } } }\n")
        self.spawn("nginx", ["nginx", "-c", conf, "-e", os.path.join(self.tmp, "nginx-error.log")])
        wait_for(lambda: port_open(self.rtmp_port), 10, "nginx-rtmp did not listen")

    def start_obs(self):
        env = dict(os.environ, HOME=self.home, DISPLAY=self.display, LIBGL_ALWAYS_SOFTWARE="1",
                   QT_QPA_PLATFORM="xcb")
        self.spawn("obs", ["obs", "--multi", "--disable-updater", "--disable-shutdown-check", "--minimize-to-tray"],
                   env=env)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if self.procs["obs"].poll() is not None:
                break
            if port_open(self.ws_port):
                return
            time.sleep(0.2)
        raise OBSCannotStart(tail(os.path.join(self.tmp, "obs.log")))

    def kill(self, name):
        p = self.procs.get(name)
        if p and p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()

    def stop(self):
        for name in ("obs", "nginx", "xvfb"):
            self.kill(name)
        if self.uplink:
            self.uplink.close()


class Uplink:
    """A TCP relay from OBS to nginx-rtmp whose OBS-to-server direction
    carries at most rate bytes a second (None: as fast as it comes). Its
    socket buffers are small, so a choked relay pushes back on OBS within
    a second or two, as a full upload does, instead of filling the
    kernel's buffers for minutes."""

    def __init__(self, target_port):
        self.target = target_port
        self.rate = None
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                obs, _ = self.sock.accept()
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                return
            threading.Thread(target=self._pump, args=(obs, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, obs, False), daemon=True).start()

    def _pump(self, src, dst, up):
        try:
            while True:
                rate = self.rate if up else None
                data = src.recv(512 if rate else 65536)
                if not data:
                    break
                dst.sendall(data)
                if rate:
                    time.sleep(len(data) / rate)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.sock.close()


class OBSCannotStart(Exception):
    pass


def tail(path, n=15):
    try:
        with open(path, "rb") as f:
            return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


class ObsClient:
    """tests/web/obs-ctl.js (installed in web_test by tests/web/setup.sh):
    obs-websocket-js driving OBS. Every wait has a deadline: a client that
    says nothing more fails the test, it never hangs it."""

    def __init__(self, studio, web_test):
        self.p = subprocess.Popen(["node", os.path.join(web_test, "obs-ctl.js"),
                                   f"ws://127.0.0.1:{studio.ws_port}", PASSWORD],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.fd = self.p.stdout.fileno()
        self.pending = b""
        line = self._line(time.monotonic() + 20)
        if not line or not json.loads(line).get("ready"):
            raise AssertionError("obs-websocket-js could not connect: %s" % line)

    def _line(self, deadline):
        """The client's next line, or None at the deadline or its end."""
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def until(self, pred, seconds=20, retry=None, what="the awaited event"):
        """The first message pred accepts. retry: a command OBS may refuse
        for a moment (start right after a stop, while its output is still
        being torn down), or accept and then fail (its RTMP connection
        refused while nginx still holds the last publish): sent again half
        a second after each refusal or failure. A timeout says what was
        awaited and what OBS did send, so a failure can be read."""
        end = time.monotonic() + seconds
        seen = []
        starting = False
        while True:
            # OBS 29 can take a start and drop it without a word: the
            # request is answered before the UI thread runs it, and the UI
            # thread returns quietly while the last output is still being
            # torn down. Silence for 3 s after a start is that; ask again.
            quiet = min(end, time.monotonic() + 3) if retry == "start" and not starting else end
            line = self._line(quiet)
            if line is None and quiet < end:
                seen.append("(3 s silent: start sent again)")
                self.send(retry)
                continue
            if line is None:
                raise AssertionError("OBS did not send %s within %d s; it sent: %s" %
                                     (what, seconds, "; ".join(seen[-6:]) or "nothing"))
            seen.append(line[:200])
            msg = json.loads(line)
            if msg.get("event") == "StreamStateChanged":
                starting = msg["data"]["outputState"] == "OBS_WEBSOCKET_OUTPUT_STARTING" or \
                    starting and msg["data"]["outputState"] != "OBS_WEBSOCKET_OUTPUT_STOPPED"
            if pred(msg):
                return msg
            if retry and (msg.get("done") == retry and msg.get("error") or
                          retry == "start" and msg.get("event") == "StreamStateChanged" and
                          msg["data"]["outputState"] == "OBS_WEBSOCKET_OUTPUT_STOPPED"):
                time.sleep(0.5)
                self.send(retry)

    def send(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()

    def stream_event(self, state):
        return self.until(lambda m: m.get("event") == "StreamStateChanged" and
                          m["data"]["outputState"] == state,
                          retry="start" if state == "OBS_WEBSOCKET_OUTPUT_STARTED" else None,
                          what="StreamStateChanged " + state)

    def close(self):
        try:
            self.send("quit")
            self.p.wait(timeout=5)
        except Exception:
            self.p.kill()
