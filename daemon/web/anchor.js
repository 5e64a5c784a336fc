// The anchor's view: the countdown, the segment, the talking points, the
// cue in words and the ops message, large.
"use strict";

const $ = (id) => document.getElementById(id);

onair.ontick = (c) => {
  $("countdown").textContent = c.text;
  $("countdown").className = "countdown " + (c.state || "normal");
  const v = onair.view;
  if (v && v.cue === "overrun" && c.remaining < 0) $("cue").textContent = onair.say("overrun", v.language) + " " + c.text;
};

// A long message shrinks until it fits below the countdown: it never
// covers the digits the anchor reads.
function fitMessage() {
  const box = $("message");
  for (let vh = 9; vh >= 3; vh -= 0.5) {
    box.style.fontSize = vh + "vh";
    if (box.scrollHeight <= box.clientHeight + 1) break;
  }
}

onair.onview = (v) => {
  const lang = v.language;
  // ON AIR as the lamp says it: the show's phase, or the real stream.
  $("tally").textContent = v.onair ? "ON AIR 直播中" : "OFF AIR";
  $("tally").className = "tally" + (v.onair ? " on" : "");
  // A camera box: the switcher's label for this camera and its tally.
  const cam = v.camera;
  $("camera").hidden = !cam;
  if (cam) {
    $("camera").textContent = (cam.text || (lang === "en" ? "Camera " : "机位 ") + cam.index) +
      (cam.tally === "program" ? " ●" : cam.tally === "preview" ? " ○" : "");
    $("camera").className = "camera " + cam.tally;
  }
  $("segno").textContent = v.segment ? v.segment + " / " + v.segments : "";
  $("clock").textContent = onair.clockText(v, lang);
  $("title").textContent = v.title || v.show;
  $("notes").textContent = v.notes;
  $("next").textContent = v.next_title ? (lang === "en" ? "Next: " : "下一段：") + v.next_title : "";
  $("cue").textContent = onair.say(v.cue, lang);
  $("cue").className = "cue " + onair.colourClass(v);
  $("promo").textContent = v.promo ? (lang === "en" ? "Offer called " : "促销 ") + v.promo.calls + " / " + v.promo.quota : "";
  const m = v.message;
  $("message").hidden = !(m && m.standing);
  if (m && m.standing && $("message-text").textContent !== m.text) {
    $("message-text").textContent = m.text;
    fitMessage();
  }
  $("ack").hidden = !v.anchor_ack;
  const alarms = onair.alarmText(v);
  $("alarms").hidden = !alarms;
  $("alarms").textContent = alarms;
};

$("ack").addEventListener("click", () => fetch("/ack", { method: "POST" }));
window.addEventListener("resize", () => { if (!$("message").hidden) fitMessage(); });
onair.connect();
