// An outside obs-websocket client (obs-websocket-js from npm, pinned in
// package-lock.json) that drives a real OBS for the source tests: one
// command per stdin line, one JSON line per answer or OBS event on stdout,
// each stamped with the wall clock in ms (the test compares it with when
// onaird's status changed).
// Usage: node obs-ctl.js ws://127.0.0.1:PORT PASSWORD
// Commands: start | stop | scene NAME | studio on|off | preview NAME | quit
'use strict';
const readline = require('readline');
const { OBSWebSocket, EventSubscription } = require('obs-websocket-js');

const [url, password] = process.argv.slice(2);
const obs = new OBSWebSocket();
const say = (o) => process.stdout.write(JSON.stringify({ at: Date.now(), ...o }) + '\n');

for (const ev of ['StreamStateChanged', 'CurrentProgramSceneChanged', 'CurrentPreviewSceneChanged'])
  obs.on(ev, (data) => say({ event: ev, data }));
obs.on('ConnectionClosed', (e) => say({ event: 'closed', code: e.code }));

const commands = {
  start: () => obs.call('StartStream'),
  stop: () => obs.call('StopStream'),
  scene: (name) => obs.call('SetCurrentProgramScene', { sceneName: name }),
  preview: (name) => obs.call('SetCurrentPreviewScene', { sceneName: name }),
  studio: (on) => obs.call('SetStudioModeEnabled', { studioModeEnabled: on === 'on' }),
  status: () => obs.call('GetStreamStatus'),
  quit: async () => { await obs.disconnect(); process.exit(0); },
};

async function main() {
  try {
    await obs.connect(url, password, { eventSubscriptions: EventSubscription.All });
  } catch (e) {
    say({ error: 'connect: ' + e.message });
    process.exit(1);
  }
  say({ ready: true });
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, ...rest] = line.trim().split(' ');
    if (!commands[cmd]) {
      say({ error: 'unknown command ' + cmd });
      continue;
    }
    try {
      const answer = await commands[cmd](rest.join(' '));
      say({ done: cmd, answer: answer || null });
    } catch (e) {
      say({ done: cmd, error: e.message });
    }
  }
}
main();
