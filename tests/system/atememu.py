"""An ATEM switcher emulator for the tests: the UDP protocol of port 9910
as its public descriptions give it (doc/atem_protocol.md of
FanatiQS/wireless_atem_camera_control_and_tally; the packet handling of
nrkno/sofie-atem-connection): the three-way opening handshake with a
server-assigned session id, a table of at most max_clients sessions (the
next is rejected), the state dump in acknowledged packets, resends of
what is not acknowledged (the retransmit flag set, ten tries and the
session is dropped), a heartbeat while idle, the closing handshake, and
on a change TlSr/TlIn/PrgI/PrvI to every session. No ATEM runs here, so
tests/web/atem-check.js proves this with atem-connection (a client onair
did not write) before any test trusts it; with replay it sends a real
ATEM Mini's first state (tests/system/atem-captures) instead of its own.

Faults on what it sends, for the tests: loss, duplicate and reorder
(seeded, so a failure replays), a reboot (silent, then new session ids).

Usage in a test: emu = AtemEmulator({1: "Camera 1", 2: "机位二"}); emu.port;
emu.cut(2, 1); emu.stop()."""
import os
import random
import socket
import struct
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURE = os.path.join(HERE, "atem-captures", "mini-v8.1.data")

ACK_REQUEST, SYN, RETRANSMIT, RETRANSMIT_REQUEST, ACK = 0x08, 0x10, 0x20, 0x40, 0x80
ID_SPAN = 0x8000
PAYLOAD_MAX = 1410   # 1422 bytes a packet, the header included


def command(name, body):
    return struct.pack(">HH", 8 + len(body), 0) + name.encode() + body


def packet(flags, session, payload=b"", ack_id=0, remote_id=0):
    return struct.pack(">HHHHHH", (flags << 8) | (12 + len(payload)), session, ack_id, 0, 0, remote_id) + payload


class Session:
    def __init__(self, addr, client_id, server_id):
        self.addr, self.client_id, self.server_id = addr, client_id, server_id
        self.open = False
        self.next_id = 1
        self.unacked = {}        # packet id -> [bytes, last sent, tries]
        self.last_sent = time.monotonic()


