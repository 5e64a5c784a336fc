// Reads a vMix TCP API with two clients onair did not write: node-vmix's
// ConnectionTCP splits the stream into vMix's messages (lines, and the XML
// by its length), vmix-js-utils interprets them (TcpTally for TALLY, its
// XML API for inputs, titles and program/preview). Proves the tests' vMix
// emulator (tests/system/vmixemu.py) says what it means to.
// Usage: node vmix-check.js HOST PORT [COMMAND ...]: the COMMANDs are sent
// after the state is read; prints one JSON object of everything heard.
"use strict";

const { ConnectionTCP } = require("node-vmix");
const { TcpTally, XmlApi } = require("vmix-js-utils");

const [host, port, ...commands] = process.argv.slice(2);
const heard = { version: null, tallies: [], acts: [], xml: [], other: [] };
const vmix = new ConnectionTCP(host, { port: Number(port), autoReconnect: false });

vmix.on("version", (v) => { heard.version = v; });
vmix.on("tally", (t) => {
  heard.tallies.push({ raw: t, summary: TcpTally.extractSummary(t) });
});
vmix.on("acts", (a) => { heard.acts.push(a); });
vmix.on("xml", (xml) => {
  const doc = XmlApi.DataParser.parse(xml);
  const inputs = XmlApi.Inputs.map(XmlApi.Inputs.extractInputsFromXML(doc));
  heard.xml.push({
    inputs: inputs.map((i) => ({ number: Number(i.number), title: i.title })),
    program: XmlApi.Inputs.extractProgramInputNumber(doc),
    preview: XmlApi.Inputs.extractPreviewInputNumber(doc),
  });
});
vmix.on("data", (d) => { heard.other.push(String(d)); });
vmix.on("error", (e) => { console.error(String(e)); process.exit(2); });
vmix.on("connect", async () => {
  for (const c of ["SUBSCRIBE TALLY", "SUBSCRIBE ACTS", "TALLY", "ACTS Streaming", "XML"]) {
    await vmix.send(c);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const c of commands) {
    await vmix.send(c);
    await new Promise((r) => setTimeout(r, 150));
  }
  await vmix.send("XML");
  setTimeout(() => {
    process.stdout.write(JSON.stringify(heard) + "\n");
    vmix.shutdown();
    process.exit(0);
  }, 400);
});
setTimeout(() => { console.error("vmix-check: nothing within 10 s"); process.exit(3); }, 10000);
