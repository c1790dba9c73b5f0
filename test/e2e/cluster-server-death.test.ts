import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keys } from '../../server/cluster/keys.ts';
import { joinRoom, launchBrowser, openPhone } from '../support/browser.ts';
import { expectChatShows, openChat, sendChat, shownMessages } from '../support/chat.ts';
import { waitUntil } from '../support/poll.ts';
import { startRedis, type RunningRedis } from '../support/redis.ts';
import { startServer, type RunningServer } from '../support/server.ts';
import { startBalancer, type Balancer } from '../support/balancer.ts';

/*
 * A server of the service dies (SIGKILL) under its people. The service notices within seconds; the load balancer
 * (a proxy here) sends them to the other server, where their apps join the room again by themselves and the chat
 * goes on: nothing said before is lost, nothing is shown twice.
 */

let browser: Browser;
let redis: RunningRedis;
let one: RunningServer;
let two: RunningServer;
let balancer: Balancer;
let redisClient: Redis;

const ownDataDir = () => mkdtempSync(path.join(os.tmpdir(), 'huddle-cluster-e2e-'));

beforeAll(async () => {
  redis = await startRedis();
  [one, two] = await Promise.all([
    startServer({ REDIS_URL: redis.url, DATA_DIR: ownDataDir(), SERVER_ID: 'server-one' }),
    startServer({ REDIS_URL: redis.url, DATA_DIR: ownDataDir(), SERVER_ID: 'server-two' }),
  ]);
  // Bob's connections go to server two while it lives; refused there, the balancer sends them to server one.
  balancer = await startBalancer([one.port, two.port]);
  balancer.prefer(1);
  redisClient = new Redis(redis.url);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  redisClient?.disconnect();
  await balancer?.close();
  await one?.stop();
  await two?.stop();
  await redis?.stop();
});

describe('a server that dies', () => {
  test('leaves the service within seconds; its people come back through the other server and the chat goes on, once each', async () => {
    const alice = await openPhone(browser);
    const bob = await openPhone(browser);
    await joinRoom(alice.page, one.url, 'server-dies', 'Alice');
    await joinRoom(bob.page, balancer.url, 'server-dies', 'Bob'); // through the balancer, to server two
    await openChat(alice.page);
    await openChat(bob.page);
    await sendChat(alice.page, 'Before the crash');
    await expectChatShows(bob.page, ['Before the crash']);
    await sendChat(bob.page, 'Bob before the crash');
    await expectChatShows(alice.page, ['Before the crash', 'Bob before the crash']);
    // The directory's peer counts are refreshed every 2 s.
    await waitUntil(
      async () => JSON.stringify(await redisClient.hgetall(keys.roomServers('server-dies'))) === JSON.stringify({ 'server-one': '1', 'server-two': '1' }),
      'the room on both servers, one person each',
      10_000,
    );

    const killedAt = Date.now();
    two.process.kill('SIGKILL');
    await sendChat(bob.page, 'Bob after the crash'); // queued on his device until he is back

    const expected = ['Before the crash', 'Bob before the crash', 'Bob after the crash'];
    await expectChatShows(alice.page, expected, 30_000);
    await sendChat(alice.page, 'Alice after the crash');
    await expectChatShows(bob.page, [...expected, 'Alice after the crash'], 30_000);
    await expectChatShows(alice.page, [...expected, 'Alice after the crash']);
    expect((await shownMessages(bob.page)).map((message) => message.author)).toEqual(['Alice', 'Bob', 'Bob', 'Alice']);

    // Server one reaped server two: gone from the service and from the room, whose people are all on server one.
    await waitUntil(async () => (await redisClient.zscore(keys.servers, 'server-two')) === null, 'server two leaves the service', 15_000);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    await waitUntil(
      async () => JSON.stringify(await redisClient.hgetall(keys.roomServers('server-dies'))) === JSON.stringify({ 'server-one': '2' }),
      'the room is on server one alone, with both',
      15_000,
    );
    expect(one.output()).toContain('server stopped heartbeating; cleaning up after it');
    await alice.context.close();
    await bob.context.close();
  }, 120_000);
});
