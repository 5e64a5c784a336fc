// The floor of a live base: one tile per room, trouble on top (the box
// sorts them), the countdown run here between fetches of /floor.json.
"use strict";

const WORDS = {
  unreachable: "失联 Unreachable",
  stream: "推流中断 Stream down",
  box_offline: "设备离线 Box offline",
  device_missing: "设备缺失 Device missing",
  overrun: "超时 Overrun",
  selftest: "自检失败 Self-test failed",
  message: "消息未确认 Message not acknowledged",
  silence: "麦克风无声 Mic silent",
  clipping: "声音爆音 Audio clipping",
  dead_channel: "单声道无声 One channel dead",
  dc_offset: "音频直流偏移 Audio DC offset",
  loudness_low: "声音太小 Too quiet",
  loudness_high: "声音太大 Too loud",
  audio_lost: "音频输入断开 Audio input lost",
  stream_struggling: "推流卡顿 Stream struggling",
};
const PHASES = { standby: "待机 Standby", preroll: "倒数 Preroll", live: "直播 Live", hold: "暂停 Hold", ended: "结束 Ended" };
let rooms = [], fetchedAt = 0, failing = false;

function clock(ms) {
  const over = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
  const m = Math.floor(s / 60), r = String(s % 60).padStart(2, "0");
  return (over ? "+" : "") + m + ":" + r;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function draw() {
  const main = document.getElementById("rooms");
  const elapsed = Date.now() - fetchedAt;
  main.replaceChildren();
  for (const r of rooms) {
    const tile = el("section", "room " + (r.trouble.length ? "trouble" : r.phase === "live" ? "live" : "quiet"));
    tile.dataset.studio = r.studio;
    const head = el("div", "head");
    head.append(el("b", "studio", r.studio), el("span", "phase", PHASES[r.phase] || r.phase || "?"));
    tile.append(head);
    tile.append(el("div", "show", r.title || r.show || ""));
    let left = "";
    if (typeof r.remaining_ms === "number") left = clock(r.remaining_ms - (r.phase === "live" ? elapsed : 0));
    else if (r.display) left = r.display;
    const count = el("div", "count" + (left.startsWith("+") ? " over" : ""), left);
    count.dataset.role = "countdown";
    tile.append(count);
    const meta = [];
    if (r.stream) meta.push("流 " + r.stream);
    if (r.boxes) meta.push(`${r.boxes - r.boxes_offline}/${r.boxes} 设备`);
    if (r.selftest) meta.push("自检 " + r.selftest);
    if (typeof r.last_heard_s === "number") meta.push(Math.round(r.last_heard_s + elapsed / 1000) + " s");
    tile.append(el("div", "meta", meta.join(" · ")));
    for (const t of r.trouble) tile.append(el("div", "alarm", WORDS[t] || t));
    main.append(tile);
  }
  document.getElementById("count").textContent = rooms.length + " 间";
  document.getElementById("clock").textContent = new Date().toLocaleTimeString();
  document.getElementById("lost").hidden = !failing;
}

async function fetchRooms() {
  try {
    const r = await fetch("/floor.json", { cache: "no-store" });
    const j = await r.json();
    rooms = j.rooms;
    fetchedAt = Date.now();
    failing = false;
  } catch (e) {
    failing = true;
  }
  draw();
}

fetchRooms();
setInterval(fetchRooms, 1000);
setInterval(draw, 250);
