// The web figures for make bench, in Debian's chromium: command → anchor
// page changed (the page's own observer and this script share the clock),
// the page's seconds against the box's display moments, and what 20 open
// anchor views cost the daemon (memory, wake-ups). Prints one JSON object.
// Usage: node bench.js BUILD SRC [ROUNDS]
"use strict";

const { spawn, execFileSync } = require("child_process");
const fs = require("fs");
const net = require("net");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

const [build, src, roundsArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg || 200);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function rssKiB(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "onair-webbench-"));
  const port = await freePort();
  const sock = path.join(tmp, "onaird.sock");
  const show = path.join(tmp, "show.conf");
  fs.writeFileSync(show, "[show]\npreroll = 0\n" + Array.from({ length: 4 }, (_, i) => `segment = 30:00 | s${i}\n`).join(""));
  const daemon = spawn(path.join(build, "onaird"), ["-c", show, "--state-dir", tmp, "--socket", sock,
    "-o", "device.console.mode=lines", "-o", `web.listen=127.0.0.1:${port}`,
    "-o", `web.root=${path.join(src, "daemon", "web")}`], { stdio: "ignore" });
  const ctl = (...args) => execFileSync(path.join(build, "onairctl"), args, { env: { ...process.env, ONAIR_SOCKET: sock } }).toString();
  const wakeups = () => JSON.parse(ctl("status", "--json")).wakeups;
  for (let i = 0; i < 100; i++) {
    if (fs.existsSync(sock)) { try { ctl("ping"); break; } catch (e) { /* not yet */ } }
    await sleep(50);
  }
  const browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + path.join(tmp, "chromium")] });
  const out = {};
  try {
    // 20 views in standby: memory and wake-ups against none.
    const idleFor = async (ms) => { const w0 = wakeups(); await sleep(ms); return (wakeups() - w0 - 1) / (ms / 1000); };
    const rss0 = rssKiB(daemon.pid);
    out.wake_standby_0 = await idleFor(5000);
    const pages = [];
    // Each its own context: a browser keeps 6 connections per host, and
    // 20 views are 20 screens in a studio, not 20 tabs of one.
    for (let i = 0; i < 20; i++) {
      const p = await (await browser.createBrowserContext()).newPage();
      await p.goto(`http://127.0.0.1:${port}/`, { waitUntil: "load" });
      pages.push(p);
    }
    await sleep(1500);
    out.rss_added_20_views = rssKiB(daemon.pid) - rss0;
    out.wake_standby_20 = await idleFor(5000);
    ctl("next");
    await sleep(500);
    out.wake_counting_20 = await idleFor(5000);
    for (const p of pages.slice(1)) await p.close();
    await sleep(500);
    const page = pages[0];
    await page.bringToFront();
    out.wake_counting_1 = await idleFor(5000);

    // Command → the page's cue word changed, hold-toggle after hold-toggle.
    await page.evaluate(() => {
      window.changes = [];
      new MutationObserver(() => window.changes.push(Date.now()))
        .observe(document.getElementById("cue"), { childList: true, characterData: true, subtree: true });
    });
    const latencies = [];
    for (let i = 0; i < ROUNDS; i++) {
      const before = await page.evaluate(() => window.changes.length);
      const t0 = Date.now();
      ctl("hold-toggle");
      await page.waitForFunction((n) => window.changes.length > n, { timeout: 3000, polling: 20 }, before);
      latencies.push((await page.evaluate((n) => window.changes[n], before)) - t0);
    }
    if (JSON.parse(ctl("status", "--json")).state === "hold") ctl("resume");
    out.cmd_to_page = { p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), max: Math.max(...latencies), n: latencies.length };

    // The page's seconds against the box's display: the box changes its
    // text on the exact second before segment_end (its countdown accuracy is
    // measured on its own); the page's observer times each change.
    await page.evaluate(() => {
      window.ticks = [];
      new MutationObserver(() => window.ticks.push([Date.now(), document.getElementById("countdown").textContent]))
        .observe(document.getElementById("countdown"), { childList: true, characterData: true, subtree: true });
    });
    const seconds = Math.max(10, Math.min(60, ROUNDS / 4));
    await sleep(seconds * 1000);
    const end = JSON.parse(ctl("status", "--json"));
    const endMs = Date.parse(end.segment_end);
    const ticks = await page.evaluate(() => window.ticks);
    const skews = ticks.map(([t]) => {
      const boundary = endMs - Math.ceil((endMs - t) / 1000) * 1000;
      const next = boundary + 1000;
      return Math.min(Math.abs(t - boundary), Math.abs(t - next));
    });
    out.page_vs_display = { p50: pct(skews, 0.5), p99: pct(skews, 0.99), max: Math.max(...skews), n: skews.length };
  } finally {
    await browser.close();
    daemon.kill("SIGTERM");
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
