/**
 * Join → first remote frame, in real Chromium against the real server and mediasoup on loopback.
 * One host stays in the room with its fake camera; each run opens a fresh phone-sized page, clicks Join and times
 * (inside the page) from the click to the first decoded frame of the host's camera. Prints p50/p95.
 * Run: npm run bench:join [-- <joins>]
 */
import { expectVideoPlaying, joinRoom, launchBrowser, openPhone } from '../test/support/browser.ts';
import { startServer } from '../test/support/server.ts';

const joins = Number(process.argv[2] ?? 12);

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? NaN;
}

const server = await startServer({ LOG_LEVEL: 'warn' });
const browser = await launchBrowser();
try {
  const host = await openPhone(browser);
  await joinRoom(host.page, server.url, 'bench', 'Host');
  const times: number[] = [];
  for (let run = 0; run < joins + 1; run++) {
    const guest = await openPhone(browser);
    await guest.page.goto(`${server.url}/r/bench`);
    await guest.page.getByRole('textbox', { name: 'Name' }).fill(`Guest ${run}`);
    // Timing lives in the page: the click's timestamp, then a 5 ms poll for the host's first decoded frame.
    const measured = guest.page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Join');
          button?.addEventListener('click', () => {
            const start = performance.now();
            const timer = setInterval(() => {
              const video = document.querySelector<HTMLVideoElement>('[aria-label="Host camera"] video');
              if (video && video.videoWidth > 0) {
                clearInterval(timer);
                resolve(performance.now() - start);
              }
            }, 5);
          }, { once: true });
        }),
    );
    await guest.page.getByRole('button', { name: 'Join' }).click();
    const ms = await measured;
    await expectVideoPlaying(guest.page, 'Host camera');
    // The first run warms up the server's code paths and Chromium's caches; it is not counted.
    if (run > 0) times.push(ms);
    process.stdout.write(`join ${run}${run === 0 ? ' (warm-up)' : ''}: ${ms.toFixed(0)} ms\n`);
    await guest.context.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  process.stdout.write(
    `\njoin → first remote frame over ${times.length} joins: p50 ${percentile(sorted, 50).toFixed(0)} ms, ` +
      `p95 ${percentile(sorted, 95).toFixed(0)} ms, min ${sorted[0]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms\n`,
  );
} finally {
  await browser.close();
  await server.stop();
}
