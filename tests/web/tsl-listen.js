// Listens for TSL UMD 5.0 with the tsl-umd-v5 library (a receiver onair
// did not write) and prints each display message as one JSON line.
// Usage: node tsl-listen.js udp|tcp PORT SECONDS
"use strict";

const TSL5 = require("tsl-umd-v5");
const [proto, port, seconds] = process.argv.slice(2);
const umd = new TSL5();
umd.on("message", (t) => {
  process.stdout.write(JSON.stringify({
    screen: t.screen, index: t.index, flags: t.flags,
    rh: t.display.rh_tally, text_tally: t.display.text_tally, lh: t.display.lh_tally,
    brightness: t.display.brightness, text: t.display.text,
  }) + "\n");
});
if (proto === "tcp") umd.listenTCP(Number(port));
else umd.listenUDP(Number(port));
process.stdout.write("listening\n");
setTimeout(() => process.exit(0), Number(seconds) * 1000);
