/**
 * In-browser recording at 720p/30: the app's compositor (4 camera tiles + a shared screen with a stroke), audio mix
 * and MediaRecorder (start(1000)) writing every chunk into IndexedDB, in real Chromium (fake camera and microphone).
 * Spans: a baseline without recording, ~12 s with the page in front, ~12 s with another page brought to front, a
 * few seconds in front again. For each: the compositor's frame rate, skipped ticks and longest gap between draws; the
 * main thread's longest stall (5 ms timer lateness, long tasks) while chunks are written; and the frame rate of the
 * recorded file over the span (ffprobe). Also checks that the call's own camera and microphone are still live after.
 * Run: npm run bench:recording [-- <seconds per span>]. CLOCK=timer: the compositor's page-timer fallback instead of
 * its worker clock; TYPE=vp8: record only a type containing "vp8" (or any other part of a type); DRIVER=playwright: through Playwright as the e2e tests are (the page is never really hidden);
 * HEADFUL=1 (under `xvfb-run -a`): a browser with a window instead of headless; RECORDING_FILE=<path> keeps the file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page as PlaywrightPage } from 'playwright-core';
import { LAUNCH_ARGS, launchBrowser } from '../test/support/browser.ts';
import { waitUntil } from '../test/support/poll.ts';
import { CdpBrowser } from '../test/support/cdpTabs.ts';
import { framesPerSecond, videoFrameTimes } from '../test/support/mediaProbe.ts';
import { serveRecordingPage } from '../test/support/recordingPage.ts';

const SPAN_S = Number(process.argv[2] ?? 12);
const outDir = mkdtempSync(join(tmpdir(), 'huddle-recording-bench-'));
/** utime + stime of `root` and every process below it, from /proc (Linux). */
function processTreeCpuSeconds(root: number): number {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => {
      try {
        // Fields after the command name (which may hold spaces) start at ") ": state, ppid, … utime (14), stime (15).
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return { pid: Number(pid), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
      } catch {
        return null; // gone meanwhile
      }
    })
    .filter((stat) => stat !== null);
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const stat of stats) {
      if (tree.has(stat.ppid) && !tree.has(stat.pid)) {
        tree.add(stat.pid);
        grew = true;
      }
    }
  }
  return stats.filter((stat) => tree.has(stat.pid)).reduce((sum, stat) => sum + stat.ticks, 0) / 100; // USER_HZ
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const served = await serveRecordingPage();
const url = served.url;

type Figures = {
  elapsedMs: number;
  compositorFps: number;
  ticksSkipped: number;
  longestGapMs: number;
  longestDrawMs: number;
  meanDrawMs: number;
  tickSource: string | null;
  timerMaxLateMs: number;
  timerMaxLateDuringPutMs: number;
  timerLateOver50: number;
  longTasks: number;
  longestTaskMs: number;
  chunkPuts: number;
  longestPutMs: number;
  visibility: string;
};
type Bench = {
  setup(): Promise<void>;
  start(): Promise<string | undefined>;
  mark(): Figures;
  stop(): Promise<{ meta: { mimeType: string; chunks: number; bytes: number; durationMs: number }; originals: { kind: string; readyState: string; enabled: boolean }[] }>;
  file(): Promise<string>;
};
/** What the bench needs of a tab, from either driver. */
type Tab = { evaluate<T>(expression: string): Promise<T>; bringToFront(): Promise<void> };
const call = <K extends keyof Bench>(tab: Tab, method: K) => tab.evaluate<Awaited<ReturnType<Bench[K]>>>(`window.bench.${method}()`);

/*
 * DRIVER=playwright: as the e2e tests run (another page brought to front; Playwright keeps the page visible and
 * unthrottled). Otherwise Chromium over DevTools directly, where the page behind another tab is really hidden.
 */
