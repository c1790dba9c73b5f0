import { describe, expect, test } from 'vitest';
import { joinRoom, openPhone } from '../support/browser.ts';
import { expectChatShows, openChat, sendChat, shownMessages } from '../support/chat.ts';
import { useCluster } from '../support/cluster.ts';
import { metricOf } from '../support/metrics.ts';

/*
 * Two server processes with the same REDIS_URL are one service: people of one room on different servers chat, each
 * message arrives once and in one order for everyone, and the history is there whichever server a person comes
 * back to. Each server has a data directory of its own: nothing is shared but Redis.
 */

const cluster = useCluster();

describe('chat across two servers', () => {
  test('Alice on server 1 and Bob on server 2 chat both ways, each message once and in one order; Bob back on server 1 sees the history', async () => {
    const alice = await openPhone(cluster.browser);
    const bob = await openPhone(cluster.browser);
    await joinRoom(alice.page, cluster.one.url, 'across-servers', 'Alice');
    await joinRoom(bob.page, cluster.two.url, 'across-servers', 'Bob');
    await openChat(alice.page);
    await openChat(bob.page);

    await sendChat(alice.page, 'Hello from server one');
    await expectChatShows(bob.page, ['Hello from server one']);
    await sendChat(bob.page, 'Hello back from server two');
    await expectChatShows(alice.page, ['Hello from server one', 'Hello back from server two']);

    // Both write at once: the two servers number into one sequence, and both people see the same order.
    for (let index = 1; index <= 5; index++) {
      await Promise.all([sendChat(alice.page, `Alice ${index}`), sendChat(bob.page, `Bob ${index}`)]);
    }
    const everyone = async (page: typeof alice.page) => (await shownMessages(page)).map((message) => `${message.author}: ${message.text}`);
    await expect.poll(async () => (await everyone(alice.page)).length, { timeout: 20_000 }).toBe(12);
    await expect.poll(async () => (await everyone(bob.page)).length, { timeout: 20_000 }).toBe(12);
    const seenByAlice = await everyone(alice.page);
    expect(await everyone(bob.page)).toEqual(seenByAlice);
    expect(new Set(seenByAlice).size).toBe(12);
    for (const author of ['Alice', 'Bob']) {
      const own = seenByAlice.filter((line) => line.startsWith(`${author}: ${author} `));
      expect(own).toEqual([1, 2, 3, 4, 5].map((index) => `${author}: ${author} ${index}`));
    }

    // Each server stored only its own person's messages: the other's came over the bus and were not stored again.
    expect(await metricOf(cluster.one, 'huddle_chat_messages_stored_total')).toBe(6);
    expect(await metricOf(cluster.two, 'huddle_chat_messages_stored_total')).toBe(6);

    // Bob comes back through server 1 (his new device knows nothing: everything shown comes from the service).
    await bob.context.close();
    const bobAgain = await openPhone(cluster.browser);
    await joinRoom(bobAgain.page, cluster.one.url, 'across-servers', 'Bob');
    await openChat(bobAgain.page);
    await expect.poll(async () => (await everyone(bobAgain.page)).length, { timeout: 20_000 }).toBe(12);
    expect(await everyone(bobAgain.page)).toEqual(seenByAlice);

    await alice.context.close();
    await bobAgain.context.close();
  }, 120_000);
});
