// Reads an ATEM switcher with atem-connection (a client onair did not
// write): one JSON line when connected (the product, the inputs' names),
// and one for each tally by source, program or preview input and
// streaming status the switcher sends. Proves the tests' ATEM emulator
// (tests/system/atememu.py) says what it means to.
// Usage: node atem-check.js HOST PORT SECONDS
"use strict";

const { Atem } = require("atem-connection");

const [host, port, seconds] = process.argv.slice(2);
const atem = new Atem({ disableMultithreaded: true });

atem.on("error", (e) => process.stderr.write(`atem-connection: ${e}\n`));
atem.on("connected", () => {
  const s = atem.state;
  const inputs = {};
  for (const [id, input] of Object.entries(s.inputs)) if (input) inputs[id] = input.longName;
  process.stdout.write(JSON.stringify({
    connected: true,
    product: s.info.productIdentifier,
    version: s.info.apiVersion,
    inputs,
  }) + "\n");
});
atem.on("receivedCommands", (cmds) => {
  for (const cmd of cmds) {
    // Decoded by the library from the bytes (the state needs a topology
    // the emulator does not send).
    const name = cmd.constructor.name;
    if (name === "ProgramInputUpdateCommand" || name === "PreviewInputUpdateCommand")
      process.stdout.write(JSON.stringify({ [name.startsWith("Program") ? "program" : "preview"]:
        { me: cmd.mixEffect, source: cmd.properties.source } }) + "\n");
    if (name === "StreamingStatusUpdateCommand")
      process.stdout.write(JSON.stringify({ streaming: cmd.properties.state }) + "\n");
    if (name !== "TallyBySourceCommand") continue;
    const program = [], preview = [];
    for (const [id, t] of Object.entries(cmd.properties)) {
      if (t && t.program) program.push(Number(id));
      if (t && t.preview) preview.push(Number(id));
    }
    process.stdout.write(JSON.stringify({ tally: { program, preview } }) + "\n");
  }
});
atem.on("disconnected", () => process.stdout.write(JSON.stringify({ disconnected: true }) + "\n"));
atem.connect(host, Number(port)).catch((e) => { process.stderr.write(String(e)); process.exit(2); });
setTimeout(() => { atem.disconnect().finally(() => process.exit(0)); }, Number(seconds) * 1000);
