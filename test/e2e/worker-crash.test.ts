import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { expectVideoPlaying, joinAliceAndBob, launchBrowser, peerIdOf, tile } from '../support/browser.ts';
import { waitUntil } from '../support/poll.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/*
 * A mediasoup worker crashing mid-call (here: SIGKILL) must end neither the server nor the calls on other workers:
 * the dead worker's rooms come back on their own, the others never notice.
 */

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ MEDIASOUP_WORKERS: '2' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

type RoomOnWorker = { id: string; workerPid: number };

async function roomsByWorker(): Promise<RoomOnWorker[]> {
  return (await (await fetch(`${server.url}/__test/rooms`)).json()) as RoomOnWorker[];
}

function workerOf(rooms: RoomOnWorker[], id: string): number {
  const pid = rooms.find((room) => room.id === id)?.workerPid;
  if (!pid) throw new Error(`room ${id} is not open`);
  return pid;
}

/** Frames decoded so far by the video in that tile (0 while there is none). */
function framesOf(page: Page, label: string): Promise<number> {
  return tile(page, label)
    .locator('video')
    .evaluate((video: HTMLVideoElement) => video.getVideoPlaybackQuality().totalVideoFrames)
    .catch(() => 0);
}

/**
 * Samples both videos of a call every 250 ms until stopped; resolves with the longest time either went without a
 * new decoded frame (so about 250 ms while both play).
 */
function watchCall(call: { alice: Page; bob: Page }): { stop(): Promise<number> } {
  let running = true;
  const watched = [
    { page: call.bob, label: 'Alice camera' },
    { page: call.alice, label: 'Bob camera' },
  ];
  const done = (async () => {
    const last = await Promise.all(watched.map(async ({ page, label }) => ({ frames: await framesOf(page, label), at: Date.now() })));
    let longestStall = 0;
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      for (const [index, { page, label }] of watched.entries()) {
        const frames = await framesOf(page, label);
        const previous = last[index]!;
        longestStall = Math.max(longestStall, Date.now() - previous.at);
        if (frames > previous.frames) last[index] = { frames, at: Date.now() };
      }
    }
    return longestStall;
  })();
  return {
    stop: () => {
      running = false;
      return done;
    },
  };
}

const navigations = (page: Page) => page.evaluate(() => performance.getEntriesByType('navigation').length);

describe('a mediasoup worker dies', () => {
  test('its room plays again within 10 s without a reload, the room on the other worker never stops', async () => {
    const a = await joinAliceAndBob(browser, server.url, 'crash-a');
    const b = await joinAliceAndBob(browser, server.url, 'crash-b');
    const before = await roomsByWorker();
    const doomedPid = workerOf(before, 'crash-a');
    expect(workerOf(before, 'crash-b')).not.toBe(doomedPid);
    const loads = await Promise.all([navigations(a.alice.page), navigations(a.bob.page)]);
    const oldIds = [await peerIdOf(a.bob.page, 'Alice camera'), await peerIdOf(a.alice.page, 'Bob camera')];
    const other = watchCall({ alice: b.alice.page, bob: b.bob.page });

    process.kill(doomedPid, 'SIGKILL');
    const killedAt = Date.now();

    // Both people of room A rejoin by themselves (new peers: the old ones went with the worker) and play again.
    await waitUntil(
      async () =>
        (await peerIdOf(a.bob.page, 'Alice camera')) !== oldIds[0] && (await peerIdOf(a.alice.page, 'Bob camera')) !== oldIds[1],
      'room A to rejoin',
      10_000,
    );
    const left = () => 10_000 - (Date.now() - killedAt);
    await Promise.all([expectVideoPlaying(a.bob.page, 'Alice camera', left()), expectVideoPlaying(a.alice.page, 'Bob camera', left())]);
    const recoveredMs = Date.now() - killedAt;
    expect(recoveredMs).toBeLessThan(10_000);
    // Keep watching room B a little past the recovery: the rejoin traffic must not disturb it either.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const longestStall = await other.stop();
    process.stdout.write(`room A plays again ${recoveredMs} ms after its worker was killed; room B's longest stall ${longestStall} ms\n`);

    expect(longestStall).toBeLessThan(2_000);
    expect(await Promise.all([navigations(a.alice.page), navigations(a.bob.page)])).toEqual(loads);
    expect(server.process.exitCode).toBeNull();
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ ok: true });
    const after = await roomsByWorker();
    expect(workerOf(after, 'crash-a')).not.toBe(doomedPid);
    expect(workerOf(after, 'crash-b')).toBe(workerOf(before, 'crash-b'));
  }, 120_000);
});
