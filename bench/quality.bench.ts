/**
 * What a viewer receives over a call's first minute, on loopback: one sender (Chromium's 1280×720 fake camera, three
 * simulcast layers) and one watch-only viewer on a 1280×800 page. Every 5 s it prints the viewer's received width,
 * frame rate and bitrate, the layers the sender sends, and the sender's bandwidth estimate.
 * Run: npm run bench:quality [-- <seconds>]   (MEDIASOUP_WORKER_BIN=<other worker> compares builds)
 */
import { expectVideoPlaying, launchBrowser } from '../test/support/browser.ts';
import { joinAs, openLaptop } from '../test/support/laptop.ts';
import { receiveRate, videoFlow } from '../test/support/rtcStats.ts';
import { startServer } from '../test/support/server.ts';

const seconds = Number(process.argv[2] ?? 60);
const WINDOW_MS = 5_000;

const server = await startServer({ LOG_LEVEL: 'warn', ...(process.env.MEDIASOUP_WORKER_BIN ? { MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN } : {}) });
const browser = await launchBrowser();
try {
  const sender = await openLaptop(browser);
  const viewer = await openLaptop(browser);
  await joinAs(sender, server.url, 'bench-quality', 'Sender');
  const start = Date.now();
  await joinAs(viewer, server.url, 'bench-quality', 'Viewer', { watchOnly: true });
  await expectVideoPlaying(viewer, 'Sender camera');
  const rows: { t: number; width: number; fps: number; kbps: number; estimate: number }[] = [];
  let before = await videoFlow(viewer);
  process.stdout.write('  t   received        kbit/s  sender estimate  layers sent (width@fps, limit)\n');
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
  const settled = rows.filter((row) => row.t >= 20);
  const mean = (pick: (row: (typeof rows)[number]) => number) => settled.reduce((sum, row) => sum + pick(row), 0) / settled.length;
  process.stdout.write(
    `\nfrom 20 s on: received width min ${Math.min(...settled.map((r) => r.width))} px, ` +
      `mean ${mean((r) => r.fps).toFixed(1)} fps, mean ${mean((r) => r.kbps).toFixed(0)} kbit/s, ` +
      `sender estimate min ${(Math.min(...settled.map((r) => r.estimate)) / 1e6).toFixed(2)} Mbit/s\n`,
  );
} finally {
  await browser.close();
  await server.stop();
}
