"""A vMix emulator for the tests: the TCP API (port 8099 in vMix) as vMix's
published "TCP API" page describes it (https://www.vmix.com/help27/TCPAPI.html):
VERSION on connect, SUBSCRIBE TALLY / ACTS with events on every change,
TALLY, ACTS <name>, XML with its length, FUNCTION Cut / PreviewInput /
StartStreaming / StopStreaming / StartRecording / StopRecording, and ER for
anything else. No vMix runs on Linux, so this is what onair is tested
against; tests/web/vmix-check.js proves it with two independent clients
(node-vmix's ConnectionTCP reads its lines, vmix-js-utils parses its TALLY
and its XML) before any test trusts it.

Usage in a test: emu = VmixEmulator(["Cam 1", "机位二"]); emu.port; emu.cut(2);
emu.set_streaming(True); emu.stop(). Hostile modes: emu.say(raw_bytes)
sends raw bytes to every client."""
import socket
import threading
from xml.sax.saxutils import quoteattr, escape

VERSION = "27.0.0.49"


class VmixEmulator:
    def __init__(self, titles, port=0, answer=True):
        self.titles = list(titles)
        self.program = 1 if titles else 0
        self.preview = 2 if len(titles) > 1 else 0
        self.acts = {"Streaming": 0, "Recording": 0, "External": 0}
        self.answer = answer          # False: read requests and never answer (a hung vMix)
        self.lock = threading.Lock()
        self.clients = []             # [socket, {"tally": bool, "acts": bool}]
        self.requests = []            # every line received, for the tests
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", port))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    # -- the switcher's state, changed by a test --------------------------
    def tally_string(self):
        digits = []
        for n in range(1, len(self.titles) + 1):
            digits.append("1" if n == self.program else "2" if n == self.preview else "0")
        return "".join(digits)

    def xml(self):
        inputs = "".join(
            f'<input key="{n:08d}-emu" number="{n}" type="Capture" title={quoteattr(t)} shortTitle={quoteattr(t)} '
            f'state="Running" position="0" duration="0" loop="False" muted="False" volume="100" balance="0" '
            f'solo="False" audiobusses="M" meterF1="0" meterF2="0" gainDb="0">{escape(t)}</input>'
            for n, t in enumerate(self.titles, 1))
        flag = lambda v: "True" if v else "False"  # noqa: E731
        return (f'<vmix><version>{VERSION}</version><edition>4K</edition><inputs>{inputs}</inputs>'
                f'<overlays><overlay number="1" /></overlays><preview>{self.preview}</preview>'
                f'<active>{self.program}</active><fadeToBlack>False</fadeToBlack><transitions />'
                f'<recording>{flag(self.acts["Recording"])}</recording>'
                f'<external>{flag(self.acts["External"])}</external>'
                f'<streaming>{flag(self.acts["Streaming"])}</streaming></vmix>')

    def cut(self, program, preview=None):
        with self.lock:
            self.program = program
            if preview is not None:
                self.preview = preview
        self._event("tally", f"TALLY OK {self.tally_string()}\r\n".encode())

    def set_preview(self, preview):
        with self.lock:
            self.preview = preview
        self._event("tally", f"TALLY OK {self.tally_string()}\r\n".encode())

    def set_titles(self, titles):
        with self.lock:
            self.titles = list(titles)
        self._event("tally", f"TALLY OK {self.tally_string()}\r\n".encode())

    def set_act(self, name, on):
        with self.lock:
            self.acts[name] = 1 if on else 0
        self._event("acts", f"ACTS OK {name} {self.acts[name]}\r\n".encode())

    def set_streaming(self, on):
        self.set_act("Streaming", on)

    def say(self, raw):
        """Raw bytes to every client: hostile lines."""
        self._event(None, raw)

    def drop_clients(self):
        with self.lock:
            clients, self.clients = self.clients, []
        for c, _ in clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def stop(self):
        self.running = False
        try:
            # shutdown wakes the accept() blocked in the other thread and
            # stops listening; close alone would leave the port accepting.
            self.server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.server.close()
        except OSError:
            pass
        self.drop_clients()

    def client_count(self):
        with self.lock:
            return len(self.clients)

    # -- the protocol ------------------------------------------------------
    def _event(self, kind, data):
        with self.lock:
            targets = [c for c, subs in self.clients if kind is None or subs.get(kind)]
        for c in targets:
            try:
                c.sendall(data)
            except OSError:
                pass

    def _accept(self):
        while self.running:
            try:
                c, _ = self.server.accept()
            except OSError:
                return
            # Each event at once: Nagle's wait would be the emulator's delay, not onair's.
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            subs = {}
            with self.lock:
                self.clients.append((c, subs))
            threading.Thread(target=self._serve, args=(c, subs), daemon=True).start()

    def _reply(self, request):
        words = request.split(" ")
        cmd = words[0].upper()
        arg = " ".join(words[1:])
        with self.lock:
            if cmd == "TALLY":
                return f"TALLY OK {self.tally_string()}\r\n".encode()
            if cmd == "ACTS":
                name = arg.split(" ")[0]
                if name in self.acts:
                    return f"ACTS OK {name} {self.acts[name]}\r\n".encode()
                if name == "Input" and len(words) > 2 and words[2].isdigit():
                    return f"ACTS OK Input {words[2]} {1 if int(words[2]) == self.program else 0}\r\n".encode()
                return b"ACTS ER No Input\r\n"
            if cmd == "XML":
                body = (self.xml() + "\r\n").encode()
                return f"XML {len(body)}\r\n".encode() + body
            if cmd == "VERSION":
                return f"VERSION OK {VERSION}\r\n".encode()
        if cmd == "SUBSCRIBE" and arg.upper() in ("TALLY", "ACTS"):
            return f"SUBSCRIBE OK {arg.upper()}\r\n".encode()
        if cmd == "UNSUBSCRIBE" and arg.upper() in ("TALLY", "ACTS"):
            return f"UNSUBSCRIBE OK {arg.upper()}\r\n".encode()
        if cmd == "FUNCTION":
            name, _, query = arg.partition(" ")
            params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
            if name == "Cut":
                self.cut(self.preview, self.program)
            elif name == "PreviewInput" and params.get("Input", "").isdigit():
                self.set_preview(int(params["Input"]))
            elif name in ("StartStreaming", "StopStreaming", "StartRecording", "StopRecording"):
                self.set_act("Streaming" if "Streaming" in name else "Recording", name.startswith("Start"))
            else:
                return f"FUNCTION ER Function not found: {name}\r\n".encode()
            return f"FUNCTION OK {name}\r\n".encode()
        return f"{cmd} ER Unknown command\r\n".encode()

    def _serve(self, c, subs):
        try:
            c.sendall(f"VERSION OK {VERSION}\r\n".encode())
            pending = b""
            while self.running:
                data = c.recv(4096)
                if not data:
                    break
                pending += data
                while b"\r\n" in pending:
                    line, pending = pending.split(b"\r\n", 1)
                    request = line.decode("utf-8", "replace")
                    with self.lock:
                        self.requests.append(request)
                    if not self.answer:
                        continue
                    reply = self._reply(request)
                    if request.upper().startswith("SUBSCRIBE ") and reply.startswith(b"SUBSCRIBE OK"):
                        subs[request.split(" ", 1)[1].strip().lower()] = True
                    c.sendall(reply)
        except OSError:
            pass
        finally:
            with self.lock:
                self.clients = [(x, s) for x, s in self.clients if x is not c]
            c.close()


if __name__ == "__main__":
    import sys
    import time
    emu = VmixEmulator(sys.argv[2:] or ["Cam 1", "Cam 2", "Cam 3"], port=int(sys.argv[1]) if len(sys.argv) > 1 else 8099)
    print(f"vMix emulator on 127.0.0.1:{emu.port}", flush=True)
    while True:
        time.sleep(3600)
