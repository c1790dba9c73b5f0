import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectVideoPlaying, PHONE } from '../support/browser.ts';
import { measureSmoothness, STALL_MS } from '../support/frameTimes.ts';
import { videoFlow } from '../support/rtcStats.ts';
import { joinAndWatch, openPage, startShapedSetup, type ShapedSetup } from '../support/shapedCall.ts';

/*
 * A viewer on a weak link, for real: its Chromium runs in a network namespace whose downlink is shaped with tbf
 * (no netem on this kernel). Left to mediasoup alone, a 600 kbit/s viewer of a large tile got the 1 280 px layer at
 * 8.8 fps (bench/RESULTS.md); the server's cap must give it a smaller picture that moves smoothly. Needs root.
 */

let setup: ShapedSetup;
const LAPTOP = { width: 1280, height: 800 };

beforeAll(async () => {
  setup = await startShapedSetup();
});

afterAll(async () => {
  await setup?.close();
});

describe('a weak link', () => {
  test('at 600 kbit/s, 20 s in, a large tile plays ≥ 15 fps with no stall ≥ 500 ms over 10 s', async () => {
    setup.shape(600);
    const sam = await openPage(setup.outside, LAPTOP);
    const vic = await openPage(setup.inside, LAPTOP);
    await joinAndWatch(sam, setup.url, 'weak', 'Sam');
    await joinAndWatch(vic, setup.url, 'weak', 'Vic', { watchOnly: true, watch: 'Sam camera' });
    const joinedAt = Date.now();
    await expectVideoPlaying(vic, 'Sam camera');
    // The call settles for 20 s (what the issue measures); fixed, because the claim is about that moment.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20_000 - (Date.now() - joinedAt))));
    const smooth = await measureSmoothness(vic, 'Sam camera', 10_000);
    const width = (await videoFlow(vic)).inbound?.width;
    const summary = JSON.stringify({ ...smooth, receivedWidth: width });
    process.stdout.write(`600 kbit/s: ${summary}\n`);
    expect(smooth.fps, summary).toBeGreaterThanOrEqual(15);
    expect(smooth.longestGapMs, summary).toBeLessThan(STALL_MS);
    setup.shape(null);
    await sam.context().close();
    await vic.context().close();
  }, 120_000);

  test('the connection indicator names a shaped viewer\'s connection worse than an unshaped one\'s', async () => {
    setup.shape(600);
    const sam = await openPage(setup.outside, LAPTOP);
    const una = await openPage(setup.outside, PHONE);
    const vic = await openPage(setup.inside, PHONE);
    await joinAndWatch(sam, setup.url, 'indicator', 'Sam');
    await joinAndWatch(una, setup.url, 'indicator', 'Una', { watchOnly: true, watch: 'Sam camera' });
    await joinAndWatch(vic, setup.url, 'indicator', 'Vic', { watchOnly: true, watch: 'Sam camera' });
    // As Sam sees them, and as each sees themself.
    await sam.getByRole('img', { name: "Una's connection: good" }).waitFor({ timeout: 30_000 });
    await sam.getByRole('img', { name: /^Vic's connection: (fair|poor)$/ }).waitFor({ timeout: 30_000 });
    await vic.getByRole('img', { name: /^Vic's connection: (fair|poor)$/ }).waitFor({ timeout: 30_000 });
    await una.getByRole('img', { name: "Una's connection: good" }).waitFor({ timeout: 30_000 });
    // On the 390×844 phone it sits in the tile's corner, small beside the tile (checked by eye on a screenshot too).
    const bars = await vic.getByRole('img', { name: /^Una's connection/ }).boundingBox();
    const unaTile = await vic.locator('[aria-label="Una camera"]').boundingBox();
    expect(bars!.width).toBeLessThanOrEqual(32);
    expect(bars!.x).toBeGreaterThanOrEqual(unaTile!.x);
    expect(bars!.y).toBeGreaterThanOrEqual(unaTile!.y);
    expect(bars!.x + bars!.width).toBeLessThanOrEqual(unaTile!.x + unaTile!.width / 4);
    setup.shape(null);
    for (const page of [sam, una, vic]) await page.context().close();
  }, 120_000);
});