const executable = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const viaPlaywright = process.env.DRIVER === 'playwright';
// CLOCK=timer: the page-timer fallback; TYPE=vp8 (or another word of the type): only types containing it.
const query = new URLSearchParams();
if (process.env.CLOCK === 'timer') query.set('clock', 'timer');
if (process.env.TYPE) query.set('type', process.env.TYPE);
const pageUrl = `${url}?${query}`;
/** CPU seconds used so far by the browser and all its processes (over DevTools only: Playwright hides the pid). */
let cpuSeconds: () => number | null = () => null;
let page: Tab;
let openOther: () => Promise<Tab>;
let version: string;
let closeBrowser: () => Promise<void>;
if (viaPlaywright) {
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const wrap = (playwrightPage: PlaywrightPage): Tab => ({
    evaluate: (expression) => playwrightPage.evaluate(expression),
    bringToFront: () => playwrightPage.bringToFront(),
  });
  const first = await context.newPage();
  await first.goto(pageUrl);
  page = wrap(first);
  openOther = async () => wrap(await context.newPage());
  version = `${browser.version()} via Playwright`;
  closeBrowser = () => browser.close();
} else {
  const browser = await CdpBrowser.launch(executable, LAUNCH_ARGS, { headless: process.env.HEADFUL !== '1' });
  page = await browser.open(pageUrl);
  openOther = () => browser.open('about:blank');
  version = `${await browser.version()} over DevTools`;
  if (browser.pid !== undefined) cpuSeconds = () => processTreeCpuSeconds(browser.pid!);
  closeBrowser = () => browser.close();
}
try {
  await waitUntil(async () => (await page.evaluate<string>('document.title')) === 'bench ready', 'the bench page', 30_000);
  await call(page, 'setup');
  await sleep(2000);
  await call(page, 'mark');
  let cpuAt = cpuSeconds();
  /** Cores the browser used since the previous call (CPU seconds over wall seconds). */
  const coresSince = (elapsedMs: number) => {
    const now = cpuSeconds();
    const cores = now === null || cpuAt === null ? null : (now - cpuAt) / (elapsedMs / 1000);
    cpuAt = now;
    return cores;
  };
  await sleep(5000);
  const baseline = await call(page, 'mark');
  const baselineCores = coresSince(baseline.elapsedMs);

  const problem = await call(page, 'start');
  if (problem) throw new Error(`recording did not start: ${problem}`);
  const spans: { name: string; figures: Figures; fromMs: number; toMs: number; cores: number | null }[] = [];
  let at = 0;
  const span = async (name: string, seconds: number) => {
    await sleep(seconds * 1000);
    const figures = await call(page, 'mark');
    spans.push({ name, figures, fromMs: at, toMs: at + figures.elapsedMs, cores: coresSince(figures.elapsedMs) });
    at += figures.elapsedMs;
  };
  await call(page, 'mark');
  cpuAt = cpuSeconds();
  await span('start-up (first 2 s)', 2);
  await span('in front', SPAN_S);
  const other = await openOther();
  await other.bringToFront();
  await span('background', SPAN_S);
  await page.bringToFront();
  await span('in front again', 3);
  const stopped = await call(page, 'stop');

  const file = join(outDir, 'recording.webm');
  writeFileSync(file, Buffer.from(await call(page, 'file'), 'base64'));
  if (process.env.RECORDING_FILE) copyFileSync(file, process.env.RECORDING_FILE); // to look at it afterwards
  const streams = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height', '-of', 'csv=p=0', file]).toString().trim();
  const times = (await videoFrameTimes(file)).filter((time) => time > 0);
  // The file's clock starts at the recorder's start (≈ the first span's start); up to a second is trimmed at each edge.
  const fileFps = (fromMs: number, toMs: number) => {
    const trim = Math.min(1, (toMs - fromMs) / 4000);
    const from = fromMs / 1000 + trim;
    const to = toMs / 1000 - trim;
    return framesPerSecond(times, from, to);
  };
  const fileGapMs = (fromMs: number, toMs: number) => {
    const inside = times.filter((time) => time >= fromMs / 1000 && time < toMs / 1000);
    return Math.max(0, ...inside.slice(1).map((time, index) => (time - inside[index]!) * 1000));
  };

  // Whether the pictures inside the recording kept moving: ffmpeg's freezedetect over the large picture and over the
  // thumbnail strip (the fake cameras change every frame), as seconds frozen within each span.
  const freezes = (crop: string): [number, number][] => {
    const result = spawnSync('ffmpeg', ['-v', 'info', '-i', file, '-map', '0:v', '-vf', `crop=${crop},freezedetect=n=0.0005:d=0.3`, '-f', 'null', '-']);
    const log = String(result.stderr);
    const starts = [...log.matchAll(/freeze_start: ([\d.]+)/g)].map((match) => Number(match[1]));
    const ends = [...log.matchAll(/freeze_end: ([\d.]+)/g)].map((match) => Number(match[1]));
    return starts.map((start, index) => [start, ends[index] ?? Infinity]);
  };
  const mainFreezes = freezes('1024:720:0:0');
  const stripFreezes = freezes('256:720:1024:0');
  const frozenIn = (list: [number, number][], fromMs: number, toMs: number) =>
    list.reduce((sum, [start, end]) => sum + Math.max(0, Math.min(end, toMs / 1000) - Math.max(start, fromMs / 1000)), 0);

  const row = (name: string, f: Figures, cores: number | null, file: string, gap: string, still = '–') =>
    `| ${name} | ${f.visibility} | ${cores === null ? '–' : cores.toFixed(2)} | ${f.compositorFps.toFixed(1)} | ${f.ticksSkipped} | ${f.longestGapMs.toFixed(0)} | ` +
    `${f.meanDrawMs.toFixed(1)} / ${f.longestDrawMs.toFixed(0)} | ${f.visibility === 'hidden' ? 'throttled' : `${f.timerMaxLateMs.toFixed(0)} / ${f.timerMaxLateDuringPutMs.toFixed(0)}`} | ${f.longTasks} (${f.longestTaskMs.toFixed(0)}) | ` +
    `${f.chunkPuts} (${f.longestPutMs.toFixed(0)}) | ${file} | ${gap} | ${still} |`;
  const lines = [
    `Chromium ${version}, ${stopped.meta.mimeType}, ${stopped.meta.chunks} chunks, ${(stopped.meta.bytes / 1e6).toFixed(1)} MB, ` +
      `${(stopped.meta.durationMs / 1000).toFixed(1)} s recorded; clock: ${spans[0]?.figures.tickSource}; streams: ${streams.replace(/\n/g, '; ')}`,
    '',
    '| span | page | browser CPU cores | compositor fps | ticks skipped | longest draw gap ms | draw ms mean / max | 5 ms timer max late ms: all / during a chunk write | long tasks (longest ms) | chunk puts (longest ms) | file fps | file longest frame gap ms | file frozen s: large / thumbnails |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    row('baseline: media playing, not recording', baseline, baselineCores, '–', '–'),
    ...spans.map((s) =>
      row(
        s.name,
        s.figures,
        s.cores,
        fileFps(s.fromMs, s.toMs).toFixed(1),
        fileGapMs(s.fromMs, s.toMs).toFixed(0),
        `${frozenIn(mainFreezes, s.fromMs, s.toMs).toFixed(1)} / ${frozenIn(stripFreezes, s.fromMs, s.toMs).toFixed(1)}`,
      ),
    ),
    '',
    `After stop, the call's own tracks: ${stopped.originals.map((track) => `${track.kind} ${track.readyState}${track.enabled ? ' enabled' : ' disabled'}`).join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const background = spans.find((s) => s.name === 'background')!;
  const backgroundFileFps = fileFps(background.fromMs, background.toMs);
  if (backgroundFileFps < 25) process.stdout.write(`WARNING: the file has ${backgroundFileFps.toFixed(1)} fps in the background (< 25)\n`);
  if (stopped.originals.some((track) => track.readyState !== 'live' || !track.enabled)) {
    process.stdout.write('WARNING: stopping the recording ended or disabled a call track\n');
    process.exitCode = 1;
  }
} finally {
  await closeBrowser();
  served.close();
  rmSync(outDir, { recursive: true, force: true });
}
