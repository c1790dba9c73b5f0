/**
 * How many consumers the SFU forwards to at < 1 % loss, side by side in one run (figures move 15–20 % between
 * runs here, so they are compared within a run): raw mediasoup on one worker, the project's rooms code on one
 * worker, and one room over two workers; then upload per peer in a mesh against the SFU, and real Chromium
 * clients on top of a synthetic load (loadChromiumRun.ts). Senders are ffmpeg replaying a pre-encoded VP8 clip over
 * RTP; receivers are PlainTransports sending into a UDP sink in its own process (every 8th is read and counted,
 * the rest go to sockets nobody reads: see loadProcesses.ts). Everything on loopback and bounded in time; every
 * process it starts is killed on exit. Writes bench/load-results.json and the plot bench/load.svg.
 * Run: npm run bench:load [-- <all|synthetic|chromium|plot> [<budget s, default 600>]]   (takes the shared e2e lock)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumPart, type ChromiumResults } from './loadChromiumRun.ts';
import { plotSvg, type UploadPoint } from './loadPlot.ts';
import { ensureClip, killChildren, startDrain } from './loadProcesses.ts';
import { ramp, type Ramp, type RampOptions } from './loadRamp.ts';
import { projectTarget, rawTarget, type LoadTarget } from './loadTargets.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(here, 'load-results.json');
const PLOT = path.join(here, 'load.svg');
const part = process.argv[2] ?? 'all';
const budgetMs = Number(process.argv[3] ?? 600) * 1000;
const started = Date.now();

type SyntheticResults = { date: string; ramps: Ramp[]; ratios: Record<string, number>; todo: string[] };
type AllResults = { synthetic?: SyntheticResults; chromium?: ChromiumResults };

/** What the Chromium part needs: six mesh sizes, two SFU calls, the pages under load. */
const CHROMIUM_MS = 230_000;
const COMMON = { sampleEvery: 8, warmupMs: 4_000, windowMs: 6_000 };

async function rampTarget(make: () => Promise<LoadTarget>, options: Omit<RampOptions, 'deadline'>, deadline: number, drainPorts: number[]): Promise<Ramp> {
  const target = await make();
  process.stdout.write(`${target.name}\n`);
  try {
    return await ramp(target, drainPorts, { ...options, deadline });
  } finally {
    await target.close();
  }
}

