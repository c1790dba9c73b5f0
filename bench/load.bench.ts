/**
 * How many consumers the SFU forwards to at < 1 % loss, side by side in one run (figures move 15–20 % between
 * runs here, so they are compared within a run): raw mediasoup on one worker, the project's rooms code on one
 * worker, and one room over two workers; then upload per peer in a mesh against the SFU, and real Chromium
 * clients on top of a synthetic load (loadChromium.ts). Senders are ffmpeg replaying a pre-encoded VP8 clip over
 * RTP; receivers are PlainTransports sending into a UDP sink in its own process (every `sampleEvery`-th is read
 * and counted, the rest go to sockets nobody reads: see loadProcesses.ts). Everything on loopback, bounded in time;
 * every process it starts is killed on exit. Writes bench/load-results.json and the plot bench/load.svg.
 * Run (the heavy part under the shared lock): npm run bench:load [-- <synthetic|chromium|all> [<budget s>]]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureClip, killChildren, startDrain } from './loadProcesses.ts';
import { ramp, type Ramp, type RampOptions } from './loadRamp.ts';
import { projectTarget, rawTarget, type LoadTarget } from './loadTargets.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(here, 'load-results.json');
const part = process.argv[2] ?? 'all';
const budgetMs = Number(process.argv[3] ?? 540) * 1000;
const started = Date.now();

export type SyntheticResults = { date: string; ramps: Ramp[]; ratios: Record<string, number>; todo: string[] };

async function rampTarget(make: () => Promise<LoadTarget>, options: Omit<RampOptions, 'deadline'>, deadline: number): Promise<Ramp> {
  const target = await make();
  process.stdout.write(`${target.name}\n`);
  try {
    return await ramp(target, drainPorts, { ...options, deadline });
  } finally {
    await target.close();
  }
}

const clip = ensureClip();
const drain = await startDrain(32);
const drainPorts = drain.ports;
const common = { sampleEvery: 8, warmupMs: 3_000, windowMs: 6_000 };

async function synthetic(deadlineMs: number): Promise<SyntheticResults> {
  const share = (deadlineMs - Date.now()) / 3;
  const oneWorker = { ...common, start: 600, step: 300, max: 4_800 };
  const raw = await rampTarget(() => rawTarget(clip, 1), oneWorker, Date.now() + share);
  const project = await rampTarget(() => projectTarget(clip, 1), oneWorker, Date.now() + share);
  const twoWorkers = { ...common, start: 1_200, step: 600, max: 9_600 };
  const rawTwo = await rampTarget(() => rawTarget(clip, 2), twoWorkers, deadlineMs);
  // TODO(workers): once a room spans workers on main, ramp projectTarget(clip, 2) here (its routerFor places the
  // peers) and add ratios['project, 2 workers ÷ 1 worker'].
  const todo = ["the project's own two-worker room: needs a room over two workers (issue 11 item 2)"];
  const ratios = {
    'project ÷ raw (1 worker)': project.limit / Math.max(1, raw.limit),
    'raw 2 workers ÷ 1 worker': rawTwo.limit / Math.max(1, raw.limit),
  };
  return { date: new Date().toISOString().slice(0, 10), ramps: [raw, project, rawTwo], ratios, todo };
}

type AllResults = { synthetic?: SyntheticResults; chromium?: unknown };
let results: AllResults = {};
try {
  results = JSON.parse(readFileSync(RESULTS, 'utf8')) as AllResults;
} catch {
  // first run
}

try {
  if (part === 'all' || part === 'synthetic') {
    const syntheticBudget = part === 'all' ? budgetMs * 0.6 : budgetMs;
    results.synthetic = await synthetic(started + syntheticBudget);
    process.stdout.write('\nlargest consumer count at < 1 % loss:\n');
    for (const r of results.synthetic.ramps) process.stdout.write(`  ${r.target}: ${r.limit}\n`);
    for (const [name, ratio] of Object.entries(results.synthetic.ratios)) process.stdout.write(`  ${name}: ${ratio.toFixed(2)}\n`);
    for (const todo of results.synthetic.todo) process.stdout.write(`  not measured: ${todo}\n`);
  }
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 1)}\n`);
} finally {
  drain.stop();
  killChildren();
}
process.exit(0);
