#!/usr/bin/python3
"""Reads an ATEM switcher with Debian's python3-pyatem (a client onair did
not write) for SECONDS and prints one JSON line of what it decoded: the
product, the inputs' names, mix effect 1's program and preview, and each
tally by source. Run with Debian's /usr/bin/python3 (pyatem is a Debian
package). Usage: atem_pyatem.py HOST PORT SECONDS"""
import json
import sys
import threading
import time

from pyatem.protocol import AtemProtocol

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
heard = {"product": None, "inputs": {}, "program": None, "preview": None, "tallies": [], "connected": False}


def change(key, contents):
    if key == "product-name":
        heard["product"] = contents.name
    elif key == "input-properties":
        heard["inputs"][str(contents.index)] = contents.name
    elif key == "program-bus-input" and contents.index == 0:
        heard["program"] = contents.source
    elif key == "preview-bus-input" and contents.index == 0:
        heard["preview"] = contents.source
    elif key == "tally-source":
        heard["tallies"].append({"program": sorted(s for s, (p, _) in contents.tally.items() if p),
                                 "preview": sorted(s for s, (_, v) in contents.tally.items() if v)})


def connected():
    heard["connected"] = True


atem = AtemProtocol(ip=host, port=port)
atem.on("change", change)
atem.on("connected", connected)
atem.connect()


def run():
    while True:
        atem.loop()


threading.Thread(target=run, daemon=True).start()
time.sleep(seconds)
print(json.dumps(heard, ensure_ascii=False), flush=True)
