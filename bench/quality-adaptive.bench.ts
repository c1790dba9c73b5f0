/**
 * What a viewer on a weak link sees: one sender (Chromium's 1280×720 fake camera, three simulcast layers) outside,
 * one watch-only viewer on a 1280×800 page (a large tile: it would take the 1280 px layer) inside a network
 * namespace whose downlink is shaped with tbf to each rate. From 20 s after the viewer joined, over 10 s: frames
 * shown per second and the longest gap between two (requestVideoFrameCallback), the width received (getStats).
 * Needs root. Run: npm run bench:quality-adaptive [-- 250 600 1200]
 */
import { measureSmoothness } from '../test/support/frameTimes.ts';
import { videoFlow } from '../test/support/rtcStats.ts';
import { joinAndWatch, openPage, startShapedSetup } from '../test/support/shapedCall.ts';

const rates = process.argv.slice(2).map(Number).filter((rate) => rate > 0);
const SETTLE_MS = 20_000;
const WINDOW_MS = 10_000;
const LAPTOP = { width: 1280, height: 800 };

process.stdout.write('rate kbit/s  fps   longest gap  stalls ≥ 500 ms  width received\n');
for (const rate of rates.length ? rates : [250, 600, 1200]) {
  const setup = await startShapedSetup();
  try {
    setup.shape(rate);
    const sender = await openPage(setup.outside, LAPTOP);
    const viewer = await openPage(setup.inside, LAPTOP);
    await joinAndWatch(sender, setup.url, 'bench-weak', 'Sam');
    await joinAndWatch(viewer, setup.url, 'bench-weak', 'Vic', { watchOnly: true, watch: 'Sam camera' });
    const joinedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, SETTLE_MS - (Date.now() - joinedAt))));
    // Stalls: every gap of 500 ms or more, counted from the frame times the page saw.
    const [smooth, widths] = await Promise.all([
      measureSmoothness(viewer, 'Sam camera', WINDOW_MS),
      (async () => {
        const seen = new Set<number>();
        const until = Date.now() + WINDOW_MS;
        while (Date.now() < until) {
          seen.add((await videoFlow(viewer)).inbound?.width ?? 0);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
        return [...seen].sort((a, b) => a - b);
      })(),
    ]);
    process.stdout.write(
      `${String(rate).padStart(11)}  ${smooth.fps.toFixed(1).padStart(4)}  ${String(smooth.longestGapMs).padStart(8)} ms  ` +
        `${String(smooth.stalls).padStart(15)}  ${widths.join('/')} px\n`,
    );
  } catch (error) {
    process.stdout.write(`${String(rate).padStart(11)}  failed: ${String(error)}\n`);
  } finally {
    await setup.close();
  }
}
