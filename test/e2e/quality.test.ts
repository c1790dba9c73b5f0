import { describe, expect, test } from 'vitest';
import { expectVideoPlaying, joinRoom } from '../support/browser.ts';
import { useServerAndBrowser } from '../support/environment.ts';
import { openLaptop } from '../support/laptop.ts';
import { receiveRate, videoFlow } from '../support/rtcStats.ts';

/*
 * A frame arriving is not a call working. With mediasoup's unfinished built-in BWE the sender hears no
 * transport-cc feedback, its estimate collapses to ~84 kbit/s within 15 s and only the 320 px layer flows; this
 * checks what still flows 20 s in, on a perfect (loopback) network.
 */

const env = useServerAndBrowser();

describe('call quality over time', () => {
  test('20 s in, a large tile still gets ≥ 640 px at ≥ 15 fps and the sender estimates > 1 Mbit/s', async () => {
    const sender = await openLaptop(env.browser);
    const viewer = await openLaptop(env.browser);
    await joinRoom(sender, env.server.url, 'quality', 'Sam');
    const joinedAt = Date.now();
    await joinRoom(viewer, env.server.url, 'quality', 'Vic', { watchOnly: true });
    await expectVideoPlaying(viewer, 'Sam camera');

    // The sender's estimate, once a second from 20 s to 25 s after its join (the "after 20 s"): it must hold,
    // not just peak. (Sampled from 10 s, one full-suite run saw a single 731 kbit/s dip while all three layers flowed.)
    const estimates: number[] = [];
    let before = await videoFlow(viewer);
    while (Date.now() - joinedAt < 25_000) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const elapsed = Date.now() - joinedAt;
      if (elapsed >= 20_000) estimates.push((await videoFlow(sender)).availableOutgoingBitrate);
      if (elapsed < 20_000) before = await videoFlow(viewer);
    }
    const after = await videoFlow(viewer);
    const received = receiveRate(before, after);
    const sent = (await videoFlow(sender)).sentLayers;
    const summary = { received, minEstimate: Math.min(...estimates), estimates, sent };

    expect(received.width, JSON.stringify(summary)).toBeGreaterThanOrEqual(640);
    expect(received.fps, JSON.stringify(summary)).toBeGreaterThanOrEqual(15);
    expect(Math.min(...estimates), JSON.stringify(summary)).toBeGreaterThan(1_000_000);
    // What the viewer sees, not only what the stats say: the tile's <video> shows the wide picture.
    const shown = await viewer.locator('[aria-label="Sam camera"] video').evaluate((video: HTMLVideoElement) => video.videoWidth);
    expect(shown).toBeGreaterThanOrEqual(640);

    await sender.context().close();
    await viewer.context().close();
  });
});
