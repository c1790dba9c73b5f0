/**
 * What a viewer receives over a call's first minute, on loopback: one sender (Chromium's 1280×720 fake camera, three
 * simulcast layers) and one watch-only viewer on a 1280×800 page. Every 5 s it prints the viewer's received width,
 * frame rate and bitrate, the layers the sender sends, and the sender's bandwidth estimate.
 * With BASELINE_WORKER_BIN=<another mediasoup-worker> it measures that worker too, in the same run, and prints ratios.
 * Run: npm run bench:quality [-- <seconds>]
 */
import { expectVideoPlaying, joinRoom, launchBrowser } from '../test/support/browser.ts';
import { openLaptop } from '../test/support/laptop.ts';
import { receiveRate, videoFlow } from '../test/support/rtcStats.ts';
import { startServer } from '../test/support/server.ts';

const seconds = Number(process.argv[2] ?? 60);
const WINDOW_MS = 5_000;
/** The call has settled by then (the issue's bar: what flows 20 s in). */
const SETTLED_S = 20;

type Settled = { width: number; fps: number; kbps: number; estimate: number };

async function measure(label: string, workerBin: string | undefined): Promise<Settled> {
  process.stdout.write(`\n${label}\n  t   received        kbit/s  sender estimate  layers sent (width@fps, limit)\n`);
  const server = await startServer({ LOG_LEVEL: 'warn', ...(workerBin ? { MEDIASOUP_WORKER_BIN: workerBin } : {}) });
  const browser = await launchBrowser();
  try {
    const sender = await openLaptop(browser);
    const viewer = await openLaptop(browser);
    await joinRoom(sender, server.url, 'bench-quality', 'Sender');
    const start = Date.now();
    await joinRoom(viewer, server.url, 'bench-quality', 'Viewer', { watchOnly: true });
    await expectVideoPlaying(viewer, 'Sender camera');
    const rows: (Settled & { t: number })[] = [];
    let before = await videoFlow(viewer);
    while (Date.now() - start < seconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
      const after = await videoFlow(viewer);
      const sent = await videoFlow(sender);
      const rate = receiveRate(before, after);
      before = after;
      const t = Math.round((Date.now() - start) / 1000);
      rows.push({ t, ...rate, estimate: sent.availableOutgoingBitrate });
      const layers = sent.sentLayers.map((l) => `${l.width}@${l.fps.toFixed(0)}${l.qualityLimitationReason !== 'none' ? ` (${l.qualityLimitationReason})` : ''}`);
      process.stdout.write(
        `${String(t).padStart(3)}s  ${String(rate.width).padStart(4)} px ${rate.fps.toFixed(1).padStart(5)} fps` +
          `  ${rate.kbps.toFixed(0).padStart(6)}  ${(sent.availableOutgoingBitrate / 1e6).toFixed(2).padStart(9)} Mbit/s  ${layers.join(', ')}\n`,
      );
    }
    const settled = rows.filter((row) => row.t >= SETTLED_S);
    const mean = (pick: (row: Settled) => number) => settled.reduce((sum, row) => sum + pick(row), 0) / settled.length;
    const result = {
      width: Math.min(...settled.map((r) => r.width)),
      fps: mean((r) => r.fps),
      kbps: mean((r) => r.kbps),
      estimate: Math.min(...settled.map((r) => r.estimate)),
    };
    process.stdout.write(
      `from ${SETTLED_S} s on: received width min ${result.width} px, mean ${result.fps.toFixed(1)} fps, ` +
        `mean ${result.kbps.toFixed(0)} kbit/s, sender estimate min ${(result.estimate / 1e6).toFixed(2)} Mbit/s\n`,
    );
    return result;
  } finally {
    await browser.close();
    await server.stop();
  }
}

const baselineBin = process.env.BASELINE_WORKER_BIN;
const baseline = baselineBin ? await measure(`baseline worker ${baselineBin}`, baselineBin) : undefined;
const current = await measure('this project\'s worker', undefined);
if (baseline) {
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');
  process.stdout.write(
    `\nthis worker vs baseline, from ${SETTLED_S} s on: width ${ratio(current.width, baseline.width)}, ` +
      `frame rate ${ratio(current.fps, baseline.fps)}, bitrate ${ratio(current.kbps, baseline.kbps)}, ` +
      `sender estimate ${ratio(current.estimate, baseline.estimate)}\n`,
  );
}