async function synthetic(clip: string, drainPorts: number[], deadline: number): Promise<SyntheticResults> {
  const share = (deadline - Date.now()) / 4;
  const oneWorker = { ...COMMON, start: 800, step: 200, max: 4_800 };
  const twoWorkers = { ...COMMON, start: 1_600, step: 400, max: 9_600 };
  const raw = await rampTarget(() => rawTarget(clip, 1), oneWorker, Date.now() + share, drainPorts);
  const project = await rampTarget(() => projectTarget(clip, 1), oneWorker, Date.now() + share, drainPorts);
  const rawTwo = await rampTarget(() => rawTarget(clip, 2), twoWorkers, Date.now() + share, drainPorts);
  const ramps = [raw, project, rawTwo];
  const ratios: Record<string, number> = {
    'project ÷ raw (1 worker)': project.limit / Math.max(1, raw.limit),
    'raw: 2 workers ÷ 1 worker': rawTwo.limit / Math.max(1, raw.limit),
  };
  const todo: string[] = [];
  // The project's room over two workers, where the rooms code can spread one room (issue 11 item 2): its peers
  // land on the least loaded worker by themselves (loadTargets.ts routerFor follows them).
  const projectTwo = await projectTarget(clip, 2);
  if (projectTwo.spread) {
    process.stdout.write(`${projectTwo.name}\n`);
    try {
      ramps.push(await ramp(projectTwo, drainPorts, { ...twoWorkers, deadline }));
    } finally {
      await projectTwo.close();
    }
    ratios['project: 2 workers ÷ 1 worker'] = ramps[3]!.limit / Math.max(1, project.limit);
    ratios['project ÷ raw (2 workers)'] = ramps[3]!.limit / Math.max(1, rawTwo.limit);
  } else {
    await projectTwo.close();
    todo.push("the project's own room over two workers: the rooms code here keeps a room on one worker (issue 11 item 2)");
  }
  return { date: new Date().toISOString().slice(0, 10), ramps, ratios, todo };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Upload per peer for N = 2…12: measured where measured; mesh elsewhere (N − 1) × one uncontended stream, SFU the measured mean. */
export function uploadSeries(chromium: ChromiumResults): { mesh: UploadPoint[]; sfu: UploadPoint[] } {
  const perStream = chromium.mesh.find((p) => p.n === 2)?.uploadKbps ?? 0;
  const sfuMeasured = chromium.sfu.map((s) => ({ n: s.n, kbps: mean(s.perPeer.map((r) => r.uploadKbps)) }));
  const sfuMean = mean(sfuMeasured.map((s) => s.kbps));
  const mesh: UploadPoint[] = [];
  const sfu: UploadPoint[] = [];
  for (let n = 2; n <= 12; n++) {
    const m = chromium.mesh.find((p) => p.n === n);
    mesh.push(m ? { n, kbps: m.uploadKbps, measured: true } : { n, kbps: (n - 1) * perStream, measured: false });
    const s = sfuMeasured.find((p) => p.n === n);
    sfu.push(s ? { n, kbps: s.kbps, measured: true } : { n, kbps: sfuMean, measured: false });
  }
  return { mesh, sfu };
}

function printUpload(chromium: ChromiumResults): void {
  const { mesh, sfu } = uploadSeries(chromium);
  process.stdout.write('\nupload per peer (video), kbit/s (* = measured):\n  N     mesh      SFU   mesh ÷ SFU\n');
  mesh.forEach((m, i) => {
    const s = sfu[i]!;
    const cell = (p: UploadPoint) => `${p.kbps.toFixed(0)}${p.measured ? '*' : ' '}`.padStart(8);
    process.stdout.write(`  ${String(m.n).padStart(2)} ${cell(m)} ${cell(s)}   ${(m.kbps / Math.max(1, s.kbps)).toFixed(2)}\n`);
  });
}

function writePlot(results: AllResults): void {
  const ramps = results.synthetic?.ramps ?? [];
  const limits = [
    { label: 'raw mediasoup\n1 worker', value: ramps[0]?.limit ?? 0 },
    { label: 'project rooms\n1 worker', value: ramps[1]?.limit ?? 0 },
    { label: 'raw mediasoup\n2 workers', value: ramps[2]?.limit ?? 0 },
    { label: 'project rooms\n2 workers', value: ramps[3]?.limit ?? 0 },
  ];
  const { mesh, sfu } = results.chromium ? uploadSeries(results.chromium) : { mesh: [], sfu: [] };
  const date = results.synthetic?.date ?? results.chromium?.date ?? '';
  const caption = `npm run bench:load, ${date}: 2 cores shared by the worker(s), the sink and Chromium, loopback; compare within the figure, not across runs`;
  writeFileSync(PLOT, plotSvg(limits, mesh, sfu, caption));
}

let results: AllResults = {};
try {
  results = JSON.parse(readFileSync(RESULTS, 'utf8')) as AllResults;
} catch {
  // no earlier run
}

const clip = ensureClip();
const drain = await startDrain(32);
try {
  if (part === 'all' || part === 'synthetic') {
    const deadline = started + (part === 'all' ? budgetMs - CHROMIUM_MS : budgetMs);
    results.synthetic = await synthetic(clip, drain.ports, deadline);
    process.stdout.write('\nlargest consumer count at < 1 % loss:\n');
    for (const r of results.synthetic.ramps) process.stdout.write(`  ${r.target}: ${r.limit}\n`);
    for (const [name, ratio] of Object.entries(results.synthetic.ratios)) process.stdout.write(`  ${name}: ${ratio.toFixed(2)}\n`);
    for (const todo of results.synthetic.todo) process.stdout.write(`  not measured: ${todo}\n`);
  }
  if (part === 'all' || part === 'chromium') {
    // Two fifths of what the project held in this run (or the last one): on two cores the Chromium pages, their
    // server and the sink need the rest (at three quarters, ffmpeg itself was starved and the pages fell to 8 fps).
    const held = results.synthetic?.ramps[1]?.limit ?? 1_600;
    const syntheticConsumers = Math.max(300, Math.round((held * 0.4) / 100) * 100);
    const deadline = Math.max(started + budgetMs, Date.now() + CHROMIUM_MS);
    results.chromium = await chromiumPart({ clip, drainPorts: drain.ports, syntheticConsumers, deadline });
    printUpload(results.chromium);
  }
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
  writePlot(results);
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), RESULTS)} and ${path.relative(process.cwd(), PLOT)} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
} finally {
  drain.stop();
  killChildren();
}
process.exit(0);
