/**
 * The real-WebRTC part of bench:load (see loadChromium.ts): mesh against SFU upload, and a few app pages in a call
 * while the project's rooms code forwards a synthetic load. Bounded by a deadline; the browser and the server it
 * starts are closed on the way out.
 */
import { launchBrowser } from '../test/support/browser.ts';
import { startServer } from '../test/support/server.ts';
import { appCall, meshUpload, rates, type Rates } from './loadChromium.ts';
import { Sink } from './loadProcesses.ts';
import { describeStep, measure, ramp, type Step } from './loadRamp.ts';
import { projectTarget } from './loadTargets.ts';

export type ChromiumResults = {
  date: string;
  mesh: (Rates & { n: number })[];
  sfu: { n: number; perPeer: Rates[] }[];
  underLoad?: { syntheticConsumers: number; synthetic: Step; idle: Rates[]; loaded: Rates[] };
};

const MESH_SIZES = [2, 3, 4, 6, 8, 12];
const SFU_SIZES = [2, 4];
const CLIENTS_UNDER_LOAD = 2;
const WARMUP_MS = 8_000;
const WINDOW_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const kbps = (x: number) => `${x.toFixed(0)} kbit/s`;

export function describeRates(r: Rates): string {
  return (
    `up ${kbps(r.uploadKbps)} in ${r.outbound} stream(s) (widest ${r.widestSent} px, ${r.encodeFpsPerStream.toFixed(1)} fps each, ` +
    `limited by ${r.limitation}), down ${kbps(r.downloadKbps)} in ${r.inbound} (${r.decodeFpsPerStream.toFixed(1)} fps each)`
  );
}

/** `syntheticConsumers`: how many plain-RTP consumers load the machine while the app pages are measured. */
export async function chromiumPart(options: { clip: string; drainPorts: number[]; syntheticConsumers: number; deadline: number }): Promise<ChromiumResults> {
  const results: ChromiumResults = { date: new Date().toISOString().slice(0, 10), mesh: [], sfu: [] };
  const server = await startServer({ LOG_LEVEL: 'warn', MEDIASOUP_WORKERS: '1' });
  // Host candidates as plain addresses: the mesh page's connections pair with each other on loopback.
  const browser = await launchBrowser(['--disable-features=WebRtcHideLocalIpsWithMdns']);
  const left = () => options.deadline - Date.now();
  try {
    process.stdout.write('\nmesh: one participant sending to N − 1 others (one page, N − 1 connection pairs)\n');
    for (const n of MESH_SIZES) {
      if (left() < 130_000) break;
      const r = await meshUpload(browser, n, WARMUP_MS, WINDOW_MS);
      results.mesh.push({ n, ...r });
      process.stdout.write(`  N = ${n}: ${describeRates(r)}\n`);
    }
    process.stdout.write('\nSFU: N app pages through the real server, each sending once\n');
    for (const n of SFU_SIZES) {
      if (left() < 90_000) break;
      const call = await appCall(browser, server.url, `sfu-upload-${n}`, n);
      try {
        await sleep(WARMUP_MS);
        const perPeer = await rates(call.pages, '__pcs', WINDOW_MS);
        results.sfu.push({ n, perPeer });
        perPeer.forEach((r, i) => process.stdout.write(`  N = ${n}, person ${i + 1}: ${describeRates(r)}\n`));
      } finally {
        await call.close();
      }
    }
    if (left() > 45_000) results.underLoad = await underLoad(browser, server.url, options);
  } finally {
    await browser.close();
    await server.stop();
  }
  return results;
}

/**
 * A few app pages in a call, measured idle, then while the project's rooms code (in this process, on a worker of
 * its own: the server is another process) forwards `syntheticConsumers` plain-RTP consumers on the same two cores.
 */
async function underLoad(
  browser: Awaited<ReturnType<typeof launchBrowser>>,
  url: string,
  options: { clip: string; drainPorts: number[]; syntheticConsumers: number },
): Promise<ChromiumResults['underLoad']> {
  process.stdout.write(`\n${CLIENTS_UNDER_LOAD} app pages in a call, idle and then under ${options.syntheticConsumers} synthetic consumers\n`);
  const call = await appCall(browser, url, 'under-load', CLIENTS_UNDER_LOAD);
  const target = await projectTarget(options.clip, 1);
  const sink = new Sink();
  try {
    await sleep(WARMUP_MS);
    const idle = await rates(call.pages, '__pcs', WINDOW_MS);
    idle.forEach((r, i) => process.stdout.write(`  idle, person ${i + 1}: ${describeRates(r)}\n`));
    const n = options.syntheticConsumers;
    const built = await ramp(target, options.drainPorts, { start: n, step: n, max: n, sampleEvery: 8, warmupMs: 3_000, windowMs: 3_000, deadline: Infinity }, sink);
    const sampled = built.steps.at(-1)?.sampled ?? 0;
    const [loaded, synthetic] = await Promise.all([rates(call.pages, '__pcs', WINDOW_MS), measure(target, sink, n, sampled, WINDOW_MS)]);
    loaded.forEach((r, i) => process.stdout.write(`  loaded, person ${i + 1}: ${describeRates(r)}\n`));
    process.stdout.write(`  synthetic meanwhile: ${describeStep(synthetic)}\n`);
    return { syntheticConsumers: n, synthetic, idle, loaded };
  } finally {
    sink.close();
    await target.close();
    await call.close();
  }
}
