import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { expectVideoPlaying, joinAliceAndBob, peerIdOf } from '../support/browser.ts';
import { waitUntil } from '../support/poll.ts';
import { useServerAndBrowser } from '../support/environment.ts';

/*
 * A mediasoup worker crashing mid-call (here: SIGKILL) must not end the server or the meeting. When it held the
 * room's home router (chat feed, speaker observer), the whole room is made anew and everyone comes back on their own;
 * when it held only some people, only they come back (room-across-workers.test.ts).
 */

const env = useServerAndBrowser({ MEDIASOUP_WORKERS: '2' });

type RoomOnWorker = { id: string; workerPid: number };

async function roomsByWorker(): Promise<RoomOnWorker[]> {
  return (await (await fetch(`${env.server.url}/__test/rooms`)).json()) as RoomOnWorker[];
}

function workerOf(rooms: RoomOnWorker[], id: string): number {
  const pid = rooms.find((room) => room.id === id)?.workerPid;
  if (!pid) throw new Error(`room ${id} is not open`);
  return pid;
}

const navigations = (page: Page) => page.evaluate(() => performance.getEntriesByType('navigation').length);

describe('a mediasoup worker dies', () => {
  test('under the room’s home router: everyone in it plays again within 10 s without a reload', async () => {
    const a = await joinAliceAndBob(env.browser, env.server.url, 'crash-a');
    const before = await roomsByWorker();
    const doomedPid = workerOf(before, 'crash-a');
    const loads = await Promise.all([navigations(a.alice.page), navigations(a.bob.page)]);
    const oldIds = [await peerIdOf(a.bob.page, 'Alice camera'), await peerIdOf(a.alice.page, 'Bob camera')];

    process.kill(doomedPid, 'SIGKILL');
    const killedAt = Date.now();

    // Both people rejoin by themselves (new peers: the room went with its home worker) and play again.
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
    process.stdout.write(`the room plays again ${recoveredMs} ms after its home worker was killed\n`);

    expect(await Promise.all([navigations(a.alice.page), navigations(a.bob.page)])).toEqual(loads);
    expect(env.server.process.exitCode).toBeNull();
    expect(await (await fetch(`${env.server.url}/healthz`)).json()).toMatchObject({ ok: true });
    expect(workerOf(await roomsByWorker(), 'crash-a')).not.toBe(doomedPid);
  }, 120_000);
});
