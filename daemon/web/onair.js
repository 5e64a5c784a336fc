// What both pages share: the link to the box (Server-Sent Events, and "lost"
// after 3 s of silence), the countdown counted here from the box's
// wall-clock anchor (as a follower box does), and the cue in words.
"use strict";

const onair = {
  view: null,
  offset: 0,          // the box's clock minus this one, ms
  heard: 0,           // when the box was last heard (this clock)
  onview: () => {},
  ontick: () => {},
};

// The cue light's meanings in words (docs/cues.md).
onair.words = {
  idle: ["待机", "Idle"], scheduled: ["等待开播", "Scheduled"], late: ["开播晚了", "Late start"],
  preroll: ["即将开播", "Going live"], live: ["直播中", "Live"], promo: ["喊促销", "Call the offer"],
  interaction: ["互动时间到", "Interaction now"], interaction_closing: ["马上互动", "Interact now!"],
  push: ["逼单", "Push orders"], wrapup: ["准备收尾", "Wrap up"], danger: ["马上结束", "Finish now"],
  overrun: ["超时", "Overrun"], hold: ["暂停", "Hold"], standby: ["准备", "Standby"],
  acked: ["已准备", "Ready"], go: ["开始", "GO"], attention: ["看导播", "Look at ops"],
  ended: ["已下播", "Ended"], link_lost: ["网络断开", "Link lost"], stale: ["主控无响应", "Leader silent"],
  refused: ["未执行", "Refused"], storage: ["存储故障", "Storage fault"], message: ["新消息", "Message"],
  stream_down: ["推流中断", "Stream down"], stream_live: ["已在推流", "Stream is live"],
  stream_unknown: ["推流状态未知", "Stream unknown"],
  // The audio watch's alarms (docs/watch.md), as the anchor reads them.
  silence: ["麦克风无声", "Mic silent"], clipping: ["声音爆音", "Audio clipping"],
  dead_channel: ["单声道无声", "One channel dead"], dc_offset: ["音频直流偏移", "Audio DC offset"],
  loudness_low: ["声音太小", "Too quiet"], loudness_high: ["声音太大", "Too loud"],
  audio_lost: ["音频输入断开", "Audio input lost"],
  stream_struggling: ["推流卡顿", "Stream struggling"],
};

// The alarms standing now, in words, or "" when none.
onair.alarmText = (v) => (v.alarms || []).map((a) => onair.say(a, v.language)).join(" · ");

onair.say = (key, language) => {
  const w = onair.words[key] || [key, key];
  return language === "zh" ? w[0] : language === "en" ? w[1] : w[0] + " " + w[1];
};

// The box's rounding (core/cue.c): up while positive, toward zero past it.
onair.shownSeconds = (remaining) =>
  remaining > 0 ? Math.ceil(remaining / 1000) : -Math.floor(-remaining / 1000);

// Past zero a figure is time over, written "+0:09" wherever it shows (the
// countdown, the cue line, docs/web.md): a minus reads as time left.
onair.format = (secs) => {
  const a = Math.abs(secs), two = (n) => String(n).padStart(2, "0");
  const over = secs < 0 ? "+" : "";
  if (a >= 3600) return over + Math.floor(a / 3600) + ":" + two(Math.floor(a / 60) % 60);
  if (secs < 0) return over + Math.floor(a / 60) + ":" + two(a % 60);
  return two(Math.floor(a / 60)) + ":" + two(a % 60);
};

onair.boxNow = () => Date.now() + onair.offset;

// The figure the box's display shows now, and when it next changes.
onair.countdown = () => {
  const v = onair.view;
  if (!v) return { text: "--:--", next: 1000 };
  let end = 0;
  if (v.aux_end_ms) end = v.aux_end_ms;
  else if (v.state === "preroll") end = v.preroll_end_ms;
  else if (v.state === "live" && v.segment_end_ms) end = v.segment_end_ms;
  if (!end || /^P/.test(v.display)) return { text: v.display, next: 1000 };
  const left = end - onair.boxNow();
  let remaining = left;
  if (remaining < 0 && (!v.counts_negative || v.aux_end_ms || v.state === "preroll")) remaining = 0;
  const secs = onair.shownSeconds(remaining);
  const next = remaining > 0 ? remaining - (secs - 1) * 1000 : 1000 - ((-remaining) % 1000);
  return { text: onair.format(secs), next: Math.max(5, next), remaining, state: onair.countdownState(v, left) };
};

// What the digits say at a glance, on the second they count (the cue
// light turns on the same marks): normal, wrapup, danger, overrun.
onair.countdownState = (v, left) => {
  if (v.state !== "live" || v.aux_end_ms || !v.segment_end_ms) return "normal";
  if (left <= 0) return "overrun";
  if (left <= v.danger_ms) return "danger";
  if (left <= v.wrapup_ms) return "wrapup";
  return "normal";
};

onair.tick = () => {
  const c = onair.countdown();
  onair.ontick(c);
  clearTimeout(onair.timer);
  onair.timer = setTimeout(onair.tick, c.next + 2);
};

onair.connect = () => {
  const lost = document.getElementById("lost");
  const since = document.getElementById("lost-since");
  const two = (n) => String(n).padStart(2, "0");
  // Lost says since when (this screen's clock), so a glance tells a blip
  // from a box that has been gone for minutes.
  const showLost = () => {
    if (!lost.hidden) return;
    const t = new Date();
    const hms = two(t.getHours()) + ":" + two(t.getMinutes()) + ":" + two(t.getSeconds());
    if (since) since.textContent = "自 " + hms + " 起 · since " + hms;
    lost.hidden = false;
  };
  const heard = (boxNow) => {
    onair.heard = Date.now();
    if (boxNow) onair.offset = boxNow - Date.now();
    lost.hidden = true;
  };
  const es = new EventSource("/events");
  es.addEventListener("view", (e) => {
    onair.view = JSON.parse(e.data);
    heard(onair.view.now_ms);
    onair.onview(onair.view);
    onair.tick();
  });
  es.addEventListener("beat", (e) => heard(JSON.parse(e.data).now_ms));
  // A closed connection (the box restarting, its daemon gone) says so at once;
  // EventSource reconnects by itself.
  es.addEventListener("error", showLost);
  // A stale view must never look live: two beats missed (2.5 s) and it says
  // so, within 3 s of the box going quiet.
  setInterval(() => {
    if (Date.now() - onair.heard > 2500) showLost();
  }, 250);
};

onair.colourClass = (v) => "cue-" + ((v.lamp_colours && v.lamp_colours.cue) || "white") +
  (v.lamps && v.lamps.cue === "fast" ? " flash" : "");

onair.clockText = (v, language) => {
  if (v.offset_ms === null || v.offset_ms === undefined) return "";
  const secs = Math.round(Math.abs(v.offset_ms) / 1000);
  if (secs < 30) return language === "en" ? "on time" : language === "zh" ? "准时" : "准时 on time";
  const t = onair.format(secs);
  const behind = v.offset_ms > 0;
  const zh = (behind ? "慢 " : "快 ") + t, en = t + (behind ? " behind" : " ahead");
  return language === "en" ? en : language === "zh" ? zh : zh + " · " + en;
};
