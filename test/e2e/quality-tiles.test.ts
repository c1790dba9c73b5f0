import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { expectVideoPlaying, joinRoom, PHONE, tile } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { openLaptop } from '../support/laptop.ts';
import { recordPeerConnections } from '../support/rtcStats.ts';
import { tileInbound } from '../support/tileStats.ts';

/*
 * What a tile receives follows how it is drawn: a thumbnail gets the small simulcast layer, a large tile the large
 * one, and a tile out of view gets nothing until it comes back (then a picture at once).
 */

const env = useServerAndBrowser();

/** The width of the frames the tile receives now (0 before any). */
async function receivedWidth(page: Page, label: string): Promise<number> {
  return (await tileInbound(page, label))?.frameWidth ?? 0;
}

/** Bytes the tile's stream received over `ms`. */
async function bytesOver(page: Page, label: string, ms: number): Promise<number> {
  const before = (await tileInbound(page, label))?.bytesReceived ?? 0;
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ((await tileInbound(page, label))?.bytesReceived ?? 0) - before;
}

describe('quality follows the tile', () => {
  test('a large tile gets the 1 280 px layer; the same camera as a thumbnail under a shared screen gets ≤ 320 px', async () => {
    const sam = await openLaptop(env.browser);
    const vic = await openLaptop(env.browser);
    await joinRoom(sam, env.server.url, 'tile-size', 'Sam');
    await joinRoom(vic, env.server.url, 'tile-size', 'Vic', { watchOnly: true });
    await expectVideoPlaying(vic, 'Sam camera');
    // One other person fills Vic's 1280×800 page.
    await expect.poll(() => receivedWidth(vic, 'Sam camera'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1280);

    await sam.getByRole('button', { name: 'Share screen' }).click();
    await expectVideoPlaying(vic, 'Sam screen');
    const thumbnail = await tile(vic, 'Sam camera').boundingBox();
    expect(thumbnail!.height).toBeLessThan(200); // a thumbnail in the row under the screen
    await expect.poll(() => receivedWidth(vic, 'Sam camera'), { timeout: 15_000 }).toBeLessThanOrEqual(320);
    await expectVideoPlaying(vic, 'Sam camera'); // small, but still moving

    // The screen ends: the camera is large again, and so is its layer.
    await sam.getByRole('button', { name: 'Share screen' }).click();
    await expect.poll(() => receivedWidth(vic, 'Sam camera'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1280);

    await sam.context().close();
    await vic.context().close();
  }, 120_000);

  test('a camera scrolled out of the row gets no bytes, and shows a frame within about a second of scrolling back', async () => {
    // Sam shares a screen; Ann and Bob join; on Vic's phone the cameras row holds Vic, Sam, Ann, Bob: Bob's is
    // beyond the right edge until Vic scrolls the row. Only Bob's camera and Sam's screen send video.
    const sam = await openLaptop(env.browser);
    const ann = await openLaptop(env.browser);
    const bob = await openLaptop(env.browser);
    const vicContext = await env.browser.newContext({ viewport: PHONE, hasTouch: true });
    const vic = await vicContext.newPage();
    await recordPeerConnections(vic);
    await joinRoom(sam, env.server.url, 'tile-scroll', 'Sam', { watchOnly: true });
    await sam.getByRole('button', { name: 'Share screen' }).click();
    await joinRoom(ann, env.server.url, 'tile-scroll', 'Ann', { watchOnly: true });
    await joinRoom(bob, env.server.url, 'tile-scroll', 'Bob');
    await joinRoom(vic, env.server.url, 'tile-scroll', 'Vic', { watchOnly: true });
    await expectVideoPlaying(vic, 'Sam screen');
    await tile(vic, 'Bob camera').locator('video').waitFor({ state: 'attached' });
    const offscreen = await tile(vic, 'Bob camera').evaluate((element) => element.getBoundingClientRect().left >= window.innerWidth);
    expect(offscreen).toBe(true);

    // Out of view: nothing flows (a second's worth of RTP at the smallest layer would be kilobytes).
    await expect.poll(() => bytesOver(vic, 'Bob camera', 1_500), { timeout: 15_000 }).toBe(0);

    // Scrolled into view as a finger would: a new frame within about a second.
    const framesBefore = (await tileInbound(vic, 'Bob camera'))?.framesDecoded ?? 0;
    const scrolledAt = Date.now();
    await tile(vic, 'Bob camera').scrollIntoViewIfNeeded();
    await expect
      .poll(async () => ((await tileInbound(vic, 'Bob camera'))?.framesDecoded ?? 0) > framesBefore, { timeout: 10_000, interval: 50 })
      .toBe(true);
    const backAfter = Date.now() - scrolledAt;
    process.stdout.write(`Bob's tile showed a new frame ${backAfter} ms after scrolling back\n`);
    expect(backAfter).toBeLessThan(1_500);
    await expectVideoPlaying(vic, 'Bob camera');
    expect(await bytesOver(vic, 'Bob camera', 1_000)).toBeGreaterThan(0);

    for (const page of [sam, ann, bob, vic]) await page.context().close();
  }, 150_000);
});
