import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { countTiles, expectVideoPlaying, joinRoom, openPhone, peerIdOf, tile } from '../support/browser.ts';
import { expectChatShows, openChat, sendChat } from '../support/chat.ts';
import { useCluster } from '../support/cluster.ts';
import { waitUntil } from '../support/poll.ts';

/*
 * A call across two servers of one service: Alice on server one, Bob (through the load balancer) on server two, in
 * one room. Each sees the other's camera play (media crosses the link between the servers' routers) and they chat.
 * Server two dies under Bob (SIGKILL): his app finds server one through the same balancer by itself, without a
 * reload, and the two see each other again; the Bob server two had is gone from Alice's room.
 */

const cluster = useCluster();

/** Resolves with when the tile's video first showed a picture (waitUntil polls every 50 ms). */
async function firstPicture(page: Page, label: string, timeout = 20_000): Promise<number> {
  await waitUntil(
    async () => (await tile(page, label).locator('video').evaluate((video: HTMLVideoElement) => video.videoWidth).catch(() => 0)) > 0,
    `${label} to show a picture`,
    timeout,
  );
  return Date.now();
}

describe('a call across two servers', () => {
  test('Alice on server 1 and Bob on server 2 see each other and chat; server 2 dies and Bob comes back through server 1 by himself', async () => {
    const alice = await openPhone(cluster.browser);
    const bob = await openPhone(cluster.browser);
    await joinRoom(alice.page, cluster.one.url, 'call-across', 'Alice');
    const bobJoinedAt = Date.now();
    await joinRoom(bob.page, cluster.balancer.url, 'call-across', 'Bob'); // through the balancer, to server two
    expect(cluster.balancer.counts[1]).toBeGreaterThan(0);
    const firstFrameMs = (await firstPicture(bob.page, 'Alice camera')) - bobJoinedAt;
    await expectVideoPlaying(bob.page, 'Alice camera', 20_000);
    await expectVideoPlaying(alice.page, 'Bob camera', 20_000);
    const bobOnTwo = await peerIdOf(alice.page, 'Bob camera');

    await openChat(alice.page);
    await openChat(bob.page);
    await sendChat(alice.page, 'Can you see me?');
    await expectChatShows(bob.page, ['Can you see me?']);
    await sendChat(bob.page, 'Yes, from the other server');
    await expectChatShows(alice.page, ['Can you see me?', 'Yes, from the other server']);

    // A mark on Bob's page: still there afterwards = the same page, not reloaded.
    await bob.page.evaluate(() => Object.assign(window, { beforeTheCrash: true }));
    const killedAt = Date.now();
    cluster.two.process.kill('SIGKILL');
    // Bob's app reconnects through the balancer, which now reaches server one only: a new Bob joins there. The Bob
    // server two had leaves Alice's room once server one finds server two dead.
    await waitUntil(async () => (await peerIdOf(alice.page, 'Bob camera').catch(() => bobOnTwo)) !== bobOnTwo && (await countTiles(alice.page, 'Bob camera')) === 1, 'Alice to see one Bob, the one on server one', 30_000);
    await expectVideoPlaying(alice.page, 'Bob camera', 20_000);
    await expectVideoPlaying(bob.page, 'Alice camera', 20_000);
    const recoveredMs = Date.now() - killedAt;
    expect(await countTiles(bob.page, 'Alice camera')).toBe(1);
    await sendChat(bob.page, 'Back through server one');
    await expectChatShows(alice.page, ['Can you see me?', 'Yes, from the other server', 'Back through server one'], 20_000);
    expect(await bob.page.evaluate(() => 'beforeTheCrash' in window)).toBe(true); // no reload
    process.stdout.write(`Bob's first frame of Alice (server 1) ${firstFrameMs} ms after his join on server 2 began; both see each other again ${recoveredMs} ms after server 2 was killed\n`);

    await alice.context.close();
    await bob.context.close();
  }, 120_000);
});