class AtemEmulator:
    def __init__(self, inputs, port=0, max_clients=5, replay=False, streaming=None, seed=1,
                 product="ATEM Mini Pro"):
        self.inputs = dict(inputs)               # source id -> long name
        self.program, self.preview = (sorted(self.inputs) + [0, 0])[:2] if self.inputs else (0, 0)
        self.streaming = streaming               # None: a model that does not stream
        self.product = product
        self.replay = replay
        self.max_clients = max_clients
        self.loss = self.duplicate = self.reorder = 0.0
        self.rng = random.Random(seed)
        self.held = None
        self.silent_until = 0.0
        self.next_server_id = 1
        self.sessions = {}                       # addr -> Session
        self.rejected = 0
        self.hellos = 0
        self.lock = threading.RLock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.running = True
        threading.Thread(target=self._serve, daemon=True).start()

    # -- state ------------------------------------------------------------
    def _tally_commands(self):
        ids = sorted(set(self.inputs) | {0, 1000, 2001, 2002, 3010, 10010, 10011})
        tlsr = struct.pack(">H", len(ids)) + b"".join(
            struct.pack(">HB", i, (1 if i == self.program else 0) | (2 if i == self.preview else 0)) for i in ids)
        cams = sorted(self.inputs)
        tlin = struct.pack(">H", len(cams)) + bytes(
            (1 if i == self.program else 0) | (2 if i == self.preview else 0) for i in cams)
        return (command("PrgI", struct.pack(">BxH", 0, self.program)) +
                command("PrvI", struct.pack(">BxH", 0, self.preview) + b"\x00\x00\x00\x00") +
                command("TlIn", tlin + b"\x00" * (-len(tlin) % 4)) +
                command("TlSr", tlsr + b"\x00" * (-len(tlsr) % 4)))

    def _dump(self):
        """The first state, as packets' payloads."""
        if self.replay:
            with open(CAPTURE) as f:
                return [bytes.fromhex(line.strip()) for line in f if line.strip()]
        cmds = [command("_ver", struct.pack(">HH", 2, 30)),
                command("_pin", self.product.encode().ljust(44, b"\x00")[:44])]
        for i, name in sorted(self.inputs.items()):
            cmds.append(command("InPr", self._input_properties(i, name)))
        cmds.append(self._tally_commands())
        if self.streaming is not None:
            cmds.append(command("StRS", struct.pack(">HH", 4 if self.streaming else 1, 0)))
        cmds.append(command("InCm", b"\x01\x00\x00\x00"))
        payloads, cur = [], b""
        for c in cmds:
            if len(cur) + len(c) > PAYLOAD_MAX:
                payloads.append(cur)
                cur = b""
            cur += c
        return payloads + [cur]

    @staticmethod
    def _input_properties(source, name):
        """InPr's 36 bytes: the long name (20 bytes, cut on a character as
        ATEM Software Control does), a 4-byte ASCII button name, ports."""
        raw = name.encode()
        while len(raw) > 20:
            name = name[:-1]
            raw = name.encode()
        short = "".join(c for c in name if c.isascii() and c.isalnum())[:4] or f"IN{source}"[:4]
        return (struct.pack(">H", source) + raw.ljust(20, b"\x00") + short.encode().ljust(4, b"\x00") +
                bytes([0, 1, 0, 1, 0, 1, 1, 0, 0x13, 0x07]))

    def cut(self, program, preview=None):
        with self.lock:
            self.program = program
            if preview is not None:
                self.preview = preview
            for s in list(self.sessions.values()):
                if s.open:
                    self._send_reliable(s, self._tally_commands())

    def rename(self, source, name):
        with self.lock:
            self.inputs[source] = name
            for s in list(self.sessions.values()):
                if s.open:
                    self._send_reliable(s, command("InPr", self._input_properties(source, name)))

    def set_streaming(self, on):
        with self.lock:
            self.streaming = on
            for s in list(self.sessions.values()):
                if s.open:
                    self._send_reliable(s, command("StRS", struct.pack(">HH", 4 if on else 1, 0)))

    def say(self, raw):
        """A raw datagram to every session, as is: hostile input."""
        with self.lock:
            for s in list(self.sessions.values()):
                self.sock.sendto(raw, s.addr)

    def say_in_order(self, payload):
        """Commands in the session's next packet, acknowledged as any: a
        malformed payload arriving in order."""
        with self.lock:
            for s in list(self.sessions.values()):
                if s.open:
                    self._send_reliable(s, payload)

    def session_ids(self):
        with self.lock:
            return [s.server_id | 0x8000 for s in self.sessions.values() if s.open]

    def reboot(self, down_s=1.0):
        """The switcher restarts: silent for down_s, its session table and
        id counter gone."""
        with self.lock:
            self.sessions.clear()
            self.next_server_id = 1
            self.silent_until = time.monotonic() + down_s

    def open_sessions(self):
        with self.lock:
            return sum(1 for s in self.sessions.values() if s.open)

    def stop(self):
        self.running = False
        time.sleep(0.1)
        self.sock.close()

    # -- the wire ---------------------------------------------------------
    def _out(self, data, addr):
        """What leaves the switcher, through the faults asked for."""
        if self.rng.random() < self.loss:
            return
        if self.rng.random() < self.reorder and self.held is None:
            self.held = (data, addr)
            return
        self.sock.sendto(data, addr)
        if self.rng.random() < self.duplicate:
            self.sock.sendto(data, addr)
        if self.held:
            held, self.held = self.held, None
            self.sock.sendto(*held)

    def _send_reliable(self, s, payload):
        pid = s.next_id
        s.next_id = (s.next_id + 1) % ID_SPAN
        data = packet(ACK_REQUEST, s.server_id | 0x8000, payload, remote_id=pid)
        s.unacked[pid] = [data, time.monotonic(), 1]
        s.last_sent = time.monotonic()
        self._out(data, s.addr)

    def _datagram(self, data, addr):
        if len(data) < 12:
            return
        word, session, ack_id, _, _, _ = struct.unpack(">HHHHHH", data[:12])
        flags, length = word >> 8 & 0xF8, word & 0x7FF
        if length != len(data):
            return
        if flags & SYN and len(data) == 20:
            op = data[12]
            if op == 0x01:
                self.hellos += 1
                s = self.sessions.get(addr)
                if s is None or s.client_id != session:
                    if sum(1 for x in self.sessions.values() if x.addr != addr) >= self.max_clients:
                        self.rejected += 1
                        self.sock.sendto(packet(SYN, session, b"\x03" + b"\x00" * 7), addr)
                        return
                    s = Session(addr, session, self.next_server_id)
                    self.next_server_id = self.next_server_id % 0x7FFF + 1
                    self.sessions[addr] = s
                self.sock.sendto(packet(SYN, session, struct.pack(">BBH", 2, 0, s.server_id) + b"\x00" * 4), addr)
            elif op == 0x04:
                s = self.sessions.pop(addr, None)
                if s:
                    self.sock.sendto(packet(SYN, session, b"\x05" + b"\x00" * 7), addr)
            return
        s = self.sessions.get(addr)
        if s is None:
            return
        if flags & ACK:
            if not s.open and session == s.client_id:
                s.open = True
                for payload in self._dump():
                    self._send_reliable(s, payload)
                return
            if session == s.server_id | 0x8000:
                for pid in list(s.unacked):
                    if (ack_id - pid) % ID_SPAN < ID_SPAN // 2:
                        del s.unacked[pid]

    def _housekeeping(self):
        now = time.monotonic()
        for addr, s in list(self.sessions.items()):
            if not s.open:
                continue
            for pid, entry in sorted(s.unacked.items()):
                if now - entry[1] > 0.2:
                    if entry[2] >= 10:
                        del self.sessions[addr]   # ten resends unanswered: the client is gone
                        break
                    data = bytearray(entry[0])
                    data[0] |= RETRANSMIT
                    entry[1], entry[2] = now, entry[2] + 1
                    self._out(bytes(data), addr)
            if addr in self.sessions and now - s.last_sent > 0.5:
                self._send_reliable(s, b"")     # the heartbeat

    def _serve(self):
        last = 0.0
        while self.running:
            try:
                data, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                data = None
            except OSError:
                return
            with self.lock:
                if time.monotonic() < self.silent_until:
                    continue
                if data:
                    self._datagram(data, addr)
                if time.monotonic() - last > 0.05:
                    last = time.monotonic()
                    try:
                        self._housekeeping()
                    except OSError:
                        return
