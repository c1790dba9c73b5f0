import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { joinRoom, openPhone } from '../support/browser.ts';
import { chatLog, expectChatShows, openChat, sendChat, shownMessages } from '../support/chat.ts';
import { useCluster } from '../support/cluster.ts';
import { startRedis } from '../support/redis.ts';

/*
 * Redis goes away under a service of two servers. Each server keeps its own rooms going (calls, joins); a chat
 * message cannot be numbered meanwhile, so it waits on its sender's device, queued, and is delivered once, to
 * everyone on both servers, when Redis is back. Redis keeps its data on disk (append-only), as in production.
 */

const cluster = useCluster({ appendOnly: true });

async function connected(page: Page): Promise<void> {
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
}

async function stateOf(page: Page, text: string): Promise<string | undefined> {
  return (await shownMessages(page)).find((message) => message.text === text)?.state;
}

describe('Redis out of reach', () => {
  test('calls and joins to open rooms go on, a join to a room unknown here waits; a message written meanwhile waits queued and arrives once on both servers when Redis is back', async () => {
    const alice = await openPhone(cluster.browser);
    const bob = await openPhone(cluster.browser);
    const dan = await openPhone(cluster.browser);
    await joinRoom(alice.page, cluster.one.url, 'redis-outage', 'Alice');
    await joinRoom(bob.page, cluster.one.url, 'redis-outage', 'Bob');
    await joinRoom(dan.page, cluster.two.url, 'redis-outage', 'Dan');
    for (const page of [alice.page, bob.page, dan.page]) await openChat(page);
    await sendChat(alice.page, 'Before the outage');
    await expectChatShows(dan.page, ['Before the outage']);

    await cluster.redis.kill();
    await sendChat(alice.page, 'Written while Redis is away');
    // Nobody can number it: it stays queued on Alice's device, and nobody else sees it.
    await expect.poll(() => stateOf(alice.page, 'Written while Redis is away'), { timeout: 10_000 }).toContain('queued');
    const carol = await openPhone(cluster.browser);
    await joinRoom(carol.page, cluster.one.url, 'redis-outage', 'Carol'); // the room on server 1 still takes people
    await openChat(carol.page); // the history is in Redis: she gets it once Redis is back
    for (const page of [alice.page, bob.page, dan.page]) await connected(page);
    expect(await stateOf(alice.page, 'Written while Redis is away')).toContain('queued');
    expect(await chatLog(bob.page).getByText('Written while Redis is away').count()).toBe(0);

    // A room not open on server 2: whether it has a password on server 1 cannot be known, so nobody gets in
    // unchecked. Eve's app is told to try again later, says it is reconnecting, and asks again at a slowing pace.
    const eve = await openPhone(cluster.browser);
    await eve.page.goto(`${cluster.two.url}/r/redis-outage-new`);
    await eve.page.getByRole('textbox', { name: 'Name' }).fill('Eve');
    await eve.page.getByRole('button', { name: 'Join' }).click();
    await eve.page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor({ timeout: 15_000 });

    cluster.redis = await startRedis({ restartOf: cluster.redis });
    // In once Redis is back: she chats in her room.
    await connected(eve.page);
    await openChat(eve.page);
    await sendChat(eve.page, 'Eve got in');
    await expect.poll(() => stateOf(eve.page, 'Eve got in'), { timeout: 30_000 }).toBe('✓ delivered');
    for (const page of [bob.page, carol.page, dan.page]) {
      await expectChatShows(page, ['Before the outage', 'Written while Redis is away'], 30_000);
    }
    await expect.poll(() => stateOf(alice.page, 'Written while Redis is away'), { timeout: 20_000 }).toBe('✓ delivered');

    // Both servers hear each other again (server 2's subscription came back with the connection).
    await sendChat(dan.page, 'Dan after the outage');
    for (const page of [alice.page, bob.page, carol.page]) {
      await expectChatShows(page, ['Before the outage', 'Written while Redis is away', 'Dan after the outage']);
    }
    for (const person of [alice, bob, carol, dan, eve]) await person.context.close();
  }, 150_000);
});
