// The ops page: step the show, send the anchor a word, see who is there.
// Commands go to POST /cmd in the one command grammar, with the token.
"use strict";

const $ = (id) => document.getElementById(id);
let rundown = [];

const token = () => localStorage.getItem("onair-token") || "";
// A link with #token=… (sent to the operator's phone) sets the token once;
// it is then kept in this browser and taken out of the address bar.
function tokenFromLink() {
  if (location.hash.startsWith("#token=")) {
    localStorage.setItem("onair-token", decodeURIComponent(location.hash.slice(7)));
    history.replaceState(null, "", location.pathname);
    $("result").textContent = "token saved";
  }
}
tokenFromLink();
window.addEventListener("hashchange", tokenFromLink);

async function send(line) {
  const r = await fetch("/cmd", { method: "POST", body: line,
    headers: { "Authorization": "Bearer " + token(), "Content-Type": "text/plain; charset=utf-8" } });
  let answer = {};
  try { answer = await r.json(); } catch (e) { answer = { error: r.statusText }; }
  $("result").textContent = r.ok ? "✓ " + line : "✗ " + line + ": " + (answer.error || r.status);
  return r.ok;
}

function drawRundown(v) {
  const ol = $("rundown");
  ol.textContent = "";
  rundown.forEach((s, i) => {
    const li = document.createElement("li");
    li.textContent = s.title + " (" + onair.format(Math.round(s.planned_ms / 1000)) + ")";
    li.className = i + 1 === v.segment ? "current" : i + 1 < v.segment ? "done" : "";
    li.addEventListener("click", () => send("goto " + (i + 1)));
    ol.appendChild(li);
  });
}

onair.ontick = (c) => { $("countdown").textContent = c.text; };

onair.onview = (v) => {
  $("tally").textContent = v.onair ? "ON AIR" : "OFF AIR";
  $("tally").className = "tally" + (v.onair ? " on" : "");
  $("cue").textContent = onair.say(v.cue, v.language);
  $("cue").className = onair.colourClass(v);
  $("title").textContent = (v.segment ? v.segment + "/" + v.segments + " " : "") + (v.title || v.show);
  $("clock").textContent = onair.clockText(v, v.language);
  const m = v.message;
  $("message-state").textContent = !m ? "" : m.standing ? "⏳ " + m.text + " — 未确认 not yet seen"
    : m.acked ? "✓ " + m.text + " — 已确认 seen " + m.acked.slice(11, 19) : "✗ " + m.text + " — 过期 expired";
  const canned = $("canned");
  if (canned.childElementCount !== v.canned.length) {
    canned.textContent = "";
    v.canned.forEach((c) => {
      const b = document.createElement("button");
      b.textContent = c.text;
      b.addEventListener("click", () => send("say --canned " + c.key));
      canned.appendChild(b);
    });
  }
  const node = v.node ? v.node.name + " (" + v.node.role + ", " + (v.node.connected ? "connected" : "no broker") + ")" : "";
  $("presence").textContent = node + " " + v.devices.map((d) => d.name + (d.present ? " ✓" : " ✗")).join("  ");
  drawRundown(v);
};

document.querySelectorAll("button[data-cmd]").forEach((b) =>
  b.addEventListener("click", () => send(b.dataset.cmd)));
$("say-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("say-text").value.trim();
  if (text) send("say " + text).then((ok) => { if (ok) $("say-text").value = ""; });
});
$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  localStorage.setItem("onair-token", $("token").value);
  $("token").value = "";
  $("result").textContent = "token saved";
});
fetch("/view.json").then((r) => r.json()).then((v) => { rundown = v.rundown || []; drawRundown(v); });
onair.connect();
