// Sends one TSL UMD 5.0 tally with the tsl-umd-v5 library (a real sender
// onair did not write), over UDP or TCP.
// Usage: node tsl-send.js udp|tcp HOST PORT INDEX RH_TALLY TEXT
"use strict";

const TSL5 = require("tsl-umd-v5");
const [proto, host, port, index, rh, text] = process.argv.slice(2);
const umd = new TSL5();
const tally = {
  screen: 0,
  index: Number(index),
  display: { rh_tally: Number(rh), text_tally: 0, lh_tally: 0, brightness: 3, text },
};
if (proto === "tcp") umd.sendTallyTCP(host, Number(port), tally);
else umd.sendTallyUDP(host, Number(port), tally);
// The library sends asynchronously and closes its socket itself.
setTimeout(() => process.exit(0), 300);
