import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keys } from '../../server/cluster/keys.ts';
import { joinRoom, openPhone } from '../support/browser.ts';
import { expectChatShows, openChat, sendChat, shownMessages } from '../support/chat.ts';
import { useCluster } from '../support/cluster.ts';
import { waitUntil } from '../support/poll.ts';

/*
 * A server of the service dies (SIGKILL) under its people. The service notices within seconds; the load balancer
 * (a proxy here) sends them to the other server, where their apps join the room again by themselves and the chat
 * goes on: nothing said before is lost, nothing is shown twice.
 */

const cluster = useCluster();
let redisClient: Redis;
beforeAll(() => {
  redisClient = new Redis(cluster.redis.url);
});
afterAll(() => redisClient?.disconnect());

describe('a server that dies', () => {
  test('leaves the service within seconds; its people come back through the other server and the chat goes on, once each', async () => {
    const alice = await openPhone(cluster.browser);
    const bob = await openPhone(cluster.browser);
    await joinRoom(alice.page, cluster.one.url, 'server-dies', 'Alice');
    await joinRoom(bob.page, cluster.balancer.url, 'server-dies', 'Bob'); // through the balancer, to server two
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
    cluster.two.process.kill('SIGKILL');
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
    expect(cluster.one.output()).toContain('server stopped heartbeating; cleaning up after it');
    await alice.context.close();
    await bob.context.close();
  }, 120_000);
});
