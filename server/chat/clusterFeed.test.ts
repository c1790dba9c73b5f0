import type { Redis } from 'ioredis';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ChatMessage, Notification } from '../../shared/protocol/index.ts';
import type { Room } from '../sfu/room.ts';
import { waitUntil } from '../../test/support/poll.ts';
import { useRedis } from '../testing/redis.ts';
import { ClusterChat } from './clusterFeed.ts';
import { GAP_WAIT_MS } from './feedSequencer.ts';
import { RedisChatStore } from './redisStore.ts';
import { chatFeedOf } from './roomEvents.ts';
import { ChatService, type ChatSender } from './service.ts';

const redis = useRedis();
/** The test's own connection, to see who listens. */
let raw: Redis;
beforeAll(async () => {
  raw = await redis.connect();
});

/** One server of a service, reduced to its chat: the real service, Redis store, bus and cross-server fan-out. */
async function chatServer(serverId: string) {
  const { bus, commands } = await redis.bus(serverId);
  const store = new RedisChatStore(commands, serverId);
  const chat = new ChatService(store);
  const cluster = new ClusterChat(chat, bus, store);
  return { chat, cluster, store };
}

/** A room open on one server as chat sees it; `feed` is what its people receive on the room's feed there. */
function roomOn(server: Awaited<ReturnType<typeof chatServer>>, id: string) {
  const feed: ChatMessage[] = [];
  const room = {
    id,
    instanceId: 'meeting-1',
    password: undefined,
    closed: false,
    data: { sendChat: (text: string) => (feed.push((JSON.parse(text) as { message: ChatMessage }).message), 1) },
  } as unknown as Room;
  server.cluster.opened(room);
  return { room, feed };
}

function person(id: string, name: string): ChatSender & { acks: unknown[] } {
  const acks: unknown[] = [];
  return { id, name, acks, notify: (notification: Notification) => acks.push(notification.data) };
}

const frame = (id: string, text: string) => Buffer.from(JSON.stringify({ type: 'send', id, text }));

describe('chat across servers', () => {
  test('messages stored on either server reach the room’s feed on both, each once and in seq order', async () => {
    const [one, two] = await Promise.all([chatServer('server-1'), chatServer('server-2')]);
    const onOne = roomOn(one, 'busy-room');
    const onTwo = roomOn(two, 'busy-room');
    await waitUntil(async () => (await raw.pubsub('NUMSUB', 'huddle:bus:room:busy-room'))[1] === 2, 'both servers listen');
    const ann = person('peer-ann', 'Ann');
    const bob = person('peer-bob', 'Bob');

    // Both write as fast as they can at once: numbers interleave, announcements cross.
    const count = 100;
    await Promise.all(
      Array.from({ length: count }, (_, index) => [
        one.chat.receive(chatFeedOf(onOne.room), ann, frame(`ann-message-${index}`, `Ann ${index}`), true),
        two.chat.receive(chatFeedOf(onTwo.room), bob, frame(`bob-message-${index}`, `Bob ${index}`), true),
      ]).flat(),
    );

    const all = Array.from({ length: 2 * count }, (_, index) => index + 1);
    await waitUntil(() => onOne.feed.length >= 2 * count && onTwo.feed.length >= 2 * count, 'both feeds carry everything', 10_000, () => `one ${onOne.feed.length}, two ${onTwo.feed.length}, stored ${one.chat.stats.stored}/${two.chat.stats.stored}, two: ${onTwo.feed.map((m) => m.seq).join(' ')}`);
    expect(onOne.feed.map((message) => message.seq)).toEqual(all);
    expect(onTwo.feed.map((message) => message.seq)).toEqual(all);
    expect(onTwo.feed).toEqual(onOne.feed);
    // Each server stored its own person's messages and only those.
    expect([one.chat.stats.stored, two.chat.stats.stored]).toEqual([count, count]);
    // A sender's messages keep the order it wrote them in.
    const annsTexts = onTwo.feed.filter((message) => message.peerId === 'peer-ann').map((message) => message.text);
    expect(annsTexts).toEqual(Array.from({ length: count }, (_, index) => `Ann ${index}`));
  }, 30_000);

  test('a resend through the other server (a reconnect elsewhere) is acknowledged with its first seq and not shown twice', async () => {
    const [one, two] = await Promise.all([chatServer('server-1'), chatServer('server-2')]);
    const onOne = roomOn(one, 'resend-room');
    const onTwo = roomOn(two, 'resend-room');
    await waitUntil(async () => (await raw.pubsub('NUMSUB', 'huddle:bus:room:resend-room'))[1] === 2, 'both servers listen');
    const ann = person('peer-ann', 'Ann');
    await one.chat.receive(chatFeedOf(onOne.room), ann, frame('written-once', 'hello'), true);
    await two.chat.receive(chatFeedOf(onTwo.room), ann, frame('written-once', 'hello'), true);
    await two.chat.receive(chatFeedOf(onTwo.room), ann, frame('written-after', 'again'), true);
    expect(ann.acks).toEqual([
      { id: 'written-once', seq: 1 },
      { id: 'written-once', seq: 1 },
      { id: 'written-after', seq: 2 },
    ]);
    // Both feeds: server 2 delivers on its own schedule too (its sequencer reads its baseline first; a fresh-clone run
    // checked it while server 1 alone had both).
    await waitUntil(() => onOne.feed.length === 2 && onTwo.feed.length === 2, 'both servers show both');
    expect(onOne.feed.map((message) => message.id)).toEqual(['written-once', 'written-after']);
    expect(onTwo.feed.map((message) => message.id)).toEqual(['written-once', 'written-after']);
  });

  test('a message stored but never announced (its server died in between) is read from the store to close the gap', async () => {
    const [one, two] = await Promise.all([chatServer('server-1'), chatServer('server-2')]);
    const onTwo = roomOn(two, 'gap-room');
    const onOne = roomOn(one, 'gap-room');
    await waitUntil(async () => (await raw.pubsub('NUMSUB', 'huddle:bus:room:gap-room'))[1] === 2, 'both servers listen');
    const ann = person('peer-ann', 'Ann');
    await one.chat.receive(chatFeedOf(onOne.room), ann, frame('first-message', 'one'), true);
    await waitUntil(() => onTwo.feed.length === 1, 'server 2 has the first');
    // A third server stores seq 2 and dies before announcing it.
    await one.store.append('gap-room', { id: 'lost-announcement', peerId: 'peer-carl', name: 'Carl', text: 'two' });
    const sentAt = Date.now();
    await one.chat.receive(chatFeedOf(onOne.room), ann, frame('third-message', 'three'), true);

    await waitUntil(() => onTwo.feed.length === 3, 'server 2 fills the gap');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(GAP_WAIT_MS - 20);
    expect(onTwo.feed.map((message) => [message.seq, message.text])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
    ]);
    await waitUntil(() => onOne.feed.length === 3, 'server 1 fills it too');
    expect(onOne.feed.map((message) => message.seq)).toEqual([1, 2, 3]);
  });
});
