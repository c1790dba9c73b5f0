import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { joinRoom, launchBrowser, openPhone } from '../support/browser.ts';
import { expectChatShows, openChat, sendChat, shownMessages } from '../support/chat.ts';
import { metricOf } from '../support/metrics.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';
import { startServer, type RunningServer } from '../support/server.ts';

/*
 * Two server processes with the same REDIS_URL are one service: people of one room on different servers chat, each
 * message arrives once and in one order for everyone, and the history is there whichever server a person comes
 * back to. Each server has a data directory of its own: nothing is shared but Redis.
 */

let browser: Browser;
let redis: RunningRedis;
let one: RunningServer;
let two: RunningServer;

const ownDataDir = () => mkdtempSync(path.join(os.tmpdir(), 'huddle-cluster-e2e-'));

beforeAll(async () => {
  redis = await startRedis();
  [one, two] = await Promise.all([
    startServer({ REDIS_URL: redis.url, DATA_DIR: ownDataDir(), SERVER_ID: 'server-one' }),
    startServer({ REDIS_URL: redis.url, DATA_DIR: ownDataDir(), SERVER_ID: 'server-two' }),
  ]);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([one?.stop(), two?.stop()]);
  await redis?.stop();
});

describe('chat across two servers', () => {
  test('Alice on server 1 and Bob on server 2 chat both ways, each message once and in one order; Bob back on server 1 sees the history', async () => {
    const alice = await openPhone(browser);
    const bob = await openPhone(browser);
    await joinRoom(alice.page, one.url, 'across-servers', 'Alice');
    await joinRoom(bob.page, two.url, 'across-servers', 'Bob');
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
    expect(await metricOf(one, 'huddle_chat_messages_stored_total')).toBe(6);
    expect(await metricOf(two, 'huddle_chat_messages_stored_total')).toBe(6);

    // Bob comes back through server 1 (his new device knows nothing: everything shown comes from the service).
    await bob.context.close();
    const bobAgain = await openPhone(browser);
    await joinRoom(bobAgain.page, one.url, 'across-servers', 'Bob');
    await openChat(bobAgain.page);
    await expect.poll(async () => (await everyone(bobAgain.page)).length, { timeout: 20_000 }).toBe(12);
    expect(await everyone(bobAgain.page)).toEqual(seenByAlice);

    await alice.context.close();
    await bobAgain.context.close();
  }, 120_000);
});
