// The ops page: step the show, send the anchor a word, see who is there.
// Commands go to POST /cmd in the one command grammar, with the token.
"use strict";

const $ = (id) => document.getElementById(id);
let rundown = [];

const token = () => localStorage.getItem("onair-token") || "";

// Every answer where the thumb is: a bar fixed at the bottom of the screen.
function answer(text, kind) {
  const a = $("answer");
  a.textContent = text;
  a.className = "answer " + kind;
  a.hidden = false;
}

// A link with #token=… (sent to the operator's phone) sets the token; it is
// then kept in this browser and taken out of the address bar. A link must
// not silently replace a token already saved here: it asks.
function tokenFromLink() {
  if (!location.hash.startsWith("#token=")) return;
  const given = decodeURIComponent(location.hash.slice(7));
  history.replaceState(null, "", location.pathname);
  if (token() && token() !== given &&
      !confirm("这个链接带来另一个令牌，替换已保存的吗？ · This link brings another token: replace the one saved here?")) {
    answer("令牌未变 · kept the saved token", "ok");
    return;
  }
  localStorage.setItem("onair-token", given);
  answer("令牌已保存 · token saved", "ok");
  drawLookOnly();
}

let boxHasToken = true;
function drawLookOnly() {
  const why = !boxHasToken ? "只读：这台盒子没有设置令牌 · Look only: the box has no web.token_file"
    : !token() ? "只读：这部手机没有保存令牌（向技术要 #token= 链接）· Look only: no token saved on this phone (ask for the #token= link)"
    : "";
  $("lookonly").textContent = why;
  $("lookonly").hidden = !why;
}

async function send(line) {
  let r, answerBody = {};
  try {
    r = await fetch("/cmd", { method: "POST", body: line,
      headers: { "Authorization": "Bearer " + token(), "Content-Type": "text/plain; charset=utf-8" } });
    try { answerBody = await r.json(); } catch (e) { answerBody = { error: r.statusText }; }
  } catch (e) {
    answer("✗ " + line + ": 连接不到盒子 · the box did not answer", "refused");
    return false;
  }
  if (r.ok) answer("✓ " + line + (answerBody.warning ? " (" + answerBody.warning + ")" : ""), "ok");
  else answer("✗ " + line + ": " + (answerBody.error || r.status), "refused");
  return r.ok;
}

// While live, End and a jump in the rundown (where a thumb scrolls) act on
// the second tap within 3 s; the first arms and says so.
let armed = null;
function liveGuard(key, element, line, warn) {
  const v = onair.view;
  if (!v || (v.state !== "live" && v.state !== "hold" && v.state !== "preroll")) { disarm(); return send(line); }
  if (armed && armed.key === key && Date.now() - armed.at < 3000) { disarm(); return send(line); }
  disarm();
  armed = { key, at: Date.now(), element };
  element.classList.add("armed");
  answer(warn, "armed");
  setTimeout(() => { if (armed && armed.key === key) disarm(); }, 3000);
  return Promise.resolve(false);
}
function disarm() {
  if (armed && armed.element) armed.element.classList.remove("armed");
  armed = null;
}

tokenFromLink();
window.addEventListener("hashchange", tokenFromLink);

function drawRundown(v) {
  const ol = $("rundown");
  ol.textContent = "";
  rundown.forEach((s, i) => {
    const li = document.createElement("li");
    li.textContent = s.title + " (" + onair.format(Math.round(s.planned_ms / 1000)) + ")";
    li.className = i + 1 === v.segment ? "current" : i + 1 < v.segment ? "done" : "";
    li.addEventListener("click", () => liveGuard("goto " + (i + 1), li, "goto " + (i + 1),
      "再按一次跳到第 " + (i + 1) + " 段 · Tap again to go to " + (i + 1) + ": " + s.title));
    ol.appendChild(li);
  });
}

onair.ontick = (c) => {
  $("countdown").textContent = c.text;
  $("countdown").className = c.state || "normal";
};

onair.onview = (v) => {
  const alarms = onair.alarmText(v);
  $("alarms").hidden = !alarms;
  $("alarms").textContent = alarms;
  $("tally").textContent = v.onair ? "ON AIR" : "OFF AIR";
  $("tally").className = "tally" + (v.onair ? " on" : "");
  $("cue").textContent = onair.say(v.cue, v.language);
  $("cue").className = onair.colourClass(v);
  $("title").textContent = (v.segment ? v.segment + "/" + v.segments + " " : "") + (v.title || v.show);
  $("clock").textContent = onair.clockText(v, v.language);
  $("hold").textContent = v.state === "hold" ? "继续 Resume" : "暂停 Hold";
  boxHasToken = v.ops_token;
  drawLookOnly();
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
  b.addEventListener("click", () => b.id === "end"
    ? liveGuard("end", b, "end", "再按一次结束直播 · Tap End again to end the show")
    : (disarm(), send(b.dataset.cmd))));
$("say-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("say-text").value.trim();
  if (text) send("say " + text).then((ok) => { if (ok) $("say-text").value = ""; });
});
$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  localStorage.setItem("onair-token", $("token").value);
  $("token").value = "";
  answer("令牌已保存 · token saved", "ok");
  drawLookOnly();
});
fetch("/view.json").then((r) => r.json()).then((v) => { rundown = v.rundown || []; drawRundown(v); });
onair.connect();
